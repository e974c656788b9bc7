/* The daemon and the WebSocket load generator of the API benchmarks (see
 * wsbench.h): one libwebsockets client context, its connections and the
 * per-request send times, all in this file's state. */
#include <cjson/cJSON.h>
#include <inttypes.h>
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

struct bconn {
	struct lws *wsi;
	int up;
	int inflight;
	struct sl_buf rx;
};

static struct {
	const char *name;
	struct lws_context *ctx;
	struct bconn conns[WSB_MAX_CONN];
	int nconn, nup, failed;
	wsb_request_fn *req;
	void *req_arg;
	uint64_t sent, done, errors, notes, limit;
	int window;           /* per connection */
	uint64_t stop_at;     /* no new requests after this (us) */
	uint64_t *t_sent;     /* send time by request id (us) */
	size_t t_cap;
	double *lat;          /* latencies of the replies (ms) */
	size_t nlat, lat_cap;
	pid_t daemon;
	int port;
	char *reply;          /* wsb_call's reply's "result", printed */
} C = { .name = "wsbench" };

void
wsb_set_name(const char *name)
{
	C.name = name;
}

void
wsb_die(const char *what)
{
	fprintf(stderr, "bench %s: %s\n", C.name, what);
	if (C.daemon > 0) {
		kill(C.daemon, SIGKILL);
		waitpid(C.daemon, NULL, 0);
	}
	exit(1);
}

pid_t
wsb_daemon_pid(void)
{
	return C.daemon;
}

/* --- the daemon ----------------------------------------------------------- */

uint64_t
wsb_daemon_start(const char *build, const char *functions, const char *data,
    const char *log)
{
	char *exe = xasprintf("%s/sluiced", build);
	char line[512];
	uint64_t t0 = sl_loop_now_us(), end = t0 + 120000000, t = 0;

	C.port = 0;
	(void)unlink(log); /* not the last run's "listening" */
	C.daemon = fork();
	if (C.daemon == 0) {
		if (freopen(log, "w", stderr) == NULL)
			_exit(127);
		execl(exe, exe, "--port", "0", "--data", data, "--functions",
		    functions, "--retention-days", "0", (char *)NULL);
		_exit(127);
	}
	while (C.daemon > 0 && sl_loop_now_us() < end && C.port == 0) {
		FILE *f = fopen(log, "r");
		char *p;

		while (f != NULL && fgets(line, sizeof(line), f) != NULL)
			if ((p = strstr(line, "event=listening port=")) !=
			    NULL) {
				t = sl_loop_now_us() - t0;
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
	if (C.port == 0)
		wsb_die("sluiced did not start");
	return t;
}

void
wsb_daemon_stop(void)
{
	int st;

	kill(C.daemon, SIGTERM);
	waitpid(C.daemon, &st, 0);
	C.daemon = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench %s: sluiced: %s %d\n", C.name,
		    WIFEXITED(st) ? "exit status" : "signal",
		    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		wsb_die("sluiced did not stop cleanly");
	}
}

double
wsb_cpu_s(pid_t pid, int children)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0, cut = 0, cst = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After the command name: state is field 3, utime 14, stime 15,
	 * cutime 16, cstime 17. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu "
	    "%lu %lu %lu", &ut, &st, &cut, &cst) != 4)
		return 0;
	if (children)
		ut += cut + cst;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

long
wsb_rss_kb(pid_t pid)
{
	char path[64], line[256];
	FILE *f;
	long kb = -1;

	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/status");
	else
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

double
wsb_written_bytes(pid_t pid)
{
	char path[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "wchar: %llu", &v) == 1)
			break;
	fclose(f);
	return (double)v;
}

double
wsb_machine_busy_s(void)
{
	unsigned long long v[8] = {0};
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (f == NULL)
		return 0;
	/* cpu user nice system idle iowait irq softirq steal */
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return 0;
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) /
	    (double)sysconf(_SC_CLK_TCK);
}

double
wsb_children_cpu_s(void)
{
	char path[80];
	double s = 0;
	FILE *f;
	int pid;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children",
	    (int)C.daemon, (int)C.daemon);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fscanf(f, "%d", &pid) == 1)
		s += wsb_cpu_s(pid, 0);
	fclose(f);
	return s;
}

/* --- the client ----------------------------------------------------------- */

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
	return C.req != NULL && c->inflight < C.window && C.sent < C.limit &&
	    (C.stop_at == 0 || sl_loop_now_us() < C.stop_at);
}

static void
note_sent(uint64_t id)
{
	if (id >= C.t_cap) {
		size_t cap = C.t_cap ? C.t_cap : 1024;

		while (cap <= id)
			cap *= 2;
		C.t_sent = xrealloc(C.t_sent, cap * sizeof(*C.t_sent));
		C.t_cap = cap;
	}
	C.t_sent[id] = sl_loop_now_us();
}

static void
note_latency(uint64_t id)
{
	if (id >= C.t_cap)
		return;
	if (C.nlat == C.lat_cap) {
		C.lat_cap = C.lat_cap ? 2 * C.lat_cap : 1024;
		C.lat = xrealloc(C.lat, C.lat_cap * sizeof(*C.lat));
	}
	C.lat[C.nlat++] = (double)(sl_loop_now_us() - C.t_sent[id]) / 1000.0;
}

/* One whole message: an event (counted when a Notification) or the reply
 * to a request in flight on c. */
