/* Suite "store_schema": the SQLite layout behind the store (store/sqlite.c):
 * what it keeps compactly (event heads, ids without AUTOINCREMENT, fewer
 * indexes) reads back exactly, and a schema 1 database is migrated in
 * place with everything in it. */
#include <check.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "store/store.h"
#include "tests/tree_util.h"

#define SM_ARN "arn:aws:states:us-east-1:000000000000:stateMachine:"
#define EX_ARN "arn:aws:states:us-east-1:000000000000:execution:"
#define DEF1 "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\"," \
	"\"End\":true}}}"

static char tmpdir[256];

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sluice-schema-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	tu_rm_rf(tmpdir);
}

static struct sl_store *
open_in(const char *sub)
{
	char *dir = xasprintf("%s/%s", tmpdir, sub);
	struct sl_store_config cfg = { .data_dir = dir,
		.sync = SL_STORE_SYNC_NORMAL };
	struct sl_err err = SL_ERR_INIT;
	struct sl_store *s = sl_store_open(&cfg, &err);

	ck_assert_msg(s != NULL, "open %s: %s: %s", dir, err.type, err.msg);
	free(dir);
	return s;
}

static void
flush(struct sl_store *s)
{
	struct sl_err err = SL_ERR_INIT;

	ck_assert_msg(sl_store_flush(s, &err) == 0, "flush: %s", err.msg);
}

/* One value from the database of data directory sub, by a connection of
 * its own; *text (may be NULL) receives the first column as text. */
static int64_t
raw(const char *sub, const char *sql, char **text)
{
	char *path = xasprintf("%s/%s/sluice.db", tmpdir, sub);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	if (text != NULL)
		*text = NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		v = sqlite3_column_int64(st, 0);
		if (text != NULL && sqlite3_column_text(st, 0) != NULL)
			*text = xstrdup((const char *)
			    sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(path);
	return v;
}

static void
create_sm(struct sl_store *s, const char *name)
{
	struct sl_err err = SL_ERR_INIT;
	char *arn = xasprintf(SM_ARN "%s", name);
	struct sl_store_sm_create in = { .arn = arn, .name = name,
		.definition = DEF1, .type = SL_SM_STANDARD, .now = 1000 };

	ck_assert_msg(sl_store_sm_create(s, &in, NULL, NULL, NULL, NULL,
	    &err) == 0, "create %s: %s", name, err.msg);
	free(arn);
}

static void
start(struct sl_store *s, const char *sm, const char *name, int64_t now)
{
	struct sl_err err = SL_ERR_INIT;
	char *arn = xasprintf(EX_ARN "%s:%s", sm, name);
	char *sm_arn = xasprintf(SM_ARN "%s", sm);
	struct sl_store_exec_start in = { .arn = arn, .name = name,
		.sm_arn = sm_arn, .input = "{}", .now = now };

	ck_assert_msg(sl_store_exec_start(s, &in, NULL, NULL, NULL, NULL,
	    &err) == 0, "start %s: %s", name, err.msg);
	free(arn);
	free(sm_arn);
}

static void
end(struct sl_store *s, const char *sm, const char *name,
    enum sl_store_exec_status st, int64_t now)
{
	struct sl_err err = SL_ERR_INIT;
	char *arn = xasprintf(EX_ARN "%s:%s", sm, name);
	struct sl_store_exec_end e = { .status = st, .now = now,
		.output = st == SL_STORE_EXEC_SUCCEEDED ? "{}" : NULL,
		.error = st == SL_STORE_EXEC_SUCCEEDED ? NULL : "E" };

	ck_assert_msg(sl_store_exec_finish(s, arn, &e, NULL, NULL, &err) == 0,
	    "finish %s: %s", name, err.msg);
	free(arn);
}

/* Every event of arn, oldest first, through pages of `page`. */
static struct sl_store_history_event *
history(struct sl_store *s, const char *arn, int page, int reverse,
    size_t *n)
{
	struct sl_store_history_query q = { .exec_arn = arn,
		.max_results = page, .reverse_order = reverse };
	struct sl_store_history_event *all = NULL;
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_history h;
	char *token = NULL;
	size_t i;

	*n = 0;
	do {
		q.next_token = token;
		ck_assert_msg(sl_store_history_get(s, &q, &h, &err) == 0,
		    "history: %s", err.msg);
		free(token);
		token = h.next_token ? xstrdup(h.next_token) : NULL;
		all = xreallocarray(all, *n + h.n + 1, sizeof(*all));
		for (i = 0; i < h.n; i++) {
			all[*n + i] = h.events[i];
			h.events[i].type = NULL;
			h.events[i].json = NULL;
		}
		*n += h.n;
		sl_store_history_release(&h);
	} while (token != NULL);
	return all;
}

static void
history_free(struct sl_store_history_event *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(h[i].type);
		free(h[i].json);
	}
	free(h);
}

/* --- event heads ------------------------------------------------------- */

/* Events whose JSON starts, or almost starts, with the head that the
 * columns hold: each reads back byte for byte. */
static const struct sl_store_event forms[] = {
	{ 1, 0, 1700000000000, "ExecutionStarted",
	  "{\"id\":1,\"previousEventId\":0,\"timestamp\":1700000000000,"
	  "\"type\":\"ExecutionStarted\",\"executionStartedEventDetails\":"
	  "{\"input\":\"{\\\"a\\\":\\\"\xc3\xa9\\\"}\",\"inputDetails\":"
	  "{\"truncated\":false},\"roleArn\":\"r\"}}" },
	/* No details. */
	{ 2, 1, 1700000000001, "LambdaFunctionStarted",
	  "{\"id\":2,\"previousEventId\":1,\"timestamp\":1700000000001,"
	  "\"type\":\"LambdaFunctionStarted\"}" },
	/* Another key order (as the API's clients may write it). */
	{ 3, 2, 5, "PassStateEntered",
	  "{\"timestamp\":5,\"type\":\"PassStateEntered\",\"id\":3,"
	  "\"previousEventId\":2}" },
	/* A head of other numbers than the columns. */
	{ 4, 2, 7, "PassStateExited",
	  "{\"id\":4,\"previousEventId\":3,\"timestamp\":7,"
	  "\"type\":\"PassStateExited\"}" },
	/* A type that is a prefix of the JSON's, and the reverse. */
	{ 5, 4, 8, "Pass",
	  "{\"id\":5,\"previousEventId\":4,\"timestamp\":8,"
	  "\"type\":\"PassStateEntered\"}" },
	{ 6, 5, 9, "PassStateEnteredX",
	  "{\"id\":6,\"previousEventId\":5,\"timestamp\":9,"
	  "\"type\":\"PassStateEntered\"}" },
	/* Head, then something else than ',' or '}'. */
	{ 7, 6, 10, "T",
	  "{\"id\":7,\"previousEventId\":6,\"timestamp\":10,"
	  "\"type\":\"T\"{}}" },
	{ 8, 7, 11, "T",
	  "{\"id\":8,\"previousEventId\":7,\"timestamp\":11,\"type\":\"T\"" },
	/* Spaces, as a pretty printer writes. */
	{ 9, 8, 12, "T",
	  "{\"id\": 9, \"previousEventId\": 8, \"timestamp\": 12, "
	  "\"type\": \"T\"}" },
	/* Parallel branches: previousEventId far back; a quote in type. */
	{ 10, 2, 13, "A\"B",
	  "{\"id\":10,\"previousEventId\":2,\"timestamp\":13,"
	  "\"type\":\"A\"B\",\"x\":1}" },
	{ 11, 0, -1, "T",
	  "{\"id\":11,\"previousEventId\":0,\"timestamp\":-1,\"type\":\"T\","
	  "\"d\":{}}" },
	{ 12, 11, 0, "T", "{}" },
	/* Not JSON at all (the store keeps what it is given). */
	{ 13, 12, 0, "T", "" },
	{ 14, 13, 0, "T", "abc" },
	{ 15, 14, 0, "T", "}x" },
	{ 16, 15, 0, "T", "," },
	{ 17, 16, 0, "T", "~" },
	{ 18, 17, 0, "T", "~{}" },
	/* Bytes that stand for tokens, given as they are; tokens. */
	{ 19, 18, 0, "T", "{\"a\":\"\x01\x03\x1f\"}" },
	{ 20, 19, 0, "T", "{\"id\":20,\"previousEventId\":19,\"timestamp\":0,"
	  "\"type\":\"T\",\"x\":\"\x02\"}" },
	{ 21, 20, 0, "T", "{\"id\":21,\"previousEventId\":20,\"timestamp\":0,"
	  "\"type\":\"T\",\"inputDetails\":{\"truncated\":false}\\\"\\\\"
	  "\"input\":\"arn:aws::function:{\\\":\\\",\\\"\\\":\\\"\"}" },
};

