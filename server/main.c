/* sluiced: the daemon. Flags and environment, the function host on the
 * embedded loop, the dispatcher on the WebSocket transport, and a graceful
 * stop on SIGTERM/SIGINT. */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/loop.h"
#include "common/xmalloc.h"
#include "runtime/host.h"
#include "runtime/placement.h"
#include "server/api.h"
#include "server/log.h"
#include "server/sfn.h"
#include "server/ws.h"

struct opts {
	int port;
	const char *bind;
	const char *data;
	const char *functions;
	const char *token;
	size_t max_message;
	const char *log_level;
	const char *region;
	const char *account;
	const char *web;
	const char *worker;
	int relaxed_sync; /* --sync normal */
	enum sl_store_verify verify;
	unsigned grace_s;
	unsigned auth_timeout_s;
	unsigned retention_days;
	unsigned db_max_pages;
	/* --loop-cpu: -2 none, -1 auto (the quietest CPU), else that CPU */
	int loop_cpu;
	enum sl_worker_sched worker_sched;
};

static volatile sig_atomic_t stop_signals;
static struct sl_ws *signal_ws;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: sluiced [options]\n"
	    "\n"
	    "  --port N          listen port; 0 = any free port (SLUICE_PORT, "
	    "8990)\n"
	    "  --bind ADDR       listen address (SLUICE_BIND, 127.0.0.1)\n"
	    "  --data DIR        data directory (SLUICE_DATA, var/)\n"
	    "  --functions DIR   functions folder (SLUICE_FUNCTIONS, "
	    "functions/)\n"
	    "  --token T         API token; required unless bound to "
	    "127.0.0.1, ::1 or\n"
	    "                    localhost (SLUICE_TOKEN)\n"
	    "  --max-message N   largest request in bytes, K/M suffix "
	    "allowed; Invoke may\n"
	    "                    carry up to 6M (SLUICE_MAX_MESSAGE, 1M)\n"
	    "  --log-level L     debug, info, warn or error "
	    "(SLUICE_LOG_LEVEL, info)\n"
	    "  --region R        region in ARNs (SLUICE_REGION, us-east-1)\n"
	    "  --account A       account in ARNs (SLUICE_ACCOUNT, "
	    "000000000000)\n"
	    "  --web DIR         serve the console's files from DIR at / "
	    "(SLUICE_WEB;\n"
	    "                    default: web/ beside sluiced, else\n"
	    "                    " SL_PREFIX "/share/sluice/web)\n"
	    "  --worker PATH     the sluice-worker image (SLUICE_WORKER)\n"
"  --verify WHEN     check the store's integrity at start: unclean "
	    "(after a\n"
	    "                    stop that left its log behind), always or "
	    "never\n"
	    "                    (SLUICE_VERIFY, unclean)\n"
"  --sync MODE       store commits: full (fsync each) or normal "
	    "(SLUICE_SYNC, full)\n"
"  --loop-cpu C      run the event loop on CPU C only, or 'auto': the "
	    "one that\n"
	    "                    has taken the fewest device interrupts; "
	    "workers keep\n"
	    "                    every CPU (SLUICE_LOOP_CPU, none)\n"
"  --worker-sched P  batch: a worker woken with work waits for the loop "
	    "to\n"
	    "                    yield its CPU instead of preempting it; "
	    "normal\n"
	    "                    (SLUICE_WORKER_SCHED, batch)\n"
"  --auth-timeout S  with a token: time to authenticate "
	    "(SLUICE_AUTH_TIMEOUT, 10)\n"
	    "  --grace S         on SIGTERM/SIGINT, let invocations finish "
	    "for up to S\n"
	    "                    seconds (SLUICE_GRACE, 30)\n"
	    "  --retention-days D  keep finished executions D days; 0 = for "
	    "ever\n"
	    "                    (SLUICE_RETENTION_DAYS, 90)\n"
	    "  --db-max-pages N  testing: cap the database at N pages, as "
	    "a full disk\n"
	    "                    would (SLUICE_DB_MAX_PAGES, 0 = no cap)\n"
	    "  --help            this text\n"
	    "\n"
	    "The API is a WebSocket at ws://ADDR:PORT/ws, subprotocol "
	    "sluice.v1.\n");
}

