/* Suite "validate": the definition validator of orchestrator/validate.c.
 * Definitions are written with ' for " (a \' stays a quote) to keep them
 * readable. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/buf.h"
#include "common/err.h"
#include "orchestrator/choice.h"
#include "orchestrator/payload.h"
#include "orchestrator/validate.h"

#define LAMBDA "arn:aws:lambda:us-east-1:123456789012:function:f"

/* Turn ' into " (but \' into '). The caller frees. */
static char *
dq(const char *s)
{
	struct sl_buf b;

	sl_buf_init(&b);
	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] == '\'') {
			sl_buf_addch(&b, '\'');
			s++;
		} else
			sl_buf_addch(&b, *s == '\'' ? '"' : *s);
	}
	return sl_buf_detach(&b, NULL);
}

/* Validate the text of a definition; rc in *rc. */
static void
run(const char *def, struct sl_asl_diags *d, int *rc)
{
	char *text = dq(def);

	sl_asl_diags_init(d);
	*rc = sl_asl_validate_text(text, strlen(text), d);
	free(text);
}

/* A machine of one state S (given as its JSON) plus extra states. */
static char *
one(const char *state, const char *extra)
{
	struct sl_buf b;

	sl_buf_init(&b);
	sl_buf_addf(&b, "{'StartAt': 'S', 'States': {'S': %s%s%s}}", state,
	    extra ? ", " : "", extra ? extra : "");
	return sl_buf_detach(&b, NULL);
}

static void
expect_valid_at(const char *def, int line)
{
	struct sl_asl_diags d;
	char *all;
	int rc;

	run(def, &d, &rc);
	all = sl_asl_diags_join(&d);
	ck_assert_msg(rc == 0 && d.n == 0, "line %d: expected valid, got "
	    "%zu problems: %s", line, d.n, all);
	free(all);
	sl_asl_diags_release(&d);
}

static int
has(const struct sl_asl_diags *d, const char *path, const char *text)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->items[i].path, path) == 0 &&
		    strstr(d->items[i].message, text) != NULL)
			return 1;
	return 0;
}

/* The definition is invalid and one problem is at path, its message
 * containing text. */
static void
expect_error_at(const char *def, const char *path, const char *text,
    int line)
{
	struct sl_asl_diags d;
	char *all;
	int rc;

	run(def, &d, &rc);
	all = sl_asl_diags_join(&d);
	ck_assert_msg(rc == -1, "line %d: expected invalid", line);
	ck_assert_msg(has(&d, path, text), "line %d: no problem '%s' at "
	    "'%s'; got: %s", line, text, path, all);
	free(all);
	sl_asl_diags_release(&d);
}

#define expect_valid(def) expect_valid_at((def), __LINE__)
#define expect_error(def, path, text) \
	expect_error_at((def), (path), (text), __LINE__)

/* The same for a one-state machine, freeing the built text. */
#define one_valid(st, extra) do { \
	char *m_ = one((st), (extra)); \
	expect_valid_at(m_, __LINE__); \
	free(m_); \
} while (0)
#define one_error(st, extra, path, text) do { \
	char *m_ = one((st), (extra)); \
	expect_error_at(m_, (path), (text), __LINE__); \
	free(m_); \
} while (0)

/* --- valid definitions, one per feature ---------------------------------- */

START_TEST(test_valid_pass_and_paths)
{
	one_valid("{'Type': 'Pass', 'Result': {'a': 1}, 'ResultPath': "
	    "'$.r', 'InputPath': '$.in', 'OutputPath': '$', 'End': true, "
	    "'Comment': 'c'}", NULL);
	one_valid("{'Type': 'Pass', 'InputPath': null, 'OutputPath': null, "
	    "'ResultPath': null, 'Parameters': {'a.$': '$.x[*].y', "
	    "'b': {'c.$': '$$.Execution.Id', 'd': [1, {'e.$': '$.z'}]}, "
	    "'f.$': 'States.Format(\\'{}\\', $.n)', 'g.$': "
	    "'States.Array(1, 2)'}, 'End': true}", NULL);
	one_valid("{'Type': 'Pass', 'Next': 'T'}",
	    "'T': {'Type': 'Succeed'}");
	expect_valid("{'Comment': 'x', 'Version': '1.0', 'TimeoutSeconds': "
	    "60, 'QueryLanguage': 'JSONPath', 'StartAt': 'A', 'States': "
	    "{'A': {'Type': 'Succeed'}}}");
}
END_TEST

START_TEST(test_valid_task)
{
	one_valid("{'Type': 'Task', 'Resource': '" LAMBDA "', 'End': true}",
	    NULL);
	one_valid("{'Type': 'Task', 'Resource': '" LAMBDA ":live', "
	    "'TimeoutSeconds': 10, 'HeartbeatSeconds': 5, 'End': true}",
	    NULL);
	one_valid("{'Type': 'Task', 'Resource': '" LAMBDA ":$LATEST', "
	    "'TimeoutSecondsPath': '$.t', 'HeartbeatSecondsPath': '$$.h', "
	    "'End': true}", NULL);
	one_valid("{'Type': 'Task', 'Resource': "
	    "'arn:aws:states:::lambda:invoke', 'Parameters': "
	    "{'FunctionName': '" LAMBDA "', 'Payload.$': '$'}, "
	    "'ResultSelector': {'p.$': '$.Payload'}, 'ResultPath': '$.out', "
	    "'Retry': [{'ErrorEquals': ['Lambda.ServiceException', "
	    "'States.Timeout'], 'IntervalSeconds': 2, 'MaxAttempts': 0, "
	    "'BackoffRate': 1.5, 'MaxDelaySeconds': 10, 'JitterStrategy': "
	    "'FULL', 'Comment': 'r'}, {'ErrorEquals': ['States.ALL']}], "
	    "'Catch': [{'ErrorEquals': ['Oops', 'States.TaskFailed', "
	    "'States.Permissions', 'States.DataLimitExceeded'], 'Next': 'H', "
	    "'ResultPath': "
	    "'$.err'}, {'ErrorEquals': ['States.ALL'], 'Next': 'H'}], "
	    "'End': true}", "'H': {'Type': 'Fail', 'Error': 'E', "
	    "'Cause': 'C'}");
}
END_TEST

static const char *ops[] = { "StringEquals", "StringLessThan",
	"StringGreaterThan", "StringLessThanEquals", "StringGreaterThanEquals",
	"NumericEquals", "NumericLessThan", "NumericGreaterThan",
	"NumericLessThanEquals", "NumericGreaterThanEquals", "BooleanEquals",
	"TimestampEquals", "TimestampLessThan", "TimestampGreaterThan",
	"TimestampLessThanEquals", "TimestampGreaterThanEquals" };

static const char *
op_value(const char *op)
{
	if (strncmp(op, "String", 6) == 0)
		return "'abc'";
	if (strncmp(op, "Numeric", 7) == 0)
		return "1.5";
	if (strncmp(op, "Boolean", 7) == 0)
		return "true";
	return "'2016-03-14T01:59:00Z'";
}

START_TEST(test_valid_choice_operators)
{
	struct sl_buf b;
	size_t i;

	sl_buf_init(&b);
	sl_buf_addstr(&b, "{'Type': 'Choice', 'Default': 'D', 'Choices': [");
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		sl_buf_addf(&b, "{'Variable': '$.v', '%s': %s, 'Next': 'D'}, "
		    "{'Variable': '$.v', '%sPath': '$.w', 'Next': 'D'}, ",
		    ops[i], op_value(ops[i]), ops[i]);
	}
	sl_buf_addstr(&b, "{'Variable': '$.v', 'StringMatches': "
	    "'log-*.t\\\\*t', 'Next': 'D'}, "
	    "{'Variable': '$.v', 'IsNull': false, 'Next': 'D'}, "
	    "{'Variable': '$.v', 'IsPresent': true, 'Next': 'D'}, "
	    "{'Variable': '$.v', 'IsNumeric': true, 'Next': 'D'}, "
	    "{'Variable': '$.v', 'IsString': true, 'Next': 'D'}, "
	    "{'Variable': '$.v', 'IsBoolean': true, 'Next': 'D'}, "
	    "{'Variable': '$$.Execution.Input.t', 'IsTimestamp': true, "
	    "'Next': 'D'}, "
	    "{'And': [{'Variable': '$.a', 'NumericEquals': 1}, {'Or': "
	    "[{'Variable': '$.b', 'IsNull': true}, {'Not': {'Variable': "
	    "'$.c', 'StringEquals': 'x'}}]}], 'Next': 'D', 'Comment': 'c'}]}");
	one_valid(b.data, "'D': {'Type': 'Succeed'}");
	sl_buf_release(&b);
}
END_TEST

