/* Suite "asldata": the data layer (paths, intrinsics, payloads, Choice
 * rules) driven by the AWS recordings under ../shared/conformance/jsonpath.
 * Cases built only from Pass, Choice, Wait (checked, not waited), Succeed
 * and Fail states are run through a minimal state loop here; the suite
 * skips (with a message) when the recordings are not present. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "orchestrator/asltime.h"
#include "orchestrator/choice.h"
#include "orchestrator/intrinsic.h"
#include "orchestrator/jsonpath.h"
#include "orchestrator/payload.h"

static const char *
conformance_dir(void)
{
	static const char *cands[] = { "../shared/conformance/jsonpath",
	    "../../shared/conformance/jsonpath",
	    "/work/shared/conformance/jsonpath" };
	const char *env = getenv("SLUICE_CONFORMANCE");
	static char buf[4096];
	DIR *d;
	size_t i;

	if (env) {
		snprintf(buf, sizeof(buf), "%s/jsonpath", env);
		if ((d = opendir(buf)) != NULL) {
			closedir(d);
			return buf;
		}
	}
	for (i = 0; i < sizeof(cands) / sizeof(cands[0]); i++)
		if ((d = opendir(cands[i])) != NULL) {
			closedir(d);
			return cands[i];
		}
	return NULL;
}

static cJSON *
read_json(const char *path)
{
	struct sl_buf b = SL_BUF_INIT;
	char chunk[8192];
	size_t n;
	FILE *f;
	cJSON *j;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	sl_buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sl_buf_add(&b, chunk, n);
	fclose(f);
	j = cJSON_Parse(b.data);
	sl_buf_release(&b);
	return j;
}

/* Expected string e (with the case's placeholders) matches actual a. */
static int
str_match(const char *e, const char *a, const cJSON *ph)
{
	struct sl_buf pat = SL_BUF_INIT;
	const cJSON *p;
	const char *s;
	size_t n;
	int r, hit;

	cJSON_ArrayForEach(p, ph)
		if (cJSON_IsString(p) && strcmp(p->valuestring, e) == 0)
			return 1;
	if (strcmp(e, a) == 0)
		return 1;
	sl_buf_init(&pat);
	for (s = e; *s;) {
		hit = 0;
		cJSON_ArrayForEach(p, ph) {
			n = cJSON_IsString(p) ? strlen(p->valuestring) : 0;
			if (n && strncmp(s, p->valuestring, n) == 0) {
				sl_buf_addch(&pat, '*');
				s += n;
				hit = 1;
				break;
			}
		}
		if (hit)
			continue;
		if (*s == '<' && strchr(s, '>')) {
			sl_buf_addch(&pat, '*');
			s = strchr(s, '>') + 1;
			continue;
		}
		if (*s == '*' || *s == '\\')
			sl_buf_addch(&pat, '\\');
		sl_buf_addch(&pat, *s++);
	}
	r = sl_choice_wildcard_match(pat.data, a);
	sl_buf_release(&pat);
	return r;
}

static int
json_match(const cJSON *e, const cJSON *a, const cJSON *ph)
{
	const cJSON *x, *y;

	if (e == NULL || a == NULL)
		return e == a;
	if (cJSON_IsString(e)) {
		cJSON_ArrayForEach(x, ph)
			if (cJSON_IsString(x) &&
			    strcmp(x->valuestring, e->valuestring) == 0)
				return 1;
		return cJSON_IsString(a) && str_match(e->valuestring,
		    a->valuestring, ph);
	}
	if (cJSON_IsObject(e)) {
		if (!cJSON_IsObject(a) ||
		    cJSON_GetArraySize(e) != cJSON_GetArraySize(a))
			return 0;
		cJSON_ArrayForEach(x, e) {
			y = cJSON_GetObjectItemCaseSensitive(a, x->string);
			if (!json_match(x, y, ph))
				return 0;
		}
		return 1;
	}
	if (cJSON_IsArray(e)) {
		if (!cJSON_IsArray(a) ||
		    cJSON_GetArraySize(e) != cJSON_GetArraySize(a))
			return 0;
		for (x = e->child, y = a->child; x && y; x = x->next,
		    y = y->next)
			if (!json_match(x, y, ph))
				return 0;
		return 1;
	}
	return sl_json_equal(e, a);
}

