/* db_insert: the first step of the signup example. Validates {email, name},
 * inserts the user with a fresh verification token into SQLite (SIGNUP_DB)
 * or PostgreSQL (DATABASE_URL=postgres://...), idempotently per request key,
 * and returns {userId, email, verificationToken, createdAt}. */
#include <sluice.h>

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "signup.h"

#define NAME_MAX_BYTES 256
#define KEY_MAX_BYTES 512
#define TOKEN_BYTES 32
#define BUSY_TIMEOUT_MS 5000
#define PG_CONNECT_TIMEOUT "5"

/* A user row as the handler returns it. */
struct user {
	char id[SIGNUP_UUID_LEN + 1];
	char email[SIGNUP_EMAIL_MAX + 1];
	char email_key[SIGNUP_EMAIL_MAX + 1];
	char token[2 * TOKEN_BYTES + 1];
	char created_at[SIGNUP_TIME_LEN + 1];
};

/* The request, validated. Borrowed from the event and the context. */
struct signup {
	const char *email;
	const char *name;
	const char *key;
	char email_key[SIGNUP_EMAIL_MAX + 1];
};

/* The database connection lives as long as the execution environment, so
 * warm invocations reuse it (and the prepared statements). */
static struct {
	int use_pg;
	char *url; /* DATABASE_URL (the context's strings are borrowed) */
	PGconn *pg;
	int pg_schema;
	char *path; /* SIGNUP_DB */
	sqlite3 *db;
	sqlite3_stmt *find;
	sqlite3_stmt *insert;
	int busy_ms;      /* SIGNUP_DB_BUSY_TIMEOUT_MS */
	int wait_ms;      /* this invocation's wait: busy_ms or less */
	int64_t started;  /* when this invocation began to wait, ms */
	int64_t deadline; /* when this invocation stops waiting, ms */
	int lock_fd;      /* PATH.write-lock, or -1 */
} st = { .busy_ms = BUSY_TIMEOUT_MS, .wait_ms = BUSY_TIMEOUT_MS,
	.lock_fd = -1 };

/* A user this function reported as inserted must be on disk before the
 * workflow goes on to mail them: a power loss must not take back a user
 * whose verification mail is already out. synchronous=FULL would sync the
 * WAL inside each commit, while the write lock is held, so the writers'
 * syncs would queue one behind the other. With NORMAL a commit only
 * writes its frames; sqlite_sync_log() then syncs the WAL after the lock
 * is let go and before the function answers, so one sync covers every
 * commit made before it, this environment's and the others' (a group
 * commit). NORMAL still syncs the WAL before each checkpoint, the database
 * after it, and the WAL's header when the WAL starts over, so what a sync
 * made durable stays so. */
static const char sqlite_schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS signup_users ("
    " id TEXT PRIMARY KEY,"
    " email TEXT NOT NULL,"
    " email_key TEXT NOT NULL UNIQUE,"
    " name TEXT NOT NULL,"
    " verification_token TEXT NOT NULL,"
    " idempotency_key TEXT NOT NULL UNIQUE,"
    " created_at TEXT NOT NULL);";

static const char sqlite_find[] =
    "SELECT id, email, email_key, verification_token, created_at"
    " FROM signup_users WHERE idempotency_key = ?1";

/* A key already there makes it insert nothing (sqlite3_changes() 0). */
static const char sqlite_insert[] =
    "INSERT INTO signup_users (id, email, email_key, name,"
    " verification_token, idempotency_key, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    " ON CONFLICT (idempotency_key) DO NOTHING";

/* Concurrent first uses race to create the table: the advisory lock
 * serialises them within the transaction. */
static const char pg_schema[] =
    "BEGIN;"
    "SELECT pg_advisory_xact_lock(7246812731);"
    "CREATE TABLE IF NOT EXISTS signup_users ("
    " id uuid PRIMARY KEY,"
    " email text NOT NULL,"
    " email_key text NOT NULL CONSTRAINT signup_users_email_unique UNIQUE,"
    " name text NOT NULL,"
    " verification_token text NOT NULL,"
    " idempotency_key text NOT NULL"
    "  CONSTRAINT signup_users_idempotency_unique UNIQUE,"
    " created_at timestamptz NOT NULL);"
    "COMMIT;";

#define PG_COLUMNS                                                           \
	"id::text, email, email_key, verification_token,"                    \
	" to_char(created_at AT TIME ZONE 'UTC',"                            \
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

static const char pg_insert[] =
    "INSERT INTO signup_users (id, email, email_key, name,"
    " verification_token, idempotency_key, created_at)"
    " VALUES ($1::uuid, $2, $3, $4, $5, $6, $7::timestamptz)"
    " ON CONFLICT (idempotency_key) DO NOTHING"
    " RETURNING " PG_COLUMNS;

static const char pg_find[] =
    "SELECT " PG_COLUMNS " FROM signup_users WHERE idempotency_key = $1";

static void
copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "");
}

