/* JSONPath as the States Language uses it (sl_path_*).
 *
 * Two kinds of path, as in the ASL specification:
 *  - a Path may match several nodes and may use [*], [a,b], slices [s:e:st],
 *    recursive descent (..) and filters [?(@.x > 1)] where AWS allows them;
 *    the result of a multi-node path is a JSON array;
 *  - a Reference Path identifies exactly one node (only .name, ['name'],
 *    [N]); InputPath/OutputPath/ItemsPath/ResultPath/...Path fields.
 * "$" is the root of the document, "$$" the context object.
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

/* Compile text; NULL with err->msg naming what is wrong (and where) when it
 * is not a valid path of the requested kind. */
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
 * the matches. NULL when nothing matches (a single path whose field is
 * absent); err then says which path matched nothing. */
cJSON *sl_path_eval(const struct sl_path *p, const cJSON *doc,
    const cJSON *ctx, struct sl_err *err);
/* Borrowed single-node lookup for Reference Paths (no copy). NULL if none. */
const cJSON *sl_path_lookup(const struct sl_path *p, const cJSON *doc,
    const cJSON *ctx);

/* ResultPath: put value (ownership taken) into *doc at the reference path,
 * creating objects along the way; "$" replaces the whole document. Fails
 * (States.ResultPathMatchFailure) when a step is not an object. */
int sl_path_assign(const struct sl_path *p, cJSON **doc, cJSON *value,
    struct sl_err *err);

#endif
