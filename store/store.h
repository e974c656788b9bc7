/* The store: state machines, executions, their history events and
 * checkpoints, and topic notifications, kept durably behind a
 * backend-neutral interface (SQLite in WAL mode by default, sqlite.c).
 *
 * Threading: everything is for the loop's own thread.
 *
 * Writes and group commit. Every write call applies its change at once
 * (later reads see it) inside the current batch, and returns 0, or -1 with
 * err filled when the change itself is refused (a name taken, an unknown
 * ARN, a full disk...); a refused write changes nothing. An execution's
 * write (start, progress, finish) or a notification that the database
 * fails midway (a full disk, an I/O error) takes its whole batch back
 * with it: it returns -1, and the batch's earlier writes get the error at
 * the flush, as when the commit fails. The batch is one
 * transaction, committed by sl_store_flush(), which runs
 *   - from a 0-delay sl_timer that the first write of a batch arms on
 *     cfg->loop: sl_loop runs it in the same pass as the callback that
 *     wrote, or at the latest in the next pass, which does not sleep since
 *     the timer is due; so a batch is what one loop iteration wrote;
 *   - and/or explicitly: a daemon whose writes also come from outside
 *     sl_loop (libwebsockets callbacks) calls sl_store_flush() once per
 *     service pass, before it sleeps, or arms its own timer for
 *     sl_loop_next_timeout_us() after each pass (the store's timer shows
 *     there).
 * After the commit each accepted write's callback runs with err == NULL:
 * the change is durable and may be acknowledged (with SL_STORE_SYNC_FULL,
 * even against a power loss). If the commit fails (disk full, I/O error),
 * the whole batch is rolled back and every callback of that batch runs
 * with the error; everything committed before stays (the engine then
 * reloads the executions concerned with sl_store_exec_resume()). A
 * callback runs if and only if its write call returned 0. Callbacks may
 * issue new writes: those go into the next batch.
 *
 * Reads see every accepted write, including ones of the current batch that
 * are not yet durable (so a reply to a read may show a change that a
 * failing commit then takes back; replies to writes wait for callbacks).
 *
 * Restart after a crash: sl_store_open, then sl_store_exec_running() gives
 * every RUNNING execution with the engine's last committed checkpoint and
 * last event id; whatever the engine did after that commit was lost with
 * the process and is done again (a Task in flight is invoked again).
 * Retention: the daemon calls sl_store_prune(now - 90 days, 1000, ...) at
 * start-up and periodically (e.g. hourly), again while it deletes 1000.
 *
 * Strings passed in are borrowed (copied if kept). Records handed out are
 * owned by the caller and released with the matching _release function.
 * Timestamps are milliseconds since the epoch. */
#ifndef SL_STORE_H
#define SL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/loop.h"

struct sl_store;

/* AWS's history quota: events 1..24,999 of an execution may be anything;
 * event 25,000 must end the execution (ExecutionSucceeded, ExecutionFailed,
 * ExecutionAborted, ExecutionTimedOut). A refused append fails with
 * SL_STORE_HISTORY_LIMIT_ERROR, and the engine then fails the execution with
 * that error as event 25,000, as AWS does. */
#define SL_STORE_MAX_EVENTS 25000
#define SL_STORE_HISTORY_LIMIT_ERROR "States.Runtime"
#define SL_STORE_HISTORY_LIMIT_MSG \
	"The execution reached the maximum number of history events (25000)."

/* The error type of a write to an execution that is no longer RUNNING. */
#define SL_STORE_NOT_RUNNING "ExecutionNotRunning"

#define SL_STORE_NAME_MAX 80          /* characters (code points) */
#define SL_STORE_PAGE_DEFAULT 100
#define SL_STORE_PAGE_MAX 1000
#define SL_STORE_RETENTION_DAYS 90
#define SL_STORE_DB_FILE "sluice.db"  /* in the data directory */
#define SL_STORE_LOCK_FILE "sluice.lock"

