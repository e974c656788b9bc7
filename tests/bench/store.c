/* Benchmark of the store: history events written per second with group
 * commit, durable executions per second, and the open (restart) time of a
 * store holding 100,000 finished and 1,000 running executions. JSON lines.
 *
 * The big store is built once under $SLUICE_BUILD/bench-data (or /tmp) and
 * reused; remove it to rebuild. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/loop.h"
#include "common/xmalloc.h"
#include "store/store.h"
#include "tests/tree_util.h"
#include "tests/bench/lib/report.h"

#define SM "arn:aws:states:us-east-1:000000000000:stateMachine:bench"
#define EX "arn:aws:states:us-east-1:000000000000:execution:bench:"
#define DEF "{\"StartAt\":\"T1\",\"States\":{\"T1\":{\"Type\":\"Task\"," \
	"\"Resource\":\"arn:aws:lambda:us-east-1:000000000000:function:f\"," \
	"\"End\":true}}}"

static double
now_s(void)
{
	return (double)sl_loop_now_us() / 1e6;
}

static void
die(const char *what, const struct sl_err *err)
{
	fprintf(stderr, "bench store: %s: %s: %s\n", what, err->type,
	    err->msg);
	exit(1);
}

static struct sl_store *
open_at(const char *dir, enum sl_store_sync sync, int verify)
{
	struct sl_store_config cfg = { .data_dir = dir, .sync = sync,
		.verify = verify ? SL_STORE_VERIFY_ALWAYS
	                  : SL_STORE_VERIFY_NEVER };
	struct sl_err err = SL_ERR_INIT;
	struct sl_store *s = sl_store_open(&cfg, &err);

	if (s == NULL)
		die("open", &err);
	return s;
}

static void
flush(struct sl_store *s)
{
	struct sl_err err = SL_ERR_INIT;

	if (sl_store_flush(s, &err) < 0)
		die("flush", &err);
}

static void
make_sm(struct sl_store *s)
{
	struct sl_store_sm_create in = { .arn = SM, .name = "bench",
		.definition = DEF, .type = SL_SM_STANDARD, .now = 1 };
	struct sl_err err = SL_ERR_INIT;

	if (sl_store_sm_create(s, &in, NULL, NULL, NULL, NULL, &err) < 0)
		die("create", &err);
}

/* Per-execution state of the simulated engine. */
struct run {
	char arn[160];
	char name[64];
	int64_t last;
};

static void
start(struct sl_store *s, struct run *r, const char *prefix, long i,
    int64_t now)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_exec_start in;

	snprintf(r->name, sizeof(r->name), "%s%ld", prefix, i);
	snprintf(r->arn, sizeof(r->arn), EX "%s", r->name);
	r->last = 0;
	in = (struct sl_store_exec_start){ .arn = r->arn, .name = r->name,
		.sm_arn = SM, .input = "{\"user\":\"someone@example.com\"}",
		.now = now };
	if (sl_store_exec_start(s, &in, NULL, NULL, NULL, NULL, &err) < 0)
		die("start", &err);
}

/* Append n events of AWS-like size and a checkpoint. */
static void
progress(struct sl_store *s, struct run *r, int n, int64_t now)
{
	static const char *const types[] = { "TaskStateEntered",
		"TaskScheduled", "TaskStarted", "TaskSucceeded",
		"TaskStateExited" };
	struct sl_store_event ev[8];
	char js[8][400], cp[200];
	struct sl_err err = SL_ERR_INIT;
	int i;

	for (i = 0; i < n; i++) {
		int64_t id = r->last + 1 + i;
		const char *t = types[id % 5];

		snprintf(js[i], sizeof(js[i]), "{\"timestamp\":%" PRId64
		    ",\"type\":\"%s\",\"id\":%" PRId64 ",\"previousEventId\":%"
		    PRId64 ",\"stateEnteredEventDetails\":{\"name\":\"T1\","
		    "\"input\":\"{\\\"user\\\":\\\"someone@example.com\\\"}\","
		    "\"inputDetails\":{\"truncated\":false}}}", now, t, id,
		    id - 1);
		ev[i] = (struct sl_store_event){ .id = id,
			.previous_id = id - 1, .timestamp = now, .type = t,
			.json = js[i] };
	}
	snprintf(cp, sizeof(cp), "{\"state\":\"T1\",\"event\":%" PRId64
	    ",\"attempt\":0,\"wake\":0}", r->last + n);
	if (sl_store_exec_progress(s, r->arn, ev, (size_t)n, cp, NULL, NULL,
	    &err) < 0)
		die("progress", &err);
	r->last += n;
}

