/* Suite "engine": input/output processing, Pass/Choice/Wait/Succeed/Fail,
 * Task with Retry/Catch/timeouts, the context object and history, driven by
 * a fake invoker and a fake clock. Expected values follow AWS's documented
 * behaviour. */
#include "tests/engine_harness.h"

START_TEST(test_pass_io_order)
{
	struct harness h;

	h_init(&h, 0);
	/* InputPath picks $.in, Parameters builds, ResultPath merges into the
	 * raw input, OutputPath selects. */
	h_start(&h, "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\","
	    "\"InputPath\":\"$.in\",\"Parameters\":{\"v.$\":\"$.a\","
	    "\"k\":1},\"ResultPath\":\"$.res\",\"OutputPath\":\"$.res\","
	    "\"End\":true}}}", "{\"in\":{\"a\":7},\"other\":true}");
	h_assert_output(&h, "{\"v\":7,\"k\":1}");
	h_free(&h);
}
END_TEST

START_TEST(test_pass_result_and_null_paths)
{
	struct harness h;

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\","
	    "\"Result\":{\"x\":1},\"ResultPath\":\"$.r\",\"Next\":\"B\"},"
	    "\"B\":{\"Type\":\"Pass\",\"Result\":5,\"ResultPath\":null,"
	    "\"Next\":\"C\"},\"C\":{\"Type\":\"Pass\",\"InputPath\":null,"
	    "\"End\":true}}}", "{\"a\":1}");
	/* C: InputPath null gives {} as effective input, which Pass passes. */
	h_assert_output(&h, "{}");
	h_free(&h);

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\","
	    "\"Result\":{\"x\":1},\"ResultPath\":\"$.r\",\"Next\":\"B\"},"
	    "\"B\":{\"Type\":\"Pass\",\"Result\":5,\"ResultPath\":null,"
	    "\"End\":true}}}", "{\"a\":1}");
	h_assert_output(&h, "{\"a\":1,\"r\":{\"x\":1}}");
	h_free(&h);
}
END_TEST

START_TEST(test_input_path_missing_is_runtime)
{
	struct harness h;

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"pass\",\"States\":{\"pass\":{\"Type\":"
	    "\"Pass\",\"InputPath\":\"$.nope\",\"End\":true}}}", "{}");
	h_assert_failed(&h, "States.Runtime");
	ck_assert_msg(strncmp(h.res.cause, "An error occurred while executing "
	    "the state 'pass' (entered at the event id #2). ", 80) == 0,
	    "cause %s", h.res.cause);
	h_free(&h);
}
END_TEST

START_TEST(test_context_object)
{
	struct harness h;

	h_init(&h, 0);
	h_start_named(&h, "{\"StartAt\":\"S\",\"States\":{\"S\":{\"Type\":"
	    "\"Pass\",\"Parameters\":{\"n.$\":\"$$.Execution.Name\","
	    "\"s.$\":\"$$.State.Name\",\"m.$\":\"$$.StateMachine.Name\","
	    "\"i.$\":\"$$.Execution.Input\",\"t.$\":\"$$.State.EnteredTime\","
	    "\"r.$\":\"$$.Execution.RedriveCount\"},\"End\":true}}}",
	    "{\"q\":2}", "exec-7");
	h_assert_output(&h, "{\"n\":\"exec-7\",\"s\":\"S\",\"m\":\"Test\","
	    "\"i\":{\"q\":2},\"t\":\"2023-11-14T22:13:20.000Z\",\"r\":0}");
	h_free(&h);
}
END_TEST

START_TEST(test_choice_and_default)
{
	static const char *def = "{\"StartAt\":\"C\",\"States\":{\"C\":{"
	    "\"Type\":\"Choice\",\"Choices\":[{\"Variable\":\"$.n\","
	    "\"NumericGreaterThan\":10,\"Next\":\"Big\"},{\"And\":[{"
	    "\"Variable\":\"$.s\",\"IsPresent\":true},{\"Variable\":\"$.s\","
	    "\"StringMatches\":\"a*\"}],\"Next\":\"A\"}],\"Default\":\"D\"},"
	    "\"Big\":{\"Type\":\"Pass\",\"Result\":\"big\",\"End\":true},"
	    "\"A\":{\"Type\":\"Pass\",\"Result\":\"a\",\"End\":true},"
	    "\"D\":{\"Type\":\"Pass\",\"Result\":\"d\",\"End\":true}}}";
	struct harness h;

	h_init(&h, 0);
	h_start(&h, def, "{\"n\":11}");
	h_assert_output(&h, "\"big\"");
	h_free(&h);
	h_init(&h, 0);
	h_start(&h, def, "{\"n\":1,\"s\":\"abc\"}");
	h_assert_output(&h, "\"a\"");
	h_free(&h);
	h_init(&h, 0);
	h_start(&h, def, "{\"n\":1,\"s\":\"xyz\"}");
	h_assert_output(&h, "\"d\"");
	h_free(&h);
}
END_TEST

