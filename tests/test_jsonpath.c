/* Suite "jsonpath": compiling, evaluating and assigning paths, with values
 * and messages from the ASL specification and AWS recordings. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orchestrator/jsonpath.h"

/* Evaluate text on the JSON doc; return the compact JSON result, or
 * "ERR:" + message. The caller frees. */
static char *
eval_str(const char *text, unsigned flags, const char *doc, const char *ctx)
{
	struct sl_err err = SL_ERR_INIT;
	cJSON *d = cJSON_Parse(doc), *c = ctx ? cJSON_Parse(ctx) : NULL, *r;
	struct sl_path *p;
	char *s;

	ck_assert_ptr_nonnull(d);
	p = sl_path_compile(text, flags, &err);
	ck_assert_msg(p != NULL, "compile %s: %s", text, err.msg);
	r = sl_path_eval(p, d, c, &err);
	if (r == NULL) {
		ck_assert_str_eq(err.type, "States.Runtime");
		s = malloc(strlen(err.msg) + 5);
		strcpy(s, "ERR:");
		strcat(s, err.msg);
	} else
		s = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	cJSON_Delete(d);
	cJSON_Delete(c);
	sl_path_free(p);
	return s;
}

#define EVAL_EQ(text, doc, want) do {					\
	char *got_ = eval_str(text, SL_PATH_ALLOW_CONTEXT, doc, NULL);	\
	ck_assert_str_eq(got_, want);					\
	free(got_);							\
} while (0)

static int
compiles(const char *text, unsigned flags, char *msg, size_t len)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_path *p = sl_path_compile(text, flags, &err);

	if (msg)
		snprintf(msg, len, "%s", err.msg);
	sl_path_free(p);
	return p != NULL;
}

START_TEST(test_compile_accepts)
{
	static const char *ok[] = { "$", "$.a", "$.a.b", "$['a b']",
	    "$.a[0]", "$.a[-1]", "$.a[*]", "$.*", "$[*]", "$.a[0,2]",
	    "$.a['x','y']", "$.a[1:3]", "$.a[:1]", "$.a[1:]", "$.a[::2]",
	    "$..b", "$..*", "$..[0]", "$.a[?(@.x == 'a')]", "$.a[?(@.x)]",
	    "$.a[?(@.n > 1 && @.n <= 5 || !(@.s))]", "$.delivery-partner",
	    "$['Test\\\"\"Name\"']", "$.a[ 1 ]" };
	size_t i;
	char msg[SL_ERR_MSG_LEN];

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		ck_assert_msg(compiles(ok[i], 0, msg, sizeof(msg)),
		    "%s: %s", ok[i], msg);
	ck_assert(compiles("$$.Execution.Input", SL_PATH_ALLOW_CONTEXT,
	    NULL, 0));
	ck_assert(compiles("$.a['b'][3].c", SL_PATH_REFERENCE, NULL, 0));
}
END_TEST

START_TEST(test_compile_rejects_with_reason)
{
	static const struct {
		const char *text;
		unsigned flags;
		const char *why;
	} bad[] = {
		{ "a.b", 0, "must start with '$'" },
		{ "", 0, "must start with '$'" },
		{ "$.", 0, "expected a name after '.'" },
		{ "$.a[", 0, "expected an integer" },
		{ "$.a[0", 0, "expected ']'" },
		{ "$['x", 0, "unterminated quoted name" },
		{ "$.a[1:2:0]", 0, "slice step cannot be 0" },
		{ "$.a[?(@.x ==)]", 0, "expected a value" },
		{ "$.a]", 0, "unexpected character" },
		{ "$$.Execution", 0, "context object ($$) is not allowed" },
		{ "$.a[*]", SL_PATH_REFERENCE, "invalid Reference Path" },
		{ "$..a", SL_PATH_REFERENCE, "invalid Reference Path" },
		{ "$.a[0:1]", SL_PATH_REFERENCE, "invalid Reference Path" },
		{ "$.a[?(@.x)]", SL_PATH_REFERENCE, "invalid Reference Path" },
	};
	char msg[SL_ERR_MSG_LEN];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(!compiles(bad[i].text, bad[i].flags, msg,
		    sizeof(msg)), "%s compiled", bad[i].text);
		ck_assert_msg(strstr(msg, bad[i].why) != NULL,
		    "%s: message '%s' lacks '%s'", bad[i].text, msg,
		    bad[i].why);
		if (bad[i].text[0] != '\0')
			ck_assert_msg(strstr(msg, bad[i].text) != NULL,
			    "message '%s' does not name the path", msg);
	}
}
END_TEST

