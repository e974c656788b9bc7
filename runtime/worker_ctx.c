/* The handler ABI of include/sluice.h, implemented inside the worker image,
 * plus the allocation watch that reports out-of-memory to the host. */
#include "runtime/frame.h"
#include "runtime/worker.h"
#include "common/buf.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ERR_MSG_MAX (64 * 1024)
#define PUBLISH_MAX (256 * 1024)

static uint64_t cur_id;
static volatile int in_invoke;
static volatile int oom_seen;
static dev_t ipc_dev;
static ino_t ipc_ino;
/* An invocation the host sent ahead that arrived while sl_publish waited
 * for its PUBACK: the host sends at most one ahead, so one slot is
 * enough. */
static struct sl_buf stash_buf = SL_BUF_INIT;
static struct sl_frame stash_frame;
static int stashed;

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

void
sl_worker_ipc_remember(void)
{
	struct stat st;

	if (fstat(SL_WORKER_FD_IPC, &st) == 0) {
		ipc_dev = st.st_dev;
		ipc_ino = st.st_ino;
	}
}

void
sl_worker_ipc_check(void)
{
	struct stat st;

	if (fstat(SL_WORKER_FD_IPC, &st) < 0 || st.st_dev != ipc_dev ||
	    st.st_ino != ipc_ino) {
		static const char m[] =
		    "sluice-worker: the IPC channel was closed or replaced\n";

		(void)write(2, m, sizeof(m) - 1);
		_exit(SL_WORKER_EXIT_IPC);
	}
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

static void
buf_swap(struct sl_buf *a, struct sl_buf *b)
{
	struct sl_buf t = *a;

	*a = *b;
	*b = t;
}

int
sl_worker_next_frame(struct sl_buf *buf, struct sl_frame *f)
{
	if (stashed) {
		stashed = 0;
		buf_swap(buf, &stash_buf);
		*f = stash_frame;
		f->payload = buf->data;
		return 0;
	}
	wait_readable(SL_WORKER_FD_IPC);
	return sl_frame_read_one(SL_WORKER_FD_IPC, buf, f, SL_FRAME_MAX);
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
	struct sl_frame f;
	cJSON *check;
	size_t mlen;
	int rc = -1;

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
	if (sl_frame_write_all(SL_WORKER_FD_IPC, SL_FRAME_PUBLISH, cur_id, 0,
	        b.data, b.len) < 0)
		_exit(SL_WORKER_EXIT_IPC);
	for (;;) {
		if (sl_frame_read_one(SL_WORKER_FD_IPC, &b, &f, SL_FRAME_MAX) <
		    0)
			_exit(SL_WORKER_EXIT_IPC);
		if (f.type == SL_FRAME_PUBACK)
			break;
		/* The next invocation, sent ahead: keep it for the loop. */
		if (f.type != SL_FRAME_INVOKE_NEXT || stashed)
			_exit(SL_WORKER_EXIT_IPC);
		buf_swap(&b, &stash_buf);
		stash_frame = f;
		stashed = 1;
	}
	if (f.len == 0)
		rc = 0;
	else
		errno = EINVAL;
	sl_buf_release(&b);
	return rc;
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
	struct timespec ts;
	int64_t now;

	if (ctx == NULL || ctx->deadline_ms == 0)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
