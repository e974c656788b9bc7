/* A growable byte buffer that is always NUL-terminated (git's strbuf). */
#ifndef SL_BUF_H
#define SL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct sl_buf {
	char *data; /* NUL-terminated; never NULL after sl_buf_init */
	size_t len;
	size_t cap;
};

#define SL_BUF_INIT { NULL, 0, 0 }

void sl_buf_init(struct sl_buf *b);
/* Free the contents; the struct is left unusable until sl_buf_init. */
void sl_buf_release(struct sl_buf *b);
/* Empty the buffer, keeping its storage. */
void sl_buf_reset(struct sl_buf *b);
/* Empty the buffer, keeping its storage unless it grew past max bytes
 * (then it starts small again): for a buffer reused per message, so that
 * one big message does not stay in memory. */
void sl_buf_reset_max(struct sl_buf *b, size_t max);
/* Make room for n more bytes beyond len. */
void sl_buf_grow(struct sl_buf *b, size_t n);
void sl_buf_add(struct sl_buf *b, const void *p, size_t n);
void sl_buf_addstr(struct sl_buf *b, const char *s);
void sl_buf_addch(struct sl_buf *b, char c);
void sl_buf_addf(struct sl_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sl_buf_vaddf(struct sl_buf *b, const char *fmt, va_list ap);
/* Append the whole of the file at path ("-" is standard input). Returns 0,
 * or -1 with errno (b may then hold part of the file). */
int sl_buf_add_file(struct sl_buf *b, const char *path);
/* The whole of the file at path ("-" is standard input) as a string you
 * release with free(3), or NULL with errno. */
char *sl_read_file(const char *path);
/* Drop the first n bytes. */
void sl_buf_consume(struct sl_buf *b, size_t n);
/* Hand the storage over: you now own it, release it with free(3). The
 * buffer is re-initialised (empty). Never returns NULL. */
char *sl_buf_detach(struct sl_buf *b, size_t *len);

#endif
