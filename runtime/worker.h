/* Inside the worker image: the handler context (worker_ctx.c) and the
 * invocation loop (worker_main.c). Not used by the host.
 *
 * Fixed descriptors, set up by the host when it starts the worker:
 * 0 /dev/null, 1 and 2 the log pipe, 3 the IPC socket, 4 the handler .so
 * (a sealed memfd), 5 the shared empty network namespace (optional). */
#ifndef SL_WORKER_H
#define SL_WORKER_H

#include <stdint.h>

#include <sluice.h>

#define SL_WORKER_FD_IPC 3
#define SL_WORKER_FD_SO 4
#define SL_WORKER_FD_NETNS 5
/* Exit status when the IPC channel is gone or broken. */
#define SL_WORKER_EXIT_IPC 70

struct sl_context {
	const char *request_id;
	const char *key;
	const char *name;
	const char *arn;
	const char *dir;
	int memory_mb;
	int64_t deadline_ms;
	char *err_type; /* set by sl_error; owned */
	char *err_msg;
	int failed;
};

/* Forget a previous sl_error (between invocations). */
void sl_worker_ctx_reset(struct sl_context *ctx);
/* Mark the start and end of an invocation: allocation failures in between
 * are reported to the host as SL_FRAME_MEMFAIL (out of memory). */
void sl_worker_invoke_begin(uint64_t id);
void sl_worker_invoke_end(void);
/* Whether an allocation failed since sl_worker_invoke_begin. */
int sl_worker_oom_seen(void);
/* Check that fd 3 is still the IPC socket the worker started with (a
 * handler may have closed or replaced it); exits with SL_WORKER_EXIT_IPC
 * when it is not. sl_worker_ipc_remember records it once at start. */
void sl_worker_ipc_remember(void);
void sl_worker_ipc_check(void);
/* Whether fd 2 is still the log pipe the worker started with (recorded by
 * sl_worker_ipc_remember too): the host reads the start of an invocation
 * sent ahead from it. */
int sl_worker_log_intact(void);
/* Serve as the spawner (worker_spawner.c): returns only in a newly forked
 * worker, which then carries on as a worker. */
int sl_worker_spawner(void);

#endif
