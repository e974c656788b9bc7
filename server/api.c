/* The API dispatcher: parse a request, check its parameters, run the action
 * and send the reply; keep subscriptions and push events (see api.h). */
#include "server/api.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/json.h"
#include "common/buf.h"
#include "common/xmalloc.h"
#include "server/api_internal.h"
#include "server/log.h"

#define CONN_BUCKETS 1024u

static struct api_conn *
conn_find(struct sl_api *api, uint64_t id)
{
	struct api_conn *c;

	for (c = api->conns[id % CONN_BUCKETS]; c != NULL; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

int
sl_api_conn_is_open(struct sl_api *api, uint64_t conn)
{
	return conn_find(api, conn) != NULL;
}

struct sl_api *
sl_api_new(const struct sl_api_config *cfg)
{
	struct sl_api *api = xcalloc(1, sizeof(*api));

	api->region = xstrdup(cfg->region ? cfg->region : "us-east-1");
	api->account = xstrdup(cfg->account ? cfg->account : "000000000000");
	api->max_message = cfg->max_message ? cfg->max_message : 1024 * 1024;
	api->token = cfg->token && *cfg->token ? xstrdup(cfg->token) : NULL;
	api->transport = cfg->transport;
	api->functions = cfg->functions;
	api->sfn = cfg->sfn;
	api->conns = xcalloc(CONN_BUCKETS, sizeof(*api->conns));
	api->calls.next = api->calls.prev = &api->calls;
	sl_rng_seed(&api->rng);
	return api;
}

void
sl_api_free(struct sl_api *api)
{
	struct api_sub *s, *snext;
	struct api_conn *c, *cnext;
	size_t i;

	if (api == NULL)
		return;
	while (api->calls.next != &api->calls)
		sl_api_call_free(api->calls.next);
	for (s = api->subs; s != NULL; s = snext) {
		snext = s->next;
		free(s->key);
		free(s);
	}
	for (i = 0; i < CONN_BUCKETS; i++)
		for (c = api->conns[i]; c != NULL; c = cnext) {
			cnext = c->next;
			free(c);
		}
	free(api->conns);
	free(api->region);
	free(api->account);
	free(api->token);
	free(api);
}

void
sl_api_set_sfn(struct sl_api *api, struct sl_sfn *sfn)
{
	api->sfn = sfn;
}

void
sl_api_conn_open(struct sl_api *api, uint64_t conn, int authenticated)
{
	struct api_conn *c;

	if (conn_find(api, conn) != NULL)
		return;
	c = xcalloc(1, sizeof(*c));
	c->id = conn;
	c->authed = authenticated || api->token == NULL;
	c->next = api->conns[conn % CONN_BUCKETS];
	api->conns[conn % CONN_BUCKETS] = c;
}

int
sl_api_conn_authenticated(struct sl_api *api, uint64_t conn)
{
	struct api_conn *c = conn_find(api, conn);

	return c != NULL && c->authed;
}

void
sl_api_conn_closed(struct sl_api *api, uint64_t conn)
{
	struct api_conn **pc, *c;
	struct api_sub **ps, *s;

	for (pc = &api->conns[conn % CONN_BUCKETS]; (c = *pc) != NULL;
	    pc = &c->next)
		if (c->id == conn) {
			*pc = c->next;
			free(c);
			break;
		}
	for (ps = &api->subs; (s = *ps) != NULL;) {
		if (s->conn == conn) {
			*ps = s->next;
			free(s->key);
			free(s);
		} else
			ps = &s->next;
	}
	/* Calls still owed to conn stay: their result is dropped on arrival,
	 * because the connection is no longer open (conn ids are not
	 * reused). */
}

size_t
sl_api_pending(const struct sl_api *api)
{
	return api->npending;
}

size_t
sl_api_max_request(const struct sl_api *api)
{
	size_t m = api->max_message;

	/* An Invoke may carry a full synchronous payload plus its envelope,
	 * escaped when sent as a JSON string (quotes, backslashes). */
	if (m < SL_INVOKE_SYNC_MAX + 64 * 1024)
		m = SL_INVOKE_SYNC_MAX + 64 * 1024;
	return m;
}

/* --- calls: requests whose reply comes later ------------------------------ */

struct api_call *
sl_api_call_new(struct sl_api *api, const struct api_req *r)
{
	struct api_call *call = xcalloc(1, sizeof(*call));

	call->api = api;
	call->conn = r->conn;
	call->id_json = xstrdup(r->id_json);
	call->next = &api->calls;
	call->prev = api->calls.prev;
	api->calls.prev->next = call;
	api->calls.prev = call;
	api->npending++;
	return call;
}

void
sl_api_call_free(struct api_call *call)
{
	call->prev->next = call->next;
	call->next->prev = call->prev;
	call->api->npending--;
	free(call->id_json);
	free(call->payload);
	free(call->name);
	free(call);
}

/* --- replies -------------------------------------------------------------- */

void
sl_api_send(struct sl_api *api, uint64_t conn, const char *text, size_t len)
{
	if (conn_find(api, conn) == NULL)
		return; /* closed while the request ran */
	api->transport.send(api->transport.arg, conn, text, len);
}

void
sl_api_reply_raw(struct sl_api *api, uint64_t conn, const char *id_json,
    const char *result_json, size_t result_len)
{
	struct sl_buf b = SL_BUF_INIT;

	sl_buf_init(&b);
	sl_buf_grow(&b, result_len + 64);
	sl_buf_addstr(&b, "{\"id\":");
	sl_buf_addstr(&b, id_json);
	sl_buf_addstr(&b, ",\"result\":");
	sl_buf_add(&b, result_json, result_len);
	sl_buf_addch(&b, '}');
	sl_api_send(api, conn, b.data, b.len);
	sl_buf_release(&b);
}

void
sl_api_reply(struct sl_api *api, uint64_t conn, const char *id_json,
    cJSON *result)
{
	char *text = sl_json_print(result);

	sl_api_reply_raw(api, conn, id_json, text, strlen(text));
	cJSON_free(text);
	cJSON_Delete(result);
}

void
sl_api_reply_error_obj(struct sl_api *api, uint64_t conn,
    const char *id_json, cJSON *error)
{
	char *text = sl_json_print(error);
	struct sl_buf b = SL_BUF_INIT;

	sl_buf_init(&b);
	sl_buf_addstr(&b, "{\"id\":");
	sl_buf_addstr(&b, id_json);
	sl_buf_addstr(&b, ",\"error\":");
	sl_buf_addstr(&b, text);
	sl_buf_addch(&b, '}');
	sl_api_send(api, conn, b.data, b.len);
	sl_buf_release(&b);
	cJSON_free(text);
	cJSON_Delete(error);
}

void
sl_api_reply_error(struct sl_api *api, uint64_t conn, const char *id_json,
    const char *type, const char *fmt, ...)
{
	cJSON *e = cJSON_CreateObject();
	char msg[SL_ERR_MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(e, "type", type);
	cJSON_AddStringToObject(e, "message", msg);
	sl_api_reply_error_obj(api, conn, id_json, e);
}

void
sl_api_reply_err(struct sl_api *api, uint64_t conn, const char *id_json,
    const struct sl_err *err)
{
	sl_api_reply_error(api, conn, id_json,
	    err->type[0] ? err->type : "ServiceException", "%s", err->msg);
}

/* --- parameters ----------------------------------------------------------- */

static const char *
json_type_name(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsArray(v))
		return "an array";
	return "an object";
}

int
sl_api_param_str(const struct api_req *r, const char *name, int required,
    const char **out, struct sl_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body, name);

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v)) {
		if (!required)
			return 0;
		return sl_err_set(err, "ValidationException",
		    "1 validation error detected: Value null at '%s' failed "
		    "to satisfy constraint: Member must not be null", name);
	}
	if (!cJSON_IsString(v))
		return sl_err_set(err, "ValidationException",
		    "1 validation error detected: Value at '%s' failed to "
		    "satisfy constraint: Member must be a string, not %s",
		    name, json_type_name(v));
	if (required && v->valuestring[0] == '\0')
		return sl_err_set(err, "ValidationException",
		    "1 validation error detected: Value '' at '%s' failed to "
		    "satisfy constraint: Member must have length greater than "
		    "or equal to 1", name);
	*out = v->valuestring;
	return 0;
}

