/* The CLI's WebSocket client (see client.h): a private lws context, one
 * connection, a send queue, message reassembly, and blocking waits. */
#include "cli/client.h"

#include <errno.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/xmalloc.h"

struct out_msg {
	struct out_msg *next;
	size_t len;
	unsigned char buf[];
};

struct cli_client {
	struct lws_context *ctx;
	struct lws *wsi;
	char *token;
	int established;
	int closed;
	char close_msg[256];
	struct out_msg *head, *tail;
	struct sl_buf rx;
	long next_id;
	long want_id;     /* the reply being waited for */
	cJSON *reply;     /* it, once here */
	int stop;         /* the event callback asked to stop */
	int timed_out;
	lws_sorted_usec_list_t sul_timeout;
	cli_event_cb *event_cb;
	void *event_arg;
};

static const char *
env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : def;
}

int
cli_opts_take(int *argc, char **argv, struct cli_opts *o)
{
	int i, j = 1;

	o->url = env_or("SLUICE_URL", CLI_DEFAULT_URL);
	o->token = env_or("SLUICE_TOKEN", NULL);
	o->json = 0;
	for (i = 1; i < *argc; i++) {
		const char **dst = NULL;

		if (strcmp(argv[i], "--json") == 0) {
			o->json = 1;
			continue;
		}
		if (strcmp(argv[i], "--url") == 0)
			dst = &o->url;
		else if (strcmp(argv[i], "--token") == 0)
			dst = &o->token;
		if (dst == NULL) {
			argv[j++] = argv[i];
			continue;
		}
		if (i + 1 >= *argc) {
			fprintf(stderr, "sluice: %s needs a value\n", argv[i]);
			return -1;
		}
		*dst = argv[++i];
	}
	argv[j] = NULL;
	*argc = j;
	return 0;
}

static void
queue_send(struct cli_client *c, const char *text, size_t len)
{
	struct out_msg *m = xmalloc(sizeof(*m) + LWS_PRE + len);

	m->next = NULL;
	m->len = len;
	memcpy(m->buf + LWS_PRE, text, len);
	if (c->tail != NULL)
		c->tail->next = m;
	else
		c->head = m;
	c->tail = m;
	if (c->wsi != NULL && c->established)
		lws_callback_on_writable(c->wsi);
}

static void
got_message(struct cli_client *c)
{
	cJSON *msg = cJSON_ParseWithLength(c->rx.data, c->rx.len);
	const cJSON *id, *ev;

	if (msg == NULL)
		return;
	id = cJSON_GetObjectItemCaseSensitive(msg, "id");
	ev = cJSON_GetObjectItemCaseSensitive(msg, "event");
	if (ev != NULL) {
		if (c->event_cb != NULL && c->event_cb(c->event_arg, msg) == 0)
			c->stop = 1;
	} else if (c->reply == NULL && cJSON_IsNumber(id) &&
	    (long)id->valuedouble == c->want_id) {
		c->reply = msg;
		return;
	} else if (c->reply == NULL && cJSON_IsNull(id) && c->want_id != 0) {
		/* The server could not read the request at all. */
		c->reply = msg;
		return;
	}
	cJSON_Delete(msg);
}

static int
client_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct cli_client *c = lws_context_user(lws_get_context(wsi));
	unsigned char **p, *end;
	struct out_msg *m;
	char h[600];

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		if (c->token == NULL)
			break;
		p = (unsigned char **)in;
		end = (*p) + len;
		snprintf(h, sizeof(h), "Bearer %s", c->token);
		if (lws_add_http_header_by_token(wsi,
		    WSI_TOKEN_HTTP_AUTHORIZATION, (unsigned char *)h,
		    (int)strlen(h), p, end))
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->established = 1;
		if (c->head != NULL)
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		snprintf(c->close_msg, sizeof(c->close_msg),
		    "cannot connect: %s", in ? (const char *)in : "error");
		c->closed = 1;
		c->wsi = NULL;
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2) {
			const unsigned char *b = in;

			snprintf(c->close_msg, sizeof(c->close_msg),
			    "server closed the connection: %d %.*s",
			    b[0] << 8 | b[1], (int)(len - 2),
			    (const char *)b + 2);
		}
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (c->close_msg[0] == '\0')
			snprintf(c->close_msg, sizeof(c->close_msg),
			    "the server closed the connection");
		c->closed = 1;
		c->wsi = NULL;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (lws_is_first_fragment(wsi))
			sl_buf_reset(&c->rx);
		sl_buf_add(&c->rx, in, len);
		if (lws_is_final_fragment(wsi) &&
		    !lws_remaining_packet_payload(wsi)) {
			got_message(c);
			sl_buf_reset(&c->rx);
		}
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if ((m = c->head) == NULL)
			break;
		if (lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) <
		    (int)m->len)
			return -1;
		c->head = m->next;
		if (c->head == NULL)
			c->tail = NULL;
		free(m);
		if (c->head != NULL)
			lws_callback_on_writable(wsi);
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols cli_protocols[] = {
	{ .name = "sluice.v1", .callback = client_callback,
	  .rx_buffer_size = 65536 },
	{ .name = NULL },
};

