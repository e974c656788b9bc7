/* The pool: worker processes (spawn from the spawner or by exec, the IPC
 * frames, captured logs, deadlines, join on exit + EOF) and the scheduling
 * of queued invocations onto warm or new workers within the limits. */
#include "runtime/pool.h"
#include "runtime/spawner.h"
#include "common/json.h"
#include "common/xmalloc.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

int
sl_pool_fd_high(int fd)
{
	int n;

	if (fd < 0 || fd >= 10)
		return fd;
	n = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	close(fd);
	return n;
}

static const char *
signal_text(int sig)
{
	switch (sig) {
	case SIGSEGV:
		return "segmentation fault";
	case SIGABRT:
		return "aborted";
	case SIGKILL:
		return "killed";
	case SIGBUS:
		return "bus error";
	case SIGILL:
		return "illegal instruction";
	case SIGFPE:
		return "floating point exception";
	case SIGTERM:
		return "terminated";
	case SIGSYS:
		return "bad system call";
	case SIGTRAP:
		return "trace/breakpoint trap";
	case SIGPIPE:
		return "broken pipe";
	case SIGXCPU:
		return "CPU time limit exceeded";
	case SIGXFSZ:
		return "file size limit exceeded";
	default:
		return NULL;
	}
}

void
sl_pool_status_text(int status, char *out, size_t n)
{
	if (WIFSIGNALED(status)) {
		const char *t = signal_text(WTERMSIG(status));

		if (t != NULL)
			snprintf(out, n, "signal: %s", t);
		else
			snprintf(out, n, "signal: %d", WTERMSIG(status));
	} else {
		snprintf(out, n, "exit status %d", WEXITSTATUS(status));
	}
}

/* --- workers -------------------------------------------------------------- */

static void
worker_uncount(struct sl_worker *w)
{
	if (!w->counted)
		return;
	w->counted = 0;
	w->host->active--;
	w->fn->active--;
	if (w->state == W_STARTING && !w->probe)
		w->fn->starting--;
}

void
sl_pool_free_worker(struct sl_worker *w)
{
	struct sl_host *h = w->host;

	worker_uncount(w);
	sl_loop_timer_stop(h->loop, &w->idle);
	if (w->spawning) {
		struct sl_worker **pp = &h->spawn_head, *last = NULL;

		while (*pp != NULL && *pp != w) {
			last = *pp;
			pp = &(*pp)->snext;
		}
		if (*pp == w) {
			*pp = w->snext;
			if (h->spawn_tail == w)
				h->spawn_tail = last;
			h->spawns_pending--;
		}
	}
	if (w->child_sock >= 0)
		close(w->child_sock);
	if (w->child_log >= 0)
		close(w->child_log);
	if (w->sock >= 0) {
		sl_loop_unwatch(h->loop, w->sock);
		close(w->sock);
	}
	if (w->logfd >= 0) {
		sl_loop_unwatch(h->loop, w->logfd);
		close(w->logfd);
	}
	if (w->pidfd >= 0) {
		sl_loop_unwatch(h->loop, w->pidfd);
		close(w->pidfd);
	}
	if (w->prev)
		w->prev->next = w->next;
	else if (h->workers == w)
		h->workers = w->next;
	if (w->next)
		w->next->prev = w->prev;
	if (w->fn->probe == w)
		w->fn->probe = NULL;
	sl_frame_dec_release(&w->dec);
	sl_frame_wq_release(&w->wq);
	sl_buf_release(&w->line);
	sl_host_version_unref(w->ver);
	free(w->fatal_type);
	free(w->fatal_msg);
	free(w);
}

/* Whose output the log carries now (NULL: no running invocation's). */
static struct sl_invocation *
log_owner(const struct sl_worker *w)
{
	if (w->inv != NULL && w->inv->id == w->log_id)
		return w->inv;
	if (w->ahead != NULL && w->ahead->id == w->log_id)
		return w->ahead;
	return NULL;
}

/* Log n bytes of w->line as one line (nl: the worker ended it with a
 * newline), then drop them from it. */
static void
log_emit(struct sl_worker *w, size_t n, int nl)
{
	struct sl_invocation *inv = log_owner(w);

	if (inv != NULL) {
		sl_host_inv_log(inv, w->line.data, n);
		if (nl)
			sl_host_inv_log(inv, "\n", 1);
	}
	sl_host_fn_log_line(w->fn, inv ? inv->rid : "", w->line.data, n);
	sl_buf_consume(&w->line, n);
}

/* A whole line is in w->line. When it ends with the start mark of an
 * invocation sent ahead (still waiting, or already taken as w->inv), the
 * text before the mark (unfinished output of the one before) is the last
 * of the old owner's, and the mark itself is not logged. */
static void
log_line_end(struct sl_worker *w)
{
	static const char mark[] = SL_FRAME_START_MARK;
	const size_t ml = sizeof(mark) - 1;
	const char *l = w->line.data;
	size_t n = w->line.len, d = n;
	uint64_t id;

	while (d > 0 && l[d - 1] >= '0' && l[d - 1] <= '9')
		d--;
	if (d == n || n - d > 20 || d < ml ||
	    memcmp(l + d - ml, mark, ml) != 0) {
		log_emit(w, n, 1);
		return;
	}
	id = strtoull(l + d, NULL, 10);
	if ((w->ahead == NULL || w->ahead->id != id) &&
	    (w->inv == NULL || w->inv->id != id)) {
		log_emit(w, n, 1); /* not one of ours: plain text */
		return;
	}
	if (d > ml)
		log_emit(w, d - ml, 0);
	w->log_id = id;
	sl_buf_reset(&w->line);
}

static void
worker_log_bytes(struct sl_worker *w, const char *p, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;

		if (w->line.len + k > SL_POOL_LINE_MAX)
			k = SL_POOL_LINE_MAX - w->line.len;
		sl_buf_add(&w->line, p, k);
		p += k;
		n -= k;
		if (nl != NULL && p == nl) {
			p++;
			n--;
			log_line_end(w);
		} else if (w->line.len >= SL_POOL_LINE_MAX) {
			/* A long line is logged in pieces; its last bytes wait
			 * for the rest, in case a start mark ends it. */
			log_emit(w, w->line.len - SL_POOL_LINE_KEEP, 0);
		}
	}
}

/* Log what is left of an unfinished line, when nothing more of it can
 * come from its owner. */
static void
log_flush(struct sl_worker *w)
{
	if (w->line.len > 0)
		log_emit(w, w->line.len, 0);
}

/* Read what the worker printed; at most max bytes (fairness), all that
 * is there when max is 0. */
