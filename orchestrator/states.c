/* The eight state types: input/output processing in AWS's order
 * (InputPath, Parameters, task, ResultSelector, ResultPath, OutputPath),
 * errors with Retry/Catch, and the history events of each. */
#include <inttypes.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/json.h"
#include "common/xmalloc.h"
#include "orchestrator/engine_int.h"

static void state_error(struct frame *f, const char *error, const char *cause);
/* state_error_ex's how. */
#define ERR_FROM_BRANCH 1 /* a branch's or an iteration's error */
#define ERR_KIDS 2        /* Map/Parallel f failed from its children */
static void state_error_ex(struct frame *f, const char *error,
    const char *cause, int how);
static void frame_end(struct frame *f, cJSON *output, const char *error,
    const char *cause);

/* --- the context object -------------------------------------------------- */

static cJSON *
ctx_build(struct sl_exec *x)
{
	cJSON *c = cJSON_CreateObject(), *ex, *sm;
	char t[40];

	ex = cJSON_AddObjectToObject(c, "Execution");
	cJSON_AddStringToObject(ex, "Id", x->arn);
	cJSON_AddItemToObject(ex, "Input", cJSON_Duplicate(x->input, 1));
	cJSON_AddStringToObject(ex, "Name", x->name);
	cJSON_AddStringToObject(ex, "RoleArn", x->e->role_arn);
	iso_time(x->start_ms, t, sizeof(t));
	cJSON_AddStringToObject(ex, "StartTime", t);
	/* Express executions cannot be redriven: no RedriveCount. */
	if (!x->express)
		cJSON_AddNumberToObject(ex, "RedriveCount", 0);
	sm = cJSON_AddObjectToObject(c, "StateMachine");
	cJSON_AddStringToObject(sm, "Id", x->m->arn);
	cJSON_AddStringToObject(sm, "Name", x->m->name);
	return c;
}

/* The context object for evaluating in f's current state; with map_index
 * set, $$.Map.Item too (only ItemSelector sees it). Borrowed: valid until
 * the next ctx_get of this execution. */
cJSON *
ctx_get(struct frame *f, const cJSON *map_index, const cJSON *map_val)
{
	struct sl_exec *x = f->x;
	cJSON *s;
	char t[40];

	if (!x->m->uses_ctx)
		return x->e->empty_ctx;
	if (x->ctx == NULL)
		x->ctx = ctx_build(x);
	cJSON_DeleteItemFromObjectCaseSensitive(x->ctx, "State");
	cJSON_DeleteItemFromObjectCaseSensitive(x->ctx, "Map");
	cJSON_DeleteItemFromObjectCaseSensitive(x->ctx, "Task");
	s = cJSON_AddObjectToObject(x->ctx, "State");
	iso_time(f->entered_ms, t, sizeof(t));
	cJSON_AddStringToObject(s, "EnteredTime", t);
	cJSON_AddStringToObject(s, "Name", f->st->name);
	if (f->st->type == ASL_TASK || f->st->type == ASL_MAP ||
	    f->st->type == ASL_PARALLEL)
		cJSON_AddNumberToObject(s, "RetryCount", f->retry_count);
	if (f->st->wait_token) {
		char tok[64];
		cJSON *tk = cJSON_AddObjectToObject(x->ctx, "Task");

		snprintf(tok, sizeof(tok), "%s:%" PRIu64, x->name, f->token);
		cJSON_AddStringToObject(tk, "Token", tok);
	}
	if (map_index != NULL) {
		cJSON *m = cJSON_AddObjectToObject(x->ctx, "Map");
		cJSON *it = cJSON_AddObjectToObject(m, "Item");

		cJSON_AddItemToObject(it, "Index", cJSON_Duplicate(map_index,
		    1));
		cJSON_AddItemToObject(it, "Value", cJSON_Duplicate(map_val, 1));
	}
	return x->ctx;
}

/* --- helpers ------------------------------------------------------------- */

/* AWS's prefix for errors raised while running a state. */
static void
runtime_error(struct frame *f, const char *fmt, ...)
{
	struct sl_buf b = SL_BUF_INIT;
	va_list ap;

	sl_buf_init(&b);
	sl_buf_addf(&b, "An error occurred while executing the state '%s' "
	    "(entered at the event id #%" PRId64 "). ", f->st->name,
	    f->entered_id);
	va_start(ap, fmt);
	sl_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	state_error(f, "States.Runtime", b.data);
	sl_buf_release(&b);
}

/* An error from a path/payload/intrinsic evaluation. */
static void
eval_error(struct frame *f, const struct sl_err *err)
{
	const char *type = err->type[0] ? err->type : "States.Runtime";

	if (strcmp(type, "States.Runtime") == 0)
		runtime_error(f, "%s", err->msg);
	else
		state_error(f, type, err->msg);
}

static void
emit_state_text(struct frame *f, const char *what, const char *key,
    const char *text)
{
	struct sl_exec *x = f->x;
	char type[48];
	cJSON *d = NULL;

	snprintf(type, sizeof(type), "%sState%s", asl_type_name(f->st->type),
	    what);
	if (x->emit) {
		d = hist_details();
		cJSON_AddStringToObject(d, "name", f->st->name);
		hist_add_text(d, key, text);
	}
	hist_event(x, frame_chain(f), 0, type, strcmp(what, "Entered") == 0 ?
	    "stateEnteredEventDetails" : "stateExitedEventDetails", d);
}

static void
emit_state(struct frame *f, const char *what, const char *key,
    const cJSON *data)
{
	char *text = f->x->emit ? sl_json_print(data) : NULL;

	emit_state_text(f, what, key, text);
	cJSON_free(text);
}

/* Effective input: InputPath applied to the raw input. *owned says
 * whether the caller must free the result. NULL once the state's error has
 * been raised. */
static cJSON *
eff_input(struct frame *f, int *owned)
{
	const struct asl_state *st = f->st;
	struct sl_err err = SL_ERR_INIT;
	cJSON *v;

	*owned = 0;
	if (st->input_null) {
		*owned = 1;
		return cJSON_CreateObject();
	}
	if (st->input_path == NULL)
		return f->input;
	v = sl_path_eval(st->input_path, f->input, ctx_get(f, NULL, NULL),
	    &err);
	if (v != NULL)
		*owned = 1;
	else
		eval_error(f, &err);
	return v;
}