/* Monotonic milliseconds, for the busy waits. */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- SQLite ------------------------------------------------------------ */

static int
sqlite_is_busy(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

/* Report a SQLite failure as DatabaseBusy (worth retrying) or
 * DatabaseError, naming what was being done; with no ctx, just fail. */
static int
sqlite_fail(sl_context *ctx, int rc, const char *what)
{
	if (ctx == NULL)
		return -1;
	if (sqlite_is_busy(rc))
		return sl_error(ctx, "DatabaseBusy",
		    "%s: database %s is locked by another writer "
		    "(gave up after %lld of at most %d ms)", what, st.path,
		    (long long)(now_ms() - st.started), st.wait_ms);
	return sl_error(ctx, "DatabaseError", "%s: %s: %s", what, st.path,
	    st.db != NULL ? sqlite3_errmsg(st.db) : sqlite3_errstr(rc));
}

/* Wait for another writer in short naps until the deadline. SQLite's own
 * busy timeout sleeps up to 100 ms at a time, which makes a burst of
 * signups wait far longer than the lock is held. */
static int
sqlite_busy(void *arg, int count)
{
	struct timespec nap = { 0, 250000 };

	(void)arg;
	if (now_ms() >= st.deadline)
		return 0;
	if (count > 8)
		nap.tv_nsec = 1000000;
	nanosleep(&nap, NULL);
	return 1;
}

static void
sqlite_close(void)
{
	sqlite3_finalize(st.find);
	sqlite3_finalize(st.insert);
	sqlite3_close(st.db);
	st.find = st.insert = NULL;
	st.db = NULL;
}

/* Create the directory that will hold path, if it is missing (the host
 * normally creates the granted directory; this helps without one). */
static void
make_parent(const char *path)
{
	char *dir = strdup(path), *slash;

	if (dir == NULL)
		return;
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		(void)mkdir(dir, 0700);
	}
	free(dir);
}

/* The writers' queue. SQLite lets one connection write at a time; a
 * second one gets SQLITE_BUSY and can only poll, napping, so under load the
 * environments of this function took turns badly: the lock sat free while
 * the others slept, and two environments inserted no faster than one. So
 * each environment first takes an exclusive flock on PATH.write-lock,
 * held over one write transaction (or the schema set-up): a waiter sleeps
 * in the kernel and is woken the moment the holder is done. It also keeps
 * two environments that start together from both holding a shared lock
 * while each waits for the exclusive one that switching to WAL needs.
 *
 * The wait ends at this invocation's deadline (SIGALRM interrupts it).
 * Writers other than this function (a shell, a backup) do not take the
 * flock; SQLite's own busy handling covers them, and it is also what a
 * waiter that gave up meets, so it fails with DatabaseBusy as before. */
static void
on_alarm(int sig)
{
	(void)sig; /* only to interrupt flock() */
}

/* Take the writers' lock, waiting until the deadline. Returns 0 when held,
 * -1 when not (no lock file, or the deadline passed): the caller goes on
 * and lets SQLite's busy handling decide. */
