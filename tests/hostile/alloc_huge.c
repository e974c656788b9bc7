/* Hostile: allocates and touches memory far beyond its MemorySize. */
#include <sluice.h>
#include <stdlib.h>
#include <string.h>

int handler(const cJSON *event, sl_context *ctx, cJSON **result);

int
handler(const cJSON *event, sl_context *ctx, cJSON **result)
{
	size_t chunk = 1u << 20, i;

	(void)event;
	(void)ctx;
	(void)result;
	for (i = 0; i < 8192; i++) {
		char *p = malloc(chunk);

		/* Deliberately unchecked, like careless code. */
		memset(p, 0x5a, chunk);
	}
	*result = cJSON_CreateString("allocated 8 GB");
	return 0;
}
