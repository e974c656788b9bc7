/* The worker's seccomp filter, compiled once by the host with libseccomp
 * and handed to each worker as raw BPF (so the worker image needs no
 * libseccomp and no time to compile it). */
#ifndef SL_FILTER_H
#define SL_FILTER_H

#include <stddef.h>

#include "common/err.h"

/* Build the filter: every syscall allowed except execve/execveat, ptrace,
 * process_vm_*, mount family, pivot_root/chroot, kexec, bpf, keyrings,
 * unshare/setns, module loading, io_uring, perf_event_open, userfaultfd,
 * reboot/swap/clock setting, fork/vfork and clone without CLONE_THREAD
 * (threads stay allowed; clone3 reports ENOSYS so libc falls back to clone).
 * Denied calls fail with EPERM. On success *bpf (free(3) it) holds *len
 * bytes of struct sock_filter. */
int sl_filter_build(void **bpf, size_t *len, struct sl_err *err);

#endif
