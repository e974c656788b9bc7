/* Suite "choice": Choice rules (every operator, type tests, And/Or/Not,
 * runtime and compile errors) and the RFC 3339 timestamps they use, with
 * outcomes recorded on AWS or given in the ASL specification. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orchestrator/asltime.h"
#include "orchestrator/choice.h"

/* 1/0 for match/no match, -1 on a runtime error (message in err). */
static int
eval(const char *rule, const char *doc, struct sl_err *err)
{
	cJSON *r = cJSON_Parse(rule), *d = cJSON_Parse(doc);
	struct sl_choice *c;
	int v;

	ck_assert_msg(r != NULL && d != NULL, "bad JSON in test");
	c = sl_choice_compile(r, "/States/C/Choices/0", err);
	ck_assert_msg(c != NULL, "%s: %s", rule, err->msg);
	cJSON_Delete(r);
	v = sl_choice_eval(c, d, d, err);
	sl_choice_free(c);
	cJSON_Delete(d);
	return v;
}

/* Rule "{Variable: $.Variable, OP: operand}" against {"Variable": var,
 * "Value": value}. */
static int
op(const char *name, const char *operand, const char *var,
    const char *value)
{
	struct sl_err err = SL_ERR_INIT;
	char rule[512], doc[512];

	snprintf(rule, sizeof(rule), "{\"Variable\": \"$.Variable\", \"%s\":"
	    " %s, \"Next\": \"T\"}", name, operand);
	snprintf(doc, sizeof(doc), "{\"Variable\": %s, \"Value\": %s}", var,
	    value ? value : "null");
	return eval(rule, doc, &err);
}

#define TS1 "\"2012-10-09T19:00:55Z\""
#define TS2 "\"2012-10-09T19:00:56Z\""

START_TEST(test_string_ops)
{
	ck_assert_int_eq(op("StringEquals", "\"a\"", "\"a\"", NULL), 1);
	ck_assert_int_eq(op("StringEquals", "\"a\"", "\"b\"", NULL), 0);
	ck_assert_int_eq(op("StringEquals", "\"1\"", "1", NULL), 0);
	ck_assert_int_eq(op("StringLessThan", "\"b\"", "\"a\"", NULL), 1);
	ck_assert_int_eq(op("StringLessThan", "\"a\"", "\"a\"", NULL), 0);
	ck_assert_int_eq(op("StringGreaterThan", "\"a\"", "\"b\"", NULL), 1);
	ck_assert_int_eq(op("StringLessThanEquals", "\"a\"", "\"a\"", NULL),
	    1);
	ck_assert_int_eq(op("StringGreaterThanEquals", "\"b\"", "\"a\"",
	    NULL), 0);
	ck_assert_int_eq(op("StringLessThan", "\"ab\"", "\"a\"", NULL), 1);
	ck_assert_int_eq(op("StringLessThan", "\"\\u00e9\"", "\"z\"", NULL),
	    1);
	/* U+1F600 sorts as its surrogate D83D, below U+FF01 (UTF-16). */
	ck_assert_int_eq(op("StringLessThan", "\"\\uff01\"",
	    "\"\\ud83d\\ude00\"", NULL), 1);
	ck_assert_int_eq(op("StringGreaterThan", "\"\\u00e9\"",
	    "\"\\ud83d\\ude00\"", NULL), 1);
	ck_assert_int_eq(op("StringEqualsPath", "\"$.Value\"", "\"x\"",
	    "\"x\""), 1);
	ck_assert_int_eq(op("StringLessThanPath", "\"$.Value\"", "\"x\"",
	    "\"y\""), 1);
	ck_assert_int_eq(op("StringGreaterThanPath", "\"$.Value\"", "\"x\"",
	    "\"y\""), 0);
	ck_assert_int_eq(op("StringLessThanEqualsPath", "\"$.Value\"",
	    "\"y\"", "\"y\""), 1);
	ck_assert_int_eq(op("StringGreaterThanEqualsPath", "\"$.Value\"",
	    "\"y\"", "1"), 0);
}
END_TEST

