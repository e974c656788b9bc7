/* Suite "intrinsic": every States.* function with values recorded on AWS
 * (or given in the AWS developer guide), argument checks and errors. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orchestrator/digest.h"
#include "orchestrator/intrinsic.h"

/* Compile call, evaluate on doc (JSON text); the compact JSON result or
 * "<error type>: <message>". The caller frees. */
static char *
call(const char *text, const char *doc)
{
	struct sl_err err = SL_ERR_INIT;
	cJSON *d = cJSON_Parse(doc ? doc : "{}"), *r;
	struct sl_intrinsic *f;
	char *s;

	ck_assert_ptr_nonnull(d);
	f = sl_intrinsic_compile(text, &err);
	ck_assert_msg(f != NULL, "compile %s: %s", text, err.msg);
	r = sl_intrinsic_eval(f, d, d, &err);
	if (r == NULL) {
		s = malloc(strlen(err.type) + strlen(err.msg) + 3);
		sprintf(s, "%s: %s", err.type, err.msg);
	} else
		s = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	cJSON_Delete(d);
	sl_intrinsic_free(f);
	return s;
}

#define CALL_EQ(text, doc, want) do {					\
	char *got_ = call(text, doc);					\
	ck_assert_str_eq(got_, want);					\
	free(got_);							\
} while (0)

#define CALL_FAILS(text, doc, type, part) do {				\
	char *got_ = call(text, doc);					\
	ck_assert_msg(strncmp(got_, type ": ", strlen(type) + 2) == 0 &&\
	    strstr(got_, part) != NULL, "%s: got '%s'", text, got_);	\
	free(got_);							\
} while (0)

/* Recorded inputs use $.FunctionInput.fst / .snd / .trd. */
#define FST_SND(f) "States." f "($.FunctionInput.fst, $.FunctionInput.snd)"

START_TEST(test_is_call)
{
	ck_assert(sl_intrinsic_is_call("States.Format('x')"));
	ck_assert(sl_intrinsic_is_call("States.UUID()"));
	ck_assert(!sl_intrinsic_is_call("$.a"));
	ck_assert(!sl_intrinsic_is_call("States.Format"));
	ck_assert(!sl_intrinsic_is_call("States.(x)"));
	ck_assert(!sl_intrinsic_is_call("Foo.Bar()"));
}
END_TEST

START_TEST(test_compile_errors)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "States.Nope(1)", "unknown function 'States.Nope'" },
		{ "States.ArrayLength()", "takes 1 argument, got 0" },
		{ "States.MathAdd(1)", "takes 2 arguments, got 1" },
		{ "States.MathRandom(1)", "takes 2 to 3 arguments" },
		{ "States.UUID(1)", "takes 0 arguments, got 1" },
		{ "States.Format()", "takes at least 1 argument" },
		{ "States.Format('{} {}', 1)", "2 {} placeholder(s) but 1" },
		{ "States.Format(1)", "must be a string" },
		{ "States.JsonMerge($.a, $.b, true)", "shallow merge" },
		{ "States.Format('a\\n')", "invalid escape" },
		{ "States.Format('abc)", "unterminated string" },
		{ "States.Array(1 2)", "expected ',' or ')'" },
		{ "States.Array(foo)", "expected an argument" },
		{ "States.Array($.a[)", "invalid JSONPath" },
		{ "States.Array(1) x", "unexpected text" },
		{ "States.Array(1", "expected ',' or ')'" },
	};
	struct sl_err err = SL_ERR_INIT;
	struct sl_intrinsic *f;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sl_err_clear(&err);
		f = sl_intrinsic_compile(bad[i].text, &err);
		ck_assert_msg(f == NULL, "%s compiled", bad[i].text);
		ck_assert_msg(strstr(err.msg, bad[i].why) != NULL,
		    "%s: '%s' lacks '%s'", bad[i].text, err.msg, bad[i].why);
	}
}
END_TEST

