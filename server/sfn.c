/* The workflow service: the engine on the daemon's loop, its history and
 * checkpoints written to the store, events pushed to subscribers, and
 * requests waiting for executions answered when they end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "orchestrator/validate.h"
#include "server/log.h"
#include "server/sfn_int.h"

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

/* --- execution records ------------------------------------------------- */

static void
fx_free(struct sfn_exec *fx)
{
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
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* Waiters answered once the end of their execution is durable. */
struct finish_ctx {
	struct sl_sfn *sfn;
	struct sfn_waiter *waiters;
	char *result;
};

static void
answer_waiters(struct sl_sfn *sfn, struct sfn_waiter *w, const char *result,
    const struct sl_err *err)
{
	struct sfn_waiter *next;

	for (; w != NULL; w = next) {
		next = w->next;
		if (err != NULL)
			sl_api_reply_err(sfn->api, w->call->conn,
			    w->call->id_json, err);
		else
			sl_api_reply_raw(sfn->api, w->call->conn,
			    w->call->id_json, result, strlen(result));
		sl_api_call_free(w->call);
		free(w);
	}
}

static void
finish_done(void *arg, const struct sl_err *err)
{
	struct finish_ctx *fc = arg;

	if (err != NULL)
		sl_slog(SL_SLOG_ERROR, "store_failed", "what=finish type=%s",
		    err->type);
	answer_waiters(fc->sfn, fc->waiters, fc->result, err);
	cJSON_free(fc->result);
	free(fc);
}

static void
on_batch(void *arg, struct sl_exec *x, const cJSON *events,
    const char *checkpoint)
{
	struct sl_sfn *sfn = arg;
	struct sfn_exec *fx = sl_exec_user(x);
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_event *evs;
	const cJSON *ev;
	char **texts;
	int n, i = 0;

	if (fx->arn == NULL)
		fx->arn = xstrdup(sl_exec_arn(x));
	n = cJSON_GetArraySize(events);
	if (n == 0 && checkpoint == NULL)
		return;
	evs = xcalloc((size_t)n + 1, sizeof(*evs));
	texts = xcalloc((size_t)n + 1, sizeof(*texts));
	cJSON_ArrayForEach(ev, events) {
		texts[i] = cJSON_PrintUnformatted(ev);
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
	if (fx->stored && sl_store_exec_progress(sfn->store, fx->arn, evs,
	    (size_t)n, checkpoint, NULL, NULL, &err) < 0)
		sl_slog(SL_SLOG_ERROR, "store_failed", "what=progress "
		    "execution=%s type=%s", fx->arn, err.type);
	/* Subscribers see the events in order, as they are recorded. */
	for (i = 0; i < n; i++)
		sl_api_execution_event(sfn->api, fx->sm_arn, fx->arn,
		    texts[i]);
	for (i = 0; i < n; i++)
		cJSON_free(texts[i]);
	free(texts);
	free(evs);
}

static void
on_done(void *arg, struct sl_exec *x)
{
	struct sl_sfn *sfn = arg;
	struct sfn_exec *fx = sl_exec_user(x);
	struct sl_err err = SL_ERR_INIT;
	struct finish_ctx *fc = xcalloc(1, sizeof(*fc));
	const char *status = sl_exec_status_name(sl_exec_status(x));
	struct sl_store_exec_end end = { 0 };

	fc->sfn = sfn;
	fc->waiters = fx->waiters;
	fx->waiters = NULL;
	fc->result = describe_exec(fx, x);
	sl_slog(SL_SLOG_DEBUG, "execution_done", "execution=%s status=%s",
	    sl_exec_arn(x), status);
	if (!fx->stored) {
		finish_done(fc, NULL);
		goto out;
	}
	end.status = sl_store_exec_status_parse(status);
	end.output = sl_exec_output(x);
	end.error = sl_exec_error(x);
	end.cause = sl_exec_cause(x);
	end.now = sl_exec_stop_ms(x);
	if (sl_store_exec_finish(sfn->store, fx->arn, &end, finish_done, fc,
	    &err) < 0)
		finish_done(fc, &err);
out:
	fx_free(fx);
}

int
sl_sfn_exec_start(struct sl_sfn *sfn, struct sl_asl_machine *m,
    const char *sm_arn, const char *arn, const char *name, const char *input,
    int64_t start_ms, int express, int stored, struct sfn_waiter *w,
    struct sl_err *err)
{
	struct sfn_exec *fx = xcalloc(1, sizeof(*fx));
	struct sl_exec_start st = { 0 };

	fx->sfn = sfn;
	fx->arn = arn ? xstrdup(arn) : NULL;
	fx->sm_arn = xstrdup(sm_arn);
	fx->name = name ? xstrdup(name) : NULL;
	fx->input = xstrdup(input ? input : "{}");
	fx->express = express;
	fx->stored = stored;
	fx->waiters = w;
	fx->next = &sfn->execs;
	fx->prev = sfn->execs.prev;
	sfn->execs.prev->next = fx;
	sfn->execs.prev = fx;
	st.name = name;
	st.arn = arn;
	st.input = fx->input;
	st.start_ms = start_ms;
	st.express = express;
	st.user = fx;
	/* The execution may run to its end inside this call (on_done frees
	 * fx): fx is not touched after it succeeds. */
	if (sl_exec_start(sfn->engine, m, &st, err) < 0) {
		fx->waiters = NULL;
		fx_free(fx);
		return -1;
	}
	return 0;
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
	sfn->region = xstrdup(cfg->region ? cfg->region : "us-east-1");
	sfn->account = xstrdup(cfg->account ? cfg->account : "000000000000");
	sfn->execs.next = sfn->execs.prev = &sfn->execs;
	sc.data_dir = cfg->data_dir;
	sc.loop = cfg->loop;
	sc.sync = cfg->relaxed_sync ? SL_STORE_SYNC_NORMAL : SL_STORE_SYNC_FULL;
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

static const char *
machine_name(const char *sm_arn)
{
	const char *p = strstr(sm_arn, ":stateMachine:");

	return p ? p + 14 : sm_arn;
}

size_t
sl_sfn_start(struct sl_sfn *sfn, struct sl_api *api)
{
	struct sl_store_exec_list l = { 0 };
	struct sl_err err = SL_ERR_INIT;
	struct sl_asl_machine *m;
	struct sl_store_exec *e;
	size_t i, n = 0;

	sfn->api = api;
	if (sl_store_exec_running(sfn->store, &l, &err) < 0) {
		sl_slog(SL_SLOG_ERROR, "resume_failed", "type=%s", err.type);
		return 0;
	}
	for (i = 0; i < l.n; i++) {
		e = &l.items[i];
		sl_err_clear(&err);
		m = sl_sfn_machine(sfn, e->sm_arn, e->revision_id,
		    e->definition, machine_name(e->sm_arn), &err);
		if (m != NULL && e->checkpoint != NULL) {
			struct sfn_exec *fx = xcalloc(1, sizeof(*fx));

			fx->sfn = sfn;
			fx->arn = xstrdup(e->arn);
			fx->sm_arn = xstrdup(e->sm_arn);
			fx->name = xstrdup(e->name);
			fx->input = xstrdup(e->input ? e->input : "{}");
			fx->stored = 1;
			fx->next = &sfn->execs;
			fx->prev = sfn->execs.prev;
			sfn->execs.prev->next = fx;
			sfn->execs.prev = fx;
			if (sl_exec_restore(sfn->engine, m, e->checkpoint, fx,
			    &err) == 0) {
				n++;
				continue;
			}
			fx_free(fx);
		} else if (m != NULL && sl_sfn_exec_start(sfn, m, e->sm_arn,
		    e->arn, e->name, e->input, e->start_date, 0, 1, NULL,
		    &err) == 0) {
			n++;
			continue;
		}
		/* It cannot go on: end it, saying why. */
		sl_slog(SL_SLOG_ERROR, "resume_failed", "execution=%s type=%s",
		    e->arn, err.type);
		{
			struct sl_store_exec_end end = { 0 };
			struct sl_err ferr = SL_ERR_INIT;

			end.status = sl_store_exec_status_parse("FAILED");
			end.error = "States.Runtime";
			end.cause = err.msg;
			end.now = sl_api_now_ms();
			sl_store_exec_finish(sfn->store, e->arn, &end, NULL,
			    NULL, &ferr);
		}
	}
	sl_store_exec_list_release(&l);
	if (n > 0)
		sl_slog(SL_SLOG_INFO, "resumed", "executions=%zu", n);
	return n;
}

void
sl_sfn_free(struct sl_sfn *sfn)
{
	struct sl_err err = SL_ERR_INIT;
	struct sfn_machine *c, *next;
	struct sfn_exec *fx;

	if (sfn == NULL)
		return;
	sfn->stopping = 1;
	sl_err_set(&err, "ServiceUnavailable", "the server is stopping; the "
	    "execution goes on when it starts again");
	for (fx = sfn->execs.next; fx != &sfn->execs; fx = fx->next) {
		answer_waiters(sfn, fx->waiters, NULL, &err);
		fx->waiters = NULL;
	}
	/* No callbacks from here: the executions stay RUNNING in the store,
	 * with the checkpoint of their last step. */
	sl_engine_free(sfn->engine);
	while (sfn->execs.next != &sfn->execs)
		fx_free(sfn->execs.next);
	sl_invoke_host_free(sfn->invoker);
	sl_clock_free(sfn->clock);
	for (c = sfn->machines; c != NULL; c = next) {
		next = c->next;
		sl_asl_machine_unref(c->m);
		free(c->arn);
		free(c->revision_id);
		free(c);
	}
	sl_store_close(sfn->store);
	free(sfn->region);
	free(sfn->account);
	free(sfn);
}

size_t
sl_sfn_running(const struct sl_sfn *sfn)
{
	return sl_engine_count(sfn->engine);
}
