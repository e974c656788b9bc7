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
#include <ftw.h>
#include <inttypes.h>
#include <libwebsockets.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "store/store.h"

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

struct bconn {
	struct lws *wsi;
	int up;
	int inflight;
	struct sl_buf rx;
};

static struct {
	struct lws_context *ctx;
	struct bconn conns[NCONN];
	int nup, failed;
	const char *sm;       /* what the load starts */
	uint64_t sent, done, errors, limit;
	int window;           /* per connection */
	uint64_t stop_at;     /* no new requests after this (us) */
	pid_t daemon;
	int port;
} C;

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
report(const char *metric, double value, const char *unit, const char *note)
{
	printf("{\"bench\":\"durable\",\"metric\":\"%s\",\"value\":%.1f,"
	    "\"unit\":\"%s\",\"note\":\"%s\"}\n", metric, value, unit, note);
	fflush(stdout);
}

static void
die(const char *what)
{
	fprintf(stderr, "bench durable: %s\n", what);
	if (C.daemon > 0) {
		kill(C.daemon, SIGKILL);
		waitpid(C.daemon, NULL, 0);
	}
	exit(1);
}

static int
rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* --- the daemon ------------------------------------------------------------ */

/* Start sluiced on data; returns the microseconds from exec to its
 * "listening" line (which it logs after resuming executions). */
static uint64_t
start_daemon(const char *build, const char *data, const char *log)
{
	char *exe = xasprintf("%s/sluiced", build);
	char *fx = xasprintf("%s/tests/fixtures", build);
	char line[512];
	uint64_t t0 = now_us(), end = t0 + 120000000, t = 0;

	C.port = 0;
	(void)unlink(log); /* not the last run's "listening" */
	C.daemon = fork();
	if (C.daemon == 0) {
		if (freopen(log, "w", stderr) == NULL)
			_exit(127);
		execl(exe, exe, "--port", "0", "--data", data, "--functions",
		    fx, "--retention-days", "0", (char *)NULL);
		_exit(127);
	}
	while (C.daemon > 0 && now_us() < end && C.port == 0) {
		FILE *f = fopen(log, "r");
		char *p;

		while (f != NULL && fgets(line, sizeof(line), f) != NULL)
			if ((p = strstr(line, "event=listening port=")) !=
			    NULL) {
				t = now_us() - t0;
				C.port = atoi(p + 21);
			}
		if (f != NULL)
			fclose(f);
		if (C.port == 0) {
			struct timespec ts = { 0, 1000000 };

			if (waitpid(C.daemon, NULL, WNOHANG) == C.daemon)
				break;
			nanosleep(&ts, NULL);
		}
	}
	free(exe);
	free(fx);
	if (C.port == 0)
		die("sluiced did not start");
	return t;
}

static void
stop_daemon(void)
{
	int st;

	kill(C.daemon, SIGTERM);
	waitpid(C.daemon, &st, 0);
	C.daemon = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench durable: sluiced: %s %d\n",
		    WIFEXITED(st) ? "exit status" : "signal",
		    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		die("sluiced did not stop cleanly");
	}
}

/* --- the client ------------------------------------------------------------ */

