/* File system helpers shared by the daemon, the host and the tools. */
#ifndef SL_FS_H
#define SL_FS_H

#include <stddef.h>
#include <sys/types.h>

/* mkdir -p: make path and its missing parents (0755), path itself with
 * mode. Returns 0, or -1 with errno; then *bad (may be NULL) is the length
 * of the prefix of path that could not be made. */
int sl_mkdirs(const char *path, mode_t mode, size_t *bad);

/* path made absolute (yours to free): resolved with realpath(3) when it
 * exists, else the working directory joined to it when it is relative,
 * else a copy. */
char *sl_abspath(const char *path);

#endif