static int
writers_lock(void)
{
	struct itimerval it;
	struct sigaction sa;
	char lp[PATH_MAX];
	int64_t left;
	int rc;

	if (st.lock_fd == -1) {
		if (snprintf(lp, sizeof(lp), "%s.write-lock", st.path) >=
		    (int)sizeof(lp))
			return -1;
		st.lock_fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (st.lock_fd == -1)
			return -1;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm; /* no SA_RESTART: flock sees EINTR */
		sigemptyset(&sa.sa_mask);
		(void)sigaction(SIGALRM, &sa, NULL);
	}
	if (flock(st.lock_fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK && errno != EINTR)
		return -1;
	/* Another signal may interrupt the wait too: the timer is set
	 * again for what is left each time round. */
	for (rc = -1; (left = st.deadline - now_ms()) > 0;) {
		memset(&it, 0, sizeof(it));
		it.it_value.tv_sec = (time_t)(left / 1000);
		it.it_value.tv_usec = (suseconds_t)(left % 1000) * 1000;
		(void)setitimer(ITIMER_REAL, &it, NULL);
		rc = flock(st.lock_fd, LOCK_EX);
		if (rc == 0 || errno != EINTR)
			break;
	}
	memset(&it, 0, sizeof(it));
	(void)setitimer(ITIMER_REAL, &it, NULL);
	return rc == 0 ? 0 : -1;
}

static void
writers_unlock(int held)
{
	if (held == 0)
		(void)flock(st.lock_fd, LOCK_UN);
}

/* Open the database, create the schema when missing and prepare the
 * statements. Safe to call again after a failure. ctx may be NULL (in
 * init(), where a failure is only noted and retried by the handler). */
static int
sqlite_setup(sl_context *ctx)
{
	int rc, lock;

	if (st.insert != NULL)
		return 0;
	if (st.db == NULL) {
		make_parent(st.path);
		rc = sqlite3_open_v2(st.path, &st.db,
		    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			SQLITE_OPEN_NOMUTEX,
		    NULL);
		if (rc != SQLITE_OK) {
			rc = sqlite_fail(ctx, rc, "opening the database");
			sqlite_close();
			return rc;
		}
		sqlite3_extended_result_codes(st.db, 1);
	}
	sqlite3_busy_handler(st.db, sqlite_busy, NULL);
	lock = writers_lock();
	rc = sqlite3_exec(st.db, sqlite_schema, NULL, NULL, NULL);
	writers_unlock(lock);
	if (rc != SQLITE_OK)
		return sqlite_fail(ctx, rc, "creating the schema");
	rc = sqlite3_prepare_v3(st.db, sqlite_find, -1,
	    SQLITE_PREPARE_PERSISTENT, &st.find, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v3(st.db, sqlite_insert, -1,
		    SQLITE_PREPARE_PERSISTENT, &st.insert, NULL);
	if (rc != SQLITE_OK) {
		rc = sqlite_fail(ctx, rc, "preparing statements");
		sqlite3_finalize(st.find);
		st.find = NULL;
		return rc;
	}
	return 0;
}

/* Look the idempotency key up: 1 and *u filled when found, 0 when not,
 * -1 with the error set. */
static int
sqlite_find_key(sl_context *ctx, const char *key, struct user *u)
{
	int rc;

	sqlite3_reset(st.find);
	sqlite3_bind_text(st.find, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st.find);
	if (rc == SQLITE_ROW) {
		copy_str(u->id, sizeof(u->id),
		    (const char *)sqlite3_column_text(st.find, 0));
		copy_str(u->email, sizeof(u->email),
		    (const char *)sqlite3_column_text(st.find, 1));
		copy_str(u->email_key, sizeof(u->email_key),
		    (const char *)sqlite3_column_text(st.find, 2));
		copy_str(u->token, sizeof(u->token),
		    (const char *)sqlite3_column_text(st.find, 3));
		copy_str(u->created_at, sizeof(u->created_at),
		    (const char *)sqlite3_column_text(st.find, 4));
		rc = 1;
	} else if (rc == SQLITE_DONE)
		rc = 0;
	else
		rc = sqlite_fail(ctx, rc, "looking up the idempotency key");
	sqlite3_reset(st.find);
	sqlite3_clear_bindings(st.find);
	return rc;
}

/* Sync the file that holds this connection's last commit: the WAL (or,
 * should the database not be in WAL mode, the database file), with the
 * VFS's own sync, which also syncs the directory of a WAL it has just
 * created. Every answer drawn from the database waits for it, so that what
 * a caller was told (inserted, found, or taken) cannot be undone by a
 * power loss. */
static int
sqlite_sync_log(sl_context *ctx)
{
	sqlite3_file *f = NULL;
	int rc;

	rc = sqlite3_file_control(st.db, "main",
	    SQLITE_FCNTL_JOURNAL_POINTER, &f);
	if (rc != SQLITE_OK || f == NULL || f->pMethods == NULL)
		rc = sqlite3_file_control(st.db, "main",
		    SQLITE_FCNTL_FILE_POINTER, &f);
	if (rc == SQLITE_OK && (f == NULL || f->pMethods == NULL))
		rc = SQLITE_IOERR_FSYNC;
	if (rc == SQLITE_OK)
		rc = f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
	if (rc != SQLITE_OK)
		return sl_error(ctx, "DatabaseError",
		    "syncing the write-ahead log of %s: %s", st.path,
		    sqlite3_errstr(rc));
	return 0;
}

/* Insert u for req. The INSERT is a transaction of its own that checks
 * the key and inserts under one write lock, so no other writer can come in
 * between; only when it found the key is that row read back. Returns 1
 * when the key was already there (u then holds that row), 0 when inserted,
 * -1 with the error set. */
static int
sqlite_insert_user(sl_context *ctx, const struct signup *req, struct user *u)
{
	int rc, found, lock;

	if (sqlite_setup(ctx) == -1)
		return -1;
	sqlite3_bind_text(st.insert, 1, u->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st.insert, 2, u->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st.insert, 3, u->email_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st.insert, 4, req->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st.insert, 5, u->token, -1, SQLITE_STATIC);
	sqlite3_bind_text(st.insert, 6, req->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st.insert, 7, u->created_at, -1, SQLITE_STATIC);
	lock = writers_lock();
	rc = sqlite3_step(st.insert);
	sqlite3_reset(st.insert);
	writers_unlock(lock);
	sqlite3_clear_bindings(st.insert);
	/* The answer below rests on what the WAL holds now: the row this
	 * inserted, or the one it met. */
	if ((rc == SQLITE_DONE || rc == SQLITE_CONSTRAINT_UNIQUE) &&
	    sqlite_sync_log(ctx) == -1)
		return -1;
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		/* A key already there inserts nothing, so the address is
		 * what collided. */
		return sl_error(ctx, "UserAlreadyExists",
		    "email: a user with the address %s already exists",
		    req->email);
	if (rc != SQLITE_DONE)
		return sqlite_fail(ctx, rc, "inserting the user");
	if (sqlite3_changes(st.db) == 1)
		return 0;
	found = sqlite_find_key(ctx, req->key, u);
	if (found == 0)
		return sl_error(ctx, "DatabaseError",
		    "the row for idempotency key %s vanished", req->key);
	return found;
}

/* --- PostgreSQL -------------------------------------------------------- */

/* libpq's message m on one line: newlines and tabs become spaces, and the
 * trailing ones go. */
static void
pg_text(char *buf, size_t size, const char *m)
{
	size_t n;

	snprintf(buf, size, "%s", m != NULL ? m : "");
	for (n = 0; buf[n] != '\0'; n++)
		if (buf[n] == '\n' || buf[n] == '\t')
			buf[n] = ' ';
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
}

/* Whether res failed on the unique address. */
static int
pg_is_duplicate(PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *constraint = PQresultErrorField(res,
	    PG_DIAG_CONSTRAINT_NAME);

	return state != NULL && strcmp(state, "23505") == 0 &&
	    constraint != NULL &&
	    strcmp(constraint, "signup_users_email_unique") == 0;
}

/* Map a failed result (or a NULL one) to DatabaseUnavailable (no
 * connection), DatabaseBusy (worth retrying) or DatabaseError. */
static int
pg_fail(sl_context *ctx, PGresult *res, const char *what)
{
	const char *state, *m;
	char msg[512];

	state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	/* The primary message alone ("canceling statement due to lock
	 * timeout"), without libpq's "ERROR:" and trailing newline. */
	m = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) :
	    NULL;
	if (m == NULL || *m == '\0')
		m = PQerrorMessage(st.pg);
	pg_text(msg, sizeof(msg), m);
	if (state == NULL || strncmp(state, "08", 2) == 0 ||
	    PQstatus(st.pg) != CONNECTION_OK)
		return sl_error(ctx, "DatabaseUnavailable", "%s: %s", what,
		    msg);
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0 || strcmp(state, "53300") == 0 ||
	    strcmp(state, "57P03") == 0)
		return sl_error(ctx, "DatabaseBusy", "%s: %s (SQLSTATE %s)",
		    what, msg, state);
	return sl_error(ctx, "DatabaseError", "%s: %s (SQLSTATE %s)", what,
	    msg, state);
}

