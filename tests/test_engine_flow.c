/* Suite "engine_flow": Parallel and Map (concurrency, tolerated failures,
 * ItemSelector and the legacy forms), and checkpoints: an execution
 * restored from any of its checkpoints into a fresh engine ends the same
 * way with a continuous history. */
#include "tests/engine_harness.h"

START_TEST(test_parallel_results_in_branch_order)
{
	struct harness h;

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":"
	    "\"Parallel\",\"Branches\":[{\"StartAt\":\"A\",\"States\":{\"A\":{"
	    "\"Type\":\"Task\",\"Resource\":\"arn:aws:lambda:eu-west-1:"
	    "123456789012:function:a\",\"End\":true}}},{\"StartAt\":\"B\","
	    "\"States\":{\"B\":{\"Type\":\"Pass\",\"Result\":\"b\",\"End\":"
	    "true}}}],\"ResultSelector\":{\"first.$\":\"$[0]\",\"second.$\":"
	    "\"$[1]\"},\"End\":true}}}", "{\"in\":1}");
	ck_assert_int_eq(h.ncalls, 1);
	ck_assert(h_json_eq(h.calls[0].payload, "{\"in\":1}"));
	h_ok(&h, 0, "\"a\"");
	h_assert_output(&h, "{\"first\":\"a\",\"second\":\"b\"}");
	h_free(&h);
}
END_TEST

START_TEST(test_parallel_branch_failure)
{
	struct harness h;
	char *types;

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":"
	    "\"Parallel\",\"Branches\":[{\"StartAt\":\"A\",\"States\":{\"A\":{"
	    "\"Type\":\"Task\",\"Resource\":\"arn:aws:lambda:eu-west-1:"
	    "123456789012:function:a\",\"End\":true}}},{\"StartAt\":\"F\","
	    "\"States\":{\"F\":{\"Type\":\"Fail\",\"Error\":\"BranchBroke\","
	    "\"Cause\":\"c\"}}}],\"Catch\":[{\"ErrorEquals\":[\"BranchBroke\"],"
	    "\"Next\":\"H\"}],\"End\":true},\"H\":{\"Type\":\"Pass\","
	    "\"End\":true}}}", "{}");
	/* The failing branch cancels the other one's task. */
	ck_assert(h.calls[0].cancelled);
	h_assert_output(&h, "{\"Error\":\"BranchBroke\",\"Cause\":\"c\"}");
	types = h_types(&h);
	ck_assert_msg(strstr(types, "ParallelStateStarted") != NULL &&
	    strstr(types, "ParallelStateFailed ParallelStateExited "
	    "PassStateEntered") != NULL, "%s", types);
	free(types);
	h_free(&h);
}
END_TEST

START_TEST(test_map_item_selector_and_context)
{
	struct harness h;

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"M\",\"States\":{\"M\":{\"Type\":\"Map\","
	    "\"ItemsPath\":\"$.items\",\"ItemSelector\":{\"i.$\":"
	    "\"$$.Map.Item.Index\",\"v.$\":\"$$.Map.Item.Value\",\"k.$\":"
	    "\"$.k\"},\"ItemProcessor\":{\"StartAt\":\"P\",\"States\":{\"P\":{"
	    "\"Type\":\"Pass\",\"End\":true}}},\"ResultPath\":\"$.out\","
	    "\"End\":true}}}", "{\"items\":[\"x\",\"y\"],\"k\":0}");
	h_assert_output(&h, "{\"items\":[\"x\",\"y\"],\"k\":0,"
	    "\"out\":[{\"i\":0,"
	    "\"v\":\"x\",\"k\":0},{\"i\":1,\"v\":\"y\",\"k\":0}]}");
	h_free(&h);

	/* The legacy form: Iterator and Parameters. */
	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"M\",\"States\":{\"M\":{\"Type\":\"Map\","
	    "\"Parameters\":{\"n.$\":\"$$.Map.Item.Value\"},\"Iterator\":{"
	    "\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\","
	    "\"OutputPath\":\"$.n\",\"End\":true}}},\"End\":true}}}",
	    "[3,4,5]");
	h_assert_output(&h, "[3,4,5]");
	h_free(&h);

	/* No items: an empty array, at once. */
	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"M\",\"States\":{\"M\":{\"Type\":\"Map\","
	    "\"ItemProcessor\":{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":"
	    "\"Pass\",\"End\":true}}},\"End\":true}}}", "[]");
	h_assert_output(&h, "[]");
	h_free(&h);
}
END_TEST