START_TEST(test_string_matches)
{
	/* The specification's examples. */
	ck_assert_int_eq(op("StringMatches", "\"log-*.txt\"",
	    "\"log-2019-05.txt\"", NULL), 1);
	ck_assert_int_eq(op("StringMatches", "\"log-*.txt\"",
	    "\"log-2019-05.csv\"", NULL), 0);
	ck_assert_int_eq(op("StringMatches", "\"*.log\"", "\"a.log\"", NULL),
	    1);
	ck_assert_int_eq(op("StringMatches", "\"*\"", "\"\"", NULL), 1);
	ck_assert_int_eq(op("StringMatches", "\"a*b*c\"", "\"aXbYbZc\"",
	    NULL), 1);
	ck_assert_int_eq(op("StringMatches", "\"a*b*c\"", "\"aXbYbZ\"",
	    NULL), 0);
	ck_assert_int_eq(op("StringMatches", "\"foo\"", "1", NULL), 0);
	/* Escapes: \\* is a literal star, \\\\ a literal backslash. */
	ck_assert(sl_choice_wildcard_match("a\\*b", "a*b"));
	ck_assert(!sl_choice_wildcard_match("a\\*b", "axb"));
	ck_assert(sl_choice_wildcard_match("a\\\\*", "a\\xyz"));
	ck_assert(!sl_choice_wildcard_match("a\\\\*", "axyz"));
	ck_assert(sl_choice_wildcard_match("**x", "abx"));
	ck_assert(!sl_choice_wildcard_match("x", "xx"));
}
END_TEST

START_TEST(test_numeric_and_boolean_ops)
{
	/* Recorded: only numbers compare, 1 == 1.0. */
	ck_assert_int_eq(op("NumericEquals", "1", "1.0", NULL), 1);
	ck_assert_int_eq(op("NumericEquals", "0", "\"0\"", NULL), 0);
	ck_assert_int_eq(op("NumericEquals", "0", "false", NULL), 0);
	ck_assert_int_eq(op("NumericEquals", "0", "null", NULL), 0);
	ck_assert_int_eq(op("NumericLessThan", "2", "1.5", NULL), 1);
	ck_assert_int_eq(op("NumericGreaterThan", "2", "2", NULL), 0);
	ck_assert_int_eq(op("NumericLessThanEquals", "2", "2", NULL), 1);
	ck_assert_int_eq(op("NumericGreaterThanEquals", "-1", "-1.5", NULL),
	    0);
	ck_assert_int_eq(op("NumericEqualsPath", "\"$.Value\"", "3", "3.0"),
	    1);
	ck_assert_int_eq(op("NumericLessThanPath", "\"$.Value\"", "3", "4"),
	    1);
	ck_assert_int_eq(op("NumericGreaterThanPath", "\"$.Value\"", "3",
	    "4"), 0);
	ck_assert_int_eq(op("NumericLessThanEqualsPath", "\"$.Value\"", "4",
	    "4"), 1);
	ck_assert_int_eq(op("NumericGreaterThanEqualsPath", "\"$.Value\"",
	    "5", "4"), 1);
	ck_assert_int_eq(op("NumericEqualsPath", "\"$.Value\"", "3", "\"3\""),
	    0);
	ck_assert_int_eq(op("BooleanEquals", "true", "true", NULL), 1);
	ck_assert_int_eq(op("BooleanEquals", "false", "true", NULL), 0);
	ck_assert_int_eq(op("BooleanEquals", "false", "0", NULL), 0);
	ck_assert_int_eq(op("BooleanEquals", "true", "\"true\"", NULL), 0);
	ck_assert_int_eq(op("BooleanEqualsPath", "\"$.Value\"", "false",
	    "false"), 1);
	ck_assert_int_eq(op("BooleanEqualsPath", "\"$.Value\"", "false",
	    "true"), 0);
}
END_TEST

