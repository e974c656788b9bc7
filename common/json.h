/* cJSON text for callers that own plain heap strings.
 *
 * The project never installs cJSON allocation hooks, so cJSON allocates
 * with malloc(3): a string it prints may be released with free(3). */
#ifndef SL_JSON_H
#define SL_JSON_H

#include <cjson/cJSON.h>

/* Print v compactly. You own the result: release it with free(3). Never
 * returns NULL (out of memory aborts, as xmalloc does). */
char *sl_json_print(const cJSON *v);

#endif
