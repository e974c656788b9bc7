/* sluice functions: list the functions the daemon hosts. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"

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

int
cmd_functions(int argc, char **argv)
{
	struct cli_opts o;
	const cJSON *list, *f;
	cJSON *req, *res;
	int rc;

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
	printf("%-32s %8s %8s\n", "NAME", "MEMORY", "TIMEOUT");
	cJSON_ArrayForEach(f, list)
		printf("%-32s %6dMB %7ds\n", str_of(f, "FunctionName"),
		    int_of(f, "MemorySize"), int_of(f, "Timeout"));
	cJSON_Delete(res);
	return CLI_EXIT_OK;
}
