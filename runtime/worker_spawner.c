/* Worker side of the spawner (runtime/spawner.h): a copy of the worker
 * image waiting on its control socket (fd 3) to fork workers with
 * CLONE_PARENT, so they start warm in memory and belong to the host. */
#include "runtime/spawner.h"
#include "runtime/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CTL_FD 3

static char envbuf[SL_SPAWNER_MAX_ENV + 1];
static char *envv[SL_SPAWNER_MAX_ENV / 2 + 1];

/* In the new worker: put the received fds in their places and take the
 * requested environment. */
static void
child_setup(int *fds, int nfds, size_t envlen)
{
	int i, hi[4];
	size_t off = 0, k = 0;
	extern char **environ;

	close(CTL_FD);
	for (i = 0; i < nfds; i++) {
		hi[i] = fcntl(fds[i], F_DUPFD, 20);
		if (hi[i] < 0)
			_exit(SL_WORKER_EXIT_IPC);
	}
	if (dup2(hi[0], 1) < 0 || dup2(hi[0], 2) < 0 ||
	    dup2(hi[1], SL_WORKER_FD_IPC) < 0 ||
	    dup2(hi[2], SL_WORKER_FD_SO) < 0 ||
	    (nfds > 3 && dup2(hi[3], SL_WORKER_FD_NETNS) < 0))
		_exit(SL_WORKER_EXIT_IPC);
	if (nfds <= 3)
		close(SL_WORKER_FD_NETNS);
	syscall(SYS_close_range, 6u, ~0u, 0u);
	while (off < envlen && envbuf[off] != '\0') {
		envv[k++] = envbuf + off;
		off += strlen(envbuf + off) + 1;
	}
	envv[k] = NULL;
	environ = envv;
	(void)prctl(PR_SET_NAME, "sluice-worker");
}

int
sl_worker_spawner(void)
{
	(void)prctl(PR_SET_NAME, SL_SPAWNER_COMM);
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	syscall(SYS_close_range, 4u, ~0u, 0u);
	for (;;) {
		union {
			char buf[CMSG_SPACE(4 * sizeof(int))];
			struct cmsghdr align;
		} u;
		struct msghdr m;
		struct iovec iov;
		struct cmsghdr *c;
		int fds[4], nfds = 0, i;
		long reply[2] = {0, 0};
		ssize_t n;
		long pid;

		memset(&m, 0, sizeof(m));
		iov.iov_base = envbuf;
		iov.iov_len = sizeof(envbuf) - 1;
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		n = recvmsg(CTL_FD, &m, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0); /* the host is gone */
		envbuf[n] = '\0';
		for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SCM_RIGHTS) {
				nfds = (int)((c->cmsg_len - CMSG_LEN(0)) /
				             sizeof(int));
				if (nfds > 4)
					nfds = 4;
				memcpy(fds, CMSG_DATA(c),
				    (size_t)nfds * sizeof(int));
			}
		if (nfds < 3 || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
			for (i = 0; i < nfds; i++)
				close(fds[i]);
			reply[0] = -EINVAL;
			(void)send(CTL_FD, reply, sizeof(reply), MSG_NOSIGNAL);
			continue;
		}
		/* A fork whose parent is the host (CLONE_PARENT). */
		pid = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
		if (pid == 0) {
			child_setup(fds, nfds, (size_t)n);
			return 0; /* main() goes on as a worker */
		}
		reply[0] = pid > 0 ? pid : -errno;
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		(void)send(CTL_FD, reply, sizeof(reply), MSG_NOSIGNAL);
	}
}
