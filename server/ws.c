/* The WebSocket transport: libwebsockets context, connections by id,
 * message reassembly, bounded send queues, and the embedded sl_loop. */
#include "server/ws.h"

#include <errno.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "server/log.h"

#define WS_PROTOCOL "sluice.v1"
#define WS_BUCKETS 1024u
#define WS_QUEUE_DEFAULT (16u * 1024u * 1024u)

struct out_msg {
	struct out_msg *next;
	size_t len;
	unsigned char buf[]; /* LWS_PRE + len */
};

/* Per connection: lws allocates it (the pss) and frees it after CLOSED. */
struct ws_conn {
	uint64_t id;               /* 0 until ESTABLISHED */
	struct lws *wsi;
	struct ws_conn *hnext;     /* id map chain */
	struct sl_buf rx;          /* the message being reassembled */
	size_t rx_total;           /* bytes of it so far (binary too) */
	int rx_binary;
	struct out_msg *head, *tail;
	size_t q_bytes;
	int close_code;            /* close once the queue is sent */
	char close_reason[96];
	int dead;                  /* overflowed: sends are dropped */
	int auth_pending;          /* must authenticate before a deadline */
};

struct sl_ws {
	struct lws_context *ctx;
	struct lws_vhost *vh;
	struct sl_loop *loop;
	struct sl_api *api;
	struct lws *loop_wsi;
	lws_sorted_usec_list_t loop_sul;
	struct ws_conn **conns;    /* WS_BUCKETS chains */
	size_t nconns;
	uint64_t next_id;
	size_t max_request;
	size_t queue_max;
	unsigned auth_timeout_s;
	char *token;
	char *web_dir;
	struct lws_http_mount mount;
	int port;
	int stopping;
};

static struct sl_ws *
ws_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

static struct ws_conn *
conn_find(struct sl_ws *ws, uint64_t id)
{
	struct ws_conn *c;

	for (c = ws->conns[id % WS_BUCKETS]; c != NULL; c = c->hnext)
		if (c->id == id)
			return c;
	return NULL;
}

static void
conn_unlink(struct sl_ws *ws, struct ws_conn *c)
{
	struct ws_conn **pc;

	for (pc = &ws->conns[c->id % WS_BUCKETS]; *pc != NULL;
	    pc = &(*pc)->hnext)
		if (*pc == c) {
			*pc = c->hnext;
			ws->nconns--;
			return;
		}
}

static void
queue_clear(struct ws_conn *c)
{
	struct out_msg *m, *next;

	for (m = c->head; m != NULL; m = next) {
		next = m->next;
		free(m);
	}
	c->head = c->tail = NULL;
	c->q_bytes = 0;
}

/* --- the transport the dispatcher sends through --------------------------- */

static void
ws_send(void *arg, uint64_t conn, const char *text, size_t len)
{
	struct sl_ws *ws = arg;
	struct ws_conn *c = conn_find(ws, conn);
	struct out_msg *m;

	if (c == NULL || c->dead || c->close_code != 0)
		return;
	if (c->head != NULL && c->q_bytes + len > ws->queue_max) {
		/* A client that does not read: drop what it has not taken,
		 * tell it why in the close frame, and cut it off if even that
		 * cannot be written soon. Others are not affected. */
		sl_slog(SL_SLOG_WARN, "slow_client",
		    "conn=%llu queued_bytes=%zu limit=%zu",
		    (unsigned long long)conn, c->q_bytes, ws->queue_max);
		queue_clear(c);
		c->dead = 1;
		c->close_code = LWS_CLOSE_STATUS_POLICY_VIOLATION;
		snprintf(c->close_reason, sizeof(c->close_reason),
		    "send queue over %zu bytes: client too slow",
		    ws->queue_max);
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, 2);
		lws_callback_on_writable(c->wsi);
		return;
	}
	m = xmalloc(sizeof(*m) + LWS_PRE + len);
	m->next = NULL;
	m->len = len;
	memcpy(m->buf + LWS_PRE, text, len);
	if (c->tail != NULL)
		c->tail->next = m;
	else
		c->head = m;
	c->tail = m;
	c->q_bytes += len;
	lws_callback_on_writable(c->wsi);
}