START_TEST(test_event_forms)
{
	struct sl_store *s = open_in("var");
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_history_event *h;
	size_t n = sizeof(forms) / sizeof(forms[0]), got, i;
	char *arn = xasprintf(EX_ARN "m:e");
	const char *tail;

	create_sm(s, "m");
	start(s, "m", "e", 1);
	ck_assert_int_eq(sl_store_exec_progress(s, arn, forms, 6, NULL, NULL,
	    NULL, &err), 0);
	ck_assert_int_eq(sl_store_exec_progress(s, arn, forms + 6, n - 6,
	    "{\"cp\":1}", NULL, NULL, &err), 0);
	flush(s);
	/* Read back in pages of 1, 5 and all, both ways. */
	h = history(s, arn, 1, 0, &got);
	ck_assert_uint_eq(got, n);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(h[i].id, forms[i].id);
		ck_assert_int_eq(h[i].previous_id, forms[i].previous_id);
		ck_assert_int_eq(h[i].timestamp, forms[i].timestamp);
		ck_assert_str_eq(h[i].type, forms[i].type);
		ck_assert_str_eq(h[i].json, forms[i].json);
	}
	history_free(h, got);
	h = history(s, arn, 5, 1, &got);
	ck_assert_uint_eq(got, n);
	for (i = 0; i < n; i++)
		ck_assert_str_eq(h[i].json, forms[n - 1 - i].json);
	history_free(h, got);
	/* Two writes: two chunks. */
	ck_assert_int_eq(raw("var", "SELECT count(*) FROM events", NULL), 2);
	ck_assert_int_eq(raw("var", "SELECT sum(n) FROM events", NULL),
	    (int64_t)n);
	/* The engine's form keeps only what follows the head, shorter. */
	tail = forms[0].json + strlen("{\"id\":1,\"previousEventId\":0,"
	    "\"timestamp\":1700000000000,\"type\":\"ExecutionStarted\"");
	start(s, "m", "one", 2);
	free(arn);
	arn = xasprintf(EX_ARN "m:one");
	ck_assert_int_eq(sl_store_exec_progress(s, arn, forms, 1, NULL, NULL,
	    NULL, &err), 0);
	flush(s);
	ck_assert_int_le(raw("var", "SELECT length(data) FROM events"
	    " WHERE last_id = 1 AND n = 1", NULL), (int64_t)strlen(tail) - 30);
	free(arn);
	sl_store_close(s);
}
END_TEST

/* Event texts made of random pieces of the tokens, quotes, backslashes,
 * bytes below 0x20 and UTF-8 read back exactly. */
START_TEST(test_event_bodies_random)
{
	static const char *const pieces[] = { "\"inputDetails\":",
		"{\"truncated\":false}", "EventDetails\":{", "EventDetails",
		"\\\"", "\\", "\"", "\"input\":\"", "\"output\":\"",
		"\"name\":", "arn:aws:", "arn:aws", ":function:", "{\\\"",
		"\\\":\\\"", "\\\",\\\"", "\"roleArn\":\"", "\"error\":\"",
		"\"cause\":\"", "\"executionArn\":\"", "\"stateMachineArn\":\"",
		"\"resource\":\"", "x", "}", ",", "{", "~", "\xc3\xa9",
		"\x01", "\x0b", "\x1f", "\t", "\n" };
	struct sl_store *s = open_in("var");
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_history_event *h;
	struct sl_store_event ev[50];
	char *arn = xasprintf(EX_ARN "m:r"), **js;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	size_t total = 2000, got, i, k;

	create_sm(s, "m");
	start(s, "m", "r", 1);
	js = xcalloc(total, sizeof(*js));
	for (i = 0; i < total; i++) {
		struct sl_buf b;
		size_t np;

		sl_buf_init(&b);
		/* Most in the engine's form; some not. */
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		if (x % 4 != 0)
			sl_buf_addf(&b, "{\"id\":%zu,\"previousEventId\":%zu,"
			    "\"timestamp\":%zu,\"type\":\"T\"%s", i + 1, i,
			    i * 7, x % 3 ? "," : "}");
		np = (x >> 8) % 40;
		for (k = 0; k < np; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			sl_buf_addstr(&b, pieces[x % (sizeof(pieces) /
			    sizeof(pieces[0]))]);
		}
		js[i] = sl_buf_detach(&b, NULL);
	}
	for (i = 0; i < total; i += 50) {
		for (k = 0; k < 50; k++)
			ev[k] = (struct sl_store_event){ .id = (int64_t)(i + k +
			    1), .previous_id = (int64_t)(i + k),
			    .timestamp = (int64_t)((i + k) * 7), .type = "T",
			    .json = js[i + k] };
		ck_assert_int_eq(sl_store_exec_progress(s, arn, ev, 50, NULL,
		    NULL, NULL, &err), 0);
	}
	flush(s);
	h = history(s, arn, 1000, 0, &got);
	ck_assert_uint_eq(got, total);
	for (i = 0; i < total; i++)
		ck_assert_msg(strcmp(h[i].json, js[i]) == 0, "event %zu: '%s' "
		    "read back as '%s'", i + 1, js[i], h[i].json);
	history_free(h, got);
	for (i = 0; i < total; i++)
		free(js[i]);
	free(js);
	free(arn);
	sl_store_close(s);
}
END_TEST

/* Histories in chunks: a write of many events, or of big ones, is cut;
 * every page, either way and of any size, is the events in order. */