/* "1048576", "1024K", "6M" -> bytes; 0 on error. */
static size_t
parse_size(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return 0;
	if (*end == 'K' || *end == 'k')
		v *= 1024, end++;
	else if (*end == 'M' || *end == 'm')
		v *= 1024 * 1024, end++;
	if (*end != '\0' || v > (1ull << 32))
		return 0;
	return (size_t)v;
}

static int
parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static const char *
env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : def;
}

/* The index of word in names (NULL-terminated), or -1. */
static int
word_index(const char *word, const char *const *names)
{
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(word, names[i]) == 0)
			return i;
	return -1;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	const char *port = env_or("SLUICE_PORT", "8990");
	const char *maxmsg = env_or("SLUICE_MAX_MESSAGE", "1M");
	const char *grace = env_or("SLUICE_GRACE", "30");
	const char *auth_to = env_or("SLUICE_AUTH_TIMEOUT", "10");
	const char *retention = env_or("SLUICE_RETENTION_DAYS", "90");
	const char *max_pages = env_or("SLUICE_DB_MAX_PAGES", "0");
	const char *verify = env_or("SLUICE_VERIFY", "unclean");
	const char *loop_cpu = env_or("SLUICE_LOOP_CPU", "none");
	const char *wsched = env_or("SLUICE_WORKER_SCHED", "batch");
	const char *sync = env_or("SLUICE_SYNC", "full");
	static const char *const sync_names[] = { "full", "normal", NULL };
	static const char *const verify_names[] = {
		[SL_STORE_VERIFY_UNCLEAN] = "unclean",
		[SL_STORE_VERIFY_ALWAYS] = "always",
		[SL_STORE_VERIFY_NEVER] = "never", NULL,
	};
	static const char *const sched_names[] = {
		[SL_WORKER_SCHED_BATCH] = "batch",
		[SL_WORKER_SCHED_NORMAL] = "normal", NULL,
	};
	unsigned u;
	int i, w;

	o->bind = env_or("SLUICE_BIND", "127.0.0.1");
	o->data = env_or("SLUICE_DATA", "var");
	o->functions = env_or("SLUICE_FUNCTIONS", "functions");
	o->token = env_or("SLUICE_TOKEN", NULL);
	o->log_level = env_or("SLUICE_LOG_LEVEL", "info");
	o->region = env_or("SLUICE_REGION", "us-east-1");
	o->account = env_or("SLUICE_ACCOUNT", "000000000000");
	o->web = env_or("SLUICE_WEB", NULL);
	o->worker = env_or("SLUICE_WORKER", NULL);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char **dst = NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			exit(0);
		}
		if (strcmp(a, "--port") == 0)
			dst = &port;
		else if (strcmp(a, "--bind") == 0)
			dst = &o->bind;
		else if (strcmp(a, "--data") == 0)
			dst = &o->data;
		else if (strcmp(a, "--functions") == 0)
			dst = &o->functions;
		else if (strcmp(a, "--token") == 0)
			dst = &o->token;
		else if (strcmp(a, "--max-message") == 0)
			dst = &maxmsg;
		else if (strcmp(a, "--log-level") == 0)
			dst = &o->log_level;
		else if (strcmp(a, "--region") == 0)
			dst = &o->region;
		else if (strcmp(a, "--account") == 0)
			dst = &o->account;
		else if (strcmp(a, "--web") == 0)
			dst = &o->web;
		else if (strcmp(a, "--worker") == 0)
			dst = &o->worker;
		else if (strcmp(a, "--grace") == 0)
			dst = &grace;
		else if (strcmp(a, "--sync") == 0)
			dst = &sync;
		else if (strcmp(a, "--verify") == 0)
			dst = &verify;
		else if (strcmp(a, "--loop-cpu") == 0)
			dst = &loop_cpu;
		else if (strcmp(a, "--worker-sched") == 0)
			dst = &wsched;
		else if (strcmp(a, "--auth-timeout") == 0)
			dst = &auth_to;
		else if (strcmp(a, "--retention-days") == 0)
			dst = &retention;
		else if (strcmp(a, "--db-max-pages") == 0)
			dst = &max_pages;
		else {
			fprintf(stderr, "sluiced: unknown option '%s' (see "
			    "--help)\n", a);
			return -1;
		}
		if (v == NULL) {
			fprintf(stderr, "sluiced: %s needs a value\n", a);
			return -1;
		}
		*dst = v;
		i++;
	}
	if (parse_uint(port, 65535, &u) < 0) {
		fprintf(stderr, "sluiced: bad --port '%s'\n", port);
		return -1;
	}
	o->port = (int)u;
	o->max_message = parse_size(maxmsg);
	if (o->max_message < 1024) {
		fprintf(stderr, "sluiced: bad --max-message '%s' (at least "
		    "1K)\n", maxmsg);
		return -1;
	}
	if (parse_uint(grace, 86400, &o->grace_s) < 0) {
		fprintf(stderr, "sluiced: bad --grace '%s'\n", grace);
		return -1;
	}
	if (parse_uint(auth_to, 3600, &o->auth_timeout_s) < 0 ||
	    o->auth_timeout_s == 0) {
		fprintf(stderr, "sluiced: bad --auth-timeout '%s'\n", auth_to);
		return -1;
	}
	if (parse_uint(retention, 100000, &o->retention_days) < 0) {
		fprintf(stderr, "sluiced: bad --retention-days '%s' (0-100000)"
		    "\n", retention);
		return -1;
	}
	if (parse_uint(max_pages, 1u << 30, &o->db_max_pages) < 0) {
		fprintf(stderr, "sluiced: bad --db-max-pages '%s'\n",
		    max_pages);
		return -1;
	}
	if ((w = word_index(verify, verify_names)) < 0) {
		fprintf(stderr, "sluiced: bad --verify '%s' (unclean, always "
		    "or never)\n", verify);
		return -1;
	}
	o->verify = (enum sl_store_verify)w;
	if (strcmp(loop_cpu, "none") == 0)
		o->loop_cpu = -2;
	else if (strcmp(loop_cpu, "auto") == 0)
		o->loop_cpu = -1;
	else if (parse_uint(loop_cpu, CPU_SETSIZE - 1, &u) == 0)
		o->loop_cpu = (int)u;
	else {
		fprintf(stderr, "sluiced: bad --loop-cpu '%s' (a CPU number, "
		    "auto or none)\n", loop_cpu);
		return -1;
	}
	if ((w = word_index(wsched, sched_names)) < 0) {
		fprintf(stderr, "sluiced: bad --worker-sched '%s' (batch or "
		    "normal)\n", wsched);
		return -1;
	}
	o->worker_sched = (enum sl_worker_sched)w;
	if ((w = word_index(sync, sync_names)) < 0) {
		fprintf(stderr, "sluiced: bad --sync '%s' (full or normal)\n",
		    sync);
		return -1;
	}
	o->relaxed_sync = w == 1;
	if (sl_slog_parse_level(o->log_level) < 0) {
		fprintf(stderr, "sluiced: bad --log-level '%s'\n",
		    o->log_level);
		return -1;
	}
	if (strcmp(o->bind, "127.0.0.1") != 0 && strcmp(o->bind, "::1") != 0 &&
	    strcmp(o->bind, "localhost") != 0 && o->token == NULL) {
		fprintf(stderr, "sluiced: --token is required when bound to "
		    "%s (not loopback)\n", o->bind);
		return -1;
	}
	return 0;
}

