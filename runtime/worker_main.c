/* sluice-worker: the clean image a function runs in. It reads its start
 * config from the host, sandboxes itself, loads the handler and then serves
 * one invocation at a time over its IPC socket (frames, runtime/frame.h). */
#include "runtime/frame.h"
#include "runtime/sandbox.h"
#include "runtime/worker.h"
#include "common/buf.h"
#include "common/loop.h"
#include "common/json.h"
#include "common/err.h"
#include "common/xmalloc.h"

#include <cjson/cJSON.h>
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SYNC_MAX (6u * 1024u * 1024u)

typedef int init_fn(sl_context *);
typedef int handler_fn(const cJSON *, sl_context *, cJSON **);

struct start {
	cJSON *cfg;
	const char *file; /* the .so's path, for messages */
	const char *handler;
	long ppid;
};

static void
send_or_die(uint16_t type, uint64_t id, const void *p, size_t n)
{
	sl_worker_ipc_check();
	if (sl_frame_write_all(SL_WORKER_FD_IPC, type, id, 0, p, n) < 0)
		_exit(SL_WORKER_EXIT_IPC);
}

/* Send {"errorType","errorMessage"} as a frame of the given type. */
static void
send_error(uint16_t type, uint64_t id, const char *etype, const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddStringToObject(o, "errorType", etype);
	cJSON_AddStringToObject(o, "errorMessage", msg ? msg : "");
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		_exit(SL_WORKER_EXIT_IPC);
	send_or_die(type, id, s, strlen(s));
	cJSON_free(s);
}

static void fatal(const char *etype, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

static void
fatal(const char *etype, const char *fmt, ...)
{
	struct sl_buf b = SL_BUF_INIT;
	va_list ap;

	sl_buf_init(&b);
	va_start(ap, fmt);
	sl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	send_error(SL_FRAME_FATAL, 0, etype, b.data);
	_exit(0);
}

static const char *
str_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static long
num_of(const cJSON *o, const char *k, long dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? (long)v->valuedouble : dflt;
}

static char **
strv_of(const cJSON *o, const char *k, size_t *n)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, k), *it;
	char **v;

	*n = 0;
	if (!cJSON_IsArray(a))
		return NULL;
	v = xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(*v));
	cJSON_ArrayForEach(it, a) if (cJSON_IsString(it)) v[(*n)++] =
	    it->valuestring;
	return v;
}

static void
reset_signals(void)
{
	struct sigaction sa;
	sigset_t all;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (i = 1; i < NSIG; i++)
		(void)sigaction(i, &sa, NULL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
}

/* Read the CONFIG frame and sandbox the process as it says. */
static void
start(struct start *st, struct sl_context *ctx, struct sl_buf *buf)
{
	struct sl_sandbox_spec spec;
	struct sl_err err = SL_ERR_INIT;
	struct sl_frame f;
	const char *net;
	size_t jlen, nports = 0;
	uint16_t *ports = NULL;
	const cJSON *pa, *it;

	if (sl_frame_read_one(SL_WORKER_FD_IPC, buf, &f, SL_FRAME_MAX) < 0 ||
	    f.type != SL_FRAME_CONFIG)
		_exit(SL_WORKER_EXIT_IPC);
	jlen = strnlen(buf->data, buf->len);
	st->cfg = cJSON_ParseWithLength(buf->data, jlen);
	if (st->cfg == NULL)
		fatal("Runtime.SandboxError", "bad start config");
	st->file = str_of(st->cfg, "file");
	st->handler = str_of(st->cfg, "handler");
	st->ppid = num_of(st->cfg, "ppid", 0);
	ctx->name = str_of(st->cfg, "name");
	ctx->arn = str_of(st->cfg, "arn");
	ctx->dir = str_of(st->cfg, "dir");
	ctx->memory_mb = (int)num_of(st->cfg, "memory", 128);
	if (st->file == NULL || st->handler == NULL)
		fatal(
		    "Runtime.SandboxError", "start config lacks file/handler");

	/* Before the sandbox: the seccomp filter need not allow it. A
	 * failure only leaves the default policy, so it is not fatal. */
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st->cfg, "batch"))) {
		struct sched_param sp = {.sched_priority = 0};

		(void)sched_setscheduler(0, SCHED_BATCH, &sp);
	}
	memset(&spec, 0, sizeof(spec));
	spec.memory_mb = (unsigned)ctx->memory_mb;
	spec.uid = num_of(st->cfg, "uid", -1);
	spec.gid = num_of(st->cfg, "gid", -1);
	spec.netns_fd =
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st->cfg, "netns"))
	        ? SL_WORKER_FD_NETNS
	        : -1;
	net = str_of(st->cfg, "network");
	spec.network = net == NULL                    ? SL_NET_NONE
	               : strcmp(net, "any") == 0      ? SL_NET_ANY
	               : strcmp(net, "loopback") == 0 ? SL_NET_LOOPBACK
	                                              : SL_NET_NONE;
	pa = cJSON_GetObjectItemCaseSensitive(st->cfg, "ports");
	if (cJSON_IsArray(pa)) {
		ports =
		    xcalloc((size_t)cJSON_GetArraySize(pa) + 1, sizeof(*ports));
		cJSON_ArrayForEach(it, pa) if (cJSON_IsNumber(it))
		    ports[nports++] = (uint16_t)it->valuedouble;
	}
	spec.ports = ports;
	spec.nports = nports;
	spec.function_dir = ctx->dir;
	spec.read_paths = strv_of(st->cfg, "read", &spec.nread);
	spec.write_paths = strv_of(st->cfg, "write", &spec.nwrite);
	if (jlen + 1 < buf->len) {
		spec.bpf = buf->data + jlen + 1;
		spec.bpf_len = buf->len - jlen - 1;
	}
	if (sl_sandbox_apply(&spec, &err) < 0)
		fatal(err.type, "%s", err.msg);
	/* A worker never outlives the host (set after the uid change, which
	 * clears it). */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (st->ppid > 0 && getppid() != st->ppid)
		_exit(SL_WORKER_EXIT_IPC);
	/* Like Lambda's /var/task: the function's own folder. */
	if (ctx->dir != NULL)
		(void)chdir(ctx->dir);
	free((void *)spec.read_paths);
	free((void *)spec.write_paths);
	free(ports);
}