START_TEST(test_history_chunks)
{
	static const int pages[] = { 1, 3, 7, 31, 32, 33, 1000 };
	struct sl_store *s = open_in("var");
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_history_event *h;
	struct sl_store_event ev[100];
	char *arn = xasprintf(EX_ARN "m:h"), *js[200];
	size_t total = 0, got, i, k, p;
	int rev;

	create_sm(s, "m");
	start(s, "m", "h", 1);
	/* 100 tiny ones, one alone, 20 of 3 KB, then 79 in writes of
	 * 1 to 12. */
	for (i = 0; i < 200; i++) {
		int big = i >= 101 && i < 121;
		char *pad = xcalloc(1, big ? 3001 : 41);

		memset(pad, 'p', big ? 3000 : 40);
		js[i] = i < 100 ? xasprintf("{\"id\":%zu,\"previousEventId\":"
		    "%zu,\"timestamp\":%zu,\"type\":\"T\"}", i + 1, i,
		    1000 + i % 7) : xasprintf("{\"id\":%zu,\"previousEventId\":"
		    "%zu,\"timestamp\":%zu,\"type\":\"T\",\"d\":\"%s\"}",
		    i + 1, i, 1000 + i % 7, pad);
		free(pad);
	}
	for (i = 0; i < 200; i = k) {
		size_t len = i < 100 ? 100 : i == 100 ? 1 : i < 121 ? 20 :
		    1 + i % 12;

		for (k = i; k < 200 && k < i + len; k++)
			ev[k - i] = (struct sl_store_event){
				.id = (int64_t)k + 1, .previous_id = (int64_t)k,
				.timestamp = (int64_t)(1000 + k % 7),
				.type = "T", .json = js[k] };
		ck_assert_int_eq(sl_store_exec_progress(s, arn, ev, k - i,
		    NULL, NULL, NULL, &err), 0);
		total += k - i;
	}
	flush(s);
	ck_assert_uint_eq(total, 200);
	/* 100 tiny ones in chunks of 32; 3 KB ones alone; others up to a
	 * third of a page. */
	ck_assert_int_eq(raw("var", "SELECT count(*) FROM events WHERE"
	    " last_id <= 100", NULL), 4);
	ck_assert_int_eq(raw("var", "SELECT max(n) FROM events", NULL), 32);
	ck_assert_int_eq(raw("var", "SELECT count(*) FROM events WHERE"
	    " last_id > 101 AND last_id <= 121", NULL), 20);
	ck_assert_int_eq(raw("var", "SELECT count(*) FROM events WHERE n > 1"
	    " AND length(data) > (SELECT page_size FROM pragma_page_size())"
	    " / 3", NULL), 0);
	ck_assert_int_gt(raw("var", "SELECT count(*) FROM events WHERE"
	    " last_id > 121 AND n > 1", NULL), 0);
	for (rev = 0; rev < 2; rev++)
		for (p = 0; p < sizeof(pages) / sizeof(pages[0]); p++) {
			h = history(s, arn, pages[p], rev, &got);
			ck_assert_uint_eq(got, 200);
			for (i = 0; i < got; i++) {
				size_t x = rev ? 199 - i : i;

				ck_assert_int_eq(h[i].id, (int64_t)x + 1);
				ck_assert_int_eq(h[i].previous_id, (int64_t)x);
				ck_assert_int_eq(h[i].timestamp,
				    (int64_t)(1000 + x % 7));
				ck_assert_str_eq(h[i].json, js[x]);
			}
			history_free(h, got);
		}
	for (i = 0; i < 200; i++)
		free(js[i]);
	free(arn);
	sl_store_close(s);
}
END_TEST

