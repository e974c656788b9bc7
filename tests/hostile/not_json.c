/* Hostile: returns a "result" that is not JSON. */
#include <sluice.h>

int handler(const cJSON *event, sl_context *ctx, cJSON **result);

int
handler(const cJSON *event, sl_context *ctx, cJSON **result)
{
	(void)event;
	(void)ctx;
	*result = cJSON_CreateRaw("{this is : not json");
	return 0;
}
