/* sluice.h: the one public header for Sluice function handlers.
 *
 * A function is a shared object NAME.so in the functions folder (with an
 * optional NAME.json config) that exports:
 *
 *	int init(sl_context *ctx);                      optional, once per
 *	                                                execution environment
 *	int handler(const cJSON *event, sl_context *ctx, cJSON **result);
 *
 * Build one with:
 *	cc -shared -fPIC fn.c $(pkg-config --cflags --libs sluice) -o fn.so
 *
 * handler() returns 0 and sets *result (ownership passes to the runtime; a
 * NULL result means JSON null), or fails by returning
 * sl_error(ctx, "ErrorType", "fmt", ...), which becomes the Lambda error
 * {"errorType": ..., "errorMessage": ...}. A non-zero return without
 * sl_error() is reported as errorType "HandlerError".
 *
 * init() returning non-zero (or calling sl_error) fails the cold start; the
 * invocation then fails with errorType "Runtime.InitError".
 *
 * The functions below are provided by the worker process that loads the
 * handler; a handler needs no library of Sluice's at link time. They may be
 * called only from the thread that runs init() or handler(), and only while
 * it runs; the context and every string it returns are borrowed and valid
 * until handler() returns.
 */
#ifndef SLUICE_H
#define SLUICE_H

#include <cjson/cJSON.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SLUICE_ABI_VERSION 1

typedef struct sl_context sl_context;

/* Fail the invocation with a typed error. Always returns -1, so that
 * `return sl_error(ctx, "ValidationError", "email %s is invalid", e);` is
 * the idiom. The message is truncated at 64 KiB. */
int sl_error(sl_context *ctx, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Write one log line, captured as this invocation's log (like a Lambda's
 * CloudWatch stream). Anything the handler writes to stdout/stderr is
 * captured too. */
void sl_log(sl_context *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Publish a message (JSON text) to a host topic, as a Lambda would publish
 * to SNS. Every client subscribed to the topic receives it; the host stores
 * it. Returns 0 once it is sent to the host, which takes it in before this
 * invocation's result (so before any later state of a workflow runs); -1
 * on error (topic name not 1-256 of [A-Za-z0-9_-.:], message not JSON, or
 * over 256 KiB). A message published by an invocation that then times out
 * or crashes may be lost with it. */
int sl_publish(sl_context *ctx, const char *topic, const char *message_json);

/* The invocation's request id (a UUID), "" inside init(). */
const char *sl_request_id(const sl_context *ctx);
/* The function's name and ARN
 * (arn:aws:lambda:REGION:ACCOUNT:function:NAME). */
const char *sl_function_name(const sl_context *ctx);
const char *sl_function_arn(const sl_context *ctx);
/* The configured memory size, in MB. */
int sl_memory_limit_mb(const sl_context *ctx);
/* The invocation's deadline (ms since the epoch) and the time left before
 * the host stops the environment, in ms (never negative). */
int64_t sl_deadline_ms(const sl_context *ctx);
int64_t sl_remaining_ms(const sl_context *ctx);
/* An environment variable from the function's config
 * (Environment.Variables), or NULL. getenv(3) sees the same values. */
const char *sl_getenv(const sl_context *ctx, const char *name);
/* A key that stays the same when the same logical request is retried
 * (the workflow execution and state, or the client's own key), or the
 * request id when there is none. Use it to make side effects idempotent. */
const char *sl_idempotency_key(const sl_context *ctx);
/* The function's own directory (where NAME.so lives). */
const char *sl_function_dir(const sl_context *ctx);

#ifdef __cplusplus
}
#endif

#endif
