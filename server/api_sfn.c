/* Step Functions actions of the dispatcher (CreateStateMachine ...
 * StopExecution) and ListNotifications, on the workflow service (sfn.c):
 * writes are answered once the store has made them durable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/buf.h"
#include "common/xmalloc.h"
#include "orchestrator/validate.h"
#include "server/log.h"
#include "server/sfn_int.h"

static const char *const sm_types[] = { "STANDARD", "EXPRESS", NULL };
static const char *const exec_statuses[] = { "RUNNING", "SUCCEEDED",
	"FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE", NULL };

/* A reply sent once a write is durable: result (JSON text) or, when
 * failed is set, that error. */
struct commit_ctx {
	struct api_call *call;
	char *result;
	int failed;
	struct sl_err err;
};

static struct commit_ctx *
commit_ctx_new(struct sl_api *api, const struct api_req *r)
{
	struct commit_ctx *cc = xcalloc(1, sizeof(*cc));

	cc->call = sl_api_call_new(api, r);
	return cc;
}

static void
commit_done(void *arg, const struct sl_err *err)
{
	struct commit_ctx *cc = arg;
	struct api_call *call = cc->call;

	if (err != NULL)
		sl_api_reply_err(call->api, call->conn, call->id_json, err);
	else if (cc->failed)
		sl_api_reply_err(call->api, call->conn, call->id_json,
		    &cc->err);
	else if (cc->result != NULL)
		sl_api_reply_raw(call->api, call->conn, call->id_json,
		    cc->result, strlen(cc->result));
	sl_api_call_free(call);
	free(cc->result);
	free(cc);
}

static void
commit_ctx_drop(struct commit_ctx *cc)
{
	sl_api_call_free(cc->call);
	free(cc->result);
	free(cc);
}

static char *
print_free(cJSON *o)
{
	char *t = sl_json_print(o);
	char *s = xstrdup(t);

	cJSON_free(t);
	cJSON_Delete(o);
	return s;
}

/* Reply to a read with text (taken) once every write it may show is
 * durable: a client never sees a change that a failing commit takes
 * back. */
static void
reply_durable(struct sl_api *api, struct api_req *r, char *text)
{
	struct commit_ctx *cc;

	if (!sl_store_pending(api->sfn->store)) {
		sl_api_reply_raw(api, r->conn, r->id_json, text, strlen(text));
		free(text);
		return;
	}
	cc = commit_ctx_new(api, r);
	cc->result = text;
	sl_store_sync(api->sfn->store, commit_done, cc);
}

static int
no_sfn(struct sl_api *api, struct api_req *r)
{
	if (api->sfn != NULL)
		return 0;
	sl_api_reply_error(api, r->conn, r->id_json, "ServiceException",
	    "this server runs no workflow engine");
	return 1;
}

/* A required ARN parameter of the given resource type
 * (":stateMachine:", ":execution:"). */
static int
param_arn(const struct api_req *r, const char *name, const char *kind,
    const char **out, struct sl_err *err)
{
	if (sl_api_param_str(r, name, 1, out, err) < 0)
		return -1;
	if (strncmp(*out, "arn:aws:states:", 15) != 0 ||
	    strstr(*out, kind) == NULL)
		return sl_err_set(err, "InvalidArn", "Invalid Arn: '%.300s' "
		    "(expected arn:aws:states:REGION:ACCOUNT%sNAME)", *out,
		    kind);
	return 0;
}

/* A definition given as JSON text (or, for convenience, as an object):
 * validated fully. *out is the caller's. */
