/* The words after a sub-command's name: options from a table, then the
 * positional arguments in order. */
#ifndef SL_CLI_ARGS_H
#define SL_CLI_ARGS_H

/* One option. With value set, "NAME VALUE" points *value at the VALUE word
 * (borrowed from argv); otherwise NAME alone sets *flag to 1. */
struct cli_arg {
	const char *name;
	const char **value;
	int *flag;
};

/* Take argv[1..argc-1]: each word is an option of opts (ended by a NULL
 * name) or, when it does not start with '-', fills the next of the npos
 * slots of pos (slots not reached are left as they are). Returns 0, or the
 * index of the first word that is neither: an unknown option, an option
 * missing its value, one positional argument too many. */
int cli_args_take(int argc, char **argv, const struct cli_arg *opts,
    const char **pos[], int npos);

#endif
