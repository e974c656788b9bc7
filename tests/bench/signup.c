/* Benchmark of the signup pipeline end to end through sluiced's WebSocket
 * API on the embedded defaults (SQLite, Maildir; the daemon's store with
 * synchronous=FULL): signups/s with 64 in flight, their latency, the
 * latency of one signup at a time (p50/p99), and the CPU time per signup
 * of the daemon and of its workers. The client is C (tests/bench/lib), so
 * the load generator costs little of the 2 cores. Starts its own sluiced
 * ($SLUICE_BUILD, functions from $SLUICE_BUILD/functions, the definition
 * from functions/signup.asl.json under the current directory). JSON lines.
 * The burst runs BURSTS times: signups_per_s is the median burst's rate
 * (all three are in its note) and the burst latencies are that burst's,
 * so that one hiccup of the machine does not make the result; the CPU
 * figures cover all the bursts.
 * Knobs: SIGNUP_BENCH_N (per burst, default 3000), SIGNUP_BENCH_INFLIGHT
 * (64, a multiple of the 4 connections), SIGNUP_BENCH_DATA (the data
 * directory, default $SLUICE_BUILD/bench-data/signup; its file system is
 * the Maildir's and the stores'; e.g. /dev/shm/x for tmpfs).
 *
 * The data directory is kept from run to run, as a deployment keeps its
 * own: users and executions accumulate, each run's names and addresses
 * carry a run id, and its mail is moved from new/ to cur/ at the end, as
 * a reader would (`make clean` removes it all). Deleting it after each
 * run would make the next run pay for it: on ext4 without a journal (this
 * VM's root file system) the inode allocator skips inodes deleted in the
 * last one to five minutes, reading each, so a file created in a
 * directory near thousands of fresh deletions costs ~0.5 ms of kernel CPU
 * instead of ~20 us. The bench reports that cost (file_create_us,
 * measured in the data directory before the burst) beside its results,
 * so a slow file system shows, and what one durable write costs the disk
 * right then (fsync_us). */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fs.h"
#include "common/json.h"
#include "common/loop.h"
#include "common/buf.h"
#include "common/xmalloc.h"
#include "tests/bench/lib/report.h"
#include "tests/bench/lib/wsbench.h"

#define SM_SIGNUP "arn:aws:states:us-east-1:000000000000:stateMachine:signup"
#define NCONN 4
#define BURSTS 3

/* Microseconds to create (open O_CREAT|O_EXCL, write 1 KiB, close) one
 * file in a new directory beside the data directory's: what a Maildir
 * delivery costs the file system now. The files stay (deleting them
 * would slow the next creations, see above). */
static double
file_create_us(const char *root, const char *run)
{
	enum { NFILES = 200 };
	char *dir = xasprintf("%s/probe/%s", root, run), path[4096];
	char block[1024];
	uint64_t t0, t1;
	int i, fd;

	memset(block, 'x', sizeof(block));
	if (sl_mkdirs(dir, 0755, NULL) < 0)
		wsb_die("mkdir");
	t0 = sl_loop_now_us();
	for (i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/%d", dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || write(fd, block, sizeof(block)) !=
		    (ssize_t)sizeof(block))
			wsb_die("probe file");
		close(fd);
	}
	t1 = sl_loop_now_us();
	free(dir);
	return (double)(t1 - t0) / NFILES;
}

/* Microseconds to overwrite 4 KiB of a file and fdatasync it, in the
 * data directory's file system: what one durable commit costs the disk
 * now. Every signup waits for several; this VM's disk answers in 100 us
 * one hour and far slower the next, and the result moves with it. */
static double
fsync_us(const char *root, const char *run)
{
	enum { NSYNCS = 200 };
	char *path = xasprintf("%s/probe/%s-fsync", root, run);
	char block[4096];
	uint64_t t0, t1;
	int i, fd;

	memset(block, 'f', sizeof(block));
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		wsb_die("fsync probe");
	t0 = sl_loop_now_us();
	for (i = 0; i < NSYNCS; i++)
		if (pwrite(fd, block, sizeof(block),
		    (off_t)(i % 16) * (off_t)sizeof(block)) !=
		    (ssize_t)sizeof(block) || fdatasync(fd) < 0)
			wsb_die("fsync probe");
	t1 = sl_loop_now_us();
	close(fd);
	unlink(path);
	free(path);
	return (double)(t1 - t0) / NSYNCS;
}

