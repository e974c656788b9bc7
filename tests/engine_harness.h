/* Test harness for the engine suites: a fake invoker that records every
 * invocation (tests complete them by hand) and a fake clock. */
#ifndef TEST_ENGINE_HARNESS_H
#define TEST_ENGINE_HARNESS_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "orchestrator/clock.h"
#include "orchestrator/engine.h"

#define H_START_MS 1700000000000LL
#define H_MAX_CALLS 512

struct h_call {
	uint64_t token;
	uint64_t handle;
	char *function;
	char *payload;
	uint64_t timeout_ms;
	int64_t at_ms;
	int cancelled;
	int completed;
};

struct harness {
	struct sl_clock *clock;
	struct sl_engine *e;
	struct sl_asl_machine *m;
	struct h_call calls[H_MAX_CALLS];
	int ncalls;
	int ndone;
	struct sl_exec_result res;
	/* Answer each invocation at once, from inside invoke(). */
	int sync_answer;
	const char *sync_result;
	/* Batches seen: array of {"events": [...], "checkpoint": "..."}. */
	cJSON *batches;
	/* Stop the execution from on_batch once it has this many events. */
	int stop_after;
};

static inline uint64_t
h_invoke(void *arg, const struct sl_engine_invocation *inv)
{
	struct harness *h = arg;
	struct h_call *c;

	ck_assert_int_lt(h->ncalls, H_MAX_CALLS);
	c = &h->calls[h->ncalls++];
	memset(c, 0, sizeof(*c));
	c->token = inv->token;
	c->handle = (uint64_t)h->ncalls;
	c->function = xstrdup(inv->function);
	c->payload = xstrndup(inv->payload, inv->payload_len);
	c->timeout_ms = inv->timeout_ms;
	c->at_ms = sl_clock_now(h->clock);
	if (h->sync_answer) {
		struct sl_task_result r = {
			.outcome = SL_TASK_OK,
			.payload = h->sync_result ? h->sync_result :
			    c->payload,
		};

		r.payload_len = strlen(r.payload);
		c->completed = 1;
		sl_engine_task_done(h->e, c->token, &r);
	}
	return c->handle;
}

static inline void
h_cancel(void *arg, uint64_t handle)
{
	struct harness *h = arg;

	ck_assert(handle >= 1 && handle <= (uint64_t)h->ncalls);
	h->calls[handle - 1].cancelled = 1;
}

static inline void
h_on_batch(void *arg, struct sl_exec *x, const cJSON *events,
    const char *ck)
{
	struct harness *h = arg;
	cJSON *b;

	if (h->stop_after > 0 && sl_exec_last_event_id(x) >= h->stop_after &&
	    sl_exec_status(x) == SL_EXEC_RUNNING)
		sl_exec_stop(x, "States.Runtime", "too many events");
	if (h->batches == NULL)
		return;
	b = cJSON_CreateObject();
	cJSON_AddItemToObject(b, "events", cJSON_Duplicate(events, 1));
	if (ck != NULL)
		cJSON_AddStringToObject(b, "checkpoint", ck);
	cJSON_AddItemToArray(h->batches, b);
}

static inline void
h_on_done(void *arg, struct sl_exec *x)
{
	struct harness *h = arg;

	sl_exec_result_release(&h->res);
	sl_exec_result_take(x, 1, &h->res);
	h->ndone++;
}

/* keep: keep history; batches: record batches with checkpoints. */
static inline void
h_init(struct harness *h, int batches)
{
	struct sl_engine_config cfg = { 0 };

	memset(h, 0, sizeof(*h));
	h->clock = sl_clock_fake_new(H_START_MS);
	cfg.clock = sl_clock_iface(h->clock);
	cfg.invoker.invoke = h_invoke;
	cfg.invoker.cancel = h_cancel;
	cfg.invoker.arg = h;
	cfg.on_done = h_on_done;
	cfg.cb_arg = h;
	cfg.keep_history = 1;
	cfg.seed = 42;
	cfg.region = "eu-west-1";
	cfg.account = "123456789012";
	if (batches) {
		cfg.on_batch = h_on_batch;
		cfg.checkpoints = 1;
		h->batches = cJSON_CreateArray();
	}
	h->e = sl_engine_new(&cfg);
	sl_clock_attach(h->clock, h->e);
}

static inline void
h_free(struct harness *h)
{
	int i;

	sl_engine_free(h->e);
	sl_clock_free(h->clock);
	sl_asl_machine_unref(h->m);
	sl_exec_result_release(&h->res);
	for (i = 0; i < h->ncalls; i++) {
		free(h->calls[i].function);
		free(h->calls[i].payload);
	}
	cJSON_Delete(h->batches);
}

