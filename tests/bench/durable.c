/* Benchmark of durable workflow executions in sluiced (history committed,
 * synchronous=FULL): executions/s of a 3-Task definition with a trivial
 * function, driven over one WebSocket connection with many StartExecution
 * ("wait") in flight; history events written/s over the same window
 * (counted in the database); and the daemon's start-up time (exec to
 * listening, the integrity check and the resumption included) with
 * 100,000 finished and 1,000 running executions in its store. Starts its
 * own sluiced ($SLUICE_BUILD). JSON lines on stdout.
 *
 * 64 connections with one execution each in flight: more would pass the
 * host's queue (32 workers + 64 waiting) and be throttled. For tuning:
 * SLUICE_BENCH_WINDOW (executions in flight per connection) and
 * SLUICE_BENCH_QUICK (the first part only). */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/loop.h"
#include "common/xmalloc.h"
#include "store/store.h"
#include "tests/bench/lib/report.h"
#include "tests/bench/lib/wsbench.h"
#include "tests/tree_util.h"

#define SM_THREE "arn:aws:states:us-east-1:000000000000:stateMachine:three"
#define SM_SLEEPY "arn:aws:states:us-east-1:000000000000:stateMachine:sleepy"
#define EX_THREE "arn:aws:states:us-east-1:000000000000:execution:three:"
#define LAMBDA "arn:aws:lambda:us-east-1:000000000000:function:id_function"
#define THREE_DEF "{\"StartAt\":\"A\",\"States\":{" \
	"\"A\":{\"Type\":\"Task\",\"Resource\":\"" LAMBDA "\",\"Next\":\"B\"}," \
	"\"B\":{\"Type\":\"Task\",\"Resource\":\"" LAMBDA "\",\"Next\":\"C\"}," \
	"\"C\":{\"Type\":\"Task\",\"Resource\":\"" LAMBDA "\",\"End\":true}}}"
#define SLEEPY_DEF "{\"StartAt\":\"W\",\"States\":{\"W\":{\"Type\":" \
	"\"Wait\",\"Seconds\":86400,\"End\":true}}}"
#define FINISHED 100000
#define RUNNING 1000
#define NCONN 64

static const char *load_sm; /* what the load starts */

static void
start_request(void *arg, uint64_t seq, char *buf, size_t size)
{
	(void)arg;
	snprintf(buf, size, "{\"id\":%" PRIu64 ",\"action\":"
	    "\"StartExecution\",\"stateMachineArn\":\"%s\","
	    "\"input\":\"{\\\"n\\\":%" PRIu64 "}\",\"wait\":%s}",
	    seq, load_sm, seq,
	    strcmp(load_sm, SM_SLEEPY) == 0 ? "false" : "true");
}

/* Start executions of sm, window in flight per connection, until limit
 * were answered or secs passed (then the ones in flight finish). */
static void
load(const char *sm, int window, uint64_t limit, double secs,
    struct wsb_result *r)
{
	load_sm = sm;
	wsb_load(start_request, NULL, window, limit, secs, r);
}