/* Connect (or reconnect after a lost connection) and create the schema
 * once per connection. */
static int
pg_setup(sl_context *ctx)
{
	/* Values that the URL itself may override (expand_dbname). */
	const char *const keys[] = { "connect_timeout", "gssencmode",
		"application_name", "dbname", NULL };
	const char *const vals[] = { PG_CONNECT_TIMEOUT, "disable",
		"sluice-db_insert", st.url, NULL };
	PGresult *res;
	int ok;

	if (st.pg != NULL && PQstatus(st.pg) != CONNECTION_OK) {
		PQfinish(st.pg);
		st.pg = NULL;
	}
	if (st.pg == NULL) {
		st.pg_schema = 0;
		st.pg = PQconnectdbParams(keys, vals, 1);
		if (st.pg == NULL)
			return sl_error(ctx, "DatabaseUnavailable",
			    "connecting to PostgreSQL: out of memory");
		if (PQstatus(st.pg) != CONNECTION_OK) {
			char msg[512];

			pg_text(msg, sizeof(msg), PQerrorMessage(st.pg));
			ok = sl_error(ctx, "DatabaseUnavailable",
			    "connecting to PostgreSQL: %s", msg);
			PQfinish(st.pg);
			st.pg = NULL;
			return ok;
		}
	}
	if (st.pg_schema)
		return 0;
	res = PQexec(st.pg, pg_schema);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok) {
		pg_fail(ctx, res, "creating the schema");
		PQclear(res);
		res = PQexec(st.pg, "ROLLBACK");
		PQclear(res);
		return -1;
	}
	PQclear(res);
	st.pg_schema = 1;
	return 0;
}