START_TEST(test_timestamp_ops)
{
	/* Recorded on AWS. */
	ck_assert_int_eq(op("TimestampEquals", TS1, "null", NULL), 0);
	ck_assert_int_eq(op("TimestampEquals", TS1, "false", NULL), 0);
	ck_assert_int_eq(op("TimestampEquals", TS1, TS2, NULL), 0);
	ck_assert_int_eq(op("TimestampEquals", TS1, "\"\"", NULL), 0);
	ck_assert_int_eq(op("TimestampEquals", TS1,
	    "\"2023-02-24 12:15:56.832957\"", NULL), 0);
	ck_assert_int_eq(op("TimestampEquals", TS1, TS1, NULL), 1);
	ck_assert_int_eq(op("TimestampGreaterThan", TS1, TS2, NULL), 1);
	ck_assert_int_eq(op("TimestampGreaterThan", TS1, TS1, NULL), 0);
	ck_assert_int_eq(op("TimestampGreaterThanEquals", TS1, TS1, NULL), 1);
	ck_assert_int_eq(op("TimestampLessThan", TS2, TS1, NULL), 1);
	ck_assert_int_eq(op("TimestampLessThanEquals", TS1, TS2, NULL), 0);
	ck_assert_int_eq(op("TimestampEqualsPath", "\"$.Value\"", TS1, TS2),
	    0);
	ck_assert_int_eq(op("TimestampGreaterThanPath", "\"$.Value\"", TS1,
	    TS2), 0);
	ck_assert_int_eq(op("TimestampGreaterThanEqualsPath", "\"$.Value\"",
	    TS1, TS2), 0);
	ck_assert_int_eq(op("TimestampLessThanPath", "\"$.Value\"", TS2,
	    TS1), 0);
	ck_assert_int_eq(op("TimestampLessThanEqualsPath", "\"$.Value\"", TS2,
	    TS1), 0);
	ck_assert_int_eq(op("TimestampLessThanEqualsPath", "\"$.Value\"", TS1,
	    TS1), 1);
	/* The same instant in another offset is equal. */
	ck_assert_int_eq(op("TimestampEquals", TS1,
	    "\"2012-10-09T21:00:55+02:00\"", NULL), 1);
	ck_assert_int_eq(op("TimestampLessThan", "\"2012-10-09T19:00:55.5Z\"",
	    TS1, NULL), 1);
}
END_TEST

START_TEST(test_type_tests)
{
	ck_assert_int_eq(op("IsNull", "true", "null", NULL), 1);
	ck_assert_int_eq(op("IsNull", "true", "0", NULL), 0);
	ck_assert_int_eq(op("IsNull", "false", "0", NULL), 1);
	ck_assert_int_eq(op("IsNumeric", "true", "1.5", NULL), 1);
	ck_assert_int_eq(op("IsNumeric", "true", "\"1\"", NULL), 0);
	ck_assert_int_eq(op("IsString", "true", "\"\"", NULL), 1);
	ck_assert_int_eq(op("IsString", "false", "null", NULL), 1);
	ck_assert_int_eq(op("IsBoolean", "true", "false", NULL), 1);
	ck_assert_int_eq(op("IsBoolean", "true", "\"true\"", NULL), 0);
	ck_assert_int_eq(op("IsTimestamp", "true", TS1, NULL), 1);
	ck_assert_int_eq(op("IsTimestamp", "true", "\"2016-12-05T21:29:29\"",
	    NULL), 0);
	ck_assert_int_eq(op("IsPresent", "true", "null", NULL), 1);
}
END_TEST

START_TEST(test_missing_variable)
{
	struct sl_err err = SL_ERR_INIT;

	ck_assert_int_eq(eval("{\"Variable\": \"$.nope\", \"IsPresent\": "
	    "true}", "{}", &err), 0);
	ck_assert_int_eq(eval("{\"Variable\": \"$.nope\", \"IsPresent\": "
	    "false}", "{}", &err), 1);
	ck_assert_int_eq(eval("{\"Variable\": \"$.nope\", \"IsNull\": true}",
	    "{}", &err), -1);
	ck_assert_str_eq(err.type, "States.Runtime");
	ck_assert_str_eq(err.msg, "Invalid path '$.nope': The choice state's "
	    "condition path references an invalid value.");
	sl_err_clear(&err);
	ck_assert_int_eq(eval("{\"Variable\": \"$.a\", \"NumericEqualsPath\":"
	    " \"$.b\"}", "{\"a\": 1}", &err), -1);
	ck_assert_str_eq(err.msg, "Invalid path '$.b': The choice state's "
	    "condition path references an invalid value.");
	/* Not of a failing rule still fails. */
	ck_assert_int_eq(eval("{\"Not\": {\"Variable\": \"$.x\", "
	    "\"StringEquals\": \"a\"}}", "{}", &err), -1);
}
END_TEST