static const char *map_task_def =
    "{\"StartAt\":\"M\",\"States\":{\"M\":{\"Type\":\"Map\","
    "\"MaxConcurrency\":2,%s\"ItemProcessor\":{\"StartAt\":\"T\",\"States\":{"
    "\"T\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:lambda:eu-west-1:"
    "123456789012:function:t\",\"End\":true}}},\"End\":true}}}";

START_TEST(test_map_and_parallel_events)
{
	struct harness h;
	const cJSON *ev;
	int n = 0;

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"M\",\"States\":{\"M\":{\"Type\":\"Map\","
	    "\"ItemProcessor\":{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":"
	    "\"Pass\",\"End\":true}}},\"Next\":\"Par\"},\"Par\":{\"Type\":"
	    "\"Parallel\",\"Branches\":[{\"StartAt\":\"B\",\"States\":{\"B\":{"
	    "\"Type\":\"Succeed\"}}}],\"End\":true}}}", "[1,2]");
	h_assert_types(&h, "ExecutionStarted MapStateEntered "
	    "MapStateStarted MapIterationStarted MapIterationStarted "
	    "PassStateEntered PassStateExited MapIterationSucceeded "
	    "PassStateEntered PassStateExited MapIterationSucceeded "
	    "MapStateSucceeded MapStateExited ParallelStateEntered "
	    "ParallelStateStarted SucceedStateEntered SucceedStateExited "
	    "ParallelStateSucceeded ParallelStateExited ExecutionSucceeded");
	/* The iteration events name the Map state and the item. */
	cJSON_ArrayForEach(ev, h.res.history) {
		const cJSON *d = cJSON_GetObjectItem(ev,
		    "mapIterationStartedEventDetails");

		if (d == NULL)
			continue;
		ck_assert_str_eq(cJSON_GetObjectItem(d, "name")->valuestring,
		    "M");
		ck_assert_int_eq(cJSON_GetObjectItem(d, "index")->valueint, n);
		n++;
	}
	ck_assert_int_eq(n, 2);
	ev = cJSON_GetArrayItem(h.res.history, 2);
	ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(ev,
	    "mapStateStartedEventDetails"), "length")->valueint, 2);
	h_assert_output(&h, "[[1,2]]");
	/* previousEventId as AWS records it: each iteration (one worker per
	 * item here) and each branch is a chain of its own, from
	 * MapStateStarted and ParallelStateStarted; the state goes on from
	 * the furthest end (the last MapIterationSucceeded, the branch's last
	 * event), and the Succeeded events are not followed. */
	h_assert_prevs(&h, "0 0 2 3 3 4 6 7 5 9 10 11 11 13 14 15 16 17 "
	    "17 19");
	h_free(&h);
}
END_TEST

/* With MaxConcurrency 1 a single worker runs the items one after the
 * other: each iteration starts from the previous one's last state event
 * (not its MapIterationSucceeded), as recorded on AWS. */
START_TEST(test_map_worker_chain)
{
	struct harness h;

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"M\",\"States\":{\"M\":{\"Type\":\"Map\","
	    "\"MaxConcurrency\":1,\"ItemProcessor\":{\"StartAt\":\"P\","
	    "\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}},"
	    "\"End\":true}}}", "[1,2]");
	h_assert_output(&h, "[1,2]");
	h_assert_types(&h, "ExecutionStarted MapStateEntered "
	    "MapStateStarted MapIterationStarted PassStateEntered "
	    "PassStateExited MapIterationSucceeded MapIterationStarted "
	    "PassStateEntered PassStateExited MapIterationSucceeded "
	    "MapStateSucceeded MapStateExited ExecutionSucceeded");
	h_assert_prevs(&h, "0 0 2 3 4 5 6 6 8 9 10 11 11 13");
	h_free(&h);
}
END_TEST

/* A Map or Parallel that is retried records no MapStateFailed or
 * ParallelStateFailed: its next MapStateStarted follows from the failed
 * iteration's last state event. Only the final failure, or one caught,
 * records it. (As AWS does.) */
