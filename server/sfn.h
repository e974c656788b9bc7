/* The workflow service of sluiced: the engine (orchestrator/engine.h)
 * running on the daemon's loop with real functions, and the store
 * (store/store.h) keeping machines, executions and history durably. The
 * Step Functions actions of the dispatcher (api_sfn.c) work on it; running
 * executions are resumed from the store when it opens.
 *
 * For the loop's thread only. */
#ifndef SL_SFN_H
#define SL_SFN_H

#include <stdint.h>

#include "common/err.h"
#include "common/loop.h"
#include "runtime/host.h"
#include "store/store.h"

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
	/* When the store checks the database's integrity at open (the
	 * default: after an unclean stop). */
	enum sl_store_verify verify;
	/* Finished executions older than this many days are deleted (at
	 * start-up, then hourly); 0 keeps them for ever. */
	unsigned retention_days;
	/* Testing: cap the database at this many pages (disk full). */
	uint32_t max_db_pages;
	/* Group commit: 0 = the store commits from a 0-delay timer on loop;
	 * 1 = the owner calls sl_sfn_flush() after each pass of its loop
	 * (one transaction per pass, whatever ran in it). */
	int flush_by_owner;
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

/* With flush_by_owner: commit what the pass wrote, and what the commit's
 * callbacks wrote in turn, before the loop may sleep. Returns 0, or -1 when
 * a commit failed (its writers were told). */
int sl_sfn_flush(struct sl_sfn *sfn);

/* Executions running in the engine. */
size_t sl_sfn_running(const struct sl_sfn *sfn);

#endif