START_TEST(test_valid_wait_fail_succeed)
{
	one_valid("{'Type': 'Wait', 'Seconds': 0, 'End': true}", NULL);
	one_valid("{'Type': 'Wait', 'Timestamp': "
	    "'2016-03-14T01:59:00.123+02:00', 'End': true}", NULL);
	one_valid("{'Type': 'Wait', 'SecondsPath': '$.s', 'End': true}",
	    NULL);
	one_valid("{'Type': 'Wait', 'TimestampPath': '$.t', 'Next': 'X'}",
	    "'X': {'Type': 'Succeed', 'InputPath': '$.a', "
	    "'OutputPath': '$.b'}");
	one_valid("{'Type': 'Fail', 'ErrorPath': '$.e', 'CausePath': "
	    "'States.Format(\\'bad {}\\', $.c)'}", NULL);
	one_valid("{'Type': 'Fail'}", NULL);
}
END_TEST

START_TEST(test_valid_parallel_map)
{
	one_valid("{'Type': 'Parallel', 'Branches': [{'StartAt': 'A', "
	    "'States': {'A': {'Type': 'Pass', 'Next': 'B'}, 'B': {'Type': "
	    "'Succeed'}}}, {'StartAt': 'C', 'Comment': 'x', 'States': {'C': "
	    "{'Type': 'Pass', 'End': true}}}], 'ResultSelector': "
	    "{'r.$': '$[0]'}, 'Retry': [{'ErrorEquals': ['States.ALL']}], "
	    "'Catch': [{'ErrorEquals': ['States.ALL'], 'Next': 'F'}], "
	    "'End': true}", "'F': {'Type': 'Fail'}");
	one_valid("{'Type': 'Map', 'ItemsPath': '$.items', 'ItemSelector': "
	    "{'i.$': '$$.Map.Item.Index', 'v.$': '$$.Map.Item.Value'}, "
	    "'MaxConcurrency': 2, 'ToleratedFailurePercentage': 50.5, "
	    "'ToleratedFailureCount': 3, 'ItemProcessor': {'ProcessorConfig': "
	    "{'Mode': 'INLINE'}, 'StartAt': 'I', 'States': {'I': "
	    "{'Type': 'Pass', 'End': true}}}, 'End': true, 'Label': 'L'}",
	    NULL);
	one_valid("{'Type': 'Map', 'Parameters': {'x.$': '$'}, "
	    "'MaxConcurrencyPath': '$.m', 'ToleratedFailurePercentagePath': "
	    "'$.p', 'ToleratedFailureCountPath': '$.c', 'Iterator': "
	    "{'StartAt': 'I', 'States': {'I': {'Type': 'Pass', 'End': true}}},"
	    " 'ResultPath': '$.out', 'End': true}", NULL);
}
END_TEST

START_TEST(test_valid_jsonata)
{
	expect_valid("{'QueryLanguage': 'JSONata', 'StartAt': 'A', 'States': "
	    "{'A': {'Type': 'Task', 'Resource': "
	    "'arn:aws:states:::lambda:invoke', 'Arguments': {'FunctionName': "
	    "'" LAMBDA "', 'Payload': '{% $states.input %}'}, 'Output': "
	    "'{% $states.result.Payload %}', 'Assign': {'x': 1}, "
	    "'TimeoutSeconds': '{% $t %}', 'Catch': [{'ErrorEquals': "
	    "['States.ALL'], 'Next': 'C', 'Output': {'e': "
	    "'{% $states.errorOutput %}'}}], 'Next': 'C'}, 'C': {'Type': "
	    "'Choice', 'Choices': [{'Condition': '{% $x = 1 %}', 'Next': "
	    "'W'}], 'Default': 'W'}, 'W': {'Type': 'Wait', 'Seconds': "
	    "'{% 1 %}', 'Next': 'M'}, 'M': {'Type': 'Map', 'Items': "
	    "'{% [1, 2] %}', 'ItemProcessor': {'StartAt': 'P', 'States': "
	    "{'P': {'Type': 'Pass', 'Output': 1, 'End': true}}}, 'Next': "
	    "'F'}, 'F': {'Type': 'Fail', 'Error': '{% \\'E\\' %}'}}}");
	/* One JSONata state in a JSONPath machine. */
	one_valid("{'Type': 'Pass', 'QueryLanguage': 'JSONata', 'Output': "
	    "{'a': '{% $states.input.a %}'}, 'Next': 'B'}",
	    "'B': {'Type': 'Pass', 'ResultPath': '$.x', 'Assign': {'v.$': "
	    "'$.a'}, 'End': true}");
}
END_TEST

/* --- errors ------------------------------------------------------------ */

START_TEST(test_top_level)
{
	expect_error("{'States': {'A': {'Type': 'Succeed'}}}", "/StartAt",
	    "required");
	expect_error("{'StartAt': 'A'}", "/States", "required");
	expect_error("{'StartAt': 'A', 'States': {}}", "/States",
	    "non-empty");
	expect_error("{'StartAt': 'B', 'States': {'A': {'Type': 'Succeed'}}}",
	    "/StartAt", "Missing 'Next' target: B");
	expect_error("{'StartAt': 'A', 'Foo': 1, 'States': {'A': {'Type': "
	    "'Succeed'}}}", "/Foo", "Field 'Foo' is not supported");
	expect_error("{'StartAt': 'A', 'Version': '2.0', 'States': {'A': "
	    "{'Type': 'Succeed'}}}", "/Version", "1.0");
	expect_error("{'StartAt': 'A', 'TimeoutSeconds': 0, 'States': {'A': "
	    "{'Type': 'Succeed'}}}", "/TimeoutSeconds", ">= 1");
	expect_error("{'StartAt': 'A', 'QueryLanguage': 'XPath', 'States': "
	    "{'A': {'Type': 'Succeed'}}}", "/QueryLanguage", "JSONata");
	expect_error("{'StartAt': 1, 'States': {'A': {'Type': 'Succeed'}}}",
	    "/StartAt", "must be a string");
	expect_error("[1]", "", "must be a JSON object");
	expect_error("  ", "", "empty");
}
END_TEST

START_TEST(test_json_syntax)
{
	expect_error("{'StartAt': 'A',\n  'States': {,}}", "",
	    "line 2, column 14");
	expect_error("{'StartAt': 'A'", "", "line 1, column 16");
	expect_error("{'a': 1} x", "", "after the end");
}
END_TEST

START_TEST(test_unknown_and_missing_fields)
{
	/* A field valid elsewhere but not on this state type. */
	one_error("{'Type': 'Pass', 'Resource': 'x', 'End': true}", NULL,
	    "/States/S/Resource", "not supported by Pass states");
	one_error("{'Type': 'Succeed', 'Next': 'S'}", NULL,
	    "/States/S/Next", "not supported by Succeed states");
	one_error("{'Type': 'Fail', 'InputPath': '$'}", NULL,
	    "/States/S/InputPath", "not supported by Fail states");
	one_error("{'Type': 'Wait', 'Seconds': 1, 'Retry': [], 'End': true}",
	    NULL, "/States/S/Retry", "not supported by Wait states");
	one_error("{'Type': 'Choice', 'Choices': [{'Variable': '$.a', "
	    "'IsNull': true, 'Next': 'S'}], 'ResultPath': '$'}", NULL,
	    "/States/S/ResultPath", "not supported by Choice states");
	/* ... and only that: no second problem about its value. */
	{
		struct sl_asl_diags d;
		int rc;

		run("{'StartAt': 'S', 'States': {'S': {'Type': 'Fail', "
		    "'InputPath': 7}}}", &d, &rc);
		ck_assert_int_eq(rc, -1);
		ck_assert_uint_eq(d.n, 1);
		sl_asl_diags_release(&d);
	}
	one_error("{'Type': 'Pass', 'End': true, 'Bogus': 1}", NULL,
	    "/States/S/Bogus", "Field 'Bogus' is not supported");
	one_error("{'Type': 'Pass', 'End': true, 'Output': 1}", NULL,
	    "/States/S/Output", "query language is JSONPath");
	one_error("{'Type': 'Pass', 'QueryLanguage': 'JSONata', 'End': true, "
	    "'ResultPath': '$.x'}", NULL, "/States/S/ResultPath",
	    "query language is JSONata");
	one_error("{'End': true}", NULL, "/States/S/Type", "required");
	one_error("{'Type': 'Sleep', 'End': true}", NULL, "/States/S/Type",
	    "unknown state type 'Sleep'");
	one_error("[]", NULL, "/States/S", "must be an object");
	one_error("{'Type': 'Pass', 'End': true, 'End': true}", NULL,
	    "/States/S/End", "more than once");
	expect_error("{'StartAt': 'A', 'StartAt': 'A', 'States': {'A': "
	    "{'Type': 'Succeed'}}}", "/StartAt", "more than once");
	one_error("{'Type': 'Choice', 'Choices': [{'Variable': '$.a', "
	    "'Variable': '$.b', 'IsNull': true, 'Next': 'S'}]}", NULL,
	    "/States/S/Choices/0/Variable", "more than once");
	one_error("{'Type': 'Pass', 'End': true, 'Comment': 3}", NULL,
	    "/States/S/Comment", "must be a string");
}
END_TEST

