/* sluice validate FILE.asl.json: check a definition offline (no daemon),
 * printing "valid" or one problem per line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/buf.h"
#include "orchestrator/validate.h"

int
cli_cmd_validate(int argc, char **argv)
{
	struct sl_asl_diags d = SL_ASL_DIAGS_INIT;
	struct sl_buf text;
	size_t i;
	int rc;

	if (argc != 2 || argv[1][0] == '\0' ||
	    (argv[1][0] == '-' && argv[1][1] != '\0')) {
		fprintf(stderr, "usage: sluice validate FILE.asl.json\n");
		return CLI_EXIT_USAGE;
	}
	sl_buf_init(&text);
	errno = 0;
	if (sl_buf_add_file(&text, argv[1]) < 0) {
		fprintf(stderr, "sluice validate: %s: %s\n", argv[1],
		    strerror(errno));
		sl_buf_release(&text);
		return CLI_EXIT_USAGE;
	}
	if (sl_asl_validate_text(text.data, text.len, &d) == 0) {
		printf("valid\n");
		rc = CLI_EXIT_OK;
	} else {
		for (i = 0; i < d.n; i++) {
			if (d.items[i].path[0] != '\0')
				fprintf(stderr, "%s: ", d.items[i].path);
			fprintf(stderr, "%s\n", d.items[i].message);
		}
		rc = CLI_EXIT_FAILED;
	}
	sl_asl_diags_release(&d);
	sl_buf_release(&text);
	return rc;
}
