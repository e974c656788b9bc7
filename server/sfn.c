/* The workflow service: the engine on the daemon's loop, its history and
 * checkpoints written to the store, events pushed to subscribers once they
 * are durable, requests waiting for executions answered once their end is
 * durable, executions whose writes failed reloaded from the store, and
 * finished executions pruned after the retention period. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/buf.h"
#include "common/xmalloc.h"
#include "orchestrator/validate.h"
#include "server/log.h"
#include "server/sfn_int.h"

/* After a failed write, the execution is reloaded this much later (a full
 * disk is not over at once). */
#define RELOAD_DELAY_US 1000000u
#define PRUNE_BATCH 1000
#define PRUNE_EVERY_US (3600ull * 1000000u)
#define DAY_MS (86400ll * 1000)

double
sl_sfn_date(int64_t ms)
{
	return (double)ms / 1000.0;
}

/* --- compiled machines ------------------------------------------------- */

struct sl_asl_machine *
sl_sfn_machine(struct sl_sfn *sfn, const char *arn, const char *revision_id,
    const char *definition, const char *name, struct sl_err *err)
{
	struct sfn_machine *c;
	struct sl_asl_machine *m;

	for (c = sfn->machines; c != NULL; c = c->next)
		if (strcmp(c->arn, arn) == 0 &&
		    strcmp(c->revision_id, revision_id) == 0)
			return c->m;
	m = sl_asl_machine_new(definition, arn, name, err);
	if (m == NULL)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->arn = xstrdup(arn);
	c->revision_id = xstrdup(revision_id);
	c->m = m;
	c->next = sfn->machines;
	sfn->machines = c;
	return m;
}

void
sl_sfn_machine_forget(struct sl_sfn *sfn, const char *arn)
{
	struct sfn_machine **pc, *c;

	/* Executions hold their own references: dropping ours is safe. */
	for (pc = &sfn->machines; (c = *pc) != NULL;) {
		if (strcmp(c->arn, arn) == 0) {
			*pc = c->next;
			sl_asl_machine_unref(c->m);
			free(c->arn);
			free(c->revision_id);
			free(c);
		} else
			pc = &c->next;
	}
}

static const char *
machine_name(const char *sm_arn)
{
	const char *p = strstr(sm_arn, ":stateMachine:");

	return p ? p + 14 : sm_arn;
}

/* --- waiters ------------------------------------------------------------ */

/* Answer every waiter of the list w (taken) with result or err. */
static void
answer_waiters(struct sl_sfn *sfn, struct sfn_waiter *w, const char *result,
    const struct sl_err *err)
{
	struct sfn_waiter *next;

	for (; w != NULL; w = next) {
		next = w->next;
		if (sfn->api == NULL)
			;
		else if (err != NULL)
			sl_api_reply_err(sfn->api, w->call->conn,
			    w->call->id_json, err);
		else
			sl_api_reply_raw(sfn->api, w->call->conn,
			    w->call->id_json, result, strlen(result));
		sl_api_call_free(w->call);
		free(w);
	}
}

/* Drop waiters without an answer (their request was answered already). */
static void
drop_waiters(struct sfn_waiter *w)
{
	struct sfn_waiter *next;

	for (; w != NULL; w = next) {
		next = w->next;
		sl_api_call_free(w->call);
		free(w);
	}
}

/* --- execution records ------------------------------------------------- */

static struct sfn_exec *
fx_new(struct sl_sfn *sfn, const char *arn, const char *sm_arn,
    const char *name, const char *input)
{
	struct sfn_exec *fx = xcalloc(1, sizeof(*fx));

	fx->sfn = sfn;
	fx->refs = 1;
	fx->arn = arn ? xstrdup(arn) : NULL;
	fx->sm_arn = xstrdup(sm_arn);
	fx->name = name ? xstrdup(name) : NULL;
	fx->input = xstrdup(input ? input : "{}");
	fx->next = &sfn->execs;
	fx->prev = sfn->execs.prev;
	sfn->execs.prev->next = fx;
	sfn->execs.prev = fx;
	return fx;
}