struct outcome {
	cJSON *output;
	char error[128];
	char cause[2048];
};

/* Apply a (Reference) path field of st to *doc: absent = "$", null = {}. */
static int
apply_path(const cJSON *st, const char *field, cJSON **doc, const cJSON *ctx,
    struct sl_err *err)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(st, field);
	struct sl_path *p;
	cJSON *v;

	if (f == NULL)
		return 0;
	if (cJSON_IsNull(f)) {
		cJSON_Delete(*doc);
		*doc = cJSON_CreateObject();
		return 0;
	}
	p = sl_path_compile(f->valuestring, SL_PATH_ALLOW_CONTEXT, err);
	if (p == NULL)
		return -1;
	v = sl_path_eval(p, *doc, ctx, err);
	sl_path_free(p);
	if (v == NULL)
		return -1;
	cJSON_Delete(*doc);
	*doc = v;
	return 0;
}

/* A Wait state's TimestampPath/SecondsPath checks (no waiting here). */
static int
wait_check(const cJSON *st, const cJSON *eff, const cJSON *ctx,
    struct sl_err *err)
{
	const cJSON *f, *v;
	struct sl_path *p;
	struct sl_time t;
	char *txt;
	int r = 0;

	if ((f = cJSON_GetObjectItem(st, "TimestampPath")) == NULL &&
	    (f = cJSON_GetObjectItem(st, "SecondsPath")) == NULL) {
		f = cJSON_GetObjectItem(st, "Timestamp");
		ck_assert(f == NULL || sl_time_parse(f->valuestring, &t) == 0);
		return 0;
	}
	p = sl_path_compile(f->valuestring, SL_PATH_ALLOW_CONTEXT, err);
	ck_assert_ptr_nonnull(p);
	v = sl_path_lookup(p, eff, ctx);
	ck_assert_ptr_nonnull(v);
	txt = cJSON_IsString(v) ? strdup(v->valuestring) :
	    cJSON_PrintUnformatted(v);
	if (strcmp(f->string, "TimestampPath") == 0) {
		if (!cJSON_IsString(v) || sl_time_parse(v->valuestring, &t) < 0)
			r = sl_err_set(err, "States.Runtime", "The "
			    "TimestampPath parameter does not reference a valid "
			    "ISO-8601 extended offset date-time format string: "
			    "%s == %s", f->valuestring, txt);
	} else if (!cJSON_IsNumber(v) ||
	    v->valuedouble != (double)(long long)v->valuedouble)
		r = sl_err_set(err, "States.Runtime", "The SecondsPath "
		    "parameter cannot be parsed as a long value: %s == %s",
		    f->valuestring, txt);
	else if (v->valuedouble < 0)
		r = sl_err_set(err, "States.Runtime", "The SecondsPath "
		    "parameter references a negative value: %s == %s",
		    f->valuestring, txt);
	free(txt);
	sl_path_free(p);
	return r;
}

/* A Fail state's ErrorPath/CausePath (a path or an intrinsic call) into
 * out; nothing when the field is absent. */
