/* One execution at a time on an sl_loop, waited for with a deadline. */
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "orchestrator/clock.h"
#include "orchestrator/invoke_host.h"
#include "orchestrator/runner.h"

struct sl_runner {
	struct sl_loop *loop;
	struct sl_clock *clock;
	struct sl_invoke_host *ih;
	struct sl_engine *engine;
	int keep_history;
	int done;
	struct sl_exec_result *res;
};

static uint64_t
no_invoke(void *arg, const struct sl_engine_invocation *inv)
{
	(void)arg;
	(void)inv;
	return 0;
}

static void
on_done(void *arg, struct sl_exec *x)
{
	struct sl_runner *r = arg;

	if (r->res != NULL)
		sl_exec_result_take(x, r->keep_history, r->res);
	r->done = 1;
}

struct sl_runner *
sl_runner_new(struct sl_loop *loop, struct sl_host *host, uint32_t scale,
    int keep_history)
{
	struct sl_runner *r = xcalloc(1, sizeof(*r));
	struct sl_engine_config cfg = { 0 };

	r->loop = loop;
	r->keep_history = keep_history;
	r->clock = scale > 1 ? sl_clock_scaled_new(loop, scale) :
	    sl_clock_loop_new(loop);
	cfg.clock = sl_clock_iface(r->clock);
	if (host != NULL) {
		r->ih = sl_invoke_host_new(host);
		cfg.invoker = sl_invoke_host_iface(r->ih);
	} else
		cfg.invoker.invoke = no_invoke;
	cfg.on_done = on_done;
	cfg.cb_arg = r;
	cfg.keep_history = keep_history;
	r->engine = sl_engine_new(&cfg);
	sl_clock_attach(r->clock, r->engine);
	if (r->ih != NULL)
		sl_invoke_host_attach(r->ih, r->engine);
	return r;
}

void
sl_runner_free(struct sl_runner *r)
{
	if (r == NULL)
		return;
	sl_engine_free(r->engine);
	sl_invoke_host_free(r->ih);
	sl_clock_free(r->clock);
	free(r);
}

int
sl_runner_run(struct sl_runner *r, struct sl_asl_machine *m,
    const char *name, const char *input, int express, uint64_t timeout_ms,
    struct sl_exec_result *res, struct sl_err *err)
{
	struct sl_exec_start st = { .name = name, .input = input,
		.express = express };
	uint64_t deadline = sl_loop_now_us() + timeout_ms * 1000;

	memset(res, 0, sizeof(*res));
	r->done = 0;
	r->res = res;
	if (sl_exec_start(r->engine, m, &st, err) == -1) {
		r->res = NULL;
		return -1;
	}
	while (!r->done) {
		uint64_t now = sl_loop_now_us();

		if (now >= deadline) {
			/* The only execution in this engine is ours. */
			struct sl_exec *x = sl_engine_first(r->engine);

			if (x != NULL)
				sl_exec_stop(x, "Sluice.RunnerTimeout",
				    "the execution did not end in time");
			break;
		}
		if (sl_loop_run_once(r->loop, deadline - now) == -1)
			break;
	}
	r->res = NULL;
	return 0;
}
