/* Suite "api": the dispatcher without any transport or function host:
 * parameter validation, error replies, replies out of order, results for
 * closed connections, authentication, subscriptions and pushes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/xmalloc.h"
#include "server/api.h"

#define MAXMSG 64

/* What the fake transport saw. */
struct sent {
	uint64_t conn[MAXMSG];
	cJSON *msg[MAXMSG];
	int n;
	uint64_t closed_conn;
	int close_code;
};

/* A fake function host: keeps invocations until the test completes them. */
struct fake_inv {
	sl_invoke_cb *cb;
	void *arg;
	char *function;
	char *payload;
	enum sl_invoke_type type;
	int want_log;
};

struct fake_host {
	struct fake_inv inv[16];
	int n;
	int cancelled;
};

static struct sent sent;
static struct fake_host fh;
static struct sl_api *api;

static void
t_send(void *arg, uint64_t conn, const char *text, size_t len)
{
	(void)arg;
	ck_assert_int_lt(sent.n, MAXMSG);
	sent.conn[sent.n] = conn;
	sent.msg[sent.n] = cJSON_ParseWithLength(text, len);
	ck_assert_msg(sent.msg[sent.n] != NULL, "reply is not JSON: %.*s",
	    (int)len, text);
	sent.n++;
}

static void
t_close(void *arg, uint64_t conn, int code, const char *reason)
{
	(void)arg;
	(void)reason;
	sent.closed_conn = conn;
	sent.close_code = code;
}

static uint64_t
f_invoke(void *impl, const struct sl_invoke_request *req, sl_invoke_cb *cb,
    void *arg)
{
	struct fake_host *h = impl;
	struct fake_inv *i = &h->inv[h->n++];

	i->cb = cb;
	i->arg = arg;
	i->function = xstrdup(req->function);
	i->payload = req->payload ? xstrndup(req->payload, req->payload_len) :
	    NULL;
	i->type = req->type;
	i->want_log = req->want_log_tail;
	return (uint64_t)h->n;
}

static void
f_cancel(void *impl, uint64_t id)
{
	(void)id;
	((struct fake_host *)impl)->cancelled++;
}

static char *
f_list(void *impl)
{
	(void)impl;
	return xstrdup("{\"Functions\":[{\"FunctionName\":\"echo\"}]}");
}

static char *
f_get(void *impl, const char *fn, struct sl_err *err)
{
	(void)impl;
	if (strcmp(fn, "echo") != 0) {
		sl_err_set(err, "ResourceNotFoundException",
		    "Function not found: %s", fn);
		return NULL;
	}
	return xstrdup("{\"Configuration\":{\"FunctionName\":\"echo\"}}");
}

static void
setup_with_token(const char *token)
{
	struct sl_api_config cfg = {
		.max_message = 4096,
		.token = token,
		.transport = { .send = t_send, .close = t_close },
		.functions = { .invoke = f_invoke, .cancel = f_cancel,
			.list_json = f_list, .get_json = f_get, .impl = &fh },
	};

	memset(&sent, 0, sizeof(sent));
	memset(&fh, 0, sizeof(fh));
	api = sl_api_new(&cfg);
}

static void
setup(void)
{
	setup_with_token(NULL);
	sl_api_conn_open(api, 1, 0);
	sl_api_conn_open(api, 2, 0);
}

static void
teardown(void)
{
	int i;

	sl_api_free(api);
	api = NULL;
	for (i = 0; i < sent.n; i++)
		cJSON_Delete(sent.msg[i]);
	for (i = 0; i < fh.n; i++) {
		free(fh.inv[i].function);
		free(fh.inv[i].payload);
	}
}

static void
req(uint64_t conn, const char *text)
{
	ck_assert_int_eq(sl_api_request(api, conn, text, strlen(text)), 0);
}

static const char *
str_at(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);

	if (b != NULL)
		v = cJSON_GetObjectItemCaseSensitive(v, b);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void
