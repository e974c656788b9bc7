/* The States Language intrinsic functions (States.Format, States.Array, ...)
 * as they appear in "key.$" values of Parameters/ResultSelector/ItemSelector.
 *
 * An intrinsic call is compiled once (when a definition is loaded) and
 * evaluated many times. Arguments are literals (strings in single quotes,
 * numbers, true/false/null), paths ($..., $$...) and nested calls.
 * String literals take the escapes \' \{ \} and \\ (one backslash each).
 *
 * Randomness (States.MathRandom without a seed, States.UUID) comes from
 * getrandom(2) at each call; there is no hidden global state. A seeded
 * MathRandom is deterministic for its seed. */
#ifndef SL_INTRINSIC_H
#define SL_INTRINSIC_H

#include <cjson/cJSON.h>

#include "common/err.h"

struct sl_intrinsic;

/* True when text looks like an intrinsic call ("States.Name(...)"). */
int sl_intrinsic_is_call(const char *text);
/* Compile; NULL with err->msg naming the problem (unknown function, wrong
 * argument count, bad literal or escape, bad path, a States.Format literal
 * whose {} count differs from its arguments, JsonMerge with deep merge)
 * and err->type "InvalidDefinition" when text is invalid. */
struct sl_intrinsic *sl_intrinsic_compile(const char *text,
    struct sl_err *err);
void sl_intrinsic_free(struct sl_intrinsic *f);

/* Evaluate against the effective input doc and the context object. Returns
 * a new tree the caller owns, or NULL with err->type
 * "States.IntrinsicFailure" (or "States.Runtime" when a path is missing,
 * as AWS reports it) and AWS's message. */
cJSON *sl_intrinsic_eval(const struct sl_intrinsic *f, const cJSON *doc,
    const cJSON *ctx, struct sl_err *err);
/* The same, naming field (e.g. "key.$") in the States.Runtime message of an
 * argument path that matches nothing:
 *   The JSONPath '$.x' specified for the field 'key.$' could not be found
 *   in the input '<doc>' */
cJSON *sl_intrinsic_eval_field(const struct sl_intrinsic *f, const cJSON *doc,
    const cJSON *ctx, const char *field, struct sl_err *err);
/* The function's name, e.g. "States.Format" (the outermost call). */
const char *sl_intrinsic_name(const struct sl_intrinsic *f);

#endif
