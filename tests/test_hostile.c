/* Check suite "hostile": each handler in tests/hostile/ attacks the host
 * or the sandbox. For each: the documented outcome, the host still serves
 * (a good function's next invocation succeeds), and no fd or child process
 * is left behind. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "host_util.h"
#include "runtime/sandbox.h"

struct ctx {
	const char *tmpdir; /* world-writable scratch folder */
	int port;           /* a listening TCP port on 127.0.0.1 */
	int listen_fd;
};

typedef void check_fn(const struct hu_result *r, const struct ctx *c);

struct hostile {
	const char *name;
	const char *error_type;  /* expected errorType, or NULL: a result */
	const char *message_has; /* part of the error message */
	check_fn *check;         /* further checks on a result */
	int stays_warm;          /* the worker survives */
};

static cJSON *
result_obj(const struct hu_result *r)
{
	cJSON *o;

	ck_assert_msg(r->status == 200 && r->function_error == NULL,
	    "expected a result, got %d %s", r->status, r->payload);
	o = cJSON_Parse(r->payload);
	ck_assert(o != NULL);
	return o;
}

static int
field(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	ck_assert_msg(cJSON_IsNumber(v), "no %s", k);
	return v->valueint;
}

static void
expect_no_fork(const struct hu_result *r, const struct ctx *c)
{
	cJSON *o = result_obj(r);

	(void)c;
	ck_assert_int_eq(field(o, "started"), 0);
	ck_assert_int_eq(field(o, "errno"), EPERM);
	cJSON_Delete(o);
}

static void
expect_no_exec(const struct hu_result *r, const struct ctx *c)
{
	cJSON *o = result_obj(r);

	(void)c;
	ck_assert_int_eq(field(o, "errno"), EPERM);
	ck_assert_int_ne(access("/tmp/sluice-pwned", F_OK), 0);
	cJSON_Delete(o);
}

static void
expect_no_files(const struct hu_result *r, const struct ctx *c)
{
	cJSON *o = result_obj(r);
	char *target = xasprintf("%s/outside", c->tmpdir);

	ck_assert_int_ne(field(o, "shadow"), 0);
	ck_assert_int_ne(field(o, "passwd_write"), 0);
	/* The target folder is world-writable: only the sandbox stops it. */
	ck_assert_int_ne(field(o, "write"), 0);
	ck_assert_int_ne(field(o, "own_dir_write"), 0);
	ck_assert_msg(access(target, F_OK) != 0, "%s was created", target);
	free(target);
	cJSON_Delete(o);
}

static void
expect_no_connect(const struct hu_result *r, const struct ctx *c)
{
	cJSON *o = result_obj(r);
	int fd;

	ck_assert_int_ne(field(o, "errno"), 0);
	fd = accept(c->listen_fd, NULL, NULL);
	ck_assert_msg(fd < 0 && errno == EAGAIN, "a connection arrived");
	cJSON_Delete(o);
}

static void
expect_no_ptrace(const struct hu_result *r, const struct ctx *c)
{
	cJSON *o = result_obj(r);

	(void)c;
	ck_assert_int_ne(field(o, "ptrace"), 0);
	ck_assert_int_ne(field(o, "kill"), 0);
	cJSON_Delete(o);
}

static void
expect_flood_ok(const struct hu_result *r, const struct ctx *c)
{
	cJSON *o = result_obj(r);

	(void)c;
	ck_assert_int_eq(field(o, "written"), 100 * 1024 * 1024);
	ck_assert(r->log_tail != NULL);
	ck_assert_uint_le(strlen(r->log_tail), SL_INVOKE_LOG_TAIL);
	ck_assert(strstr(r->log_tail, "yyyy\n") != NULL);
	cJSON_Delete(o);
}

