/* Hostile: writes garbage onto the IPC socket (fd 3), then returns. */
#include <sluice.h>
#include <string.h>
#include <unistd.h>

int handler(const cJSON *event, sl_context *ctx, cJSON **result);

int
handler(const cJSON *event, sl_context *ctx, cJSON **result)
{
	char junk[256];

	(void)event;
	(void)ctx;
	memset(junk, 0xA5, sizeof(junk));
	(void)write(3, junk, sizeof(junk));
	*result = cJSON_CreateString("scribbled");
	return 0;
}