static void
worker_read_log(struct sl_worker *w, size_t max)
{
	char buf[65536];
	size_t got = 0;

	while (w->logfd >= 0 && (max == 0 || got < max)) {
		ssize_t n = read(w->logfd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			sl_loop_unwatch(w->host->loop, w->logfd);
			close(w->logfd);
			w->logfd = -1;
			log_flush(w);
			return;
		}
		worker_log_bytes(w, buf, (size_t)n);
		got += (size_t)n;
		/* A short read took all the pipe held (level-triggered: more
		 * will be reported); spare the read that says EAGAIN. */
		if ((size_t)n < sizeof(buf))
			return;
	}
}

/* inv's run on w is over: take all it printed. The worker wrote it before
 * its reply, so it is in the pipe now; what follows is the next's. */
static void
worker_settle_log(struct sl_worker *w, struct sl_invocation *inv)
{
	worker_read_log(w, 0);
	if (log_owner(w) == inv)
		log_flush(w);
}

static void
log_cb(void *arg, int fd, unsigned events)
{
	(void)fd;
	(void)events;
	worker_read_log(arg, SL_POOL_LOG_READ_MAX);
}

void
sl_pool_kill(struct sl_worker *w)
{
	if (!w->exited && w->pidfd >= 0)
		(void)syscall(
		    SYS_pidfd_send_signal, w->pidfd, SIGKILL, NULL, 0);
}

/* The worker is going away: no more work for it; it is freed once both
 * its exit and its socket's EOF have been seen. */
void
sl_pool_retire(struct sl_worker *w)
{
	worker_uncount(w);
	w->state = W_DEAD;
	sl_loop_timer_stop(w->host->loop, &w->idle);
	sl_pool_kill(w);
}

static void worker_join_check(struct sl_worker *w);
static void fd_watch_cb(void *arg, int fd, unsigned events);

/* Queue bytes for the worker and start writing. */
static void
worker_flush(struct sl_worker *w)
{
	int rc = sl_frame_wq_flush(&w->wq, w->sock);
	unsigned ev = SL_LOOP_READ;

	if (rc < 0) {
		sl_pool_retire(w);
		return;
	}
	if (rc == 0)
		ev |= SL_LOOP_WRITE;
	if ((rc == 0) != w->want_write) {
		w->want_write = rc == 0;
		(void)sl_loop_watch(w->host->loop, w->sock, ev, fd_watch_cb, w);
	}
}

static const char *
fn_timeout_text(const struct sl_invocation *inv, char *buf, size_t n)
{
	double s = inv->w && inv->w->ver ? inv->w->ver->cfg.timeout_s : 3;

	if (inv->cap_ms > 0 && (double)inv->cap_ms / 1000.0 < s)
		s = (double)inv->cap_ms / 1000.0;
	snprintf(buf, n, "%.2f", s);
	return buf;
}

static void
deadline_cb(struct sl_timer *t)
{
	struct sl_invocation *inv = t->arg;
	struct sl_worker *w = inv->w;
	char msg[160], secs[32];

	snprintf(msg, sizeof(msg),
	    "RequestId: %s Error: Task timed out after %s seconds", inv->rid,
	    fn_timeout_text(inv, secs, sizeof(secs)));
	sl_host_inv_set_error(inv, "Unhandled", "Sandbox.Timedout", msg);
	if (w != NULL) {
		worker_settle_log(w, inv);
		w->inv = NULL;
		sl_pool_retire(w);
	}
	inv->w = NULL;
	inv->duration_us = sl_loop_now_us() - inv->start_us;
	sl_host_inv_complete(inv);
}

/* inv's time limit on a worker of version v: the function's Timeout, or
 * the caller's cap when that is lower. */
static uint64_t
inv_timeout_ms(const struct sl_invocation *inv, const struct sl_version *v)
{
	uint64_t ms = (uint64_t)(v->cfg.timeout_s * 1000.0 + 0.5);

	if (inv->cap_ms > 0 && inv->cap_ms < ms)
		ms = inv->cap_ms;
	return ms;
}

/* inv's run starts now: its duration and its deadline count from here. */
static void
inv_start_clock(struct sl_invocation *inv, uint64_t tmo_ms)
{
	inv->start_us = sl_loop_now_us();
	sl_timer_init(&inv->timer, deadline_cb, inv);
	sl_loop_timer_start(inv->host->loop, &inv->timer, tmo_ms * 1000u);
}

/* w is done with its invocation and already holds the next one, sent
 * ahead, which it is starting now. One cancelled meanwhile is stopped as
 * a cancel of a running invocation is: with its worker. */
static void
worker_take_next(struct sl_worker *w)
{
	struct sl_invocation *inv = w->ahead;

	w->ahead = NULL;
	if (inv->cancelled) {
		inv->w = NULL;
		sl_host_inv_drop(inv);
		sl_pool_retire(w);
	} else {
		w->inv = inv;
		inv_start_clock(inv, inv_timeout_ms(inv, w->ver));
	}
	sl_pool_pump(w->fn);
}

static void idle_cb(struct sl_timer *t);

/* A start (spawn, sandbox, load, init) gets the function's Timeout too; a
 * worker not ready by then is killed and the waiting invocation times
 * out. */
static void
start_timeout_cb(struct sl_timer *t)
{
	struct sl_worker *w = t->arg;

	if (w->state != W_STARTING)
		return;
	free(w->fatal_type);
	free(w->fatal_msg);
	w->fatal_type = xstrdup("Sandbox.Timedout");
	w->fatal_msg = xasprintf(
	    "Task timed out after %.2f seconds", w->ver->cfg.timeout_s);
	sl_pool_retire(w);
}

/* The worker is free again: keep it warm, or retire it when its version
 * is no longer the function's. */
void
sl_pool_idle(struct sl_worker *w)
{
	struct sl_function *fn = w->fn;

	w->state = W_IDLE;
	w->inv = NULL;
	w->last_used_us = sl_loop_now_us();
	if (fn->removed || w->ver != fn->cur || w->host->draining) {
		sl_pool_retire(w);
		sl_pool_pump(fn);
		return;
	}
	sl_loop_timer_stop(w->host->loop, &w->idle);
	sl_timer_init(&w->idle, idle_cb, w);
	sl_loop_timer_start(
	    w->host->loop, &w->idle, (uint64_t)w->host->idle_ms * 1000u);
	sl_pool_pump(fn);
}

static void
idle_cb(struct sl_timer *t)
{
	struct sl_worker *w = t->arg;

	if (w->state == W_IDLE)
		sl_pool_retire(w);
}

