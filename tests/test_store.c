/* Suite "store": the persistence module (store/store.h) on SQLite: records,
 * AWS paging and naming semantics, group commit, crashes and bad files. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/loop.h"
#include "common/xmalloc.h"
#include "store/store.h"
#include "tests/tree_util.h"

#define SM_ARN "arn:aws:states:us-east-1:000000000000:stateMachine:"
#define EX_ARN "arn:aws:states:us-east-1:000000000000:execution:"
#define DEF1 "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\"," \
	"\"End\":true}}}"
#define DEF2 "{\"StartAt\":\"B\",\"States\":{\"B\":{\"Type\":\"Pass\"," \
	"\"End\":true}}}"

/* --- helpers ------------------------------------------------------------ */

static char tmpdir[256];

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sluice-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	chmod(tmpdir, 0777);
}

static void
teardown(void)
{
	tu_rm_rf(tmpdir);
}

static char *
data_dir(void)
{
	return xasprintf("%s/var", tmpdir);
}

static struct sl_store *
open_store(struct sl_loop *loop, struct sl_err *err)
{
	char *dir = data_dir();
	struct sl_store_config cfg = { .data_dir = dir, .loop = loop,
		.sync = SL_STORE_SYNC_NORMAL };
	struct sl_store *s = sl_store_open(&cfg, err);

	free(dir);
	return s;
}

static struct sl_store *
must_open(void)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_store *s = open_store(NULL, &err);

	ck_assert_msg(s != NULL, "open: %s: %s", err.type, err.msg);
	return s;
}

static void
flush(struct sl_store *s)
{
	struct sl_err err = SL_ERR_INIT;

	ck_assert_msg(sl_store_flush(s, &err) == 0, "flush: %s", err.msg);
}

struct acks {
	int ok;
	int failed;
	char last_type[SL_ERR_TYPE_LEN];
	int order[64];
	int n;
};

struct ack {
	struct acks *a;
	int id;
};

static void
ack_cb(void *arg, const struct sl_err *err)
{
	struct ack *k = arg;

	if (err == NULL)
		k->a->ok++;
	else {
		k->a->failed++;
		snprintf(k->a->last_type, sizeof(k->a->last_type), "%s",
		    err->type);
	}
	if (k->a->n < 64)
		k->a->order[k->a->n++] = k->id;
}

static void
count_cb(void *arg, const struct sl_err *err)
{
	struct acks *a = arg;

	if (err == NULL)
		a->ok++;
	else {
		a->failed++;
		snprintf(a->last_type, sizeof(a->last_type), "%s", err->type);
	}
}

static void
create_sm(struct sl_store *s, const char *name, enum sl_store_sm_type type)
{
	struct sl_err err = SL_ERR_INIT;
	char *arn = xasprintf(SM_ARN "%s", name);
	struct sl_store_sm_create in = { .arn = arn, .name = name,
		.definition = DEF1, .type = type, .now = 1000 };

	ck_assert_msg(sl_store_sm_create(s, &in, NULL, NULL, NULL, NULL,
	    &err) == 0, "create %s: %s", name, err.msg);
	free(arn);
}

static int
start_exec(struct sl_store *s, const char *sm, const char *name,
    const char *input, int64_t now, struct sl_err *err)
{
	char *arn = xasprintf(EX_ARN "%s:%s", sm, name);
	char *sm_arn = xasprintf(SM_ARN "%s", sm);
	struct sl_store_exec_start in = { .arn = arn, .name = name,
		.sm_arn = sm_arn, .input = input, .now = now };
	int rc = sl_store_exec_start(s, &in, NULL, NULL, NULL, NULL, err);

	free(arn);
	free(sm_arn);
	return rc;
}

static char *
ex_arn(const char *sm, const char *name)
{
	return xasprintf(EX_ARN "%s:%s", sm, name);
}

/* An event as the engine would emit it. */
static char *
event_json(int64_t id, const char *type, const char *input)
{
	if (input != NULL)
		return xasprintf("{\"timestamp\":%" PRId64 ",\"type\":\"%s\","
		    "\"id\":%" PRId64 ",\"previousEventId\":%" PRId64 ","
		    "\"stateEnteredEventDetails\":{\"name\":\"A\","
		    "\"input\":%s,\"inputDetails\":{\"truncated\":false}}}",
		    1000 + id, type, id, id - 1, input);
	return xasprintf("{\"timestamp\":%" PRId64 ",\"type\":\"%s\",\"id\":%"
	    PRId64 ",\"previousEventId\":%" PRId64 "}", 1000 + id, type, id,
	    id - 1);
}

/* Append events first..last (types "PassStateEntered") to arn. */
static int
append(struct sl_store *s, const char *arn, int64_t first, int64_t last,
    const char *checkpoint, struct sl_err *err)
{
	size_t n = (size_t)(last - first + 1), i;
	struct sl_store_event *ev = xcalloc(n, sizeof(*ev));
	char **js = xcalloc(n, sizeof(*js));
	int rc;

	for (i = 0; i < n; i++) {
		int64_t id = first + (int64_t)i;

		js[i] = event_json(id, "PassStateEntered", "{\"k\":1}");
		ev[i] = (struct sl_store_event){ .id = id,
			.previous_id = id - 1, .timestamp = 1000 + id,
			.type = "PassStateEntered", .json = js[i] };
	}
	rc = sl_store_exec_progress(s, arn, ev, n, checkpoint, NULL, NULL,
	    err);
	for (i = 0; i < n; i++)
		free(js[i]);
	free(js);
	free(ev);
	return rc;
}

static int
finish(struct sl_store *s, const char *arn, enum sl_store_exec_status st,
    int64_t event_id, int64_t now, struct sl_err *err)
{
	char *js = event_json(event_id, "ExecutionSucceeded", NULL);
	struct sl_store_event ev = { .id = event_id,
		.previous_id = event_id - 1, .timestamp = now,
		.type = st == SL_STORE_EXEC_SUCCEEDED ? "ExecutionSucceeded" :
		"ExecutionFailed", .json = js };
	struct sl_store_exec_end end = { .status = st,
		.output = st == SL_STORE_EXEC_SUCCEEDED ? "{\"done\":true}"
		    : NULL,
		.error = st == SL_STORE_EXEC_SUCCEEDED ? NULL
		    : "States.TaskFailed",
		.cause = st == SL_STORE_EXEC_SUCCEEDED ? NULL : "boom",
		.now = now, .events = &ev, .n = event_id > 0 };
	int rc = sl_store_exec_finish(s, arn, &end, NULL, NULL, err);

	free(js);
	return rc;
}

/* A second, independent connection to the store's database (flags:
 * SQLITE_OPEN_READONLY or _READWRITE): what is really on disk. */
static sqlite3 *
raw_open(int flags)
{
	char *path = xasprintf("%s/var/sluice.db", tmpdir);
	sqlite3 *db = NULL;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, flags, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	free(path);
	return db;
}

/* The first column of sql's first row on such a connection. */
static int64_t
raw_count(const char *sql)
{
	sqlite3 *db = raw_open(SQLITE_OPEN_READONLY);
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Run sql on such a connection, one that may write. */
static void
raw_exec(const char *sql)
{
	sqlite3 *db = raw_open(SQLITE_OPEN_READWRITE);
	char *msg = NULL;

	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK,
	    "%s: %s", sql, msg ? msg : "?");
	sqlite3_close(db);
}

/* --- names ------------------------------------------------------------- */

START_TEST(test_names)
{
	static const char *const good[] = { "a", "Hello-World_1.2",
		"caf\xc3\xa9", "x(1)+y=z@!'", NULL };
	static const char *const bad[] = { "", "a b", "a\tb", "a<b", "a>b",
		"{x}", "[x]", "a?", "a*", "a\"b", "a#b", "a%b", "a\\b", "a^b",
		"a|b", "a~b", "a`b", "a$b", "a&b", "a,b", "a;b", "a:b", "a/b",
		"a\x01", "a\x7f", "a\xc2\x85", "a\xc2\xa0", "a\xe3\x80\x80",
		"\xff", "a\xc3", NULL };
	struct sl_err err = SL_ERR_INIT;
	char name[200];
	int i;

	for (i = 0; good[i] != NULL; i++)
		ck_assert_msg(sl_store_name_check(good[i], "execution", &err)
		    == 0, "'%s' refused: %s", good[i], err.msg);
	for (i = 0; bad[i] != NULL; i++) {
		sl_err_clear(&err);
		ck_assert_msg(sl_store_name_check(bad[i], "execution", &err)
		    < 0, "'%s' accepted", bad[i]);
		ck_assert_str_eq(err.type, "InvalidName");
	}
	memset(name, 'n', 80);
	name[80] = '\0';
	ck_assert_int_eq(sl_store_name_check(name, "execution", &err), 0);
	name[80] = 'n';
	name[81] = '\0';
	ck_assert_int_eq(sl_store_name_check(name, "execution", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "81 characters"));
	/* 80 two-byte characters are 80 characters, not 160. */
	for (i = 0; i < 80; i++)
		memcpy(name + 2 * i, "\xc3\xa9", 2);
	name[160] = '\0';
	ck_assert_int_eq(sl_store_name_check(name, "execution", &err), 0);
}
END_TEST

/* --- state machines ---------------------------------------------------- */

