/* Helpers shared by the function host's Check suites: build paths, a
 * loop + host per test, synchronous waits with bounds, and counters of
 * open fds and child processes. Everything here runs inside the test's own
 * (forked) process. */
#ifndef TESTS_HOST_UTIL_H
#define TESTS_HOST_UTIL_H

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/loop.h"
#include "common/xmalloc.h"
#include "runtime/host.h"

#define HU_UNUSED __attribute__((unused))

struct hu_result {
	int done;
	int status;
	char *payload;
	char *function_error;
	char *error_type;
	char *error_message;
	char *log_tail;
	char rid[64];
	int cold;
	uint64_t duration_us;
};

static HU_UNUSED char *
hu_build(const char *sub)
{
	const char *b = getenv("SLUICE_BUILD");

	ck_assert_msg(b != NULL, "SLUICE_BUILD is not set");
	return xasprintf("%s/%s", b, sub);
}

static HU_UNUSED char *
hu_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static HU_UNUSED void
hu_result_release(struct hu_result *r)
{
	free(r->payload);
	free(r->function_error);
	free(r->error_type);
	free(r->error_message);
	free(r->log_tail);
	memset(r, 0, sizeof(*r));
}

static HU_UNUSED void
hu_cb(void *arg, const struct sl_invoke_result *res)
{
	struct hu_result *r = arg;

	ck_assert_msg(!r->done, "callback called twice");
	r->done = 1;
	r->status = res->status;
	r->payload =
	    xstrndup(res->payload ? res->payload : "", res->payload_len);
	r->function_error = hu_dup(res->function_error);
	r->error_type = hu_dup(res->error_type);
	r->error_message = hu_dup(res->error_message);
	r->log_tail = hu_dup(res->log_tail);
	snprintf(r->rid, sizeof(r->rid), "%s",
	    res->request_id ? res->request_id : "");
	r->cold = res->cold_start;
	r->duration_us = res->duration_us;
}

/* Run the loop until *flag is set or ms pass; returns *flag. */
static HU_UNUSED int
hu_run_until(struct sl_loop *loop, const int *flag, unsigned ms)
{
	uint64_t end = sl_loop_now_us() + (uint64_t)ms * 1000u;

	while (!*flag && sl_loop_now_us() < end)
		(void)sl_loop_run_once(loop, 20000);
	return *flag;
}

/* Invoke synchronously (RequestResponse unless type says otherwise). */
static HU_UNUSED void
hu_invoke(struct sl_loop *loop, struct sl_host *h, const char *fn,
    const char *payload, enum sl_invoke_type type, struct hu_result *r)
{
	struct sl_invoke_request req;

	memset(&req, 0, sizeof(req));
	memset(r, 0, sizeof(*r));
	req.function = fn;
	req.payload = payload;
	req.payload_len = payload ? strlen(payload) : 0;
	req.type = type;
	req.want_log_tail = 1;
	(void)sl_host_invoke(h, &req, hu_cb, r);
	ck_assert_msg(!r->done, "callback ran inside sl_host_invoke");
	ck_assert_msg(hu_run_until(loop, &r->done, 20000),
	    "invocation of %s did not complete in 20 s", fn);
}

static HU_UNUSED int
hu_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	ck_assert(d != NULL);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

#define HU_MAX_CHILDREN 512

/* The pids of this process's children, zombies included, into pids (at
 * most HU_MAX_CHILDREN); returns how many. */
static HU_UNUSED int
hu_children(long *pids)
{
	char path[64], *list, *p, *save = NULL;
	int count = 0;

	snprintf(
	    path, sizeof(path), "/proc/self/task/%ld/children", (long)getpid());
	list = sl_read_file(path);
	ck_assert_msg(list != NULL, "cannot read %s", path);
	for (p = strtok_r(list, " \n", &save);
	     p != NULL && count < HU_MAX_CHILDREN;
	     p = strtok_r(NULL, " \n", &save))
		pids[count++] = strtol(p, NULL, 10);
	free(list);
	return count;
}

/* The name (comm) of process pid into name (size bytes); "" when gone. */
static HU_UNUSED void
hu_comm(long pid, char *name, size_t size)
{
	char path[64], *comm;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	comm = sl_read_file(path);
	snprintf(name, size, "%s", comm != NULL ? comm : "");
	name[strcspn(name, "\n")] = '\0';
	free(comm);
}

/* Children of this process, zombies included, but the host's spawner,
 * which lives as long as the host. */
static HU_UNUSED int
hu_count_children(void)
{
	long pids[HU_MAX_CHILDREN];
	char comm[64];
	int i, n = hu_children(pids), count = 0;

	for (i = 0; i < n; i++) {
		hu_comm(pids[i], comm, sizeof(comm));
		if (strcmp(comm, "sluice-spawner") != 0)
			count++;
	}
	return count;
}

/* The pid of this process's child named comm, or 0. */
static HU_UNUSED long
hu_child_named(const char *comm)
{
	long pids[HU_MAX_CHILDREN];
	char name[64];
	int i, n = hu_children(pids);

	for (i = 0; i < n; i++) {
		hu_comm(pids[i], name, sizeof(name));
		if (strcmp(name, comm) == 0)
			return pids[i];
	}
	return 0;
}

/* Run the loop until the number of children is want (bounded). */
static HU_UNUSED int
hu_wait_children(struct sl_loop *loop, int want, unsigned ms)
{
	uint64_t end = sl_loop_now_us() + (uint64_t)ms * 1000u;

	while (hu_count_children() != want && sl_loop_now_us() < end)
		(void)sl_loop_run_once(loop, 10000);
	return hu_count_children();
}

static HU_UNUSED void
hu_config(struct sl_host_config *cfg, const char *dir)
{
	static char *worker, *data;

	memset(cfg, 0, sizeof(*cfg));
	if (worker == NULL) {
		worker = hu_build("sluice-worker");
		data = hu_build("tests/data");
	}
	cfg->data_dir = data;
	cfg->functions_dir = dir;
	cfg->worker_path = worker;
	cfg->idle_ms = 60000;
}

#endif
