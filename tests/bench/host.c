/* Benchmark of the function host: cold start, warm invoke latency,
 * sequential and 2-worker throughput, and a trivial worker's RSS. Prints
 * one JSON line per measurement. Uses $SLUICE_BUILD for the worker image
 * and the fixtures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/loop.h"
#include "common/xmalloc.h"
#include "runtime/host.h"
#include "tests/bench/lib/wsbench.h"
#include "tests/bench/lib/report.h"

struct one {
	int done;
	int cold;
	int ok;
};

static void
done_cb(void *arg, const struct sl_invoke_result *r)
{
	struct one *o = arg;

	o->done = 1;
	o->cold = r->cold_start;
	o->ok = r->status == 200 && r->function_error == NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
emit_pct(const char *name, uint64_t *v, size_t n)
{
	char m[64];

	qsort(v, n, sizeof(*v), cmp_u64);
	snprintf(m, sizeof(m), "%s_p50", name);
	bench_report(m, (double)v[n / 2], "us", NULL);
	snprintf(m, sizeof(m), "%s_p99", name);
	bench_report(m, (double)v[(n * 99) / 100], "us", NULL);
}

static uint64_t
invoke_wait(struct sl_loop *loop, struct sl_host *h, const char *fn,
    const char *payload, struct one *o)
{
	struct sl_invoke_request req;
	uint64_t t0;

	memset(&req, 0, sizeof(req));
	memset(o, 0, sizeof(*o));
	req.function = fn;
	req.payload = payload;
	req.payload_len = strlen(payload);
	t0 = sl_loop_now_us();
	(void)sl_host_invoke(h, &req, done_cb, o);
	while (!o->done)
		(void)sl_loop_run_once(loop, 100000);
	return sl_loop_now_us() - t0;
}

static struct sl_host *
host_new(struct sl_loop *loop, unsigned max_workers)
{
	const char *b = getenv("SLUICE_BUILD");
	struct sl_host_config cfg;
	struct sl_err err = SL_ERR_INIT;
	struct sl_host *h;
	static char *dir, *worker;

	if (b == NULL) {
		fprintf(stderr, "bench/host: set SLUICE_BUILD\n");
		exit(2);
	}
	if (dir == NULL) {
		dir = xasprintf("%s/tests/fixtures", b);
		worker = xasprintf("%s/sluice-worker", b);
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.functions_dir = dir;
	cfg.worker_path = worker;
	cfg.data_dir = "/tmp";
	cfg.max_workers = max_workers;
	h = sl_host_new(loop, &cfg, &err);
	if (h == NULL) {
		fprintf(stderr, "bench/host: %s\n", err.msg);
		exit(1);
	}
	return h;
}

/* n cold starts, reported as name_p50/p99 (lat: room for n). With room for
 * one worker only, alternating two functions makes every invocation start
 * a fresh worker. Exits when one fails or is not cold. */
static void
cold_starts(struct sl_loop *loop, const char *name, uint64_t *lat, int n)
{
	struct sl_host *h = host_new(loop, 1);
	struct one o;
	int i;

	for (i = 0; i < n; i++) {
		lat[i] = invoke_wait(
		    loop, h, i % 2 ? "echo_function" : "id_function", "{}", &o);
		if (!o.ok || !o.cold) {
			fprintf(stderr, "bench/host: cold invoke failed\n");
			exit(1);
		}
	}
	emit_pct(name, lat, (size_t)n);
	sl_host_free(h);
}