static int
fail_path(const cJSON *st, const char *field, const cJSON *eff,
    const cJSON *ctx, char *out, size_t len, struct sl_err *err)
{
	const cJSON *f = cJSON_GetObjectItem(st, field);
	struct sl_intrinsic *fn;
	struct sl_path *p;
	const cJSON *v;
	cJSON *r;

	if (f == NULL)
		return 0;
	if (sl_intrinsic_is_call(f->valuestring)) {
		fn = sl_intrinsic_compile(f->valuestring, err);
		ck_assert_ptr_nonnull(fn);
		r = sl_intrinsic_eval_field(fn, eff, ctx, field, err);
		sl_intrinsic_free(fn);
		if (r == NULL)
			return -1;
		snprintf(out, len, "%s", cJSON_GetStringValue(r));
		cJSON_Delete(r);
		return 0;
	}
	p = sl_path_compile(f->valuestring, SL_PATH_ALLOW_CONTEXT, err);
	ck_assert_ptr_nonnull(p);
	v = sl_path_lookup(p, eff, ctx);
	if (v == NULL) {
		sl_path_err_not_found(p, field, eff, err);
		sl_path_free(p);
		return -1;
	}
	snprintf(out, len, "%s", cJSON_GetStringValue(v));
	sl_path_free(p);
	return 0;
}