static void
timeout_cb(lws_sorted_usec_list_t *sul)
{
	struct cli_client *c = lws_container_of(sul, struct cli_client,
	    sul_timeout);

	c->timed_out = 1;
}

/* Serve until done(c) or closed or timeout; 0, or -1 + err. */
static int
run_until(struct cli_client *c, int (*done)(struct cli_client *),
    int timeout_ms, struct sl_err *err)
{
	c->timed_out = 0;
	if (timeout_ms > 0)
		lws_sul_schedule(c->ctx, 0, &c->sul_timeout, timeout_cb,
		    (lws_usec_t)timeout_ms * LWS_US_PER_MS);
	while (!done(c) && !c->closed && !c->timed_out)
		if (lws_service(c->ctx, 0) < 0)
			break;
	lws_sul_cancel(&c->sul_timeout);
	if (done(c))
		return 0;
	if (c->timed_out)
		return sl_err_set(err, "Timeout",
		    "no answer from the server within %d ms", timeout_ms);
	return sl_err_set(err, "ConnectionError", "%s",
	    c->close_msg[0] ? c->close_msg : "connection lost");
}

static int
is_established(struct cli_client *c)
{
	return c->established;
}

static int
has_reply(struct cli_client *c)
{
	return c->reply != NULL;
}

static int
is_stopped(struct cli_client *c)
{
	return c->stop;
}

struct cli_client *
cli_client_connect(const struct cli_opts *o, struct sl_err *err)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	struct cli_client *c = xcalloc(1, sizeof(*c));
	const char *prot, *addr, *path;
	char *url = xstrdup(o->url), *fullpath = NULL;
	int port;

	sl_buf_init(&c->rx);
	c->token = o->token ? xstrdup(o->token) : NULL;
	if (lws_parse_uri(url, &prot, &addr, &port, &path) != 0 ||
	    (strcmp(prot, "ws") != 0 && strcmp(prot, "http") != 0)) {
		sl_err_set(err, "UsageError", "bad --url '%s' (want "
		    "ws://HOST:PORT/ws)", o->url);
		goto fail;
	}
	if (strcmp(prot, "http") == 0 && port == 443)
		port = 80;
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = cli_protocols;
	info.user = c;
	c->ctx = lws_create_context(&info);
	if (c->ctx == NULL) {
		sl_err_set(err, "ConnectionError", "cannot create a context");
		goto fail;
	}
	fullpath = xasprintf("/%s", path);
	memset(&ci, 0, sizeof(ci));
	ci.context = c->ctx;
	ci.address = addr;
	ci.port = port;
	ci.path = fullpath;
	ci.host = addr;
	ci.origin = addr;
	ci.protocol = "sluice.v1";
	ci.local_protocol_name = "sluice.v1";
	ci.pwsi = &c->wsi;
	if (lws_client_connect_via_info(&ci) == NULL && c->wsi == NULL &&
	    !c->closed) {
		sl_err_set(err, "ConnectionError", "cannot connect to %s",
		    o->url);
		goto fail;
	}
	if (run_until(c, is_established, 10000, err) < 0) {
		err->type[0] = '\0';
		snprintf(err->type, sizeof(err->type), "ConnectionError");
		goto fail;
	}
	free(fullpath);
	free(url);
	return c;
fail:
	free(fullpath);
	free(url);
	cli_client_free(c);
	return NULL;
}

void
cli_client_free(struct cli_client *c)
{
	struct out_msg *m, *next;

	if (c == NULL)
		return;
	if (c->ctx != NULL)
		lws_context_destroy(c->ctx);
	for (m = c->head; m != NULL; m = next) {
		next = m->next;
		free(m);
	}
	cJSON_Delete(c->reply);
	sl_buf_release(&c->rx);
	free(c->token);
	free(c);
}

void
cli_client_on_event(struct cli_client *c, cli_event_cb *cb, void *arg)
{
	c->event_cb = cb;
	c->event_arg = arg;
}

cJSON *
cli_client_call(struct cli_client *c, cJSON *req, int timeout_ms,
    struct sl_err *err)
{
	cJSON *reply;
	char *text;

	c->want_id = ++c->next_id;
	cJSON_DeleteItemFromObjectCaseSensitive(req, "id");
	cJSON_AddNumberToObject(req, "id", (double)c->want_id);
	text = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	queue_send(c, text, strlen(text));
	cJSON_free(text);
	if (run_until(c, has_reply, timeout_ms, err) < 0) {
		c->want_id = 0;
		return NULL;
	}
	reply = c->reply;
	c->reply = NULL;
	c->want_id = 0;
	return reply;
}

int
cli_client_wait(struct cli_client *c, int timeout_ms, struct sl_err *err)
{
	c->stop = 0;
	return run_until(c, is_stopped, timeout_ms, err);
}

