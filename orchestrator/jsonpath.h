/* JSONPath as the States Language uses it (sl_path_*).
 *
 * Two kinds of path, as in the ASL specification:
 *  - a Path may match several nodes and may use [*], [a,b], slices [s:e:st],
 *    recursive descent (..) and filters [?(@.x > 1)] where AWS allows them;
 *    the result of a multi-node path is a JSON array;
 *  - a Reference Path identifies exactly one node (only .name, ['name'],
 *    [N]); InputPath/OutputPath/ItemsPath/ResultPath/...Path fields.
 * "$" is the root of the document, "$$" the context object.
 * Syntax accepted: $, $$, .name, .*, ['name'] (any characters; a backslash
 * only stops the quote from closing, as AWS reads it), [N], [-N] (from the
 * end), [*], [a,b] (indices or quoted names), [start:end:step], ..name /
 * ..* / ..[...] (recursive descent) and filters [?(<expr>)] where <expr>
 * combines @.path / @['x'] / $.path operands with == != < <= > >=, bare
 * existence tests (@.x), ! (not), && and || and parentheses; literals are
 * numbers, 'strings', "strings", true, false and null.
 *
 * Compiled paths are immutable and may be shared. */
#ifndef SL_JSONPATH_H
#define SL_JSONPATH_H

#include <cjson/cJSON.h>

#include "common/err.h"

struct sl_path;

enum sl_path_flags {
	SL_PATH_REFERENCE = (1 << 0), /* must be a Reference Path */
	SL_PATH_ALLOW_CONTEXT = (1 << 1), /* may start with $$ */
};

/* Compile text; NULL with err->msg naming what is wrong (and where) and
 * err->type "InvalidDefinition" when it is not a valid path of the
 * requested kind. */
struct sl_path *sl_path_compile(const char *text, unsigned flags,
    struct sl_err *err);
void sl_path_free(struct sl_path *p);
const char *sl_path_text(const struct sl_path *p);
/* True when the path starts at $$ (the context object). */
int sl_path_is_context(const struct sl_path *p);
/* True when the path can yield several nodes ([*], slices, filters, ..). */
int sl_path_is_multi(const struct sl_path *p);

/* Evaluate against doc (or ctx when the path starts with $$). Returns a new
 * tree the caller owns: the single match, or for a multi path an array of
 * the matches (an empty array when nothing matches). NULL when a single
 * path matches nothing; err is then "States.Runtime" with the text AWS
 * gives for InputPath/OutputPath/...Path fields, e.g.
 *   Invalid path '$.a.b' : No results for path: $['a']['b']
 *   Invalid path '$.a.b' : Missing property in path $['a']
 * (the interpreter prefixes "An error occurred while executing the state
 * ..."). */
cJSON *sl_path_eval(const struct sl_path *p, const cJSON *doc,
    const cJSON *ctx, struct sl_err *err);
/* Borrowed single-node lookup for a path that is not multi (no copy): the
 * node inside doc/ctx, or NULL if none. Returns NULL for a multi path. */
const cJSON *sl_path_lookup(const struct sl_path *p, const cJSON *doc,
    const cJSON *ctx);
/* Fill err for a path that matched nothing, as AWS words it for payload
 * templates and Fail's ErrorPath/CausePath:
 *   The JSONPath '$.x' specified for the field 'key.$' could not be found
 *   in the input '<input as compact JSON>'
 * input is the document shown (the state's effective input). Returns -1. */
int sl_path_err_not_found(const struct sl_path *p, const char *field,
    const cJSON *input, struct sl_err *err);

/* ResultPath: put value (ownership taken) into *doc at the reference path,
 * creating objects along the way; "$" replaces the whole document. Fails
 * (States.ResultPathMatchFailure) when a step is not an object. */
int sl_path_assign(const struct sl_path *p, cJSON **doc, cJSON *value,
    struct sl_err *err);

/* Structural JSON equality as AWS compares values (numbers numerically,
 * objects by key set, arrays in order). */
int sl_json_equal(const cJSON *a, const cJSON *b);

#endif