/* Error types (besides the AWS ones named per call below):
 *   ServiceUnavailable  the storage failed (disk full, I/O error); the
 *                       message names the file and the cause
 *   InternalFailure     the database is corrupt or a bug was hit */

enum sl_store_sm_type {
	SL_SM_STANDARD,
	SL_SM_EXPRESS,
};

enum sl_store_sm_status {
	SL_SM_ACTIVE,
	SL_SM_DELETING,
};

enum sl_store_exec_status {
	SL_STORE_EXEC_RUNNING,
	SL_STORE_EXEC_SUCCEEDED,
	SL_STORE_EXEC_FAILED,
	SL_STORE_EXEC_TIMED_OUT,
	SL_STORE_EXEC_ABORTED,
};

/* AWS spellings ("STANDARD", "DELETING", "TIMED_OUT"...), and back; the
 * parsers return -1 for an unknown string. */
const char *sl_store_sm_type_name(enum sl_store_sm_type t);
const char *sl_store_sm_status_name(enum sl_store_sm_status s);
const char *sl_store_exec_status_name(enum sl_store_exec_status s);
int sl_store_sm_type_parse(const char *s);
int sl_store_exec_status_parse(const char *s);

/* --- opening --------------------------------------------------------- */

enum sl_store_sync {
	/* fsync the WAL at every commit: a committed batch survives a power
	 * loss. The default: acknowledged means durable. */
	SL_STORE_SYNC_FULL,
	/* fsync only at WAL checkpoints: a commit survives a crash or kill of
	 * the process but not of the machine. For benchmarks and tests. */
	SL_STORE_SYNC_NORMAL,
};

enum sl_store_verify {
	/* Only when the last writer did not close the database: its
	 * write-ahead log is still there (a crash, kill -9, power loss),
	 * which is when a disk that lied about a sync, or a bug, could have
	 * left damage behind. A clean close removes the log. */
	SL_STORE_VERIFY_UNCLEAN = 0,
	SL_STORE_VERIFY_ALWAYS,
	SL_STORE_VERIFY_NEVER,
};

struct sl_store_config {
	const char *data_dir;    /* NULL = "var"; created if missing */
	/* Group commit timer; NULL = the owner calls sl_store_flush(). */
	struct sl_loop *loop;
	enum sl_store_sync sync;
	/* When to run the integrity check (PRAGMA quick_check) at open. It
	 * reads the whole file: 0.4-0.7 s for 300 MB (100,000 finished
	 * executions) from the page cache, minutes for gigabytes from disk.
	 * The cheap checks (header, application id, schema version, schema)
	 * always run. */
	enum sl_store_verify verify;
	unsigned busy_timeout_ms; /* 0 = 5000 */
	/* Testing hook: cap the database at this many pages (0 = no cap), to
	 * provoke "disk full". */
	uint32_t max_pages;
	/* Testing hook: the wall clock (ms since the epoch) that paging
	 * tokens are dated by; NULL = the real one. */
	int64_t (*clock_ms)(void *arg);
	void *clock_arg;
};

/* Open (creating if missing) the store in cfg->data_dir: takes an
 * exclusive lock on DATA_DIR/sluice.lock, so two daemons never share a data
 * directory, opens DATA_DIR/sluice.db and creates or migrates its schema.
 * A new database is built aside and renamed into place, so an existing
 * file that cannot be read is never replaced: it is an error naming the
 * file and the cause (not a database, corrupt, from a newer version,
 * locked by pid N, permission denied, read-only...). Returns NULL with err
 * filled (type InternalFailure or ServiceUnavailable). */
struct sl_store *sl_store_open(const struct sl_store_config *cfg,
    struct sl_err *err);
/* Commit what is pending (callbacks run, and what they write too), then
 * close and unlock. NULL ok. Not from inside a store callback. The lock
 * file descriptor is close-on-exec; a child forked without exec keeps the
 * lock until it exits. */
