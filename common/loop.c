/* Event loop: an epoll set for fds and a binary min-heap for timers. */
#include "common/loop.h"
#include "common/xmalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

struct watch {
	sl_io_cb *cb;
	void *arg;
	unsigned events; /* 0 = slot unused */
};

struct sl_loop {
	int epfd;
	struct watch *watches; /* indexed by fd */
	size_t nwatches_cap;
	size_t nwatched;
	struct sl_timer **heap;
	size_t nheap;
	size_t heap_cap;
};

uint64_t
sl_loop_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int64_t
sl_loop_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct sl_loop *
sl_loop_new(void)
{
	struct sl_loop *loop = xcalloc(1, sizeof(*loop));

	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		free(loop);
		return NULL;
	}
	return loop;
}

void
sl_loop_free(struct sl_loop *loop)
{
	if (loop == NULL)
		return;
	close(loop->epfd);
	free(loop->watches);
	free(loop->heap);
	free(loop);
}

static uint32_t
to_epoll(unsigned events)
{
	uint32_t e = 0;

	if (events & SL_LOOP_READ)
		e |= EPOLLIN | EPOLLRDHUP;
	if (events & SL_LOOP_WRITE)
		e |= EPOLLOUT;
	return e;
}

int
sl_loop_watch(struct sl_loop *loop, int fd, unsigned events, sl_io_cb *cb,
    void *arg)
{
	struct epoll_event ev = { .events = to_epoll(events), .data.fd = fd };
	struct watch *w;
	int op;

	if (fd < 0 || (events & (SL_LOOP_READ | SL_LOOP_WRITE)) == 0) {
		errno = EINVAL;
		return -1;
	}
	if ((size_t)fd >= loop->nwatches_cap) {
		size_t cap = loop->nwatches_cap ? loop->nwatches_cap : 64;

		while (cap <= (size_t)fd)
			cap *= 2;
		loop->watches = xreallocarray(loop->watches, cap,
		    sizeof(*loop->watches));
		memset(loop->watches + loop->nwatches_cap, 0,
		    (cap - loop->nwatches_cap) * sizeof(*loop->watches));
		loop->nwatches_cap = cap;
	}
	w = &loop->watches[fd];
	op = w->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(loop->epfd, op, fd, &ev) < 0)
		return -1;
	if (op == EPOLL_CTL_ADD)
		loop->nwatched++;
	w->cb = cb;
	w->arg = arg;
	w->events = events & (SL_LOOP_READ | SL_LOOP_WRITE);
	return 0;
}

void
sl_loop_unwatch(struct sl_loop *loop, int fd)
{
	struct watch *w;

	if (fd < 0 || (size_t)fd >= loop->nwatches_cap)
		return;
	w = &loop->watches[fd];
	if (w->events == 0)
		return;
	/* The fd may already be closed; then the kernel dropped it itself. */
	(void)epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	memset(w, 0, sizeof(*w));
	loop->nwatched--;
}

/* --- timers ---------------------------------------------------------- */

void
sl_timer_init(struct sl_timer *t, sl_timer_cb *cb, void *arg)
{
	t->due_us = 0;
	t->slot = 0;
	t->cb = cb;
	t->arg = arg;
}

int
sl_timer_active(const struct sl_timer *t)
{
	return t->slot != 0;
}

static void
heap_set(struct sl_loop *loop, size_t i, struct sl_timer *t)
{
	loop->heap[i] = t;
	t->slot = i + 1;
}

static void
heap_up(struct sl_loop *loop, size_t i)
{
	struct sl_timer *t = loop->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (loop->heap[parent]->due_us <= t->due_us)
			break;
		heap_set(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_set(loop, i, t);
}

static void
heap_down(struct sl_loop *loop, size_t i)
{
	struct sl_timer *t = loop->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= loop->nheap)
			break;
		if (c + 1 < loop->nheap &&
		    loop->heap[c + 1]->due_us < loop->heap[c]->due_us)
			c++;
		if (t->due_us <= loop->heap[c]->due_us)
			break;
		heap_set(loop, i, loop->heap[c]);
		i = c;
	}
	heap_set(loop, i, t);
}

void
sl_loop_timer_stop(struct sl_loop *loop, struct sl_timer *t)
{
	size_t i;
	struct sl_timer *last;

	if (t->slot == 0)
		return;
	i = t->slot - 1;
	t->slot = 0;
	last = loop->heap[--loop->nheap];
	if (i == loop->nheap)
		return;
	heap_set(loop, i, last);
	if (i > 0 && loop->heap[(i - 1) / 2]->due_us > last->due_us)
		heap_up(loop, i);
	else
		heap_down(loop, i);
}