/* Effective parameters: Parameters applied to the effective input, or a
 * copy of that when the state has none. A new value, or NULL once the
 * state's error has been raised. */
static cJSON *
eff_params(struct frame *f)
{
	struct sl_err err = SL_ERR_INIT;
	cJSON *eff, *v;
	int owned;

	if ((eff = eff_input(f, &owned)) == NULL)
		return NULL;
	if (f->st->parameters == NULL)
		return owned ? eff : cJSON_Duplicate(eff, 1);
	v = sl_payload_eval(f->st->parameters, eff, ctx_get(f, NULL, NULL),
	    &err);
	if (owned)
		cJSON_Delete(eff);
	if (v == NULL)
		eval_error(f, &err);
	return v;
}

/* ResultPath then OutputPath: combine result (taken) with the raw input.
 * Returns the state's output, or NULL + err. The raw input is consumed
 * when consume_input is set (no Catch may need it). */
static cJSON *
apply_result(struct frame *f, cJSON *result, int consume_input,
    struct sl_err *err)
{
	const struct asl_state *st = f->st;
	cJSON *doc, *out;

	if (st->result_null) {
		cJSON_Delete(result);
		if (consume_input) {
			doc = f->input;
			f->input = NULL;
		} else
			doc = cJSON_Duplicate(f->input, 1);
	} else if (st->result_path == NULL)
		doc = result;
	else {
		if (consume_input) {
			doc = f->input;
			f->input = NULL;
		} else
			doc = cJSON_Duplicate(f->input, 1);
		if (sl_path_assign(st->result_path, &doc, result, err) == -1) {
			if (consume_input)
				f->input = doc;
			else
				cJSON_Delete(doc);
			if (!err->type[0] || strcmp(err->type,
			    "States.Runtime") == 0)
				snprintf(err->type, sizeof(err->type), "%s",
				    "States.ResultPathMatchFailure");
			return NULL;
		}
	}
	if (st->output_null) {
		cJSON_Delete(doc);
		return cJSON_CreateObject();
	}
	if (st->output_path == NULL)
		return doc;
	out = sl_path_eval(st->output_path, doc, ctx_get(f, NULL, NULL), err);
	cJSON_Delete(doc);
	return out;
}

/* Leave the current state with output (taken): Exited event, then the
 * next state (queued) or the end of the frame. */
static void
transition(struct frame *f, cJSON *output, struct asl_state *next)
{
	const struct asl_state *st = f->st;

	/* The 256 KiB limit on state output. Choice, Wait, Succeed and a
	 * Pass without Parameters only pass on or shape data they were
	 * given (already checked). For the others a cheap upper bound
	 * decides whether the exact printed size must be found; the text
	 * is printed anyway when it goes into the history. */
	if (f->x->emit || ((st->type == ASL_TASK || st->type == ASL_MAP ||
	    st->type == ASL_PARALLEL || (st->type == ASL_PASS &&
	    st->parameters != NULL)) && json_size_upper(output,
	    SL_ASL_PAYLOAD_MAX) > SL_ASL_PAYLOAD_MAX)) {
		char *text = sl_json_print(output);

		if (strlen(text) > SL_ASL_PAYLOAD_MAX) {
			char *cause = xasprintf("The state/task '%s' returned "
			    "a result with a size exceeding the maximum number "
			    "of bytes service limit.", st->type == ASL_TASK ?
			    st->resource : st->name);

			cJSON_free(text);
			cJSON_Delete(output);
			state_error(f, "States.DataLimitExceeded", cause);
			free(cause);
			return;
		}
		emit_state_text(f, "Exited", "output", text);
		cJSON_free(text);
	} else
		emit_state(f, "Exited", "output", output);
	if (next == NULL && (f->st->end || f->st->type == ASL_SUCCEED)) {
		frame_end(f, output, NULL, NULL);
		return;
	}
	if (next == NULL)
		next = f->st->next;
	cJSON_Delete(f->input);
	f->input = output;
	f->st = next;
	f->phase = PH_IDLE;
	eng_queue(f);
}

static void
finish_result(struct frame *f, cJSON *result)
{
	struct sl_err err = SL_ERR_INIT;
	cJSON *out;

	if (f->st->result_selector != NULL) {
		cJSON *sel = sl_payload_eval(f->st->result_selector, result,
		    ctx_get(f, NULL, NULL), &err);

		cJSON_Delete(result);
		if (sel == NULL) {
			eval_error(f, &err);
			return;
		}
		result = sel;
	}
	/* The raw input is still needed if a Retry or Catch may follow. */
	out = apply_result(f, result, f->st->ncatch == 0 &&
	    f->st->nretry == 0, &err);
	if (out == NULL) {
		eval_error(f, &err);
		return;
	}
	transition(f, out, NULL);
}

/* The end of a frame: the execution's, or a Map/Parallel child's. */
static void
frame_end(struct frame *f, cJSON *output, const char *error,
    const char *cause)
{
	struct frame *p = f->parent;

	f->phase = PH_DONE;
	if (p == NULL) {
		char *text = output ? sl_json_print(output) : NULL;

		if (error != NULL)
			exec_finish(f->x, SL_EXEC_FAILED, NULL, error, cause);
		else
			exec_finish(f->x, SL_EXEC_SUCCEEDED, text, NULL, NULL);
		cJSON_free(text);
		cJSON_Delete(output);
		return;
	}
	p->kids[f->index] = NULL;
	state_kid_done(p, f, output, error, cause);
	frame_free(f);
}

/* --- errors, Retry and Catch --------------------------------------------- */

static void
state_error(struct frame *f, const char *error, const char *cause)
{
	state_error_ex(f, error, cause, 0);
}