START_TEST(test_choice_no_match)
{
	struct harness h;

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"C\",\"States\":{\"C\":{\"Type\":"
	    "\"Choice\",\"Choices\":[{\"Variable\":\"$.n\",\"NumericEquals\":"
	    "1,\"Next\":\"E\"}]},\"E\":{\"Type\":\"Succeed\"}}}", "{\"n\":2}");
	h_assert_failed(&h, "States.NoChoiceMatched");
	h_free(&h);
}
END_TEST

START_TEST(test_wait_forms)
{
	struct harness h;

	/* Seconds: nothing happens before 30 s have passed. */
	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"W\",\"States\":{\"W\":{\"Type\":\"Wait\","
	    "\"Seconds\":30,\"Next\":\"E\"},\"E\":{\"Type\":\"Succeed\"}}}",
	    "{\"k\":1}");
	ck_assert_int_eq(h.ndone, 0);
	ck_assert_int_eq(sl_clock_pending(h.clock), 30000);
	sl_clock_advance(h.clock, 29999);
	ck_assert_int_eq(h.ndone, 0);
	sl_clock_advance(h.clock, 1);
	h_assert_output(&h, "{\"k\":1}");
	h_assert_types(&h, "ExecutionStarted WaitStateEntered "
	    "WaitStateExited SucceedStateEntered SucceedStateExited "
	    "ExecutionSucceeded");
	h_free(&h);

	/* TimestampPath: waits until that instant. */
	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"W\",\"States\":{\"W\":{\"Type\":\"Wait\","
	    "\"TimestampPath\":\"$.t\",\"End\":true}}}",
	    "{\"t\":\"2023-11-14T22:15:00Z\"}");
	ck_assert_int_eq(sl_clock_pending(h.clock), 100000);
	sl_clock_advance(h.clock, 100000);
	ck_assert_int_eq(h.ndone, 1);
	h_free(&h);

	/* SecondsPath errors, with AWS's texts. */
	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"WaitState\",\"States\":{\"WaitState\":{"
	    "\"Type\":\"Wait\",\"SecondsPath\":\"$.s\",\"End\":true}}}",
	    "{\"s\":-1}");
	h_assert_failed(&h, "States.Runtime");
	ck_assert_str_eq(h.res.cause, "An error occurred while executing the "
	    "state 'WaitState' (entered at the event id #2). The SecondsPath "
	    "parameter references a negative value: $.s == -1");
	h_free(&h);

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"W\",\"States\":{\"W\":{\"Type\":\"Wait\","
	    "\"TimestampPath\":\"$.t\",\"End\":true}}}",
	    "{\"t\":\"2016-12-05T21:29:29\"}");
	h_assert_failed(&h, "States.Runtime");
	ck_assert(strstr(h.res.cause, "does not reference a valid ISO-8601 "
	    "extended offset date-time format string: $.t == "
	    "2016-12-05T21:29:29") != NULL);
	h_free(&h);
}
END_TEST

START_TEST(test_fail_state)
{
	struct harness h;

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"F\",\"States\":{\"F\":{\"Type\":\"Fail\","
	    "\"Error\":\"MyError\",\"Cause\":\"it broke\"}}}", "{}");
	h_assert_failed(&h, "MyError");
	ck_assert_str_eq(h.res.cause, "it broke");
	h_free(&h);

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"F\",\"States\":{\"F\":{\"Type\":\"Fail\","
	    "\"ErrorPath\":\"$.e\",\"CausePath\":\"$$.State.Name\"}}}",
	    "{\"e\":\"FromInput\"}");
	h_assert_failed(&h, "FromInput");
	ck_assert_str_eq(h.res.cause, "F");
	h_free(&h);
}
END_TEST