/* Milliseconds for a fixed piece of CPU work on one core, much like the
 * daemon's own (parsing and printing a state's JSON, 20,000 times): the
 * fastest of five fifths, so that being switched out does not count. This
 * tells a slow CPU from other slowness (this VM's results vary from hour
 * to hour). */
static double
cpu_probe_ms(void)
{
	enum { ROUNDS = 4000, TRIES = 5 };
	static const char text[] =
	    "{\"email\":\"ada@example.org\",\"name\":\"Ada Lovelace\","
	    "\"user\":{\"userId\":\"01a21ab0-cbdc-76b0-bbe4-2921a589d654\","
	    "\"email\":\"ada@example.org\",\"verificationToken\":"
	    "\"f495f67ecb186a6e682a33a74d489901ce8bf712af598501cd63bb1ae6fb6"
	    "b0f\",\"createdAt\":\"2026-11-27T01:48:43.868Z\"},\"mail\":{"
	    "\"messageId\":\"1795745051.c12052e85bc55038@sluice.localhost\","
	    "\"transport\":\"maildir\"},\"tags\":[1,2.5,true,null]}";
	uint64_t best = UINT64_MAX;
	int i, t;

	for (t = 0; t < TRIES; t++) {
		uint64_t t0 = sl_loop_now_us(), dt;

		for (i = 0; i < ROUNDS; i++) {
			cJSON *o = cJSON_Parse(text);
			char *s = o != NULL ? sl_json_print(o) : NULL;

			if (s == NULL || strlen(s) < sizeof(text) / 2)
				wsb_die("cpu probe");
			free(s);
			cJSON_Delete(o);
		}
		dt = sl_loop_now_us() - t0;
		if (dt < best)
			best = dt;
	}
	return (double)best * TRIES / 1000.0;
}

/* Which of the BURSTS bursts had the median rate. */
static int
median_burst(const double *rates)
{
	double sorted[BURSTS];
	int b = 0;

	memcpy(sorted, rates, sizeof(sorted));
	qsort(sorted, BURSTS, sizeof(sorted[0]), wsb_cmp_double);
	while (rates[b] != sorted[BURSTS / 2])
		b++;
	return b;
}

/* As a mail reader does: move what arrived in DATA/mail/new to
 * DATA/mail/cur (renames, nothing deleted), so that every run delivers
 * into a new/ as small as the first. */
static void
read_mail(const char *data)
{
	char *newdir = xasprintf("%s/mail/new", data);
	char *curdir = xasprintf("%s/mail/cur", data);
	DIR *d = opendir(newdir);
	struct dirent *e;
	int nfd, cfd;

	nfd = open(newdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cfd = open(curdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	while (d != NULL && nfd >= 0 && cfd >= 0 &&
	    (e = readdir(d)) != NULL) {
		char name[512];

		if (e->d_name[0] == '.')
			continue;
		snprintf(name, sizeof(name), "%s:2,S", e->d_name);
		(void)renameat(nfd, e->d_name, cfd, name);
	}
	if (d != NULL)
		closedir(d);
	if (nfd >= 0)
		close(nfd);
	if (cfd >= 0)
		close(cfd);
	free(newdir);
	free(curdir);
}

/* One StartExecution ("wait") of the signup machine; arg is the prefix
 * that keeps names and addresses unique across the runs. */
static void
signup_request(void *arg, uint64_t seq, char *buf, size_t size)
{
	const char *prefix = arg;

	snprintf(buf, size, "{\"id\":%" PRIu64 ",\"action\":"
	    "\"StartExecution\",\"stateMachineArn\":\"" SM_SIGNUP "\","
	    "\"name\":\"%s-%" PRIu64 "\",\"wait\":true,\"input\":"
	    "\"{\\\"email\\\":\\\"%s-%" PRIu64 "@example.org\\\","
	    "\\\"name\\\":\\\"Load %" PRIu64 "\\\"}\"}",
	    seq, prefix, seq, prefix, seq, seq);
}

static void
create_machine(const char *def_path)
{
	char *def = sl_read_file(def_path), *q, *req;
	cJSON *s;

	if (def == NULL)
		wsb_die("cannot read functions/signup.asl.json (run from the "
		    "top directory)");
	s = cJSON_CreateString(def);
	q = cJSON_PrintUnformatted(s);
	req = xasprintf("{\"id\":0,\"action\":\"CreateStateMachine\","
	    "\"name\":\"signup\",\"definition\":%s,\"roleArn\":"
	    "\"arn:aws:iam::000000000000:role/bench\"}", q);
	wsb_call(req);
	free(req);
	cJSON_free(q);
	cJSON_Delete(s);
	free(def);
}

/* Over the pipeline's three functions: invocations so far, and of those
 * how many were sent ahead to a busy worker. */
static void
fn_counts(double *runs, double *ahead)
{
	static const char *const fns[] = {
	    "db_insert", "send_email", "notify_admin"};
	char req[160];
	size_t i;

	*runs = *ahead = 0;
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		char *text;
		cJSON *o;
		const cJSON *st;

		snprintf(req, sizeof(req),
		    "{\"id\":0,\"action\":\"GetFunction\","
		    "\"FunctionName\":\"%s\"}", fns[i]);
		text = wsb_call_result(req);
		o = cJSON_Parse(text);
		st = cJSON_GetObjectItemCaseSensitive(o, "Stats");
		if (!cJSON_IsObject(st))
			wsb_die("GetFunction has no Stats");
		*runs += cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(st, "Invocations"));
		*ahead += cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(st, "SentAhead"));
		cJSON_Delete(o);
		free(text);
	}
}

