/* sluice history EXEC: an execution's history events, oldest first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "common/xmalloc.h"

/* The state an event is about, if it says. */
static const char *
event_state(const cJSON *ev)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, ev) {
		const char *n;

		if (!cJSON_IsObject(it))
			continue;
		n = cJSON_GetStringValue(cJSON_GetObjectItem(it, "name"));
		if (n != NULL)
			return n;
	}
	return "";
}

int
cmd_history(int argc, char **argv)
{
	struct sl_err err = SL_ERR_INIT;
	struct cli_client *c;
	struct cli_opts o;
	cJSON *all = cJSON_CreateArray(), *req, *res, *ev;
	const cJSON *tok, *e;
	char *next = NULL;
	double t0 = -1;
	int rc = CLI_EXIT_OK;

	if (cli_opts_take(&argc, argv, &o) < 0 || argc != 2) {
		fprintf(stderr, "usage: sluice history EXECUTION-ARN\n");
		cJSON_Delete(all);
		return CLI_EXIT_USAGE;
	}
	if ((c = cli_client_connect(&o, &err)) == NULL) {
		fprintf(stderr, "sluice: %s\n", err.msg);
		cJSON_Delete(all);
		return CLI_EXIT_USAGE;
	}
	do {
		req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "action", "GetExecutionHistory");
		cJSON_AddStringToObject(req, "executionArn", argv[1]);
		cJSON_AddNumberToObject(req, "maxResults", 1000);
		if (next != NULL)
			cJSON_AddStringToObject(req, "nextToken", next);
		free(next);
		next = NULL;
		if ((res = cli_call(c, req, &rc)) == NULL)
			goto out;
		while ((ev = cJSON_DetachItemFromArray(cJSON_GetObjectItem(res,
		    "events"), 0)) != NULL)
			cJSON_AddItemToArray(all, ev);
		tok = cJSON_GetObjectItem(res, "nextToken");
		if (cJSON_IsString(tok))
			next = xstrdup(tok->valuestring);
		cJSON_Delete(res);
	} while (next != NULL);
	if (o.json) {
		res = cJSON_CreateObject();
		cJSON_AddItemToObject(res, "events", all);
		all = NULL;
		cli_print_json(res);
		cJSON_Delete(res);
		goto out;
	}
	printf("%5s %10s  %-32s %s\n", "ID", "+MS", "TYPE", "STATE");
	cJSON_ArrayForEach(e, all) {
		double ts = cJSON_GetNumberValue(cJSON_GetObjectItem(e,
		    "timestamp"));

		if (t0 < 0)
			t0 = ts;
		printf("%5d %10.0f  %-32s %s\n", (int)cJSON_GetNumberValue(
		    cJSON_GetObjectItem(e, "id")), ts - t0,
		    cJSON_GetStringValue(cJSON_GetObjectItem(e, "type")),
		    event_state(e));
	}
out:
	cJSON_Delete(all);
	cli_client_free(c);
	return rc;
}
