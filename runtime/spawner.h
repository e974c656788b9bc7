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

/* Start the spawner from the worker image at path. NULL + err on failure.
 * Its control socket is non-blocking: nothing here waits for it. */
struct sl_spawner *sl_spawner_new(const char *path, struct sl_err *err);
/* Close the control channel, kill the spawner and reap it. */
void sl_spawner_free(struct sl_spawner *s);
/* Ask for a worker whose fds 1 and 2 are log_fd, 3 ipc_fd, 4 so_fd, and 5
 * netns_fd when >= 0, with exactly the environment envp. Does not wait:
 * the fds are copied into the request (they stay the caller's) and the
 * reply comes later on sl_spawner_fd(), in the order of the requests (see
 * sl_spawner_reply). Returns 0, or -1 with errno: EAGAIN when the channel
 * is full or E2BIG when envp is too large (the spawner stays usable), any
 * other when the spawner is broken (sl_spawner_alive is then 0 and the
 * caller stops it with sl_spawner_stop). */
int sl_spawner_request(struct sl_spawner *s, int log_fd, int ipc_fd,
    int so_fd, int netns_fd, char *const envp[]);
/* The reply to the oldest request without one, without blocking: 1 with
 * *pid the new worker (a child of the caller), or *pid -1 and *err the
 * errno of a failed fork; 0 when it has not arrived yet; -1 when the
 * spawner is broken (dead, or the channel failed): no request still
 * waiting will have a reply, sl_spawner_alive is 0 and the caller stops
 * it with sl_spawner_stop. */
int sl_spawner_reply(struct sl_spawner *s, pid_t *pid, int *err);
/* The control socket to watch for replies (readable), -1 once stopped. */
int sl_spawner_fd(const struct sl_spawner *s);
/* Kill the spawner and reap it, keeping its channel: the replies it sent
 * before it died can still be read (sl_spawner_reply), then -1. */
void sl_spawner_kill(struct sl_spawner *s);
/* Kill the spawner and reap it; it is unusable after (sl_spawner_alive is
 * 0). Workers it started are not affected. The caller unwatches the fd
 * first. */
void sl_spawner_stop(struct sl_spawner *s);
int sl_spawner_alive(const struct sl_spawner *s);
pid_t sl_spawner_pid(const struct sl_spawner *s);

#endif
