/* Suite "ws": the WebSocket transport's embedding of the sl_loop
 * (server/ws.c). A timer of the loop fires inside a service turn, before
 * the turn's poll; what it did may be finished by the owner only after
 * the turn (sluiced's group commit), so the turn must end at once rather
 * than sleep until some other event (lws's limit is 30 s; this suite's
 * timeout is 10 s). */
#include <check.h>
#include <stdlib.h>

#include "common/loop.h"
#include "server/ws.h"

static void
set_flag(struct sl_timer *t)
{
	*(int *)t->arg += 1;
}

START_TEST(test_ws_turn_ends_after_a_timer)
{
	struct sl_loop *loop = sl_loop_new();
	struct sl_ws_config cfg = { .port = 0, .loop = loop,
		.max_request = 1 << 20 };
	struct sl_err err = SL_ERR_INIT;
	struct sl_ws *ws;
	struct sl_timer t;
	int fired = 0, i;

	ck_assert_ptr_nonnull(loop);
	ws = sl_ws_new(&cfg, &err);
	ck_assert_msg(ws != NULL, "%s: %s", err.type, err.msg);
	for (i = 0; i < 20; i++) {
		/* Started between turns, as a commit's callback would. */
		sl_timer_init(&t, set_flag, &fired);
		sl_loop_timer_start(loop, &t, 0);
		while (fired == i)
			ck_assert_int_eq(sl_ws_service(ws), 0);
		ck_assert_int_eq(fired, i + 1);
	}
	sl_ws_free(ws);
	sl_loop_free(loop);
}
END_TEST

Suite *
ws_suite(void)
{
	Suite *s = suite_create("ws");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_ws_turn_ends_after_a_timer);
	suite_add_tcase(s, tc);
	return s;
}