START_TEST(test_task_lambda_arn)
{
	struct harness h;

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\","
	    "\"Resource\":\"arn:aws:lambda:eu-west-1:123456789012:function:"
	    "add\",\"Parameters\":{\"a.$\":\"$.x\"},\"ResultSelector\":{"
	    "\"sum.$\":\"$.s\"},\"ResultPath\":\"$.out\",\"End\":true}}}",
	    "{\"x\":3}");
	ck_assert_int_eq(h.ncalls, 1);
	ck_assert_str_eq(h.calls[0].function,
	    "arn:aws:lambda:eu-west-1:123456789012:function:add");
	ck_assert(h_json_eq(h.calls[0].payload, "{\"a\":3}"));
	ck_assert_int_eq(h.ndone, 0);
	h_ok(&h, 0, "{\"s\":4,\"junk\":1}");
	h_assert_output(&h, "{\"x\":3,\"out\":{\"sum\":4}}");
	h_assert_types(&h, "ExecutionStarted TaskStateEntered "
	    "LambdaFunctionScheduled LambdaFunctionStarted "
	    "LambdaFunctionSucceeded TaskStateExited ExecutionSucceeded");
	h_free(&h);
}
END_TEST

START_TEST(test_task_lambda_invoke_wrapping)
{
	struct harness h;
	cJSON *out;
	char *pl;

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\","
	    "\"Resource\":\"arn:aws:states:::lambda:invoke\",\"Parameters\":{"
	    "\"FunctionName\":\"fn\",\"Payload\":{\"v.$\":\"$.v\"}},"
	    "\"End\":true}}}", "{\"v\":9}");
	ck_assert_int_eq(h.ncalls, 1);
	ck_assert_str_eq(h.calls[0].function, "fn");
	ck_assert(h_json_eq(h.calls[0].payload, "{\"v\":9}"));
	h_ok(&h, 0, "[1,2]");
	ck_assert_int_eq(h.res.status, SL_EXEC_SUCCEEDED);
	out = cJSON_Parse(h.res.output);
	pl = cJSON_PrintUnformatted(cJSON_GetObjectItem(out, "Payload"));
	ck_assert(h_json_eq(pl, "[1,2]"));
	free(pl);
	ck_assert_int_eq(cJSON_GetObjectItem(out, "StatusCode")->valueint,
	    200);
	ck_assert_str_eq(cJSON_GetObjectItem(out, "ExecutedVersion")->
	    valuestring, "$LATEST");
	ck_assert(cJSON_GetObjectItem(out, "SdkHttpMetadata") != NULL);
	ck_assert(cJSON_GetObjectItem(out, "SdkResponseMetadata") != NULL);
	cJSON_Delete(out);
	h_free(&h);
}
END_TEST

START_TEST(test_task_function_error)
{
	struct harness h;

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\","
	    "\"Resource\":\"arn:aws:lambda:eu-west-1:123456789012:function:f\","
	    "\"End\":true}}}", "{}");
	h_fail(&h, 0, "ValidationError", "{\"errorType\": \"ValidationError\","
	    " \"errorMessage\": \"bad\"}");
	h_assert_failed(&h, "ValidationError");
	ck_assert_str_eq(h.res.cause,
	    "{\"errorType\":\"ValidationError\",\"errorMessage\":\"bad\"}");
	h_free(&h);

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\","
	    "\"Resource\":\"arn:aws:lambda:eu-west-1:123456789012:function:f\","
	    "\"End\":true}}}", "{}");
	h_fail(&h, 0, NULL, "{\"errorMessage\":\"x\"}");
	h_assert_failed(&h, "Lambda.Unknown");
	h_free(&h);
}
END_TEST

static const char *retry_def =
    "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\","
    "\"Resource\":\"arn:aws:lambda:eu-west-1:123456789012:function:f\","
    "\"Retry\":[{\"ErrorEquals\":[\"Nope\"],\"MaxAttempts\":5},"
    "{\"ErrorEquals\":[\"States.TaskFailed\"],\"IntervalSeconds\":2,"
    "\"MaxAttempts\":2,\"BackoffRate\":3}],"
    "\"Catch\":[{\"ErrorEquals\":[\"States.ALL\"],\"ResultPath\":\"$.err\","
    "\"Next\":\"H\"}],\"End\":true},"
    "\"H\":{\"Type\":\"Pass\",\"End\":true}}}";

START_TEST(test_task_host_error)
{
	struct harness h;
	struct sl_task_result r = {
		.outcome = SL_TASK_HOST_ERROR,
		.error_type = "ResourceNotFoundException",
		.error_message = "Function not found",
		.function_arn = "arn:aws:lambda:eu-west-1:123456789012:"
		    "function:gone:$LATEST",
	};

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\","
	    "\"Resource\":\"arn:aws:states:::lambda:invoke\",\"Parameters\":{"
	    "\"FunctionName\":\"gone\"},\"End\":true}}}", "{}");
	/* No Payload: the function gets {}. */
	ck_assert_str_eq(h.calls[0].payload, "{}");
	h.calls[0].completed = 1;
	sl_engine_task_done(h.e, h.calls[0].token, &r);
	h_assert_failed(&h, "Lambda.ResourceNotFoundException");
	ck_assert(strncmp(h.res.cause, "Function not found: arn:aws:lambda:"
	    "eu-west-1:123456789012:function:gone:$LATEST (Service: AWSLambda; "
	    "Status Code: 404; Error Code: ResourceNotFoundException;", 130) ==
	    0);
	h_free(&h);
}
END_TEST