static const struct hostile cases[] = {
    {"loop_forever", "Sandbox.Timedout",
        "Error: Task timed out after 1.00 seconds", NULL, 0},
    {"sleep_past", "Sandbox.Timedout",
        "Error: Task timed out after 1.00 seconds", NULL, 0},
    {"alloc_huge", "Runtime.OutOfMemory", "Error: Runtime exited", NULL, 0},
    {"fork_bomb", NULL, NULL, expect_no_fork, 1},
    {"exec_shell", NULL, NULL, expect_no_exec, 1},
    {"files", NULL, NULL, expect_no_files, 1},
    {"connect_local", NULL, NULL, expect_no_connect, 1},
    {"ptrace_kill", NULL, NULL, expect_no_ptrace, 1},
    {"segv", "Runtime.ExitError",
        "Error: Runtime exited with error: signal: segmentation fault", NULL,
        0},
    {"abort_now", "Runtime.ExitError",
        "Error: Runtime exited with error: signal: aborted", NULL, 0},
    {"exit_zero", "Runtime.ExitError",
        "Error: Runtime exited with error: exit status 0", NULL, 0},
    {"stack_overflow", "Runtime.ExitError",
        "Error: Runtime exited with error: signal: segmentation fault", NULL,
        0},
    {"not_json", "Runtime.InvalidResponse", "not valid JSON", NULL, 1},
    {"too_large", "Function.ResponseSizeTooLarge",
        "exceeded maximum allowed payload size (6291456 bytes)", NULL, 1},
    {"ipc_close", "Runtime.ExitError", "Runtime exited with error", NULL, 0},
    {"ipc_scribble", "Runtime.InvalidResponse", "IPC protocol", NULL, 0},
    {"publish_forged", "Runtime.InvalidResponse", "malformed publish", NULL,
        0},
    {"stdout_flood", NULL, NULL, expect_flood_ok, 1},
};

static void
link_into(
    const char *dir, const char *from_dir, const char *name, const char *ext)
{
	char *src = xasprintf("%s/%s%s", from_dir, name, ext);
	char *dst = xasprintf("%s/%s%s", dir, name, ext);

	if (access(src, F_OK) == 0)
		ck_assert_int_eq(symlink(src, dst), 0);
	free(src);
	free(dst);
}