static int
param_definition(const struct api_req *r, int required, char **out,
    struct sl_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body,
	    "definition");
	struct sl_asl_diags d = SL_ASL_DIAGS_INIT;
	char *msg;

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v)) {
		if (!required)
			return 0;
		return sl_err_set(err, "ValidationException",
		    "1 validation error detected: Value null at 'definition' "
		    "failed to satisfy constraint: Member must not be null");
	}
	if (cJSON_IsString(v))
		*out = xstrdup(v->valuestring);
	else if (cJSON_IsObject(v))
		*out = print_free(cJSON_Duplicate(v, 1));
	else
		return sl_err_set(err, "ValidationException",
		    "1 validation error detected: Value at 'definition' "
		    "failed to satisfy constraint: Member must be a string");
	sl_asl_diags_init(&d);
	if (sl_asl_validate_text(*out, strlen(*out), &d) < 0) {
		msg = sl_asl_diags_join(&d);
		sl_err_set(err, "InvalidDefinition", "Invalid State Machine "
		    "Definition: '%s'", msg);
		free(msg);
		sl_asl_diags_release(&d);
		free(*out);
		*out = NULL;
		return -1;
	}
	sl_asl_diags_release(&d);
	return 0;
}

/* Execution input: JSON text (or any JSON value); *out is the caller's. */
static int
param_input(const struct api_req *r, char **out, struct sl_err *err)
{
	size_t len;

	if (sl_api_param_json_text(r, "input", "InvalidExecutionInput", out,
	    &len, err) < 0) {
		char msg[SL_ERR_MSG_LEN];

		snprintf(msg, sizeof(msg), "Invalid State Machine Execution "
		    "Input: '%.900s'", err->msg);
		sl_err_set(err, "InvalidExecutionInput", "%s", msg);
		return -1;
	}
	if (*out != NULL && len > SL_ASL_PAYLOAD_MAX) {
		free(*out);
		*out = NULL;
		return sl_err_set(err, "InvalidExecutionInput",
		    "Invalid State Machine Execution Input: over %u bytes",
		    SL_ASL_PAYLOAD_MAX);
	}
	return 0;
}

static int
param_paging(const struct api_req *r, long *max, const char **token,
    struct sl_err *err)
{
	*max = 0;
	if (sl_api_param_int(r, "maxResults", 0, SL_STORE_PAGE_MAX, max,
	    err) < 0)
		return -1;
	return sl_api_param_str(r, "nextToken", 0, token, err);
}

static void
add_next_token(cJSON *o, const char *token)
{
	if (token != NULL)
		cJSON_AddStringToObject(o, "nextToken", token);
}

/* --- state machines ------------------------------------------------------- */

void
sl_api_act_create_state_machine(struct sl_api *api, struct api_req *r)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_sm_create in = { 0 };
	struct sl_store_sm out = { 0 };
	const char *name, *role;
	struct commit_ctx *cc;
	char *def = NULL, *arn = NULL, *extra = NULL;
	cJSON *res, *x;
	int type = 0;

	if (no_sfn(api, r))
		return;
	if (sl_api_param_str(r, "name", 1, &name, &err) < 0 ||
	    sl_api_param_str(r, "roleArn", 0, &role, &err) < 0 ||
	    sl_api_param_enum(r, "type", sm_types, &type, &err) < 0 ||
	    sl_store_name_check(name, "state machine", &err) < 0 ||
	    param_definition(r, 1, &def, &err) < 0)
		goto fail;
	x = cJSON_CreateObject();
	if (cJSON_GetObjectItemCaseSensitive(r->body, "loggingConfiguration"))
		cJSON_AddItemToObject(x, "loggingConfiguration",
		    cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(r->body,
		    "loggingConfiguration"), 1));
	if (cJSON_GetObjectItemCaseSensitive(r->body, "tracingConfiguration"))
		cJSON_AddItemToObject(x, "tracingConfiguration",
		    cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(r->body,
		    "tracingConfiguration"), 1));
	extra = print_free(x);
	arn = xasprintf("arn:aws:states:%s:%s:stateMachine:%s", api->region,
	    api->account, name);
	in.arn = arn;
	in.name = name;
	in.definition = def;
	in.role_arn = role;
	in.extra = extra;
	in.type = type;
	in.now = sl_api_now_ms();
	cc = commit_ctx_new(api, r);
	if (sl_store_sm_create(api->sfn->store, &in, &out, NULL, commit_done,
	    cc, &err) < 0) {
		commit_ctx_drop(cc);
		goto fail;
	}
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "stateMachineArn", out.arn);
	cJSON_AddNumberToObject(res, "creationDate",
	    sl_sfn_date(out.creation_date));
	cc->result = print_free(res);
	sl_store_sm_release(&out);
	goto out;
