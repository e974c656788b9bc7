/* sluice stop EXEC [--error E] [--cause C]: stop a running execution. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"

int
cmd_stop(int argc, char **argv)
{
	struct cli_opts o;
	const char *exec = NULL, *error = NULL, *cause = NULL;
	cJSON *req, *res;
	int rc, i;

	if (cli_opts_take(&argc, argv, &o) < 0)
		return CLI_EXIT_USAGE;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--error") == 0 && i + 1 < argc)
			error = argv[++i];
		else if (strcmp(argv[i], "--cause") == 0 && i + 1 < argc)
			cause = argv[++i];
		else if (argv[i][0] != '-' && exec == NULL)
			exec = argv[i];
		else
			exec = NULL, i = argc;
	}
	if (exec == NULL) {
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
