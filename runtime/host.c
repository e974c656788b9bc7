/* The function host: the functions folder (scan + inotify hot reload), a
 * pool of warm sandboxed workers per function, invocations with deadlines,
 * queueing and throttling, log capture, and Lambda-shaped errors. */
#include "runtime/host.h"
#include "runtime/config.h"
#include "runtime/filter.h"
#include "runtime/frame.h"
#include "runtime/sandbox.h"
#include "common/buf.h"
#include "common/xmalloc.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

extern char **environ;

#define DEFAULT_MAX_WORKERS 32u
#define DEFAULT_IDLE_MS 300000u
#define DEFAULT_QUEUE_MAX 64u
#define DEFAULT_RETRY_MS 1000u
#define EVENT_BACKLOG_MAX 100000u
#define FN_LOG_RING (64u * 1024u)
#define LINE_MAX_LEN 4096u
#define READ_CHUNK (256u * 1024u)
#define LOG_READ_MAX (1024u * 1024u)
#define DEFAULT_UID 65534L

enum wstate { W_STARTING, W_IDLE, W_BUSY, W_DEAD };
enum istate { I_QUEUED, I_RUNNING, I_DELIVER, I_RETRY };

struct function;
struct worker;

/* One loaded generation of a function: its code (a sealed memfd copy of
 * the .so) and its config. Shared by reference between the function and
 * its workers, so a worker of an old version keeps running its code. */
struct version {
	int refs;
	unsigned gen;
	int so_fd;
	size_t so_size;
	struct sl_fn_config cfg;
	char *start_json; /* the CONFIG frame's JSON, without ppid */
	char **envp;
};

struct invocation {
	uint64_t id;
	struct sl_host *host;
	struct function *fn;
	struct worker *w;
	enum istate state;
	enum sl_invoke_type type;
	char rid[37];
	char *payload;
	size_t payload_len;
	char *key;
	uint64_t cap_ms;
	int want_tail;
	int oom;
	int cold;
	int attempts;      /* Event: runs so far */
	int event;         /* an internal Event run (cb is the host's) */
	uint64_t start_us;
	struct sl_buf log; /* this invocation's log, trimmed to the tail */
	sl_invoke_cb *cb;
	void *arg;
	struct sl_timer timer;
	/* The outcome, owned here until delivered. */
	int status;
	char *res_payload;
	size_t res_len;
	const char *function_error;
	char *error_type;
	char *error_message;
	uint64_t duration_us;
	struct invocation *qnext, *qprev; /* function queue */
	struct invocation *anext, *aprev; /* host's list of all */
};

struct worker {
	struct sl_host *host;
	struct function *fn;
	struct version *ver;
	enum wstate state;
	pid_t pid;
	int pidfd, sock, logfd;
	struct sl_frame_dec dec;
	struct sl_frame_wq wq;
	struct invocation *inv;
	struct sl_timer idle;
	struct sl_buf line;  /* partial log line */
	int exited, eof, status;
	int probe;           /* a reload candidate */
	int fresh;           /* not yet used: the next invocation is cold */
	int ever_ready;      /* finished its start */
	int quiet;           /* nothing to report when it ends */
	int counted;         /* counted in the host's and function's totals */
	int want_write;
	char *fatal_type;    /* start failure reported by the worker */
	char *fatal_msg;
	uint64_t last_used_us;
	struct worker *next, *prev;   /* host's list */
};

struct function {
	struct sl_host *host;
	char *name;
	char *arn;
	char *so_path;
	char *json_path;
	struct version *cur;
	struct version *candidate;
	struct worker *probe;
	char *load_error;
	int removed;
	unsigned active;   /* counted workers (starting, idle, busy) */
	unsigned starting;
	unsigned nsync;    /* queued RequestResponse/DryRun invocations */
	unsigned nevent;   /* queued Event runs */
	struct invocation *qhead, *qtail;
	struct sl_buf ring;
	unsigned gen;
	struct function *next;
};

struct sl_host {
	struct sl_loop *loop;
	char *dir;
	char *data_dir;
	char *region;
	char *account;
	char *worker_path;
	char *single_so;
	double timeout_override;
	unsigned memory_override;
	unsigned max_workers, idle_ms, queue_max, retry_ms;
	sl_host_publish_cb *on_publish;
	sl_host_event_cb *on_event_result;
	void *cb_arg;
	void *bpf;
	size_t bpf_len;
	int landlock_abi;
	int netns_fd;
	long uid, gid;
	int inotify_fd;
	int draining;
	int pumping, repump;
	unsigned active;
	unsigned events_pending;
	uint64_t next_id;
	uint64_t rng;
	struct function *fns;
	struct worker *workers;
	struct invocation *invs;
};

static void fn_pump(struct function *fn);
static void worker_kill(struct worker *w);
static void inv_free(struct invocation *inv);
static void inv_complete(struct invocation *inv);

/* --- small helpers ------------------------------------------------------- */

static int
fd_high(int fd)
{
	int n;

	if (fd < 0 || fd >= 10)
		return fd;
	n = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	close(fd);
	return n;
}

static uint64_t
rng_next(struct sl_host *h)
{
	uint64_t z = (h->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void
make_uuid(struct sl_host *h, char out[37])
{
	unsigned char b[16];
	uint64_t a = rng_next(h), c = rng_next(h);
	static const char hex[] = "0123456789abcdef";
	int i, o = 0;

	memcpy(b, &a, 8);
	memcpy(b + 8, &c, 8);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
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

static void
status_text(int status, char *out, size_t n)
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

/* --- versions ------------------------------------------------------------ */

static void
version_unref(struct version *v)
{
	size_t i;

	if (v == NULL || --v->refs > 0)
		return;
	if (v->so_fd >= 0)
		close(v->so_fd);
	sl_config_release(&v->cfg);
	free(v->start_json);
	for (i = 0; v->envp && v->envp[i]; i++)
		free(v->envp[i]);
	free(v->envp);
	free(v);
}

static struct version *
version_ref(struct version *v)
{
	v->refs++;
	return v;
}

/* Copy the .so into a sealed memfd: the worker loads exactly these bytes,
 * whatever later happens to the file. */
static int
copy_to_memfd(const char *path, size_t *size, struct sl_err *err)
{
	int in = -1, out = -1;
	struct stat st;
	off_t left;

	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0) {
		sl_err_set(err, "Runtime.InvalidEntrypoint", "%s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		sl_err_set(err, "Runtime.InvalidEntrypoint",
		    "%s: not a regular file", path);
		goto fail;
	}
	out = memfd_create("sluice-fn", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (out < 0) {
		sl_err_set(err, "ServiceException", "memfd_create: %s",
		    strerror(errno));
		goto fail;
	}
	left = st.st_size;
	while (left > 0) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left,
		    0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* Fall back to read/write (other filesystems). */
			char buf[65536];
			ssize_t r = read(in, buf, sizeof(buf));

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0 || write(out, buf, (size_t)r) != r)
				break;
			n = r;
		}
		left -= n;
	}
	if (left != 0) {
		sl_err_set(err, "Runtime.InvalidEntrypoint",
		    "%s: could not be read whole", path);
		goto fail;
	}
	(void)fcntl(out, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK |
	    F_SEAL_GROW | F_SEAL_SEAL);
	close(in);
	*size = (size_t)st.st_size;
	return fd_high(out);
fail:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return -1;
}

/* Create the write paths a function is granted and give them to the
 * worker uid, so that a root host's unprivileged workers can use them. */
static void
prepare_write_paths(struct sl_host *h, const struct sl_fn_config *c)
{
	size_t i;

	if (geteuid() != 0 || h->uid < 0)
		return;
	for (i = 0; i < c->nwrite; i++) {
		char *p = xstrdup(c->write_paths[i]), *s;
		struct stat st;

		for (s = p + 1; *s; s++) {
			if (*s != '/')
				continue;
			*s = '\0';
			(void)mkdir(p, 0755);
			*s = '/';
		}
		if (stat(p, &st) < 0)
			(void)mkdir(p, 0750);
		if (stat(p, &st) == 0)
			(void)chown(p, (uid_t)h->uid, (gid_t)h->gid);
		free(p);
	}
}

static void
json_add_strv(cJSON *o, const char *k, char *const *v, size_t n)
{
	cJSON *a = cJSON_AddArrayToObject(o, k);
	size_t i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
}