/* A damaged chunk is reported as such, not read past. */
START_TEST(test_history_damaged)
{
	static const char *const damage[] = { "x'01'", "x''",
		"x'02ffffffffffffffffffff'", "data || x'00'",
		"substr(data, 1, length(data) - 1)" };
	struct sl_store_history_query q = { .max_results = 10 };
	struct sl_store *s = open_in("var");
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_history h;
	char *arn = xasprintf(EX_ARN "m:d"), *path, *sql;
	size_t i;

	create_sm(s, "m");
	start(s, "m", "d", 1);
	ck_assert_int_eq(sl_store_exec_progress(s, arn, forms, 3, NULL, NULL,
	    NULL, &err), 0);
	flush(s);
	q.exec_arn = arn;
	path = xasprintf("%s/var/sluice.db", tmpdir);
	for (i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
		sqlite3 *db;

		ck_assert_int_eq(sl_store_history_get(s, &q, &h, &err), 0);
		ck_assert_uint_eq(h.n, 3);
		sl_store_history_release(&h);
		ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
		sqlite3_busy_timeout(db, 5000);
		sql = xasprintf("SAVEPOINT d; CREATE TEMP TABLE keep AS SELECT"
		    " data FROM events; UPDATE events SET data = %s;",
		    damage[i]);
		ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL),
		    SQLITE_OK);
		free(sql);
		ck_assert_int_eq(sqlite3_exec(db, "RELEASE d", NULL, NULL,
		    NULL), SQLITE_OK);
		ck_assert_int_eq(sl_store_history_get(s, &q, &h, &err), -1);
		ck_assert_str_eq(err.type, "InternalFailure");
		ck_assert_msg(strstr(err.msg, "corrupt") != NULL, "%s",
		    err.msg);
		q.reverse_order = !q.reverse_order;
		ck_assert_int_eq(sl_store_history_get(s, &q, &h, &err), -1);
		q.reverse_order = !q.reverse_order;
		ck_assert_int_eq(sqlite3_exec(db, "UPDATE events SET data ="
		    " (SELECT data FROM keep); DROP TABLE keep", NULL, NULL,
		    NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	free(path);
	free(arn);
	sl_store_close(s);
}
END_TEST

/* Checkpoints are kept compacted with their execution's ARNs and read
 * back exactly, by a restart and by a resume. */
START_TEST(test_checkpoint_forms)
{
	static const char *const cps[] = {
		"{\"version\":1,\"executionArn\":\"" EX_ARN "m:c\",\"name\":"
		"\"c\",\"stateMachineArn\":\"" SM_ARN "m\",\"input\":"
		"\"{\\\"a\\\":1}\",\"frame\":{\"x\":\"" EX_ARN "m:cc\"}}",
		"", "x", EX_ARN "m:c", SM_ARN "m" EX_ARN "m:c" SM_ARN,
		"arn:aws:states", "{\"a\":\"\x1e\"}", "{\"a\":\"\x1f\x01\"}",
		"\t\n\r \x7f\xc3\xa9",
	};
	struct sl_store *s = open_in("var");
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_exec ex;
	struct sl_store_exec_list run;
	char *arn = xasprintf(EX_ARN "m:c"), *t;
	size_t i;

	create_sm(s, "m");
	start(s, "m", "c", 1);
	start(s, "m", "other", 2);
	for (i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
		ck_assert_int_eq(sl_store_exec_progress(s, arn, NULL, 0,
		    cps[i], NULL, NULL, &err), 0);
		flush(s);
		ck_assert_int_eq(sl_store_exec_resume(s, arn, &ex, &err), 0);
		ck_assert_str_eq(ex.checkpoint, cps[i]);
		sl_store_exec_release(&ex);
		ck_assert_int_eq(sl_store_exec_running(s, &run, &err), 0);
		ck_assert_uint_eq(run.n, 2);
		ck_assert_str_eq(run.items[0].checkpoint, cps[i]);
		ck_assert_ptr_null(run.items[1].checkpoint);
		sl_store_exec_list_release(&run);
		raw("var", "SELECT typeof(data) FROM checkpoints", &t);
		ck_assert_str_eq(t, i >= 6 && i <= 7 ? "text" : "blob");
		free(t);
		if (i == 0)
			ck_assert_int_le(raw("var", "SELECT length(data) FROM"
			    " checkpoints", NULL), (int64_t)strlen(cps[0]) -
			    2 * strlen(EX_ARN "m:c"));
	}
	free(arn);
	sl_store_close(s);
}
END_TEST

/* --- execution ARNs ---------------------------------------------------- */

START_TEST(test_exec_arn_form)
{
	struct sl_store *s = open_in("var");
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_exec_start in = { .name = "e", .now = 1 };
	static const char *const bad[][2] = {
		{ EX_ARN "m:f", SM_ARN "m" },
		{ EX_ARN "n:e", SM_ARN "m" },
		{ EX_ARN "m:e:x", SM_ARN "m" },
		{ EX_ARN "m", SM_ARN "m" },
		{ "arn:aws:states:us-east-1:1:execution:m:e", SM_ARN "m" },
		{ SM_ARN "m:e", SM_ARN "m" },
	};
	size_t i;

	create_sm(s, "m");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		in.arn = bad[i][0];
		in.sm_arn = bad[i][1];
		ck_assert_int_eq(sl_store_exec_start(s, &in, NULL, NULL, NULL,
		    NULL, &err), -1);
		ck_assert_str_eq(err.type, "ValidationException");
		ck_assert_ptr_nonnull(strstr(err.msg, "is not the ARN"));
	}
	/* Machine ARNs that two (machine, name) pairs could share an
	 * execution ARN through. */
	in.arn = "a:execution:x:execution:y:e";
	in.sm_arn = "a:execution:x:stateMachine:y";
	ck_assert_int_eq(sl_store_exec_start(s, &in, NULL, NULL, NULL, NULL,
	    &err), -1);
	ck_assert_str_eq(err.type, "ValidationException");
	in.arn = "a:execution:x:stateMachine:y:e";
	in.sm_arn = "a:stateMachine:x:stateMachine:y";
	ck_assert_int_eq(sl_store_exec_start(s, &in, NULL, NULL, NULL, NULL,
	    &err), -1);
	ck_assert_str_eq(err.type, "ValidationException");
	in.arn = EX_ARN "m:e";
	in.sm_arn = SM_ARN "m";
	ck_assert_int_eq(sl_store_exec_start(s, &in, NULL, NULL, NULL, NULL,
	    &err), 0);
	flush(s);
	/* Found by its ARN, and only by it. */
	{
		static const char *const nope[] = { "nope", EX_ARN "m",
			EX_ARN "m:", EX_ARN "m:e:", SM_ARN "m:e",
			EX_ARN "n:e", EX_ARN "m:E", EX_ARN "m:e ",
			"arn:aws:states:us-east-1:000000000000:execution::m:e",
			EX_ARN "m:e\x01" };
		struct sl_store_history_query q = { .max_results = 10 };
		struct sl_store_history h;
		struct sl_store_exec ex;

		ck_assert_int_eq(sl_store_exec_get(s, EX_ARN "m:e", &ex, &err),
		    0);
		ck_assert_str_eq(ex.arn, EX_ARN "m:e");
		ck_assert_str_eq(ex.sm_arn, SM_ARN "m");
		ck_assert_str_eq(ex.name, "e");
		sl_store_exec_release(&ex);
		for (i = 0; i < sizeof(nope) / sizeof(nope[0]); i++) {
			ck_assert_int_eq(sl_store_exec_get(s, nope[i], &ex,
			    &err), -1);
			ck_assert_str_eq(err.type, "ExecutionDoesNotExist");
			ck_assert_int_eq(sl_store_exec_resume(s, nope[i], &ex,
			    &err), -1);
			ck_assert_str_eq(err.type, "ExecutionDoesNotExist");
			q.exec_arn = nope[i];
			ck_assert_int_eq(sl_store_history_get(s, &q, &h, &err),
			    -1);
			ck_assert_str_eq(err.type, "ExecutionDoesNotExist");
			ck_assert_int_eq(sl_store_exec_progress(s, nope[i],
			    NULL, 0, "{}", NULL, NULL, &err), -1);
			ck_assert_str_eq(err.type, "ExecutionDoesNotExist");
		}
	}
	sl_store_close(s);
}
END_TEST

/* Making an ARN and taking it apart are each other's inverse. */
START_TEST(test_exec_arn_make_split)
{
	static const char *const sms[] = { SM_ARN "m", "a:stateMachine:b",
		"a:b:stateMachine:", ":stateMachine:x:y",
		"arn:stateMachine:x" };
	static const char *const bad_sms[] = { "a:b", "a:execution:b",
		"a:stateMachine:b:stateMachine:c", "x:execution:stateMachine:y",
		"a:stateMachine:b:execution:" };
	const char *name;
	char *arn, *sm;
	size_t i;

	for (i = 0; i < sizeof(sms) / sizeof(sms[0]); i++) {
		arn = sl_store_exec_arn(sms[i], "n-1");
		ck_assert_ptr_nonnull(arn);
		ck_assert_int_eq(sl_store_exec_arn_split(arn, &sm, &name), 0);
		ck_assert_str_eq(sm, sms[i]);
		ck_assert_str_eq(name, "n-1");
		free(sm);
		free(arn);
	}
	arn = sl_store_exec_arn(SM_ARN "m", "e");
	ck_assert_str_eq(arn, EX_ARN "m:e");
	free(arn);
	for (i = 0; i < sizeof(bad_sms) / sizeof(bad_sms[0]); i++)
		ck_assert_ptr_null(sl_store_exec_arn(bad_sms[i], "n"));
	ck_assert_ptr_null(sl_store_exec_arn(SM_ARN "m", "a:b"));
	ck_assert_int_eq(sl_store_exec_arn_split("a:execution:b", &sm, &name),
	    -1);
	ck_assert_ptr_null(sm);
	ck_assert_int_eq(sl_store_exec_arn_split("a:b:c", &sm, &name), -1);
	ck_assert_int_eq(sl_store_exec_arn_split(
	    "a:execution:b:execution:c:n", &sm, &name), -1);
	ck_assert_int_eq(sl_store_exec_arn_split("a:execution:b:n", &sm,
	    &name), 0);
	ck_assert_str_eq(sm, "a:stateMachine:b");
	ck_assert_str_eq(name, "n");
	free(sm);
}
END_TEST

/* --- listings ---------------------------------------------------------- */

#define NSM 3
#define NEXEC 90

/* The executions of the listing test: x00..x89, each on machine
 * sm_of[i], with status status[i]. */
struct listing {
	int sm_of[NEXEC];
	int status[NEXEC];
};

