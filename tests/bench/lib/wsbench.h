/* What the benchmarks that drive sluiced over its WebSocket API share: a
 * daemon of their own (started and stopped), and a C load generator (many
 * requests in flight over a few connections, per-request latency), so that
 * what is measured is sluiced and not the client. */
#ifndef SL_WSBENCH_H
#define SL_WSBENCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define WSB_MAX_CONN 1024

/* Print "bench NAME: what" to stderr, kill the daemon (if any), exit 1. */
void wsb_die(const char *what);
/* The NAME in wsb_die's messages (borrowed; default "wsbench"). */
void wsb_set_name(const char *name);

/* Start BUILD/sluiced on a free port with --data data --functions
 * functions, its log (stderr) in log; returns the microseconds from exec to
 * its "listening" line. Dies when it does not start within 120 s. */
uint64_t wsb_daemon_start(const char *build, const char *functions,
    const char *data, const char *log);
/* SIGTERM the daemon and wait; dies unless it exits with status 0. */
void wsb_daemon_stop(void);
pid_t wsb_daemon_pid(void);
/* CPU seconds of the daemon's live child processes (its workers). */
double wsb_children_cpu_s(void);
/* CPU seconds (user + system) pid has used; with children, also those of
 * its children it has waited for. 0 when unknown. */
double wsb_cpu_s(pid_t pid, int children);
/* CPU seconds all the machine's cores have been busy (user, system,
 * interrupts, stolen), from /proc/stat. */
double wsb_machine_busy_s(void);
/* Resident set size of pid (0: this process) in KiB, from
 * /proc/PID/status; -1 when it cannot be read. */
long wsb_rss_kb(pid_t pid);
/* Bytes a process has written with write(2) and the like, from
 * /proc/PID/io ("wchar"); 0 when it cannot be read. */
double wsb_written_bytes(pid_t pid);

/* Connect nconn (1..WSB_MAX_CONN) WebSocket connections to the daemon. */
void wsb_client_open(int nconn);
void wsb_client_close(void);
/* Send text (a request with "id":0) on the first connection and wait for
 * its reply; dies when the reply is an error. */
void wsb_call(const char *text);
/* The same, returning the reply's "result" as JSON text (the caller frees
 * it). */
char *wsb_call_result(const char *text);

/* Writes request number seq (its "id" must be seq) into buf (size bytes,
 * NUL-terminated). */
typedef void wsb_request_fn(void *arg, uint64_t seq, char *buf, size_t size);

struct wsb_result {
	uint64_t done;          /* replies */
	uint64_t errors;        /* "error" replies, or a status not SUCCEEDED */
	uint64_t notifications; /* "Notification" events received */
	double seconds;
};

/* Send requests made by req over every connection, window in flight on
 * each, until limit were answered or (secs > 0) secs passed (then the
 * ones in flight finish). Dies when a connection fails or replies are
 * missing. */
void wsb_load(wsb_request_fn *req, void *arg, int window, uint64_t limit,
    double secs, struct wsb_result *out);
/* After wsb_load: the p-th percentile (0..100) of its request latencies,
 * in milliseconds (0 when none). */
double wsb_latency_ms(double p);
/* qsort comparator for doubles, ascending. */
int wsb_cmp_double(const void *a, const void *b);
/* Wait (at most secs) until the notifications counted since the last
 * wsb_load started reach n; returns the count. */
uint64_t wsb_wait_notifications(uint64_t n, double secs);

#endif
