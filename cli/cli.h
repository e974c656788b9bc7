/* sluice, the command-line client: one function per sub-command.
 * Each takes the arguments after the command name (argv[0] is the command)
 * and returns the process exit code: 0 success, 1 the execution or function
 * failed, 2 usage or connection error. */
#ifndef SL_CLI_H
#define SL_CLI_H

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILED 1
#define CLI_EXIT_USAGE 2

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage; /* one line: "NAME ARGS  what it does" */
};

/* sluice exec FILE.asl.json [--input JSON|@FILE] [--functions DIR]
 * [--history] (offline): run a definition with real functions; the output
 * on stdout, 0; FAILED/TIMED_OUT/ABORTED with error and cause, 1; 2 on
 * usage errors (cmd_exec.c). */
int cli_cmd_exec(int argc, char **argv);
/* sluice conformance DIR [--filter SUBSTR]: the recorded AWS cases; 0 when
 * none failed, 1 otherwise (cmd_conformance.c). */
int cli_cmd_conformance(int argc, char **argv);
/* sluice run FN.so [--payload JSON|@file] [--timeout S] [--memory MB]
 * (offline): one invocation in the sandbox; the result on stdout, 0; a
 * function error as JSON on stderr, 1; 2 on usage errors. */
int cli_cmd_run(int argc, char **argv);

/* sluice validate FILE.asl.json (offline): 0 and "valid" on stdout when the
 * definition is valid; 1 with one problem per line on stderr; 2 on usage
 * errors or an unreadable file. */
int cli_cmd_validate(int argc, char **argv);

#endif