START_TEST(test_sm_lifecycle)
{
	struct sl_store *s = must_open();
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_sm sm, sm2;
	struct sl_store_sm_create in = { .arn = SM_ARN "m", .name = "m",
		.definition = DEF1, .role_arn = "arn:aws:iam::1:role/r",
		.type = SL_SM_STANDARD, .now = 111 };
	char *def = NULL, *role = NULL, *e1;
	int existed = -1, deleted = -1;

	ck_assert_int_eq(sl_store_sm_create(s, &in, &sm, &existed, NULL, NULL,
	    &err), 0);
	ck_assert_int_eq(existed, 0);
	ck_assert_str_eq(sm.name, "m");
	ck_assert_uint_eq(strlen(sm.revision_id), 36);
	/* Same again: AWS returns the existing machine. */
	ck_assert_int_eq(sl_store_sm_create(s, &in, &sm2, &existed, NULL, NULL,
	    &err), 0);
	ck_assert_int_eq(existed, 1);
	ck_assert_str_eq(sm2.revision_id, sm.revision_id);
	ck_assert_int_eq(sm2.creation_date, 111);
	sl_store_sm_release(&sm2);
	/* Different definition, or configuration: conflict. */
	in.definition = DEF2;
	ck_assert_int_eq(sl_store_sm_create(s, &in, NULL, NULL, NULL, NULL,
	    &err), -1);
	ck_assert_str_eq(err.type, "StateMachineAlreadyExists");
	in.definition = DEF1;
	in.extra = "{\"tracingConfiguration\":{\"enabled\":true}}";
	ck_assert_int_eq(sl_store_sm_create(s, &in, NULL, NULL, NULL, NULL,
	    &err), -1);
	ck_assert_str_eq(err.type, "StateMachineAlreadyExists");
	in.extra = NULL;
	in.name = "bad name";
	ck_assert_int_eq(sl_store_sm_create(s, &in, NULL, NULL, NULL, NULL,
	    &err), -1);
	ck_assert_str_eq(err.type, "InvalidName");

	ck_assert_int_eq(sl_store_sm_get(s, SM_ARN "m", &sm2, &err), 0);
	ck_assert_str_eq(sm2.definition, DEF1);
	ck_assert_str_eq(sm2.role_arn, "arn:aws:iam::1:role/r");
	ck_assert_int_eq(sm2.type, SL_SM_STANDARD);
	ck_assert_int_eq(sm2.status, SL_SM_ACTIVE);
	sl_store_sm_release(&sm2);
	ck_assert_int_eq(sl_store_sm_get(s, SM_ARN "nope", &sm2, &err), -1);
	ck_assert_str_eq(err.type, "StateMachineDoesNotExist");

	/* An execution on revision 1, then an update: it keeps revision 1. */
	ck_assert_int_eq(start_exec(s, "m", "e1", "{}", 200, &err), 0);
	ck_assert_int_eq(sl_store_sm_update(s, SM_ARN "m", DEF2, NULL, NULL,
	    300, &sm2, NULL, NULL, &err), 0);
	ck_assert_str_ne(sm2.revision_id, sm.revision_id);
	ck_assert_str_eq(sm2.definition, DEF2);
	ck_assert_int_eq(sm2.update_date, 300);
	ck_assert_str_eq(sm2.role_arn, "arn:aws:iam::1:role/r");
	sl_store_sm_release(&sm2);
	{
		struct sl_store_exec_list run;

		ck_assert_int_eq(sl_store_exec_running(s, &run, &err), 0);
		ck_assert_uint_eq(run.n, 1);
		ck_assert_str_eq(run.items[0].revision_id, sm.revision_id);
		ck_assert_str_eq(run.items[0].definition, DEF1);
		sl_store_exec_list_release(&run);
	}
	ck_assert_int_eq(sl_store_sm_revision(s, SM_ARN "m", sm.revision_id,
	    &def, &role, &err), 0);
	ck_assert_str_eq(def, DEF1);
	free(def);
	free(role);

	/* Delete while e1 runs: DELETING, no new executions. */
	ck_assert_int_eq(sl_store_sm_delete(s, SM_ARN "m", &deleted, NULL,
	    NULL, &err), 0);
	ck_assert_int_eq(deleted, 0);
	ck_assert_int_eq(sl_store_sm_get(s, SM_ARN "m", &sm2, &err), 0);
	ck_assert_int_eq(sm2.status, SL_SM_DELETING);
	sl_store_sm_release(&sm2);
	ck_assert_int_eq(start_exec(s, "m", "e2", "{}", 400, &err), -1);
	ck_assert_str_eq(err.type, "StateMachineDeleting");
	ck_assert_int_eq(sl_store_sm_update(s, SM_ARN "m", DEF1, NULL, NULL,
	    500, NULL, NULL, NULL, &err), -1);
	ck_assert_str_eq(err.type, "StateMachineDeleting");
	/* The running one still progresses and finishes; then it is gone. */
	e1 = ex_arn("m", "e1");
	ck_assert_int_eq(append(s, e1, 1, 3, "cp", &err), 0);
	ck_assert_int_eq(finish(s, e1, SL_STORE_EXEC_SUCCEEDED, 4, 600, &err),
	    0);
	ck_assert_int_eq(sl_store_sm_get(s, SM_ARN "m", &sm2, &err), -1);
	ck_assert_str_eq(err.type, "StateMachineDoesNotExist");
	{
		struct sl_store_exec ex;

		ck_assert_int_eq(sl_store_exec_get(s, e1, &ex, &err), -1);
		ck_assert_str_eq(err.type, "ExecutionDoesNotExist");
	}
	/* Without running executions a delete is immediate. */
	create_sm(s, "m2", SL_SM_STANDARD);
	ck_assert_int_eq(sl_store_sm_delete(s, SM_ARN "m2", &deleted, NULL,
	    NULL, &err), 0);
	ck_assert_int_eq(deleted, 1);
	ck_assert_int_eq(sl_store_sm_delete(s, SM_ARN "m2", &deleted, NULL,
	    NULL, &err), -1);
	ck_assert_str_eq(err.type, "StateMachineDoesNotExist");
	flush(s);
	ck_assert_int_eq(raw_count("SELECT count(*) FROM revisions"), 0);
	ck_assert_int_eq(raw_count("SELECT count(*) FROM events"), 0);
	free(e1);
	sl_store_sm_release(&sm);
	sl_store_close(s);
}
END_TEST

START_TEST(test_sm_list_paging)
{
	struct sl_store *s = must_open();
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_sm_list l;
	char name[32], *token = NULL, prev[32] = "";
	int seen = 0, pages = 0, i;

	for (i = 0; i < 23; i++) {
		snprintf(name, sizeof(name), "sm%02d", (i * 7) % 23);
		create_sm(s, name, i % 2 ? SL_SM_EXPRESS : SL_SM_STANDARD);
	}
	do {
		ck_assert_int_eq(sl_store_sm_list(s, 5, token, &l, &err), 0);
		free(token);
		token = l.next_token ? xstrdup(l.next_token) : NULL;
		for (i = 0; i < (int)l.n; i++) {
			ck_assert_int_gt(strcmp(l.items[i].name, prev), 0);
			snprintf(prev, sizeof(prev), "%s", l.items[i].name);
			ck_assert_ptr_null(l.items[i].definition);
			seen++;
		}
		pages++;
		sl_store_sm_list_release(&l);
	} while (token != NULL);
	ck_assert_int_eq(seen, 23);
	ck_assert_int_eq(pages, 5);
	ck_assert_int_eq(sl_store_sm_list(s, 1001, NULL, &l, &err), -1);
	ck_assert_str_eq(err.type, "ValidationException");
	ck_assert_int_eq(sl_store_sm_list(s, 0, "M.zz.0000000000000000", &l,
	    &err), -1);
	ck_assert_str_eq(err.type, "InvalidToken");
	ck_assert_int_eq(sl_store_sm_list(s, 0, NULL, &l, &err), 0);
	ck_assert_uint_eq(l.n, 23);
	ck_assert_ptr_null(l.next_token);
	sl_store_sm_list_release(&l);
	sl_store_close(s);
}
END_TEST

/* Paging tokens last 24 hours, as on AWS, by the store's clock. */
static int64_t
fake_clock(void *arg)
{
	return *(const int64_t *)arg;
}

START_TEST(test_token_expiry)
{
	char *dir = data_dir(), *arn = ex_arn("m", "e"), *tm = NULL,
	    *th = NULL;
	int64_t now = 1700000000000LL;
	struct sl_store_config cfg = { .data_dir = dir,
		.sync = SL_STORE_SYNC_NORMAL, .clock_ms = fake_clock,
		.clock_arg = &now };
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_history_query q = { 0 };
	struct sl_store_history h;
	struct sl_store_sm_list l;
	struct sl_store *s = sl_store_open(&cfg, &err);

	ck_assert_msg(s != NULL, "open: %s", err.msg);
	create_sm(s, "m", SL_SM_STANDARD);
	create_sm(s, "n", SL_SM_STANDARD);
	ck_assert_int_eq(start_exec(s, "m", "e", "{}", 1, &err), 0);
	ck_assert_int_eq(append(s, arn, 1, 3, NULL, &err), 0);
	ck_assert_int_eq(sl_store_sm_list(s, 1, NULL, &l, &err), 0);
	tm = xstrdup(l.next_token);
	sl_store_sm_list_release(&l);
	q.exec_arn = arn;
	q.max_results = 1;
	ck_assert_int_eq(sl_store_history_get(s, &q, &h, &err), 0);
	th = xstrdup(h.next_token);
	sl_store_history_release(&h);

	/* A millisecond short of a day: still good. */
	now += SL_STORE_TOKEN_TTL_MS;
	ck_assert_int_eq(sl_store_sm_list(s, 1, tm, &l, &err), 0);
	ck_assert_str_eq(l.items[0].name, "n");
	sl_store_sm_list_release(&l);
	q.next_token = th;
	ck_assert_int_eq(sl_store_history_get(s, &q, &h, &err), 0);
	ck_assert_int_eq(h.events[0].id, 2);
	sl_store_history_release(&h);

	/* A day and a millisecond: expired, and the error says so. */
	now += 1;
	ck_assert_int_eq(sl_store_sm_list(s, 1, tm, &l, &err), -1);
	ck_assert_str_eq(err.type, "InvalidToken");
	ck_assert_msg(strstr(err.msg, "expired") != NULL, "%s", err.msg);
	ck_assert_int_eq(sl_store_history_get(s, &q, &h, &err), -1);
	ck_assert_str_eq(err.type, "InvalidToken");
	ck_assert_msg(strstr(err.msg, "expired") != NULL, "%s", err.msg);

	/* The issue time is covered by the hash: a token re-dated by hand
	 * is not a token. */
	{
		char *forged = xstrdup(tm), *stamp = strchr(forged + 2, '.');

		ck_assert_ptr_nonnull(stamp);
		stamp[1] = stamp[1] == 'f' ? 'e' : 'f';
		ck_assert_int_eq(sl_store_sm_list(s, 1, forged, &l, &err), -1);
		ck_assert_str_eq(err.type, "InvalidToken");
		ck_assert_ptr_null(strstr(err.msg, "expired"));
		free(forged);
	}
	free(tm);
	free(th);
	free(arn);
	free(dir);
	sl_store_close(s);
}
END_TEST

