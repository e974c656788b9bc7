/* The workflow service of sluiced: the engine (orchestrator/engine.h)
 * running on the daemon's loop with real functions, and the store
 * (store/store.h) keeping machines, executions and history durably. The
 * Step Functions actions of the dispatcher (api_sfn.c) work on it; running
 * executions are resumed from the store when it opens.
 *
 * For the loop's thread only. */
#ifndef SL_SFN_H
#define SL_SFN_H

#include "common/err.h"
#include "common/loop.h"
#include "runtime/host.h"

struct sl_sfn;
struct sl_api;

struct sl_sfn_config {
	struct sl_loop *loop;  /* borrowed */
	struct sl_host *host;  /* borrowed; Task states invoke through it */
	const char *data_dir;  /* the store lives here */
	const char *region;    /* NULL = us-east-1 */
	const char *account;   /* NULL = 000000000000 */
	/* fsync only at WAL checkpoints (benchmarks); default is every
	 * commit. */
	int relaxed_sync;
};

/* Open the store and start the engine. NULL + err on failure (the store's
 * error: a locked, corrupt or newer database, ...). */
struct sl_sfn *sl_sfn_new(const struct sl_sfn_config *cfg,
    struct sl_err *err);
/* Pushes and late replies go through api (borrowed) from now on. Then
 * resume the executions the store has as RUNNING; returns how many. */
size_t sl_sfn_start(struct sl_sfn *sfn, struct sl_api *api);
/* Stop the engine (running executions stay RUNNING in the store with
 * their checkpoints, to be resumed), answer requests still waiting for an
 * execution with ServiceUnavailable, commit, close the store. NULL ok.
 * Call before freeing the host and the dispatcher. */
void sl_sfn_free(struct sl_sfn *sfn);

/* Executions running in the engine. */
size_t sl_sfn_running(const struct sl_sfn *sfn);

#endif
