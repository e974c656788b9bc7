/* Suite "engine_runner": the engine on a real sl_loop with the loop and
 * scaled clocks (orchestrator/clock.c, runner.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/loop.h"
#include "orchestrator/engine.h"
#include "orchestrator/runner.h"

static struct sl_asl_machine *
compile(const char *def)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_asl_machine *m = sl_asl_machine_new(def, NULL, "R", &err);

	ck_assert_msg(m != NULL, "%s", err.msg);
	return m;
}

START_TEST(test_scaled_clock_runs_long_waits_fast)
{
	struct sl_loop *loop = sl_loop_new();
	struct sl_runner *r = sl_runner_new(loop, NULL, 1000, 1);
	struct sl_asl_machine *m = compile("{\"StartAt\":\"W\",\"States\":{"
	    "\"W\":{\"Type\":\"Wait\",\"Seconds\":60,\"Next\":\"P\"},\"P\":{"
	    "\"Type\":\"Pass\",\"Parameters\":{\"t.$\":"
	    "\"$$.State.EnteredTime\"},\"End\":true}}}");
	struct sl_exec_result res;
	struct sl_err err = SL_ERR_INIT;
	uint64_t t0 = sl_loop_now_us();
	const cJSON *h;
	double waited;

	/* 60 s of engine time within 10 s of real time (60 ms expected). */
	ck_assert(sl_runner_run(r, m, "w", "{}", 0, 10000, &res, &err) == 0);
	ck_assert_msg(res.status == SL_EXEC_SUCCEEDED, "%s %s",
	    sl_exec_status_name(res.status), res.cause ? res.cause : "");
	ck_assert_uint_lt(sl_loop_now_us() - t0, 10000000);
	/* In engine time the Wait lasted its 60 s. */
	h = res.history;
	waited = cJSON_GetObjectItem(cJSON_GetArrayItem(h, 2),
	    "timestamp")->valuedouble - cJSON_GetObjectItem(
	    cJSON_GetArrayItem(h, 1), "timestamp")->valuedouble;
	ck_assert_msg(waited >= 60000, "waited %f ms", waited);
	sl_exec_result_release(&res);
	sl_asl_machine_unref(m);
	sl_runner_free(r);
	sl_loop_free(loop);
}
END_TEST

START_TEST(test_runner_without_host_and_deadline)
{
	struct sl_loop *loop = sl_loop_new();
	struct sl_runner *r = sl_runner_new(loop, NULL, 1, 0);
	struct sl_asl_machine *m = compile("{\"StartAt\":\"T\",\"States\":{"
	    "\"T\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:lambda:us-east-1:"
	    "000000000000:function:f\",\"End\":true}}}");
	struct sl_asl_machine *w = compile("{\"StartAt\":\"W\",\"States\":{"
	    "\"W\":{\"Type\":\"Wait\",\"Seconds\":3600,\"End\":true}}}");
	struct sl_exec_result res;
	struct sl_err err = SL_ERR_INIT;

	/* No function host: the Task fails as Lambda would refuse it. */
	ck_assert(sl_runner_run(r, m, NULL, "{}", 0, 5000, &res, &err) == 0);
	ck_assert_int_eq(res.status, SL_EXEC_FAILED);
	ck_assert_str_eq(res.error, "Lambda.ServiceException");
	sl_exec_result_release(&res);
	/* Real time: an hour's Wait is stopped at the runner's deadline. */
	ck_assert(sl_runner_run(r, w, NULL, "{}", 0, 50, &res, &err) == 0);
	ck_assert_int_eq(res.status, SL_EXEC_ABORTED);
	ck_assert_str_eq(res.error, "Sluice.RunnerTimeout");
	sl_exec_result_release(&res);
	/* Bad input is refused. */
	ck_assert(sl_runner_run(r, w, NULL, "{nope", 0, 50, &res, &err) == -1);
	sl_asl_machine_unref(m);
	sl_asl_machine_unref(w);
	sl_runner_free(r);
	sl_loop_free(loop);
}
END_TEST

Suite *
engine_runner_suite(void)
{
	Suite *s = suite_create("engine_runner");
	TCase *tc = tcase_create("runner");

	tcase_add_test(tc, test_scaled_clock_runs_long_waits_fast);
	tcase_add_test(tc, test_runner_without_host_and_deadline);
	suite_add_tcase(s, tc);
	return s;
}
