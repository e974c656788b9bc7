/* The workflow interpreter: compiled state machines (sl_asl_machine_*) and
 * an engine that runs many executions of them (sl_engine_*, sl_exec_*).
 *
 * The engine has no I/O of its own. It reaches functions through an invoker
 * (struct sl_engine_invoker) and time through a clock (struct
 * sl_engine_clock); adapters over sl_loop / sl_host live in clock.h and
 * invoke_host.h. An execution is a small record advanced by events (a task
 * finished, a timer fired); nothing blocks and there is no thread per
 * execution. Everything here is for the one thread that owns the engine. */
#ifndef SL_ENGINE_H
#define SL_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/err.h"

/* The 256 KiB limit on a state's input and output
 * (States.DataLimitExceeded). */
#define SL_ASL_PAYLOAD_MAX 262144u

/* AWS's quota of history events per execution. */
#define SL_EXEC_MAX_EVENTS 25000

/* Version of the checkpoint format written by this engine. */
#define SL_EXEC_CHECKPOINT_VERSION 1

/* --- machines -------------------------------------------------------------
 * A compiled definition. Immutable and reference-counted: every execution
 * holds a reference, so UpdateStateMachine (compile a new one, drop the old
 * reference) leaves running executions on the definition they started with. */
struct sl_asl_machine;

/* Compile a definition (JSON text). arn and name are the state machine's
 * (for $$.StateMachine); NULL gives a local default. The definition should
 * have been validated (sl_asl_validate); an invalid one is refused with
 * err (type "States.Runtime" or "InvalidDefinition", message naming the
 * state and field), never a crash. Returns a machine with one reference. */
struct sl_asl_machine *sl_asl_machine_new(const char *definition,
    const char *arn, const char *name, struct sl_err *err);
/* The same from a parsed definition (borrowed). */
struct sl_asl_machine *sl_asl_machine_from_json(const cJSON *definition,
    const char *arn, const char *name, struct sl_err *err);
struct sl_asl_machine *sl_asl_machine_ref(struct sl_asl_machine *m);
/* Drop a reference; the last one frees the machine. NULL is a no-op. */
void sl_asl_machine_unref(struct sl_asl_machine *m);
const char *sl_asl_machine_arn(const struct sl_asl_machine *m);
const char *sl_asl_machine_name(const struct sl_asl_machine *m);
/* Execution-level TimeoutSeconds, 0 = none. */
uint32_t sl_asl_machine_timeout(const struct sl_asl_machine *m);

/* --- the invoker ------------------------------------------------------------
 * How Task states reach functions. invoke() starts one invocation and returns
 * a handle (> 0) for cancel(), or 0 when it could not even start (then the
 * engine treats it as a host error "Lambda.ServiceException"). The outcome
 * must be reported once, with sl_engine_task_done(engine, token, result),
 * later or even from inside invoke(): the engine copes with both. After
 * cancel(handle) it must not be reported; the engine never cancels a
 * handle whose outcome was reported, so an invoker may free its record of
 * a call when it reports the outcome. */
struct sl_engine_invocation {
	const char *function;  /* NAME, NAME:QUALIFIER or a Lambda ARN */
	const char *payload;   /* JSON text (NUL-terminated) */
	size_t payload_len;
	uint64_t timeout_ms;   /* cap on the run time; 0 = the function's own */
	uint64_t token;        /* give it back to sl_engine_task_done */
	/* The same for every invocation of one state entry: its retries and
	 * its re-invocation after a restore ("EXECUTION_ARN/ENTERED_ID"),
	 * for the function's sl_idempotency_key(). */
	const char *idempotency_key;
};

struct sl_engine_invoker {
	uint64_t (*invoke)(void *arg, const struct sl_engine_invocation *inv);
	void (*cancel)(void *arg, uint64_t handle);
	void *arg;
};

enum sl_task_outcome {
	SL_TASK_OK,             /* payload = the function's result JSON */
	SL_TASK_FUNCTION_ERROR, /* the function failed: error_type (may be
				   NULL: Lambda.Unknown) and payload = the
				   error object {"errorType",
				   "errorMessage", ...} */
	SL_TASK_HOST_ERROR,     /* the host refused or failed: error_type is
				   AWS's (ResourceNotFoundException, ...),
				   error_message its message */
};

/* Borrowed by sl_engine_task_done for the duration of the call. */
struct sl_task_result {
	enum sl_task_outcome outcome;
	const char *payload; /* JSON text, may be NULL for HOST_ERROR */
	size_t payload_len;
	const char *error_type;
	const char *error_message;
	const char *function_arn; /* for messages; NULL = as invoked */
};