/* The invocation on w ended with a frame from the worker. */
static void
worker_finish(struct sl_worker *w, const struct sl_frame *f)
{
	struct sl_invocation *inv = w->inv;
	int keep = 1;

	worker_settle_log(w, inv);
	sl_loop_timer_stop(w->host->loop, &inv->timer);
	inv->duration_us = sl_loop_now_us() - inv->start_us;
	if (f->type == SL_FRAME_RESULT) {
		cJSON *check = cJSON_ParseWithLength(f->payload, f->len);

		if (check == NULL) {
			char msg[160];

			snprintf(msg, sizeof(msg),
			    "RequestId: %s Error: "
			    "Runtime returned an invalid response: not valid "
			    "JSON",
			    inv->rid);
			sl_host_inv_set_error(
			    inv, "Unhandled", "Runtime.InvalidResponse", msg);
		} else {
			cJSON_Delete(check);
			sl_host_inv_set_result(inv, 200, f->payload, f->len);
			inv->function_error = NULL;
		}
	} else if (inv->oom) {
		char msg[200];

		snprintf(msg, sizeof(msg),
		    "RequestId: %s Error: Runtime ran "
		    "out of memory (MemorySize %u MB)",
		    inv->rid, w->ver->cfg.memory_mb);
		sl_host_inv_set_error(
		    inv, "Unhandled", "Runtime.OutOfMemory", msg);
		keep = 0;
	} else {
		sl_host_inv_set_error_json(inv,
		    f->type == SL_FRAME_ERROR ? "Handled" : "Unhandled",
		    f->payload, f->len);
	}
	inv->w = NULL;
	w->inv = NULL;
	if (!keep)
		sl_pool_retire(w);
	else if (w->ahead != NULL)
		worker_take_next(w);
	else
		sl_pool_idle(w);
	sl_host_inv_complete(inv);
}

static void
worker_protocol_error(struct sl_worker *w, const char *why)
{
	struct sl_invocation *inv = w->inv;

	if (inv != NULL) {
		char msg[256];

		snprintf(msg, sizeof(msg),
		    "RequestId: %s Error: Runtime broke "
		    "the IPC protocol: %s",
		    inv->rid, why);
		worker_settle_log(w, inv);
		sl_loop_timer_stop(w->host->loop, &inv->timer);
		inv->duration_us = sl_loop_now_us() - inv->start_us;
		sl_host_inv_set_error(
		    inv, "Unhandled", "Runtime.InvalidResponse", msg);
		inv->w = NULL;
		w->inv = NULL;
		sl_pool_retire(w);
		sl_host_inv_complete(inv);
		return;
	}
	if (w->fatal_type == NULL) {
		w->fatal_type = xstrdup("Runtime.InvalidResponse");
		w->fatal_msg =
		    xasprintf("Runtime broke the IPC protocol: %s", why);
	}
	sl_pool_retire(w);
}

static void
worker_ready(struct sl_worker *w)
{
	sl_loop_timer_stop(w->host->loop, &w->idle);
	if (w->probe) {
		sl_host_probe_done(w, 1);
		return;
	}
	w->fn->starting--;
	w->state = W_IDLE;
	w->fresh = 1;
	w->ever_ready = 1;
	sl_pool_idle(w);
}

/* A message the handler published. Its worker does not wait for an
 * answer; one that is not {"topic": string, "message": ...} (sl_publish
 * never sends such) is the worker breaking the protocol. Returns -1 when
 * w was retired for it. */
static int
worker_publish(struct sl_worker *w, const struct sl_frame *f)
{
	struct sl_host *h = w->host;
	cJSON *o = cJSON_ParseWithLength(f->payload, f->len);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "topic");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "message");
	char *msg;

	if (!cJSON_IsString(t) || m == NULL) {
		cJSON_Delete(o);
		worker_protocol_error(w, "malformed publish");
		return -1;
	}
	msg = sl_json_print(m);
	if (h->on_publish != NULL && msg != NULL)
		h->on_publish(h->cb_arg, w->fn->name, t->valuestring, msg);
	cJSON_free(msg);
	cJSON_Delete(o);
	return 0;
}

/* Handle the frames that have arrived; returns -1 once w is retired. */
static int
worker_frames(struct sl_worker *w)
{
	struct sl_frame f;
	int rc;

	while (w->state != W_DEAD) {
		uint32_t peek = sl_frame_dec_peek_len(&w->dec);

		if (w->state == W_BUSY && peek > SL_INVOKE_SYNC_MAX + 4096u &&
		    peek <= SL_FRAME_MAX &&
		    sl_frame_dec_peek_type(&w->dec) == SL_FRAME_RESULT) {
			struct sl_invocation *inv = w->inv;
			char msg[200];

			snprintf(msg, sizeof(msg),
			    "Response payload size "
			    "(%u bytes) exceeded maximum allowed payload size "
			    "(%u bytes).",
			    peek, SL_INVOKE_SYNC_MAX);
			worker_settle_log(w, inv);
			sl_loop_timer_stop(w->host->loop, &inv->timer);
			sl_host_inv_set_error(inv, "Unhandled",
			    "Function.ResponseSizeTooLarge", msg);
			inv->w = NULL;
			w->inv = NULL;
			sl_pool_retire(w);
			sl_host_inv_complete(inv);
			return -1;
		}
		rc = sl_frame_dec_next(&w->dec, &f);
		if (rc == 0)
			return 0;
		if (rc < 0) {
			worker_protocol_error(w, "malformed frame");
			return -1;
		}
		switch (f.type) {
		case SL_FRAME_READY:
			if (w->state != W_STARTING)
				goto bad;
			worker_ready(w);
			break;
		case SL_FRAME_FATAL:
			if (w->state != W_STARTING)
				goto bad;
			{
				cJSON *o =
				    cJSON_ParseWithLength(f.payload, f.len);
				const cJSON *t =
				    cJSON_GetObjectItem(o, "errorType");
				const cJSON *m =
				    cJSON_GetObjectItem(o, "errorMessage");

				free(w->fatal_type);
				free(w->fatal_msg);
				w->fatal_type = xstrdup(
				    cJSON_IsString(t) ? t->valuestring
				                      : "Runtime.ExitError");
				w->fatal_msg = xstrdup(
				    cJSON_IsString(m) ? m->valuestring : "");
				cJSON_Delete(o);
			}
			sl_pool_retire(w);
			return -1;
		case SL_FRAME_RESULT:
		case SL_FRAME_ERROR:
		case SL_FRAME_RTERROR:
			if (w->state != W_BUSY || f.id != w->inv->id)
				goto bad;
			if (f.type == SL_FRAME_RESULT &&
			    f.len > SL_INVOKE_SYNC_MAX) {
				/* worker_frames' peek handles the rest. */
				goto bad;
			}
			worker_finish(w, &f);
			break;
		case SL_FRAME_PUBLISH:
			if (w->state != W_BUSY && w->state != W_STARTING)
				goto bad;
			if (worker_publish(w, &f) < 0)
				return -1;
			break;
		case SL_FRAME_MEMFAIL:
			if (w->inv != NULL && f.id == w->inv->id)
				w->inv->oom = 1;
			break;
		default:
			goto bad;
		}
	}
	return -1;
bad:
	worker_protocol_error(w, "unexpected frame");
	return -1;
}