static void
on_message(struct bconn *c, const char *text)
{
	cJSON *m = cJSON_Parse(text), *id, *ev, *res, *status;

	if (m == NULL) {
		C.failed = 1;
		return;
	}
	ev = cJSON_GetObjectItemCaseSensitive(m, "event");
	if (cJSON_IsString(ev)) {
		if (strcmp(ev->valuestring, "Notification") == 0)
			C.notes++;
		cJSON_Delete(m);
		return;
	}
	id = cJSON_GetObjectItemCaseSensitive(m, "id");
	res = cJSON_GetObjectItemCaseSensitive(m, "result");
	status = cJSON_GetObjectItemCaseSensitive(res, "status");
	if (cJSON_GetObjectItemCaseSensitive(m, "error") != NULL ||
	    (cJSON_IsString(status) &&
	    strcmp(status->valuestring, "SUCCEEDED") != 0 &&
	    strcmp(status->valuestring, "RUNNING") != 0)) {
		if (C.errors++ == 0)
			fprintf(stderr, "bench %s: %.300s\n", C.name, text);
	}
	if (cJSON_IsNumber(id) && id->valuedouble >= 0)
		note_latency((uint64_t)id->valuedouble);
	if (C.req == NULL && C.reply == NULL && res != NULL)
		C.reply = cJSON_PrintUnformatted(res);
	cJSON_Delete(m);
	C.done++;
	c->inflight--;
}

static int
client_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct bconn *c = user;
	char req[4096];

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
		C.req(C.req_arg, C.sent, req, sizeof(req));
		note_sent(C.sent);
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
		on_message(c, c->rx.data);
		sl_buf_reset(&c->rx);
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

void
wsb_client_open(int nconn)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	uint64_t end = sl_loop_now_us() + 20000000;
	int i;

	if (nconn < 1 || nconn > WSB_MAX_CONN)
		wsb_die("bad number of connections");
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	lws_set_log_level(LLL_ERR, NULL);
	C.ctx = lws_create_context(&info);
	if (C.ctx == NULL)
		wsb_die("no lws context");
	C.nconn = nconn;
	C.nup = C.failed = 0;
	for (i = 0; i < nconn; i++) {
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
			wsb_die("cannot connect");
		/* 64 at a time, not to overflow the listen backlog. */
		while (i % 64 == 63 && C.nup <= i && !C.failed &&
		    sl_loop_now_us() < end)
			lws_service(C.ctx, 0);
	}
	while (C.nup < nconn && !C.failed && sl_loop_now_us() < end)
		lws_service(C.ctx, 0);
	if (C.nup < nconn)
		wsb_die("cannot connect");
}

void
wsb_client_close(void)
{
	int i;

	lws_context_destroy(C.ctx);
	C.ctx = NULL;
	for (i = 0; i < C.nconn; i++)
		sl_buf_release(&C.conns[i].rx);
	free(C.t_sent);
	free(C.lat);
	C.t_sent = NULL;
	C.lat = NULL;
	C.t_cap = C.nlat = C.lat_cap = 0;
}

static int
busy(void)
{
	int i;

	for (i = 0; i < C.nconn; i++)
		if (C.conns[i].inflight > 0 || want_more(&C.conns[i]))
			return 1;
	return 0;
}

void
wsb_load(wsb_request_fn *req, void *arg, int window, uint64_t limit,
    double secs, struct wsb_result *out)
{
	uint64_t t0 = sl_loop_now_us(), end = t0 + (uint64_t)(secs * 1e6) +
	    60000000;
	int i;

	C.req = req;
	C.req_arg = arg;
	C.window = window;
	C.sent = C.done = C.errors = C.notes = 0;
	C.nlat = 0;
	C.limit = limit;
	C.stop_at = secs > 0 ? t0 + (uint64_t)(secs * 1e6) : 0;
	for (i = 0; i < C.nconn; i++)
		lws_callback_on_writable(C.conns[i].wsi);
	while (busy() && !C.failed && sl_loop_now_us() < end)
		lws_service(C.ctx, 0);
	C.req = NULL;
	if (C.failed || C.done < C.sent)
		wsb_die("the connection failed or replies are missing");
	out->done = C.done;
	out->errors = C.errors;
	out->notifications = C.notes;
	out->seconds = (double)(sl_loop_now_us() - t0) / 1e6;
}

int
wsb_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
wsb_latency_ms(double p)
{
	size_t i;

	if (C.nlat == 0)
		return 0;
	qsort(C.lat, C.nlat, sizeof(*C.lat), wsb_cmp_double);
	i = (size_t)(p / 100.0 * (double)(C.nlat - 1) + 0.5);
	return C.lat[i < C.nlat ? i : C.nlat - 1];
}

uint64_t
wsb_wait_notifications(uint64_t n, double secs)
{
	uint64_t end = sl_loop_now_us() + (uint64_t)(secs * 1e6);

	while (C.notes < n && !C.failed && sl_loop_now_us() < end)
		lws_service(C.ctx, 0);
	return C.notes;
}

char *
wsb_call_result(const char *text)
{
	struct bconn *c = &C.conns[0];
	uint64_t end = sl_loop_now_us() + 60000000;
	char *r;

	C.sent = C.done = C.errors = 0;
	C.limit = 0;
	C.req = NULL;
	free(C.reply);
	C.reply = NULL;
	send_text(c, text);
	c->inflight = 1;
	C.sent = 1;
	while (C.done < 1 && !C.failed && sl_loop_now_us() < end)
		lws_service(C.ctx, 0);
	if (C.errors > 0 || C.done < 1)
		wsb_die("request refused");
	r = C.reply ? C.reply : xstrdup("null");
	C.reply = NULL;
	return r;
}

void
wsb_call(const char *text)
{
	free(wsb_call_result(text));
}