/* Retry, Catch or fail the frame. how: ERR_FROM_BRANCH, the error is a
 * Parallel branch's or a Map iteration's (States.BranchFailed matches it);
 * ERR_KIDS, a Map or Parallel state failed from its children, which AWS
 * records with MapStateFailed/ParallelStateFailed unless it retries the
 * state (then the next MapStateStarted follows at once). Nothing of f may
 * be touched after this: the frame may have ended. */
static void
state_error_ex(struct frame *f, const char *error, const char *cause,
    int how)
{
	const struct asl_state *st = f->st;
	struct sl_exec *x = f->x;
	int r, c, from_branch = (how & ERR_FROM_BRANCH) != 0;

	r = asl_retrier_find(st, error, from_branch);
	if (r >= 0 && f->attempts != NULL &&
	    f->attempts[r] < st->retry[r].max_attempts) {
		int64_t delay = asl_retry_delay_ms(&st->retry[r],
		    f->attempts[r], eng_random(x->e));

		f->attempts[r]++;
		f->retry_count++;
		f->phase = PH_RETRY;
		eng_timer_set(x->e, &f->timer, eng_now(x->e) + delay);
		return;
	}
	if (how & ERR_KIDS)
		hist_event(x, frame_chain(f), 0, st->type == ASL_MAP ?
		    "MapStateFailed" : "ParallelStateFailed", NULL, NULL);
	c = asl_catcher_find(st, error, from_branch);
	if (c >= 0) {
		const struct asl_catcher *ct = &st->catch[c];
		struct sl_err err = SL_ERR_INIT;
		cJSON *eo = cJSON_CreateObject(), *out;

		cJSON_AddStringToObject(eo, "Error", error);
		cJSON_AddStringToObject(eo, "Cause", cause ? cause : "");
		if (ct->result_null) {
			cJSON_Delete(eo);
			out = f->input;
			f->input = NULL;
		} else if (ct->result_path == NULL)
			out = eo;
		else {
			out = f->input;
			f->input = NULL;
			if (sl_path_assign(ct->result_path, &out, eo, &err) ==
			    -1) {
				cJSON_Delete(out);
				frame_end(f, NULL,
				    "States.ResultPathMatchFailure", err.msg);
				return;
			}
		}
		emit_state(f, "Exited", "output", out);
		cJSON_Delete(f->input);
		f->input = out;
		f->st = ct->next;
		f->phase = PH_IDLE;
		eng_queue(f);
		return;
	}
	frame_end(f, NULL, error, cause);
}

/* --- Task ---------------------------------------------------------------- */

static void
task_event(struct frame *f, const char *what, cJSON *d)
{
	char type[48], key[64];

	if (f->st->res_kind == ASL_RES_LAMBDA_ARN) {
		snprintf(type, sizeof(type), "LambdaFunction%s", what);
		snprintf(key, sizeof(key), "lambdaFunction%sEventDetails",
		    what);
	} else {
		snprintf(type, sizeof(type), "Task%s", what);
		snprintf(key, sizeof(key), "task%sEventDetails", what);
		if (d != NULL) {
			cJSON_AddStringToObject(d, "resourceType", "lambda");
			cJSON_AddStringToObject(d, "resource", "invoke");
		}
	}
	hist_event(f->x, frame_chain(f), 0, type, key, d);
}

static int
positive_from_path(struct frame *f, const struct sl_path *p, const cJSON *in,
    const char *field, int64_t *out)
{
	struct sl_err err = SL_ERR_INIT;
	cJSON *v = sl_path_eval(p, in, ctx_get(f, NULL, NULL), &err);

	if (v == NULL) {
		eval_error(f, &err);
		return -1;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
	    v->valuedouble < 1 || v->valuedouble > 99999999) {
		char *t = sl_json_print(v);

		runtime_error(f, "The %s field refers to value \"%s\" which "
		    "is not a valid positive integer: %s", field, t,
		    sl_path_text(p));
		cJSON_free(t);
		cJSON_Delete(v);
		return -1;
	}
	*out = (int64_t)v->valuedouble;
	cJSON_Delete(v);
	return 0;
}

/* The request body of a Lambda invocation. As lambda:invoke does, a string
 * Payload is sent as it is (it is JSON text already) and no or a null
 * Payload sends {}. */
static char *
invoke_payload(const cJSON *payload)
{
	if (payload == NULL || cJSON_IsNull(payload))
		return xstrdup("{}");
	if (cJSON_IsString(payload)) {
		cJSON *v = cJSON_Parse(payload->valuestring);

		if (v != NULL) {
			cJSON_Delete(v);
			return xstrdup(payload->valuestring);
		}
	}
	return sl_json_print(payload);
}

