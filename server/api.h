/* The API dispatcher: one transport-neutral request/reply engine for every
 * transport (the WebSocket one now, an AWS-compatible HTTP one later).
 *
 * A request is a JSON object {"id", "action", params...} with AWS parameter
 * names; its reply is {"id", "result": {...}} or
 * {"id", "error": {"type", "message"}} with AWS error type names. Replies may
 * come later than the request (Invoke, StartExecution with "wait") and in any
 * order. Pushed messages ({"event": ...}) go to subscribers.
 *
 * Connections are numbers chosen by the transport; the dispatcher never
 * holds a transport object. Everything here is for the loop's thread. */
#ifndef SL_API_H
#define SL_API_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "runtime/host.h"

struct sl_api;
struct sl_sfn;

/* How replies and pushed messages leave. Both are called from the loop,
 * possibly from inside sl_api_request(). */
struct sl_api_transport {
	/* Queue text (borrowed, len bytes, not NUL-terminated in general) for
	 * connection conn. An unknown conn (already closed) is ignored. */
	void (*send)(void *arg, uint64_t conn, const char *text, size_t len);
	/* Close conn after what is queued for it, with a WebSocket-style close
	 * code (1008 policy, 1009 too big) and a short reason. */
	void (*close)(void *arg, uint64_t conn, int code, const char *reason);
	void *arg;
};

/* The function host as the dispatcher sees it (runtime/host.h's calls),
 * so that tests can put a fake in its place. */
struct sl_api_functions {
	uint64_t (*invoke)(void *impl, const struct sl_invoke_request *req,
	    sl_invoke_cb *cb, void *arg);
	void (*cancel)(void *impl, uint64_t id);
	/* Returned text is the caller's (free(3)); see host.h. */
	char *(*list_json)(void *impl);
	char *(*get_json)(void *impl, const char *function,
	    struct sl_err *err);
	void *impl;
};

struct sl_api_config {
	const char *region;   /* NULL = us-east-1 */
	const char *account;  /* NULL = 000000000000 */
	/* Largest request in bytes (0 = 1 MiB); Invoke may use up to
	 * SL_INVOKE_SYNC_MAX of payload beyond it. */
	size_t max_message;
	/* When set, a connection opened unauthenticated must send
	 * {"action":"Authenticate","token":...} first. Borrowed. */
	const char *token;
	struct sl_api_transport transport;
	struct sl_api_functions functions; /* invoke NULL = no function host */
	/* The workflow service (server/sfn.h); NULL = no Step Functions
	 * actions (they reply ServiceException). Borrowed. */
	struct sl_sfn *sfn;
};

/* The config's strings are copied. Never fails (out of memory aborts). */
struct sl_api *sl_api_new(const struct sl_api_config *cfg);
/* Frees everything, including requests still waiting for a result: free
 * the function host (whose callbacks are then never called) first. */
void sl_api_free(struct sl_api *api);

/* Attach or detach (NULL) the workflow service. */
void sl_api_set_sfn(struct sl_api *api, struct sl_sfn *sfn);

/* A connection opened; authenticated says whether the transport already
 * checked the token (an Authorization header) or none is needed. */
void sl_api_conn_open(struct sl_api *api, uint64_t conn, int authenticated);
/* Whether conn may make requests (it authenticated, or needs not). */
int sl_api_conn_authenticated(struct sl_api *api, uint64_t conn);
/* A connection closed: its subscriptions go, and results still owed to it
 * are dropped when they arrive. */
void sl_api_conn_closed(struct sl_api *api, uint64_t conn);

/* Handle one complete request message (text, len bytes, borrowed). Replies
 * go through the transport, now or later. Returns 0, or -1 when the message
 * is over the size limit for its action: the caller closes with 1009. */
int sl_api_request(struct sl_api *api, uint64_t conn, const char *text,
    size_t len);
/* The hard cap a transport may enforce while receiving, before parsing. */
size_t sl_api_max_request(const struct sl_api *api);

/* A message for topic (a function's sl_publish or the Publish action):
 * pushed at once to every subscriber of the topic. message is JSON text or
 * any text (borrowed); source names the publisher (may be NULL). */
void sl_api_publish(struct sl_api *api, const char *topic,
    const char *message, const char *source);

/* A history event of an execution (JSON object text, borrowed), pushed in
 * order to the subscribers of the execution and of its state machine. */
void sl_api_execution_event(struct sl_api *api, const char *machine_arn,
    const char *execution_arn, const char *event_json);

/* Requests accepted whose reply is still owed (any connection). */
size_t sl_api_pending(const struct sl_api *api);

/* Base64 (RFC 4648, padded) of len bytes into a new string (free(3)). */
char *sl_api_base64(const void *data, size_t len);

#endif