void sl_store_close(struct sl_store *s);
/* The database file's path (borrowed, lives as long as s). */
const char *sl_store_path(const struct sl_store *s);
/* The schema version this build writes; sl_store_open refuses a newer one. */
int sl_store_schema_version(void);

/* --- group commit ---------------------------------------------------- */

/* err == NULL: the write is durable. Otherwise it was rolled back. */
typedef void sl_store_cb(void *arg, const struct sl_err *err);

/* Commit the current batch now and run its callbacks. Returns 0, or -1
 * when the commit failed (the callbacks got the error too). A no-op
 * returning 0 when nothing is pending. */
int sl_store_flush(struct sl_store *s, struct sl_err *err);
/* A barrier: cb runs once every write accepted so far is durable (after
 * the next flush). For acknowledging a reply that depends on earlier
 * writes, e.g. an idempotent StartExecution that found its execution. */
void sl_store_sync(struct sl_store *s, sl_store_cb *cb, void *arg);

struct sl_store_stats {
	uint64_t commits;        /* successful transactions */
	uint64_t failed_commits; /* batches rolled back */
	uint64_t writes;         /* write calls accepted */
	uint64_t last_batch;     /* write calls in the last committed batch */
	size_t pending;          /* write calls in the open batch */
	/* Transactions the database itself committed (all of them,
	 * schema set-up and migrations included). */
	uint64_t db_commits;
};
void sl_store_get_stats(const struct sl_store *s, struct sl_store_stats *st);
/* Non-zero while accepted writes (or sl_store_sync barriers) wait for the
 * next flush: a reply to a read that may show them waits for
 * sl_store_sync(). */
int sl_store_pending(const struct sl_store *s);

/* --- names and paging ------------------------------------------------ */

/* AWS's rule for state machine and execution names: 1-80 characters of
 * valid UTF-8, none of whitespace, < > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; :
 * / or a control character (U+0000-001F, U+007F-009F). Returns 0, or -1
 * with InvalidName and what is wrong. what: "state machine", "execution". */
int sl_store_name_check(const char *name, const char *what,
    struct sl_err *err);

/* Paging, as AWS: max_results 0 = SL_STORE_PAGE_DEFAULT, at most
 * SL_STORE_PAGE_MAX (else ValidationException); next_token NULL for the first
 * page, else the opaque token of the previous page, which must come with the
 * same other arguments (else InvalidToken). A token expires
 * SL_STORE_TOKEN_TTL_MS after it was issued (then InvalidToken too). A
 * page's next_token is NULL when it is the last. Pages never repeat or
 * skip an item, whatever is added meanwhile. */
#define SL_STORE_TOKEN_TTL_MS (24 * 3600 * 1000LL) /* AWS's 24 hours */

/* --- state machines -------------------------------------------------- */

struct sl_store_sm {
	char *arn;
	char *name;
	char *definition;  /* of the current revision */
	char *role_arn;    /* may be NULL */
	char *revision_id; /* current revision (a UUID) */
	/* Other attributes the API keeps as JSON text (description,
	 * loggingConfiguration, tracingConfiguration...); may be NULL. */
	char *extra;
	enum sl_store_sm_type type;
	enum sl_store_sm_status status;
	int64_t creation_date;
	int64_t update_date; /* 0 = never updated */
};

void sl_store_sm_release(struct sl_store_sm *sm);

struct sl_store_sm_create {
	const char *arn;  /* the caller builds ARNs */
	const char *name; /* checked with sl_store_name_check */
	const char *definition;
	const char *role_arn; /* may be NULL */
	const char *extra;    /* may be NULL */
	enum sl_store_sm_type type;
	int64_t now;
};

/* CreateStateMachine. If a machine of that ARN exists with the same
 * definition, type, role and extra, it is returned (AWS's idempotency,
 * which compares logging and tracing configurations too); otherwise
 * StateMachineAlreadyExists (StateMachineDeleting while it is being
 * deleted). out (may be NULL) receives the record; *existed (may be NULL)
 * tells which. */
