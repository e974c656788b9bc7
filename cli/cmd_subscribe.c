/* sluice subscribe TOPIC [--count N]: print the messages published to a
 * topic as they arrive, until interrupted (or N of them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"

struct sub_state {
	int json;
	long left; /* messages still wanted; < 0 = no limit */
};

static int
on_event(void *arg, const cJSON *ev)
{
	struct sub_state *s = arg;
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(ev, "event");
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(ev, "Timestamp");
	const cJSON *topic = cJSON_GetObjectItemCaseSensitive(ev, "topic");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(ev, "Message");
	char *line;

	if (!cJSON_IsString(kind) ||
	    strcmp(kind->valuestring, "Notification") != 0)
		return 1;
	if (s->json) {
		line = cJSON_PrintUnformatted(ev);
		printf("%s\n", line);
		cJSON_free(line);
	} else
		printf("%s %s %s\n", cJSON_IsString(ts) ? ts->valuestring : "-",
		    cJSON_IsString(topic) ? topic->valuestring : "-",
		    cJSON_IsString(msg) ? msg->valuestring : "");
	fflush(stdout);
	if (s->left > 0 && --s->left == 0)
		return 0;
	return 1;
}

int
cmd_subscribe(int argc, char **argv)
{
	struct sl_err err = SL_ERR_INIT;
	struct sub_state s = { .left = -1 };
	struct cli_client *c;
	struct cli_opts o;
	const char *topic = NULL;
	cJSON *req, *res;
	char *end;
	int rc, i;

	if (cli_opts_take(&argc, argv, &o) < 0)
		return CLI_EXIT_USAGE;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
			s.left = strtol(argv[++i], &end, 10);
			if (*end != '\0' || s.left <= 0) {
				fprintf(stderr, "sluice: bad --count\n");
				return CLI_EXIT_USAGE;
			}
		} else if (argv[i][0] != '-' && topic == NULL)
			topic = argv[i];
		else
			topic = NULL, i = argc;
	}
	if (topic == NULL) {
		fprintf(stderr, "usage: sluice subscribe TOPIC [--count N]\n");
		return CLI_EXIT_USAGE;
	}
	s.json = o.json;
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "action", "Subscribe");
	cJSON_AddStringToObject(req, strncmp(topic, "arn:", 4) == 0 ?
	    "TopicArn" : "topic", topic);
	res = cli_request(&o, req, &c, &rc);
	if (res == NULL)
		return rc;
	cJSON_Delete(res);
	/* Tell a script (or a person) that messages will now be seen. */
	fprintf(stderr, "sluice: subscribed to %s\n", topic);
	cli_client_on_event(c, on_event, &s);
	if (cli_client_wait(c, 0, &err) < 0) {
		fprintf(stderr, "sluice: %s\n", err.msg);
		rc = CLI_EXIT_USAGE;
	}
	cli_client_free(c);
	return rc;
}
