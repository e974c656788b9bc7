/* Check suite "config": NAME.json parsing, defaults, expansion and the
 * field-naming errors. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/config.h"

static const struct sl_config_vars vars = {"/var/lib/sluice", "/srv/functions"};

static int
parse(struct sl_fn_config *c, const char *json, struct sl_err *err)
{
	return sl_config_parse(c, json, strlen(json), "fn.json", &vars, err);
}

START_TEST(defaults)
{
	struct sl_fn_config c;
	struct sl_err err = SL_ERR_INIT;

	ck_assert_int_eq(parse(&c, "{}", &err), 0);
	ck_assert(c.timeout_s == 3.0);
	ck_assert_uint_eq(c.memory_mb, 128);
	ck_assert_int_eq(c.reserved, -1);
	ck_assert_int_eq(c.network, SL_NET_NONE);
	ck_assert_str_eq(c.handler, "handler");
	ck_assert_uint_eq(c.nenv, 0);
	sl_config_release(&c);
}
END_TEST

START_TEST(full)
{
	struct sl_fn_config c, d;
	struct sl_err err = SL_ERR_INIT;
	const char *j =
	    "{\"Timeout\": 7.5, \"MemorySize\": 256,"
	    "\"ReservedConcurrency\": 2, \"Network\": \"loopback\","
	    "\"Ports\": [5432, 25], \"Handler\": \"run_me\","
	    "\"Description\": \"d\","
	    "\"Environment\": {\"Variables\": {\"DB\": "
	    "\"${SLUICE_DATA_DIR}/db.sqlite\", \"PLAIN\": \"x\"}},"
	    "\"Paths\": {\"read\": [\"${SLUICE_FUNCTION_DIR}/assets\"],"
	    "\"write\": [\"${SLUICE_DATA_DIR}/out\", \"/tmp/x\"]}}";

	ck_assert_msg(parse(&c, j, &err) == 0, "%s", err.msg);
	ck_assert(c.timeout_s == 7.5);
	ck_assert_uint_eq(c.memory_mb, 256);
	ck_assert_int_eq(c.reserved, 2);
	ck_assert_int_eq(c.network, SL_NET_LOOPBACK);
	ck_assert_uint_eq(c.nports, 2);
	ck_assert_uint_eq(c.ports[0], 5432);
	ck_assert_uint_eq(c.ports[1], 25);
	ck_assert_str_eq(c.handler, "run_me");
	ck_assert_uint_eq(c.nenv, 2);
	ck_assert_str_eq(c.env_names[0], "DB");
	ck_assert_str_eq(c.env_values[0], "/var/lib/sluice/db.sqlite");
	ck_assert_str_eq(c.env_values[1], "x");
	ck_assert_uint_eq(c.nread, 1);
	ck_assert_str_eq(c.read_paths[0], "/srv/functions/assets");
	ck_assert_uint_eq(c.nwrite, 2);
	ck_assert_str_eq(c.write_paths[0], "/var/lib/sluice/out");
	sl_config_copy(&d, &c);
	sl_config_release(&c);
	ck_assert_str_eq(d.write_paths[1], "/tmp/x");
	ck_assert_str_eq(d.description, "d");
	sl_config_release(&d);
}
END_TEST

struct bad_case {
	const char *json;
	const char *names; /* the message must contain this */
};

static const struct bad_case bad[] = {
    {"{\"Timeout\": \"3\"}", "Timeout"},
    {"{\"Timeout\": 0}", "Timeout"},
    {"{\"Timeout\": 901}", "Timeout"},
    {"{\"MemorySize\": 12.5}", "MemorySize"},
    {"{\"MemorySize\": 8}", "MemorySize"},
    {"{\"ReservedConcurrency\": -1}", "ReservedConcurrency"},
    {"{\"Network\": \"internet\"}", "Network"},
    {"{\"Network\": true}", "Network"},
    {"{\"Ports\": [80]}", "Ports"},
    {"{\"Network\": \"loopback\", \"Ports\": [70000]}", "Ports"},
    {"{\"Environment\": []}", "Environment"},
    {"{\"Environment\": {\"Vars\": {}}}", "Environment.Vars"},
    {"{\"Environment\": {\"Variables\": {\"A\": 1}}}",
        "Environment.Variables.A"},
    {"{\"Environment\": {\"Variables\": {\"A\": \"${HOME}\"}}}", "${HOME}"},
    {"{\"Paths\": {\"read\": \"/x\"}}", "Paths.read"},
    {"{\"Paths\": {\"write\": [\"relative\"]}}", "Paths.write[0]"},
    {"{\"Paths\": {\"exec\": []}}", "Paths.exec"},
    {"{\"Handler\": \"not a symbol\"}", "Handler"},
    {"{\"Timeout\": 3, \"Runtime\": \"c\"}", "Runtime"},
    {"[1, 2]", "object"},
    {"{\"Timeout\": ", "JSON"},
};

START_TEST(rejects)
{
	struct sl_fn_config c;
	struct sl_err err = SL_ERR_INIT;
	const struct bad_case *b = &bad[_i];

	ck_assert_int_eq(parse(&c, b->json, &err), -1);
	ck_assert_str_eq(err.type, "InvalidParameterValueException");
	ck_assert_msg(strstr(err.msg, b->names) != NULL,
	    "message '%s' does not name '%s'", err.msg, b->names);
	ck_assert_msg(strstr(err.msg, "fn.json") != NULL,
	    "message '%s' does not name the file", err.msg);
}
END_TEST

START_TEST(unset_variable)
{
	struct sl_fn_config c;
	struct sl_err err = SL_ERR_INIT;
	struct sl_config_vars none = {NULL, "/f"};
	const char *j = "{\"Paths\": {\"write\": [\"${SLUICE_DATA_DIR}/x\"]}}";

	ck_assert_int_eq(
	    sl_config_parse(&c, j, strlen(j), "a.json", &none, &err), -1);
	ck_assert_msg(
	    strstr(err.msg, "SLUICE_DATA_DIR") != NULL, "%s", err.msg);
}
END_TEST

START_TEST(load_missing_file)
{
	struct sl_fn_config c;
	struct sl_err err = SL_ERR_INIT;

	ck_assert_int_eq(
	    sl_config_load(&c, "/nonexistent/fn.json", &vars, &err), 0);
	ck_assert_uint_eq(c.memory_mb, 128);
	sl_config_release(&c);
}
END_TEST

Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, full);
	tcase_add_loop_test(tc, rejects, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, unset_variable);
	tcase_add_test(tc, load_missing_file);
	suite_add_tcase(s, tc);
	return s;
}