static void
fx_unref(struct sfn_exec *fx)
{
	struct sl_err err = SL_ERR_INIT;

	if (--fx->refs > 0)
		return;
	if (fx->waiters != NULL) {
		sl_err_set(&err, "ServiceUnavailable", "the execution %s "
		    "could not be followed to its end", fx->arn);
		answer_waiters(fx->sfn, fx->waiters, NULL, &err);
	}
	fx->prev->next = fx->next;
	fx->next->prev = fx->prev;
	free(fx->arn);
	free(fx->sm_arn);
	free(fx->name);
	free(fx->input);
	free(fx);
}

/* The execution's description: DescribeExecution's shape, which is also
 * what StartSyncExecution and StartExecution with "wait" reply. */
static char *
describe_exec(struct sfn_exec *fx, struct sl_exec *x)
{
	cJSON *o = cJSON_CreateObject();
	const char *s;
	char *text;

	cJSON_AddStringToObject(o, "executionArn", sl_exec_arn(x));
	cJSON_AddStringToObject(o, "stateMachineArn", fx->sm_arn);
	cJSON_AddStringToObject(o, "name", sl_exec_name(x));
	cJSON_AddStringToObject(o, "status",
	    sl_exec_status_name(sl_exec_status(x)));
	cJSON_AddNumberToObject(o, "startDate",
	    sl_sfn_date(sl_exec_start_ms(x)));
	cJSON_AddNumberToObject(o, "stopDate", sl_sfn_date(sl_exec_stop_ms(x)));
	cJSON_AddStringToObject(o, "input", fx->input ? fx->input : "{}");
	if ((s = sl_exec_output(x)) != NULL)
		cJSON_AddStringToObject(o, "output", s);
	if ((s = sl_exec_error(x)) != NULL)
		cJSON_AddStringToObject(o, "error", s);
	if ((s = sl_exec_cause(x)) != NULL)
		cJSON_AddStringToObject(o, "cause", s);
	text = sl_json_print(o);
	cJSON_Delete(o);
	return text;
}

char *
sl_sfn_describe_stored(const struct sl_store_exec *e)
{
	cJSON *o = cJSON_CreateObject();
	char *t, *text;

	cJSON_AddStringToObject(o, "executionArn", e->arn);
	cJSON_AddStringToObject(o, "stateMachineArn", e->sm_arn);
	cJSON_AddStringToObject(o, "name", e->name);
	cJSON_AddStringToObject(o, "status",
	    sl_store_exec_status_name(e->status));
	cJSON_AddNumberToObject(o, "startDate", sl_sfn_date(e->start_date));
	if (e->stop_date != 0)
		cJSON_AddNumberToObject(o, "stopDate",
		    sl_sfn_date(e->stop_date));
	cJSON_AddStringToObject(o, "input", e->input ? e->input : "{}");
	if (e->output != NULL)
		cJSON_AddStringToObject(o, "output", e->output);
	if (e->error != NULL)
		cJSON_AddStringToObject(o, "error", e->error);
	if (e->cause != NULL)
		cJSON_AddStringToObject(o, "cause", e->cause);
	if (e->revision_id != NULL)
		cJSON_AddStringToObject(o, "stateMachineRevisionId",
		    e->revision_id);
	t = sl_json_print(o);
	text = xstrdup(t);
	cJSON_free(t);
	cJSON_Delete(o);
	return text;
}

/* --- ending stored executions the engine does not run ------------------- */