START_TEST(test_single_paths)
{
	/* The ASL specification's Paths example. */
	static const char doc[] = "{\"foo\": 123, \"bar\": [\"a\", \"b\", "
	    "\"c\"], \"car\": {\"cdr\": true}}";

	EVAL_EQ("$", doc, "{\"foo\":123,\"bar\":[\"a\",\"b\",\"c\"],"
	    "\"car\":{\"cdr\":true}}");
	EVAL_EQ("$.foo", doc, "123");
	EVAL_EQ("$.bar", doc, "[\"a\",\"b\",\"c\"]");
	EVAL_EQ("$.car.cdr", doc, "true");
	EVAL_EQ("$['car']['cdr']", doc, "true");
	EVAL_EQ("$.bar[1]", doc, "\"b\"");
	EVAL_EQ("$.bar[-1]", doc, "\"c\"");
	/* Recorded: $.items[10] of eleven items. */
	EVAL_EQ("$.items[10]", "{\"items\": [{\"item_key\": 0}, {\"item_key\":"
	    " 1}, {\"item_key\": 2}, {\"item_key\": 3}, {\"item_key\": 4}, "
	    "{\"item_key\": 5}, {\"item_key\": 6}, {\"item_key\": 7}, "
	    "{\"item_key\": 8}, {\"item_key\": 9}, {\"item_key\": 10}]}",
	    "{\"item_key\":10}");
	/* Recorded: a bracket name keeps its backslash. */
	EVAL_EQ("$['Test\\\"\"Name\"']", "{\"Test\\\\\\\"\\\"Name\\\"\": "
	    "\"Value\\\"\\\\\"}", "\"Value\\\"\\\\\"");
	EVAL_EQ("$.delivery-partner", "{\"delivery-partner\": \"x\"}",
	    "\"x\"");
	EVAL_EQ("$['a.b']", "{\"a.b\": 1, \"a\": {\"b\": 2}}", "1");
	EVAL_EQ("$.a.b", "{\"a.b\": 1, \"a\": {\"b\": 2}}", "2");
}
END_TEST

START_TEST(test_multi_paths)
{
	/* The ASL specification's Parameters example. */
	static const char vals[] = "{\"flagged\": 7, \"vals\": [0, 10, 20, 30,"
	    " 40, 50]}";

	EVAL_EQ("$.vals[3:]", vals, "[30,40,50]");
	EVAL_EQ("$.vals[:2]", vals, "[0,10]");
	EVAL_EQ("$.vals[1:5:2]", vals, "[10,30]");
	EVAL_EQ("$.vals[-2:]", vals, "[40,50]");
	EVAL_EQ("$.vals[::-2]", vals, "[50,30,10]");
	EVAL_EQ("$.vals[0,2,9]", vals, "[0,20]");
	EVAL_EQ("$.vals[*]", vals, "[0,10,20,30,40,50]");
	EVAL_EQ("$.*", "{\"a\": 1, \"b\": [2]}", "[1,[2]]");
	EVAL_EQ("$['a','c']", "{\"a\": 1, \"b\": 2, \"c\": 3}", "[1,3]");
	/* Recorded: wildcards and slices over nothing give []. */
	EVAL_EQ("$.items[*]", "{}", "[]");
	EVAL_EQ("$[*]", "{}", "[]");
	EVAL_EQ("$.item.items[1:5].itemValue", "{}", "[]");
	EVAL_EQ("$.items[:1].itemValue", "{}", "[]");
	EVAL_EQ("$.items[*].v", "{\"items\": [{\"v\": 1}, {\"w\": 2}, "
	    "{\"v\": 3}]}", "[1,3]");
	EVAL_EQ("$..name", "{\"a\": {\"name\": 1}, \"b\": [{\"name\": 2}, "
	    "{\"c\": {\"name\": 3}}]}", "[1,2,3]");
	EVAL_EQ("$..[0]", "{\"a\": [1, [2, 3]]}", "[1,2]");
}
END_TEST

