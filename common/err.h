/* A typed error travelling back to the caller: a type name (an AWS or ASL
 * error name where one fits, e.g. "ResourceNotFoundException",
 * "States.Runtime") and a human-readable message naming the problem. */
#ifndef SL_ERR_H
#define SL_ERR_H

#define SL_ERR_TYPE_LEN 96
#define SL_ERR_MSG_LEN 1024

struct sl_err {
	char type[SL_ERR_TYPE_LEN];
	char msg[SL_ERR_MSG_LEN];
};

#define SL_ERR_INIT { "", "" }

/* Fill err (which may be NULL) and return -1, so that a failing function can
 * end with `return sl_err_set(err, "Type", "what went wrong: %s", why);`. */
int sl_err_set(struct sl_err *err, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sl_err_clear(struct sl_err *err);

#endif
