/* Hostile: reads /etc/shadow and writes outside its folder (the event
 * names a target path). Reports the errno of each attempt (0 = it
 * worked). */
#include <sluice.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int handler(const cJSON *event, sl_context *ctx, cJSON **result);

static int
try_open(const char *path, int flags)
{
	int fd = open(path, flags, 0644);

	if (fd < 0)
		return errno;
	if (flags != O_RDONLY)
		(void)write(fd, "pwned\n", 6);
	close(fd);
	return 0;
}

int
handler(const cJSON *event, sl_context *ctx, cJSON **result)
{
	const cJSON *t = cJSON_GetObjectItem(event, "target");
	const char *target =
	    cJSON_IsString(t) ? t->valuestring : "/tmp/sluice-hostile-write";

	(void)ctx;
	*result = cJSON_CreateObject();
	cJSON_AddNumberToObject(
	    *result, "shadow", try_open("/etc/shadow", O_RDONLY));
	cJSON_AddNumberToObject(*result, "passwd_write",
	    try_open("/etc/passwd", O_WRONLY | O_APPEND));
	cJSON_AddNumberToObject(
	    *result, "write", try_open(target, O_WRONLY | O_CREAT | O_TRUNC));
	cJSON_AddNumberToObject(*result, "own_dir_write",
	    try_open("own-dir-file", O_WRONLY | O_CREAT | O_TRUNC));
	return 0;
}