/* --- executions -------------------------------------------------------- */

START_TEST(test_exec_lifecycle)
{
	struct sl_store *s = must_open();
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_exec ex;
	struct sl_store_exec_list run;
	char *arn = ex_arn("m", "e");

	create_sm(s, "m", SL_SM_STANDARD);
	create_sm(s, "x", SL_SM_EXPRESS);
	ck_assert_int_eq(start_exec(s, "x", "e", "{}", 1, &err), -1);
	ck_assert_str_eq(err.type, "ValidationException");
	ck_assert_int_eq(start_exec(s, "nope", "e", "{}", 1, &err), -1);
	ck_assert_str_eq(err.type, "StateMachineDoesNotExist");
	ck_assert_int_eq(start_exec(s, "m", "e", "{\"a\":1}", 5000, &err), 0);
	ck_assert_int_eq(sl_store_exec_get(s, arn, &ex, &err), 0);
	ck_assert_int_eq(ex.status, SL_STORE_EXEC_RUNNING);
	ck_assert_str_eq(ex.input, "{\"a\":1}");
	ck_assert_int_eq(ex.start_date, 5000);
	ck_assert_int_eq(ex.stop_date, 0);
	ck_assert_int_eq(ex.last_event_id, 0);
	sl_store_exec_release(&ex);

	ck_assert_int_eq(append(s, arn, 1, 2, "{\"at\":\"A\"}", &err), 0);
	/* A gap, or a repeat, is refused and changes nothing. */
	ck_assert_int_eq(append(s, arn, 4, 4, "{\"at\":\"B\"}", &err), -1);
	ck_assert_str_eq(err.type, "ValidationException");
	ck_assert_int_eq(append(s, arn, 2, 3, NULL, &err), -1);
	ck_assert_int_eq(append(s, arn, 3, 5, "{\"at\":\"C\"}", &err), 0);
	ck_assert_int_eq(sl_store_exec_running(s, &run, &err), 0);
	ck_assert_uint_eq(run.n, 1);
	ck_assert_str_eq(run.items[0].checkpoint, "{\"at\":\"C\"}");
	ck_assert_int_eq(run.items[0].last_event_id, 5);
	ck_assert_str_eq(run.items[0].definition, DEF1);
	sl_store_exec_list_release(&run);

	ck_assert_int_eq(sl_store_exec_resume(s, arn, &ex, &err), 0);
	ck_assert_str_eq(ex.checkpoint, "{\"at\":\"C\"}");
	ck_assert_int_eq(ex.last_event_id, 5);
	ck_assert_str_eq(ex.definition, DEF1);
	sl_store_exec_release(&ex);
	ck_assert_int_eq(finish(s, arn, SL_STORE_EXEC_FAILED, 6, 9000, &err),
	    0);
	ck_assert_int_eq(sl_store_exec_resume(s, arn, &ex, &err), -1);
	ck_assert_str_eq(err.type, SL_STORE_NOT_RUNNING);
	ck_assert_int_eq(sl_store_exec_resume(s, EX_ARN "m:none", &ex, &err),
	    -1);
	ck_assert_str_eq(err.type, "ExecutionDoesNotExist");
	ck_assert_int_eq(sl_store_exec_get(s, arn, &ex, &err), 0);
	ck_assert_int_eq(ex.status, SL_STORE_EXEC_FAILED);
	ck_assert_str_eq(ex.error, "States.TaskFailed");
	ck_assert_str_eq(ex.cause, "boom");
	ck_assert_ptr_null(ex.output);
	ck_assert_int_eq(ex.stop_date, 9000);
	ck_assert_int_eq(ex.last_event_id, 6);
	sl_store_exec_release(&ex);
	ck_assert_int_eq(sl_store_exec_running(s, &run, &err), 0);
	ck_assert_uint_eq(run.n, 0);
	sl_store_exec_list_release(&run);
	/* Finished: no more events, no second finish. */
	ck_assert_int_eq(append(s, arn, 7, 7, NULL, &err), -1);
	ck_assert_str_eq(err.type, SL_STORE_NOT_RUNNING);
	ck_assert_int_eq(finish(s, arn, SL_STORE_EXEC_SUCCEEDED, 0, 9500, &err),
	    -1);
	ck_assert_str_eq(err.type, SL_STORE_NOT_RUNNING);
	ck_assert_int_eq(append(s, EX_ARN "m:zz", 1, 1, NULL, &err), -1);
	ck_assert_str_eq(err.type, "ExecutionDoesNotExist");
	flush(s);
	ck_assert_int_eq(raw_count("SELECT count(*) FROM checkpoints"), 0);
	free(arn);
	sl_store_close(s);
}
END_TEST

START_TEST(test_exec_names_idempotency)
{
	struct sl_store *s = must_open();
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_exec out;
	struct sl_store_exec_start in = { .arn = EX_ARN "m:dup", .name = "dup",
		.sm_arn = SM_ARN "m", .input = "{\"x\":1}", .now = 10 };
	struct acks a = { 0 };
	char *arn = ex_arn("m", "dup");
	int existed = -1;

	create_sm(s, "m", SL_SM_STANDARD);
	create_sm(s, "n", SL_SM_STANDARD);
	ck_assert_int_eq(sl_store_exec_start(s, &in, &out, &existed, count_cb,
	    &a, &err), 0);
	ck_assert_int_eq(existed, 0);
	sl_store_exec_release(&out);
	/* Same name and input while it runs: the same execution, and the
	 * acknowledgement still waits for the commit. */
	in.now = 20;
	ck_assert_int_eq(sl_store_exec_start(s, &in, &out, &existed, count_cb,
	    &a, &err), 0);
	ck_assert_int_eq(existed, 1);
	ck_assert_int_eq(out.start_date, 10);
	sl_store_exec_release(&out);
	ck_assert_int_eq(a.ok, 0);
	flush(s);
	ck_assert_int_eq(a.ok, 2);
	/* Other input: refused. */
	in.input = "{\"x\":2}";
	ck_assert_int_eq(sl_store_exec_start(s, &in, NULL, NULL, NULL, NULL,
	    &err), -1);
	ck_assert_str_eq(err.type, "ExecutionAlreadyExists");
	/* The same name on another machine is fine. */
	ck_assert_int_eq(start_exec(s, "n", "dup", "{}", 30, &err), 0);
	/* Once closed, even the same input is refused (AWS). */
	in.input = "{\"x\":1}";
	ck_assert_int_eq(finish(s, arn, SL_STORE_EXEC_SUCCEEDED, 1, 40, &err),
	    0);
	ck_assert_int_eq(sl_store_exec_start(s, &in, NULL, NULL, NULL, NULL,
	    &err), -1);
	ck_assert_str_eq(err.type, "ExecutionAlreadyExists");
	ck_assert_int_eq(start_exec(s, "m", "no/slash", "{}", 50, &err), -1);
	ck_assert_str_eq(err.type, "InvalidName");
	free(arn);
	sl_store_close(s);
}
END_TEST

START_TEST(test_exec_list_paging)
{
	struct sl_store *s = must_open();
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_exec_list l;
	struct sl_store_exec_query q = { .sm_arn = SM_ARN "m",
		.status_filter = -1, .max_results = 7 };
	char name[32], *token = NULL;
	static int seen[300];
	int64_t last_seq = INT64_MAX;
	int i, total = 0, added = 0;

	create_sm(s, "m", SL_SM_STANDARD);
	create_sm(s, "other", SL_SM_STANDARD);
	for (i = 0; i < 250; i++) {
		snprintf(name, sizeof(name), "e%03d", i);
		ck_assert_int_eq(start_exec(s, "m", name, "{}", 1000 + i, &err),
		    0);
		if (i % 3 == 0) {
			char *arn = ex_arn("m", name);

			ck_assert_int_eq(finish(s, arn, SL_STORE_EXEC_SUCCEEDED,
			    1,
			    2000 + i, &err), 0);
			free(arn);
		}
	}
	ck_assert_int_eq(start_exec(s, "other", "o1", "{}", 1, &err), 0);
	flush(s);
	do {
		q.next_token = token;
		ck_assert_int_eq(sl_store_exec_list(s, &q, &l, &err), 0);
		free(token);
		token = l.next_token ? xstrdup(l.next_token) : NULL;
		for (i = 0; i < (int)l.n; i++) {
			int k = atoi(l.items[i].name + 1);

			ck_assert_int_lt(l.items[i].seq, last_seq);
			last_seq = l.items[i].seq;
			ck_assert_str_eq(l.items[i].sm_arn, SM_ARN "m");
			ck_assert_ptr_null(l.items[i].input);
			seen[k]++;
			total++;
		}
		/* New executions meanwhile do not shift the pages. */
		if (added < 5) {
			snprintf(name, sizeof(name), "n%03d", added++);
			ck_assert_int_eq(start_exec(s, "m", name, "{}", 5000,
			    &err), 0);
		}
		sl_store_exec_list_release(&l);
	} while (token != NULL);
	ck_assert_int_eq(total, 250);
	for (i = 0; i < 250; i++)
		ck_assert_int_eq(seen[i], 1);
	/* Newest first: the first page starts with the newest start. */
	q.next_token = NULL;
	q.max_results = 0;
	ck_assert_int_eq(sl_store_exec_list(s, &q, &l, &err), 0);
	ck_assert_uint_eq(l.n, 100);
	ck_assert_str_eq(l.items[0].name, "n004");
	sl_store_exec_list_release(&l);
	/* statusFilter. */
	q.status_filter = SL_STORE_EXEC_SUCCEEDED;
	q.max_results = 1000;
	ck_assert_int_eq(sl_store_exec_list(s, &q, &l, &err), 0);
	ck_assert_uint_eq(l.n, 84);
	for (i = 0; i < (int)l.n; i++)
		ck_assert_int_eq(l.items[i].status, SL_STORE_EXEC_SUCCEEDED);
	sl_store_exec_list_release(&l);
	/* A token is bound to its arguments. */
	q.status_filter = -1;
	q.max_results = 10;
	ck_assert_int_eq(sl_store_exec_list(s, &q, &l, &err), 0);
	token = xstrdup(l.next_token);
	sl_store_exec_list_release(&l);
	q.next_token = token;
	q.status_filter = SL_STORE_EXEC_RUNNING;
	ck_assert_int_eq(sl_store_exec_list(s, &q, &l, &err), -1);
	ck_assert_str_eq(err.type, "InvalidToken");
	token[3] ^= 1;
	q.status_filter = -1;
	ck_assert_int_eq(sl_store_exec_list(s, &q, &l, &err), -1);
	ck_assert_str_eq(err.type, "InvalidToken");
	free(token);
	q.next_token = NULL;
	q.max_results = 1001;
	ck_assert_int_eq(sl_store_exec_list(s, &q, &l, &err), -1);
	ck_assert_str_eq(err.type, "ValidationException");
	q.max_results = 10;
	q.sm_arn = SM_ARN "ghost";
	ck_assert_int_eq(sl_store_exec_list(s, &q, &l, &err), -1);
	ck_assert_str_eq(err.type, "StateMachineDoesNotExist");
	q.sm_arn = NULL;
	q.max_results = 1000;
	ck_assert_int_eq(sl_store_exec_list(s, &q, &l, &err), 0);
	ck_assert_uint_eq(l.n, 256);
	sl_store_exec_list_release(&l);
	sl_store_close(s);
}
END_TEST