int
main(void)
{
	const char *build = getenv("SLUICE_BUILD");
	const char *en = getenv("SIGNUP_BENCH_N");
	const char *ek = getenv("SIGNUP_BENCH_INFLIGHT");
	const char *edata = getenv("SIGNUP_BENCH_DATA");
	const char *loop_cpu = getenv("SLUICE_LOOP_CPU");
	char name[48];
	char *root, *data, *log, *fns, note[256], run[32], prefix[48];
	uint64_t n = en ? strtoull(en, NULL, 10) : 3000, got;
	int inflight = ek ? atoi(ek) : 64;
	double d0, d1, w0, w1, b0, b1, create_us, sync_us, cpu_ms, total;
	double rates[BURSTS], p50s[BURSTS], p99s[BURSTS];
	double runs0, runs1, ahead0, ahead1, m0, m1;
	struct wsb_result r;
	struct sl_buf nb;
	int b, med;

	/* sluiced takes SLUICE_LOOP_CPU from the environment: a run with the
	 * loop pinned reports under its own name. */
	if (loop_cpu != NULL && *loop_cpu != '\0' &&
	    strcmp(loop_cpu, "none") != 0)
		snprintf(name, sizeof(name), "signup_loop_cpu_%.16s", loop_cpu);
	else
		snprintf(name, sizeof(name), "signup");
	bench_report_as(name, 2);
	wsb_set_name("signup");
	if (build == NULL)
		wsb_die("SLUICE_BUILD unset");
	if (n == 0 || inflight < NCONN)
		wsb_die("SIGNUP_BENCH_N must be > 0, SIGNUP_BENCH_INFLIGHT "
		    ">= 4");
	root = edata != NULL && *edata != '\0' ? xstrdup(edata) :
	    xasprintf("%s/bench-data/signup", build);
	snprintf(run, sizeof(run), "r%lx%x", (unsigned long)time(NULL),
	    (unsigned)getpid());
	signal(SIGPIPE, SIG_IGN);
	data = xasprintf("%s/data", root);
	log = xasprintf("%s/sluiced.log", root);
	fns = xasprintf("%s/functions", build);
	/* 0755: the workers run as another user and must reach the data. */
	if (sl_mkdirs(data, 0755, NULL) < 0)
		wsb_die("mkdir");
	/* Earlier benchmarks leave dirty pages (hundreds of MB): written
	 * back during the burst they would compete with its fsyncs. */
	sync();
	create_us = file_create_us(root, run);
	sync_us = fsync_us(root, run);
	cpu_ms = cpu_probe_ms();
	wsb_daemon_start(build, fns, data, log);
	wsb_client_open(NCONN);
	wsb_call("{\"id\":0,\"action\":\"Subscribe\",\"topic\":\"admin\"}");
	create_machine("functions/signup.asl.json");

	/* Warm the workers and the caches first, at the burst's concurrency,
	 * so that the pools have grown to their size for it. */
	snprintf(prefix, sizeof(prefix), "%s-warm", run);
	wsb_load(signup_request, prefix, inflight / NCONN, 1000, 0, &r);
	if (r.errors > 0)
		wsb_die("signups failed while warming up");
	wsb_wait_notifications(1000, 30);

	/* The workers: the live ones, and those that ended (reaped, so
	 * counted in the daemon's children's time). */
	fn_counts(&runs0, &ahead0);
	m0 = wsb_machine_busy_s();
	b0 = wsb_written_bytes(wsb_daemon_pid());
	d0 = wsb_cpu_s(wsb_daemon_pid(), 0);
	w0 = wsb_children_cpu_s() + wsb_cpu_s(wsb_daemon_pid(), 1) - d0;
	for (b = 0; b < BURSTS; b++) {
		snprintf(prefix, sizeof(prefix), "%s-burst%d", run, b);
		wsb_load(signup_request, prefix, inflight / NCONN, n, 0, &r);
		rates[b] = (double)r.done / r.seconds;
		p50s[b] = wsb_latency_ms(50);
		p99s[b] = wsb_latency_ms(99);
		got = wsb_wait_notifications(n, 30);
		if (r.errors > 0 || got != n)
			wsb_die("signups failed, or admin notifications are "
			    "missing");
	}
	d1 = wsb_cpu_s(wsb_daemon_pid(), 0);
	m1 = wsb_machine_busy_s();
	b1 = wsb_written_bytes(wsb_daemon_pid());
	w1 = wsb_children_cpu_s() + wsb_cpu_s(wsb_daemon_pid(), 1) - d1;
	fn_counts(&runs1, &ahead1);
	med = median_burst(rates);
	sl_buf_init(&nb);
	for (b = 0; b < BURSTS; b++)
		sl_buf_addf(&nb, "%s%.0f", b ? ", " : "", rates[b]);
	snprintf(note, sizeof(note), "StartExecution (wait) to SUCCEEDED, "
	    "the median of %d bursts (%s/s) of %" PRIu64 " signups, %d in "
	    "flight over %d connections, all admin notifications received",
	    BURSTS, nb.data, n, inflight, NCONN);
	sl_buf_release(&nb);
	bench_report("signups_per_s", rates[med], "1/s", note);
	bench_report("file_create_us", create_us, "us", "creating a 1 KiB file "
	    "in the data directory's file system before the burst");
	bench_report("fsync_us", sync_us, "us",
	    "writing 4 KiB and fdatasync in "
	    "the data directory's file system before the burst");
	bench_report("cpu_probe_ms", cpu_ms, "ms",
	    "parsing and printing a 0.5 KB JSON text 20,000 times on one "
	    "core before the burst: more when the VM's CPU is slower");
	snprintf(note, sizeof(note), "%d in flight, the median burst",
	    inflight);
	bench_report("latency_p50_burst", p50s[med], "ms", note);
	bench_report("latency_p99_burst", p99s[med], "ms", note);
	total = (double)n * BURSTS;
	bench_report("daemon_cpu_per_signup", (d1 - d0) * 1e6 / total, "us",
	    "sluiced's own CPU time per signup of the bursts");
	bench_report("daemon_written_kb_per_signup",
	    (b1 - b0) / 1024.0 / total, "KiB",
	    "sluiced's write(2) bytes per signup: its "
	    "store's WAL, and its sockets");
	bench_report("workers_cpu_per_signup", (w1 - w0) * 1e6 / total, "us",
	    "its workers' CPU time per signup of the bursts");
	bench_report("machine_cpu_per_signup", (m1 - m0) * 1e6 / total, "us",
	    "all cores' busy time per signup of the bursts: the daemon, its "
	    "workers, the client, the kernel's own threads and interrupts");
	bench_report("sent_ahead_pct",
	    runs1 > runs0 ? 100.0 * (ahead1 - ahead0) / (runs1 - runs0) : 0,
	    "%",
	    "of the bursts' function runs, those "
	    "sent to a worker still busy with the run before");
	wsb_client_close();

	wsb_client_open(1);
	snprintf(prefix, sizeof(prefix), "%s-one", run);
	wsb_load(signup_request, prefix, 1, 300, 0, &r);
	if (r.errors > 0)
		wsb_die("single signups failed");
	bench_report("latency_p50_single", wsb_latency_ms(50), "ms",
	    "one signup at a time");
	bench_report("latency_p99_single", wsb_latency_ms(99), "ms",
	    "one signup at a time");
	wsb_client_close();
	wsb_daemon_stop();
	read_mail(data);
	fprintf(stderr, "bench signup: data kept in %s (make clean removes "
	    "it)\n", root);
	free(data);
	free(log);
	free(fns);
	free(root);
	return 0;
}
