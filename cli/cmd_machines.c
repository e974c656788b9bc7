/* sluice machines: list the state machines. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"

int
cmd_machines(int argc, char **argv)
{
	struct cli_opts o;
	const cJSON *sm;
	cJSON *req, *res;
	char date[32];
	int rc;

	if (cli_opts_take(&argc, argv, &o) < 0)
		return CLI_EXIT_USAGE;
	if (argc != 1) {
		fprintf(stderr, "usage: sluice machines [--json]\n");
		return CLI_EXIT_USAGE;
	}
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "action", "ListStateMachines");
	cJSON_AddNumberToObject(req, "maxResults", 1000);
	if ((res = cli_request(&o, req, NULL, &rc)) == NULL)
		return rc;
	if (o.json)
		cli_print_json(res);
	else {
		printf("%-32s %-9s %s\n", "NAME", "TYPE", "CREATED");
		cJSON_ArrayForEach(sm, cJSON_GetObjectItem(res,
		    "stateMachines"))
			printf("%-32s %-9s %s\n", cJSON_GetStringValue(
			    cJSON_GetObjectItem(sm, "name")),
			    cJSON_GetStringValue(cJSON_GetObjectItem(sm,
			    "type")), cli_date(cJSON_GetNumberValue(
			    cJSON_GetObjectItem(sm, "creationDate")), date,
			    sizeof(date)));
	}
	cJSON_Delete(res);
	return CLI_EXIT_OK;
}