START_TEST(test_lambda_invoke_string_payload)
{
	struct harness h;

	/* lambda:invoke sends a string Payload as the JSON text it holds. */
	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\","
	    "\"Resource\":\"arn:aws:states:::lambda:invoke\",\"Parameters\":{"
	    "\"FunctionName\":\"f\",\"Payload.$\":\"$.p\"},\"OutputPath\":"
	    "\"$.Payload\",\"End\":true}}}", "{\"p\":\"[1,true]\"}");
	ck_assert_str_eq(h.calls[0].payload, "[1,true]");
	h_ok(&h, 0, h.calls[0].payload);
	h_assert_output(&h, "[1,true]");
	h_free(&h);
}
END_TEST

START_TEST(test_succeed_and_wait_timestamp)
{
	struct harness h;

	h_init(&h, 0);
	/* A Timestamp in the past does not wait; Succeed applies
	 * InputPath and OutputPath. */
	h_start(&h, "{\"StartAt\":\"W\",\"States\":{\"W\":{\"Type\":\"Wait\","
	    "\"Timestamp\":\"2020-01-01T00:00:00Z\",\"Next\":\"S\"},\"S\":{"
	    "\"Type\":\"Succeed\",\"InputPath\":\"$.a\",\"OutputPath\":"
	    "\"$.b\"}}}", "{\"a\":{\"b\":[7]}}");
	sl_clock_advance(h.clock, 0);
	h_assert_output(&h, "[7]");
	h_free(&h);

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"W\",\"States\":{\"W\":{\"Type\":\"Wait\","
	    "\"Timestamp\":\"2023-11-14T23:13:20+01:00\",\"End\":true}}}",
	    "{}");
	/* 23:13:20+01:00 is the start instant itself. */
	ck_assert_int_eq(sl_clock_pending(h.clock), 0);
	sl_clock_advance(h.clock, 0);
	ck_assert_int_eq(h.ndone, 1);
	h_free(&h);
}
END_TEST

START_TEST(test_retry_backoff_then_catch)
{
	struct harness h;

	h_init(&h, 0);
	h_start(&h, retry_def, "{\"a\":1}");
	h_fail(&h, 0, "Boom", "{\"errorType\":\"Boom\"}");
	/* First retry after IntervalSeconds = 2 s. */
	ck_assert_int_eq(sl_clock_pending(h.clock), 2000);
	sl_clock_advance(h.clock, 2000);
	ck_assert_int_eq(h.ncalls, 2);
	h_fail(&h, 1, "Boom", "{\"errorType\":\"Boom\"}");
	/* Second after 2 * 3 = 6 s. */
	ck_assert_int_eq(sl_clock_pending(h.clock), 6000);
	sl_clock_advance(h.clock, 6000);
	ck_assert_int_eq(h.ncalls, 3);
	h_fail(&h, 2, "Boom", "{\"errorType\":\"Boom\"}");
	/* MaxAttempts 2 used up: the catcher takes it. */
	h_assert_output(&h, "{\"a\":1,\"err\":{\"Error\":\"Boom\",\"Cause\":"
	    "\"{\\\"errorType\\\":\\\"Boom\\\"}\"}}");
	h_free(&h);
}
END_TEST

START_TEST(test_retry_max_attempts_zero_and_delay_cap)
{
	struct harness h;

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\","
	    "\"Resource\":\"arn:aws:lambda:eu-west-1:123456789012:function:f\","
	    "\"Retry\":[{\"ErrorEquals\":[\"States.ALL\"],\"MaxAttempts\":0}],"
	    "\"End\":true}}}", "{}");
	h_fail(&h, 0, "E", "{}");
	h_assert_failed(&h, "E");
	ck_assert_int_eq(h.ncalls, 1);
	h_free(&h);

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\","
	    "\"Resource\":\"arn:aws:lambda:eu-west-1:123456789012:function:f\","
	    "\"Retry\":[{\"ErrorEquals\":[\"States.ALL\"],\"IntervalSeconds\":"
	    "10,\"BackoffRate\":10,\"MaxDelaySeconds\":50,\"MaxAttempts\":3}],"
	    "\"End\":true}}}", "{}");
	h_fail(&h, 0, "E", "{}");
	ck_assert_int_eq(sl_clock_pending(h.clock), 10000);
	sl_clock_advance(h.clock, 10000);
	h_fail(&h, 1, "E", "{}");
	/* 10 * 10 = 100 s, capped at 50 s. */
	ck_assert_int_eq(sl_clock_pending(h.clock), 50000);
	h_free(&h);
}
END_TEST