fail:
	sl_api_reply_err(api, r->conn, r->id_json, &err);
out:
	free(def);
	free(arn);
	free(extra);
}

void
sl_api_act_update_state_machine(struct sl_api *api, struct api_req *r)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_sm out = { 0 };
	const char *arn, *role;
	struct commit_ctx *cc;
	char *def = NULL;
	cJSON *res;

	if (no_sfn(api, r))
		return;
	if (param_arn(r, "stateMachineArn", ":stateMachine:", &arn,
	    &err) < 0 || sl_api_param_str(r, "roleArn", 0, &role, &err) < 0 ||
	    param_definition(r, 0, &def, &err) < 0)
		goto fail;
	if (def == NULL && role == NULL) {
		sl_err_set(&err, "MissingRequiredParameter", "Either the "
		    "definition or the roleArn must be specified");
		goto fail;
	}
	cc = commit_ctx_new(api, r);
	if (sl_store_sm_update(api->sfn->store, arn, def, role, NULL,
	    sl_api_now_ms(), &out, commit_done, cc, &err) < 0) {
		commit_ctx_drop(cc);
		goto fail;
	}
	sl_sfn_machine_forget(api->sfn, arn);
	res = cJSON_CreateObject();
	cJSON_AddNumberToObject(res, "updateDate",
	    sl_sfn_date(out.update_date));
	cJSON_AddStringToObject(res, "revisionId", out.revision_id);
	cc->result = print_free(res);
	sl_store_sm_release(&out);
	free(def);
	return;
fail:
	sl_api_reply_err(api, r->conn, r->id_json, &err);
	free(def);
}

void
sl_api_act_delete_state_machine(struct sl_api *api, struct api_req *r)
{
	struct sl_err err = SL_ERR_INIT;
	struct commit_ctx *cc;
	const char *arn;

	if (no_sfn(api, r))
		return;
	if (param_arn(r, "stateMachineArn", ":stateMachine:", &arn,
	    &err) < 0)
		goto fail;
	cc = commit_ctx_new(api, r);
	if (sl_store_sm_delete(api->sfn->store, arn, NULL, commit_done, cc,
	    &err) < 0) {
		commit_ctx_drop(cc);
		goto fail;
	}
	sl_sfn_machine_forget(api->sfn, arn);
	cc->result = xstrdup("{}");
	return;
fail:
	sl_api_reply_err(api, r->conn, r->id_json, &err);
}

static cJSON *
sm_json(const struct sl_store_sm *sm, int full)
{
	cJSON *o = cJSON_CreateObject(), *extra, *it;

	cJSON_AddStringToObject(o, "stateMachineArn", sm->arn);
	cJSON_AddStringToObject(o, "name", sm->name);
	cJSON_AddStringToObject(o, "type", sl_store_sm_type_name(sm->type));
	cJSON_AddNumberToObject(o, "creationDate",
	    sl_sfn_date(sm->creation_date));
	if (!full)
		return o;
	cJSON_AddStringToObject(o, "status",
	    sl_store_sm_status_name(sm->status));
	cJSON_AddStringToObject(o, "definition", sm->definition);
	if (sm->role_arn != NULL)
		cJSON_AddStringToObject(o, "roleArn", sm->role_arn);
	if (sm->revision_id != NULL)
		cJSON_AddStringToObject(o, "revisionId", sm->revision_id);
	if (sm->update_date != 0)
		cJSON_AddNumberToObject(o, "updateDate",
		    sl_sfn_date(sm->update_date));
	extra = sm->extra ? cJSON_Parse(sm->extra) : NULL;
	cJSON_ArrayForEach(it, extra)
		if (it->string != NULL &&
		    !cJSON_GetObjectItemCaseSensitive(o, it->string))
			cJSON_AddItemToObject(o, it->string,
			    cJSON_Duplicate(it, 1));
	cJSON_Delete(extra);
	return o;
}