START_TEST(test_format)
{
	CALL_EQ("States.Format('Formatting argument {}.', $.FunctionInput)",
	    "{\"FunctionInput\": 1.1}", "\"Formatting argument 1.1.\"");
	CALL_EQ("States.Format('Formatting argument {}.', $.FunctionInput)",
	    "{\"FunctionInput\": 1}", "\"Formatting argument 1.\"");
	CALL_EQ("States.Format('Formatting argument {}.', $.FunctionInput)",
	    "{\"FunctionInput\": \"{\\\"Arg1\\\": 1, \\\"Arg2\\\": []}\"}",
	    "\"Formatting argument {\\\"Arg1\\\": 1, \\\"Arg2\\\": []}.\"");
	CALL_EQ("States.Format('Formatting arguments fst={} and snd={}.', "
	    "$.FunctionInput.fst, $.FunctionInput.snd)",
	    "{\"FunctionInput\": {\"fst\": null, \"snd\": null}}",
	    "\"Formatting arguments fst=null and snd=null.\"");
	CALL_EQ("States.Format('Formatting arguments fst={} and snd={}.', "
	    "$.FunctionInput.fst, $.FunctionInput.snd)",
	    "{\"FunctionInput\": {\"fst\": \" \", \"snd\": \" \"}}",
	    "\"Formatting arguments fst=  and snd= .\"");
	/* Recorded: an object prints as Java's map text. */
	CALL_EQ("States.Format('snd={}.', $.sm)", "{\"sm\": {\"Id\": "
	    "\"arn:x\", \"Name\": \"n\"}}", "\"snd={Id=arn:x, Name=n}.\"");
	/* Escapes: \' \{ \} \\ are literal, not placeholders. */
	CALL_EQ("States.Format('it\\'s \\{\\} {} \\\\', 'ok')", NULL,
	    "\"it's {} ok \\\\\"");
	CALL_EQ("States.Format('{}{}', true, 'x')", NULL, "\"truex\"");
	/* Java's Double.toString forms. */
	CALL_EQ("States.Format('{} {} {} {} {}', 0.001, 0.0001, 12345.5, "
	    "-2.5e-7, 1.25e300)", NULL,
	    "\"0.001 1.0E-4 12345.5 -2.5E-7 1.25E300\"");
	CALL_EQ("States.Format('{} {}', 0.1, 100.125)", NULL,
	    "\"0.1 100.125\"");
	CALL_EQ("States.Format($.t, 1, 'b')", "{\"t\": \"a{}b{}\"}",
	    "\"a1bb\"");
	CALL_FAILS("States.Format($.t, 1)", "{\"t\": \"a\"}",
	    "States.IntrinsicFailure", "placeholders");
	CALL_FAILS("States.Format($.t)", "{\"t\": 3}",
	    "States.IntrinsicFailure", "must be a string");
}
END_TEST

START_TEST(test_json_string)
{
	static const char *in[][2] = {
		{ "\"\"", "null" }, { "\"null\"", "null" }, { "\"-0\"", "0" },
		{ "\"1\"", "1" }, { "\"1.1\"", "1.1" },
		{ "\"\\\"HelloWorld\\\"\"", "\"HelloWorld\"" },
		{ "\"[1, 2, \\\"HelloWorld\\\"]\"", "[1,2,\"HelloWorld\"]" },
	};
	char doc[256];
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		snprintf(doc, sizeof(doc), "{\"FunctionInput\": %s}", in[i][0]);
		CALL_EQ("States.StringToJson($.FunctionInput)", doc, in[i][1]);
	}
	CALL_FAILS("States.StringToJson($.s)", "{\"s\": \"{x\"}",
	    "States.IntrinsicFailure", "not valid JSON");
	CALL_FAILS("States.StringToJson($.s)", "{\"s\": 1}",
	    "States.IntrinsicFailure", "must be a string");
	CALL_EQ("States.JsonToString($.v)", "{\"v\": null}", "\"null\"");
	CALL_EQ("States.JsonToString($.v)", "{\"v\": 1.1}", "\"1.1\"");
	CALL_EQ("States.JsonToString($.v)", "{\"v\": true}", "\"true\"");
	CALL_EQ("States.JsonToString($.v)", "{\"v\": \"HelloWorld\"}",
	    "\"\\\"HelloWorld\\\"\"");
	CALL_EQ("States.JsonToString($.v)", "{\"v\": {\"Arg1\": 1, \"Arg2\": "
	    "[]}}", "\"{\\\"Arg1\\\":1,\\\"Arg2\\\":[]}\"");
}
END_TEST