static int
listed(const struct listing *x, int i, int m, int f)
{
	return (m < 0 || x->sm_of[i] == m) && (f < 0 || x->status[i] == f);
}

/* Page through the listing of machine m (-1: all) and status f (-1: any)
 * by pages of `page`: exactly the executions that match, newest first. */
static void
check_listing(struct sl_store *s, const struct listing *x, const char *sm,
    int m, int f, int page)
{
	struct sl_store_exec_query q = { .status_filter = f,
		.max_results = page };
	struct sl_err err = SL_ERR_INIT;
	char *sm_arn = sm ? xasprintf(SM_ARN "%s", sm) : NULL;
	char *token = NULL, name[16];
	int want = NEXEC;
	size_t k;

	q.sm_arn = sm_arn;
	do {
		struct sl_store_exec_list l;

		q.next_token = token;
		ck_assert_msg(sl_store_exec_list(s, &q, &l, &err) == 0, "%s",
		    err.msg);
		free(token);
		token = l.next_token ? xstrdup(l.next_token) : NULL;
		for (k = 0; k < l.n; k++) {
			while (--want >= 0 && !listed(x, want, m, f))
				;
			ck_assert_int_ge(want, 0);
			snprintf(name, sizeof(name), "x%02d", want);
			ck_assert_str_eq(l.items[k].name, name);
			ck_assert_int_eq(l.items[k].status, x->status[want]);
			ck_assert_int_eq(l.items[k].start_date, 100 + want);
		}
		ck_assert(l.n > 0 || token == NULL);
		sl_store_exec_list_release(&l);
	} while (token != NULL);
	/* Nothing left that matches. */
	while (--want >= 0)
		ck_assert_msg(!listed(x, want, m, f), "x%02d missing (m %d "
		    "f %d page %d)", want, m, f, page);
	free(sm_arn);
}

/* Every listing (by machine or all; any status or each) in pages of 1, 4
 * and 1000 is exactly the executions that match, newest first. */
START_TEST(test_list_every_status)
{
	struct sl_store *s = open_in("var");
	static const char *const sms[NSM] = { "a", "b", "c" };
	static const int pages[] = { 1, 4, 1000 };
	static struct listing x;
	struct sl_err err = SL_ERR_INIT;
	char name[16];
	int i, m, f, p;

	for (m = 0; m < NSM; m++)
		create_sm(s, sms[m]);
	for (i = 0; i < NEXEC; i++) {
		/* Machine c gets only a few; statuses in a mixed order. */
		x.sm_of[i] = i % 7 == 0 ? 2 : i % 2;
		x.status[i] = (i * 7 + i / 5) % 5;
		snprintf(name, sizeof(name), "x%02d", i);
		start(s, sms[x.sm_of[i]], name, 100 + i);
		if (i % 11 == 0)
			flush(s);
	}
	for (i = NEXEC - 1; i >= 0; i--)
		if (x.status[i] != SL_STORE_EXEC_RUNNING) {
			snprintf(name, sizeof(name), "x%02d", i);
			end(s, sms[x.sm_of[i]], name, x.status[i], 500 + i);
		}
	flush(s);
	for (m = -1; m < NSM; m++)
		for (f = -1; f <= SL_STORE_EXEC_ABORTED; f++)
			for (p = 0; p < 3; p++)
				check_listing(s, &x, m < 0 ? NULL : sms[m], m,
				    f, pages[p]);
	/* The running ones, for a restart: oldest first, every machine. */
	{
		struct sl_store_exec_list run;
		int prev = -1;
		size_t k;

		ck_assert_int_eq(sl_store_exec_running(s, &run, &err), 0);
		for (k = 0; k < run.n; k++) {
			int r = atoi(run.items[k].name + 1);

			ck_assert_int_gt(r, prev);
			for (i = prev + 1; i < r; i++)
				ck_assert_int_ne(x.status[i], 0);
			ck_assert_int_eq(x.status[r], 0);
			prev = r;
		}
		for (i = prev + 1; i < NEXEC; i++)
			ck_assert_int_ne(x.status[i], 0);
		ck_assert_uint_gt(run.n, 0);
		sl_store_exec_list_release(&run);
	}
	sl_store_close(s);
}
END_TEST

/* --- ids --------------------------------------------------------------- */

/* Ids are never given twice, even once the rows that had the largest are
 * deleted (by a machine's deletion, by retention) and across a restart. */
START_TEST(test_ids_never_reused)
{
	struct sl_store *s = open_in("var");
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_exec_list l;
	struct sl_store_exec_query q = { .status_filter = -1 };
	struct sl_store_notify_list nl;
	const int64_t day = 86400000;
	int64_t nid = 0, nid2 = 0, seq;
	size_t deleted = 0;
	int d = 0;

	create_sm(s, "keep");
	create_sm(s, "gone");
	start(s, "keep", "k1", 1);
	start(s, "gone", "g1", 2);
	start(s, "gone", "g2", 3);
	ck_assert_int_eq(sl_store_exec_list(s, &q, &l, &err), 0);
	ck_assert_uint_eq(l.n, 3);
	seq = l.items[0].seq;
	sl_store_exec_list_release(&l);
	end(s, "gone", "g1", SL_STORE_EXEC_SUCCEEDED, 5);
	end(s, "gone", "g2", SL_STORE_EXEC_ABORTED, 6);
	ck_assert_int_eq(sl_store_sm_delete(s, SM_ARN "gone", &d, NULL, NULL,
	    &err), 0);
	ck_assert_int_eq(d, 1);
	ck_assert_int_eq(sl_store_notify_add(s, "t", "{}", NULL, 1, &nid,
	    NULL, NULL, &err), 0);
	flush(s);
	/* Every notification is old: all go. */
	ck_assert_int_eq(sl_store_prune(s, 100 * day, 0, &deleted, NULL, NULL,
	    &err), 0);
	flush(s);
	ck_assert_int_eq(raw("var", "SELECT count(*) FROM notifications",
	    NULL), 0);
	sl_store_close(s);

	s = open_in("var");
	start(s, "keep", "k2", 4);
	ck_assert_int_eq(sl_store_exec_list(s, &q, &l, &err), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.items[0].name, "k2");
	ck_assert_int_gt(l.items[0].seq, seq);
	sl_store_exec_list_release(&l);
	ck_assert_int_eq(sl_store_notify_add(s, "t", "{}", NULL, 200 * day,
	    &nid2, NULL, NULL, &err), 0);
	ck_assert_int_gt(nid2, nid);
	ck_assert_int_eq(sl_store_notify_list(s, "t", 0, 0, NULL, &nl, &err),
	    0);
	ck_assert_uint_eq(nl.n, 1);
	ck_assert_int_eq(nl.items[0].id, nid2);
	sl_store_notify_list_release(&nl);
	sl_store_close(s);
}
END_TEST

/* --- retention --------------------------------------------------------- */

/* Old executions still running, or stopped recently, do not keep the old
 * finished ones behind them from going; limit counts deletions. */