static struct version *
version_new(struct function *fn, struct sl_err *err)
{
	struct sl_host *h = fn->host;
	struct version *v = xcalloc(1, sizeof(*v));
	struct sl_config_vars vars;
	char *dir = xstrdup(fn->so_path), *slash;
	cJSON *o, *a;
	size_t i, n;

	v->refs = 1;
	v->so_fd = -1;
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	vars.data_dir = h->data_dir;
	vars.function_dir = dir;
	if (fn->json_path != NULL) {
		if (sl_config_load(&v->cfg, fn->json_path, &vars, err) < 0)
			goto fail;
	} else {
		sl_config_init(&v->cfg);
	}
	if (h->timeout_override > 0)
		v->cfg.timeout_s = h->timeout_override;
	if (h->memory_override > 0)
		v->cfg.memory_mb = h->memory_override;
	v->so_fd = copy_to_memfd(fn->so_path, &v->so_size, err);
	if (v->so_fd < 0)
		goto fail;
	prepare_write_paths(h, &v->cfg);

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", fn->name);
	cJSON_AddStringToObject(o, "arn", fn->arn);
	cJSON_AddStringToObject(o, "dir", dir);
	cJSON_AddStringToObject(o, "file", fn->so_path);
	cJSON_AddStringToObject(o, "handler", v->cfg.handler);
	cJSON_AddNumberToObject(o, "memory", v->cfg.memory_mb);
	cJSON_AddNumberToObject(o, "uid", (double)h->uid);
	cJSON_AddNumberToObject(o, "gid", (double)h->gid);
	cJSON_AddBoolToObject(o, "netns",
	    v->cfg.network == SL_NET_NONE && h->netns_fd >= 0);
	cJSON_AddStringToObject(o, "network",
	    sl_config_network_name(v->cfg.network));
	a = cJSON_AddArrayToObject(o, "ports");
	for (i = 0; i < v->cfg.nports; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(v->cfg.ports[i]));
	json_add_strv(o, "read", v->cfg.read_paths, v->cfg.nread);
	json_add_strv(o, "write", v->cfg.write_paths, v->cfg.nwrite);
	v->start_json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);

	n = 0;
	v->envp = xcalloc(v->cfg.nenv + 8, sizeof(char *));
	for (i = 0; i < v->cfg.nenv; i++)
		v->envp[n++] = xasprintf("%s=%s", v->cfg.env_names[i],
		    v->cfg.env_values[i]);
	v->envp[n++] = xasprintf("AWS_LAMBDA_FUNCTION_NAME=%s", fn->name);
	v->envp[n++] = xasprintf("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=%u",
	    v->cfg.memory_mb);
	v->envp[n++] = xasprintf("AWS_REGION=%s", h->region);
	if (getenv("UBSAN_OPTIONS") != NULL)
		v->envp[n++] = xasprintf("UBSAN_OPTIONS=%s",
		    getenv("UBSAN_OPTIONS"));
	v->gen = ++fn->gen;
	free(dir);
	return v;
fail:
	free(dir);
	if (v->so_fd >= 0)
		close(v->so_fd);
	v->so_fd = -1;
	sl_config_release(&v->cfg);
	free(v);
	return NULL;
}

/* --- invocation results ---------------------------------------------------- */

static void
inv_set_result(struct invocation *inv, int status, const char *payload,
    size_t len)
{
	free(inv->res_payload);
	inv->status = status;
	inv->res_payload = xmalloc(len + 1);
	memcpy(inv->res_payload, payload, len);
	inv->res_payload[len] = '\0';
	inv->res_len = len;
}

/* A function error: {"errorType","errorMessage"}. */
static void
inv_set_error(struct invocation *inv, const char *fe, const char *type,
    const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddStringToObject(o, "errorType", type);
	cJSON_AddStringToObject(o, "errorMessage", msg);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	inv_set_result(inv, 200, s, strlen(s));
	cJSON_free(s);
	inv->function_error = fe;
	free(inv->error_type);
	free(inv->error_message);
	inv->error_type = xstrdup(type);
	inv->error_message = xstrdup(msg);
}

/* A function error given as the worker's JSON error payload. */
static void
inv_set_error_json(struct invocation *inv, const char *fe, const char *json,
    size_t len)
{
	cJSON *o = cJSON_ParseWithLength(json, len);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "errorType");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "errorMessage");

	if (!cJSON_IsString(t)) {
		cJSON_Delete(o);
		inv_set_error(inv, "Unhandled", "Runtime.InvalidResponse",
		    "the runtime sent a malformed error");
		return;
	}
	inv_set_error(inv, fe, t->valuestring,
	    cJSON_IsString(m) ? m->valuestring : "");
	cJSON_Delete(o);
}

/* A refusal by the host (4xx/5xx) with AWS's error body. */
static void
inv_refuse(struct invocation *inv, int status, const char *type,
    const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
inv_refuse(struct invocation *inv, int status, const char *type,
    const char *reason, const char *fmt, ...)
{
	struct sl_buf m = SL_BUF_INIT;
	cJSON *o = cJSON_CreateObject();
	va_list ap;
	char *s;

	sl_buf_init(&m);
	va_start(ap, fmt);
	sl_buf_vaddf(&m, fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(o, "Type", status >= 500 ? "Service" :
	    "User");
	cJSON_AddStringToObject(o, "Message", m.data);
	if (reason != NULL) {
		cJSON_AddStringToObject(o, "Reason", reason);
		cJSON_AddStringToObject(o, "retryAfterSeconds", "1");
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	inv_set_result(inv, status, s, strlen(s));
	cJSON_free(s);
	inv->function_error = NULL;
	free(inv->error_type);
	free(inv->error_message);
	inv->error_type = xstrdup(type);
	inv->error_message = sl_buf_detach(&m, NULL);
}

static void
fn_log_line(struct function *fn, const char *rid, const char *line,
    size_t n)
{
	sl_buf_addstr(&fn->ring, rid && *rid ? rid : "-");
	sl_buf_addch(&fn->ring, '\t');
	sl_buf_add(&fn->ring, line, n);
	sl_buf_addch(&fn->ring, '\n');
	if (fn->ring.len > 2 * FN_LOG_RING) {
		const char *cut = fn->ring.data + fn->ring.len - FN_LOG_RING;
		const char *nl = memchr(cut, '\n', FN_LOG_RING);

		sl_buf_consume(&fn->ring, nl ? (size_t)(nl + 1 -
		    fn->ring.data) : fn->ring.len - FN_LOG_RING);
	}
}

static void
inv_log(struct invocation *inv, const char *p, size_t n)
{
	sl_buf_add(&inv->log, p, n);
	if (inv->log.len > 4 * SL_INVOKE_LOG_TAIL)
		sl_buf_consume(&inv->log, inv->log.len - SL_INVOKE_LOG_TAIL);
}

/* --- deferred delivery ------------------------------------------------------ */

static void
inv_list_remove(struct invocation *inv)
{
	struct sl_host *h = inv->host;

	if (inv->aprev)
		inv->aprev->anext = inv->anext;
	else if (h->invs == inv)
		h->invs = inv->anext;
	if (inv->anext)
		inv->anext->aprev = inv->aprev;
	inv->anext = inv->aprev = NULL;
}

static void
inv_free(struct invocation *inv)
{
	if (inv == NULL)
		return;
	sl_loop_timer_stop(inv->host->loop, &inv->timer);
	inv_list_remove(inv);
	free(inv->payload);
	free(inv->key);
	free(inv->res_payload);
	free(inv->error_type);
	free(inv->error_message);
	sl_buf_release(&inv->log);
	free(inv);
}

static void event_finished(struct invocation *inv);

/* Hand the outcome to the caller and free the invocation. */
static void
inv_deliver(struct invocation *inv)
{
	struct sl_invoke_result r;
	const char *tail = NULL;

	if (inv->event) {
		event_finished(inv);
		return;
	}
	if (inv->want_tail && inv->status == 200) {
		if (inv->log.len > SL_INVOKE_LOG_TAIL)
			tail = inv->log.data + inv->log.len -
			    SL_INVOKE_LOG_TAIL;
		else
			tail = inv->log.data;
	}
	memset(&r, 0, sizeof(r));
	r.status = inv->status;
	r.request_id = inv->rid;
	r.payload = inv->res_payload;
	r.payload_len = inv->res_len;
	r.function_error = inv->function_error;
	r.error_type = inv->error_type;
	r.error_message = inv->error_message;
	r.log_tail = tail;
	r.duration_us = inv->duration_us;
	r.cold_start = inv->cold;
	inv_list_remove(inv);
	sl_loop_timer_stop(inv->host->loop, &inv->timer);
	if (inv->cb != NULL)
		inv->cb(inv->arg, &r);
	inv_free(inv);
}

static void
deliver_timer(struct sl_timer *t)
{
	inv_deliver(t->arg);
}

/* Deliver from the loop on its next turn (used where the caller may still
 * be inside sl_host_invoke). */
static void
inv_deliver_later(struct invocation *inv)
{
	sl_loop_timer_stop(inv->host->loop, &inv->timer);
	inv->state = I_DELIVER;
	sl_timer_init(&inv->timer, deliver_timer, inv);
	sl_loop_timer_start(inv->host->loop, &inv->timer, 0);
}

/* --- workers -------------------------------------------------------------- */

static void
worker_uncount(struct worker *w)
{
	if (!w->counted)
		return;
	w->counted = 0;
	w->host->active--;
	w->fn->active--;
	if (w->state == W_STARTING && !w->probe)
		w->fn->starting--;
}

static void
worker_free(struct worker *w)
{
	struct sl_host *h = w->host;

	worker_uncount(w);
	sl_loop_timer_stop(h->loop, &w->idle);
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
	version_unref(w->ver);
	free(w->fatal_type);
	free(w->fatal_msg);
	free(w);
}

static void
worker_log_bytes(struct worker *w, const char *p, size_t n)
{
	const char *rid = w->inv ? w->inv->rid : "";

	if (w->inv != NULL)
		inv_log(w->inv, p, n);
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;

		if (w->line.len + k > LINE_MAX_LEN)
			k = LINE_MAX_LEN - w->line.len;
		sl_buf_add(&w->line, p, k);
		p += k;
		n -= k;
		if (nl != NULL && p == nl) {
			p++;
			n--;
		} else if (w->line.len < LINE_MAX_LEN) {
			break;
		}
		fn_log_line(w->fn, rid, w->line.data, w->line.len);
		sl_buf_reset(&w->line);
	}
}

/* Read what the worker printed; at most max bytes (fairness), all that
 * is there when max is 0. */
static void
worker_read_log(struct worker *w, size_t max)
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
			if (w->line.len > 0) {
				fn_log_line(w->fn, w->inv ? w->inv->rid : "",
				    w->line.data, w->line.len);
				sl_buf_reset(&w->line);
			}
			return;
		}
		worker_log_bytes(w, buf, (size_t)n);
		got += (size_t)n;
	}
}

