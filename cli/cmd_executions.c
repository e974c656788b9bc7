/* sluice executions NAME [--status S]: list a state machine's executions,
 * newest first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/client.h"

int
cmd_executions(int argc, char **argv)
{
	struct sl_err err = SL_ERR_INIT;
	struct cli_client *c;
	struct cli_opts o;
	const char *name = NULL, *status = NULL;
	const struct cli_arg opts[] = { { "--status", &status, NULL },
		{ NULL, NULL, NULL } };
	const char **pos[] = { &name };
	const cJSON *x;
	cJSON *req, *res;
	char *arn, d1[32], d2[32];
	int rc;

	if (cli_opts_take(&argc, argv, &o) < 0)
		return CLI_EXIT_USAGE;
	if (cli_args_take(argc, argv, opts, pos, 1) != 0 || name == NULL) {
		fprintf(stderr, "usage: sluice executions NAME [--status "
		    "RUNNING|SUCCEEDED|FAILED|TIMED_OUT|ABORTED]\n");
		return CLI_EXIT_USAGE;
	}
	if ((c = cli_client_connect(&o, &err)) == NULL) {
		fprintf(stderr, "sluice: %s\n", err.msg);
		return CLI_EXIT_USAGE;
	}
	if ((arn = cli_machine_arn(c, name, &rc)) == NULL)
		goto out;
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "action", "ListExecutions");
	cJSON_AddStringToObject(req, "stateMachineArn", arn);
	cJSON_AddNumberToObject(req, "maxResults", 1000);
	if (status != NULL)
		cJSON_AddStringToObject(req, "statusFilter", status);
	free(arn);
	if ((res = cli_call(c, req, &rc)) == NULL)
		goto out;
	if (o.json)
		cli_print_json(res);
	else {
		printf("%-40s %-10s %-19s %s\n", "NAME", "STATUS", "STARTED",
		    "STOPPED");
		cJSON_ArrayForEach(x, cJSON_GetObjectItem(res, "executions"))
			printf("%-40s %-10s %-19s %s\n",
			    cJSON_GetStringValue(cJSON_GetObjectItem(x,
			    "name")), cJSON_GetStringValue(
			    cJSON_GetObjectItem(x, "status")),
			    cli_date(cJSON_GetNumberValue(cJSON_GetObjectItem(x,
			    "startDate")), d1, sizeof(d1)),
			    cli_date(cJSON_GetObjectItem(x, "stopDate") ?
			    cJSON_GetNumberValue(cJSON_GetObjectItem(x,
			    "stopDate")) : 0, d2, sizeof(d2)));
	}
	cJSON_Delete(res);
out:
	cli_client_free(c);
	return rc;
}