START_TEST(test_prune_behind_running)
{
	struct sl_store *s = open_in("var");
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_exec ex;
	const int64_t day = 86400000, now = 400 * day;
	size_t deleted = 0;
	char name[16], *arn;
	int i;

	create_sm(s, "m");
	start(s, "m", "long", 1);           /* still running */
	start(s, "m", "slow", 2);           /* stopped yesterday */
	end(s, "m", "slow", SL_STORE_EXEC_SUCCEEDED, now - day);
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "old%d", i);
		start(s, "m", name, 10 + i);
		end(s, "m", name, i % 2 ? SL_STORE_EXEC_FAILED :
		    SL_STORE_EXEC_SUCCEEDED, 20 + i);
	}
	start(s, "m", "new", now - day);
	end(s, "m", "new", SL_STORE_EXEC_ABORTED, now - day + 1);
	ck_assert_int_eq(sl_store_notify_add(s, "t", "{}", NULL, 5, NULL,
	    NULL, NULL, &err), 0);
	ck_assert_int_eq(sl_store_notify_add(s, "t", "{}", NULL, now, NULL,
	    NULL, NULL, &err), 0);
	ck_assert_int_eq(sl_store_prune(s, now - 90 * day, 3, &deleted, NULL,
	    NULL, &err), 0);
	ck_assert_uint_eq(deleted, 3);
	ck_assert_int_eq(sl_store_prune(s, now - 90 * day, 3, &deleted, NULL,
	    NULL, &err), 0);
	ck_assert_uint_eq(deleted, 2);
	ck_assert_int_eq(sl_store_prune(s, now - 90 * day, 3, &deleted, NULL,
	    NULL, &err), 0);
	ck_assert_uint_eq(deleted, 0);
	flush(s);
	for (i = 0; i < 5; i++) {
		arn = xasprintf(EX_ARN "m:old%d", i);
		ck_assert_int_eq(sl_store_exec_get(s, arn, &ex, &err), -1);
		ck_assert_str_eq(err.type, "ExecutionDoesNotExist");
		free(arn);
	}
	ck_assert_int_eq(sl_store_exec_get(s, EX_ARN "m:long", &ex, &err), 0);
	sl_store_exec_release(&ex);
	ck_assert_int_eq(sl_store_exec_get(s, EX_ARN "m:slow", &ex, &err), 0);
	sl_store_exec_release(&ex);
	ck_assert_int_eq(sl_store_exec_get(s, EX_ARN "m:new", &ex, &err), 0);
	sl_store_exec_release(&ex);
	ck_assert_int_eq(raw("var", "SELECT count(*) FROM notifications",
	    NULL), 1);
	ck_assert_int_eq(raw("var", "SELECT timestamp FROM notifications",
	    NULL), now);
	sl_store_close(s);
}
END_TEST

/* --- migration --------------------------------------------------------- */

/* Schema 1 as it was written (store/sqlite.c's migrations[0]). */
static const char v1_schema[] =
	"CREATE TABLE state_machines ("
	"  arn TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  type INTEGER NOT NULL,"
	"  status INTEGER NOT NULL,"
	"  revision_id TEXT NOT NULL,"
	"  creation_date INTEGER NOT NULL,"
	"  update_date INTEGER NOT NULL DEFAULT 0,"
	"  role_arn TEXT,"
	"  extra TEXT);"
	"CREATE INDEX state_machines_name ON state_machines(name, arn);"
	"CREATE TABLE revisions ("
	"  sm_arn TEXT NOT NULL,"
	"  revision_id TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  role_arn TEXT,"
	"  definition TEXT NOT NULL,"
	"  PRIMARY KEY (sm_arn, revision_id));"
	"CREATE TABLE executions ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  status INTEGER NOT NULL,"
	"  start_date INTEGER NOT NULL,"
	"  stop_date INTEGER NOT NULL DEFAULT 0,"
	"  arn TEXT NOT NULL UNIQUE,"
	"  sm_arn TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  revision_id TEXT NOT NULL,"
	"  error TEXT,"
	"  cause TEXT,"
	"  input TEXT NOT NULL,"
	"  output TEXT,"
	"  UNIQUE (sm_arn, name));"
	"CREATE INDEX executions_sm ON executions(sm_arn, seq);"
	"CREATE INDEX executions_status ON executions(status, seq);"
	"CREATE INDEX executions_sm_status ON executions(sm_arn, status, seq);"
	"CREATE INDEX executions_stop ON executions(stop_date)"
	"  WHERE status != 0;"
	"CREATE TABLE events ("
	"  exec_seq INTEGER NOT NULL,"
	"  id INTEGER NOT NULL,"
	"  previous_id INTEGER NOT NULL,"
	"  timestamp INTEGER NOT NULL,"
	"  type TEXT NOT NULL,"
	"  json TEXT NOT NULL,"
	"  UNIQUE (exec_seq, id));"
	"CREATE TABLE checkpoints ("
	"  exec_seq INTEGER PRIMARY KEY,"
	"  data TEXT NOT NULL);"
	"CREATE TABLE notifications ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  topic TEXT NOT NULL,"
	"  timestamp INTEGER NOT NULL,"
	"  publisher TEXT,"
	"  message TEXT NOT NULL);"
	"CREATE INDEX notifications_topic ON notifications(topic, id);"
	"CREATE INDEX notifications_time ON notifications(timestamp);";

/* What a schema 1 store held: machine m (revision r1, updated to r2), its
 * executions e1 (SUCCEEDED), e2 (RUNNING, with a checkpoint) and e5
 * (FAILED; seqs 3 and 4 were deleted, and 6-7 given then deleted), and
 * notifications 1-3 of topics t and u (4 given then deleted). */
