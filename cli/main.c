/* sluice: dispatch to a sub-command (cli/cmd_*.c). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

/* Offline commands need no daemon; the others talk to sluiced. */
static const struct cli_command commands[] = {
	{ "validate", cli_cmd_validate,
	    "validate FILE.asl.json  check a definition offline" },
	{ "run", cli_cmd_run, "run FN.so [--payload JSON|@file] [--timeout S] "
	    "[--memory MB]  run a handler offline, in its sandbox" },
	{ "exec", cmd_exec, "exec FILE.asl.json [--input JSON|@FILE] "
	    "[--functions DIR] [--data DIR] [--history]  run a state machine "
	    "offline" },
	{ "conformance", cmd_conformance, "conformance DIR [--filter SUBSTR]"
	    "  run recorded AWS cases" },
	{ "invoke", cmd_invoke,
	  "invoke FN [--payload JSON|@file] [--async] [--log]"
	  "  invoke a function" },
	{ "functions", cmd_functions,
	  "functions                       list the functions" },
	{ "subscribe", cmd_subscribe,
	  "subscribe TOPIC [--count N]     print messages published to TOPIC" },
	{ "deploy", cmd_deploy,
	  "deploy NAME FILE.asl.json [--type EXPRESS]"
	  "  create or update a state machine" },
	{ "machines", cmd_machines,
	  "machines                        list the state machines" },
	{ "start", cmd_start,
	  "start NAME [--input JSON|@file] [--name N] [--wait | --follow]"
	  "  start an execution" },
	{ "describe", cmd_describe,
	  "describe EXEC                   an execution's status and result" },
	{ "history", cmd_history,
	  "history EXEC                    an execution's history events" },
	{ "executions", cmd_executions,
	  "executions NAME [--status S]    list a state machine's executions" },
	{ "stop", cmd_stop,
	  "stop EXEC [--error E] [--cause C]  stop a running execution" },
	{ "graph", cmd_graph,
	    "graph NAME|FILE.asl.json [--format text|mermaid|dot]  "
	    "print a state machine's graph" },
	{ NULL, NULL, NULL },
};

static void
usage(FILE *f)
{
	const struct cli_command *c;

	fprintf(f, "usage: sluice COMMAND [ARGS]\n\ncommands:\n");
	for (c = commands; c->name != NULL; c++)
		fprintf(f, "  %s\n", c->usage);
	fprintf(f, "\nnetworked commands take --url URL (SLUICE_URL, "
	    "ws://127.0.0.1:8990/ws),\n--token T (SLUICE_TOKEN) and --json.\n");
	fprintf(f, "\nExit status: 0 success, 1 the function or execution "
		   "failed, 2 usage or connection error.\n");
}

/* Global options (--url V, --token V, --json) may come before the command:
 * move them after it, where every command looks for them. */
static void
globals_after_command(int argc, char **argv)
{
	int i = 1, k;
	char *cmd;

	while (i < argc && (strcmp(argv[i], "--json") == 0 ||
	    ((strcmp(argv[i], "--url") == 0 ||
	    strcmp(argv[i], "--token") == 0) && i + 1 < argc)))
		i += strcmp(argv[i], "--json") == 0 ? 1 : 2;
	if (i == 1 || i >= argc)
		return;
	/* argv[1..i-1] are globals, argv[i] the command: rotate it first. */
	cmd = argv[i];
	for (k = i; k > 1; k--)
		argv[k] = argv[k - 1];
	argv[1] = cmd;
}

int
main(int argc, char **argv)
{
	const struct cli_command *c;

	globals_after_command(argc, argv);
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	for (c = commands; c->name != NULL; c++)
		if (strcmp(c->name, argv[1]) == 0)
			return c->run(argc - 1, argv + 1);
	fprintf(stderr, "sluice: unknown command '%s' (see sluice --help)\n",
	    argv[1]);
	return CLI_EXIT_USAGE;
}