int
sl_api_param_bool(const struct api_req *r, const char *name, int *out,
    struct sl_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body, name);

	*out = 0;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsBool(v))
		return sl_err_set(err, "ValidationException",
		    "1 validation error detected: Value at '%s' failed to "
		    "satisfy constraint: Member must be a boolean, not %s",
		    name, json_type_name(v));
	*out = cJSON_IsTrue(v);
	return 0;
}

int
sl_api_param_int(const struct api_req *r, const char *name, long min,
    long max, long *out, struct sl_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body, name);

	if (v == NULL || cJSON_IsNull(v))
		return 0; /* *out keeps its default */
	if (!cJSON_IsNumber(v) ||
	    v->valuedouble != (double)(long)v->valuedouble)
		return sl_err_set(err, "ValidationException",
		    "1 validation error detected: Value at '%s' failed to "
		    "satisfy constraint: Member must be an integer, not %s",
		    name, json_type_name(v));
	if (v->valuedouble < (double)min || v->valuedouble > (double)max)
		return sl_err_set(err, "ValidationException",
		    "1 validation error detected: Value '%ld' at '%s' failed "
		    "to satisfy constraint: Member must have value between "
		    "%ld and %ld", (long)v->valuedouble, name, min, max);
	*out = (long)v->valuedouble;
	return 0;
}