START_TEST(test_filters)
{
	static const char users[] = "{\"users\": [{\"year\": 1997, "
	    "\"status\": 0}, {\"year\": 1998, \"status\": 1}, {\"year\": 2001,"
	    " \"name\": \"x\"}]}";

	/* Recorded on AWS. */
	EVAL_EQ("$.users[?(@.status == 0)]", "{\"users\": [{\"year\": 1997, "
	    "\"status\": 0}, {\"year\": 1998, \"status\": 1}]}",
	    "[{\"year\":1997,\"status\":0}]");
	EVAL_EQ("$.users[?(@.status)].year", users, "[1997,1998]");
	EVAL_EQ("$.users[?(@.year > 1997)].year", users, "[1998,2001]");
	EVAL_EQ("$.users[?(@.year >= 1998 && @.status != 1)].year", users,
	    "[2001]");
	EVAL_EQ("$.users[?(@.year < 1998 || @.name == 'x')].year", users,
	    "[1997,2001]");
	EVAL_EQ("$.users[?(!(@.status))].year", users, "[2001]");
	EVAL_EQ("$.users[?(@.name == \"x\")].year", users, "[2001]");
	EVAL_EQ("$.users[?(@.status == '0')]", users, "[]");
	EVAL_EQ("$.users[?(@.year == $.min)].status", "{\"min\": 1998, "
	    "\"users\": [{\"year\": 1997, \"status\": 0}, {\"year\": 1998, "
	    "\"status\": 1}]}", "[1]");
	EVAL_EQ("$.o[?(@.k == 'v')]", "{\"o\": {\"k\": \"v\"}}",
	    "[{\"k\":\"v\"}]");
}
END_TEST

START_TEST(test_not_found_messages)
{
	/* Recorded causes (after AWS's "An error occurred ..." prefix). */
	EVAL_EQ("$.NoSuchInputPath", "{\"int-literal\": 0}",
	    "ERR:Invalid path '$.NoSuchInputPath' : No results for path: "
	    "$['NoSuchInputPath']");
	EVAL_EQ("$.no.such.result.path", "{}",
	    "ERR:Invalid path '$.no.such.result.path' : Missing property in "
	    "path $['no']");
	EVAL_EQ("$.a.b", "{\"a\": {}}",
	    "ERR:Invalid path '$.a.b' : No results for path: $['a']['b']");
	EVAL_EQ("$.a[5]", "{\"a\": [1]}",
	    "ERR:Invalid path '$.a[5]' : No results for path: $['a'][5]");
}
END_TEST

START_TEST(test_field_not_found_message)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_path *p = sl_path_compile(
	    "$$.Execution.Input.no_such_jsonpath", SL_PATH_ALLOW_CONTEXT, &err);
	cJSON *in = cJSON_Parse("{\"a\": [1, \"x\"]}");

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(sl_path_err_not_found(p, "value.$", in, &err), -1);
	ck_assert_str_eq(err.type, "States.Runtime");
	ck_assert_str_eq(err.msg, "The JSONPath "
	    "'$$.Execution.Input.no_such_jsonpath' specified for the field "
	    "'value.$' could not be found in the input '{\"a\":[1,\"x\"]}'");
	sl_path_free(p);
	cJSON_Delete(in);
}
END_TEST

START_TEST(test_context_and_lookup)
{
	struct sl_err err = SL_ERR_INIT;
	cJSON *doc = cJSON_Parse("{\"a\": {\"b\": [10, 20]}}");
	cJSON *ctx = cJSON_Parse("{\"Execution\": {\"Input\": {\"k\": 5}}}");
	struct sl_path *p, *q;
	char *s;

	p = sl_path_compile("$.a.b[1]", SL_PATH_REFERENCE, &err);
	ck_assert_ptr_nonnull(p);
	ck_assert(!sl_path_is_multi(p));
	ck_assert(!sl_path_is_context(p));
	ck_assert_str_eq(sl_path_text(p), "$.a.b[1]");
	/* Borrowed: the node inside doc itself. */
	ck_assert_ptr_eq(sl_path_lookup(p, doc, ctx),
	    cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(doc,
	    "a"), "b"), 1));
	q = sl_path_compile("$$.Execution.Input.k", SL_PATH_ALLOW_CONTEXT,
	    &err);
	ck_assert(sl_path_is_context(q));
	ck_assert_ptr_eq(sl_path_lookup(q, doc, ctx),
	    cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(ctx,
	    "Execution"), "Input"), "k"));
	sl_path_free(q);
	q = sl_path_compile("$.a.b[*]", 0, &err);
	ck_assert(sl_path_is_multi(q));
	ck_assert_ptr_null(sl_path_lookup(q, doc, ctx));
	sl_path_free(q);
	s = eval_str("$$", SL_PATH_ALLOW_CONTEXT, "{}", "{\"x\": 1}");
	ck_assert_str_eq(s, "{\"x\":1}");
	free(s);
	sl_path_free(p);
	cJSON_Delete(doc);
	cJSON_Delete(ctx);
}
END_TEST

