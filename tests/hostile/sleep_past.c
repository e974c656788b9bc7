/* Hostile: sleeps past its timeout, ignoring signals it can block. */
#include <sluice.h>
#include <signal.h>
#include <time.h>

int handler(const cJSON *event, sl_context *ctx, cJSON **result);

int
handler(const cJSON *event, sl_context *ctx, cJSON **result)
{
	struct timespec ts = {30, 0};
	sigset_t all;

	(void)event;
	(void)ctx;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	while (nanosleep(&ts, &ts) != 0)
		;
	*result = cJSON_CreateString("woke up");
	return 0;
}