START_TEST(test_retry_jitter_full_and_retry_count)
{
	struct harness h;
	int i;

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\","
	    "\"Resource\":\"arn:aws:lambda:eu-west-1:123456789012:function:f\","
	    "\"Parameters\":{\"rc.$\":\"$$.State.RetryCount\"},"
	    "\"Retry\":[{\"ErrorEquals\":[\"States.ALL\"],\"IntervalSeconds\":"
	    "8,\"BackoffRate\":1,\"MaxAttempts\":4,\"JitterStrategy\":"
	    "\"FULL\"}],\"End\":true}}}", "{}");
	for (i = 0; i < 4; i++) {
		char want[32];

		snprintf(want, sizeof(want), "{\"rc\":%d}", i);
		ck_assert_msg(h_json_eq(h.calls[i].payload, want), "%s",
		    h.calls[i].payload);
		h_fail(&h, i, "E", "{}");
		ck_assert_int_ge(sl_clock_pending(h.clock), 0);
		ck_assert_int_le(sl_clock_pending(h.clock), 8000);
		sl_clock_fire_next(h.clock);
	}
	h_ok(&h, 4, "\"done\"");
	h_assert_output(&h, "\"done\"");
	h_free(&h);
}
END_TEST

START_TEST(test_task_timeout)
{
	struct harness h;

	h_init(&h, 0);
	/* TaskFailed does not match States.Timeout; the second catcher does. */
	h_start(&h, "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\","
	    "\"Resource\":\"arn:aws:lambda:eu-west-1:123456789012:function:f\","
	    "\"TimeoutSeconds\":5,\"Catch\":[{\"ErrorEquals\":["
	    "\"States.TaskFailed\"],\"Next\":\"TF\"},{\"ErrorEquals\":["
	    "\"States.Timeout\"],\"Next\":\"TO\"}],\"End\":true},"
	    "\"TF\":{\"Type\":\"Pass\",\"Result\":\"tf\",\"End\":true},"
	    "\"TO\":{\"Type\":\"Pass\",\"End\":true}}}", "{}");
	ck_assert_int_eq(h.calls[0].timeout_ms, 5000);
	sl_clock_advance(h.clock, 5000);
	ck_assert(h.calls[0].cancelled);
	h_assert_output(&h, "{\"Error\":\"States.Timeout\",\"Cause\":\"\"}");
	h_free(&h);
}
END_TEST

START_TEST(test_task_heartbeat_and_timeout_path)
{
	struct harness h;

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\","
	    "\"Resource\":\"arn:aws:lambda:eu-west-1:123456789012:function:f\","
	    "\"TimeoutSecondsPath\":\"$.to\",\"HeartbeatSeconds\":3,"
	    "\"End\":true}}}", "{\"to\":20}");
	ck_assert_int_eq(h.calls[0].timeout_ms, 20000);
	sl_clock_advance(h.clock, 3000);
	h_assert_failed(&h, "States.HeartbeatTimeout");
	h_free(&h);
}
END_TEST

START_TEST(test_data_limit)
{
	struct harness h;
	char *big = xmalloc(300000);

	big[0] = '"';
	memset(big + 1, 'a', 299997);
	big[299998] = '"';
	big[299999] = '\0';
	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\","
	    "\"Resource\":\"arn:aws:lambda:eu-west-1:123456789012:function:f\","
	    "\"End\":true}}}", "{}");
	h_ok(&h, 0, big);
	h_assert_failed(&h, "States.DataLimitExceeded");
	ck_assert_str_eq(h.res.cause, "The state/task 'arn:aws:lambda:"
	    "eu-west-1:123456789012:function:f' returned a result with a size "
	    "exceeding the maximum number of bytes service limit.");
	h_free(&h);
	free(big);
}
END_TEST

