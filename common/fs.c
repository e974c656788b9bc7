/* File system helpers. */
#include "common/fs.h"
#include "common/xmalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int
sl_mkdirs(const char *path, mode_t mode, size_t *bad)
{
	char *p, *s;
	int rc = 0, saved;

	if (*path == '\0') {
		if (bad != NULL)
			*bad = 0;
		errno = ENOENT;
		return -1;
	}
	p = xstrdup(path);
	for (s = p + 1;; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, c == '\0' ? mode : 0755) < 0 && errno != EEXIST) {
			if (bad != NULL)
				*bad = (size_t)(s - p);
			rc = -1;
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	saved = errno;
	free(p);
	errno = saved;
	return rc;
}

char *
sl_abspath(const char *path)
{
	char *p = realpath(path, NULL), *cwd;

	if (p != NULL || path[0] == '/')
		return p != NULL ? p : xstrdup(path);
	cwd = getcwd(NULL, 0);
	if (cwd == NULL)
		return xstrdup(path);
	p = xasprintf("%s/%s", cwd, path);
	free(cwd);
	return p;
}
