/* Suite "payload": Parameters/ResultSelector templates with ".$" keys,
 * using the AWS developer guide's examples and recorded messages. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "orchestrator/payload.h"

/* Compile tmpl, evaluate on doc/ctx; compact JSON or "type: message". */
static char *
run(const char *tmpl, const char *doc, const char *ctx)
{
	struct sl_err err = SL_ERR_INIT;
	cJSON *t = cJSON_Parse(tmpl), *d = cJSON_Parse(doc), *r;
	cJSON *c = cJSON_Parse(ctx ? ctx : "{}");
	struct sl_payload *p;
	char *s;

	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(d);
	p = sl_payload_compile(t, "/States/S/Parameters", &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	cJSON_Delete(t); /* the payload keeps what it needs */
	r = sl_payload_eval(p, d, c, &err);
	if (r == NULL) {
		s = malloc(strlen(err.type) + strlen(err.msg) + 3);
		strcpy(s, err.type);
		strcat(s, ": ");
		strcat(s, err.msg);
	} else
		s = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	cJSON_Delete(d);
	cJSON_Delete(c);
	sl_payload_free(p);
	return s;
}

#define RUN_EQ(tmpl, doc, ctx, want) do {				\
	char *got_ = run(tmpl, doc, ctx);				\
	ck_assert_str_eq(got_, want);					\
	free(got_);							\
} while (0)

START_TEST(test_guide_example)
{
	/* The developer guide's Parameters example. */
	RUN_EQ("{\"comment\": \"Selecting what I care about.\", \"MyDetails\":"
	    " {\"size.$\": \"$.product.details.size\", \"exists.$\": "
	    "\"$.product.availability\", \"StaticValue\": \"foo\"}}",
	    "{\"comment\": \"Example for Parameters.\", \"product\": "
	    "{\"details\": {\"color\": \"blue\", \"size\": \"small\", "
	    "\"material\": \"cotton\"}, \"availability\": \"in stock\", "
	    "\"sku\": \"2317\", \"cost\": \"$23\"}}", NULL,
	    "{\"comment\":\"Selecting what I care about.\",\"MyDetails\":"
	    "{\"size\":\"small\",\"exists\":\"in stock\",\"StaticValue\":"
	    "\"foo\"}}");
	/* The specification's example, with a slice. */
	RUN_EQ("{\"flagged\": true, \"parts\": {\"first.$\": \"$.vals[0]\", "
	    "\"last3.$\": \"$.vals[3:]\"}}", "{\"flagged\": 7, \"vals\": "
	    "[0, 10, 20, 30, 40, 50]}", NULL, "{\"flagged\":true,\"parts\":"
	    "{\"first\":0,\"last3\":[30,40,50]}}");
}
END_TEST

START_TEST(test_kinds_of_values)
{
	/* Static templates are copied as they are, whatever their type. */
	RUN_EQ("{\"a\": [1, {\"b\": null}], \"c\": \"$.x\"}", "{\"x\": 1}",
	    NULL, "{\"a\":[1,{\"b\":null}],\"c\":\"$.x\"}");
	RUN_EQ("[1, 2]", "{}", NULL, "[1,2]");
	RUN_EQ("\"s\"", "{}", NULL, "\"s\"");
	/* Arrays of objects with ".$" keys recurse. */
	RUN_EQ("{\"list\": [{\"v.$\": \"$.x\"}, 3, [{\"w.$\": \"$\"}]]}",
	    "{\"x\": 1}", NULL,
	    "{\"list\":[{\"v\":1},3,[{\"w\":{\"x\":1}}]]}");
	/* Context object and intrinsic calls. */
	RUN_EQ("{\"name.$\": \"$$.State.Name\", \"all.$\": \"$$\", "
	    "\"fmt.$\": \"States.Format('{}-{}', $.x, $$.State.Name)\"}",
	    "{\"x\": 1}", "{\"State\": {\"Name\": \"S\"}}",
	    "{\"name\":\"S\",\"all\":{\"State\":{\"Name\":\"S\"}},"
	    "\"fmt\":\"1-S\"}");
	/* Recorded: a multi path over nothing gives []. */
	RUN_EQ("{\"item.$\": \"$.items[*].itemValue\"}", "{}", NULL,
	    "{\"item\":[]}");
	/* A later duplicate of a key wins. */
	RUN_EQ("{\"a\": 1, \"a.$\": \"$.x\"}", "{\"x\": 2}", NULL,
	    "{\"a\":2}");
}
END_TEST

