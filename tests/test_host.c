/* Check suite "host": the function host and its pools, driven through
 * runtime/host.h with real workers and the fixtures in tests/fixtures:
 * warm reuse, context, errors, concurrency limits and queueing, idle
 * reaping, hot reload, Event retries, DryRun, logs, publish, cancel. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>

#include "host_util.h"
#include "runtime/sandbox.h"

struct fx {
	struct sl_loop *loop;
	struct sl_host *host;
	char *dir;
	int publishes;
	int attempts;
	char last_topic[64];
	char *last_message;
	int events;
	char *event_error;
	int event_status;
};

static void
on_publish(
    void *arg, const char *function, const char *topic, const char *message)
{
	struct fx *f = arg;

	(void)function;
	if (strcmp(topic, "tests.attempts") == 0) {
		f->attempts++;
		return;
	}
	f->publishes++;
	snprintf(f->last_topic, sizeof(f->last_topic), "%s", topic);
	free(f->last_message);
	f->last_message = xstrdup(message);
}

static void
on_event(void *arg, const char *function, const struct sl_invoke_result *r)
{
	struct fx *f = arg;

	(void)function;
	f->events++;
	f->event_status = r->status;
	free(f->event_error);
	f->event_error = r->error_type ? xstrdup(r->error_type) : NULL;
}

static void
fx_open(struct fx *f, const char *dir, struct sl_host_config *over)
{
	struct sl_host_config cfg;
	struct sl_err err = SL_ERR_INIT;

	memset(f, 0, sizeof(*f));
	f->dir = dir ? xstrdup(dir) : hu_build("tests/fixtures");
	if (over != NULL)
		cfg = *over;
	else
		hu_config(&cfg, NULL);
	cfg.functions_dir = f->dir;
	if (cfg.worker_path == NULL) {
		struct sl_host_config d;

		hu_config(&d, NULL);
		cfg.worker_path = d.worker_path;
	}
	cfg.on_publish = on_publish;
	cfg.on_event_result = on_event;
	cfg.cb_arg = f;
	f->loop = sl_loop_new();
	ck_assert(f->loop != NULL);
	f->host = sl_host_new(f->loop, &cfg, &err);
	ck_assert_msg(
	    f->host != NULL, "sl_host_new: %s: %s", err.type, err.msg);
}

static void
fx_close(struct fx *f)
{
	sl_host_free(f->host);
	sl_loop_free(f->loop);
	free(f->dir);
	free(f->last_message);
	free(f->event_error);
}

/* Invoke fn with input, waiting for the result: its payload must be want. */
static void
expect_payload(struct fx *f, const char *fn, const char *input,
    const char *want)
{
	struct hu_result r;

	hu_invoke(f->loop, f->host, fn, input, SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_str_eq(r.payload, want);
	hu_result_release(&r);
}

static cJSON *
parse_ok(const struct hu_result *r)
{
	cJSON *o;

	ck_assert_msg(r->status == 200 && r->function_error == NULL,
	    "status %d error %s: %s", r->status,
	    r->error_type ? r->error_type : "-", r->payload);
	o = cJSON_Parse(r->payload);
	ck_assert_msg(o != NULL, "result is not JSON: %s", r->payload);
	return o;
}

static double
num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	ck_assert_msg(cJSON_IsNumber(v), "no number %s", k);
	return v->valuedouble;
}

static const char *
str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	ck_assert_msg(cJSON_IsString(v), "no string %s", k);
	return v->valuestring;
}

START_TEST(warm_reuse_and_context)
{
	struct fx f;
	struct hu_result r;
	struct sl_invoke_request req;
	cJSON *o;
	char *fdir;

	fx_open(&f, NULL, NULL);
	fdir = realpath(f.dir, NULL);
	hu_invoke(
	    f.loop, f.host, "with_init", "{}", SL_INVOKE_REQUEST_RESPONSE, &r);
	o = parse_ok(&r);
	ck_assert_int_eq(r.cold, 1);
	ck_assert_int_eq((int)num(o, "inits"), 1);
	ck_assert_int_eq((int)num(o, "calls"), 1);
	ck_assert_int_eq((int)num(o, "memory"), 64);
	ck_assert_str_eq(str(o, "name"), "with_init");
	ck_assert_str_eq(str(o, "arn"),
	    "arn:aws:lambda:us-east-1:000000000000:function:with_init");
	ck_assert_str_eq(str(o, "dir"), fdir);
	ck_assert_str_eq(str(o, "key"), r.rid); /* no key: the request id */
	ck_assert(num(o, "remaining") > 0 && num(o, "remaining") <= 5000);
	{
		char want[4200];

		snprintf(want, sizeof(want), "hi from %s", fdir);
		ck_assert_str_eq(str(o, "greeting"), want);
	}
	ck_assert_uint_eq(strlen(r.rid), 36);
	cJSON_Delete(o);
	hu_result_release(&r);

	/* Same environment again: init not repeated, handler count grows. */
	memset(&req, 0, sizeof(req));
	memset(&r, 0, sizeof(r));
	req.function = "arn:aws:lambda:us-east-1:000000000000:function:"
	               "with_init:$LATEST";
	req.idempotency_key = "exec-1/state-2";
	(void)sl_host_invoke(f.host, &req, hu_cb, &r);
	ck_assert(hu_run_until(f.loop, &r.done, 10000));
	o = parse_ok(&r);
	ck_assert_int_eq(r.cold, 0);
	ck_assert_int_eq((int)num(o, "inits"), 1);
	ck_assert_int_eq((int)num(o, "calls"), 2);
	ck_assert_str_eq(str(o, "key"), "exec-1/state-2");
	cJSON_Delete(o);
	hu_result_release(&r);
	ck_assert_int_eq(hu_count_children(), 1);
	free(fdir);
	fx_close(&f);
}
END_TEST