void
sl_loop_timer_at(struct sl_loop *loop, struct sl_timer *t, uint64_t due_us)
{
	sl_loop_timer_stop(loop, t);
	if (loop->nheap == loop->heap_cap) {
		loop->heap_cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
		loop->heap = xreallocarray(loop->heap, loop->heap_cap,
		    sizeof(*loop->heap));
	}
	t->due_us = due_us;
	loop->heap[loop->nheap] = t;
	heap_up(loop, loop->nheap++);
}

void
sl_loop_timer_start(struct sl_loop *loop, struct sl_timer *t,
    uint64_t delay_us)
{
	uint64_t now = sl_loop_now_us();

	sl_loop_timer_at(loop, t,
	    delay_us > UINT64_MAX - now ? UINT64_MAX : now + delay_us);
}

uint64_t
sl_loop_next_timeout_us(const struct sl_loop *loop)
{
	uint64_t now;

	if (loop->nheap == 0)
		return UINT64_MAX;
	now = sl_loop_now_us();
	return loop->heap[0]->due_us <= now ? 0 : loop->heap[0]->due_us - now;
}

static int run_io(struct sl_loop *loop, int timeout_ms);

/* How long a run of timer callbacks may go on without a look at the fds.
 * A long run (a burst of finished invocations, each moving its execution
 * on) would otherwise keep a worker whose result came in meanwhile idle
 * until the run ends, although work is queued for it: the result's
 * callback hands the worker its next request at once. */
#define IO_CHECK_US 50

/* Run the timers due now, with the fds' ready callbacks in between every
 * IO_CHECK_US. Timers started by a callback for "now" run on the next
 * pass, so a timer that re-arms itself with 0 cannot starve fds. */
static int
run_timers(struct sl_loop *loop)
{
	uint64_t now = sl_loop_now_us(), checked = now, t1;
	int n = 0, ran;
	size_t budget = loop->nheap;

	while (budget-- > 0 && loop->nheap > 0 && loop->heap[0]->due_us <= now) {
		struct sl_timer *t = loop->heap[0];

		sl_loop_timer_stop(loop, t);
		t->cb(t);
		n++;
		if (loop->nwatched > 0 &&
		    (t1 = sl_loop_now_us()) - checked >= IO_CHECK_US) {
			ran = run_io(loop, 0);
			if (ran > 0)
				n += ran;
			checked = t1;
		}
	}
	return n;
}

/* --- dispatch ---------------------------------------------------------- */

#define MAX_EVENTS 64

static int
run_io(struct sl_loop *loop, int timeout_ms)
{
	struct epoll_event evs[MAX_EVENTS];
	int n, i, ran = 0;

	n = epoll_wait(loop->epfd, evs, MAX_EVENTS, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		uint32_t e = evs[i].events;
		unsigned got = 0;
		struct watch *w;

		if ((size_t)fd >= loop->nwatches_cap)
			continue;
		w = &loop->watches[fd];
		if (w->events == 0)
			continue; /* unwatched by an earlier callback */
		if (e & (EPOLLIN | EPOLLRDHUP))
			got |= SL_LOOP_READ;
		if (e & EPOLLOUT)
			got |= SL_LOOP_WRITE;
		if (e & (EPOLLHUP | EPOLLERR)) {
			got |= SL_LOOP_HUP;
			if (w->events & SL_LOOP_READ)
				got |= SL_LOOP_READ;
			if (w->events & SL_LOOP_WRITE)
				got |= SL_LOOP_WRITE;
		}
		got &= w->events | SL_LOOP_HUP;
		if (got == 0)
			continue;
		w->cb(w->arg, fd, got);
		ran++;
	}
	return ran;
}

int
sl_loop_dispatch(struct sl_loop *loop)
{
	int a, b;

	a = run_io(loop, 0);
	if (a < 0)
		return -1;
	b = run_timers(loop);
	return a + b;
}

int
sl_loop_run_once(struct sl_loop *loop, uint64_t max_wait_us)
{
	uint64_t next = sl_loop_next_timeout_us(loop);
	uint64_t wait = next < max_wait_us ? next : max_wait_us;
	int timeout_ms, a;

	if (wait == UINT64_MAX)
		timeout_ms = -1;
	else if (wait / 1000 > 1000000)
		timeout_ms = 1000000000;
	else
		timeout_ms = (int)((wait + 999) / 1000);
	a = run_io(loop, timeout_ms);
	if (a < 0)
		return -1;
	return a + run_timers(loop);
}

void
sl_loop_run(struct sl_loop *loop, const volatile int *stop)
{
	while (!*stop) {
		if (sl_loop_run_once(loop, UINT64_MAX) < 0)
			break;
	}
}

int
sl_loop_fd(const struct sl_loop *loop)
{
	return loop->epfd;
}

size_t
sl_loop_watch_count(const struct sl_loop *loop)
{
	return loop->nwatched;
}

size_t
sl_loop_timer_count(const struct sl_loop *loop)
{
	return loop->nheap;
}