/* --- history ----------------------------------------------------------- */

START_TEST(test_history)
{
	struct sl_store *s = must_open();
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_history h;
	struct sl_store_history_query q = { 0 };
	char *arn = ex_arn("m", "e"), *token = NULL;
	int64_t expect;
	int i, pages = 0;

	create_sm(s, "m", SL_SM_STANDARD);
	ck_assert_int_eq(start_exec(s, "m", "e", "{}", 1, &err), 0);
	ck_assert_int_eq(append(s, arn, 1, 45, NULL, &err), 0);
	q.exec_arn = arn;
	q.max_results = 10;
	expect = 1;
	do {
		q.next_token = token;
		ck_assert_int_eq(sl_store_history_get(s, &q, &h, &err), 0);
		free(token);
		token = h.next_token ? xstrdup(h.next_token) : NULL;
		for (i = 0; i < (int)h.n; i++) {
			ck_assert_int_eq(h.events[i].id, expect++);
			ck_assert_ptr_nonnull(strstr(h.events[i].json,
			    "\"input\":{\"k\":1}"));
		}
		pages++;
		sl_store_history_release(&h);
	} while (token != NULL);
	ck_assert_int_eq(expect, 46);
	ck_assert_int_eq(pages, 5);

	q.reverse_order = 1;
	q.exclude_execution_data = 1;
	expect = 45;
	do {
		q.next_token = token;
		ck_assert_int_eq(sl_store_history_get(s, &q, &h, &err), 0);
		free(token);
		token = h.next_token ? xstrdup(h.next_token) : NULL;
		for (i = 0; i < (int)h.n; i++) {
			ck_assert_int_eq(h.events[i].id, expect--);
			ck_assert_str_eq(h.events[i].type,
			    "PassStateEntered");
			ck_assert_ptr_null(strstr(h.events[i].json,
			    "\"input\""));
			ck_assert_ptr_nonnull(strstr(h.events[i].json,
			    "\"inputDetails\""));
		}
		sl_store_history_release(&h);
	} while (token != NULL);
	ck_assert_int_eq(expect, 0);

	/* A forward token does not page a reversed listing. */
	q.reverse_order = 0;
	q.next_token = NULL;
	ck_assert_int_eq(sl_store_history_get(s, &q, &h, &err), 0);
	token = xstrdup(h.next_token);
	sl_store_history_release(&h);
	q.reverse_order = 1;
	q.next_token = token;
	ck_assert_int_eq(sl_store_history_get(s, &q, &h, &err), -1);
	ck_assert_str_eq(err.type, "InvalidToken");
	free(token);
	q.next_token = NULL;
	q.exec_arn = EX_ARN "m:none";
	ck_assert_int_eq(sl_store_history_get(s, &q, &h, &err), -1);
	ck_assert_str_eq(err.type, "ExecutionDoesNotExist");
	free(arn);
	sl_store_close(s);
}
END_TEST

START_TEST(test_history_quota)
{
	struct sl_store *s = must_open();
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_exec ex;
	char *arn = ex_arn("m", "long");

	create_sm(s, "m", SL_SM_STANDARD);
	ck_assert_int_eq(start_exec(s, "m", "long", "{}", 1, &err), 0);
	ck_assert_int_eq(append(s, arn, 1, SL_STORE_MAX_EVENTS - 1, NULL,
	    &err), 0);
	/* Event 25,000 may only end the execution. */
	ck_assert_int_eq(append(s, arn, SL_STORE_MAX_EVENTS,
	    SL_STORE_MAX_EVENTS, NULL, &err), -1);
	ck_assert_str_eq(err.type, SL_STORE_HISTORY_LIMIT_ERROR);
	ck_assert_ptr_nonnull(strstr(err.msg, "25000"));
	ck_assert_int_eq(finish(s, arn, SL_STORE_EXEC_FAILED,
	    SL_STORE_MAX_EVENTS, 2,
	    &err), 0);
	ck_assert_int_eq(sl_store_exec_get(s, arn, &ex, &err), 0);
	ck_assert_int_eq(ex.last_event_id, SL_STORE_MAX_EVENTS);
	ck_assert_int_eq(ex.status, SL_STORE_EXEC_FAILED);
	sl_store_exec_release(&ex);
	free(arn);
	sl_store_close(s);
}
END_TEST

/* --- group commit ------------------------------------------------------ */

struct iter {
	struct sl_timer t;
	struct sl_store *s;
	struct acks *a;
	struct ack k[20];
	uint64_t commits_seen;
};

/* One loop iteration's worth of writes: 20 calls from one callback. */
static void
burst_cb(struct sl_timer *t)
{
	struct iter *it = t->arg;
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_stats st;
	char name[16];
	int i;

	sl_store_get_stats(it->s, &st);
	it->commits_seen = st.db_commits;
	for (i = 0; i < 20; i++) {
		it->k[i].a = it->a;
		it->k[i].id = i;
		snprintf(name, sizeof(name), "g%02d", i);
		if (i % 2 == 0) {
			char *arn = xasprintf(EX_ARN "m:%s", name);
			struct sl_store_exec_start in = { .arn = arn,
				.name = name, .sm_arn = SM_ARN "m",
				.now = 1 };

			ck_assert_int_eq(sl_store_exec_start(it->s, &in, NULL,
			    NULL, ack_cb, &it->k[i], &err), 0);
			free(arn);
		} else
			ck_assert_int_eq(sl_store_notify_add(it->s, "t",
			    "{}", NULL, 1, NULL, ack_cb, &it->k[i], &err), 0);
	}
	/* Nothing is acknowledged before the commit. */
	ck_assert_int_eq(it->a->ok, 0);
	ck_assert_int_eq(raw_count("SELECT count(*) FROM notifications"), 0);
}

START_TEST(test_group_commit)
{
	struct sl_loop *loop = sl_loop_new();
	struct sl_err err = SL_ERR_INIT;
	struct sl_store *s = open_store(loop, &err);
	struct sl_store_stats st0, st;
	struct acks a = { 0 };
	struct iter it = { .a = &a };
	int i;

	ck_assert_ptr_nonnull(s);
	create_sm(s, "m", SL_SM_STANDARD);
	flush(s);
	sl_store_get_stats(s, &st0);
	it.s = s;
	sl_timer_init(&it.t, burst_cb, &it);
	sl_loop_timer_start(loop, &it.t, 0);
	/* Run the loop until the acknowledgements arrive (bounded). */
	for (i = 0; i < 100 && a.ok + a.failed < 20; i++)
		sl_loop_run_once(loop, 100000);
	ck_assert_int_eq(a.ok, 20);
	ck_assert_int_eq(a.failed, 0);
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(a.order[i], i);
	sl_store_get_stats(s, &st);
	/* 20 writes, one transaction. */
	ck_assert_uint_eq(st.db_commits - st0.db_commits, 1);
	ck_assert_uint_eq(st.commits - st0.commits, 1);
	ck_assert_uint_eq(st.last_batch, 20);
	ck_assert_uint_eq(st.pending, 0);
	ck_assert_int_eq(raw_count("SELECT count(*) FROM notifications"), 10);
	ck_assert_int_eq(raw_count("SELECT count(*) FROM executions"), 10);
	/* The loop sleeps with nothing pending: no timer left behind. */
	ck_assert_uint_eq(sl_loop_timer_count(loop), 0);
	sl_store_close(s);
	sl_loop_free(loop);
}
END_TEST

/* A callback that writes again: its write goes into the next batch. */
struct chain {
	struct sl_store *s;
	int acked;
	int second;
};

static void
chain_second_cb(void *arg, const struct sl_err *err)
{
	struct chain *c = arg;

	ck_assert_ptr_null(err);
	c->second++;
}

static void
chain_cb(void *arg, const struct sl_err *err)
{
	struct chain *c = arg;
	struct sl_err e = SL_ERR_INIT;

	ck_assert_ptr_null(err);
	c->acked++;
	ck_assert_int_eq(sl_store_notify_add(c->s, "t", "{\"n\":2}", NULL, 2,
	    NULL, chain_second_cb, c, &e), 0);
}

START_TEST(test_callback_writes_next_batch)
{
	struct sl_store *s = must_open();
	struct sl_err err = SL_ERR_INIT;
	struct chain c = { .s = s };
	struct sl_store_stats st;

	ck_assert_int_eq(sl_store_notify_add(s, "t", "{\"n\":1}", NULL, 1,
	    NULL, chain_cb, &c, &err), 0);
	flush(s);
	ck_assert_int_eq(c.acked, 1);
	ck_assert_int_eq(c.second, 0);
	sl_store_get_stats(s, &st);
	ck_assert_uint_eq(st.pending, 1);
	flush(s);
	ck_assert_int_eq(c.second, 1);
	sl_store_close(s);
}
END_TEST