static void
send_text(struct bconn *c, const char *text)
{
	size_t n = strlen(text);
	unsigned char *buf = xmalloc(LWS_PRE + n);

	memcpy(buf + LWS_PRE, text, n);
	if (lws_write(c->wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n)
		C.failed = 1;
	free(buf);
}

static int
want_more(const struct bconn *c)
{
	return c->inflight < C.window && C.sent < C.limit &&
	    (C.stop_at == 0 || now_us() < C.stop_at);
}

static int
client_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct bconn *c = user;
	char req[512];

	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->up = 1;
		C.nup++;
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (c != NULL && c->up)
			C.failed = 1;
		else if (reason == LWS_CALLBACK_CLIENT_CONNECTION_ERROR)
			C.failed = 1;
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (!want_more(c))
			break;
		snprintf(req, sizeof(req), "{\"id\":%" PRIu64 ",\"action\":"
		    "\"StartExecution\",\"stateMachineArn\":\"%s\","
		    "\"input\":\"{\\\"n\\\":%" PRIu64 "}\",\"wait\":%s}",
		    C.sent, C.sm, C.sent,
		    strcmp(C.sm, SM_SLEEPY) == 0 ? "false" : "true");
		send_text(c, req);
		C.sent++;
		c->inflight++;
		if (want_more(c))
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		sl_buf_add(&c->rx, in, len);
		if (!lws_is_final_fragment(wsi) ||
		    lws_remaining_packet_payload(wsi))
			break;
		sl_buf_addch(&c->rx, '\0');
		if (strstr(c->rx.data, "\"error\"") != NULL ||
		    (strstr(c->rx.data, "\"status\":\"") != NULL &&
		    strstr(c->rx.data, "\"status\":\"SUCCEEDED\"") ==
		    NULL)) {
			if (C.errors++ == 0)
				fprintf(stderr, "bench durable: %.300s\n",
				    c->rx.data);
		}
		sl_buf_reset(&c->rx);
		C.done++;
		c->inflight--;
		if (want_more(c))
			lws_callback_on_writable(wsi);
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ .name = "sluice.v1", .callback = client_cb,
	  .per_session_data_size = 0, .rx_buffer_size = 65536 },
	{ .name = NULL },
};

static void
client_open(void)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	uint64_t end = now_us() + 20000000;
	int i;

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	lws_set_log_level(LLL_ERR, NULL);
	C.ctx = lws_create_context(&info);
	if (C.ctx == NULL)
		die("no lws context");
	C.nup = C.failed = 0;
	for (i = 0; i < NCONN; i++) {
		struct bconn *c = &C.conns[i];

		memset(c, 0, sizeof(*c));
		sl_buf_init(&c->rx);
		memset(&ci, 0, sizeof(ci));
		ci.context = C.ctx;
		ci.address = "127.0.0.1";
		ci.port = C.port;
		ci.path = "/ws";
		ci.host = "127.0.0.1";
		ci.origin = "127.0.0.1";
		ci.protocol = "sluice.v1";
		ci.userdata = c;
		ci.pwsi = &c->wsi;
		if (lws_client_connect_via_info(&ci) == NULL)
			die("cannot connect");
	}
	while (C.nup < NCONN && !C.failed && now_us() < end)
		lws_service(C.ctx, 0);
	if (C.nup < NCONN)
		die("cannot connect");
}

static void
client_close(void)
{
	int i;

	lws_context_destroy(C.ctx);
	C.ctx = NULL;
	for (i = 0; i < NCONN; i++)
		sl_buf_release(&C.conns[i].rx);
}

static int
busy(void)
{
	int i;

	for (i = 0; i < NCONN; i++)
		if (C.conns[i].inflight > 0 || want_more(&C.conns[i]))
			return 1;
	return 0;
}

/* Start executions of sm, window in flight per connection, until limit
 * were answered or secs passed (then the ones in flight finish). Returns
 * the seconds. */
static double
load(const char *sm, int window, uint64_t limit, double secs)
{
	uint64_t t0 = now_us(), end = t0 + (uint64_t)(secs * 1e6) + 60000000;
	int i;

	C.sm = sm;
	C.window = window;
	C.sent = C.done = C.errors = 0;
	C.limit = limit;
	C.stop_at = secs > 0 ? t0 + (uint64_t)(secs * 1e6) : 0;
	for (i = 0; i < NCONN; i++)
		lws_callback_on_writable(C.conns[i].wsi);
	while (busy() && !C.failed && now_us() < end)
		lws_service(C.ctx, 0);
	if (C.failed || C.done < C.sent)
		die("the connection failed or replies are missing");
	return (double)(now_us() - t0) / 1e6;
}