void
sl_api_act_describe_state_machine(struct sl_api *api, struct api_req *r)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_sm sm = { 0 };
	const char *arn;

	if (no_sfn(api, r))
		return;
	if (param_arn(r, "stateMachineArn", ":stateMachine:", &arn,
	    &err) < 0 || sl_store_sm_get(api->sfn->store, arn, &sm, &err) < 0) {
		sl_api_reply_err(api, r->conn, r->id_json, &err);
		return;
	}
	reply_durable(api, r, print_free(sm_json(&sm, 1)));
	sl_store_sm_release(&sm);
}

void
sl_api_act_list_state_machines(struct sl_api *api, struct api_req *r)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_sm_list l = { 0 };
	const char *token;
	cJSON *res, *arr;
	long max;
	size_t i;

	if (no_sfn(api, r))
		return;
	if (param_paging(r, &max, &token, &err) < 0 ||
	    sl_store_sm_list(api->sfn->store, (int)max, token, &l, &err) < 0) {
		sl_api_reply_err(api, r->conn, r->id_json, &err);
		return;
	}
	res = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(res, "stateMachines");
	for (i = 0; i < l.n; i++)
		cJSON_AddItemToArray(arr, sm_json(&l.items[i], 0));
	add_next_token(res, l.next_token);
	sl_store_sm_list_release(&l);
	reply_durable(api, r, print_free(res));
}

void
sl_api_act_validate_definition(struct sl_api *api, struct api_req *r)
{
	struct sl_asl_diags d = SL_ASL_DIAGS_INIT;
	struct sl_err err = SL_ERR_INIT;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body,
	    "definition");
	cJSON *res, *arr, *o;
	char *text;
	size_t i;
	int type = 0, rc;

	if (sl_api_param_enum(r, "type", sm_types, &type, &err) < 0)
		goto fail;
	if (!cJSON_IsString(v) && !cJSON_IsObject(v)) {
		sl_err_set(&err, "ValidationException", "1 validation error "
		    "detected: Value at 'definition' failed to satisfy "
		    "constraint: Member must be a string");
		goto fail;
	}
	text = cJSON_IsString(v) ? xstrdup(v->valuestring) :
	    print_free(cJSON_Duplicate(v, 1));
	sl_asl_diags_init(&d);
	rc = sl_asl_validate_text(text, strlen(text), &d);
	free(text);
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "result", rc == 0 ? "OK" : "FAIL");
	arr = cJSON_AddArrayToObject(res, "diagnostics");
	for (i = 0; i < d.n; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "severity", "ERROR");
		cJSON_AddStringToObject(o, "code", d.items[i].code);
		cJSON_AddStringToObject(o, "message", d.items[i].message);
		cJSON_AddStringToObject(o, "location", d.items[i].path);
		cJSON_AddItemToArray(arr, o);
	}
	cJSON_AddBoolToObject(res, "truncated", d.n > SL_ASL_DIAGS_MAX);
	sl_asl_diags_release(&d);
	sl_api_reply(api, r->conn, r->id_json, res);
	return;
fail:
	sl_api_reply_err(api, r->conn, r->id_json, &err);
}

/* --- executions ----------------------------------------------------------- */

