/* sluice functions: list the functions the daemon hosts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "common/xmalloc.h"

static const char *
str_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "-";
}

static int
int_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valueint : 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(str_of(*(const cJSON *const *)a, "FunctionName"),
	    str_of(*(const cJSON *const *)b, "FunctionName"));
}

int
cmd_functions(int argc, char **argv)
{
	struct cli_opts o;
	const cJSON *list, *f, **sorted;
	cJSON *req, *res;
	int rc, n, i = 0;

	if (cli_opts_take(&argc, argv, &o) < 0)
		return CLI_EXIT_USAGE;
	if (argc != 1) {
		fprintf(stderr, "usage: sluice functions [--json]\n");
		return CLI_EXIT_USAGE;
	}
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "action", "ListFunctions");
	res = cli_request(&o, req, NULL, &rc);
	if (res == NULL)
		return rc;
	if (o.json) {
		cli_print_json(res);
		cJSON_Delete(res);
		return CLI_EXIT_OK;
	}
	list = cJSON_GetObjectItemCaseSensitive(res, "Functions");
	n = cJSON_GetArraySize(list);
	sorted = xcalloc((size_t)n + 1, sizeof(*sorted));
	cJSON_ArrayForEach(f, list)
		sorted[i++] = f;
	qsort(sorted, (size_t)n, sizeof(*sorted), by_name);
	printf("%-32s %8s %8s\n", "NAME", "MEMORY", "TIMEOUT");
	for (i = 0; i < n; i++)
		printf("%-32s %6dMB %7ds\n", str_of(sorted[i], "FunctionName"),
		    int_of(sorted[i], "MemorySize"),
		    int_of(sorted[i], "Timeout"));
	free(sorted);
	cJSON_Delete(res);
	return CLI_EXIT_OK;
}
