/* Hostile: tries to ptrace and to kill its parent (the host). */
#include <sluice.h>
#include <errno.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <unistd.h>

int handler(const cJSON *event, sl_context *ctx, cJSON **result);

int
handler(const cJSON *event, sl_context *ctx, cJSON **result)
{
	pid_t parent = getppid();
	int pt = 0, k = 0;

	(void)event;
	(void)ctx;
	if (ptrace(PTRACE_ATTACH, parent, NULL, NULL) < 0)
		pt = errno;
	if (kill(parent, SIGKILL) < 0)
		k = errno;
	*result = cJSON_CreateObject();
	cJSON_AddNumberToObject(*result, "ptrace", pt);
	cJSON_AddNumberToObject(*result, "kill", k);
	return 0;
}
