/* sluice start NAME [--input JSON|@file] [--name N] [--wait | --follow]:
 * start an execution; with --wait print its output when it ends; with
 * --follow also show each state as it is entered and left. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "common/xmalloc.h"

#define START_USAGE "usage: sluice start NAME [--input JSON|@file] " \
	"[--name N] [--wait | --follow]\n"

/* States entered and not yet left, for durations. */
struct open_state {
	char *name;
	double ts;
	int n;
};

struct follow {
	const char *name;    /* the execution's name */
	int json;
	int color;
	int entered;         /* the running count */
	int left;
	struct open_state open[64];
	int nopen;
};

static double
event_ms(const cJSON *ev)
{
	double t = cJSON_GetNumberValue(cJSON_GetObjectItem(ev, "timestamp"));

	return t < 1e11 ? t * 1000 : t; /* seconds or milliseconds */
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Is this execution ARN ours? Standard: ...:execution:MACHINE:NAME;
 * Express: ...:express:MACHINE:NAME:ID. */
static int
is_ours(const struct follow *f, const char *arn)
{
	char *tail = xasprintf(":%s", f->name), *mid;
	int yes = ends_with(arn, tail);

	mid = xasprintf(":%s:", f->name);
	yes = yes || (strstr(arn, ":express:") && strstr(arn, mid));
	free(tail);
	free(mid);
	return yes;
}

static const char *
paint(const struct follow *f, const char *code)
{
	return f->color ? code : "";
}

static int
on_event(void *arg, const cJSON *msg)
{
	struct follow *f = arg;
	const cJSON *ev = cJSON_GetObjectItem(msg, "historyEvent");
	const char *arn = cJSON_GetStringValue(cJSON_GetObjectItem(msg,
	    "executionArn"));
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(ev,
	    "type"));
	const cJSON *d;
	const char *state = NULL;
	char *line;
	int i;

	if (arn == NULL || type == NULL || !is_ours(f, arn))
		return 1;
	if (f->json) {
		line = cJSON_PrintUnformatted(msg);
		printf("%s\n", line);
		cJSON_free(line);
		fflush(stdout);
		return 1;
	}
	d = cJSON_GetObjectItem(ev, "stateEnteredEventDetails");
	if (d == NULL)
		d = cJSON_GetObjectItem(ev, "stateExitedEventDetails");
	state = cJSON_GetStringValue(cJSON_GetObjectItem(d, "name"));
	if (ends_with(type, "StateEntered") && state != NULL) {
		f->entered++;
		if (f->nopen < 64) {
			f->open[f->nopen].name = xstrdup(state);
			f->open[f->nopen].ts = event_ms(ev);
			f->open[f->nopen].n = f->entered;
			f->nopen++;
		}
		printf("%s[%d] %s %s%s\n", paint(f, "\033[36m"), f->entered,
		    f->color ? "\u25b6" : "enter", state, paint(f, "\033[0m"));
	} else if (ends_with(type, "StateExited") && state != NULL) {
		double ms = -1;
		int n = 0;

		f->left++;
		for (i = f->nopen - 1; i >= 0; i--)
			if (strcmp(f->open[i].name, state) == 0) {
				ms = event_ms(ev) - f->open[i].ts;
				n = f->open[i].n;
				free(f->open[i].name);
				memmove(&f->open[i], &f->open[i + 1],
				    (size_t)(f->nopen - i - 1) *
				    sizeof(f->open[0]));
				f->nopen--;
				break;
			}
		printf("%s[%d] %s %s%s  %.0f ms\n", paint(f, "\033[32m"), n,
		    f->color ? "\u2714" : "leave", state, paint(f, "\033[0m"),
		    ms < 0 ? 0 : ms);
	} else if (ends_with(type, "Failed") || ends_with(type, "TimedOut") ||
	    ends_with(type, "Aborted")) {
		const cJSON *it;
		const char *error = NULL;

		cJSON_ArrayForEach(it, ev)
			if (cJSON_IsObject(it) && error == NULL)
				error = cJSON_GetStringValue(
				    cJSON_GetObjectItem(it, "error"));
		printf("%s    %s %s%s%s%s\n", paint(f, "\033[31m"),
		    f->color ? "\u2718" : "!", type, error ? ": " : "",
		    error ? error : "", paint(f, "\033[0m"));
	}
	fflush(stdout);
	return 1;
}

static void
random_name(char out[37])
{
	unsigned char b[16];
	size_t i;
	int o = 0;

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(rand() ^ getpid());
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	for (i = 0; i < sizeof(b); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		o += snprintf(out + o, 3, "%02x", b[i]);
	}
	out[36] = '\0';
}