START_TEST(test_transitions)
{
	one_error("{'Type': 'Pass', 'Next': 'Nowhere'}", NULL,
	    "/States/S/Next", "Missing 'Next' target: Nowhere");
	one_error("{'Type': 'Pass'}", NULL, "/States/S",
	    "either 'Next' or");
	one_error("{'Type': 'Pass', 'End': false}", NULL, "/States/S",
	    "either 'Next' or");
	one_error("{'Type': 'Pass', 'Next': 'T', 'End': true}",
	    "'T': {'Type': 'Succeed'}", "/States/S/End", "mutually exclusive");
	one_error("{'Type': 'Pass', 'End': 'yes'}", NULL, "/States/S/End",
	    "must be a boolean");
	one_error("{'Type': 'Pass', 'End': true}", "'Lost': {'Type': "
	    "'Succeed'}", "/States/Lost", "State \"Lost\" is not reachable.");
	/* Reachable through a Catch and a Choice Default only. */
	one_valid("{'Type': 'Task', 'Resource': '" LAMBDA "', 'Catch': "
	    "[{'ErrorEquals': ['States.ALL'], 'Next': 'C'}], 'End': true}",
	    "'C': {'Type': 'Choice', 'Choices': [{'Variable': '$.a', "
	    "'IsNull': true, 'Next': 'S'}], 'Default': 'D'}, "
	    "'D': {'Type': 'Succeed'}");
	expect_error("{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', "
	    "'Next': 'B'}, 'B': {'Type': 'Pass', 'Next': 'A'}}}", "",
	    "Workflow has no terminal state");
	one_error("{'Type': 'Pass', 'End': true}", "'S2': {'Type': "
	    "'Succeed'}, 'x': {'Type': 'Pass', 'Next': 'S'}", "/States/x",
	    "not reachable");
}
END_TEST

START_TEST(test_state_names)
{
	char name[100], *def;
	struct sl_buf b;

	memset(name, 'n', 81);
	name[81] = '\0';
	sl_buf_init(&b);
	sl_buf_addf(&b, "{'StartAt': '%s', 'States': {'%s': {'Type': "
	    "'Succeed'}}}", name, name);
	def = dq(b.data);
	{
		struct sl_asl_diags d = SL_ASL_DIAGS_INIT;

		ck_assert_int_eq(sl_asl_validate_text(def, strlen(def), &d),
		    -1);
		ck_assert_uint_eq(d.n, 1);
		ck_assert_str_eq(d.items[0].code, "INVALID_STATE_NAME");
		ck_assert(strstr(d.items[0].message, "too long") != NULL);
		sl_asl_diags_release(&d);
	}
	free(def);
	sl_buf_release(&b);
	/* 80 characters (multi-byte ones count once) are fine. */
	sl_buf_init(&b);
	sl_buf_addstr(&b, "{'StartAt': 'x', 'States': {'x': {'Type': 'Pass', "
	    "'Next': '");
	for (int i = 0; i < 80; i++)
		sl_buf_addstr(&b, "\xc3\xa9");
	sl_buf_addstr(&b, "'}, '");
	for (int i = 0; i < 80; i++)
		sl_buf_addstr(&b, "\xc3\xa9");
	sl_buf_addstr(&b, "': {'Type': 'Succeed'}}}");
	expect_valid(b.data);
	sl_buf_release(&b);
	/* Locations are JSON Pointers: '/' and '~' in names are escaped. */
	expect_error("{'StartAt': 'a/b~c', 'States': {'a/b~c': {'Type': "
	    "'Pass', 'End': 1}}}", "/States/a~1b~0c/End", "boolean");
	/* Names are unique in the whole definition, branches included. */
	one_error("{'Type': 'Parallel', 'Branches': [{'StartAt': 'S', "
	    "'States': {'S': {'Type': 'Succeed'}}}], 'End': true}", NULL,
	    "/States/S/Branches/0/States/S", "Duplicate State name");
}
END_TEST

START_TEST(test_choice_errors)
{
	const char *d = "'D': {'Type': 'Succeed'}";

	one_error("{'Type': 'Choice', 'Default': 'D'}", d, "/States/S/Choices",
	    "required");
	one_error("{'Type': 'Choice', 'Choices': []}", d, "/States/S/Choices",
	    "non-empty");
	one_error("{'Type': 'Choice', 'Choices': [{'Variable': '$.a', "
	    "'StringEquals': 'x'}], 'Default': 'D'}", NULL,
	    "/States/S/Choices/0/Next", "required");
	one_error("{'Type': 'Choice', 'Choices': [{'StringEquals': 'x', "
	    "'Next': 'D'}]}", d, "/States/S/Choices/0/Variable", "required");
	one_error("{'Type': 'Choice', 'Choices': [{'Variable': '$.a', "
	    "'Next': 'D'}]}", d, "/States/S/Choices/0",
	    "exactly one comparison operator");
	one_error("{'Type': 'Choice', 'Choices': [{'Variable': '$.a', "
	    "'StringEquals': 'x', 'IsNull': true, 'Next': 'D'}]}", d,
	    "/States/S/Choices/0", "found 2");
	one_error("{'Type': 'Choice', 'Choices': [{'Variable': '$.a', "
	    "'StringEqual': 'x', 'Next': 'D'}]}", d,
	    "/States/S/Choices/0/StringEqual", "not supported");
	one_error("{'Type': 'Choice', 'Choices': [{'Variable': '$.a', "
	    "'StringMatchesPath': '$.b', 'Next': 'D'}]}", d,
	    "/States/S/Choices/0/StringMatchesPath", "not supported");
	one_error("{'Type': 'Choice', 'Choices': [{'Variable': '$.a', "
	    "'IsNullPath': '$.b', 'Next': 'D'}]}", d,
	    "/States/S/Choices/0/IsNullPath", "not supported");
	one_error("{'Type': 'Choice', 'Choices': [{'Variable': '$.a', "
	    "'NumericEquals': '1', 'Next': 'D'}]}", d,
	    "/States/S/Choices/0/NumericEquals", "must be a number");
	one_error("{'Type': 'Choice', 'Choices': [{'Variable': '$.a', "
	    "'BooleanEquals': 1, 'Next': 'D'}]}", d,
	    "/States/S/Choices/0/BooleanEquals", "must be a boolean");
	one_error("{'Type': 'Choice', 'Choices': [{'Variable': '$.a', "
	    "'TimestampEquals': '2016-02-30T00:00:00Z', 'Next': 'D'}]}", d,
	    "/States/S/Choices/0/TimestampEquals", "RFC 3339");
	one_error("{'Type': 'Choice', 'Choices': [{'Variable': '$.a', "
	    "'StringEqualsPath': 3, 'Next': 'D'}]}", d,
	    "/States/S/Choices/0/StringEqualsPath", "must be a string");
	one_error("{'Type': 'Choice', 'Choices': [{'Variable': '$.a', "
	    "'StringMatches': 'abc\\u005c', 'Next': 'D'}]}", d,
	    "/States/S/Choices/0/StringMatches", "escape");
	one_error("{'Type': 'Choice', 'Choices': [{'And': [], 'Next': "
	    "'D'}]}", d, "/States/S/Choices/0/And", "non-empty array");
	one_error("{'Type': 'Choice', 'Choices': [{'Or': [{'Variable': "
	    "'$.a', 'IsNull': true, 'Next': 'D'}], 'Next': 'D'}]}", d,
	    "/States/S/Choices/0/Or/0/Next", "only allowed in a top-level");
	one_error("{'Type': 'Choice', 'Choices': [{'Not': {'Not': "
	    "{'Variable': '$.a'}}, 'Next': 'D'}]}", d,
	    "/States/S/Choices/0/Not/Not", "exactly one comparison");
	one_error("{'Type': 'Choice', 'Choices': [{'Not': {'Variable': '$.a',"
	    " 'IsNull': true}, 'Variable': '$.b', 'Next': 'D'}]}", d,
	    "/States/S/Choices/0/Variable", "not allowed with");
	one_error("{'Type': 'Choice', 'Choices': [{'And': [{'Variable': "
	    "'$.a', 'IsNull': true}], 'Or': [{'Variable': '$.a', 'IsNull': "
	    "true}], 'Next': 'D'}]}", d, "/States/S/Choices/0",
	    "exactly one of 'And', 'Or', 'Not'");
	one_error("{'Type': 'Choice', 'Choices': [{'Variable': '$.a', "
	    "'IsNull': true, 'Next': 'D'}], 'Default': 'Q'}", d,
	    "/States/S/Default", "Missing 'Next' target: Q");
	one_error("{'Type': 'Choice', 'Choices': [{'Variable': '$.a', "
	    "'IsNull': true, 'Next': 'Q'}]}", d, "/States/S/Choices/0/Next",
	    "Missing 'Next' target: Q");
	one_error("{'Type': 'Choice', 'QueryLanguage': 'JSONata', 'Choices': "
	    "[{'Variable': '$.a', 'Next': 'D'}]}", d,
	    "/States/S/Choices/0/Condition", "required");
}
END_TEST

