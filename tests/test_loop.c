/* Suite "loop": fd watching and the timer heap of common/loop.c. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <poll.h>
#include <unistd.h>

#include "common/loop.h"

struct fired {
	int order[64];
	int n;
};

struct tick {
	struct sl_timer t;
	struct fired *f;
	int id;
};

static void
tick_cb(struct sl_timer *t)
{
	struct tick *k = t->arg;

	k->f->order[k->f->n++] = k->id;
}

START_TEST(test_timers_fire_in_due_order)
{
	struct sl_loop *loop = sl_loop_new();
	struct fired f = { .n = 0 };
	struct tick ticks[10];
	uint64_t base = sl_loop_now_us() + 1000000;
	/* Due times deliberately out of order, with a tie. */
	static const int due[10] = { 9, 3, 7, 1, 8, 2, 2, 6, 5, 4 };
	int i;

	for (i = 0; i < 10; i++) {
		ticks[i].f = &f;
		ticks[i].id = i;
		sl_timer_init(&ticks[i].t, tick_cb, &ticks[i]);
		sl_loop_timer_at(loop, &ticks[i].t, base + (uint64_t)due[i]);
	}
	ck_assert_uint_eq(sl_loop_timer_count(loop), 10);
	/* Stop one in the middle of the heap: it must never fire. */
	sl_loop_timer_stop(loop, &ticks[7].t);
	ck_assert(!sl_timer_active(&ticks[7].t));
	/* Re-arm everything else to "now + due" so they are due at once. */
	for (i = 0; i < 10; i++)
		if (i != 7)
			sl_loop_timer_at(loop, &ticks[i].t, (uint64_t)due[i]);
	while (sl_loop_timer_count(loop) > 0)
		sl_loop_run_once(loop, 0);
	ck_assert_int_eq(f.n, 9);
	for (i = 1; i < f.n; i++)
		ck_assert_int_le(due[f.order[i - 1]], due[f.order[i]]);
	for (i = 0; i < f.n; i++)
		ck_assert_int_ne(f.order[i], 7);
	sl_loop_free(loop);
}
END_TEST

struct reader {
	struct sl_loop *loop;
	int got;
	int eof;
};

static void
read_cb(void *arg, int fd, unsigned events)
{
	struct reader *r = arg;
	char buf[16];
	ssize_t n;

	ck_assert(events & SL_LOOP_READ);
	n = read(fd, buf, sizeof(buf));
	if (n > 0) {
		r->got += (int)n;
	} else {
		r->eof = 1;
		sl_loop_unwatch(r->loop, fd);
	}
}

START_TEST(test_watch_reads_then_eof)
{
	struct sl_loop *loop = sl_loop_new();
	struct reader r = { .loop = loop };
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(sl_loop_watch(loop, p[0], SL_LOOP_READ, read_cb, &r), 0);
	ck_assert_uint_eq(sl_loop_watch_count(loop), 1);
	ck_assert_int_eq(write(p[1], "hello", 5), 5);
	ck_assert_int_eq(sl_loop_run_once(loop, 1000000), 1);
	ck_assert_int_eq(r.got, 5);
	close(p[1]);
	ck_assert_int_eq(sl_loop_run_once(loop, 1000000), 1);
	ck_assert_int_eq(r.eof, 1);
	ck_assert_uint_eq(sl_loop_watch_count(loop), 0);
	/* Nothing watched, nothing due: a bounded wait runs nothing. */
	ck_assert_int_eq(sl_loop_run_once(loop, 0), 0);
	close(p[0]);
	sl_loop_free(loop);
}
END_TEST

START_TEST(test_embedding_fd_signals_pending_io)
{
	struct sl_loop *loop = sl_loop_new();
	struct reader r = { .loop = loop };
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(sl_loop_watch(loop, p[0], SL_LOOP_READ, read_cb, &r), 0);
	ck_assert_uint_eq(sl_loop_next_timeout_us(loop), UINT64_MAX);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	/* The epoll fd itself polls readable while an event is pending,
	 * which is what lets another loop embed this one. */
	{
		struct pollfd pfd = { .fd = sl_loop_fd(loop), .events = POLLIN };

		ck_assert_int_eq(poll(&pfd, 1, 1000), 1);
		ck_assert(pfd.revents & POLLIN);
	}
	ck_assert_int_eq(sl_loop_dispatch(loop), 1);
	ck_assert_int_eq(r.got, 1);
	{
		struct pollfd pfd = { .fd = sl_loop_fd(loop), .events = POLLIN };

		ck_assert_int_eq(poll(&pfd, 1, 0), 0);
	}
	close(p[0]);
	close(p[1]);
	sl_loop_free(loop);
}
END_TEST

/* A run of due timers that takes long gives the fds a look in between:
 * data that arrives while the first callback runs is read before the
 * second, not after the whole run. */
struct busy_tick {
	struct sl_timer t;
	struct fired *f;
	int id;
	int wfd; /* write here first, or -1 */
};

static void
busy_tick_cb(struct sl_timer *t)
{
	struct busy_tick *k = t->arg;
	uint64_t until;

	k->f->order[k->f->n++] = k->id;
	if (k->wfd >= 0) {
		ck_assert_int_eq(write(k->wfd, "r", 1), 1);
		/* Longer than the loop's 50 us between looks at the fds. */
		until = sl_loop_now_us() + 200;
		while (sl_loop_now_us() < until)
			continue;
	}
}

struct order_reader {
	struct fired *f;
};

static void
order_read_cb(void *arg, int fd, unsigned events)
{
	struct order_reader *r = arg;
	char c;

	(void)events;
	ck_assert_int_eq(read(fd, &c, 1), 1);
	r->f->order[r->f->n++] = 100;
}

START_TEST(test_long_timer_run_lets_io_in)
{
	struct sl_loop *loop = sl_loop_new();
	struct fired f = { .n = 0 };
	struct order_reader r = { .f = &f };
	struct busy_tick a = { .f = &f, .id = 1 }, b = { .f = &f, .id = 2,
		.wfd = -1 };
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	a.wfd = p[1];
	ck_assert_int_eq(sl_loop_watch(loop, p[0], SL_LOOP_READ,
	    order_read_cb, &r), 0);
	sl_timer_init(&a.t, busy_tick_cb, &a);
	sl_timer_init(&b.t, busy_tick_cb, &b);
	sl_loop_timer_start(loop, &a.t, 0);
	sl_loop_timer_start(loop, &b.t, 0);
	/* Both timers are due; a's byte arrives while a runs. */
	while (sl_loop_timer_count(loop) > 0)
		ck_assert_int_ge(sl_loop_dispatch(loop), 0);
	ck_assert_int_eq(f.n, 3);
	ck_assert_int_eq(f.order[0], 1);
	ck_assert_int_eq(f.order[1], 100);
	ck_assert_int_eq(f.order[2], 2);
	close(p[0]);
	close(p[1]);
	sl_loop_free(loop);
}
END_TEST

Suite *
loop_suite(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_timers_fire_in_due_order);
	tcase_add_test(tc, test_watch_reads_then_eof);
	tcase_add_test(tc, test_embedding_fd_signals_pending_io);
	tcase_add_test(tc, test_long_timer_run_lets_io_in);
	suite_add_tcase(s, tc);
	return s;
}