static void
sock_cb(void *arg, int fd, unsigned events)
{
	struct sl_worker *w = arg;
	size_t got = 0;

	(void)fd;
	if (events & SL_LOOP_WRITE) {
		worker_flush(w);
		if (w->state == W_DEAD && w->eof && w->exited)
			return;
	}
	if (!(events & (SL_LOOP_READ | SL_LOOP_HUP)))
		return;
	while (got < 4 * SL_POOL_READ_CHUNK && !w->eof) {
		ssize_t n =
		    sl_frame_dec_read(&w->dec, w->sock, SL_POOL_READ_CHUNK);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			w->eof = 1;
			sl_loop_unwatch(w->host->loop, w->sock);
			break;
		}
		got += (size_t)n;
		if (w->state != W_DEAD && worker_frames(w) < 0)
			break;
		/* A short read drained the socket (level-triggered: more
		 * will be reported); spare the read that says EAGAIN. */
		if ((size_t)n < SL_POOL_READ_CHUNK)
			break;
	}
	if (w->eof) {
		/* No more frames can come: the worker is of no use now. */
		sl_pool_kill(w);
		worker_join_check(w);
	}
}

/* The worker died (or we killed it) while it ran inv, already detached
 * from it: report that with the exit status. */
static void
worker_died(struct sl_worker *w, struct sl_invocation *inv)
{
	char st[64], msg[256];

	sl_pool_status_text(w->status, st, sizeof(st));
	sl_loop_timer_stop(w->host->loop, &inv->timer);
	inv->duration_us = sl_loop_now_us() - inv->start_us;
	snprintf(msg, sizeof(msg),
	    "RequestId: %s Error: Runtime "
	    "exited with error: %s",
	    inv->rid, st);
	sl_host_inv_set_error(inv, "Unhandled",
	    inv->oom ? "Runtime.OutOfMemory" : "Runtime.ExitError", msg);
	sl_host_inv_complete(inv);
}

/* w is gone with inv: its run, or the one sent ahead. Whether the worker
 * had started it shows in w->log_id: a dispatch sets it at once, a run
 * sent ahead only when its start mark is read, before the handler runs
 * (and the mark of a later run follows this one's result, which has
 * been read by now). One that started ended with the worker; one that
 * did not goes back first in its function's queue, for another worker. */
static void
worker_lost(struct sl_worker *w, struct sl_invocation *inv)
{
	if (w->ahead == inv)
		w->ahead = NULL;
	if (w->inv == inv)
		w->inv = NULL;
	inv->w = NULL;
	if (inv->cancelled)
		sl_host_inv_drop(inv);
	else if (w->log_id == inv->id) {
		if (inv->start_us == 0)
			inv->start_us = sl_loop_now_us();
		worker_died(w, inv);
	} else {
		sl_loop_timer_stop(w->host->loop, &inv->timer);
		sl_buf_reset(&inv->log);
		inv->oom = 0;
		inv->start_us = 0;
		sl_pool_requeue(w->fn, inv);
	}
}

/* A start that failed: the first queued invocation gets the reason. */
static void
start_failed(struct sl_worker *w)
{
	struct sl_function *fn = w->fn;
	struct sl_invocation *inv = fn->qhead;
	char st[64], msg[1200];

	if (w->fatal_type == NULL) {
		sl_pool_status_text(w->status, st, sizeof(st));
		w->fatal_type = xstrdup("Runtime.ExitError");
		w->fatal_msg = xasprintf("Runtime exited with error: %s", st);
	}
	if (inv == NULL || inv->state != I_QUEUED)
		return;
	/* A queued Event invocation is always the host's run (event set). */
	sl_pool_dequeue(fn, inv);
	snprintf(msg, sizeof(msg), "RequestId: %s Error: %s", inv->rid,
	    w->fatal_msg);
	sl_host_inv_set_error(inv, "Unhandled", w->fatal_type, msg);
	sl_host_inv_complete(inv);
}

static void
worker_join_check(struct sl_worker *w)
{
	struct sl_function *fn = w->fn;

	if (!w->eof || !w->exited)
		return;
	worker_read_log(w, 0);
	if (w->state != W_DEAD)
		worker_uncount(w);
	/* The one waiting first: requeued, it must end up behind the one
	 * before it. */
	if (w->ahead != NULL)
		worker_lost(w, w->ahead);
	if (w->quiet) {
		/* superseded; nobody waits for it */
	} else if (w->probe) {
		w->state = W_DEAD;
		sl_host_probe_done(w, 0);
	} else if (w->inv != NULL) {
		worker_lost(w, w->inv);
	} else if (!w->ever_ready) {
		start_failed(w);
	}
	w->state = W_DEAD;
	sl_pool_free_worker(w);
	sl_pool_pump(fn);
}

static void
pidfd_cb(void *arg, int fd, unsigned events)
{
	struct sl_worker *w = arg;
	siginfo_t si;

	(void)events;
	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG) < 0) {
		if (errno != ECHILD)
			return;
		/* Reaped behind our back (SIGCHLD ignored by the program
		 * hosting us): it is gone, the status is lost. */
		si.si_pid = w->pid;
		si.si_code = CLD_KILLED;
		si.si_status = SIGKILL;
	}
	if (si.si_pid == 0)
		return;
	w->exited = 1;
	if (si.si_code == CLD_EXITED)
		w->status = (si.si_status & 0xff) << 8;
	else
		w->status = si.si_status & 0x7f;
	sl_loop_unwatch(w->host->loop, w->pidfd);
	if (w->state != W_DEAD && w->inv == NULL && w->state != W_STARTING)
		worker_uncount(w);
	if (!w->eof) {
		/* The socket's EOF may not have been read yet. */
		sock_cb(w, w->sock, SL_LOOP_READ);
		return;
	}
	worker_join_check(w);
}

static void
fd_watch_cb(void *arg, int fd, unsigned events)
{
	struct sl_worker *w = arg;

	if (fd == w->sock)
		sock_cb(w, fd, events);
	else if (fd == w->logfd)
		log_cb(w, fd, events);
	else if (fd == w->pidfd)
		pidfd_cb(w, fd, events);
}

/* --- starting workers ----------------------------------------------------- */

static void
close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* Around starting a process from the loop's thread: with the loop pinned
 * (sl_host_pin_loop), the process takes the mask the loop had before. */
static void
spawn_mask_enter(struct sl_host *h)
{
	if (h->loop_pinned)
		(void)sched_setaffinity(
		    0, sizeof(h->child_cpus), &h->child_cpus);
}

static void
spawn_mask_leave(struct sl_host *h)
{
	if (h->loop_pinned)
		(void)sched_setaffinity(0, sizeof(h->loop_cpus), &h->loop_cpus);
}

