/* What sfn.c and api_sfn.c share: the workflow service's state. Not for
 * other modules. */
#ifndef SL_SFN_INT_H
#define SL_SFN_INT_H

#include "store/store.h"
#include "orchestrator/clock.h"
#include "orchestrator/engine.h"
#include "orchestrator/invoke_host.h"

#include "server/api_internal.h"
#include "server/sfn.h"

/* A compiled revision of a machine, shared by its executions. */
struct sfn_machine {
	struct sfn_machine *next;
	char *arn;
	char *revision_id;
	struct sl_asl_machine *m; /* one reference */
};

/* A request waiting for an execution to end (StartExecution with "wait",
 * StartSyncExecution). The call is the dispatcher's. */
struct sfn_waiter {
	struct sfn_waiter *next;
	struct api_call *call;
	int sync; /* StartSyncExecution's reply shape */
};

/* Our record of an execution in the engine (its sl_exec_user).
 * Reference-counted: the engine holds one reference until on_done, each
 * store write waiting for its commit one, the reload queue one. */
struct sfn_exec {
	struct sfn_exec *next, *prev;
	struct sfn_exec *reload_next;
	struct sl_sfn *sfn;
	int refs;
	char *arn;
	char *sm_arn;
	char *name;
	char *input;
	int express;          /* not stored */
	int stored;           /* the store has it (finish it there) */
	/* A write of it failed: the engine is ahead of the store, so
	 * nothing more is written; it is reloaded from its last committed
	 * checkpoint. */
	int lost;
	int over_quota;       /* the store refused events past the quota */
	int detached;         /* dropped from the engine: ignore its calls */
	int ended;            /* the engine let it go (on_done) */
	int queued;           /* on the reload queue */
	struct sfn_waiter *waiters;
};

struct sl_sfn {
	struct sl_loop *loop;
	struct sl_host *host;
	struct sl_api *api;
	struct sl_store *store;
	struct sl_engine *engine;
	struct sl_clock *clock;
	struct sl_invoke_host *invoker;
	struct sfn_machine *machines;
	struct sfn_exec execs; /* list head */
	struct sfn_exec *reload; /* executions to reload from the store */
	struct sl_timer reload_timer;
	struct sl_timer prune_timer;
	unsigned retention_days;
	char *region;
	char *account;
	int stopping;
};

/* The compiled current-or-given revision of a stored machine; borrowed
 * from the cache. NULL + err when it does not compile. */
struct sl_asl_machine *sl_sfn_machine(struct sl_sfn *sfn, const char *arn,
    const char *revision_id, const char *definition, const char *name,
    struct sl_err *err);
/* Forget compiled revisions of arn (updated or deleted). */
void sl_sfn_machine_forget(struct sl_sfn *sfn, const char *arn);

/* Start an execution in the engine; its record takes the waiter (may be
 * NULL). Returns 0 (the execution may already have ended), or -1 + err
 * (the waiter is then not taken). */
int sl_sfn_exec_start(struct sl_sfn *sfn,
    struct sl_asl_machine *m, const char *sm_arn, const char *arn,
    const char *name, const char *input, int64_t start_ms, int express,
    int stored, struct sfn_waiter *w, struct sl_err *err);

/* The stored execution e as DescribeExecution returns it (JSON text,
 * the caller's). */
char *sl_sfn_describe_stored(const struct sl_store_exec *e);

/* End a stored RUNNING execution that the engine does not run: append its
 * terminal event (ExecutionFailed, ExecutionAborted...) after the last
 * stored one and finish it. cb as for any store write. */
int sl_sfn_finish_stored(struct sl_sfn *sfn, const char *arn,
    enum sl_store_exec_status status, const char *error, const char *cause,
    sl_store_cb *cb, void *arg, struct sl_err *err);

/* StopExecution: the engine's execution ends ABORTED with error and cause
 * (each may be NULL), as does a stored RUNNING one the engine does not
 * have; cb runs once that is durable. *stop_date gets the stop date (the
 * earlier one when the execution was over already, which is no error).
 * ExecutionDoesNotExist. */
int sl_sfn_stop(struct sl_sfn *sfn, const char *arn, const char *error,
    const char *cause, sl_store_cb *cb, void *arg, int64_t *stop_date,
    struct sl_err *err);

/* Seconds since the epoch, as AWS's JSON dates, from ms. */
double sl_sfn_date(int64_t ms);

#endif
