/* The function host: the functions folder (scan + inotify hot reload),
 * versions, invocations (admission, limits, results, Event retries,
 * delivery) and the public API of host.h. Worker processes and scheduling
 * are in pool.c. */
#include "runtime/pool.h"
#include "runtime/filter.h"
#include "runtime/sandbox.h"
#include "runtime/spawner.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/xmalloc.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static void inv_free(struct sl_invocation *inv);

/* --- small helpers -------------------------------------------------------- */

/* --- versions ------------------------------------------------------------- */

void
sl_host_version_unref(struct sl_version *v)
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

struct sl_version *
sl_host_version_ref(struct sl_version *v)
{
	v->refs++;
	return v;
}

/* Copy the .so into a sealed memfd: the worker loads exactly these bytes,
 * whatever later happens to the file. */
static int64_t
mtime_ms(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000 +
	       st->st_mtim.tv_nsec / 1000000;
}

static int
copy_to_memfd(
    const char *path, size_t *size, int64_t *mtime, struct sl_err *err)
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
		ssize_t n =
		    copy_file_range(in, NULL, out, NULL, (size_t)left, 0);

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
	(void)fcntl(out, F_ADD_SEALS,
	    F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	close(in);
	*size = (size_t)st.st_size;
	*mtime = mtime_ms(&st);
	return sl_pool_fd_high(out);
fail:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return -1;
}

/* Create the write paths a function is granted (a path ending in a name
 * is taken as a folder) and, when the host runs as root, give them to the
 * worker uid so that its unprivileged workers can use them. */
