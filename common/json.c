/* Printing cJSON trees into caller-owned heap strings. */
#include "common/json.h"

#include <stdlib.h>
#include <unistd.h>

char *
sl_json_print(const cJSON *v)
{
	static const char msg[] = "sluice: out of memory\n";
	char *s = cJSON_PrintUnformatted(v);

	if (s == NULL) {
		(void)!write(2, msg, sizeof(msg) - 1);
		abort();
	}
	return s;
}
