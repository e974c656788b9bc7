/* Hostile: dereferences NULL (SIGSEGV). */
#include <sluice.h>

int handler(const cJSON *event, sl_context *ctx, cJSON **result);

int
handler(const cJSON *event, sl_context *ctx, cJSON **result)
{
	volatile int *p = (volatile int *)(unsigned long)cJSON_IsNull(event);

	(void)ctx;
	(void)result;
	*p = 42;
	return 0;
}