/* Copy the row of res (PG_COLUMNS) into u. */
static void
pg_row(PGresult *res, struct user *u)
{
	copy_str(u->id, sizeof(u->id), PQgetvalue(res, 0, 0));
	copy_str(u->email, sizeof(u->email), PQgetvalue(res, 0, 1));
	copy_str(u->email_key, sizeof(u->email_key), PQgetvalue(res, 0, 2));
	copy_str(u->token, sizeof(u->token), PQgetvalue(res, 0, 3));
	copy_str(u->created_at, sizeof(u->created_at), PQgetvalue(res, 0, 4));
}

/* The same contract as sqlite_insert_user. ON CONFLICT on the key makes a
 * concurrent retry with the same key insert nothing; the row is then read
 * back. */
static int
pg_insert_user(sl_context *ctx, const struct signup *req, struct user *u)
{
	const char *params[7];
	PGresult *res;
	int rc;

	if (pg_setup(ctx) == -1)
		return -1;
	params[0] = u->id;
	params[1] = u->email;
	params[2] = u->email_key;
	params[3] = req->name;
	params[4] = u->token;
	params[5] = req->key;
	params[6] = u->created_at;
	res = PQexecParams(st.pg, pg_insert, 7, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = pg_is_duplicate(res) ?
		    sl_error(ctx, "UserAlreadyExists",
			"email: a user with the address %s already exists",
			req->email) :
		    pg_fail(ctx, res, "inserting the user");
		PQclear(res);
		return rc;
	}
	if (PQntuples(res) == 1) {
		pg_row(res, u);
		PQclear(res);
		return 0;
	}
	PQclear(res);
	res = PQexecParams(st.pg, pg_find, 1, NULL, &req->key, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		rc = PQresultStatus(res) == PGRES_TUPLES_OK ?
		    sl_error(ctx, "DatabaseError",
			"the row for idempotency key %s vanished", req->key) :
		    pg_fail(ctx, res, "reading back the idempotent insert");
		PQclear(res);
		return rc;
	}
	pg_row(res, u);
	PQclear(res);
	return 1;
}