assert_error(int i, const char *type, const char *needle)
{
	const char *t, *m;

	ck_assert_int_gt(sent.n, i);
	t = str_at(sent.msg[i], "error", "type");
	m = str_at(sent.msg[i], "error", "message");
	ck_assert_pstr_eq(t, type);
	ck_assert_ptr_nonnull(m);
	if (needle != NULL)
		ck_assert_msg(strstr(m, needle) != NULL,
		    "message '%s' lacks '%s'", m, needle);
}

static double
id_of(int i)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(sent.msg[i], "id");

	return cJSON_IsNumber(id) ? id->valuedouble : -1;
}

START_TEST(test_malformed_json_is_an_error_reply)
{
	req(1, "{\"id\": 1, \"action\": ");
	assert_error(0, "SerializationException", "not valid JSON");
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(sent.msg[0], "id")));
	req(1, "[1,2]");
	assert_error(1, "SerializationException", "JSON object");
	ck_assert_uint_eq(sent.closed_conn, 0);
}
END_TEST

START_TEST(test_unknown_and_missing_action)
{
	req(1, "{\"id\": 5, \"action\": \"Frobnicate\"}");
	assert_error(0, "UnknownOperation", "Frobnicate");
	ck_assert_double_eq(id_of(0), 5);
	req(1, "{\"id\": 6}");
	assert_error(1, "ValidationException", "'action'");
	req(1, "{\"id\": 7, \"action\": 12}");
	assert_error(2, "ValidationException", "'action'");
	req(1, "{\"id\": {\"x\":1}, \"action\": \"ListFunctions\"}");
	assert_error(3, "ValidationException", "'id'");
}
END_TEST

START_TEST(test_invoke_parameters_are_checked)
{
	req(1, "{\"id\":1,\"action\":\"Invoke\"}");
	assert_error(0, "ValidationException", "'FunctionName'");
	req(1, "{\"id\":2,\"action\":\"Invoke\",\"FunctionName\":7}");
	assert_error(1, "ValidationException", "a number");
	req(1, "{\"id\":3,\"action\":\"Invoke\",\"FunctionName\":\"echo\","
	    "\"InvocationType\":\"Sometimes\"}");
	assert_error(2, "ValidationException", "RequestResponse");
	req(1, "{\"id\":4,\"action\":\"Invoke\",\"FunctionName\":\"echo\","
	    "\"LogType\":true}");
	assert_error(3, "ValidationException", "'LogType'");
	req(1, "{\"id\":5,\"action\":\"Invoke\",\"FunctionName\":\"echo\","
	    "\"Payload\":\"{not json\"}");
	assert_error(4, "InvalidRequestContentException", "Payload");
	req(1, "{\"id\":6,\"action\":\"Invoke\",\"FunctionName\":\"\"}");
	assert_error(5, "ValidationException", "length");
	ck_assert_int_eq(fh.n, 0);
	ck_assert_uint_eq(sl_api_pending(api), 0);
}
END_TEST

START_TEST(test_invoke_replies_out_of_order)
{
	struct sl_invoke_result r = { .status = 200 };

	req(1, "{\"id\":1,\"action\":\"Invoke\",\"FunctionName\":\"echo\","
	    "\"Payload\":{\"a\":1}}");
	req(1, "{\"id\":2,\"action\":\"Invoke\",\"FunctionName\":\"echo\","
	    "\"Qualifier\":\"live\",\"Payload\":\"[2]\",\"LogType\":\"Tail\","
	    "\"InvocationType\":\"Event\"}");
	ck_assert_int_eq(fh.n, 2);
	ck_assert_uint_eq(sl_api_pending(api), 2);
	ck_assert_str_eq(fh.inv[0].payload, "{\"a\":1}");
	ck_assert_str_eq(fh.inv[1].function, "echo:live");
	ck_assert_int_eq(fh.inv[1].type, SL_INVOKE_EVENT);
	ck_assert_int_eq(fh.inv[1].want_log, 1);
	ck_assert_int_eq(sent.n, 0);

	r.payload = "[2]";
	r.payload_len = 3;
	r.log_tail = "hi\n";
	fh.inv[1].cb(fh.inv[1].arg, &r);
	r.payload = "{\"a\":1}";
	r.payload_len = 7;
	r.log_tail = NULL;
	r.function_error = "Unhandled";
	fh.inv[0].cb(fh.inv[0].arg, &r);
	ck_assert_int_eq(sent.n, 2);
	ck_assert_double_eq(id_of(0), 2);
	ck_assert_double_eq(id_of(1), 1);
	ck_assert_pstr_eq(str_at(sent.msg[0], "result", "LogResult"),
	    "aGkK");
	ck_assert_pstr_eq(str_at(sent.msg[1], "result", "FunctionError"),
	    "Unhandled");
	ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(sent.msg[1], "result"), "Payload"), "a")
	    ->valueint, 1);
	ck_assert_uint_eq(sl_api_pending(api), 0);
}
END_TEST