START_TEST(test_wait_fail_errors)
{
	one_error("{'Type': 'Wait', 'End': true}", NULL, "/States/S",
	    "exactly one of");
	one_error("{'Type': 'Wait', 'Seconds': 1, 'SecondsPath': '$.s', "
	    "'End': true}", NULL, "/States/S", "found 2");
	one_error("{'Type': 'Wait', 'Seconds': -1, 'End': true}", NULL,
	    "/States/S/Seconds", ">= 0");
	one_error("{'Type': 'Wait', 'Seconds': 1.5, 'End': true}", NULL,
	    "/States/S/Seconds", "integer");
	one_error("{'Type': 'Wait', 'Timestamp': '2016-03-14 01:59:00Z', "
	    "'End': true}", NULL, "/States/S/Timestamp", "RFC 3339");
	one_error("{'Type': 'Wait', 'Timestamp': '2016-03-14T01:59:00', "
	    "'End': true}", NULL, "/States/S/Timestamp", "RFC 3339");
	one_error("{'Type': 'Fail', 'Error': 'E', 'ErrorPath': '$.e'}", NULL,
	    "/States/S/ErrorPath", "mutually exclusive");
	one_error("{'Type': 'Fail', 'Cause': 'C', 'CausePath': '$.c'}", NULL,
	    "/States/S/CausePath", "mutually exclusive");
	one_error("{'Type': 'Fail', 'Error': 5}", NULL, "/States/S/Error",
	    "must be a string");
}
END_TEST

START_TEST(test_task_errors)
{
	one_error("{'Type': 'Task', 'End': true}", NULL,
	    "/States/S/Resource", "required");
	one_error("{'Type': 'Task', 'Resource': 'hello', 'End': true}", NULL,
	    "/States/S/Resource", "not a valid ARN");
	one_error("{'Type': 'Task', 'Resource': "
	    "'arn:aws:lambda:us-east-1:123:function:f', 'End': true}", NULL,
	    "/States/S/Resource", "not a valid Lambda function ARN");
	one_error("{'Type': 'Task', 'Resource': "
	    "'arn:aws:lambda:us-east-1:123456789012:function:', 'End': true}",
	    NULL, "/States/S/Resource", "not a valid Lambda function ARN");
	one_error("{'Type': 'Task', 'Resource': "
	    "'arn:aws:states:::sqs:sendMessage', 'End': true}", NULL,
	    "/States/S/Resource", "not supported by this engine");
	one_error("{'Type': 'Task', 'Resource': "
	    "'arn:aws:states:::lambda:invoke.waitForTaskToken', 'Parameters': "
	    "{'FunctionName': 'f'}, 'End': true}", NULL, "/States/S/Resource",
	    "'.waitForTaskToken') are not supported by this engine");
	one_error("{'Type': 'Task', 'Resource': "
	    "'arn:aws:states:::lambda:invoke', 'Parameters': {'Payload': 1}, "
	    "'End': true}", NULL, "/States/S/Parameters", "FunctionName");
	one_error("{'Type': 'Task', 'Resource': '" LAMBDA "', "
	    "'TimeoutSeconds': 5, 'TimeoutSecondsPath': '$.t', 'End': true}",
	    NULL, "/States/S/TimeoutSecondsPath", "mutually exclusive");
	one_error("{'Type': 'Task', 'Resource': '" LAMBDA "', "
	    "'TimeoutSeconds': 0, 'End': true}", NULL,
	    "/States/S/TimeoutSeconds", ">= 1");
	one_error("{'Type': 'Task', 'Resource': '" LAMBDA "', "
	    "'TimeoutSeconds': 2.5, 'End': true}", NULL,
	    "/States/S/TimeoutSeconds", "integer");
	one_error("{'Type': 'Task', 'Resource': '" LAMBDA "', "
	    "'TimeoutSeconds': 5, 'HeartbeatSeconds': 5, 'End': true}", NULL,
	    "/States/S/HeartbeatSeconds", "smaller than 'TimeoutSeconds'");
	one_error("{'Type': 'Task', 'Resource': '" LAMBDA "', "
	    "'HeartbeatSeconds': 5, 'HeartbeatSecondsPath': '$.h', "
	    "'End': true}", NULL, "/States/S/HeartbeatSecondsPath",
	    "mutually exclusive");
}
END_TEST