/* --- the handler ------------------------------------------------------- */

/* Take the request fields from the event, or fail with ValidationError
 * naming the field. */
static int
validate(sl_context *ctx, const cJSON *event, struct signup *req)
{
	const cJSON *email, *name, *key;
	const char *why, *p;
	size_t i;

	if (!cJSON_IsObject(event))
		return sl_error(ctx, "ValidationError",
		    "event: must be a JSON object with email and name");
	email = cJSON_GetObjectItemCaseSensitive(event, "email");
	if (email == NULL || cJSON_IsNull(email))
		return sl_error(ctx, "ValidationError", "email: is required");
	if (!cJSON_IsString(email))
		return sl_error(ctx, "ValidationError",
		    "email: must be a string");
	if (signup_check_email(email->valuestring, &why) == -1)
		return sl_error(ctx, "ValidationError",
		    "email: '%.300s' is not a valid address: it %s",
		    email->valuestring, why);
	name = cJSON_GetObjectItemCaseSensitive(event, "name");
	if (name == NULL || cJSON_IsNull(name))
		return sl_error(ctx, "ValidationError", "name: is required");
	if (!cJSON_IsString(name))
		return sl_error(ctx, "ValidationError",
		    "name: must be a string");
	for (p = name->valuestring; isspace((unsigned char)*p); p++)
		;
	if (*p == '\0')
		return sl_error(ctx, "ValidationError",
		    "name: must not be empty");
	if (strlen(name->valuestring) > NAME_MAX_BYTES)
		return sl_error(ctx, "ValidationError",
		    "name: is longer than %d bytes", NAME_MAX_BYTES);
	if (!signup_is_text(name->valuestring, ""))
		return sl_error(ctx, "ValidationError",
		    "name: must be UTF-8 text without control characters");
	req->email = email->valuestring;
	req->name = name->valuestring;
	key = cJSON_GetObjectItemCaseSensitive(event, "idempotencyKey");
	if (key != NULL && !cJSON_IsNull(key)) {
		if (!cJSON_IsString(key) || key->valuestring[0] == '\0' ||
		    strlen(key->valuestring) > KEY_MAX_BYTES)
			return sl_error(ctx, "ValidationError",
			    "idempotencyKey: must be a string of 1 to %d bytes",
			    KEY_MAX_BYTES);
		req->key = key->valuestring;
	} else
		req->key = sl_idempotency_key(ctx);
	if (req->key == NULL || req->key[0] == '\0')
		req->key = sl_request_id(ctx);
	/* Addresses are unique regardless of case: most mail systems treat
	 * the local part case-insensitively, and the domain always is. */
	for (i = 0; req->email[i] != '\0'; i++)
		req->email_key[i] = (char)tolower((unsigned char)req->email[i]);
	req->email_key[i] = '\0';
	return 0;
}

int init(sl_context *ctx);
int handler(const cJSON *event, sl_context *ctx, cJSON **result);