START_TEST(test_boolean_combinators)
{
	struct sl_err err = SL_ERR_INIT;
	/* The specification's example. */
	static const char rule[] = "{\"And\": [{\"Variable\": \"$.value\", "
	    "\"NumericGreaterThanEquals\": 20}, {\"Variable\": \"$.value\", "
	    "\"NumericLessThan\": 30}], \"Next\": \"ValueInTwenties\"}";

	ck_assert_int_eq(eval(rule, "{\"value\": 20}", &err), 1);
	ck_assert_int_eq(eval(rule, "{\"value\": 29.9}", &err), 1);
	ck_assert_int_eq(eval(rule, "{\"value\": 30}", &err), 0);
	ck_assert_int_eq(eval("{\"Not\": {\"Variable\": \"$.type\", "
	    "\"StringEquals\": \"Private\"}, \"Next\": \"Public\"}",
	    "{\"type\": \"Private\"}", &err), 0);
	ck_assert_int_eq(eval("{\"Not\": {\"Variable\": \"$.type\", "
	    "\"StringEquals\": \"Private\"}}", "{\"type\": \"x\"}", &err), 1);
	ck_assert_int_eq(eval("{\"Or\": [{\"Variable\": \"$.a\", "
	    "\"BooleanEquals\": true}, {\"Variable\": \"$.b\", \"IsNull\": "
	    "true}]}", "{\"a\": false, \"b\": null}", &err), 1);
	/* Or stops at the first match, so a later missing path is fine. */
	ck_assert_int_eq(eval("{\"Or\": [{\"Variable\": \"$.a\", "
	    "\"BooleanEquals\": true}, {\"Variable\": \"$.gone\", \"IsNull\": "
	    "true}]}", "{\"a\": true}", &err), 1);
	ck_assert_int_eq(eval("{\"And\": [{\"Or\": [{\"Not\": {\"Variable\": "
	    "\"$.a\", \"IsPresent\": true}}, {\"Variable\": \"$.a\", "
	    "\"StringMatches\": \"x*\"}]}, {\"Variable\": \"$$.n\", "
	    "\"NumericEquals\": 1}]}", "{\"a\": \"xy\", \"n\": 1}", &err), 1);
}
END_TEST

START_TEST(test_compile_errors)
{
	static const struct {
		const char *rule, *msg;
	} bad[] = {
		{ "[]", "/R: a choice rule must be an object" },
		{ "{\"Variable\": \"$.a\", \"Next\": \"X\"}",
		    "/R: no comparison operator" },
		{ "{\"Variable\": \"$.a\", \"StringEquals\": \"x\", "
		    "\"IsNull\": true}", "/R: a rule takes exactly one" },
		{ "{\"StringEquals\": \"x\"}", "/R: missing Variable" },
		{ "{\"Variable\": \"a\", \"StringEquals\": \"x\"}",
		    "/R/Variable: invalid JSONPath 'a'" },
		{ "{\"Variable\": \"$.a\", \"StringEquals\": 1}",
		    "/R/StringEquals: must be a string" },
		{ "{\"Variable\": \"$.a\", \"NumericEquals\": \"1\"}",
		    "/R/NumericEquals: must be a number" },
		{ "{\"Variable\": \"$.a\", \"BooleanEquals\": 1}",
		    "/R/BooleanEquals: must be a boolean" },
		{ "{\"Variable\": \"$.a\", \"IsNull\": \"yes\"}",
		    "/R/IsNull: must be a boolean" },
		{ "{\"Variable\": \"$.a\", \"TimestampEquals\": "
		    "\"2016-12-05 21:29:29Z\"}", "/R/TimestampEquals: must be "
		    "an RFC 3339 timestamp" },
		{ "{\"Variable\": \"$.a\", \"StringEqualsPath\": \"x\"}",
		    "/R/StringEqualsPath: invalid JSONPath 'x'" },
		{ "{\"And\": []}", "/R/And: must be a non-empty array" },
		{ "{\"Or\": [{\"Variable\": \"$.a\"}]}",
		    "/R/Or/0: no comparison operator" },
		{ "{\"Not\": {\"Not\": 3}}", "/R/Not/Not: a choice rule must "
		    "be an object" },
		{ "{\"Variable\": \"$.a\", \"Not\": {\"Variable\": \"$.a\", "
		    "\"IsNull\": true}}", "/R/Variable: not allowed with Not" },
	};
	struct sl_err err = SL_ERR_INIT;
	struct sl_choice *c;
	cJSON *r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = cJSON_Parse(bad[i].rule);
		ck_assert_ptr_nonnull(r);
		c = sl_choice_compile(r, "/R", &err);
		ck_assert_msg(c == NULL, "%s compiled", bad[i].rule);
		ck_assert_msg(strncmp(err.msg, bad[i].msg,
		    strlen(bad[i].msg)) == 0, "%s: '%s'", bad[i].rule,
		    err.msg);
		cJSON_Delete(r);
	}
}
END_TEST

