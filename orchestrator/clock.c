/* Clocks for the engine: real (sl_loop), fake (advanced by hand) and
 * scaled (engine time runs faster than real time). */
#include <stdlib.h>

#include "common/loop.h"
#include "common/xmalloc.h"
#include "orchestrator/clock.h"

enum clock_kind {
	CLOCK_LOOP,
	CLOCK_FAKE,
	CLOCK_SCALED,
};

struct sl_clock {
	enum clock_kind kind;
	struct sl_loop *loop;
	struct sl_timer timer;
	struct sl_engine *engine;
	uint32_t factor;
	int64_t base_wall;   /* scaled: engine time at base_mono */
	uint64_t base_mono;  /* scaled: real monotonic us at creation */
	int64_t now;         /* fake: current time */
	int64_t due;         /* fake: pending timer, or -1 */
};

static void
timer_cb(struct sl_timer *t)
{
	struct sl_clock *c = t->arg;

	if (c->engine != NULL)
		sl_engine_on_timer(c->engine);
}

static struct sl_clock *
clock_new(enum clock_kind kind, struct sl_loop *loop)
{
	struct sl_clock *c = xcalloc(1, sizeof(*c));

	c->kind = kind;
	c->loop = loop;
	c->due = -1;
	sl_timer_init(&c->timer, timer_cb, c);
	return c;
}

struct sl_clock *
sl_clock_loop_new(struct sl_loop *loop)
{
	return clock_new(CLOCK_LOOP, loop);
}

struct sl_clock *
sl_clock_fake_new(int64_t start_ms)
{
	struct sl_clock *c = clock_new(CLOCK_FAKE, NULL);

	c->now = start_ms;
	return c;
}

struct sl_clock *
sl_clock_scaled_new(struct sl_loop *loop, uint32_t factor)
{
	struct sl_clock *c = clock_new(CLOCK_SCALED, loop);

	c->factor = factor ? factor : 1;
	c->base_wall = sl_loop_wall_ms();
	c->base_mono = sl_loop_now_us();
	return c;
}

void
sl_clock_free(struct sl_clock *c)
{
	if (c == NULL)
		return;
	if (c->loop != NULL)
		sl_loop_timer_stop(c->loop, &c->timer);
	free(c);
}

int64_t
sl_clock_now(struct sl_clock *c)
{
	switch (c->kind) {
	case CLOCK_FAKE:
		return c->now;
	case CLOCK_SCALED:
		return c->base_wall + (int64_t)((sl_loop_now_us() -
		    c->base_mono) * c->factor / 1000);
	default:
		return sl_loop_wall_ms();
	}
}

static int64_t
iface_now(void *arg)
{
	return sl_clock_now(arg);
}

static void
iface_start(void *arg, uint64_t delay_ms)
{
	struct sl_clock *c = arg;

	switch (c->kind) {
	case CLOCK_FAKE:
		c->due = c->now + (int64_t)delay_ms;
		break;
	case CLOCK_SCALED:
		/* Round up so that engine time has reached the due time. */
		sl_loop_timer_start(c->loop, &c->timer,
		    (delay_ms * 1000 + c->factor - 1) / c->factor);
		break;
	default:
		sl_loop_timer_start(c->loop, &c->timer, delay_ms * 1000);
		break;
	}
}

static void
iface_stop(void *arg)
{
	struct sl_clock *c = arg;

	if (c->kind == CLOCK_FAKE)
		c->due = -1;
	else
		sl_loop_timer_stop(c->loop, &c->timer);
}

struct sl_engine_clock
sl_clock_iface(struct sl_clock *c)
{
	struct sl_engine_clock ec = {
		.now_ms = iface_now,
		.start = iface_start,
		.stop = iface_stop,
		.arg = c,
	};

	return ec;
}

void
sl_clock_attach(struct sl_clock *c, struct sl_engine *e)
{
	c->engine = e;
}

int
sl_clock_fire_next(struct sl_clock *c)
{
	if (c->kind != CLOCK_FAKE || c->due < 0)
		return 0;
	if (c->due > c->now)
		c->now = c->due;
	c->due = -1;
	if (c->engine != NULL)
		sl_engine_on_timer(c->engine);
	return 1;
}

void
sl_clock_advance(struct sl_clock *c, int64_t ms)
{
	int64_t end = c->now + ms;

	if (c->kind != CLOCK_FAKE)
		return;
	while (c->due >= 0 && c->due <= end)
		sl_clock_fire_next(c);
	if (end > c->now)
		c->now = end;
}

int64_t
sl_clock_pending(const struct sl_clock *c)
{
	if (c->kind != CLOCK_FAKE)
		return sl_timer_active(&c->timer) ? 0 : -1;
	return c->due < 0 ? -1 : c->due - c->now;
}