/* Run a definition of Pass/Choice/Wait/Succeed/Fail states. */
static int
run(const cJSON *def, const cJSON *input, struct outcome *o)
{
	const cJSON *states = cJSON_GetObjectItem(def, "States"), *st, *f, *c;
	const char *name = cJSON_GetObjectItem(def, "StartAt")->valuestring;
	struct sl_err err = SL_ERR_INIT;
	cJSON *doc = cJSON_Duplicate(input, 1), *eff = NULL, *ctx, *sm, *v;
	const char *type, *next;
	struct sl_payload *pl;
	struct sl_choice *ch;
	struct sl_path *p;
	int steps, r, event = 2;

	ctx = cJSON_CreateObject();
	sm = cJSON_AddObjectToObject(ctx, "Execution");
	cJSON_AddItemToObject(sm, "Input", cJSON_Duplicate(input, 1));
	cJSON_AddStringToObject(sm, "Id", "arn:aws:states:us-east-1:"
	    "111111111111:execution:machine:exec");
	cJSON_AddStringToObject(sm, "Name", "exec");
	cJSON_AddStringToObject(sm, "RoleArn", "arn:aws:iam::111111111111:"
	    "role/role");
	cJSON_AddStringToObject(sm, "StartTime", "2024-01-02T03:04:05.678Z");
	sm = cJSON_AddObjectToObject(ctx, "StateMachine");
	cJSON_AddStringToObject(sm, "Id", "arn:aws:states:us-east-1:"
	    "111111111111:stateMachine:machine");
	cJSON_AddStringToObject(sm, "Name", "machine");
	sm = cJSON_AddObjectToObject(ctx, "State");
	cJSON_AddStringToObject(sm, "EnteredTime", "2024-01-02T03:04:05.678Z");
	cJSON_AddNumberToObject(sm, "RetryCount", 0);
	for (steps = 0; steps < 1000; steps++) {
		st = cJSON_GetObjectItemCaseSensitive(states, name);
		type = cJSON_GetObjectItem(st, "Type")->valuestring;
		cJSON_DeleteItemFromObject(sm, "Name");
		cJSON_AddStringToObject(sm, "Name", name);
		eff = cJSON_Duplicate(doc, 1);
		if (apply_path(st, "InputPath", &eff, ctx, &err) < 0)
			goto fail;
		next = NULL;
		if (strcmp(type, "Fail") == 0) {
			snprintf(o->error, sizeof(o->error), "%s",
			    cJSON_GetStringValue(cJSON_GetObjectItem(st,
			    "Error")) ? cJSON_GetStringValue(
			    cJSON_GetObjectItem(st, "Error")) : "");
			snprintf(o->cause, sizeof(o->cause), "%s",
			    cJSON_GetStringValue(cJSON_GetObjectItem(st,
			    "Cause")) ? cJSON_GetStringValue(
			    cJSON_GetObjectItem(st, "Cause")) : "");
			if (fail_path(st, "ErrorPath", eff, ctx, o->error,
			    sizeof(o->error), &err) < 0 ||
			    fail_path(st, "CausePath", eff, ctx, o->cause,
			    sizeof(o->cause), &err) < 0)
				goto fail;
			cJSON_Delete(eff);
			cJSON_Delete(doc);
			cJSON_Delete(ctx);
			return -1;
		}
		if (strcmp(type, "Pass") == 0) {
			if ((f = cJSON_GetObjectItem(st, "Parameters"))) {
				pl = sl_payload_compile(f, "Parameters", &err);
				ck_assert_msg(pl != NULL, "%s", err.msg);
				v = sl_payload_eval(pl, eff, ctx, &err);
				sl_payload_free(pl);
				if (v == NULL)
					goto fail;
				cJSON_Delete(eff);
				eff = v;
			}
			if ((f = cJSON_GetObjectItem(st, "Result"))) {
				cJSON_Delete(eff);
				eff = cJSON_Duplicate(f, 1);
			}
			f = cJSON_GetObjectItem(st, "ResultPath");
			if (f && cJSON_IsNull(f)) {
				cJSON_Delete(eff);
				eff = cJSON_Duplicate(doc, 1);
			} else if (f) {
				p = sl_path_compile(f->valuestring,
				    SL_PATH_REFERENCE, &err);
				ck_assert_msg(p != NULL, "%s", err.msg);
				v = cJSON_Duplicate(doc, 1);
				r = sl_path_assign(p, &v, eff, &err);
				eff = NULL;
				sl_path_free(p);
				if (r < 0) {
					cJSON_Delete(v);
					goto fail;
				}
				eff = v;
			}
		} else if (strcmp(type, "Choice") == 0) {
			cJSON_ArrayForEach(c, cJSON_GetObjectItem(st,
			    "Choices")) {
				ch = sl_choice_compile(c, "Choices", &err);
				ck_assert_msg(ch != NULL, "%s", err.msg);
				r = sl_choice_eval(ch, eff, ctx, &err);
				sl_choice_free(ch);
				if (r < 0)
					goto fail;
				if (r) {
					next = cJSON_GetObjectItem(c,
					    "Next")->valuestring;
					break;
				}
			}
			if (next == NULL) {
				f = cJSON_GetObjectItem(st, "Default");
				if (f == NULL) {
					snprintf(o->error, sizeof(o->error),
					    "States.NoChoiceMatched");
					goto out_fail;
				}
				next = f->valuestring;
			}
		} else if (strcmp(type, "Wait") == 0) {
			if (wait_check(st, eff, ctx, &err) < 0)
				goto fail;
		} else if (strcmp(type, "Succeed") != 0) {
			cJSON_Delete(eff);
			cJSON_Delete(doc);
			cJSON_Delete(ctx);
			return -2;
		}
		if (apply_path(st, "OutputPath", &eff, ctx, &err) < 0)
			goto fail;
		cJSON_Delete(doc);
		doc = eff;
		eff = NULL;
		if (next == NULL && (f = cJSON_GetObjectItem(st, "Next")))
			next = f->valuestring;
		if (next == NULL || strcmp(type, "Succeed") == 0) {
			o->output = doc;
			cJSON_Delete(ctx);
			return 0;
		}
		name = next;
		event += 2; /* entered and exited */
	}
	ck_abort_msg("loop did not end");
fail:
	snprintf(o->error, sizeof(o->error), "%s", err.type);
	snprintf(o->cause, sizeof(o->cause), "An error occurred while "
	    "executing the state '%s' (entered at the event id #%d). %s",
	    name, event, err.msg);
out_fail:
	cJSON_Delete(eff);
	cJSON_Delete(doc);
	cJSON_Delete(ctx);
	return -1;
}

/* Whole context objects: their exact shape belongs to the interpreter. */
static int
uses_whole_context(const cJSON *def)
{
	char *s = cJSON_PrintUnformatted(def);
	int r;

	r = strstr(s, "\"$$\"") || strstr(s, "\"$$.Execution\"") ||
	    strstr(s, "\"$$.State\"") || strstr(s, "\"$$.StateMachine\"");
	free(s);
	return r;
}

