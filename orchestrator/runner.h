/* Run single executions to completion on an sl_loop (offline commands and
 * the conformance runner): an engine with a real or scaled clock and, when
 * a host is given, real functions for Task states. */
#ifndef SL_RUNNER_H
#define SL_RUNNER_H

#include <stdint.h>

#include "common/err.h"
#include "common/loop.h"
#include "orchestrator/engine.h"
#include "runtime/host.h"

struct sl_runner;

/* loop and host are borrowed (host may be NULL: Task states then fail with
 * Lambda.ServiceException). scale > 1 runs engine time that many times
 * faster than real time (scaled clock); 0 or 1 is real time. */
struct sl_runner *sl_runner_new(struct sl_loop *loop, struct sl_host *host,
    uint32_t scale, int keep_history);
void sl_runner_free(struct sl_runner *r);

/* Run one execution of m with input (JSON text; express: an Express
 * execution's ARN) until it ends or
 * timeout_ms of real time pass (then it is stopped: ABORTED with error
 * "Sluice.RunnerTimeout"). Fills res (release with sl_exec_result_release).
 * Returns 0, or -1 + err when it could not start. */
int sl_runner_run(struct sl_runner *r, struct sl_asl_machine *m,
    const char *name, const char *input, int express, uint64_t timeout_ms,
    struct sl_exec_result *res, struct sl_err *err);

#endif