START_TEST(test_data_limit_state_output)
{
	struct harness h;
	char *in = xmalloc(150100);

	/* A 150 KB input is fine; twice it as a state's output is not. */
	strcpy(in, "{\"s\":\"");
	memset(in + 6, 'b', 150000);
	strcpy(in + 150006, "\"}");
	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\","
	    "\"Parameters\":{\"a.$\":\"$.s\",\"b.$\":\"$.s\"},\"End\":true}}}",
	    in);
	h_assert_failed(&h, "States.DataLimitExceeded");
	h_free(&h);

	/* The same as a Task's input: never invoked. */
	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\","
	    "\"Resource\":\"arn:aws:lambda:eu-west-1:123456789012:function:f\","
	    "\"Parameters\":{\"a.$\":\"$.s\",\"b.$\":\"$.s\"},\"End\":true}}}",
	    in);
	ck_assert_int_eq(h.ncalls, 0);
	h_assert_failed(&h, "States.DataLimitExceeded");
	h_free(&h);
	free(in);
}
END_TEST

START_TEST(test_result_path_match_failure_caught)
{
	struct harness h;

	h_init(&h, 0);
	/* $.a is a number: ResultPath $.a.b cannot be created. */
	h_start(&h, "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\","
	    "\"Resource\":\"arn:aws:lambda:eu-west-1:123456789012:function:f\","
	    "\"ResultPath\":\"$.a.b\",\"Catch\":[{\"ErrorEquals\":["
	    "\"States.ResultPathMatchFailure\"],\"ResultPath\":\"$.e\","
	    "\"Next\":\"H\"}],\"End\":true},\"H\":{\"Type\":\"Pass\","
	    "\"OutputPath\":\"$.e.Error\",\"End\":true}}}", "{\"a\":1}");
	h_ok(&h, 0, "{}");
	h_assert_output(&h, "\"States.ResultPathMatchFailure\"");
	h_free(&h);
}
END_TEST

START_TEST(test_execution_timeout_and_stop)
{
	struct harness h;
	struct sl_exec *x;

	h_init(&h, 0);
	h_start(&h, "{\"TimeoutSeconds\":10,\"StartAt\":\"W\",\"States\":{"
	    "\"W\":{\"Type\":\"Wait\",\"Seconds\":60,\"End\":true}}}", "{}");
	sl_clock_advance(h.clock, 10000);
	ck_assert_int_eq(h.ndone, 1);
	ck_assert_int_eq(h.res.status, SL_EXEC_TIMED_OUT);
	ck_assert_int_eq(sl_engine_count(h.e), 0);
	h_free(&h);

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\","
	    "\"Resource\":\"arn:aws:lambda:eu-west-1:123456789012:function:f\","
	    "\"End\":true}}}", "{}");
	x = sl_engine_find(h.e, "arn:aws:states:eu-west-1:123456789012:"
	    "execution:Test:run1");
	ck_assert_ptr_nonnull(x);
	sl_exec_stop(x, "Stopped", "by a test");
	ck_assert_int_eq(h.res.status, SL_EXEC_ABORTED);
	ck_assert_str_eq(h.res.error, "Stopped");
	ck_assert(h.calls[0].cancelled);
	ck_assert_int_eq(sl_engine_inflight(h.e), 0);
	/* A late completion of the cancelled task is ignored. */
	h_ok(&h, 0, "{}");
	ck_assert_int_eq(h.ndone, 1);
	h_free(&h);
}
END_TEST

START_TEST(test_stop_from_batch_callback)
{
	struct harness h;
	const cJSON *last;
	char *types;

	/* A loop of Waits, stopped by the sink once 10 events exist. */
	h_init(&h, 1);
	h.stop_after = 10;
	h_start(&h, "{\"StartAt\":\"W\",\"States\":{\"W\":{\"Type\":\"Wait\","
	    "\"Seconds\":1,\"Next\":\"W\"}}}", "{}");
	while (h.ndone == 0 && sl_clock_fire_next(h.clock))
		;
	ck_assert_int_eq(h.res.status, SL_EXEC_ABORTED);
	ck_assert_str_eq(h.res.error, "States.Runtime");
	last = cJSON_GetArrayItem(h.res.history,
	    cJSON_GetArraySize(h.res.history) - 1);
	ck_assert_str_eq(cJSON_GetObjectItem(last, "type")->valuestring,
	    "ExecutionAborted");
	/* ... and the sink saw that event too, in a batch of its own. */
	last = cJSON_GetArrayItem(h.batches, cJSON_GetArraySize(h.batches) -
	    1);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(last,
	    "events")), 1);
	types = h_types(&h);
	ck_assert_ptr_nonnull(strstr(types, "WaitStateEntered"));
	free(types);
	ck_assert_int_eq(sl_engine_count(h.e), 0);
	h_free(&h);
}
END_TEST