int
sl_sfn_finish_stored(struct sl_sfn *sfn, const char *arn,
    enum sl_store_exec_status status, const char *error, const char *cause,
    sl_store_cb *cb, void *arg, struct sl_err *err)
{
	static const char *const types[] = { "", "ExecutionSucceeded",
		"ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted" };
	static const char *const keys[] = { "", "executionSucceededEventDetails",
		"executionFailedEventDetails",
		"executionTimedOutEventDetails",
		"executionAbortedEventDetails" };
	struct sl_store_exec e = { 0 };
	struct sl_store_exec_end end = { 0 };
	struct sl_store_event ev = { 0 };
	cJSON *o, *d;
	char *json;
	int rc;

	if (status == SL_STORE_EXEC_RUNNING ||
	    status == SL_STORE_EXEC_SUCCEEDED || (unsigned)status > 4)
		return sl_err_set(err, "InternalFailure", "%s: not an end "
		    "without output", arn);
	if (sl_store_exec_get(sfn->store, arn, &e, err) < 0)
		return -1;
	ev.id = e.last_event_id + 1;
	ev.previous_id = e.last_event_id;
	ev.timestamp = sl_api_now_ms();
	ev.type = types[status];
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)ev.id);
	cJSON_AddNumberToObject(o, "previousEventId", (double)ev.previous_id);
	cJSON_AddNumberToObject(o, "timestamp", (double)ev.timestamp);
	cJSON_AddStringToObject(o, "type", ev.type);
	d = cJSON_AddObjectToObject(o, keys[status]);
	if (error != NULL)
		cJSON_AddStringToObject(d, "error", error);
	if (cause != NULL)
		cJSON_AddStringToObject(d, "cause", cause);
	json = sl_json_print(o);
	cJSON_Delete(o);
	ev.json = json;
	end.status = status;
	end.error = error;
	end.cause = cause;
	end.now = ev.timestamp;
	end.events = &ev;
	end.n = 1;
	rc = sl_store_exec_finish(sfn->store, arn, &end, cb, arg, err);
	cJSON_free(json);
	sl_store_exec_release(&e);
	return rc;
}

/* Waiters of an execution answered from the store once its end there is
 * durable. */
struct stored_end {
	struct sl_sfn *sfn;
	char *arn;
	struct sfn_waiter *waiters;
};

static void
stored_end_done(void *arg, const struct sl_err *err)
{
	struct stored_end *se = arg;
	struct sl_store_exec e = { 0 };
	struct sl_err gerr = SL_ERR_INIT;
	char *text;

	if (err != NULL)
		answer_waiters(se->sfn, se->waiters, NULL, err);
	else if (sl_store_exec_get(se->sfn->store, se->arn, &e, &gerr) < 0)
		answer_waiters(se->sfn, se->waiters, NULL, &gerr);
	else {
		text = sl_sfn_describe_stored(&e);
		answer_waiters(se->sfn, se->waiters, text, NULL);
		free(text);
		sl_store_exec_release(&e);
	}
	free(se->arn);
	free(se);
}

static struct stored_end *
stored_end_new(struct sl_sfn *sfn, const char *arn, struct sfn_waiter *w)
{
	struct stored_end *se = xcalloc(1, sizeof(*se));

	se->sfn = sfn;
	se->arn = xstrdup(arn);
	se->waiters = w;
	return se;
}

/* End a stored execution that cannot go on (FAILED with error and
 * cause); its waiters (taken) hear of it once that is durable. */
static void
fail_stored(struct sl_sfn *sfn, const char *arn, const char *error,
    const char *cause, struct sfn_waiter *w)
{
	struct stored_end *se = stored_end_new(sfn, arn, w);
	struct sl_err err = SL_ERR_INIT;

	if (sl_sfn_finish_stored(sfn, arn, SL_STORE_EXEC_FAILED, error, cause,
	    stored_end_done, se, &err) < 0) {
		sl_slog(SL_SLOG_ERROR, "store_failed", "what=fail "
		    "execution=%s type=%s", arn, err.type);
		stored_end_done(se, &err);
	}
}

/* --- reloading executions whose writes failed -------------------------- */