static void
ws_close(void *arg, uint64_t conn, int code, const char *reason)
{
	struct sl_ws *ws = arg;
	struct ws_conn *c = conn_find(ws, conn);

	if (c == NULL || c->close_code != 0)
		return;
	c->close_code = code;
	snprintf(c->close_reason, sizeof(c->close_reason), "%s", reason);
	lws_callback_on_writable(c->wsi);
}

struct sl_api_transport
sl_ws_transport(struct sl_ws *ws)
{
	struct sl_api_transport t = { .send = ws_send, .close = ws_close,
		.arg = ws };

	return t;
}

void
sl_ws_set_api(struct sl_ws *ws, struct sl_api *api)
{
	ws->api = api;
}

/* --- the API protocol ----------------------------------------------------- */

/* "Bearer TOKEN" in the Authorization header: 1 matches, 0 absent,
 * -1 present and wrong. */
static int
header_auth(struct sl_ws *ws, struct lws *wsi)
{
	char h[512];
	int n;

	n = lws_hdr_copy(wsi, h, sizeof(h), WSI_TOKEN_HTTP_AUTHORIZATION);
	if (n <= 0)
		return 0;
	if (ws->token == NULL)
		return 1;
	if (strncmp(h, "Bearer ", 7) != 0 || strcmp(h + 7, ws->token) != 0)
		return -1;
	return 1;
}

static void
conn_established(struct sl_ws *ws, struct ws_conn *c, struct lws *wsi)
{
	char peer[64] = "";

	memset(c, 0, sizeof(*c));
	c->id = ++ws->next_id;
	c->wsi = wsi;
	sl_buf_init(&c->rx);
	c->hnext = ws->conns[c->id % WS_BUCKETS];
	ws->conns[c->id % WS_BUCKETS] = c;
	ws->nconns++;
	if (sl_slog_enabled(SL_SLOG_DEBUG))
		lws_get_peer_simple(wsi, peer, sizeof(peer));
	sl_slog(SL_SLOG_DEBUG, "connect", "conn=%llu peer=%s conns=%zu",
	    (unsigned long long)c->id, peer, ws->nconns);
	sl_api_conn_open(ws->api, c->id, header_auth(ws, wsi) == 1);
	if (!sl_api_conn_authenticated(ws->api, c->id)) {
		/* Not let in yet: it has a while to authenticate. */
		c->auth_pending = 1;
		lws_set_timer_usecs(wsi,
		    (lws_usec_t)ws->auth_timeout_s * LWS_US_PER_SEC);
	}
}

static int
conn_receive(struct sl_ws *ws, struct ws_conn *c, struct lws *wsi,
    const void *in, size_t len)
{
	static const char binary_reply[] = "{\"id\":null,\"error\":{\"type\":"
	    "\"ValidationException\",\"message\":\"binary frames are not "
	    "accepted: send each request as one JSON text message\"}}";

	if (lws_is_first_fragment(wsi)) {
		sl_buf_reset(&c->rx);
		c->rx_total = 0;
		c->rx_binary = lws_frame_is_binary(wsi);
	}
	c->rx_total += len;
	if (c->rx_total > ws->max_request) {
		sl_slog(SL_SLOG_WARN, "message_too_big",
		    "conn=%llu bytes=%zu limit=%zu",
		    (unsigned long long)c->id, c->rx_total, ws->max_request);
		lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
		    (unsigned char *)"message too big", 15);
		return -1;
	}
	if (!c->rx_binary)
		sl_buf_add(&c->rx, in, len);
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	if (c->close_code != 0)
		; /* closing: what it still sends is not answered */
	else if (c->rx_binary)
		ws_send(ws, c->id, binary_reply, sizeof(binary_reply) - 1);
	else if (sl_api_request(ws->api, c->id, c->rx.data, c->rx.len) < 0) {
		sl_slog(SL_SLOG_WARN, "message_too_big",
		    "conn=%llu bytes=%zu", (unsigned long long)c->id,
		    c->rx.len);
		lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
		    (unsigned char *)"message too big for its action", 30);
		return -1;
	}
	if (c->auth_pending && sl_api_conn_authenticated(ws->api, c->id)) {
		c->auth_pending = 0;
		lws_set_timer_usecs(wsi, LWS_SET_TIMER_USEC_CANCEL);
	}
	/* Keep a small buffer for the next message, not a big one. */
	sl_buf_reset_max(&c->rx, 64 * 1024);
	c->rx_total = 0;
	return 0;
}

