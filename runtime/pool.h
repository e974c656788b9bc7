/* Internal to the function host (host.c and pool.c; not an API): the
 * state they share and the calls between them. host.c owns functions,
 * versions and invocations; pool.c owns worker processes (spawn, IPC,
 * logs, deadlines, join) and the scheduling of invocations onto them.
 * Everything is for the loop's thread. */
#ifndef SL_POOL_H
#define SL_POOL_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/buf.h"
#include "common/loop.h"
#include "common/rng.h"
#include "runtime/config.h"
#include "runtime/frame.h"
#include "runtime/host.h"

struct sl_spawner;

/* Defaults (host.h) and bounds. */
#define SL_POOL_MAX_WORKERS 32u
#define SL_POOL_IDLE_MS 300000u
#define SL_POOL_EVICT_IDLE_MS 1000u
#define SL_POOL_QUEUE_MAX 64u
#define SL_POOL_RETRY_MS 1000u
#define SL_POOL_EVENT_BACKLOG 100000u
#define SL_POOL_LOG_RING (64u * 1024u)
#define SL_POOL_LINE_MAX 4096u
#define SL_POOL_READ_CHUNK (256u * 1024u)
#define SL_POOL_LOG_READ_MAX (1024u * 1024u)
#define SL_POOL_WORKER_UID 65534L
#define SL_POOL_SETTLE_MS 50u /* a changed file is loaded once it has
                                 been closed and left alone this long */
#define SL_POOL_SPAWN_WAIT_MS 2000u /* the spawner's silence before it is
                                       taken for broken */
#define SL_POOL_DUR_RING 1024u /* recent durations kept per function */
#define SL_POOL_AHEAD_US 10000u /* default sl_host_config.ahead_us */
/* Bytes of a long line's end kept back when its start is logged, so that
 * a start mark that completes it is always seen whole. */
#define SL_POOL_LINE_KEEP 64u

enum sl_worker_state { W_STARTING, W_IDLE, W_BUSY, W_DEAD };
enum sl_invocation_state { I_QUEUED, I_RUNNING, I_DELIVER, I_RETRY };

struct sl_function;
struct sl_worker;

/* One loaded generation of a function: its code (a sealed memfd copy of
 * the .so) and its config. Shared by reference between the function and
 * its workers, so a worker of an old version keeps running its code. */
struct sl_version {
	int refs;
	unsigned gen;
	int so_fd;
	size_t so_size;
	struct sl_fn_config cfg;
	int64_t mtime_ms; /* newest of the .so's and the .json's mtime */
	char *start_json; /* the CONFIG frame's JSON, without ppid */
	char **envp;
};

/* One invocation, from sl_host_invoke to its callback: queued on its
 * function, running on a worker, or waiting to be delivered (or, for an
 * Event run, to be retried). Owned by the host's list of all. */
struct sl_invocation {
	uint64_t id;
	struct sl_host *host;
	struct sl_function *fn;
	struct sl_worker *w;
	enum sl_invocation_state state;
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
	int cancelled; /* sent ahead, then cancelled: dropped, unreported */
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
	struct sl_invocation *qnext, *qprev; /* function queue */
	struct sl_invocation *anext, *aprev; /* host's list of all */
};

/* One worker process: starting (until READY), idle (warm), busy with one
 * invocation (and perhaps one more sent ahead), or dead (killed, waiting
 * for both its exit and its socket's EOF before it is freed). */
struct sl_worker {
	struct sl_host *host;
	struct sl_function *fn;
	struct sl_version *ver;
	enum sl_worker_state state;
	pid_t pid;      /* -1 while its spawn is pending */
	int pidfd, sock, logfd;
	/* The worker's own ends (its fd 3, and 1 and 2), kept until its
	 * process exists: while the spawner has not replied, an exec can
	 * still use them. */
	int child_sock, child_log;
	int spawning;   /* on the host's list of pending spawns */
	struct sl_worker *snext;
	struct sl_frame_dec dec;
	struct sl_frame_wq wq;
	struct sl_invocation *inv;
	/* Sent ahead while inv runs; it becomes inv when inv's outcome comes
	 * in. Whether the worker has started it shows in its log. */
	struct sl_invocation *ahead;
	/* The invocation whose output the log carries now: the last one
	 * dispatched, or one sent ahead once its start mark was read. */
	uint64_t log_id;
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
	struct sl_worker *next, *prev; /* host's list */
};

