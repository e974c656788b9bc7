/* The function host: the functions folder, a pool of warm sandboxed worker
 * processes per function, and invocations on them.
 *
 * All calls are for the loop's thread. Results arrive through callbacks run
 * from the loop (never from inside sl_host_invoke itself), so a caller may
 * free its own state in the callback. */
#ifndef SL_HOST_H
#define SL_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/loop.h"

struct sl_host;

/* Payload limits, as Lambda's. */
#define SL_INVOKE_SYNC_MAX (6u * 1024u * 1024u)
#define SL_INVOKE_EVENT_MAX (1u * 1024u * 1024u)
#define SL_INVOKE_LOG_TAIL 4096u

enum sl_invoke_type {
	SL_INVOKE_REQUEST_RESPONSE, /* run it and return the result */
	SL_INVOKE_EVENT,            /* queue it, reply 202, retry twice */
	SL_INVOKE_DRY_RUN,          /* check it exists and loads, reply 204 */
};

/* A message a handler published with sl_publish(). Borrowed. */
typedef void sl_host_publish_cb(void *arg, const char *function,
    const char *topic, const char *message_json);

/* The outcome of an Event (asynchronous) invocation, once it is final. */
struct sl_invoke_result;
typedef void sl_host_event_cb(
    void *arg, const char *function, const struct sl_invoke_result *res);

/* How workers are scheduled (see sl_host_config.worker_sched). */
enum sl_worker_sched {
	SL_WORKER_SCHED_BATCH = 0,
	SL_WORKER_SCHED_NORMAL,
};

struct sl_host_config {
	const char *functions_dir; /* required */
	const char *worker_path;   /* the sluice-worker image; NULL = default */
	const char *data_dir;      /* ${SLUICE_DATA_DIR} in configs */
	const char *region;        /* for ARNs; NULL = us-east-1 */
	const char *account;       /* for ARNs; NULL = 000000000000 */
	/* Workers of all functions together; 0 = 32. When reached, an idle
	 * worker of another function is reclaimed to make room: for a
	 * function that has no worker at once, for one that has some only
	 * when that worker has been idle evict_idle_ms (0 = 1000), so that
	 * two functions busy in turns do not take each other's workers back
	 * and forth, paying a cold start each time. */
	unsigned max_workers;
	unsigned evict_idle_ms;
	unsigned idle_ms;          /* reap a warm worker idle this long;
	                              0 = 300000 */
	/* Synchronous invocations that may wait per function when all the
	 * workers it may have are busy (FIFO); one more is refused with
	 * TooManyRequestsException (429). Event runs and workflow Tasks
	 * (queue_unbounded) wait unbounded. 0 = 64. */
	unsigned queue_max;
	int watch_dir;             /* pick up new/changed .so with inotify */
	unsigned event_retry_ms;   /* Event: delay before the first retry
	                              (doubled for the second); 0 = 1000 */
	/* Serve only this one .so (offline `sluice run`): functions_dir is
	 * then its folder and nothing else there is loaded. NULL = scan. */
	const char *single_so;
	/* Sending ahead: when all the workers a function may have are busy,
	 * one more invocation may be sent to a busy worker, which starts it
	 * the moment it is done with the one it runs (no round trip through
	 * the host in between). Only for a function whose runs average under
	 * this many microseconds, and to a worker whose current run is not
	 * older than that; 0 = 10000, < 0 = never. */
	long ahead_us;
	/* SCHED_BATCH (the default): a worker woken by the host (a new
	 * invocation) does not preempt the host's loop at once, but runs when
	 * the loop waits or another CPU is free, so the loop hands out work
	 * and takes in results in larger turns and is interrupted less.
	 * NORMAL leaves workers under the default policy. */
	enum sl_worker_sched worker_sched;
	double timeout_override;  /* > 0: replaces Timeout (seconds) */
	unsigned memory_override; /* > 0: replaces MemorySize (MB) */
	sl_host_publish_cb *on_publish;
	sl_host_event_cb *on_event_result;
	void *cb_arg;
};

