/* Compile a States Language definition (JSONPath) into an immutable,
 * reference-counted machine: states linked by pointer, paths and payload
 * templates compiled once. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "orchestrator/engine_int.h"

/* snprintf for field names, which may be cut short without harm. */
static void
wfmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static struct asl_branch *branch_compile(const cJSON *def, const char *where,
    struct sl_err *err);
static void branch_free(struct asl_branch *b);

const char *
asl_type_name(enum asl_type t)
{
	static const char *names[] = { "Pass", "Task", "Choice", "Wait",
		"Succeed", "Fail", "Parallel", "Map" };

	return names[t];
}

static int
state_cmp(const void *a, const void *b)
{
	const struct asl_state *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

struct asl_state *
asl_branch_find(const struct asl_branch *b, const char *name)
{
	int lo = 0, hi = b->nstates - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		int c = strcmp(name, b->states[mid]->name);

		if (c == 0)
			return b->states[mid];
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return NULL;
}

static void
errors_free(struct asl_errors *e)
{
	int i;

	for (i = 0; i < e->n; i++)
		free(e->names[i]);
	free(e->names);
}

static void
state_free(struct asl_state *s)
{
	int i;

	if (s == NULL)
		return;
	free(s->name);
	sl_path_free(s->input_path);
	sl_path_free(s->output_path);
	sl_path_free(s->result_path);
	sl_payload_free(s->parameters);
	sl_payload_free(s->result_selector);
	cJSON_Delete(s->result);
	for (i = 0; i < s->nretry; i++)
		errors_free(&s->retry[i].on);
	free(s->retry);
	for (i = 0; i < s->ncatch; i++) {
		errors_free(&s->catch[i].on);
		sl_path_free(s->catch[i].result_path);
	}
	free(s->catch);
	free(s->resource);
	free(s->function);
	sl_path_free(s->timeout_path);
	sl_path_free(s->heartbeat_path);
	for (i = 0; i < s->nchoices; i++)
		asl_choice_free(s->choices[i].rule);
	free(s->choices);
	sl_path_free(s->seconds_path);
	sl_path_free(s->timestamp_path);
	free(s->error);
	free(s->cause);
	sl_path_free(s->error_path);
	sl_path_free(s->cause_path);
	sl_intrinsic_free(s->error_fn);
	sl_intrinsic_free(s->cause_fn);
	for (i = 0; i < s->nbranches; i++)
		branch_free(s->branches[i]);
	free(s->branches);
	sl_path_free(s->items_path);
	sl_payload_free(s->item_selector);
	branch_free(s->processor);
	sl_path_free(s->max_conc_path);
	sl_path_free(s->tol_pct_path);
	sl_path_free(s->tol_count_path);
	free(s);
}

static void
branch_free(struct asl_branch *b)
{
	int i;

	if (b == NULL)
		return;
	for (i = 0; i < b->nstates; i++)
		state_free(b->states[i]);
	free(b->states);
	free(b);
}

/* A path field: absent leaves *p NULL; null sets *is_null (when allowed). */
static int
get_path(const cJSON *js, const char *key, unsigned flags, const char *where,
    struct sl_path **p, unsigned char *is_null, struct sl_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(js, key);
	struct sl_err perr = SL_ERR_INIT;

	if (v == NULL)
		return 0;
	if (cJSON_IsNull(v) && is_null != NULL) {
		*is_null = 1;
		return 0;
	}
	if (!cJSON_IsString(v))
		return sl_err_set(err, "States.Runtime",
		    "%s/%s: must be a string", where, key);
	/* "$" is the default: keep NULL so that it costs nothing. */
	if (strcmp(v->valuestring, "$") == 0 && is_null != NULL)
		return 0;
	*p = sl_path_compile(v->valuestring, flags, &perr);
	if (*p == NULL)
		return sl_err_set(err, "States.Runtime", "%s/%s: %s", where,
		    key, perr.msg);
	return 0;
}

static int
get_payload(const cJSON *js, const char *key, const char *where,
    struct sl_payload **p, struct sl_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(js, key);
	char field[512];

	if (v == NULL)
		return 0;
	wfmt(field, sizeof(field), "%s/%s", where, key);
	*p = sl_payload_compile(v, field, err);
	if (*p == NULL) {
		if (err != NULL)
			wfmt(err->type, sizeof(err->type), "%s",
			    "States.Runtime");
		return -1;
	}
	return 0;
}

static int
get_int(const cJSON *js, const char *key, const char *where, int64_t *out,
    int *has, struct sl_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(js, key);

	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
	    fabs(v->valuedouble) > 9.2e18)
		return sl_err_set(err, "States.Runtime",
		    "%s/%s: must be an integer", where, key);
	*out = (int64_t)v->valuedouble;
	if (has != NULL)
		*has = 1;
	return 0;
}

