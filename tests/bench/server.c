/* Benchmark of sluiced over loopback, driven by a libwebsockets client:
 * Invoke round trip (p50/p99, one connection, one request at a time),
 * invocations per second with 64 connections, StartExecution to completion
 * of a 3-Task definition with 64 connections, and the daemon's RSS with
 * 1,000 idle connections. Starts its own sluiced ($SLUICE_BUILD/sluiced)
 * on a free port with the fixture functions. JSON lines on stdout. */
#include <errno.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/loop.h"
#include "common/buf.h"
#include "common/xmalloc.h"
#include "tests/bench/lib/wsbench.h"

#define MAX_CONNS 1100
#define SM_NAME "benchthree"
#define SM_ARN "arn:aws:states:us-east-1:000000000000:stateMachine:" SM_NAME
#define LAMBDA "arn:aws:lambda:us-east-1:000000000000:function:id_function"

enum phase { PH_CONNECT, PH_RTT, PH_LOAD, PH_IDLE };

struct bconn {
	struct lws *wsi;
	struct sl_buf rx;
	uint64_t sent_at;
	int busy;
	int up;
};

static struct bench {
	struct lws_context *ctx;
	struct bconn conns[MAX_CONNS];
	int nconns;
	int established;
	int failed;
	enum phase phase;
	const char *request;     /* what PH_RTT/PH_LOAD send */
	uint64_t *lat;           /* latencies of PH_RTT, us */
	size_t nlat, maxlat;
	uint64_t done;           /* replies in this phase */
	uint64_t errors;
	uint64_t stop_at;        /* PH_LOAD: stop sending after this */
	int port;
	pid_t daemon;
} B;

static void
report(const char *metric, double value, const char *unit, const char *note)
{
	printf("{\"bench\":\"server\",\"metric\":\"%s\",\"value\":%.1f,"
	    "\"unit\":\"%s\",\"note\":\"%s\"}\n", metric, value, unit, note);
	fflush(stdout);
}