static void
log_cb(void *arg, int fd, unsigned events)
{
	(void)fd;
	(void)events;
	worker_read_log(arg, LOG_READ_MAX);
}

static void
worker_kill(struct worker *w)
{
	if (!w->exited && w->pidfd >= 0)
		(void)syscall(SYS_pidfd_send_signal, w->pidfd, SIGKILL, NULL,
		    0);
}

/* The worker is going away: no more work for it; it is freed once both
 * its exit and its socket's EOF have been seen. */
static void
worker_retire(struct worker *w)
{
	struct function *fn = w->fn;
	int was_starting = w->state == W_STARTING;

	worker_uncount(w);
	w->state = W_DEAD;
	sl_loop_timer_stop(w->host->loop, &w->idle);
	worker_kill(w);
	(void)was_starting;
	(void)fn;
}

static void worker_join_check(struct worker *w);
static void fd_watch_cb(void *arg, int fd, unsigned events);

/* Queue bytes for the worker and start writing. */
static void
worker_flush(struct worker *w)
{
	int rc = sl_frame_wq_flush(&w->wq, w->sock);
	unsigned ev = SL_LOOP_READ;

	if (rc < 0) {
		worker_retire(w);
		return;
	}
	if (rc == 0)
		ev |= SL_LOOP_WRITE;
	if ((rc == 0) != w->want_write) {
		w->want_write = rc == 0;
		(void)sl_loop_watch(w->host->loop, w->sock, ev, fd_watch_cb,
		    w);
	}
}

static const char *
fn_timeout_text(const struct invocation *inv, char *buf, size_t n)
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
	struct invocation *inv = t->arg;
	struct worker *w = inv->w;
	char msg[160], secs[32];

	snprintf(msg, sizeof(msg),
	    "RequestId: %s Error: Task timed out after %s seconds", inv->rid,
	    fn_timeout_text(inv, secs, sizeof(secs)));
	inv_set_error(inv, "Unhandled", "Sandbox.Timedout", msg);
	if (w != NULL) {
		worker_read_log(w, 0);
		w->inv = NULL;
		worker_retire(w);
	}
	inv->w = NULL;
	inv->duration_us = sl_loop_now_us() - inv->start_us;
	inv_complete(inv);
}

static void idle_cb(struct sl_timer *t);

/* The worker is free again: keep it warm, or retire it when its version
 * is no longer the function's. */
static void
worker_idle(struct worker *w)
{
	struct function *fn = w->fn;

	w->state = W_IDLE;
	w->inv = NULL;
	w->last_used_us = sl_loop_now_us();
	if (fn->removed || w->ver != fn->cur || w->host->draining) {
		worker_retire(w);
		fn_pump(fn);
		return;
	}
	sl_timer_init(&w->idle, idle_cb, w);
	sl_loop_timer_start(w->host->loop, &w->idle,
	    (uint64_t)w->host->idle_ms * 1000u);
	fn_pump(fn);
}

static void
idle_cb(struct sl_timer *t)
{
	struct worker *w = t->arg;

	if (w->state == W_IDLE)
		worker_retire(w);
}

/* The invocation on w ended with a frame from the worker. */
static void
worker_finish(struct worker *w, const struct sl_frame *f)
{
	struct invocation *inv = w->inv;
	int keep = 1;

	worker_read_log(w, 0);
	sl_loop_timer_stop(w->host->loop, &inv->timer);
	inv->duration_us = sl_loop_now_us() - inv->start_us;
	if (f->type == SL_FRAME_RESULT) {
		cJSON *check = cJSON_ParseWithLength(f->payload, f->len);

		if (check == NULL) {
			char msg[160];

			snprintf(msg, sizeof(msg), "RequestId: %s Error: "
			    "Runtime returned an invalid response: not valid "
			    "JSON", inv->rid);
			inv_set_error(inv, "Unhandled",
			    "Runtime.InvalidResponse", msg);
		} else {
			cJSON_Delete(check);
			inv_set_result(inv, 200, f->payload, f->len);
			inv->function_error = NULL;
		}
	} else if (inv->oom) {
		char msg[200];

		snprintf(msg, sizeof(msg), "RequestId: %s Error: Runtime ran "
		    "out of memory (MemorySize %u MB)", inv->rid,
		    w->ver->cfg.memory_mb);
		inv_set_error(inv, "Unhandled", "Runtime.OutOfMemory", msg);
		keep = 0;
	} else {
		inv_set_error_json(inv, f->type == SL_FRAME_ERROR ?
		    "Handled" : "Unhandled", f->payload, f->len);
	}
	inv->w = NULL;
	if (keep)
		worker_idle(w);
	else
		worker_retire(w);
	inv_complete(inv);
}

static void
worker_protocol_error(struct worker *w, const char *why)
{
	struct invocation *inv = w->inv;

	if (inv != NULL) {
		char msg[256];

		snprintf(msg, sizeof(msg), "RequestId: %s Error: Runtime broke "
		    "the IPC protocol: %s", inv->rid, why);
		worker_read_log(w, 0);
		sl_loop_timer_stop(w->host->loop, &inv->timer);
		inv->duration_us = sl_loop_now_us() - inv->start_us;
		inv_set_error(inv, "Unhandled", "Runtime.InvalidResponse",
		    msg);
		inv->w = NULL;
		w->inv = NULL;
		worker_retire(w);
		inv_complete(inv);
		return;
	}
	if (w->fatal_type == NULL) {
		w->fatal_type = xstrdup("Runtime.InvalidResponse");
		w->fatal_msg = xasprintf("Runtime broke the IPC protocol: %s",
		    why);
	}
	worker_retire(w);
}

static void probe_done(struct worker *w, int ok);

static void
worker_ready(struct worker *w)
{
	if (w->probe) {
		probe_done(w, 1);
		return;
	}
	w->fn->starting--;
	w->state = W_IDLE;
	w->fresh = 1;
	w->ever_ready = 1;
	worker_idle(w);
}