START_TEST(test_map_and_parallel_failed_events)
{
	struct harness h;

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"M\",\"States\":{\"M\":{\"Type\":\"Map\","
	    "\"ItemProcessor\":{\"StartAt\":\"F\",\"States\":{\"F\":{"
	    "\"Type\":\"Fail\",\"Error\":\"Broke\"}}},\"Retry\":[{"
	    "\"ErrorEquals\":[\"Broke\"],\"IntervalSeconds\":1,"
	    "\"MaxAttempts\":1}],\"End\":true}}}", "[1]");
	sl_clock_advance(h.clock, 1000);
	h_assert_failed(&h, "Broke");
	h_assert_types(&h, "ExecutionStarted MapStateEntered "
	    "MapStateStarted MapIterationStarted FailStateEntered "
	    "MapIterationFailed MapStateStarted MapIterationStarted "
	    "FailStateEntered MapIterationFailed MapStateFailed "
	    "ExecutionFailed");
	h_assert_prevs(&h, "0 0 2 3 4 5 5 7 8 9 9 11");
	h_free(&h);

	/* Caught: ParallelStateFailed, then the Exited event. */
	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":"
	    "\"Parallel\",\"Branches\":[{\"StartAt\":\"F\",\"States\":{\"F\":{"
	    "\"Type\":\"Fail\",\"Error\":\"Broke\"}}}],\"Catch\":[{"
	    "\"ErrorEquals\":[\"States.ALL\"],\"Next\":\"C\"}],\"Next\":\"C\"},"
	    "\"C\":{\"Type\":\"Pass\",\"End\":true}}}", "{}");
	h_assert_output(&h, "{\"Error\":\"Broke\",\"Cause\":\"\"}");
	h_assert_types(&h, "ExecutionStarted ParallelStateEntered "
	    "ParallelStateStarted FailStateEntered ParallelStateFailed "
	    "ParallelStateExited PassStateEntered PassStateExited "
	    "ExecutionSucceeded");
	h_assert_prevs(&h, "0 0 2 3 4 5 6 7 8");
	h_free(&h);
}
END_TEST

START_TEST(test_map_max_concurrency)
{
	struct harness h;
	char def[1024];
	int i;

	snprintf(def, sizeof(def), map_task_def, "");
	h_init(&h, 0);
	h_start(&h, def, "[1,2,3,4,5]");
	/* Only two iterations at a time; each finish starts the next. */
	ck_assert_int_eq(h.ncalls, 2);
	h_ok(&h, 1, "\"r1\"");
	ck_assert_int_eq(h.ncalls, 3);
	h_ok(&h, 0, "\"r0\"");
	ck_assert_int_eq(h.ncalls, 4);
	for (i = 2; i < 5; i++) {
		char r[32];

		snprintf(r, sizeof(r), "\"r%d\"", i);
		h_ok(&h, i, r);
	}
	ck_assert_int_eq(h.ncalls, 5);
	h_assert_output(&h, "[\"r0\",\"r1\",\"r2\",\"r3\",\"r4\"]");
	h_free(&h);
}
END_TEST

START_TEST(test_map_tolerated_failures)
{
	struct harness h;
	char def[1024];

	/* One failure out of four is tolerated with a count of 1. */
	snprintf(def, sizeof(def), map_task_def,
	    "\"ToleratedFailureCount\":1,");
	h_init(&h, 0);
	h_start(&h, def, "[1,2,3,4]");
	h_fail(&h, 0, "E", "{}");
	h_ok(&h, 1, "1");
	h_ok(&h, 2, "2");
	h_ok(&h, 3, "3");
	ck_assert_int_eq(h.res.status, SL_EXEC_SUCCEEDED);
	h_free(&h);

	/* Two are too many: States.ExceedToleratedFailureThreshold. */
	h_init(&h, 0);
	h_start(&h, def, "[1,2,3,4]");
	h_fail(&h, 0, "E", "{}");
	h_fail(&h, 1, "E", "{}");
	h_assert_failed(&h, "States.ExceedToleratedFailureThreshold");
	ck_assert(h.calls[2].cancelled);
	h_free(&h);

	/* Without a tolerance the iteration's own error fails the Map. */
	snprintf(def, sizeof(def), map_task_def, "");
	h_init(&h, 0);
	h_start(&h, def, "[1,2]");
	h_fail(&h, 1, "ItemBroke", "{}");
	h_assert_failed(&h, "ItemBroke");
	h_free(&h);

	/* A percentage out of range is a States.Runtime error. */
	snprintf(def, sizeof(def), map_task_def,
	    "\"ToleratedFailurePercentagePath\":\"$.p\",\"ItemsPath\":"
	    "\"$.i\",");
	h_init(&h, 0);
	h_start(&h, def, "{\"p\":101,\"i\":[1]}");
	h_assert_failed(&h, "States.Runtime");
	ck_assert(strstr(h.res.cause, "ToleratedFailurePercentage must be "
	    "between 0 and 100.") != NULL);
	h_free(&h);
}
END_TEST