static void
queue_reload(struct sfn_exec *fx)
{
	struct sl_sfn *sfn = fx->sfn;

	if (fx->queued || sfn->stopping)
		return;
	fx->queued = 1;
	fx->refs++;
	fx->reload_next = sfn->reload;
	sfn->reload = fx;
	if (fx->over_quota)
		sl_loop_timer_start(sfn->loop, &sfn->reload_timer, 0);
	else if (!sl_timer_active(&sfn->reload_timer))
		sl_loop_timer_start(sfn->loop, &sfn->reload_timer,
		    RELOAD_DELAY_US);
}

/* A write of fx failed: the engine's copy is ahead of the store, so it
 * writes nothing more and is reloaded from what the store has. */
static void
mark_lost(struct sfn_exec *fx, const struct sl_err *err)
{
	if (!fx->lost && !fx->sfn->stopping)
		sl_slog(SL_SLOG_ERROR, "store_failed", "execution=%s type=%s "
		    "msg=\"%s\" action=reload", fx->arn, err->type,
		    err->msg);
	fx->lost = 1;
	queue_reload(fx);
}

static int resume_one(struct sl_sfn *sfn, const struct sl_store_exec *e,
    struct sfn_waiter *w);

static void
reload_one(struct sl_sfn *sfn, struct sfn_exec *fx)
{
	struct sl_store_exec e = { 0 };
	struct sl_err err = SL_ERR_INIT;
	struct sfn_waiter *w;
	struct sl_exec *x;

	if (!fx->ended) {
		/* Out of the engine, without a word to the store. */
		x = sl_engine_find(sfn->engine, fx->arn);
		fx->detached = 1;
		if (x != NULL && sl_exec_user(x) == fx)
			sl_exec_stop(x, NULL, NULL);
	}
	w = fx->waiters;
	fx->waiters = NULL;
	if (fx->over_quota) {
		sl_slog(SL_SLOG_WARN, "history_quota", "execution=%s "
		    "events=%d", fx->arn, SL_STORE_MAX_EVENTS);
		fail_stored(sfn, fx->arn, SL_STORE_HISTORY_LIMIT_ERROR,
		    SL_STORE_HISTORY_LIMIT_MSG, w);
		return;
	}
	if (sl_store_exec_resume(sfn->store, fx->arn, &e, &err) == 0) {
		sl_slog(SL_SLOG_INFO, "reloaded", "execution=%s "
		    "last_event_id=%lld", fx->arn, (long long)e.last_event_id);
		resume_one(sfn, &e, w);
		sl_store_exec_release(&e);
	} else if (strcmp(err.type, SL_STORE_NOT_RUNNING) == 0) {
		/* Its end is in the store (stopped meanwhile). */
		sl_store_sync(sfn->store, stored_end_done,
		    stored_end_new(sfn, fx->arn, w));
	} else if (strcmp(err.type, "ExecutionDoesNotExist") == 0) {
		/* Its start was lost with the batch, and the request that
		 * started it was told so. */
		drop_waiters(w);
	} else {
		/* The store cannot even be read: try again later. */
		fx->waiters = w;
		mark_lost(fx, &err);
	}
}

static void
reload_timer_cb(struct sl_timer *t)
{
	struct sl_sfn *sfn = t->arg;
	struct sfn_exec *list = sfn->reload, *fx;

	sfn->reload = NULL;
	while ((fx = list) != NULL) {
		list = fx->reload_next;
		fx->queued = 0;
		if (!sfn->stopping)
			reload_one(sfn, fx);
		fx_unref(fx);
	}
}

/* --- engine callbacks --------------------------------------------------- */

struct progress {
	struct sfn_exec *fx;
	char **texts;
	int n;
};

/* Subscribers see the events in order, once they are recorded. */
static void
push_events(struct sfn_exec *fx, char **texts, int n)
{
	int i;

	if (fx->sfn->api == NULL)
		return;
	for (i = 0; i < n; i++)
		sl_api_execution_event(fx->sfn->api, fx->sm_arn, fx->arn,
		    texts[i]);
}