/* Start an Express execution (not stored); a waiter gets its end. */
static void
start_express(struct sl_api *api, struct api_req *r,
    const struct sl_store_sm *sm, const char *name, const char *input,
    int wait, int sync)
{
	struct sl_err err = SL_ERR_INIT;
	struct sfn_waiter *w = NULL;
	struct sl_asl_machine *m;
	char id[37], *arn = NULL;
	cJSON *res;
	int64_t now = sl_api_now_ms();

	sl_rng_uuid(&api->rng, id);
	arn = xasprintf("arn:aws:states:%s:%s:express:%s:%s:%s", api->region,
	    api->account, sm->name, name ? name : id, id);
	m = sl_sfn_machine(api->sfn, sm->arn, sm->revision_id,
	    sm->definition, sm->name, &err);
	if (m == NULL)
		goto fail;
	if (wait) {
		w = xcalloc(1, sizeof(*w));
		w->call = sl_api_call_new(api, r);
		w->sync = sync;
	}
	if (sl_sfn_exec_start(api->sfn, m, sm->arn, arn, name ? name : id,
	    input, now, 1, 0, w, &err) < 0) {
		if (w != NULL) {
			sl_api_call_free(w->call);
			free(w);
		}
		goto fail;
	}
	if (!wait) {
		res = cJSON_CreateObject();
		cJSON_AddStringToObject(res, "executionArn", arn);
		cJSON_AddNumberToObject(res, "startDate", sl_sfn_date(now));
		sl_api_reply(api, r->conn, r->id_json, res);
	}
	free(arn);
	return;
fail:
	sl_api_reply_err(api, r->conn, r->id_json, &err);
	free(arn);
}

static void
start_execution(struct sl_api *api, struct api_req *r, int sync)
{
	struct sl_err err = SL_ERR_INIT, serr = SL_ERR_INIT;
	struct sl_store_exec_start in = { 0 };
	struct sl_store_exec out = { 0 };
	struct sl_store_sm sm = { 0 };
	struct sfn_waiter *w = NULL;
	struct commit_ctx *cc;
	struct sl_asl_machine *m;
	const char *sm_arn, *name;
	char *input = NULL, *arn = NULL, id[37];
	int wait = sync, existed = 0;
	cJSON *res;

	if (no_sfn(api, r))
		return;
	if (param_arn(r, "stateMachineArn", ":stateMachine:", &sm_arn,
	    &err) < 0 || sl_api_param_str(r, "name", 0, &name, &err) < 0 ||
	    (!sync && sl_api_param_bool(r, "wait", &wait, &err) < 0) ||
	    param_input(r, &input, &err) < 0)
		goto fail;
	if (name != NULL && sl_store_name_check(name, "execution", &err) < 0)
		goto fail;
	if (sl_store_sm_get(api->sfn->store, sm_arn, &sm, &err) < 0)
		goto fail;
	if (sm.type == SL_SM_EXPRESS) {
		start_express(api, r, &sm, name, input, wait, sync);
		goto out;
	}
	if (sync) {
		sl_err_set(&err, "StateMachineTypeNotSupported", "This "
		    "operation is not supported by this type of state "
		    "machine: StartSyncExecution needs an EXPRESS machine");
		goto fail;
	}
	if (name == NULL) {
		sl_rng_uuid(&api->rng, id);
		name = id;
	}
	/* AWS's form, as the store wants it. */
	if ((arn = sl_store_exec_arn(sm_arn, name)) == NULL) {
		sl_err_set(&err, "InvalidArn", "Invalid Arn: no execution ARN "
		    "can be made of '%s'", sm_arn);
		goto fail;
	}
	in.arn = arn;
	in.name = name;
	in.sm_arn = sm_arn;
	in.input = input;
	in.now = sl_api_now_ms();
	cc = commit_ctx_new(api, r);
	if (sl_store_exec_start(api->sfn->store, &in, &out, &existed,
	    commit_done, cc, &err) < 0) {
		commit_ctx_drop(cc);
		goto fail;
	}
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "executionArn", out.arn);
	cJSON_AddNumberToObject(res, "startDate", sl_sfn_date(out.start_date));
	cc->result = print_free(res);
	if (existed) {
		/* AWS's idempotent start: the same answer (with "wait", at
		 * its end). */
		struct sl_exec *x = sl_engine_find(api->sfn->engine, out.arn);
		struct sfn_exec *fx = x ? sl_exec_user(x) : NULL;

		if (wait && fx != NULL && !fx->detached) {
			free(cc->result);
			cc->result = NULL;
			w = xcalloc(1, sizeof(*w));
			w->call = sl_api_call_new(api, r);
			w->next = fx->waiters;
			fx->waiters = w;
		}
		goto out;
	}
	m = sl_sfn_machine(api->sfn, sm_arn, out.revision_id, sm.definition,
	    sm.name, &err);
	if (wait && m != NULL) {
		/* The reply comes when the execution ends, not at start. */
		free(cc->result);
		cc->result = NULL;
		w = xcalloc(1, sizeof(*w));
		w->call = sl_api_call_new(api, r);
	}
	if (m == NULL || sl_sfn_exec_start(api->sfn, m, sm_arn, out.arn, name,
	    input, out.start_date, 0, 1, w, &err) < 0) {
		struct sl_store_exec_end end = { 0 };

		if (w != NULL) {
			sl_api_call_free(w->call);
			free(w);
		}
		/* Accepted by the store, refused by the engine: it ends
		 * here, and the request gets the engine's reason. */
		end.status = sl_store_exec_status_parse("FAILED");
		end.error = err.type;
		end.cause = err.msg;
		end.now = sl_api_now_ms();
		sl_store_exec_finish(api->sfn->store, out.arn, &end, NULL, NULL,
		    &serr);
		cc->failed = 1;
		cc->err = err;
		if (strcmp(err.type, "States.Runtime") == 0)
			snprintf(cc->err.type, sizeof(cc->err.type),
			    "InvalidExecutionInput");
	}
	goto out;
