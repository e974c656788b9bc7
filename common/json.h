/* cJSON text for callers that own plain heap strings, and a compact
 * printer into an sl_buf.
 *
 * The project never installs cJSON allocation hooks, so cJSON allocates
 * with malloc(3): a string it prints may be released with free(3). */
#ifndef SL_JSON_H
#define SL_JSON_H

#include <cjson/cJSON.h>

#include "common/buf.h"

/* Print v compactly. You own the result: release it with free(3). Never
 * returns NULL (out of memory aborts, as xmalloc does). The text is
 * byte for byte cJSON_PrintUnformatted's. */
char *sl_json_print(const cJSON *v);

/* Append v, printed as cJSON_PrintUnformatted would (same escapes, same
 * numbers), to b: one pass into one buffer. Returns 0, or -1 for a tree
 * cJSON cannot print either (an invalid item, a raw item without text);
 * b then holds a partial text. */
int sl_json_write(struct sl_buf *b, const cJSON *v);
/* Append s as a JSON string literal (quotes included), escaped as cJSON
 * escapes. */
void sl_json_write_string(struct sl_buf *b, const char *s);

#endif
