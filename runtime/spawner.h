/* The spawner: one pre-started copy of the worker image (sluice-worker
 * --spawner) that forks new workers on request, so a cold start costs a
 * fork instead of an exec. Workers are created with CLONE_PARENT: they are
 * the host's own children (joined with pidfd/waitid as usual), never the
 * spawner's. Host side; the other end is runtime/worker_spawner.c. */
#ifndef SL_SPAWNER_H
#define SL_SPAWNER_H

#include <sys/types.h>

#include "common/err.h"

/* Name (comm) of the spawner process, to tell it from workers. */
#define SL_SPAWNER_COMM "sluice-spawner"
#define SL_SPAWNER_MAX_ENV (64 * 1024)

struct sl_spawner;

/* Start the spawner from the worker image at path. NULL + err on failure. */
struct sl_spawner *sl_spawner_new(const char *path, struct sl_err *err);
/* Close the control channel, kill the spawner and reap it. */
void sl_spawner_free(struct sl_spawner *s);
/* Fork a worker whose fds 1 and 2 are log_fd, 3 ipc_fd, 4 so_fd, and 5
 * netns_fd when >= 0, with exactly the environment envp. The fds stay the
 * caller's. Blocks for the fork (bounded by a 2 s timeout). Returns the
 * new worker's pid (a child of the caller), or -1 with errno; after a
 * failure the spawner is unusable (sl_spawner_alive returns 0). */
pid_t sl_spawner_spawn(struct sl_spawner *s, int log_fd, int ipc_fd, int so_fd,
    int netns_fd, char *const envp[]);
int sl_spawner_alive(const struct sl_spawner *s);
pid_t sl_spawner_pid(const struct sl_spawner *s);

#endif