/* What a function has done since the host started, for ListFunctions and
 * GetFunction ("Stats"). Updated once per delivered outcome, O(1). */
struct sl_fn_stats {
	uint64_t invocations;      /* ran (status 200), each Event attempt */
	uint64_t cold_starts;      /* of those, on a fresh worker */
	uint64_t errors_handled;   /* FunctionError Handled */
	uint64_t errors_unhandled; /* FunctionError Unhandled */
	uint64_t timeouts;         /* Sandbox.Timedout (also Unhandled) */
	uint64_t throttles;        /* refused with 429 */
	uint64_t ahead;            /* sent ahead to a busy worker */
	uint32_t avg_us;           /* run time, moving average (1/8) */
	/* The last SL_POOL_DUR_RING run times (us), oldest overwritten. */
	uint32_t dur[SL_POOL_DUR_RING];
	unsigned dur_next, dur_n;
};

/* NAME.so in the folder: the serving version, a reload candidate being
 * tried, its queue of invocations and its log ring. Never freed before the
 * host (a removed function is only marked). */
struct sl_function {
	struct sl_host *host;
	char *name;
	char *arn;
	char *so_path;
	char *json_path;
	struct sl_version *cur;
	struct sl_version *candidate;
	struct sl_worker *probe;
	char *load_error;
	int removed;
	unsigned active; /* counted workers (starting, idle, busy) */
	unsigned starting;
	unsigned nsync;  /* queued RequestResponse/DryRun invocations */
	unsigned nevent; /* queued Event runs */
	struct sl_invocation *qhead, *qtail;
	struct sl_buf ring;
	struct sl_fn_stats stats;
	unsigned gen;
	struct sl_function *next;
};

/* A file of the folder that changed (NAME.so or NAME.json): it is loaded
 * once its writer has closed it and SL_POOL_SETTLE_MS have passed without
 * another change, never while it is being written. */
struct sl_change {
	struct sl_host *host;
	char *name;  /* NAME */
	int so;      /* NAME.so changed (else only NAME.json) */
	int writing; /* modified since its last close */
	struct sl_timer timer;
	struct sl_change *next;
};

/* The host (opaque in host.h). */
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
	uint64_t evict_idle_us; /* see sl_host_config.evict_idle_ms */
	/* Fires when an idle worker becomes old enough to be reclaimed for a
	 * function that waits (evict_idle). */
	struct sl_timer evict_timer;
	uint64_t ahead_us; /* 0 = never */
	enum sl_worker_sched worker_sched;
	sl_host_publish_cb *on_publish;
	sl_host_event_cb *on_event_result;
	void *cb_arg;
	void *bpf;
	size_t bpf_len;
	int landlock_abi;
	int netns_fd;
	long uid, gid;
	int inotify_fd;
	struct sl_change *changes;
	struct sl_spawner *spawner;
	int spawner_restarts;
	/* Children nobody asked for: workers a spawner cloned just before
	 * it died, whose pid never came (see end_strays), until reaped. */
	struct sl_stray *strays;
	/* Workers asked of the spawner, oldest first: its replies come in
	 * this order. spawn_timer fires when it has been silent for
	 * SL_POOL_SPAWN_WAIT_MS with requests pending. */
	struct sl_worker *spawn_head, *spawn_tail;
	unsigned spawns_pending;
	struct sl_timer spawn_timer;
	int spawn_hold;    /* sl_host_hold_spawns */
	int spawner_breaking; /* in spawner_broken: no restart meanwhile */
	int spawner_watched;
	/* sl_host_pin_loop: the loop's thread runs on loop_cpus; the
	 * processes the host starts get child_cpus, the mask it had before. */
	int loop_pinned;
	cpu_set_t loop_cpus, child_cpus;
	int draining;
	int pumping, repump;
	unsigned active;
	unsigned events_pending;
	uint64_t next_id;
	struct sl_rng rng; /* request ids */
	struct sl_function *fns;
	struct sl_worker *workers;
	struct sl_invocation *invs;
};

