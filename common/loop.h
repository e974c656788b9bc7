/* The event loop that runtime/ and orchestrator/ see: watch fds, run timers.
 *
 * It is an epoll set plus a timer heap. It runs on its own (sl_loop_run, used
 * by tests and the offline CLI) or inside another loop: the daemon adopts
 * sl_loop_fd() into libwebsockets, calls sl_loop_dispatch() when it is
 * readable, and arms one timer for sl_loop_next_timeout_us(). So only server/
 * and cli/ know about libwebsockets.
 *
 * Everything here is for the loop's own thread only. */
#ifndef SL_LOOP_H
#define SL_LOOP_H

#include <stddef.h>
#include <stdint.h>

struct sl_loop;

enum sl_loop_events {
	SL_LOOP_READ = (1 << 0),
	SL_LOOP_WRITE = (1 << 1),
	/* Reported only: hang-up or error. Watchers of READ see it as readable
	 * too, so that a read() finds the EOF or the error. */
	SL_LOOP_HUP = (1 << 2),
};

typedef void sl_io_cb(void *arg, int fd, unsigned events);

struct sl_timer;
typedef void sl_timer_cb(struct sl_timer *t);

/* Embed in your object; sl_timer_init before use, sl_loop_timer_stop before
 * freeing the object (stopping an idle timer is a no-op). */
struct sl_timer {
	uint64_t due_us; /* monotonic, see sl_loop_now_us */
	size_t slot;     /* heap index + 1; 0 = not scheduled */
	sl_timer_cb *cb;
	void *arg;
};

struct sl_loop *sl_loop_new(void);
/* Frees the loop; fds being watched are not closed (they are the caller's). */
void sl_loop_free(struct sl_loop *loop);

/* Watch fd for events (READ|WRITE), or change what is watched when fd is
 * already watched. The fd stays the caller's. Returns 0 or -1 (errno). */
int sl_loop_watch(struct sl_loop *loop, int fd, unsigned events, sl_io_cb *cb,
    void *arg);
/* Stop watching fd; call before closing it. Safe from inside callbacks: an
 * event already fetched for fd is then not delivered. */
void sl_loop_unwatch(struct sl_loop *loop, int fd);

void sl_timer_init(struct sl_timer *t, sl_timer_cb *cb, void *arg);
/* (Re)start t to fire once after delay_us microseconds. */
void sl_loop_timer_start(struct sl_loop *loop, struct sl_timer *t,
    uint64_t delay_us);
/* Start t to fire at an absolute monotonic time (sl_loop_now_us). */
void sl_loop_timer_at(struct sl_loop *loop, struct sl_timer *t,
    uint64_t due_us);
void sl_loop_timer_stop(struct sl_loop *loop, struct sl_timer *t);
int sl_timer_active(const struct sl_timer *t);

/* Monotonic clock in microseconds. */
uint64_t sl_loop_now_us(void);
/* Wall clock in milliseconds since the epoch. */
int64_t sl_loop_wall_ms(void);

/* Run ready callbacks and due timers, waiting at most max_wait_us for the
 * first one (0 = do not wait, UINT64_MAX = until something happens). A
 * run of timer callbacks looks at the fds again every 50 us, so that fd
 * callbacks do not wait for the whole run. Returns the number of
 * callbacks run, or -1 on error. */
int sl_loop_run_once(struct sl_loop *loop, uint64_t max_wait_us);
/* Run until *stop becomes non-zero (set by a callback). */
void sl_loop_run(struct sl_loop *loop, const volatile int *stop);

/* For embedding: an fd that is readable whenever an fd event is pending;
 * when it is, call sl_loop_dispatch() (which runs as sl_loop_run_once
 * without waiting). Timers are due at
 * sl_loop_next_timeout_us() (UINT64_MAX = none; relative, may be 0). */
int sl_loop_fd(const struct sl_loop *loop);
int sl_loop_dispatch(struct sl_loop *loop);
uint64_t sl_loop_next_timeout_us(const struct sl_loop *loop);

/* Number of fds watched and timers scheduled (for tests and stats). */
size_t sl_loop_watch_count(const struct sl_loop *loop);
size_t sl_loop_timer_count(const struct sl_loop *loop);

#endif