int
init(sl_context *ctx)
{
	const char *url, *path, *busy, *dir;

	url = sl_getenv(ctx, "DATABASE_URL");
	if (url != NULL && (strncmp(url, "postgres://", 11) == 0 ||
	    strncmp(url, "postgresql://", 13) == 0)) {
		st.use_pg = 1;
		if ((st.url = strdup(url)) == NULL)
			return sl_error(ctx, "ConfigurationError",
			    "out of memory");
		/* A database that is down now may be up at the first
		 * invocation: connect then, and report it there. */
		return 0;
	}
	if (url != NULL && *url != '\0')
		return sl_error(ctx, "ConfigurationError",
		    "DATABASE_URL must start with postgres:// or "
		    "postgresql:// (unset it for SQLite)");
	busy = sl_getenv(ctx, "SIGNUP_DB_BUSY_TIMEOUT_MS");
	if (busy != NULL && *busy != '\0')
		st.busy_ms = atoi(busy);
	path = sl_getenv(ctx, "SIGNUP_DB");
	if (path != NULL && *path != '\0')
		st.path = strdup(path);
	else if ((dir = sl_getenv(ctx, "SLUICE_DATA_DIR")) != NULL) {
		size_t n = strlen(dir) + sizeof("/signup/signup.db");

		if ((st.path = malloc(n)) != NULL)
			snprintf(st.path, n, "%s/signup/signup.db", dir);
	} else
		return sl_error(ctx, "ConfigurationError",
		    "set SIGNUP_DB (the SQLite file) or DATABASE_URL");
	if (st.path == NULL)
		return sl_error(ctx, "ConfigurationError", "out of memory");
	/* Creating the schema now keeps it off the first request's time; a
	 * failure here (say the file is locked) is retried by the handler. */
	st.started = now_ms();
	st.deadline = st.started + st.busy_ms;
	if (sqlite_setup(NULL) == -1)
		sl_log(ctx, "db_insert: the database is not ready yet; "
		    "retrying at the first invocation");
	return 0;
}

int
handler(const cJSON *event, sl_context *ctx, cJSON **result)
{
	unsigned char rnd[16 + TOKEN_BYTES];
	struct signup req;
	struct user u;
	int64_t left, now;
	int rc;

	if (validate(ctx, event, &req) == -1)
		return -1;
	memset(&u, 0, sizeof(u));
	/* The id's randomness and the token's, drawn at once. The id is
	 * time-ordered (UUID version 7): each insert adds to the end of the
	 * table's b-trees, which keeps the pages a checkpoint writes back
	 * few. */
	if (signup_random(rnd, sizeof(rnd)) == -1)
		return sl_error(ctx, "DatabaseError",
		    "getrandom failed: %s", strerror(errno));
	now = signup_wall_ms();
	signup_uuid7_of(u.id, now, rnd);
	signup_hex(u.token, rnd + 16, TOKEN_BYTES);
	copy_str(u.email, sizeof(u.email), req.email);
	copy_str(u.email_key, sizeof(u.email_key), req.email_key);
	signup_rfc3339_of(u.created_at, now);
	if (st.use_pg)
		rc = pg_insert_user(ctx, &req, &u);
	else {
		/* Wait for the write lock no longer than the time left. */
		left = sl_remaining_ms(ctx) - 250;
		if (st.path == NULL)
			return sl_error(ctx, "ConfigurationError",
			    "no database configured");
		st.wait_ms = left < st.busy_ms ? (int)(left > 0 ? left : 0) :
		    st.busy_ms;
		st.started = now_ms();
		st.deadline = st.started + st.wait_ms;
		rc = sqlite_insert_user(ctx, &req, &u);
	}
	if (rc == -1)
		return -1;
	if (rc == 1 && strcmp(u.email_key, req.email_key) != 0)
		return sl_error(ctx, "IdempotentParameterMismatch",
		    "idempotencyKey: %s was already used for another address",
		    req.key);
	if (rc == 1)
		sl_log(ctx, "db_insert: key %s already inserted user %s; "
		    "returning it", req.key, u.id);
	*result = cJSON_CreateObject();
	if (*result == NULL)
		return sl_error(ctx, "DatabaseError", "out of memory");
	cJSON_AddStringToObject(*result, "userId", u.id);
	cJSON_AddStringToObject(*result, "email", u.email);
	cJSON_AddStringToObject(*result, "verificationToken", u.token);
	cJSON_AddStringToObject(*result, "createdAt", u.created_at);
	return 0;
}