static void
worker_publish(struct worker *w, const struct sl_frame *f)
{
	struct sl_host *h = w->host;
	cJSON *o = cJSON_ParseWithLength(f->payload, f->len);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "topic");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "message");
	const char *err = "";
	char *msg = NULL;

	if (!cJSON_IsString(t) || m == NULL)
		err = "malformed publish";
	else {
		msg = cJSON_PrintUnformatted(m);
		if (h->on_publish != NULL && msg != NULL)
			h->on_publish(h->cb_arg, w->fn->name, t->valuestring,
			    msg);
	}
	cJSON_free(msg);
	cJSON_Delete(o);
	sl_frame_encode(&w->wq.buf, SL_FRAME_PUBACK, f->id, 0, err,
	    strlen(err));
	worker_flush(w);
}

/* Handle the frames that have arrived; returns -1 once w is retired. */
static int
worker_frames(struct worker *w)
{
	struct sl_frame f;
	int rc;

	while (w->state != W_DEAD) {
		uint32_t peek = sl_frame_dec_peek_len(&w->dec);

		if (w->state == W_BUSY && peek > SL_INVOKE_SYNC_MAX + 4096u &&
		    peek <= SL_FRAME_MAX &&
		    sl_frame_dec_peek_type(&w->dec) == SL_FRAME_RESULT) {
			struct invocation *inv = w->inv;
			char msg[200];

			snprintf(msg, sizeof(msg), "Response payload size "
			    "(%u bytes) exceeded maximum allowed payload size "
			    "(%u bytes).", peek, SL_INVOKE_SYNC_MAX);
			worker_read_log(w, 0);
			sl_loop_timer_stop(w->host->loop, &inv->timer);
			inv_set_error(inv, "Unhandled",
			    "Function.ResponseSizeTooLarge", msg);
			inv->w = NULL;
			w->inv = NULL;
			worker_retire(w);
			inv_complete(inv);
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
				cJSON *o = cJSON_ParseWithLength(f.payload,
				    f.len);
				const cJSON *t = cJSON_GetObjectItem(o,
				    "errorType");
				const cJSON *m = cJSON_GetObjectItem(o,
				    "errorMessage");

				free(w->fatal_type);
				free(w->fatal_msg);
				w->fatal_type = xstrdup(cJSON_IsString(t) ?
				    t->valuestring : "Runtime.ExitError");
				w->fatal_msg = xstrdup(cJSON_IsString(m) ?
				    m->valuestring : "");
				cJSON_Delete(o);
			}
			worker_retire(w);
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
			worker_publish(w, &f);
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
	struct worker *w = arg;
	size_t got = 0;

	(void)fd;
	if (events & SL_LOOP_WRITE) {
		worker_flush(w);
		if (w->state == W_DEAD && w->eof && w->exited)
			return;
	}
	if (!(events & (SL_LOOP_READ | SL_LOOP_HUP)))
		return;
	while (got < 4 * READ_CHUNK && !w->eof) {
		ssize_t n = sl_frame_dec_read(&w->dec, w->sock, READ_CHUNK);

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
	}
	if (w->eof) {
		/* No more frames can come: the worker is of no use now. */
		worker_kill(w);
		worker_join_check(w);
	}
}

/* The worker died (or we killed it) while it held an invocation or was
 * starting: report that with the exit status. */
static void
worker_died(struct worker *w)
{
	struct invocation *inv = w->inv;
	char st[64], msg[256];

	status_text(w->status, st, sizeof(st));
	if (inv != NULL) {
		sl_loop_timer_stop(w->host->loop, &inv->timer);
		inv->duration_us = sl_loop_now_us() - inv->start_us;
		snprintf(msg, sizeof(msg), "RequestId: %s Error: Runtime exited "
		    "with error: %s", inv->rid, st);
		inv_set_error(inv, "Unhandled", inv->oom ?
		    "Runtime.OutOfMemory" : "Runtime.ExitError", msg);
		inv->w = NULL;
		w->inv = NULL;
		inv_complete(inv);
	}
}

/* A start that failed: the first queued invocation gets the reason. */
static void
start_failed(struct worker *w)
{
	struct function *fn = w->fn;
	struct invocation *inv = fn->qhead;
	char st[64], msg[1200];

	if (w->fatal_type == NULL) {
		status_text(w->status, st, sizeof(st));
		w->fatal_type = xstrdup("Runtime.ExitError");
		w->fatal_msg = xasprintf("Runtime exited with error: %s", st);
	}
	if (inv == NULL || inv->state != I_QUEUED)
		return;
	fn->qhead = inv->qnext;
	if (fn->qhead)
		fn->qhead->qprev = NULL;
	else
		fn->qtail = NULL;
	inv->qnext = inv->qprev = NULL;
	if (inv->type == SL_INVOKE_EVENT || inv->event)
		fn->nevent--;
	else
		fn->nsync--;
	snprintf(msg, sizeof(msg), "RequestId: %s Error: %s", inv->rid,
	    w->fatal_msg);
	inv_set_error(inv, "Unhandled", w->fatal_type, msg);
	inv_complete(inv);
}

static void
worker_join_check(struct worker *w)
{
	struct function *fn = w->fn;

	if (!w->eof || !w->exited)
		return;
	worker_read_log(w, 0);
	if (w->state != W_DEAD)
		worker_uncount(w);
	if (w->quiet) {
		/* superseded; nobody waits for it */
	} else if (w->probe) {
		w->state = W_DEAD;
		probe_done(w, 0);
	} else if (w->inv != NULL) {
		worker_died(w);
	} else if (!w->ever_ready) {
		start_failed(w);
	}
	w->state = W_DEAD;
	worker_free(w);
	fn_pump(fn);
}

static void
pidfd_cb(void *arg, int fd, unsigned events)
{
	struct worker *w = arg;
	siginfo_t si;

	(void)events;
	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG) < 0 ||
	    si.si_pid == 0)
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
	struct worker *w = arg;

	if (fd == w->sock)
		sock_cb(w, fd, events);
	else if (fd == w->logfd)
		log_cb(w, fd, events);
	else if (fd == w->pidfd)
		pidfd_cb(w, fd, events);
}

static const char *
host_worker_path(struct sl_host *h)
{
	return h->worker_path;
}

/* Start a worker for version v of fn. */
static struct worker *
worker_spawn(struct function *fn, struct version *v, int probe)
{
	struct sl_host *h = fn->host;
	struct worker *w = xcalloc(1, sizeof(*w));
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int sv[2] = { -1, -1 }, lp[2] = { -1, -1 };
	char *argv[] = { "sluice-worker", NULL };
	sigset_t none;
	size_t jl;
	int rc;

	w->host = h;
	w->fn = fn;
	w->ver = version_ref(v);
	w->sock = w->logfd = w->pidfd = -1;
	w->probe = probe;
	sl_frame_dec_init(&w->dec, SL_FRAME_MAX);
	sl_frame_wq_init(&w->wq);
	sl_buf_init(&w->line);
	sl_timer_init(&w->idle, idle_cb, w);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    pipe2(lp, O_CLOEXEC) < 0)
		goto fail;
	sv[1] = fd_high(sv[1]);
	lp[1] = fd_high(lp[1]);
	if (sv[1] < 0 || lp[1] < 0)
		goto fail;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, lp[1], 1);
	posix_spawn_file_actions_adddup2(&fa, lp[1], 2);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 3);
	posix_spawn_file_actions_adddup2(&fa, v->so_fd, 4);
	if (h->netns_fd >= 0 && v->cfg.network == SL_NET_NONE)
		posix_spawn_file_actions_adddup2(&fa, h->netns_fd, 5);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	rc = posix_spawn(&w->pid, host_worker_path(h), &fa, &attr, argv,
	    v->envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(sv[1]);
	close(lp[1]);
	sv[1] = lp[1] = -1;
	if (rc != 0) {
		errno = rc;
		goto fail;
	}
	w->pidfd = (int)syscall(SYS_pidfd_open, w->pid, 0);
	if (w->pidfd < 0) {
		/* Without a pidfd the worker cannot be joined safely. */
		kill(w->pid, SIGKILL);
		waitpid(w->pid, NULL, 0);
		goto fail;
	}
	(void)fcntl(w->pidfd, F_SETFD, FD_CLOEXEC);
	w->sock = sv[0];
	w->logfd = lp[0];
	sv[0] = lp[0] = -1;
	(void)fcntl(w->sock, F_SETFL, O_NONBLOCK);
	(void)fcntl(w->logfd, F_SETFL, O_NONBLOCK);
	if (sl_loop_watch(h->loop, w->sock, SL_LOOP_READ, fd_watch_cb, w) < 0 ||
	    sl_loop_watch(h->loop, w->logfd, SL_LOOP_READ, fd_watch_cb,
	    w) < 0 ||
	    sl_loop_watch(h->loop, w->pidfd, SL_LOOP_READ, fd_watch_cb,
	    w) < 0)
		goto fail_started;

	/* The CONFIG frame: JSON with the host's pid, '\0', the filter. */
	jl = strlen(v->start_json);
	{
		size_t at = w->wq.buf.len;
		char pid[48];
		int pl = snprintf(pid, sizeof(pid), ",\"ppid\":%ld}",
		    (long)getpid());

		sl_frame_encode_hdr(&w->wq.buf, SL_FRAME_CONFIG, 0, 0, 0);
		sl_buf_add(&w->wq.buf, v->start_json, jl - 1);
		sl_buf_add(&w->wq.buf, pid, (size_t)pl);
		sl_buf_addch(&w->wq.buf, '\0');
		if (h->bpf != NULL)
			sl_buf_add(&w->wq.buf, h->bpf, h->bpf_len);
		sl_frame_patch_len(&w->wq.buf, at,
		    w->wq.buf.len - at - SL_FRAME_HDR);
	}
	w->state = W_STARTING;
	w->counted = 1;
	h->active++;
	fn->active++;
	if (!probe)
		fn->starting++;
	w->next = h->workers;
	if (h->workers)
		h->workers->prev = w;
	h->workers = w;
	worker_flush(w);
	return w;
fail_started:
	kill(w->pid, SIGKILL);
	waitpid(w->pid, NULL, 0);
fail:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (lp[0] >= 0)
		close(lp[0]);
	if (lp[1] >= 0)
		close(lp[1]);
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
	sl_frame_dec_release(&w->dec);
	sl_frame_wq_release(&w->wq);
	sl_buf_release(&w->line);
	version_unref(w->ver);
	free(w);
	return NULL;
}