char *
cli_read_arg(const char *arg, struct sl_err *err)
{
	struct sl_buf b = SL_BUF_INIT;
	char chunk[65536];
	size_t n;
	FILE *f;

	if (arg[0] != '@')
		return xstrdup(arg);
	f = strcmp(arg + 1, "-") == 0 ? stdin : fopen(arg + 1, "r");
	if (f == NULL) {
		sl_err_set(err, "UsageError", "cannot read %s: %s", arg + 1,
		    strerror(errno));
		return NULL;
	}
	sl_buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sl_buf_add(&b, chunk, n);
	if (f != stdin)
		fclose(f);
	return sl_buf_detach(&b, NULL);
}

void
cli_print_error(const cJSON *reply)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(reply, "error");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "type");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");

	fprintf(stderr, "sluice: %s: %s\n",
	    cJSON_IsString(t) ? t->valuestring : "Error",
	    cJSON_IsString(m) ? m->valuestring : "(no message)");
}

void
cli_print_json(const cJSON *v)
{
	char *text = cJSON_Print(v);

	if (text != NULL) {
		fputs(text, stdout);
		fputc('\n', stdout);
		cJSON_free(text);
	}
}

cJSON *
cli_request(const struct cli_opts *o, cJSON *req, struct cli_client **cp,
    int *rc)
{
	struct sl_err err = SL_ERR_INIT;
	struct cli_client *c;
	cJSON *reply, *result = NULL;

	if (cp != NULL)
		*cp = NULL;
	c = cli_client_connect(o, &err);
	if (c == NULL) {
		cJSON_Delete(req);
		fprintf(stderr, "sluice: %s\n", err.msg);
		*rc = 2;
		return NULL;
	}
	reply = cli_client_call(c, req, 0, &err);
	if (reply == NULL) {
		fprintf(stderr, "sluice: %s\n", err.msg);
		*rc = 2;
		goto out;
	}
	result = cJSON_DetachItemFromObjectCaseSensitive(reply, "result");
	if (result == NULL) {
		const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(
		    cJSON_GetObjectItem(reply, "error"), "type"));

		cli_print_error(reply);
		/* Not being let in is a connection problem, not a failure
		 * of what was asked. */
		*rc = t != NULL && (strcmp(t, "UnrecognizedClientException") ==
		    0 || strcmp(t, "MissingAuthenticationTokenException") ==
		    0) ? 2 : 1;
	} else
		*rc = 0;
	cJSON_Delete(reply);
out:
	if (cp != NULL && result != NULL)
		*cp = c;
	else
		cli_client_free(c);
	return result;
}

cJSON *
cli_call(struct cli_client *c, cJSON *req, int *rc)
{
	struct sl_err err = SL_ERR_INIT;
	cJSON *reply, *result;

	reply = cli_client_call(c, req, 0, &err);
	if (reply == NULL) {
		fprintf(stderr, "sluice: %s\n", err.msg);
		*rc = 2;
		return NULL;
	}
	result = cJSON_DetachItemFromObjectCaseSensitive(reply, "result");
	if (result == NULL) {
		cli_print_error(reply);
		*rc = 1;
	} else
		*rc = 0;
	cJSON_Delete(reply);
	return result;
}

char *
cli_machine_arn(struct cli_client *c, const char *name_or_arn, int *rc)
{
	const cJSON *sm, *tok;
	char *found = NULL, *next = NULL;
	cJSON *req, *res;

	if (strncmp(name_or_arn, "arn:", 4) == 0) {
		*rc = 0;
		return xstrdup(name_or_arn);
	}
	do {
		req = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "action", "ListStateMachines");
		cJSON_AddNumberToObject(req, "maxResults", 1000);
		if (next != NULL)
			cJSON_AddStringToObject(req, "nextToken", next);
		free(next);
		next = NULL;
		if ((res = cli_call(c, req, rc)) == NULL)
			return NULL;
		cJSON_ArrayForEach(sm, cJSON_GetObjectItem(res,
		    "stateMachines")) {
			const char *n = cJSON_GetStringValue(
			    cJSON_GetObjectItem(sm, "name"));

			if (n != NULL && strcmp(n, name_or_arn) == 0 &&
			    found == NULL)
				found = xstrdup(cJSON_GetStringValue(
				    cJSON_GetObjectItem(sm,
				    "stateMachineArn")));
		}
		tok = cJSON_GetObjectItem(res, "nextToken");
		if (found == NULL && cJSON_IsString(tok))
			next = xstrdup(tok->valuestring);
		cJSON_Delete(res);
	} while (next != NULL);
	if (found == NULL) {
		fprintf(stderr, "sluice: StateMachineDoesNotExist: no state "
		    "machine named '%s'\n", name_or_arn);
		*rc = 1;
	}
	return found;
}

const char *
cli_date(double secs, char *buf, size_t len)
{
	time_t t = (time_t)secs;
	struct tm tm;

	if (secs <= 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}