static void
call(const char *text)
{
	struct bconn *c = &C.conns[0];

	C.sent = C.done = C.errors = 0;
	C.limit = 0;
	send_text(c, text);
	c->inflight = 1;
	C.sent = 1;
	while (C.done < 1 && !C.failed)
		lws_service(C.ctx, 0);
	if (C.errors > 0)
		die("request refused");
}

/* CPU seconds the process pid has used (user + system). */
static double
cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After the command name: state is field 3, utime 14, stime 15. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu "
	    "%lu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
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
	call(req);
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
		.sync = SL_STORE_SYNC_NORMAL, .skip_verify = 1 };
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
	char *data, *db, *log, note[256];
	uint64_t t[3], tmp;
	int64_t ev0, ev1, ex0, ex1, resumed;
	double secs, rate, t_build, cpu0, cpu1;
	struct stat sb;
	const char *w = getenv("SLUICE_BENCH_WINDOW");
	int i, j, window = w ? atoi(w) : 1;

	if (build == NULL || mkdtemp(dir) == NULL)
		die("SLUICE_BUILD unset or no tmp");
	signal(SIGPIPE, SIG_IGN);
	data = xasprintf("%s/var", dir);
	db = xasprintf("%s/var/" SL_STORE_DB_FILE, dir);
	log = xasprintf("%s/sluiced.log", dir);

	/* 1. Executions/s and events/s. */
	start_daemon(build, data, log);
	client_open();
	create_sm("three", THREE_DEF);
	load(SM_THREE, window, 2000, 0);          /* warm the workers */
	ex0 = count_rows(db, "SELECT count(*) FROM executions");
	ev0 = count_rows(db, "SELECT count(*) FROM events");
	cpu0 = cpu_s(C.daemon);
	secs = load(SM_THREE, window, UINT64_MAX, 5.0);
	cpu1 = cpu_s(C.daemon);
	rate = (double)C.done / secs;
	ex1 = count_rows(db, "SELECT count(*) FROM executions");
	ev1 = count_rows(db, "SELECT count(*) FROM events");
	if (ex1 - ex0 != (int64_t)C.done)
		die("the store does not hold every execution answered");
	snprintf(note, sizeof(note), "StartExecution (wait) to SUCCEEDED, "
	    "3 Tasks of id_function, %d connections x %d in flight, "
	    "synchronous=FULL, %.1f s, %" PRIu64 " errors", NCONN, window,
	    secs, C.errors);
	report("durable_3task_executions_per_s", rate, "executions/s", note);
	snprintf(note, sizeof(note), "%" PRId64 " history events committed "
	    "in %.1f s (%.1f per execution)", ev1 - ev0, secs,
	    (double)(ev1 - ev0) / (double)C.done);
	report("history_events_per_s", (double)(ev1 - ev0) / secs,
	    "events/s", note);
	snprintf(note, sizeof(note), "sluiced's own CPU time (its workers "
	    "not included) per execution of the run above");
	report("daemon_cpu_per_execution", (cpu1 - cpu0) * 1e6 /
	    (double)C.done, "us", note);
	client_close();
	stop_daemon();
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	if (getenv("SLUICE_BENCH_QUICK") != NULL)
		return 0;
	if (mkdir(dir, 0700) < 0)
		die("mkdir");

	/* 2. Start-up with 100,000 finished and 1,000 running. */
	tmp = now_us();
	build_finished(data);
	t_build = (double)(now_us() - tmp) / 1e6;
	start_daemon(build, data, log);
	client_open();
	create_sm("sleepy", SLEEPY_DEF);
	load(SM_SLEEPY, 4, RUNNING, 0);
	client_close();
	stop_daemon();
	if (count_rows(db, "SELECT count(*) FROM executions WHERE "
	    "status = 0") != RUNNING)
		die("the running executions are not in the store");
	for (i = 0; i < 3; i++) {
		t[i] = start_daemon(build, data, log);
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
		stop_daemon();
		if (resumed != RUNNING)
			die("the daemon did not resume every execution");
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
	report("daemon_startup_ms", (double)t[1] / 1000.0, "ms", note);
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(data);
	free(db);
	free(log);
	return 0;
}
