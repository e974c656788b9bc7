/* The worker's self-imposed sandbox (see sandbox.h). Runs in the worker
 * image only, before the handler is loaded. */
#include "runtime/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The installed linux/landlock.h may predate ABI 4-7, so the structures and
 * flags used here are spelled out; the kernel's ABI is fixed. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

struct ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

#define LL_CREATE_RULESET_VERSION (1u << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_RULE_NET_PORT 2

#define LL_FS_EXECUTE (1ull << 0)
#define LL_FS_WRITE_FILE (1ull << 1)
#define LL_FS_READ_FILE (1ull << 2)
#define LL_FS_READ_DIR (1ull << 3)
#define LL_FS_REFER (1ull << 13)
#define LL_FS_TRUNCATE (1ull << 14)
#define LL_FS_IOCTL_DEV (1ull << 15)
#define LL_NET_BIND_TCP (1ull << 0)
#define LL_NET_CONNECT_TCP (1ull << 1)
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ull << 0)
#define LL_SCOPE_SIGNAL (1ull << 1)

#define LL_FS_FILE_RIGHTS                                                      \
	(LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_TRUNCATE | \
	    LL_FS_IOCTL_DEV)
#define LL_FS_RO (LL_FS_EXECUTE | LL_FS_READ_FILE | LL_FS_READ_DIR)

int
sl_sandbox_landlock_abi(void)
{
	long abi = syscall(
	    SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);

	return abi < 0 ? 0 : (int)abi;
}

static uint64_t
fs_rights(int abi)
{
	uint64_t r = (1ull << 13) - 1; /* ABI 1: bits 0-12 */

	if (abi >= 2)
		r |= LL_FS_REFER;
	if (abi >= 3)
		r |= LL_FS_TRUNCATE;
	if (abi >= 5)
		r |= LL_FS_IOCTL_DEV;
	return r;
}

/* Allow access beneath path; a path that does not exist is skipped (there
 * is nothing there to reach). */
static int
ll_allow(int rfd, const char *path, uint64_t access, uint64_t handled,
    struct sl_err *err)
{
	struct ll_path_beneath_attr pb;
	struct stat st;
	int fd;

	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		access &= LL_FS_FILE_RIGHTS;
	pb.allowed_access = access & handled;
	pb.parent_fd = fd;
	if (pb.allowed_access != 0 && syscall(SYS_landlock_add_rule, rfd,
	                                  LL_RULE_PATH_BENEATH, &pb, 0) < 0) {
		int e = errno;

		close(fd);
		return sl_err_set(err, "Runtime.SandboxError",
		    "landlock rule for %s: %s", path, strerror(e));
	}
	close(fd);
	return 0;
}

static const char *const system_ro[] = {
    "/usr",
    "/lib",
    "/lib64",
    "/lib32",
    "/etc/ld.so.cache",
    "/etc/localtime",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/resolv.conf",
    "/etc/hosts",
    "/etc/nsswitch.conf",
    "/etc/services",
    "/etc/protocols",
    "/etc/gai.conf",
    "/etc/host.conf",
    NULL,
};

static const char *const system_rw[] = {
    "/dev/null",
    "/dev/zero",
    "/dev/urandom",
    "/dev/random",
    NULL,
};

