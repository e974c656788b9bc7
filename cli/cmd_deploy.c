/* sluice deploy NAME FILE.asl.json [--type EXPRESS] [--role ARN]: create the
 * state machine, or update its definition when it exists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "common/xmalloc.h"

#define DEPLOY_USAGE "usage: sluice deploy NAME FILE.asl.json " \
	"[--type STANDARD|EXPRESS] [--role ARN]\n"

int
cmd_deploy(int argc, char **argv)
{
	struct sl_err err = SL_ERR_INIT;
	struct cli_client *c = NULL;
	struct cli_opts o;
	const char *name = NULL, *file = NULL, *type = "STANDARD";
	const char *role = NULL;
	const struct cli_arg opts[] = { { "--type", &type, NULL },
		{ "--role", &role, NULL }, { NULL, NULL, NULL } };
	const char **pos[] = { &name, &file };
	char *def = NULL, *arg, *arn = NULL;
	cJSON *req, *res, *reply;
	const cJSON *e;
	int rc = CLI_EXIT_USAGE, bad;

	if (cli_opts_take(&argc, argv, &o) < 0)
		return CLI_EXIT_USAGE;
	if ((bad = cli_args_take(argc, argv, opts, pos, 2)) != 0) {
		fprintf(stderr, "sluice: deploy: unexpected '%s'\n"
		    DEPLOY_USAGE, argv[bad]);
		return CLI_EXIT_USAGE;
	}
	if (name == NULL || file == NULL) {
		fprintf(stderr, DEPLOY_USAGE);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(type, "STANDARD") != 0 && strcmp(type, "EXPRESS") != 0) {
		fprintf(stderr, "sluice: --type is STANDARD or EXPRESS\n");
		return CLI_EXIT_USAGE;
	}
	arg = xasprintf("@%s", file);
	def = cli_read_arg(arg, &err);
	free(arg);
	if (def == NULL) {
		fprintf(stderr, "sluice: %s\n", err.msg);
		return CLI_EXIT_USAGE;
	}
	c = cli_client_connect(&o, &err);
	if (c == NULL) {
		fprintf(stderr, "sluice: %s\n", err.msg);
		goto out;
	}
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "action", "CreateStateMachine");
	cJSON_AddStringToObject(req, "name", name);
	cJSON_AddStringToObject(req, "definition", def);
	cJSON_AddStringToObject(req, "type", type);
	if (role != NULL)
		cJSON_AddStringToObject(req, "roleArn", role);
	reply = cli_client_call(c, req, 0, &err);
	if (reply == NULL) {
		fprintf(stderr, "sluice: %s\n", err.msg);
		goto out;
	}
	e = cJSON_GetObjectItem(cJSON_GetObjectItem(reply, "error"), "type");
	if (cJSON_IsString(e) &&
	    strcmp(e->valuestring, "StateMachineAlreadyExists") == 0) {
		/* It exists: a new revision with this definition. */
		cJSON_Delete(reply);
		if ((arn = cli_machine_arn(c, name, &rc)) == NULL)
			goto out;
		req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "action", "UpdateStateMachine");
		cJSON_AddStringToObject(req, "stateMachineArn", arn);
		cJSON_AddStringToObject(req, "definition", def);
		if (role != NULL)
			cJSON_AddStringToObject(req, "roleArn", role);
		if ((res = cli_call(c, req, &rc)) == NULL)
			goto out;
		if (o.json) {
			cJSON_AddStringToObject(res, "stateMachineArn", arn);
			cli_print_json(res);
		} else
			printf("updated %s (revision %s)\n", arn,
			    cJSON_GetStringValue(cJSON_GetObjectItem(res,
			    "revisionId")));
		cJSON_Delete(res);
		goto out;
	}
	res = cJSON_DetachItemFromObjectCaseSensitive(reply, "result");
	if (res == NULL) {
		cli_print_error(reply);
		cJSON_Delete(reply);
		rc = CLI_EXIT_FAILED;
		goto out;
	}
	cJSON_Delete(reply);
	if (o.json)
		cli_print_json(res);
	else
		printf("created %s\n", cJSON_GetStringValue(
		    cJSON_GetObjectItem(res, "stateMachineArn")));
	cJSON_Delete(res);
	rc = CLI_EXIT_OK;
out:
	cli_client_free(c);
	free(arn);
	free(def);
	return rc;
}