static const char v1_rows[] =
	"INSERT INTO state_machines VALUES ('" SM_ARN "m', 'm', 0, 0, 'r2',"
	"  1000, 2000, 'role', '{\"description\":\"d\"}');"
	"INSERT INTO revisions VALUES ('" SM_ARN "m', 'r1', 1000, 'role',"
	"  '" DEF1 "');"
	"INSERT INTO revisions VALUES ('" SM_ARN "m', 'r2', 2000, 'role',"
	"  '{\"StartAt\":\"B\"}');"
	"INSERT INTO executions VALUES (1, 1, 10, 20, '" EX_ARN "m:e1',"
	"  '" SM_ARN "m', 'e1', 'r1', NULL, NULL, '{\"i\":1}',"
	"  '{\"o\":1}');"
	"INSERT INTO executions VALUES (2, 0, 11, 0, '" EX_ARN "m:e2',"
	"  '" SM_ARN "m', 'e2', 'r1', NULL, NULL, '{\"i\":2}', NULL);"
	"INSERT INTO executions VALUES (5, 2, 12, 30, '" EX_ARN "m:e5',"
	"  '" SM_ARN "m', 'e5', 'r2', 'States.TaskFailed', 'boom',"
	"  '{\"i\":5}', NULL);"
	"UPDATE sqlite_sequence SET seq = 7 WHERE name = 'executions';"
	"INSERT INTO events VALUES (1, 1, 0, 10, 'ExecutionStarted',"
	"  '{\"id\":1,\"previousEventId\":0,\"timestamp\":10,"
	"\"type\":\"ExecutionStarted\",\"executionStartedEventDetails\":"
	"{\"input\":\"{\\\"i\\\":1}\",\"inputDetails\":"
	"{\"truncated\":false}}}');"
	"INSERT INTO events VALUES (1, 2, 1, 11, 'PassStateEntered',"
	"  '{\"timestamp\":11,\"type\":\"PassStateEntered\",\"id\":2,"
	"\"previousEventId\":1}');"
	"INSERT INTO events VALUES (1, 3, 2, 20, 'ExecutionSucceeded',"
	"  '{\"id\":3,\"previousEventId\":2,\"timestamp\":20,"
	"\"type\":\"ExecutionSucceeded\",\"executionSucceededEventDetails\":"
	"{\"output\":\"{\\\"o\\\":1}\",\"outputDetails\":"
	"{\"truncated\":false}}}');"
	"INSERT INTO events VALUES (2, 1, 0, 11, 'ExecutionStarted',"
	"  '{\"id\":1,\"previousEventId\":0,\"timestamp\":11,"
	"\"type\":\"ExecutionStarted\"}');"
	"INSERT INTO events VALUES (2, 2, 1, 12, 'WaitStateEntered',"
	"  '{\"id\":2,\"previousEventId\":1,\"timestamp\":12,"
	"\"type\":\"WaitStateEntered\",\"stateEnteredEventDetails\":"
	"{\"name\":\"W\",\"input\":\"{\\\"i\\\":2}\"}}');"
	"INSERT INTO events VALUES (5, 1, 0, 12, 'ExecutionFailed',"
	"  '{\"id\":1,\"previousEventId\":0,\"timestamp\":13,"
	"\"type\":\"ExecutionFailed\"}');"
	"INSERT INTO checkpoints VALUES (2, '{\"cp\":2}');"
	"INSERT INTO notifications VALUES (1, 't', 100, 'fn', '{\"n\":1}');"
	"INSERT INTO notifications VALUES (2, 'u', 101, NULL, '{\"n\":2}');"
	"INSERT INTO notifications VALUES (3, 't', 102, 'fn', '{\"n\":3}');"
	"UPDATE sqlite_sequence SET seq = 4 WHERE name = 'notifications';";

static void
make_v1(const char *sub)
{
	char *dir = xasprintf("%s/%s", tmpdir, sub);
	char *path = xasprintf("%s/sluice.db", dir);
	char *sql = xasprintf("PRAGMA page_size = 4096;"
	    "PRAGMA journal_mode = WAL; BEGIN; %s %s"
	    "PRAGMA application_id = %d; PRAGMA user_version = 1; COMMIT;",
	    v1_schema, v1_rows, 0x534c4345);
	sqlite3 *db;
	char *msg = NULL;

	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK,
	    "v1: %s", msg ? msg : "?");
	sqlite3_close(db);
	free(sql);
	free(path);
	free(dir);
}

/* The v1 events' JSON texts, as stored (and so as returned). */
static const char *const v1_e1[] = {
	"{\"id\":1,\"previousEventId\":0,\"timestamp\":10,"
	"\"type\":\"ExecutionStarted\",\"executionStartedEventDetails\":"
	"{\"input\":\"{\\\"i\\\":1}\",\"inputDetails\":{\"truncated\":false}}}",
	"{\"timestamp\":11,\"type\":\"PassStateEntered\",\"id\":2,"
	"\"previousEventId\":1}",
	"{\"id\":3,\"previousEventId\":2,\"timestamp\":20,"
	"\"type\":\"ExecutionSucceeded\",\"executionSucceededEventDetails\":"
	"{\"output\":\"{\\\"o\\\":1}\",\"outputDetails\":"
	"{\"truncated\":false}}}",
};