static void
progress_done(void *arg, const struct sl_err *err)
{
	struct progress *pc = arg;

	if (err == NULL)
		push_events(pc->fx, pc->texts, pc->n);
	else
		mark_lost(pc->fx, err);
	xfree_strv(pc->texts, (size_t)pc->n);
	fx_unref(pc->fx);
	free(pc);
}

/* The store refused events of fx past AWS's quota: what fits of evs (n)
 * is kept, and the execution fails with event 25,000. */
static void
over_quota(struct sfn_exec *fx, const struct sl_store_event *evs, int n)
{
	struct sl_err err = SL_ERR_INIT;
	int fit = 0;

	while (fit < n && evs[fit].id < SL_STORE_MAX_EVENTS)
		fit++;
	if (fit > 0 && sl_store_exec_progress(fx->sfn->store, fx->arn, evs,
	    (size_t)fit, NULL, NULL, NULL, &err) < 0)
		sl_slog(SL_SLOG_WARN, "store_failed", "what=progress "
		    "execution=%s type=%s", fx->arn, err.type);
	fx->over_quota = 1;
	queue_reload(fx);
}

static void
on_batch(void *arg, struct sl_exec *x, const cJSON *events,
    const char *checkpoint)
{
	struct sl_sfn *sfn = arg;
	struct sfn_exec *fx = sl_exec_user(x);
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_event *evs;
	struct progress *pc;
	const cJSON *ev;
	char **texts;
	int n, i = 0;

	if (fx->detached || (fx->stored && (fx->lost || fx->over_quota)))
		return;
	if (fx->arn == NULL)
		fx->arn = xstrdup(sl_exec_arn(x));
	n = cJSON_GetArraySize(events);
	if (n == 0 && checkpoint == NULL)
		return;
	evs = xcalloc((size_t)n + 1, sizeof(*evs));
	texts = xcalloc((size_t)n + 1, sizeof(*texts));
	cJSON_ArrayForEach(ev, events) {
		texts[i] = sl_json_print(ev);
		evs[i].id = (int64_t)cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(ev, "id"));
		evs[i].previous_id = (int64_t)cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(ev, "previousEventId"));
		if (evs[i].previous_id < 0)
			evs[i].previous_id = 0;
		evs[i].timestamp = (int64_t)cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(ev, "timestamp"));
		evs[i].type = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(ev, "type"));
		evs[i].json = texts[i];
		i++;
	}
	if (!fx->stored) {
		/* Express: nothing to wait for. */
		push_events(fx, texts, n);
		xfree_strv(texts, (size_t)n);
		free(evs);
		return;
	}
	pc = xcalloc(1, sizeof(*pc));
	pc->fx = fx;
	pc->texts = texts;
	pc->n = n;
	fx->refs++;
	if (sl_store_exec_progress(sfn->store, fx->arn, evs, (size_t)n,
	    checkpoint, progress_done, pc, &err) < 0) {
		fx->refs--; /* the engine's reference remains */
		free(pc);
		if (strcmp(err.type, SL_STORE_HISTORY_LIMIT_ERROR) == 0)
			over_quota(fx, evs, n);
		else
			mark_lost(fx, &err);
		xfree_strv(texts, (size_t)n);
	}
	free(evs);
}

/* Waiters answered once the end of their execution is durable. */
struct finish_ctx {
	struct sfn_exec *fx;
	char *result;
};

static void
finish_done(void *arg, const struct sl_err *err)
{
	struct finish_ctx *fc = arg;
	struct sfn_exec *fx = fc->fx;

	if (err == NULL) {
		answer_waiters(fx->sfn, fx->waiters, fc->result, NULL);
		fx->waiters = NULL;
	} else
		mark_lost(fx, err);
	cJSON_free(fc->result);
	fx_unref(fx);
	free(fc);
}

