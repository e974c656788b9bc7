/* The worker's sandbox, applied by the worker to itself before it loads the
 * handler: rlimits, network namespace, unprivileged uid/gid, no_new_privs,
 * Landlock (files, TCP, signal and abstract-socket scoping) and a seccomp
 * filter built by the host (runtime/filter.h). */
#ifndef SL_SANDBOX_H
#define SL_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "runtime/config.h"

/* Address space granted beyond MemorySize for the worker image itself
 * (libc, the loader, stacks). */
#define SL_SANDBOX_AS_HEADROOM_MB 64u
#define SL_SANDBOX_NOFILE 1024u
#define SL_SANDBOX_NPROC 4096u

struct sl_sandbox_spec {
	unsigned memory_mb;
	long uid, gid; /* switch to these when >= 0 */
	int netns_fd;  /* setns() into it when >= 0 */
	enum sl_network network;
	const uint16_t *ports; /* TCP connect ports for loopback */
	size_t nports;
	const char *function_dir; /* read-only */
	char *const *read_paths;
	size_t nread;
	char *const *write_paths;
	size_t nwrite;
	const void *bpf; /* struct sock_filter[], may be NULL */
	size_t bpf_len;  /* in bytes */
};

/* Apply everything, in order: rlimits, setns, setgroups/setgid/setuid,
 * no_new_privs, Landlock (when the kernel has it), seccomp. Returns 0, or
 * -1 with err (Runtime.SandboxError) naming the step that failed. */
int sl_sandbox_apply(const struct sl_sandbox_spec *s, struct sl_err *err);

/* The kernel's Landlock ABI version, or 0 when Landlock is unavailable
 * (not built in, or disabled at boot). */
int sl_sandbox_landlock_abi(void);

#endif
