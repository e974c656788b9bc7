/* Hostile: closes every descriptor beyond stderr (the IPC socket among
 * them), then returns normally. */
#include <sluice.h>
#include <unistd.h>

int handler(const cJSON *event, sl_context *ctx, cJSON **result);

int
handler(const cJSON *event, sl_context *ctx, cJSON **result)
{
	int fd;

	(void)event;
	(void)ctx;
	for (fd = 3; fd < 64; fd++)
		close(fd);
	*result = cJSON_CreateString("closed");
	return 0;
}