START_TEST(test_retry_catch_errors)
{
	const char *t = "{'Type': 'Task', 'Resource': '" LAMBDA "', "
	    "'End': true, ";
	const char *h = "'H': {'Type': 'Succeed'}";
	struct sl_buf b;

#define RC(tail, extra, path, text) do { \
	sl_buf_init(&b); \
	sl_buf_addf(&b, "%s%s}", t, (tail)); \
	one_error(b.data, (extra), (path), (text)); \
	sl_buf_release(&b); \
} while (0)
	RC("'Retry': {}", NULL, "/States/S/Retry", "must be an array");
	RC("'Retry': [{}]", NULL, "/States/S/Retry/0/ErrorEquals", "required");
	RC("'Retry': [{'ErrorEquals': []}]", NULL,
	    "/States/S/Retry/0/ErrorEquals", "non-empty");
	RC("'Retry': [{'ErrorEquals': ['a', 7]}]", NULL,
	    "/States/S/Retry/0/ErrorEquals/1", "non-empty string");
	RC("'Retry': [{'ErrorEquals': ['E'], 'IntervalSeconds': 0}]", NULL,
	    "/States/S/Retry/0/IntervalSeconds", ">= 1");
	RC("'Retry': [{'ErrorEquals': ['E'], 'IntervalSeconds': 1.5}]", NULL,
	    "/States/S/Retry/0/IntervalSeconds", "integer");
	RC("'Retry': [{'ErrorEquals': ['E'], 'MaxAttempts': -1}]", NULL,
	    "/States/S/Retry/0/MaxAttempts", ">= 0");
	RC("'Retry': [{'ErrorEquals': ['E'], 'BackoffRate': 0.9}]", NULL,
	    "/States/S/Retry/0/BackoffRate", "must be >= 1.0");
	RC("'Retry': [{'ErrorEquals': ['E'], 'BackoffRate': '2'}]", NULL,
	    "/States/S/Retry/0/BackoffRate", "must be a number");
	RC("'Retry': [{'ErrorEquals': ['E'], 'MaxDelaySeconds': 0}]", NULL,
	    "/States/S/Retry/0/MaxDelaySeconds", ">= 1");
	RC("'Retry': [{'ErrorEquals': ['E'], 'JitterStrategy': 'SOME'}]",
	    NULL, "/States/S/Retry/0/JitterStrategy", "'FULL' or 'NONE'");
	RC("'Retry': [{'ErrorEquals': ['E'], 'Next': 'H'}]", h,
	    "/States/S/Retry/0/Next", "not supported in a retrier");
	RC("'Retry': [{'ErrorEquals': ['States.Timout']}]", NULL,
	    "/States/S/Retry/0/ErrorEquals/0", "not a predefined error name");
	RC("'Retry': [{'ErrorEquals': ['States.ALL', 'E']}]", NULL,
	    "/States/S/Retry/0/ErrorEquals", "alone");
	RC("'Retry': [{'ErrorEquals': ['States.ALL']}, {'ErrorEquals': "
	    "['E']}]", NULL, "/States/S/Retry/0/ErrorEquals", "last");
	RC("'Catch': [{'ErrorEquals': ['E']}]", NULL,
	    "/States/S/Catch/0/Next", "required");
	RC("'Catch': [{'ErrorEquals': ['E'], 'Next': 'Q'}]", NULL,
	    "/States/S/Catch/0/Next", "Missing 'Next' target: Q");
	RC("'Catch': [{'ErrorEquals': ['E'], 'Next': 'H', 'ResultPath': "
	    "'$.a[0:1]'}]", h, "/States/S/Catch/0/ResultPath", "");
	RC("'Catch': [{'ErrorEquals': ['States.ALL'], 'Next': 'H'}, "
	    "{'ErrorEquals': ['E'], 'Next': 'H'}]", h,
	    "/States/S/Catch/0/ErrorEquals", "last");
	RC("'Catch': [{'ErrorEquals': ['E'], 'Next': 'H', 'MaxAttempts': 1}]",
	    h, "/States/S/Catch/0/MaxAttempts", "not supported in a catcher");
	RC("'Catch': [3]", NULL, "/States/S/Catch/0", "must be an object");
#undef RC
}
END_TEST

START_TEST(test_path_errors)
{
	one_error("{'Type': 'Pass', 'InputPath': 'a.b', 'End': true}", NULL,
	    "/States/S/InputPath", "");
	one_error("{'Type': 'Pass', 'OutputPath': '$.a[', 'End': true}", NULL,
	    "/States/S/OutputPath", "");
	one_error("{'Type': 'Pass', 'ResultPath': '$.a[*]', 'End': true}",
	    NULL, "/States/S/ResultPath", "");
	one_error("{'Type': 'Pass', 'ResultPath': '$$.a', 'End': true}",
	    NULL, "/States/S/ResultPath", "");
	one_error("{'Type': 'Pass', 'ResultPath': 5, 'End': true}", NULL,
	    "/States/S/ResultPath", "must be a string or null");
	one_error("{'Type': 'Pass', 'Parameters': {'a': {'b.$': '$.x..'}}, "
	    "'End': true}", NULL, "/States/S/Parameters/a/b.$", "");
	one_error("{'Type': 'Pass', 'Parameters': {'a': [{'b.$': 'nope'}]}, "
	    "'End': true}", NULL, "/States/S/Parameters/a/0/b.$", "");
	one_error("{'Type': 'Pass', 'Parameters': {'b.$': '$v'}, 'End': true}",
	    NULL, "/States/S/Parameters/b.$", "not supported by this engine");
	one_error("{'Type': 'Pass', 'Parameters': {'b.$': 1}, 'End': true}",
	    NULL, "/States/S/Parameters/b.$", "must be a string");
	one_error("{'Type': 'Wait', 'SecondsPath': '$.a[*]', 'End': true}",
	    NULL, "/States/S/SecondsPath", "");
	one_error("{'Type': 'Map', 'ItemsPath': '$.a[?(@.x)]', 'ItemProcessor':"
	    " {'StartAt': 'I', 'States': {'I': {'Type': 'Succeed'}}}, "
	    "'End': true}", NULL, "/States/S/ItemsPath", "");
	one_error("{'Type': 'Task', 'Resource': '" LAMBDA "', "
	    "'ResultSelector': {'x.$': '$.['}, 'End': true}", NULL,
	    "/States/S/ResultSelector/x.$", "");
	one_error("{'Type': 'Choice', 'Choices': [{'Variable': 'x', 'IsNull': "
	    "true, 'Next': 'D'}]}", "'D': {'Type': 'Succeed'}",
	    "/States/S/Choices/0/Variable", "");
	one_error("{'Type': 'Choice', 'Choices': [{'Variable': '$.a', "
	    "'NumericEqualsPath': '$.[', 'Next': 'D'}]}",
	    "'D': {'Type': 'Succeed'}",
	    "/States/S/Choices/0/NumericEqualsPath", "");
	one_error("{'Type': 'Fail', 'ErrorPath': '$.e[*]'}", NULL,
	    "/States/S/ErrorPath", "");
}
END_TEST

START_TEST(test_intrinsic_errors)
{
	one_error("{'Type': 'Pass', 'Parameters': {'a.$': "
	    "'States.NoSuchFunction(1)'}, 'End': true}", NULL,
	    "/States/S/Parameters/a.$", "");
	one_error("{'Type': 'Pass', 'Parameters': {'a.$': "
	    "'States.ArrayLength($.a, $.b)'}, 'End': true}", NULL,
	    "/States/S/Parameters/a.$", "");
	one_error("{'Type': 'Fail', 'CausePath': 'States.Format(\\'x\\''}",
	    NULL, "/States/S/CausePath", "");
}
END_TEST

START_TEST(test_assign_jsonata_errors)
{
	one_error("{'Type': 'Pass', 'Assign': {'9lives': 1}, 'End': true}",
	    NULL, "/States/S/Assign/9lives", "not a valid variable name");
	one_error("{'Type': 'Pass', 'Assign': {'states': 1}, 'End': true}",
	    NULL, "/States/S/Assign/states", "reserved");
	one_error("{'Type': 'Pass', 'Assign': {'a.$': '$.x['}, 'End': true}",
	    NULL, "/States/S/Assign/a.$", "");
	one_error("{'Type': 'Pass', 'Assign': [], 'End': true}", NULL,
	    "/States/S/Assign", "must be an object");
	one_error("{'Type': 'Succeed', 'Assign': {}}", NULL,
	    "/States/S/Assign", "not supported by Succeed states");
	one_error("{'Type': 'Pass', 'QueryLanguage': 'JSONata', 'Output': "
	    "{'a': '{% $states.input'}, 'End': true}", NULL,
	    "/States/S/Output/a", "enclosed in '{%' and '%}'");
	one_error("{'Type': 'Task', 'QueryLanguage': 'JSONata', 'Resource': "
	    "'" LAMBDA "', 'Arguments': 5, 'End': true}", NULL,
	    "/States/S/Arguments", "must be an object or a JSONata");
	one_error("{'Type': 'Task', 'QueryLanguage': 'JSONata', 'Resource': "
	    "'" LAMBDA "', 'TimeoutSeconds': 'soon', 'End': true}", NULL,
	    "/States/S/TimeoutSeconds", "JSONata expression");
	one_error("{'Type': 'Map', 'QueryLanguage': 'JSONata', 'Items': 3, "
	    "'ItemProcessor': {'StartAt': 'A', 'States': {'A': {'Type': "
	    "'Succeed'}}}, 'End': true}", NULL, "/States/S/Items",
	    "array or a JSONata");
	one_error("{'Type': 'Choice', 'QueryLanguage': 'JSONata', 'Choices': "
	    "[{'Condition': 'yes', 'Next': 'D'}]}", "'D': {'Type': 'Succeed'}",
	    "/States/S/Choices/0/Condition", "boolean or a JSONata");
	expect_error("{'QueryLanguage': 'JSONata', 'StartAt': 'A', 'States': "
	    "{'A': {'Type': 'Pass', 'QueryLanguage': 'JSONPath', 'End': "
	    "true}}}", "/States/A/QueryLanguage", "cannot use JSONPath");
	/* Each problem once, even in nested JSONata states. */
	{
		struct sl_asl_diags d;
		int rc;

		run("{'QueryLanguage': 'JSONata', 'StartAt': 'P', 'States': "
		    "{'P': {'Type': 'Parallel', 'End': true, 'Branches': "
		    "[{'StartAt': 'A', 'States': {'A': {'Type': 'Pass', "
		    "'Output': '{% x', 'End': true}}}]}}}", &d, &rc);
		ck_assert_int_eq(rc, -1);
		ck_assert_uint_eq(d.n, 1);
		ck_assert_str_eq(d.items[0].path,
		    "/States/P/Branches/0/States/A/Output");
		sl_asl_diags_release(&d);
	}
}
END_TEST