struct sl_invoke_request {
	const char *function; /* NAME, NAME:QUALIFIER or a Lambda ARN */
	const char *payload;  /* JSON text; NULL = "{}" */
	/* its length; 0 = NUL-terminated */
	size_t payload_len;
	enum sl_invoke_type type;
	int want_log_tail;           /* fill log_tail (LogType: Tail) */
	const char *idempotency_key; /* for sl_idempotency_key(); may be NULL */
	/* Cap on this invocation's run time below the function's Timeout, in
	 * ms (0 = none); a workflow Task's TimeoutSeconds uses it. */
	uint64_t timeout_cap_ms;
	/* A workflow's Task: when every worker the function may have is busy
	 * it waits in the queue however long it is, instead of being refused
	 * at queue_max. The executions that wait are already accepted and
	 * kept, and bound their own number; refusing them would only make
	 * each sleep out a Retry while the queue drains in milliseconds. */
	int queue_unbounded;
};

struct sl_invoke_result {
	/* HTTP-like status as Lambda's Invoke returns it: 200 (ran, maybe
	 * with a function error), 202 (Event accepted), 204 (DryRun ok), or
	 * 4xx/5xx when the host refused: then error_type names it
	 * (ResourceNotFoundException, TooManyRequestsException,
	 * RequestTooLargeException, InvalidRequestContentException, ...). */
	int status;
	const char *request_id;
	/* With status 200: the result JSON, or the error payload
	 * {"errorType","errorMessage"} when function_error is set. With a
	 * refusal: {"Type":..., "Message":..., ...} as AWS's error body. */
	const char *payload;
	size_t payload_len;
	const char *function_error; /* NULL, "Handled" or "Unhandled" */
	const char *error_type;     /* errorType of a function error or of a
	                               refusal; NULL on success */
	const char *error_message;
	const char *log_tail; /* last 4 KB of the log, or NULL */
	uint64_t duration_us; /* handler run time */
	int cold_start;
};

/* Borrowed result, valid only during the call. */
typedef void sl_invoke_cb(void *arg, const struct sl_invoke_result *res);

/* Create the host on loop. Scans functions_dir (a .so that fails to load is
 * reported, not fatal). Returns NULL and fills err on failure. */
struct sl_host *sl_host_new(
    struct sl_loop *loop, const struct sl_host_config *cfg, struct sl_err *err);
/* Kill every worker and free everything; pending callbacks are not called. */
void sl_host_free(struct sl_host *host);

/* Start an invocation. cb is always called exactly once, later, from the
 * loop (also for refusals), unless sl_host_cancel() is called first or the
 * host is freed. Returns an invocation id (> 0) for sl_host_cancel. */
uint64_t sl_host_invoke(struct sl_host *host,
    const struct sl_invoke_request *req, sl_invoke_cb *cb, void *arg);
/* Forget invocation id: its callback will not be called. The worker running
 * it is killed and replaced (its result could no longer be delivered). */
void sl_host_cancel(struct sl_host *host, uint64_t id);

/* Describe the functions as JSON (ListFunctions / GetFunction shapes).
 * The caller owns the returned text (free(3)); NULL + err when the function
 * does not exist (ResourceNotFoundException). */
char *sl_host_list_functions_json(struct sl_host *host);
char *sl_host_get_function_json(
    struct sl_host *host, const char *function, struct sl_err *err);

/* The function's recent log lines ("REQUEST-ID\tline"), oldest first,
 * at most 64 KiB: the bounded per-function ring. The caller frees it; NULL +
 * err (ResourceNotFoundException) for an unknown function. */
char *sl_host_function_logs(
    struct sl_host *host, const char *function, struct sl_err *err);

/* The sandbox as this host applies it, for start-up messages: Landlock ABI
 * (0 = unavailable), whether workers join an empty network namespace and
 * which uid they run as (-1 = the host's own). */
struct sl_host_sandbox_info {
	int landlock_abi;
	int netns;
	long uid;
};
void sl_host_sandbox_info(
    const struct sl_host *host, struct sl_host_sandbox_info *info);

/* Stop accepting invocations and report whether any are still running, so
 * a shutdown can wait for them up to its grace period. */
void sl_host_drain(struct sl_host *host);
int sl_host_busy(const struct sl_host *host);

/* Pin the calling thread, the loop's, to cpu (see runtime/placement.h).
 * The processes the host starts from then on (workers, a new spawner) keep
 * the mask the thread had before the first pin. 0, or -1 with err
 * (InvalidParameterValue when this process may not run on cpu). */
int sl_host_pin_loop(struct sl_host *host, int cpu, struct sl_err *err);

/* For tests: while hold is set, the spawner's replies are left unread, so
 * cold starts stay pending (and its silence is not taken for a failure);
 * clearing it lets them complete. */
void sl_host_hold_spawns(struct sl_host *host, int hold);

#endif