/* How much one WRITEABLE callback may send: enough that a busy
 * subscriber keeps up with many messages per service pass, little enough
 * that one connection cannot hold the loop. */
#define WRITE_BURST_MSGS 64
#define WRITE_BURST_BYTES (256u * 1024u)

/* Send queued messages while the socket takes them. lws allows one
 * lws_write per WRITEABLE unless lws_send_pipe_choked() says, between
 * writes, that nothing is buffered and the socket is writable; a send the
 * kernel takes only in part is buffered by lws, which then reports the
 * pipe choked, so the loop stops there and WRITEABLE comes back once the
 * tail is out. Without this a connection got one message per pass, and a
 * subscriber to a busy topic fell behind by hundreds. */
static int
conn_writeable(struct ws_conn *c, struct lws *wsi)
{
	struct out_msg *m = c->head;
	size_t sent = 0, bytes = 0;

	if (m == NULL) {
		if (c->close_code != 0) {
			lws_close_reason(wsi,
			    (enum lws_close_status)c->close_code,
			    (unsigned char *)c->close_reason,
			    strlen(c->close_reason));
			return -1;
		}
		return 0; /* spurious WRITEABLE */
	}
	do {
		if (lws_write(wsi, m->buf + LWS_PRE, m->len,
		    LWS_WRITE_TEXT) < (int)m->len)
			return -1;
		c->head = m->next;
		if (c->head == NULL)
			c->tail = NULL;
		c->q_bytes -= m->len;
		bytes += m->len;
		free(m);
		m = c->head;
	} while (m != NULL && ++sent < WRITE_BURST_MSGS &&
	    bytes < WRITE_BURST_BYTES && !lws_send_pipe_choked(wsi));
	if (c->head != NULL || c->close_code != 0)
		lws_callback_on_writable(wsi);
	return 0;
}

static void
conn_closed(struct sl_ws *ws, struct ws_conn *c)
{
	if (c->id == 0)
		return; /* never established */
	sl_slog(SL_SLOG_DEBUG, "disconnect", "conn=%llu conns=%zu",
	    (unsigned long long)c->id, ws->nconns - 1);
	conn_unlink(ws, c);
	if (ws->api != NULL)
		sl_api_conn_closed(ws->api, c->id);
	queue_clear(c);
	sl_buf_release(&c->rx);
	c->id = 0;
}

static int
api_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct sl_ws *ws = ws_of(wsi);
	struct ws_conn *c = user;
	char uri[64];

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		if (ws->stopping)
			return -1;
		if (lws_hdr_copy(wsi, uri, sizeof(uri),
		    WSI_TOKEN_GET_URI) <= 0 ||
		    (strcmp(uri, "/ws") != 0 && strcmp(uri, "/ws/") != 0)) {
			sl_slog(SL_SLOG_INFO, "reject", "reason=path");
			return -1;
		}
		if (header_auth(ws, wsi) < 0) {
			sl_slog(SL_SLOG_WARN, "reject", "reason=bad_token");
			return -1;
		}
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		conn_established(ws, c, wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (c->id == 0)
			return -1;
		return conn_receive(ws, c, wsi, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (c->id == 0)
			return -1;
		return conn_writeable(c, wsi);
	case LWS_CALLBACK_TIMER:
		if (c->id != 0 && c->auth_pending) {
			sl_slog(SL_SLOG_INFO, "auth_timeout", "conn=%llu",
			    (unsigned long long)c->id);
			ws_close(ws, c->id, LWS_CLOSE_STATUS_POLICY_VIOLATION,
			    "authentication timed out");
			lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, 2);
		}
		return 0;
	case LWS_CALLBACK_CLOSED:
		conn_closed(ws, c);
		return 0;
	default:
		return 0;
	}
}