START_TEST(test_parallel_map_errors)
{
	one_error("{'Type': 'Parallel', 'End': true}", NULL,
	    "/States/S/Branches", "required");
	one_error("{'Type': 'Parallel', 'Branches': [], 'End': true}", NULL,
	    "/States/S/Branches", "non-empty");
	one_error("{'Type': 'Parallel', 'Branches': [{'States': {'A': "
	    "{'Type': 'Succeed'}}}], 'End': true}", NULL,
	    "/States/S/Branches/0/StartAt", "required");
	one_error("{'Type': 'Parallel', 'Branches': [{'StartAt': 'A', "
	    "'States': {'A': {'Type': 'Pass', 'Next': 'T'}}}], 'Next': 'T'}",
	    "'T': {'Type': 'Succeed'}", "/States/S/Branches/0/States/A/Next",
	    "cannot transition out of its Parallel branch");
	one_error("{'Type': 'Parallel', 'Branches': [{'StartAt': 'A', "
	    "'States': {'A': {'Type': 'Succeed'}}, 'ProcessorConfig': {}}], "
	    "'End': true}", NULL, "/States/S/Branches/0/ProcessorConfig",
	    "not supported in a Parallel branch");
	one_error("{'Type': 'Parallel', 'Branches': [{'StartAt': 'A', "
	    "'States': {'A': {'Type': 'Succeed'}, 'B': {'Type': 'Succeed'}}}],"
	    " 'End': true}", NULL, "/States/S/Branches/0/States/B",
	    "not reachable");
	/* Outer states cannot jump into a branch either. */
	one_error("{'Type': 'Parallel', 'Branches': [{'StartAt': 'A', "
	    "'States': {'A': {'Type': 'Succeed'}}}], 'Next': 'A'}", NULL,
	    "/States/S/Next", "Missing 'Next' target: A");
	one_error("{'Type': 'Map', 'End': true}", NULL,
	    "/States/S/ItemProcessor", "required");
	one_error("{'Type': 'Map', 'ItemProcessor': {'StartAt': 'A', "
	    "'States': {'A': {'Type': 'Succeed'}}}, 'Iterator': {'StartAt': "
	    "'B', 'States': {'B': {'Type': 'Succeed'}}}, 'End': true}", NULL,
	    "/States/S/Iterator", "mutually exclusive");
	one_error("{'Type': 'Map', 'ItemProcessor': {'ProcessorConfig': "
	    "{'Mode': 'DISTRIBUTED'}, 'StartAt': 'A', 'States': {'A': {'Type': "
	    "'Succeed'}}}, 'End': true}", NULL,
	    "/States/S/ItemProcessor/ProcessorConfig/Mode",
	    "not supported by this engine");
	one_error("{'Type': 'Map', 'ItemProcessor': {'ProcessorConfig': "
	    "{'Mode': 'PARALLEL'}, 'StartAt': 'A', 'States': {'A': {'Type': "
	    "'Succeed'}}}, 'End': true}", NULL,
	    "/States/S/ItemProcessor/ProcessorConfig/Mode", "'INLINE' or");
	one_error("{'Type': 'Map', 'ItemReader': {}, 'ItemProcessor': "
	    "{'StartAt': 'A', 'States': {'A': {'Type': 'Succeed'}}}, "
	    "'End': true}", NULL, "/States/S/ItemReader",
	    "not supported by this engine");
	one_error("{'Type': 'Map', 'ItemSelector': {}, 'Parameters': {}, "
	    "'ItemProcessor': {'StartAt': 'A', 'States': {'A': {'Type': "
	    "'Succeed'}}}, 'End': true}", NULL, "/States/S/Parameters",
	    "mutually exclusive");
	one_error("{'Type': 'Map', 'MaxConcurrency': 2, 'MaxConcurrencyPath': "
	    "'$.m', 'ItemProcessor': {'StartAt': 'A', 'States': {'A': "
	    "{'Type': 'Succeed'}}}, 'End': true}", NULL,
	    "/States/S/MaxConcurrencyPath", "mutually exclusive");
	one_error("{'Type': 'Map', 'MaxConcurrency': -1, 'ItemProcessor': "
	    "{'StartAt': 'A', 'States': {'A': {'Type': 'Succeed'}}}, "
	    "'End': true}", NULL, "/States/S/MaxConcurrency", ">= 0");
	one_error("{'Type': 'Map', 'ToleratedFailurePercentage': 101, "
	    "'ItemProcessor': {'StartAt': 'A', 'States': {'A': {'Type': "
	    "'Succeed'}}}, 'End': true}", NULL,
	    "/States/S/ToleratedFailurePercentage", "between 0 and 100");
	one_error("{'Type': 'Map', 'ToleratedFailureCount': 1.5, "
	    "'ItemProcessor': {'StartAt': 'A', 'States': {'A': {'Type': "
	    "'Succeed'}}}, 'End': true}", NULL,
	    "/States/S/ToleratedFailureCount", "integer");
	one_error("{'Type': 'Map', 'ToleratedFailureCount': 1, "
	    "'ToleratedFailureCountPath': '$.c', 'ItemProcessor': {'StartAt':"
	    " 'A', 'States': {'A': {'Type': 'Succeed'}}}, 'End': true}", NULL,
	    "/States/S/ToleratedFailureCountPath", "mutually exclusive");
	one_error("{'Type': 'Map', 'ItemSelector': 3, 'ItemProcessor': "
	    "{'StartAt': 'A', 'States': {'A': {'Type': 'Succeed'}}}, "
	    "'End': true}", NULL, "/States/S/ItemSelector",
	    "must be an object");
	one_error("{'Type': 'Map', 'ItemProcessor': {'StartAt': 'A', "
	    "'States': {'A': {'Type': 'Pass', 'Next': 'S'}}}, 'End': true}",
	    NULL, "/States/S/ItemProcessor/States/A/Next",
	    "cannot transition out");
}
END_TEST

START_TEST(test_many_errors_reported)
{
	static const char aws_pre[] = "Invalid State Machine Definition: '"
	    "MISSING_TRANSITION_TARGET: Missing 'Next' target: Gone at "
	    "/States/SendEmail/Next, ";
	struct sl_asl_diags d;
	char *all;
	int rc;

	run("{'StartAt': 'SendEmail', 'States': {"
	    "'SendEmail': {'Type': 'Task', 'Resource': '" LAMBDA "', "
	    "'Retry': [{'ErrorEquals': ['E'], 'BackoffRate': 0.5}, "
	    "{'ErrorEquals': ['F'], 'MaxAttempts': -2}], 'Next': 'Gone'},"
	    "'W': {'Type': 'Wait', 'End': true},"
	    "'C': {'Type': 'Choice', 'Choices': [{'Variable': '$.a', "
	    "'Next': 'W'}]},"
	    "'P': {'Type': 'Pass', 'Bad': 1}}}", &d, &rc);
	all = sl_asl_diags_join(&d);
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(has(&d, "/States/SendEmail/Retry/0/BackoffRate",
	    "must be >= 1.0"), "%s", all);
	ck_assert_msg(has(&d, "/States/SendEmail/Retry/1/MaxAttempts",
	    ">= 0"), "%s", all);
	ck_assert_msg(has(&d, "/States/SendEmail/Next", "Gone"), "%s", all);
	ck_assert_msg(has(&d, "/States/W", "exactly one of"), "%s", all);
	ck_assert_msg(has(&d, "/States/C/Choices/0", "comparison"), "%s",
	    all);
	ck_assert_msg(has(&d, "/States/P/Bad", "not supported"), "%s", all);
	ck_assert_msg(has(&d, "/States/P", "'Next' or"), "%s", all);
	ck_assert_msg(has(&d, "/States/C", "not reachable"), "%s", all);
	ck_assert_uint_ge(d.n, 8);
	/* The joined summary names every problem, "PATH: MESSAGE; ...". */
	ck_assert(strstr(all, "/States/SendEmail/Retry/0/BackoffRate: must be "
	    ">= 1.0; ") != NULL);
	ck_assert_str_eq(d.items[d.n - 1].code, "MISSING_TRANSITION_TARGET");
	free(all);
	all = sl_asl_diags_aws_message(&d);
	ck_assert_msg(strncmp(all, aws_pre, strlen(aws_pre)) == 0, "%s", all);
	ck_assert_msg(strstr(all, ", SCHEMA_VALIDATION_FAILED: must be >= 1.0 "
	    "at /States/SendEmail/Retry/0/BackoffRate, ") != NULL, "%s", all);
	ck_assert_msg(strstr(all, ", MISSING_TRANSITION_TARGET: State \"C\" "
	    "is not reachable. at /States/C, ") != NULL, "%s", all);
	ck_assert_str_eq(all + strlen(all) - 13, "at /States/P'");
	free(all);
	sl_asl_diags_release(&d);
	ck_assert_uint_eq(d.n, 0);
	all = sl_asl_diags_join(&d);
	ck_assert_str_eq(all, "");
	free(all);
}
END_TEST

