/* Hostile: unbounded recursion until the stack overflows. */
#include <sluice.h>
#include <string.h>

int handler(const cJSON *event, sl_context *ctx, cJSON **result);

static volatile int limit = -1; /* never reached: depth only grows */

static int
dive(volatile char *prev, int depth)
{
	volatile char frame[4096];

	memset((char *)frame, depth & 0xff, sizeof(frame));
	frame[0] = prev ? prev[0] : 0;
	if (depth == limit)
		return 0;
	return dive(frame, depth + 1) + frame[1];
}

int
handler(const cJSON *event, sl_context *ctx, cJSON **result)
{
	(void)event;
	(void)ctx;
	*result = cJSON_CreateNumber(dive(NULL, 0));
	return 0;
}