START_TEST(test_arrays)
{
	CALL_EQ("States.Array()", NULL, "[]");
	CALL_EQ(FST_SND("Array"), "{\"FunctionInput\": {\"fst\": 1.1, "
	    "\"snd\": {\"Arg1\": 1, \"Arg2\": []}}}",
	    "[1.1,{\"Arg1\":1,\"Arg2\":[]}]");
	CALL_EQ("States.Array('a', 2, true, null, States.Array())", NULL,
	    "[\"a\",2,true,null,[]]");
	CALL_EQ(FST_SND("ArrayPartition"), "{\"FunctionInput\": {\"fst\": "
	    "[0, 1, 2], \"snd\": 2}}", "[[0,1],[2]]");
	CALL_EQ(FST_SND("ArrayPartition"), "{\"FunctionInput\": {\"fst\": "
	    "[0, 1, 2, 3], \"snd\": 1}}", "[[0],[1],[2],[3]]");
	CALL_EQ(FST_SND("ArrayPartition"), "{\"FunctionInput\": {\"fst\": "
	    "[], \"snd\": 2}}", "[]");
	CALL_EQ(FST_SND("ArrayPartition"), "{\"FunctionInput\": {\"fst\": "
	    "[0, 1], \"snd\": 5}}", "[[0,1]]");
	CALL_FAILS("States.ArrayPartition($.a, 0)", "{\"a\": [1]}",
	    "States.IntrinsicFailure", "greater than 0");
	CALL_FAILS("States.ArrayPartition($.a, 1.5)", "{\"a\": [1]}",
	    "States.IntrinsicFailure", "integer");
	CALL_EQ(FST_SND("ArrayContains"), "{\"FunctionInput\": {\"fst\": "
	    "[true, false], \"snd\": false}}", "true");
	CALL_EQ(FST_SND("ArrayContains"), "{\"FunctionInput\": {\"fst\": "
	    "[{\"1\": 2, \"2\": []}], \"snd\": []}}", "false");
	CALL_EQ(FST_SND("ArrayContains"), "{\"FunctionInput\": {\"fst\": "
	    "[], \"snd\": []}}", "false");
	CALL_EQ("States.ArrayContains($.a, $.b)", "{\"a\": [1, {\"x\": [2]}],"
	    " \"b\": {\"x\": [2.0]}}", "true");
	CALL_EQ("States.ArrayRange($.FunctionInput.fst, $.FunctionInput.snd, "
	    "$.FunctionInput.trd)", "{\"FunctionInput\": {\"fst\": 0, \"snd\":"
	    " 10, \"trd\": 3}}", "[0,3,6,9]");
	CALL_EQ("States.ArrayRange(1, 9, 2)", NULL, "[1,3,5,7,9]");
	CALL_EQ("States.ArrayRange(1, 9, 9)", NULL, "[1]");
	CALL_EQ("States.ArrayRange(5, 1, -2)", NULL, "[5,3,1]");
	CALL_EQ("States.ArrayLength(States.ArrayRange(1, 1000, 1))", NULL,
	    "1000");
	CALL_FAILS("States.ArrayRange(1, 1001, 1)", NULL,
	    "States.IntrinsicFailure", "1000");
	CALL_FAILS("States.ArrayRange(1, 5, 0)", NULL,
	    "States.IntrinsicFailure", "step");
	CALL_EQ(FST_SND("ArrayGetItem"), "{\"FunctionInput\": {\"fst\": "
	    "[1, 2, 3, 4, 5, 6, 7, 8, 9], \"snd\": 5}}", "6");
	CALL_FAILS("States.ArrayGetItem($.a, 3)", "{\"a\": [1]}",
	    "States.IntrinsicFailure", "out of bounds");
	CALL_FAILS("States.ArrayGetItem($.a, -1)", "{\"a\": [1]}",
	    "States.IntrinsicFailure", "out of bounds");
	CALL_EQ("States.ArrayLength($.FunctionInput)", "{\"FunctionInput\": "
	    "[null, true, 1, 1.1, \"x\", [], {}]}", "7");
	CALL_FAILS("States.ArrayLength($.a)", "{\"a\": \"x\"}",
	    "States.IntrinsicFailure", "must be an array");
	/* The developer guide's example. */
	CALL_EQ("States.ArrayUnique($.a)", "{\"a\": [1, 2, 3, 3, 3, 3, 3, 3, "
	    "4]}", "[1,2,3,4]");
	CALL_EQ("States.ArrayUnique($.a)", "{\"a\": [{\"k\": 1}, \"1\", 1, "
	    "{\"k\": 1.0}, null, null]}", "[{\"k\":1},\"1\",1,null]");
}
END_TEST