/* --- scheduling ----------------------------------------------------------- */

static unsigned
fn_limit(const struct function *fn)
{
	const struct sl_host *h = fn->host;

	if (fn->cur != NULL && fn->cur->cfg.reserved >= 0)
		return (unsigned)fn->cur->cfg.reserved < h->max_workers ?
		    (unsigned)fn->cur->cfg.reserved : h->max_workers;
	return h->max_workers;
}

/* Make room for one more worker overall by retiring the least recently
 * used idle worker of another function. */
static int
evict_idle(struct sl_host *h, struct function *not)
{
	struct worker *w, *best = NULL;

	for (w = h->workers; w != NULL; w = w->next)
		if (w->state == W_IDLE && w->fn != not &&
		    (best == NULL || w->last_used_us < best->last_used_us))
			best = w;
	if (best == NULL)
		return -1;
	worker_retire(best);
	return 0;
}

static int
can_spawn(struct function *fn)
{
	struct sl_host *h = fn->host;

	if (fn->cur == NULL || fn->active >= fn_limit(fn))
		return 0;
	if (h->active >= h->max_workers && evict_idle(h, fn) < 0)
		return 0;
	return 1;
}

static struct worker *
fn_idle_worker(struct function *fn)
{
	struct worker *w, *best = NULL;

	/* The most recently used idle worker: the warmest. */
	for (w = fn->host->workers; w != NULL; w = w->next)
		if (w->fn == fn && w->state == W_IDLE && w->ver == fn->cur &&
		    (best == NULL || w->last_used_us > best->last_used_us))
			best = w;
	return best;
}

static void
inv_dispatch(struct invocation *inv, struct worker *w)
{
	struct sl_host *h = inv->host;
	uint64_t tmo_ms;
	int64_t deadline;
	size_t at, rl, kl;

	inv->state = I_RUNNING;
	inv->cold = w->fresh;
	w->fresh = 0;
	sl_loop_timer_stop(h->loop, &w->idle);
	inv->start_us = sl_loop_now_us();
	if (inv->type == SL_INVOKE_DRY_RUN) {
		inv_set_result(inv, 204, "", 0);
		w->state = W_IDLE;
		worker_idle(w);
		inv_complete(inv);
		return;
	}
	w->state = W_BUSY;
	w->inv = inv;
	inv->w = w;
	tmo_ms = (uint64_t)(w->ver->cfg.timeout_s * 1000.0 + 0.5);
	if (inv->cap_ms > 0 && inv->cap_ms < tmo_ms)
		tmo_ms = inv->cap_ms;
	deadline = sl_loop_wall_ms() + (int64_t)tmo_ms;
	sl_buf_addf(&inv->log, "START RequestId: %s Version: $LATEST\n",
	    inv->rid);
	rl = strlen(inv->rid);
	kl = inv->key ? strlen(inv->key) : 0;
	at = w->wq.buf.len;
	sl_frame_encode_hdr(&w->wq.buf, SL_FRAME_INVOKE, inv->id, deadline,
	    rl + kl + 2 + inv->payload_len);
	sl_buf_add(&w->wq.buf, inv->rid, rl + 1);
	sl_buf_add(&w->wq.buf, inv->key ? inv->key : "", kl + 1);
	sl_buf_add(&w->wq.buf, inv->payload, inv->payload_len);
	(void)at;
	sl_timer_init(&inv->timer, deadline_cb, inv);
	sl_loop_timer_start(h->loop, &inv->timer, tmo_ms * 1000u);
	worker_flush(w);
}

static void
fn_dequeue(struct function *fn, struct invocation *inv)
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

static void
fn_enqueue(struct function *fn, struct invocation *inv)
{
	inv->state = I_QUEUED;
	inv->qprev = fn->qtail;
	inv->qnext = NULL;
	if (fn->qtail)
		fn->qtail->qnext = inv;
	else
		fn->qhead = inv;
	fn->qtail = inv;
	if (inv->event)
		fn->nevent++;
	else
		fn->nsync++;
}

static void fn_pump_one(struct function *fn);

/* Run every function's queue: capacity freed by one function (a worker
 * gone or idle) may let another's waiting invocation start. Re-entrant
 * calls only note that another pass is needed. */
static void
fn_pump(struct function *fn)
{
	struct sl_host *h = fn->host;
	struct function *o;

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
fn_pump_one(struct function *fn)
{
	while (fn->qhead != NULL) {
		struct worker *w = fn_idle_worker(fn);
		struct invocation *inv;

		if (w != NULL) {
			inv = fn->qhead;
			fn_dequeue(fn, inv);
			inv_dispatch(inv, w);
			continue;
		}
		if (fn->starting < fn->nsync + fn->nevent && can_spawn(fn)) {
			if (worker_spawn(fn, fn->cur, 0) == NULL) {
				char msg[300];

				inv = fn->qhead;
				fn_dequeue(fn, inv);
				snprintf(msg, sizeof(msg), "could not start a "
				    "worker (%s): %s", fn->host->worker_path,
				    strerror(errno));
				inv_refuse(inv, 500, "ServiceException", NULL,
				    "%s", msg);
				inv_complete(inv);
			}
			continue;
		}
		break;
	}
}

/* The invocation has its outcome: deliver it (we are in a loop callback
 * here, never inside sl_host_invoke). */
static void
inv_complete(struct invocation *inv)
{
	if (inv->status == 200 && inv->want_tail) {
		sl_buf_addf(&inv->log, "END RequestId: %s\nREPORT RequestId: "
		    "%s\tDuration: %.2f ms\n", inv->rid, inv->rid,
		    (double)inv->duration_us / 1000.0);
	}
	inv_deliver_later(inv);
}

/* --- events ----------------------------------------------------------------- */

static void
retry_cb(struct sl_timer *t)
{
	struct invocation *inv = t->arg;

	if (inv->fn->removed || inv->host->draining) {
		inv_refuse(inv, 404, "ResourceNotFoundException", NULL,
		    "Function not found: %s", inv->fn->arn);
		inv->attempts = 3;
		event_finished(inv);
		return;
	}
	fn_enqueue(inv->fn, inv);
	fn_pump(inv->fn);
}

static void
event_finished(struct invocation *inv)
{
	struct sl_host *h = inv->host;
	struct sl_invoke_result r;

	if (inv->function_error != NULL && inv->attempts < 3) {
		uint64_t delay = (uint64_t)h->retry_ms * 1000u *
		    (inv->attempts == 1 ? 1u : 2u);

		inv->attempts++;
		sl_buf_reset(&inv->log);
		inv->state = I_RETRY;
		inv->oom = 0;
		sl_timer_init(&inv->timer, retry_cb, inv);
		sl_loop_timer_start(h->loop, &inv->timer, delay);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.status = inv->status;
	r.request_id = inv->rid;
	r.payload = inv->res_payload;
	r.payload_len = inv->res_len;
	r.function_error = inv->function_error;
	r.error_type = inv->error_type;
	r.error_message = inv->error_message;
	r.duration_us = inv->duration_us;
	r.cold_start = inv->cold;
	h->events_pending--;
	inv_list_remove(inv);
	if (h->on_event_result != NULL)
		h->on_event_result(h->cb_arg, inv->fn->name, &r);
	inv_free(inv);
}

/* --- functions -------------------------------------------------------------- */

static int
name_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '-'))
			return 0;
	return 1;
}