START_TEST(test_endless_loop_yields_and_hits_quota)
{
	struct harness h;
	int turns = 0;

	h_init(&h, 0);
	/* Pass to itself forever: the engine hands the loop back now and
	 * then (a zero-delay timer) and fails the execution at AWS's quota
	 * of 25,000 events. */
	h_start(&h, "{\"StartAt\":\"L\",\"States\":{\"L\":{\"Type\":\"Pass\","
	    "\"Next\":\"L\"}}}", "{}");
	ck_assert_int_eq(h.ndone, 0);
	ck_assert_int_eq(sl_clock_pending(h.clock), 0);
	while (h.ndone == 0 && sl_clock_fire_next(h.clock))
		turns++;
	ck_assert_int_ge(turns, 1);
	h_assert_failed(&h, "States.Runtime");
	ck_assert_str_eq(h.res.cause, "The execution reached the maximum "
	    "number of history events (25000).");
	ck_assert_int_le(cJSON_GetArraySize(h.res.history), 25000);
	h_free(&h);
}
END_TEST

START_TEST(test_history_ids_and_details)
{
	struct harness h;
	const cJSON *ev;
	int id = 0;

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\","
	    "\"End\":true}}}", "{\"a\":1}");
	/* Each event follows the one before, but the first state's, which
	 * names 0 (as AWS records it). */
	cJSON_ArrayForEach(ev, h.res.history) {
		id++;
		ck_assert_int_eq(cJSON_GetObjectItem(ev, "id")->valueint, id);
		ck_assert_int_eq(cJSON_GetObjectItem(ev,
		    "previousEventId")->valueint, id == 2 ? 0 : id - 1);
		ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(ev,
		    "timestamp")));
	}
	ck_assert_int_eq(id, 4);
	ev = cJSON_GetArrayItem(h.res.history, 1);
	ck_assert_str_eq(cJSON_GetObjectItem(ev, "type")->valuestring,
	    "PassStateEntered");
	ev = cJSON_GetObjectItem(ev, "stateEnteredEventDetails");
	ck_assert_str_eq(cJSON_GetObjectItem(ev, "name")->valuestring, "P");
	ck_assert_str_eq(cJSON_GetObjectItem(ev, "input")->valuestring,
	    "{\"a\":1}");
	ck_assert(cJSON_GetObjectItem(ev, "inputDetails") != NULL);
	h_free(&h);
}
END_TEST

START_TEST(test_sync_invoker)
{
	struct harness h;

	h_init(&h, 0);
	h.sync_answer = 1;
	h_start(&h, "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Task\","
	    "\"Resource\":\"arn:aws:lambda:eu-west-1:123456789012:function:f\","
	    "\"Next\":\"B\"},\"B\":{\"Type\":\"Task\",\"Resource\":"
	    "\"arn:aws:lambda:eu-west-1:123456789012:function:f\",\"End\":"
	    "true}}}", "{\"z\":1}");
	h_assert_output(&h, "{\"z\":1}");
	ck_assert_int_eq(h.ncalls, 2);
	h_free(&h);
}
END_TEST

START_TEST(test_machine_update_keeps_old)
{
	struct harness h;
	struct sl_asl_machine *old;

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"W\",\"States\":{\"W\":{\"Type\":\"Wait\","
	    "\"Seconds\":1,\"Next\":\"P\"},\"P\":{\"Type\":\"Pass\",\"Result\":"
	    "\"old\",\"End\":true}}}", "{}");
	old = h.m;
	h.m = NULL;
	/* The caller drops its reference: the execution keeps its own. */
	sl_asl_machine_unref(old);
	h_machine(&h, "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\","
	    "\"Result\":\"new\",\"End\":true}}}");
	sl_clock_advance(h.clock, 1000);
	h_assert_output(&h, "\"old\"");
	h_free(&h);
}
END_TEST