static void
task_begin(struct frame *f)
{
	const struct asl_state *st = f->st;
	struct sl_exec *x = f->x;
	struct sl_engine *e = x->e;
	struct sl_err err = SL_ERR_INIT;
	struct sl_engine_invocation inv;
	cJSON *eff, *params = NULL, *payload;
	char *text = NULL, *key;
	const char *function = st->function;
	int owned;
	int64_t timeout = st->timeout_s, heartbeat = st->heartbeat_s;
	uint64_t handle;
	cJSON *d = NULL;

	eff = eff_input(f, &owned);
	if (eff == NULL)
		return;
	if (st->parameters != NULL) {
		params = sl_payload_eval(st->parameters, eff,
		    ctx_get(f, NULL, NULL), &err);
		if (params == NULL) {
			if (owned)
				cJSON_Delete(eff);
			eval_error(f, &err);
			return;
		}
	} else
		params = cJSON_Duplicate(eff, 1);
	if ((st->timeout_path != NULL && positive_from_path(f,
	    st->timeout_path, eff, "TimeoutSecondsPath", &timeout) == -1) ||
	    (st->heartbeat_path != NULL && positive_from_path(f,
	    st->heartbeat_path, eff, "HeartbeatSecondsPath", &heartbeat) ==
	    -1)) {
		if (owned)
			cJSON_Delete(eff);
		cJSON_Delete(params);
		return;
	}
	if (owned)
		cJSON_Delete(eff);
	if (st->res_kind == ASL_RES_OTHER) {
		cJSON_Delete(params);
		runtime_error(f, "The resource '%s' is not supported",
		    st->resource);
		return;
	}
	payload = params;
	if (st->res_kind == ASL_RES_LAMBDA_INVOKE) {
		const cJSON *fn = cJSON_GetObjectItemCaseSensitive(params,
		    "FunctionName");

		if (!cJSON_IsString(fn)) {
			cJSON_Delete(params);
			runtime_error(f, "The field 'FunctionName' is "
			    "required by the resource '%s'", st->resource);
			return;
		}
		function = fn->valuestring;
		payload = cJSON_GetObjectItemCaseSensitive(params, "Payload");
	}
	text = st->res_kind == ASL_RES_LAMBDA_INVOKE ?
	    invoke_payload(payload) : sl_json_print(payload);
	if (strlen(text) > SL_ASL_PAYLOAD_MAX) {
		char *cause = xasprintf("The state/task '%s' was given an "
		    "input with a size exceeding the maximum number of bytes "
		    "service limit.", st->res_kind == ASL_RES_LAMBDA_ARN ?
		    st->resource : "lambda");

		cJSON_free(text);
		cJSON_Delete(params);
		state_error(f, "States.DataLimitExceeded", cause);
		free(cause);
		return;
	}
	if (x->emit) {
		d = hist_details();
		if (st->res_kind == ASL_RES_LAMBDA_ARN) {
			cJSON_AddStringToObject(d, "resource", st->resource);
			hist_add_text(d, "input", text);
		} else {
			char *pt = sl_json_print(params);

			cJSON_AddStringToObject(d, "region", e->region);
			cJSON_AddStringToObject(d, "parameters", pt);
			cJSON_free(pt);
		}
		if (timeout > 0)
			cJSON_AddNumberToObject(d, "timeoutInSeconds",
			    (double)timeout);
		if (heartbeat > 0)
			cJSON_AddNumberToObject(d, "heartbeatInSeconds",
			    (double)heartbeat);
	}
	task_event(f, "Scheduled", d);
	/* LambdaFunctionStarted has no details; TaskStarted names the
	 * resource. */
	task_event(f, "Started", x->emit && st->res_kind !=
	    ASL_RES_LAMBDA_ARN ? hist_details() : NULL);
	f->phase = PH_TASK;
	f->reported = 0;
	f->token = eng_track(e, f);
	inv.function = function;
	inv.payload = text;
	inv.payload_len = strlen(text);
	inv.timeout_ms = timeout > 0 ? (uint64_t)timeout * 1000 : 0;
	inv.token = f->token;
	key = xasprintf("%s/%lld", x->arn, (long long)f->entered_id);
	inv.idempotency_key = key;
	if (timeout > 0 || heartbeat > 0) {
		int64_t t = timeout > 0 ? timeout : heartbeat;

		f->timer_is_heartbeat = heartbeat > 0 && heartbeat < t;
		if (f->timer_is_heartbeat)
			t = heartbeat;
		eng_timer_set(e, &f->timer, eng_now(e) + t * 1000);
	}
	handle = e->cfg.invoker.invoke(e->cfg.invoker.arg, &inv);
	/* Answered from inside invoke(): the handle is spent already. */
	f->handle = f->reported ? 0 : handle;
	if (handle == 0 && !f->reported) {
		struct sl_task_result r = {
			.outcome = SL_TASK_HOST_ERROR,
			.error_type = "ServiceException",
			.error_message = "the function could not be invoked",
		};

		sl_engine_task_done(e, f->token, &r);
	}
	free(key);
	cJSON_free(text);
	cJSON_Delete(params);
}

static cJSON *
lambda_wrap(cJSON *payload)
{
	cJSON *w = cJSON_CreateObject(), *h, *hh, *arr;

	cJSON_AddStringToObject(w, "ExecutedVersion", "$LATEST");
	cJSON_AddItemToObject(w, "Payload", payload);
	h = cJSON_AddObjectToObject(w, "SdkHttpMetadata");
	hh = cJSON_AddObjectToObject(h, "AllHttpHeaders");
	arr = cJSON_AddArrayToObject(hh, "X-Amz-Executed-Version");
	cJSON_AddItemToArray(arr, cJSON_CreateString("$LATEST"));
	hh = cJSON_AddObjectToObject(h, "HttpHeaders");
	cJSON_AddStringToObject(hh, "X-Amz-Executed-Version", "$LATEST");
	cJSON_AddNumberToObject(h, "HttpStatusCode", 200);
	h = cJSON_AddObjectToObject(w, "SdkResponseMetadata");
	cJSON_AddStringToObject(h, "RequestId", "");
	cJSON_AddNumberToObject(w, "StatusCode", 200);
	return w;
}

static void
task_failed(struct frame *f, const char *error, const char *cause)
{
	cJSON *d = NULL;

	if (f->x->emit) {
		d = hist_details();
		cJSON_AddStringToObject(d, "error", error);
		cJSON_AddStringToObject(d, "cause", cause ? cause : "");
	}
	task_event(f, "Failed", d);
	state_error(f, error, cause);
}