static void
end(struct sl_store *s, struct run *r, int64_t now)
{
	char js[200];
	struct sl_store_event ev;
	struct sl_store_exec_end e;
	struct sl_err err = SL_ERR_INIT;

	snprintf(js, sizeof(js), "{\"timestamp\":%" PRId64 ",\"type\":"
	    "\"ExecutionSucceeded\",\"id\":%" PRId64 ",\"previousEventId\":%"
	    PRId64 "}", now, r->last + 1, r->last);
	ev = (struct sl_store_event){ .id = r->last + 1,
		.previous_id = r->last, .timestamp = now,
		.type = "ExecutionSucceeded", .json = js };
	e = (struct sl_store_exec_end){ .status = SL_STORE_EXEC_SUCCEEDED,
		.output = "{\"ok\":true}", .now = now, .events = &ev, .n = 1 };
	if (sl_store_exec_finish(s, r->arn, &e, NULL, NULL, &err) < 0)
		die("finish", &err);
	r->last++;
}

/* History events/s: `conc` running executions, each appending 2 events and
 * a checkpoint per loop iteration, one commit per iteration. */
static void
bench_events(const char *dir, int conc, int iters)
{
	struct sl_store *s;
	struct run *r = xcalloc((size_t)conc, sizeof(*r));
	double t0, dt;
	char note[128];
	int i, k;

	tu_rm_rf(dir);
	s = open_at(dir, SL_STORE_SYNC_FULL, 0);
	make_sm(s);
	for (i = 0; i < conc; i++)
		start(s, &r[i], "ev", i, 1);
	flush(s);
	t0 = now_s();
	for (k = 0; k < iters; k++) {
		for (i = 0; i < conc; i++)
			progress(s, &r[i], 2, 2 + k);
		flush(s);
	}
	dt = now_s() - t0;
	snprintf(note, sizeof(note), "synchronous=FULL, %d executions x 2 "
	    "events + checkpoint per commit", conc);
	bench_report(
	    "history_events_per_s", 2.0 * conc * iters / dt, "events/s", note);
	snprintf(note, sizeof(note), "synchronous=FULL, %d progress calls "
	    "per commit", conc);
	bench_report("commit_latency", dt / iters * 1000.0, "ms", note);
	sl_store_close(s);
	free(r);
	tu_rm_rf(dir);
}

/* Durable executions/s: waves of `conc` executions in flight; each does
 * start (+ExecutionStarted), 4 steps of 2 events + checkpoint, finish
 * (+ExecutionSucceeded): 10 events, one commit per loop iteration. */
