/* Choice rules (sl_choice_*): one rule of a Choice state's Choices array
 * (or a nested And/Or/Not operand) compiled once and evaluated per run.
 *
 * Operators: String/Numeric/Timestamp Equals, LessThan, GreaterThan,
 * LessThanEquals, GreaterThanEquals, StringMatches, BooleanEquals, each
 * with its ...Path form; IsPresent, IsNull, IsNumeric, IsString, IsBoolean,
 * IsTimestamp; And, Or, Not. Comparisons whose variable has the wrong type
 * are false (as on AWS); a Variable (or ...Path operand) that matches
 * nothing is a States.Runtime error, except under IsPresent. */
#ifndef SL_CHOICE_H
#define SL_CHOICE_H

#include <cjson/cJSON.h>

#include "common/err.h"

struct sl_choice;

/* Compile rule (borrowed; nothing of it is kept). "Next" and "Comment" keys
 * are ignored (the caller handles Next). field names the rule for messages,
 * e.g. "/States/Check/Choices/0"; every problem is reported as
 * "<field>[/<sub>]: <what>" with err->type "InvalidDefinition". Unknown
 * keys that are not operators are left to the definition validator. */
struct sl_choice *sl_choice_compile(const cJSON *rule, const char *field,
    struct sl_err *err);
void sl_choice_free(struct sl_choice *c);

/* 1 when the rule matches the input doc (ctx for $$ paths), 0 when not,
 * -1 with err ("States.Runtime", AWS's text:
 *   Invalid path '$.x': The choice state's condition path references an
 *   invalid value.) when a path matches nothing. */
int sl_choice_eval(const struct sl_choice *c, const cJSON *doc,
    const cJSON *ctx, struct sl_err *err);

/* Wildcard match of StringMatches: '*' matches any run of characters,
 * "\\*" a literal '*', "\\\\" a literal backslash. */
int sl_choice_wildcard_match(const char *pattern, const char *s);

#endif
