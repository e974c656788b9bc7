/* sluice describe EXEC: an execution's status, input, output or error. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"

int
cmd_describe(int argc, char **argv)
{
	static const char *const keys[] = { "executionArn", "stateMachineArn",
		"name", "status", "startDate", "stopDate", "input", "output",
		"error", "cause", NULL };
	struct cli_opts o;
	const cJSON *v;
	cJSON *req, *res;
	char date[32];
	int rc, i;

	if (cli_opts_take(&argc, argv, &o) < 0)
		return CLI_EXIT_USAGE;
	if (argc != 2) {
		fprintf(stderr, "usage: sluice describe EXECUTION-ARN\n");
		return CLI_EXIT_USAGE;
	}
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "action", "DescribeExecution");
	cJSON_AddStringToObject(req, "executionArn", argv[1]);
	if ((res = cli_request(&o, req, NULL, &rc)) == NULL)
		return rc;
	if (o.json)
		cli_print_json(res);
	else
		for (i = 0; keys[i] != NULL; i++) {
			v = cJSON_GetObjectItem(res, keys[i]);
			if (cJSON_IsString(v))
				printf("%-16s %s\n", keys[i], v->valuestring);
			else if (cJSON_IsNumber(v))
				printf("%-16s %s\n", keys[i],
				    cli_date(v->valuedouble, date,
				    sizeof(date)));
		}
	cJSON_Delete(res);
	return CLI_EXIT_OK;
}