fail:
	sl_api_reply_err(api, r->conn, r->id_json, &err);
out:
	sl_store_exec_release(&out);
	sl_store_sm_release(&sm);
	free(input);
	free(arn);
}

void
sl_api_act_start_execution(struct sl_api *api, struct api_req *r)
{
	start_execution(api, r, 0);
}

void
sl_api_act_start_sync_execution(struct sl_api *api, struct api_req *r)
{
	start_execution(api, r, 1);
}

void
sl_api_act_describe_execution(struct sl_api *api, struct api_req *r)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_exec e = { 0 };
	const char *arn;

	if (no_sfn(api, r))
		return;
	if (param_arn(r, "executionArn", ":execution:", &arn, &err) < 0 ||
	    sl_store_exec_get(api->sfn->store, arn, &e, &err) < 0) {
		sl_api_reply_err(api, r->conn, r->id_json, &err);
		return;
	}
	reply_durable(api, r, sl_sfn_describe_stored(&e));
	sl_store_exec_release(&e);
}

void
sl_api_act_get_execution_history(struct sl_api *api, struct api_req *r)
{
	struct sl_store_history_query q = { 0 };
	struct sl_store_history h = { 0 };
	struct sl_err err = SL_ERR_INIT;
	struct sl_buf b = SL_BUF_INIT;
	const char *token;
	int reverse = 0, with_data = 1;
	long max;
	size_t i;

	if (no_sfn(api, r))
		return;
	if (param_arn(r, "executionArn", ":execution:", &q.exec_arn,
	    &err) < 0 || param_paging(r, &max, &token, &err) < 0 ||
	    sl_api_param_bool(r, "reverseOrder", &reverse, &err) < 0)
		goto fail;
	if (cJSON_GetObjectItemCaseSensitive(r->body, "includeExecutionData") &&
	    sl_api_param_bool(r, "includeExecutionData", &with_data, &err) < 0)
		goto fail;
	q.reverse_order = reverse;
	q.max_results = (int)max;
	q.next_token = token;
	q.exclude_execution_data = !with_data;
	if (sl_store_history_get(api->sfn->store, &q, &h, &err) < 0)
		goto fail;
	sl_buf_init(&b);
	sl_buf_addstr(&b, "{\"events\":[");
	for (i = 0; i < h.n; i++) {
		if (i > 0)
			sl_buf_addch(&b, ',');
		sl_buf_addstr(&b, h.events[i].json);
	}
	sl_buf_addch(&b, ']');
	if (h.next_token != NULL) {
		cJSON *t = cJSON_CreateString(h.next_token);
		char *s = sl_json_print(t);

		sl_buf_addstr(&b, ",\"nextToken\":");
		sl_buf_addstr(&b, s);
		cJSON_free(s);
		cJSON_Delete(t);
	}
	sl_buf_addch(&b, '}');
	reply_durable(api, r, sl_buf_detach(&b, NULL));
	sl_store_history_release(&h);
	return;
fail:
	sl_api_reply_err(api, r->conn, r->id_json, &err);
}