static int64_t
count_rows(const char *db, const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK && sqlite3_busy_timeout(h, 10000) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

static void
create_sm(const char *name, const char *def)
{
	char *req;
	cJSON *s = cJSON_CreateString(def);
	char *q = cJSON_PrintUnformatted(s);

	req = xasprintf("{\"id\":0,\"action\":\"CreateStateMachine\","
	    "\"name\":\"%s\",\"definition\":%s}", name, q);
	wsb_call(req);
	free(req);
	cJSON_free(q);
	cJSON_Delete(s);
}

/* --- the big store ---------------------------------------------------------- */

static void
store_die(const char *what, const struct sl_err *err)
{
	fprintf(stderr, "bench durable: %s: %s: %s\n", what, err->type,
	    err->msg);
	exit(1);
}

/* FINISHED executions of the 3-Task machine, each with the 17 events a
 * real one has, written with the store's own calls. */
static void
build_finished(const char *data)
{
	static const char *const types[] = { "TaskStateEntered",
		"LambdaFunctionScheduled", "LambdaFunctionStarted",
		"LambdaFunctionSucceeded", "TaskStateExited" };
	struct sl_store_config cfg = { .data_dir = data,
		.sync = SL_STORE_SYNC_NORMAL, .verify = SL_STORE_VERIFY_NEVER };
	struct sl_store_sm_create sm = { .arn = SM_THREE, .name = "three",
		.definition = THREE_DEF, .type = SL_SM_STANDARD, .now = 1 };
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_event ev[16];
	char js[16][320], arn[160], name[32];
	struct sl_store *s;
	int64_t now = (int64_t)time(NULL) * 1000;
	long i;
	int k;

	if ((s = sl_store_open(&cfg, &err)) == NULL)
		store_die("open", &err);
	if (sl_store_sm_create(s, &sm, NULL, NULL, NULL, NULL, &err) < 0)
		store_die("create", &err);
	for (i = 0; i < FINISHED; i++) {
		struct sl_store_exec_start in;
		struct sl_store_exec_end e;

		snprintf(name, sizeof(name), "old%ld", i);
		snprintf(arn, sizeof(arn), EX_THREE "%s", name);
		in = (struct sl_store_exec_start){ .arn = arn, .name = name,
			.sm_arn = SM_THREE, .input = "{\"n\":1}", .now = now };
		if (sl_store_exec_start(s, &in, NULL, NULL, NULL, NULL,
		    &err) < 0)
			store_die("start", &err);
		for (k = 0; k < 16; k++) {
			const char *t = k == 0 ? "ExecutionStarted" :
			    types[(k - 1) % 5];

			snprintf(js[k], sizeof(js[k]), "{\"id\":%d,"
			    "\"previousEventId\":%d,\"timestamp\":%" PRId64
			    ",\"type\":\"%s\",\"details\":{\"name\":\"A\","
			    "\"input\":\"{\\\"n\\\":1}\",\"inputDetails\":"
			    "{\"truncated\":false}}}", k + 1, k, now, t);
			ev[k] = (struct sl_store_event){ .id = k + 1,
				.previous_id = k, .timestamp = now,
				.type = t, .json = js[k] };
		}
		if (sl_store_exec_progress(s, arn, ev, 16, NULL, NULL, NULL,
		    &err) < 0)
			store_die("progress", &err);
		snprintf(js[0], sizeof(js[0]), "{\"id\":17,\"previousEventId\":"
		    "16,\"timestamp\":%" PRId64 ",\"type\":"
		    "\"ExecutionSucceeded\",\"executionSucceededEventDetails\":"
		    "{\"output\":\"{\\\"n\\\":1}\"}}", now);
		ev[0] = (struct sl_store_event){ .id = 17, .previous_id = 16,
			.timestamp = now, .type = "ExecutionSucceeded",
			.json = js[0] };
		e = (struct sl_store_exec_end){ .status =
			SL_STORE_EXEC_SUCCEEDED, .output = "{\"n\":1}",
			.now = now, .events = ev, .n = 1 };
		if (sl_store_exec_finish(s, arn, &e, NULL, NULL, &err) < 0)
			store_die("finish", &err);
		if (i % 2000 == 1999 && sl_store_flush(s, &err) < 0)
			store_die("flush", &err);
	}
	sl_store_close(s);
}

int
main(void)
{
	const char *build = getenv("SLUICE_BUILD");
	char dir[] = "/tmp/sluice-bench-durable.XXXXXX";
	char *data, *db, *log, *fx, note[256];
	uint64_t t[3], tmp;
	int64_t ev0, ev1, ex0, ex1, resumed;
	double secs, rate, t_build, cpu0, cpu1;
	struct wsb_result r;
	struct stat sb;
	const char *w = getenv("SLUICE_BENCH_WINDOW");
	int i, j, window = w ? atoi(w) : 1;

	bench_report_as("durable", 1);
	if (build == NULL || mkdtemp(dir) == NULL)
		wsb_die("SLUICE_BUILD unset or no tmp");
	wsb_set_name("durable");
	signal(SIGPIPE, SIG_IGN);
	data = xasprintf("%s/var", dir);
	db = xasprintf("%s/var/" SL_STORE_DB_FILE, dir);
	log = xasprintf("%s/sluiced.log", dir);
	fx = xasprintf("%s/tests/fixtures", build);

	/* 1. Executions/s and events/s. */
	wsb_daemon_start(build, fx, data, log);
	wsb_client_open(NCONN);
	create_sm("three", THREE_DEF);
	load(SM_THREE, window, 2000, 0, &r);          /* warm the workers */
	ex0 = count_rows(db, "SELECT count(*) FROM executions");
	ev0 = count_rows(db, "SELECT ifnull(sum(n), 0) FROM events");
	cpu0 = wsb_cpu_s(wsb_daemon_pid(), 0);
	load(SM_THREE, window, UINT64_MAX, 5.0, &r);
	cpu1 = wsb_cpu_s(wsb_daemon_pid(), 0);
	secs = r.seconds;
	rate = (double)r.done / secs;
	ex1 = count_rows(db, "SELECT count(*) FROM executions");
	ev1 = count_rows(db, "SELECT ifnull(sum(n), 0) FROM events");
	if (ex1 - ex0 != (int64_t)r.done)
		wsb_die("the store does not hold every execution answered");
	snprintf(note, sizeof(note), "StartExecution (wait) to SUCCEEDED, "
	    "3 Tasks of id_function, %d connections x %d in flight, "
	    "synchronous=FULL, %.1f s, %" PRIu64 " errors", NCONN, window,
	    secs, r.errors);
	bench_report(
	    "durable_3task_executions_per_s", rate, "executions/s", note);
	snprintf(note, sizeof(note),
	    "%" PRId64 " history events committed "
	    "in %.1f s (%.1f per execution)",
	    ev1 - ev0, secs, (double)(ev1 - ev0) / (double)r.done);
	bench_report("history_events_per_s", (double)(ev1 - ev0) / secs,
	    "events/s", note);
	snprintf(note, sizeof(note), "sluiced's own CPU time (its workers "
	    "not included) per execution of the run above");
	bench_report("daemon_cpu_per_execution", (cpu1 - cpu0) * 1e6 /
	    (double)r.done, "us", note);
	wsb_client_close();
	wsb_daemon_stop();
	tu_rm_rf(dir);
	if (getenv("SLUICE_BENCH_QUICK") != NULL)
		goto out;
	if (mkdir(dir, 0700) < 0)
		wsb_die("mkdir");

	/* 2. Start-up with 100,000 finished and 1,000 running. */
	tmp = sl_loop_now_us();
	build_finished(data);
	t_build = (double)(sl_loop_now_us() - tmp) / 1e6;
	wsb_daemon_start(build, fx, data, log);
	wsb_client_open(NCONN);
	create_sm("sleepy", SLEEPY_DEF);
	load(SM_SLEEPY, 4, RUNNING, 0, &r);
	wsb_client_close();
	wsb_daemon_stop();
	if (count_rows(db, "SELECT count(*) FROM executions WHERE "
	    "status = 0") != RUNNING)
		wsb_die("the running executions are not in the store");
	for (i = 0; i < 3; i++) {
		t[i] = wsb_daemon_start(build, fx, data, log);
		resumed = 0;
		{
			FILE *f = fopen(log, "r");
			char line[512], *p;

			while (f != NULL && fgets(line, sizeof(line), f))
				if ((p = strstr(line, "event=resumed "
				    "executions=")) != NULL)
					resumed = atoll(p + 25);
			if (f != NULL)
				fclose(f);
		}
		wsb_daemon_stop();
		if (resumed != RUNNING)
			wsb_die("the daemon did not resume every execution");
	}
	for (i = 0; i < 3; i++)
		for (j = i + 1; j < 3; j++)
			if (t[j] < t[i]) {
				tmp = t[i];
				t[i] = t[j];
				t[j] = tmp;
			}
	stat(db, &sb);
	snprintf(note, sizeof(note), "exec to listening, median of 3: %d "
	    "finished (17 events each) + %d running executions resumed, "
	    "%.0f MB database (built in %.1f s), integrity check included",
	    FINISHED, RUNNING, (double)sb.st_size / 1e6, t_build);
	bench_report("daemon_startup_ms", (double)t[1] / 1000.0, "ms", note);
	tu_rm_rf(dir);
out:
	free(data);
	free(db);
	free(log);
	free(fx);
	return 0;
}