/* sl_store_pending: writes and barriers waiting for a flush, which an
 * owner flushing by itself (no loop) checks before it sleeps. */
START_TEST(test_pending)
{
	struct sl_store *s = must_open();
	struct sl_err err = SL_ERR_INIT;
	struct acks a = { 0 };

	ck_assert_int_eq(sl_store_pending(s), 0);
	ck_assert_int_eq(sl_store_notify_add(s, "t", "{}", NULL, 1, NULL,
	    count_cb, &a, &err), 0);
	ck_assert_int_ne(sl_store_pending(s), 0);
	flush(s);
	ck_assert_int_eq(a.ok, 1);
	ck_assert_int_eq(sl_store_pending(s), 0);
	/* A barrier alone is pending too, and runs at the next flush. */
	sl_store_sync(s, count_cb, &a);
	ck_assert_int_ne(sl_store_pending(s), 0);
	ck_assert_int_eq(a.ok, 1);
	flush(s);
	ck_assert_int_eq(a.ok, 2);
	ck_assert_int_eq(sl_store_pending(s), 0);
	/* A refused write leaves nothing pending. */
	ck_assert_int_eq(sl_store_exec_progress(s, EX_ARN "m:none", NULL, 0,
	    "{}", count_cb, &a, &err), -1);
	ck_assert_str_eq(err.type, "ExecutionDoesNotExist");
	ck_assert_int_eq(sl_store_pending(s), 0);
	flush(s);
	ck_assert_int_eq(a.ok, 2);
	ck_assert_int_eq(a.failed, 0);
	sl_store_close(s);
}
END_TEST

START_TEST(test_reopen_keeps_everything)
{
	struct sl_store *s = must_open();
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_exec ex;
	struct sl_store_exec_list run;
	struct sl_store_notify_list nl;
	struct sl_store_sm sm;
	char *a1 = ex_arn("m", "a"), *a2 = ex_arn("m", "b");
	int i;

	create_sm(s, "m", SL_SM_STANDARD);
	ck_assert_int_eq(start_exec(s, "m", "a", "{\"i\":1}", 10, &err), 0);
	ck_assert_int_eq(start_exec(s, "m", "b", "{\"i\":2}", 11, &err), 0);
	ck_assert_int_eq(append(s, a1, 1, 3, "{\"cp\":3}", &err), 0);
	ck_assert_int_eq(append(s, a2, 1, 2, NULL, &err), 0);
	ck_assert_int_eq(finish(s, a2, SL_STORE_EXEC_SUCCEEDED, 3, 20, &err),
	    0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(sl_store_notify_add(s, "topic", "{\"m\":1}",
		    "fn", 30 + i, NULL, NULL, NULL, &err), 0);
	/* Close commits what is pending. */
	sl_store_close(s);

	s = must_open();
	ck_assert_int_eq(sl_store_sm_get(s, SM_ARN "m", &sm, &err), 0);
	ck_assert_str_eq(sm.definition, DEF1);
	sl_store_sm_release(&sm);
	ck_assert_int_eq(sl_store_exec_running(s, &run, &err), 0);
	ck_assert_uint_eq(run.n, 1);
	ck_assert_str_eq(run.items[0].arn, a1);
	ck_assert_str_eq(run.items[0].checkpoint, "{\"cp\":3}");
	ck_assert_str_eq(run.items[0].input, "{\"i\":1}");
	ck_assert_int_eq(run.items[0].last_event_id, 3);
	sl_store_exec_list_release(&run);
	ck_assert_int_eq(sl_store_exec_get(s, a2, &ex, &err), 0);
	ck_assert_int_eq(ex.status, SL_STORE_EXEC_SUCCEEDED);
	ck_assert_str_eq(ex.output, "{\"done\":true}");
	ck_assert_int_eq(ex.last_event_id, 3);
	sl_store_exec_release(&ex);
	ck_assert_int_eq(sl_store_notify_list(s, "topic", 0, 2, NULL, &nl,
	    &err), 0);
	ck_assert_uint_eq(nl.n, 2);
	ck_assert_ptr_nonnull(nl.next_token);
	ck_assert_str_eq(nl.items[0].publisher, "fn");
	ck_assert_int_eq(nl.items[1].timestamp, 31);
	{
		struct sl_store_notify_list n2;

		ck_assert_int_eq(sl_store_notify_list(s, "topic", 0, 2,
		    nl.next_token, &n2, &err), 0);
		ck_assert_uint_eq(n2.n, 1);
		ck_assert_int_gt(n2.items[0].id, nl.items[1].id);
		ck_assert_ptr_null(n2.next_token);
		sl_store_notify_list_release(&n2);
	}
	sl_store_notify_list_release(&nl);
	ck_assert_int_eq(sl_store_notify_list(s, "other", 0, 0, NULL, &nl,
	    &err), 0);
	ck_assert_uint_eq(nl.n, 0);
	sl_store_notify_list_release(&nl);
	free(a1);
	free(a2);
	sl_store_close(s);
}
END_TEST

/* --- crashes ----------------------------------------------------------- */

static void
batch_ack_cb(void *arg, const struct sl_err *err)
{
	int *acked = arg;

	if (err == NULL)
		(*acked)++;
}

/* The child: commits batches of 10 notifications (topic "bK", K = 1, 2
 * ...), reporting each acknowledged K on the pipe, forever. */
static void
crash_child(int wfd, int stop_after)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_store *s = open_store(NULL, &err);
	char topic[32];
	int k, i, acked;

	if (s == NULL)
		_exit(3);
	for (k = 1; ; k++) {
		snprintf(topic, sizeof(topic), "b%d", k);
		acked = 0;
		for (i = 0; i < 10; i++)
			if (sl_store_notify_add(s, topic, "{\"x\":1}", NULL, k,
			    NULL, batch_ack_cb, &acked, &err) < 0)
				_exit(4);
		if (k == stop_after) {
			/* Mid-batch: written but not committed. */
			if (write(wfd, &k, sizeof(k)) != sizeof(k))
				_exit(5);
			pause();
		}
		if (sl_store_flush(s, &err) < 0 || acked != 10)
			_exit(6);
		if (write(wfd, &k, sizeof(k)) != sizeof(k))
			_exit(5);
	}
}

static void
check_batches(int last_acked)
{
	int64_t batches, rows, maxk, bad;

	batches = raw_count("SELECT count(DISTINCT topic) FROM notifications");
	rows = raw_count("SELECT count(*) FROM notifications");
	maxk = raw_count("SELECT max(timestamp) FROM notifications");
	bad = raw_count("SELECT count(*) FROM (SELECT topic FROM notifications"
	    " GROUP BY topic HAVING count(*) != 10)");
	/* Whole batches only, contiguous from 1, and none acknowledged is
	 * missing. */
	ck_assert_int_eq(bad, 0);
	ck_assert_int_eq(rows, batches * 10);
	ck_assert_int_eq(maxk, batches);
	ck_assert_int_ge(batches, last_acked);
}

START_TEST(test_crash_mid_batch)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_store *s;
	int p[2], k = 0, got, status;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		crash_child(p[1], 5);
	}
	close(p[1]);
	while (read(p[0], &got, sizeof(got)) == sizeof(got)) {
		k = got;
		if (k == 5)
			break;
	}
	ck_assert_int_eq(k, 5);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	close(p[0]);
	/* The lock went with the process; batches 1-4 are there, 5 is not. */
	s = open_store(NULL, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	sl_store_close(s);
	check_batches(4);
	ck_assert_int_eq(raw_count("SELECT count(*) FROM notifications"), 40);
}
END_TEST

START_TEST(test_crash_any_moment)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_store *s;
	int round;

	/* Kill at arbitrary moments, commits included, several times over
	 * the same database. */
	for (round = 0; round < 4; round++) {
		int p[2], k = 0, got, status;
		pid_t pid;

		ck_assert_int_eq(pipe(p), 0);
		if (round == 0) {
			/* Start from an empty store. */
		} else {
			s = open_store(NULL, &err);
			ck_assert_msg(s != NULL, "%s", err.msg);
			sl_store_close(s);
			/* Keep the batch numbering going: clear old rows. */
			{
				char *path = xasprintf("%s/var/sluice.db",
				    tmpdir);
				sqlite3 *db;

				ck_assert_int_eq(sqlite3_open(path, &db),
				    SQLITE_OK);
				sqlite3_exec(db, "DELETE FROM notifications",
				    NULL, NULL, NULL);
				sqlite3_close(db);
				free(path);
			}
		}
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			close(p[0]);
			crash_child(p[1], -1);
		}
		close(p[1]);
		while (read(p[0], &got, sizeof(got)) == sizeof(got)) {
			k = got;
			if (k >= 20 + 13 * round)
				break;
		}
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		close(p[0]);
		ck_assert_int_ge(k, 20);
		s = open_store(NULL, &err);
		ck_assert_msg(s != NULL, "round %d: %s", round, err.msg);
		sl_store_close(s);
		check_batches(k);
	}
}
END_TEST

/* A simulated engine in a child: 20 executions in flight, each iteration
 * appends events with a checkpoint naming the last event, or finishes an
 * execution at event 10 and starts another; one commit per iteration.
 * After each commit it reports how many executions it finished. */
#define SIM_SLOTS 20

static void
sim_child(int wfd)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_store *s = open_store(NULL, &err);
	char arn[SIM_SLOTS][128], name[32], cp[64];
	int64_t last[SIM_SLOTS];
	int used[SIM_SLOTS] = { 0 }, i, finished = 0, counter = 0;

	if (s == NULL)
		_exit(3);
	for (;;) {
		for (i = 0; i < SIM_SLOTS; i++) {
			if (!used[i]) {
				snprintf(name, sizeof(name), "s%d", counter++);
				snprintf(arn[i], sizeof(arn[i]), EX_ARN "m:%s",
				    name);
				if (start_exec(s, "m", name, "{}", 1, &err) < 0)
					_exit(4);
				last[i] = 0;
				used[i] = 1;
			}
			if (last[i] >= 9) {
				if (finish(s, arn[i], SL_STORE_EXEC_SUCCEEDED,
				    last[i] + 1, 2, &err) < 0)
					_exit(5);
				used[i] = 0;
				finished++;
				continue;
			}
			snprintf(cp, sizeof(cp), "{\"last\":%" PRId64 "}",
			    last[i] + (last[i] == 0 ? 1 : 2));
			if (append(s, arn[i], last[i] + 1, last[i] +
			    (last[i] == 0 ? 1 : 2), cp, &err) < 0)
				_exit(6);
			last[i] += last[i] == 0 ? 1 : 2;
		}
		if (sl_store_flush(s, &err) < 0)
			_exit(7);
		if (write(wfd, &finished, sizeof(finished)) !=
		    sizeof(finished))
			_exit(8);
	}
}