START_TEST(test_encoding_and_hash)
{
	CALL_EQ("States.Base64Encode($.FunctionInput)", "{\"FunctionInput\": "
	    "\"Data to encode\"}", "\"RGF0YSB0byBlbmNvZGU=\"");
	CALL_EQ("States.Base64Encode('')", NULL, "\"\"");
	CALL_EQ("States.Base64Encode('ab')", NULL, "\"YWI=\"");
	CALL_EQ("States.Base64Decode($.FunctionInput)", "{\"FunctionInput\": "
	    "\"RGF0YSB0byBlbmNvZGU=\"}", "\"Data to encode\"");
	CALL_EQ("States.Base64Decode('YWI=')", NULL, "\"ab\"");
	CALL_FAILS("States.Base64Decode('YW*=')", NULL,
	    "States.IntrinsicFailure", "base64");
	CALL_EQ(FST_SND("Hash"), "{\"FunctionInput\": {\"fst\": \"input "
	    "data\", \"snd\": \"SHA-1\"}}",
	    "\"aaff4a450a104cd177d28d18d74485e8cae074b7\"");
	CALL_EQ(FST_SND("Hash"), "{\"FunctionInput\": {\"fst\": \"input "
	    "data\", \"snd\": \"SHA-256\"}}", "\"b4a697a057313163aee33cd8d40c6"
	    "6e9f0f177e00cac2de32475ffff6169c3e3\"");
	CALL_EQ(FST_SND("Hash"), "{\"FunctionInput\": {\"fst\": \"input "
	    "data\", \"snd\": \"SHA-384\"}}", "\"d28a7d5cf25a74f11a50a18452b75"
	    "e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a155"
	    "62\"");
	CALL_EQ(FST_SND("Hash"), "{\"FunctionInput\": {\"fst\": \"input "
	    "data\", \"snd\": \"SHA-512\"}}", "\"6ce4adb348546d4f449c4d25aad9a"
	    "7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc5028373"
	    "1a533d30d425402d4f91316d871303aac4\"");
	/* RFC 1321's test suite. */
	CALL_EQ("States.Hash('abc', 'MD5')", NULL,
	    "\"900150983cd24fb0d6963f7d28e17f72\"");
	CALL_EQ("States.Hash('', 'MD5')", NULL,
	    "\"d41d8cd98f00b204e9800998ecf8427e\"");
	CALL_FAILS("States.Hash('x', 'SHA-3')", NULL,
	    "States.IntrinsicFailure", "'SHA-3'");
}
END_TEST