int
sl_api_param_enum(const struct api_req *r, const char *name,
    const char *const *values, int *out, struct sl_err *err)
{
	const char *s;
	char set[256] = "";
	int i;

	if (sl_api_param_str(r, name, 0, &s, err) < 0)
		return -1;
	if (s == NULL)
		return 0; /* *out keeps its default */
	for (i = 0; values[i] != NULL; i++)
		if (strcmp(s, values[i]) == 0) {
			*out = i;
			return 0;
		}
	for (i = 0; values[i] != NULL; i++) {
		if (i > 0)
			strncat(set, ", ", sizeof(set) - strlen(set) - 1);
		strncat(set, values[i], sizeof(set) - strlen(set) - 1);
	}
	return sl_err_set(err, "ValidationException",
	    "1 validation error detected: Value '%.64s' at '%s' failed to "
	    "satisfy constraint: Member must satisfy enum value set: [%s]",
	    s, name, set);
}

/* A JSON document given as JSON text in a string, or as any other JSON
 * value: returns it as text (the caller frees it), NULL when absent;
 * fills err (type bad_type) when the string is not JSON. */
int
sl_api_param_json_text(const struct api_req *r, const char *name,
    const char *bad_type, char **out, size_t *out_len, struct sl_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body, name);
	cJSON *parsed;

	*out = NULL;
	*out_len = 0;
	if (v == NULL)
		return 0;
	if (cJSON_IsString(v)) {
		size_t n = strlen(v->valuestring);
		const char *end = NULL;

		parsed = cJSON_ParseWithLengthOpts(v->valuestring, n, &end, 0);
		if (parsed == NULL)
			return sl_err_set(err, bad_type,
			    "Could not parse %s as JSON: error at byte %zu",
			    name, end ? (size_t)(end - v->valuestring) : 0);
		cJSON_Delete(parsed);
		*out = xstrndup(v->valuestring, n);
		*out_len = n;
		return 0;
	}
	*out = sl_json_print(v);
	if (*out == NULL)
		return sl_err_set(err, "ServiceException",
		    "could not print %s", name);
	*out_len = strlen(*out);
	return 0;
}

