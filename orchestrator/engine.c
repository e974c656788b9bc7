/* The engine: executions, their frames, one timer heap, a run queue, the
 * table of invocations in flight, and the batches handed to the sink. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "orchestrator/engine_int.h"

/* A completion reported while the engine was busy (or from inside
 * invoke()): applied once the current step is over. */
struct deferred {
	uint64_t token;
	struct sl_task_result res;
	struct deferred *next;
};


/* Frames entered per run() before the loop gets its turn. */
#define ENG_STEP_BUDGET 5000

int64_t
eng_now(struct sl_engine *e)
{
	return e->cfg.clock.now_ms(e->cfg.clock.arg);
}

/* --- timer heap ---------------------------------------------------------- */

static void
heap_swap(struct sl_engine *e, size_t a, size_t b)
{
	struct eng_timer *t = e->heap[a];

	e->heap[a] = e->heap[b];
	e->heap[b] = t;
	e->heap[a]->slot = a + 1;
	e->heap[b]->slot = b + 1;
}

static void
heap_up(struct sl_engine *e, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (e->heap[p]->due_ms <= e->heap[i]->due_ms)
			break;
		heap_swap(e, p, i);
		i = p;
	}
}

static void
heap_down(struct sl_engine *e, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < e->nheap && e->heap[l]->due_ms < e->heap[m]->due_ms)
			m = l;
		if (r < e->nheap && e->heap[r]->due_ms < e->heap[m]->due_ms)
			m = r;
		if (m == i)
			break;
		heap_swap(e, i, m);
		i = m;
	}
}

void
eng_timer_clear(struct sl_engine *e, struct eng_timer *t)
{
	size_t i;

	if (t->slot == 0)
		return;
	i = t->slot - 1;
	t->slot = 0;
	e->nheap--;
	if (i == e->nheap)
		return;
	e->heap[i] = e->heap[e->nheap];
	e->heap[i]->slot = i + 1;
	heap_up(e, i);
	heap_down(e, e->heap[i]->slot - 1);
}

void
eng_timer_set(struct sl_engine *e, struct eng_timer *t, int64_t due)
{
	eng_timer_clear(e, t);
	if (e->nheap == e->capheap) {
		e->capheap = e->capheap ? e->capheap * 2 : 64;
		e->heap = xreallocarray(e->heap, e->capheap,
		    sizeof(*e->heap));
	}
	t->due_ms = due;
	e->heap[e->nheap] = t;
	t->slot = ++e->nheap;
	heap_up(e, e->nheap - 1);
}

static void
rearm(struct sl_engine *e)
{
	int64_t due = e->nheap ? e->heap[0]->due_ms : INT64_MAX;
	int64_t now;

	if (e->q_head != NULL || e->dq_head != NULL) {
		/* Work left over by run(): come back at once. */
		now = eng_now(e);
		if (due > now)
			due = now;
	}
	if (due == e->armed_due)
		return;
	e->armed_due = due;
	if (due == INT64_MAX) {
		if (e->cfg.clock.stop != NULL)
			e->cfg.clock.stop(e->cfg.clock.arg);
		return;
	}
	now = eng_now(e);
	e->cfg.clock.start(e->cfg.clock.arg,
	    due > now ? (uint64_t)(due - now) : 0);
}

/* --- run queue ----------------------------------------------------------- */

void
eng_queue(struct frame *f)
{
	struct sl_engine *e = f->x->e;

	if (f->queued)
		return;
	f->queued = 1;
	f->next_q = NULL;
	f->prev_q = e->q_tail;
	if (e->q_tail != NULL)
		e->q_tail->next_q = f;
	else
		e->q_head = f;
	e->q_tail = f;
}

static void
unqueue(struct frame *f)
{
	struct sl_engine *e = f->x->e;

	if (!f->queued)
		return;
	if (f->prev_q != NULL)
		f->prev_q->next_q = f->next_q;
	else
		e->q_head = f->next_q;
	if (f->next_q != NULL)
		f->next_q->prev_q = f->prev_q;
	else
		e->q_tail = f->prev_q;
	f->queued = 0;
	f->next_q = f->prev_q = NULL;
}

void
eng_dirty(struct sl_exec *x)
{
	if (x->dirty)
		return;
	x->dirty = 1;
	x->next_dirty = x->e->dirty;
	x->e->dirty = x;
}

/* --- invocations in flight: open addressing on the token ----------------- */