void
state_resume_task(struct frame *f, const struct sl_task_result *res)
{
	const struct asl_state *st = f->st;
	struct sl_exec *x = f->x;
	cJSON *result, *d = NULL;

	eng_timer_clear(x->e, &f->timer);
	f->phase = PH_IDLE;
	if (res->outcome == SL_TASK_FUNCTION_ERROR) {
		char *cause = NULL;
		cJSON *p = res->payload ? cJSON_ParseWithLength(res->payload,
		    res->payload_len) : NULL;

		if (p != NULL)
			cause = sl_json_print(p);
		else if (res->payload != NULL)
			cause = xstrndup(res->payload, res->payload_len);
		cJSON_Delete(p);
		task_failed(f, res->error_type && res->error_type[0] ?
		    res->error_type : "Lambda.Unknown", cause);
		free(cause);
		return;
	}
	if (res->outcome == SL_TASK_HOST_ERROR) {
		const char *t = res->error_type ? res->error_type :
		    "ServiceException";
		char *error = strncmp(t, "Lambda.", 7) == 0 ? xstrdup(t) :
		    xasprintf("Lambda.%s", t);
		char *cause;

		if (strcmp(t, "ResourceNotFoundException") == 0)
			cause = xasprintf("Function not found: %s (Service: "
			    "AWSLambda; Status Code: 404; Error Code: "
			    "ResourceNotFoundException; Request ID: %s; "
			    "Proxy: null)", res->function_arn ?
			    res->function_arn : "", "");
		else
			cause = xstrdup(res->error_message ?
			    res->error_message : "");
		task_failed(f, error, cause);
		free(error);
		free(cause);
		return;
	}
	if (res->payload_len > SL_ASL_PAYLOAD_MAX) {
		char *cause = xasprintf("The state/task '%s' returned a result "
		    "with a size exceeding the maximum number of bytes service "
		    "limit.", st->res_kind == ASL_RES_LAMBDA_ARN ?
		    st->resource : "lambda");

		task_failed(f, "States.DataLimitExceeded", cause);
		free(cause);
		return;
	}
	result = res->payload && res->payload_len ?
	    cJSON_ParseWithLength(res->payload, res->payload_len) :
	    cJSON_CreateNull();
	if (result == NULL) {
		task_failed(f, "Lambda.InvalidResponse",
		    "the function returned a result that is not JSON");
		return;
	}
	if (st->res_kind == ASL_RES_LAMBDA_INVOKE)
		result = lambda_wrap(result);
	if (x->emit) {
		d = hist_details();
		hist_add_json(d, "output", result);
	}
	task_event(f, "Succeeded", d);
	finish_result(f, result);
}

static void
task_timeout(struct frame *f)
{
	struct sl_engine *e = f->x->e;
	const char *error = f->timer_is_heartbeat ?
	    "States.HeartbeatTimeout" : "States.Timeout";
	cJSON *d = NULL;

	if (f->token != 0) {
		eng_untrack(e, f->token);
		if (f->handle != 0 && e->cfg.invoker.cancel != NULL)
			e->cfg.invoker.cancel(e->cfg.invoker.arg, f->handle);
		f->token = f->handle = 0;
	}
	f->phase = PH_IDLE;
	if (f->x->emit) {
		d = hist_details();
		cJSON_AddStringToObject(d, "error", error);
		cJSON_AddStringToObject(d, "cause", "");
	}
	task_event(f, "TimedOut", d);
	state_error(f, error, "");
}

/* --- Pass, Choice, Wait, Succeed, Fail ----------------------------------- */

static void
pass_run(struct frame *f)
{
	const struct asl_state *st = f->st;
	struct sl_err err = SL_ERR_INIT;
	cJSON *eff, *res, *out;
	int owned;

	if (st->parameters == NULL && st->result != NULL) {
		/* Result replaces the input, but InputPath may still fail. */
		if ((eff = eff_input(f, &owned)) == NULL)
			return;
		if (owned)
			cJSON_Delete(eff);
		res = cJSON_Duplicate(st->result, 1);
	} else if ((res = eff_params(f)) == NULL)
		return;
	out = apply_result(f, res, 1, &err);
	if (out == NULL) {
		eval_error(f, &err);
		return;
	}
	transition(f, out, NULL);
}

/* OutputPath alone (Choice, Wait, Succeed): eff is taken. */
static cJSON *
output_only(struct frame *f, cJSON *eff, int owned, struct sl_err *err)
{
	cJSON *out;

	if (!owned) {
		eff = f->input;
		f->input = NULL;
	}
	if (f->st->output_null) {
		cJSON_Delete(eff);
		return cJSON_CreateObject();
	}
	if (f->st->output_path == NULL)
		return eff;
	out = sl_path_eval(f->st->output_path, eff, ctx_get(f, NULL, NULL),
	    err);
	cJSON_Delete(eff);
	return out;
}

static void
choice_run(struct frame *f)
{
	const struct asl_state *st = f->st;
	struct sl_err err = SL_ERR_INIT;
	struct asl_state *next = NULL;
	cJSON *eff, *out;
	int owned, i;

	eff = eff_input(f, &owned);
	if (eff == NULL)
		return;
	for (i = 0; i < st->nchoices && next == NULL; i++) {
		int r = asl_choice_eval(st->choices[i].rule, eff,
		    ctx_get(f, NULL, NULL), &err);

		if (r == -1) {
			if (owned)
				cJSON_Delete(eff);
			eval_error(f, &err);
			return;
		}
		if (r == 1)
			next = st->choices[i].next;
	}
	if (next == NULL)
		next = st->def;
	if (next == NULL) {
		if (owned)
			cJSON_Delete(eff);
		state_error(f, "States.NoChoiceMatched",
		    "No Matches!");
		return;
	}
	out = output_only(f, eff, owned, &err);
	if (out == NULL) {
		eval_error(f, &err);
		return;
	}
	transition(f, out, next);
}

static void
wait_run(struct frame *f)
{
	const struct asl_state *st = f->st;
	struct sl_engine *e = f->x->e;
	struct sl_err err = SL_ERR_INIT;
	cJSON *eff, *out;
	int owned;
	int64_t due = 0;

	eff = eff_input(f, &owned);
	if (eff == NULL)
		return;
	if (st->has_seconds)
		due = f->entered_ms + st->seconds * 1000;
	else if (st->has_timestamp)
		due = st->timestamp_ms;
	else {
		const struct sl_path *p = st->seconds_path ? st->seconds_path :
		    st->timestamp_path;
		cJSON *v = sl_path_eval(p, eff, ctx_get(f, NULL, NULL), &err);
		char *vt;

		if (v == NULL) {
			if (owned)
				cJSON_Delete(eff);
			eval_error(f, &err);
			return;
		}
		vt = cJSON_IsString(v) ? xstrdup(v->valuestring) :
		    sl_json_print(v);
		if (st->seconds_path != NULL) {
			if (!cJSON_IsNumber(v) || v->valuedouble !=
			    floor(v->valuedouble) || fabs(v->valuedouble) >
			    9e15) {
				runtime_error(f, "The SecondsPath parameter "
				    "cannot be parsed as a long value: %s == "
				    "%s", sl_path_text(p), vt);
				goto bad;
			}
			if (v->valuedouble < 0) {
				runtime_error(f, "The SecondsPath parameter "
				    "references a negative value: %s == %s",
				    sl_path_text(p), vt);
				goto bad;
			}
			due = f->entered_ms + (int64_t)v->valuedouble * 1000;
		} else if (!cJSON_IsString(v) ||
		    asl_parse_time(v->valuestring, &due) == -1) {
			runtime_error(f, "The TimestampPath parameter does not "
			    "reference a valid ISO-8601 extended offset "
			    "date-time format string: %s == %s",
			    sl_path_text(p), vt);
			goto bad;
		}
		free(vt);
		cJSON_Delete(v);
		goto ok;
bad:
		free(vt);
		cJSON_Delete(v);
		if (owned)
			cJSON_Delete(eff);
		return;
	}
ok:
	out = output_only(f, eff, owned, &err);
	if (out == NULL) {
		eval_error(f, &err);
		return;
	}
	cJSON_Delete(f->input);
	f->input = out;
	f->phase = PH_WAIT;
	eng_timer_set(e, &f->timer, due);
}