START_TEST(hostile_handler)
{
	const struct hostile *hc = &cases[_i];
	char fdir[] = "/tmp/sluice-hostile-XXXXXX";
	char tdir[] = "/tmp/sluice-scratch-XXXXXX";
	char *hostile = hu_build("tests/hostile");
	char *fixtures = hu_build("tests/fixtures");
	struct sl_host_config cfg;
	struct sl_err err = SL_ERR_INIT;
	struct sl_loop *loop;
	struct sl_host *host;
	struct hu_result r;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct ctx c;
	char payload[256];
	int fds0, kids0, kids;

	ck_assert(mkdtemp(fdir) != NULL && mkdtemp(tdir) != NULL);
	ck_assert_int_eq(chmod(fdir, 0755), 0);
	ck_assert_int_eq(chmod(tdir, 0777), 0);
	link_into(fdir, hostile, hc->name, ".so");
	link_into(fdir, hostile, hc->name, ".json");
	link_into(fdir, fixtures, "id_function", ".so");
	(void)unlink("/tmp/sluice-pwned");

	/* A listener the connect case must not reach. */
	c.tmpdir = tdir;
	c.listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert(c.listen_fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(
	    bind(c.listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(c.listen_fd, 4), 0);
	ck_assert_int_eq(
	    getsockname(c.listen_fd, (struct sockaddr *)&sa, &sl), 0);
	c.port = ntohs(sa.sin_port);
	snprintf(payload, sizeof(payload),
	    "{\"port\":%d,\"target\":"
	    "\"%s/outside\"}",
	    c.port, tdir);

	fds0 = hu_count_fds();
	kids0 = hu_count_children();
	ck_assert_int_eq(kids0, 0);
	loop = sl_loop_new();
	hu_config(&cfg, fdir);
	host = sl_host_new(loop, &cfg, &err);
	ck_assert_msg(host != NULL, "%s", err.msg);

	hu_invoke(
	    loop, host, hc->name, payload, SL_INVOKE_REQUEST_RESPONSE, &r);
	if (hc->error_type != NULL) {
		ck_assert_msg(r.status == 200 && r.function_error != NULL &&
		                  strcmp(r.function_error, "Unhandled") == 0,
		    "%s: status %d fe %s payload %s", hc->name, r.status,
		    r.function_error ? r.function_error : "-", r.payload);
		ck_assert_str_eq(r.error_type, hc->error_type);
		ck_assert_msg(strstr(r.error_message, hc->message_has) != NULL,
		    "%s: message '%s' lacks '%s'", hc->name, r.error_message,
		    hc->message_has);
		ck_assert_msg(
		    strncmp(r.error_message, "RequestId: ", 11) == 0 ||
		        strcmp(hc->error_type,
		            "Function.ResponseSizeTooLarge") == 0,
		    "%s", r.error_message);
	}
	if (hc->check != NULL)
		hc->check(&r, &c);
	hu_result_release(&r);

	/* The host still serves a good function. */
	hu_invoke(loop, host, "id_function", "{\"after\":1}",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.payload, "{\"after\":1}");
	hu_result_release(&r);
	/* And the hostile function itself can be invoked again. */
	if (hc->stays_warm) {
		hu_invoke(loop, host, hc->name, payload,
		    SL_INVOKE_REQUEST_RESPONSE, &r);
		ck_assert_int_eq(r.cold, 0);
		hu_result_release(&r);
	}

	/* Every replaced worker is reaped while the host runs. */
	kids = hu_wait_children(loop, 1 + hc->stays_warm, 5000);
	ck_assert_msg(
	    kids == 1 + hc->stays_warm, "%s: %d children", hc->name, kids);
	sl_host_free(host);
	sl_loop_free(loop);
	ck_assert_int_eq(hu_count_children(), 0);
	ck_assert_int_eq(hu_count_fds(), fds0);

	close(c.listen_fd);
	{
		char *cmd = xasprintf("rm -rf '%s' '%s'", fdir, tdir);

		ck_assert_int_eq(system(cmd), 0);
		free(cmd);
	}
	free(hostile);
	free(fixtures);
}
END_TEST

/* Landlock's absence is reported, never silent: on this kernel it is
 * there, and the sandbox says which ABI it applies. */
START_TEST(landlock_reported)
{
	struct sl_host_config cfg;
	struct sl_err err = SL_ERR_INIT;
	struct sl_loop *loop = sl_loop_new();
	struct sl_host *host;
	struct sl_host_sandbox_info si;
	char *fx = hu_build("tests/fixtures"), *j;
	char want[32];

	hu_config(&cfg, fx);
	host = sl_host_new(loop, &cfg, &err);
	ck_assert(host != NULL);
	sl_host_sandbox_info(host, &si);
	ck_assert_int_eq(si.landlock_abi, sl_sandbox_landlock_abi());
	j = sl_host_get_function_json(host, "id_function", &err);
	if (si.landlock_abi > 0)
		snprintf(want, sizeof(want), "\"Landlock\":\"ABI %d\"",
		    si.landlock_abi);
	else
		snprintf(want, sizeof(want), "\"Landlock\":\"unavailable");
	ck_assert_msg(strstr(j, want) != NULL, "%s", j);
	if (geteuid() == 0) {
		ck_assert_int_eq(si.uid, 65534);
		ck_assert_int_eq(si.netns, 1);
	}
	free(j);
	free(fx);
	sl_host_free(host);
	sl_loop_free(loop);
}
END_TEST

/* Each sandbox measure, as the handler sees it. */
START_TEST(sandbox_measures)
{
	struct sl_host_config cfg;
	struct sl_err err = SL_ERR_INIT;
	struct sl_loop *loop = sl_loop_new();
	struct sl_host *host;
	struct hu_result r;
	char *fx = hu_build("tests/fixtures");
	cJSON *o;

	hu_config(&cfg, fx);
	host = sl_host_new(loop, &cfg, &err);
	ck_assert(host != NULL);
	hu_invoke(
	    loop, host, "sandbox_probe", "{}", SL_INVOKE_REQUEST_RESPONSE, &r);
	o = result_obj(&r);
	ck_assert_int_eq(field(o, "no_new_privs"), 1);
	ck_assert_int_eq(field(o, "seccomp"), 2); /* filter mode */
	ck_assert_int_eq(field(o, "core"), 0);
	ck_assert_int_eq(field(o, "nofile"), SL_SANDBOX_NOFILE);
	ck_assert_int_eq(field(o, "nproc"), SL_SANDBOX_NPROC);
	ck_assert(cJSON_GetObjectItem(o, "as")->valuedouble ==
	          (100.0 + SL_SANDBOX_AS_HEADROOM_MB) * 1024 * 1024);
	if (geteuid() == 0) {
		ck_assert_int_eq(field(o, "uid"), 65534);
		ck_assert_int_eq(field(o, "gid"), 65534);
		/* The shared empty namespace: loopback only. */
		ck_assert_int_eq(field(o, "interfaces"), 1);
	}
	cJSON_Delete(o);
	hu_result_release(&r);
	sl_host_free(host);
	sl_loop_free(loop);
	free(fx);
}
END_TEST

/* A host on loop serving fx, with id_function already answered once (so
 * that the spawner is up). */
static struct sl_host *
spawner_host_new(struct sl_loop *loop, const char *fx)
{
	struct sl_host_config cfg;
	struct sl_err err = SL_ERR_INIT;
	struct sl_host *host;
	struct hu_result r;

	hu_config(&cfg, fx);
	host = sl_host_new(loop, &cfg, &err);
	ck_assert(host != NULL);
	hu_invoke(
	    loop, host, "id_function", "1", SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_str_eq(r.payload, "1");
	hu_result_release(&r);
	return host;
}

/* Free host and loop: no spawner, child or fd beyond fds is left. */
static void
spawner_host_free(struct sl_host *host, struct sl_loop *loop, int fds)
{
	sl_host_free(host);
	sl_loop_free(loop);
	ck_assert_int_eq(hu_child_named("sluice-spawner"), 0);
	ck_assert_int_eq(hu_count_children(), 0);
	ck_assert_int_eq(hu_count_fds(), fds);
}

/* Killing the spawner from outside: workers still start (a new spawner,
 * or an exec), and nothing is left behind. */
START_TEST(spawner_killed)
{
	struct sl_loop *loop = sl_loop_new();
	struct sl_host *host;
	struct hu_result r;
	char *fx = hu_build("tests/fixtures");
	int fds = hu_count_fds() - 1; /* less the loop's epoll fd */
	long sp;

	host = spawner_host_new(loop, fx);
	sp = hu_child_named("sluice-spawner");
	ck_assert_int_gt(sp, 0);
	ck_assert_int_eq(kill((pid_t)sp, SIGKILL), 0);
	hu_invoke(
	    loop, host, "echo_function", "{}", SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(r.cold, 1);
	hu_result_release(&r);
	hu_invoke(loop, host, "return_bytes_str", "{}",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_str_eq(r.payload, "\"HelloWorld!\"");
	hu_result_release(&r);
	spawner_host_free(host, loop, fds);
	free(fx);
}
END_TEST

/* A spawner that stops answering with requests pending (SIGSTOP), and one
 * killed with requests pending: the workers asked of it are exec'd and
 * their invocations complete; nothing is left behind. */
START_TEST(spawner_stuck_or_killed_pending)
{
	struct sl_loop *loop = sl_loop_new();
	struct sl_host *host;
	struct hu_result r, p[2];
	struct sl_invoke_request req;
	char *fx = hu_build("tests/fixtures");
	int fds = hu_count_fds() - 1; /* less the loop's epoll fd */
	long sp;
	int i;

	host = spawner_host_new(loop, fx);

	/* Stuck: its silence is noticed, it is killed, the worker exec'd. */
	sp = hu_child_named("sluice-spawner");
	ck_assert_int_gt(sp, 0);
	ck_assert_int_eq(kill((pid_t)sp, SIGSTOP), 0);
	hu_invoke(
	    loop, host, "echo_function", "{}", SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(r.function_error);
	ck_assert_int_eq(r.cold, 1);
	hu_result_release(&r);
	ck_assert_int_ne(hu_child_named("sluice-spawner"), sp);

	/* Killed with two requests pending (a new spawner started with
	 * the next cold start; stopped so that it cannot answer). */
	hu_invoke(loop, host, "return_bytes_str", "{}",
	    SL_INVOKE_REQUEST_RESPONSE, &r);
	ck_assert_str_eq(r.payload, "\"HelloWorld!\"");
	hu_result_release(&r);
	sp = hu_child_named("sluice-spawner");
	ck_assert_int_gt(sp, 0);
	ck_assert_int_eq(kill((pid_t)sp, SIGSTOP), 0);
	memset(p, 0, sizeof(p));
	for (i = 0; i < 2; i++) {
		memset(&req, 0, sizeof(req));
		req.function = i ? "with_init" : "raise_exception";
		(void)sl_host_invoke(host, &req, hu_cb, &p[i]);
	}
	ck_assert_int_eq(kill((pid_t)sp, SIGKILL), 0);
	for (i = 0; i < 2; i++) {
		ck_assert(hu_run_until(loop, &p[i].done, 20000));
		ck_assert_int_eq(p[i].status, 200);
		ck_assert_int_eq(p[i].cold, 1);
	}
	ck_assert_str_eq(p[0].error_type, "Exception");
	ck_assert_ptr_null(p[1].function_error);
	for (i = 0; i < 2; i++)
		hu_result_release(&p[i]);
	spawner_host_free(host, loop, fds);
	free(fx);
}
END_TEST

Suite *
hostile_suite(void)
{
	Suite *s = suite_create("hostile");
	TCase *tc = tcase_create("handlers");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(
	    tc, hostile_handler, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, landlock_reported);
	tcase_add_test(tc, sandbox_measures);
	tcase_add_test(tc, spawner_killed);
	tcase_add_test(tc, spawner_stuck_or_killed_pending);
	suite_add_tcase(s, tc);
	return s;
}
