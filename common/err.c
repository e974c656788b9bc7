/* Typed errors with a message. */
#include "common/err.h"

#include <stdarg.h>
#include <stdio.h>

int
sl_err_set(struct sl_err *err, const char *type, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	snprintf(err->type, sizeof(err->type), "%s", type);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void
sl_err_clear(struct sl_err *err)
{
	if (err) {
		err->type[0] = '\0';
		err->msg[0] = '\0';
	}
}