START_TEST(test_eval_errors)
{
	/* Recorded: the field is named with its ".$" and the input shown. */
	RUN_EQ("{\"value.$\": \"$.no_such_jsonpath\"}", "{\"a\": 1}", NULL,
	    "States.Runtime: The JSONPath '$.no_such_jsonpath' specified for "
	    "the field 'value.$' could not be found in the input "
	    "'{\"a\":1}'");
	RUN_EQ("{\"o\": {\"deep.$\": \"$.a.b\"}}", "{\"a\": {}}", NULL,
	    "States.Runtime: The JSONPath '$.a.b' specified for the field "
	    "'deep.$' could not be found in the input '{\"a\":{}}'");
	RUN_EQ("{\"v.$\": \"States.ArrayGetItem($.a, 5)\"}", "{\"a\": []}",
	    NULL, "States.IntrinsicFailure: The index 5 of "
	    "States.ArrayGetItem is out of bounds for an array of 0 items");
	RUN_EQ("{\"v.$\": \"States.Array($.gone)\"}", "{}", NULL,
	    "States.Runtime: The JSONPath '$.gone' specified for the field "
	    "'v.$' could not be found in the input '{}'");
}
END_TEST

START_TEST(test_compile_errors)
{
	static const struct {
		const char *tmpl, *msg;
	} bad[] = {
		{ "{\"a.$\": 1}", "/States/S/Parameters/a.$: the value of a "
		    "field ending in '.$' must be a string" },
		{ "{\"o\": [{\"a.$\": true}]}", "/States/S/Parameters/o/0/a.$: "
		    "the value of a field ending in '.$' must be a string" },
		{ "{\"a.$\": \"x\"}", "/States/S/Parameters/a.$: 'x' is "
		    "neither a path ($ or $$) nor an intrinsic function call" },
		{ "{\"a.$\": \"$.b[\"}", "/States/S/Parameters/a.$: invalid "
		    "JSONPath '$.b['" },
		{ "{\"a.$\": \"States.Nope()\"}", "/States/S/Parameters/a.$: "
		    "invalid intrinsic function 'States.Nope()': unknown "
		    "function" },
	};
	struct sl_err err = SL_ERR_INIT;
	struct sl_payload *p;
	cJSON *t;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = cJSON_Parse(bad[i].tmpl);
		ck_assert_ptr_nonnull(t);
		p = sl_payload_compile(t, "/States/S/Parameters", &err);
		ck_assert_msg(p == NULL, "%s compiled", bad[i].tmpl);
		ck_assert_msg(strncmp(err.msg, bad[i].msg,
		    strlen(bad[i].msg)) == 0, "%s: '%s'", bad[i].tmpl,
		    err.msg);
		cJSON_Delete(t);
	}
}
END_TEST

START_TEST(test_results_are_independent)
{
	struct sl_err err = SL_ERR_INIT;
	cJSON *t = cJSON_Parse("{\"s\": {\"k\": 1}, \"v.$\": \"$.x\"}");
	cJSON *d = cJSON_Parse("{\"x\": {\"y\": 2}}"), *r1, *r2;
	struct sl_payload *p = sl_payload_compile(t, "P", &err);
	char *s;

	ck_assert_ptr_nonnull(p);
	r1 = sl_payload_eval(p, d, NULL, &err);
	/* Changing one result touches neither the input nor the next. */
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(r1, "s"), "k");
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(r1, "v"), "y");
	r2 = sl_payload_eval(p, d, NULL, &err);
	s = cJSON_PrintUnformatted(r2);
	ck_assert_str_eq(s, "{\"s\":{\"k\":1},\"v\":{\"y\":2}}");
	free(s);
	s = cJSON_PrintUnformatted(d);
	ck_assert_str_eq(s, "{\"x\":{\"y\":2}}");
	free(s);
	cJSON_Delete(r1);
	cJSON_Delete(r2);
	cJSON_Delete(t);
	cJSON_Delete(d);
	sl_payload_free(p);
}
END_TEST

Suite *
payload_suite(void)
{
	Suite *s = suite_create("payload");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_guide_example);
	tcase_add_test(tc, test_kinds_of_values);
	tcase_add_test(tc, test_eval_errors);
	tcase_add_test(tc, test_compile_errors);
	tcase_add_test(tc, test_results_are_independent);
	suite_add_tcase(s, tc);
	return s;
}
