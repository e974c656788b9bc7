/* sluice invoke FN [--payload JSON|@file] [--async] [--log]: invoke a
 * function and print what it returned. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "common/xmalloc.h"

/* Print the log tail (base64) on stderr. */
static void
print_log(const char *b64)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(b64), i, o = 0;
	unsigned acc = 0;
	int bits = 0;
	char *out = xmalloc(n + 1);

	for (i = 0; i < n; i++) {
		const char *p = strchr(tab, b64[i]);

		if (b64[i] == '=' || p == NULL)
			continue;
		acc = acc << 6 | (unsigned)(p - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits & 0xff);
		}
	}
	fwrite(out, 1, o, stderr);
	if (o > 0 && out[o - 1] != '\n')
		fputc('\n', stderr);
	free(out);
}

int
cmd_invoke(int argc, char **argv)
{
	struct sl_err err = SL_ERR_INIT;
	struct cli_opts o;
	const char *fn = NULL, *payload_arg = NULL;
	const cJSON *fe, *payload, *log;
	cJSON *req, *res, *parsed;
	char *text;
	int async = 0, want_log = 0, dry = 0, rc, bad;
	const struct cli_arg opts[] = { { "--payload", &payload_arg, NULL },
		{ "--async", NULL, &async }, { "--dry-run", NULL, &dry },
		{ "--log", NULL, &want_log }, { NULL, NULL, NULL } };
	const char **pos[] = { &fn };

	if (cli_opts_take(&argc, argv, &o) < 0)
		return CLI_EXIT_USAGE;
	if ((bad = cli_args_take(argc, argv, opts, pos, 1)) != 0) {
		fprintf(stderr, "sluice: invoke: unexpected '%s'\n"
		    "usage: sluice invoke FN [--payload JSON|@file] "
		    "[--async] [--log]\n", argv[bad]);
		return CLI_EXIT_USAGE;
	}
	if (fn == NULL) {
		fprintf(stderr, "usage: sluice invoke FN [--payload JSON|@file]"
		    " [--async] [--log]\n");
		return CLI_EXIT_USAGE;
	}
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "action", "Invoke");
	cJSON_AddStringToObject(req, "FunctionName", fn);
	if (payload_arg != NULL) {
		text = cli_read_arg(payload_arg, &err);
		if (text == NULL) {
			fprintf(stderr, "sluice: %s\n", err.msg);
			cJSON_Delete(req);
			return CLI_EXIT_USAGE;
		}
		parsed = cJSON_Parse(text);
		free(text);
		if (parsed == NULL) {
			fprintf(stderr, "sluice: --payload is not JSON\n");
			cJSON_Delete(req);
			return CLI_EXIT_USAGE;
		}
		cJSON_AddItemToObject(req, "Payload", parsed);
	}
	cJSON_AddStringToObject(req, "InvocationType", dry ? "DryRun" :
	    async ? "Event" : "RequestResponse");
	if (want_log)
		cJSON_AddStringToObject(req, "LogType", "Tail");
	res = cli_request(&o, req, NULL, &rc);
	if (res == NULL)
		return rc;
	fe = cJSON_GetObjectItemCaseSensitive(res, "FunctionError");
	payload = cJSON_GetObjectItemCaseSensitive(res, "Payload");
	log = cJSON_GetObjectItemCaseSensitive(res, "LogResult");
	if (want_log && cJSON_IsString(log))
		print_log(log->valuestring);
	if (o.json)
		cli_print_json(res);
	else if (payload != NULL)
		cli_print_json(payload);
	else
		printf("%s (StatusCode %d)\n", async ? "accepted" : "ok",
		    cJSON_GetObjectItemCaseSensitive(res, "StatusCode") ?
		    cJSON_GetObjectItemCaseSensitive(res,
		    "StatusCode")->valueint : 0);
	if (cJSON_IsString(fe)) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(payload,
		    "errorType");
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(payload,
		    "errorMessage");

		fprintf(stderr, "sluice: %s failed (%s): %s: %s\n", fn,
		    fe->valuestring, cJSON_IsString(t) ? t->valuestring :
		    "Error", cJSON_IsString(m) ? m->valuestring : "");
		rc = CLI_EXIT_FAILED;
	}
	cJSON_Delete(res);
	return rc;
}