/* Report an ended execution: output on stdout, or the error on stderr. */
static int
report_end(const cJSON *res, const struct follow *f, int json)
{
	const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(res,
	    "status"));
	const char *out = cJSON_GetStringValue(cJSON_GetObjectItem(res,
	    "output"));
	double ms = (cJSON_GetNumberValue(cJSON_GetObjectItem(res,
	    "stopDate")) - cJSON_GetNumberValue(cJSON_GetObjectItem(res,
	    "startDate"))) * 1000;
	int ok = status != NULL && strcmp(status, "SUCCEEDED") == 0;
	cJSON *parsed;

	if (json && f != NULL) {
		/* After the events' lines, the result as one more line. */
		char *line = cJSON_PrintUnformatted(res);

		printf("%s\n", line);
		cJSON_free(line);
	} else if (json)
		cli_print_json(res);
	else {
		if (f != NULL)
			printf("%s%s%s in %.0f ms (%d states)\n",
			    paint(f, ok ? "\033[32m" : "\033[31m"),
			    status ? status : "?", paint(f, "\033[0m"), ms,
			    f->entered);
		if (ok && out != NULL) {
			parsed = cJSON_Parse(out);
			if (parsed != NULL)
				cli_print_json(parsed);
			else
				printf("%s\n", out);
			cJSON_Delete(parsed);
		}
	}
	if (ok)
		return CLI_EXIT_OK;
	fprintf(stderr, "sluice: execution %s: %s: %s\n",
	    status ? status : "?",
	    cJSON_GetStringValue(cJSON_GetObjectItem(res, "error")) ?
	    cJSON_GetStringValue(cJSON_GetObjectItem(res, "error")) : "-",
	    cJSON_GetStringValue(cJSON_GetObjectItem(res, "cause")) ?
	    cJSON_GetStringValue(cJSON_GetObjectItem(res, "cause")) : "-");
	return CLI_EXIT_FAILED;
}

int
cmd_start(int argc, char **argv)
{
	struct sl_err err = SL_ERR_INIT;
	struct follow f = { 0 };
	struct cli_client *c = NULL;
	struct cli_opts o;
	const char *machine = NULL, *name = NULL, *input_arg = NULL;
	char *arn = NULL, *input = NULL, gen[37];
	cJSON *req, *res, *parsed;
	int wait = 0, follow = 0, rc = CLI_EXIT_USAGE, i;
	const struct cli_arg opts[] = { { "--input", &input_arg, NULL },
		{ "--name", &name, NULL }, { "--wait", NULL, &wait },
		{ "--follow", NULL, &follow }, { NULL, NULL, NULL } };
	const char **pos[] = { &machine };

	if (cli_opts_take(&argc, argv, &o) < 0)
		return CLI_EXIT_USAGE;
	if ((i = cli_args_take(argc, argv, opts, pos, 1)) != 0) {
		fprintf(stderr, "sluice: start: unexpected '%s'\n"
		    START_USAGE, argv[i]);
		return CLI_EXIT_USAGE;
	}
	if (machine == NULL || (wait && follow)) {
		fprintf(stderr, START_USAGE);
		return CLI_EXIT_USAGE;
	}
	if (input_arg != NULL) {
		if ((input = cli_read_arg(input_arg, &err)) == NULL) {
			fprintf(stderr, "sluice: %s\n", err.msg);
			return CLI_EXIT_USAGE;
		}
		if ((parsed = cJSON_Parse(input)) == NULL) {
			fprintf(stderr, "sluice: --input is not JSON\n");
			free(input);
			return CLI_EXIT_USAGE;
		}
		cJSON_Delete(parsed);
	}
	if (name == NULL) {
		random_name(gen);
		name = gen;
	}
	if ((c = cli_client_connect(&o, &err)) == NULL) {
		fprintf(stderr, "sluice: %s\n", err.msg);
		goto out;
	}
	if ((arn = cli_machine_arn(c, machine, &rc)) == NULL)
		goto out;
	if (follow) {
		/* Subscribe first, so that no event is missed. */
		f.name = name;
		f.json = o.json;
		f.color = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
		req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "action", "Subscribe");
		cJSON_AddStringToObject(req, "stateMachineArn", arn);
		if ((res = cli_call(c, req, &rc)) == NULL)
			goto out;
		cJSON_Delete(res);
		cli_client_on_event(c, on_event, &f);
	}
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "action", "StartExecution");
	cJSON_AddStringToObject(req, "stateMachineArn", arn);
	cJSON_AddStringToObject(req, "name", name);
	if (input != NULL)
		cJSON_AddStringToObject(req, "input", input);
	if (wait || follow)
		cJSON_AddBoolToObject(req, "wait", 1);
	if ((res = cli_call(c, req, &rc)) == NULL)
		goto out;
	if (wait || follow)
		rc = report_end(res, follow ? &f : NULL, o.json);
	else {
		if (o.json)
			cli_print_json(res);
		else
			printf("%s\n", cJSON_GetStringValue(
			    cJSON_GetObjectItem(res, "executionArn")));
		rc = CLI_EXIT_OK;
	}
	cJSON_Delete(res);
out:
	for (i = 0; i < f.nopen; i++)
		free(f.open[i].name);
	cli_client_free(c);
	free(arn);
	free(input);
	return rc;
}
