/* Payload templates: Parameters, ResultSelector, ItemSelector and Pass's
 * Parameters. A template is a JSON value whose object keys ending in ".$"
 * take their value from a path or an intrinsic call; other values are
 * copied as they are. Compiled once per state, evaluated per run. */
#ifndef SL_PAYLOAD_H
#define SL_PAYLOAD_H

#include <cjson/cJSON.h>

#include "common/err.h"

struct sl_payload;

/* Compile tmpl (borrowed; the payload keeps its own copy). field names the
 * field for messages, e.g. "/States/Foo/Parameters". NULL + err (type
 * "InvalidDefinition"; every problem is reported as "<field>/<key>: <what>",
 * nested keys and array indices joined by '/') on a ".$" value that is not
 * a string, not a path and not a call, or a bad path or call. */
struct sl_payload *sl_payload_compile(const cJSON *tmpl, const char *field,
    struct sl_err *err);
void sl_payload_free(struct sl_payload *p);

/* Evaluate: a new tree the caller owns, or NULL + err with the ASL error
 * AWS raises (States.Runtime for a path that matches nothing,
 * States.IntrinsicFailure for a failing intrinsic) and its message, e.g.
 *   The JSONPath '$.x' specified for the field 'key.$' could not be found
 *   in the input '<doc as compact JSON>'
 * (the interpreter prefixes "An error occurred while executing the state
 * ..."). A multi path that matches nothing gives [], as on AWS. */
cJSON *sl_payload_eval(const struct sl_payload *p, const cJSON *doc,
    const cJSON *ctx, struct sl_err *err);

#endif