static size_t
fl_slot(uint64_t token, size_t cap)
{
	return (size_t)(token * 0x9E3779B97F4A7C15ull) & (cap - 1);
}

static void
fl_put(struct sl_engine *e, uint64_t token, struct frame *f)
{
	size_t i;

	if ((e->nfl + 1) * 2 > e->capfl) {
		struct inflight *old = e->fl;
		size_t oldcap = e->capfl, j;

		e->capfl = e->capfl ? e->capfl * 2 : 64;
		e->fl = xcalloc(e->capfl, sizeof(*e->fl));
		e->nfl = 0;
		for (j = 0; j < oldcap; j++)
			if (old[j].token != 0)
				fl_put(e, old[j].token, old[j].f);
		free(old);
	}
	i = fl_slot(token, e->capfl);
	while (e->fl[i].token != 0)
		i = (i + 1) & (e->capfl - 1);
	e->fl[i].token = token;
	e->fl[i].f = f;
	e->nfl++;
}

static struct frame *
fl_get(struct sl_engine *e, uint64_t token)
{
	size_t i;

	if (e->capfl == 0 || token == 0)
		return NULL;
	i = fl_slot(token, e->capfl);
	while (e->fl[i].token != 0) {
		if (e->fl[i].token == token)
			return e->fl[i].f;
		i = (i + 1) & (e->capfl - 1);
	}
	return NULL;
}

void
eng_untrack(struct sl_engine *e, uint64_t token)
{
	size_t i, j;

	if (e->capfl == 0 || token == 0)
		return;
	i = fl_slot(token, e->capfl);
	while (e->fl[i].token != token) {
		if (e->fl[i].token == 0)
			return;
		i = (i + 1) & (e->capfl - 1);
	}
	e->fl[i].token = 0;
	e->nfl--;
	/* Backward-shift deletion keeps probe chains intact. */
	j = i;
	for (;;) {
		size_t k;

		j = (j + 1) & (e->capfl - 1);
		if (e->fl[j].token == 0)
			break;
		k = fl_slot(e->fl[j].token, e->capfl);
		if ((j > i && (k <= i || k > j)) ||
		    (j < i && (k <= i && k > j))) {
			e->fl[i] = e->fl[j];
			e->fl[j].token = 0;
			i = j;
		}
	}
}

uint64_t
eng_track(struct sl_engine *e, struct frame *f)
{
	uint64_t t = ++e->next_token;

	fl_put(e, t, f);
	return t;
}

double
eng_random(struct sl_engine *e)
{
	/* xorshift64*: only for retry jitter. */
	e->rng ^= e->rng >> 12;
	e->rng ^= e->rng << 25;
	e->rng ^= e->rng >> 27;
	return (double)((e->rng * 0x2545F4914F6CDD1Dull) >> 11) /
	    9007199254740992.0;
}

/* --- frames -------------------------------------------------------------- */

struct frame *
frame_new(struct sl_exec *x, struct frame *parent, struct asl_branch *br,
    int index, cJSON *input)
{
	struct frame *f = xcalloc(1, sizeof(*f));

	f->x = x;
	f->parent = parent;
	f->index = index;
	f->chain = parent != NULL ? *frame_chain(parent) : 0;
	f->br = br;
	f->st = br->start;
	f->input = input;
	f->timer.kind = TM_FRAME;
	f->timer.owner = f;
	f->tol_count = -1;
	f->tol_pct = -1;
	return f;
}

void
frame_free_kids(struct frame *f)
{
	int i;

	for (i = 0; i < f->nkids; i++)
		if (f->kids != NULL && f->kids[i] != NULL) {
			frame_free(f->kids[i]);
			f->kids[i] = NULL;
		}
	free(f->kids);
	f->kids = NULL;
	f->nkids = f->nstarted = f->nrunning = f->ndone = f->nfailed = 0;
	free(f->wchain);
	free(f->wfree);
	f->wchain = NULL;
	f->wfree = NULL;
	f->nworkers = f->nwfree = 0;
	cJSON_Delete(f->items);
	cJSON_Delete(f->eff_input);
	cJSON_Delete(f->results);
	f->items = f->eff_input = f->results = NULL;
	free(f->kid_error);
	free(f->kid_cause);
	f->kid_error = f->kid_cause = NULL;
}