static struct function *
fn_find(struct sl_host *h, const char *name, size_t n)
{
	struct function *fn;

	for (fn = h->fns; fn != NULL; fn = fn->next)
		if (strlen(fn->name) == n && memcmp(fn->name, name, n) == 0)
			return fn;
	return NULL;
}

/* NAME, NAME:QUALIFIER or arn:aws:lambda:REGION:ACCOUNT:function:NAME[:Q] */
static struct function *
fn_lookup(struct sl_host *h, const char *ref)
{
	const char *p = ref, *colon;
	struct function *fn;

	if (ref == NULL)
		return NULL;
	if (strncmp(p, "arn:", 4) == 0) {
		const char *f = strstr(p, ":function:");

		if (f == NULL)
			return NULL;
		p = f + 10;
	}
	colon = strchr(p, ':');
	fn = fn_find(h, p, colon ? (size_t)(colon - p) : strlen(p));
	return fn != NULL && !fn->removed ? fn : NULL;
}

static void
fn_set_error(struct function *fn, const char *msg)
{
	free(fn->load_error);
	fn->load_error = msg ? xstrdup(msg) : NULL;
	if (msg != NULL)
		fprintf(stderr, "sluice: function %s: %s\n", fn->name, msg);
}

static void
probe_done(struct worker *w, int ok)
{
	struct function *fn = w->fn;

	if (fn->probe != w) {
		/* A newer change superseded this probe. */
		w->quiet = 1;
		worker_retire(w);
		return;
	}
	fn->probe = NULL;
	if (ok && fn->candidate == w->ver) {
		struct worker *o;

		version_unref(fn->cur);
		fn->cur = fn->candidate;
		fn->candidate = NULL;
		fn_set_error(fn, NULL);
		/* Old warm workers go; busy ones finish first (worker_idle
		 * retires them). */
		for (o = fn->host->workers; o != NULL; o = o->next)
			if (o->fn == fn && o->state == W_IDLE &&
			    o->ver != fn->cur)
				worker_retire(o);
		w->probe = 0;
		w->state = W_IDLE;
		w->fresh = 1;
		w->ever_ready = 1;
		worker_idle(w);
		return;
	}
	if (!ok) {
		char st[64], *m;

		if (w->fatal_type == NULL) {
			status_text(w->status, st, sizeof(st));
			m = xasprintf("%s failed to load (previous version "
			    "keeps serving): Runtime exited with error: %s",
			    fn->so_path, st);
		} else {
			m = xasprintf("%s failed to load (previous version "
			    "keeps serving): %s: %s", fn->so_path,
			    w->fatal_type, w->fatal_msg);
		}
		fn_set_error(fn, m);
		free(m);
	}
	version_unref(fn->candidate);
	fn->candidate = NULL;
}

static struct function *
fn_new(struct sl_host *h, const char *name, size_t n, const char *so_path)
{
	struct function *fn = xcalloc(1, sizeof(*fn));
	const char *slash;

	fn->host = h;
	fn->name = xstrndup(name, n);
	fn->arn = xasprintf("arn:aws:lambda:%s:%s:function:%s", h->region,
	    h->account, fn->name);
	fn->so_path = xstrdup(so_path);
	slash = strrchr(so_path, '/');
	fn->json_path = xasprintf("%.*s%s.json",
	    slash ? (int)(slash - so_path + 1) : 0, so_path, fn->name);
	sl_buf_init(&fn->ring);
	fn->next = h->fns;
	h->fns = fn;
	return fn;
}

/* (Re)load NAME from the folder: a new function becomes current at once;
 * a change to a serving one is tried in a worker first. */
static void
fn_load(struct sl_host *h, const char *name, size_t n)
{
	struct function *fn = fn_find(h, name, n);
	struct sl_err err = SL_ERR_INIT;
	struct version *v;
	char *so;

	if (!name_valid(name, n))
		return;
	so = xasprintf("%s/%.*s.so", h->dir, (int)n, name);
	if (access(so, F_OK) < 0) {
		if (fn != NULL && !fn->removed) {
			struct worker *w;
			struct invocation *inv;

			fn->removed = 1;
			for (w = h->workers; w != NULL; w = w->next)
				if (w->fn == fn && (w->state == W_IDLE ||
				    w->probe))
					worker_retire(w);
			while ((inv = fn->qhead) != NULL) {
				fn_dequeue(fn, inv);
				inv_refuse(inv, 404,
				    "ResourceNotFoundException", NULL,
				    "Function not found: %s", fn->arn);
				inv_complete(inv);
			}
		}
		free(so);
		return;
	}
	if (fn == NULL)
		fn = fn_new(h, name, n, so);
	free(so);
	v = version_new(fn, &err);
	if (v == NULL) {
		fn_set_error(fn, err.msg);
		if (fn->removed || fn->cur == NULL) {
			fn->removed = 0;
		}
		return;
	}
	if (fn->cur == NULL || fn->removed) {
		version_unref(fn->cur);
		fn->cur = v;
		fn->removed = 0;
		fn_set_error(fn, NULL);
		fn_pump(fn);
		return;
	}
	/* Replace any probe in flight by one of this newer version. */
	if (fn->probe != NULL) {
		struct worker *p = fn->probe;

		fn->probe = NULL;
		p->quiet = 1;
		worker_retire(p);
	}
	version_unref(fn->candidate);
	fn->candidate = v;
	fn->probe = worker_spawn(fn, v, 1);
	if (fn->probe == NULL) {
		fn_set_error(fn, "could not start a worker to try the new "
		    "version");
		version_unref(fn->candidate);
		fn->candidate = NULL;
	}
}

static void
scan_dir(struct sl_host *h)
{
	DIR *d = opendir(h->dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);

		if (n > 3 && strcmp(e->d_name + n - 3, ".so") == 0)
			fn_load(h, e->d_name, n - 3);
	}
	closedir(d);
}

static void
inotify_cb(void *arg, int fd, unsigned events)
{
	struct sl_host *h = arg;
	char buf[8192] __attribute__((aligned(__alignof__(struct
	    inotify_event))));
	ssize_t n;

	(void)events;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		char *p = buf;

		while (p < buf + n) {
			struct inotify_event *ev = (struct inotify_event *)p;
			size_t l = ev->len ? strlen(ev->name) : 0;

			if (l > 3 && strcmp(ev->name + l - 3, ".so") == 0)
				fn_load(h, ev->name, l - 3);
			else if (l > 5 &&
			    strcmp(ev->name + l - 5, ".json") == 0 &&
			    fn_find(h, ev->name, l - 5) != NULL)
				fn_load(h, ev->name, l - 5);
			p += sizeof(*ev) + ev->len;
		}
	}
}

/* --- the shared empty network namespace ---------------------------------- */

/* Create one empty network namespace for all workers: a short-lived child
 * unshares and the host keeps a handle on its namespace. */