/* --- small helpers -------------------------------------------------------- */

char *
sl_api_base64(const void *data, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	char *out = xmalloc((len + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		*o++ = tab[p[i] >> 2];
		*o++ = tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = tab[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*o++ = tab[p[i + 2] & 63];
	}
	if (i < len) {
		*o++ = tab[p[i] >> 2];
		if (i + 1 < len) {
			*o++ = tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
			*o++ = tab[(p[i + 1] & 15) << 2];
		} else {
			*o++ = tab[(p[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

void
sl_api_iso_time(int64_t ms, char out[32])
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	gmtime_r(&s, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

/* --- subscriptions and pushed events -------------------------------------- */

int
sl_api_sub_add(struct sl_api *api, uint64_t conn, int kind, const char *key)
{
	struct api_sub *s, **tail;

	for (s = api->subs; s != NULL; s = s->next)
		if (s->conn == conn && s->kind == kind &&
		    strcmp(s->key, key) == 0)
			return 0;
	s = xcalloc(1, sizeof(*s));
	s->conn = conn;
	s->kind = kind;
	s->key = xstrdup(key);
	/* Append, so that pushes go out in subscription order. */
	for (tail = &api->subs; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = s;
	return 1;
}

int
sl_api_sub_remove(struct sl_api *api, uint64_t conn, int kind,
    const char *key)
{
	struct api_sub **ps, *s;

	for (ps = &api->subs; (s = *ps) != NULL; ps = &s->next)
		if (s->conn == conn && s->kind == kind &&
		    strcmp(s->key, key) == 0) {
			*ps = s->next;
			free(s->key);
			free(s);
			return 1;
		}
	return 0;
}

/* Send text to every connection subscribed to (kind1, key1) or
 * (kind2, key2), once per connection. */
static size_t
push(struct sl_api *api, int kind1, const char *key1, int kind2,
    const char *key2, const char *text, size_t len)
{
	uint64_t *sent = NULL;
	size_t nsent = 0, cap = 0, i;
	struct api_sub *s;

	for (s = api->subs; s != NULL; s = s->next) {
		if (!((s->kind == kind1 && key1 != NULL &&
		    strcmp(s->key, key1) == 0) ||
		    (s->kind == kind2 && key2 != NULL &&
		    strcmp(s->key, key2) == 0)))
			continue;
		for (i = 0; i < nsent; i++)
			if (sent[i] == s->conn)
				break;
		if (i < nsent)
			continue;
		if (nsent == cap) {
			cap = cap ? cap * 2 : 16;
			sent = xreallocarray(sent, cap, sizeof(*sent));
		}
		sent[nsent++] = s->conn;
		sl_api_send(api, s->conn, text, len);
	}
	free(sent);
	return nsent;
}

void
sl_api_publish(struct sl_api *api, const char *topic, const char *message,
    const char *source)
{
	char id[37], ts[32];
	cJSON *ev = cJSON_CreateObject();
	char *text, *arn;

	sl_rng_uuid(&api->rng, id);
	sl_api_iso_time(sl_api_now_ms(), ts);
	arn = xasprintf("arn:aws:sns:%s:%s:%s", api->region, api->account,
	    topic);
	cJSON_AddStringToObject(ev, "event", "Notification");
	cJSON_AddStringToObject(ev, "topic", topic);
	cJSON_AddStringToObject(ev, "TopicArn", arn);
	cJSON_AddStringToObject(ev, "MessageId", id);
	cJSON_AddStringToObject(ev, "Message", message);
	cJSON_AddStringToObject(ev, "Timestamp", ts);
	if (source != NULL)
		cJSON_AddStringToObject(ev, "source", source);
	text = sl_json_print(ev);
	/* Subscribers hear of it once it is stored. */
	if (sl_api_store_notification(api, topic, message, source, text) < 0)
		push(api, API_SUB_TOPIC, topic, -1, NULL, text, strlen(text));
	cJSON_free(text);
	cJSON_Delete(ev);
	free(arn);
}

void
sl_api_push_topic(struct sl_api *api, const char *topic, const char *text,
    size_t len)
{
	push(api, API_SUB_TOPIC, topic, -1, NULL, text, len);
}

/* Append v to b as a JSON string. */
static void
add_json_string(struct sl_buf *b, const char *v)
{
	cJSON *a = cJSON_CreateString(v);
	char *s = sl_json_print(a);

	sl_buf_addstr(b, s);
	cJSON_free(s);
	cJSON_Delete(a);
}

void
sl_api_execution_event(struct sl_api *api, const char *machine_arn,
    const char *execution_arn, const char *event_json)
{
	struct sl_buf b;
	struct api_sub *sub;

	/* Most executions have no subscriber: build nothing for them. */
	for (sub = api->subs; sub != NULL; sub = sub->next)
		if ((sub->kind == API_SUB_EXECUTION &&
		    strcmp(sub->key, execution_arn) == 0) ||
		    (sub->kind == API_SUB_MACHINE && machine_arn != NULL &&
		    strcmp(sub->key, machine_arn) == 0))
			break;
	if (sub == NULL)
		return;
	sl_buf_init(&b);
	sl_buf_addstr(&b, "{\"event\":\"ExecutionEvent\",\"executionArn\":");
	add_json_string(&b, execution_arn);
	if (machine_arn != NULL) {
		sl_buf_addstr(&b, ",\"stateMachineArn\":");
		add_json_string(&b, machine_arn);
	}
	sl_buf_addstr(&b, ",\"historyEvent\":");
	sl_buf_addstr(&b, event_json);
	sl_buf_addch(&b, '}');
	push(api, API_SUB_EXECUTION, execution_arn, API_SUB_MACHINE,
	    machine_arn, b.data, b.len);
	sl_buf_release(&b);
}

int64_t
sl_api_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- dispatch ------------------------------------------------------------- */

static int
token_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = (unsigned char)(la != lb);

	/* Time depends on the length of what was sent only. */
	for (i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[lb ? i % lb : 0]);
	return d == 0;
}

static void
act_authenticate(struct sl_api *api, struct api_req *r)
{
	struct sl_err err = SL_ERR_INIT;
	const char *tok;
	cJSON *res;

	if (sl_api_param_str(r, "token", 1, &tok, &err) < 0) {
		sl_api_reply_err(api, r->conn, r->id_json, &err);
		if (!r->c->authed)
			api->transport.close(api->transport.arg, r->conn, 1008,
			    "authentication required");
		return;
	}
	if (api->token != NULL && !token_equal(tok, api->token)) {
		sl_api_reply_error(api, r->conn, r->id_json,
		    "UnrecognizedClientException",
		    "The security token included in the request is invalid");
		api->transport.close(api->transport.arg, r->conn, 1008,
		    "invalid token");
		return;
	}
	r->c->authed = 1;
	res = cJSON_CreateObject();
	cJSON_AddBoolToObject(res, "authenticated", 1);
	sl_api_reply(api, r->conn, r->id_json, res);
}

static const struct api_action actions[] = {
	{ "Authenticate", act_authenticate },
	{ "Invoke", sl_api_act_invoke },
	{ "ListFunctions", sl_api_act_list_functions },
	{ "GetFunction", sl_api_act_get_function },
	{ "Publish", sl_api_act_publish },
	{ "Subscribe", sl_api_act_subscribe },
	{ "Unsubscribe", sl_api_act_unsubscribe },
	{ "ListNotifications", sl_api_act_list_notifications },
	{ "CreateStateMachine", sl_api_act_create_state_machine },
	{ "UpdateStateMachine", sl_api_act_update_state_machine },
	{ "DeleteStateMachine", sl_api_act_delete_state_machine },
	{ "DescribeStateMachine", sl_api_act_describe_state_machine },
	{ "ListStateMachines", sl_api_act_list_state_machines },
	{ "ValidateStateMachineDefinition", sl_api_act_validate_definition },
	{ "StartExecution", sl_api_act_start_execution },
	{ "StartSyncExecution", sl_api_act_start_sync_execution },
	{ "DescribeExecution", sl_api_act_describe_execution },
	{ "GetExecutionHistory", sl_api_act_get_execution_history },
	{ "ListExecutions", sl_api_act_list_executions },
	{ "StopExecution", sl_api_act_stop_execution },
	{ NULL, NULL },
};

int
sl_api_request(struct sl_api *api, uint64_t conn, const char *text,
    size_t len)
{
	struct api_req r = { .conn = conn, .id_json = "null" };
	const struct api_action *a;
	const cJSON *id, *action;
	char *id_text = NULL;
	int rc = 0;

	r.c = conn_find(api, conn);
	if (r.c == NULL)
		return 0;
	if (len > sl_api_max_request(api))
		return -1;
	r.body = cJSON_ParseWithLength(text, len);
	if (r.body == NULL) {
		sl_api_reply_error(api, conn, "null", "SerializationException",
		    "the request is not valid JSON (%zu bytes)", len);
		goto done;
	}
	if (!cJSON_IsObject(r.body)) {
		sl_api_reply_error(api, conn, "null", "SerializationException",
		    "the request must be a JSON object, not %s",
		    json_type_name(r.body));
		goto done;
	}
	id = cJSON_GetObjectItemCaseSensitive(r.body, "id");
	if (id != NULL && (cJSON_IsNumber(id) || cJSON_IsString(id))) {
		id_text = sl_json_print(id);
		r.id_json = id_text;
	}
	action = cJSON_GetObjectItemCaseSensitive(r.body, "action");
	if (len > api->max_message && !(cJSON_IsString(action) &&
	    strcmp(action->valuestring, "Invoke") == 0)) {
		rc = -1;
		goto done;
	}
	if (id != NULL && id_text == NULL) {
		sl_api_reply_error(api, conn, "null", "ValidationException",
		    "1 validation error detected: Value at 'id' failed to "
		    "satisfy constraint: Member must be a number or a string");
		goto done;
	}
	if (!cJSON_IsString(action)) {
		sl_api_reply_error(api, conn, r.id_json, "ValidationException",
		    "1 validation error detected: Value %s at 'action' failed "
		    "to satisfy constraint: Member must be a string naming "
		    "the operation", action ? json_type_name(action) : "null");
		if (!r.c->authed)
			api->transport.close(api->transport.arg, conn, 1008,
			    "authentication required");
		goto done;
	}
	if (!r.c->authed && strcmp(action->valuestring, "Authenticate") != 0) {
		sl_api_reply_error(api, conn, r.id_json,
		    "MissingAuthenticationTokenException",
		    "this server needs a token: send it as 'Authorization: "
		    "Bearer TOKEN' or in a first {\"action\":\"Authenticate\","
		    "\"token\":...} message");
		api->transport.close(api->transport.arg, conn, 1008,
		    "authentication required");
		goto done;
	}
	if (sl_slog_enabled(SL_SLOG_DEBUG))
		sl_slog(SL_SLOG_DEBUG, "request",
		    "conn=%llu id=%s action=%.64s bytes=%zu",
		    (unsigned long long)conn, r.id_json, action->valuestring,
		    len);
	for (a = actions; a->name != NULL; a++)
		if (strcmp(a->name, action->valuestring) == 0)
			break;
	if (a->name == NULL) {
		sl_api_reply_error(api, conn, r.id_json, "UnknownOperation",
		    "unknown action '%.100s'", action->valuestring);
		goto done;
	}
	a->run(api, &r);
done:
	cJSON_free(id_text);
	cJSON_Delete(r.body);
	return rc;
}