static void
succeed_run(struct frame *f)
{
	struct sl_err err = SL_ERR_INIT;
	cJSON *eff, *out;
	int owned;

	eff = eff_input(f, &owned);
	if (eff == NULL)
		return;
	out = output_only(f, eff, owned, &err);
	if (out == NULL) {
		eval_error(f, &err);
		return;
	}
	transition(f, out, NULL);
}

static int
fail_field(struct frame *f, const struct sl_path *p, const char *field,
    char **out)
{
	struct sl_err err = SL_ERR_INIT;
	cJSON *v = sl_path_eval(p, f->input, ctx_get(f, NULL, NULL), &err);

	if (v == NULL) {
		char *in = sl_json_print(f->input);

		runtime_error(f, "The JSONPath '%s' specified for the field "
		    "'%s' could not be found in the input '%s'",
		    sl_path_text(p), field, in);
		cJSON_free(in);
		return -1;
	}
	*out = cJSON_IsString(v) ? xstrdup(v->valuestring) : sl_json_print(v);
	cJSON_Delete(v);
	return 0;
}

static int
fail_call(struct frame *f, const struct sl_intrinsic *fn, char **out)
{
	struct sl_err err = SL_ERR_INIT;
	cJSON *v = sl_intrinsic_eval(fn, f->input, ctx_get(f, NULL, NULL),
	    &err);

	if (v == NULL) {
		eval_error(f, &err);
		return -1;
	}
	*out = cJSON_IsString(v) ? xstrdup(v->valuestring) : sl_json_print(v);
	cJSON_Delete(v);
	return 0;
}

static void
fail_run(struct frame *f)
{
	const struct asl_state *st = f->st;
	char *error = NULL, *cause = NULL;

	if (st->error_fn != NULL) {
		if (fail_call(f, st->error_fn, &error) == -1)
			return;
	} else if (st->error_path != NULL) {
		if (fail_field(f, st->error_path, "ErrorPath", &error) == -1)
			return;
	} else if (st->error != NULL)
		error = xstrdup(st->error);
	if (st->cause_fn != NULL) {
		if (fail_call(f, st->cause_fn, &cause) == -1) {
			free(error);
			return;
		}
	} else if (st->cause_path != NULL) {
		if (fail_field(f, st->cause_path, "CausePath", &cause) == -1) {
			free(error);
			return;
		}
	} else if (st->cause != NULL)
		cause = xstrdup(st->cause);
	/* A Fail state with neither has a null error in AWS's history; the
	 * execution still fails. */
	frame_end(f, NULL, error ? error : "", cause);
	free(error);
	free(cause);
}

/* --- Parallel and Map ---------------------------------------------------- */

static void
parallel_begin(struct frame *f)
{
	const struct asl_state *st = f->st;
	cJSON *in;
	int i;

	/* A retry starts over. */
	frame_free_kids(f);
	if ((in = eff_params(f)) == NULL)
		return;
	hist_event(f->x, frame_chain(f), 0, "ParallelStateStarted", NULL, NULL);
	f->nkids = st->nbranches;
	f->kids = xcalloc((size_t)f->nkids, sizeof(*f->kids));
	f->results = cJSON_CreateArray();
	for (i = 0; i < f->nkids; i++) {
		cJSON_AddItemToArray(f->results, cJSON_CreateNull());
		f->kids[i] = frame_new(f->x, f, st->branches[i], i,
		    cJSON_Duplicate(in, 1));
		eng_queue(f->kids[i]);
	}
	cJSON_Delete(in);
	f->nstarted = f->nrunning = f->nkids;
	f->phase = PH_KIDS;
}

/* Read an integer/float field of Map through its ...Path. */
static int
map_number(struct frame *f, const struct sl_path *p, const cJSON *eff,
    const char *field, int want_int, double *out)
{
	struct sl_err err = SL_ERR_INIT;
	cJSON *v = sl_path_eval(p, eff, ctx_get(f, NULL, NULL), &err);
	double d;

	if (v == NULL) {
		eval_error(f, &err);
		return -1;
	}
	d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
	if (cJSON_IsString(v)) {
		char *end;

		d = strtod(v->valuestring, &end);
		if (end == v->valuestring || *end != '\0')
			d = NAN;
	}
	if (isnan(d) || (want_int && d != floor(d))) {
		char *t = cJSON_IsString(v) ? xstrdup(v->valuestring) :
		    sl_json_print(v);

		runtime_error(f, "The %s field refers to value \"%s\" which "
		    "is not a valid %s: %s", field, t, want_int ? "integer" :
		    "float", sl_path_text(p));
		free(t);
		cJSON_Delete(v);
		return -1;
	}
	cJSON_Delete(v);
	*out = d;
	return 0;
}

/* Map f's tolerated failures from its ToleratedFailureCountPath and
 * ToleratedFailurePercentagePath, read in its effective input eff; AWS
 * reads them (and fails on them) once MapStateStarted is recorded, unlike
 * MaxConcurrencyPath. Returns 0, or -1 after a runtime error. */