/* --loop-cpu: pin the loop's thread (the host has started its spawner
 * already, and starts every later process with the mask from before). A
 * CPU named but not allowed stops the start; auto that finds nothing to
 * choose only warns. */
static int
pin_loop(struct sl_host *host, int cpu)
{
	struct sl_err err = SL_ERR_INIT;
	char q[256];
	int how_auto = cpu == -1;

	if (how_auto && (cpu = sl_placement_quietest_cpu_here()) < 0) {
		sl_slog(SL_SLOG_WARN, "loop_cpu", "how=auto errno=%d "
		    "note=\"no CPU chosen from /proc/interrupts: not "
		    "pinned\"", errno);
		return 0;
	}
	if (sl_host_pin_loop(host, cpu, &err) < 0) {
		sl_slog(SL_SLOG_ERROR, "start_failed", "reason=loop_cpu "
		    "type=%s msg=%s", err.type,
		    sl_slog_quote(err.msg, q, sizeof(q)));
		return -1;
	}
	sl_slog(SL_SLOG_INFO, "loop_cpu", "cpu=%d how=%s", cpu,
	    how_auto ? "auto" : "given");
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_signals++;
	if (signal_ws != NULL)
		sl_ws_wake(signal_ws);
}

static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			sl_slog(SL_SLOG_WARN, "rlimit", "errno=%d", errno);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		sl_slog(SL_SLOG_DEBUG, "rlimit", "nofile=%llu",
		    (unsigned long long)rl.rlim_cur);
}