START_TEST(test_time_parse)
{
	static const char *good[] = { "2016-03-14T01:59:00Z",
	    "2016-03-05T21:29:29.243167252Z", "2012-10-09T19:00:55+02:00",
	    "2012-10-09t19:00:55z", "2000-02-29T00:00:00-18:00",
	    "2012-10-09T19:00Z", "2012-10-09T19:00:55.1+05:30:15" };
	/* The first five were rejected by AWS (recorded Wait cases). */
	static const char *bad[] = { "2016-13-05T21:29:29Z",
	    "2016-12-05T25:29:29Z", "2016-12-05 21:29:29Z",
	    "2016-12-05T21:29:29", "2023-02-24 12:15:56.832957",
	    "2001-02-29T00:00:00Z", "2016-12-05T21:29:29+0100",
	    "2016-12-05T21:29:29.Z", "2016-12-05T21:29:29.1234567891Z",
	    "2016-12-05T21:29:60Z", "2016-12-05T21:29:29+19:00", "",
	    "2016-12-05T21:29:29Zx", "16-12-05T21:29:29Z" };
	struct sl_time t, u;
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(sl_time_parse(good[i], &t) == 0, "%s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sl_time_parse(bad[i], &t) < 0, "%s", bad[i]);
	ck_assert_int_eq(sl_time_parse("1970-01-01T00:00:00Z", &t), 0);
	ck_assert_int_eq(t.sec, 0);
	ck_assert_int_eq(sl_time_parse("2016-03-14T01:59:00Z", &t), 0);
	ck_assert_int_eq(t.sec, 1457920740);
	ck_assert_int_eq(sl_time_parse("2016-03-14T03:59:00.5+02:00", &u),
	    0);
	ck_assert_int_eq(u.sec, 1457920740);
	ck_assert_int_eq(u.nsec, 500000000);
	ck_assert_int_eq(sl_time_cmp(&t, &u), -1);
	ck_assert_int_eq(sl_time_cmp(&u, &t), 1);
	ck_assert_int_eq(sl_time_to_ms(&u), 1457920740500LL);
	ck_assert_str_eq(sl_time_format_ms(1457920740500LL, buf, sizeof(buf)),
	    "2016-03-14T01:59:00.500Z");
	ck_assert_str_eq(sl_time_format_ms(0, buf, sizeof(buf)),
	    "1970-01-01T00:00:00.000Z");
	ck_assert_str_eq(sl_time_format_ms(-1, buf, sizeof(buf)),
	    "1969-12-31T23:59:59.999Z");
	ck_assert_int_eq(sl_time_parse("1969-12-31T23:59:59.999Z", &t), 0);
	ck_assert_int_eq(sl_time_to_ms(&t), -1);
}
END_TEST

Suite *
choice_suite(void)
{
	Suite *s = suite_create("choice");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_string_ops);
	tcase_add_test(tc, test_string_matches);
	tcase_add_test(tc, test_numeric_and_boolean_ops);
	tcase_add_test(tc, test_timestamp_ops);
	tcase_add_test(tc, test_type_tests);
	tcase_add_test(tc, test_missing_variable);
	tcase_add_test(tc, test_boolean_combinators);
	tcase_add_test(tc, test_compile_errors);
	tcase_add_test(tc, test_time_parse);
	suite_add_tcase(s, tc);
	return s;
}