START_TEST(test_map_and_parallel_retry_start_over)
{
	struct harness h;
	char def[1024];

	/* A Map retried after an iteration failed runs every item again. */
	snprintf(def, sizeof(def), map_task_def, "\"Retry\":[{\"ErrorEquals\":"
	    "[\"ItemBroke\"],\"IntervalSeconds\":1,\"MaxAttempts\":1}],");
	h_init(&h, 0);
	h_start(&h, def, "[1,2]");
	h_fail(&h, 0, "ItemBroke", "{}");
	ck_assert(h.calls[1].cancelled);
	ck_assert_int_eq(sl_clock_pending(h.clock), 1000);
	sl_clock_advance(h.clock, 1000);
	ck_assert_int_eq(h.ncalls, 4);
	h_ok(&h, 2, "\"a\"");
	h_ok(&h, 3, "\"b\"");
	h_assert_output(&h, "[\"a\",\"b\"]");
	h_free(&h);

	/* States.BranchFailed matches what a branch failed with. */
	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":"
	    "\"Parallel\",\"Branches\":[{\"StartAt\":\"F\",\"States\":{\"F\":{"
	    "\"Type\":\"Fail\",\"Error\":\"Mine\"}}}],\"Retry\":[{"
	    "\"ErrorEquals\":[\"States.BranchFailed\"],\"MaxAttempts\":2,"
	    "\"IntervalSeconds\":1}],\"End\":true}}}", "{}");
	sl_clock_advance(h.clock, 1000);
	ck_assert_int_eq(h.ndone, 0);
	sl_clock_advance(h.clock, 2000);
	h_assert_failed(&h, "Mine");
	h_free(&h);
}
END_TEST

START_TEST(test_map_max_concurrency_path_invalid)
{
	struct harness h;

	h_init(&h, 0);
	h_start(&h, "{\"StartAt\":\"MapState\",\"States\":{\"MapState\":{"
	    "\"Type\":\"Map\",\"MaxConcurrencyPath\":\"$.mc\",\"ItemsPath\":"
	    "\"$.i\",\"ItemProcessor\":{\"StartAt\":\"P\",\"States\":{\"P\":{"
	    "\"Type\":\"Pass\",\"End\":true}}},\"End\":true}}}",
	    "{\"mc\":\"NoNumber\",\"i\":[1]}");
	h_assert_failed(&h, "States.Runtime");
	ck_assert_str_eq(h.res.cause, "An error occurred while executing the "
	    "state 'MapState' (entered at the event id #2). The "
	    "MaxConcurrencyPath field refers to value \"NoNumber\" which is "
	    "not a valid integer: $.mc");
	h_free(&h);
}
END_TEST

/* Unlike MaxConcurrencyPath, the tolerated failure paths are read once
 * the Map has started (as on AWS); a percentage of -1 is out of range,
 * not "unset". */