int sl_store_sm_create(struct sl_store *s, const struct sl_store_sm_create *in,
    struct sl_store_sm *out, int *existed, sl_store_cb *cb, void *arg,
    struct sl_err *err);

/* UpdateStateMachine: a new revision with the given definition and/or role
 * (NULL = unchanged; extra likewise). Running executions keep the revision
 * they started on. out (may be NULL) receives the updated record.
 * StateMachineDoesNotExist, StateMachineDeleting. */
int sl_store_sm_update(struct sl_store *s, const char *arn,
    const char *definition, const char *role_arn, const char *extra,
    int64_t now, struct sl_store_sm *out, sl_store_cb *cb, void *arg,
    struct sl_err *err);

/* DeleteStateMachine. With no running execution the machine, its revisions
 * and its executions and their history go at once (*deleted = 1);
 * otherwise it becomes DELETING (*deleted = 0): no new executions, the
 * running ones finish, and the last sl_store_exec_finish deletes it.
 * Deleting a DELETING machine is a no-op. StateMachineDoesNotExist. */
int sl_store_sm_delete(struct sl_store *s, const char *arn, int *deleted,
    sl_store_cb *cb, void *arg, struct sl_err *err);

/* DescribeStateMachine. StateMachineDoesNotExist. */
int sl_store_sm_get(struct sl_store *s, const char *arn,
    struct sl_store_sm *out, struct sl_err *err);

/* The definition of one revision of a machine, as an execution on it sees
 * it (DescribeStateMachineForExecution): *definition is yours to free.
 * Revisions stay while an execution refers to them. */
int sl_store_sm_revision(struct sl_store *s, const char *arn,
    const char *revision_id, char **definition, char **role_arn,
    struct sl_err *err);

struct sl_store_sm_list {
	struct sl_store_sm *items; /* without definition and extra */
	size_t n;
	char *next_token;          /* NULL = last page */
};

/* ListStateMachines, ordered by name. */
int sl_store_sm_list(struct sl_store *s, int max_results,
    const char *next_token, struct sl_store_sm_list *out, struct sl_err *err);
void sl_store_sm_list_release(struct sl_store_sm_list *l);

/* --- executions ------------------------------------------------------ */

struct sl_store_exec {
	char *arn;
	char *name;
	char *sm_arn;
	char *revision_id;
	enum sl_store_exec_status status;
	char *input;  /* JSON text */
	char *output; /* NULL unless SUCCEEDED */
	char *error;  /* NULL unless it failed, timed out or was aborted */
	char *cause;
	int64_t start_date;
	int64_t stop_date;     /* 0 while RUNNING */
	int64_t last_event_id; /* 0 = no history yet */
	int64_t seq;           /* the store's order of starts (for paging) */
	/* Filled only by sl_store_exec_running() and _resume(): */
	char *checkpoint;      /* the engine's last checkpoint, or NULL */
	char *definition;      /* of revision_id */
};

void sl_store_exec_release(struct sl_store_exec *e);

struct sl_store_exec_start {
	/* AWS's form, made of the two below: sm_arn with ":stateMachine:"
	 * turned into ":execution:", then ":" name (else
	 * ValidationException), so that an ARN names one (machine, name). */
	const char *arn;
	const char *name;     /* checked with sl_store_name_check */
	const char *sm_arn;
	const char *input;    /* JSON text; NULL = "{}" */
	int64_t now;
};

/* StartExecution of a STANDARD machine on its current revision (EXPRESS
 * executions are not stored: ValidationException). Names are unique per
 * machine: a RUNNING execution of that name with the same input is
 * returned with *existed = 1 (AWS's idempotent StartExecution; its cb still
 * waits for the commit of the batch); otherwise ExecutionAlreadyExists.
 * StateMachineDoesNotExist, StateMachineDeleting, InvalidName. out (may be
 * NULL) receives the record, with revision_id. */