void
sl_api_act_list_executions(struct sl_api *api, struct api_req *r)
{
	struct sl_store_exec_query q = { .status_filter = -1 };
	struct sl_store_exec_list l = { 0 };
	struct sl_store_sm sm = { 0 };
	struct sl_err err = SL_ERR_INIT;
	const char *token;
	cJSON *res, *arr, *o;
	long max;
	size_t i;

	if (no_sfn(api, r))
		return;
	if (param_arn(r, "stateMachineArn", ":stateMachine:", &q.sm_arn,
	    &err) < 0 || param_paging(r, &max, &token, &err) < 0 ||
	    sl_api_param_enum(r, "statusFilter", exec_statuses,
	    &q.status_filter, &err) < 0)
		goto fail;
	if (q.status_filter == 5) { /* PENDING_REDRIVE: none here */
		res = cJSON_CreateObject();
		cJSON_AddArrayToObject(res, "executions");
		sl_api_reply(api, r->conn, r->id_json, res);
		return;
	}
	if (sl_store_sm_get(api->sfn->store, q.sm_arn, &sm, &err) < 0)
		goto fail;
	if (sm.type == SL_SM_EXPRESS) {
		/* Express executions are not kept, as on AWS. */
		sl_err_set(&err, "StateMachineTypeNotSupported", "This "
		    "operation is not supported by this type of state "
		    "machine: ListExecutions needs a STANDARD machine");
		sl_store_sm_release(&sm);
		goto fail;
	}
	sl_store_sm_release(&sm);
	q.max_results = (int)max;
	q.next_token = token;
	if (sl_store_exec_list(api->sfn->store, &q, &l, &err) < 0)
		goto fail;
	res = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(res, "executions");
	for (i = 0; i < l.n; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "executionArn", l.items[i].arn);
		cJSON_AddStringToObject(o, "stateMachineArn",
		    l.items[i].sm_arn);
		cJSON_AddStringToObject(o, "name", l.items[i].name);
		cJSON_AddStringToObject(o, "status",
		    sl_store_exec_status_name(l.items[i].status));
		cJSON_AddNumberToObject(o, "startDate",
		    sl_sfn_date(l.items[i].start_date));
		if (l.items[i].stop_date != 0)
			cJSON_AddNumberToObject(o, "stopDate",
			    sl_sfn_date(l.items[i].stop_date));
		cJSON_AddItemToArray(arr, o);
	}
	add_next_token(res, l.next_token);
	sl_store_exec_list_release(&l);
	reply_durable(api, r, print_free(res));
	return;
fail:
	sl_api_reply_err(api, r->conn, r->id_json, &err);
}

