/* Hostile: abort(). */
#include <sluice.h>
#include <stdlib.h>

int handler(const cJSON *event, sl_context *ctx, cJSON **result);

int
handler(const cJSON *event, sl_context *ctx, cJSON **result)
{
	(void)event;
	(void)ctx;
	(void)result;
	abort();
}
