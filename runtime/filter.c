/* Build the workers' seccomp filter with libseccomp (see filter.h). */
#include "runtime/filter.h"
#include "common/xmalloc.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const denied[] = {
    "execve",
    "execveat",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "kexec_load",
    "kexec_file_load",
    "bpf",
    "keyctl",
    "add_key",
    "request_key",
    "unshare",
    "setns",
    "init_module",
    "finit_module",
    "delete_module",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "perf_event_open",
    "userfaultfd",
    "reboot",
    "swapon",
    "swapoff",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "acct",
    "quotactl",
    "open_by_handle_at",
    "name_to_handle_at",
    "iopl",
    "ioperm",
    "fork",
    "vfork",
    "personality",
    "lookup_dcookie",
    "vhangup",
    "syslog",
    NULL,
};

int
sl_filter_build(void **bpf, size_t *len, struct sl_err *err)
{
	scmp_filter_ctx ctx;
	int fd = -1, rc, i;
	struct stat st;
	void *p = NULL;

	*bpf = NULL;
	*len = 0;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (ctx == NULL)
		return sl_err_set(
		    err, "ServiceException", "seccomp_init failed");
	for (i = 0; denied[i] != NULL; i++) {
		int nr = seccomp_syscall_resolve_name(denied[i]);

		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (rc < 0) {
			sl_err_set(err, "ServiceException",
			    "seccomp rule for %s: %s", denied[i],
			    strerror(-rc));
			goto fail;
		}
	}
	/* A new process is a clone without CLONE_THREAD. */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
	    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
	if (rc == 0)
		rc = seccomp_rule_add(
		    ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (rc < 0) {
		sl_err_set(err, "ServiceException", "seccomp clone rule: %s",
		    strerror(-rc));
		goto fail;
	}
	fd = memfd_create("sluice-bpf", MFD_CLOEXEC);
	if (fd < 0 || (rc = seccomp_export_bpf(ctx, fd)) < 0 ||
	    fstat(fd, &st) < 0 || st.st_size <= 0) {
		sl_err_set(err, "ServiceException",
		    "exporting the seccomp filter failed");
		goto fail;
	}
	p = xmalloc((size_t)st.st_size);
	if (pread(fd, p, (size_t)st.st_size, 0) != st.st_size) {
		sl_err_set(err, "ServiceException",
		    "reading the seccomp filter back failed");
		goto fail;
	}
	close(fd);
	seccomp_release(ctx);
	*bpf = p;
	*len = (size_t)st.st_size;
	return 0;
fail:
	free(p);
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return -1;
}