START_TEST(test_refusal_becomes_error_reply)
{
	struct sl_invoke_result r = { .status = 429,
		.error_type = "TooManyRequestsException",
		.error_message = "Rate exceeded",
		.payload = "{\"Type\":\"User\",\"Message\":\"Rate exceeded\","
		    "\"Reason\":\"ReservedFunctionConcurrentInvocation"
		    "LimitExceeded\"}" };

	r.payload_len = strlen(r.payload);
	req(1, "{\"id\":\"a\",\"action\":\"Invoke\",\"FunctionName\":\"x\"}");
	fh.inv[0].cb(fh.inv[0].arg, &r);
	assert_error(0, "TooManyRequestsException", "Rate");
	ck_assert_pstr_eq(str_at(sent.msg[0], "id", NULL), "a");
	ck_assert_pstr_eq(str_at(sent.msg[0], "error", "Reason"),
	    "ReservedFunctionConcurrentInvocationLimitExceeded");
}
END_TEST

START_TEST(test_result_for_closed_connection_is_dropped)
{
	struct sl_invoke_result r = { .status = 200, .payload = "{}",
		.payload_len = 2 };

	req(1, "{\"id\":1,\"action\":\"Invoke\",\"FunctionName\":\"echo\"}");
	sl_api_conn_closed(api, 1);
	fh.inv[0].cb(fh.inv[0].arg, &r);
	ck_assert_int_eq(sent.n, 0);
	ck_assert_uint_eq(sl_api_pending(api), 0);
}
END_TEST

START_TEST(test_oversize_only_for_invoke)
{
	char *big = xmalloc(8192);

	memset(big, ' ', 8191);
	big[8191] = '\0';
	memcpy(big, "{\"action\":\"ListFunctions\"}", 26);
	ck_assert_int_eq(sl_api_request(api, 1, big, 8191), -1);
	memcpy(big, "{\"action\":\"Invoke\",\"FunctionName\":\"e\"}", 38);
	ck_assert_int_eq(sl_api_request(api, 1, big, 8191), 0);
	ck_assert_int_eq(fh.n, 1);
	free(big);
}
END_TEST

START_TEST(test_get_function)
{
	req(1, "{\"id\":1,\"action\":\"GetFunction\","
	    "\"FunctionName\":\"nope\"}");
	assert_error(0, "ResourceNotFoundException", "nope");
	req(1, "{\"id\":2,\"action\":\"GetFunction\","
	    "\"FunctionName\":\"echo\"}");
	ck_assert_pstr_eq(str_at(cJSON_GetObjectItem(sent.msg[1], "result"),
	    "Configuration", "FunctionName"), "echo");
	req(1, "{\"id\":3,\"action\":\"ListFunctions\"}");
	ck_assert(cJSON_IsArray(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    sent.msg[2], "result"), "Functions")));
}
END_TEST

