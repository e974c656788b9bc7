/* The WebSocket transport of sluiced: one libwebsockets context serving
 * the API at /ws (subprotocol sluice.v1), the static console files, and the
 * embedded sl_loop (runtime/ and orchestrator/ run on it without seeing
 * libwebsockets). Requests go to the dispatcher (server/api.h).
 *
 * For the loop's thread only, except sl_ws_wake(). */
#ifndef SL_WS_H
#define SL_WS_H

#include <stddef.h>

#include "common/err.h"
#include "common/loop.h"
#include "server/api.h"

struct sl_ws;

struct sl_ws_config {
	const char *bind;        /* listen address; NULL = 127.0.0.1 */
	int port;                /* 0 = the kernel picks (see sl_ws_port) */
	const char *web_dir;     /* absolute; index.html must exist; or NULL */
	const char *token;       /* accepted "Authorization: Bearer" value */
	size_t max_request;      /* cap on one incoming message (close 1009) */
	size_t queue_max_bytes;  /* per-client send queue; 0 = 16 MiB */
	/* With a token: seconds a connection may stay without
	 * authenticating; 0 = 10. */
	unsigned auth_timeout_s;
	struct sl_loop *loop;    /* embedded into the lws loop; borrowed */
};

/* Create the context and listen. NULL + err on failure. */
struct sl_ws *sl_ws_new(const struct sl_ws_config *cfg, struct sl_err *err);
void sl_ws_free(struct sl_ws *ws);

/* What the dispatcher sends through (its arg is ws). */
struct sl_api_transport sl_ws_transport(struct sl_ws *ws);
/* Requests go to api from now on (borrowed; must outlive ws's use). */
void sl_ws_set_api(struct sl_ws *ws, struct sl_api *api);

int sl_ws_port(const struct sl_ws *ws);
/* One turn of the loop: sockets, the embedded sl_loop, timers. Returns -1
 * when libwebsockets failed. */
int sl_ws_service(struct sl_ws *ws);
/* Refuse new connections from now on (shutdown). */
void sl_ws_stop_accepting(struct sl_ws *ws);
/* Open API connections. */
size_t sl_ws_conn_count(const struct sl_ws *ws);
/* Close every connection after what is queued for it, with code (1001:
 * going away) and reason. */
void sl_ws_close_all(struct sl_ws *ws, int code, const char *reason);
/* Bytes queued for clients and not yet written. */
size_t sl_ws_queued(const struct sl_ws *ws);
/* Make a sl_ws_service() that is waiting return; async-signal-safe. */
void sl_ws_wake(struct sl_ws *ws);

#endif