static void
on_done(void *arg, struct sl_exec *x)
{
	struct sl_sfn *sfn = arg;
	struct sfn_exec *fx = sl_exec_user(x);
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_exec_end end = { 0 };
	struct finish_ctx *fc;
	const char *status = sl_exec_status_name(sl_exec_status(x));
	char *result;

	fx->ended = 1;
	if (fx->detached || (fx->stored && (fx->lost || fx->over_quota))) {
		/* The reload queue has it. */
		fx_unref(fx);
		return;
	}
	sl_slog(SL_SLOG_DEBUG, "execution_done", "execution=%s status=%s",
	    sl_exec_arn(x), status);
	result = describe_exec(fx, x);
	if (!fx->stored) {
		answer_waiters(sfn, fx->waiters, result, NULL);
		fx->waiters = NULL;
		cJSON_free(result);
		fx_unref(fx);
		return;
	}
	end.status = sl_store_exec_status_parse(status);
	end.output = sl_exec_output(x);
	end.error = sl_exec_error(x);
	end.cause = sl_exec_cause(x);
	end.now = sl_exec_stop_ms(x);
	fc = xcalloc(1, sizeof(*fc));
	fc->fx = fx;
	fc->result = result;
	fx->refs++;
	if (sl_store_exec_finish(sfn->store, fx->arn, &end, finish_done, fc,
	    &err) < 0) {
		fx->refs--;
		cJSON_free(result);
		free(fc);
		mark_lost(fx, &err);
	}
	fx_unref(fx);
}

int
sl_sfn_exec_start(struct sl_sfn *sfn, struct sl_asl_machine *m,
    const char *sm_arn, const char *arn, const char *name, const char *input,
    int64_t start_ms, int express, int stored, struct sfn_waiter *w,
    struct sl_err *err)
{
	struct sfn_exec *fx = fx_new(sfn, arn, sm_arn, name, input);
	struct sl_exec_start st = { 0 };

	fx->express = express;
	fx->stored = stored;
	fx->waiters = w;
	st.name = name;
	st.arn = arn;
	st.input = fx->input;
	st.start_ms = start_ms;
	st.express = express;
	st.user = fx;
	/* The execution may run to its end inside this call (on_done drops
	 * the engine's reference): fx is not touched after it succeeds. */
	if (sl_exec_start(sfn->engine, m, &st, err) < 0) {
		fx->waiters = NULL;
		fx_unref(fx);
		return -1;
	}
	return 0;
}

/* Continue a stored RUNNING execution in the engine, from its checkpoint
 * (or from its start when it has none yet); the waiters w (taken) get its
 * end. One that cannot go on is failed, saying why. Returns 0 when it
 * runs. */
static int
resume_one(struct sl_sfn *sfn, const struct sl_store_exec *e,
    struct sfn_waiter *w)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_asl_machine *m;
	struct sfn_exec *fx;

	m = sl_sfn_machine(sfn, e->sm_arn, e->revision_id, e->definition,
	    machine_name(e->sm_arn), &err);
	if (m != NULL && e->checkpoint != NULL) {
		fx = fx_new(sfn, e->arn, e->sm_arn, e->name, e->input);
		fx->stored = 1;
		fx->waiters = w;
		if (sl_exec_restore(sfn->engine, m, e->checkpoint, fx,
		    &err) == 0)
			return 0;
		fx->waiters = NULL;
		fx_unref(fx);
	} else if (m != NULL && sl_sfn_exec_start(sfn, m, e->sm_arn, e->arn,
	    e->name, e->input, e->start_date, 0, 1, w, &err) == 0)
		return 0;
	sl_slog(SL_SLOG_ERROR, "resume_failed", "execution=%s type=%s",
	    e->arn, err.type);
	fail_stored(sfn, e->arn, "States.Runtime", err.msg, w);
	return -1;
}

int
sl_sfn_stop(struct sl_sfn *sfn, const char *arn, const char *error,
    const char *cause, sl_store_cb *cb, void *arg, int64_t *stop_date,
    struct sl_err *err)
{
	struct sl_store_exec e = { 0 };
	struct sl_exec *x = sl_engine_find(sfn->engine, arn);
	struct sfn_exec *fx = x ? sl_exec_user(x) : NULL;

