/* Hostile: writes 100 MB to stdout, then returns. */
#include <sluice.h>
#include <string.h>
#include <unistd.h>

int handler(const cJSON *event, sl_context *ctx, cJSON **result);

int
handler(const cJSON *event, sl_context *ctx, cJSON **result)
{
	static char line[1024];
	size_t total = 0;

	(void)event;
	(void)ctx;
	memset(line, 'y', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	while (total < 100u * 1024u * 1024u) {
		ssize_t n = write(1, line, sizeof(line));

		if (n <= 0)
			break;
		total += (size_t)n;
	}
	*result = cJSON_CreateObject();
	cJSON_AddNumberToObject(*result, "written", (double)total);
	return 0;
}