int sl_store_exec_start(struct sl_store *s,
    const struct sl_store_exec_start *in, struct sl_store_exec *out,
    int *existed, sl_store_cb *cb, void *arg, struct sl_err *err);

struct sl_store_event {
	int64_t id;          /* 1, 2, 3... without gaps */
	int64_t previous_id; /* previousEventId; 0 = none */
	int64_t timestamp;
	const char *type;    /* AWS's name: "TaskStateEntered"... */
	/* The whole event as the API returns it, JSON text:
	 * {"timestamp":...,"type":...,"id":...,"previousEventId":...,
	 *  "xxxEventDetails":{...}} */
	const char *json;
};

/* Record progress of a RUNNING execution: append events (n may be 0) and,
 * when checkpoint is not NULL, replace its checkpoint (opaque text that the
 * engine resumes from), all or nothing. Event ids must continue the
 * history without a gap (ValidationException otherwise).
 * ExecutionDoesNotExist; SL_STORE_NOT_RUNNING when it has finished;
 * SL_STORE_HISTORY_LIMIT_ERROR past the quota (nothing is appended). */
int sl_store_exec_progress(struct sl_store *s, const char *arn,
    const struct sl_store_event *events, size_t n, const char *checkpoint,
    sl_store_cb *cb, void *arg, struct sl_err *err);

struct sl_store_exec_end {
	enum sl_store_exec_status status; /* not RUNNING */
	const char *output;               /* SUCCEEDED */
	const char *error;                /* others; may be NULL */
	const char *cause;
	int64_t now;
	/* The closing events (ExecutionSucceeded...), appended first; n may
	 * be 0 if they were appended already. */
	const struct sl_store_event *events;
	size_t n;
};

/* Finish a RUNNING execution (drops its checkpoint); StopExecution is a
 * finish with SL_STORE_EXEC_ABORTED, its error and cause, and an
 * ExecutionAborted event. If its machine is DELETING and this was its last
 * running execution, the machine is deleted now, with its executions.
 * ExecutionDoesNotExist, SL_STORE_NOT_RUNNING. */
int sl_store_exec_finish(struct sl_store *s, const char *arn,
    const struct sl_store_exec_end *end, sl_store_cb *cb, void *arg,
    struct sl_err *err);

/* DescribeExecution (without checkpoint and definition).
 * ExecutionDoesNotExist. */
int sl_store_exec_get(struct sl_store *s, const char *arn,
    struct sl_store_exec *out, struct sl_err *err);

struct sl_store_exec_list {
	struct sl_store_exec *items; /* without input, output, error, cause */
	size_t n;
	char *next_token;
};

struct sl_store_exec_query {
	const char *sm_arn; /* NULL = every machine */
	int status_filter;  /* -1 = any, else an enum sl_store_exec_status */
	int max_results;
	const char *next_token;
};

/* ListExecutions, newest first. StateMachineDoesNotExist,
 * ValidationException, InvalidToken. */
int sl_store_exec_list(struct sl_store *s, const struct sl_store_exec_query *q,
    struct sl_store_exec_list *out, struct sl_err *err);
void sl_store_exec_list_release(struct sl_store_exec_list *l);

/* Every RUNNING execution, oldest first, with its checkpoint, last event id
 * and definition: what a restarted daemon resumes. */
int sl_store_exec_running(struct sl_store *s, struct sl_store_exec_list *out,
    struct sl_err *err);

/* The same for one execution: after a failed commit the engine's memory is
 * ahead of the store; it reloads the executions whose writes failed and
 * goes on from their last committed state, as after a restart.
 * ExecutionDoesNotExist, SL_STORE_NOT_RUNNING. */
int sl_store_exec_resume(struct sl_store *s, const char *arn,
    struct sl_store_exec *out, struct sl_err *err);

/* --- history --------------------------------------------------------- */