static int
map_tolerance(struct frame *f, cJSON *eff)
{
	const struct asl_state *st = f->st;
	double v;

	if (st->tol_count_path != NULL) {
		if (map_number(f, st->tol_count_path, eff,
		    "ToleratedFailureCountPath", 1, &v) == -1)
			return -1;
		f->tol_count = v < 0 ? -2 : (int64_t)v;
	}
	if (f->tol_count < -1) {
		runtime_error(f, "ToleratedFailureCount cannot be negative.");
		return -1;
	}
	if (st->tol_pct_path != NULL) {
		if (map_number(f, st->tol_pct_path, eff,
		    "ToleratedFailurePercentagePath", 0, &v) == -1)
			return -1;
		/* -1 would read as "not set" */
		f->tol_pct = v < 0 ? -2 : v;
	}
	if (f->tol_pct != -1 && (f->tol_pct < 0 || f->tol_pct > 100)) {
		runtime_error(f, "ToleratedFailurePercentage must be between "
		    "0 and 100.");
		return -1;
	}
	return 0;
}

static void
map_begin(struct frame *f)
{
	const struct asl_state *st = f->st;
	struct sl_err err = SL_ERR_INIT;
	cJSON *eff, *items, *d = NULL;
	int owned, i, n;
	double v;

	/* A retry starts over. */
	frame_free_kids(f);
	eff = eff_input(f, &owned);
	if (eff == NULL)
		return;
	if (!owned) {
		eff = cJSON_Duplicate(eff, 1);
		owned = 1;
	}
	if (st->items_path != NULL) {
		items = sl_path_eval(st->items_path, eff,
		    ctx_get(f, NULL, NULL), &err);
		if (items == NULL) {
			cJSON_Delete(eff);
			eval_error(f, &err);
			return;
		}
	} else
		items = cJSON_Duplicate(eff, 1);
	if (!cJSON_IsArray(items)) {
		char *t = sl_json_print(items);

		cJSON_Delete(eff);
		cJSON_Delete(items);
		runtime_error(f, "Unable to apply ItemsPath '%s' to input: "
		    "the value %s is not an array", st->items_path ?
		    sl_path_text(st->items_path) : "$", t);
		cJSON_free(t);
		return;
	}
	f->max_conc = (int)(st->max_conc > 0 && st->max_conc < INT32_MAX ?
	    st->max_conc : 0);
	f->tol_count = st->has_tol_count ? st->tol_count : -1;
	f->tol_pct = st->has_tol_pct ? st->tol_pct : -1;
	f->items = items;
	f->eff_input = eff;
	if (st->max_conc_path != NULL) {
		if (map_number(f, st->max_conc_path, eff, "MaxConcurrencyPath",
		    1, &v) == -1)
			goto fail;
		f->max_conc = v > 0 && v < INT32_MAX ? (int)v : 0;
	}
	n = cJSON_GetArraySize(items);
	if (f->x->emit) {
		d = hist_details();
		cJSON_AddNumberToObject(d, "length", n);
	}
	hist_event(f->x, frame_chain(f), 0, "MapStateStarted",
	    "mapStateStartedEventDetails", d);
	if (map_tolerance(f, eff) == -1)
		goto fail;
	f->nkids = n;
	f->kids = xcalloc((size_t)n + 1, sizeof(*f->kids));
	f->results = cJSON_CreateArray();
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(f->results, cJSON_CreateNull());
	f->phase = PH_KIDS;
	if (n == 0) {
		cJSON *res = f->results;

		f->results = NULL;
		hist_event(f->x, frame_chain(f), HIST_ASIDE,
		    "MapStateSucceeded", NULL, NULL);
		f->phase = PH_IDLE;
		cJSON_Delete(f->items);
		cJSON_Delete(f->eff_input);
		f->items = f->eff_input = NULL;
		free(f->kids);
		f->kids = NULL;
		f->nkids = 0;
		finish_result(f, res);
		return;
	}
	map_workers_init(f, *frame_chain(f));
	frame_start_kids(f);
	return;
fail:
	/* runtime_error already ended or redirected the frame; what it left
	 * of the Map's own bookkeeping is released with the frame. */
	return;
}

void
map_workers_init(struct frame *f, int64_t start)
{
	int i;

	f->nworkers = f->max_conc > 0 && f->max_conc < f->nkids ? f->max_conc :
	    f->nkids;
	f->wchain = xcalloc((size_t)f->nworkers + 1, sizeof(*f->wchain));
	f->wfree = xcalloc((size_t)(f->nworkers + f->nkids) + 1,
	    sizeof(*f->wfree));
	for (i = 0; i < f->nworkers; i++) {
		f->wchain[i] = start;
		f->wfree[i] = f->nworkers - 1 - i; /* slot 0 is taken first */
	}
	f->nwfree = f->nworkers;
}

int
map_worker_take(struct frame *f)
{
	return f->nwfree > 0 ? f->wfree[--f->nwfree] : 0;
}

/* An event of Map f's iteration kid, on the iteration's chain, which it
 * advances unless aside (only MapIterationStarted does). Returns its
 * id. */
static int64_t
map_iter_event(struct frame *f, struct frame *kid, const char *type,
    int aside)
{
	cJSON *d = NULL;
	char key[64];

	if (f->x->emit) {
		d = hist_details();
		cJSON_AddStringToObject(d, "name", f->st->name);
		cJSON_AddNumberToObject(d, "index", kid->index);
	}
	snprintf(key, sizeof(key), "%c%sEventDetails", 'm', type + 1);
	return hist_event(f->x, &kid->chain, aside, type, key, d);
}

/* Map f's iteration kid ended: MapIterationSucceeded, or
 * MapIterationFailed when failed. Its worker slot goes on from the
 * iteration's last state event to the next item. A worker with no item
 * left, or whose iteration failed, is done, and the Map's own chain joins
 * it: at the iteration's end event after a success, at its last state
 * event after a failure (as AWS numbers them). */
