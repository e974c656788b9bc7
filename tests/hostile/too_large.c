/* Hostile: returns a 7 MB string, over the 6 MB response limit. */
#include <sluice.h>
#include <stdlib.h>
#include <string.h>

int handler(const cJSON *event, sl_context *ctx, cJSON **result);

int
handler(const cJSON *event, sl_context *ctx, cJSON **result)
{
	size_t n = 7u * 1024u * 1024u;
	char *s = malloc(n + 1);

	(void)event;
	if (s == NULL)
		return sl_error(ctx, "MemoryError", "no memory");
	memset(s, 'x', n);
	s[n] = '\0';
	*result = cJSON_CreateString(s);
	free(s);
	return 0;
}