int
main(void)
{
	enum { COLD = 200, WARM = 20000, TPUT = 50000, BURST = 16 };
	struct sl_loop *loop = sl_loop_new();
	struct sl_host *h;
	static uint64_t lat[WARM];
	char payload[1100];
	struct one o, par[2];
	uint64_t t0;
	int i, done, sent;
	size_t n;

	bench_report_as("host", 2);
	/* A 1 KB JSON payload. */
	n = (size_t)snprintf(payload, sizeof(payload), "{\"data\":\"");
	memset(payload + n, 'x', 1024 - n - 2);
	strcpy(payload + 1024 - 2, "\"}");

	/* Cold start, with the pre-started spawner, then without it (every
	 * worker an exec). */
	cold_starts(loop, "cold_start", lat, COLD);
	setenv("SLUICE_SPAWNER", "0", 1);
	cold_starts(loop, "cold_start_exec", lat, COLD);
	unsetenv("SLUICE_SPAWNER");

	/* A burst of cold starts: BURST invocations at once, each needing a
	 * new worker. submit is the time the caller (the loop) spends in
	 * sl_host_invoke for all of them; total, until the last result. */
	h = host_new(loop, BURST);
	{
		static struct one b[BURST];
		struct sl_invoke_request req;
		uint64_t sub = 0, t1;
		int left = BURST;

		memset(b, 0, sizeof(b));
		memset(&req, 0, sizeof(req));
		req.function = "id_function";
		req.payload = "{}";
		req.payload_len = 2;
		t0 = sl_loop_now_us();
		for (i = 0; i < BURST; i++) {
			t1 = sl_loop_now_us();
			(void)sl_host_invoke(h, &req, done_cb, &b[i]);
			sub += sl_loop_now_us() - t1;
		}
		while (left > 0) {
			(void)sl_loop_run_once(loop, 100000);
			for (left = 0, i = 0; i < BURST; i++)
				left += !b[i].done;
		}
		t1 = sl_loop_now_us() - t0;
		for (i = 0; i < BURST; i++)
			if (!b[i].ok) {
				fprintf(stderr, "bench/host: burst failed\n");
				return 1;
			}
		bench_report("cold_burst16_submit", (double)sub, "us", NULL);
		bench_report("cold_burst16_total", (double)t1, "us", NULL);
	}
	sl_host_free(h);

	h = host_new(loop, 4);
	(void)invoke_wait(loop, h, "id_function", payload, &o);
	for (i = 0; i < WARM; i++) {
		lat[i] = invoke_wait(loop, h, "id_function", payload, &o);
		if (!o.ok || o.cold) {
			fprintf(stderr, "bench/host: warm invoke failed\n");
			return 1;
		}
	}
	emit_pct("warm_invoke_1kb", lat, WARM);

	t0 = sl_loop_now_us();
	for (i = 0; i < TPUT; i++)
		(void)invoke_wait(loop, h, "id_function", payload, &o);
	bench_report("sequential_per_s",
	    TPUT * 1e6 / (double)(sl_loop_now_us() - t0), "invocations/s",
	    NULL);

	/* Two in flight at a time: two workers on two cores. */
	memset(par, 0, sizeof(par));
	(void)invoke_wait(loop, h, "echo_function", "{}", &o);
	done = sent = 0;
	t0 = sl_loop_now_us();
	for (i = 0; i < 2; i++) {
		struct sl_invoke_request req;

		memset(&req, 0, sizeof(req));
		req.function = "id_function";
		req.payload = payload;
		req.payload_len = strlen(payload);
		(void)sl_host_invoke(h, &req, done_cb, &par[i]);
		sent++;
	}
	while (done < TPUT) {
		(void)sl_loop_run_once(loop, 100000);
		for (i = 0; i < 2; i++) {
			struct sl_invoke_request req;

			if (!par[i].done)
				continue;
			done++;
			if (sent >= TPUT) {
				par[i].done = 0;
				continue;
			}
			memset(&req, 0, sizeof(req));
			memset(&par[i], 0, sizeof(par[i]));
			req.function = "id_function";
			req.payload = payload;
			req.payload_len = strlen(payload);
			(void)sl_host_invoke(h, &req, done_cb, &par[i]);
			sent++;
		}
	}
	bench_report("two_workers_per_s",
	    TPUT * 1e6 / (double)(sl_loop_now_us() - t0), "invocations/s",
	    NULL);

	/* RSS of the warm trivial workers. */
	{
		char path[64], buf[1024];
		FILE *f;
		long max = 0, kb;
		char *p, *save = NULL;

		snprintf(path, sizeof(path), "/proc/self/task/%ld/children",
		    (long)getpid());
		f = fopen(path, "r");
		n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		if (f)
			fclose(f);
		buf[n] = '\0';
		for (p = strtok_r(buf, " \n", &save); p != NULL;
		     p = strtok_r(NULL, " \n", &save))
			if ((kb = wsb_rss_kb((pid_t)strtol(p, NULL, 10))) > max)
				max = kb;
		bench_report("worker_rss", (double)max, "KB", NULL);
	}
	sl_host_free(h);
	sl_loop_free(loop);
	return 0;
}
