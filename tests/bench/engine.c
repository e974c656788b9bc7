/* Benchmarks of the interpreter on one core, as JSON lines: state
 * transitions/s of a 100-state Pass chain with Parameters and ResultPath,
 * executions/s of a 3-Task definition with an in-process invoker, and the
 * memory of 100,000 executions parked in a Wait. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "orchestrator/clock.h"
#include "orchestrator/engine.h"
#include "tests/bench/lib/wsbench.h"
#include "tests/bench/lib/report.h"

struct bench {
	struct sl_clock *clock;
	struct sl_engine *e;
	long done;
	long failed;
	long events;
};

/* CPU time of this thread: "per second on one core", also on a machine
 * busy with other work. */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
on_done(void *arg, struct sl_exec *x)
{
	struct bench *b = arg;

	b->done++;
	if (sl_exec_status(x) != SL_EXEC_SUCCEEDED)
		b->failed++;
}

/* The in-process invoker answers at once with the payload it was given. */
static uint64_t
echo_invoke(void *arg, const struct sl_engine_invocation *inv)
{
	struct bench *b = arg;
	struct sl_task_result r = {
		.outcome = SL_TASK_OK,
		.payload = inv->payload,
		.payload_len = inv->payload_len,
	};

	sl_engine_task_done(b->e, inv->token, &r);
	return inv->token;
}

/* A sink as a store would have one: it sees every event and checkpoint. */
static void
on_batch(void *arg, struct sl_exec *x, const cJSON *events, const char *ck)
{
	struct bench *b = arg;

	(void)x;
	(void)ck;
	b->events += cJSON_GetArraySize(events);
}

static void
bench_init(struct bench *b, int with_history)
{
	struct sl_engine_config cfg = { 0 };

	memset(b, 0, sizeof(*b));
	b->clock = sl_clock_fake_new(1700000000000LL);
	cfg.clock = sl_clock_iface(b->clock);
	cfg.invoker.invoke = echo_invoke;
	cfg.invoker.arg = b;
	cfg.on_done = on_done;
	cfg.cb_arg = b;
	cfg.seed = 1;
	if (with_history) {
		cfg.on_batch = on_batch;
		cfg.checkpoints = 1;
	}
	b->e = sl_engine_new(&cfg);
	sl_clock_attach(b->clock, b->e);
}

static void
bench_release(struct bench *b)
{
	sl_engine_free(b->e);
	sl_clock_free(b->clock);
}

static struct sl_asl_machine *
compile(const char *def)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_asl_machine *m = sl_asl_machine_new(def, NULL, "Bench",
	    &err);

	if (m == NULL) {
		fprintf(stderr, "bench: %s\n", err.msg);
		exit(1);
	}
	return m;
}

static void
run_many(struct bench *b, struct sl_asl_machine *m, const char *input,
    long n)
{
	struct sl_err err = SL_ERR_INIT;
	long i;

	for (i = 0; i < n; i++) {
		struct sl_exec_start st = { .input = input };
		char name[32];

		snprintf(name, sizeof(name), "e%ld", i);
		st.name = name;
		if (sl_exec_start(b->e, m, &st, &err) == -1) {
			fprintf(stderr, "bench: %s\n", err.msg);
			exit(1);
		}
	}
}

static void
pass_chain(int with_history)
{
	struct sl_buf d = SL_BUF_INIT;
	struct sl_asl_machine *m;
	struct bench b;
	double t0, t;
	long n = 0, batch = 500;
	int i;

	sl_buf_init(&d);
	sl_buf_addstr(&d, "{\"StartAt\":\"S0\",\"States\":{");
	for (i = 0; i < 100; i++) {
		sl_buf_addf(&d, "%s\"S%d\":{\"Type\":\"Pass\",\"Parameters\":"
		    "{\"n.$\":\"$.n\",\"step\":%d},\"ResultPath\":\"$.r\",",
		    i ? "," : "", i, i);
		if (i < 99)
			sl_buf_addf(&d, "\"Next\":\"S%d\"}", i + 1);
		else
			sl_buf_addstr(&d, "\"End\":true}");
	}
	sl_buf_addstr(&d, "}}");
	m = compile(d.data);
	sl_buf_release(&d);
	bench_init(&b, with_history);
	t0 = now_s();
	do {
		run_many(&b, m, "{\"n\":1}", batch);
		n += batch;
		t = now_s() - t0;
	} while (t < 1.0);
	if (b.done != n || b.failed != 0)
		fprintf(stderr, "bench: pass chain: %ld of %ld done, %ld "
		    "failed\n", b.done, n, b.failed);
	if (with_history) {
		bench_report("pass_chain_transitions_per_s_with_history",
		    (double)n * 100 / t, "transitions/s", NULL);
		bench_report("history_events_per_s", (double)b.events / t,
		    "events/s", NULL);
	} else
		bench_report("pass_chain_transitions_per_s",
		    (double)n * 100 / t, "transitions/s", NULL);
	bench_release(&b);
	sl_asl_machine_unref(m);
}

static void
three_tasks(void)
{
	static const char *def = "{\"StartAt\":\"A\",\"States\":{"
	    "\"A\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:lambda:us-east-1:"
	    "000000000000:function:a\",\"Next\":\"B\"},"
	    "\"B\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:lambda:us-east-1:"
	    "000000000000:function:b\",\"Next\":\"C\"},"
	    "\"C\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:lambda:us-east-1:"
	    "000000000000:function:c\",\"End\":true}}}";
	struct sl_asl_machine *m = compile(def);
	struct bench b;
	double t0, t;
	long n = 0, batch = 1000;

	bench_init(&b, 0);
	t0 = now_s();
	do {
		run_many(&b, m, "{\"user\":\"a\",\"n\":1}", batch);
		n += batch;
		t = now_s() - t0;
	} while (t < 1.0);
	if (b.done != n || b.failed != 0)
		fprintf(stderr, "bench: three tasks: %ld of %ld done, %ld "
		    "failed\n", b.done, n, b.failed);
	bench_report(
	    "three_task_executions_per_s", (double)n / t, "executions/s", NULL);
	bench_release(&b);
	sl_asl_machine_unref(m);
}

static void
parked(void)
{
	static const char *def = "{\"StartAt\":\"W\",\"States\":{\"W\":{"
	    "\"Type\":\"Wait\",\"Seconds\":3600,\"Next\":\"P\"},\"P\":{"
	    "\"Type\":\"Pass\",\"End\":true}}}";
	struct sl_asl_machine *m = compile(def);
	struct bench b;
	long before, after, n = 100000;

	bench_init(&b, 0);
	before = wsb_rss_kb(0);
	run_many(&b, m, "{\"order\":12345,\"user\":\"someone\"}", n);
	after = wsb_rss_kb(0);
	if (sl_engine_count(b.e) != (size_t)n)
		fprintf(stderr, "bench: parked: %zu of %ld running\n",
		    sl_engine_count(b.e), n);
	bench_report("parked_wait_100k_rss", (double)after / 1024, "MB", NULL);
	bench_report("parked_wait_bytes_per_execution",
	    (double)(after - before) * 1024 / n, "bytes", NULL);
	/* Wake them all: every one finishes. */
	sl_clock_advance(b.clock, 3600 * 1000);
	if (b.done != n || b.failed != 0)
		fprintf(stderr, "bench: parked: %ld of %ld done\n", b.done, n);
	bench_release(&b);
	sl_asl_machine_unref(m);
}

int
main(void)
{
	bench_report_as("engine", 0);
	pass_chain(0);
	pass_chain(1);
	three_tasks();
	parked();
	return 0;
}