void
frame_cancel(struct frame *f)
{
	struct sl_engine *e = f->x->e;

	eng_timer_clear(e, &f->timer);
	unqueue(f);
	if (f->token != 0) {
		eng_untrack(e, f->token);
		if (f->handle != 0 && e->cfg.invoker.cancel != NULL)
			e->cfg.invoker.cancel(e->cfg.invoker.arg, f->handle);
		f->token = f->handle = 0;
	}
	frame_free_kids(f);
}

void
frame_free(struct frame *f)
{
	if (f == NULL)
		return;
	frame_cancel(f);
	cJSON_Delete(f->input);
	free(f->attempts);
	free(f);
}

/* --- executions ---------------------------------------------------------- */

struct sl_exec *
sl_engine_find(struct sl_engine *e, const char *arn)
{
	struct sl_shash_node *n = sl_shash_find(&e->hash, arn);

	return SL_SHASH_ITEM(n, struct sl_exec, hnode);
}

struct sl_exec *
sl_engine_first(struct sl_engine *e)
{
	return e->all;
}

struct sl_exec *
sl_engine_next(struct sl_exec *x)
{
	return x->next;
}

void
exec_discard(struct sl_exec *x)
{
	struct sl_engine *e = x->e;

	frame_free(x->top);
	eng_timer_clear(e, &x->timeout);
	sl_shash_del(&e->hash, &x->hnode);
	if (x->prev != NULL)
		x->prev->next = x->next;
	else
		e->all = x->next;
	if (x->next != NULL)
		x->next->prev = x->prev;
	e->count--;
	sl_asl_machine_unref(x->m);
	free(x->arn);
	free(x->name);
	free(x->input_text);
	cJSON_Delete(x->input);
	free(x->output);
	free(x->error);
	free(x->cause);
	cJSON_Delete(x->ctx);
	cJSON_Delete(x->history);
	cJSON_Delete(x->batch);
	free(x);
}

/* A fresh execution record, linked into the engine but not started. */
struct sl_exec *
exec_new(struct sl_engine *e, struct sl_asl_machine *m, const char *arn,
    const char *name, const char *input_text, cJSON *input, int64_t start_ms,
    void *user)
{
	struct sl_exec *x = xcalloc(1, sizeof(*x));

	x->e = e;
	x->m = sl_asl_machine_ref(m);
	x->name = xstrdup(name);
	x->arn = xstrdup(arn);
	x->input_text = xstrdup(input_text);
	x->input = input;
	x->start_ms = start_ms;
	x->user = user;
	x->status = SL_EXEC_RUNNING;
	x->emit = e->cfg.on_batch != NULL || e->cfg.keep_history;
	x->timeout.kind = TM_EXEC_TIMEOUT;
	x->timeout.owner = x;
	if (e->cfg.keep_history)
		x->history = cJSON_CreateArray();
	x->next = e->all;
	if (e->all != NULL)
		e->all->prev = x;
	e->all = x;
	e->count++;
	x->hnode.key = x->arn;
	sl_shash_add(&e->hash, &x->hnode);
	return x;
}

void
exec_finish(struct sl_exec *x, enum sl_exec_status st, const char *output,
    const char *error, const char *cause)
{
	cJSON *d = NULL;
	const char *type = NULL, *dkey = NULL;

	if (x->status != SL_EXEC_RUNNING)
		return;
	x->status = st;
	x->stop_ms = eng_now(x->e);
	if (x->top != NULL)
		frame_cancel(x->top);
	eng_timer_clear(x->e, &x->timeout);
	x->output = output ? xstrdup(output) : NULL;
	/* A Fail state without Error fails with no error name: "". */
	x->error = error && error[0] ? xstrdup(error) : NULL;
	x->cause = cause ? xstrdup(cause) : NULL;
	if (x->emit)
		d = hist_details();
	switch (st) {
	case SL_EXEC_SUCCEEDED:
		type = "ExecutionSucceeded";
		dkey = "executionSucceededEventDetails";
		if (d != NULL)
			hist_add_text(d, "output", output ? output : "null");
		break;
	case SL_EXEC_FAILED:
		type = "ExecutionFailed";
		dkey = "executionFailedEventDetails";
		break;
	case SL_EXEC_TIMED_OUT:
		type = "ExecutionTimedOut";
		dkey = "executionTimedOutEventDetails";
		break;
	default:
		type = "ExecutionAborted";
		dkey = "executionAbortedEventDetails";
		break;
	}
	if (d != NULL && st != SL_EXEC_SUCCEEDED) {
		if (error != NULL && error[0])
			cJSON_AddStringToObject(d, "error", error);
		if (cause != NULL)
			cJSON_AddStringToObject(d, "cause", cause);
	}
	/* An abort's event names 0, as AWS's do. */
	if (st == SL_EXEC_ABORTED)
		x->chain = 0;
	hist_event(x, &x->chain, 0, type, dkey, d);
}

