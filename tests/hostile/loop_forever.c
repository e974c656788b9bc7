/* Hostile: spins forever; the host must kill it at the deadline. */
#include <sluice.h>

int handler(const cJSON *event, sl_context *ctx, cJSON **result);

int
handler(const cJSON *event, sl_context *ctx, cJSON **result)
{
	volatile unsigned long n = 0;

	(void)event;
	(void)ctx;
	(void)result;
	for (;;)
		n++;
}