/* Exec the worker image for w on its child ends. 0, or -1 with errno. */
static int
worker_exec(struct sl_worker *w)
{
	struct sl_host *h = w->host;
	struct sl_version *v = w->ver;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char *argv[] = {"sluice-worker", NULL};
	sigset_t none;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, w->child_log, 1);
	posix_spawn_file_actions_adddup2(&fa, w->child_log, 2);
	posix_spawn_file_actions_adddup2(&fa, w->child_sock, 3);
	posix_spawn_file_actions_adddup2(&fa, v->so_fd, 4);
	if (h->netns_fd >= 0 && v->cfg.network == SL_NET_NONE)
		posix_spawn_file_actions_adddup2(&fa, h->netns_fd, 5);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	spawn_mask_enter(h);
	rc = posix_spawn(&w->pid, h->worker_path, &fa, &attr, argv, v->envp);
	spawn_mask_leave(h);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc != 0) {
		w->pid = -1;
		errno = rc;
		return -1;
	}
	return 0;
}

/* w's process exists (w->pid): drop the child ends, join it through a
 * pidfd and watch its socket and log. On failure the process is killed
 * and reaped, and -1 returned with errno. */
static int
worker_attach(struct sl_worker *w)
{
	struct sl_loop *loop = w->host->loop;
	int e;

	close_fd(&w->child_sock);
	close_fd(&w->child_log);
	w->pidfd = (int)syscall(SYS_pidfd_open, w->pid, 0);
	if (w->pidfd >= 0) {
		(void)fcntl(w->pidfd, F_SETFD, FD_CLOEXEC);
		if (sl_loop_watch(loop, w->sock, SL_LOOP_READ, fd_watch_cb, w) ==
		        0 &&
		    sl_loop_watch(loop, w->logfd, SL_LOOP_READ, fd_watch_cb, w) ==
		        0 &&
		    sl_loop_watch(loop, w->pidfd, SL_LOOP_READ, fd_watch_cb, w) ==
		        0)
			return 0;
	}
	/* Without a pidfd the worker cannot be joined safely. */
	e = errno;
	sl_loop_unwatch(loop, w->sock);
	sl_loop_unwatch(loop, w->logfd);
	if (w->pidfd >= 0) {
		sl_loop_unwatch(loop, w->pidfd);
		close_fd(&w->pidfd);
	}
	kill(w->pid, SIGKILL);
	while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
		;
	w->pid = -1;
	errno = e;
	return -1;
}

/* A worker whose process could not be started after all (its spawn
 * failed and so did the exec): end it as a failed start. */
static void
worker_gone(struct sl_worker *w, int err)
{
	close_fd(&w->child_sock);
	close_fd(&w->child_log);
	if (w->fatal_type == NULL) {
		w->fatal_type = xstrdup("ServiceException");
		w->fatal_msg = xasprintf("could not start a worker (%s): %s",
		    w->host->worker_path, strerror(err));
	}
	w->exited = w->eof = 1;
	worker_join_check(w);
}

/* Fresh channels for w: a spawn that was lost with a broken spawner may
 * still have become a process holding the old child ends. */
static int
worker_new_channels(struct sl_worker *w)
{
	int sv[2] = {-1, -1}, lp[2] = {-1, -1};

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	if (pipe2(lp, O_CLOEXEC) < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	close_fd(&w->sock);
	close_fd(&w->logfd);
	close_fd(&w->child_sock);
	close_fd(&w->child_log);
	w->sock = sv[0];
	w->logfd = lp[0];
	w->child_sock = sl_pool_fd_high(sv[1]);
	w->child_log = sl_pool_fd_high(lp[1]);
	(void)fcntl(w->sock, F_SETFL, O_NONBLOCK);
	(void)fcntl(w->logfd, F_SETFL, O_NONBLOCK);
	return w->child_sock >= 0 && w->child_log >= 0 ? 0 : -1;
}

/* The spawn of w is over: pid is its process, or -1 when the spawner
 * could not make it (err) or is gone (lost set: then new channels). */
static void
spawn_done(struct sl_worker *w, pid_t pid, int err, int lost)
{
	w->spawning = 0;
	w->snext = NULL;
	if (pid <= 0 && w->state == W_DEAD) {
		/* Retired while pending, and no process came of it. */
		worker_gone(w, err);
		return;
	}
	if (pid <= 0) {
		/* The exec fallback. */
		if ((lost && worker_new_channels(w) < 0) || worker_exec(w) < 0) {
			worker_gone(w, errno);
			return;
		}
	} else {
		w->pid = pid;
	}
	if (worker_attach(w) < 0) {
		worker_gone(w, errno);
		return;
	}
	if (w->state == W_DEAD)
		sl_pool_kill(w); /* joined as usual */
	else
		worker_flush(w); /* its CONFIG frame */
}

static void spawner_cb(void *arg, int fd, unsigned events);

static void
spawner_watch(struct sl_host *h)
{
	int fd = sl_spawner_fd(h->spawner);

	if (h->spawner_watched || h->spawn_hold || !sl_spawner_alive(h->spawner))
		return;
	if (sl_loop_watch(h->loop, fd, SL_LOOP_READ, spawner_cb, h) == 0)
		h->spawner_watched = 1;
}

static void
spawner_unwatch(struct sl_host *h)
{
	if (!h->spawner_watched)
		return;
	sl_loop_unwatch(h->loop, sl_spawner_fd(h->spawner));
	h->spawner_watched = 0;
}

/* Time the spawner's silence from now while requests are pending. */
static void
spawn_timer_arm(struct sl_host *h)
{
	sl_loop_timer_stop(h->loop, &h->spawn_timer);
	if (h->spawns_pending > 0 && !h->spawn_hold)
		sl_loop_timer_start(h->loop, &h->spawn_timer,
		    (uint64_t)SL_POOL_SPAWN_WAIT_MS * 1000u);
}

static struct sl_worker *
spawn_pop(struct sl_host *h)
{
	struct sl_worker *w = h->spawn_head;

	if (w == NULL)
		return NULL;
	h->spawn_head = w->snext;
	if (h->spawn_head == NULL)
		h->spawn_tail = NULL;
	h->spawns_pending--;
	return w;
}

/* A child the host did not know, watched until it ends to be reaped. */
struct sl_stray {
	struct sl_stray *next;
	struct sl_host *host;
	int pidfd;
};

static void
stray_free(struct sl_stray *s)
{
	struct sl_stray **pp;

	for (pp = &s->host->strays; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	sl_loop_unwatch(s->host->loop, s->pidfd);
	close(s->pidfd);
	free(s);
}

static void
stray_cb(void *arg, int fd, unsigned events)
{
	siginfo_t si;

	(void)events;
	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG) < 0 ||
	    si.si_pid != 0)
		stray_free(arg);
}

/* Whether pid is one of h's workers or its spawner. */
static int
known_child(const struct sl_host *h, pid_t pid)
{
	const struct sl_worker *w;

	if (h->spawner != NULL && sl_spawner_pid(h->spawner) == pid)
		return 1;
	for (w = h->workers; w != NULL; w = w->next)
		if (w->pid == pid)
			return 1;
	return 0;
}

