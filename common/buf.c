/* Growable NUL-terminated byte buffer. */
#include "common/buf.h"
#include "common/xmalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char empty_buf[1];

void
sl_buf_init(struct sl_buf *b)
{
	b->data = empty_buf;
	b->len = 0;
	b->cap = 0;
}

void
sl_buf_release(struct sl_buf *b)
{
	if (b->cap)
		free(b->data);
	sl_buf_init(b);
}

void
sl_buf_reset(struct sl_buf *b)
{
	if (b->data == NULL)
		sl_buf_init(b);
	b->len = 0;
	if (b->cap)
		b->data[0] = '\0';
}

void
sl_buf_reset_max(struct sl_buf *b, size_t max)
{
	if (b->cap > max) {
		sl_buf_release(b);
		sl_buf_init(b);
	} else
		sl_buf_reset(b);
}

void
sl_buf_grow(struct sl_buf *b, size_t n)
{
	size_t want;

	if (b->data == NULL)
		sl_buf_init(b);
	if (n > (size_t)-1 - b->len - 1)
		n = (size_t)-1 - b->len - 1;
	want = b->len + n + 1;
	if (want <= b->cap)
		return;
	if (b->cap == 0) {
		b->data = NULL;
		b->cap = 64;
	}
	while (b->cap < want)
		b->cap = b->cap < ((size_t)-1) / 2 ? b->cap * 2 : want;
	b->data = xrealloc(b->data, b->cap);
	b->data[b->len] = '\0';
}

void
sl_buf_add(struct sl_buf *b, const void *p, size_t n)
{
	sl_buf_grow(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
sl_buf_addstr(struct sl_buf *b, const char *s)
{
	sl_buf_add(b, s, strlen(s));
}

void
sl_buf_addch(struct sl_buf *b, char c)
{
	sl_buf_add(b, &c, 1);
}

void
sl_buf_vaddf(struct sl_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	sl_buf_grow(b, 64);
	va_copy(cp, ap);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		sl_buf_grow(b, (size_t)n);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void
sl_buf_addf(struct sl_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sl_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void
sl_buf_consume(struct sl_buf *b, size_t n)
{
	if (n >= b->len) {
		sl_buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

char *
sl_buf_detach(struct sl_buf *b, size_t *len)
{
	char *p;

	if (b->data == NULL || b->cap == 0)
		sl_buf_grow(b, 0);
	if (b->cap == 0) {
		p = xstrdup("");
	} else {
		p = b->data;
	}
	if (len)
		*len = b->len;
	sl_buf_init(b);
	return p;
}

int
sl_buf_add_file(struct sl_buf *b, const char *path)
{
	char chunk[65536];
	FILE *f;
	size_t n;
	int rc = 0, saved;

	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sl_buf_add(b, chunk, n);
	if (ferror(f))
		rc = -1;
	saved = errno;
	if (f != stdin)
		fclose(f);
	errno = saved;
	return rc;
}

char *
sl_read_file(const char *path)
{
	struct sl_buf b;
	int saved;

	sl_buf_init(&b);
	if (sl_buf_add_file(&b, path) < 0) {
		saved = errno;
		sl_buf_release(&b);
		errno = saved;
		return NULL;
	}
	return sl_buf_detach(&b, NULL);
}
