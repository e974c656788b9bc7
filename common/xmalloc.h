/* Allocation that cannot fail: out of memory aborts the process (tmux style),
 * which keeps every call site free of impossible error paths. */
#ifndef SL_XMALLOC_H
#define SL_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grow an array of nmemb elements of size bytes, checking for overflow. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a fresh heap string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Free the n strings of v, then v (NULL ok). */
void xfree_strv(char **v, size_t n);

#endif