	*stop_date = sl_api_now_ms();
	if (fx != NULL && !fx->detached && !fx->lost && !fx->over_quota) {
		/* Ends it now (its last events and the store's finish are
		 * written inside); cb runs once that is durable. */
		sl_exec_stop(x, error, cause);
		sl_store_sync(sfn->store, cb, arg);
		return 0;
	}
	if (sl_store_exec_get(sfn->store, arn, &e, err) < 0)
		return -1;
	if (e.status != SL_STORE_EXEC_RUNNING) {
		/* Already over: AWS answers with its end. */
		*stop_date = e.stop_date;
		sl_store_exec_release(&e);
		sl_store_sync(sfn->store, cb, arg);
		return 0;
	}
	sl_store_exec_release(&e);
	/* Known to the store only (being reloaded): end it there; the
	 * reload then finds it over. */
	if (fx != NULL && !fx->detached) {
		fx->detached = 1;
		sl_exec_stop(x, NULL, NULL);
	}
	return sl_sfn_finish_stored(sfn, arn, SL_STORE_EXEC_ABORTED, error,
	    cause, cb, arg, err);
}

/* --- retention ------------------------------------------------------------ */

static void
prune_timer_cb(struct sl_timer *t)
{
	struct sl_sfn *sfn = t->arg;
	struct sl_err err = SL_ERR_INIT;
	size_t deleted = 0;
	int64_t before = sl_api_now_ms() -
	    (int64_t)sfn->retention_days * DAY_MS;

	if (sl_store_prune(sfn->store, before, PRUNE_BATCH, &deleted, NULL,
	    NULL, &err) < 0)
		sl_slog(SL_SLOG_WARN, "prune_failed", "type=%s", err.type);
	else if (deleted > 0)
		sl_slog(SL_SLOG_INFO, "pruned", "executions=%zu days=%u",
		    deleted, sfn->retention_days);
	/* A full batch: more may be due, in the next iteration. */
	sl_loop_timer_start(sfn->loop, t, deleted == PRUNE_BATCH ? 0 :
	    PRUNE_EVERY_US);
}

/* --- lifecycle ------------------------------------------------------------ */

struct sl_sfn *
sl_sfn_new(const struct sl_sfn_config *cfg, struct sl_err *err)
{
	struct sl_sfn *sfn = xcalloc(1, sizeof(*sfn));
	struct sl_store_config sc = { 0 };
	struct sl_engine_config ec = { 0 };

	sfn->loop = cfg->loop;
	sfn->host = cfg->host;
	sfn->retention_days = cfg->retention_days;
	sfn->region = xstrdup(cfg->region ? cfg->region : "us-east-1");
	sfn->account = xstrdup(cfg->account ? cfg->account : "000000000000");
	sfn->execs.next = sfn->execs.prev = &sfn->execs;
	sl_timer_init(&sfn->reload_timer, reload_timer_cb, sfn);
	sl_timer_init(&sfn->prune_timer, prune_timer_cb, sfn);
	sc.data_dir = cfg->data_dir;
	sc.loop = cfg->flush_by_owner ? NULL : cfg->loop;
	sc.sync = cfg->relaxed_sync ? SL_STORE_SYNC_NORMAL : SL_STORE_SYNC_FULL;
	sc.verify = cfg->verify;
	sc.max_pages = cfg->max_db_pages;
	sfn->store = sl_store_open(&sc, err);
	if (sfn->store == NULL)
		goto fail;
	sfn->clock = sl_clock_loop_new(cfg->loop);
	sfn->invoker = sl_invoke_host_new(cfg->host);
	ec.invoker = sl_invoke_host_iface(sfn->invoker);
	ec.clock = sl_clock_iface(sfn->clock);
	ec.on_batch = on_batch;
	ec.on_done = on_done;
	ec.cb_arg = sfn;
	ec.checkpoints = 1;
	ec.region = sfn->region;
	ec.account = sfn->account;
	sfn->engine = sl_engine_new(&ec);
	sl_clock_attach(sfn->clock, sfn->engine);
	sl_invoke_host_attach(sfn->invoker, sfn->engine);
	return sfn;
fail:
	sl_sfn_free(sfn);
	return NULL;
}

