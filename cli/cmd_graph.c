/* sluice graph: print a state machine's graph (states, transitions, nested
 * branches) as text, a Mermaid flowchart or a Graphviz digraph. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/graph.h"
#include "common/buf.h"
#include "common/err.h"

#define GRAPH_USAGE                                                            \
	"graph NAME|ARN|FILE.asl.json [--format text|mermaid|dot] "            \
	"[--url URL] [--token T]"

/* Read a whole file into out; -1 with err filled when it cannot. */
static int
read_file(const char *path, struct sl_buf *out, struct sl_err *err)
{
	if (sl_buf_add_file(out, path) < 0)
		return sl_err_set(
		    err, "States.Runtime", "%s: %s", path, strerror(errno));
	return 0;
}

/* Parse definition text; on a syntax error name the line and column. */
static cJSON *
parse_definition(
    const char *path, const struct sl_buf *text, struct sl_err *err)
{
	const char *at, *p;
	cJSON *def;
	int line = 1, col = 1;

	def = cJSON_ParseWithLength(text->data, text->len);
	if (def != NULL)
		return def;
	at = cJSON_GetErrorPtr();
	if (at == NULL || at < text->data || at > text->data + text->len)
		at = text->data;
	for (p = text->data; p < at; p++) {
		if (*p == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	sl_err_set(err, "States.InvalidDefinition", "%s:%d:%d: not valid JSON",
	    path, line, col);
	return NULL;
}

/* The ARN of the state machine called name (an ARN is taken as it is), by
 * paging through ListStateMachines on client c. NULL after printing why;
 * the caller frees the string. */
static char *
machine_arn(struct cli_client *c, const char *name)
{
	const cJSON *list, *sm, *n, *arn, *next;
	struct sl_err err = SL_ERR_INIT;
	cJSON *req, *reply, *res;
	char *found = NULL, *token = NULL;

	if (strncmp(name, "arn:", 4) == 0)
		return strdup(name);
	do {
		req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "action", "ListStateMachines");
		if (token != NULL)
			cJSON_AddStringToObject(req, "nextToken", token);
		free(token);
		token = NULL;
		reply = cli_client_call(c, req, 30000, &err);
		if (reply == NULL) {
			fprintf(stderr, "sluice: %s\n", err.msg);
			return NULL;
		}
		res = cJSON_GetObjectItemCaseSensitive(reply, "result");
		if (res == NULL) {
			cli_print_error(reply);
			cJSON_Delete(reply);
			return NULL;
		}
		list = cJSON_GetObjectItemCaseSensitive(res, "stateMachines");
		cJSON_ArrayForEach(sm, list)
		{
			n = cJSON_GetObjectItemCaseSensitive(sm, "name");
			arn = cJSON_GetObjectItemCaseSensitive(
			    sm, "stateMachineArn");
			if (cJSON_IsString(n) && cJSON_IsString(arn) &&
			    strcmp(n->valuestring, name) == 0) {
				found = strdup(arn->valuestring);
				break;
			}
		}
		next = cJSON_GetObjectItemCaseSensitive(res, "nextToken");
		if (found == NULL && cJSON_IsString(next))
			token = strdup(next->valuestring);
		cJSON_Delete(reply);
	} while (token != NULL);
	if (found == NULL)
		fprintf(stderr,
		    "sluice: StateMachineDoesNotExist: no state "
		    "machine is called '%s'\n",
		    name);
	return found;
}

/* The definition of a deployed state machine, parsed; NULL after printing
 * why, with *rc the exit code. */
static cJSON *
fetch_definition(const struct cli_opts *o, const char *name, int *rc)
{
	struct sl_err err = SL_ERR_INIT;
	struct cli_client *c;
	const cJSON *def, *res;
	cJSON *req, *reply, *out = NULL;
	char *arn;

	*rc = CLI_EXIT_USAGE;
	c = cli_client_connect(o, &err);
	if (c == NULL) {
		fprintf(stderr, "sluice: %s\n", err.msg);
		return NULL;
	}
	arn = machine_arn(c, name);
	if (arn == NULL) {
		*rc = CLI_EXIT_FAILED;
		cli_client_free(c);
		return NULL;
	}
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "action", "DescribeStateMachine");
	cJSON_AddStringToObject(req, "stateMachineArn", arn);
	free(arn);
	reply = cli_client_call(c, req, 30000, &err);
	cli_client_free(c);
	if (reply == NULL) {
		fprintf(stderr, "sluice: %s\n", err.msg);
		return NULL;
	}
	res = cJSON_GetObjectItemCaseSensitive(reply, "result");
	if (res == NULL) {
		cli_print_error(reply);
		cJSON_Delete(reply);
		*rc = CLI_EXIT_FAILED;
		return NULL;
	}
	def = cJSON_GetObjectItemCaseSensitive(res, "definition");
	if (cJSON_IsString(def))
		out = cJSON_Parse(def->valuestring);
	else if (cJSON_IsObject(def))
		out = cJSON_Duplicate(def, 1);
	if (out == NULL) {
		fprintf(stderr,
		    "sluice graph: the definition of '%s' is not "
		    "JSON\n",
		    name);
		*rc = CLI_EXIT_FAILED;
	}
	cJSON_Delete(reply);
	return out;
}

