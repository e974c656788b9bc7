/* Function actions of the dispatcher: Invoke, ListFunctions, GetFunction. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/buf.h"
#include "common/xmalloc.h"
#include "server/api_internal.h"

static const char *const invocation_types[] = { "RequestResponse", "Event",
	"DryRun", NULL };
static const char *const log_types[] = { "None", "Tail", NULL };

static int
no_host(struct sl_api *api, struct api_req *r)
{
	if (api->functions.invoke != NULL)
		return 0;
	sl_api_reply_error(api, r->conn, r->id_json, "ServiceException",
	    "this server has no function host");
	return 1;
}

/* Add a JSON string value for key to b ("key":"..."). */
static void
add_str(struct sl_buf *b, const char *key, const char *value)
{
	cJSON *s = cJSON_CreateString(value);
	char *t = sl_json_print(s);

	sl_buf_addf(b, ",\"%s\":", key);
	sl_buf_addstr(b, t);
	cJSON_free(t);
	cJSON_Delete(s);
}

static void
refusal(struct api_call *call, const struct sl_invoke_result *res)
{
	cJSON *e = cJSON_CreateObject(), *body, *it;

	cJSON_AddStringToObject(e, "type",
	    res->error_type ? res->error_type : "ServiceException");
	cJSON_AddStringToObject(e, "message",
	    res->error_message ? res->error_message : "invocation refused");
	cJSON_AddNumberToObject(e, "StatusCode", res->status);
	/* Extra fields of AWS's error body (Reason, retryAfterSeconds). */
	body = res->payload ?
	    cJSON_ParseWithLength(res->payload, res->payload_len) : NULL;
	if (cJSON_IsObject(body))
		cJSON_ArrayForEach(it, body) {
			if (strcmp(it->string, "Type") == 0 ||
			    strcmp(it->string, "Message") == 0 ||
			    strcmp(it->string, "message") == 0 ||
			    cJSON_GetObjectItemCaseSensitive(e, it->string))
				continue;
			cJSON_AddItemToObject(e, it->string,
			    cJSON_Duplicate(it, 1));
		}
	cJSON_Delete(body);
	sl_api_reply_error_obj(call->api, call->conn, call->id_json, e);
}

static void
invoke_done(void *arg, const struct sl_invoke_result *res)
{
	struct api_call *call = arg;
	struct sl_api *api = call->api;
	struct sl_buf b = SL_BUF_INIT;
	cJSON *check;

	if (!sl_api_conn_is_open(api, call->conn))
		goto done; /* the client went away: drop the result */
	if (res->status >= 400) {
		refusal(call, res);
		goto done;
	}
	sl_buf_init(&b);
	sl_buf_grow(&b, res->payload_len + 256);
	sl_buf_addf(&b, "{\"StatusCode\":%d", res->status);
	sl_buf_addstr(&b, ",\"ExecutedVersion\":\"$LATEST\"");
	if (res->function_error != NULL)
		add_str(&b, "FunctionError", res->function_error);
	if (res->request_id != NULL)
		add_str(&b, "RequestId", res->request_id);
	if (call->want_log && res->log_tail != NULL) {
		char *b64 = sl_api_base64(res->log_tail,
		    strlen(res->log_tail));

		add_str(&b, "LogResult", b64);
		free(b64);
	}
	if (res->status == 200) {
		/* The payload is JSON from the host: embed it as it is, but
		 * never let a bad one break the reply's framing. */
		sl_buf_addstr(&b, ",\"Payload\":");
		check = res->payload_len ? cJSON_ParseWithLength(res->payload,
		    res->payload_len) : NULL;
		if (check != NULL)
			sl_buf_add(&b, res->payload, res->payload_len);
		else if (res->payload_len == 0)
			sl_buf_addstr(&b, "null");
		else {
			char *raw = xstrndup(res->payload, res->payload_len);
			cJSON *s = cJSON_CreateString(raw);
			char *t = sl_json_print(s);

			sl_buf_addstr(&b, t);
			cJSON_free(t);
			cJSON_Delete(s);
			free(raw);
		}
		cJSON_Delete(check);
	}
	sl_buf_addch(&b, '}');
	sl_api_reply_raw(api, call->conn, call->id_json, b.data, b.len);
	sl_buf_release(&b);
done:
	sl_api_call_free(call);
}

void
sl_api_act_invoke(struct sl_api *api, struct api_req *r)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_invoke_request req = { 0 };
	const char *fn, *qualifier;
	struct api_call *call;
	char *payload = NULL;
	size_t payload_len = 0;
	int type = 0, log = 0;
	char *name = NULL;

	if (sl_api_param_str(r, "FunctionName", 1, &fn, &err) < 0 ||
	    sl_api_param_str(r, "Qualifier", 0, &qualifier, &err) < 0 ||
	    sl_api_param_enum(r, "InvocationType", invocation_types, &type,
	    &err) < 0 ||
	    sl_api_param_enum(r, "LogType", log_types, &log, &err) < 0)
		goto fail;
	if (strlen(fn) > 170) {
		sl_err_set(&err, "ValidationException",
		    "1 validation error detected: Value at 'FunctionName' "
		    "failed to satisfy constraint: Member must have length "
		    "less than or equal to 170");
		goto fail;
	}
	if (sl_api_param_json_text(r, "Payload",
	    "InvalidRequestContentException", &payload, &payload_len,
	    &err) < 0)
		goto fail;
	if (no_host(api, r))
		goto out;
	name = qualifier ? xasprintf("%s:%s", fn, qualifier) : xstrdup(fn);
	call = sl_api_call_new(api, r);
	call->want_log = log == 1;
	call->payload = payload;
	call->name = name;
	payload = NULL;
	req.function = call->name;
	req.payload = call->payload;
	req.payload_len = payload_len;
	req.type = type == 1 ? SL_INVOKE_EVENT :
	    type == 2 ? SL_INVOKE_DRY_RUN : SL_INVOKE_REQUEST_RESPONSE;
	req.want_log_tail = call->want_log;
	call->invoke_id = api->functions.invoke(api->functions.impl, &req,
	    invoke_done, call);
	return;
fail:
	sl_api_reply_err(api, r->conn, r->id_json, &err);
out:
	free(payload);
}

void
sl_api_act_list_functions(struct sl_api *api, struct api_req *r)
{
	char *text;

	if (no_host(api, r))
		return;
	text = api->functions.list_json(api->functions.impl);
	if (text == NULL) {
		sl_api_reply_error(api, r->conn, r->id_json,
		    "ServiceException", "could not list the functions");
		return;
	}
	sl_api_reply_raw(api, r->conn, r->id_json, text, strlen(text));
	free(text);
}

void
sl_api_act_get_function(struct sl_api *api, struct api_req *r)
{
	struct sl_err err = SL_ERR_INIT;
	const char *fn;
	char *text;

	if (sl_api_param_str(r, "FunctionName", 1, &fn, &err) < 0) {
		sl_api_reply_err(api, r->conn, r->id_json, &err);
		return;
	}
	if (no_host(api, r))
		return;
	text = api->functions.get_json(api->functions.impl, fn, &err);
	if (text == NULL) {
		if (err.type[0] == '\0')
			sl_err_set(&err, "ResourceNotFoundException",
			    "Function not found: %s", fn);
		sl_api_reply_err(api, r->conn, r->id_json, &err);
		return;
	}
	sl_api_reply_raw(api, r->conn, r->id_json, text, strlen(text));
	free(text);
}