static void
prepare_write_paths(struct sl_host *h, const struct sl_fn_config *c)
{
	size_t i;
	int give = geteuid() == 0 && h->uid >= 0;

	for (i = 0; i < c->nwrite; i++) {
		const char *p = c->write_paths[i];
		struct stat st;

		(void)sl_mkdirs(p, give ? 0750 : 0755, NULL);
		/* Never through a symlink: that could hand out any folder. */
		if (give && lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			(void)lchown(p, (uid_t)h->uid, (gid_t)h->gid);
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

static struct sl_version *
version_new(struct sl_function *fn, struct sl_err *err)
{
	struct sl_host *h = fn->host;
	struct sl_version *v = xcalloc(1, sizeof(*v));
	struct sl_config_vars vars;
	struct stat st;
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
	v->so_fd = copy_to_memfd(fn->so_path, &v->so_size, &v->mtime_ms, err);
	if (v->so_fd < 0)
		goto fail;
	if (fn->json_path != NULL && stat(fn->json_path, &st) == 0 &&
	    mtime_ms(&st) > v->mtime_ms)
		v->mtime_ms = mtime_ms(&st);
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
	cJSON_AddBoolToObject(
	    o, "batch", h->worker_sched == SL_WORKER_SCHED_BATCH);
	cJSON_AddBoolToObject(
	    o, "netns", v->cfg.network == SL_NET_NONE && h->netns_fd >= 0);
	cJSON_AddStringToObject(
	    o, "network", sl_config_network_name(v->cfg.network));
	a = cJSON_AddArrayToObject(o, "ports");
	for (i = 0; i < v->cfg.nports; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(v->cfg.ports[i]));
	json_add_strv(o, "read", v->cfg.read_paths, v->cfg.nread);
	json_add_strv(o, "write", v->cfg.write_paths, v->cfg.nwrite);
	v->start_json = sl_json_print(o);
	cJSON_Delete(o);

	n = 0;
	v->envp = xcalloc(v->cfg.nenv + 8, sizeof(char *));
	for (i = 0; i < v->cfg.nenv; i++)
		v->envp[n++] = xasprintf(
		    "%s=%s", v->cfg.env_names[i], v->cfg.env_values[i]);
	v->envp[n++] = xasprintf("AWS_LAMBDA_FUNCTION_NAME=%s", fn->name);
	v->envp[n++] =
	    xasprintf("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=%u", v->cfg.memory_mb);
	v->envp[n++] = xasprintf("AWS_REGION=%s", h->region);
	if (getenv("UBSAN_OPTIONS") != NULL)
		v->envp[n++] =
		    xasprintf("UBSAN_OPTIONS=%s", getenv("UBSAN_OPTIONS"));
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

/* --- invocation results --------------------------------------------------- */

void
sl_host_inv_set_result(
    struct sl_invocation *inv, int status, const char *payload, size_t len)
{
	free(inv->res_payload);
	inv->status = status;
	inv->res_payload = xmalloc(len + 1);
	memcpy(inv->res_payload, payload, len);
	inv->res_payload[len] = '\0';
	inv->res_len = len;
}

/* A function error: {"errorType","errorMessage"}. */
void
sl_host_inv_set_error(struct sl_invocation *inv, const char *fe,
    const char *type, const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddStringToObject(o, "errorType", type);
	cJSON_AddStringToObject(o, "errorMessage", msg);
	s = sl_json_print(o);
	cJSON_Delete(o);
	sl_host_inv_set_result(inv, 200, s, strlen(s));
	cJSON_free(s);
	inv->function_error = fe;
	free(inv->error_type);
	free(inv->error_message);
	inv->error_type = xstrdup(type);
	inv->error_message = xstrdup(msg);
}

/* A function error given as the worker's JSON error payload. */
void
sl_host_inv_set_error_json(
    struct sl_invocation *inv, const char *fe, const char *json, size_t len)
{
	cJSON *o = cJSON_ParseWithLength(json, len);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "errorType");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "errorMessage");

	if (!cJSON_IsString(t)) {
		cJSON_Delete(o);
		sl_host_inv_set_error(inv, "Unhandled",
		    "Runtime.InvalidResponse",
		    "the runtime sent a malformed error");
		return;
	}
	sl_host_inv_set_error(
	    inv, fe, t->valuestring, cJSON_IsString(m) ? m->valuestring : "");
	cJSON_Delete(o);
}

/* A refusal by the host (4xx/5xx) with AWS's error body. */
void
sl_host_inv_refuse(struct sl_invocation *inv, int status, const char *type,
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
	cJSON_AddStringToObject(o, "Type", status >= 500 ? "Service" : "User");
	cJSON_AddStringToObject(o, "Message", m.data);
	if (reason != NULL) {
		cJSON_AddStringToObject(o, "Reason", reason);
		cJSON_AddStringToObject(o, "retryAfterSeconds", "1");
	}
	s = sl_json_print(o);
	cJSON_Delete(o);
	sl_host_inv_set_result(inv, status, s, strlen(s));
	cJSON_free(s);
	inv->function_error = NULL;
	free(inv->error_type);
	free(inv->error_message);
	inv->error_type = xstrdup(type);
	inv->error_message = sl_buf_detach(&m, NULL);
}

void
sl_host_fn_log_line(
    struct sl_function *fn, const char *rid, const char *line, size_t n)
{
	sl_buf_addstr(&fn->ring, rid && *rid ? rid : "-");
	sl_buf_addch(&fn->ring, '\t');
	sl_buf_add(&fn->ring, line, n);
	sl_buf_addch(&fn->ring, '\n');
	if (fn->ring.len > 2 * SL_POOL_LOG_RING) {
		const char *cut =
		    fn->ring.data + fn->ring.len - SL_POOL_LOG_RING;
		const char *nl = memchr(cut, '\n', SL_POOL_LOG_RING);

		sl_buf_consume(&fn->ring, nl ? (size_t)(nl + 1 - fn->ring.data)
		                             : fn->ring.len - SL_POOL_LOG_RING);
	}
}

void
sl_host_inv_log(struct sl_invocation *inv, const char *p, size_t n)
{
	if (!inv->want_tail)
		return; /* the function's ring has the lines */
	sl_buf_add(&inv->log, p, n);
	if (inv->log.len > 4 * SL_INVOKE_LOG_TAIL)
		sl_buf_consume(&inv->log, inv->log.len - SL_INVOKE_LOG_TAIL);
}

/* --- deferred delivery ---------------------------------------------------- */

static void
inv_list_remove(struct sl_invocation *inv)
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

/* Free an invocation that is on no list and has no timer running. */
static void
inv_release(struct sl_invocation *inv)
{
	free(inv->payload);
	free(inv->key);
	free(inv->res_payload);
	free(inv->error_type);
	free(inv->error_message);
	sl_buf_release(&inv->log);
	free(inv);
}

static void
inv_free(struct sl_invocation *inv)
{
	if (inv == NULL)
		return;
	sl_loop_timer_stop(inv->host->loop, &inv->timer);
	inv_list_remove(inv);
	inv_release(inv);
}

void
sl_host_inv_drop(struct sl_invocation *inv)
{
	inv_free(inv);
}

static void event_finished(struct sl_invocation *inv);

/* Count an outcome in its function's stats (once per delivery: an Event
 * run's every attempt, never the caller's 202). */
static void
stats_record(const struct sl_invocation *inv)
{
	struct sl_fn_stats *st;

	if (inv->fn == NULL)
		return;
	st = &inv->fn->stats;
	if (inv->status == 429) {
		st->throttles++;
		return;
	}
	if (inv->status != 200)
		return;
	st->invocations++;
	if (inv->cold)
		st->cold_starts++;
	if (inv->function_error != NULL) {
		if (strcmp(inv->function_error, "Handled") == 0)
			st->errors_handled++;
		else
			st->errors_unhandled++;
		if (inv->error_type != NULL &&
		    strcmp(inv->error_type, "Sandbox.Timedout") == 0)
			st->timeouts++;
	}
	if (inv->start_us != 0) {
		/* It ran on a worker: keep its run time. */
		uint32_t d = inv->duration_us > UINT32_MAX
		                 ? UINT32_MAX
		                 : (uint32_t)inv->duration_us;

		st->avg_us =
		    st->dur_n == 0
		        ? d
		        : (uint32_t)(((uint64_t)st->avg_us * 7 + d) / 8);
		st->dur[st->dur_next] = d;
		st->dur_next = (st->dur_next + 1) % SL_POOL_DUR_RING;
		if (st->dur_n < SL_POOL_DUR_RING)
			st->dur_n++;
	}
}

/* Hand the outcome to the caller and free the invocation. */
static void
inv_deliver(struct sl_invocation *inv)
{
	struct sl_invoke_result r;
	const char *tail = NULL;

	stats_record(inv);
	if (inv->event) {
		event_finished(inv);
		return;
	}
	if (inv->want_tail && inv->status == 200) {
		if (inv->log.len > SL_INVOKE_LOG_TAIL)
			tail =
			    inv->log.data + inv->log.len - SL_INVOKE_LOG_TAIL;
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
	/* Past this point inv is off every host list: the callback may even
	 * free the host. */
	if (inv->cb != NULL)
		inv->cb(inv->arg, &r);
	inv_release(inv);
}

static void
deliver_timer(struct sl_timer *t)
{
	inv_deliver(t->arg);
}

/* Deliver from the loop on its next turn (used where the caller may still
 * be inside sl_host_invoke). */
static void
inv_deliver_later(struct sl_invocation *inv)
{
	sl_loop_timer_stop(inv->host->loop, &inv->timer);
	inv->state = I_DELIVER;
	sl_timer_init(&inv->timer, deliver_timer, inv);
	sl_loop_timer_start(inv->host->loop, &inv->timer, 0);
}

/* The invocation has its outcome: deliver it (we are in a loop callback
 * here, never inside sl_host_invoke). */
void
sl_host_inv_complete(struct sl_invocation *inv)
{
	if (inv->status == 200 && inv->want_tail) {
		if (inv->log.len > 0 && inv->log.data[inv->log.len - 1] != '\n')
			sl_buf_addch(&inv->log, '\n');
		sl_buf_addf(&inv->log,
		    "END RequestId: %s\nREPORT RequestId: "
		    "%s\tDuration: %.2f ms\n",
		    inv->rid, inv->rid, (double)inv->duration_us / 1000.0);
	}
	inv_deliver_later(inv);
}

/* --- events --------------------------------------------------------------- */

static void
retry_cb(struct sl_timer *t)
{
	struct sl_invocation *inv = t->arg;

	if (inv->fn->removed || inv->host->draining) {
		if (inv->fn->removed)
			sl_host_inv_refuse(inv, 404,
			    "ResourceNotFoundException", NULL,
			    "Function not found: %s", inv->fn->arn);
		else
			sl_host_inv_refuse(inv, 503, "ServiceException", NULL,
			    "the function host is shutting down");
		inv->attempts = 3;
		event_finished(inv);
		return;
	}
	sl_pool_enqueue(inv->fn, inv);
	sl_pool_pump(inv->fn);
}

static void
event_finished(struct sl_invocation *inv)
{
	struct sl_host *h = inv->host;
	struct sl_invoke_result r;

	if (inv->function_error != NULL && inv->attempts < 3) {
		uint64_t delay = (uint64_t)h->retry_ms * 1000u *
		                 (inv->attempts == 1 ? 1u : 2u);

		inv->attempts++;
		inv->start_us = inv->duration_us = 0;
		inv->cold = 0;
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
	sl_loop_timer_stop(h->loop, &inv->timer);
	if (h->on_event_result != NULL)
		h->on_event_result(h->cb_arg, inv->fn->name, &r);
	inv_release(inv);
}

/* --- functions ------------------------------------------------------------ */

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

static struct sl_function *
fn_find(struct sl_host *h, const char *name, size_t n)
{
	struct sl_function *fn;

	for (fn = h->fns; fn != NULL; fn = fn->next)
		if (strlen(fn->name) == n && memcmp(fn->name, name, n) == 0)
			return fn;
	return NULL;
}

/* NAME, NAME:QUALIFIER or arn:aws:lambda:REGION:ACCOUNT:function:NAME[:Q] */
static struct sl_function *
fn_lookup(struct sl_host *h, const char *ref)
{
	const char *p = ref, *colon;
	struct sl_function *fn;

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
fn_set_error(struct sl_function *fn, const char *msg)
{
	free(fn->load_error);
	fn->load_error = msg ? xstrdup(msg) : NULL;
	if (msg != NULL)
		fprintf(stderr, "sluice: function %s: %s\n", fn->name, msg);
}

void
sl_host_probe_done(struct sl_worker *w, int ok)
{
	struct sl_function *fn = w->fn;

	if (fn->probe != w) {
		/* A newer change superseded this probe. */
		w->quiet = 1;
		sl_pool_retire(w);
		return;
	}
	fn->probe = NULL;
	if (ok && fn->candidate == w->ver) {
		struct sl_worker *o;

		sl_host_version_unref(fn->cur);
		fn->cur = fn->candidate;
		fn->candidate = NULL;
		fn_set_error(fn, NULL);
		/* Old warm workers go; busy ones finish first (sl_pool_idle
		 * retires them). */
		for (o = fn->host->workers; o != NULL; o = o->next)
			if (o->fn == fn && o->state == W_IDLE &&
			    o->ver != fn->cur)
				sl_pool_retire(o);
		w->probe = 0;
		w->state = W_IDLE;
		w->fresh = 1;
		w->ever_ready = 1;
		sl_pool_idle(w);
		return;
	}
	if (!ok) {
		char st[64], *m;

		if (w->fatal_type == NULL) {
			sl_pool_status_text(w->status, st, sizeof(st));
			m = xasprintf(
			    "%s failed to load (previous version "
			    "keeps serving): Runtime exited with error: %s",
			    fn->so_path, st);
		} else {
			m = xasprintf("%s failed to load (previous version "
			              "keeps serving): %s: %s",
			    fn->so_path, w->fatal_type, w->fatal_msg);
		}
		fn_set_error(fn, m);
		free(m);
	}
	sl_host_version_unref(fn->candidate);
	fn->candidate = NULL;
}

static struct sl_function *
fn_new(struct sl_host *h, const char *name, size_t n, const char *so_path)
{
	struct sl_function *fn = xcalloc(1, sizeof(*fn));
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
	struct sl_function *fn = fn_find(h, name, n);
	struct sl_err err = SL_ERR_INIT;
	struct sl_version *v;
	char *so;

	if (!name_valid(name, n))
		return;
	so = xasprintf("%s/%.*s.so", h->dir, (int)n, name);
	if (access(so, F_OK) < 0) {
		if (fn != NULL && !fn->removed) {
			struct sl_worker *w;
			struct sl_invocation *inv;

			fn->removed = 1;
			if (fn->probe != NULL) {
				fn->probe->quiet = 1;
				fn->probe = NULL;
			}
			sl_host_version_unref(fn->candidate);
			fn->candidate = NULL;
			for (w = h->workers; w != NULL; w = w->next)
				if (w->fn == fn &&
				    (w->state == W_IDLE || w->probe))
					sl_pool_retire(w);
			while ((inv = fn->qhead) != NULL) {
				sl_pool_dequeue(fn, inv);
				sl_host_inv_refuse(inv, 404,
				    "ResourceNotFoundException", NULL,
				    "Function not found: %s", fn->arn);
				sl_host_inv_complete(inv);
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
		sl_host_version_unref(fn->cur);
		fn->cur = v;
		fn->removed = 0;
		fn_set_error(fn, NULL);
		sl_pool_pump(fn);
		return;
	}
	/* Replace any probe in flight by one of this newer version. */
	if (fn->probe != NULL) {
		struct sl_worker *p = fn->probe;

		fn->probe = NULL;
		p->quiet = 1;
		sl_pool_retire(p);
	}
	sl_host_version_unref(fn->candidate);
	fn->candidate = v;
	fn->probe = sl_pool_spawn(fn, v, 1);
	if (fn->probe == NULL) {
		fn_set_error(fn, "could not start a worker to try the new "
		                 "version");
		sl_host_version_unref(fn->candidate);
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
change_free(struct sl_change *c)
{
	struct sl_host *h = c->host;
	struct sl_change **pp;

	for (pp = &h->changes; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	sl_loop_timer_stop(h->loop, &c->timer);
	free(c->name);
	free(c);
}

static void
change_timer_cb(struct sl_timer *t)
{
	struct sl_change *c = t->arg;
	struct sl_host *h = c->host;
	char *name;
	int so;

	if (c->writing)
		return; /* its IN_CLOSE_WRITE will come */
	name = c->name;
	so = c->so;
	c->name = NULL;
	change_free(c);
	/* A NAME.json alone matters only to a function NAME.so. */
	if (so || fn_find(h, name, strlen(name)) != NULL)
		fn_load(h, name, strlen(name));
	free(name);
}

/* Note a change to NAME(.so or .json) from inotify event mask m. */
static void
change_note(struct sl_host *h, const char *name, size_t n, int so, uint32_t m)
{
	struct sl_change *c;

	for (c = h->changes; c != NULL; c = c->next)
		if (strlen(c->name) == n && memcmp(c->name, name, n) == 0)
			break;
	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		c->host = h;
		c->name = xstrndup(name, n);
		sl_timer_init(&c->timer, change_timer_cb, c);
		c->next = h->changes;
		h->changes = c;
	}
	c->so |= so;
	/* Written to and not closed yet: wait for the close. A close, a
	 * rename or a removal ends the write. */
	c->writing = (m & IN_MODIFY) != 0;
	sl_loop_timer_stop(h->loop, &c->timer);
	sl_loop_timer_start(h->loop, &c->timer, SL_POOL_SETTLE_MS * 1000u);
}

static void
inotify_cb(void *arg, int fd, unsigned events)
{
	struct sl_host *h = arg;
	char buf[8192]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	(void)events;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		char *p = buf;

		while (p < buf + n) {
			struct inotify_event *ev = (struct inotify_event *)p;
			size_t l = ev->len ? strlen(ev->name) : 0;

			if (l > 3 && strcmp(ev->name + l - 3, ".so") == 0 &&
			    name_valid(ev->name, l - 3))
				change_note(h, ev->name, l - 3, 1, ev->mask);
			else if (l > 5 &&
			         strcmp(ev->name + l - 5, ".json") == 0 &&
			         name_valid(ev->name, l - 5))
				change_note(h, ev->name, l - 5, 0, ev->mask);
			p += sizeof(*ev) + ev->len;
		}
	}
}

/* --- the shared empty network namespace ----------------------------------- */

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
		fd = sl_pool_fd_high(open(path, O_RDONLY | O_CLOEXEC));
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	close(p[0]);
	return fd;
}

/* --- public API ----------------------------------------------------------- */

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
sl_host_new(
    struct sl_loop *loop, const struct sl_host_config *cfg, struct sl_err *err)
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
	h->dir = sl_abspath(cfg->functions_dir);
	/* Absolute, since configs name paths under it (Paths.write). */
	h->data_dir = cfg->data_dir ? sl_abspath(cfg->data_dir) : NULL;
	h->region = xstrdup(cfg->region ? cfg->region : "us-east-1");
	h->account = xstrdup(cfg->account ? cfg->account : "000000000000");
	h->worker_path = find_worker(cfg->worker_path);
	h->max_workers =
	    cfg->max_workers ? cfg->max_workers : SL_POOL_MAX_WORKERS;
	h->idle_ms = cfg->idle_ms ? cfg->idle_ms : SL_POOL_IDLE_MS;
	h->evict_idle_us = (uint64_t)(cfg->evict_idle_ms ? cfg->evict_idle_ms
	                                                 : SL_POOL_EVICT_IDLE_MS) *
	                   1000u;
	h->queue_max = cfg->queue_max ? cfg->queue_max : SL_POOL_QUEUE_MAX;
	h->retry_ms =
	    cfg->event_retry_ms ? cfg->event_retry_ms : SL_POOL_RETRY_MS;
	h->ahead_us = cfg->ahead_us < 0    ? 0
	              : cfg->ahead_us == 0 ? SL_POOL_AHEAD_US
	                                   : (uint64_t)cfg->ahead_us;
	h->worker_sched = cfg->worker_sched;
	h->on_publish = cfg->on_publish;
	h->on_event_result = cfg->on_event_result;
	h->cb_arg = cfg->cb_arg;
	h->timeout_override = cfg->timeout_override;
	h->memory_override = cfg->memory_override;
	h->next_id = 1;
	sl_rng_seed(&h->rng);
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
		h->uid = h->gid = SL_POOL_WORKER_UID;
		if ((s = getenv("SLUICE_WORKER_UID")) != NULL && *s)
			h->uid = h->gid = strtol(s, NULL, 10);
		if ((s = getenv("SLUICE_WORKER_GID")) != NULL && *s)
			h->gid = strtol(s, NULL, 10);
		h->netns_fd = make_netns();
	}
	/* Workers fork from a spawner when possible (a cold start without
	 * an exec); SLUICE_SPAWNER=0 makes every worker an exec, and so
	 * does a one-shot host (sluice run), where it would not pay. */
	if (cfg->single_so == NULL &&
	    ((s = getenv("SLUICE_SPAWNER")) == NULL || strcmp(s, "0") != 0))
		sl_pool_spawner_start(h);
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
			    "[A-Za-z0-9_-]",
			    cfg->single_so);
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
		h->inotify_fd =
		    sl_pool_fd_high(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
		if (h->inotify_fd < 0 ||
		    inotify_add_watch(h->inotify_fd, h->dir,
		        IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE |
		            IN_MOVED_FROM | IN_MODIFY) < 0 ||
		    sl_loop_watch(
		        loop, h->inotify_fd, SL_LOOP_READ, inotify_cb, h) < 0) {
			sl_err_set(err, "ServiceException", "watching %s: %s",
			    h->dir, strerror(errno));
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
	struct sl_function *fn;

	if (h == NULL)
		return;
	sl_pool_spawner_free(h);
	sl_pool_strays_free(h);
	sl_loop_timer_stop(h->loop, &h->evict_timer);
	while (h->workers != NULL) {
		struct sl_worker *w = h->workers;
		siginfo_t si;

		if (!w->exited && w->pidfd >= 0) {
			(void)syscall(
			    SYS_pidfd_send_signal, w->pidfd, SIGKILL, NULL, 0);
			while (waitid((idtype_t)P_PIDFD, (id_t)w->pidfd, &si,
			           WEXITED) < 0 &&
			       errno == EINTR)
				;
		}
		w->exited = 1;
		w->inv = NULL;
		w->ahead = NULL;
		sl_pool_free_worker(w);
	}
	while (h->invs != NULL)
		inv_free(h->invs);
	while ((fn = h->fns) != NULL) {
		h->fns = fn->next;
		sl_host_version_unref(fn->cur);
		sl_host_version_unref(fn->candidate);
		free(fn->name);
		free(fn->arn);
		free(fn->so_path);
		free(fn->json_path);
		free(fn->load_error);
		sl_buf_release(&fn->ring);
		free(fn);
	}
	while (h->changes != NULL)
		change_free(h->changes);
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
	struct sl_invocation *inv = xcalloc(1, sizeof(*inv));
	struct sl_function *fn;
	const char *payload = req->payload ? req->payload : "{}";
	size_t len = req->payload == NULL ? 2 : req->payload_len;
	size_t max = req->type == SL_INVOKE_EVENT ? SL_INVOKE_EVENT_MAX
	                                          : SL_INVOKE_SYNC_MAX;
	cJSON *check;

	if (req->payload != NULL && len == 0)
		len = strlen(req->payload); /* NUL-terminated */
	inv->id = h->next_id++;
	inv->host = h;
	inv->type = req->type;
	inv->cb = cb;
	inv->arg = arg;
	inv->want_tail = req->want_log_tail;
	inv->cap_ms = req->timeout_cap_ms;
	inv->key = req->idempotency_key ? xstrdup(req->idempotency_key) : NULL;
	sl_buf_init(&inv->log);
	sl_timer_init(&inv->timer, deliver_timer, inv);
	sl_rng_uuid(&h->rng, inv->rid);
	inv->anext = h->invs;
	if (h->invs)
		h->invs->aprev = inv;
	h->invs = inv;

	fn = fn_lookup(h, req->function);
	if (h->draining) {
		sl_host_inv_refuse(inv, 503, "ServiceException", NULL,
		    "the function host is shutting down");
		goto later;
	}
	if (fn == NULL) {
		sl_host_inv_refuse(inv, 404, "ResourceNotFoundException", NULL,
		    "Function not found: %s",
		    req->function ? req->function : "(null)");
		goto later;
	}
	inv->fn = fn;
	if (fn->cur == NULL) {
		sl_host_inv_refuse(inv, 409, "ResourceConflictException", NULL,
		    "The operation cannot be performed at this time. The "
		    "function is currently in the following state: Failed "
		    "(%s)",
		    fn->load_error ? fn->load_error : "not loaded");
		goto later;
	}
	if (sl_pool_limit(fn) == 0) {
		sl_host_inv_refuse(inv, 429, "TooManyRequestsException",
		    "ReservedFunctionConcurrentInvocationLimitExceeded",
		    "Rate Exceeded.");
		goto later;
	}
	if (len > max) {
		sl_host_inv_refuse(inv, 413, "RequestTooLargeException", NULL,
		    "Request must be smaller than %zu bytes for the %s "
		    "operation",
		    max,
		    req->type == SL_INVOKE_EVENT ? "InvokeAsync" : "Invoke");
		goto later;
	}
	check = cJSON_ParseWithLength(payload, len);
	if (check == NULL) {
		sl_host_inv_refuse(inv, 400, "InvalidRequestContentException",
		    NULL, "Could not parse request body into json");
		goto later;
	}
	cJSON_Delete(check);
	inv->payload = xmalloc(len + 1);
	memcpy(inv->payload, payload, len);
	inv->payload[len] = '\0';
	inv->payload_len = len;

	if (req->type == SL_INVOKE_EVENT) {
		struct sl_invocation *run;

		if (h->events_pending >= SL_POOL_EVENT_BACKLOG) {
			sl_host_inv_refuse(inv, 429, "TooManyRequestsException",
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
		sl_pool_enqueue(fn, run);
		sl_pool_pump(fn);
		sl_host_inv_set_result(inv, 202, "", 0);
		goto later;
	}
	/* Refused only when no worker is free or may start and queue_max
	 * invocations already wait (beyond those a starting worker will
	 * take), and the caller is not a workflow's Task. */
	if (!req->queue_unbounded && sl_pool_idle_worker(fn) == NULL &&
	    !(fn->starting < fn->nsync + fn->nevent + 1 &&
	        sl_pool_can_spawn(fn)) &&
	    (fn->nsync > fn->starting ? fn->nsync - fn->starting : 0) >=
	        h->queue_max) {
		sl_host_inv_refuse(inv, 429, "TooManyRequestsException",
		    fn->cur->cfg.reserved >= 0
		        ? "ReservedFunctionConcurrentInvocationLimitExceeded"
		        : "ConcurrentInvocationLimitExceeded",
		    "Rate Exceeded.");
		goto later;
	}
	sl_pool_enqueue(fn, inv);
	sl_pool_pump(fn);
	return inv->id;
later:
	inv_deliver_later(inv);
	return inv->id;
}

void
sl_host_cancel(struct sl_host *h, uint64_t id)
{
	struct sl_invocation *inv;

	for (inv = h->invs; inv != NULL; inv = inv->anext)
		if (inv->id == id && !inv->event)
			break;
	if (inv == NULL)
		return;
	if (inv->state == I_QUEUED && inv->fn != NULL &&
	    (inv->qprev != NULL || inv->fn->qhead == inv))
		sl_pool_dequeue(inv->fn, inv);
	if (inv->w != NULL && inv->w->ahead == inv) {
		/* Sent ahead: the worker starts it the moment it is done with
		 * the invocation before, which is not to be harmed. It is
		 * dropped then, or when the worker ends first (pool.c). */
		inv->cancelled = 1;
		return;
	}
	if (inv->w != NULL) {
		struct sl_worker *w = inv->w;

		w->inv = NULL;
		inv->w = NULL;
		sl_pool_retire(w);
	}
	inv_free(inv);
}

/* --- describing functions ------------------------------------------------- */

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The p-th percentile (nearest rank) of n sorted values, in ms. */
static double
pct_ms(const uint32_t *v, unsigned n, unsigned p)
{
	unsigned rank = (n * p + 99) / 100;

	if (n == 0)
		return 0;
	return (double)v[rank > 0 ? rank - 1 : 0] / 1000.0;
}

/* "Stats": the function's counters, its workers now and the run time
 * percentiles of its recent invocations. */
static void
fn_add_stats(struct sl_host *h, struct sl_function *fn, cJSON *to)
{
	const struct sl_fn_stats *st = &fn->stats;
	cJSON *o = cJSON_AddObjectToObject(to, "Stats");
	uint32_t sorted[SL_POOL_DUR_RING];
	unsigned idle = 0, busy = 0, starting = 0;
	struct sl_worker *w;

	for (w = h->workers; w != NULL; w = w->next) {
		if (w->fn != fn || w->probe)
			continue;
		if (w->state == W_IDLE)
			idle++;
		else if (w->state == W_BUSY)
			busy++;
		else if (w->state == W_STARTING)
			starting++;
	}
	memcpy(sorted, st->dur, st->dur_n * sizeof(sorted[0]));
	qsort(sorted, st->dur_n, sizeof(sorted[0]), cmp_u32);
	cJSON_AddNumberToObject(o, "WarmIdle", idle);
	cJSON_AddNumberToObject(o, "WarmBusy", busy);
	cJSON_AddNumberToObject(o, "Starting", starting);
	cJSON_AddNumberToObject(o, "Queued", fn->nsync + fn->nevent);
	cJSON_AddNumberToObject(o, "Invocations", (double)st->invocations);
	cJSON_AddNumberToObject(o, "ColdStarts", (double)st->cold_starts);
	cJSON_AddNumberToObject(o, "Errors",
	    (double)(st->errors_handled + st->errors_unhandled));
	cJSON_AddNumberToObject(
	    o, "ErrorsHandled", (double)st->errors_handled);
	cJSON_AddNumberToObject(
	    o, "ErrorsUnhandled", (double)st->errors_unhandled);
	cJSON_AddNumberToObject(o, "Timeouts", (double)st->timeouts);
	cJSON_AddNumberToObject(o, "Throttles", (double)st->throttles);
	cJSON_AddNumberToObject(o, "SentAhead", (double)st->ahead);
	cJSON_AddNumberToObject(
	    o, "DurationP50Ms", pct_ms(sorted, st->dur_n, 50));
	cJSON_AddNumberToObject(
	    o, "DurationP99Ms", pct_ms(sorted, st->dur_n, 99));
	cJSON_AddNumberToObject(o, "DurationSamples", st->dur_n);
}

/* One line saying how the function's workers are confined. */
static char *
sandbox_summary(const struct sl_host *h, const struct sl_fn_config *cfg)
{
	struct sl_buf b = SL_BUF_INIT;

	sl_buf_init(&b);
	sl_buf_addf(&b, "seccomp, ");
	if (h->landlock_abi > 0)
		sl_buf_addf(&b, "Landlock ABI %d", h->landlock_abi);
	else
		sl_buf_addf(&b, "no Landlock");
	sl_buf_addf(&b, ", network %s", sl_config_network_name(cfg->network));
	if (cfg->network == SL_NET_NONE && h->netns_fd >= 0)
		sl_buf_addf(&b, " (namespace)");
	if (h->uid >= 0)
		sl_buf_addf(&b, ", uid %ld", h->uid);
	sl_buf_addf(&b, ", %u MB address space",
	    cfg->memory_mb + SL_SANDBOX_AS_HEADROOM_MB);
	if (cfg->nread + cfg->nwrite > 0)
		sl_buf_addf(&b, ", %zu granted path%s", cfg->nread + cfg->nwrite,
		    cfg->nread + cfg->nwrite > 1 ? "s" : "");
	return sl_buf_detach(&b, NULL);
}

/* Add that line to obj as "Summary". */
static void
add_sandbox_summary(const struct sl_host *h, cJSON *obj,
    const struct sl_fn_config *cfg)
{
	char *sum = sandbox_summary(h, cfg);

	cJSON_AddStringToObject(obj, "Summary", sum);
	free(sum);
}

/* AWS's LastModified: 2024-05-01T12:34:56.789+0000. */
static void
add_last_modified(cJSON *c, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[64], out[80];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, sizeof(out), "%s.%03d+0000", buf, (int)(ms % 1000));
	cJSON_AddStringToObject(c, "LastModified", out);
}

static cJSON *
fn_describe(struct sl_host *h, struct sl_function *fn)
{
	cJSON *c = cJSON_CreateObject(), *env, *vars;
	const struct sl_fn_config *cfg = fn->cur ? &fn->cur->cfg : NULL;
	size_t i;

	cJSON_AddStringToObject(c, "FunctionName", fn->name);
	cJSON_AddStringToObject(c, "FunctionArn", fn->arn);
	cJSON_AddStringToObject(c, "Runtime", "provided.sluice");
	cJSON_AddStringToObject(c, "Version", "$LATEST");
	cJSON_AddStringToObject(c, "State", cfg ? "Active" : "Failed");
	cJSON_AddStringToObject(
	    c, "LastUpdateStatus", fn->load_error ? "Failed" : "Successful");
	if (fn->load_error)
		cJSON_AddStringToObject(
		    c, "LastUpdateStatusReason", fn->load_error);
	if (cfg == NULL)
		return c;
	cJSON_AddStringToObject(c, "Handler", cfg->handler);
	cJSON_AddNumberToObject(c, "Timeout", cfg->timeout_s);
	cJSON_AddNumberToObject(c, "MemorySize", cfg->memory_mb);
	cJSON_AddNumberToObject(c, "CodeSize", (double)fn->cur->so_size);
	add_last_modified(c, fn->cur->mtime_ms);
	if (cfg->description)
		cJSON_AddStringToObject(c, "Description", cfg->description);
	env = cJSON_AddObjectToObject(c, "Environment");
	vars = cJSON_AddObjectToObject(env, "Variables");
	for (i = 0; i < cfg->nenv; i++)
		cJSON_AddStringToObject(
		    vars, cfg->env_names[i], cfg->env_values[i]);
	(void)h;
	return c;
}

char *
sl_host_list_functions_json(struct sl_host *h)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *a = cJSON_AddArrayToObject(o, "Functions");
	struct sl_function *fn;
	char *s;

	for (fn = h->fns; fn != NULL; fn = fn->next) {
		cJSON *c;

		if (fn->removed)
			continue;
		c = fn_describe(h, fn);
		/* Beside AWS's FunctionConfiguration: the stats and the
		 * sandbox in one line (GetFunction has it all). */
		fn_add_stats(h, fn, c);
		if (fn->cur != NULL)
			add_sandbox_summary(h, cJSON_AddObjectToObject(c,
			    "Sandbox"), &fn->cur->cfg);
		cJSON_AddItemToArray(a, c);
	}
	s = sl_json_print(o);
	cJSON_Delete(o);
	return s;
}

char *
sl_host_get_function_json(
    struct sl_host *h, const char *function, struct sl_err *err)
{
	struct sl_function *fn = fn_lookup(h, function);
	cJSON *o, *sb, *c;
	char *s;
	char ll[64];
	size_t i;

	if (fn == NULL) {
		sl_err_set(err, "ResourceNotFoundException",
		    "Function not found: %s", function ? function : "(null)");
		return NULL;
	}
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "Configuration", fn_describe(h, fn));
	fn_add_stats(h, fn, o);
	c = cJSON_AddObjectToObject(o, "Concurrency");
	if (fn->cur && fn->cur->cfg.reserved >= 0)
		cJSON_AddNumberToObject(
		    c, "ReservedConcurrentExecutions", fn->cur->cfg.reserved);
	sb = cJSON_AddObjectToObject(o, "Sandbox");
	if (h->landlock_abi > 0)
		snprintf(ll, sizeof(ll), "ABI %d", h->landlock_abi);
	else
		snprintf(ll, sizeof(ll),
		    "unavailable: files are not "
		    "confined");
	cJSON_AddStringToObject(sb, "Landlock", ll);
	cJSON_AddBoolToObject(sb, "Seccomp", 1);
	cJSON_AddNumberToObject(sb, "Uid", (double)h->uid);
	if (fn->cur) {
		const struct sl_fn_config *cfg = &fn->cur->cfg;
		cJSON *p, *a;

		cJSON_AddStringToObject(
		    sb, "Network", sl_config_network_name(cfg->network));
		cJSON_AddBoolToObject(sb, "NetworkNamespace",
		    cfg->network == SL_NET_NONE && h->netns_fd >= 0);
		a = cJSON_AddArrayToObject(sb, "Ports");
		for (i = 0; i < cfg->nports; i++)
			cJSON_AddItemToArray(
			    a, cJSON_CreateNumber(cfg->ports[i]));
		p = cJSON_AddObjectToObject(sb, "Paths");
		json_add_strv(p, "read", cfg->read_paths, cfg->nread);
		json_add_strv(p, "write", cfg->write_paths, cfg->nwrite);
		cJSON_AddNumberToObject(sb, "AddressSpaceMB",
		    cfg->memory_mb + SL_SANDBOX_AS_HEADROOM_MB);
		add_sandbox_summary(h, sb, cfg);
	}
	s = sl_json_print(o);
	cJSON_Delete(o);
	return s;
}

char *
sl_host_function_logs(
    struct sl_host *h, const char *function, struct sl_err *err)
{
	struct sl_function *fn = fn_lookup(h, function);
	const char *p;

	if (fn == NULL) {
		sl_err_set(err, "ResourceNotFoundException",
		    "Function not found: %s", function ? function : "(null)");
		return NULL;
	}
	p = fn->ring.data;
	if (fn->ring.len > SL_POOL_LOG_RING) {
		p = memchr(fn->ring.data + fn->ring.len - SL_POOL_LOG_RING,
		    '\n', SL_POOL_LOG_RING);
		p = p ? p + 1 : fn->ring.data + fn->ring.len - SL_POOL_LOG_RING;
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

int
sl_host_pin_loop(struct sl_host *h, int cpu, struct sl_err *err)
{
	cpu_set_t now, one;

	if (h->loop_pinned)
		now = h->child_cpus;
	else if (sched_getaffinity(0, sizeof(now), &now) < 0) {
		sl_err_set(err, "ServiceException",
		    "reading the CPU mask: %s", strerror(errno));
		return -1;
	}
	if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &now)) {
		sl_err_set(err, "InvalidParameterValue",
		    "CPU %d is not one this process may run on", cpu);
		return -1;
	}
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one) < 0) {
		sl_err_set(err, "ServiceException",
		    "pinning the loop to CPU %d: %s", cpu, strerror(errno));
		return -1;
	}
	h->child_cpus = now;
	h->loop_cpus = one;
	h->loop_pinned = 1;
	return 0;
}

void
sl_host_hold_spawns(struct sl_host *h, int hold)
{
	sl_pool_hold_spawns(h, hold);
}

void
sl_host_drain(struct sl_host *h)
{
	struct sl_worker *w;

	h->draining = 1;
	for (w = h->workers; w != NULL; w = w->next)
		if (w->state == W_IDLE)
			sl_pool_retire(w);
}

int
sl_host_busy(const struct sl_host *h)
{
	const struct sl_invocation *inv;

	for (inv = h->invs; inv != NULL; inv = inv->anext)
		if (inv->state == I_QUEUED || inv->state == I_RUNNING ||
		    inv->state == I_RETRY)
			return 1;
	return 0;
}
