/* Host side of the spawner (see spawner.h): start it, ask it for workers
 * over a SOCK_SEQPACKET control socket without waiting, read its replies,
 * stop it. */
#include "runtime/spawner.h"
#include "common/buf.h"
#include "common/xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct sl_spawner {
	pid_t pid;
	int ctl;
	int alive;
};

struct sl_spawner *
sl_spawner_new(const char *path, struct sl_err *err)
{
	struct sl_spawner *s = xcalloc(1, sizeof(*s));
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char *argv[] = {"sluice-worker", "--spawner", NULL};
	char *envp[] = {NULL};
	sigset_t none;
	int sv[2] = {-1, -1}, rc, hi;

	s->ctl = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		sl_err_set(err, "ServiceException", "spawner socketpair: %s",
		    strerror(errno));
		goto fail;
	}
	/* Keep the child's end clear of fds 0-3 before dup2 moves it. */
	hi = fcntl(sv[1], F_DUPFD_CLOEXEC, 10);
	close(sv[1]);
	sv[1] = hi;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 3);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	rc = posix_spawn(&s->pid, path, &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(sv[1]);
	sv[1] = -1;
	if (rc != 0) {
		sl_err_set(err, "ServiceException", "starting %s: %s", path,
		    strerror(rc));
		goto fail;
	}
	s->ctl = sv[0];
	(void)fcntl(s->ctl, F_SETFL, O_NONBLOCK);
	s->alive = 1;
	return s;
fail:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	free(s);
	return NULL;
}

void
sl_spawner_kill(struct sl_spawner *s)
{
	if (s == NULL)
		return;
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
			;
		s->pid = 0;
	}
	s->alive = 0;
}

void
sl_spawner_stop(struct sl_spawner *s)
{
	if (s == NULL)
		return;
	sl_spawner_kill(s);
	if (s->ctl >= 0) {
		close(s->ctl);
		s->ctl = -1;
	}
}

void
sl_spawner_free(struct sl_spawner *s)
{
	if (s == NULL)
		return;
	sl_spawner_stop(s);
	free(s);
}

int
sl_spawner_alive(const struct sl_spawner *s)
{
	return s != NULL && s->alive;
}

pid_t
sl_spawner_pid(const struct sl_spawner *s)
{
	return s ? s->pid : 0;
}

int
sl_spawner_fd(const struct sl_spawner *s)
{
	return s != NULL ? s->ctl : -1;
}

int
sl_spawner_request(struct sl_spawner *s, int log_fd, int ipc_fd, int so_fd,
    int netns_fd, char *const envp[])
{
	struct sl_buf env = SL_BUF_INIT;
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m;
	struct iovec iov;
	struct cmsghdr *c;
	int fds[4] = {log_fd, ipc_fd, so_fd, netns_fd};
	int nfds = netns_fd >= 0 ? 4 : 3;
	size_t i;
	ssize_t n;

	if (!sl_spawner_alive(s)) {
		errno = ESRCH;
		return -1;
	}
	sl_buf_init(&env);
	for (i = 0; envp[i] != NULL; i++)
		sl_buf_add(&env, envp[i], strlen(envp[i]) + 1);
	if (env.len == 0)
		sl_buf_addch(&env, '\0');
	if (env.len > SL_SPAWNER_MAX_ENV) {
		sl_buf_release(&env);
		errno = E2BIG;
		return -1;
	}
	memset(&m, 0, sizeof(m));
	memset(&u, 0, sizeof(u));
	iov.iov_base = env.data;
	iov.iov_len = env.len;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = u.buf;
	m.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
	memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	do
		n = sendmsg(s->ctl, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	sl_buf_release(&env);
	if (n >= 0)
		return 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
		errno = EAGAIN;
		return -1;
	}
	s->alive = 0; /* broken: the caller stops it */
	errno = EPIPE;
	return -1;
}

int
sl_spawner_reply(struct sl_spawner *s, pid_t *pid, int *err)
{
	long reply[2];
	ssize_t n;

	*pid = -1;
	*err = 0;
	if (s == NULL || s->ctl < 0)
		return -1;
	do
		n = recv(s->ctl, reply, sizeof(reply), MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n != (ssize_t)sizeof(reply)) {
		s->alive = 0; /* broken: the caller stops it */
		return -1;
	}
	/* The new pid, or -errno. */
	if (reply[0] <= 0) {
		*err = reply[0] < 0 ? (int)-reply[0] : EINVAL;
		return 1;
	}
	*pid = (pid_t)reply[0];
	return 1;
}
