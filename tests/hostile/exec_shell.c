/* Hostile: tries to execve("/bin/sh"). Reports the errno if it fails. */
#include <sluice.h>
#include <errno.h>
#include <unistd.h>

int handler(const cJSON *event, sl_context *ctx, cJSON **result);

int
handler(const cJSON *event, sl_context *ctx, cJSON **result)
{
	char *argv[] = {"sh", "-c", "echo pwned > /tmp/sluice-pwned", NULL};
	char *envp[] = {NULL};

	(void)event;
	(void)ctx;
	execve("/bin/sh", argv, envp);
	*result = cJSON_CreateObject();
	cJSON_AddNumberToObject(*result, "errno", errno);
	return 0;
}