/* --- driving ------------------------------------------------------------- */

static void
flush(struct sl_engine *e)
{
	while (e->dirty != NULL) {
		struct sl_exec *x = e->dirty;
		cJSON *batch, *ev;
		char *ck = NULL;

		e->dirty = x->next_dirty;
		x->dirty = 0;
		x->next_dirty = NULL;
		/* The batch is taken first: the callback may stop the
		 * execution, whose last events then make a batch of their
		 * own. */
		batch = x->batch;
		x->batch = NULL;
		if (batch == NULL && e->cfg.on_batch != NULL)
			batch = cJSON_CreateArray();
		if (e->cfg.checkpoints && x->status == SL_EXEC_RUNNING)
			ck = ckpt_write(x);
		if (e->cfg.on_batch != NULL)
			e->cfg.on_batch(e->cfg.cb_arg, x, batch, ck);
		free(ck);
		while (x->history != NULL && batch != NULL &&
		    (ev = batch->child) != NULL)
			cJSON_AddItemToArray(x->history,
			    cJSON_DetachItemViaPointer(batch, ev));
		cJSON_Delete(batch);
		if (x->status != SL_EXEC_RUNNING && !x->dirty) {
			if (e->cfg.on_done != NULL)
				e->cfg.on_done(e->cfg.cb_arg, x);
			exec_discard(x);
		}
	}
}

static void
apply_deferred(struct sl_engine *e)
{
	struct deferred *d;

	while ((d = e->dq_head) != NULL) {
		struct frame *f;

		e->dq_head = d->next;
		if (e->dq_head == NULL)
			e->dq_tail = NULL;
		f = fl_get(e, d->token);
		if (f != NULL && f->x->e == e) {
			eng_untrack(e, d->token);
			f->token = f->handle = 0;
			state_resume_task(f, &d->res);
		}
		free((char *)d->res.payload);
		free((char *)d->res.error_type);
		free((char *)d->res.error_message);
		free((char *)d->res.function_arn);
		free(d);
		/* One completion at a time: run what it made ready. */
		break;
	}
}

static void
run(struct sl_engine *e)
{
	int steps = 0;

	for (;;) {
		struct frame *f = e->q_head;

		/* A bounded amount of work per call, so that a busy (or
		 * endless) execution cannot hold the loop: the rest waits
		 * for a zero-delay timer. */
		if (steps++ >= ENG_STEP_BUDGET)
			f = NULL;
		else if (f != NULL) {
			unqueue(f);
			if (f->resume_begin) {
				f->resume_begin = 0;
				state_begin(f);
			} else
				state_enter(f);
			continue;
		}
		if (e->dq_head != NULL && steps < ENG_STEP_BUDGET) {
			apply_deferred(e);
			continue;
		}
		if (e->dirty == NULL)
			break;
		flush(e);
	}
}

void
eng_drive(struct sl_engine *e)
{
	if (e->driving)
		return;
	e->driving = 1;
	run(e);
	e->driving = 0;
	rearm(e);
}

static void
defer(struct sl_engine *e, uint64_t token, const struct sl_task_result *res)
{
	struct deferred *d = xcalloc(1, sizeof(*d));

	d->token = token;
	d->res.outcome = res->outcome;
	if (res->payload != NULL)
		d->res.payload = xstrndup(res->payload, res->payload_len);
	d->res.payload_len = res->payload_len;
	d->res.error_type = res->error_type ? xstrdup(res->error_type) : NULL;
	d->res.error_message = res->error_message ?
	    xstrdup(res->error_message) : NULL;
	d->res.function_arn = res->function_arn ?
	    xstrdup(res->function_arn) : NULL;
	if (e->dq_tail != NULL)
		e->dq_tail->next = d;
	else
		e->dq_head = d;
	e->dq_tail = d;
}

