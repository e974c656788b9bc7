/* Internal to the function host (host.c and pool.c; not an API): the
 * state they share and the calls between them. host.c owns functions,
 * versions and invocations; pool.c owns worker processes (spawn, IPC,
 * logs, deadlines, join) and the scheduling of invocations onto them.
 * Everything is for the loop's thread. */
#ifndef SL_POOL_H
#define SL_POOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/buf.h"
#include "common/loop.h"
#include "runtime/config.h"
#include "runtime/frame.h"
#include "runtime/host.h"

struct sl_spawner;

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
	int attempts; /* Event: runs so far */
	int event;    /* an internal Event run (cb is the host's) */
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
	struct sl_buf line; /* partial log line */
	int exited, eof, status;
	int probe;      /* a reload candidate */
	int fresh;      /* not yet used: the next invocation is cold */
	int ever_ready; /* finished its start */
	int quiet;      /* nothing to report when it ends */
	int counted;    /* counted in the host's and function's totals */
	int want_write;
	char *fatal_type; /* start failure reported by the worker */
	char *fatal_msg;
	uint64_t last_used_us;
	struct worker *next, *prev; /* host's list */
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
	unsigned active; /* counted workers (starting, idle, busy) */
	unsigned starting;
	unsigned nsync;  /* queued RequestResponse/DryRun invocations */
	unsigned nevent; /* queued Event runs */
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
	struct sl_spawner *spawner;
	int spawner_restarts;
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

/* pool.c: workers and scheduling. */

/* Start a worker for version v of fn (a reload candidate when probe).
 * NULL with errno when no process could be started. */
struct worker *sl_pool_spawn(struct function *fn, struct version *v, int probe);
/* Kill w and stop using it; it is freed once joined (exit + EOF). */
void sl_pool_retire(struct worker *w);
void sl_pool_kill(struct worker *w);
/* Free w at once (sl_host_free, after reaping it). */
void sl_pool_free_worker(struct worker *w);
/* w has no invocation any more: keep it warm or retire it. */
void sl_pool_idle(struct worker *w);
/* Start what the queues allow, for fn first, then every function. */
void sl_pool_pump(struct function *fn);
void sl_pool_enqueue(struct function *fn, struct invocation *inv);
void sl_pool_dequeue(struct function *fn, struct invocation *inv);
struct worker *sl_pool_idle_worker(struct function *fn);
/* Whether fn may have one more worker now (may reclaim another
 * function's idle worker to make room). */
int sl_pool_can_spawn(struct function *fn);
/* fn's worker limit: ReservedConcurrency capped by max_workers. */
unsigned sl_pool_limit(const struct function *fn);
/* "signal: segmentation fault" / "exit status N" for a wait status. */
void sl_pool_status_text(int status, char *out, size_t n);
/* Move fd to 10 or above (spawn's dup2 targets are 0-5); closes fd. */
int sl_pool_fd_high(int fd);

/* host.c: invocations and versions, for pool.c. */

struct version *sl_host_version_ref(struct version *v);
void sl_host_version_unref(struct version *v);
void sl_host_inv_set_result(
    struct invocation *inv, int status, const char *payload, size_t len);
/* A function error {"errorType","errorMessage"}; fe is "Handled" or
 * "Unhandled". */
void sl_host_inv_set_error(
    struct invocation *inv, const char *fe, const char *type, const char *msg);
void sl_host_inv_set_error_json(
    struct invocation *inv, const char *fe, const char *json, size_t len);
/* A refusal by the host (4xx/5xx) with AWS's error body. */
void sl_host_inv_refuse(struct invocation *inv, int status, const char *type,
    const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The outcome is set: deliver it from the loop. */
void sl_host_inv_complete(struct invocation *inv);
void sl_host_inv_log(struct invocation *inv, const char *p, size_t n);
void sl_host_fn_log_line(
    struct function *fn, const char *rid, const char *line, size_t n);
/* A reload candidate's worker started (ok) or failed. */
void sl_host_probe_done(struct worker *w, int ok);

#endif