/* pid, a child the host does not know: named as a worker or as the
 * spawner, it is killed and watched until it can be reaped. */
static void
end_stray(struct sl_host *h, pid_t pid)
{
	char path[32], *comm;
	struct sl_stray *s;
	int fd, ours;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if ((comm = sl_read_file(path)) == NULL)
		return;
	comm[strcspn(comm, "\n")] = '\0';
	ours = strcmp(comm, "sluice-worker") == 0 ||
	    strcmp(comm, SL_SPAWNER_COMM) == 0;
	free(comm);
	if (!ours || (fd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0)
		return;
	(void)syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
	s = xcalloc(1, sizeof(*s));
	s->host = h;
	s->pidfd = fd;
	if (sl_loop_watch(h->loop, fd, SL_LOOP_READ, stray_cb, s) < 0) {
		close(fd);
		free(s);
		return;
	}
	s->next = h->strays;
	h->strays = s;
}

/* End the strays of a spawner that died with requests unanswered: it may
 * have cloned a worker (the host's child, CLONE_PARENT) and died before
 * sending its pid. Such a child, still named as the spawner or already as
 * a worker, holds the request's sockets, which the worker exec'd in its
 * place gets too: it is found among this process's children before that
 * exec and ended (end_stray). */
static void
end_strays(struct sl_host *h)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[64], *list, *p, *save = NULL;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%.20s/children",
		    e->d_name);
		if ((list = sl_read_file(path)) == NULL)
			continue;
		for (p = strtok_r(list, " \n", &save); p != NULL;
		     p = strtok_r(NULL, " \n", &save)) {
			pid_t pid = (pid_t)strtol(p, NULL, 10);

			if (pid > 0 && !known_child(h, pid))
				end_stray(h, pid);
		}
		free(list);
	}
	closedir(d);
}

/* At the host's end: strays still there are killed and reaped. */
void
sl_pool_strays_free(struct sl_host *h)
{
	siginfo_t si;

	while (h->strays != NULL) {
		(void)syscall(SYS_pidfd_send_signal, h->strays->pidfd, SIGKILL,
		    NULL, 0);
		while (waitid((idtype_t)P_PIDFD, (id_t)h->strays->pidfd, &si,
		           WEXITED) < 0 &&
		       errno == EINTR)
			;
		stray_free(h->strays);
	}
}

/* The spawner is dead or stuck: kill it, take the workers it did make
 * (their replies were sent before it died), exec the others, and stop it.
 * A new one is started with the next spawn. */
static void
spawner_broken(struct sl_host *h)
{
	struct sl_worker *w, *list;
	pid_t pid;
	int err;

	h->spawner_breaking = 1;
	spawner_unwatch(h);
	sl_loop_timer_stop(h->loop, &h->spawn_timer);
	sl_spawner_kill(h->spawner);
	while (h->spawn_head != NULL &&
	       sl_spawner_reply(h->spawner, &pid, &err) == 1)
		spawn_done(spawn_pop(h), pid, err, 0);
	sl_spawner_stop(h->spawner);
	if (h->spawn_head != NULL)
		end_strays(h);
	list = h->spawn_head;
	h->spawn_head = h->spawn_tail = NULL;
	h->spawns_pending = 0;
	while ((w = list) != NULL) {
		list = w->snext;
		spawn_done(w, -1, EPIPE, 1);
	}
	h->spawner_breaking = 0;
}

static void
spawner_cb(void *arg, int fd, unsigned events)
{
	struct sl_host *h = arg;
	struct sl_worker *w;
	pid_t pid;
	int rc, err;

	(void)fd;
	(void)events;
	while (!h->spawn_hold) {
		rc = sl_spawner_reply(h->spawner, &pid, &err);
		if (rc == 0)
			break;
		if (rc < 0) {
			spawner_broken(h);
			return;
		}
		w = spawn_pop(h);
		if (w == NULL) {
			/* A reply nobody asked for: never keep its process. */
			if (pid > 0) {
				kill(pid, SIGKILL);
				while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
					;
			}
			continue;
		}
		spawn_done(w, pid, err, 0);
	}
	spawn_timer_arm(h);
}

static void
spawn_timer_cb(struct sl_timer *t)
{
	struct sl_host *h = t->arg;

	/* Whatever has arrived first, then give up on the rest. */
	spawner_cb(h, sl_spawner_fd(h->spawner), SL_LOOP_READ);
	if (h->spawns_pending > 0 && !h->spawn_hold) {
		fprintf(stderr,
		    "sluice: the spawner did not answer in %u ms: "
		    "workers are exec'd\n",
		    SL_POOL_SPAWN_WAIT_MS);
		spawner_broken(h);
	}
}

/* A new spawner for h (NULL when it cannot start), watched. */
static void
spawner_new(struct sl_host *h)
{
	spawn_mask_enter(h);
	h->spawner = sl_spawner_new(h->worker_path, NULL);
	spawn_mask_leave(h);
	spawner_watch(h);
}

void
sl_pool_spawner_start(struct sl_host *h)
{
	sl_timer_init(&h->spawn_timer, spawn_timer_cb, h);
	spawner_new(h);
}

void
sl_pool_hold_spawns(struct sl_host *h, int hold)
{
	h->spawn_hold = hold != 0;
	if (h->spawn_hold)
		spawner_unwatch(h);
	else
		spawner_watch(h);
	spawn_timer_arm(h);
}

