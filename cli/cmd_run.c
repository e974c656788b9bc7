/* sluice run: invoke one handler .so offline, in the same sandbox the
 * daemon uses, with no daemon. */
#include "cli/cli.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/loop.h"
#include "runtime/host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct run_state {
	int done;
	int code;
};

static void
run_done(void *arg, const struct sl_invoke_result *r)
{
	struct run_state *st = arg;

	st->done = 1;
	if (r->status == 200 && r->function_error == NULL) {
		fwrite(r->payload, 1, r->payload_len, stdout);
		fputc('\n', stdout);
		st->code = CLI_EXIT_OK;
	} else if (r->status == 200) {
		fwrite(r->payload, 1, r->payload_len, stderr);
		fputc('\n', stderr);
		st->code = CLI_EXIT_FAILED;
	} else {
		fprintf(stderr, "{\"errorType\":\"%s\",\"errorMessage\":",
		    r->error_type ? r->error_type : "ServiceException");
		/* The refusal body's message is plain text: quote it. */
		fputc('"', stderr);
		for (const char *p = r->error_message ? r->error_message : "";
		     *p; p++) {
			if (*p == '"' || *p == '\\')
				fputc('\\', stderr);
			if ((unsigned char)*p >= 0x20)
				fputc(*p, stderr);
		}
		fputs("\"}\n", stderr);
		st->code = r->status == 429 || r->status >= 500
		               ? CLI_EXIT_FAILED
		               : CLI_EXIT_USAGE;
	}
	if (r->log_tail != NULL && getenv("SLUICE_RUN_LOG") != NULL)
		fprintf(stderr, "%s", r->log_tail);
}

static int
read_payload(const char *arg, struct sl_buf *out)
{
	FILE *f;
	char chunk[65536];
	size_t n;

	if (arg[0] != '@') {
		sl_buf_addstr(out, arg);
		return 0;
	}
	f = strcmp(arg + 1, "-") == 0 ? stdin : fopen(arg + 1, "re");
	if (f == NULL) {
		fprintf(
		    stderr, "sluice run: %s: %s\n", arg + 1, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sl_buf_add(out, chunk, n);
	if (f != stdin)
		fclose(f);
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: sluice run path/to/fn.so [--payload JSON|@file]"
	                " [--timeout S] [--memory MB]\n");
	return CLI_EXIT_USAGE;
}

int
cmd_run(int argc, char **argv)
{
	struct sl_host_config cfg;
	struct sl_invoke_request req;
	struct sl_err err = SL_ERR_INIT;
	struct sl_buf payload = SL_BUF_INIT;
	struct run_state st = {0, CLI_EXIT_FAILED};
	struct sl_loop *loop = NULL;
	struct sl_host *host = NULL;
	const char *so = NULL;
	char *dir = NULL, *slash;
	int i, code = CLI_EXIT_USAGE;

	memset(&cfg, 0, sizeof(cfg));
	sl_buf_init(&payload);
	for (i = 1; i < argc; i++) {
		char *end;

		if (strcmp(argv[i], "--payload") == 0 && i + 1 < argc) {
			sl_buf_reset(&payload);
			if (read_payload(argv[++i], &payload) < 0)
				goto out;
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			cfg.timeout_override = strtod(argv[++i], &end);
			if (*end != '\0' || !(cfg.timeout_override > 0) ||
			    cfg.timeout_override > 900) {
				fprintf(stderr, "sluice run: --timeout takes "
				                "seconds from 1 to 900\n");
				goto out;
			}
		} else if (strcmp(argv[i], "--memory") == 0 && i + 1 < argc) {
			long m = strtol(argv[++i], &end, 10);

			if (*end != '\0' || m < 16 || m > 10240) {
				fprintf(stderr, "sluice run: --memory takes MB "
				                "from 16 to 10240\n");
				goto out;
			}
			cfg.memory_override = (unsigned)m;
		} else if (argv[i][0] == '-' || so != NULL) {
			code = usage();
			goto out;
		} else {
			so = argv[i];
		}
	}
	if (so == NULL) {
		code = usage();
		goto out;
	}
	dir = strdup(so);
	slash = strrchr(dir, '/');
	if (slash == NULL) {
		free(dir);
		dir = strdup(".");
	} else if (slash == dir) {
		slash[1] = '\0';
	} else {
		*slash = '\0';
	}
	cfg.functions_dir = dir;
	cfg.single_so = so;
	cfg.data_dir = getenv("SLUICE_DATA_DIR");
	cfg.max_workers = 1;
	loop = sl_loop_new();
	if (loop == NULL) {
		fprintf(stderr, "sluice run: cannot create an event loop\n");
		goto out;
	}
	host = sl_host_new(loop, &cfg, &err);
	if (host == NULL) {
		fprintf(stderr,
		    "{\"errorType\":\"%s\",\"errorMessage\":\"%s\"}"
		    "\n",
		    err.type, err.msg);
		code = strcmp(err.type, "ServiceException") == 0
		           ? CLI_EXIT_FAILED
		           : CLI_EXIT_USAGE;
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.function = strrchr(so, '/') ? strrchr(so, '/') + 1 : so;
	{
		/* The function's name is the file's name without ".so". */
		static char name[128];
		size_t n = strlen(req.function);

		if (n > 3 && strcmp(req.function + n - 3, ".so") == 0)
			n -= 3;
		snprintf(name, sizeof(name), "%.*s", (int)n, req.function);
		req.function = name;
	}
	if (payload.len > 0) {
		req.payload = payload.data;
		req.payload_len = payload.len;
	}
	req.type = SL_INVOKE_REQUEST_RESPONSE;
	req.want_log_tail = 1;
	sl_host_invoke(host, &req, run_done, &st);
	while (!st.done)
		if (sl_loop_run_once(loop, UINT64_MAX) < 0)
			break;
	code = st.done ? st.code : CLI_EXIT_FAILED;
out:
	sl_host_free(host);
	sl_loop_free(loop);
	sl_buf_release(&payload);
	free(dir);
	return code;
}