void
sl_engine_task_done(struct sl_engine *e, uint64_t token,
    const struct sl_task_result *res)
{
	struct frame *f;

	if (e->driving) {
		/* Reported: the engine never cancels it from now on. */
		if ((f = fl_get(e, token)) != NULL) {
			f->handle = 0;
			f->reported = 1;
		}
		defer(e, token, res);
		return;
	}
	f = fl_get(e, token);
	if (f == NULL)
		return;
	e->driving = 1;
	eng_untrack(e, token);
	f->token = f->handle = 0;
	state_resume_task(f, res);
	run(e);
	e->driving = 0;
	rearm(e);
}

void
sl_engine_on_timer(struct sl_engine *e)
{
	int64_t now;

	if (e->driving) {
		/* Fired from inside the engine's own work: the clock's timer
		 * is spent, so the end of that work must set it again. */
		e->armed_due = INT64_MAX;
		return;
	}
	e->driving = 1;
	e->armed_due = INT64_MAX;
	now = eng_now(e);
	while (e->nheap > 0 && e->heap[0]->due_ms <= now) {
		struct eng_timer *t = e->heap[0];

		eng_timer_clear(e, t);
		if (t->kind == TM_EXEC_TIMEOUT) {
			struct sl_exec *x = t->owner;

			exec_finish(x, SL_EXEC_TIMED_OUT, NULL,
			    "States.Timeout", NULL);
		} else
			state_timer(t->owner);
		run(e);
	}
	run(e);
	e->driving = 0;
	rearm(e);
}

/* --- the public side ----------------------------------------------------- */

struct sl_engine *
sl_engine_new(const struct sl_engine_config *cfg)
{
	struct sl_engine *e = xcalloc(1, sizeof(*e));

	e->cfg = *cfg;
	e->region = xstrdup(cfg->region ? cfg->region : "us-east-1");
	e->account = xstrdup(cfg->account ? cfg->account : "000000000000");
	e->role_arn = cfg->role_arn ? xstrdup(cfg->role_arn) :
	    xasprintf("arn:aws:iam::%s:role/sluice", e->account);
	e->cfg.region = e->region;
	e->cfg.account = e->account;
	e->cfg.role_arn = e->role_arn;
	e->armed_due = INT64_MAX;
	e->rng = cfg->seed ? cfg->seed : (uint64_t)eng_now(e) | 1;
	e->empty_ctx = cJSON_CreateObject();
	return e;
}

void
sl_engine_free(struct sl_engine *e)
{
	struct deferred *d, *dn;

	if (e == NULL)
		return;
	while (e->all != NULL)
		exec_discard(e->all);
	/* Drop completions queued for this engine. */
	for (d = e->dq_head; d != NULL; d = dn) {
		dn = d->next;
		free((char *)d->res.payload);
		free((char *)d->res.error_type);
		free((char *)d->res.error_message);
		free((char *)d->res.function_arn);
		free(d);
	}
	e->dq_tail = NULL;
	if (e->armed_due != INT64_MAX && e->cfg.clock.stop != NULL)
		e->cfg.clock.stop(e->cfg.clock.arg);
	free(e->heap);
	sl_shash_release(&e->hash);
	free(e->fl);
	free(e->region);
	free(e->account);
	free(e->role_arn);
	cJSON_Delete(e->empty_ctx);
	free(e);
}

size_t
sl_engine_count(const struct sl_engine *e)
{
	return e->count;
}

size_t
sl_engine_inflight(const struct sl_engine *e)
{
	return e->nfl;
}

