/* Option and positional-argument parsing shared by the sub-commands. */
#include "cli/args.h"

#include <stddef.h>
#include <string.h>

int
cli_args_take(int argc, char **argv, const struct cli_arg *opts,
    const char **pos[], int npos)
{
	const struct cli_arg *a;
	int i, taken = 0;

	for (i = 1; i < argc; i++) {
		for (a = opts; a->name != NULL; a++)
			if (strcmp(argv[i], a->name) == 0 &&
			    (a->value == NULL || i + 1 < argc))
				break;
		if (a->name != NULL && a->value != NULL)
			*a->value = argv[++i];
		else if (a->name != NULL)
			*a->flag = 1;
		else if (argv[i][0] != '-' && taken < npos)
			*pos[taken++] = argv[i];
		else
			return i;
	}
	return 0;
}