void
sl_api_act_stop_execution(struct sl_api *api, struct api_req *r)
{
	struct sl_err err = SL_ERR_INIT;
	const char *arn, *error, *cause;
	struct commit_ctx *cc;
	int64_t stop_date;
	cJSON *res;

	if (no_sfn(api, r))
		return;
	if (param_arn(r, "executionArn", ":execution:", &arn, &err) < 0 ||
	    sl_api_param_str(r, "error", 0, &error, &err) < 0 ||
	    sl_api_param_str(r, "cause", 0, &cause, &err) < 0)
		goto fail;
	if (error != NULL && strlen(error) > 256) {
		sl_err_set(&err, "ValidationException", "1 validation error "
		    "detected: Value at 'error' failed to satisfy constraint: "
		    "Member must have length less than or equal to 256");
		goto fail;
	}
	if (cause != NULL && strlen(cause) > 32768) {
		sl_err_set(&err, "ValidationException", "1 validation error "
		    "detected: Value at 'cause' failed to satisfy constraint: "
		    "Member must have length less than or equal to 32768");
		goto fail;
	}
	cc = commit_ctx_new(api, r);
	if (sl_sfn_stop(api->sfn, arn, error, cause, commit_done, cc,
	    &stop_date, &err) < 0) {
		commit_ctx_drop(cc);
		goto fail;
	}
	res = cJSON_CreateObject();
	cJSON_AddNumberToObject(res, "stopDate", sl_sfn_date(stop_date));
	cc->result = print_free(res);
	return;
fail:
	sl_api_reply_err(api, r->conn, r->id_json, &err);
}

/* --- notifications -------------------------------------------------------- */

/* A published message's push, sent once the message is stored. */
struct notify_ctx {
	struct sl_api *api;
	char *topic;
	char *text;
};

static void
notify_done(void *arg, const struct sl_err *err)
{
	struct notify_ctx *nc = arg;

	if (err == NULL)
		sl_api_push_topic(nc->api, nc->topic, nc->text,
		    strlen(nc->text));
	else
		sl_slog(SL_SLOG_WARN, "store_failed", "what=notification "
		    "topic=%s type=%s", nc->topic, err->type);
	free(nc->topic);
	free(nc->text);
	free(nc);
}

int
sl_api_store_notification(struct sl_api *api, const char *topic,
    const char *message, const char *source, const char *push_text)
{
	struct sl_err err = SL_ERR_INIT;
	struct notify_ctx *nc;

	if (api->sfn == NULL)
		return -1;
	nc = xcalloc(1, sizeof(*nc));
	nc->api = api;
	nc->topic = xstrdup(topic);
	nc->text = xstrdup(push_text);
	if (sl_store_notify_add(api->sfn->store, topic, message, source,
	    sl_api_now_ms(), NULL, notify_done, nc, &err) < 0)
		notify_done(nc, &err);
	return 0;
}

void
sl_api_reply_synced(struct sl_api *api, struct api_req *r, cJSON *result)
{
	if (api->sfn == NULL) {
		sl_api_reply(api, r->conn, r->id_json, result);
		return;
	}
	reply_durable(api, r, print_free(result));
}

void
sl_api_act_list_notifications(struct sl_api *api, struct api_req *r)
{
	struct sl_store_notify_list l = { 0 };
	struct sl_err err = SL_ERR_INIT;
	const char *topic, *token;
	cJSON *res, *arr, *o;
	int found, reverse = 0;
	long max;
	size_t i;

	if (no_sfn(api, r))
		return;
	if ((topic = sl_api_req_topic(r, &found, &err)) == NULL ||
	    param_paging(r, &max, &token, &err) < 0 ||
	    sl_api_param_bool(r, "reverseOrder", &reverse, &err) < 0 ||
	    sl_store_notify_list(api->sfn->store, topic, reverse, (int)max,
	    token, &l, &err) < 0) {
		sl_api_reply_err(api, r->conn, r->id_json, &err);
		return;
	}
	res = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(res, "notifications");
	for (i = 0; i < l.n; i++) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)l.items[i].id);
		cJSON_AddStringToObject(o, "topic", l.items[i].topic);
		cJSON_AddNumberToObject(o, "timestamp",
		    sl_sfn_date(l.items[i].timestamp));
		cJSON_AddStringToObject(o, "Message", l.items[i].message);
		if (l.items[i].publisher != NULL)
			cJSON_AddStringToObject(o, "publisher",
			    l.items[i].publisher);
		cJSON_AddItemToArray(arr, o);
	}
	add_next_token(res, l.next_token);
	sl_store_notify_list_release(&l);
	reply_durable(api, r, print_free(res));
}