/* --- the embedded sl_loop ------------------------------------------------- */

static void loop_rearm(struct sl_ws *ws);

/* The embedded loop's timers fire here, inside lws_service(), which may
 * poll afterwards. What they did may be finished by the owner only once
 * lws_service() returns (sluiced's group commit, and the replies waiting
 * on it), so when anything ran, the poll must not sleep: an execution
 * that ended in such a timer was otherwise answered only when some other
 * event came, up to lws's 30 s limit. lws_cancel_service() wakes it. */
static void
loop_timer_cb(lws_sorted_usec_list_t *sul)
{
	struct sl_ws *ws = lws_container_of(sul, struct sl_ws, loop_sul);
	int ran = sl_loop_dispatch(ws->loop);

	loop_rearm(ws);
	if (ran > 0)
		lws_cancel_service(ws->ctx);
}

static void
loop_rearm(struct sl_ws *ws)
{
	uint64_t next = sl_loop_next_timeout_us(ws->loop);

	if (next == UINT64_MAX) {
		lws_sul_cancel(&ws->loop_sul);
		return;
	}
	lws_sul_schedule(ws->ctx, 0, &ws->loop_sul, loop_timer_cb,
	    (lws_usec_t)next);
}

static int
loop_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct sl_ws *ws = ws_of(wsi);

	(void)user;
	(void)in;
	(void)len;
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		if (sl_loop_dispatch(ws->loop) < 0)
			sl_slog(SL_SLOG_ERROR, "loop_dispatch", "errno=%d",
			    errno);
		loop_rearm(ws);
		return 0;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		if (ws->loop_wsi == wsi)
			ws->loop_wsi = NULL;
		return 0;
	default:
		return 0;
	}
}

/* --- lws's own log lines, as ours ----------------------------------------- */

static void
lws_log_emit(int level, const char *line)
{
	char q[600];
	char tmp[600];
	size_t n;

	snprintf(tmp, sizeof(tmp), "%s", line);
	n = strlen(tmp);
	while (n > 0 && (tmp[n - 1] == '\n' || tmp[n - 1] == ' '))
		tmp[--n] = '\0';
	sl_slog(level == LLL_ERR ? SL_SLOG_ERROR : level == LLL_WARN ?
	    SL_SLOG_WARN : SL_SLOG_DEBUG, "lws", "msg=%s",
	    sl_slog_quote(tmp, q, sizeof(q)));
}

/* --- context -------------------------------------------------------------- */

/* protocols[0]: plain HTTP (the console's files) and new connections. */
static int
http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	if (reason == LWS_CALLBACK_FILTER_NETWORK_CONNECTION &&
	    ws_of(wsi)->stopping)
		return -1; /* shutting down: accept nothing new */
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols ws_protocols[] = {
	{ .name = "http", .callback = http_callback },
	{ .name = WS_PROTOCOL, .callback = api_callback,
	  .per_session_data_size = sizeof(struct ws_conn),
	  .rx_buffer_size = 65536 },
	{ .name = "sl-loop", .callback = loop_callback },
	{ .name = NULL },
};

