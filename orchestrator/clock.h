/* Clocks for the engine (struct sl_engine_clock): real time on an sl_loop,
 * a fake clock that tests advance by hand, and a scaled clock that runs
 * long Waits quickly without changing the order of events. */
#ifndef SL_CLOCK_H
#define SL_CLOCK_H

#include <stdint.h>

#include "common/loop.h"
#include "orchestrator/engine.h"

struct sl_clock;

/* Real time: wall time from the system, the timer on loop. */
struct sl_clock *sl_clock_loop_new(struct sl_loop *loop);
/* Fake time: starts at start_ms (wall, ms since epoch) and moves only with
 * sl_clock_advance. Deterministic. */
struct sl_clock *sl_clock_fake_new(int64_t start_ms);
/* Scaled time on loop: engine time runs `factor` times faster than real
 * time (a Wait of 60 s takes 60000/factor ms). Engine time starts at the
 * real wall time when the clock is made. */
struct sl_clock *sl_clock_scaled_new(struct sl_loop *loop, uint32_t factor);
void sl_clock_free(struct sl_clock *c);

/* The interface for sl_engine_config.clock. Call sl_clock_attach(c, e) once
 * the engine exists so that the timer reaches sl_engine_on_timer. */
struct sl_engine_clock sl_clock_iface(struct sl_clock *c);
void sl_clock_attach(struct sl_clock *c, struct sl_engine *e);

/* Fake clock only: move time forward by ms, firing the engine's timer
 * (possibly several times) whenever it comes due on the way. */
void sl_clock_advance(struct sl_clock *c, int64_t ms);
/* Fake clock only: advance to the pending timer if one is set. Returns 1
 * when it fired one, 0 when none was pending. */
int sl_clock_fire_next(struct sl_clock *c);
/* Delay of the pending timer (ms), or -1 when none. */
int64_t sl_clock_pending(const struct sl_clock *c);
int64_t sl_clock_now(struct sl_clock *c);

#endif