/* Sleep until fd has data. A read() blocked on a unix stream socket is
 * also woken each time the host drains the other direction (write space);
 * poll() sleeps through those, which spares a wakeup per invocation. */
static void
wait_readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
}

/* Tell the host, in the log, that invocation id starts here (one write,
 * so that nothing the handler writes can come between its bytes). */
static void
mark_start(uint64_t id)
{
	char line[64];
	int n = snprintf(line, sizeof(line), SL_FRAME_START_MARK "%llu\n",
	    (unsigned long long)id);

	while (write(2, line, (size_t)n) < 0 && errno == EINTR)
		;
}

/* Turn the handler's outcome into the reply frame. out: a buffer kept from
 * call to call for the result's text (let go of when it grew past 64 KiB,
 * so that one big result does not stay in the worker's memory). */
static void
reply(struct sl_context *ctx, uint64_t id, int rc, cJSON *result,
    struct sl_buf *out)
{
	const char *s;
	size_t n;

	fflush(stdout);
	fflush(stderr);
	if (rc != 0 || ctx->failed) {
		char msg[64];

		cJSON_Delete(result);
		if (ctx->failed) {
			send_error(
			    SL_FRAME_ERROR, id, ctx->err_type, ctx->err_msg);
		} else {
			snprintf(msg, sizeof(msg), "handler returned %d", rc);
			send_error(SL_FRAME_ERROR, id, "HandlerError", msg);
		}
		return;
	}
	if (result == NULL) {
		send_or_die(SL_FRAME_RESULT, id, "null", 4);
		return;
	}
	sl_buf_reset(out);
	rc = sl_json_write(out, result);
	cJSON_Delete(result);
	if (rc < 0) {
		send_error(SL_FRAME_RTERROR, id, "Runtime.InvalidResponse",
		    "the result could not be serialised as JSON");
		return;
	}
	s = out->data;
	n = out->len;
	if (n > SYNC_MAX) {
		char msg[160];

		snprintf(msg, sizeof(msg),
		    "Response payload size (%zu bytes) "
		    "exceeded maximum allowed payload size (%u bytes).",
		    n, SYNC_MAX);
		send_error(
		    SL_FRAME_RTERROR, id, "Function.ResponseSizeTooLarge", msg);
		return;
	}
	send_or_die(SL_FRAME_RESULT, id, s, n);
}