static void
uuid_text(struct sl_engine *e, char *buf, size_t len)
{
	uint64_t a = (uint64_t)(eng_random(e) * 18446744073709551615.0);
	uint64_t b = (uint64_t)(eng_random(e) * 18446744073709551615.0);

	snprintf(buf, len, "%08x-%04x-4%03x-%04x-%012llx",
	    (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
	    (unsigned)a & 0xfff, (unsigned)((b >> 48) & 0x3fff) | 0x8000,
	    (unsigned long long)(b & 0xffffffffffffull));
}

int
sl_exec_start(struct sl_engine *e, struct sl_asl_machine *m,
    const struct sl_exec_start *start, struct sl_err *err)
{
	const char *text = start->input ? start->input : "{}";
	char uuid[40], *arn = NULL;
	const char *name = start->name;
	struct sl_exec *x;
	cJSON *input, *d;
	size_t len = strlen(text);

	if (len > SL_ASL_PAYLOAD_MAX)
		return sl_err_set(err, "States.DataLimitExceeded",
		    "the execution input is %zu bytes, over the limit of %u",
		    len, SL_ASL_PAYLOAD_MAX);
	input = cJSON_Parse(text);
	if (input == NULL)
		return sl_err_set(err, "InvalidExecutionInput",
		    "the execution input is not valid JSON");
	if (name == NULL) {
		uuid_text(e, uuid, sizeof(uuid));
		name = uuid;
	}
	if (start->arn != NULL)
		arn = xstrdup(start->arn);
	else {
		const char *p = strstr(m->arn, ":stateMachine:");

		if (p != NULL && start->express) {
			char u2[40];

			uuid_text(e, u2, sizeof(u2));
			arn = xasprintf("%.*s:express:%s:%s:%s",
			    (int)(p - m->arn), m->arn, m->name, name, u2);
		} else if (p != NULL)
			arn = xasprintf("%.*s:execution:%s:%s",
			    (int)(p - m->arn), m->arn, m->name, name);
		else
			arn = xasprintf("%s:execution:%s", m->arn, name);
	}
	if (sl_engine_find(e, arn) != NULL) {
		cJSON_Delete(input);
		sl_err_set(err, "ExecutionAlreadyExists",
		    "execution %s is already running", arn);
		free(arn);
		return -1;
	}
	x = exec_new(e, m, arn, name, text, input,
	    start->start_ms ? start->start_ms : eng_now(e), start->user);
	free(arn);
	x->express = start->express;
	if (x->emit) {
		d = hist_details();
		hist_add_text(d, "input", text);
		cJSON_AddStringToObject(d, "roleArn", e->role_arn);
		hist_event(x, &x->chain, HIST_ASIDE, "ExecutionStarted",
		    "executionStartedEventDetails", d);
	} else
		hist_event(x, &x->chain, HIST_ASIDE, "ExecutionStarted", NULL,
		    NULL);
	if (m->timeout_s > 0)
		eng_timer_set(e, &x->timeout,
		    x->start_ms + (int64_t)m->timeout_s * 1000);
	x->top = frame_new(x, NULL, m->top, 0, cJSON_Duplicate(input, 1));
	eng_queue(x->top);
	eng_drive(e);
	return 0;
}

void
sl_exec_stop(struct sl_exec *x, const char *error, const char *cause)
{
	struct sl_engine *e = x->e;

	exec_finish(x, SL_EXEC_ABORTED, NULL, error, cause);
	eng_drive(e);
}

const char *
sl_exec_arn(const struct sl_exec *x)
{
	return x->arn;
}

const char *
sl_exec_name(const struct sl_exec *x)
{
	return x->name;
}

struct sl_asl_machine *
sl_exec_machine(const struct sl_exec *x)
{
	return x->m;
}

void *
sl_exec_user(const struct sl_exec *x)
{
	return x->user;
}

enum sl_exec_status
sl_exec_status(const struct sl_exec *x)
{
	return x->status;
}

const char *
sl_exec_output(const struct sl_exec *x)
{
	return x->output;
}

const char *
sl_exec_error(const struct sl_exec *x)
{
	return x->error;
}

const char *
sl_exec_cause(const struct sl_exec *x)
{
	return x->cause;
}

int64_t
sl_exec_start_ms(const struct sl_exec *x)
{
	return x->start_ms;
}

int64_t
sl_exec_stop_ms(const struct sl_exec *x)
{
	return x->stop_ms;
}

const cJSON *
sl_exec_history(const struct sl_exec *x)
{
	return x->history;
}

int64_t
sl_exec_last_event_id(const struct sl_exec *x)
{
	return x->last_id;
}

const char *
sl_exec_status_name(enum sl_exec_status s)
{
	static const char *names[] = { "RUNNING", "SUCCEEDED", "FAILED",
		"TIMED_OUT", "ABORTED" };

	return (unsigned)s < 5 ? names[s] : "UNKNOWN";
}

void
sl_exec_result_take(const struct sl_exec *x, int want_history,
    struct sl_exec_result *r)
{
	memset(r, 0, sizeof(*r));
	r->status = x->status;
	r->output = x->output ? xstrdup(x->output) : NULL;
	r->error = x->error ? xstrdup(x->error) : NULL;
	r->cause = x->cause ? xstrdup(x->cause) : NULL;
	if (want_history && x->history != NULL)
		r->history = cJSON_Duplicate(x->history, 1);
}

void
sl_exec_result_release(struct sl_exec_result *r)
{
	free(r->output);
	free(r->error);
	free(r->cause);
	cJSON_Delete(r->history);
	memset(r, 0, sizeof(*r));
}
