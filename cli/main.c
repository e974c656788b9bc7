/* sluice: dispatch to a sub-command (cli/cmd_*.c). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

/* Offline commands need no daemon; the others talk to sluiced. */
static const struct cli_command commands[] = {
	{ "run", cmd_run, "run FN.so [--payload JSON|@file] [--timeout S] "
	    "[--memory MB]  run a handler offline, in its sandbox" },
	{ "exec", cmd_exec, "exec FILE.asl.json [--input JSON|@FILE] "
	    "[--functions DIR] [--history]  run a workflow offline" },
	{ "conformance", cmd_conformance, "conformance DIR  run the recorded "
	    "AWS cases" },
	{ "validate", cli_cmd_validate,
	    "validate FILE.asl.json  check a definition offline" },
	{ NULL, NULL, NULL },
};

static void
usage(FILE *f)
{
	const struct cli_command *c;

	fprintf(f, "usage: sluice COMMAND [ARGS]\n\ncommands:\n");
	for (c = commands; c->name != NULL; c++)
		fprintf(f, "  %s\n", c->usage);
	fprintf(f, "\nExit status: 0 success, 1 the function or execution "
		   "failed, 2 usage or connection error.\n");
}

int
main(int argc, char **argv)
{
	const struct cli_command *c;

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