static inline void
h_machine(struct harness *h, const char *def)
{
	struct sl_err err = SL_ERR_INIT;

	sl_asl_machine_unref(h->m);
	h->m = sl_asl_machine_new(def, "arn:aws:states:eu-west-1:"
	    "123456789012:stateMachine:Test", "Test", &err);
	ck_assert_msg(h->m != NULL, "definition refused: %s", err.msg);
}

static inline void
h_start_named(struct harness *h, const char *def, const char *input,
    const char *name)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_exec_start st = { .name = name, .input = input };

	if (def != NULL)
		h_machine(h, def);
	ck_assert_msg(sl_exec_start(h->e, h->m, &st, &err) == 0,
	    "start refused: %s", err.msg);
}

static inline void
h_start(struct harness *h, const char *def, const char *input)
{
	h_start_named(h, def, input, "run1");
}

static inline void
h_ok(struct harness *h, int i, const char *json)
{
	struct sl_task_result r = {
		.outcome = SL_TASK_OK,
		.payload = json,
		.payload_len = strlen(json),
	};

	ck_assert_int_lt(i, h->ncalls);
	ck_assert(!h->calls[i].completed);
	h->calls[i].completed = 1;
	sl_engine_task_done(h->e, h->calls[i].token, &r);
}

static inline void
h_fail(struct harness *h, int i, const char *type, const char *payload)
{
	struct sl_task_result r = {
		.outcome = SL_TASK_FUNCTION_ERROR,
		.payload = payload,
		.payload_len = payload ? strlen(payload) : 0,
		.error_type = type,
	};

	ck_assert_int_lt(i, h->ncalls);
	h->calls[i].completed = 1;
	sl_engine_task_done(h->e, h->calls[i].token, &r);
}

/* Compare JSON texts structurally. */
static inline int
h_json_eq(const char *a, const char *b)
{
	cJSON *x = cJSON_Parse(a), *y = cJSON_Parse(b);
	int eq = x != NULL && y != NULL && cJSON_Compare(x, y, 1);

	cJSON_Delete(x);
	cJSON_Delete(y);
	return eq;
}

#define h_assert_output(h, json) do { \
	ck_assert_int_eq((h)->ndone, 1); \
	ck_assert_msg((h)->res.status == SL_EXEC_SUCCEEDED, \
	    "status %s error %s cause %s", \
	    sl_exec_status_name((h)->res.status), \
	    (h)->res.error ? (h)->res.error : "-", \
	    (h)->res.cause ? (h)->res.cause : "-"); \
	ck_assert_msg(h_json_eq((h)->res.output, (json)), \
	    "output %s, want %s", (h)->res.output, (json)); \
} while (0)

#define h_assert_failed(h, err) do { \
	ck_assert_int_eq((h)->ndone, 1); \
	ck_assert_msg((h)->res.status == SL_EXEC_FAILED, "status %s out %s", \
	    sl_exec_status_name((h)->res.status), \
	    (h)->res.output ? (h)->res.output : "-"); \
	ck_assert_str_eq((h)->res.error, (err)); \
} while (0)

/* The event types of the finished execution, joined with spaces. */
static inline char *
h_types(const struct harness *h)
{
	const cJSON *ev;
	size_t len = 1;
	char *s;

	cJSON_ArrayForEach(ev, h->res.history)
		len += strlen(cJSON_GetObjectItem(ev, "type")->valuestring) + 1;
	s = xcalloc(1, len);
	cJSON_ArrayForEach(ev, h->res.history) {
		if (s[0])
			strcat(s, " ");
		strcat(s, cJSON_GetObjectItem(ev, "type")->valuestring);
	}
	return s;
}

/* The previousEventId of each event of the finished execution, joined
 * with spaces. */
static inline char *
h_prevs(const struct harness *h)
{
	const cJSON *ev;
	struct sl_buf b = SL_BUF_INIT;

	cJSON_ArrayForEach(ev, h->res.history)
		sl_buf_addf(&b, "%s%d", b.len ? " " : "",
		    cJSON_GetObjectItem(ev, "previousEventId")->valueint);
	return sl_buf_detach(&b, NULL);
}

/* Assert that the finished execution's event types (h_types) or
 * previousEventIds (h_prevs), joined with spaces, are want. */
#define h_assert_joined(h, fn, want) do { \
	char *joined_ = fn(h); \
	ck_assert_str_eq(joined_, (want)); \
	free(joined_); \
} while (0)
#define h_assert_types(h, want) h_assert_joined(h, h_types, want)
#define h_assert_prevs(h, want) h_assert_joined(h, h_prevs, want)

#endif