/* --- the function host as the dispatcher sees it ---------------------- */

static uint64_t
fn_invoke(void *impl, const struct sl_invoke_request *req, sl_invoke_cb *cb,
    void *arg)
{
	return sl_host_invoke(impl, req, cb, arg);
}

static void
fn_cancel(void *impl, uint64_t id)
{
	sl_host_cancel(impl, id);
}

static char *
fn_list(void *impl)
{
	return sl_host_list_functions_json(impl);
}

static char *
fn_get(void *impl, const char *function, struct sl_err *err)
{
	return sl_host_get_function_json(impl, function, err);
}

static void
on_publish(void *arg, const char *function, const char *topic,
    const char *message_json)
{
	struct sl_api **api = arg;

	if (*api != NULL)
		sl_api_publish(*api, topic, message_json, function);
}

static void
on_event_result(void *arg, const char *function,
    const struct sl_invoke_result *res)
{
	(void)arg;
	sl_slog(res->function_error ? SL_SLOG_WARN : SL_SLOG_INFO,
	    "event_invoke_done", "function=%s status=%d error=%s", function,
	    res->status, res->error_type ? res->error_type : "none");
}

/* Wait up to grace seconds for invocations to finish and replies to leave,
 * while serving the loop. A timer makes sure the loop wakes at the
 * deadline. */
static void
deadline_cb(struct sl_timer *t)
{
	(void)t; /* waking the loop is all it is for */
}

static void
drain(struct sl_loop *loop, struct sl_ws *ws, struct sl_api *api,
    struct sl_host *host, struct sl_sfn **sfn, unsigned grace_s)
{
	uint64_t deadline = sl_loop_now_us() + (uint64_t)grace_s * 1000000u;
	int seen = stop_signals;
	struct sl_timer wake;

	sl_timer_init(&wake, deadline_cb, NULL);
	sl_loop_timer_at(loop, &wake, deadline);

	sl_ws_stop_accepting(ws);
	/* Workflows first: their executions stay RUNNING in the store, with
	 * checkpoints, and resume at the next start. */
	sl_api_set_sfn(api, NULL);
	sl_sfn_free(*sfn);
	*sfn = NULL;
	sl_host_drain(host);
	sl_slog(SL_SLOG_INFO, "stopping", "pending=%zu grace_s=%u",
	    sl_api_pending(api), grace_s);
	while ((sl_host_busy(host) || sl_api_pending(api) > 0 ||
	    sl_ws_queued(ws) > 0) && sl_loop_now_us() < deadline &&
	    stop_signals == seen) {
		if (sl_ws_service(ws) < 0)
			break;
	}
	if (sl_api_pending(api) > 0)
		sl_slog(SL_SLOG_WARN, "stop_abandoned", "pending=%zu",
		    sl_api_pending(api));
	/* Tell the clients, and give them a moment to answer the close. */
	sl_ws_close_all(ws, 1001, "server stopping");
	deadline = sl_loop_now_us() + 1000000;
	sl_loop_timer_at(loop, &wake, deadline);
	while (sl_ws_conn_count(ws) > 0 && sl_loop_now_us() < deadline &&
	    stop_signals == seen)
		if (sl_ws_service(ws) < 0)
			break;
	sl_loop_timer_stop(loop, &wake);
}