/* Parallel in Map in Parallel ... depth levels; the innermost state has a
 * bad field. */
static char *
nested(int depth, const char *inner)
{
	struct sl_buf b;
	int i;

	sl_buf_init(&b);
	for (i = 0; i < depth; i++) {
		if (i % 2 == 0)
			sl_buf_addf(&b, "{'StartAt': 'L%d', 'States': {'L%d': "
			    "{'Type': 'Parallel', 'End': true, 'Branches': [",
			    i, i);
		else
			sl_buf_addf(&b, "{'StartAt': 'L%d', 'States': {'L%d': "
			    "{'Type': 'Map', 'End': true, 'ItemProcessor': ",
			    i, i);
	}
	sl_buf_addf(&b, "{'StartAt': 'In', 'States': {'In': %s}}", inner);
	for (i = depth - 1; i >= 0; i--)
		sl_buf_addstr(&b, i % 2 == 0 ? "]}}}" : "}}}");
	return sl_buf_detach(&b, NULL);
}

START_TEST(test_deep_nesting)
{
	struct sl_buf path;
	char *def;
	int i;

	def = nested(30, "{'Type': 'Succeed'}");
	expect_valid(def);
	free(def);
	def = nested(30, "{'Type': 'Pass', 'End': true, 'ResultPath': 3}");
	sl_buf_init(&path);
	for (i = 0; i < 30; i++)
		sl_buf_addf(&path, "/States/L%d/%s", i, i % 2 == 0 ?
		    "Branches/0" : "ItemProcessor");
	sl_buf_addstr(&path, "/States/In/ResultPath");
	expect_error(def, path.data, "must be a string or null");
	sl_buf_release(&path);
	free(def);
	/* Branch depth beyond what cJSON parses is reported, not a crash. */
	def = nested(400, "{'Type': 'Succeed'}");
	{
		struct sl_asl_diags d;
		int rc;

		run(def, &d, &rc);
		ck_assert_int_eq(rc, -1);
		ck_assert_uint_ge(d.n, 1);
		ck_assert_str_eq(d.items[0].code, "INVALID_JSON_DESCRIPTION");
		sl_asl_diags_release(&d);
	}
	free(def);
}
END_TEST

/* --- robustness -------------------------------------------------------- */

static uint64_t rng_state;

static uint32_t
rng(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rng_state >> 33);
}

static const char *fuzz_base =
    "{'Comment': 'c', 'StartAt': 'T', 'States': {"
    "'T': {'Type': 'Task', 'Resource': '" LAMBDA "', 'TimeoutSeconds': 9, "
    "'Retry': [{'ErrorEquals': ['States.ALL'], 'BackoffRate': 2}], "
    "'Catch': [{'ErrorEquals': ['States.ALL'], 'Next': 'F', 'ResultPath': "
    "'$.e'}], 'Parameters': {'a.$': '$.x', 'f.$': "
    "'States.Format(\\'{}\\', $.y)'}, 'Next': 'C'},"
    "'C': {'Type': 'Choice', 'Choices': [{'And': [{'Variable': '$.a', "
    "'NumericGreaterThan': 1}, {'Not': {'Variable': '$.b', 'IsNull': "
    "true}}], 'Next': 'P'}], 'Default': 'W'},"
    "'W': {'Type': 'Wait', 'Timestamp': '2020-01-01T00:00:00Z', "
    "'Next': 'P'},"
    "'P': {'Type': 'Parallel', 'Branches': [{'StartAt': 'B', 'States': "
    "{'B': {'Type': 'Pass', 'Result': 1, 'End': true}}}], 'Next': 'M'},"
    "'M': {'Type': 'Map', 'ItemsPath': '$.items', 'ItemSelector': "
    "{'v.$': '$$.Map.Item.Value'}, 'ItemProcessor': {'StartAt': 'I', "
    "'States': {'I': {'Type': 'Succeed'}}}, 'Next': 'S'},"
    "'S': {'Type': 'Succeed'}, 'F': {'Type': 'Fail', 'Error': 'E'}}}";

/* A random node of the tree (depth-first index k). */
static cJSON *
nth_node(cJSON *root, int *k)
{
	cJSON *c, *r;

	if ((*k)-- == 0)
		return root;
	cJSON_ArrayForEach(c, root)
		if ((r = nth_node(c, k)) != NULL)
			return r;
	return NULL;
}

static int
count_nodes(const cJSON *n)
{
	const cJSON *c;
	int k = 1;

	cJSON_ArrayForEach(c, n)
		k += count_nodes(c);
	return k;
}

static cJSON *
find_parent(cJSON *root, const cJSON *n)
{
	cJSON *c, *r;

	cJSON_ArrayForEach(c, root) {
		if (c == n)
			return root;
		if ((r = find_parent(c, n)) != NULL)
			return r;
	}
	return NULL;
}

static cJSON *
random_value(void)
{
	static const char *strs[] = { "", "$", "$.a[", "States.ALL", "T",
		"Task", "Map", "arn:aws:states:::lambda:invoke", "{% x %}",
		"$$.Map.Item.Value", "States.Format(", "2020-13-01T00:00:00Z" };

	switch (rng() % 7) {
	case 0:
		return cJSON_CreateNull();
	case 1:
		return cJSON_CreateBool(rng() % 2);
	case 2:
		return cJSON_CreateNumber((double)(int)(rng() % 200) - 100.5);
	case 3:
		return cJSON_CreateArray();
	case 4:
		return cJSON_CreateObject();
	default:
		return cJSON_CreateString(strs[rng() % (sizeof(strs) /
		    sizeof(strs[0]))]);
	}
}

/* No problem reported at or under prefix? */
static int
clean_under(const struct sl_asl_diags *d, const char *prefix)
{
	size_t i, n = strlen(prefix);

	for (i = 0; i < d->n; i++)
		if (strncmp(d->items[i].path, prefix, n) == 0 &&
		    (d->items[i].path[n] == '\0' || d->items[i].path[n] == '/'))
			return 0;
	return 1;
}

/* What the validator passes, the engine's compilers must take: every
 * top-level Choice rule and every payload template of a state that has no
 * problem reported against it. */