START_TEST(test_publish_reaches_subscribers_only)
{
	req(1, "{\"id\":1,\"action\":\"Subscribe\",\"topic\":\"news\"}");
	req(2, "{\"id\":1,\"action\":\"Subscribe\",\"TopicArn\":"
	    "\"arn:aws:sns:us-east-1:000000000000:other\"}");
	ck_assert_int_eq(sent.n, 2);
	req(2, "{\"id\":2,\"action\":\"Publish\",\"TopicArn\":"
	    "\"arn:aws:sns:us-east-1:000000000000:news\",\"Message\":\"m1\"}");
	/* The notification to 1, then the reply to 2. */
	ck_assert_int_eq(sent.n, 4);
	ck_assert_uint_eq(sent.conn[2], 1);
	ck_assert_pstr_eq(str_at(sent.msg[2], "event", NULL), "Notification");
	ck_assert_pstr_eq(str_at(sent.msg[2], "Message", NULL), "m1");
	ck_assert_uint_eq(sent.conn[3], 2);
	ck_assert_ptr_nonnull(str_at(sent.msg[3], "result", "MessageId"));
	req(1, "{\"id\":3,\"action\":\"Unsubscribe\",\"topic\":\"news\"}");
	req(2, "{\"id\":4,\"action\":\"Publish\",\"topic\":\"news\","
	    "\"Message\":{\"k\":1}}");
	ck_assert_int_eq(sent.n, 6);
	ck_assert_uint_eq(sent.conn[5], 2);
	req(1, "{\"id\":5,\"action\":\"Publish\",\"topic\":\"bad topic\","
	    "\"Message\":\"x\"}");
	assert_error(6, "InvalidParameterException", "bad topic");
	req(1, "{\"id\":6,\"action\":\"Publish\",\"topic\":\"t\"}");
	assert_error(7, "ValidationException", "'Message'");
	req(1, "{\"id\":7,\"action\":\"Subscribe\",\"topic\":\"t\","
	    "\"executionArn\":\"x\"}");
	assert_error(8, "ValidationException", "exactly one");
	req(1, "{\"id\":8,\"action\":\"Subscribe\",\"executionArn\":\"x\"}");
	assert_error(9, "InvalidArn", NULL);
}
END_TEST

START_TEST(test_execution_events_in_order_once_per_conn)
{
	const char *m = "arn:aws:states:us-east-1:000000000000:stateMachine:M";
	const char *x =
	    "arn:aws:states:us-east-1:000000000000:execution:M:run1";
	char ev[64];
	int i;

	req(1, "{\"id\":1,\"action\":\"Subscribe\",\"stateMachineArn\":"
	    "\"arn:aws:states:us-east-1:000000000000:stateMachine:M\"}");
	req(1, "{\"id\":2,\"action\":\"Subscribe\",\"executionArn\":"
	    "\"arn:aws:states:us-east-1:000000000000:execution:M:run1\"}");
	req(2, "{\"id\":3,\"action\":\"Subscribe\",\"executionArn\":"
	    "\"arn:aws:states:us-east-1:000000000000:execution:M:run2\"}");
	ck_assert_int_eq(sent.n, 3);
	for (i = 1; i <= 5; i++) {
		snprintf(ev, sizeof(ev), "{\"id\":%d,\"type\":\"T\"}", i);
		sl_api_execution_event(api, m, x, ev);
	}
	ck_assert_int_eq(sent.n, 8);
	for (i = 0; i < 5; i++) {
		ck_assert_uint_eq(sent.conn[3 + i], 1);
		ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(
		    sent.msg[3 + i], "historyEvent"), "id")->valueint, i + 1);
		ck_assert_pstr_eq(str_at(sent.msg[3 + i], "executionArn",
		    NULL), x);
	}
}
END_TEST

START_TEST(test_token_required_first)
{
	teardown();
	setup_with_token("s3cret");
	sl_api_conn_open(api, 1, 0);
	sl_api_conn_open(api, 2, 0);
	sl_api_conn_open(api, 3, 1); /* checked by the transport */
	req(1, "{\"id\":1,\"action\":\"ListFunctions\"}");
	assert_error(0, "MissingAuthenticationTokenException", NULL);
	ck_assert_uint_eq(sent.closed_conn, 1);
	ck_assert_int_eq(sent.close_code, 1008);
	req(2, "{\"id\":1,\"action\":\"Authenticate\",\"token\":\"wrong\"}");
	assert_error(1, "UnrecognizedClientException", NULL);
	ck_assert_uint_eq(sent.closed_conn, 2);
	sent.closed_conn = 0;
	sl_api_conn_closed(api, 2);
	sl_api_conn_open(api, 4, 0);
	req(4, "{\"id\":1,\"action\":\"Authenticate\",\"token\":\"s3cret\"}");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    sent.msg[2], "result"), "authenticated")));
	req(4, "{\"id\":2,\"action\":\"ListFunctions\"}");
	ck_assert_ptr_nonnull(cJSON_GetObjectItem(sent.msg[3], "result"));
	req(3, "{\"id\":3,\"action\":\"ListFunctions\"}");
	ck_assert_ptr_nonnull(cJSON_GetObjectItem(sent.msg[4], "result"));
	ck_assert_uint_eq(sent.closed_conn, 0);
}
END_TEST

