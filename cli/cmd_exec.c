/* sluice exec FILE.asl.json --input JSON|@file --functions DIR [--data DIR]
 * [--history]:
 * run one execution offline with real sandboxed functions and print its
 * output, or its error and cause (exit 1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "common/buf.h"
#include "common/loop.h"
#include "common/xmalloc.h"
#include "orchestrator/engine.h"
#include "orchestrator/runner.h"
#include "orchestrator/validate.h"
#include "runtime/host.h"

static int
usage(void)
{
	fprintf(stderr, "usage: sluice exec FILE.asl.json [--input JSON|@FILE] "
	    "[--functions DIR] [--data DIR] [--history]\n");
	return CLI_EXIT_USAGE;
}

/* Validate first, for problems named by state and field. Features this
 * engine does not run are left for it to refuse. Returns 0 to go on. */
static int
check_definition(const char *file, const char *def)
{
	struct sl_asl_diags d = SL_ASL_DIAGS_INIT;
	size_t i;
	int fatal = 0;

	sl_asl_diags_init(&d);
	if (sl_asl_validate_text(def, strlen(def), &d) == -1)
		for (i = 0; i < d.n; i++) {
			if (d.items[i].code == NULL || strcmp(d.items[i].code,
			    "UNSUPPORTED_FEATURE") != 0)
				fatal = 1;
			fprintf(stderr, "%s: %s: %s\n", file,
			    d.items[i].path[0] ? d.items[i].path : "/",
			    d.items[i].message);
		}
	sl_asl_diags_release(&d);
	return fatal ? -1 : 0;
}

static void
print_history(const cJSON *h)
{
	const cJSON *ev;

	cJSON_ArrayForEach(ev, h) {
		char *s = cJSON_PrintUnformatted(ev);

		printf("%s\n", s);
		cJSON_free(s);
	}
}

int
cmd_exec(int argc, char **argv)
{
	const char *file = NULL, *input = "{}", *functions = NULL;
	const char *data = getenv("SLUICE_DATA_DIR");
	char *def = NULL, *in = NULL, *worker = NULL, *name;
	struct sl_err err = SL_ERR_INIT;
	struct sl_asl_machine *m = NULL;
	struct sl_loop *loop = NULL;
	struct sl_host *host = NULL;
	struct sl_runner *r = NULL;
	struct sl_exec_result res = { 0 };
	int history = 0, rc = CLI_EXIT_USAGE;
	const struct cli_arg opts[] = { { "--input", &input, NULL },
		{ "--functions", &functions, NULL },
		{ "--data", &data, NULL },
		{ "--history", NULL, &history }, { NULL, NULL, NULL } };
	const char **pos[] = { &file };
	const char *slash;

	if (cli_args_take(argc, argv, opts, pos, 1) != 0 || file == NULL)
		return usage();
	if ((def = sl_read_file(file)) == NULL) {
		fprintf(stderr, "sluice exec: cannot read %s\n", file);
		goto out;
	}
	if (input[0] == '@') {
		if ((in = sl_read_file(input + 1)) == NULL) {
			fprintf(stderr, "sluice exec: cannot read %s\n",
			    input + 1);
			goto out;
		}
	} else
		in = xstrdup(input);
	if (check_definition(file, def) == -1) {
		rc = CLI_EXIT_FAILED;
		goto out;
	}
	slash = strrchr(file, '/');
	name = xstrdup(slash ? slash + 1 : file);
	if (strchr(name, '.') != NULL)
		*strchr(name, '.') = '\0';
	m = sl_asl_machine_new(def, NULL, name, &err);
	free(name);
	if (m == NULL) {
		fprintf(stderr, "sluice exec: %s: %s\n", err.type, err.msg);
		rc = CLI_EXIT_FAILED;
		goto out;
	}
	loop = sl_loop_new();
	if (functions != NULL) {
		const char *b = getenv("SLUICE_WORKER");
		struct sl_host_config hc = { .functions_dir = functions,
			.data_dir = data };

		worker = b ? xstrdup(b) : NULL;
		hc.worker_path = worker;
		host = sl_host_new(loop, &hc, &err);
		if (host == NULL) {
			fprintf(stderr, "sluice exec: %s: %s\n", err.type,
			    err.msg);
			rc = CLI_EXIT_USAGE;
			goto out;
		}
	}
	r = sl_runner_new(loop, host, 1, history);
	if (sl_runner_run(r, m, NULL, in, 0, UINT64_MAX / 4000, &res, &err) ==
	    -1) {
		fprintf(stderr, "sluice exec: %s: %s\n", err.type, err.msg);
		rc = CLI_EXIT_FAILED;
		goto out;
	}
	if (history)
		print_history(res.history);
	if (res.status == SL_EXEC_SUCCEEDED) {
		printf("%s\n", res.output ? res.output : "null");
		rc = CLI_EXIT_OK;
	} else {
		printf("%s\nerror: %s\ncause: %s\n",
		    sl_exec_status_name(res.status),
		    res.error ? res.error : "", res.cause ? res.cause : "");
		rc = CLI_EXIT_FAILED;
	}
out:
	sl_exec_result_release(&res);
	sl_runner_free(r);
	sl_host_free(host);
	sl_loop_free(loop);
	sl_asl_machine_unref(m);
	free(def);
	free(in);
	free(worker);
	return rc;
}
