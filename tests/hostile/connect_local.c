/* Hostile: with Network none, connects to a TCP port on 127.0.0.1 (the
 * event names the port). Reports errno (0 = it connected). */
#include <sluice.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int handler(const cJSON *event, sl_context *ctx, cJSON **result);

int
handler(const cJSON *event, sl_context *ctx, cJSON **result)
{
	const cJSON *p = cJSON_GetObjectItem(event, "port");
	struct sockaddr_in sa;
	int fd, err = 0;

	(void)ctx;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port =
	    htons((unsigned short)(cJSON_IsNumber(p) ? p->valueint : 80));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		err = errno;
	else if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		err = errno;
	if (fd >= 0)
		close(fd);
	*result = cJSON_CreateObject();
	cJSON_AddNumberToObject(*result, "errno", err);
	return 0;
}