/* Hostile requests: each gets exactly one reply, which is JSON, and none
 * reaches the function host. */
START_TEST(test_hostile_requests_get_one_error_each)
{
	static const char *const cases[] = {
		"",
		"null",
		"\"just a string\"",
		"{\"id\":1e400,\"action\":\"Nope\"}",
		"{\"id\":-0,\"action\":\"\"}",
		"{\"action\":\"Invoke\",\"FunctionName\":\"x\","
		    "\"Payload\":\"\\u0000\"}",
		"{\"action\":\"Invoke\",\"FunctionName\":[\"x\"]}",
		"{\"action\":\"Invoke\",\"FunctionName\":\"x\","
		    "\"InvocationType\":null,\"LogType\":7}",
		"{\"action\":\"Publish\",\"topic\":\"\",\"Message\":\"m\"}",
		"{\"action\":\"Subscribe\",\"topic\":\"a\",\"TopicArn\":"
		    "\"arn:aws:sns:r:a:b\"}",
		"{\"action\":\"Publish\",\"TopicArn\":\"arn:aws:sns:r\","
		    "\"Message\":\"m\"}",
		"{\"action\":\"StartExecution\"}",
		"{\"action\":\"Authenticate\"}",
		"\xff\xfe{}",
	};
	char nested[4100];
	size_t i;
	int before;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		before = sent.n;
		req(1, cases[i]);
		ck_assert_msg(sent.n == before + 1, "case %zu: %d replies", i,
		    sent.n - before);
		ck_assert_msg(cJSON_GetObjectItem(sent.msg[before], "error") !=
		    NULL, "case %zu: no error", i);
	}
	memset(nested, '[', 4000);
	nested[4000] = '\0';
	before = sent.n;
	req(1, nested);
	ck_assert_int_eq(sent.n, before + 1);
	assert_error(before, "SerializationException", NULL);
	ck_assert_int_eq(fh.n, 0);
	ck_assert_uint_eq(sent.closed_conn, 0);
}
END_TEST

START_TEST(test_base64)
{
	char *s;

	s = sl_api_base64("", 0);
	ck_assert_str_eq(s, "");
	free(s);
	s = sl_api_base64("f", 1);
	ck_assert_str_eq(s, "Zg==");
	free(s);
	s = sl_api_base64("fo", 2);
	ck_assert_str_eq(s, "Zm8=");
	free(s);
	s = sl_api_base64("foobar", 6);
	ck_assert_str_eq(s, "Zm9vYmFy");
	free(s);
}
END_TEST

Suite *
api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("dispatch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_malformed_json_is_an_error_reply);
	tcase_add_test(tc, test_unknown_and_missing_action);
	tcase_add_test(tc, test_invoke_parameters_are_checked);
	tcase_add_test(tc, test_invoke_replies_out_of_order);
	tcase_add_test(tc, test_refusal_becomes_error_reply);
	tcase_add_test(tc, test_result_for_closed_connection_is_dropped);
	tcase_add_test(tc, test_oversize_only_for_invoke);
	tcase_add_test(tc, test_get_function);
	tcase_add_test(tc, test_publish_reaches_subscribers_only);
	tcase_add_test(tc, test_execution_events_in_order_once_per_conn);
	tcase_add_test(tc, test_token_required_first);
	tcase_add_test(tc, test_hostile_requests_get_one_error_each);
	tcase_add_test(tc, test_base64);
	suite_add_tcase(s, tc);
	return s;
}