static void
send_text(struct bconn *c, const char *text)
{
	size_t n = strlen(text);
	unsigned char *buf = xmalloc(LWS_PRE + n);

	memcpy(buf + LWS_PRE, text, n);
	c->sent_at = sl_loop_now_us();
	c->busy = 1;
	if (lws_write(c->wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n)
		B.failed++;
	free(buf);
}

static int
bench_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct bconn *c = user;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->up = 1;
		B.established++;
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (c != NULL && c->up)
			c->up = 0;
		B.failed++;
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (!c->busy && B.request != NULL &&
		    (B.phase == PH_RTT || sl_loop_now_us() < B.stop_at))
			send_text(c, B.request);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		sl_buf_add(&c->rx, in, len);
		if (!lws_is_final_fragment(wsi) ||
		    lws_remaining_packet_payload(wsi))
			break;
		if (strstr(c->rx.data, "\"error\"") != NULL ||
		    (strstr(c->rx.data, "\"status\":\"") != NULL &&
		    strstr(c->rx.data, "SUCCEEDED") == NULL))
			B.errors++;
		sl_buf_reset(&c->rx);
		c->busy = 0;
		B.done++;
		if (B.phase == PH_RTT && B.nlat < B.maxlat)
			B.lat[B.nlat++] = sl_loop_now_us() - c->sent_at;
		if (B.phase == PH_RTT || B.phase == PH_LOAD)
			lws_callback_on_writable(wsi);
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols bench_protocols[] = {
	{ .name = "sluice.v1", .callback = bench_cb,
	  .per_session_data_size = 0, .rx_buffer_size = 65536 },
	{ .name = NULL },
};

static void
service_until(int (*done)(void), uint64_t timeout_us)
{
	uint64_t end = sl_loop_now_us() + timeout_us;

	while (!done() && sl_loop_now_us() < end)
		if (lws_service(B.ctx, 0) < 0)
			break;
}

static int want_conns;

static int
all_established(void)
{
	return B.established >= want_conns || B.failed > 0;
}

static int target_done;

static int
enough_done(void)
{
	return B.done >= (uint64_t)target_done;
}

static int load_running;

static int
load_drained(void)
{
	int i;

	if (sl_loop_now_us() < B.stop_at)
		return 0;
	for (i = 0; i < load_running; i++)
		if (B.conns[i].busy)
			return 0;
	return 1;
}

static int
connect_n(int n)
{
	struct lws_client_connect_info ci;
	int i;

	want_conns = n;
	for (i = B.nconns; i < n; i++) {
		struct bconn *c = &B.conns[i];

		sl_buf_init(&c->rx);
		memset(&ci, 0, sizeof(ci));
		ci.context = B.ctx;
		ci.address = "127.0.0.1";
		ci.port = B.port;
		ci.path = "/ws";
		ci.host = "127.0.0.1";
		ci.origin = "127.0.0.1";
		ci.protocol = "sluice.v1";
		ci.local_protocol_name = "sluice.v1";
		ci.userdata = c;
		ci.pwsi = &c->wsi;
		if (lws_client_connect_via_info(&ci) == NULL)
			return -1;
		B.nconns++;
		/* Do not flood the listen backlog. */
		if (i % 64 == 63)
			service_until(all_established, 0);
		if (i % 64 == 63) {
			want_conns = i + 1;
			service_until(all_established, 10000000);
			want_conns = n;
		}
	}
	service_until(all_established, 30000000);
	return B.established >= n && B.failed == 0 ? 0 : -1;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Run a closed loop on the first n connections for secs seconds. */
static double
closed_loop(int n, const char *request, double secs)
{
	uint64_t t0;
	int i;

	B.phase = PH_LOAD;
	B.request = request;
	B.done = 0;
	B.errors = 0;
	load_running = n;
	t0 = sl_loop_now_us();
	B.stop_at = t0 + (uint64_t)(secs * 1e6);
	for (i = 0; i < n; i++)
		lws_callback_on_writable(B.conns[i].wsi);
	service_until(load_drained, (uint64_t)(secs * 1e6) + 30000000);
	return (double)B.done / ((double)(sl_loop_now_us() - t0) / 1e6);
}

/* Start sluiced; its log goes to dir/sluiced.log, where the port is read
 * from the "listening" line. */
static int
start_daemon(const char *build, const char *dir)
{
	char *exe = xasprintf("%s/sluiced", build);
	char *fx = xasprintf("%s/tests/fixtures", build);
	char *data = xasprintf("%s/var", dir);
	char *log = xasprintf("%s/sluiced.log", dir);
	char line[512];
	uint64_t end = sl_loop_now_us() + 30000000;
	int rc = -1;

	B.daemon = fork();
	if (B.daemon == 0) {
		if (freopen(log, "w", stderr) == NULL)
			_exit(127);
		execl(exe, exe, "--port", "0", "--data", data, "--functions",
		    fx,
		    "--log-level", "info", (char *)NULL);
		_exit(127);
	}
	while (B.daemon > 0 && sl_loop_now_us() < end && rc < 0) {
		FILE *f = fopen(log, "r");

		while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
			char *p = strstr(line, "event=listening port=");

			if (p != NULL) {
				B.port = atoi(p + 21);
				rc = 0;
			}
		}
		if (f != NULL)
			fclose(f);
		if (rc < 0) {
			struct timespec ts = { 0, 20000000 };

			if (waitpid(B.daemon, NULL, WNOHANG) == B.daemon)
				break;
			nanosleep(&ts, NULL);
		}
	}
	free(exe);
	free(fx);
	free(data);
	free(log);
	return rc;
}

static int
one_call(struct bconn *c, const char *text)
{
	B.phase = PH_IDLE;
	B.request = NULL;
	B.done = 0;
	B.errors = 0;
	target_done = 1;
	send_text(c, text);
	service_until(enough_done, 10000000);
	return B.done == 1 && B.errors == 0 ? 0 : -1;
}

/* Sequential round trips of request on the first connection. */
static void
round_trips(const char *request, const char *metric, const char *what)
{
	char name[64], note[128];

	B.phase = PH_RTT;
	B.request = request;
	B.done = 0;
	B.nlat = 0;
	target_done = (int)B.maxlat;
	lws_callback_on_writable(B.conns[0].wsi);
	service_until(enough_done, 60000000);
	B.phase = PH_IDLE;
	load_running = 1;
	B.stop_at = 0;
	service_until(load_drained, 1000000);
	if (B.nlat == 0)
		return;
	qsort(B.lat, B.nlat, sizeof(*B.lat), cmp_u64);
	snprintf(note, sizeof(note), "%s, 1 connection, %zu sequential "
	    "round trips", what, B.nlat);
	snprintf(name, sizeof(name), "%s_p50", metric);
	report(name, (double)B.lat[B.nlat / 2], "us", note);
	snprintf(name, sizeof(name), "%s_p99", metric);
	report(name, (double)B.lat[B.nlat * 99 / 100], "us", note);
}

int
main(void)
{
	struct lws_context_creation_info info;
	const char *build = getenv("SLUICE_BUILD");
	char dir[] = "/tmp/sluice-bench-server.XXXXXX";
	char *cmd, note[128];
	const char *invoke = "{\"id\":1,\"action\":\"Invoke\",\"FunctionName\":"
	    "\"id_function\",\"Payload\":{\"bench\":1}}";
	const char *ping = "{\"id\":4,\"action\":\"GetFunction\","
	    "\"FunctionName\":\"id_function\"}";
	const char *start = "{\"id\":2,\"action\":\"StartExecution\","
	    "\"stateMachineArn\":\"" SM_ARN "\",\"input\":\"{}\","
	    "\"wait\":true}";
	const char *create = "{\"id\":3,\"action\":\"CreateStateMachine\","
	    "\"name\":\"" SM_NAME "\",\"definition\":\"{\\\"StartAt\\\":"
	    "\\\"A\\\",\\\"States\\\":{\\\"A\\\":{\\\"Type\\\":\\\"Task\\\","
	    "\\\"Resource\\\":\\\"" LAMBDA "\\\",\\\"Next\\\":\\\"B\\\"},"
	    "\\\"B\\\":{\\\"Type\\\":\\\"Task\\\",\\\"Resource\\\":\\\""
	    LAMBDA "\\\",\\\"Next\\\":\\\"C\\\"},\\\"C\\\":{\\\"Type\\\":"
	    "\\\"Task\\\",\\\"Resource\\\":\\\"" LAMBDA "\\\",\\\"End\\\":"
	    "true}}}\"}";
	long rss0, rss1;
	double rate;
	int i, status = 1;

	if (build == NULL || mkdtemp(dir) == NULL) {
		fprintf(stderr, "bench server: SLUICE_BUILD unset or no tmp\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (start_daemon(build, dir) < 0) {
		fprintf(stderr, "bench server: sluiced did not start\n");
		goto out;
	}
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = bench_protocols;
	B.ctx = lws_create_context(&info);
	if (B.ctx == NULL || connect_n(1) < 0) {
		fprintf(stderr, "bench server: cannot connect\n");
		goto out;
	}

	/* Round trip: one request at a time on one connection; first the
	 * transport alone (an action that needs no function), then Invoke. */
	B.maxlat = 20000;
	B.lat = xcalloc(B.maxlat, sizeof(*B.lat));
	for (i = 0; i < 500; i++)
		if (one_call(&B.conns[0], invoke) < 0) {
			fprintf(stderr, "bench server: Invoke failed\n");
			goto out;
		}
	round_trips(ping, "transport_rtt", "GetFunction (no worker)");
	round_trips(invoke, "invoke_rtt", "Invoke id_function");

	/* Throughput: 64 connections, one request in flight each. */
	if (connect_n(64) < 0) {
		fprintf(stderr, "bench server: cannot open 64 connections\n");
		goto out;
	}
	rate = closed_loop(64, invoke, 3.0);
	snprintf(note, sizeof(note), "Invoke id_function, 64 connections, "
	    "3 s, %llu errors", (unsigned long long)B.errors);
	report("invoke_throughput", rate, "invocations/s", note);

	/* Workflows: StartExecution (wait) of a 3-Task machine. */
	if (one_call(&B.conns[0], create) < 0) {
		fprintf(stderr, "bench server: CreateStateMachine failed\n");
		goto out;
	}
	rate = closed_loop(64, start, 5.0);
	snprintf(note, sizeof(note), "StartExecution to completion, 3 Tasks, "
	    "64 connections, 5 s, durable store, %llu errors",
	    (unsigned long long)B.errors);
	report("sfn_3task_throughput", rate, "executions/s", note);

	/* Memory with 1,000 idle connections. */
	rss0 = wsb_rss_kb(B.daemon);
	if (connect_n(1000) < 0) {
		fprintf(stderr, "bench server: cannot open 1000 connections\n");
		goto out;
	}
	B.phase = PH_IDLE;
	rss1 = wsb_rss_kb(B.daemon);
	snprintf(note, sizeof(note), "%ld KiB with 64 connections before",
	    rss0);
	report("rss_1000_idle", (double)rss1 / 1024.0, "MiB", note);
	status = 0;
out:
	if (B.ctx != NULL)
		lws_context_destroy(B.ctx);
	for (i = 0; i < B.nconns; i++)
		sl_buf_release(&B.conns[i].rx);
	free(B.lat);
	if (B.daemon > 0) {
		kill(B.daemon, SIGTERM);
		waitpid(B.daemon, NULL, 0);
	}
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench server: could not remove %s\n", dir);
	free(cmd);
	return status;
}