struct sl_store_history_query {
	const char *exec_arn;
	int reverse_order;
	int max_results;
	const char *next_token;
	/* Non-zero: drop "input" and "output" from every event's
	 * *EventDetails (AWS's includeExecutionData=false; zero is AWS's
	 * default, true). */
	int exclude_execution_data;
};

struct sl_store_history_event {
	int64_t id;
	int64_t previous_id;
	int64_t timestamp;
	char *type;
	char *json; /* as appended, or stripped per exclude_execution_data */
};

struct sl_store_history {
	struct sl_store_history_event *events;
	size_t n;
	char *next_token;
};

/* GetExecutionHistory. ExecutionDoesNotExist, ValidationException,
 * InvalidToken. */
int sl_store_history_get(struct sl_store *s,
    const struct sl_store_history_query *q, struct sl_store_history *out,
    struct sl_err *err);
void sl_store_history_release(struct sl_store_history *h);

/* --- notifications --------------------------------------------------- */

struct sl_store_notification {
	int64_t id; /* increasing over all topics */
	char *topic;
	int64_t timestamp;
	char *message;   /* JSON text */
	char *publisher; /* e.g. the publishing function's ARN; may be NULL */
};

/* Publish: keep a message for a topic; *id (may be NULL) receives its id. */
int sl_store_notify_add(struct sl_store *s, const char *topic,
    const char *message, const char *publisher, int64_t now, int64_t *id,
    sl_store_cb *cb, void *arg, struct sl_err *err);

struct sl_store_notify_list {
	struct sl_store_notification *items;
	size_t n;
	char *next_token;
};

/* A topic's messages, oldest first (newest first with reverse). */
int sl_store_notify_list(struct sl_store *s, const char *topic, int reverse,
    int max_results, const char *next_token, struct sl_store_notify_list *out,
    struct sl_err *err);
void sl_store_notify_list_release(struct sl_store_notify_list *l);

/* --- retention ------------------------------------------------------- */

/* Delete at most limit (0 = no limit) finished executions that stopped
 * before `before` (e.g. now - 90 days), with their history, the revisions
 * no execution uses any more, and the notifications older than `before`.
 * *deleted (may be NULL) receives the number of executions deleted; call
 * again while it equals limit. A write: cb as any other.
 * Executions are taken in the order of their starts, up to the first
 * that started at or after `before` (an execution stops after it starts);
 * notifications in the order of their ids, up to the first that is not
 * older than `before`. Both orders follow the clock: should it step back,
 * what it put out of order goes at a later call. Ids (an execution's seq,
 * a notification's id) are never given twice. */
int sl_store_prune(struct sl_store *s, int64_t before, size_t limit,
    size_t *deleted, sl_store_cb *cb, void *arg, struct sl_err *err);

/* --- for backends ---------------------------------------------------- *
 * A backend implements the operations below on its own state; the front
 * (store.c) does the group commit bookkeeping, the callbacks, argument
 * checks and paging tokens. A write operation applies its change inside
 * the backend's open transaction (beginning one if none is open) and
 * returns 0, -1 when the change was refused and nothing else changed, or
 * SL_STORE_BATCH_LOST when the storage failed and the whole open
 * transaction was rolled back with it. Reads return 0 or -1. */

#define SL_STORE_BATCH_LOST (-2)

/* An execution's ARN is its machine's with ":stateMachine:" turned into
 * ":execution:", then ":" and its name (AWS's form). sl_store_exec_arn
 * makes it (yours to free), or returns NULL for a machine ARN through
 * which two (machine, name) pairs could share one (with ":execution:",
 * or ":stateMachine:" twice) or a name with ':'. sl_store_exec_arn_split
 * takes one apart: *sm_arn is yours to free, *name points into arn;
 * -1 for a string that sl_store_exec_arn does not make. The store takes
 * only such ARNs (sl_store_exec_start), so that a backend may keep an
 * execution by (machine, name) and make its ARN. */
