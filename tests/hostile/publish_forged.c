/* Hostile: writes a PUBLISH frame of its own onto the IPC socket (fd 3),
 * well framed but without a topic, then returns. */
#include <sluice.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

int handler(const cJSON *event, sl_context *ctx, cJSON **result);

int
handler(const cJSON *event, sl_context *ctx, cJSON **result)
{
	/* u32 len, u16 type (PUBLISH = 20), u16 flags, u64 id, i64
	 * deadline, then the payload: the frame format of the worker IPC. */
	static const char body[] = "{\"message\":1}";
	unsigned char f[24 + sizeof(body) - 1];
	uint32_t len = sizeof(body) - 1;
	uint16_t type = 20, flags = 0;
	uint64_t id = 0;

	(void)event;
	(void)ctx;
	memset(f, 0, sizeof(f));
	memcpy(f, &len, 4);
	memcpy(f + 4, &type, 2);
	memcpy(f + 6, &flags, 2);
	memcpy(f + 8, &id, 8);
	memcpy(f + 24, body, len);
	(void)write(3, f, sizeof(f));
	*result = cJSON_CreateString("forged");
	return 0;
}