/* --- the clock --------------------------------------------------------------
 * Wall time, and one one-shot timer that the engine keeps set to its earliest
 * deadline. start() replaces any earlier setting; when it fires, the clock
 * calls sl_engine_on_timer(). clock.h provides real, fake and scaled clocks. */
struct sl_engine_clock {
	int64_t (*now_ms)(void *arg);          /* wall time, ms since epoch */
	void (*start)(void *arg, uint64_t delay_ms);
	void (*stop)(void *arg);
	void *arg;
};

/* --- history --------------------------------------------------------------
 * Events are cJSON objects shaped as AWS's HistoryEvent:
 *   {"id": 3, "previousEventId": 2, "timestamp": 1700000000123 (epoch ms),
 *    "type": "TaskStateEntered",
 *    "stateEnteredEventDetails": {"name", "input", "inputDetails"}}
 * ids start at 1 and are continuous per execution (also across a restore).
 * previousEventId follows AWS: not always id - 1 (see hist_event).
 *
 * After each stimulus (start, task done, timer, stop) the engine calls
 * on_batch once per execution that changed, with the events it produced
 * (a cJSON array, borrowed) and, when config.checkpoints is set and the
 * execution is still running, its checkpoint (JSON text, borrowed; see
 * sl_exec_restore). A store persists both in one transaction. When the
 * execution ended, status says how and the checkpoint is NULL.
 *
 * Callbacks may start and stop executions, including the one they are
 * called for: stopping it from on_batch (say, over a history quota) makes
 * one more batch with its ExecutionAborted event before on_done. */
enum sl_exec_status {
	SL_EXEC_RUNNING,
	SL_EXEC_SUCCEEDED,
	SL_EXEC_FAILED,
	SL_EXEC_TIMED_OUT,
	SL_EXEC_ABORTED,
};

struct sl_exec;

typedef void sl_engine_batch_cb(void *arg, struct sl_exec *x,
    const cJSON *events, const char *checkpoint);
/* Called once when an execution reaches a terminal status, after its last
 * batch. The execution is freed right after the callback returns. */
typedef void sl_engine_done_cb(void *arg, struct sl_exec *x);

struct sl_engine_config {
	struct sl_engine_invoker invoker;
	struct sl_engine_clock clock;
	sl_engine_batch_cb *on_batch; /* may be NULL */
	sl_engine_done_cb *on_done;   /* may be NULL */
	void *cb_arg;
	int keep_history;  /* keep events in memory (sl_exec_history) */
	int checkpoints;   /* pass a checkpoint with each batch */
	/* Without on_batch and keep_history, events are counted but not
	 * built, which is what benchmarks want. */
	const char *region;  /* for ARNs; NULL = us-east-1 */
	const char *account; /* NULL = 000000000000 */
	const char *role_arn; /* $$.Execution.RoleArn; NULL = a local role */
	uint32_t seed;        /* for JitterStrategy FULL; 0 = from time */
	/* History events per execution; at the limit the execution fails
	 * (States.Runtime), as on AWS. 0 = AWS's 25,000. */
	uint32_t max_events;
};

struct sl_engine;

struct sl_engine *sl_engine_new(const struct sl_engine_config *cfg);
/* Free the engine and every execution still in it (in-flight invocations
 * are cancelled; no callbacks). */
void sl_engine_free(struct sl_engine *e);

/* The clock's timer fired. */
void sl_engine_on_timer(struct sl_engine *e);
/* The outcome of the invocation started with token. Unknown or stale tokens
 * (a cancelled or timed-out task) are ignored. */
void sl_engine_task_done(struct sl_engine *e, uint64_t token,
    const struct sl_task_result *res);

/* Number of executions in the engine, and of invocations in flight. */
size_t sl_engine_count(const struct sl_engine *e);
size_t sl_engine_inflight(const struct sl_engine *e);

/* --- executions ---------------------------------------------------------- */
struct sl_exec_start {
	const char *name;  /* execution name; NULL = a fresh UUID */
	const char *arn;   /* execution ARN; NULL = derived from the machine */
	const char *input; /* JSON text; NULL = "{}" */
	int64_t start_ms;  /* 0 = now */
	int express;       /* an Express execution: ARN
			      ...:express:MACHINE:NAME:UUID, as AWS's */
	void *user;        /* opaque, see sl_exec_user */
};

/* Start an execution of m (the engine takes its own reference). Runs it
 * until it first blocks (a task, a wait) or ends; on_batch/on_done are called
 * from inside this call. Returns 0, or -1 + err when the input is not JSON
 * ("States.Runtime": InvalidExecutionInput), is too large, or an execution
 * with that ARN is already running ("ExecutionAlreadyExists"). Find the
 * running execution with sl_engine_find(arn) or in the callbacks. */