/* The console's files when --web is not given: web/ beside the sluiced
 * binary (the build tree), else PREFIX/share/sluice/web (an install). 0 with
 * the directory in out, -1 when neither holds an index.html. */
static int
default_web_dir(char *out, size_t len)
{
	char exe[PATH_MAX], index[PATH_MAX + 32];
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL) {
			*slash = '\0';
			snprintf(index, sizeof(index), "%s/web/index.html", exe);
			if (access(index, R_OK) == 0 &&
			    (size_t)snprintf(out, len, "%s/web", exe) < len)
				return 0;
		}
	}
	snprintf(index, sizeof(index), "%s/share/sluice/web/index.html",
	    SL_PREFIX);
	if (access(index, R_OK) == 0 &&
	    (size_t)snprintf(out, len, "%s/share/sluice/web", SL_PREFIX) < len)
		return 0;
	return -1;
}

int
main(int argc, char **argv)
{
	struct sl_host_config hc;
	struct sl_api_config ac;
	struct sl_ws_config wc;
	struct sl_err err = SL_ERR_INIT;
	struct sl_loop *loop = NULL;
	struct sl_host *host = NULL;
	struct sl_api *api = NULL;
	struct sl_sfn *sfn = NULL;
	struct sl_ws *ws = NULL;
	struct sl_sfn_config fc;
	struct sigaction sa;
	char web_abs[PATH_MAX], web_def[PATH_MAX], q[PATH_MAX + 4];
	struct opts o;
	int rc = 2;

	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	sl_slog_set_level(sl_slog_parse_level(o.log_level));
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	if (mkdir(o.data, 0755) < 0 && errno != EEXIST) {
		sl_slog(SL_SLOG_ERROR, "start_failed", "reason=data_dir dir=%s "
		    "errno=%d", sl_slog_quote(o.data, q, sizeof(q)), errno);
		return 2;
	}
	if (o.web == NULL && default_web_dir(web_def, sizeof(web_def)) == 0)
		o.web = web_def;
	if (o.web != NULL) {
		char index[PATH_MAX + 16];

		if (realpath(o.web, web_abs) == NULL) {
			sl_slog(SL_SLOG_ERROR, "start_failed",
			    "reason=web_dir dir=%s",
			    sl_slog_quote(o.web, q, sizeof(q)));
			return 2;
		}
		snprintf(index, sizeof(index), "%s/index.html", web_abs);
		if (access(index, R_OK) < 0) {
			sl_slog(SL_SLOG_ERROR, "start_failed",
			    "reason=no_index file=%s",
			    sl_slog_quote(index, q, sizeof(q)));
			return 2;
		}
	}

	loop = sl_loop_new();
	if (loop == NULL) {
		sl_slog(SL_SLOG_ERROR, "start_failed", "reason=loop");
		goto out;
	}
	memset(&hc, 0, sizeof(hc));
	hc.functions_dir = o.functions;
	hc.worker_path = o.worker;
	hc.data_dir = o.data;
	hc.region = o.region;
	hc.account = o.account;
	hc.watch_dir = 1;
	hc.worker_sched = o.worker_sched;
	hc.on_publish = on_publish;
	hc.on_event_result = on_event_result;
	hc.cb_arg = &api;
	host = sl_host_new(loop, &hc, &err);
	if (host == NULL) {
		sl_slog(SL_SLOG_ERROR, "start_failed", "reason=host type=%s "
		    "msg=%s", err.type, sl_slog_quote(err.msg, q, sizeof(q)));
		goto out;
	}

	if (o.loop_cpu != -2 && pin_loop(host, o.loop_cpu) < 0)
		goto out;
	{
		struct sl_host_sandbox_info si;

		sl_host_sandbox_info(host, &si);
		sl_slog(si.landlock_abi > 0 ? SL_SLOG_INFO : SL_SLOG_WARN,
		    "sandbox", "landlock_abi=%d netns=%s uid=%ld%s",
		    si.landlock_abi, si.netns ? "empty" : "none", si.uid,
		    si.landlock_abi > 0 ? "" : " note=\"no Landlock: "
		    "file access is not confined\"");
	}
	memset(&fc, 0, sizeof(fc));
	fc.loop = loop;
	fc.host = host;
	fc.data_dir = o.data;
	fc.region = o.region;
	fc.account = o.account;
	fc.relaxed_sync = o.relaxed_sync;
	fc.verify = o.verify;
	fc.retention_days = o.retention_days;
	fc.max_db_pages = o.db_max_pages;
	fc.flush_by_owner = 1;
	sfn = sl_sfn_new(&fc, &err);
	if (sfn == NULL) {
		sl_slog(SL_SLOG_ERROR, "start_failed", "reason=store type=%s "
		    "msg=%s", err.type, sl_slog_quote(err.msg, q, sizeof(q)));
		goto out;
	}

	memset(&wc, 0, sizeof(wc));
	wc.bind = o.bind;
	wc.port = o.port;
	wc.web_dir = o.web ? web_abs : NULL;
	wc.token = o.token;
	wc.auth_timeout_s = o.auth_timeout_s;
	wc.loop = loop;
	memset(&ac, 0, sizeof(ac));
	ac.region = o.region;
	ac.account = o.account;
	ac.max_message = o.max_message;
	ac.token = o.token;
	/* The hard cap while receiving is the dispatcher's; it does not
	 * depend on the transport. */
	{
		struct sl_api *probe = sl_api_new(&ac);

		wc.max_request = sl_api_max_request(probe);
		sl_api_free(probe);
	}
	ws = sl_ws_new(&wc, &err);
	if (ws == NULL) {
		sl_slog(SL_SLOG_ERROR, "start_failed", "reason=listen msg=%s",
		    sl_slog_quote(err.msg, q, sizeof(q)));
		goto out;
	}
	ac.transport = sl_ws_transport(ws);
	ac.functions = (struct sl_api_functions){ .invoke = fn_invoke,
		.cancel = fn_cancel, .list_json = fn_list, .get_json = fn_get,
		.impl = host };
	ac.sfn = sfn;
	api = sl_api_new(&ac);
	sl_ws_set_api(ws, api);
	sl_sfn_start(sfn, api);
	sl_sfn_flush(sfn);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	signal_ws = ws;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	sl_slog(SL_SLOG_INFO, "listening", "port=%d bind=%s functions=%s "
	    "data=%s auth=%s web=%s", sl_ws_port(ws), o.bind, o.functions,
	    o.data, o.token ? "token" : "none",
	    o.web ? sl_slog_quote(web_abs, q, sizeof(q)) : "none");
	/* One pass: what is ready runs, then one commit of what it wrote
	 * (group commit), before the next sleep. */
	while (stop_signals == 0) {
		if (sl_ws_service(ws) < 0) {
			sl_slog(SL_SLOG_ERROR, "service_failed", NULL);
			goto out;
		}
		sl_sfn_flush(sfn);
	}
	drain(loop, ws, api, host, &sfn, o.grace_s);
	rc = 0;
out:
	signal_ws = NULL;
	if (api != NULL)
		sl_api_set_sfn(api, NULL);
	sl_sfn_free(sfn);
	/* The host first: its pending callbacks are never called, so the
	 * dispatcher frees those requests itself. Then the transport, whose
	 * connections tell the dispatcher they closed. */
	sl_host_free(host);
	sl_ws_free(ws);
	sl_api_free(api);
	sl_loop_free(loop);
	if (rc == 0)
		sl_slog(SL_SLOG_INFO, "stopped", NULL);
	return rc;
}
