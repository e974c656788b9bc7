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

/* Offline: run one handler .so in the sandbox (cli/cmd_run.c). */
int cmd_run(int argc, char **argv);

/* Networked commands (cli/cmd_*.c): they talk to sluiced. */
int cmd_invoke(int argc, char **argv);
int cmd_functions(int argc, char **argv);
int cmd_subscribe(int argc, char **argv);
int cmd_deploy(int argc, char **argv);
int cmd_machines(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_describe(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_executions(int argc, char **argv);
int cmd_stop(int argc, char **argv);
/* Offline: run a definition with real functions (cmd_exec.c). */
int cmd_exec(int argc, char **argv);
/* Offline: the recorded AWS conformance cases (cmd_conformance.c). */
int cmd_conformance(int argc, char **argv);
/* sluice validate FILE.asl.json (offline): 0 and "valid" on stdout when the
 * definition is valid; 1 with one problem per line on stderr; 2 on usage
 * errors or an unreadable file. */
int cli_cmd_validate(int argc, char **argv);

#endif