void
sl_pool_spawner_free(struct sl_host *h)
{
	struct sl_worker *w;

	if (h->spawner == NULL)
		return;
	spawner_unwatch(h);
	sl_loop_timer_stop(h->loop, &h->spawn_timer);
	/* Workers already asked for are the host's children: wait (bounded)
	 * for their pids to reap them. */
	while (h->spawns_pending > 0 && sl_spawner_alive(h->spawner)) {
		struct pollfd p = {sl_spawner_fd(h->spawner), POLLIN, 0};
		pid_t pid;
		int err, rc;

		if (poll(&p, 1, (int)SL_POOL_SPAWN_WAIT_MS) <= 0)
			break;
		rc = sl_spawner_reply(h->spawner, &pid, &err);
		if (rc < 0)
			break;
		if (rc == 0)
			continue;
		w = spawn_pop(h);
		if (w != NULL)
			w->spawning = 0;
		if (pid > 0) {
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
	}
	while ((w = spawn_pop(h)) != NULL)
		w->spawning = 0;
	sl_spawner_free(h->spawner);
	h->spawner = NULL;
}

/* Start a worker for version v of fn. */
struct sl_worker *
sl_pool_spawn(struct sl_function *fn, struct sl_version *v, int probe)
{
	struct sl_host *h = fn->host;
	struct sl_worker *w = xcalloc(1, sizeof(*w));
	int sv[2], lp[2];
	size_t jl;

	w->host = h;
	w->fn = fn;
	w->ver = sl_host_version_ref(v);
	w->sock = w->logfd = w->pidfd = -1;
	w->child_sock = w->child_log = -1;
	w->pid = -1;
	w->probe = probe;
	sl_frame_dec_init(&w->dec, SL_FRAME_MAX);
	sl_frame_wq_init(&w->wq);
	sl_buf_init(&w->line);
	sl_timer_init(&w->idle, idle_cb, w);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		goto fail;
	w->sock = sv[0];
	w->child_sock = sl_pool_fd_high(sv[1]);
	if (pipe2(lp, O_CLOEXEC) < 0)
		goto fail;
	w->logfd = lp[0];
	w->child_log = sl_pool_fd_high(lp[1]);
	if (w->child_sock < 0 || w->child_log < 0)
		goto fail;
	(void)fcntl(w->sock, F_SETFL, O_NONBLOCK);
	(void)fcntl(w->logfd, F_SETFL, O_NONBLOCK);

	/* The CONFIG frame: JSON with the host's pid, '\0', the filter. It
	 * is sent once the process exists. */
	jl = strlen(v->start_json);
	{
		size_t at = w->wq.buf.len;
		char pid[48];
		int pl = snprintf(
		    pid, sizeof(pid), ",\"ppid\":%ld}", (long)getpid());

		sl_frame_encode_hdr(&w->wq.buf, SL_FRAME_CONFIG, 0, 0, 0);
		sl_buf_add(&w->wq.buf, v->start_json, jl - 1);
		sl_buf_add(&w->wq.buf, pid, (size_t)pl);
		sl_buf_addch(&w->wq.buf, '\0');
		if (h->bpf != NULL)
			sl_buf_add(&w->wq.buf, h->bpf, h->bpf_len);
		sl_frame_patch_len(
		    &w->wq.buf, at, w->wq.buf.len - at - SL_FRAME_HDR);
	}

	if (h->spawner != NULL && !sl_spawner_alive(h->spawner) &&
	    !h->spawner_breaking && h->spawns_pending == 0 &&
	    h->spawner_restarts < 3) {
		/* It died (killed from outside?): start a new one. */
		spawner_unwatch(h);
		sl_spawner_free(h->spawner);
		spawner_new(h);
		h->spawner_restarts++;
	}
	if (sl_spawner_alive(h->spawner) &&
	    sl_spawner_request(h->spawner, w->child_log, w->child_sock,
	        v->so_fd,
	        h->netns_fd >= 0 && v->cfg.network == SL_NET_NONE
	            ? h->netns_fd
	            : -1,
	        v->envp) == 0) {
		/* Its pid comes with the spawner's reply (spawner_cb). */
		w->spawning = 1;
		if (h->spawn_tail != NULL)
			h->spawn_tail->snext = w;
		else
			h->spawn_head = w;
		h->spawn_tail = w;
		if (h->spawns_pending++ == 0)
			spawn_timer_arm(h);
	} else {
		/* No spawner, or it could not take the request: exec. When
		 * the request found it broken, the pending ones go too. */
		if (h->spawner != NULL && !sl_spawner_alive(h->spawner) &&
		    sl_spawner_fd(h->spawner) >= 0 && !h->spawner_breaking)
			spawner_broken(h);
		if (worker_exec(w) < 0 || worker_attach(w) < 0)
			goto fail;
	}
	w->state = W_STARTING;
	sl_timer_init(&w->idle, start_timeout_cb, w);
	sl_loop_timer_start(
	    h->loop, &w->idle, (uint64_t)(v->cfg.timeout_s * 1000000.0));
	w->counted = 1;
	h->active++;
	fn->active++;
	if (!probe)
		fn->starting++;
	w->next = h->workers;
	if (h->workers)
		h->workers->prev = w;
	h->workers = w;
	if (!w->spawning)
		worker_flush(w);
	return w;
fail:
	close_fd(&w->sock);
	close_fd(&w->logfd);
	close_fd(&w->child_sock);
	close_fd(&w->child_log);
	sl_frame_dec_release(&w->dec);
	sl_frame_wq_release(&w->wq);
	sl_buf_release(&w->line);
	sl_host_version_unref(w->ver);
	free(w);
	return NULL;
}

/* --- scheduling ----------------------------------------------------------- */

unsigned
sl_pool_limit(const struct sl_function *fn)
{
	const struct sl_host *h = fn->host;

	if (fn->cur != NULL && fn->cur->cfg.reserved >= 0)
		return (unsigned)fn->cur->cfg.reserved < h->max_workers
		           ? (unsigned)fn->cur->cfg.reserved
		           : h->max_workers;
	return h->max_workers;
}

/* An idle worker has become old enough to be reclaimed: pump the
 * queues. */
static void
evict_timer_cb(struct sl_timer *t)
{
	struct sl_host *h = t->arg;

	if (h->fns != NULL)
		sl_pool_pump(h->fns); /* and every other queue */
}

/* Make room for one more worker overall for fn by retiring the least
 * recently used idle worker of another function. A function with no
 * worker takes any; one with workers of its own only a worker idle
 * evict_idle_us, since its own will take its queue anyway: otherwise two
 * functions busy in turns (the stages of a workflow) take each other's
 * workers back and forth, each time paying a cold start. When the only
 * idle workers are younger, the queues are pumped again once the oldest
 * of them is old enough (its own workers may be busy for long). */
static int
evict_idle(struct sl_host *h, struct sl_function *fn)
{
	struct sl_worker *w, *best = NULL;
	uint64_t now = sl_loop_now_us(), young = UINT64_MAX;

	for (w = h->workers; w != NULL; w = w->next) {
		if (w->state != W_IDLE || w->fn == fn)
			continue;
		if (fn->active > 0 &&
		    now - w->last_used_us < h->evict_idle_us) {
			if (w->last_used_us < young)
				young = w->last_used_us;
			continue;
		}
		if (best == NULL || w->last_used_us < best->last_used_us)
			best = w;
	}
	if (best == NULL && young != UINT64_MAX) {
		struct sl_timer *t = &h->evict_timer;
		uint64_t at = young + h->evict_idle_us;

		if (!sl_timer_active(t))
			sl_timer_init(t, evict_timer_cb, h);
		if (!sl_timer_active(t) || at < t->due_us)
			sl_loop_timer_at(h->loop, t, at);
	}
	if (best == NULL)
		return -1;
	sl_pool_retire(best);
	return 0;
}

int
sl_pool_can_spawn(struct sl_function *fn)
{
	struct sl_host *h = fn->host;

	if (fn->cur == NULL || fn->active >= sl_pool_limit(fn))
		return 0;
	if (h->active >= h->max_workers && evict_idle(h, fn) < 0)
		return 0;
	return 1;
}

struct sl_worker *
sl_pool_idle_worker(struct sl_function *fn)
{
	struct sl_worker *w, *best = NULL;

	/* The most recently used idle worker: the warmest. */
	for (w = fn->host->workers; w != NULL; w = w->next)
		if (w->fn == fn && w->state == W_IDLE && w->ver == fn->cur &&
		    (best == NULL || w->last_used_us > best->last_used_us))
			best = w;
	return best;
}

/* Queue inv's INVOKE frame (of type type, with deadline as that type
 * wants it) for w. */
static void
inv_encode(struct sl_invocation *inv, struct sl_worker *w, uint16_t type,
    int64_t deadline)
{
	size_t rl = strlen(inv->rid), kl = inv->key ? strlen(inv->key) : 0;

	if (inv->want_tail)
		sl_buf_addf(&inv->log, "START RequestId: %s Version: $LATEST\n",
		    inv->rid);
	sl_frame_encode_hdr(&w->wq.buf, type, inv->id, deadline,
	    rl + kl + 2 + inv->payload_len);
	sl_buf_add(&w->wq.buf, inv->rid, rl + 1);
	sl_buf_add(&w->wq.buf, inv->key ? inv->key : "", kl + 1);
	sl_buf_add(&w->wq.buf, inv->payload, inv->payload_len);
}

static void
inv_dispatch(struct sl_invocation *inv, struct sl_worker *w)
{
	uint64_t tmo_ms;

	inv->state = I_RUNNING;
	inv->cold = w->fresh;
	w->fresh = 0;
	sl_loop_timer_stop(inv->host->loop, &w->idle);
	if (inv->type == SL_INVOKE_DRY_RUN) {
		inv->start_us = sl_loop_now_us();
		sl_host_inv_set_result(inv, 204, "", 0);
		w->state = W_IDLE;
		sl_pool_idle(w);
		sl_host_inv_complete(inv);
		return;
	}
	w->state = W_BUSY;
	w->inv = inv;
	w->log_id = inv->id;
	inv->w = w;
	tmo_ms = inv_timeout_ms(inv, w->ver);
	inv_encode(inv, w, SL_FRAME_INVOKE,
	    sl_loop_wall_ms() + (int64_t)tmo_ms);
	inv_start_clock(inv, tmo_ms);
	worker_flush(w);
}

/* A busy worker of fn to send its next invocation to ahead of time: the
 * one whose run started first, when fn's runs are short on average and
 * that run has not outlasted the same bound. NULL when there is none. */
static struct sl_worker *
ahead_worker(struct sl_function *fn)
{
	struct sl_host *h = fn->host;
	struct sl_worker *w, *best = NULL;
	uint64_t now;

	if (h->ahead_us == 0 || fn->stats.dur_n == 0 ||
	    fn->stats.avg_us >= h->ahead_us ||
	    fn->qhead->type == SL_INVOKE_DRY_RUN)
		return NULL;
	now = sl_loop_now_us();
	for (w = h->workers; w != NULL; w = w->next)
		if (w->fn == fn && w->state == W_BUSY && w->inv != NULL &&
		    w->ahead == NULL && w->ver == fn->cur &&
		    now - w->inv->start_us < h->ahead_us &&
		    (best == NULL || w->inv->start_us < best->inv->start_us))
			best = w;
	return best;
}

/* Send inv to w, which starts it when done with the run it is in. */
static void
inv_send_ahead(struct sl_invocation *inv, struct sl_worker *w)
{
	inv->state = I_RUNNING;
	inv->cold = 0;
	inv->w = w;
	w->ahead = inv;
	w->fn->stats.ahead++;
	inv_encode(inv, w, SL_FRAME_INVOKE_NEXT,
	    (int64_t)inv_timeout_ms(inv, w->ver));
	worker_flush(w);
}

void
sl_pool_dequeue(struct sl_function *fn, struct sl_invocation *inv)
{
	if (inv->qprev)
		inv->qprev->qnext = inv->qnext;
	else
		fn->qhead = inv->qnext;
	if (inv->qnext)
		inv->qnext->qprev = inv->qprev;
	else
		fn->qtail = inv->qprev;
	inv->qnext = inv->qprev = NULL;
	if (inv->event)
		fn->nevent--;
	else
		fn->nsync--;
}

/* Put inv in fn's queue before next (NULL: last). */
static void
queue_insert(struct sl_function *fn, struct sl_invocation *inv,
    struct sl_invocation *next)
{
	inv->state = I_QUEUED;
	inv->qnext = next;
	inv->qprev = next != NULL ? next->qprev : fn->qtail;
	if (inv->qprev != NULL)
		inv->qprev->qnext = inv;
	else
		fn->qhead = inv;
	if (next != NULL)
		next->qprev = inv;
	else
		fn->qtail = inv;
	if (inv->event)
		fn->nevent++;
	else
		fn->nsync++;
}

void
sl_pool_enqueue(struct sl_function *fn, struct sl_invocation *inv)
{
	queue_insert(fn, inv, NULL);
}

void
sl_pool_requeue(struct sl_function *fn, struct sl_invocation *inv)
{
	queue_insert(fn, inv, fn->qhead);
}

static void fn_pump_one(struct sl_function *fn);

/* Run every function's queue: capacity freed by one function (a worker
 * gone or idle) may let another's waiting invocation start. Re-entrant
 * calls only note that another pass is needed. */
void
sl_pool_pump(struct sl_function *fn)
{
	struct sl_host *h = fn->host;
	struct sl_function *o;

	if (h->pumping) {
		h->repump = 1;
		return;
	}
	h->pumping = 1;
	do {
		h->repump = 0;
		fn_pump_one(fn);
		for (o = h->fns; o != NULL; o = o->next)
			if (o != fn && o->qhead != NULL)
				fn_pump_one(o);
	} while (h->repump);
	h->pumping = 0;
}

static void
fn_pump_one(struct sl_function *fn)
{
	while (fn->qhead != NULL) {
		struct sl_worker *w = sl_pool_idle_worker(fn);
		struct sl_invocation *inv;

		if (w != NULL) {
			inv = fn->qhead;
			sl_pool_dequeue(fn, inv);
			inv_dispatch(inv, w);
			continue;
		}
		if (fn->starting < fn->nsync + fn->nevent &&
		    sl_pool_can_spawn(fn)) {
			if (sl_pool_spawn(fn, fn->cur, 0) == NULL) {
				char msg[300];

				inv = fn->qhead;
				sl_pool_dequeue(fn, inv);
				snprintf(msg, sizeof(msg),
				    "could not start a "
				    "worker (%s): %s",
				    fn->host->worker_path, strerror(errno));
				sl_host_inv_refuse(inv, 500, "ServiceException",
				    NULL, "%s", msg);
				sl_host_inv_complete(inv);
			}
			continue;
		}
		if (fn->starting < fn->nsync + fn->nevent &&
		    (w = ahead_worker(fn)) != NULL) {
			inv = fn->qhead;
			sl_pool_dequeue(fn, inv);
			inv_send_ahead(inv, w);
			continue;
		}
		break;
	}
}
