/* The CLI's WebSocket client for sluiced: connect, send a request and wait
 * for its reply, receive pushed events. Blocking calls around a private
 * libwebsockets loop; one client per process. Also the options every
 * networked command shares (--url, --token, --json). */
#ifndef SL_CLI_CLIENT_H
#define SL_CLI_CLIENT_H

#include <cjson/cJSON.h>

#include "common/err.h"

#define CLI_DEFAULT_URL "ws://127.0.0.1:8990/ws"

struct cli_opts {
	const char *url;   /* --url, SLUICE_URL, CLI_DEFAULT_URL */
	const char *token; /* --token, SLUICE_TOKEN, or NULL */
	int json;          /* --json: print replies as JSON */
};

/* Fill o from the environment, then take --url, --token and --json out of
 * argv (argv[0] is kept), compacting it and updating *argc. Returns 0, or
 * -1 after printing a message when a flag lacks its value. */
int cli_opts_take(int *argc, char **argv, struct cli_opts *o);

struct cli_client;

/* A pushed message ({"event": ...}); borrowed. Return non-zero to make
 * cli_client_wait() return. */
typedef int cli_event_cb(void *arg, const cJSON *event);

/* Connect (and authenticate when a token is given). NULL + err on
 * failure, with a one-line reason. */
struct cli_client *cli_client_connect(const struct cli_opts *o,
    struct sl_err *err);
void cli_client_free(struct cli_client *c);
void cli_client_on_event(struct cli_client *c, cli_event_cb *cb, void *arg);

/* Send req (taken; an "id" is added) and wait up to timeout_ms (0 = no
 * limit) for its reply, delivering pushed events meanwhile. Returns the
 * whole reply {"id", "result"|"error"} (the caller deletes it) or NULL +
 * err when the connection closed or the time ran out. */
cJSON *cli_client_call(struct cli_client *c, cJSON *req, int timeout_ms,
    struct sl_err *err);
/* Deliver pushed events until the callback asks to stop (returns 0), the
 * time runs out or the connection closes (-1 + err). */
int cli_client_wait(struct cli_client *c, int timeout_ms, struct sl_err *err);

/* An argument that is either literal text or @FILE: the text, which the
 * caller frees; NULL + err when the file cannot be read. */
char *cli_read_arg(const char *arg, struct sl_err *err);

/* Print the error of a reply ("sluice: Type: message") on stderr. */
void cli_print_error(const cJSON *reply);
/* Print a JSON value on stdout, indented, with a newline. */
void cli_print_json(const cJSON *v);



/* The common shape of a command: connect with o, send req (taken), wait
 * for the reply. Returns the reply's "result" detached (the caller
 * deletes it), or NULL after printing a one-line message, with *rc set to
 * the exit code (2 connection, 1 an error reply). *cp receives the client
 * for further use when cp is not NULL (else it is freed). */
cJSON *cli_request(const struct cli_opts *o, cJSON *req,
    struct cli_client **cp, int *rc);
/* Send req (taken) on an open client and wait for the reply: the detached
 * result, or NULL after printing the error, with *rc set (1 an error
 * reply, 2 the connection). */
cJSON *cli_call(struct cli_client *c, cJSON *req, int *rc);

/* A state machine's ARN from NAME or an ARN (looked up with
 * ListStateMachines): a new string, or NULL after printing why (*rc). */
char *cli_machine_arn(struct cli_client *c, const char *name_or_arn,
    int *rc);

/* Seconds since the epoch (an API date) as local "YYYY-MM-DD HH:MM:SS". */
const char *cli_date(double secs, char *buf, size_t len);

#endif
