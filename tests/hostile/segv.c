/* Hostile: writes to an unmapped address near NULL (SIGSEGV). Not NULL
 * itself, which the sanitizer build would catch first. */
#include <sluice.h>

int handler(const cJSON *event, sl_context *ctx, cJSON **result);

int
handler(const cJSON *event, sl_context *ctx, cJSON **result)
{
	volatile int *p =
	    (volatile int *)(unsigned long)(16 + 16 * cJSON_IsNull(event));

	(void)ctx;
	(void)result;
	*p = 42;
	return 0;
}