/* Check every execution's history against its state; finish the running
 * ones from their checkpoints, as a restarted daemon would. Returns the
 * number of executions that had finished. */
static int
sim_verify_and_resume(struct sl_store *s)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_exec_query q = { .status_filter = -1,
		.max_results = 1000 };
	struct sl_store_exec_list l;
	char *token = NULL;
	int done = 0;
	size_t i, j;

	do {
		q.next_token = token;
		ck_assert_int_eq(sl_store_exec_list(s, &q, &l, &err), 0);
		free(token);
		token = l.next_token ? xstrdup(l.next_token) : NULL;
		for (i = 0; i < l.n; i++) {
			struct sl_store_history_query hq = {
				.exec_arn = l.items[i].arn,
				.max_results = 1000 };
			struct sl_store_history h;
			struct sl_store_exec ex;
			char want[64];

			ck_assert_int_eq(sl_store_history_get(s, &hq, &h, &err),
			    0);
			for (j = 0; j < h.n; j++)
				ck_assert_int_eq(h.events[j].id,
				    (int64_t)j + 1);
			if (l.items[i].status == SL_STORE_EXEC_SUCCEEDED) {
				ck_assert_uint_eq(h.n, 10);
				ck_assert_str_eq(h.events[9].type,
				    "ExecutionSucceeded");
				done++;
			} else {
				ck_assert_int_eq(l.items[i].status,
				    SL_STORE_EXEC_RUNNING);
				ck_assert_int_eq(sl_store_exec_resume(s,
				    l.items[i].arn, &ex, &err), 0);
				/* Events and checkpoint went in together. */
				ck_assert_int_eq(ex.last_event_id,
				    (int64_t)h.n);
				if (h.n > 0) {
					snprintf(want, sizeof(want),
					    "{\"last\":%zu}", h.n);
					ck_assert_str_eq(ex.checkpoint, want);
				}
				ck_assert_int_lt(ex.last_event_id, 10);
				if (ex.last_event_id < 9)
					ck_assert_int_eq(append(s, ex.arn,
					    ex.last_event_id + 1, 9, NULL,
					    &err), 0);
				ck_assert_int_eq(finish(s, ex.arn,
				    SL_STORE_EXEC_SUCCEEDED, 10, 3, &err), 0);
				sl_store_exec_release(&ex);
			}
			sl_store_history_release(&h);
		}
		sl_store_exec_list_release(&l);
	} while (token != NULL);
	flush(s);
	return done;
}

START_TEST(test_crash_resume_executions)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_exec_list run;
	struct sl_store *s = must_open();
	int p[2], acked = 0, got, status, n = 0, done;
	pid_t pid;

	create_sm(s, "m", SL_SM_STANDARD);
	sl_store_close(s);
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		sim_child(p[1]);
	}
	close(p[1]);
	/* Kill it after a number of commits that varies with the pid. */
	while (read(p[0], &got, sizeof(got)) == sizeof(got)) {
		acked = got;
		if (++n >= 40 + pid % 23)
			break;
	}
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	close(p[0]);
	ck_assert_int_gt(acked, 0);
	s = open_store(NULL, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	done = sim_verify_and_resume(s);
	/* Nothing acknowledged was lost. */
	ck_assert_int_ge(done, acked);
	ck_assert_int_eq(sl_store_exec_running(s, &run, &err), 0);
	ck_assert_uint_eq(run.n, 0);
	sl_store_exec_list_release(&run);
	sl_store_close(s);
}
END_TEST

/* --- bad files --------------------------------------------------------- */

static void
write_file(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
	close(fd);
}

static void
expect_open_error(const char *type, const char *needle)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_store *s = open_store(NULL, &err);

	ck_assert_msg(s == NULL, "opened, expected '%s'", needle);
	ck_assert_str_eq(err.type, type);
	ck_assert_msg(strstr(err.msg, needle) != NULL, "'%s' not in '%s'",
	    needle, err.msg);
}

START_TEST(test_not_a_database)
{
	char *dir = data_dir(), *path = xasprintf("%s/sluice.db", dir);
	static const char junk[4096] = "this is not a database";
	struct stat sb;

	mkdir(dir, 0755);
	write_file(path, junk, sizeof(junk));
	expect_open_error("InternalFailure", "not an SQLite database");
	expect_open_error("InternalFailure", path);
	/* Never replaced. */
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_size, sizeof(junk));
	write_file(path, "", 0);
	expect_open_error("InternalFailure", "is empty");
	/* A log without its database is not replayed into a new one. */
	{
		char *wal = xasprintf("%s-wal", path);

		unlink(path);
		write_file(wal, junk, sizeof(junk));
		expect_open_error("InternalFailure", "write-ahead log");
		ck_assert_int_eq(stat(path, &sb), -1);
		free(wal);
	}
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_foreign_and_newer_database)
{
	char *dir = data_dir(), *path = xasprintf("%s/sluice.db", dir);
	struct sl_store *s;
	sqlite3 *db;

	mkdir(dir, 0755);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	expect_open_error("InternalFailure", "not a Sluice one");
	unlink(path);

	s = must_open();
	sl_store_close(s);
	ck_assert_int_eq(raw_count("PRAGMA user_version"),
	    sl_store_schema_version());
	ck_assert_int_eq(raw_count("PRAGMA application_id"), 0x534c4345);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version = 99", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	expect_open_error("InternalFailure", "newer");
	expect_open_error("InternalFailure", "99");
	free(path);
	free(dir);
}
END_TEST

/* Scribble over every other page of the database file's second half
 * (the notifications; the schema, which every open reads, is at its
 * start). */
static void
damage_pages(const char *path)
{
	char junk[4096];
	struct stat sb;
	int i, fd;

	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_gt(sb.st_size, 8 * 4096);
	memset(junk, 0xa5, sizeof(junk));
	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	for (i = (int)(sb.st_size / 4096 / 2); i < sb.st_size / 4096 - 1;
	     i += 2)
		ck_assert_int_eq(pwrite(fd, junk, sizeof(junk),
		    (off_t)i * 4096), 4096);
	close(fd);
}

static void
expect_corrupt(const struct sl_err *err, const char *path)
{
	ck_assert_str_eq(err->type, "InternalFailure");
	ck_assert_msg(strstr(err->msg, "corrupt") != NULL, "%s", err->msg);
	ck_assert_ptr_nonnull(strstr(err->msg, path));
}

/* Opening with cfg (its verify policy set) is refused: the whole-file
 * check found path corrupt. */
static void
expect_check_refuses(const struct sl_store_config *cfg, const char *path)
{
	struct sl_err err = SL_ERR_INIT;

	ck_assert_ptr_null(sl_store_open(cfg, &err));
	expect_corrupt(&err, path);
	ck_assert_msg(strstr(err.msg, "integrity check") != NULL, "%s",
	    err.msg);
}

START_TEST(test_corrupt_pages)
{
	char *dir = data_dir(), *path = xasprintf("%s/sluice.db", dir);
	char *wal = xasprintf("%s-wal", path);
	struct sl_store_config cfg = { .data_dir = dir };
	struct sl_err err = SL_ERR_INIT;
	struct sl_store *s = must_open();
	struct stat sb;
	pid_t pid;
	int i, st;

	create_sm(s, "m", SL_SM_STANDARD);
	for (i = 0; i < 2000; i++)
		ck_assert_int_eq(sl_store_notify_add(s, "t", "{\"some\":"
		    "\"message text to fill pages\"}", NULL, i, NULL, NULL,
		    NULL, &err), 0);
	sl_store_close(s);
	/* A clean close checkpoints and removes the log. */
	ck_assert_int_ne(stat(wal, &sb), 0);
	damage_pages(path);

	/* The check at every open finds the damage. */
	cfg.verify = SL_STORE_VERIFY_ALWAYS;
	expect_check_refuses(&cfg, path);

	/* After a clean stop the default skips the whole-file read, and so
	 * does "never": the cheap checks at open (reading the schema) or the
	 * reads after it find the damage and say so. */
	for (i = 0; i < 2; i++) {
		cfg.verify = i == 0 ? SL_STORE_VERIFY_UNCLEAN
		                    : SL_STORE_VERIFY_NEVER;
		s = sl_store_open(&cfg, &err);
		if (s != NULL) {
			struct sl_store_notify_list nl;

			ck_assert_int_eq(sl_store_notify_list(s, "t", 0, 1000,
			    NULL, &nl, &err), -1);
			sl_store_close(s);
		}
		expect_corrupt(&err, path);
		ck_assert_msg(strstr(err.msg, "integrity check") == NULL,
		    "the whole file was checked: %s", err.msg);
	}

	/* A writer that ends without closing leaves its log behind: the
	 * default checks the next open. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		cfg.verify = SL_STORE_VERIFY_NEVER;
		s = sl_store_open(&cfg, &err);
		if (s == NULL || sl_store_notify_add(s, "u", "{}", NULL, 1,
		    NULL, NULL, NULL, &err) < 0 || sl_store_flush(s, &err) < 0)
			_exit(1);
		_exit(0); /* no close: as a crash */
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(stat(wal, &sb), 0);
	ck_assert_int_gt(sb.st_size, 0);
	cfg.verify = SL_STORE_VERIFY_UNCLEAN;
	expect_check_refuses(&cfg, path);
	free(wal);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_locked)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_store *s = must_open(), *s2;
	char pid[32];
	int status;
	pid_t child;

	s2 = open_store(NULL, &err);
	ck_assert_ptr_null(s2);
	ck_assert_str_eq(err.type, "ServiceUnavailable");
	snprintf(pid, sizeof(pid), "pid %ld", (long)getpid());
	ck_assert_msg(strstr(err.msg, pid) != NULL, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "sluice.lock"));
	/* Another process too. */
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		s2 = open_store(NULL, &err);
		_exit(s2 == NULL && strstr(err.msg, "in use") ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	sl_store_close(s);
	s2 = must_open();
	sl_store_close(s2);
}
END_TEST