/* pool.c: workers and scheduling. */

/* Start a worker for version v of fn (a reload candidate when probe).
 * Never waits: with the spawner the process is asked for and comes with
 * its reply (the worker is W_STARTING meanwhile); without it, or when the
 * spawner cannot take the request, it is an exec. NULL with errno when no
 * process could be started or asked for. */
struct sl_worker *sl_pool_spawn(
    struct sl_function *fn, struct sl_version *v, int probe);
/* The spawner: start it (when enabled) and watch its replies; stop it,
 * first waiting (bounded) for pending replies to reap those workers. */
void sl_pool_spawner_start(struct sl_host *h);
/* Kill and reap the strays of dead spawners (at the host's end). */
void sl_pool_strays_free(struct sl_host *h);
void sl_pool_spawner_free(struct sl_host *h);
/* Leave the spawner's replies unread (hold) or read them again. */
void sl_pool_hold_spawns(struct sl_host *h, int hold);
/* Kill w and stop using it; it is freed once joined (exit + EOF). */
void sl_pool_retire(struct sl_worker *w);
void sl_pool_kill(struct sl_worker *w);
/* Free w at once (sl_host_free, after reaping it). */
void sl_pool_free_worker(struct sl_worker *w);
/* w has no invocation any more: keep it warm or retire it. */
void sl_pool_idle(struct sl_worker *w);
/* Start what the queues allow, for fn first, then every function. */
void sl_pool_pump(struct sl_function *fn);
void sl_pool_enqueue(struct sl_function *fn, struct sl_invocation *inv);
/* Put inv back first in line (it was sent ahead to a worker that died
 * before it started it). */
void sl_pool_requeue(struct sl_function *fn, struct sl_invocation *inv);
void sl_pool_dequeue(struct sl_function *fn, struct sl_invocation *inv);
struct sl_worker *sl_pool_idle_worker(struct sl_function *fn);
/* Whether fn may have one more worker now (may reclaim another
 * function's idle worker to make room). */
int sl_pool_can_spawn(struct sl_function *fn);
/* fn's worker limit: ReservedConcurrency capped by max_workers. */
unsigned sl_pool_limit(const struct sl_function *fn);
/* "signal: segmentation fault" / "exit status N" for a wait status. */
void sl_pool_status_text(int status, char *out, size_t n);
/* Move fd to 10 or above (spawn's dup2 targets are 0-5); closes fd. */
int sl_pool_fd_high(int fd);

/* host.c: invocations and versions, for pool.c. */

struct sl_version *sl_host_version_ref(struct sl_version *v);
void sl_host_version_unref(struct sl_version *v);
void sl_host_inv_set_result(
    struct sl_invocation *inv, int status, const char *payload, size_t len);
/* A function error {"errorType","errorMessage"}; fe is "Handled" or
 * "Unhandled". */
void sl_host_inv_set_error(struct sl_invocation *inv, const char *fe,
    const char *type, const char *msg);
void sl_host_inv_set_error_json(
    struct sl_invocation *inv, const char *fe, const char *json, size_t len);
/* A refusal by the host (4xx/5xx) with AWS's error body. */
void sl_host_inv_refuse(struct sl_invocation *inv, int status, const char *type,
    const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Free an invocation that will not be reported (cancelled). */
void sl_host_inv_drop(struct sl_invocation *inv);
/* The outcome is set: deliver it from the loop. */
void sl_host_inv_complete(struct sl_invocation *inv);
void sl_host_inv_log(struct sl_invocation *inv, const char *p, size_t n);
void sl_host_fn_log_line(
    struct sl_function *fn, const char *rid, const char *line, size_t n);
/* A reload candidate's worker started (ok) or failed. */
void sl_host_probe_done(struct sl_worker *w, int ok);

#endif