size_t
sl_sfn_start(struct sl_sfn *sfn, struct sl_api *api)
{
	struct sl_store_exec_list l = { 0 };
	struct sl_err err = SL_ERR_INIT;
	size_t i, n = 0;

	sfn->api = api;
	if (sfn->retention_days > 0)
		sl_loop_timer_start(sfn->loop, &sfn->prune_timer, 0);
	if (sl_store_exec_running(sfn->store, &l, &err) < 0) {
		sl_slog(SL_SLOG_ERROR, "resume_failed", "type=%s msg=\"%s\"",
		    err.type, err.msg);
		return 0;
	}
	for (i = 0; i < l.n; i++)
		if (resume_one(sfn, &l.items[i], NULL) == 0)
			n++;
	sl_store_exec_list_release(&l);
	if (n > 0)
		sl_slog(SL_SLOG_INFO, "resumed", "executions=%zu", n);
	return n;
}

void
sl_sfn_free(struct sl_sfn *sfn)
{
	struct sl_err err = SL_ERR_INIT;
	struct sfn_machine *c, *cnext;
	struct sfn_exec *fx, *next;

	if (sfn == NULL)
		return;
	sfn->stopping = 1;
	sl_loop_timer_stop(sfn->loop, &sfn->reload_timer);
	sl_loop_timer_stop(sfn->loop, &sfn->prune_timer);
	sl_err_set(&err, "ServiceUnavailable", "the server is stopping; the "
	    "execution goes on when it starts again");
	for (fx = sfn->execs.next; fx != &sfn->execs; fx = fx->next) {
		answer_waiters(sfn, fx->waiters, NULL, &err);
		fx->waiters = NULL;
	}
	/* No callbacks from here: the executions stay RUNNING in the store,
	 * with the checkpoint of their last committed step. */
	sl_engine_free(sfn->engine);
	sfn->engine = NULL;
	for (fx = sfn->execs.next; fx != &sfn->execs; fx = next) {
		next = fx->next;
		if (!fx->ended) {
			fx->ended = 1;
			fx_unref(fx);
		}
	}
	while ((fx = sfn->reload) != NULL) {
		sfn->reload = fx->reload_next;
		fx->queued = 0;
		fx_unref(fx);
	}
	sl_invoke_host_free(sfn->invoker);
	sl_clock_free(sfn->clock);
	for (c = sfn->machines; c != NULL; c = cnext) {
		cnext = c->next;
		sl_asl_machine_unref(c->m);
		free(c->arn);
		free(c->revision_id);
		free(c);
	}
	if (sfn->store != NULL) {
		struct sl_store_stats st;

		sl_store_get_stats(sfn->store, &st);
		sl_slog(SL_SLOG_INFO, "store_stats", "commits=%llu "
		    "failed_commits=%llu writes=%llu",
		    (unsigned long long)st.commits,
		    (unsigned long long)st.failed_commits,
		    (unsigned long long)st.writes);
	}
	/* The last commit runs the write callbacks, which let go of the
	 * last records. */
	sl_store_close(sfn->store);
	while (sfn->execs.next != &sfn->execs) {
		fx = sfn->execs.next;
		fx->refs = 1;
		fx_unref(fx);
	}
	free(sfn->region);
	free(sfn->account);
	free(sfn);
}

int
sl_sfn_flush(struct sl_sfn *sfn)
{
	int i, rc = 0;

	/* Callbacks rarely write again (a failed commit's reload is a
	 * timer); a few rounds settle it. */
	for (i = 0; i < 8 && sl_store_pending(sfn->store); i++)
		if (sl_store_flush(sfn->store, NULL) < 0)
			rc = -1;
	return rc;
}

size_t
sl_sfn_running(const struct sl_sfn *sfn)
{
	return sl_engine_count(sfn->engine);
}
