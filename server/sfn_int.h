/* What sfn.c and api_sfn.c share: the workflow service's state. Not for
 * other modules. */
#ifndef SL_SFN_INT_H
#define SL_SFN_INT_H

/* store/store.h and orchestrator/engine.h both name their execution
 * statuses SL_EXEC_*: the store's enumerators are renamed here, and this
 * code compares statuses by their AWS names only. */
#define SL_EXEC_RUNNING SL_STORE_ENUM_EXEC_RUNNING
#define SL_EXEC_SUCCEEDED SL_STORE_ENUM_EXEC_SUCCEEDED
#define SL_EXEC_FAILED SL_STORE_ENUM_EXEC_FAILED
#define SL_EXEC_TIMED_OUT SL_STORE_ENUM_EXEC_TIMED_OUT
#define SL_EXEC_ABORTED SL_STORE_ENUM_EXEC_ABORTED
#include "store/store.h"
#undef SL_EXEC_RUNNING
#undef SL_EXEC_SUCCEEDED
#undef SL_EXEC_FAILED
#undef SL_EXEC_TIMED_OUT
#undef SL_EXEC_ABORTED
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

/* Our record of an execution in the engine (its sl_exec_user). */
struct sfn_exec {
	struct sfn_exec *next, *prev;
	struct sl_sfn *sfn;
	char *arn;
	char *sm_arn;
	char *name;
	char *input;
	int express;          /* not stored */
	int stored;           /* the store has it (finish it there) */
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

/* Seconds since the epoch, as AWS's JSON dates, from ms. */
double sl_sfn_date(int64_t ms);

#endif
