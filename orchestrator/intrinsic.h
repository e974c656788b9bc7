/* The States Language intrinsic functions (States.Format, States.Array, ...)
 * as they appear in "key.$" values of Parameters/ResultSelector/ItemSelector.
 *
 * An intrinsic call is compiled once (when a definition is loaded) and
 * evaluated many times. Arguments are literals (strings in single quotes,
 * numbers, true/false/null), paths ($..., $$...) and nested calls. */
#ifndef SL_INTRINSIC_H
#define SL_INTRINSIC_H

#include <cjson/cJSON.h>

#include "common/err.h"

struct sl_intrinsic;

/* True when text looks like an intrinsic call ("States.Name(...)"). */
int sl_intrinsic_is_call(const char *text);
/* Compile; NULL with err->msg naming the problem (unknown function, wrong
 * argument count, bad literal, bad path) when text is invalid. */
struct sl_intrinsic *sl_intrinsic_compile(const char *text,
    struct sl_err *err);
void sl_intrinsic_free(struct sl_intrinsic *f);

/* Evaluate against the effective input doc and the context object. Returns
 * a new tree the caller owns, or NULL with err->type
 * "States.IntrinsicFailure" (or "States.Runtime" when a path is missing,
 * as AWS reports it) and AWS's message. */
cJSON *sl_intrinsic_eval(const struct sl_intrinsic *f, const cJSON *doc,
    const cJSON *ctx, struct sl_err *err);

#endif