static int
get_num(const cJSON *js, const char *key, const char *where, double *out,
    int *has, struct sl_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(js, key);

	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v))
		return sl_err_set(err, "States.Runtime",
		    "%s/%s: must be a number", where, key);
	*out = v->valuedouble;
	if (has != NULL)
		*has = 1;
	return 0;
}

static const char *
get_str(const cJSON *js, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(js, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A Retry or Catch entry js (at where) must be an object; take its
 * ErrorEquals into out. */
static int
errors_compile(const cJSON *js, const char *where, struct asl_errors *out,
    struct sl_err *err)
{
	const cJSON *eq, *v;
	int n = 0;

	if (!cJSON_IsObject(js))
		return sl_err_set(err, "States.Runtime",
		    "%s: must be an object", where);
	eq = cJSON_GetObjectItemCaseSensitive(js, "ErrorEquals");
	if (!cJSON_IsArray(eq) || cJSON_GetArraySize(eq) == 0)
		return sl_err_set(err, "States.Runtime",
		    "%s/ErrorEquals: must be a non-empty array", where);
	out->names = xcalloc((size_t)cJSON_GetArraySize(eq), sizeof(char *));
	cJSON_ArrayForEach(v, eq) {
		if (!cJSON_IsString(v))
			return sl_err_set(err, "States.Runtime",
			    "%s/ErrorEquals/%d: must be a string", where, n);
		out->names[n++] = xstrdup(v->valuestring);
		out->n = n;
	}
	return 0;
}

static int
retry_compile(struct asl_state *s, const cJSON *js, const char *where,
    struct sl_err *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(js, "Retry");
	const cJSON *r;
	char w[512];
	int i = 0;

	if (arr == NULL)
		return 0;
	if (!cJSON_IsArray(arr))
		return sl_err_set(err, "States.Runtime",
		    "%s/Retry: must be an array", where);
	s->retry = xcalloc((size_t)cJSON_GetArraySize(arr) + 1,
	    sizeof(*s->retry));
	cJSON_ArrayForEach(r, arr) {
		struct asl_retrier *rt = &s->retry[i];
		int64_t ma = 3;
		const char *jit;

		wfmt(w, sizeof(w), "%s/Retry/%d", where, i);
		s->nretry = ++i;
		rt->interval = 1;
		rt->backoff = 2.0;
		if (errors_compile(r, w, &rt->on, err) == -1 ||
		    get_num(r, "IntervalSeconds", w, &rt->interval, NULL,
			err) == -1 ||
		    get_int(r, "MaxAttempts", w, &ma, NULL, err) == -1 ||
		    get_num(r, "BackoffRate", w, &rt->backoff, NULL, err) ==
			-1 ||
		    get_num(r, "MaxDelaySeconds", w, &rt->max_delay, NULL,
			err) == -1)
			return -1;
		if (ma < 0)
			ma = 0;
		if (ma > 99999999)
			ma = 99999999;
		rt->max_attempts = (int)ma;
		jit = get_str(r, "JitterStrategy");
		rt->jitter_full = jit != NULL && strcmp(jit, "FULL") == 0;
	}
	return 0;
}

static int
catch_compile(struct asl_state *s, const cJSON *js, const char *where,
    struct sl_err *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(js, "Catch");
	const cJSON *c;
	char w[512];
	int i = 0;

	if (arr == NULL)
		return 0;
	if (!cJSON_IsArray(arr))
		return sl_err_set(err, "States.Runtime",
		    "%s/Catch: must be an array", where);
	s->catch = xcalloc((size_t)cJSON_GetArraySize(arr) + 1,
	    sizeof(*s->catch));
	cJSON_ArrayForEach(c, arr) {
		struct asl_catcher *ct = &s->catch[i];

		wfmt(w, sizeof(w), "%s/Catch/%d", where, i);
		s->ncatch = ++i;
		if (errors_compile(c, w, &ct->on, err) == -1 ||
		    get_path(c, "ResultPath", SL_PATH_REFERENCE, w,
			&ct->result_path, &ct->result_null,
			err) == -1)
			return -1;
	}
	return 0;
}

/* Point *to at the state of b called name (a transition target given at
 * where/key); fails when there is none. */
static int
link_target(const struct asl_branch *b, const char *name, const char *where,
    const char *key, struct asl_state **to, struct sl_err *err)
{
	if (name != NULL && (*to = asl_branch_find(b, name)) != NULL)
		return 0;
	return sl_err_set(err, "States.Runtime", "%s/%s: no state named '%s'",
	    where, key, name ? name : "");
}

static int
catch_link(struct asl_state *s, const cJSON *js, struct asl_branch *b,
    const char *where, struct sl_err *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(js, "Catch");
	char key[32];
	int i;

	for (i = 0; i < s->ncatch; i++) {
		wfmt(key, sizeof(key), "Catch/%d/Next", i);
		if (link_target(b, get_str(cJSON_GetArrayItem(arr, i), "Next"),
		    where, key, &s->catch[i].next, err) == -1)
			return -1;
	}
	return 0;
}

static enum asl_resource
resource_kind(const char *r, char **function)
{
	if (strncmp(r, "arn:aws:lambda:", 15) == 0 ||
	    strncmp(r, "arn:aws-us-gov:lambda:", 22) == 0) {
		*function = xstrdup(r);
		return ASL_RES_LAMBDA_ARN;
	}
	if (strcmp(r, "arn:aws:states:::lambda:invoke") == 0 ||
	    strcmp(r, "arn:aws:states:::lambda:invoke.waitForTaskToken") == 0)
		return ASL_RES_LAMBDA_INVOKE;
	return ASL_RES_OTHER;
}

static int
pass_compile(struct asl_state *s, const cJSON *js, const char *w,
    struct sl_err *err)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(js, "Result");

	(void)w;
	(void)err;
	if (r != NULL)
		s->result = cJSON_Duplicate(r, 1);
	return 0;
}

static int
task_compile(struct asl_state *s, const cJSON *js, const char *w,
    struct sl_err *err)
{
	const char *r = get_str(js, "Resource");

	if (r == NULL)
		return sl_err_set(err, "States.Runtime",
		    "%s/Resource: must be a string", w);
	s->resource = xstrdup(r);
	s->res_kind = resource_kind(r, &s->function);
	s->wait_token = strstr(r, ".waitForTaskToken") != NULL;
	/* Callbacks (SendTaskSuccess/Failure) have no API here yet: refused
	 * rather than run as a plain invocation. */
	if (s->wait_token)
		return sl_err_set(err, "UnsupportedFeature",
		    "%s/Resource: callback tasks (.waitForTaskToken) are not "
		    "supported yet", w);
	if (get_int(js, "TimeoutSeconds", w, &s->timeout_s, NULL, err) == -1 ||
	    get_int(js, "HeartbeatSeconds", w, &s->heartbeat_s, NULL, err) ==
		-1 ||
	    get_path(js, "TimeoutSecondsPath", SL_PATH_REFERENCE, w,
		&s->timeout_path, NULL, err) == -1 ||
	    get_path(js, "HeartbeatSecondsPath", SL_PATH_REFERENCE, w,
		&s->heartbeat_path, NULL, err) == -1)
		return -1;
	return 0;
}

static int
choice_compile(struct asl_state *s, const cJSON *js, struct asl_branch *b,
    const char *w, struct sl_err *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(js, "Choices");
	const cJSON *c;
	const char *d;
	char f[512];
	int i = 0;

	if (!cJSON_IsArray(arr))
		return sl_err_set(err, "States.Runtime",
		    "%s/Choices: must be an array", w);
	s->choices = xcalloc((size_t)cJSON_GetArraySize(arr) + 1,
	    sizeof(*s->choices));
	cJSON_ArrayForEach(c, arr) {
		const char *nx = get_str(c, "Next");

		wfmt(f, sizeof(f), "%s/Choices/%d", w, i);
		s->nchoices = i + 1;
		s->choices[i].rule = asl_choice_compile(c, f, err);
		if (s->choices[i].rule == NULL ||
		    link_target(b, nx, f, "Next", &s->choices[i].next, err) ==
		    -1)
			return -1;
		i++;
	}
	d = get_str(js, "Default");
	if (d != NULL && link_target(b, d, w, "Default", &s->def, err) == -1)
		return -1;
	return 0;
}

static int
wait_compile(struct asl_state *s, const cJSON *js, const char *w,
    struct sl_err *err)
{
	const char *ts = get_str(js, "Timestamp");

	if (get_int(js, "Seconds", w, &s->seconds, &s->has_seconds, err) ==
	    -1 ||
	    get_path(js, "SecondsPath", SL_PATH_REFERENCE |
		SL_PATH_ALLOW_CONTEXT, w, &s->seconds_path, NULL, err) == -1 ||
	    get_path(js, "TimestampPath", SL_PATH_REFERENCE |
		SL_PATH_ALLOW_CONTEXT, w, &s->timestamp_path, NULL, err) == -1)
		return -1;
	if (ts != NULL) {
		if (asl_parse_time(ts, &s->timestamp_ms) == -1)
			return sl_err_set(err, "States.Runtime",
			    "%s/Timestamp: not an RFC 3339 timestamp: %s", w,
			    ts);
		s->has_timestamp = 1;
	}
	if (!s->has_seconds && !s->has_timestamp && s->seconds_path == NULL &&
	    s->timestamp_path == NULL)
		return sl_err_set(err, "States.Runtime",
		    "%s: one of Seconds, Timestamp, SecondsPath, TimestampPath "
		    "is required", w);
	return 0;
}

/* ErrorPath/CausePath: a path or an intrinsic call. */
static int
fail_field_compile(const cJSON *js, const char *key, const char *w,
    struct sl_path **p, struct sl_intrinsic **fn, struct sl_err *err)
{
	const char *t = get_str(js, key);
	struct sl_err ierr = SL_ERR_INIT;

	if (t == NULL || !sl_intrinsic_is_call(t))
		return get_path(js, key, SL_PATH_ALLOW_CONTEXT, w, p, NULL,
		    err);
	*fn = sl_intrinsic_compile(t, &ierr);
	if (*fn == NULL)
		return sl_err_set(err, "States.Runtime", "%s/%s: %s", w, key,
		    ierr.msg);
	return 0;
}

static int
fail_compile(struct asl_state *s, const cJSON *js, const char *w,
    struct sl_err *err)
{
	const char *e = get_str(js, "Error"), *c = get_str(js, "Cause");

	s->error = e ? xstrdup(e) : NULL;
	s->cause = c ? xstrdup(c) : NULL;
	if (fail_field_compile(js, "ErrorPath", w, &s->error_path,
		&s->error_fn, err) == -1 ||
	    fail_field_compile(js, "CausePath", w, &s->cause_path,
		&s->cause_fn, err) == -1)
		return -1;
	return 0;
}

static int
parallel_compile(struct asl_state *s, const cJSON *js, const char *w,
    struct sl_err *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(js, "Branches");
	const cJSON *b;
	char f[512];
	int i = 0;

	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
		return sl_err_set(err, "States.Runtime",
		    "%s/Branches: must be a non-empty array", w);
	s->branches = xcalloc((size_t)cJSON_GetArraySize(arr),
	    sizeof(*s->branches));
	cJSON_ArrayForEach(b, arr) {
		wfmt(f, sizeof(f), "%s/Branches/%d", w, i);
		s->branches[i] = branch_compile(b, f, err);
		if (s->branches[i] == NULL)
			return -1;
		s->nbranches = ++i;
	}
	return 0;
}

static int
map_compile(struct asl_state *s, const cJSON *js, const char *w,
    struct sl_err *err)
{
	const cJSON *proc = cJSON_GetObjectItemCaseSensitive(js,
	    "ItemProcessor");
	char f[512];
	const char *pkey = "ItemProcessor";

	if (proc == NULL) {
		proc = cJSON_GetObjectItemCaseSensitive(js, "Iterator");
		pkey = "Iterator";
	}
	if (!cJSON_IsObject(proc))
		return sl_err_set(err, "States.Runtime",
		    "%s/ItemProcessor: must be an object", w);
	wfmt(f, sizeof(f), "%s/%s", w, pkey);
	s->processor = branch_compile(proc, f, err);
	if (s->processor == NULL)
		return -1;
	if (get_path(js, "ItemsPath", SL_PATH_REFERENCE |
		SL_PATH_ALLOW_CONTEXT, w, &s->items_path, NULL, err) == -1 ||
	    get_payload(js, "ItemSelector", w, &s->item_selector, err) == -1 ||
	    get_int(js, "MaxConcurrency", w, &s->max_conc, NULL, err) == -1 ||
	    get_path(js, "MaxConcurrencyPath", SL_PATH_REFERENCE |
		SL_PATH_ALLOW_CONTEXT, w, &s->max_conc_path, NULL, err) == -1 ||
	    get_num(js, "ToleratedFailurePercentage", w, &s->tol_pct,
		&s->has_tol_pct, err) == -1 ||
	    get_path(js, "ToleratedFailurePercentagePath", SL_PATH_REFERENCE |
		SL_PATH_ALLOW_CONTEXT, w, &s->tol_pct_path, NULL, err) == -1 ||
	    get_int(js, "ToleratedFailureCount", w, &s->tol_count,
		&s->has_tol_count, err) == -1 ||
	    get_path(js, "ToleratedFailureCountPath", SL_PATH_REFERENCE |
		SL_PATH_ALLOW_CONTEXT, w, &s->tol_count_path, NULL, err) == -1)
		return -1;
	/* The legacy form: Parameters of a Map are its ItemSelector. */
	if (s->item_selector == NULL && s->parameters != NULL) {
		s->item_selector = s->parameters;
		s->parameters = NULL;
	}
	return 0;
}

static enum asl_type
type_of(const char *t, int *ok)
{
	int i;

	*ok = 0;
	for (i = ASL_PASS; t != NULL && i <= ASL_MAP; i++)
		if (strcmp(t, asl_type_name((enum asl_type)i)) == 0) {
			*ok = 1;
			return (enum asl_type)i;
		}
	return ASL_PASS;
}

static struct asl_state *
state_compile(const char *name, const cJSON *js, const char *where,
    struct sl_err *err)
{
	/* The fields of each type beyond the common ones (Choice is compiled
	 * when its targets are linked). */
	static int (*const compile[])(struct asl_state *, const cJSON *,
	    const char *, struct sl_err *) = {
		[ASL_PASS] = pass_compile,
		[ASL_TASK] = task_compile,
		[ASL_WAIT] = wait_compile,
		[ASL_FAIL] = fail_compile,
		[ASL_PARALLEL] = parallel_compile,
		[ASL_MAP] = map_compile,
	};
	struct asl_state *s = xcalloc(1, sizeof(*s));
	char w[512];
	int ok;
	const cJSON *end;

	s->name = xstrdup(name);
	wfmt(w, sizeof(w), "%s/%s", where, name);
	if (!cJSON_IsObject(js)) {
		sl_err_set(err, "States.Runtime", "%s: must be an object", w);
		goto fail;
	}
	s->type = type_of(get_str(js, "Type"), &ok);
	if (!ok) {
		sl_err_set(err, "States.Runtime", "%s/Type: unknown type", w);
		goto fail;
	}
	end = cJSON_GetObjectItemCaseSensitive(js, "End");
	s->end = cJSON_IsTrue(end);
	if (get_path(js, "InputPath", SL_PATH_REFERENCE | SL_PATH_ALLOW_CONTEXT,
		w, &s->input_path, &s->input_null, err) == -1 ||
	    get_path(js, "OutputPath", SL_PATH_REFERENCE |
		SL_PATH_ALLOW_CONTEXT, w, &s->output_path, &s->output_null,
		err) == -1 ||
	    get_path(js, "ResultPath", SL_PATH_REFERENCE, w, &s->result_path,
		&s->result_null, err) == -1 ||
	    get_payload(js, "Parameters", w, &s->parameters, err) == -1 ||
	    get_payload(js, "ResultSelector", w, &s->result_selector, err) ==
		-1 ||
	    retry_compile(s, js, w, err) == -1 ||
	    catch_compile(s, js, w, err) == -1)
		goto fail;
	if (compile[s->type] != NULL && compile[s->type](s, js, w, err) == -1)
		goto fail;
	return s;
fail:
	state_free(s);
	return NULL;
}

/* Second pass: Next, Default, Choices and Catch targets, within b. */
static int
state_link(struct asl_state *s, const cJSON *js, struct asl_branch *b,
    const char *where, struct sl_err *err)
{
	const char *nx = get_str(js, "Next");
	char w[512];

	wfmt(w, sizeof(w), "%s/%s", where, s->name);
	if (s->type == ASL_CHOICE)
		return choice_compile(s, js, b, w, err);
	if (catch_link(s, js, b, w, err) == -1)
		return -1;
	if (s->type == ASL_SUCCEED || s->type == ASL_FAIL)
		return 0;
	if (nx != NULL) {
		if (link_target(b, nx, w, "Next", &s->next, err) == -1)
			return -1;
		s->end = 0;
	} else if (!s->end)
		return sl_err_set(err, "States.Runtime",
		    "%s: neither Next nor End", w);
	return 0;
}

static struct asl_branch *
branch_compile(const cJSON *def, const char *where, struct sl_err *err)
{
	struct asl_branch *b = xcalloc(1, sizeof(*b));
	const cJSON *states = cJSON_GetObjectItemCaseSensitive(def, "States");
	const char *start = get_str(def, "StartAt");
	const cJSON *st;
	char w[512];
	int n, i;

	wfmt(w, sizeof(w), "%s/States", where);
	if (!cJSON_IsObject(states) || (n = cJSON_GetArraySize(states)) == 0) {
		sl_err_set(err, "States.Runtime",
		    "%s: must be a non-empty object", w);
		goto fail;
	}
	b->states = xcalloc((size_t)n, sizeof(*b->states));
	cJSON_ArrayForEach(st, states) {
		struct asl_state *s;

		if (st->string == NULL)
			continue;
		s = state_compile(st->string, st, w, err);
		if (s == NULL)
			goto fail;
		s->owner = b;
		b->states[b->nstates++] = s;
	}
	qsort(b->states, (size_t)b->nstates, sizeof(*b->states), state_cmp);
	for (i = 1; i < b->nstates; i++)
		if (strcmp(b->states[i - 1]->name, b->states[i]->name) == 0) {
			sl_err_set(err, "States.Runtime",
			    "%s/%s: duplicate state name", w,
			    b->states[i]->name);
			goto fail;
		}
	cJSON_ArrayForEach(st, states) {
		struct asl_state *s = asl_branch_find(b, st->string);

		if (state_link(s, st, b, w, err) == -1)
			goto fail;
	}
	if (link_target(b, start, where, "StartAt", &b->start, err) == -1)
		goto fail;
	return b;
fail:
	branch_free(b);
	return NULL;
}

/* What this engine does not run, refused rather than run wrongly: the
 * JSONata query language and workflow variables (Assign). Only the places
 * where the States Language has these fields are looked at (a state, a
 * catcher, a choice rule), never the data of Result or Parameters. */
static int
unsupported_at(const cJSON *o, struct sl_err *err)
{
	const cJSON *ql = cJSON_GetObjectItemCaseSensitive(o, "QueryLanguage");

	if (cJSON_IsString(ql) && strcmp(ql->valuestring, "JSONata") == 0)
		return sl_err_set(err, "UnsupportedFeature",
		    "QueryLanguage JSONata is not supported yet");
	if (cJSON_IsObject(o) && cJSON_GetObjectItemCaseSensitive(o,
	    "Assign") != NULL)
		return sl_err_set(err, "UnsupportedFeature",
		    "workflow variables (Assign) are not supported yet");
	return 0;
}

static int
unsupported(const cJSON *def, struct sl_err *err)
{
	const cJSON *st, *c;
	static const char *lists[] = { "Catch", "Choices", "Branches" };
	static const char *procs[] = { "ItemProcessor", "Iterator" };
	int i;

	if (unsupported_at(def, err) == -1)
		return -1;
	cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(def,
	    "States")) {
		if (unsupported_at(st, err) == -1)
			return -1;
		for (i = 0; i < 3; i++) {
			const cJSON *l = cJSON_GetObjectItemCaseSensitive(st,
			    lists[i]);

			cJSON_ArrayForEach(c, l)
				if ((i == 2 ? unsupported(c, err) :
				    unsupported_at(c, err)) == -1)
					return -1;
		}
		for (i = 0; i < 2; i++) {
			c = cJSON_GetObjectItemCaseSensitive(st, procs[i]);
			if (cJSON_IsObject(c) && unsupported(c, err) == -1)
				return -1;
		}
	}
	return 0;
}