int
main(int argc, char **argv)
{
	struct sl_context ctx;
	struct start st;
	struct sl_buf buf = SL_BUF_INIT, out = SL_BUF_INIT;
	struct sl_frame f;
	char path[64];
	void *so;
	init_fn *init;
	handler_fn *handler;

	if (argc > 1 && strcmp(argv[1], "--spawner") == 0)
		(void)sl_worker_spawner(); /* returns in a new worker */
	/* Nothing of the parent's beyond fds 0-5 (see worker.h). */
	syscall(SYS_close_range, 6u, ~0u, 0u);
	reset_signals();
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&ctx, 0, sizeof(ctx));
	memset(&st, 0, sizeof(st));
	sl_buf_init(&buf);
	sl_buf_init(&out);
	sl_worker_ipc_remember();
	start(&st, &ctx, &buf);

	snprintf(path, sizeof(path), "/proc/self/fd/%d", SL_WORKER_FD_SO);
	so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (so == NULL) {
		const char *e = dlerror();
		size_t pl = strlen(path);

		/* The loader names the memfd; name the function's file. */
		if (e != NULL && strncmp(e, path, pl) == 0 && e[pl] == ':')
			e += pl + 2;
		fatal("Runtime.InvalidEntrypoint", "%s: %s", st.file,
		    e ? e : "cannot be loaded");
	}
	close(SL_WORKER_FD_SO);
	*(void **)&handler = dlsym(so, st.handler);
	if (handler == NULL)
		fatal("Runtime.InvalidEntrypoint",
		    "%s: handler symbol '%s' is undefined", st.file,
		    st.handler);
	*(void **)&init = dlsym(so, "init");
	if (init != NULL) {
		int rc;

		ctx.request_id = "";
		rc = init(&ctx);
		fflush(stdout);
		fflush(stderr);
		if (rc != 0 || ctx.failed)
			fatal("Runtime.InitError", "%s%s%s",
			    ctx.err_type ? ctx.err_type
			                 : "init returned "
			                   "an error",
			    ctx.err_msg ? ": " : "",
			    ctx.err_msg ? ctx.err_msg : "");
	}
	send_or_die(SL_FRAME_READY, 0, NULL, 0);

	for (;;) {
		cJSON *event, *result = NULL;
		const char *rid, *key, *body;
		size_t rlen, klen;
		int rc;

		/* No handler code ran since the last send checked the
		 * channel. */
		wait_readable(SL_WORKER_FD_IPC);
		if (sl_frame_read_one(
		        SL_WORKER_FD_IPC, &buf, &f, SL_FRAME_MAX) < 0)
			_exit(errno == 0 ? 0 : SL_WORKER_EXIT_IPC);
		if (f.type != SL_FRAME_INVOKE && f.type != SL_FRAME_INVOKE_NEXT)
			_exit(SL_WORKER_EXIT_IPC);
		/* requestId '\0' key '\0' event JSON */
		rid = buf.data;
		rlen = strnlen(rid, buf.len);
		if (rlen + 1 >= buf.len)
			_exit(SL_WORKER_EXIT_IPC);
		key = rid + rlen + 1;
		klen = strnlen(key, buf.len - rlen - 1);
		if (rlen + klen + 2 > buf.len)
			_exit(SL_WORKER_EXIT_IPC);
		body = key + klen + 1;
		sl_worker_invoke_begin(f.id);
		ctx.deadline_ms = f.deadline_ms;
		if (f.type == SL_FRAME_INVOKE_NEXT) {
			/* Without the mark the host would take a start that
			 * ended badly for one that never began, and run it
			 * again: a handler that replaced fd 2 ends this
			 * worker instead, and the host runs it elsewhere. */
			if (!sl_worker_log_intact())
				_exit(SL_WORKER_EXIT_IPC);
			ctx.deadline_ms += sl_loop_wall_ms();
			mark_start(f.id);
		}
		event = cJSON_ParseWithLength(body, buf.len - rlen - klen - 2);
		ctx.request_id = rid;
		ctx.key = key;
		sl_worker_ctx_reset(&ctx);
		if (event == NULL) {
			send_error(SL_FRAME_RTERROR, f.id,
			    "Runtime.InvalidRequest",
			    "the event is not valid JSON");
			sl_worker_invoke_end();
			continue;
		}
		rc = handler(event, &ctx, &result);
		cJSON_Delete(event);
		reply(&ctx, f.id, rc, result, &out);
		sl_buf_reset_max(&out, 64 * 1024);
		sl_worker_invoke_end();
		sl_worker_ctx_reset(&ctx);
	}
}