char *sl_store_exec_arn(const char *sm_arn, const char *name);
int sl_store_exec_arn_split(const char *arn, char **sm_arn,
    const char **name);

struct sl_store_backend;

struct sl_store_ops {
	const char *name;
	void (*close)(struct sl_store_backend *be);
	const char *(*path)(const struct sl_store_backend *be);
	uint64_t (*db_commits)(const struct sl_store_backend *be);
	/* Commit the open transaction, if any; on failure roll it back. */
	int (*commit)(struct sl_store_backend *be, struct sl_err *err);
	int (*sm_create)(struct sl_store_backend *be,
	    const struct sl_store_sm_create *in, struct sl_store_sm *out,
	    int *existed, struct sl_err *err);
	int (*sm_update)(struct sl_store_backend *be, const char *arn,
	    const char *definition, const char *role_arn, const char *extra,
	    int64_t now, struct sl_store_sm *out, struct sl_err *err);
	int (*sm_delete)(struct sl_store_backend *be, const char *arn,
	    int *deleted, struct sl_err *err);
	int (*sm_get)(struct sl_store_backend *be, const char *arn,
	    struct sl_store_sm *out, struct sl_err *err);
	int (*sm_revision)(struct sl_store_backend *be, const char *arn,
	    const char *revision_id, char **definition, char **role_arn,
	    struct sl_err *err);
	/* after: the name to list after, or NULL; limit is exact. */
	int (*sm_list)(struct sl_store_backend *be, const char *after,
	    size_t limit, struct sl_store_sm_list *out, struct sl_err *err);
	int (*exec_start)(struct sl_store_backend *be,
	    const struct sl_store_exec_start *in, struct sl_store_exec *out,
	    int *existed, struct sl_err *err);
	int (*exec_progress)(struct sl_store_backend *be, const char *arn,
	    const struct sl_store_event *events, size_t n,
	    const char *checkpoint, struct sl_err *err);
	int (*exec_finish)(struct sl_store_backend *be, const char *arn,
	    const struct sl_store_exec_end *end, struct sl_err *err);
	int (*exec_get)(struct sl_store_backend *be, const char *arn,
	    struct sl_store_exec *out, struct sl_err *err);
	/* Items with a seq below `before` (0 = from the newest), newest
	 * first. */
	int (*exec_list)(struct sl_store_backend *be, const char *sm_arn,
	    int status_filter, int64_t before, size_t limit,
	    struct sl_store_exec_list *out, struct sl_err *err);
	/* arn NULL: every RUNNING execution; else that one, RUNNING or
	 * not (the front checks). */
	int (*exec_running)(struct sl_store_backend *be, const char *arn,
	    struct sl_store_exec_list *out, struct sl_err *err);
	/* Events after (or, reversed, before) event id `from` (0 = from the
	 * start / the end), raw JSON; ExecutionDoesNotExist. */
	int (*history)(struct sl_store_backend *be, const char *exec_arn,
	    int reverse, int64_t from, size_t limit,
	    struct sl_store_history *out, struct sl_err *err);
	int (*notify_add)(struct sl_store_backend *be, const char *topic,
	    const char *message, const char *publisher, int64_t now,
	    int64_t *id, struct sl_err *err);
	int (*notify_list)(struct sl_store_backend *be, const char *topic,
	    int reverse, int64_t from, size_t limit,
	    struct sl_store_notify_list *out, struct sl_err *err);
	int (*prune)(struct sl_store_backend *be, int64_t before, size_t limit,
	    size_t *deleted, struct sl_err *err);
};

/* Wrap an open backend into a store (takes ownership of be). */
struct sl_store *sl_store_new(const struct sl_store_ops *ops,
    struct sl_store_backend *be, struct sl_loop *loop);

/* The SQLite backend (sqlite.c). */
struct sl_store_backend *sl_store_sqlite_open(
    const struct sl_store_config *cfg, struct sl_err *err);
extern const struct sl_store_ops sl_store_sqlite_ops;

#endif