START_TEST(conformance_fixtures)
{
	struct fx f;
	struct hu_result r;
	cJSON *o;

	fx_open(&f, NULL, NULL);
	expect_payload(&f, "id_function", "{\"a\":[1,2,{\"b\":null}]}",
	    "{\"a\":[1,2,{\"b\":null}]}");
	expect_payload(&f, "echo_function", "{}",
	    "{\"Return\":\"HelloWorld\"}");
	expect_payload(&f, "echo_function_2", "{}",
	    "{\"Return\":\"HelloWorld\"}");
	expect_payload(&f, "return_bytes_str", "{}", "\"HelloWorld!\"");
	hu_invoke(f.loop, f.host, "large_output_string", "{}",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	o = parse_ok(&r);
	ck_assert(cJSON_IsString(o));
	ck_assert_uint_eq(strlen(o->valuestring), 257 * 1024);
	ck_assert(strspn(o->valuestring, "a") == 257 * 1024);
	cJSON_Delete(o);
	hu_result_release(&r);
	hu_invoke(
	    f.loop, f.host, "threads", "{}", SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_msg(strcmp(r.payload, "2002000") == 0, "%s", r.payload);
	hu_result_release(&r);
	hu_invoke(f.loop, f.host, "raise_exception", "{}",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.function_error, "Handled");
	ck_assert_str_eq(r.error_type, "Exception");
	ck_assert_str_eq(r.payload,
	    "{\"errorType\":\"Exception\","
	    "\"errorMessage\":\"Some exception was raised.\"}");
	hu_result_release(&r);
	fx_close(&f);
}
END_TEST

static const cJSON *fn_stats(struct fx *f, const char *fn, cJSON **doc);

START_TEST(error_mapping)
{
	struct fx f;
	struct hu_result r;
	struct sl_invoke_request req;
	cJSON *doc;
	char *big;

	fx_open(&f, NULL, NULL);
	hu_invoke(
	    f.loop, f.host, "no_handler", "{}", SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.function_error, "Unhandled");
	ck_assert_str_eq(r.error_type, "Runtime.InvalidEntrypoint");
	ck_assert_msg(strstr(r.error_message, "no_handler.so") != NULL &&
	                  strstr(r.error_message, "'handler'") != NULL,
	    "%s", r.error_message);
	hu_result_release(&r);

	hu_invoke(
	    f.loop, f.host, "init_fails", "{}", SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_str_eq(r.error_type, "Runtime.InitError");
	ck_assert_msg(strstr(r.error_message, "missing settings") != NULL, "%s",
	    r.error_message);
	hu_result_release(&r);
	/* The failed start took the invocation off the queue. */
	ck_assert_int_eq((int)num(fn_stats(&f, "init_fails", &doc), "Queued"),
	    0);
	cJSON_Delete(doc);

	/* An init() that never returns is stopped at the Timeout. */
	hu_invoke(
	    f.loop, f.host, "init_hangs", "{}", SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_str_eq(r.error_type, "Sandbox.Timedout");
	{
		char want[128];

		snprintf(want, sizeof(want),
		    "RequestId: %s Error: Task timed out after 1.00 seconds",
		    r.rid);
		ck_assert_str_eq(r.error_message, want);
	}
	hu_result_release(&r);

	hu_invoke(f.loop, f.host, "nope", "{}", SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(r.error_type, "ResourceNotFoundException");
	ck_assert_ptr_null(r.function_error);
	hu_result_release(&r);

	hu_invoke(f.loop, f.host, "id_function", "{not json",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(r.error_type, "InvalidRequestContentException");
	hu_result_release(&r);

	/* Over 1 MB is too much for an Event, fine for RequestResponse. */
	big = xmalloc(1500000);
	memset(big, ' ', 1500000);
	big[0] = '"';
	big[1499998] = '"';
	big[1499999] = '\0';
	memset(&req, 0, sizeof(req));
	memset(&r, 0, sizeof(r));
	req.function = "id_function";
	req.payload = big;
	req.payload_len = strlen(big);
	req.type = SL_INVOKE_EVENT;
	(void)sl_host_invoke(f.host, &req, hu_cb, &r);
	ck_assert(hu_run_until(f.loop, &r.done, 5000));
	ck_assert_int_eq(r.status, 413);
	ck_assert_str_eq(r.error_type, "RequestTooLargeException");
	hu_result_release(&r);
	hu_invoke(
	    f.loop, f.host, "id_function", big, SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(r.function_error);
	ck_assert_uint_eq(strlen(r.payload), 1499999); /* the same string */
	hu_result_release(&r);
	free(big);

	/* A workflow's cap on the run time: Sandbox.Timedout with it. */
	memset(&req, 0, sizeof(req));
	memset(&r, 0, sizeof(r));
	req.function = "wait_60_seconds";
	req.timeout_cap_ms = 200;
	(void)sl_host_invoke(f.host, &req, hu_cb, &r);
	ck_assert(hu_run_until(f.loop, &r.done, 10000));
	ck_assert_str_eq(r.error_type, "Sandbox.Timedout");
	{
		char want[128];

		snprintf(want, sizeof(want),
		    "RequestId: %s Error: Task timed "
		    "out after 0.20 seconds",
		    r.rid);
		ck_assert_str_eq(r.error_message, want);
	}
	hu_result_release(&r);
	ck_assert_int_le(hu_wait_children(f.loop, 1, 5000), 1);
	fx_close(&f);
}
END_TEST

/* A host whose queues hold one invocation, and a request to "sleeper"
 * (ReservedConcurrency 1) with payload. */
static void
one_deep_sleeper(struct fx *f, struct sl_invoke_request *req,
    const char *payload)
{
	struct sl_host_config cfg;

	hu_config(&cfg, NULL);
	cfg.queue_max = 1;
	fx_open(f, NULL, &cfg);
	memset(req, 0, sizeof(*req));
	req->function = "sleeper";
	req->payload = payload;
	req->payload_len = strlen(payload);
}

START_TEST(reserved_concurrency_and_queue)
{
	struct fx f;
	struct hu_result r[3];
	struct sl_invoke_request req;
	int i;

	one_deep_sleeper(&f, &req, "{\"ms\":300}");
	memset(r, 0, sizeof(r));
	for (i = 0; i < 3; i++)
		(void)sl_host_invoke(f.host, &req, hu_cb, &r[i]);
	ck_assert(hu_run_until(f.loop, &r[2].done, 5000));
	ck_assert_int_eq(r[2].status, 429);
	ck_assert_str_eq(r[2].error_type, "TooManyRequestsException");
	ck_assert_msg(strstr(r[2].payload, "ReservedFunctionConcurrent"
	                                   "InvocationLimitExceeded") != NULL,
	    "%s", r[2].payload);
	ck_assert_msg(!r[0].done && !r[1].done, "%d %s / %d %s", r[0].status,
	    r[0].payload ? r[0].payload : "", r[1].status,
	    r[1].payload ? r[1].payload : "");
	ck_assert_int_eq(sl_host_busy(f.host), 1);
	ck_assert(hu_run_until(f.loop, &r[1].done, 10000));
	ck_assert(r[0].done);
	ck_assert_str_eq(r[0].payload, "{\"slept\":300}");
	ck_assert_str_eq(r[1].payload, "{\"slept\":300}");
	ck_assert_int_eq(r[1].cold, 0); /* it waited for the same worker */
	ck_assert_int_eq(hu_count_children(), 1);
	for (i = 0; i < 3; i++)
		hu_result_release(&r[i]);
	fx_close(&f);
}
END_TEST

/* A workflow's Tasks wait past queue_max; a direct invocation behind them
 * is still refused. */
START_TEST(workflow_tasks_wait_past_queue_max)
{
	struct fx f;
	struct hu_result r[4];
	struct sl_invoke_request req;
	int i;

	one_deep_sleeper(&f, &req, "{\"ms\":100}");
	memset(r, 0, sizeof(r));
	req.queue_unbounded = 1;
	for (i = 0; i < 3; i++)
		(void)sl_host_invoke(f.host, &req, hu_cb, &r[i]);
	req.queue_unbounded = 0;
	(void)sl_host_invoke(f.host, &req, hu_cb, &r[3]);
	ck_assert(hu_run_until(f.loop, &r[3].done, 5000));
	ck_assert_int_eq(r[3].status, 429);
	ck_assert_str_eq(r[3].error_type, "TooManyRequestsException");
	ck_assert(!r[0].done && !r[1].done && !r[2].done);
	ck_assert(hu_run_until(f.loop, &r[2].done, 10000));
	for (i = 0; i < 3; i++) {
		ck_assert_msg(r[i].done && r[i].status == 200, "%d: %d %s", i,
		    r[i].status, r[i].payload ? r[i].payload : "");
		ck_assert_str_eq(r[i].payload, "{\"slept\":100}");
	}
	ck_assert_int_eq(hu_count_children(), 1);
	for (i = 0; i < 4; i++)
		hu_result_release(&r[i]);
	fx_close(&f);
}
END_TEST

/* Every child of this process may run on exactly the CPUs in want;
 * returns how many children were looked at. */
static int
children_masks_are(const cpu_set_t *want)
{
	long pids[HU_MAX_CHILDREN];
	int i, n = hu_children(pids), count = 0;

	for (i = 0; i < n; i++) {
		cpu_set_t m;

		if (sched_getaffinity((pid_t)pids[i], sizeof(m), &m) < 0)
			continue; /* gone meanwhile */
		ck_assert_msg(CPU_EQUAL(&m, want), "child %ld has %d CPUs",
		    pids[i], CPU_COUNT(&m));
		count++;
	}
	return count;
}

/* The loop pinned to one CPU: the workers and a spawner started after it
 * keep the CPUs the process had. */
START_TEST(pin_loop_keeps_children_mask)
{
	struct fx f;
	struct sl_err err = SL_ERR_INIT;
	struct hu_result r;
	cpu_set_t before, now;
	int cpu, last = -1;

	ck_assert_int_eq(sched_getaffinity(0, sizeof(before), &before), 0);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &before))
			last = cpu;
	fx_open(&f, NULL, NULL);
	ck_assert_int_eq(sl_host_pin_loop(f.host, CPU_SETSIZE, &err), -1);
	ck_assert_str_eq(err.type, "InvalidParameterValue");
	ck_assert_int_eq(sl_host_pin_loop(f.host, last, &err), 0);
	ck_assert_int_eq(sched_getaffinity(0, sizeof(now), &now), 0);
	ck_assert_int_eq(CPU_COUNT(&now), 1);
	ck_assert(CPU_ISSET(last, &now));

	hu_invoke(f.loop, f.host, "echo_function", "{}",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_int_eq(r.status, 200);
	hu_result_release(&r);
	ck_assert_int_ge(children_masks_are(&before), 2); /* + the spawner */

	/* Without that spawner, a worker started while pinned (exec'd, or
	 * by a new spawner). */
	ck_assert_int_eq(kill((pid_t)hu_child_named("sluice-spawner"),
	    SIGKILL), 0);
	ck_assert_int_eq(hu_wait_children(f.loop, 1, 5000), 1);
	hu_invoke(f.loop, f.host, "id_function", "1",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_str_eq(r.payload, "1");
	ck_assert_int_eq(r.cold, 1);
	hu_result_release(&r);
	ck_assert_int_ge(children_masks_are(&before), 2);
	fx_close(&f);
}
END_TEST

/* The scheduling policy of the worker that a host with cfg (NULL: the
 * defaults) starts for echo_function. */
static int
worker_policy_with(struct sl_host_config *cfg)
{
	struct fx f;
	struct hu_result r;
	long pid;
	int policy;

	fx_open(&f, NULL, cfg);
	hu_invoke(f.loop, f.host, "echo_function", "{}",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_int_eq(r.status, 200);
	hu_result_release(&r);
	pid = hu_child_named("sluice-worker");
	ck_assert_int_gt(pid, 0);
	policy = sched_getscheduler((pid_t)pid);
	fx_close(&f);
	return policy;
}

/* Workers run under SCHED_BATCH unless the host is told otherwise. */
START_TEST(workers_sched_policy)
{
	struct sl_host_config cfg;

	ck_assert_int_eq(worker_policy_with(NULL), SCHED_BATCH);
	hu_config(&cfg, NULL);
	cfg.worker_sched = SL_WORKER_SCHED_NORMAL;
	ck_assert_int_eq(worker_policy_with(&cfg), SCHED_OTHER);
}
END_TEST

START_TEST(max_workers_evicts_idle)
{
	struct fx f;
	struct sl_host_config cfg;
	struct hu_result a, b;
	struct sl_invoke_request req;

	hu_config(&cfg, NULL);
	cfg.max_workers = 1;
	fx_open(&f, NULL, &cfg);
	hu_invoke(
	    f.loop, f.host, "id_function", "1", SL_INVOKE_REQUEST_RESPONSE, &a);
	hu_result_release(&a);
	/* id_function's idle worker makes room for echo_function's. */
	hu_invoke(f.loop, f.host, "echo_function", "{}",
	    SL_INVOKE_REQUEST_RESPONSE, &a);
	ck_assert_int_eq(a.status, 200);
	hu_result_release(&a);
	ck_assert_int_eq(hu_wait_children(f.loop, 1, 5000), 1);
	/* A busy worker is not evicted: the other function waits. */
	memset(&req, 0, sizeof(req));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	req.function = "sleeper";
	req.payload = "{\"ms\":200}";
	req.payload_len = strlen(req.payload);
	(void)sl_host_invoke(f.host, &req, hu_cb, &a);
	req.function = "id_function";
	req.payload = "2";
	req.payload_len = 1;
	(void)sl_host_invoke(f.host, &req, hu_cb, &b);
	ck_assert(hu_run_until(f.loop, &b.done, 10000));
	ck_assert(a.done);
	ck_assert_str_eq(a.payload, "{\"slept\":200}");
	ck_assert_str_eq(b.payload, "2");
	ck_assert_int_le(hu_count_children(), 2);
	hu_result_release(&a);
	hu_result_release(&b);
	fx_close(&f);
}
END_TEST

/* A host with two worker slots that reclaims idle workers after
 * evict_idle_ms: id_function's worker is left idle in one, and gap_ms
 * later nap is invoked twice, into a with first and into b with second,
 * so that the second needs the other slot. Returns whether id_function's
 * run was a cold start. */
static int
nap_twice_beside_idle(struct fx *f, unsigned evict_idle_ms, long gap_ms,
    const char *first, struct hu_result *a, const char *second,
    struct hu_result *b)
{
	struct sl_host_config cfg;
	struct hu_result r;
	struct sl_invoke_request req;
	struct timespec gap = { gap_ms / 1000, gap_ms % 1000 * 1000000L };
	int cold;

	hu_config(&cfg, NULL);
	cfg.max_workers = 2;
	cfg.evict_idle_ms = evict_idle_ms;
	fx_open(f, NULL, &cfg);
	hu_invoke(f->loop, f->host, "id_function", "1",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	cold = r.cold;
	hu_result_release(&r);
	/* At least this long idle before nap asks for room. */
	ck_assert_int_eq(nanosleep(&gap, NULL), 0);
	memset(&req, 0, sizeof(req));
	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	req.function = "nap";
	req.payload = first;
	req.payload_len = strlen(first);
	(void)sl_host_invoke(f->host, &req, hu_cb, a);
	req.payload = second;
	req.payload_len = strlen(second);
	(void)sl_host_invoke(f->host, &req, hu_cb, b);
	return cold;
}

/* With every worker slot taken, nap, which has a worker of its own,
 * gets no second one by evicting id_function's idle worker until that has
 * been idle evict_idle_ms (it waits for its own); with none of its own it
 * may (max_workers_evicts_idle). Returns whether id_function's next start
 * was cold, that is, whether its worker was evicted. */
static int
busy_fn_evicts_idle_with(unsigned evict_idle_ms)
{
	struct fx f;
	struct hu_result r, a, b;
	int cold, evicts = evict_idle_ms < 20;

	ck_assert_int_eq(nap_twice_beside_idle(&f, evict_idle_ms, 20,
	    "{\"ms\":100}", &a, "{\"ms\":100}", &b), 1);
	ck_assert(hu_run_until(f.loop, &b.done, 10000));
	ck_assert(hu_run_until(f.loop, &a.done, 10000));
	ck_assert_int_eq(a.status, 200);
	ck_assert_int_eq(b.status, 200);
	/* The second nap ran warm after the first, or cold on the room
	 * the eviction made. */
	ck_assert_int_eq(a.cold + b.cold, evicts ? 2 : 1);
	hu_result_release(&a);
	hu_result_release(&b);
	hu_invoke(f.loop, f.host, "id_function", "2",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_str_eq(r.payload, "2");
	cold = r.cold;
	hu_result_release(&r);
	fx_close(&f);
	return cold;
}

START_TEST(busy_fn_evicts_only_long_idle)
{
	ck_assert_int_eq(busy_fn_evicts_idle_with(60000), 0);
	ck_assert_int_eq(busy_fn_evicts_idle_with(1), 1);
}
END_TEST

/* nap waits with its only worker busy for long; once id_function's idle
 * worker has been idle evict_idle_ms it is reclaimed for nap, even though
 * nothing else happens meanwhile. */
START_TEST(busy_fn_evicts_when_idle_long_enough)
{
	struct fx f;
	struct hu_result a, b;

	(void)nap_twice_beside_idle(&f, 50, 0, "{\"ms\":8000}", &a,
	    "{\"ms\":0}", &b);
	ck_assert(hu_run_until(f.loop, &b.done, 10000));
	ck_assert_int_eq(b.status, 200);
	ck_assert_int_eq(b.cold, 1);
	ck_assert(!a.done); /* b did not wait for a's worker */
	fx_close(&f);
	hu_result_release(&a);
	hu_result_release(&b);
}
END_TEST

START_TEST(idle_reaping)
{
	struct fx f;
	struct sl_host_config cfg;
	struct hu_result r;

	hu_config(&cfg, NULL);
	cfg.idle_ms = 100;
	fx_open(&f, NULL, &cfg);
	hu_invoke(f.loop, f.host, "id_function", "{}",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_int_eq(r.cold, 1);
	hu_result_release(&r);
	ck_assert_int_eq(hu_count_children(), 1);
	ck_assert_int_eq(hu_wait_children(f.loop, 0, 5000), 0);
	hu_invoke(f.loop, f.host, "id_function", "{}",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(r.cold, 1);
	hu_result_release(&r);
	fx_close(&f);
}
END_TEST

static void
copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out;
	ssize_t n;
	char *tmp = xasprintf("%s.tmp", to);

	ck_assert_msg(in >= 0, "%s", from);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert(out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
	/* Replace atomically, as a deploy should. */
	ck_assert_int_eq(rename(tmp, to), 0);
	free(tmp);
}

/* Put fixture FIXTURE.so (from fx) into dir as NAME.so. */
static void
deploy(const char *fx, const char *fixture, const char *dir,
    const char *name)
{
	char *src = xasprintf("%s/%s.so", fx, fixture);
	char *dst = xasprintf("%s/%s.so", dir, name);

	copy_file(src, dst);
	free(src);
	free(dst);
}

static char *
make_dir(void)
{
	char *d = xstrdup("/tmp/sluice-test-XXXXXX");

	ck_assert(mkdtemp(d) != NULL);
	ck_assert_int_eq(chmod(d, 0755), 0);
	return d;
}

static void
remove_dir(const char *d)
{
	char *cmd = xasprintf("rm -rf '%s'", d);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* Poll a condition on GetFunction's JSON while running the loop. */
static int
wait_function_json(
    struct fx *f, const char *fn, const char *needle, unsigned ms)
{
	uint64_t end = sl_loop_now_us() + (uint64_t)ms * 1000u;

	while (sl_loop_now_us() < end) {
		struct sl_err err = SL_ERR_INIT;
		char *j = sl_host_get_function_json(f->host, fn, &err);
		int hit = j != NULL && strstr(j, needle) != NULL;

		free(j);
		if (hit)
			return 1;
		(void)sl_loop_run_once(f->loop, 10000);
	}
	return 0;
}

/*
 * Invoke fn with input until the reloaded code answers (it echoes input),
 * within 5 s; until then the old code must answer HelloWorld.
 */
static void
await_reload(struct fx *f, const char *fn, const char *input)
{
	uint64_t end = sl_loop_now_us() + 5000000u;
	struct hu_result r;

	for (;;) {
		hu_invoke(f->loop, f->host, fn, input,
		    SL_INVOKE_REQUEST_RESPONSE, &r);
		if (strcmp(r.payload, input) == 0)
			break;
		ck_assert_str_eq(r.payload, "{\"Return\":\"HelloWorld\"}");
		hu_result_release(&r);
		ck_assert_msg(sl_loop_now_us() < end, "reload not seen");
		(void)sl_loop_run_once(f->loop, 20000);
	}
	hu_result_release(&r);
}

START_TEST(hot_reload)
{
	struct fx f;
	struct sl_host_config cfg;
	struct hu_result r, slow;
	struct sl_invoke_request req;
	char *dir = make_dir(), *fx = hu_build("tests/fixtures");
	char *src, *dst;
	int fd;
	uint64_t end;

	src = xasprintf("%s/echo_function.so", fx);
	dst = xasprintf("%s/fn.so", dir);
	copy_file(src, dst);
	free(src);
	hu_config(&cfg, NULL);
	cfg.watch_dir = 1;
	fx_open(&f, dir, &cfg);
	expect_payload(&f, "fn", "{\"x\":1}", "{\"Return\":\"HelloWorld\"}");

	/* A new function dropped in is picked up. */
	src = xasprintf("%s/sleeper.so", fx);
	free(dst);
	dst = xasprintf("%s/slow.so", dir);
	copy_file(src, dst);
	free(src);
	ck_assert(wait_function_json(&f, "slow", "\"State\":\"Active\"", 5000));

	/* Replacing fn.so: the next invocations run the new code. */
	src = xasprintf("%s/id_function.so", fx);
	free(dst);
	dst = xasprintf("%s/fn.so", dir);
	copy_file(src, dst);
	await_reload(&f, "fn", "{\"x\":1}");

	/* In flight on the old code while slow.so is replaced: it finishes
	 * there. (A warm worker first, so that it is running, not queued,
	 * when the file changes.) */
	expect_payload(&f, "slow", "{\"ms\":1}", "{\"slept\":1}");
	memset(&req, 0, sizeof(req));
	memset(&slow, 0, sizeof(slow));
	req.function = "slow";
	req.payload = "{\"ms\":400}";
	req.payload_len = strlen(req.payload);
	(void)sl_host_invoke(f.host, &req, hu_cb, &slow);
	free(dst);
	dst = xasprintf("%s/slow.so", dir);
	copy_file(src, dst);
	ck_assert(hu_run_until(f.loop, &slow.done, 10000));
	ck_assert_str_eq(slow.payload, "{\"slept\":400}");
	hu_result_release(&slow);
	end = sl_loop_now_us() + 5000000u;
	for (;;) {
		hu_invoke(f.loop, f.host, "slow", "{\"ms\":1}",
		    SL_INVOKE_REQUEST_RESPONSE, &r);
		if (strcmp(r.payload, "{\"ms\":1}") == 0)
			break;
		hu_result_release(&r);
		ck_assert_msg(sl_loop_now_us() < end, "reload not seen");
	}
	hu_result_release(&r);

	/* A broken .so: a clear error naming the file and the loader's
	 * message; the previous version keeps serving. */
	free(src);
	src = xasprintf("%s/broken.so.tmp", dir);
	fd = open(src, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert(fd >= 0);
	ck_assert_int_eq(write(fd, "this is not an ELF file\n", 24), 24);
	close(fd);
	ck_assert_int_eq(rename(src, dst), 0);
	ck_assert(wait_function_json(&f, "slow",
	    "\"LastUpdateStatus\":"
	    "\"Failed\"",
	    5000));
	{
		struct sl_err err = SL_ERR_INIT;
		char *j = sl_host_get_function_json(f.host, "slow", &err);

		ck_assert_msg(strstr(j, "slow.so") != NULL &&
		                  (strstr(j, "ELF") != NULL ||
		                      strstr(j, "too short") != NULL),
		    "%s", j);
		free(j);
	}
	expect_payload(&f, "slow", "{\"still\":true}", "{\"still\":true}");

	/* A changed NAME.json alone is picked up too. */
	free(src);
	src = xasprintf("%s/fn.json", dir);
	{
		char *tmp = xasprintf("%s.tmp", src);

		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		ck_assert(fd >= 0);
		ck_assert_int_eq(write(fd, "{\"Timeout\": 7}", 14), 14);
		close(fd);
		ck_assert_int_eq(rename(tmp, src), 0);
		free(tmp);
	}
	ck_assert(wait_function_json(&f, "fn", "\"Timeout\":7", 5000));

	/* Removing the .so removes the function. */
	ck_assert_int_eq(unlink(dst), 0);
	hu_invoke(f.loop, f.host, "slow", "{}", SL_INVOKE_REQUEST_RESPONSE, &r);
	end = sl_loop_now_us() + 5000000u;
	while (r.status != 404 && sl_loop_now_us() < end) {
		hu_result_release(&r);
		(void)sl_loop_run_once(f.loop, 20000);
		hu_invoke(f.loop, f.host, "slow", "{}",
		    SL_INVOKE_REQUEST_RESPONSE, &r);
	}
	ck_assert_int_eq(r.status, 404);
	hu_result_release(&r);
	fx_close(&f);
	remove_dir(dir);
	free(src);
	free(dst);
	free(dir);
	free(fx);
}
END_TEST

/* GetFunction's "Stats" object of fn (the caller frees *doc). */
static const cJSON *
fn_stats(struct fx *f, const char *fn, cJSON **doc)
{
	struct sl_err err = SL_ERR_INIT;
	char *j = sl_host_get_function_json(f->host, fn, &err);
	const cJSON *st;

	ck_assert_msg(j != NULL, "%s: %s", fn, err.msg);
	*doc = cJSON_Parse(j);
	free(j);
	st = cJSON_GetObjectItem(*doc, "Stats");
	ck_assert_msg(cJSON_IsObject(st), "no Stats for %s", fn);
	return st;
}

static void
write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	ck_assert(fp != NULL);
	fputs(text, fp);
	fclose(fp);
}

START_TEST(function_stats)
{
	struct fx f;
	struct sl_host_config cfg;
	struct hu_result r, q[3];
	struct sl_invoke_request req;
	char *dir = make_dir(), *fx = hu_build("tests/fixtures");
	char *dst;
	const cJSON *st, *fns, *it, *c;
	cJSON *doc;
	struct stat sb;
	char *j;
	int i;

	deploy(fx, "id_function", dir, "ok");
	dst = xasprintf("%s/ok.so", dir);
	ck_assert_int_eq(stat(dst, &sb), 0);
	free(dst);
	deploy(fx, "raise_exception", dir, "err");
	deploy(fx, "sleeper", dir, "slow");
	dst = xasprintf("%s/slow.json", dir);
	write_text(dst, "{\"Timeout\": 1, \"ReservedConcurrency\": 1}");
	free(dst);
	hu_config(&cfg, NULL);
	cfg.queue_max = 1;
	fx_open(&f, dir, &cfg);

	/* Nothing has run yet. */
	st = fn_stats(&f, "ok", &doc);
	ck_assert_int_eq((int)num(st, "Invocations"), 0);
	ck_assert_int_eq((int)num(st, "WarmIdle"), 0);
	ck_assert_int_eq((int)num(st, "DurationSamples"), 0);
	cJSON_Delete(doc);

	/* Three successes: one cold start, then warm. */
	for (i = 0; i < 3; i++) {
		hu_invoke(f.loop, f.host, "ok", "{\"i\":1}",
		    SL_INVOKE_REQUEST_RESPONSE, &r);
		ck_assert_int_eq(r.status, 200);
		ck_assert_ptr_null(r.function_error);
		ck_assert_int_eq(r.cold, i == 0);
		hu_result_release(&r);
	}
	/* Two handled errors. */
	for (i = 0; i < 2; i++) {
		hu_invoke(f.loop, f.host, "err", "{}",
		    SL_INVOKE_REQUEST_RESPONSE, &r);
		ck_assert_str_eq(r.function_error, "Handled");
		hu_result_release(&r);
	}
	/* slow (Timeout 1, ReservedConcurrency 1, queue 1): one runs past
	 * its timeout, one waits for it, one is throttled. */
	memset(&req, 0, sizeof(req));
	memset(q, 0, sizeof(q));
	req.function = "slow";
	req.payload = "{\"ms\":5000}";
	req.payload_len = strlen(req.payload);
	(void)sl_host_invoke(f.host, &req, hu_cb, &q[0]);
	ck_assert(wait_function_json(&f, "slow", "\"WarmBusy\":1", 5000));
	req.payload = "{\"ms\":1}";
	req.payload_len = strlen(req.payload);
	(void)sl_host_invoke(f.host, &req, hu_cb, &q[1]);
	(void)sl_host_invoke(f.host, &req, hu_cb, &q[2]);
	ck_assert(hu_run_until(f.loop, &q[2].done, 5000));
	ck_assert_int_eq(q[2].status, 429);
	st = fn_stats(&f, "slow", &doc);
	ck_assert_int_eq((int)num(st, "Queued"), 1);
	ck_assert_int_eq((int)num(st, "WarmBusy"), 1);
	cJSON_Delete(doc);
	ck_assert(hu_run_until(f.loop, &q[1].done, 10000));
	ck_assert(q[0].done);
	ck_assert_str_eq(q[0].error_type, "Sandbox.Timedout");
	ck_assert_str_eq(q[1].payload, "{\"slept\":1}");
	ck_assert_int_eq(q[1].cold, 1); /* the timed-out worker was killed */
	for (i = 0; i < 3; i++)
		hu_result_release(&q[i]);

	st = fn_stats(&f, "ok", &doc);
	ck_assert_int_eq((int)num(st, "Invocations"), 3);
	ck_assert_int_eq((int)num(st, "ColdStarts"), 1);
	ck_assert_int_eq((int)num(st, "Errors"), 0);
	ck_assert_int_eq((int)num(st, "Throttles"), 0);
	ck_assert_int_eq((int)num(st, "WarmIdle"), 1);
	ck_assert_int_eq((int)num(st, "WarmBusy"), 0);
	ck_assert_int_eq((int)num(st, "DurationSamples"), 3);
	ck_assert(num(st, "DurationP50Ms") > 0);
	ck_assert(num(st, "DurationP99Ms") >= num(st, "DurationP50Ms"));
	c = cJSON_GetObjectItem(doc, "Configuration");
	ck_assert_int_eq((int)num(c, "CodeSize"), (int)sb.st_size);
	ck_assert_int_eq((int)strlen(str(c, "LastModified")), 28);
	ck_assert(strcmp(str(c, "LastModified") + 23, "+0000") == 0);
	ck_assert(strstr(str(cJSON_GetObjectItem(doc, "Sandbox"), "Summary"),
	              "seccomp") != NULL);
	cJSON_Delete(doc);

	st = fn_stats(&f, "err", &doc);
	ck_assert_int_eq((int)num(st, "Invocations"), 2);
	ck_assert_int_eq((int)num(st, "ColdStarts"), 1);
	ck_assert_int_eq((int)num(st, "Errors"), 2);
	ck_assert_int_eq((int)num(st, "ErrorsHandled"), 2);
	ck_assert_int_eq((int)num(st, "ErrorsUnhandled"), 0);
	ck_assert_int_eq((int)num(st, "Timeouts"), 0);
	cJSON_Delete(doc);

	st = fn_stats(&f, "slow", &doc);
	ck_assert_int_eq((int)num(st, "Invocations"), 2);
	ck_assert_int_eq((int)num(st, "ColdStarts"), 2);
	ck_assert_int_eq((int)num(st, "Errors"), 1);
	ck_assert_int_eq((int)num(st, "ErrorsHandled"), 0);
	ck_assert_int_eq((int)num(st, "ErrorsUnhandled"), 1);
	ck_assert_int_eq((int)num(st, "Timeouts"), 1);
	ck_assert_int_eq((int)num(st, "Throttles"), 1);
	ck_assert_int_eq((int)num(st, "WarmIdle"), 1);
	ck_assert_int_eq((int)num(st, "Queued"), 0);
	ck_assert_int_eq((int)num(st, "DurationSamples"), 2);
	/* The timed-out run lasted its Timeout; p50 is the short one. */
	ck_assert(num(st, "DurationP99Ms") >= 900);
	ck_assert(num(st, "DurationP50Ms") < num(st, "DurationP99Ms"));
	cJSON_Delete(doc);

	/* ListFunctions carries the same Stats and a sandbox summary. */
	j = sl_host_list_functions_json(f.host);
	doc = cJSON_Parse(j);
	free(j);
	fns = cJSON_GetObjectItem(doc, "Functions");
	ck_assert_int_eq(cJSON_GetArraySize(fns), 3);
	cJSON_ArrayForEach(it, fns)
	{
		if (strcmp(str(it, "FunctionName"), "ok") != 0)
			continue;
		st = cJSON_GetObjectItem(it, "Stats");
		ck_assert_int_eq((int)num(st, "Invocations"), 3);
		ck_assert_int_eq((int)num(st, "WarmIdle"), 1);
		ck_assert(strstr(str(cJSON_GetObjectItem(it, "Sandbox"),
		                     "Summary"),
		              "network none") != NULL);
	}
	cJSON_Delete(doc);
	fx_close(&f);
	remove_dir(dir);
	free(dir);
	free(fx);
}
END_TEST

static void
tick_cb(struct sl_timer *t)
{
	(*(int *)t->arg)++;
}

/* Cold starts do not hold the loop: with the spawner's replies held back,
 * two spawns stay pending (their processes exist, their pids are not
 * read yet) while a timer fires and a warm invocation completes; then
 * both cold starts complete. */
START_TEST(spawn_does_not_block)
{
	struct fx f;
	struct hu_result r, c[2];
	struct sl_invoke_request req;
	struct sl_timer t;
	int ticks = 0, i;
	const char *cold[2] = {"echo_function", "return_bytes_str"};

	fx_open(&f, NULL, NULL);
	expect_payload(&f, "id_function", "{\"a\":1}", "{\"a\":1}");
	ck_assert_int_eq(hu_count_children(), 1);

	sl_host_hold_spawns(f.host, 1);
	memset(c, 0, sizeof(c));
	for (i = 0; i < 2; i++) {
		memset(&req, 0, sizeof(req));
		req.function = cold[i];
		(void)sl_host_invoke(f.host, &req, hu_cb, &c[i]);
	}
	/* Both were asked for and forked; their replies wait. */
	ck_assert_int_eq(hu_wait_children(f.loop, 3, 5000), 3);
	ck_assert(wait_function_json(&f, "echo_function", "\"Starting\":1",
	    5000));
	sl_timer_init(&t, tick_cb, &ticks);
	sl_loop_timer_start(f.loop, &t, 1000);
	hu_invoke(f.loop, f.host, "id_function", "{\"b\":2}",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_str_eq(r.payload, "{\"b\":2}");
	ck_assert_int_eq(r.cold, 0);
	hu_result_release(&r);
	ck_assert(hu_run_until(f.loop, &ticks, 5000));
	ck_assert_int_eq(ticks, 1);
	ck_assert_msg(!c[0].done && !c[1].done,
	    "a cold start completed while its spawn was held");

	sl_host_hold_spawns(f.host, 0);
	for (i = 0; i < 2; i++) {
		ck_assert(hu_run_until(f.loop, &c[i].done, 10000));
		ck_assert_int_eq(c[i].status, 200);
		ck_assert_ptr_null(c[i].function_error);
		ck_assert_int_eq(c[i].cold, 1);
		hu_result_release(&c[i]);
	}
	ck_assert(wait_function_json(&f, "echo_function", "\"WarmIdle\":1",
	    5000));
	fx_close(&f);
	ck_assert_int_eq(hu_count_children(), 0);
}
END_TEST

/* A .so written in place is not loaded while its writer has it open (no
 * "file too short" from a half-written file): the old code serves until
 * the writer closes it, then the new code does. */
START_TEST(reload_waits_for_writer)
{
	struct fx f;
	struct sl_host_config cfg;
	struct hu_result r;
	char *dir = make_dir(), *fx = hu_build("tests/fixtures");
	char *src, *dst, *buf;
	int in, out, never = 0;
	struct stat sb;
	size_t half;

	src = xasprintf("%s/echo_function.so", fx);
	dst = xasprintf("%s/fn.so", dir);
	copy_file(src, dst);
	free(src);
	hu_config(&cfg, NULL);
	cfg.watch_dir = 1;
	fx_open(&f, dir, &cfg);
	expect_payload(&f, "fn", "{}", "{\"Return\":\"HelloWorld\"}");

	/* Half of the new code, written in place and left open. */
	src = xasprintf("%s/id_function.so", fx);
	in = open(src, O_RDONLY);
	ck_assert(in >= 0 && fstat(in, &sb) == 0);
	buf = xmalloc((size_t)sb.st_size);
	ck_assert_int_eq(read(in, buf, (size_t)sb.st_size), sb.st_size);
	close(in);
	half = (size_t)sb.st_size / 2;
	out = open(dst, O_WRONLY | O_TRUNC);
	ck_assert(out >= 0);
	ck_assert_int_eq(write(out, buf, half), (ssize_t)half);
	(void)hu_run_until(f.loop, &never, 300);
	ck_assert(!wait_function_json(&f, "fn", "\"Failed\"", 1));
	hu_invoke(f.loop, f.host, "fn", "{\"a\":1}", SL_INVOKE_REQUEST_RESPONSE,
	    &r);
	ck_assert_str_eq(r.payload, "{\"Return\":\"HelloWorld\"}");
	hu_result_release(&r);

	/* The rest, and the close: the new code serves. */
	ck_assert_int_eq(write(out, buf + half, (size_t)sb.st_size - half),
	    (ssize_t)((size_t)sb.st_size - half));
	close(out);
	await_reload(&f, "fn", "{\"a\":1}");
	ck_assert(wait_function_json(&f, "fn", "\"Successful\"", 1));
	fx_close(&f);
	remove_dir(dir);
	free(buf);
	free(src);
	free(dst);
	free(dir);
	free(fx);
}
END_TEST

START_TEST(event_retries)
{
	struct fx f;
	struct sl_host_config cfg;
	struct hu_result r;

	hu_config(&cfg, NULL);
	cfg.event_retry_ms = 20;
	fx_open(&f, NULL, &cfg);
	hu_invoke(
	    f.loop, f.host, "flaky", "{\"ok\":false}", SL_INVOKE_EVENT, &r);
	ck_assert_int_eq(r.status, 202);
	ck_assert_uint_eq(strlen(r.rid), 36);
	hu_result_release(&r);
	ck_assert(hu_run_until(f.loop, &f.events, 10000));
	ck_assert_int_eq(f.events, 1);
	ck_assert_int_eq(f.attempts, 3); /* the run and two retries */
	ck_assert_str_eq(f.event_error, "FlakyError");
	ck_assert_int_eq(sl_host_busy(f.host), 0);

	f.events = 0;
	f.attempts = 0;
	hu_invoke(
	    f.loop, f.host, "flaky", "{\"ok\":true}", SL_INVOKE_EVENT, &r);
	ck_assert_int_eq(r.status, 202);
	hu_result_release(&r);
	ck_assert(hu_run_until(f.loop, &f.events, 10000));
	ck_assert_int_eq(f.attempts, 1);
	ck_assert_int_eq(f.event_status, 200);
	ck_assert_ptr_null(f.event_error);
	fx_close(&f);
}
END_TEST

START_TEST(dry_run)
{
	struct fx f;
	struct hu_result r;

	fx_open(&f, NULL, NULL);
	hu_invoke(f.loop, f.host, "id_function", NULL, SL_INVOKE_DRY_RUN, &r);
	ck_assert_int_eq(r.status, 204);
	hu_result_release(&r);
	ck_assert_int_eq(hu_count_children(), 1); /* it loaded: kept warm */
	hu_invoke(f.loop, f.host, "no_handler", NULL, SL_INVOKE_DRY_RUN, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.error_type, "Runtime.InvalidEntrypoint");
	hu_result_release(&r);
	hu_invoke(f.loop, f.host, "missing", NULL, SL_INVOKE_DRY_RUN, &r);
	ck_assert_int_eq(r.status, 404);
	hu_result_release(&r);
	fx_close(&f);
}
END_TEST

START_TEST(log_tail_and_ring)
{
	struct fx f;
	struct hu_result r;
	struct sl_err err = SL_ERR_INIT;
	char want[128], *logs;

	fx_open(&f, NULL, NULL);
	hu_invoke(f.loop, f.host, "logger", "{\"lines\":2}",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_msg(r.log_tail != NULL, "no log tail");
	snprintf(want, sizeof(want), "hello from sl_log %s\n", r.rid);
	ck_assert_msg(strstr(r.log_tail, want) != NULL, "%s", r.log_tail);
	ck_assert(strstr(r.log_tail, "stdout line 1\n") != NULL);
	ck_assert(strstr(r.log_tail, "stderr line\n") != NULL);
	snprintf(want, sizeof(want), "START RequestId: %s", r.rid);
	ck_assert(strstr(r.log_tail, want) != NULL);
	snprintf(want, sizeof(want), "REPORT RequestId: %s", r.rid);
	ck_assert(strstr(r.log_tail, want) != NULL);
	logs = sl_host_function_logs(f.host, "logger", &err);
	snprintf(want, sizeof(want), "%s\tstdout line 0\n", r.rid);
	ck_assert_msg(strstr(logs, want) != NULL, "%s", logs);
	free(logs);
	hu_result_release(&r);

	/* Lots of output: only the last 4 KB come back, ending with REPORT;
	 * the ring stays bounded. */
	hu_invoke(f.loop, f.host, "logger", "{\"lines\":5000}",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_uint_le(strlen(r.log_tail), SL_INVOKE_LOG_TAIL);
	ck_assert(strstr(r.log_tail, "REPORT RequestId") != NULL);
	ck_assert(strstr(r.log_tail, "stdout line 4999") != NULL);
	logs = sl_host_function_logs(f.host, "logger", &err);
	ck_assert_uint_le(strlen(logs), 64 * 1024);
	ck_assert(strstr(logs, "stdout line 4999") != NULL);
	free(logs);
	hu_result_release(&r);
	ck_assert_ptr_null(sl_host_function_logs(f.host, "nope", &err));
	ck_assert_str_eq(err.type, "ResourceNotFoundException");
	fx_close(&f);
}
END_TEST

START_TEST(publish)
{
	struct fx f;
	struct hu_result r;

	fx_open(&f, NULL, NULL);
	hu_invoke(f.loop, f.host, "publisher", "{\"order\":17}",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_str_eq(r.payload, "{\"published\":0,\"bad_topic\":-1}");
	ck_assert_int_eq(f.publishes, 1);
	ck_assert_str_eq(f.last_topic, "tests.events");
	ck_assert_str_eq(f.last_message, "{\"order\":17}");
	hu_result_release(&r);
	fx_close(&f);
}
END_TEST

static void
never_cb(void *arg, const struct sl_invoke_result *r)
{
	(void)arg;
	(void)r;
	ck_abort_msg("a cancelled invocation's callback ran");
}

START_TEST(cancel)
{
	struct fx f;
	struct sl_invoke_request req;
	uint64_t id;
	int fds;

	fx_open(&f, NULL, NULL);
	memset(&req, 0, sizeof(req));
	req.function = "wait_60_seconds";
	id = sl_host_invoke(f.host, &req, never_cb, NULL);
	ck_assert_uint_gt(id, 0);
	/* Let it start, then cancel: the worker is killed and reaped. */
	(void)hu_wait_children(f.loop, 1, 2000);
	{
		int dummy = 0;

		(void)hu_run_until(f.loop, &dummy, 200);
	}
	sl_host_cancel(f.host, id);
	ck_assert_int_eq(hu_wait_children(f.loop, 0, 5000), 0);
	ck_assert_int_eq(sl_host_busy(f.host), 0);
	/* A refusal can be cancelled before its callback too. */
	req.function = "unknown";
	id = sl_host_invoke(f.host, &req, never_cb, NULL);
	sl_host_cancel(f.host, id);
	fds = hu_count_fds();
	expect_payload(&f, "id_function", "[]", "[]");
	ck_assert_int_eq(hu_count_fds(), fds + 3); /* one warm worker */
	fx_close(&f);
}
END_TEST

/* --- invocations sent ahead to a busy worker ------------------------------ */

/* A host whose "ahead" function (ReservedConcurrency 1) sends ahead
 * whenever its one worker is busy (ahead_us: < 0 never), warmed by one
 * run so that its average run time is known. */
static void
ahead_open(struct fx *f, long ahead_us)
{
	struct sl_host_config cfg;
	struct hu_result r;

	hu_config(&cfg, NULL);
	cfg.ahead_us = ahead_us;
	fx_open(f, NULL, &cfg);
	hu_invoke(f->loop, f->host, "ahead", "{}", SL_INVOKE_REQUEST_RESPONSE,
	    &r);
	ck_assert_msg(r.status == 200 && r.function_error == NULL, "%s",
	    r.payload);
	hu_result_release(&r);
}

/* Invoke "ahead" n times in one go (payloads[i], capped at cap_ms[i] when
 * cap_ms is given) and wait for every outcome. */
static void
ahead_burst(struct fx *f, int n, const char *const *payloads,
    const uint64_t *cap_ms, struct hu_result *r, uint64_t *ids)
{
	struct sl_invoke_request req;
	int i;

	for (i = 0; i < n; i++) {
		memset(&req, 0, sizeof(req));
		memset(&r[i], 0, sizeof(r[i]));
		req.function = "ahead";
		req.payload = payloads[i];
		req.want_log_tail = 1;
		req.timeout_cap_ms = cap_ms ? cap_ms[i] : 0;
		ids[i] = sl_host_invoke(f->host, &req, hu_cb, &r[i]);
	}
	for (i = 0; i < n; i++)
		ck_assert_msg(hu_run_until(f->loop, &r[i].done, 20000),
		    "invocation %d did not complete", i);
}

static int
count_of(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* r's log tail has its own lines, once each, and nobody else's. */
static void
ahead_check_tail(const struct hu_result *r, const struct hu_result *all,
    int n)
{
	static const char *const kinds[] = {"out ", "err ", "log ",
	    "unfinished ", "START RequestId: "};
	char want[128];
	size_t i;
	int j;

	ck_assert_msg(r->log_tail != NULL, "no log tail");
	ck_assert_msg(strchr(r->log_tail, '\036') == NULL,
	    "a start mark is in the log: %s", r->log_tail);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(want, sizeof(want), "%s%s", kinds[i], r->rid);
		ck_assert_msg(count_of(r->log_tail, want) == 1,
		    "'%s' %d times in %s", want, count_of(r->log_tail, want),
		    r->log_tail);
	}
	for (j = 0; j < n; j++)
		ck_assert_msg(all[j].rid == r->rid ||
		                  strcmp(all[j].rid, r->rid) == 0 ||
		                  strstr(r->log_tail, all[j].rid) == NULL,
		    "%s's log has %s's lines: %s", r->rid, all[j].rid,
		    r->log_tail);
}

/* Every line of the function's ring that names a request id is filed
 * under that id. */
static void
ahead_check_ring(struct fx *f)
{
	struct sl_err err = SL_ERR_INIT;
	char *logs = sl_host_function_logs(f->host, "ahead", &err), *line,
	     *save = NULL;
	int lines = 0;

	ck_assert(logs != NULL);
	ck_assert_msg(strchr(logs, '\036') == NULL, "a start mark: %s", logs);
	for (line = strtok_r(logs, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t'), *sp;

		ck_assert_msg(tab != NULL, "%s", line);
		*tab = '\0';
		sp = strchr(tab + 1, ' ');
		if (sp == NULL)
			continue;
		ck_assert_msg(strcmp(sp + 1, line) == 0,
		    "line '%s' is filed under %s", tab + 1, line);
		lines++;
	}
	ck_assert_int_gt(lines, 0);
	free(logs);
}

/* r's result is {"rid": its own request id, ...}. */
static void
ahead_expect_own_rid(const struct hu_result *r)
{
	cJSON *o = parse_ok(r);

	ck_assert_str_eq(str(o, "rid"), r->rid);
	cJSON_Delete(o);
}

/* The "ahead" function's counter name from GetFunction's Stats. */
static int
ahead_stat(struct fx *f, const char *name)
{
	cJSON *doc;
	int v = (int)num(fn_stats(f, "ahead", &doc), name);

	cJSON_Delete(doc);
	return v;
}

/* Let go of a burst's n results and of the host. */
static void
ahead_close(struct fx *f, struct hu_result *r, int n)
{
	int i;

	for (i = 0; i < n; i++)
		hu_result_release(&r[i]);
	fx_close(f);
}

START_TEST(ahead_logs_and_publish)
{
	enum { N = 6 };
	static const char *const p[N] = {"{\"publish\":true}", "{}",
	    "{\"publish\":true}", "{}", "{\"publish\":true}", "{}"};
	struct fx f;
	struct hu_result r[N];
	uint64_t ids[N];
	int i;

	ahead_open(&f, 60 * 1000 * 1000L);
	ahead_burst(&f, N, p, NULL, r, ids);
	for (i = 0; i < N; i++) {
		ahead_expect_own_rid(&r[i]);
		ck_assert_int_eq(r[i].cold, 0);
		ahead_check_tail(&r[i], r, N);
	}
	/* Each publish reached the host, in the run that made it. */
	ck_assert_int_eq(f.publishes, 3);
	ahead_check_ring(&f);
	/* One worker all along: the first ran at once, the other five were
	 * each sent while the one before ran. */
	ck_assert_int_eq(ahead_stat(&f, "SentAhead"), N - 1);
	ck_assert_int_eq(ahead_stat(&f, "Invocations"), N + 1);
	ck_assert_int_eq(hu_count_children(), 1);
	ahead_close(&f, r, N);
}
END_TEST

/* The deadline and the duration of one sent ahead count from its start,
 * not from when it was sent. */
START_TEST(ahead_clock_starts_with_the_run)
{
	static const char *const p[2] = {"{\"ms\":1500}", "{}"};
	struct fx f;
	struct hu_result r[2];
	uint64_t ids[2];
	cJSON *o;

	ahead_open(&f, 60 * 1000 * 1000L);
	ahead_burst(&f, 2, p, NULL, r, ids);
	o = parse_ok(&r[1]);
	/* Timeout 5 s: with the wait counted it would be 3.5 s or less. */
	ck_assert_msg(num(o, "remaining") > 4000 && num(o, "remaining") <= 5000,
	    "remaining %g ms", num(o, "remaining"));
	ck_assert_uint_lt(r[1].duration_us, 1000000u);
	ck_assert_uint_ge(r[0].duration_us, 1500000u);
	cJSON_Delete(o);
	ahead_close(&f, r, 2);
}
END_TEST

/* The worker dies (timeout, crash) in the run before: the invocation
 * sent ahead never started, so it goes to a new worker, once. */
START_TEST(ahead_worker_dies_before)
{
	static const char *const p[2][3] = {
	    {"{\"ms\":20000}", "{}", "{}"},
	    {"{\"crash\":true}", "{}", "{}"},
	};
	static const char *const want[2] = {
	    "Sandbox.Timedout", "Runtime.ExitError"};
	static const uint64_t cap[3] = {300, 0, 0};
	int k, i;

	for (k = 0; k < 2; k++) {
		struct fx f;
		struct hu_result r[3];
		uint64_t ids[3];

		ahead_open(&f, 60 * 1000 * 1000L);
		ahead_burst(&f, 3, p[k], cap, r, ids);
		ck_assert_int_eq(r[0].status, 200);
		ck_assert_str_eq(r[0].function_error, "Unhandled");
		ck_assert_str_eq(r[0].error_type, want[k]);
		for (i = 1; i < 3; i++) {
			ahead_expect_own_rid(&r[i]);
			ahead_check_tail(&r[i], r, 3);
		}
		ck_assert_int_eq(r[1].cold, 1); /* on the new worker */
		ck_assert_int_eq(ahead_stat(&f, "Invocations"), 4);
		ck_assert_int_ge(ahead_stat(&f, "SentAhead"), 1);
		ahead_check_ring(&f);
		ahead_close(&f, r, 3);
	}
}
END_TEST

/* A handler that points stderr elsewhere: the worker could no longer
 * mark the start of the next invocation, so it ends before it; the
 * invocation runs on a new worker, once, and the one before is fine. */
START_TEST(ahead_stderr_replaced)
{
	static const char *const p[3] = {
	    "{\"stderr_away\":true,\"ms\":200}", "{}", "{}"};
	struct fx f;
	struct hu_result r[3];
	uint64_t ids[3];
	int i;

	ahead_open(&f, 60 * 1000 * 1000L);
	ahead_burst(&f, 3, p, NULL, r, ids);
	for (i = 0; i < 3; i++)
		ahead_expect_own_rid(&r[i]);
	/* The next ran on the new worker, and in its turn. */
	ck_assert_int_eq(r[1].cold, 1);
	ck_assert_int_eq(r[2].cold, 0);
	ahead_check_tail(&r[1], r, 3);
	ck_assert_int_eq(ahead_stat(&f, "Invocations"), 4);
	ahead_close(&f, r, 3);
}
END_TEST

static void never_cb(void *arg, const struct sl_invoke_result *r);

/* Cancelling one sent ahead leaves the run before it alone; the worker,
 * which starts it regardless, is replaced after. */
START_TEST(ahead_cancel)
{
	struct fx f;
	struct sl_invoke_request req;
	struct hu_result r;
	uint64_t id;

	ahead_open(&f, 60 * 1000 * 1000L);
	memset(&req, 0, sizeof(req));
	memset(&r, 0, sizeof(r));
	req.function = "ahead";
	req.payload = "{\"ms\":300}";
	(void)sl_host_invoke(f.host, &req, hu_cb, &r);
	req.payload = "{\"ms\":20000}";
	id = sl_host_invoke(f.host, &req, never_cb, NULL);
	{
		int dummy = 0;

		/* Both are on the worker now (sent on the loop's turn). */
		(void)hu_run_until(f.loop, &dummy, 50);
	}
	sl_host_cancel(f.host, id);
	ck_assert(hu_run_until(f.loop, &r.done, 10000));
	ck_assert_msg(r.status == 200 && r.function_error == NULL, "%s",
	    r.payload);
	ck_assert_int_eq(hu_wait_children(f.loop, 0, 5000), 0);
	ck_assert_int_eq(sl_host_busy(f.host), 0);
	hu_result_release(&r);
	hu_invoke(f.loop, f.host, "ahead", "{}", SL_INVOKE_REQUEST_RESPONSE,
	    &r);
	ck_assert_msg(r.status == 200 && r.function_error == NULL, "%s",
	    r.payload);
	ck_assert_int_eq(r.cold, 1);
	hu_result_release(&r);
	fx_close(&f);
}
END_TEST

START_TEST(ahead_off)
{
	static const char *const p[3] = {"{}", "{}", "{}"};
	struct fx f;
	struct hu_result r[3];
	uint64_t ids[3];
	int i;

	ahead_open(&f, -1);
	ahead_burst(&f, 3, p, NULL, r, ids);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(r[i].status, 200);
		ahead_check_tail(&r[i], r, 3);
	}
	ck_assert_int_eq(ahead_stat(&f, "SentAhead"), 0);
	ck_assert_int_eq(ahead_stat(&f, "Invocations"), 4);
	ahead_close(&f, r, 3);
}
END_TEST

START_TEST(describe)
{
	struct fx f;
	struct sl_err err = SL_ERR_INIT;
	struct sl_host_sandbox_info si;
	char *j;
	cJSON *o;
	const cJSON *c, *sb;

	fx_open(&f, NULL, NULL);
	j = sl_host_list_functions_json(f.host);
	o = cJSON_Parse(j);
	ck_assert(cJSON_GetArraySize(cJSON_GetObjectItem(o, "Functions")) >= 7);
	ck_assert(strstr(j, "\"FunctionName\":\"id_function\"") != NULL);
	cJSON_Delete(o);
	free(j);
	j = sl_host_get_function_json(f.host, "with_init", &err);
	o = cJSON_Parse(j);
	c = cJSON_GetObjectItem(o, "Configuration");
	ck_assert_int_eq((int)num(c, "Timeout"), 5);
	ck_assert_int_eq((int)num(c, "MemorySize"), 64);
	ck_assert_str_eq(str(c, "State"), "Active");
	ck_assert_str_eq(str(c, "Handler"), "handler");
	sb = cJSON_GetObjectItem(o, "Sandbox");
	sl_host_sandbox_info(f.host, &si);
	if (si.landlock_abi > 0)
		ck_assert(strncmp(str(sb, "Landlock"), "ABI ", 4) == 0);
	else
		ck_assert(strncmp(str(sb, "Landlock"), "unavailable", 11) == 0);
	ck_assert_str_eq(str(sb, "Network"), "none");
	cJSON_Delete(o);
	free(j);
	ck_assert_ptr_null(sl_host_get_function_json(f.host, "zzz", &err));
	ck_assert_str_eq(err.type, "ResourceNotFoundException");
	fx_close(&f);
}
END_TEST

START_TEST(granted_write_path)
{
	struct fx f;
	struct sl_host_config cfg;
	struct hu_result r;
	char *data = make_dir(), *file, buf[64] = "";
	FILE *fp;

	hu_config(&cfg, NULL);
	cfg.data_dir = data;
	fx_open(&f, NULL, &cfg);
	hu_invoke(f.loop, f.host, "writer", "{\"text\":\"kept\"}",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_msg(r.function_error == NULL, "%s", r.payload);
	ck_assert_str_eq(r.payload, "\"kept\"");
	hu_result_release(&r);
	file = xasprintf("%s/writer/out.txt", data);
	fp = fopen(file, "r");
	ck_assert(fp != NULL);
	ck_assert(fgets(buf, sizeof(buf), fp) != NULL);
	fclose(fp);
	ck_assert_str_eq(buf, "kept");
	fx_close(&f);
	remove_dir(data);
	free(file);
	free(data);
}
END_TEST

/* A relative data directory (sluiced's default is var/) is made absolute
 * before ${SLUICE_DATA_DIR} goes into configs, whose Paths must be. */
START_TEST(relative_data_dir)
{
	struct fx f;
	struct sl_host_config cfg;
	struct hu_result r;
	char *data = make_dir(), *slash = strrchr(data, '/'), *file;
	char *cwd = getcwd(NULL, 0);

	ck_assert_ptr_nonnull(slash);
	*slash = '\0';
	ck_assert_int_eq(chdir(data), 0);
	*slash = '/';
	hu_config(&cfg, NULL);
	cfg.data_dir = slash + 1;
	fx_open(&f, NULL, &cfg);
	hu_invoke(f.loop, f.host, "writer", "{\"text\":\"kept\"}",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_msg(r.function_error == NULL, "%s", r.payload);
	hu_result_release(&r);
	file = xasprintf("%s/writer/out.txt", data);
	ck_assert_int_eq(access(file, R_OK), 0);
	fx_close(&f);
	ck_assert_int_eq(chdir(cwd), 0);
	remove_dir(data);
	free(file);
	free(data);
	free(cwd);
}
END_TEST

/* How many of this process's children are zombies. */
static int
zombie_children(void)
{
	long pids[HU_MAX_CHILDREN];
	int i, n = hu_children(pids), z = 0;

	for (i = 0; i < n; i++) {
		char path[64], *stat, *rp;

		snprintf(path, sizeof(path), "/proc/%ld/stat", pids[i]);
		if ((stat = sl_read_file(path)) == NULL)
			continue;
		if ((rp = strrchr(stat, ')')) != NULL && rp[1] == ' ' &&
		    rp[2] == 'Z')
			z++;
		free(stat);
	}
	return z;
}

/* A spawner that dies between its clone and its reply: the worker it
 * made is the host's child though its pid never came. The host ends and
 * reaps that stray, and execs a worker itself. The spawner here is a
 * script that does just that, named as the real one; its stray would
 * live 10 s, and its pid is left in a file for the test. As a worker the
 * script becomes the real image. */
START_TEST(spawner_dies_before_reply)
{
	struct fx f;
	struct sl_host_config cfg;
	struct hu_result r;
	char *dir = make_dir(), *script, *text, *pidfile, *pid, *proc;
	uint64_t end;

	hu_config(&cfg, NULL);
	script = xasprintf("%s/fake-worker", dir);
	pidfile = xasprintf("%s/stray.pid", dir);
	text = xasprintf("#!/usr/bin/python3\n"
	    "import ctypes, os, socket, sys\n"
	    "if len(sys.argv) > 1 and sys.argv[1] == '--spawner':\n"
	    "    libc = ctypes.CDLL(None)\n"
	    "    libc.prctl(15, b'sluice-spawner', 0, 0, 0)\n"
	    "    ctl = socket.socket(fileno=3)\n"
	    "    ctl.recvmsg(65536, socket.CMSG_SPACE(64))\n"
	    "    pid = libc.syscall(%d, %d, 0, 0, 0, 0)\n"
	    "    if pid == 0:\n"
	    "        libc.sleep(10)\n"
	    "        libc._exit(0)\n"
	    "    with open('%s.tmp', 'w') as f:\n"
	    "        f.write(str(pid))\n"
	    "    os.rename('%s.tmp', '%s')\n"
	    "    os._exit(1)\n"
	    "os.execv('%s', ['%s'] + sys.argv[1:])\n",
	    (int)SYS_clone, CLONE_PARENT | SIGCHLD, pidfile, pidfile, pidfile,
	    cfg.worker_path, cfg.worker_path);
	write_text(script, text);
	ck_assert_int_eq(chmod(script, 0755), 0);
	cfg.worker_path = script;
	fx_open(&f, NULL, &cfg);
	hu_invoke(f.loop, f.host, "id_function", "{\"k\":1}",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.payload, "{\"k\":1}");
	hu_result_release(&r);
	/* The stray (it wrote its pid) is killed, then reaped: gone. */
	pid = sl_read_file(pidfile);
	ck_assert_msg(pid != NULL, "the fake spawner made no stray");
	proc = xasprintf("/proc/%ld", strtol(pid, NULL, 10));
	free(pid);
	end = sl_loop_now_us() + 5000000;
	while (sl_loop_now_us() < end && access(proc, F_OK) == 0)
		(void)sl_loop_run_once(f.loop, 50000);
	ck_assert_msg(access(proc, F_OK) < 0, "stray %s is still there",
	    proc);
	ck_assert_int_eq(zombie_children(), 0);
	fx_close(&f);
	remove_dir(dir);
	free(script);
	free(text);
	free(pidfile);
	free(proc);
	free(dir);
}
END_TEST

START_TEST(drain)
{
	struct fx f;
	struct hu_result r;

	fx_open(&f, NULL, NULL);
	hu_invoke(f.loop, f.host, "id_function", "{}",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	hu_result_release(&r);
	sl_host_drain(f.host);
	ck_assert_int_eq(sl_host_busy(f.host), 0);
	hu_invoke(f.loop, f.host, "id_function", "{}",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_int_eq(r.status, 503);
	hu_result_release(&r);
	ck_assert_int_eq(hu_wait_children(f.loop, 0, 5000), 0);
	fx_close(&f);
}
END_TEST

static int
listener(int *port)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	ck_assert(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Network "loopback" reaches the listed ports on the host's 127.0.0.1
 * (a database, a mail server) and no others; "any" reaches all. */
START_TEST(network_modes)
{
	struct fx f;
	struct hu_result r;
	struct sl_host_config cfg;
	char *dir = make_dir(), *fx = hu_build("tests/fixtures"), *p, *q;
	char json[128], payload[64];
	int pa, pb, la = listener(&pa), lb = listener(&pb);
	cJSON *o;

	p = xasprintf("%s/net_client.so", fx);
	q = xasprintf("%s/lo.so", dir);
	ck_assert_int_eq(symlink(p, q), 0);
	free(q);
	q = xasprintf("%s/any.so", dir);
	ck_assert_int_eq(symlink(p, q), 0);
	free(q);
	q = xasprintf("%s/lo.json", dir);
	snprintf(json, sizeof(json),
	    "{\"Network\": \"loopback\", "
	    "\"Ports\": [%d]}",
	    pa);
	write_text(q, json);
	free(q);
	q = xasprintf("%s/any.json", dir);
	write_text(q, "{\"Network\": \"any\"}");
	free(q);
	free(p);
	hu_config(&cfg, NULL);
	fx_open(&f, dir, &cfg);
	snprintf(payload, sizeof(payload), "{\"ports\": [%d, %d]}", pa, pb);
	hu_invoke(
	    f.loop, f.host, "lo", payload, SL_INVOKE_REQUEST_RESPONSE, &r);
	o = parse_ok(&r);
	ck_assert_int_eq(cJSON_GetArrayItem(o, 0)->valueint, 0);
	if (sl_sandbox_landlock_abi() >= 4)
		ck_assert_int_eq(cJSON_GetArrayItem(o, 1)->valueint, EACCES);
	cJSON_Delete(o);
	hu_result_release(&r);
	hu_invoke(
	    f.loop, f.host, "any", payload, SL_INVOKE_REQUEST_RESPONSE, &r);
	o = parse_ok(&r);
	ck_assert_int_eq(cJSON_GetArrayItem(o, 0)->valueint, 0);
	ck_assert_int_eq(cJSON_GetArrayItem(o, 1)->valueint, 0);
	cJSON_Delete(o);
	hu_result_release(&r);
	close(la);
	close(lb);
	fx_close(&f);
	remove_dir(dir);
	free(dir);
	free(fx);
}
END_TEST

/* A function whose NAME.json is wrong is Failed (409 on invoke, the
 * reason in GetFunction) until the file is fixed. */
START_TEST(invalid_config)
{
	struct fx f;
	struct sl_host_config cfg;
	struct hu_result r;
	struct sl_err err = SL_ERR_INIT;
	char *dir = make_dir(), *fx = hu_build("tests/fixtures"), *p, *q, *j;
	uint64_t end;

	p = xasprintf("%s/id_function.so", fx);
	q = xasprintf("%s/cfg.so", dir);
	ck_assert_int_eq(symlink(p, q), 0);
	free(p);
	free(q);
	q = xasprintf("%s/cfg.json", dir);
	write_text(q, "{\"Timeout\": \"ten\"}");
	hu_config(&cfg, NULL);
	cfg.watch_dir = 1;
	fx_open(&f, dir, &cfg);
	hu_invoke(f.loop, f.host, "cfg", "{}", SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_int_eq(r.status, 409);
	ck_assert_str_eq(r.error_type, "ResourceConflictException");
	ck_assert_msg(
	    strstr(r.error_message, "Timeout") != NULL, "%s", r.error_message);
	hu_result_release(&r);
	j = sl_host_get_function_json(f.host, "cfg", &err);
	ck_assert(j != NULL);
	ck_assert(strstr(j, "\"State\":\"Failed\"") != NULL);
	ck_assert(strstr(j, "cfg.json: field Timeout") != NULL);
	free(j);
	p = xasprintf("%s.tmp", q);
	write_text(p, "{\"Timeout\": 10}");
	ck_assert_int_eq(rename(p, q), 0);
	free(p);
	ck_assert(wait_function_json(&f, "cfg", "\"State\":\"Active\"", 5000));
	end = sl_loop_now_us() + 5000000u;
	hu_invoke(f.loop, f.host, "cfg", "{\"ok\":1}",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert(sl_loop_now_us() < end);
	ck_assert_str_eq(r.payload, "{\"ok\":1}");
	hu_result_release(&r);
	fx_close(&f);
	remove_dir(dir);
	free(dir);
	free(fx);
	free(q);
}
END_TEST

struct chain {
	struct sl_host *host;
	int left;
	int ok;
};

static void
chain_cb(void *arg, const struct sl_invoke_result *r)
{
	struct chain *c = arg;
	struct sl_invoke_request req;

	if (r->status == 200 && r->function_error == NULL)
		c->ok++;
	if (--c->left == 0)
		return;
	/* The next invocation starts from inside this callback. */
	memset(&req, 0, sizeof(req));
	req.function = c->left % 2 ? "id_function" : "echo_function";
	(void)sl_host_invoke(c->host, &req, chain_cb, c);
}

START_TEST(invoke_from_callback)
{
	struct fx f;
	struct chain c;
	struct sl_invoke_request req;
	int zero = 0;

	fx_open(&f, NULL, NULL);
	c.host = f.host;
	c.left = 20;
	c.ok = 0;
	memset(&req, 0, sizeof(req));
	req.function = "id_function";
	(void)sl_host_invoke(f.host, &req, chain_cb, &c);
	while (c.left > 0 && hu_run_until(f.loop, &zero, 50) == 0 &&
	       sl_host_busy(f.host))
		;
	ck_assert_int_eq(c.left, 0);
	ck_assert_int_eq(c.ok, 20);
	fx_close(&f);
}
END_TEST

/* Freeing the host with work in flight: no callback, no process and no
 * descriptor left. */
START_TEST(free_while_busy)
{
	struct sl_host_config cfg;
	struct sl_err err = SL_ERR_INIT;
	struct sl_invoke_request req;
	struct sl_loop *loop;
	struct sl_host *host;
	char *fx = hu_build("tests/fixtures");
	int fds = hu_count_fds(), i, dummy = 0;
	struct hu_result accepted;

	loop = sl_loop_new();
	hu_config(&cfg, fx);
	host = sl_host_new(loop, &cfg, &err);
	ck_assert(host != NULL);
	memset(&req, 0, sizeof(req));
	memset(&accepted, 0, sizeof(accepted));
	req.function = "wait_60_seconds";
	for (i = 0; i < 3; i++)
		(void)sl_host_invoke(host, &req, never_cb, NULL);
	req.type = SL_INVOKE_EVENT;
	(void)sl_host_invoke(host, &req, hu_cb, &accepted);
	(void)hu_run_until(loop, &dummy, 300);
	ck_assert_int_eq(accepted.status, 202);
	hu_result_release(&accepted);
	ck_assert_int_ge(hu_count_children(), 1);
	sl_host_free(host);
	ck_assert_int_eq(hu_count_children(), 0);
	sl_loop_free(loop);
	ck_assert_int_eq(hu_count_fds(), fds);
	free(fx);
}
END_TEST

Suite *
host_suite(void)
{
	Suite *s = suite_create("host");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, warm_reuse_and_context);
	tcase_add_test(tc, conformance_fixtures);
	tcase_add_test(tc, error_mapping);
	tcase_add_test(tc, reserved_concurrency_and_queue);
	tcase_add_test(tc, workflow_tasks_wait_past_queue_max);
	tcase_add_test(tc, pin_loop_keeps_children_mask);
	tcase_add_test(tc, workers_sched_policy);
	tcase_add_test(tc, max_workers_evicts_idle);
	tcase_add_test(tc, busy_fn_evicts_only_long_idle);
	tcase_add_test(tc, busy_fn_evicts_when_idle_long_enough);
	tcase_add_test(tc, idle_reaping);
	tcase_add_test(tc, hot_reload);
	tcase_add_test(tc, reload_waits_for_writer);
	tcase_add_test(tc, function_stats);
	tcase_add_test(tc, spawn_does_not_block);
	tcase_add_test(tc, event_retries);
	tcase_add_test(tc, dry_run);
	tcase_add_test(tc, log_tail_and_ring);
	tcase_add_test(tc, publish);
	tcase_add_test(tc, cancel);
	tcase_add_test(tc, ahead_logs_and_publish);
	tcase_add_test(tc, ahead_clock_starts_with_the_run);
	tcase_add_test(tc, ahead_worker_dies_before);
	tcase_add_test(tc, ahead_stderr_replaced);
	tcase_add_test(tc, ahead_cancel);
	tcase_add_test(tc, ahead_off);
	tcase_add_test(tc, describe);
	tcase_add_test(tc, granted_write_path);
	tcase_add_test(tc, relative_data_dir);
	tcase_add_test(tc, spawner_dies_before_reply);
	tcase_add_test(tc, drain);
	tcase_add_test(tc, network_modes);
	tcase_add_test(tc, free_while_busy);
	tcase_add_test(tc, invoke_from_callback);
	tcase_add_test(tc, invalid_config);
	suite_add_tcase(s, tc);
	return s;
}