START_TEST(test_digest_blocks)
{
	/* FIPS 180 two-block message. */
	static const char msg[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmk"
	    "lmnlmnomnopnopq";
	char hex[SL_DIGEST_HEX_MAX];

	ck_assert_int_eq(sl_digest_hex("SHA-256", msg, strlen(msg), hex), 0);
	ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff21"
	    "67f6ecedd419db06c1");
	ck_assert_int_eq(sl_digest_hex("SHA-1", msg, strlen(msg), hex), 0);
	ck_assert_str_eq(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	ck_assert_int_eq(sl_digest_hex("SHA-512", "abc", 3, hex), 0);
	ck_assert_str_eq(hex, "ddaf35a193617abacc417349ae20413112e6fa4e89a97e"
	    "a20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce8"
	    "0e2a9ac94fa54ca49f");
	ck_assert_int_eq(sl_digest_hex("sha-1", "abc", 3, hex), -1);
}
END_TEST

START_TEST(test_merge_math_split)
{
	/* The developer guide's JsonMerge example. */
	CALL_EQ("States.JsonMerge($.json1, $.json2, false)", "{\"json1\": "
	    "{\"a\": {\"a1\": 1, \"a2\": 2}, \"b\": 2}, \"json2\": {\"a\": "
	    "{\"a3\": 1, \"a4\": 2}, \"c\": 3}}",
	    "{\"b\":2,\"a\":{\"a3\":1,\"a4\":2},\"c\":3}");
	CALL_EQ("States.JsonMerge(States.StringToJson('{\"k\": \"false\"}'), "
	    "$.i, false)", "{\"i\": {\"c\": \"v\"}}",
	    "{\"k\":\"false\",\"c\":\"v\"}");
	CALL_FAILS("States.JsonMerge($.a, $.b, $.d)", "{\"a\": {}, \"b\": {},"
	    " \"d\": true}", "States.IntrinsicFailure", "false");
	CALL_FAILS("States.JsonMerge($.a, $.b, false)", "{\"a\": {}, \"b\": "
	    "[]}", "States.IntrinsicFailure", "must be an object");
	/* Recorded: each operand is rounded half up first. */
	CALL_EQ(FST_SND("MathAdd"), "{\"FunctionInput\": {\"fst\": 1.49, "
	    "\"snd\": 1.5}}", "3");
	CALL_EQ(FST_SND("MathAdd"), "{\"FunctionInput\": {\"fst\": -0.5, "
	    "\"snd\": 0}}", "0");
	CALL_EQ(FST_SND("MathAdd"), "{\"FunctionInput\": {\"fst\": -2.5, "
	    "\"snd\": 0}}", "-2");
	CALL_EQ(FST_SND("MathAdd"), "{\"FunctionInput\": {\"fst\": -1.5, "
	    "\"snd\": -1.51}}", "-3");
	CALL_EQ(FST_SND("MathAdd"), "{\"FunctionInput\": {\"fst\": -9, "
	    "\"snd\": 3}}", "-6");
	CALL_FAILS("States.MathAdd('1', 2)", NULL, "States.IntrinsicFailure",
	    "must be a number");
	CALL_EQ(FST_SND("StringSplit"), "{\"FunctionInput\": {\"fst\": "
	    "\"This.is+a,test=string\", \"snd\": \".+,=\"}}",
	    "[\"This\",\"is\",\"a\",\"test\",\"string\"]");
	CALL_EQ(FST_SND("StringSplit"), "{\"FunctionInput\": {\"fst\": "
	    "\",,,,\", \"snd\": \",\"}}", "[]");
	CALL_EQ(FST_SND("StringSplit"), "{\"FunctionInput\": {\"fst\": "
	    "\" , \", \"snd\": \",\"}}", "[\" \",\" \"]");
	CALL_EQ("States.StringSplit('Hello\nWorld', '\n')", NULL,
	    "[\"Hello\",\"World\"]");
	/* Recorded: nested calls. */
	CALL_EQ("States.ArrayGetItem(States.StringSplit($.n, '-'), "
	    "States.MathAdd(States.ArrayLength(States.StringSplit($.n, '-')), "
	    "-1))", "{\"n\": \"a-b-c\"}", "\"c\"");
}
END_TEST

START_TEST(test_random_and_uuid)
{
	char *a, *b, *s;
	int i, v, seen_lo = 0;

	for (i = 0; i < 200; i++) {
		s = call("States.MathRandom(1, 4)", NULL);
		v = atoi(s);
		ck_assert_msg(v >= 1 && v < 4 && strchr(s, '.') == NULL,
		    "MathRandom(1, 4) gave %s", s);
		seen_lo |= v == 1;
		free(s);
	}
	ck_assert(seen_lo);
	a = call("States.MathRandom(0, 1000000, 7)", NULL);
	b = call("States.MathRandom(0, 1000000, 7)", NULL);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	CALL_FAILS("States.MathRandom(5, 5)", NULL, "States.IntrinsicFailure",
	    "greater than");
	a = call("States.UUID()", NULL);
	b = call("States.UUID()", NULL);
	ck_assert_uint_eq(strlen(a), 38);
	for (i = 1; i < 37; i++) {
		if (i == 9 || i == 14 || i == 19 || i == 24)
			ck_assert_int_eq(a[i], '-');
		else
			ck_assert(strchr("0123456789abcdef", a[i]) != NULL);
	}
	ck_assert_int_eq(a[15], '4');
	ck_assert(strchr("89ab", a[20]) != NULL);
	ck_assert_str_ne(a, b);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_missing_path)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_intrinsic *f;
	cJSON *d = cJSON_Parse("{\"a\": 1}");

	CALL_FAILS("States.Array($.nope)", "{\"a\": 1}", "States.Runtime",
	    "'$.nope'");
	f = sl_intrinsic_compile("States.Format('{}', $.nope)", &err);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(sl_intrinsic_name(f), "States.Format");
	ck_assert_ptr_null(sl_intrinsic_eval_field(f, d, d, "v.$", &err));
	ck_assert_str_eq(err.type, "States.Runtime");
	ck_assert_str_eq(err.msg, "The JSONPath '$.nope' specified for the "
	    "field 'v.$' could not be found in the input '{\"a\":1}'");
	sl_intrinsic_free(f);
	cJSON_Delete(d);
	/* A multi path gives an array argument. */
	CALL_EQ("States.ArrayLength($.a[*].b)", "{\"a\": [{\"b\": 1}, {}, "
	    "{\"b\": 2}]}", "2");
}
END_TEST

Suite *
intrinsic_suite(void)
{
	Suite *s = suite_create("intrinsic");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_is_call);
	tcase_add_test(tc, test_compile_errors);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_json_string);
	tcase_add_test(tc, test_arrays);
	tcase_add_test(tc, test_encoding_and_hash);
	tcase_add_test(tc, test_digest_blocks);
	tcase_add_test(tc, test_merge_math_split);
	tcase_add_test(tc, test_random_and_uuid);
	tcase_add_test(tc, test_missing_path);
	suite_add_tcase(s, tc);
	return s;
}