/* Assign value (JSON text) at path into doc (JSON text). */
static char *
assign_str(const char *path, const char *doc, const char *value,
    struct sl_err *err)
{
	struct sl_path *p = sl_path_compile(path, SL_PATH_REFERENCE, err);
	cJSON *d = cJSON_Parse(doc);
	char *s = NULL;

	ck_assert_ptr_nonnull(p);
	if (sl_path_assign(p, &d, cJSON_Parse(value), err) == 0)
		s = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	sl_path_free(p);
	return s;
}

START_TEST(test_assign)
{
	struct sl_err err = SL_ERR_INIT;
	char *s;

	/* The AWS developer guide's ResultPath examples. */
	s = assign_str("$.taskresult", "{\"comment\": \"x\"}", "\"Hello\"",
	    &err);
	ck_assert_str_eq(s, "{\"comment\":\"x\",\"taskresult\":\"Hello\"}");
	free(s);
	s = assign_str("$", "{\"comment\": \"x\"}", "\"Hello\"", &err);
	ck_assert_str_eq(s, "\"Hello\"");
	free(s);
	s = assign_str("$.a.b.c", "{}", "1", &err);
	ck_assert_str_eq(s, "{\"a\":{\"b\":{\"c\":1}}}");
	free(s);
	s = assign_str("$.a", "{\"a\": 1, \"z\": 2}", "[3]", &err);
	ck_assert_str_eq(s, "{\"a\":[3],\"z\":2}");
	free(s);
	s = assign_str("$.arr[1]", "{\"arr\": [1, 2]}", "{}", &err);
	ck_assert_str_eq(s, "{\"arr\":[1,{}]}");
	free(s);
	s = assign_str("$.a.b", "{\"a\": 5}", "1", &err);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(err.type, "States.ResultPathMatchFailure");
	ck_assert_str_eq(err.msg, "Unable to apply step \"b\" to input 5");
	s = assign_str("$.x", "\"str\"", "1", &err);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(err.type, "States.ResultPathMatchFailure");
	s = assign_str("$.arr[4]", "{\"arr\": [1]}", "1", &err);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(err.type, "States.ResultPathMatchFailure");
}
END_TEST

START_TEST(test_json_equal)
{
	cJSON *a = cJSON_Parse("{\"x\": [1, 2.0, {\"y\": null}], \"z\": true}");
	cJSON *b = cJSON_Parse("{\"z\": true, \"x\": [1.0, 2, {\"y\": null}]}");
	cJSON *c = cJSON_Parse("{\"z\": true, \"x\": [2, 1, {\"y\": null}]}");
	cJSON *d = cJSON_Parse("{\"z\": true, \"x\": [1, 2, {\"y\": null}], "
	    "\"w\": 1}");

	ck_assert(sl_json_equal(a, b));
	ck_assert(!sl_json_equal(a, c));
	ck_assert(!sl_json_equal(a, d));
	ck_assert(!sl_json_equal(d, a));
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(c);
	cJSON_Delete(d);
}
END_TEST

Suite *
jsonpath_suite(void)
{
	Suite *s = suite_create("jsonpath");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_compile_accepts);
	tcase_add_test(tc, test_compile_rejects_with_reason);
	tcase_add_test(tc, test_single_paths);
	tcase_add_test(tc, test_multi_paths);
	tcase_add_test(tc, test_filters);
	tcase_add_test(tc, test_not_found_messages);
	tcase_add_test(tc, test_field_not_found_message);
	tcase_add_test(tc, test_context_and_lookup);
	tcase_add_test(tc, test_assign);
	tcase_add_test(tc, test_json_equal);
	suite_add_tcase(s, tc);
	return s;
}