START_TEST(test_map_tolerance_paths_invalid)
{
	static const char *const cases[][3] = {
		{ "ToleratedFailurePercentagePath", "-1",
		    "ToleratedFailurePercentage must be between 0 and 100." },
		{ "ToleratedFailureCountPath", "-1",
		    "ToleratedFailureCount cannot be negative." },
		{ "ToleratedFailureCountPath", "\"x\"",
		    "The ToleratedFailureCountPath field refers to value \"x\" "
		    "which is not a valid integer: $.t" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct harness h;
		char def[512], in[64];

		snprintf(def, sizeof(def), "{\"StartAt\":\"M\",\"States\":{"
		    "\"M\":{\"Type\":\"Map\",\"%s\":\"$.t\",\"ItemsPath\":"
		    "\"$.i\",\"ItemProcessor\":{\"StartAt\":\"P\",\"States\":{"
		    "\"P\":{\"Type\":\"Pass\",\"End\":true}}},\"End\":true}}}",
		    cases[i][0]);
		snprintf(in, sizeof(in), "{\"t\":%s,\"i\":[1]}", cases[i][1]);
		h_init(&h, 0);
		h_start(&h, def, in);
		h_assert_failed(&h, "States.Runtime");
		ck_assert_str_eq(strstr(h.res.cause, ". ") + 2, cases[i][2]);
		h_assert_types(&h, "ExecutionStarted MapStateEntered "
		    "MapStateStarted ExecutionFailed");
		h_free(&h);
	}
}
END_TEST

/* --- checkpoints --------------------------------------------------------- */

/* Wait, a retried Task, a Map of Tasks and a Parallel. */
static const char *ck_def =
    "{\"StartAt\":\"W\",\"States\":{"
    "\"W\":{\"Type\":\"Wait\",\"Seconds\":100,\"Next\":\"T\"},"
    "\"T\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:lambda:eu-west-1:"
    "123456789012:function:t\",\"Parameters\":{\"rc.$\":"
    "\"$$.State.RetryCount\"},\"ResultPath\":\"$.t\",\"Retry\":[{"
    "\"ErrorEquals\":[\"States.ALL\"],\"IntervalSeconds\":5,"
    "\"MaxAttempts\":3}],\"Next\":\"M\"},"
    "\"M\":{\"Type\":\"Map\",\"ItemsPath\":\"$.items\",\"MaxConcurrency\":1,"
    "\"ItemProcessor\":{\"StartAt\":\"MT\",\"States\":{\"MT\":{\"Type\":"
    "\"Task\",\"Resource\":\"arn:aws:lambda:eu-west-1:123456789012:"
    "function:m\",\"Next\":\"MW\"},\"MW\":{\"Type\":\"Wait\",\"Seconds\":"
    "7,\"End\":true}}},\"ResultPath\":\"$.m\",\"Next\":\"P\"},"
    "\"P\":{\"Type\":\"Parallel\",\"Branches\":[{\"StartAt\":\"PA\","
    "\"States\":{\"PA\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:lambda:"
    "eu-west-1:123456789012:function:p\",\"End\":true}}},{\"StartAt\":"
    "\"PB\",\"States\":{\"PB\":{\"Type\":\"Wait\",\"Seconds\":3,\"End\":"
    "true}}}],\"ResultPath\":\"$.p\",\"End\":true}}}";

static const char *ck_input = "{\"items\":[1,2]}";

/* Drive the sample to its end: T fails on its first attempt (RetryCount
 * 0), every other call echoes its input with the function's name. */
static void
ck_drive(struct harness *h)
{
	int guard = 0;

	while (h->ndone == 0 && guard++ < 200) {
		int i, progressed = 0;

		for (i = 0; i < h->ncalls; i++) {
			struct h_call *c = &h->calls[i];
			char *r;

			if (c->completed || c->cancelled)
				continue;
			progressed = 1;
			if (strstr(c->function, ":t") != NULL &&
			    h_json_eq(c->payload, "{\"rc\":0}")) {
				h_fail(h, i, "Flaky", "{\"errorType\":"
				    "\"Flaky\"}");
				break;
			}
			r = xasprintf("{\"fn\":\"%s\",\"in\":%s}",
			    strrchr(c->function, ':') + 1, c->payload);
			h_ok(h, i, r);
			free(r);
			break;
		}
		if (!progressed && !sl_clock_fire_next(h->clock))
			break;
	}
}

START_TEST(test_checkpoint_restore_everywhere)
{
	struct harness ref, h;
	int nb, b, same = 0;
	char *want_out;
	int64_t want_last;

	/* The reference run, recording every batch's checkpoint. */
	h_init(&ref, 1);
	h_start(&ref, ck_def, ck_input);
	ck_drive(&ref);
	ck_assert_int_eq(ref.res.status, SL_EXEC_SUCCEEDED);
	want_out = xstrdup(ref.res.output);
	want_last = cJSON_GetArraySize(ref.res.history);
	nb = cJSON_GetArraySize(ref.batches);
	ck_assert_int_ge(nb, 8);

	for (b = 0; b < nb; b++) {
		const cJSON *batch = cJSON_GetArrayItem(ref.batches, b);
		const cJSON *ck = cJSON_GetObjectItem(batch, "checkpoint");
		const cJSON *evs = cJSON_GetObjectItem(batch, "events");
		const cJSON *last = cJSON_GetArrayItem(evs,
		    cJSON_GetArraySize(evs) - 1);
		struct sl_err err = SL_ERR_INIT;
		cJSON *cko;
		int64_t last_id, first_new, at;

		if (ck == NULL)
			continue; /* the final batch */
		cko = cJSON_Parse(ck->valuestring);
		ck_assert_ptr_nonnull(cko);
		last_id = (int64_t)cJSON_GetObjectItem(cko,
		    "lastEventId")->valuedouble;
		ck_assert_int_eq(last_id, (int64_t)cJSON_GetObjectItem(last,
		    "id")->valuedouble);
		cJSON_Delete(cko);

		/* A fresh engine at the time of that batch. */
		h_init(&h, 0);
		at = (int64_t)cJSON_GetObjectItem(last, "timestamp")->
		    valuedouble;
		sl_clock_advance(h.clock, at - H_START_MS);
		h_machine(&h, ck_def);
		ck_assert_msg(sl_exec_restore(h.e, h.m, ck->valuestring, NULL,
		    &err) == 0, "restore %d: %s", b, err.msg);
		ck_drive(&h);
		ck_assert_msg(h.res.status == SL_EXEC_SUCCEEDED,
		    "batch %d: %s %s", b, sl_exec_status_name(h.res.status),
		    h.res.cause ? h.res.cause : "");
		ck_assert_msg(h_json_eq(h.res.output, want_out),
		    "batch %d: output %s, want %s", b, h.res.output, want_out);
		/* The history continues where the checkpoint left off. */
		first_new = (int64_t)cJSON_GetObjectItem(cJSON_GetArrayItem(
		    h.res.history, 0), "id")->valuedouble;
		ck_assert_int_eq(first_new, last_id + 1);
		/* A task in flight is scheduled again, so never fewer events
		 * than the reference. */
		ck_assert_int_ge(last_id + cJSON_GetArraySize(h.res.history),
		    want_last);
		/* Without such a task the rest is the reference's, down to
		 * each event's previousEventId (the chains of the Map's
		 * workers and of the branches were restored). */
		if (last_id + cJSON_GetArraySize(h.res.history) == want_last) {
			const cJSON *ev;
			int j = (int)last_id;

			cJSON_ArrayForEach(ev, h.res.history) {
				const cJSON *rv = cJSON_GetArrayItem(
				    ref.res.history, j++);
				int prev = cJSON_GetObjectItem(ev,
				    "previousEventId")->valueint;
				int want = cJSON_GetObjectItem(rv,
				    "previousEventId")->valueint;

				ck_assert_str_eq(cJSON_GetObjectItem(ev,
				    "type")->valuestring, cJSON_GetObjectItem(
				    rv, "type")->valuestring);
				ck_assert_msg(prev == want, "batch %d: event "
				    "%d has previousEventId %d, want %d", b, j,
				    prev, want);
			}
			same++;
		}
		h_free(&h);
	}
	ck_assert_int_ge(same, 3);
	free(want_out);
	h_free(&ref);
}
END_TEST

START_TEST(test_checkpoint_keeps_wait_due_and_attempts)
{
	struct harness ref, h;
	struct sl_err err = SL_ERR_INIT;
	const cJSON *batch;
	const char *ck;

	h_init(&ref, 1);
	h_start(&ref, ck_def, ck_input);
	/* The first batch parks the execution in W until +100 s. */
	batch = cJSON_GetArrayItem(ref.batches, 0);
	ck = cJSON_GetObjectItem(batch, "checkpoint")->valuestring;
	h_init(&h, 0);
	sl_clock_advance(h.clock, 40000);
	h_machine(&h, ck_def);
	ck_assert(sl_exec_restore(h.e, h.m, ck, NULL, &err) == 0);
	/* Wall-clock due time kept: 60 s left, not 100. */
	ck_assert_int_eq(sl_clock_pending(h.clock), 60000);
	h_free(&h);

	/* After the first failure of T, the retry is due 5 s later and one
	 * attempt is used. */
	sl_clock_advance(ref.clock, 100000);
	h_fail(&ref, 0, "Flaky", "{}");
	batch = cJSON_GetArrayItem(ref.batches, cJSON_GetArraySize(
	    ref.batches) - 1);
	ck = cJSON_GetObjectItem(batch, "checkpoint")->valuestring;
	ck_assert_msg(strstr(ck, "\"attempts\":[1]") != NULL, "%s", ck);
	h_init(&h, 0);
	sl_clock_advance(h.clock, 100000);
	h_machine(&h, ck_def);
	ck_assert(sl_exec_restore(h.e, h.m, ck, NULL, &err) == 0);
	ck_assert_int_eq(sl_clock_pending(h.clock), 5000);
	sl_clock_advance(h.clock, 5000);
	ck_assert_int_eq(h.ncalls, 1);
	/* Two more failures exhaust MaxAttempts 3. */
	h_fail(&h, 0, "Flaky", "{}");
	sl_clock_fire_next(h.clock);
	h_fail(&h, 1, "Flaky", "{}");
	sl_clock_fire_next(h.clock);
	h_fail(&h, 2, "Flaky", "{}");
	h_assert_failed(&h, "Flaky");
	h_free(&h);
	h_free(&ref);

	/* Garbage is refused, never a crash. */
	h_init(&h, 0);
	h_machine(&h, ck_def);
	ck_assert(sl_exec_restore(h.e, h.m, "{", NULL, &err) == -1);
	ck_assert(sl_exec_restore(h.e, h.m, "{\"version\":99}", NULL,
	    &err) == -1);
	ck_assert(sl_exec_restore(h.e, h.m, "{\"version\":1,\"executionArn\":"
	    "\"a\",\"name\":\"n\",\"input\":\"{}\",\"frame\":{\"state\":"
	    "\"Nope\",\"phase\":\"wait\"}}", NULL, &err) == -1);
	ck_assert_int_eq(sl_engine_count(h.e), 0);
	h_free(&h);
}
END_TEST

/* Remove every "chain" member under o. */
static void
strip_chains(cJSON *o)
{
	cJSON *c;

	cJSON_DeleteItemFromObjectCaseSensitive(o, "chain");
	cJSON_ArrayForEach(c, o)
		if (cJSON_IsObject(c) || cJSON_IsArray(c))
			strip_chains(c);
}

/* A checkpoint written before histories had chains (none in it), taken
 * inside the Map: the execution goes on to the same end, its ids continue,
 * and each event names an earlier one. */
START_TEST(test_checkpoint_without_chains)
{
	struct harness ref, h;
	struct sl_err err = SL_ERR_INIT;
	const cJSON *batch, *ev;
	cJSON *cko = NULL;
	char *ck, *want_out;
	int64_t last_id = 0, id;

	h_init(&ref, 1);
	h_start(&ref, ck_def, ck_input);
	ck_drive(&ref);
	ck_assert_int_eq(ref.res.status, SL_EXEC_SUCCEEDED);
	want_out = xstrdup(ref.res.output);
	cJSON_ArrayForEach(batch, ref.batches) {
		const cJSON *c = cJSON_GetObjectItem(batch, "checkpoint");
		const cJSON *fr;

		if (c == NULL)
			continue;
		cko = cJSON_Parse(c->valuestring);
		fr = cJSON_GetObjectItem(cko, "frame");
		if (strcmp(cJSON_GetObjectItem(fr, "state")->valuestring,
		    "M") == 0 && cJSON_GetObjectItem(fr, "kids") != NULL &&
		    strstr(c->valuestring, "\"chain\"") != NULL)
			break;
		cJSON_Delete(cko);
		cko = NULL;
	}
	ck_assert_ptr_nonnull(cko);
	last_id = (int64_t)cJSON_GetObjectItem(cko, "lastEventId")->
	    valuedouble;
	strip_chains(cko);
	ck = cJSON_PrintUnformatted(cko);
	cJSON_Delete(cko);
	ck_assert_ptr_null(strstr(ck, "\"chain\""));

	h_init(&h, 0);
	h_machine(&h, ck_def);
	ck_assert_msg(sl_exec_restore(h.e, h.m, ck, NULL, &err) == 0, "%s",
	    err.msg);
	ck_drive(&h);
	h_assert_output(&h, want_out);
	id = last_id;
	cJSON_ArrayForEach(ev, h.res.history) {
		int64_t prev = (int64_t)cJSON_GetObjectItem(ev,
		    "previousEventId")->valuedouble;

		ck_assert_int_eq((int64_t)cJSON_GetObjectItem(ev, "id")->
		    valuedouble, ++id);
		ck_assert_int_ge(prev, 0);
		ck_assert_int_lt(prev, id);
	}
	cJSON_free(ck);
	free(want_out);
	h_free(&h);
	h_free(&ref);
}
END_TEST

/* Deterministic mutations of a valid definition and of a checkpoint: each
 * is refused or runs, never crashes (the sanitizer build checks memory). */
START_TEST(test_mutations_never_crash)
{
	static const char alphabet[] = "{}[]\",:0123$.*aZ -";
	struct harness ref;
	const char *ck;
	size_t dlen = strlen(ck_def), clen;
	uint32_t seed = 12345;
	int i, iters = 3000;

	/* Longer runs by hand: SLUICE_FUZZ_ITERS=1000000. */
	if (getenv("SLUICE_FUZZ_ITERS") != NULL)
		iters = atoi(getenv("SLUICE_FUZZ_ITERS"));
	h_init(&ref, 1);
	h_start(&ref, ck_def, ck_input);
	sl_clock_advance(ref.clock, 100000);
	/* Into the Map: its checkpoint has children. */
	h_ok(&ref, 0, "{}");
	ck = cJSON_GetObjectItem(cJSON_GetArrayItem(ref.batches,
	    cJSON_GetArraySize(ref.batches) - 1), "checkpoint")->valuestring;
	clen = strlen(ck);
	for (i = 0; i < iters; i++) {
		int which = i % 2;
		size_t len = which ? clen : dlen;
		char *s = xstrdup(which ? ck : ck_def);
		struct sl_err err = SL_ERR_INIT;
		struct harness h;
		int k;

		for (k = 0; k < 1 + i % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			s[(seed >> 8) % len] = alphabet[(seed >> 20) %
			    (sizeof(alphabet) - 1)];
		}
		h_init(&h, 0);
		if (which) {
			h_machine(&h, ck_def);
			if (sl_exec_restore(h.e, h.m, s, NULL, &err) == 0)
				sl_clock_advance(h.clock, 200000);
		} else {
			struct sl_asl_machine *m = sl_asl_machine_new(s, NULL,
			    NULL, &err);

			if (m != NULL) {
				struct sl_exec_start st = { .input = ck_input };

				h.m = m;
				if (sl_exec_start(h.e, m, &st, &err) == 0)
					sl_clock_advance(h.clock, 200000);
			} else
				ck_assert(err.msg[0] != '\0');
		}
		h_free(&h);
		free(s);
	}
	h_free(&ref);
}
END_TEST

Suite *
engine_flow_suite(void)
{
	Suite *s = suite_create("engine_flow");
	TCase *tc = tcase_create("flow");

	tcase_add_test(tc, test_parallel_results_in_branch_order);
	tcase_add_test(tc, test_parallel_branch_failure);
	tcase_add_test(tc, test_map_item_selector_and_context);
	tcase_add_test(tc, test_map_and_parallel_events);
	tcase_add_test(tc, test_map_worker_chain);
	tcase_add_test(tc, test_map_and_parallel_failed_events);
	tcase_add_test(tc, test_map_max_concurrency);
	tcase_add_test(tc, test_map_tolerated_failures);
	tcase_add_test(tc, test_map_and_parallel_retry_start_over);
	tcase_add_test(tc, test_map_max_concurrency_path_invalid);
	tcase_add_test(tc, test_map_tolerance_paths_invalid);
	tcase_add_test(tc, test_checkpoint_restore_everywhere);
	tcase_add_test(tc, test_checkpoint_keeps_wait_due_and_attempts);
	tcase_add_test(tc, test_checkpoint_without_chains);
	tcase_add_test(tc, test_mutations_never_crash);
	suite_add_tcase(s, tc);
	return s;
}