static int
make_netns(void)
{
	int p[2], fd = -1;
	pid_t pid;
	char c, path[64];

	if (geteuid() != 0 || pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		char ok = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';

		(void)write(p[1], &ok, 1);
		for (;;)
			pause(); /* until the parent has the namespace */
	}
	close(p[1]);
	if (read(p[0], &c, 1) == 1 && c == 'y') {
		snprintf(path, sizeof(path), "/proc/%ld/ns/net", (long)pid);
		fd = fd_high(open(path, O_RDONLY | O_CLOEXEC));
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	close(p[0]);
	return fd;
}

/* --- public API ------------------------------------------------------------ */

static char *
find_worker(const char *configured)
{
	char exe[PATH_MAX], *slash, *p;
	const char *env = getenv("SLUICE_WORKER");
	ssize_t n;

	if (configured != NULL)
		return xstrdup(configured);
	if (env != NULL && *env)
		return xstrdup(env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL) {
			*slash = '\0';
			p = xasprintf("%s/sluice-worker", exe);
			if (access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	return xstrdup(SL_PREFIX "/libexec/sluice/sluice-worker");
}

struct sl_host *
sl_host_new(struct sl_loop *loop, const struct sl_host_config *cfg,
    struct sl_err *err)
{
	struct sl_host *h;
	const char *s;

	if (cfg == NULL || cfg->functions_dir == NULL) {
		sl_err_set(err, "InvalidParameterValueException",
		    "functions_dir is required");
		return NULL;
	}
	h = xcalloc(1, sizeof(*h));
	h->loop = loop;
	h->netns_fd = -1;
	h->inotify_fd = -1;
	h->dir = realpath(cfg->functions_dir, NULL);
	if (h->dir == NULL)
		h->dir = xstrdup(cfg->functions_dir);
	h->data_dir = cfg->data_dir ? xstrdup(cfg->data_dir) : NULL;
	h->region = xstrdup(cfg->region ? cfg->region : "us-east-1");
	h->account = xstrdup(cfg->account ? cfg->account : "000000000000");
	h->worker_path = find_worker(cfg->worker_path);
	h->max_workers = cfg->max_workers ? cfg->max_workers :
	    DEFAULT_MAX_WORKERS;
	h->idle_ms = cfg->idle_ms ? cfg->idle_ms : DEFAULT_IDLE_MS;
	h->queue_max = cfg->queue_max ? cfg->queue_max : DEFAULT_QUEUE_MAX;
	h->retry_ms = cfg->event_retry_ms ? cfg->event_retry_ms :
	    DEFAULT_RETRY_MS;
	h->on_publish = cfg->on_publish;
	h->on_event_result = cfg->on_event_result;
	h->cb_arg = cfg->cb_arg;
	h->timeout_override = cfg->timeout_override;
	h->memory_override = cfg->memory_override;
	h->next_id = 1;
	if (getrandom(&h->rng, sizeof(h->rng), 0) != sizeof(h->rng))
		h->rng = sl_loop_now_us() ^ (uint64_t)getpid();
	if (access(h->worker_path, X_OK) < 0) {
		sl_err_set(err, "ServiceException",
		    "worker image %s: %s (set SLUICE_WORKER)", h->worker_path,
		    strerror(errno));
		goto fail;
	}
	if (sl_filter_build(&h->bpf, &h->bpf_len, err) < 0)
		goto fail;
	h->landlock_abi = sl_sandbox_landlock_abi();
	if (h->landlock_abi == 0)
		fprintf(stderr, "sluice: warning: this kernel has no Landlock: "
		    "functions are not confined to their files\n");
	h->uid = h->gid = -1;
	if (geteuid() == 0) {
		h->uid = h->gid = DEFAULT_UID;
		if ((s = getenv("SLUICE_WORKER_UID")) != NULL && *s)
			h->uid = h->gid = strtol(s, NULL, 10);
		if ((s = getenv("SLUICE_WORKER_GID")) != NULL && *s)
			h->gid = strtol(s, NULL, 10);
		h->netns_fd = make_netns();
	}
	if (cfg->single_so != NULL) {
		const char *base = strrchr(cfg->single_so, '/');
		size_t n;

		base = base ? base + 1 : cfg->single_so;
		n = strlen(base);
		if (n > 3 && strcmp(base + n - 3, ".so") == 0)
			n -= 3;
		if (!name_valid(base, n)) {
			sl_err_set(err, "InvalidParameterValueException",
			    "%s: a function file is NAME.so with NAME of "
			    "[A-Za-z0-9_-]", cfg->single_so);
			goto fail;
		}
		fn_load(h, base, n);
		if (fn_find(h, base, n) == NULL) {
			sl_err_set(err, "ResourceNotFoundException",
			    "%s: no such function file", cfg->single_so);
			goto fail;
		}
		if (fn_find(h, base, n)->cur == NULL) {
			sl_err_set(err, "InvalidParameterValueException", "%s",
			    fn_find(h, base, n)->load_error);
			goto fail;
		}
		return h;
	}
	if (cfg->watch_dir) {
		h->inotify_fd = fd_high(inotify_init1(IN_NONBLOCK |
		    IN_CLOEXEC));
		if (h->inotify_fd < 0 ||
		    inotify_add_watch(h->inotify_fd, h->dir, IN_CLOSE_WRITE |
		    IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM) < 0 ||
		    sl_loop_watch(loop, h->inotify_fd, SL_LOOP_READ,
		    inotify_cb, h) < 0) {
			sl_err_set(err, "ServiceException",
			    "watching %s: %s", h->dir, strerror(errno));
			goto fail;
		}
	}
	scan_dir(h);
	return h;
fail:
	sl_host_free(h);
	return NULL;
}

void
sl_host_free(struct sl_host *h)
{
	struct function *fn;

	if (h == NULL)
		return;
	while (h->workers != NULL) {
		struct worker *w = h->workers;
		siginfo_t si;

		if (!w->exited && w->pidfd >= 0) {
			(void)syscall(SYS_pidfd_send_signal, w->pidfd,
			    SIGKILL, NULL, 0);
			while (waitid((idtype_t)P_PIDFD, (id_t)w->pidfd, &si,
			    WEXITED) < 0 && errno == EINTR)
				;
		}
		w->exited = 1;
		w->inv = NULL;
		worker_free(w);
	}
	while (h->invs != NULL)
		inv_free(h->invs);
	while ((fn = h->fns) != NULL) {
		h->fns = fn->next;
		version_unref(fn->cur);
		version_unref(fn->candidate);
		free(fn->name);
		free(fn->arn);
		free(fn->so_path);
		free(fn->json_path);
		free(fn->load_error);
		sl_buf_release(&fn->ring);
		free(fn);
	}
	if (h->inotify_fd >= 0) {
		sl_loop_unwatch(h->loop, h->inotify_fd);
		close(h->inotify_fd);
	}
	if (h->netns_fd >= 0)
		close(h->netns_fd);
	free(h->bpf);
	free(h->dir);
	free(h->data_dir);
	free(h->region);
	free(h->account);
	free(h->worker_path);
	free(h->single_so);
	free(h);
}

uint64_t
sl_host_invoke(struct sl_host *h, const struct sl_invoke_request *req,
    sl_invoke_cb *cb, void *arg)
{
	struct invocation *inv = xcalloc(1, sizeof(*inv));
	struct function *fn;
	const char *payload = req->payload ? req->payload : "{}";
	size_t len = req->payload ? req->payload_len : 2;
	size_t max = req->type == SL_INVOKE_EVENT ? SL_INVOKE_EVENT_MAX :
	    SL_INVOKE_SYNC_MAX;
	cJSON *check;

	inv->id = h->next_id++;
	inv->host = h;
	inv->type = req->type;
	inv->cb = cb;
	inv->arg = arg;
	inv->want_tail = req->want_log_tail;
	inv->cap_ms = req->timeout_cap_ms;
	inv->key = req->idempotency_key ? xstrdup(req->idempotency_key) :
	    NULL;
	sl_buf_init(&inv->log);
	sl_timer_init(&inv->timer, deliver_timer, inv);
	make_uuid(h, inv->rid);
	inv->anext = h->invs;
	if (h->invs)
		h->invs->aprev = inv;
	h->invs = inv;

	fn = fn_lookup(h, req->function);
	if (h->draining) {
		inv_refuse(inv, 503, "ServiceException", NULL,
		    "the function host is shutting down");
		goto later;
	}
	if (fn == NULL) {
		inv_refuse(inv, 404, "ResourceNotFoundException", NULL,
		    "Function not found: %s", req->function ? req->function :
		    "(null)");
		goto later;
	}
	inv->fn = fn;
	if (fn->cur == NULL) {
		inv_refuse(inv, 409, "ResourceConflictException", NULL,
		    "The operation cannot be performed at this time. The "
		    "function is currently in the following state: Failed "
		    "(%s)", fn->load_error ? fn->load_error : "not loaded");
		goto later;
	}
	if (fn_limit(fn) == 0) {
		inv_refuse(inv, 429, "TooManyRequestsException",
		    "ReservedFunctionConcurrentInvocationLimitExceeded",
		    "Rate Exceeded.");
		goto later;
	}
	if (len > max) {
		inv_refuse(inv, 413, "RequestTooLargeException", NULL,
		    "Request must be smaller than %zu bytes for the %s "
		    "operation", max, req->type == SL_INVOKE_EVENT ?
		    "InvokeAsync" : "Invoke");
		goto later;
	}
	check = cJSON_ParseWithLength(payload, len);
	if (check == NULL) {
		inv_refuse(inv, 400, "InvalidRequestContentException", NULL,
		    "Could not parse request body into json");
		goto later;
	}
	cJSON_Delete(check);
	inv->payload = xmalloc(len + 1);
	memcpy(inv->payload, payload, len);
	inv->payload[len] = '\0';
	inv->payload_len = len;

	if (req->type == SL_INVOKE_EVENT) {
		struct invocation *run;

		if (h->events_pending >= EVENT_BACKLOG_MAX) {
			inv_refuse(inv, 429, "TooManyRequestsException",
			    "ConcurrentInvocationLimitExceeded",
			    "Rate Exceeded.");
			goto later;
		}
		/* The caller's callback gets 202 now; a host-owned run goes
		 * into the queue and reports through on_event_result. */
		run = xcalloc(1, sizeof(*run));
		*run = *inv;
		run->id = h->next_id++;
		run->cb = NULL;
		run->arg = NULL;
		run->event = 1;
		run->attempts = 1;
		run->key = inv->key ? xstrdup(inv->key) : NULL;
		sl_buf_init(&run->log);
		sl_timer_init(&run->timer, deliver_timer, run);
		run->anext = h->invs;
		run->aprev = NULL;
		h->invs->aprev = run;
		h->invs = run;
		inv->payload = NULL;
		h->events_pending++;
		fn_enqueue(fn, run);
		fn_pump(fn);
		inv_set_result(inv, 202, "", 0);
		goto later;
	}
	/* Refused only when no worker is free or may start and queue_max
	 * invocations already wait (beyond those a starting worker will
	 * take). */
	if (fn_idle_worker(fn) == NULL && !(fn->starting < fn->nsync +
	    fn->nevent + 1 && can_spawn(fn)) &&
	    (fn->nsync > fn->starting ? fn->nsync - fn->starting : 0) >=
	    h->queue_max) {
		inv_refuse(inv, 429, "TooManyRequestsException",
		    fn->cur->cfg.reserved >= 0 ?
		    "ReservedFunctionConcurrentInvocationLimitExceeded" :
		    "ConcurrentInvocationLimitExceeded", "Rate Exceeded.");
		goto later;
	}
	fn_enqueue(fn, inv);
	fn_pump(fn);
	return inv->id;
later:
	inv_deliver_later(inv);
	return inv->id;
}

void
sl_host_cancel(struct sl_host *h, uint64_t id)
{
	struct invocation *inv;

	for (inv = h->invs; inv != NULL; inv = inv->anext)
		if (inv->id == id && !inv->event)
			break;
	if (inv == NULL)
		return;
	if (inv->state == I_QUEUED && inv->fn != NULL &&
	    (inv->qprev != NULL || inv->fn->qhead == inv))
		fn_dequeue(inv->fn, inv);
	if (inv->w != NULL) {
		struct worker *w = inv->w;

		w->inv = NULL;
		inv->w = NULL;
		worker_retire(w);
	}
	inv_free(inv);
}

/* --- describing functions ----------------------------------------------------- */

static cJSON *
fn_describe(struct sl_host *h, struct function *fn)
{
	cJSON *c = cJSON_CreateObject(), *env, *vars;
	const struct sl_fn_config *cfg = fn->cur ? &fn->cur->cfg : NULL;
	size_t i;

	cJSON_AddStringToObject(c, "FunctionName", fn->name);
	cJSON_AddStringToObject(c, "FunctionArn", fn->arn);
	cJSON_AddStringToObject(c, "Runtime", "provided.sluice");
	cJSON_AddStringToObject(c, "Version", "$LATEST");
	cJSON_AddStringToObject(c, "State", cfg ? "Active" : "Failed");
	cJSON_AddStringToObject(c, "LastUpdateStatus", fn->load_error ?
	    "Failed" : "Successful");
	if (fn->load_error)
		cJSON_AddStringToObject(c, "LastUpdateStatusReason",
		    fn->load_error);
	if (cfg == NULL)
		return c;
	cJSON_AddStringToObject(c, "Handler", cfg->handler);
	cJSON_AddNumberToObject(c, "Timeout", cfg->timeout_s);
	cJSON_AddNumberToObject(c, "MemorySize", cfg->memory_mb);
	cJSON_AddNumberToObject(c, "CodeSize", (double)fn->cur->so_size);
	if (cfg->description)
		cJSON_AddStringToObject(c, "Description", cfg->description);
	env = cJSON_AddObjectToObject(c, "Environment");
	vars = cJSON_AddObjectToObject(env, "Variables");
	for (i = 0; i < cfg->nenv; i++)
		cJSON_AddStringToObject(vars, cfg->env_names[i],
		    cfg->env_values[i]);
	(void)h;
	return c;
}

char *
sl_host_list_functions_json(struct sl_host *h)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *a = cJSON_AddArrayToObject(o, "Functions");
	struct function *fn;
	char *s, *r;

	for (fn = h->fns; fn != NULL; fn = fn->next)
		if (!fn->removed)
			cJSON_AddItemToArray(a, fn_describe(h, fn));
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	r = xstrdup(s);
	cJSON_free(s);
	return r;
}

char *
sl_host_get_function_json(struct sl_host *h, const char *function,
    struct sl_err *err)
{
	struct function *fn = fn_lookup(h, function);
	cJSON *o, *sb, *c;
	char *s, *r;
	char ll[64];
	size_t i;

	if (fn == NULL) {
		sl_err_set(err, "ResourceNotFoundException",
		    "Function not found: %s", function ? function : "(null)");
		return NULL;
	}
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "Configuration", fn_describe(h, fn));
	c = cJSON_AddObjectToObject(o, "Concurrency");
	if (fn->cur && fn->cur->cfg.reserved >= 0)
		cJSON_AddNumberToObject(c, "ReservedConcurrentExecutions",
		    fn->cur->cfg.reserved);
	sb = cJSON_AddObjectToObject(o, "Sandbox");
	if (h->landlock_abi > 0)
		snprintf(ll, sizeof(ll), "ABI %d", h->landlock_abi);
	else
		snprintf(ll, sizeof(ll), "unavailable: files are not "
		    "confined");
	cJSON_AddStringToObject(sb, "Landlock", ll);
	cJSON_AddBoolToObject(sb, "Seccomp", 1);
	cJSON_AddNumberToObject(sb, "Uid", (double)h->uid);
	if (fn->cur) {
		const struct sl_fn_config *cfg = &fn->cur->cfg;
		cJSON *p, *a;

		cJSON_AddStringToObject(sb, "Network",
		    sl_config_network_name(cfg->network));
		cJSON_AddBoolToObject(sb, "NetworkNamespace",
		    cfg->network == SL_NET_NONE && h->netns_fd >= 0);
		a = cJSON_AddArrayToObject(sb, "Ports");
		for (i = 0; i < cfg->nports; i++)
			cJSON_AddItemToArray(a,
			    cJSON_CreateNumber(cfg->ports[i]));
		p = cJSON_AddObjectToObject(sb, "Paths");
		json_add_strv(p, "read", cfg->read_paths, cfg->nread);
		json_add_strv(p, "write", cfg->write_paths, cfg->nwrite);
		cJSON_AddNumberToObject(sb, "AddressSpaceMB", cfg->memory_mb +
		    SL_SANDBOX_AS_HEADROOM_MB);
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	r = xstrdup(s);
	cJSON_free(s);
	return r;
}

char *
sl_host_function_logs(struct sl_host *h, const char *function,
    struct sl_err *err)
{
	struct function *fn = fn_lookup(h, function);
	const char *p;

	if (fn == NULL) {
		sl_err_set(err, "ResourceNotFoundException",
		    "Function not found: %s", function ? function : "(null)");
		return NULL;
	}
	p = fn->ring.data;
	if (fn->ring.len > FN_LOG_RING) {
		p = memchr(fn->ring.data + fn->ring.len - FN_LOG_RING, '\n',
		    FN_LOG_RING);
		p = p ? p + 1 : fn->ring.data + fn->ring.len - FN_LOG_RING;
	}
	return xstrdup(p);
}

void
sl_host_sandbox_info(const struct sl_host *h, struct sl_host_sandbox_info *i)
{
	i->landlock_abi = h->landlock_abi;
	i->netns = h->netns_fd >= 0;
	i->uid = h->uid;
}

void
sl_host_drain(struct sl_host *h)
{
	struct worker *w;

	h->draining = 1;
	for (w = h->workers; w != NULL; w = w->next)
		if (w->state == W_IDLE)
			worker_retire(w);
}

int
sl_host_busy(const struct sl_host *h)
{
	const struct invocation *inv;

	for (inv = h->invs; inv != NULL; inv = inv->anext)
		if (inv->state == I_QUEUED || inv->state == I_RUNNING ||
		    inv->state == I_RETRY)
			return 1;
	return 0;
}
