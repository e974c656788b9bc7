/* Benchmark of sluiced over loopback, driven by the shared C client
 * (tests/bench/lib): the transport's and Invoke's round trip (p50/p99, one
 * connection, one request at a time), invocations per second with 64
 * connections, StartExecution to completion of a 3-Task definition with 64
 * connections, and the daemon's RSS with 1,000 idle connections. Starts
 * its own sluiced ($SLUICE_BUILD/sluiced) on a free port with the fixture
 * functions. JSON lines on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "tests/bench/lib/report.h"
#include "tests/bench/lib/wsbench.h"
#include "tests/tree_util.h"

#define SM_NAME "benchthree"
#define SM_ARN "arn:aws:states:us-east-1:000000000000:stateMachine:" SM_NAME
#define LAMBDA "arn:aws:lambda:us-east-1:000000000000:function:id_function"

/* The requests, each with its sequence number as its id. */
static void
invoke_request(void *arg, uint64_t seq, char *buf, size_t size)
{
	(void)arg;
	snprintf(buf, size, "{\"id\":%llu,\"action\":\"Invoke\","
	    "\"FunctionName\":\"id_function\",\"Payload\":{\"bench\":1}}",
	    (unsigned long long)seq);
}

static void
ping_request(void *arg, uint64_t seq, char *buf, size_t size)
{
	(void)arg;
	snprintf(buf, size, "{\"id\":%llu,\"action\":\"GetFunction\","
	    "\"FunctionName\":\"id_function\"}", (unsigned long long)seq);
}

static void
start_request(void *arg, uint64_t seq, char *buf, size_t size)
{
	(void)arg;
	snprintf(buf, size, "{\"id\":%llu,\"action\":\"StartExecution\","
	    "\"stateMachineArn\":\"" SM_ARN "\",\"input\":\"{}\","
	    "\"wait\":true}", (unsigned long long)seq);
}

/* n sequential round trips of req on one connection: p50 and p99 in us. */
static void
round_trips(wsb_request_fn *req, uint64_t n, const char *metric,
    const char *what)
{
	struct wsb_result r;
	char name[64], note[128];

	wsb_load(req, NULL, 1, n, 0, &r);
	if (r.errors > 0)
		wsb_die("round trips failed");
	snprintf(note, sizeof(note), "%s, 1 connection, %llu sequential "
	    "round trips", what, (unsigned long long)r.done);
	snprintf(name, sizeof(name), "%s_p50", metric);
	bench_report(name, wsb_latency_ms(50) * 1000.0, "us", note);
	snprintf(name, sizeof(name), "%s_p99", metric);
	bench_report(name, wsb_latency_ms(99) * 1000.0, "us", note);
}

/* A closed loop of req on every connection, one in flight each, for secs
 * seconds: replies per second. */
static double
closed_loop(wsb_request_fn *req, double secs, uint64_t *errors)
{
	struct wsb_result r;

	wsb_load(req, NULL, 1, UINT64_MAX, secs, &r);
	*errors = r.errors;
	return (double)r.done / r.seconds;
}

int
main(void)
{
	const char *build = getenv("SLUICE_BUILD");
	char dir[] = "/tmp/sluice-bench-server.XXXXXX";
	char *fx, *data, *log, note[128];
	const char *create = "{\"id\":0,\"action\":\"CreateStateMachine\","
	    "\"name\":\"" SM_NAME "\",\"definition\":\"{\\\"StartAt\\\":"
	    "\\\"A\\\",\\\"States\\\":{\\\"A\\\":{\\\"Type\\\":\\\"Task\\\","
	    "\\\"Resource\\\":\\\"" LAMBDA "\\\",\\\"Next\\\":\\\"B\\\"},"
	    "\\\"B\\\":{\\\"Type\\\":\\\"Task\\\",\\\"Resource\\\":\\\""
	    LAMBDA "\\\",\\\"Next\\\":\\\"C\\\"},\\\"C\\\":{\\\"Type\\\":"
	    "\\\"Task\\\",\\\"Resource\\\":\\\"" LAMBDA "\\\",\\\"End\\\":"
	    "true}}}\"}";
	struct wsb_result r;
	uint64_t errors;
	long rss0, rss1;
	double rate;

	bench_report_as("server", 1);
	wsb_set_name("server");
	if (build == NULL || mkdtemp(dir) == NULL)
		wsb_die("SLUICE_BUILD unset or no tmp");
	fx = xasprintf("%s/tests/fixtures", build);
	data = xasprintf("%s/var", dir);
	log = xasprintf("%s/sluiced.log", dir);
	wsb_daemon_start(build, fx, data, log);

	/* Round trip: one request at a time on one connection; first the
	 * transport alone (an action that needs no function), then Invoke,
	 * after 500 to warm the worker up. */
	wsb_client_open(1);
	wsb_load(invoke_request, NULL, 1, 500, 0, &r);
	if (r.errors > 0)
		wsb_die("Invoke failed");
	round_trips(ping_request, 20000, "transport_rtt",
	    "GetFunction (no worker)");
	round_trips(invoke_request, 20000, "invoke_rtt",
	    "Invoke id_function");
	wsb_client_close();

	/* Throughput: 64 connections, one request in flight each. */
	wsb_client_open(64);
	rate = closed_loop(invoke_request, 3.0, &errors);
	snprintf(note, sizeof(note), "Invoke id_function, 64 connections, "
	    "3 s, %llu errors", (unsigned long long)errors);
	bench_report("invoke_throughput", rate, "invocations/s", note);

	/* Workflows: StartExecution (wait) of a 3-Task machine. */
	wsb_call(create);
	rate = closed_loop(start_request, 5.0, &errors);
	snprintf(note, sizeof(note), "StartExecution to completion, 3 Tasks, "
	    "64 connections, 5 s, durable store, %llu errors",
	    (unsigned long long)errors);
	bench_report("sfn_3task_throughput", rate, "executions/s", note);

	/* Memory with 1,000 idle connections. */
	rss0 = wsb_rss_kb(wsb_daemon_pid());
	wsb_client_close();
	wsb_client_open(1000);
	rss1 = wsb_rss_kb(wsb_daemon_pid());
	snprintf(note, sizeof(note), "%ld KiB with 64 connections before",
	    rss0);
	bench_report("rss_1000_idle", (double)rss1 / 1024.0, "MiB", note);
	wsb_client_close();

	wsb_daemon_stop();
	tu_rm_rf(dir);
	free(fx);
	free(data);
	free(log);
	return 0;
}