START_TEST(test_unwritable)
{
	char *dir = data_dir(), *file = xasprintf("%s/afile", tmpdir);
	struct sl_store_config cfg = { .data_dir = NULL };
	struct sl_err err = SL_ERR_INIT;
	struct sl_store *s;
	int status;
	pid_t child;

	/* A data directory under a regular file. */
	write_file(file, "x", 1);
	cfg.data_dir = xasprintf("%s/var", file);
	s = sl_store_open(&cfg, &err);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err.msg, "Not a directory") != NULL, "%s",
	    err.msg);
	free((char *)cfg.data_dir);

	/* A read-only directory, and an unreadable database; as an
	 * unprivileged user, since root may write anywhere. */
	s = must_open();
	sl_store_close(s);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		char *path = xasprintf("%s/sluice.db", dir);
		char *lock = xasprintf("%s/sluice.lock", dir);
		int ok = 1;

		if (geteuid() == 0) {
			if (chown(dir, 65534, 65534) < 0 ||
			    chown(path, 65534, 65534) < 0 ||
			    chown(lock, 65534, 65534) < 0 ||
			    setgid(65534) < 0 || setuid(65534) < 0)
				_exit(2);
		}
		chmod(dir, 0555);
		s = open_store(NULL, &err);
		ok &= s == NULL && strstr(err.msg, "not writable") != NULL &&
		    strstr(err.msg, dir) != NULL;
		chmod(dir, 0755);
		chmod(path, 0);
		s = open_store(NULL, &err);
		ok &= s == NULL && strstr(err.msg, "Permission denied") !=
		    NULL && strstr(err.msg, path) != NULL;
		chmod(path, 0644);
		_exit(ok ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	free(file);
	free(dir);
}
END_TEST

/* --- disk full --------------------------------------------------------- */

START_TEST(test_disk_full_statement)
{
	char *dir = data_dir();
	struct sl_store_config cfg = { .data_dir = dir };
	struct sl_err err = SL_ERR_INIT;
	struct sl_store *s;
	struct acks a = { 0 };
	static char big[3000];
	int i, rc = 0, failed_at = -1;
	int64_t rows;

	s = must_open();
	create_sm(s, "m", SL_SM_STANDARD);
	ck_assert_int_eq(start_exec(s, "m", "safe", "{}", 1, &err), 0);
	sl_store_close(s);
	cfg.max_pages = (uint32_t)raw_count("PRAGMA page_count") + 20;
	s = sl_store_open(&cfg, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	memset(big, 'x', sizeof(big) - 3);
	big[0] = '"';
	big[sizeof(big) - 3] = '"';
	/* Committed batches until the cap is reached. */
	for (i = 0; i < 200 && rc == 0; i++) {
		rc = sl_store_notify_add(s, "t", big, NULL, i, NULL, count_cb,
		    &a, &err);
		if (rc < 0) {
			failed_at = i;
			break;
		}
		if (i % 5 == 4 && sl_store_flush(s, &err) < 0) {
			failed_at = i;
			break;
		}
	}
	ck_assert_int_ge(failed_at, 0);
	ck_assert_str_eq(err.type, "ServiceUnavailable");
	ck_assert_msg(strstr(err.msg, "full") != NULL, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "sluice.db"));
	(void)sl_store_flush(s, NULL);
	/* Every write was told its fate; the acknowledged ones are kept. */
	ck_assert_int_eq(a.ok + a.failed + (rc < 0 ? 1 : 0), failed_at + 1);
	sl_store_close(s);
	rows = raw_count("SELECT count(*) FROM notifications");
	ck_assert_int_eq(rows, a.ok);
	ck_assert_int_eq(raw_count("SELECT count(*) FROM executions"), 1);
	/* Room again: the store works on. */
	s = must_open();
	ck_assert_int_eq(start_exec(s, "m", "after", "{}", 2, &err), 0);
	sl_store_close(s);
	ck_assert_int_eq(raw_count("SELECT count(*) FROM executions"), 2);
	free(dir);
}
END_TEST

/* Let files grow only 64 KiB past the WAL's size now, as a full disk
 * would, with SIGXFSZ ignored; *old is the limit to put back. */
static void
limit_wal_growth(struct rlimit *old)
{
	char *wal = xasprintf("%s/var/sluice.db-wal", tmpdir);
	struct rlimit lim;
	struct stat sb;

	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, old), 0);
	ck_assert_int_eq(stat(wal, &sb), 0);
	lim = *old;
	lim.rlim_cur = (rlim_t)sb.st_size + 64 * 1024;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	free(wal);
}

/* Ten notifications of 200 KB into the open batch, acknowledged to b:
 * more than limit_wal_growth() leaves room for. */
static void
add_big_notifications(struct sl_store *s, struct acks *b)
{
	static char big[200000];
	struct sl_err err = SL_ERR_INIT;
	int i;

	memset(big, 'y', sizeof(big) - 1);
	big[0] = '"';
	big[sizeof(big) - 2] = '"';
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(sl_store_notify_add(s, "t", big, NULL, 2, NULL,
		    count_cb, b, &err), 0);
}

/* An execution's write has no savepoint of its own: one that fails after
 * its first change (here its events are in, then a trigger refuses its
 * checkpoint) takes its whole batch back, and every write of the batch is
 * told; nothing of it is kept half. Then the store goes on. */
START_TEST(test_failed_write_takes_its_batch)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_store *s = must_open();
	char *e = ex_arn("m", "e"), *f = ex_arn("m", "f");
	struct sl_store_exec ex;
	struct acks a = { 0 };

	create_sm(s, "m", SL_SM_STANDARD);
	ck_assert_int_eq(start_exec(s, "m", "e", "{}", 1, &err), 0);
	ck_assert_int_eq(start_exec(s, "m", "f", "{}", 1, &err), 0);
	flush(s);
	raw_exec("CREATE TRIGGER refuse_f BEFORE INSERT ON checkpoints"
	    " WHEN NEW.exec_seq = (SELECT seq FROM executions"
	    " WHERE name = 'f') BEGIN SELECT RAISE(ABORT, 'no f'); END");

	ck_assert_int_eq(sl_store_notify_add(s, "t", "1", NULL, 2, NULL,
	    count_cb, &a, &err), 0);
	ck_assert_int_eq(append(s, e, 1, 2, "{\"at\":2}", &err), 0);
	ck_assert_int_eq(append(s, f, 1, 2, "{\"at\":2}", &err), -1);
	ck_assert_msg(strstr(err.msg, "no f") != NULL, "%s", err.msg);
	(void)sl_store_flush(s, NULL);
	ck_assert_int_eq(a.ok, 0);
	ck_assert_int_eq(a.failed, 1);
	ck_assert_int_eq(raw_count("SELECT count(*) FROM events"), 0);
	ck_assert_int_eq(raw_count("SELECT count(*) FROM checkpoints"), 0);
	ck_assert_int_eq(raw_count("SELECT count(*) FROM notifications"), 0);

	raw_exec("DROP TRIGGER refuse_f");
	ck_assert_int_eq(append(s, e, 1, 2, "{\"at\":2}", &err), 0);
	ck_assert_int_eq(append(s, f, 1, 3, "{\"at\":3}", &err), 0);
	flush(s);
	ck_assert_int_eq(sl_store_exec_resume(s, f, &ex, &err), 0);
	ck_assert_int_eq(ex.last_event_id, 3);
	ck_assert_str_eq(ex.checkpoint, "{\"at\":3}");
	sl_store_exec_release(&ex);
	ck_assert_int_eq(raw_count("SELECT count(*) FROM events"), 2);
	sl_store_close(s);
	free(e);
	free(f);
}
END_TEST

/* The backend remembers running executions (their last event id, their
 * machine's status) between progress writes. What it remembers follows
 * the database: a batch that cannot be committed takes its events back
 * from both, and a machine marked DELETING meanwhile is seen when the
 * execution ends. */
START_TEST(test_exec_memory_follows_undo)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_store *s = must_open();
	struct acks b = { 0 };
	struct rlimit old;
	char *arn = ex_arn("m", "e");
	struct sl_store_exec ex;
	struct sl_store_sm sm;
	int deleted = -1;

	create_sm(s, "m", SL_SM_STANDARD);
	ck_assert_int_eq(start_exec(s, "m", "e", "{}", 1, &err), 0);
	ck_assert_int_eq(append(s, arn, 1, 3, "{\"at\":3}", &err), 0);
	flush(s);

	/* Events 4-5 go into a batch that cannot be written. */
	limit_wal_growth(&old);
	ck_assert_int_eq(append(s, arn, 4, 5, "{\"at\":5}", &err), 0);
	add_big_notifications(s, &b);
	ck_assert_int_eq(sl_store_flush(s, &err), -1);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);

	/* The execution's last event is 3 again, for the backend too. */
	ck_assert_int_eq(append(s, arn, 6, 6, NULL, &err), -1);
	ck_assert_str_eq(err.type, "ValidationException");
	ck_assert_int_eq(append(s, arn, 4, 5, "{\"at\":5}", &err), 0);
	flush(s);
	ck_assert_int_eq(sl_store_exec_resume(s, arn, &ex, &err), 0);
	ck_assert_int_eq(ex.last_event_id, 5);
	ck_assert_str_eq(ex.checkpoint, "{\"at\":5}");
	sl_store_exec_release(&ex);

	/* The machine is deleted while the execution runs: it goes with the
	 * execution's end. */
	ck_assert_int_eq(sl_store_sm_delete(s, SM_ARN "m", &deleted, NULL,
	    NULL, &err), 0);
	ck_assert_int_eq(deleted, 0);
	flush(s);
	ck_assert_int_eq(finish(s, arn, SL_STORE_EXEC_SUCCEEDED, 6, 10, &err),
	    0);
	flush(s);
	ck_assert_int_eq(sl_store_sm_get(s, SM_ARN "m", &sm, &err), -1);
	ck_assert_str_eq(err.type, "StateMachineDoesNotExist");
	/* An execution that has ended takes no more events. */
	ck_assert_int_eq(append(s, arn, 7, 7, NULL, &err), -1);
	free(arn);
	sl_store_close(s);
}
END_TEST