static int
mentions_context(const cJSON *v)
{
	const cJSON *c;

	if (cJSON_IsString(v) && strstr(v->valuestring, "$$") != NULL)
		return 1;
	cJSON_ArrayForEach(c, v)
		if (mentions_context(c))
			return 1;
	return 0;
}

struct sl_asl_machine *
sl_asl_machine_from_json(const cJSON *def, const char *arn, const char *name,
    struct sl_err *err)
{
	struct sl_asl_machine *m;
	int64_t to = 0;

	if (!cJSON_IsObject(def)) {
		sl_err_set(err, "States.Runtime",
		    "the definition must be a JSON object");
		return NULL;
	}
	if (get_int(def, "TimeoutSeconds", "", &to, NULL, err) == -1)
		return NULL;
	if (unsupported(def, err) == -1)
		return NULL;
	m = xcalloc(1, sizeof(*m));
	m->refs = 1;
	m->name = xstrdup(name ? name : "StateMachine");
	if (arn != NULL)
		m->arn = xstrdup(arn);
	else
		m->arn = xasprintf("arn:aws:states:us-east-1:000000000000:"
		    "stateMachine:%s", m->name);
	m->timeout_s = to > 0 && to < UINT32_MAX ? (uint32_t)to : 0;
	m->uses_ctx = mentions_context(def);
	m->top = branch_compile(def, "", err);
	if (m->top == NULL) {
		sl_asl_machine_unref(m);
		return NULL;
	}
	return m;
}

struct sl_asl_machine *
sl_asl_machine_new(const char *definition, const char *arn, const char *name,
    struct sl_err *err)
{
	cJSON *def = cJSON_Parse(definition ? definition : "");
	struct sl_asl_machine *m;

	if (def == NULL) {
		sl_err_set(err, "InvalidDefinition",
		    "the definition is not valid JSON");
		return NULL;
	}
	m = sl_asl_machine_from_json(def, arn, name, err);
	cJSON_Delete(def);
	return m;
}

struct sl_asl_machine *
sl_asl_machine_ref(struct sl_asl_machine *m)
{
	m->refs++;
	return m;
}

void
sl_asl_machine_unref(struct sl_asl_machine *m)
{
	if (m == NULL || --m->refs > 0)
		return;
	branch_free(m->top);
	free(m->arn);
	free(m->name);
	free(m);
}

const char *
sl_asl_machine_arn(const struct sl_asl_machine *m)
{
	return m->arn;
}

const char *
sl_asl_machine_name(const struct sl_asl_machine *m)
{
	return m->name;
}

uint32_t
sl_asl_machine_timeout(const struct sl_asl_machine *m)
{
	return m->timeout_s;
}