/* A FILE argument is an existing path or one that ends in .json. */
static int
is_file_argument(const char *arg)
{
	struct stat st;
	size_t n = strlen(arg);

	if (stat(arg, &st) == 0)
		return 1;
	return n > 5 && strcmp(arg + n - 5, ".json") == 0;
}

int
cmd_graph(int argc, char **argv)
{
	struct sl_buf text = SL_BUF_INIT, out = SL_BUF_INIT;
	struct sl_err err = SL_ERR_INIT;
	enum sl_graph_format fmt = SL_GRAPH_TEXT;
	struct sl_graph *g = NULL;
	struct cli_opts o;
	const char *what = NULL;
	cJSON *def = NULL;
	int i, rc = CLI_EXIT_USAGE;

	sl_buf_init(&text);
	sl_buf_init(&out);
	if (cli_opts_take(&argc, argv, &o) < 0)
		goto fail;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			if (sl_graph_format_parse(argv[++i], &fmt) == -1) {
				fprintf(stderr,
				    "sluice graph: unknown format "
				    "'%s' (text, mermaid or dot)\n",
				    argv[i]);
				goto fail;
			}
		} else if (strncmp(argv[i], "--format=", 9) == 0) {
			if (sl_graph_format_parse(argv[i] + 9, &fmt) == -1) {
				fprintf(stderr,
				    "sluice graph: unknown format "
				    "'%s' (text, mermaid or dot)\n",
				    argv[i] + 9);
				goto fail;
			}
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr,
			    "sluice graph: unknown option '%s'\n"
			    "usage: sluice %s\n",
			    argv[i], GRAPH_USAGE);
			goto fail;
		} else if (what == NULL) {
			what = argv[i];
		} else {
			fprintf(stderr, "usage: sluice %s\n", GRAPH_USAGE);
			goto fail;
		}
	}
	if (what == NULL) {
		fprintf(stderr, "usage: sluice %s\n", GRAPH_USAGE);
		goto fail;
	}
	if (!is_file_argument(what)) {
		/* A deployed state machine: its definition from sluiced. */
		def = fetch_definition(&o, what, &rc);
		if (def == NULL)
			goto fail;
		rc = CLI_EXIT_USAGE;
	} else if (read_file(what, &text, &err) == -1 ||
	           (def = parse_definition(what, &text, &err)) == NULL) {
		fprintf(stderr, "sluice graph: %s\n", err.msg);
		goto fail;
	}
	if ((g = sl_graph_new(def, &err)) == NULL) {
		fprintf(stderr, "sluice graph: %s\n", err.msg);
		goto fail;
	}
	sl_graph_print(g, fmt, &out);
	fwrite(out.data, 1, out.len, stdout);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "sluice graph: write error\n");
		goto fail;
	}
	rc = CLI_EXIT_OK;
fail:
	sl_graph_free(g);
	cJSON_Delete(def);
	sl_buf_release(&text);
	sl_buf_release(&out);
	return rc;
}