struct sl_ws *
sl_ws_new(const struct sl_ws_config *cfg, struct sl_err *err)
{
	struct lws_context_creation_info info;
	struct sl_ws *ws = xcalloc(1, sizeof(*ws));
	lws_adopt_desc_t ad;
	int fd = -1;

	ws->loop = cfg->loop;
	ws->conns = xcalloc(WS_BUCKETS, sizeof(*ws->conns));
	ws->max_request = cfg->max_request;
	ws->queue_max = cfg->queue_max_bytes ? cfg->queue_max_bytes :
	    WS_QUEUE_DEFAULT;
	ws->token = cfg->token && *cfg->token ? xstrdup(cfg->token) : NULL;
	ws->auth_timeout_s = cfg->auth_timeout_s ? cfg->auth_timeout_s : 10;
	lws_set_log_level(LLL_ERR | LLL_WARN | (sl_slog_enabled(SL_SLOG_DEBUG) ?
	    LLL_NOTICE : 0), lws_log_emit);

	memset(&info, 0, sizeof(info));
	info.port = cfg->port;
	info.iface = cfg->bind ? cfg->bind : "127.0.0.1";
	info.protocols = ws_protocols;
	info.vhost_name = "localhost";
	info.user = ws;
	info.options =
	    LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE;
	if (cfg->web_dir != NULL) {
		ws->web_dir = xstrdup(cfg->web_dir);
		ws->mount = (struct lws_http_mount){
			.mountpoint = "/",
			.mountpoint_len = 1,
			.origin = ws->web_dir,
			.def = "index.html",
			.origin_protocol = LWSMPRO_FILE,
		};
		info.mounts = &ws->mount;
	}
	ws->ctx = lws_create_context(&info);
	if (ws->ctx == NULL) {
		sl_err_set(err, "ServiceException",
		    "cannot listen on %s port %d", info.iface, cfg->port);
		goto fail;
	}
	ws->vh = lws_get_vhost_by_name(ws->ctx, "localhost");
	ws->port = ws->vh ? lws_get_vhost_listen_port(ws->vh) : cfg->port;

	/* The loop's epoll fd, duplicated: lws owns and closes the copy. */
	fd = dup(sl_loop_fd(cfg->loop));
	if (fd < 0) {
		sl_err_set(err, "ServiceException", "dup: %s",
		    strerror(errno));
		goto fail;
	}
	memset(&ad, 0, sizeof(ad));
	ad.vh = ws->vh;
	ad.type = LWS_ADOPT_RAW_FILE_DESC;
	ad.fd.filefd = fd;
	ad.vh_prot_name = "sl-loop";
	ws->loop_wsi = lws_adopt_descriptor_vhost_via_info(&ad);
	if (ws->loop_wsi == NULL) {
		close(fd);
		sl_err_set(err, "ServiceException",
		    "cannot add the event loop to libwebsockets");
		goto fail;
	}
	return ws;
fail:
	sl_ws_free(ws);
	return NULL;
}

void
sl_ws_free(struct sl_ws *ws)
{
	if (ws == NULL)
		return;
	if (ws->ctx != NULL) {
		lws_sul_cancel(&ws->loop_sul);
		/* Connections close now; the dispatcher hears of each. */
		lws_context_destroy(ws->ctx);
	}
	free(ws->conns);
	free(ws->token);
	free(ws->web_dir);
	free(ws);
}

int
sl_ws_port(const struct sl_ws *ws)
{
	return ws->port;
}

int
sl_ws_service(struct sl_ws *ws)
{
	int rc;

	/* Anything run since the last turn may have started a timer. */
	loop_rearm(ws);
	rc = lws_service(ws->ctx, 0);
	/* What the pass made due runs before the next sleep: the store's
	 * group commit (a 0-delay timer) of what lws's callbacks wrote, so
	 * their replies leave in this turn. */
	if (sl_loop_dispatch(ws->loop) < 0)
		sl_slog(SL_SLOG_ERROR, "loop_dispatch", "errno=%d", errno);
	return rc < 0 ? -1 : 0;
}

void
sl_ws_stop_accepting(struct sl_ws *ws)
{
	ws->stopping = 1;
}

size_t
sl_ws_conn_count(const struct sl_ws *ws)
{
	return ws->nconns;
}

void
sl_ws_close_all(struct sl_ws *ws, int code, const char *reason)
{
	struct ws_conn *c;
	size_t i;

	for (i = 0; i < WS_BUCKETS; i++)
		for (c = ws->conns[i]; c != NULL; c = c->hnext)
			ws_close(ws, c->id, code, reason);
}

size_t
sl_ws_queued(const struct sl_ws *ws)
{
	const struct ws_conn *c;
	size_t i, n = 0;

	for (i = 0; i < WS_BUCKETS; i++)
		for (c = ws->conns[i]; c != NULL; c = c->hnext)
			n += c->q_bytes;
	return n;
}

void
sl_ws_wake(struct sl_ws *ws)
{
	lws_cancel_service(ws->ctx);
}