static void
bench_execs(const char *dir, int conc, int waves, enum sl_store_sync sync)
{
	struct sl_store *s;
	struct run *r = xcalloc((size_t)conc, sizeof(*r));
	double t0, dt;
	char note[160];
	int i, w, step;

	tu_rm_rf(dir);
	s = open_at(dir, sync, 0);
	make_sm(s);
	flush(s);
	t0 = now_s();
	for (w = 0; w < waves; w++) {
		for (i = 0; i < conc; i++) {
			start(s, &r[i], "x", (long)w * conc + i, 10);
			progress(s, &r[i], 1, 10);
		}
		flush(s);
		for (step = 0; step < 4; step++) {
			for (i = 0; i < conc; i++)
				progress(s, &r[i], 2, 11 + step);
			flush(s);
		}
		for (i = 0; i < conc; i++)
			end(s, &r[i], 20);
		flush(s);
	}
	dt = now_s() - t0;
	snprintf(note, sizeof(note), "synchronous=%s, %d in flight, 10 events "
	    "+ checkpoints each, 6 commits per wave",
	    sync == SL_STORE_SYNC_FULL ? "FULL" : "NORMAL", conc);
	bench_report(conc == 1 ? "durable_executions_per_s_unbatched" :
	    "durable_executions_per_s", (double)conc * waves / dt,
	    "executions/s", note);
	sl_store_close(s);
	free(r);
	tu_rm_rf(dir);
}

/* Build the big store: 100,000 finished executions with 10 events each and
 * 1,000 running ones with 5 events and a checkpoint. */
static void
build_big(const char *dir)
{
	char *marker = xasprintf("%s/complete", dir);
	struct sl_store *s;
	struct run r;
	struct stat sb;
	double t0;
	long i;
	int k;

	if (stat(marker, &sb) == 0) {
		free(marker);
		return;
	}
	tu_rm_rf(dir);
	t0 = now_s();
	s = open_at(dir, SL_STORE_SYNC_NORMAL, 0);
	make_sm(s);
	for (i = 0; i < 100000; i++) {
		start(s, &r, "done", i, 1000 + i);
		for (k = 0; k < 3; k++)
			progress(s, &r, 3, 1000 + i);
		end(s, &r, 2000 + i);
		if (i % 1000 == 999)
			flush(s);
	}
	for (i = 0; i < 1000; i++) {
		start(s, &r, "run", i, 300000 + i);
		progress(s, &r, 5, 300000 + i);
	}
	sl_store_close(s);
	bench_report("big_store_build", now_s() - t0, "s",
	    "100000 finished (10 events) + 1000 running, synchronous=NORMAL");
	fclose(fopen(marker, "w"));
	free(marker);
}

static void
bench_open(const char *dir, int verify)
{
	struct sl_store_exec_list run;
	struct sl_err err = SL_ERR_INIT;
	struct sl_store *s;
	char *path = xasprintf("%s/sluice.db", dir);
	struct stat sb;
	double t0, dt;
	char note[160];

	t0 = now_s();
	s = open_at(dir, SL_STORE_SYNC_FULL, verify);
	if (sl_store_exec_running(s, &run, &err) < 0)
		die("running", &err);
	dt = now_s() - t0;
	if (run.n != 1000) {
		fprintf(stderr, "bench store: %zu running, expected 1000\n",
		    run.n);
		exit(1);
	}
	stat(path, &sb);
	snprintf(note, sizeof(note), "open%s + list 1000 running with "
	    "checkpoints; 100000 finished; file %.0f MB",
	    verify ? " with quick_check" : "", (double)sb.st_size / 1e6);
	bench_report(verify ? "open_verified_ms" : "open_ms", dt * 1000.0, "ms",
	    note);
	sl_store_exec_list_release(&run);
	sl_store_close(s);
	free(path);
}

int
main(void)
{
	const char *build = getenv("SLUICE_BUILD");
	char *base = xasprintf("%s/bench-data", build ? build : "/tmp");
	char *small = xasprintf("%s/store-small", base);
	char *big = xasprintf("%s/store-100k", base);

	bench_report_as("store", 1);
	mkdir(base, 0755);
	bench_events(small, 200, 100);
	bench_execs(small, 500, 4, SL_STORE_SYNC_FULL);
	bench_execs(small, 500, 4, SL_STORE_SYNC_NORMAL);
	bench_execs(small, 1, 100, SL_STORE_SYNC_FULL);
	build_big(big);
	bench_open(big, 0);
	bench_open(big, 1);
	free(small);
	free(big);
	free(base);
	return 0;
}