START_TEST(test_conformance_recordings)
{
	const char *dir = conformance_dir();
	struct sl_buf path = SL_BUF_INIT;
	struct dirent *de;
	int pass = 0, failn = 0, skip = 0, r;
	DIR *d;

	if (dir == NULL) {
		fprintf(stderr, "asldata: ../shared/conformance not found; "
		    "recording-driven cases skipped\n");
		return;
	}
	sl_buf_init(&path);
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		struct outcome o = { NULL, "", "" };
		const cJSON *def, *exp, *ph, *needs, *st;
		cJSON *cs;
		int ok = 1;

		if (strstr(de->d_name, ".json") == NULL)
			continue;
		sl_buf_reset(&path);
		sl_buf_addf(&path, "%s/%s", dir, de->d_name);
		cs = read_json(path.data);
		ck_assert_msg(cs != NULL, "cannot read %s", path.data);
		def = cJSON_GetObjectItem(cs, "definition");
		exp = cJSON_GetObjectItem(cs, "expected");
		ph = cJSON_GetObjectItem(cs, "placeholders");
		needs = cJSON_GetObjectItem(cs, "needs");
		cJSON_ArrayForEach(st, cJSON_GetObjectItem(def, "States")) {
			const char *t = cJSON_GetStringValue(
			    cJSON_GetObjectItem(st, "Type"));

			if (t == NULL || (strcmp(t, "Pass") != 0 &&
			    strcmp(t, "Choice") != 0 &&
			    strcmp(t, "Wait") != 0 &&
			    strcmp(t, "Succeed") != 0 &&
			    strcmp(t, "Fail") != 0))
				ok = 0;
		}
		if (!ok || cJSON_GetArraySize(needs) > 0 ||
		    cJSON_GetObjectItem(def, "QueryLanguage") ||
		    uses_whole_context(def)) {
			skip++;
			cJSON_Delete(cs);
			continue;
		}
		r = run(def, cJSON_GetObjectItem(cs, "input"), &o);
		if (r == -2) {
			skip++;
		} else if (strcmp(cJSON_GetObjectItem(exp, "status")
		    ->valuestring, "SUCCEEDED") == 0) {
			if (r == 0 && json_match(cJSON_GetObjectItem(exp,
			    "output"), o.output, ph))
				pass++;
			else {
				char *got = o.output ?
				    cJSON_PrintUnformatted(o.output) : NULL;

				failn++;
				fprintf(stderr, "asldata FAIL %s: got %s %s "
				    "%s\n", de->d_name, got ? got : "-",
				    o.error, o.cause);
				free(got);
			}
		} else {
			const char *ee = cJSON_GetStringValue(
			    cJSON_GetObjectItem(exp, "error"));
			const char *ec = cJSON_GetStringValue(
			    cJSON_GetObjectItem(exp, "cause"));

			if (r == -1 && (ee == NULL || strcmp(ee,
			    o.error) == 0) && (ec == NULL ||
			    str_match(ec, o.cause, ph)))
				pass++;
			else {
				failn++;
				fprintf(stderr, "asldata FAIL %s: error %s "
				    "cause %s\n", de->d_name, o.error,
				    o.cause);
			}
		}
		cJSON_Delete(o.output);
		cJSON_Delete(cs);
	}
	closedir(d);
	sl_buf_release(&path);
	fprintf(stderr, "asldata: %d recorded cases passed, %d failed, %d "
	    "skipped (other state types, Lambda, whole context objects)\n",
	    pass, failn, skip);
	ck_assert_int_gt(pass, 0);
	ck_assert_int_eq(failn, 0);
}
END_TEST

Suite *
asldata_suite(void)
{
	Suite *s = suite_create("asldata");
	TCase *tc = tcase_create("recordings");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_conformance_recordings);
	suite_add_tcase(s, tc);
	return s;
}