static int
apply_landlock(const struct sl_sandbox_spec *s, int abi, struct sl_err *err)
{
	struct ll_ruleset_attr attr;
	size_t attr_size;
	uint64_t handled = fs_rights(abi);
	int rfd = -1;
	size_t i;

	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = handled;
	attr_size = sizeof(attr.handled_access_fs);
	if (abi >= 4) {
		/* loopback without Ports may connect anywhere (the README
		 * says so); it never listens. */
		if (s->network == SL_NET_NONE ||
		    (s->network == SL_NET_LOOPBACK && s->nports > 0))
			attr.handled_access_net =
			    LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		else if (s->network == SL_NET_LOOPBACK)
			attr.handled_access_net = LL_NET_BIND_TCP;
		attr_size = offsetof(struct ll_ruleset_attr, scoped);
	}
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
		attr_size = sizeof(attr);
	}
	rfd = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (rfd < 0)
		return sl_err_set(err, "Runtime.SandboxError",
		    "landlock_create_ruleset: %s", strerror(errno));
	for (i = 0; system_ro[i] != NULL; i++)
		if (ll_allow(rfd, system_ro[i], LL_FS_RO, handled, err) < 0)
			goto fail;
	for (i = 0; system_rw[i] != NULL; i++)
		if (ll_allow(rfd, system_rw[i],
		        LL_FS_READ_FILE | LL_FS_WRITE_FILE | LL_FS_TRUNCATE,
		        handled, err) < 0)
			goto fail;
	if (s->function_dir != NULL &&
	    ll_allow(rfd, s->function_dir, LL_FS_RO, handled, err) < 0)
		goto fail;
	for (i = 0; i < s->nread; i++)
		if (ll_allow(rfd, s->read_paths[i],
		        LL_FS_READ_FILE | LL_FS_READ_DIR, handled, err) < 0)
			goto fail;
	for (i = 0; i < s->nwrite; i++)
		if (ll_allow(rfd, s->write_paths[i], handled, handled, err) < 0)
			goto fail;
	if (abi >= 4 && s->network == SL_NET_LOOPBACK) {
		for (i = 0; i < s->nports; i++) {
			struct ll_net_port_attr np = {
			    .allowed_access = LL_NET_CONNECT_TCP,
			    .port = s->ports[i],
			};

			if (syscall(SYS_landlock_add_rule, rfd,
			        LL_RULE_NET_PORT, &np, 0) < 0) {
				sl_err_set(err, "Runtime.SandboxError",
				    "landlock port rule %u: %s",
				    (unsigned)s->ports[i], strerror(errno));
				goto fail;
			}
		}
	}
	if (syscall(SYS_landlock_restrict_self, rfd, 0) < 0) {
		sl_err_set(err, "Runtime.SandboxError",
		    "landlock_restrict_self: %s", strerror(errno));
		goto fail;
	}
	close(rfd);
	return 0;
fail:
	close(rfd);
	return -1;
}

static int
set_limit(int res, rlim_t v, const char *name, struct sl_err *err)
{
	struct rlimit rl = {v, v};

	if (setrlimit(res, &rl) < 0)
		return sl_err_set(err, "Runtime.SandboxError",
		    "setrlimit(%s): %s", name, strerror(errno));
	return 0;
}

int
sl_sandbox_apply(const struct sl_sandbox_spec *s, struct sl_err *err)
{
	int abi;

	if (set_limit(RLIMIT_CORE, 0, "RLIMIT_CORE", err) < 0 ||
	    set_limit(RLIMIT_NOFILE, SL_SANDBOX_NOFILE, "RLIMIT_NOFILE", err) <
	        0)
		return -1;
	if (s->memory_mb > 0 &&
	    set_limit(RLIMIT_AS,
	        ((rlim_t)s->memory_mb + SL_SANDBOX_AS_HEADROOM_MB) * 1024 *
	            1024,
	        "RLIMIT_AS", err) < 0)
		return -1;
	if (s->netns_fd >= 0) {
		if (setns(s->netns_fd, CLONE_NEWNET) < 0)
			return sl_err_set(err, "Runtime.SandboxError",
			    "setns(network): %s", strerror(errno));
		close(s->netns_fd);
	}
	if (s->gid >= 0 && geteuid() == 0) {
		if (setgroups(0, NULL) < 0 ||
		    setresgid((gid_t)s->gid, (gid_t)s->gid, (gid_t)s->gid) < 0)
			return sl_err_set(err, "Runtime.SandboxError",
			    "setgid(%ld): %s", s->gid, strerror(errno));
	}
	if (s->uid >= 0 && geteuid() == 0) {
		if (setresuid((uid_t)s->uid, (uid_t)s->uid, (uid_t)s->uid) < 0)
			return sl_err_set(err, "Runtime.SandboxError",
			    "setuid(%ld): %s", s->uid, strerror(errno));
	}
	/* RLIMIT_NPROC counts the uid's processes and threads; seccomp is
	 * what forbids new processes, this only bounds threads. */
	if (set_limit(RLIMIT_NPROC, SL_SANDBOX_NPROC, "RLIMIT_NPROC", err) < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return sl_err_set(err, "Runtime.SandboxError",
		    "no_new_privs: %s", strerror(errno));
	abi = sl_sandbox_landlock_abi();
	if (abi > 0 && apply_landlock(s, abi, err) < 0)
		return -1;
	if (s->bpf != NULL && s->bpf_len >= sizeof(struct sock_filter)) {
		struct sock_fprog prog = {
		    .len = (unsigned short)(s->bpf_len /
		                            sizeof(struct sock_filter)),
		    .filter = (struct sock_filter *)(uintptr_t)s->bpf,
		};

		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			return sl_err_set(err, "Runtime.SandboxError",
			    "seccomp: %s", strerror(errno));
	}
	return 0;
}