static void
map_iter_end(struct frame *f, struct frame *kid, int failed)
{
	int64_t end = map_iter_event(f, kid, failed ? "MapIterationFailed" :
	    "MapIterationSucceeded", HIST_ASIDE);
	int64_t *w = &f->wchain[kid->worker];

	hist_chain_join(w, kid->chain);
	if (!failed && f->nstarted == f->nkids)
		*w = end;
	if (failed || f->nstarted == f->nkids)
		hist_chain_join(frame_chain(f), *w);
	f->wfree[f->nwfree++] = kid->worker;
}

void
frame_start_kids(struct frame *f)
{
	const struct asl_state *st = f->st;

	while (f->nstarted < f->nkids && (f->max_conc == 0 ||
	    f->nrunning < f->max_conc)) {
		int i = f->nstarted;
		cJSON *item = cJSON_GetArrayItem(f->items, i), *in;

		if (st->item_selector != NULL) {
			struct sl_err err = SL_ERR_INIT;
			cJSON *idx = cJSON_CreateNumber(i);

			in = sl_payload_eval(st->item_selector, f->eff_input,
			    ctx_get(f, idx, item), &err);
			cJSON_Delete(idx);
			if (in == NULL) {
				frame_free_kids(f);
				eval_error(f, &err);
				return;
			}
		} else
			in = cJSON_Duplicate(item, 1);
		f->nstarted++;
		f->nrunning++;
		f->kids[i] = frame_new(f->x, f, st->processor, i, in);
		f->kids[i]->worker = map_worker_take(f);
		f->kids[i]->chain = f->wchain[f->kids[i]->worker];
		map_iter_event(f, f->kids[i], "MapIterationStarted", 0);
		eng_queue(f->kids[i]);
	}
}

static int
map_exceeded(const struct frame *f)
{
	if (f->tol_count < 0 && f->tol_pct < 0)
		return f->nfailed > 0;
	if (f->tol_count >= 0 && f->nfailed > f->tol_count)
		return 1;
	if (f->tol_pct >= 0 && f->nkids > 0 &&
	    (double)f->nfailed * 100.0 / f->nkids > f->tol_pct)
		return 1;
	return 0;
}

void
state_kid_done(struct frame *f, struct frame *kid, cJSON *output,
    const char *error, const char *cause)
{
	int i = kid->index;
	int is_map = f->st->type == ASL_MAP;

	f->nrunning--;
	f->ndone++;
	if (is_map)
		map_iter_end(f, kid, error != NULL);
	else
		hist_chain_join(frame_chain(f), kid->chain);
	if (error == NULL)
		cJSON_ReplaceItemInArray(f->results, i, output);
	else {
		f->nfailed++;
		if (!is_map || map_exceeded(f)) {
			char *e = xstrdup(error), *c = cause ? xstrdup(cause) :
			    NULL;
			int tolerant = is_map && (f->tol_count >= 0 ||
			    f->tol_pct >= 0), j;

			/* The iterations still running are stopped. */
			for (j = 0; is_map && j < f->nkids; j++)
				if (f->kids[j] != NULL)
					map_iter_event(f, f->kids[j],
					    "MapIterationAborted", HIST_ASIDE);
			frame_free_kids(f);
			f->phase = PH_IDLE;
			if (tolerant)
				state_error_ex(f,
				    "States.ExceedToleratedFailureThreshold",
				    "The specified tolerated failure threshold "
				    "was exceeded", ERR_KIDS);
			else
				state_error_ex(f, e, c,
				    ERR_FROM_BRANCH | ERR_KIDS);
			free(e);
			free(c);
			return;
		}
	}
	if (f->ndone == f->nkids) {
		cJSON *res = f->results;

		f->results = NULL;
		frame_free_kids(f);
		f->phase = PH_IDLE;
		hist_event(f->x, frame_chain(f), HIST_ASIDE, is_map ?
		    "MapStateSucceeded" : "ParallelStateSucceeded", NULL, NULL);
		finish_result(f, res);
		return;
	}
	if (is_map)
		frame_start_kids(f);
}

/* --- entry points -------------------------------------------------------- */

void
state_begin(struct frame *f)
{
	switch (f->st->type) {
	case ASL_PASS:
		pass_run(f);
		break;
	case ASL_TASK:
		task_begin(f);
		break;
	case ASL_CHOICE:
		choice_run(f);
		break;
	case ASL_WAIT:
		wait_run(f);
		break;
	case ASL_SUCCEED:
		succeed_run(f);
		break;
	case ASL_FAIL:
		fail_run(f);
		break;
	case ASL_PARALLEL:
		parallel_begin(f);
		break;
	case ASL_MAP:
		map_begin(f);
		break;
	}
}

void
state_enter(struct frame *f)
{
	struct sl_exec *x = f->x;
	const struct asl_state *st = f->st;
	uint32_t quota = x->e->cfg.max_events ? x->e->cfg.max_events :
	    SL_EXEC_MAX_EVENTS;

	/* Room for this state and the execution's end; f may be freed by
	 * exec_finish, so nothing of it is touched after. */
	if (x->last_id + 2 >= (int64_t)quota) {
		char cause[128];

		snprintf(cause, sizeof(cause), "The execution reached the "
		    "maximum number of history events (%u).", quota);
		exec_finish(x, SL_EXEC_FAILED, NULL, "States.Runtime", cause);
		return;
	}
	f->entered_ms = eng_now(x->e);
	f->retry_count = 0;
	free(f->attempts);
	f->attempts = st->nretry ? xcalloc((size_t)st->nretry,
	    sizeof(int)) : NULL;
	emit_state(f, "Entered", "input", f->input);
	f->entered_id = x->last_id;
	state_begin(f);
}

void
state_timer(struct frame *f)
{
	switch (f->phase) {
	case PH_WAIT: {
		cJSON *out = f->input;

		f->input = NULL;
		f->phase = PH_IDLE;
		transition(f, out, NULL);
		break;
	}
	case PH_RETRY:
		f->phase = PH_IDLE;
		state_begin(f);
		break;
	case PH_TASK:
		task_timeout(f);
		break;
	default:
		break;
	}
}