START_TEST(test_migrate_v1)
{
	struct sl_store *s;
	struct sl_err err = SL_ERR_INIT;
	struct sl_store_history_event *h;
	struct sl_store_exec ex;
	struct sl_store_exec_list l, run;
	struct sl_store_exec_query q = { .status_filter = -1,
		.sm_arn = SM_ARN "m" };
	struct sl_store_notify_list nl;
	struct sl_store_sm sm;
	char *def = NULL, *fresh = NULL, *migrated = NULL;
	int64_t nid = 0;
	size_t n, i;

	make_v1("v1");
	s = open_in("v1");
	ck_assert_int_eq(raw("v1", "PRAGMA user_version", NULL),
	    sl_store_schema_version());
	ck_assert_int_eq(sl_store_schema_version(), 2);
	/* The machine and both revisions. */
	ck_assert_int_eq(sl_store_sm_get(s, SM_ARN "m", &sm, &err), 0);
	ck_assert_str_eq(sm.revision_id, "r2");
	ck_assert_str_eq(sm.definition, "{\"StartAt\":\"B\"}");
	ck_assert_str_eq(sm.extra, "{\"description\":\"d\"}");
	ck_assert_int_eq(sm.update_date, 2000);
	sl_store_sm_release(&sm);
	ck_assert_int_eq(sl_store_sm_revision(s, SM_ARN "m", "r1", &def, NULL,
	    &err), 0);
	ck_assert_str_eq(def, DEF1);
	free(def);
	/* Executions. */
	ck_assert_int_eq(sl_store_exec_get(s, EX_ARN "m:e1", &ex, &err), 0);
	ck_assert_int_eq(ex.seq, 1);
	ck_assert_int_eq(ex.status, SL_STORE_EXEC_SUCCEEDED);
	ck_assert_int_eq(ex.start_date, 10);
	ck_assert_int_eq(ex.stop_date, 20);
	ck_assert_str_eq(ex.input, "{\"i\":1}");
	ck_assert_str_eq(ex.output, "{\"o\":1}");
	ck_assert_str_eq(ex.revision_id, "r1");
	ck_assert_int_eq(ex.last_event_id, 3);
	sl_store_exec_release(&ex);
	ck_assert_int_eq(sl_store_exec_get(s, EX_ARN "m:e5", &ex, &err), 0);
	ck_assert_int_eq(ex.status, SL_STORE_EXEC_FAILED);
	ck_assert_str_eq(ex.error, "States.TaskFailed");
	ck_assert_str_eq(ex.cause, "boom");
	ck_assert_ptr_null(ex.output);
	sl_store_exec_release(&ex);
	ck_assert_int_eq(sl_store_exec_list(s, &q, &l, &err), 0);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_int_eq(l.items[0].seq, 5);
	ck_assert_int_eq(l.items[1].seq, 2);
	ck_assert_int_eq(l.items[2].seq, 1);
	sl_store_exec_list_release(&l);
	q.status_filter = SL_STORE_EXEC_FAILED;
	q.sm_arn = NULL;
	ck_assert_int_eq(sl_store_exec_list(s, &q, &l, &err), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.items[0].name, "e5");
	sl_store_exec_list_release(&l);
	/* The running one resumes from its checkpoint. */
	ck_assert_int_eq(sl_store_exec_running(s, &run, &err), 0);
	ck_assert_uint_eq(run.n, 1);
	ck_assert_str_eq(run.items[0].name, "e2");
	ck_assert_str_eq(run.items[0].checkpoint, "{\"cp\":2}");
	ck_assert_str_eq(run.items[0].definition, DEF1);
	ck_assert_int_eq(run.items[0].last_event_id, 2);
	sl_store_exec_list_release(&run);
	/* Histories, byte for byte, both ways and paged. */
	h = history(s, EX_ARN "m:e1", 2, 0, &n);
	ck_assert_uint_eq(n, 3);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(h[i].id, (int64_t)i + 1);
		ck_assert_str_eq(h[i].json, v1_e1[i]);
	}
	ck_assert_str_eq(h[1].type, "PassStateEntered");
	ck_assert_int_eq(h[2].timestamp, 20);
	history_free(h, n);
	h = history(s, EX_ARN "m:e1", 1, 1, &n);
	ck_assert_uint_eq(n, 3);
	for (i = 0; i < n; i++)
		ck_assert_str_eq(h[i].json, v1_e1[2 - i]);
	history_free(h, n);
	/* Event 1 of e5 has a timestamp other than its column's: kept
	 * whole. */
	h = history(s, EX_ARN "m:e5", 10, 0, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(h[0].timestamp, 12);
	ck_assert_str_eq(h[0].json, "{\"id\":1,\"previousEventId\":0,"
	    "\"timestamp\":13,\"type\":\"ExecutionFailed\"}");
	history_free(h, n);
	/* The engine's form is kept without its head now. */
	/* A chunk per event of schema 1. */
	ck_assert_int_eq(raw("v1", "SELECT count(*) FROM events WHERE n = 1",
	    NULL), 6);
	/* Notifications. */
	ck_assert_int_eq(sl_store_notify_list(s, "t", 0, 0, NULL, &nl, &err),
	    0);
	ck_assert_uint_eq(nl.n, 2);
	ck_assert_int_eq(nl.items[0].id, 1);
	ck_assert_str_eq(nl.items[0].publisher, "fn");
	ck_assert_str_eq(nl.items[0].message, "{\"n\":1}");
	ck_assert_int_eq(nl.items[1].id, 3);
	ck_assert_int_eq(nl.items[1].timestamp, 102);
	sl_store_notify_list_release(&nl);
	ck_assert_int_eq(sl_store_notify_list(s, "u", 1, 0, NULL, &nl, &err),
	    0);
	ck_assert_uint_eq(nl.n, 1);
	ck_assert_ptr_null(nl.items[0].publisher);
	sl_store_notify_list_release(&nl);
	/* Ids given by schema 1 are not given again. */
	start(s, "m", "e9", 40);
	ck_assert_int_eq(sl_store_exec_get(s, EX_ARN "m:e9", &ex, &err), 0);
	ck_assert_int_eq(ex.seq, 8);
	sl_store_exec_release(&ex);
	ck_assert_int_eq(sl_store_notify_add(s, "t", "{}", NULL, 200, &nid,
	    NULL, NULL, &err), 0);
	ck_assert_int_eq(nid, 5);
	/* Names stay unique per machine. */
	{
		struct sl_store_exec_start in = { .arn = EX_ARN "m:e1",
			.name = "e1", .sm_arn = SM_ARN "m", .now = 50 };

		ck_assert_int_eq(sl_store_exec_start(s, &in, NULL, NULL, NULL,
		    NULL, &err), -1);
		ck_assert_str_eq(err.type, "ExecutionAlreadyExists");
	}
	sl_store_close(s);
	/* Migrated in place: the same schema as a new database's. */
	s = open_in("fresh");
	sl_store_close(s);
	raw("fresh", "SELECT group_concat(type || ' ' || name || ' ' ||"
	    " ifnull(sql, ''), ';') FROM (SELECT * FROM sqlite_schema"
	    " ORDER BY name)", &fresh);
	raw("v1", "SELECT group_concat(type || ' ' || name || ' ' ||"
	    " ifnull(sql, ''), ';') FROM (SELECT * FROM sqlite_schema"
	    " ORDER BY name)", &migrated);
	ck_assert_str_eq(migrated, fresh);
	ck_assert_ptr_null(strstr(fresh, "AUTOINCREMENT"));
	/* New databases have 2 KB pages; a migrated one keeps its own. */
	ck_assert_int_eq(raw("fresh", "PRAGMA page_size", NULL), 2048);
	ck_assert_int_eq(raw("v1", "PRAGMA page_size", NULL), 4096);
	free(fresh);
	free(migrated);
	/* And it opens again, unchanged, with its integrity intact. */
	s = open_in("v1");
	ck_assert_int_eq(sl_store_exec_get(s, EX_ARN "m:e2", &ex, &err), 0);
	ck_assert_int_eq(ex.status, SL_STORE_EXEC_RUNNING);
	sl_store_exec_release(&ex);
	sl_store_close(s);
	ck_assert_int_eq(raw("v1", "PRAGMA integrity_check", &fresh), 0);
	ck_assert_str_eq(fresh, "ok");
	free(fresh);
}
END_TEST

/* A schema 1 execution whose ARN is not made of its machine's and name,
 * or without its machine, stops the migration: the file is left as it
 * was. */
START_TEST(test_migrate_v1_refused)
{
	static const char *const damage[] = {
		"UPDATE executions SET arn = arn || 'x' WHERE seq = 2",
		"UPDATE executions SET sm_arn = 'gone' WHERE seq = 5",
	};
	char *dir, *path, *msg = NULL;
	size_t i;

	for (i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
		char sub[16];
		struct sl_store_config cfg = { .sync = SL_STORE_SYNC_NORMAL };
		struct sl_err err = SL_ERR_INIT;
		sqlite3 *db;

		snprintf(sub, sizeof(sub), "v1-%zu", i);
		make_v1(sub);
		dir = xasprintf("%s/%s", tmpdir, sub);
		path = xasprintf("%s/sluice.db", dir);
		ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
		ck_assert_int_eq(sqlite3_exec(db, damage[i], NULL, NULL, &msg),
		    SQLITE_OK);
		sqlite3_close(db);
		cfg.data_dir = dir;
		ck_assert_ptr_null(sl_store_open(&cfg, &err));
		ck_assert_str_eq(err.type, "InternalFailure");
		ck_assert_msg(strstr(err.msg, "cannot migrate") != NULL &&
		    strstr(err.msg, EX_ARN "m:e") != NULL, "%s", err.msg);
		ck_assert_int_eq(raw(sub, "PRAGMA user_version", NULL), 1);
		ck_assert_int_eq(raw(sub, "SELECT count(*) FROM executions",
		    NULL), 3);
		free(path);
		free(dir);
	}
}
END_TEST

Suite *
store_schema_suite(void)
{
	Suite *s = suite_create("store_schema");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_event_forms);
	tcase_add_test(tc, test_event_bodies_random);
	tcase_add_test(tc, test_checkpoint_forms);
	tcase_add_test(tc, test_history_chunks);
	tcase_add_test(tc, test_history_damaged);
	tcase_add_test(tc, test_exec_arn_form);
	tcase_add_test(tc, test_exec_arn_make_split);
	tcase_add_test(tc, test_list_every_status);
	tcase_add_test(tc, test_ids_never_reused);
	tcase_add_test(tc, test_prune_behind_running);
	tcase_add_test(tc, test_migrate_v1);
	tcase_add_test(tc, test_migrate_v1_refused);
	suite_add_tcase(s, tc);
	return s;
}