static int
check_agrees_with_engine(const cJSON *def, const struct sl_asl_diags *d)
{
	static const char *tmpl[] = { "Parameters", "ResultSelector",
		"ItemSelector" };
	const cJSON *states = cJSON_GetObjectItemCaseSensitive(def, "States");
	const cJSON *st, *r, *t;
	struct sl_err err = SL_ERR_INIT;
	struct sl_choice *c;
	struct sl_payload *pl;
	char path[512];
	size_t k;
	int i, checked = 0;

	cJSON_ArrayForEach(st, states) {
		if (st->string == NULL || strchr(st->string, '/') ||
		    strchr(st->string, '~') ||
		    cJSON_GetObjectItemCaseSensitive(st, "QueryLanguage"))
			continue;
		/* Only states the validator checked as their type. */
		snprintf(path, sizeof(path), "/States/%s/Type", st->string);
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(st,
		    "Type")) || !clean_under(d, path))
			continue;
		i = 0;
		cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(st,
		    "Choices")) {
			snprintf(path, sizeof(path), "/States/%s/Choices/%d",
			    st->string, i++);
			if (strcmp(cJSON_GetObjectItemCaseSensitive(st,
			    "Type")->valuestring, "Choice") != 0 ||
			    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(st,
			    "Choices")) || !clean_under(d, path))
				continue;
			c = sl_choice_compile(r, path, &err);
			ck_assert_msg(c != NULL, "validator passed %s but "
			    "sl_choice_compile says: %s", path, err.msg);
			sl_choice_free(c);
			checked++;
		}
		for (k = 0; k < 3; k++) {
			t = cJSON_GetObjectItemCaseSensitive(st, tmpl[k]);
			snprintf(path, sizeof(path), "/States/%s/%s",
			    st->string, tmpl[k]);
			if (t == NULL || !clean_under(d, path))
				continue;
			pl = sl_payload_compile(t, path, &err);
			ck_assert_msg(pl != NULL, "validator passed %s but "
			    "sl_payload_compile says: %s", path, err.msg);
			sl_payload_free(pl);
			checked++;
		}
	}
	return checked;
}

START_TEST(test_fuzz_mutations)
{
	struct sl_asl_diags d;
	cJSON *base, *tree, *n, *parent, *r;
	char *text, *printed, *s;
	size_t len;
	int i, k, m, total, invalid = 0, agreed = 0;

	rng_state = 20261126;
	text = dq(fuzz_base);
	base = cJSON_Parse(text);
	ck_assert_ptr_nonnull(base);
	sl_asl_diags_init(&d);
	ck_assert_int_eq(sl_asl_validate(base, &d), 0);
	total = count_nodes(base);
	for (i = 0; i < 1500; i++) {
		tree = cJSON_Duplicate(base, 1);
		total = count_nodes(tree);
		for (m = 0; m < 1 + (int)(rng() % 3); m++) {
			k = (int)(rng() % (unsigned)total);
			n = nth_node(tree, &k);
			if (n == NULL || n == tree)
				continue;
			parent = find_parent(tree, n);
			if (parent == NULL)
				continue;
			if (rng() % 3 == 0)
				cJSON_Delete(cJSON_DetachItemViaPointer(parent,
				    n));
			else {
				r = random_value();
				/* Keep the key: an object member needs one. */
				if (n->string != NULL)
					r->string = strdup(n->string);
				cJSON_ReplaceItemViaPointer(parent, n, r);
			}
			total = count_nodes(tree);
		}
		sl_asl_diags_init(&d);
		if (sl_asl_validate(tree, &d) != 0)
			invalid++;
		agreed += check_agrees_with_engine(tree, &d);
		ck_assert(d.n <= SL_ASL_DIAGS_MAX + 1);
		sl_asl_diags_release(&d);
		/* Byte-level damage to the text form. */
		printed = cJSON_PrintUnformatted(tree);
		len = strlen(printed);
		s = malloc(len + 1);
		memcpy(s, printed, len + 1);
		if (len > 0) {
			s[rng() % len] = "{}[],:\"\\ a0$.'"[rng() % 14];
			len -= rng() % 2 ? rng() % len : 0;
		}
		sl_asl_diags_init(&d);
		sl_asl_validate_text(s, len, &d);
		sl_asl_diags_release(&d);
		free(s);
		cJSON_free(printed);
		cJSON_Delete(tree);
	}
	/* The mutations did produce invalid definitions. */
	ck_assert_int_gt(invalid, 500);
	/* ... and the engine's compilers were asked about many of them. */
	ck_assert_int_gt(agreed, 1000);
	cJSON_Delete(base);
	free(text);
}
END_TEST

START_TEST(test_limits_and_api)
{
	struct sl_asl_diags d = SL_ASL_DIAGS_INIT;
	static const char good[] = "{\"StartAt\": \"A\", \"States\": "
	    "{\"A\": {\"Type\": \"Succeed\"}}}garbage";
	struct sl_buf b;
	int i;

	/* More states than problems we keep: the list is cut, not grown. */
	sl_buf_init(&b);
	sl_buf_addstr(&b, "{\"StartAt\": \"s0\", \"States\": {\"s0\": "
	    "{\"Type\": \"Succeed\"}");
	for (i = 1; i < 1500; i++)
		sl_buf_addf(&b, ", \"s%d\": {\"Type\": \"Succeed\"}", i);
	sl_buf_addstr(&b, "}}");
	ck_assert_int_eq(sl_asl_validate_text(b.data, b.len, &d), -1);
	ck_assert_uint_eq(d.n, SL_ASL_DIAGS_MAX + 1);
	ck_assert(strstr(d.items[SL_ASL_DIAGS_MAX].message, "too many") !=
	    NULL);
	sl_asl_diags_release(&d);
	sl_buf_release(&b);
	/* Definitions over 1 MiB are refused before parsing. */
	sl_buf_init(&b);
	sl_buf_addstr(&b, "{\"Comment\": \"");
	for (i = 0; i < SL_ASL_MAX_DEFINITION_BYTES; i += 8)
		sl_buf_addstr(&b, "xxxxxxxx");
	sl_buf_addstr(&b, "\", \"StartAt\": \"A\", \"States\": {\"A\": "
	    "{\"Type\": \"Succeed\"}}}");
	ck_assert_int_eq(sl_asl_validate_text(b.data, b.len, &d), -1);
	ck_assert_uint_eq(d.n, 1);
	ck_assert(strstr(d.items[0].message, "bytes") != NULL);
	sl_asl_diags_release(&d);
	sl_buf_release(&b);
	/* NULL and non-object trees. */
	ck_assert_int_eq(sl_asl_validate(NULL, &d), -1);
	ck_assert_str_eq(d.items[0].code, "MISSING_DESCRIPTION");
	sl_asl_diags_release(&d);
	/* A tree built in memory with a nameless member is refused. */
	{
		cJSON *t = cJSON_CreateObject(), *x = cJSON_CreateObject();

		cJSON_AddStringToObject(t, "StartAt", "A");
		cJSON_AddItemToObject(t, "States", x);
		cJSON_AddItemToArray(x, cJSON_CreateObject());
		ck_assert_int_eq(sl_asl_validate(t, &d), -1);
		ck_assert(strstr(d.items[0].message, "no name") != NULL);
		sl_asl_diags_release(&d);
		cJSON_Delete(t);
	}
	/* Text need not be NUL-terminated. */
	ck_assert_int_eq(sl_asl_validate_text(good, strlen(good) - 7, &d), 0);
	sl_asl_diags_release(&d);
}
END_TEST

Suite *
validate_suite(void)
{
	Suite *s = suite_create("validate");
	TCase *ok = tcase_create("valid");
	TCase *bad = tcase_create("errors");
	TCase *robust = tcase_create("robustness");

	tcase_add_test(ok, test_valid_pass_and_paths);
	tcase_add_test(ok, test_valid_task);
	tcase_add_test(ok, test_valid_choice_operators);
	tcase_add_test(ok, test_valid_wait_fail_succeed);
	tcase_add_test(ok, test_valid_parallel_map);
	tcase_add_test(ok, test_valid_jsonata);
	suite_add_tcase(s, ok);
	tcase_add_test(bad, test_top_level);
	tcase_add_test(bad, test_json_syntax);
	tcase_add_test(bad, test_unknown_and_missing_fields);
	tcase_add_test(bad, test_transitions);
	tcase_add_test(bad, test_state_names);
	tcase_add_test(bad, test_choice_errors);
	tcase_add_test(bad, test_wait_fail_errors);
	tcase_add_test(bad, test_task_errors);
	tcase_add_test(bad, test_retry_catch_errors);
	tcase_add_test(bad, test_path_errors);
	tcase_add_test(bad, test_intrinsic_errors);
	tcase_add_test(bad, test_assign_jsonata_errors);
	tcase_add_test(bad, test_parallel_map_errors);
	tcase_add_test(bad, test_many_errors_reported);
	tcase_add_test(bad, test_deep_nesting);
	suite_add_tcase(s, bad);
	tcase_add_test(robust, test_fuzz_mutations);
	tcase_add_test(robust, test_limits_and_api);
	tcase_set_timeout(robust, 120);
	suite_add_tcase(s, robust);
	return s;
}