int sl_exec_start(struct sl_engine *e, struct sl_asl_machine *m,
    const struct sl_exec_start *start, struct sl_err *err);

/* The running execution with this ARN, or NULL. */
struct sl_exec *sl_engine_find(struct sl_engine *e, const char *arn);
/* Walk the executions in the engine (no order); NULL at the end. Do not
 * start or stop executions while walking. */
struct sl_exec *sl_engine_first(struct sl_engine *e);
struct sl_exec *sl_engine_next(struct sl_exec *x);

/* Checkpoints (config.checkpoints). A checkpoint is compact JSON text
 * describing the whole running state of one execution right after a batch:
 *
 *   {"version": 1, "executionArn", "name", "stateMachineArn",
 *    "input": "<execution input as JSON text>", "startTime": ms,
 *    "express": true (only for an Express execution),
 *    "lastEventId": N,            (the id of the batch's last event)
 *    "timeoutDue": ms,            (execution TimeoutSeconds, wall clock)
 *    "frame": FRAME}
 *   FRAME = {"index": i (children only), "state": "Name",
 *    "phase": "task" | "wait" | "retry" | "kids",
 *    "input": <the state's raw input>, "entered": ms, "enteredId": id,
 *    "retryCount": n, "attempts": [per retrier], "due": ms (wait/retry),
 *    "kids": {"n", "started", "running", "done", "failed",
 *             "maxConcurrency", "toleratedCount", "toleratedPercentage",
 *             "effectiveInput" (Map: ItemsPath finds the items in it),
 *             "results": [...],
 *             "frames": [FRAME of each running child]}}
 *
 * All times are wall-clock ms since the epoch, so a Wait keeps its wake-up
 * time across a restart. The store keeps only the latest checkpoint of a
 * running execution, written in the same transaction as the batch's
 * events; the checkpoint of a batch always matches the history up to its
 * lastEventId. The format is versioned; a newer engine refuses a version it
 * does not know rather than guess.
 *
 * Continue an execution from a checkpoint produced by this engine version's
 * on_batch. The execution proceeds as if never interrupted: Waits keep their
 * wall-clock wake-up times (a past one fires at once), retry counters and
 * Map/Parallel progress are kept, and a Task that was in flight is invoked
 * again (its TaskScheduled/LambdaFunctionScheduled event is emitted again, so
 * the history shows the re-invocation). Event ids continue from the
 * checkpoint. Returns 0, or -1 + err when the checkpoint is unreadable, of
 * another version, or does not fit m ("States.Runtime"). */
int sl_exec_restore(struct sl_engine *e, struct sl_asl_machine *m,
    const char *checkpoint, void *user, struct sl_err *err);

/* Stop a running execution: ABORTED with error/cause (each may be NULL),
 * ExecutionAborted in the history; in-flight work is cancelled. The
 * execution is freed before this returns (after on_done). */
void sl_exec_stop(struct sl_exec *x, const char *error, const char *cause);

const char *sl_exec_arn(const struct sl_exec *x);
const char *sl_exec_name(const struct sl_exec *x);
struct sl_asl_machine *sl_exec_machine(const struct sl_exec *x);
void *sl_exec_user(const struct sl_exec *x);
enum sl_exec_status sl_exec_status(const struct sl_exec *x);
/* Once terminal (i.e. inside on_done): output JSON text (SUCCEEDED) or the
 * error and cause (each may be NULL). Borrowed. */
const char *sl_exec_output(const struct sl_exec *x);
const char *sl_exec_error(const struct sl_exec *x);
const char *sl_exec_cause(const struct sl_exec *x);
int64_t sl_exec_start_ms(const struct sl_exec *x);
int64_t sl_exec_stop_ms(const struct sl_exec *x);
/* With keep_history: the events so far (a cJSON array, borrowed). */
const cJSON *sl_exec_history(const struct sl_exec *x);
/* Id of the last event produced. */
int64_t sl_exec_last_event_id(const struct sl_exec *x);

const char *sl_exec_status_name(enum sl_exec_status s);

/* --- running to completion (offline, tests) ---------------------------------
 * The result of one execution, detached from the engine. */
struct sl_exec_result {
	enum sl_exec_status status;
	char *output; /* JSON text or NULL */
	char *error;
	char *cause;
	cJSON *history; /* array of events when asked for, else NULL */
};

/* Fill r from a terminal execution (inside on_done), with its history when
 * want_history and the engine keeps history. */
void sl_exec_result_take(const struct sl_exec *x, int want_history,
    struct sl_exec_result *r);
void sl_exec_result_release(struct sl_exec_result *r);

#endif
