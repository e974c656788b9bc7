/* sluice stop EXEC [--error E] [--cause C]: stop a running execution. */
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/client.h"

int
cmd_stop(int argc, char **argv)
{
	struct cli_opts o;
	const char *exec = NULL, *error = NULL, *cause = NULL;
	const struct cli_arg opts[] = { { "--error", &error, NULL },
		{ "--cause", &cause, NULL }, { NULL, NULL, NULL } };
	const char **pos[] = { &exec };
	cJSON *req, *res;
	int rc;

	if (cli_opts_take(&argc, argv, &o) < 0)
		return CLI_EXIT_USAGE;
	if (cli_args_take(argc, argv, opts, pos, 1) != 0 || exec == NULL) {
		fprintf(stderr, "usage: sluice stop EXECUTION-ARN [--error E] "
		    "[--cause C]\n");
		return CLI_EXIT_USAGE;
	}
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "action", "StopExecution");
	cJSON_AddStringToObject(req, "executionArn", exec);
	if (error != NULL)
		cJSON_AddStringToObject(req, "error", error);
	if (cause != NULL)
		cJSON_AddStringToObject(req, "cause", cause);
	if ((res = cli_request(&o, req, NULL, &rc)) == NULL)
		return rc;
	if (o.json)
		cli_print_json(res);
	else
		printf("stopped %s\n", exec);
	cJSON_Delete(res);
	return CLI_EXIT_OK;
}