START_TEST(test_invalid_definitions_refused)
{
	static const char *bad[] = {
		"", "[]", "{}", "{\"StartAt\":\"X\",\"States\":{}}",
		"{\"StartAt\":\"X\",\"States\":{\"Y\":{\"Type\":\"Pass\","
		"\"End\":true}}}",
		"{\"StartAt\":\"X\",\"States\":{\"X\":{\"Type\":\"Bogus\"}}}",
		"{\"StartAt\":\"X\",\"States\":{\"X\":{\"Type\":\"Pass\"}}}",
		"{\"StartAt\":\"X\",\"States\":{\"X\":{\"Type\":\"Pass\","
		"\"Next\":\"Nowhere\"}}}",
		"{\"StartAt\":\"X\",\"States\":{\"X\":{\"Type\":\"Task\","
		"\"End\":true}}}",
		"{\"StartAt\":\"X\",\"States\":{\"X\":{\"Type\":\"Map\","
		"\"End\":true}}}",
		"{\"StartAt\":\"X\",\"States\":{\"X\":{\"Type\":\"Parallel\","
		"\"Branches\":[{}],\"End\":true}}}",
		"{\"StartAt\":\"X\",\"States\":{\"X\":{\"Type\":\"Pass\","
		"\"InputPath\":\"nope\",\"End\":true}}}",
		"{\"StartAt\":\"X\",\"States\":{\"X\":{\"Type\":\"Task\","
		"\"Resource\":\"r\",\"Retry\":[{}],\"End\":true}}}",
		"{\"StartAt\":\"X\",\"States\":{\"X\":{\"Type\":\"Choice\","
		"\"Choices\":[{\"Next\":\"X\"}]}}}",
		"{\"StartAt\":\"X\",\"States\":{\"X\":{\"Type\":\"Wait\","
		"\"End\":true}}}",
		NULL,
	};
	int i;

	for (i = 0; bad[i] != NULL; i++) {
		struct sl_err err = SL_ERR_INIT;
		struct sl_asl_machine *m = sl_asl_machine_new(bad[i], NULL,
		    NULL, &err);

		ck_assert_msg(m == NULL, "accepted: %s", bad[i]);
		ck_assert_msg(err.msg[0] != '\0', "no message for %s", bad[i]);
	}
}
END_TEST

START_TEST(test_unsupported_refused_data_kept)
{
	struct sl_err err = SL_ERR_INIT;
	struct harness h;

	ck_assert_ptr_null(sl_asl_machine_new("{\"QueryLanguage\":\"JSONata\","
	    "\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":"
	    "true}}}", NULL, NULL, &err));
	ck_assert_str_eq(err.type, "UnsupportedFeature");
	ck_assert_ptr_null(sl_asl_machine_new("{\"StartAt\":\"T\",\"States\":{"
	    "\"T\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::lambda:"
	    "invoke.waitForTaskToken\",\"End\":true}}}", NULL, NULL, &err));
	ck_assert_str_eq(err.type, "UnsupportedFeature");
	ck_assert_ptr_null(sl_asl_machine_new("{\"StartAt\":\"P\",\"States\":{"
	    "\"P\":{\"Type\":\"Pass\",\"Assign\":{\"x\":1},\"End\":true}}}",
	    NULL, NULL, &err));
	/* The same words as data are just data. */
	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\","
	    "\"Result\":{\"Assign\":1,\"QueryLanguage\":\"JSONata\"},"
	    "\"End\":true}}}", "{}");
	h_assert_output(&h, "{\"Assign\":1,\"QueryLanguage\":\"JSONata\"}");
	h_free(&h);
}
END_TEST

Suite *
engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_pass_io_order);
	tcase_add_test(tc, test_pass_result_and_null_paths);
	tcase_add_test(tc, test_input_path_missing_is_runtime);
	tcase_add_test(tc, test_context_object);
	tcase_add_test(tc, test_choice_and_default);
	tcase_add_test(tc, test_choice_no_match);
	tcase_add_test(tc, test_wait_forms);
	tcase_add_test(tc, test_fail_state);
	tcase_add_test(tc, test_task_lambda_arn);
	tcase_add_test(tc, test_task_lambda_invoke_wrapping);
	tcase_add_test(tc, test_task_function_error);
	tcase_add_test(tc, test_task_host_error);
	tcase_add_test(tc, test_lambda_invoke_string_payload);
	tcase_add_test(tc, test_succeed_and_wait_timestamp);
	tcase_add_test(tc, test_retry_backoff_then_catch);
	tcase_add_test(tc, test_retry_max_attempts_zero_and_delay_cap);
	tcase_add_test(tc, test_retry_jitter_full_and_retry_count);
	tcase_add_test(tc, test_task_timeout);
	tcase_add_test(tc, test_task_heartbeat_and_timeout_path);
	tcase_add_test(tc, test_data_limit);
	tcase_add_test(tc, test_data_limit_state_output);
	tcase_add_test(tc, test_result_path_match_failure_caught);
	tcase_add_test(tc, test_execution_timeout_and_stop);
	tcase_add_test(tc, test_history_ids_and_details);
	tcase_add_test(tc, test_endless_loop_yields_and_hits_quota);
	tcase_add_test(tc, test_stop_from_batch_callback);
	tcase_add_test(tc, test_sync_invoker);
	tcase_add_test(tc, test_machine_update_keeps_old);
	tcase_add_test(tc, test_invalid_definitions_refused);
	tcase_add_test(tc, test_unsupported_refused_data_kept);
	suite_add_tcase(s, tc);
	return s;
}
