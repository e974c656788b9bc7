/* The handler ABI of include/sluice.h, implemented inside the worker image,
 * plus the allocation watch that reports out-of-memory to the host. */
#include "runtime/frame.h"
#include "runtime/worker.h"
#include "common/buf.h"
#include "common/loop.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ERR_MSG_MAX (64 * 1024)
#define PUBLISH_MAX (256 * 1024)

static uint64_t cur_id;
static volatile int in_invoke;
static volatile int oom_seen;
/* What fds SL_WORKER_FD_IPC and 2 were at start (fd_same). */
struct fd_id {
	dev_t dev;
	ino_t ino;
};
static struct fd_id ipc_id, log_id;

/* glibc's allocator entry points; the worker's own malloc/calloc/realloc
 * wrap them (the executable's definitions win for every library, the
 * handler included) to notice allocation failures under RLIMIT_AS. */
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void *malloc(size_t n);
void *calloc(size_t n, size_t m);
void *realloc(void *p, size_t n);

static void
note_oom(void)
{
	if (oom_seen)
		return;
	oom_seen = 1;
	if (in_invoke)
		(void)sl_frame_write_all(
		    SL_WORKER_FD_IPC, SL_FRAME_MEMFAIL, cur_id, 0, NULL, 0);
}

void *
malloc(size_t n)
{
	void *p = __libc_malloc(n);

	if (p == NULL && n > 0)
		note_oom();
	return p;
}

void *
calloc(size_t n, size_t m)
{
	void *p = __libc_calloc(n, m);

	if (p == NULL && n > 0 && m > 0)
		note_oom();
	return p;
}

void *
realloc(void *p, size_t n)
{
	void *q = __libc_realloc(p, n);

	if (q == NULL && n > 0)
		note_oom();
	return q;
}

void
sl_worker_invoke_begin(uint64_t id)
{
	cur_id = id;
	oom_seen = 0;
	in_invoke = 1;
}

void
sl_worker_invoke_end(void)
{
	in_invoke = 0;
}

int
sl_worker_oom_seen(void)
{
	return oom_seen;
}

static void
fd_remember(int fd, struct fd_id *id)
{
	struct stat st;

	if (fstat(fd, &st) == 0) {
		id->dev = st.st_dev;
		id->ino = st.st_ino;
	}
}

/* Whether fd is still the file it was when remembered. */
static int
fd_same(int fd, const struct fd_id *id)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_dev == id->dev &&
	    st.st_ino == id->ino;
}

void
sl_worker_ipc_remember(void)
{
	fd_remember(SL_WORKER_FD_IPC, &ipc_id);
	fd_remember(2, &log_id);
}

int
sl_worker_log_intact(void)
{
	return fd_same(2, &log_id);
}

void
sl_worker_ipc_check(void)
{
	if (!fd_same(SL_WORKER_FD_IPC, &ipc_id)) {
		static const char m[] =
		    "sluice-worker: the IPC channel was closed or replaced\n";

		(void)write(2, m, sizeof(m) - 1);
		_exit(SL_WORKER_EXIT_IPC);
	}
}

void
sl_worker_ctx_reset(struct sl_context *ctx)
{
	free(ctx->err_type);
	free(ctx->err_msg);
	ctx->err_type = NULL;
	ctx->err_msg = NULL;
	ctx->failed = 0;
}

int
sl_error(sl_context *ctx, const char *type, const char *fmt, ...)
{
	struct sl_buf b = SL_BUF_INIT;
	va_list ap;

	if (ctx == NULL)
		return -1;
	sl_worker_ctx_reset(ctx);
	sl_buf_init(&b);
	va_start(ap, fmt);
	sl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (b.len > ERR_MSG_MAX) {
		b.len = ERR_MSG_MAX;
		b.data[b.len] = '\0';
	}
	ctx->err_type = strdup(type != NULL && *type ? type : "HandlerError");
	ctx->err_msg = sl_buf_detach(&b, NULL);
	ctx->failed = 1;
	return -1;
}

void
sl_log(sl_context *ctx, const char *fmt, ...)
{
	struct sl_buf b = SL_BUF_INIT;
	va_list ap;
	size_t off = 0;

	(void)ctx;
	sl_buf_init(&b);
	va_start(ap, fmt);
	sl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (b.len == 0 || b.data[b.len - 1] != '\n')
		sl_buf_addch(&b, '\n');
	/* Keep the order of what the handler printed before this line. */
	fflush(stdout);
	fflush(stderr);
	while (off < b.len) {
		ssize_t n = write(2, b.data + off, b.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	sl_buf_release(&b);
}

static int
topic_valid(const char *t)
{
	size_t n = 0;

	for (; *t; t++, n++)
		if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') ||
		        (*t >= '0' && *t <= '9') || *t == '_' || *t == '-' ||
		        *t == '.' || *t == ':'))
			return 0;
	return n >= 1 && n <= 256;
}

int
sl_publish(sl_context *ctx, const char *topic, const char *message_json)
{
	struct sl_buf b = SL_BUF_INIT;
	cJSON *check;
	size_t mlen;

	(void)ctx;
	if (topic == NULL || message_json == NULL || !topic_valid(topic)) {
		errno = EINVAL;
		return -1;
	}
	mlen = strlen(message_json);
	if (mlen > PUBLISH_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	check = cJSON_ParseWithLength(message_json, mlen);
	if (check == NULL) {
		errno = EINVAL;
		return -1;
	}
	cJSON_Delete(check);
	sl_worker_ipc_check();
	sl_buf_init(&b);
	sl_buf_addf(&b, "{\"topic\":\"%s\",\"message\":", topic);
	sl_buf_add(&b, message_json, mlen);
	sl_buf_addch(&b, '}');
	/* No reply to wait for: the host reads this frame before the
	 * invocation's result, which follows it on the same socket. A full
	 * socket blocks here until the host has read what came before. */
	if (sl_frame_write_all(SL_WORKER_FD_IPC, SL_FRAME_PUBLISH, cur_id, 0,
	        b.data, b.len) < 0)
		_exit(SL_WORKER_EXIT_IPC);
	sl_buf_release(&b);
	return 0;
}

const char *
sl_request_id(const sl_context *ctx)
{
	return ctx && ctx->request_id ? ctx->request_id : "";
}

const char *
sl_function_name(const sl_context *ctx)
{
	return ctx && ctx->name ? ctx->name : "";
}

const char *
sl_function_arn(const sl_context *ctx)
{
	return ctx && ctx->arn ? ctx->arn : "";
}

int
sl_memory_limit_mb(const sl_context *ctx)
{
	return ctx ? ctx->memory_mb : 0;
}

int64_t
sl_deadline_ms(const sl_context *ctx)
{
	return ctx ? ctx->deadline_ms : 0;
}

int64_t
sl_remaining_ms(const sl_context *ctx)
{
	int64_t now;

	if (ctx == NULL || ctx->deadline_ms == 0)
		return 0;
	now = sl_loop_wall_ms();
	return ctx->deadline_ms > now ? ctx->deadline_ms - now : 0;
}

const char *
sl_getenv(const sl_context *ctx, const char *name)
{
	(void)ctx;
	return name ? getenv(name) : NULL;
}

const char *
sl_idempotency_key(const sl_context *ctx)
{
	if (ctx == NULL)
		return "";
	if (ctx->key != NULL && ctx->key[0] != '\0')
		return ctx->key;
	return sl_request_id(ctx);
}

const char *
sl_function_dir(const sl_context *ctx)
{
	return ctx && ctx->dir ? ctx->dir : "";
}