/* A commit whose WAL write fails (the file size limit stands in for a full
 * disk): the batch fails as a whole, what was committed stays. */
START_TEST(test_disk_full_commit)
{
	struct sl_err err = SL_ERR_INIT;
	struct sl_store *s = must_open();
	struct acks a = { 0 }, b = { 0 };
	struct rlimit old;

	create_sm(s, "m", SL_SM_STANDARD);
	ck_assert_int_eq(start_exec(s, "m", "before", "{}", 1, &err), 0);
	ck_assert_int_eq(sl_store_notify_add(s, "t", "{}", NULL, 1, NULL,
	    count_cb, &a, &err), 0);
	flush(s);
	ck_assert_int_eq(a.ok, 1);
	limit_wal_growth(&old);
	add_big_notifications(s, &b);
	ck_assert_int_eq(sl_store_flush(s, &err), -1);
	ck_assert_int_eq(b.failed, 10);
	ck_assert_int_eq(b.ok, 0);
	ck_assert_str_eq(b.last_type, "ServiceUnavailable");
	ck_assert_msg(strstr(err.msg, "sluice.db") != NULL, "%s", err.msg);
	ck_assert_msg(strstr(err.msg, "write failed") != NULL ||
	    strstr(err.msg, "full") != NULL, "%s", err.msg);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	/* The store goes on; nothing of the failed batch is there. */
	ck_assert_int_eq(sl_store_notify_add(s, "t", "{\"after\":1}", NULL, 3,
	    NULL, count_cb, &a, &err), 0);
	flush(s);
	ck_assert_int_eq(a.ok, 2);
	sl_store_close(s);
	ck_assert_int_eq(raw_count("SELECT count(*) FROM notifications"), 2);
	ck_assert_int_eq(raw_count("SELECT count(*) FROM executions"), 1);
	s = must_open();
	sl_store_close(s);
}
END_TEST

/* A backend that loses its transaction on demand: the front's part of
 * group commit, independent of SQLite. */
struct sl_store_backend {
	int lose_next;  /* the next write fails taking the transaction */
	int in_txn;     /* writes in the open transaction */
	int committed;  /* writes committed */
	int commits;
};

static void
fake_close(struct sl_store_backend *be)
{
	free(be);
}

static const char *
fake_path(const struct sl_store_backend *be)
{
	(void)be;
	return "fake";
}

static uint64_t
fake_db_commits(const struct sl_store_backend *be)
{
	return (uint64_t)be->commits;
}

static int
fake_commit(struct sl_store_backend *be, struct sl_err *err)
{
	(void)err;
	if (be->in_txn == 0)
		return 0;
	be->committed += be->in_txn;
	be->in_txn = 0;
	be->commits++;
	return 0;
}

static int
fake_notify_add(struct sl_store_backend *be, const char *topic,
    const char *message, const char *publisher, int64_t now, int64_t *id,
    struct sl_err *err)
{
	(void)topic;
	(void)message;
	(void)publisher;
	(void)now;
	if (be->lose_next) {
		be->lose_next = 0;
		be->in_txn = 0;
		sl_err_set(err, "ServiceUnavailable", "fake: I/O error");
		return SL_STORE_BATCH_LOST;
	}
	*id = ++be->in_txn;
	return 0;
}

START_TEST(test_lost_batch)
{
	static const struct sl_store_ops ops = { .name = "fake",
		.close = fake_close, .path = fake_path,
		.db_commits = fake_db_commits, .commit = fake_commit,
		.notify_add = fake_notify_add };
	struct sl_store_backend *be = xcalloc(1, sizeof(*be));
	struct sl_store *s = sl_store_new(&ops, be, NULL);
	struct sl_err err = SL_ERR_INIT;
	struct acks a = { 0 };
	struct ack k[6];
	int i;

	for (i = 0; i < 6; i++) {
		k[i].a = &a;
		k[i].id = i;
	}
	/* Writes 0-2, then 3 fails and takes 0-2 along; 4-5 go on. */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(sl_store_notify_add(s, "t", "{}", NULL, 0,
		    NULL, ack_cb, &k[i], &err), 0);
	be->lose_next = 1;
	ck_assert_int_eq(sl_store_notify_add(s, "t", "{}", NULL, 0, NULL,
	    ack_cb, &k[3], &err), -1);
	ck_assert_str_eq(err.type, "ServiceUnavailable");
	for (i = 4; i < 6; i++)
		ck_assert_int_eq(sl_store_notify_add(s, "t", "{}", NULL, 0,
		    NULL, ack_cb, &k[i], &err), 0);
	ck_assert_int_eq(a.n, 0);
	ck_assert_int_eq(sl_store_flush(s, &err), 0);
	ck_assert_int_eq(a.failed, 3);
	ck_assert_int_eq(a.ok, 2);
	ck_assert_str_eq(a.last_type, "ServiceUnavailable");
	/* Failed ones are told first, in order; 3 was refused outright. */
	ck_assert_int_eq(a.order[0], 0);
	ck_assert_int_eq(a.order[2], 2);
	ck_assert_int_eq(a.order[3], 4);
	ck_assert_int_eq(a.order[4], 5);
	ck_assert_int_eq(be->committed, 2);
	ck_assert_int_eq(be->commits, 1);
	sl_store_close(s);
}
END_TEST

/* --- retention --------------------------------------------------------- */

START_TEST(test_retention)
{
	struct sl_store *s = must_open();
	struct sl_err err = SL_ERR_INIT;
	const int64_t day = 86400000;
	int64_t now = 200 * day;
	size_t deleted = 0;
	char name[16], *arn;
	struct sl_store_exec ex;
	char *def = NULL;
	struct sl_store_sm sm_old;
	int i;

	create_sm(s, "m", SL_SM_STANDARD);
	ck_assert_int_eq(sl_store_sm_get(s, SM_ARN "m", &sm_old, &err), 0);
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "e%d", i);
		ck_assert_int_eq(start_exec(s, "m", name, "{}", 1, &err), 0);
		arn = ex_arn("m", name);
		ck_assert_int_eq(append(s, arn, 1, 3, "cp", &err), 0);
		/* e0-e5 stopped 100 days ago, e6-e7 yesterday, e8-e9 run. */
		if (i < 8)
			ck_assert_int_eq(finish(s, arn, SL_STORE_EXEC_SUCCEEDED,
			    4,
			    i < 6 ? now - 100 * day : now - day, &err), 0);
		free(arn);
	}
	/* A new revision: the old one stays while executions use it. */
	ck_assert_int_eq(sl_store_sm_update(s, SM_ARN "m", DEF2, NULL, NULL,
	    now, NULL, NULL, NULL, &err), 0);
	ck_assert_int_eq(sl_store_notify_add(s, "t", "{}", NULL, now - 100 *
	    day, NULL, NULL, NULL, &err), 0);
	ck_assert_int_eq(sl_store_notify_add(s, "t", "{}", NULL, now, NULL,
	    NULL, NULL, &err), 0);
	ck_assert_int_eq(sl_store_prune(s, now - SL_STORE_RETENTION_DAYS * day,
	    4, &deleted, NULL, NULL, &err), 0);
	ck_assert_uint_eq(deleted, 4);
	ck_assert_int_eq(sl_store_prune(s, now - SL_STORE_RETENTION_DAYS * day,
	    4, &deleted, NULL, NULL, &err), 0);
	ck_assert_uint_eq(deleted, 2);
	ck_assert_int_eq(sl_store_prune(s, now - SL_STORE_RETENTION_DAYS * day,
	    4, &deleted, NULL, NULL, &err), 0);
	ck_assert_uint_eq(deleted, 0);
	flush(s);
	ck_assert_int_eq(raw_count("SELECT count(*) FROM executions"), 4);
	ck_assert_int_eq(raw_count("SELECT sum(n) FROM events"), 4 * 3 + 2 *
	    1 + 0);
	ck_assert_int_eq(raw_count("SELECT count(*) FROM notifications"), 1);
	ck_assert_int_eq(sl_store_exec_get(s, EX_ARN "m:e0", &ex, &err), -1);
	ck_assert_int_eq(sl_store_exec_get(s, EX_ARN "m:e7", &ex, &err), 0);
	sl_store_exec_release(&ex);
	/* The old revision is still used by e6-e9. */
	ck_assert_int_eq(sl_store_sm_revision(s, SM_ARN "m",
	    sm_old.revision_id, &def, NULL, &err), 0);
	free(def);
	sl_store_sm_release(&sm_old);
	sl_store_close(s);
}
END_TEST

Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_sm_lifecycle);
	tcase_add_test(tc, test_sm_list_paging);
	tcase_add_test(tc, test_token_expiry);
	tcase_add_test(tc, test_exec_lifecycle);
	tcase_add_test(tc, test_exec_names_idempotency);
	tcase_add_test(tc, test_exec_list_paging);
	tcase_add_test(tc, test_history);
	tcase_add_test(tc, test_history_quota);
	tcase_add_test(tc, test_group_commit);
	tcase_add_test(tc, test_callback_writes_next_batch);
	tcase_add_test(tc, test_pending);
	tcase_add_test(tc, test_reopen_keeps_everything);
	tcase_add_test(tc, test_crash_mid_batch);
	tcase_add_test(tc, test_crash_any_moment);
	tcase_add_test(tc, test_crash_resume_executions);
	tcase_add_test(tc, test_not_a_database);
	tcase_add_test(tc, test_foreign_and_newer_database);
	tcase_add_test(tc, test_corrupt_pages);
	tcase_add_test(tc, test_locked);
	tcase_add_test(tc, test_unwritable);
	tcase_add_test(tc, test_disk_full_statement);
	tcase_add_test(tc, test_disk_full_commit);
	tcase_add_test(tc, test_exec_memory_follows_undo);
	tcase_add_test(tc, test_failed_write_takes_its_batch);
	tcase_add_test(tc, test_lost_batch);
	tcase_add_test(tc, test_retention);
	suite_add_tcase(s, tc);
	return s;
}
