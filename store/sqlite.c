/* The SQLite backend of the store: one database file in WAL mode under the
 * data directory, guarded by a lock file, with its schema created and
 * migrated here. See store.h for the contract. */
#include "store/store.h"
#include "store/exec_cache.h"
#include "common/fs.h"
#include "common/buf.h"
#include "common/xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* "SLCE": marks a database as ours (PRAGMA application_id). */
#define APP_ID 0x534c4345
/* PRAGMA user_version: the schema this code writes. Version N's
 * migrations[N - 1] brings a version N - 1 database up to N. */
#define SCHEMA_VERSION 2
/* The page size of a new database. A commit writes every page it touched
 * to the WAL, and most of its pages are touched for a few bytes (an index
 * entry, a checkpoint, a row's status): 2 KB pages write 28% fewer bytes
 * per signup than SQLite's 4 KB for the same CPU (1 KB: 47% fewer, but
 * 17% more of the store's CPU). A database keeps the size it was made
 * with (schema 1 ones: 4 KB); changing it takes a VACUUM. */
#define PAGE_SIZE 2048

static const char *const migrations[SCHEMA_VERSION] = {
	/* 1: the first schema. Small columns first in executions, so that
	 * reading the status does not walk through a large input. */
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
	"CREATE INDEX notifications_time ON notifications(timestamp);",

	/* 2: fewer b-trees and bytes written per execution.
	 * - executions and notifications lose AUTOINCREMENT, whose
	 *   sqlite_sequence row was rewritten at every commit; id_floor
	 *   keeps ids from being given twice instead, and is written only
	 *   when rows are deleted (a new id is above both the largest id
	 *   left and the floor).
	 * - state machines get an id (INTEGER PRIMARY KEY: VACUUM keeps
	 *   it); executions refer to theirs by it, and keep no ARN: theirs
	 *   is made of the machine's and the name (sl_store_exec_arn), so
	 *   one unique key, (sm_id, name), finds them by ARN too. One index,
	 *   executions_sm_status, serves every listing by machine (all
	 *   statuses: a merge of five ranges), has_running and the start-up
	 *   scan (machine by machine); executions_sm, executions_status
	 *   and executions_stop go (retention walks executions in seq
	 *   order, see S_PRUNE_PICK). Its statuses are in the order of
	 *   ST_KEY, RUNNING next to SUCCEEDED, so that the commonest end
	 *   moves an entry within a page or to the next.
	 * - events are kept in chunks, a row per write (see "history
	 *   chunks" below; a schema 1 event becomes a chunk of its own,
	 *   made by sl_event_chunk_v2), each event with what follows its
	 *   head {"id":..,"previousEventId":..,"timestamp":..,"type":".."
	 *   (which is rebuilt), compacted: with the commonest pieces of
	 *   AWS's event JSON as one byte each (see "compact text" and
	 *   "event bodies"). checkpoints.data is compacted too, with its
	 *   execution's ARNs (schema 1's are kept as they are: TEXT).
	 * - notifications_time goes: old notifications are the first ids.
	 * migration_checks[1] refuses executions of schema 1 whose ARN is
	 * not made so, or without their machine. */
	"CREATE TABLE id_floor ("
	"  tbl TEXT PRIMARY KEY,"
	"  seq INTEGER NOT NULL) WITHOUT ROWID;"
	"INSERT INTO id_floor (tbl, seq) SELECT name, seq FROM sqlite_sequence"
	"  WHERE name IN ('executions', 'notifications');"
	"CREATE TABLE state_machines_v2 ("
	"  id INTEGER PRIMARY KEY,"
	"  arn TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL,"
	"  type INTEGER NOT NULL,"
	"  status INTEGER NOT NULL,"
	"  revision_id TEXT NOT NULL,"
	"  creation_date INTEGER NOT NULL,"
	"  update_date INTEGER NOT NULL DEFAULT 0,"
	"  role_arn TEXT,"
	"  extra TEXT);"
	"INSERT INTO state_machines_v2 (id, arn, name, type, status,"
	"  revision_id, creation_date, update_date, role_arn, extra)"
	"  SELECT rowid, arn, name, type, status, revision_id, creation_date,"
	"  update_date, role_arn, extra FROM state_machines ORDER BY rowid;"
	"CREATE TABLE executions_v2 ("
	"  seq INTEGER PRIMARY KEY,"
	"  sm_id INTEGER NOT NULL,"
	"  status INTEGER NOT NULL,"
	"  start_date INTEGER NOT NULL,"
	"  stop_date INTEGER NOT NULL DEFAULT 0,"
	"  name TEXT NOT NULL,"
	"  revision_id TEXT NOT NULL,"
	"  error TEXT,"
	"  cause TEXT,"
	"  input TEXT NOT NULL,"
	"  output TEXT,"
	"  UNIQUE (sm_id, name));"
	"INSERT INTO executions_v2 (seq, sm_id, status, start_date, stop_date,"
	"  name, revision_id, error, cause, input, output)"
	"  SELECT e.seq, s.id, e.status, e.start_date, e.stop_date, e.name,"
	"  e.revision_id, e.error, e.cause, e.input, e.output"
	"  FROM executions e JOIN state_machines_v2 s ON s.arn = e.sm_arn"
	"  ORDER BY e.seq;"
	"DROP TABLE executions;"
	"DROP TABLE state_machines;"
	"ALTER TABLE state_machines_v2 RENAME TO state_machines;"
	"CREATE INDEX state_machines_name ON state_machines(name, arn);"
	"ALTER TABLE executions_v2 RENAME TO executions;"
	"CREATE INDEX executions_sm_status ON executions(sm_id,"
	"  (CASE status WHEN 0 THEN 1 WHEN 1 THEN 0 ELSE status END), seq);"
	"CREATE TABLE events_v2 ("
	"  exec_seq INTEGER NOT NULL,"
	"  last_id INTEGER NOT NULL,"
	"  n INTEGER NOT NULL,"
	"  data BLOB NOT NULL,"
	"  UNIQUE (exec_seq, last_id));"
	"INSERT INTO events_v2 (exec_seq, last_id, n, data)"
	"  SELECT exec_seq, id, 1,"
	"  sl_event_chunk_v2(json, id, previous_id, timestamp, type)"
	"  FROM events ORDER BY rowid;"
	"DROP TABLE events;"
	"ALTER TABLE events_v2 RENAME TO events;"
	"CREATE TABLE notifications_v2 ("
	"  id INTEGER PRIMARY KEY,"
	"  topic TEXT NOT NULL,"
	"  timestamp INTEGER NOT NULL,"
	"  publisher TEXT,"
	"  message TEXT NOT NULL);"
	"INSERT INTO notifications_v2 (id, topic, timestamp, publisher,"
	"  message) SELECT id, topic, timestamp, publisher, message"
	"  FROM notifications ORDER BY id;"
	"DROP TABLE notifications;"
	"ALTER TABLE notifications_v2 RENAME TO notifications;"
	"CREATE INDEX notifications_topic ON notifications(topic, id);",
};

/* Before migrations[N - 1], NULL or a query whose first row, if any,
 * names what that migration cannot take (the migration is refused). */
static const char *const migration_checks[SCHEMA_VERSION] = {
	NULL,
	"SELECT 'execution ' || arn || ' is not of its machine ' || sm_arn ||"
	" ' (the form is the machine ARN with :stateMachine: turned into"
	" :execution:, then :name), or its machine is missing'"
	" FROM executions e WHERE arn IS NOT"
	" substr(sm_arn, 1, instr(sm_arn, ':stateMachine:') - 1) ||"
	" ':execution:' || substr(sm_arn, instr(sm_arn, ':stateMachine:') + 14)"
	" || ':' || name OR instr(sm_arn, ':stateMachine:') = 0"
	" OR instr(substr(sm_arn, instr(sm_arn, ':stateMachine:') + 1),"
	"  ':stateMachine:') > 0 OR instr(sm_arn, ':execution:') > 0"
	" OR instr(name, ':') > 0"
	" OR NOT EXISTS (SELECT 1 FROM state_machines s"
	"  WHERE s.arn = e.sm_arn) LIMIT 1",
};

enum stmt_id {
	S_SAVEPOINT,
	S_RELEASE,
	S_ROLLBACK_TO,
	S_SM_GET,
	S_SM_BRIEF,
	S_SM_INSERT,
	S_REV_INSERT,
	S_REV_GET,
	S_REV_DROP_UNUSED,
	S_SM_UPDATE,
	S_SM_SET_DELETING,
	S_SM_HAS_RUNNING,
	S_SM_LIST_FIRST,
	S_SM_LIST_AFTER,
	S_PURGE_EVENTS,
	S_PURGE_CHECKPOINTS,
	S_PURGE_EXECS,
	S_PURGE_REVS,
	S_PURGE_SM,
	S_EXEC_BY_NAME,
	S_EXEC_INSERT,
	S_EXEC_STATE,
	S_EVENT_INSERT,
	S_CHECKPOINT_PUT,
	S_CHECKPOINT_DROP,
	S_EXEC_FINISH,
	S_EXEC_GET,
	S_EXEC_LIST_ALL,
	S_EXEC_LIST_STATUS,
	S_EXEC_LIST_SM,
	S_EXEC_LIST_SM_STATUS,
	S_EXEC_RUNNING,
	S_EXEC_RESUME,
	S_EXEC_SEQ,
	S_HISTORY_FWD,
	S_HISTORY_REV,
	S_NOTIFY_INSERT,
	S_NOTIFY_FWD,
	S_NOTIFY_REV,
	S_PRUNE_PICK,
	S_PRUNE_EVENTS,
	S_PRUNE_CHECKPOINT,
	S_PRUNE_EXEC,
	S_PRUNE_REVS,
	S_PRUNE_NOTIFY,
	S_FLOOR_EXECS,
	S_FLOOR_NOTIFY,
	S_COUNT
};

/* The order of statuses in executions_sm_status (as in its definition):
 * SUCCEEDED 0, RUNNING 1, then FAILED, TIMED_OUT, ABORTED as they are.
 * ST_KEY(x) is the place of status x (a column or a parameter). */
#define ST_KEY(x) "(CASE " x " WHEN 0 THEN 1 WHEN 1 THEN 0 ELSE " x " END)"
#define ST_KEY_RUNNING "1"

/* An execution's columns as exec_from_row reads them (e: executions,
 * s: its machine); EXEC_NCOLS of them. */
#define EXEC_COLS "e.seq, e.status, e.start_date, e.stop_date, s.arn," \
	" e.name, e.revision_id"
#define EXEC_NCOLS 7
/* An execution by ARN, taken apart (bind_exec_arn): ?1 its machine's ARN,
 * ?2 its name. */
#define EXEC_BY_ARN " FROM state_machines s JOIN executions e" \
	" ON e.sm_id = s.id WHERE s.arn = ?1 AND e.name = ?2"
#define LAST_EVENT_ID "(SELECT max(last_id) FROM events" \
	" WHERE exec_seq = e.seq)"
/* A new id of table t (column c): above every id it holds and above its
 * floor, the largest id it ever held before rows were deleted. */
#define NEXT_ID(c, t) "max(ifnull((SELECT max(" c ") FROM " t "), 0)," \
	" ifnull((SELECT seq FROM id_floor WHERE tbl = '" t "'), 0)) + 1"
/* Before rows of t may be deleted: its floor rises to its largest id. */
#define RAISE_FLOOR(c, t) "INSERT OR REPLACE INTO id_floor (tbl, seq)" \
	" VALUES ('" t "', " NEXT_ID(c, t) " - 1)"
/* The executions of machine ?4 (whose ARN is ?5) in place k of
 * executions_sm_status, newest first. */
#define EXEC_SM_ONE(k) "SELECT e.seq, e.status, e.start_date," \
	" e.stop_date, ?5, e.name, e.revision_id FROM executions e" \
	" WHERE e.sm_id = ?4 AND " ST_KEY("e.status") " = " k \
	" AND e.seq < ?1"

static const char *const stmt_sql[S_COUNT] = {
	[S_SAVEPOINT] = "SAVEPOINT op",
	[S_RELEASE] = "RELEASE op",
	[S_ROLLBACK_TO] = "ROLLBACK TO op",
	[S_SM_GET] = "SELECT s.arn, s.name, s.type, s.status, s.revision_id,"
	    " s.creation_date, s.update_date, s.role_arn, s.extra,"
	    " r.definition FROM state_machines s LEFT JOIN revisions r"
	    " ON r.sm_arn = s.arn AND r.revision_id = s.revision_id"
	    " WHERE s.arn = ?1",
	[S_SM_BRIEF] = "SELECT id, status, type, revision_id"
	    " FROM state_machines WHERE arn = ?1",
	[S_SM_INSERT] = "INSERT INTO state_machines (arn, name, type, status,"
	    " revision_id, creation_date, role_arn, extra)"
	    " VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7)",
	[S_REV_INSERT] = "INSERT INTO revisions (sm_arn, revision_id, created,"
	    " role_arn, definition) VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_REV_GET] = "SELECT definition, role_arn FROM revisions"
	    " WHERE sm_arn = ?1 AND revision_id = ?2",
	[S_REV_DROP_UNUSED] = "DELETE FROM revisions WHERE sm_arn = ?1"
	    " AND revision_id = ?2 AND NOT EXISTS (SELECT 1"
	    " FROM state_machines s JOIN executions e ON e.sm_id = s.id"
	    " WHERE s.arn = ?1 AND e.revision_id = ?2)",
	[S_SM_UPDATE] = "UPDATE state_machines SET revision_id = ?2,"
	    " update_date = ?3, role_arn = ?4, extra = ?5 WHERE arn = ?1",
	[S_SM_SET_DELETING] = "UPDATE state_machines SET status = 1"
	    " WHERE arn = ?1",
	[S_SM_HAS_RUNNING] = "SELECT 1 FROM executions WHERE sm_id = ?1"
	    " AND " ST_KEY("status") " = " ST_KEY_RUNNING " LIMIT 1",
	[S_SM_LIST_FIRST] = "SELECT arn, name, type, status, revision_id,"
	    " creation_date, update_date, role_arn FROM state_machines"
	    " ORDER BY name, arn LIMIT ?1",
	[S_SM_LIST_AFTER] = "SELECT arn, name, type, status, revision_id,"
	    " creation_date, update_date, role_arn FROM state_machines"
	    " WHERE name > ?2 ORDER BY name, arn LIMIT ?1",
	[S_PURGE_EVENTS] = "DELETE FROM events WHERE exec_seq IN"
	    " (SELECT seq FROM executions WHERE sm_id = ?1)",
	[S_PURGE_CHECKPOINTS] = "DELETE FROM checkpoints WHERE exec_seq IN"
	    " (SELECT seq FROM executions WHERE sm_id = ?1)",
	[S_PURGE_EXECS] = "DELETE FROM executions WHERE sm_id = ?1",
	[S_PURGE_REVS] = "DELETE FROM revisions WHERE sm_arn ="
	    " (SELECT arn FROM state_machines WHERE id = ?1)",
	[S_PURGE_SM] = "DELETE FROM state_machines WHERE id = ?1",
	[S_EXEC_BY_NAME] = "SELECT seq, status, start_date, stop_date,"
	    " revision_id, input FROM executions WHERE sm_id = ?1"
	    " AND name = ?2",
	[S_EXEC_INSERT] = "INSERT INTO executions (seq, sm_id, status,"
	    " start_date, name, revision_id, input)"
	    " VALUES (" NEXT_ID("seq", "executions") ", ?1, 0, ?2, ?3, ?4,"
	    " ?5)",
	/* With its machine's id and status. */
	[S_EXEC_STATE] = "SELECT e.seq, e.status, s.id, s.status, "
	    LAST_EVENT_ID EXEC_BY_ARN,
	[S_EVENT_INSERT] = "INSERT INTO events (exec_seq, last_id, n, data)"
	    " VALUES (?1, ?2, ?3, ?4)",
	[S_CHECKPOINT_PUT] = "INSERT OR REPLACE INTO checkpoints (exec_seq,"
	    " data) VALUES (?1, ?2)",
	[S_CHECKPOINT_DROP] = "DELETE FROM checkpoints WHERE exec_seq = ?1",
	[S_EXEC_FINISH] = "UPDATE executions SET status = ?2, stop_date = ?3,"
	    " output = ?4, error = ?5, cause = ?6 WHERE seq = ?1",
	[S_EXEC_GET] = "SELECT " EXEC_COLS ", e.input, e.output, e.error,"
	    " e.cause, " LAST_EVENT_ID EXEC_BY_ARN,
	[S_EXEC_LIST_ALL] = "SELECT " EXEC_COLS " FROM executions e"
	    " JOIN state_machines s ON s.id = e.sm_id"
	    " WHERE e.seq < ?1 ORDER BY e.seq DESC LIMIT ?2",
	/* Every machine's newest page of that status, merged: at most
	 * (machines x page) rows are read, however many executions there
	 * are. */
	[S_EXEC_LIST_STATUS] = "SELECT " EXEC_COLS
	    " FROM state_machines s CROSS JOIN executions e"
	    " ON e.seq IN (SELECT seq FROM executions WHERE sm_id = s.id"
	    "  AND " ST_KEY("status") " = " ST_KEY("?3") " AND seq < ?1"
	    "  ORDER BY seq DESC LIMIT ?2)"
	    " ORDER BY e.seq DESC LIMIT ?2",
	/* The five statuses' ranges merged, newest first: reads a page. */
	[S_EXEC_LIST_SM] = EXEC_SM_ONE("0") " UNION ALL " EXEC_SM_ONE("1")
	    " UNION ALL " EXEC_SM_ONE("2") " UNION ALL " EXEC_SM_ONE("3")
	    " UNION ALL " EXEC_SM_ONE("4") " ORDER BY 1 DESC LIMIT ?2",
	[S_EXEC_LIST_SM_STATUS] = EXEC_SM_ONE(ST_KEY("?3"))
	    " ORDER BY e.seq DESC LIMIT ?2",
	/* Machine by machine, with executions_sm_status. */
	[S_EXEC_RUNNING] = "SELECT " EXEC_COLS ", e.input, c.data,"
	    " r.definition, " LAST_EVENT_ID
	    " FROM state_machines s CROSS JOIN executions e"
	    " ON e.sm_id = s.id AND " ST_KEY("e.status") " = " ST_KEY_RUNNING
	    " LEFT JOIN checkpoints c ON c.exec_seq = e.seq"
	    " LEFT JOIN revisions r ON r.sm_arn = s.arn"
	    "  AND r.revision_id = e.revision_id"
	    " ORDER BY e.seq",
	[S_EXEC_RESUME] = "SELECT " EXEC_COLS ", e.input, c.data,"
	    " r.definition, " LAST_EVENT_ID
	    " FROM state_machines s JOIN executions e ON e.sm_id = s.id"
	    " LEFT JOIN checkpoints c ON c.exec_seq = e.seq"
	    " LEFT JOIN revisions r ON r.sm_arn = s.arn"
	    "  AND r.revision_id = e.revision_id"
	    " WHERE s.arn = ?1 AND e.name = ?2",
	[S_EXEC_SEQ] = "SELECT e.seq" EXEC_BY_ARN,
	/* Forward: the chunks that end after event ?2 (the first may begin
	 * before it). Reversed: the chunk that holds event ?2 (or the first
	 * after it), then those before it. */
	[S_HISTORY_FWD] = "SELECT last_id, n, data FROM events"
	    " WHERE exec_seq = ?1 AND last_id > ?2 ORDER BY last_id",
	[S_HISTORY_REV] = "SELECT last_id, n, data FROM events"
	    " WHERE exec_seq = ?1 AND last_id <= ifnull((SELECT min(last_id)"
	    "  FROM events WHERE exec_seq = ?1 AND last_id >= ?2),"
	    "  9223372036854775807) ORDER BY last_id DESC",
	[S_NOTIFY_INSERT] = "INSERT INTO notifications (id, topic, timestamp,"
	    " publisher, message) VALUES (" NEXT_ID("id", "notifications")
	    ", ?1, ?2, ?3, ?4)",
	[S_NOTIFY_FWD] = "SELECT id, topic, timestamp, publisher, message"
	    " FROM notifications WHERE topic = ?1 AND id > ?2 ORDER BY id"
	    " LIMIT ?3",
	[S_NOTIFY_REV] = "SELECT id, topic, timestamp, publisher, message"
	    " FROM notifications WHERE topic = ?1 AND id < ?2"
	    " ORDER BY id DESC LIMIT ?3",
	/* Oldest first; prune_in stops at the first started after the
	 * cut-off, since none of those stopped before it. */
	[S_PRUNE_PICK] = "SELECT seq, status, start_date, stop_date"
	    " FROM executions ORDER BY seq",
	[S_PRUNE_EVENTS] = "DELETE FROM events WHERE exec_seq = ?1",
	[S_PRUNE_CHECKPOINT] = "DELETE FROM checkpoints WHERE exec_seq = ?1",
	[S_PRUNE_EXEC] = "DELETE FROM executions WHERE seq = ?1",
	[S_PRUNE_REVS] = "DELETE FROM revisions WHERE NOT EXISTS"
	    " (SELECT 1 FROM state_machines s WHERE s.arn = revisions.sm_arn"
	    "  AND s.revision_id = revisions.revision_id)"
	    " AND NOT EXISTS (SELECT 1 FROM state_machines s"
	    "  JOIN executions e ON e.sm_id = s.id"
	    "  WHERE s.arn = revisions.sm_arn"
	    "  AND e.revision_id = revisions.revision_id)",
	/* Up to the first one not older than the cut-off (timestamps grow
	 * with ids). */
	[S_PRUNE_NOTIFY] = "DELETE FROM notifications WHERE id < ifnull("
	    "(SELECT id FROM notifications WHERE timestamp >= ?1 ORDER BY id"
	    " LIMIT 1), 9223372036854775807)",
	[S_FLOOR_EXECS] = RAISE_FLOOR("seq", "executions"),
	[S_FLOOR_NOTIFY] = RAISE_FLOOR("id", "notifications"),
};

struct sl_store_backend {
	sqlite3 *db;
	char *dir;
	char *path;
	char *lock_path;
	int lock_fd;
	int in_txn;
	/* The write under way: whether it has a savepoint, and the
	 * database's count of changed rows when it began. */
	int write_sp;
	int64_t write_changes;
	uint64_t db_commits;
	size_t chunk_bytes; /* see "history chunks" */
	struct sl_exec_cache *execs; /* running executions (exec_cache.h) */
	sqlite3_stmt *st[S_COUNT];
};

/* --- errors ------------------------------------------------------------ */

/* Fill err from an SQLite failure rc while doing `what`. Storage troubles
 * are ServiceUnavailable, corruption and the rest InternalFailure. */
static int
db_fail(struct sl_store_backend *be, int rc, const char *what,
    struct sl_err *err)
{
	int prim = rc & 0xff;
	const char *msg = be->db ? sqlite3_errmsg(be->db) : sqlite3_errstr(rc);
	const char *type = "InternalFailure";

	switch (prim) {
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_NOMEM:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
		type = "ServiceUnavailable";
		break;
	}
	if (prim == SQLITE_CORRUPT || prim == SQLITE_NOTADB)
		return sl_err_set(err, type, "%s: database is corrupt (%s) "
		    "while %s", be->path, msg, what);
	if (prim == SQLITE_IOERR) {
		const char *op = "";
		int sys = be->db != NULL ? sqlite3_system_errno(be->db) : 0;

		switch (rc) {
		case SQLITE_IOERR_WRITE:
			op = ": a write failed (disk full, or a file size "
			    "limit?)";
			break;
		case SQLITE_IOERR_FSYNC:
		case SQLITE_IOERR_DIR_FSYNC:
			op = ": fsync failed";
			break;
		case SQLITE_IOERR_READ:
		case SQLITE_IOERR_SHORT_READ:
			op = ": a read failed";
			break;
		case SQLITE_IOERR_TRUNCATE:
			op = ": truncating failed";
			break;
		}
		return sl_err_set(err, type, "%s: %s%s%s%s while %s",
		    be->path, msg, op, sys ? ": " : "", sys ? strerror(sys) :
		    "", what);
	}
	return sl_err_set(err, type, "%s: %s while %s", be->path, msg, what);
}

/* After a failed statement inside a write: did SQLite roll back the whole
 * transaction (it may, on a full disk or an I/O error)? */
static int
txn_lost(struct sl_store_backend *be)
{
	if (be->in_txn && sqlite3_get_autocommit(be->db)) {
		be->in_txn = 0;
		return 1;
	}
	return 0;
}

/* --- statements -------------------------------------------------------- */

/* The cached statement id, reset and ready for binding; NULL with err. */
static sqlite3_stmt *
stmt(struct sl_store_backend *be, enum stmt_id id, struct sl_err *err)
{
	sqlite3_stmt *st = be->st[id];
	int rc;

	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	rc = sqlite3_prepare_v3(be->db, stmt_sql[id], -1,
	    SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		db_fail(be, rc, "preparing a statement", err);
		return NULL;
	}
	be->st[id] = st;
	return st;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t == NULL ? NULL : xstrdup((const char *)t);
}

/* Bind an execution's ARN taken apart, as EXEC_BY_ARN wants it (?1 its
 * machine's ARN, ?2 its name); -1 when no execution can have it. The
 * machine's ARN is handed to *sm_arn (yours) when sm_arn is not NULL. */
static int
bind_exec_arn(sqlite3_stmt *st, const char *arn, char **sm_arn)
{
	const char *name;
	char *sm;

	if (sl_store_exec_arn_split(arn, &sm, &name) < 0)
		return -1;
	sqlite3_bind_text(st, 1, sm, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (sm_arn != NULL)
		*sm_arn = sm;
	else
		free(sm);
	return 0;
}

static int
no_exec(const char *arn, struct sl_err *err)
{
	return sl_err_set(err, "ExecutionDoesNotExist",
	    "Execution Does Not Exist: '%s'", arn);
}

/* Step a statement that returns no row. */
static int
run(struct sl_store_backend *be, sqlite3_stmt *st, const char *what,
    struct sl_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(be, rc, what, err);
	return 0;
}

/* Step for one row: 1 = a row, 0 = none, -1 = error. */
static int
row(struct sl_store_backend *be, sqlite3_stmt *st, const char *what,
    struct sl_err *err)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	return db_fail(be, rc, what, err);
}

/*
 * Make room for one more of n items of size bytes each (growing *cap as
 * needed) and zero the new slot; returns the array, which may have moved.
 */
static void *
grow(void *items, size_t n, size_t *cap, size_t size)
{
	if (n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		items = xreallocarray(items, *cap, size);
	}
	memset((char *)items + n * size, 0, size);
	return items;
}

static int
exec_sql(struct sl_store_backend *be, const char *sql, const char *what,
    struct sl_err *err)
{
	int rc = sqlite3_exec(be->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return db_fail(be, rc, what, err);
	return 0;
}

/* --- write framing ----------------------------------------------------- *
 * Each write runs inside the batch's transaction (begun by the first), and
 * leaves nothing behind when it is refused or fails. Two ways:
 * - WRITE_CHECKED: the write checks everything that may refuse it (a name
 *   taken, an unknown or finished execution, the history quota) before
 *   its first change; after that only the database can fail it (a full
 *   disk, an I/O error). Such a write has no savepoint of its own: should
 *   it fail after a change, the whole batch is rolled back, as when SQLite
 *   takes the transaction back itself, and every write of the batch is
 *   told (SL_STORE_BATCH_LOST). The executions' writes are of this kind:
 *   a savepoint for each (two more statements, and a copy of every page
 *   the write touches first) took an eighth of the daemon's time.
 * - WRITE_SAVEPOINT: the write runs in a savepoint, undone alone when it
 *   fails, while the batch goes on. For the state machines' writes and
 *   retention, which are rare and may be refused after a change. */
enum write_kind { WRITE_SAVEPOINT, WRITE_CHECKED };

/* Whether the batch's transaction is gone; then the executions cache may
 * hold what it undid, and is emptied. */
static int
batch_lost(struct sl_store_backend *be)
{
	if (!txn_lost(be))
		return 0;
	sl_exec_cache_clear(be->execs);
	return 1;
}

static int
write_begin(struct sl_store_backend *be, enum write_kind kind,
    struct sl_err *err)
{
	sqlite3_stmt *st;

	if (!be->in_txn) {
		if (exec_sql(be, "BEGIN IMMEDIATE", "beginning a transaction",
		    err) < 0)
			return -1;
		be->in_txn = 1;
	}
	be->write_sp = kind == WRITE_SAVEPOINT;
	be->write_changes = sqlite3_total_changes64(be->db);
	if (!be->write_sp)
		return 0;
	st = stmt(be, S_SAVEPOINT, err);
	if (st == NULL || run(be, st, "opening a savepoint", err) < 0)
		return batch_lost(be) ? SL_STORE_BATCH_LOST : -1;
	return 0;
}

/* End a write: keep it (rc == 0) or undo it. Returns rc, or
 * SL_STORE_BATCH_LOST when the transaction is gone. */
static int
write_end(struct sl_store_backend *be, int rc, struct sl_err *err)
{
	struct sl_err ignore;
	sqlite3_stmt *st;

	if (batch_lost(be))
		return SL_STORE_BATCH_LOST;
	if (!be->write_sp) {
		if (rc == 0 ||
		    sqlite3_total_changes64(be->db) == be->write_changes)
			return rc;
		/* Failed after a change: the batch goes with it (if even
		 * that fails, the next write's statements fail too). */
		(void)sqlite3_exec(be->db, "ROLLBACK", NULL, NULL, NULL);
		return batch_lost(be) ? SL_STORE_BATCH_LOST : rc;
	}
	if (rc == 0) {
		st = stmt(be, S_RELEASE, err);
		if (st != NULL &&
		    run(be, st, "releasing a savepoint", err) == 0)
			return 0;
		rc = -1;
		if (batch_lost(be))
			return SL_STORE_BATCH_LOST;
	}
	st = stmt(be, S_ROLLBACK_TO, &ignore);
	if (st != NULL)
		run(be, st, "rolling back a write", &ignore);
	st = stmt(be, S_RELEASE, &ignore);
	if (st != NULL)
		run(be, st, "releasing a savepoint", &ignore);
	if (batch_lost(be))
		return SL_STORE_BATCH_LOST;
	return rc;
}

static int
be_commit(struct sl_store_backend *be, struct sl_err *err)
{
	int rc;

	if (!be->in_txn)
		return 0;
	rc = sqlite3_exec(be->db, "COMMIT", NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		be->in_txn = 0;
		return 0;
	}
	db_fail(be, rc, "committing a batch of writes", err);
	if (!sqlite3_get_autocommit(be->db))
		sqlite3_exec(be->db, "ROLLBACK", NULL, NULL, NULL);
	be->in_txn = 0;
	sl_exec_cache_clear(be->execs);
	return -1;
}

/* --- state machines ---------------------------------------------------- */

static void
new_uuid(char out[37])
{
	unsigned char r[16];
	size_t got = 0;

	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);

		if (n > 0)
			got += (size_t)n;
		else if (errno != EINTR)
			abort();
	}
	r[6] = (r[6] & 0x0f) | 0x40;
	r[8] = (r[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
	    r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

/* Read the row of S_SM_GET into out (may be NULL). */
static void
sm_from_row(sqlite3_stmt *st, struct sl_store_sm *out, int with_def)
{
	if (out == NULL)
		return;
	out->arn = col_text(st, 0);
	out->name = col_text(st, 1);
	out->type = (enum sl_store_sm_type)sqlite3_column_int(st, 2);
	out->status = (enum sl_store_sm_status)sqlite3_column_int(st, 3);
	out->revision_id = col_text(st, 4);
	out->creation_date = sqlite3_column_int64(st, 5);
	out->update_date = sqlite3_column_int64(st, 6);
	out->role_arn = col_text(st, 7);
	if (with_def) {
		out->extra = col_text(st, 8);
		out->definition = col_text(st, 9);
	}
}

static int
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Statement id run for the machine arn, on its row; NULL with err (the
 * machine does not exist, or the database failed). */
static sqlite3_stmt *
sm_row(struct sl_store_backend *be, enum stmt_id id, const char *arn,
    struct sl_err *err)
{
	sqlite3_stmt *st = stmt(be, id, err);
	int r;

	if (st == NULL)
		return NULL;
	bind_text(st, 1, arn);
	r = row(be, st, "reading a state machine", err);
	if (r < 0)
		return NULL;
	if (r == 0) {
		sl_err_set(err, "StateMachineDoesNotExist",
		    "State Machine Does Not Exist: '%s'", arn);
		return NULL;
	}
	return st;
}

static int
be_sm_get(struct sl_store_backend *be, const char *arn,
    struct sl_store_sm *out, struct sl_err *err)
{
	sqlite3_stmt *st = sm_row(be, S_SM_GET, arn, err);

	if (st == NULL)
		return -1;
	sm_from_row(st, out, 1);
	sqlite3_reset(st);
	return 0;
}

/* What writes need of a machine (S_SM_BRIEF). */
struct sm_brief {
	int64_t id;
	int status;
	int type;
	char revision_id[64];
};

static int
sm_brief(struct sl_store_backend *be, const char *arn, struct sm_brief *b,
    struct sl_err *err)
{
	sqlite3_stmt *st = sm_row(be, S_SM_BRIEF, arn, err);

	memset(b, 0, sizeof(*b));
	if (st == NULL)
		return -1;
	b->id = sqlite3_column_int64(st, 0);
	b->status = sqlite3_column_int(st, 1);
	b->type = sqlite3_column_int(st, 2);
	snprintf(b->revision_id, sizeof(b->revision_id), "%s",
	    (const char *)sqlite3_column_text(st, 3));
	sqlite3_reset(st);
	return 0;
}

static int
sm_create_in(struct sl_store_backend *be, const struct sl_store_sm_create *in,
    struct sl_store_sm *out, int *existed, struct sl_err *err)
{
	struct sl_store_sm cur = { 0 };
	sqlite3_stmt *st;
	char rev[37];
	int r;

	st = stmt(be, S_SM_GET, err);
	if (st == NULL)
		return -1;
	bind_text(st, 1, in->arn);
	r = row(be, st, "reading a state machine", err);
	if (r < 0)
		return -1;
	if (r == 1) {
		sm_from_row(st, &cur, 1);
		sqlite3_reset(st);
		if (cur.status == SL_SM_DELETING)
			r = sl_err_set(err, "StateMachineDeleting",
			    "State Machine is being deleted: '%s'", in->arn);
		else if (!streq(cur.definition, in->definition) ||
		    cur.type != in->type ||
		    !streq(cur.role_arn, in->role_arn) ||
		    !streq(cur.extra, in->extra))
			r = sl_err_set(err, "StateMachineAlreadyExists",
			    "State Machine Already Exists: '%s'", in->arn);
		else {
			*existed = 1;
			if (out != NULL)
				*out = cur;
			else
				sl_store_sm_release(&cur);
			return 0;
		}
		sl_store_sm_release(&cur);
		return r;
	}
	new_uuid(rev);
	st = stmt(be, S_SM_INSERT, err);
	if (st == NULL)
		return -1;
	bind_text(st, 1, in->arn);
	bind_text(st, 2, in->name);
	sqlite3_bind_int(st, 3, (int)in->type);
	bind_text(st, 4, rev);
	sqlite3_bind_int64(st, 5, in->now);
	bind_text(st, 6, in->role_arn);
	bind_text(st, 7, in->extra);
	if (run(be, st, "creating a state machine", err) < 0)
		return -1;
	st = stmt(be, S_REV_INSERT, err);
	if (st == NULL)
		return -1;
	bind_text(st, 1, in->arn);
	bind_text(st, 2, rev);
	sqlite3_bind_int64(st, 3, in->now);
	bind_text(st, 4, in->role_arn);
	bind_text(st, 5, in->definition);
	if (run(be, st, "storing a definition", err) < 0)
		return -1;
	if (out != NULL) {
		out->arn = xstrdup(in->arn);
		out->name = xstrdup(in->name);
		out->definition = xstrdup(in->definition);
		out->role_arn = in->role_arn ? xstrdup(in->role_arn) : NULL;
		out->extra = in->extra ? xstrdup(in->extra) : NULL;
		out->revision_id = xstrdup(rev);
		out->type = in->type;
		out->status = SL_SM_ACTIVE;
		out->creation_date = in->now;
		out->update_date = 0;
	}
	return 0;
}

static int
be_sm_create(struct sl_store_backend *be, const struct sl_store_sm_create *in,
    struct sl_store_sm *out, int *existed, struct sl_err *err)
{
	int rc = write_begin(be, WRITE_SAVEPOINT, err);

	if (rc < 0)
		return rc;
	rc = sm_create_in(be, in, out, existed, err);
	rc = write_end(be, rc, err);
	if (rc < 0 && out != NULL)
		sl_store_sm_release(out);
	return rc;
}

static int
sm_update_in(struct sl_store_backend *be, const char *arn,
    const char *definition, const char *role_arn, const char *extra,
    int64_t now, struct sl_store_sm *out, struct sl_err *err)
{
	struct sl_store_sm cur = { 0 };
	sqlite3_stmt *st;
	char rev[37];
	const char *old_rev;
	int rc = -1;

	if (definition == NULL && role_arn == NULL && extra == NULL)
		return sl_err_set(err, "MissingRequiredParameter",
		    "UpdateStateMachine needs a definition, a roleArn or "
		    "other attributes to change");
	if (be_sm_get(be, arn, &cur, err) < 0)
		return -1;
	if (cur.status == SL_SM_DELETING) {
		sl_err_set(err, "StateMachineDeleting",
		    "State Machine is being deleted: '%s'", arn);
		goto out;
	}
	old_rev = cur.revision_id;
	if (definition != NULL || role_arn != NULL) {
		new_uuid(rev);
		st = stmt(be, S_REV_INSERT, err);
		if (st == NULL)
			goto out;
		bind_text(st, 1, arn);
		bind_text(st, 2, rev);
		sqlite3_bind_int64(st, 3, now);
		bind_text(st, 4, role_arn ? role_arn : cur.role_arn);
		bind_text(st, 5, definition ? definition : cur.definition);
		if (run(be, st, "storing a definition", err) < 0)
			goto out;
	} else
		snprintf(rev, sizeof(rev), "%s", cur.revision_id);
	st = stmt(be, S_SM_UPDATE, err);
	if (st == NULL)
		goto out;
	bind_text(st, 1, arn);
	bind_text(st, 2, rev);
	sqlite3_bind_int64(st, 3, now);
	bind_text(st, 4, role_arn ? role_arn : cur.role_arn);
	bind_text(st, 5, extra ? extra : cur.extra);
	if (run(be, st, "updating a state machine", err) < 0)
		goto out;
	if (strcmp(rev, old_rev) != 0) {
		/* The old revision goes unless an execution still uses it. */
		st = stmt(be, S_REV_DROP_UNUSED, err);
		if (st == NULL)
			goto out;
		bind_text(st, 1, arn);
		bind_text(st, 2, old_rev);
		if (run(be, st, "dropping an unused revision", err) < 0)
			goto out;
	}
	rc = 0;
	if (out != NULL)
		rc = be_sm_get(be, arn, out, err);
out:
	sl_store_sm_release(&cur);
	return rc;
}

static int
be_sm_update(struct sl_store_backend *be, const char *arn,
    const char *definition, const char *role_arn, const char *extra,
    int64_t now, struct sl_store_sm *out, struct sl_err *err)
{
	int rc = write_begin(be, WRITE_SAVEPOINT, err);

	if (rc < 0)
		return rc;
	rc = sm_update_in(be, arn, definition, role_arn, extra, now, out, err);
	rc = write_end(be, rc, err);
	if (rc < 0 && out != NULL)
		sl_store_sm_release(out);
	return rc;
}

/* Delete machine id with its revisions, executions and their history. */
static int
sm_purge(struct sl_store_backend *be, int64_t id, struct sl_err *err)
{
	static const enum stmt_id steps[] = { S_FLOOR_EXECS, S_PURGE_EVENTS,
		S_PURGE_CHECKPOINTS, S_PURGE_EXECS, S_PURGE_REVS,
		S_PURGE_SM };
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		sqlite3_stmt *st = stmt(be, steps[i], err);

		if (st == NULL)
			return -1;
		if (steps[i] != S_FLOOR_EXECS)
			sqlite3_bind_int64(st, 1, id);
		if (run(be, st, "deleting a state machine", err) < 0)
			return -1;
	}
	return 0;
}

static int
has_running(struct sl_store_backend *be, int64_t sm_id, struct sl_err *err)
{
	sqlite3_stmt *st = stmt(be, S_SM_HAS_RUNNING, err);
	int r;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, sm_id);
	r = row(be, st, "looking for running executions", err);
	sqlite3_reset(st);
	return r;
}

static int
sm_delete_in(struct sl_store_backend *be, const char *arn, int *deleted,
    struct sl_err *err)
{
	struct sm_brief sm;
	sqlite3_stmt *st;
	int r;

	if (sm_brief(be, arn, &sm, err) < 0)
		return -1;
	r = has_running(be, sm.id, err);
	if (r < 0)
		return -1;
	if (r == 0) {
		*deleted = 1;
		return sm_purge(be, sm.id, err);
	}
	st = stmt(be, S_SM_SET_DELETING, err);
	if (st == NULL)
		return -1;
	bind_text(st, 1, arn);
	return run(be, st, "marking a state machine DELETING", err);
}

static int
be_sm_delete(struct sl_store_backend *be, const char *arn, int *deleted,
    struct sl_err *err)
{
	int rc = write_begin(be, WRITE_SAVEPOINT, err);

	if (rc < 0)
		return rc;
	rc = write_end(be, sm_delete_in(be, arn, deleted, err), err);
	/* A machine marked DELETING: its running executions' cached status
	 * of their machine is out of date. */
	if (rc == 0)
		sl_exec_cache_clear(be->execs);
	return rc;
}

static int
be_sm_revision(struct sl_store_backend *be, const char *arn,
    const char *revision_id, char **definition, char **role_arn,
    struct sl_err *err)
{
	sqlite3_stmt *st = stmt(be, S_REV_GET, err);
	int r;

	if (st == NULL)
		return -1;
	bind_text(st, 1, arn);
	bind_text(st, 2, revision_id);
	r = row(be, st, "reading a revision", err);
	if (r < 0)
		return -1;
	if (r == 0)
		return sl_err_set(err, "StateMachineDoesNotExist",
		    "State Machine Does Not Exist: '%s' (revision %s)", arn,
		    revision_id);
	*definition = col_text(st, 0);
	if (role_arn != NULL)
		*role_arn = col_text(st, 1);
	sqlite3_reset(st);
	return 0;
}

static int
be_sm_list(struct sl_store_backend *be, const char *after, size_t limit,
    struct sl_store_sm_list *out, struct sl_err *err)
{
	sqlite3_stmt *st = stmt(be, after ? S_SM_LIST_AFTER : S_SM_LIST_FIRST,
	    err);
	size_t cap = 0;
	int r;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)limit);
	if (after != NULL)
		bind_text(st, 2, after);
	while ((r = row(be, st, "listing state machines", err)) == 1) {
		out->items = grow(out->items, out->n, &cap,
		    sizeof(*out->items));
		sm_from_row(st, &out->items[out->n++], 0);
	}
	if (r < 0) {
		sl_store_sm_list_release(out);
		return -1;
	}
	return 0;
}

/* --- executions -------------------------------------------------------- */

/* Read EXEC_COLS (its ARN is made of its machine's and its name). */
static void
exec_from_row(sqlite3_stmt *st, struct sl_store_exec *e)
{
	e->seq = sqlite3_column_int64(st, 0);
	e->status = (enum sl_store_exec_status)sqlite3_column_int(st, 1);
	e->start_date = sqlite3_column_int64(st, 2);
	e->stop_date = sqlite3_column_int64(st, 3);
	e->sm_arn = col_text(st, 4);
	e->name = col_text(st, 5);
	e->revision_id = col_text(st, 6);
	e->arn = sl_store_exec_arn(e->sm_arn, e->name);
	if (e->arn == NULL) /* not stored: exec_start took only such */
		e->arn = xasprintf("%s:%s", e->sm_arn, e->name);
}

static int
exec_start_in(struct sl_store_backend *be, const struct sl_store_exec_start *in,
    struct sl_store_exec *out, int *existed, struct sl_err *err)
{
	const char *input = in->input ? in->input : "{}";
	struct sm_brief sm;
	sqlite3_stmt *st;
	int r;

	if (sm_brief(be, in->sm_arn, &sm, err) < 0)
		return -1;
	if (sm.status == SL_SM_DELETING)
		return sl_err_set(err, "StateMachineDeleting",
		    "State Machine is being deleted: '%s'", in->sm_arn);
	if (sm.type != SL_SM_STANDARD)
		return sl_err_set(err, "ValidationException",
		    "executions of EXPRESS state machine '%s' are not stored",
		    in->sm_arn);
	/* The ARN is made of the machine's and the name (store.c). */
	st = stmt(be, S_EXEC_BY_NAME, err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, sm.id);
	bind_text(st, 2, in->name);
	r = row(be, st, "looking up an execution", err);
	if (r < 0)
		return -1;
	if (r == 1) {
		const char *old = (const char *)sqlite3_column_text(st, 5);

		/* AWS: a STANDARD StartExecution is idempotent while the
		 * execution of that name runs with the same input. */
		if (sqlite3_column_int(st, 1) == SL_STORE_EXEC_RUNNING &&
		    streq(old, input)) {
			*existed = 1;
			if (out != NULL) {
				out->seq = sqlite3_column_int64(st, 0);
				out->status = SL_STORE_EXEC_RUNNING;
				out->start_date = sqlite3_column_int64(st, 2);
				out->stop_date = sqlite3_column_int64(st, 3);
				out->revision_id = col_text(st, 4);
				out->arn = xstrdup(in->arn);
				out->name = xstrdup(in->name);
				out->sm_arn = xstrdup(in->sm_arn);
				out->input = xstrdup(input);
			}
			sqlite3_reset(st);
			return 0;
		}
		sqlite3_reset(st);
		return sl_err_set(err, "ExecutionAlreadyExists",
		    "Execution Already Exists: '%s'", in->arn);
	}
	st = stmt(be, S_EXEC_INSERT, err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, sm.id);
	sqlite3_bind_int64(st, 2, in->now);
	bind_text(st, 3, in->name);
	bind_text(st, 4, sm.revision_id);
	bind_text(st, 5, input);
	if (run(be, st, "starting an execution", err) < 0)
		return -1;
	if (out != NULL) {
		out->seq = sqlite3_last_insert_rowid(be->db);
		out->arn = xstrdup(in->arn);
		out->name = xstrdup(in->name);
		out->sm_arn = xstrdup(in->sm_arn);
		out->revision_id = xstrdup(sm.revision_id);
		out->status = SL_STORE_EXEC_RUNNING;
		out->input = xstrdup(input);
		out->start_date = in->now;
	}
	return 0;
}

static int
be_exec_start(struct sl_store_backend *be, const struct sl_store_exec_start *in,
    struct sl_store_exec *out, int *existed, struct sl_err *err)
{
	int rc = write_begin(be, WRITE_CHECKED, err);

	if (rc < 0)
		return rc;
	rc = exec_start_in(be, in, out, existed, err);
	rc = write_end(be, rc, err);
	if (rc < 0 && out != NULL)
		sl_store_exec_release(out);
	return rc;
}

/* Read running execution arn into *v, handing over its machine's ARN in
 * v->sm_arn (yours, on success only). A missing or finished execution is
 * an error. */
static int
exec_read_running(struct sl_store_backend *be, const char *arn,
    struct sl_exec_cached *v, struct sl_err *err)
{
	sqlite3_stmt *st = stmt(be, S_EXEC_STATE, err);
	int r, status;

	if (st == NULL)
		return -1;
	if (bind_exec_arn(st, arn, &v->sm_arn) < 0)
		return no_exec(arn, err);
	r = row(be, st, "reading an execution", err);
	if (r <= 0) {
		free(v->sm_arn);
		return r < 0 ? -1 : no_exec(arn, err);
	}
	v->seq = sqlite3_column_int64(st, 0);
	status = sqlite3_column_int(st, 1);
	v->sm_id = sqlite3_column_int64(st, 2);
	v->sm_status = sqlite3_column_int(st, 3);
	v->last_id = sqlite3_column_int64(st, 4);
	sqlite3_reset(st);
	if (status != SL_STORE_EXEC_RUNNING) {
		free(v->sm_arn);
		return sl_err_set(err, SL_STORE_NOT_RUNNING,
		    "Execution '%s' is not running: it is %s", arn,
		    sl_store_exec_status_name(
		    (enum sl_store_exec_status)status));
	}
	return 0;
}

static int
terminal_event(const char *type)
{
	return strcmp(type, "ExecutionSucceeded") == 0 ||
	    strcmp(type, "ExecutionFailed") == 0 ||
	    strcmp(type, "ExecutionAborted") == 0 ||
	    strcmp(type, "ExecutionTimedOut") == 0;
}

/* --- compact text -------------------------------------------------------
 * Event bodies (below) and checkpoints are stored with the commonest
 * pieces of AWS's event JSON (text_tokens), and the ARNs of their own
 * execution and machine (context tokens, for checkpoints), written as one
 * byte each: a byte that JSON text never holds (0x01-0x08, 0x0b, 0x0c,
 * 0x0e-0x16 for text_tokens; 0x1e, 0x1f for the context), as a BLOB.
 * Text that holds one of these bytes already (not JSON) is stored as it
 * is, as TEXT. The tokens and their bytes are part of schema 2: never
 * change them. */

#define TOK(s) { s, sizeof(s) - 1 }
struct text_token {
	const char *s;
	size_t len;
};
static const struct text_token text_tokens[] = {
	TOK("\"inputDetails\":{\"truncated\":false}"),
	TOK("\"outputDetails\":{\"truncated\":false}"),
	TOK("EventDetails\":{"),
	TOK("\\\""),
	TOK("\"input\":\""),
	TOK("\"output\":\""),
	TOK("\"name\":\""),
	TOK("\"resource\":\""),
	TOK("arn:aws:"),
	TOK("\"roleArn\":\""),
	TOK("\"error\":\""),
	TOK("\"cause\":\""),
	TOK("\\\\"),
	TOK("{\\\""),
	TOK("\\\":\\\""),
	TOK("\\\",\\\""),
	TOK(":function:"),
	TOK("\"executionArn\":\""),
	TOK("\"stateMachineArn\":\""),
};
#undef TOK
#define NTOKENS (sizeof(text_tokens) / sizeof(text_tokens[0]))
#define NCONTEXT 2
/* Token i is written as token_byte[i], context token k as
 * token_byte[NTOKENS + k]; token_of[c] is 1 + the index of byte c < 0x20
 * in token_byte, or 0. */
static const unsigned char token_byte[NTOKENS + NCONTEXT] = { 0x01, 0x02,
	0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0b, 0x0c, 0x0e, 0x0f, 0x10,
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x1e, 0x1f };
static const unsigned char token_of[0x20] = {
	[0x01] = 1, [0x02] = 2, [0x03] = 3, [0x04] = 4, [0x05] = 5,
	[0x06] = 6, [0x07] = 7, [0x08] = 8, [0x0b] = 9, [0x0c] = 10,
	[0x0e] = 11, [0x0f] = 12, [0x10] = 13, [0x11] = 14, [0x12] = 15,
	[0x13] = 16, [0x14] = 17, [0x15] = 18, [0x16] = 19, [0x1e] = 20,
	[0x1f] = 21,
};
/* By byte: token_class[c] is 1 when text tokens start with c (their
 * indices + 1 in token_list[c], longest first, 0-terminated: MAX_STARTS
 * is more than the most that start with one byte, 11 with '"'), 2 when c
 * is a token byte, 3 for NUL, else 0. Bit c1 of token_pairs[c0] is set
 * when a text token starts with bytes c0 c1. token_init fills them. */
#define MAX_STARTS 12
static unsigned char token_class[256];
static unsigned char token_list[256][MAX_STARTS];
static unsigned char token_pairs[256][32];
static int token_ready;

static void
token_init(void)
{
	size_t i, j, k;

	token_class[0] = 3; /* the end */
	for (i = 0; i < NTOKENS + NCONTEXT; i++)
		token_class[token_byte[i]] = 2;
	for (i = 0; i < NTOKENS; i++) {
		unsigned char c = (unsigned char)text_tokens[i].s[0];
		unsigned char c1 = (unsigned char)text_tokens[i].s[1];
		unsigned char *l = token_list[c];

		token_class[c] = 1;
		token_pairs[c][c1 >> 3] |= (unsigned char)(1u << (c1 & 7));
		for (j = 0; l[j] != 0; j++)
			if (text_tokens[l[j] - 1].len < text_tokens[i].len)
				break;
		for (k = MAX_STARTS - 2; k > j; k--) /* keep l[j..] in order */
			l[k] = l[k - 1];
		l[j] = (unsigned char)(i + 1);
	}
	token_ready = 1;
}

/* The context tokens of an execution: its ARN and its machine's (NULL
 * for none). */
static void
text_context(struct text_token ctx[NCONTEXT], const char *arn,
    const char *sm_arn)
{
	ctx[0].s = arn;
	ctx[0].len = arn != NULL ? strlen(arn) : 0;
	ctx[1].s = sm_arn;
	ctx[1].len = sm_arn != NULL ? strlen(sm_arn) : 0;
}

/* Write text with its tokens into b (emptied first); ctx: the context
 * tokens (NULL: none). Returns 0, or -1 when text holds a token byte
 * already. */
static int
text_encode(const char *text, const struct text_token *ctx,
    struct sl_buf *b)
{
	const unsigned char *p = (const unsigned char *)text;
	unsigned char *o, c0 = 0, c1 = 0;

	if (!token_ready)
		token_init();
	if (ctx != NULL) {
		c0 = ctx[0].len > 1 ? (unsigned char)ctx[0].s[0] : 0;
		c1 = ctx[1].len > 1 ? (unsigned char)ctx[1].s[0] : 0;
	}
	sl_buf_reset(b);
	sl_buf_grow(b, strlen(text)); /* a token is at least 2 bytes */
	o = (unsigned char *)b->data;
	for (;;) {
		const struct text_token *best = NULL;
		const unsigned char *l, *q = p;
		unsigned char c, code = 0;

		while (token_class[*q] == 0)
			q++;
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		p = q;
		c = *p;
		if (token_class[c] == 3)
			break;
		if (token_class[c] == 2)
			return -1;
		/* Context tokens are looked for where a text token may
		 * start (ARNs: "arn:aws:"). */
		if (!(token_pairs[c][p[1] >> 3] & (1u << (p[1] & 7))) &&
		    c != c0 && c != c1) {
			*o++ = c;
			p++;
			continue;
		}
		for (l = token_list[c]; *l != 0; l++) {
			const struct text_token *t = &text_tokens[*l - 1];

			if (t->s[1] == (char)p[1] &&
			    strncmp((const char *)p, t->s, t->len) == 0) {
				best = t;
				code = token_byte[*l - 1];
				break;
			}
		}
		if (c == c0 && (best == NULL || ctx[0].len > best->len) &&
		    strncmp((const char *)p, ctx[0].s, ctx[0].len) == 0) {
			best = &ctx[0];
			code = token_byte[NTOKENS];
		}
		if (c == c1 && (best == NULL || ctx[1].len > best->len) &&
		    strncmp((const char *)p, ctx[1].s, ctx[1].len) == 0) {
			best = &ctx[1];
			code = token_byte[NTOKENS + 1];
		}
		if (best != NULL) {
			*o++ = code;
			p += best->len;
		} else
			*o++ = *p++;
	}
	b->len = (size_t)(o - (unsigned char *)b->data);
	b->data[b->len] = '\0';
	return 0;
}

/* The token behind byte c, or NULL. */
static const struct text_token *
token_at(unsigned char c, const struct text_token *ctx)
{
	unsigned k = c < 0x20 ? token_of[c] : 0;

	if (k == 0)
		return NULL;
	if (k <= NTOKENS)
		return &text_tokens[k - 1];
	return ctx != NULL ? &ctx[k - 1 - NTOKENS] : NULL;
}

/* The text of an encoded one (n bytes at p), into b (emptied first). A
 * context byte without its context (never written so) stays as it is. */
static void
text_decode(const unsigned char *p, size_t n, const struct text_token *ctx,
    struct sl_buf *b)
{
	const struct text_token *t;
	size_t i, len = 0;
	char *o;

	sl_buf_reset(b);
	for (i = 0; i < n; i++)
		len += (t = token_at(p[i], ctx)) != NULL ? t->len : 1;
	sl_buf_grow(b, len);
	o = b->data;
	for (i = 0; i < n; i++)
		if ((t = token_at(p[i], ctx)) != NULL) {
			memcpy(o, t->s, t->len);
			o += t->len;
		} else
			*o++ = (char)p[i];
	b->len = len;
	b->data[len] = '\0';
}

/* Bind text, compacted with context ctx (may be NULL), at parameter i of
 * st; b is scratch. Not copied: text and b must stay as they are until st
 * has run. */
static void
bind_compact(sqlite3_stmt *st, int i, const char *text,
    const struct text_token *ctx, struct sl_buf *b)
{
	if (text_encode(text, ctx, b) == 0)
		sqlite3_bind_blob(st, i, b->data, (int)b->len, SQLITE_STATIC);
	else
		sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
}

/* Column i of st as text, expanded with context ctx (may be NULL) if it
 * was compacted; b is scratch. Borrowed: valid until the next call or
 * step. NULL for NULL. */
static const char *
column_compact(sqlite3_stmt *st, int i, const struct text_token *ctx,
    struct sl_buf *b)
{
	if (sqlite3_column_type(st, i) != SQLITE_BLOB)
		return (const char *)sqlite3_column_text(st, i);
	text_decode(sqlite3_column_blob(st, i),
	    (size_t)sqlite3_column_bytes(st, i), ctx, b);
	return b->data;
}

/* --- event bodies -------------------------------------------------------
 * A history chunk (below) keeps of an event's JSON what follows its head
 * {"id":1,"previousEventId":0,"timestamp":123,"type":"T"
 * whose fields it holds already (the body then starts with ',' or '}'),
 * or, when the JSON does not start with the head of its own fields, the
 * whole JSON (with a '~' before it if it starts with ',', '}' or '~':
 * JSON does not); compacted (above), without context tokens. */

/* The head up to the type's value, in buf (EVENT_NUMS bytes); returns
 * its length. */
#define EVENT_NUMS 96
static int
event_head_nums(char *buf, int64_t id, int64_t prev, int64_t ts)
{
	return snprintf(buf, EVENT_NUMS, "{\"id\":%" PRId64
	    ",\"previousEventId\":%" PRId64 ",\"timestamp\":%" PRId64
	    ",\"type\":\"", id, prev, ts);
}

/* What of ev->json a chunk keeps, before tokens (see above): a
 * pointer into ev->json, or into *tagged (yours to free) when it needed
 * its '~'. */
static const char *
event_body(const struct sl_store_event *ev, char **tagged)
{
	char nums[EVENT_NUMS];
	const char *j = ev->json;
	size_t n, t;

	*tagged = NULL;
	n = (size_t)event_head_nums(nums, ev->id, ev->previous_id,
	    ev->timestamp);
	t = strlen(ev->type);
	if (strncmp(j, nums, n) == 0 && strncmp(j + n, ev->type, t) == 0 &&
	    j[n + t] == '"' && (j[n + t + 1] == ',' || j[n + t + 1] == '}'))
		return j + n + t + 1;
	if (j[0] == ',' || j[0] == '}' || j[0] == '~')
		return *tagged = xasprintf("~%s", j);
	return j;
}

/* The event's JSON from its head's fields and its body (n bytes at p,
 * compacted or not); b is scratch. */
static char *
event_json(int64_t id, int64_t prev, int64_t ts, const char *type,
    const unsigned char *p, size_t n, int compact, struct sl_buf *b)
{
	char nums[EVENT_NUMS];
	const char *body;
	size_t hn, t;
	char *j;

	if (compact)
		text_decode(p, n, NULL, b);
	else {
		sl_buf_reset(b);
		sl_buf_add(b, p, n);
	}
	body = b->data;
	if (body[0] == '~')
		return xstrdup(body + 1);
	if (body[0] != ',' && body[0] != '}')
		return xstrdup(body);
	hn = (size_t)event_head_nums(nums, id, prev, ts);
	t = strlen(type);
	j = xmalloc(hn + t + 1 + b->len + 1);
	memcpy(j, nums, hn);
	memcpy(j + hn, type, t);
	j[hn + t] = '"';
	memcpy(j + hn + t + 1, body, b->len + 1);
	return j;
}

/* --- history chunks -----------------------------------------------------
 * An execution's events are kept in chunks of consecutive events: a row
 * of events (exec_seq, last_id, n, data) holds events last_id - n + 1 to
 * last_id, the events of one write (up to CHUNK_EVENTS of them, and
 * chunk_bytes_for() bytes), so that a history costs an index entry per
 * few events instead of per event. data holds, for each event: varint
 * zigzag(id - previous_id); varint zigzag(timestamp - the timestamp of
 * the event before it in the chunk, or 0); varint type length, type;
 * varint (body length << 1 | compacted), body (event_body, compacted
 * unless it holds a token byte). */

#define CHUNK_EVENTS 32

/* A chunk takes events up to about a third of a page (or one event, if
 * bigger): three fit a page. Larger ones left a quarter of the pages
 * empty (a 1.5 KB row leaves 0.5 KB of a 2 KB page); smaller ones make
 * more index entries. */
static size_t
chunk_bytes_for(size_t page_size)
{
	return (page_size - 64) / 3;
}

static void
put_varint(struct sl_buf *b, uint64_t v)
{
	unsigned char tmp[10];
	size_t n = 0;

	do {
		tmp[n] = v & 0x7f;
		v >>= 7;
		if (v != 0)
			tmp[n] |= 0x80;
		n++;
	} while (v != 0);
	sl_buf_add(b, tmp, n);
}

/* -1 when the bytes run out or the varint is too long. */
static int
get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	unsigned shift = 0;

	*v = 0;
	while (*p < end && shift < 64) {
		unsigned char c = *(*p)++;

		*v |= (uint64_t)(c & 0x7f) << shift;
		if ((c & 0x80) == 0)
			return 0;
		shift += 7;
	}
	return -1;
}

static uint64_t
zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
}

static int64_t
unzigzag(uint64_t u)
{
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* What a chunk holds of ev after its ids and timestamp: its type and
 * body, into tail (emptied first); scratch is scratch. */
static void
chunk_tail(struct sl_buf *tail, const struct sl_store_event *ev,
    struct sl_buf *scratch)
{
	size_t tl = strlen(ev->type);
	char *tagged;
	const char *body = event_body(ev, &tagged);

	sl_buf_reset(tail);
	put_varint(tail, tl);
	sl_buf_add(tail, ev->type, tl);
	if (text_encode(body, NULL, scratch) == 0) {
		put_varint(tail, (uint64_t)scratch->len << 1 | 1);
		sl_buf_add(tail, scratch->data, scratch->len);
	} else {
		size_t bl = strlen(body);

		put_varint(tail, (uint64_t)bl << 1);
		sl_buf_add(tail, body, bl);
	}
	free(tagged);
}

/* Add ev, whose chunk_tail is tail, to chunk (whose last event had
 * timestamp *ts; 0 for none). */
static void
chunk_add(struct sl_buf *chunk, const struct sl_store_event *ev,
    const struct sl_buf *tail, int64_t *ts)
{
	put_varint(chunk, zigzag((int64_t)((uint64_t)ev->id -
	    (uint64_t)ev->previous_id)));
	put_varint(chunk, zigzag((int64_t)((uint64_t)ev->timestamp -
	    (uint64_t)*ts)));
	*ts = ev->timestamp;
	sl_buf_add(chunk, tail->data, tail->len);
}

/* One event of a chunk, as chunk_next reads it (pointers into data). */
struct chunk_event {
	int64_t id;
	int64_t previous_id;
	int64_t timestamp;
	const unsigned char *type;
	size_t type_len;
	const unsigned char *body;
	size_t body_len;
	int compact;
};

/* Read the event of id `id` at *p (the one before it in the chunk had
 * timestamp *ts, 0 for none); -1 when data is damaged. */
static int
chunk_next(const unsigned char **p, const unsigned char *end, int64_t id,
    int64_t *ts, struct chunk_event *e)
{
	uint64_t v;

	e->id = id;
	if (get_varint(p, end, &v) < 0)
		return -1;
	e->previous_id = (int64_t)((uint64_t)id - (uint64_t)unzigzag(v));
	if (get_varint(p, end, &v) < 0)
		return -1;
	e->timestamp = *ts = (int64_t)((uint64_t)*ts + (uint64_t)unzigzag(v));
	if (get_varint(p, end, &v) < 0 || v > (uint64_t)(end - *p))
		return -1;
	e->type = *p;
	e->type_len = (size_t)v;
	*p += v;
	if (get_varint(p, end, &v) < 0 || v >> 1 > (uint64_t)(end - *p))
		return -1;
	e->compact = (int)(v & 1);
	e->body = *p;
	e->body_len = (size_t)(v >> 1);
	*p += v >> 1;
	return 0;
}

/* SQL function sl_event_chunk_v2(json, id, previous_id, timestamp, type):
 * the chunk of that one event, as schema 2 keeps it (the migration from
 * schema 1). */
static void
sql_event_chunk_v2(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct sl_store_event ev = { 0 };
	struct sl_buf chunk = SL_BUF_INIT, tail = SL_BUF_INIT;
	struct sl_buf scratch = SL_BUF_INIT;
	int64_t ts = 0;

	(void)argc;
	ev.json = (const char *)sqlite3_value_text(argv[0]);
	ev.id = sqlite3_value_int64(argv[1]);
	ev.previous_id = sqlite3_value_int64(argv[2]);
	ev.timestamp = sqlite3_value_int64(argv[3]);
	ev.type = (const char *)sqlite3_value_text(argv[4]);
	if (ev.json == NULL || ev.type == NULL) {
		sqlite3_result_error(ctx, "sl_event_chunk_v2: NULL JSON or "
		    "type", -1);
		return;
	}
	sl_buf_init(&chunk);
	sl_buf_init(&tail);
	sl_buf_init(&scratch);
	chunk_tail(&tail, &ev, &scratch);
	chunk_add(&chunk, &ev, &tail, &ts);
	sqlite3_result_blob(ctx, chunk.data, (int)chunk.len,
	    SQLITE_TRANSIENT);
	sl_buf_release(&chunk);
	sl_buf_release(&tail);
	sl_buf_release(&scratch);
}

static int
add_functions(sqlite3 *db)
{
	return sqlite3_create_function(db, "sl_event_chunk_v2", 5,
	    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_event_chunk_v2,
	    NULL, NULL);
}

/* Append events to execution seq after *last_id (advanced past them):
 * all are checked before any is written. */
static int
append_events(struct sl_store_backend *be, const char *arn, int64_t seq,
    int64_t *last_id, const struct sl_store_event *ev, size_t n,
    struct sl_err *err)
{
	struct sl_buf b = SL_BUF_INIT, chunk = SL_BUF_INIT, tail = SL_BUF_INIT;
	size_t i, j;

	for (i = 0; i < n; i++) {
		int64_t want = *last_id + 1 + (int64_t)i;

		if (ev[i].id != want)
			return sl_err_set(err, "ValidationException",
			    "history event %" PRId64 " of '%s' does not "
			    "follow event %" PRId64, ev[i].id, arn, want - 1);
		if (ev[i].id > SL_STORE_MAX_EVENTS ||
		    (ev[i].id == SL_STORE_MAX_EVENTS &&
		    !terminal_event(ev[i].type)))
			return sl_err_set(err, SL_STORE_HISTORY_LIMIT_ERROR,
			    "%s", SL_STORE_HISTORY_LIMIT_MSG);
	}
	if (n == 0)
		return 0;
	sl_buf_init(&b);
	sl_buf_init(&chunk);
	sl_buf_init(&tail);
	chunk_tail(&tail, &ev[0], &b);
	for (i = 0; i < n; i = j) {
		sqlite3_stmt *st;
		int64_t ts = 0;

		/* tail holds ev[i]'s already. */
		sl_buf_reset(&chunk);
		for (j = i; j < n && j - i < CHUNK_EVENTS; j++) {
			if (j > i) {
				chunk_tail(&tail, &ev[j], &b);
				/* 20: the most its id and time take */
				if (chunk.len + 20 + tail.len >
				    be->chunk_bytes)
					break; /* the next chunk's first */
			}
			chunk_add(&chunk, &ev[j], &tail, &ts);
		}
		if (j < n && j - i == CHUNK_EVENTS)
			chunk_tail(&tail, &ev[j], &b);
		st = stmt(be, S_EVENT_INSERT, err);
		if (st == NULL)
			break;
		sqlite3_bind_int64(st, 1, seq);
		sqlite3_bind_int64(st, 2, ev[j - 1].id);
		sqlite3_bind_int64(st, 3, (int64_t)(j - i));
		sqlite3_bind_blob(st, 4, chunk.data, (int)chunk.len,
		    SQLITE_STATIC);
		if (run(be, st, "appending history events", err) < 0)
			break;
	}
	sl_buf_release(&b);
	sl_buf_release(&chunk);
	sl_buf_release(&tail);
	if (i < n)
		return -1;
	*last_id += (int64_t)n;
	return 0;
}

/* Save the checkpoint of execution seq (arn, of machine sm_arn). */
static int
put_checkpoint(struct sl_store_backend *be, int64_t seq, const char *arn,
    const char *sm_arn, const char *checkpoint, struct sl_err *err)
{
	sqlite3_stmt *st = stmt(be, S_CHECKPOINT_PUT, err);
	struct text_token ctx[NCONTEXT];
	struct sl_buf b;
	int rc;

	if (st == NULL)
		return -1;
	text_context(ctx, arn, sm_arn);
	sl_buf_init(&b);
	sqlite3_bind_int64(st, 1, seq);
	bind_compact(st, 2, checkpoint, ctx, &b);
	rc = run(be, st, "saving a checkpoint", err);
	sl_buf_release(&b);
	return rc < 0 ? -1 : 0;
}

/* The state of running execution arn: remembered, or read and then
 * remembered. A missing or finished execution is an error. */
static int
exec_lookup(struct sl_store_backend *be, const char *arn,
    struct sl_exec_cached **out, struct sl_err *err)
{
	struct sl_exec_cached *c = sl_exec_cache_get(be->execs, arn), v;

	if (c == NULL) {
		if (exec_read_running(be, arn, &v, err) < 0)
			return -1;
		c = sl_exec_cache_put(be->execs, arn, &v);
	}
	*out = c;
	return 0;
}

/* The write of a progress: *c is the execution's entry, and *last_id its
 * new last event id, for the cache to learn once the write is kept. */
static int
exec_progress_in(struct sl_store_backend *be, const char *arn,
    const struct sl_store_event *events, size_t n, const char *checkpoint,
    struct sl_exec_cached **c, int64_t *last_id, struct sl_err *err)
{
	if (exec_lookup(be, arn, c, err) < 0)
		return -1;
	*last_id = (*c)->last_id;
	if (append_events(be, arn, (*c)->seq, last_id, events, n, err) < 0)
		return -1;
	if (checkpoint != NULL && put_checkpoint(be, (*c)->seq, arn,
	    (*c)->sm_arn, checkpoint, err) < 0)
		return -1;
	return 0;
}

static int
be_exec_progress(struct sl_store_backend *be, const char *arn,
    const struct sl_store_event *events, size_t n, const char *checkpoint,
    struct sl_err *err)
{
	int rc = write_begin(be, WRITE_CHECKED, err);
	struct sl_exec_cached *c = NULL;
	int64_t last_id = 0;

	if (rc < 0)
		return rc;
	rc = write_end(be, exec_progress_in(be, arn, events, n, checkpoint,
	    &c, &last_id, err), err);
	/* Kept: c still stands (only an undo empties the cache). */
	if (rc == 0)
		c->last_id = last_id;
	return rc;
}

static int
exec_finish_in(struct sl_store_backend *be, const char *arn,
    const struct sl_store_exec_end *end, struct sl_err *err)
{
	struct sl_exec_cached *c;
	sqlite3_stmt *st;
	int64_t last_id;
	int r;

	if (exec_lookup(be, arn, &c, err) < 0)
		return -1;
	last_id = c->last_id;
	if (append_events(be, arn, c->seq, &last_id, end->events, end->n,
	    err) < 0)
		return -1;
	st = stmt(be, S_EXEC_FINISH, err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, c->seq);
	sqlite3_bind_int(st, 2, (int)end->status);
	sqlite3_bind_int64(st, 3, end->now);
	bind_text(st, 4, end->output);
	bind_text(st, 5, end->error);
	bind_text(st, 6, end->cause);
	if (run(be, st, "finishing an execution", err) < 0)
		return -1;
	st = stmt(be, S_CHECKPOINT_DROP, err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, c->seq);
	if (run(be, st, "dropping a checkpoint", err) < 0)
		return -1;
	/* The last execution of a DELETING machine takes it along. */
	if (c->sm_status == SL_SM_DELETING) {
		r = has_running(be, c->sm_id, err);
		if (r < 0 || (r == 0 && sm_purge(be, c->sm_id, err) < 0))
			return -1;
	}
	return 0;
}

static int
be_exec_finish(struct sl_store_backend *be, const char *arn,
    const struct sl_store_exec_end *end, struct sl_err *err)
{
	int rc = write_begin(be, WRITE_CHECKED, err);

	if (rc < 0)
		return rc;
	rc = write_end(be, exec_finish_in(be, arn, end, err), err);
	if (rc == 0)
		sl_exec_cache_drop(be->execs, arn);
	return rc;
}

static int
be_exec_get(struct sl_store_backend *be, const char *arn,
    struct sl_store_exec *out, struct sl_err *err)
{
	sqlite3_stmt *st = stmt(be, S_EXEC_GET, err);
	int r;

	if (st == NULL)
		return -1;
	if (bind_exec_arn(st, arn, NULL) < 0)
		return no_exec(arn, err);
	r = row(be, st, "reading an execution", err);
	if (r < 0)
		return -1;
	if (r == 0)
		return no_exec(arn, err);
	exec_from_row(st, out);
	out->input = col_text(st, EXEC_NCOLS);
	out->output = col_text(st, EXEC_NCOLS + 1);
	out->error = col_text(st, EXEC_NCOLS + 2);
	out->cause = col_text(st, EXEC_NCOLS + 3);
	out->last_event_id = sqlite3_column_int64(st, EXEC_NCOLS + 4);
	sqlite3_reset(st);
	return 0;
}

static void
exec_list_add(struct sl_store_exec_list *out, size_t *cap, sqlite3_stmt *st)
{
	out->items = grow(out->items, out->n, cap, sizeof(*out->items));
	exec_from_row(st, &out->items[out->n++]);
}

static int
be_exec_list(struct sl_store_backend *be, const char *sm_arn,
    int status_filter, int64_t before, size_t limit,
    struct sl_store_exec_list *out, struct sl_err *err)
{
	struct sm_brief sm;
	enum stmt_id id;
	sqlite3_stmt *st;
	size_t cap = 0;
	int r;

	if (sm_arn != NULL) {
		if (sm_brief(be, sm_arn, &sm, err) < 0)
			return -1;
		id = status_filter >= 0 ? S_EXEC_LIST_SM_STATUS :
		    S_EXEC_LIST_SM;
	} else
		id = status_filter >= 0 ? S_EXEC_LIST_STATUS : S_EXEC_LIST_ALL;
	st = stmt(be, id, err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, before > 0 ? before : INT64_MAX);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
	if (status_filter >= 0)
		sqlite3_bind_int(st, 3, status_filter);
	if (sm_arn != NULL) {
		sqlite3_bind_int64(st, 4, sm.id);
		bind_text(st, 5, sm_arn);
	}
	while ((r = row(be, st, "listing executions", err)) == 1)
		exec_list_add(out, &cap, st);
	if (r < 0) {
		sl_store_exec_list_release(out);
		return -1;
	}
	return 0;
}

static int
be_exec_running(struct sl_store_backend *be, const char *arn,
    struct sl_store_exec_list *out, struct sl_err *err)
{
	sqlite3_stmt *st = stmt(be, arn ? S_EXEC_RESUME : S_EXEC_RUNNING, err);
	struct text_token ctx[NCONTEXT];
	struct sl_buf b = SL_BUF_INIT;
	size_t cap = 0;
	int r;

	if (st == NULL)
		return -1;
	if (arn != NULL && bind_exec_arn(st, arn, NULL) < 0)
		return 0; /* none: the front says it does not exist */
	sl_buf_init(&b);
	while ((r = row(be, st, "listing running executions", err)) == 1) {
		struct sl_store_exec *e;
		const char *cp;

		exec_list_add(out, &cap, st);
		e = &out->items[out->n - 1];
		e->input = col_text(st, EXEC_NCOLS);
		/* Compacted with its execution's ARNs. */
		text_context(ctx, e->arn, e->sm_arn);
		cp = column_compact(st, EXEC_NCOLS + 1, ctx, &b);
		e->checkpoint = cp != NULL ? xstrdup(cp) : NULL;
		e->definition = col_text(st, EXEC_NCOLS + 2);
		e->last_event_id = sqlite3_column_int64(st, EXEC_NCOLS + 3);
	}
	sl_buf_release(&b);
	if (r < 0) {
		sl_store_exec_list_release(out);
		return -1;
	}
	return 0;
}

/* --- history ----------------------------------------------------------- */

static int
exec_seq(struct sl_store_backend *be, const char *arn, int64_t *seq,
    struct sl_err *err)
{
	sqlite3_stmt *st = stmt(be, S_EXEC_SEQ, err);
	int r;

	if (st == NULL)
		return -1;
	if (bind_exec_arn(st, arn, NULL) < 0)
		return no_exec(arn, err);
	r = row(be, st, "reading an execution", err);
	if (r < 0)
		return -1;
	if (r == 0)
		return no_exec(arn, err);
	*seq = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

static int
be_history(struct sl_store_backend *be, const char *exec_arn, int reverse,
    int64_t from, size_t limit, struct sl_store_history *out,
    struct sl_err *err)
{
	struct sl_buf b = SL_BUF_INIT;
	struct chunk_event *evs = NULL;
	size_t cap = 0, ecap = 0, k, m;
	sqlite3_stmt *st;
	int64_t seq = 0, bound;
	int r = 0, rc = -1;

	if (exec_seq(be, exec_arn, &seq, err) < 0)
		return -1;
	st = stmt(be, reverse ? S_HISTORY_REV : S_HISTORY_FWD, err);
	if (st == NULL)
		return -1;
	bound = from > 0 ? from : reverse ? INT64_MAX : 0;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, bound);
	sl_buf_init(&b);
	while (out->n < limit &&
	    (r = row(be, st, "reading a history", err)) == 1) {
		int64_t last = sqlite3_column_int64(st, 0);
		int64_t n = sqlite3_column_int64(st, 1), id, ts = 0;
		const unsigned char *p = sqlite3_column_blob(st, 2), *end;

		if (p == NULL || n <= 0 || n > last ||
		    n > SL_STORE_MAX_EVENTS)
			goto damaged;
		end = p + sqlite3_column_bytes(st, 2);
		for (m = 0, id = last - n + 1; id <= last; id++, m++) {
			evs = grow(evs, m, &ecap, sizeof(*evs));
			if (chunk_next(&p, end, id, &ts, &evs[m]) < 0)
				goto damaged;
		}
		if (p != end)
			goto damaged;
		for (k = 0; k < m && out->n < limit; k++) {
			struct chunk_event *e = &evs[reverse ? m - 1 - k : k];
			struct sl_store_history_event *ev;

			if (reverse ? e->id >= bound : e->id <= bound)
				continue;
			out->events = grow(out->events, out->n, &cap,
			    sizeof(*out->events));
			ev = &out->events[out->n++];
			ev->id = e->id;
			ev->previous_id = e->previous_id;
			ev->timestamp = e->timestamp;
			ev->type = xstrndup((const char *)e->type,
			    e->type_len);
			ev->json = event_json(e->id, e->previous_id,
			    e->timestamp, ev->type, e->body, e->body_len,
			    e->compact, &b);
		}
	}
	sqlite3_reset(st);
	if (r >= 0)
		rc = 0;
	goto out;
damaged:
	sqlite3_reset(st);
	sl_err_set(err, "InternalFailure", "%s: database is corrupt (the "
	    "history of %s is damaged)", be->path, exec_arn);
out:
	free(evs);
	sl_buf_release(&b);
	if (rc < 0)
		sl_store_history_release(out);
	return rc;
}

/* --- notifications ----------------------------------------------------- */

static int
be_notify_add(struct sl_store_backend *be, const char *topic,
    const char *message, const char *publisher, int64_t now, int64_t *id,
    struct sl_err *err)
{
	sqlite3_stmt *st;
	int rc = write_begin(be, WRITE_CHECKED, err);

	if (rc < 0)
		return rc;
	rc = -1;
	st = stmt(be, S_NOTIFY_INSERT, err);
	if (st != NULL) {
		bind_text(st, 1, topic);
		sqlite3_bind_int64(st, 2, now);
		bind_text(st, 3, publisher);
		bind_text(st, 4, message);
		rc = run(be, st, "storing a notification", err);
		if (rc == 0)
			*id = sqlite3_last_insert_rowid(be->db);
	}
	return write_end(be, rc, err);
}

static int
be_notify_list(struct sl_store_backend *be, const char *topic, int reverse,
    int64_t from, size_t limit, struct sl_store_notify_list *out,
    struct sl_err *err)
{
	sqlite3_stmt *st = stmt(be, reverse ? S_NOTIFY_REV : S_NOTIFY_FWD,
	    err);
	size_t cap = 0;
	int r;

	if (st == NULL)
		return -1;
	bind_text(st, 1, topic);
	sqlite3_bind_int64(st, 2, from > 0 ? from : reverse ? INT64_MAX : 0);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
	while ((r = row(be, st, "listing notifications", err)) == 1) {
		struct sl_store_notification *nt;

		out->items = grow(out->items, out->n, &cap,
		    sizeof(*out->items));
		nt = &out->items[out->n++];
		nt->id = sqlite3_column_int64(st, 0);
		nt->topic = col_text(st, 1);
		nt->timestamp = sqlite3_column_int64(st, 2);
		nt->publisher = col_text(st, 3);
		nt->message = col_text(st, 4);
	}
	if (r < 0) {
		sl_store_notify_list_release(out);
		return -1;
	}
	return 0;
}

/* --- retention --------------------------------------------------------- */

static int
prune_in(struct sl_store_backend *be, int64_t before, size_t limit,
    size_t *deleted, struct sl_err *err)
{
	static const enum stmt_id steps[] = { S_PRUNE_EVENTS,
		S_PRUNE_CHECKPOINT, S_PRUNE_EXEC };
	int64_t *seqs = NULL;
	size_t n = 0, cap = 0, i, j;
	sqlite3_stmt *st;
	int r = 0, rc = -1;

	/* In the order of starts: an execution stops after it starts, so
	 * none started at or after `before` stopped before it. The scan
	 * reads the ones deleted, and the old ones kept (still running, or
	 * stopped after `before`). */
	st = stmt(be, S_PRUNE_PICK, err);
	if (st == NULL)
		return -1;
	while ((limit == 0 || n < limit) &&
	    (r = row(be, st, "choosing executions to delete", err)) == 1) {
		if (sqlite3_column_int64(st, 2) >= before)
			break;
		if (sqlite3_column_int(st, 1) == SL_STORE_EXEC_RUNNING ||
		    sqlite3_column_int64(st, 3) >= before)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			seqs = xreallocarray(seqs, cap, sizeof(*seqs));
		}
		seqs[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (r < 0)
		goto out;
	if (n > 0) {
		st = stmt(be, S_FLOOR_EXECS, err);
		if (st == NULL || run(be, st, "keeping execution ids", err) < 0)
			goto out;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < sizeof(steps) / sizeof(steps[0]); j++) {
			st = stmt(be, steps[j], err);
			if (st == NULL)
				goto out;
			sqlite3_bind_int64(st, 1, seqs[i]);
			if (run(be, st, "deleting an old execution", err) < 0)
				goto out;
		}
	st = stmt(be, S_PRUNE_REVS, err);
	if (st == NULL || run(be, st, "deleting unused revisions", err) < 0)
		goto out;
	st = stmt(be, S_FLOOR_NOTIFY, err);
	if (st == NULL || run(be, st, "keeping notification ids", err) < 0)
		goto out;
	st = stmt(be, S_PRUNE_NOTIFY, err);
	if (st == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, before);
	if (run(be, st, "deleting old notifications", err) < 0)
		goto out;
	*deleted = n;
	rc = 0;
out:
	free(seqs);
	return rc;
}

static int
be_prune(struct sl_store_backend *be, int64_t before, size_t limit,
    size_t *deleted, struct sl_err *err)
{
	int rc = write_begin(be, WRITE_SAVEPOINT, err);

	if (rc < 0)
		return rc;
	return write_end(be, prune_in(be, before, limit, deleted, err), err);
}

/* --- opening ----------------------------------------------------------- */

static const char *
be_path(const struct sl_store_backend *be)
{
	return be->path;
}

static uint64_t
be_db_commits(const struct sl_store_backend *be)
{
	return be->db_commits;
}

static int
commit_hook(void *arg)
{
	struct sl_store_backend *be = arg;

	be->db_commits++;
	return 0;
}

static void
be_close(struct sl_store_backend *be)
{
	size_t i;

	if (be == NULL)
		return;
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(be->st[i]);
	if (be->db != NULL) {
		if (be->in_txn)
			sqlite3_exec(be->db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close_v2(be->db);
	}
	if (be->lock_fd >= 0)
		close(be->lock_fd); /* drops the lock */
	sl_exec_cache_free(be->execs);
	free(be->dir);
	free(be->path);
	free(be->lock_path);
	free(be);
}

/* mkdir -p dir. */
static int
make_dir(const char *dir, struct sl_err *err)
{
	size_t bad;

	if (sl_mkdirs(dir, 0755, &bad) < 0)
		return sl_err_set(err, "ServiceUnavailable",
		    "cannot create data directory %.*s: %s", (int)bad, dir,
		    strerror(errno));
	return 0;
}

/* Take DIR/sluice.lock: one daemon per data directory. The lock is an
 * flock on an O_CLOEXEC descriptor: it goes with the process (or with the
 * last process that inherited it without exec). */
static int
take_lock(struct sl_store_backend *be, struct sl_err *err)
{
	char buf[32];
	ssize_t n;

	be->lock_fd = open(be->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (be->lock_fd < 0)
		return sl_err_set(err, "ServiceUnavailable",
		    "cannot open lock file %s: %s (is the data directory "
		    "writable?)", be->lock_path, strerror(errno));
	if (flock(be->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		if (e != EWOULDBLOCK)
			return sl_err_set(err, "ServiceUnavailable",
			    "cannot lock %s: %s", be->lock_path, strerror(e));
		n = pread(be->lock_fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		return sl_err_set(err, "ServiceUnavailable",
		    "data directory %s is in use by another process (pid %s "
		    "holds %s); two daemons cannot share a data directory",
		    be->dir, buf[0] ? buf : "unknown", be->lock_path);
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(be->lock_fd, 0) < 0 ||
	    pwrite(be->lock_fd, buf, (size_t)n, 0) != n)
		return sl_err_set(err, "ServiceUnavailable",
		    "cannot write %s: %s", be->lock_path, strerror(errno));
	return 0;
}

static int
fsync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Build a fresh database aside (PATH.new), then rename it into place, so
 * that a database file at PATH is always one that was complete. */
static int
create_db(struct sl_store_backend *be, struct sl_err *err)
{
	char *tmp = xasprintf("%s.new", be->path);
	char *side[3];
	sqlite3 *db = NULL;
	struct sl_buf sql = SL_BUF_INIT;
	int rc, i, ret = -1;

	side[0] = tmp;
	side[1] = xasprintf("%s-journal", tmp);
	side[2] = xasprintf("%s-wal", tmp);
	for (i = 0; i < 3; i++)
		unlink(side[i]); /* leftovers of an interrupted creation */
	rc = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL);
	if (rc == SQLITE_OK)
		rc = add_functions(db);
	if (rc != SQLITE_OK) {
		sl_err_set(err, "ServiceUnavailable", "cannot create %s: %s",
		    tmp, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		goto out;
	}
	sl_buf_init(&sql);
	sl_buf_addf(&sql, "PRAGMA page_size = %d; PRAGMA synchronous = FULL;"
	    "BEGIN;", PAGE_SIZE);
	for (i = 0; i < SCHEMA_VERSION; i++)
		sl_buf_addstr(&sql, migrations[i]);
	sl_buf_addf(&sql, "PRAGMA application_id = %d;"
	    "PRAGMA user_version = %d; COMMIT;"
	    "PRAGMA journal_mode = WAL;", APP_ID, SCHEMA_VERSION);
	rc = sqlite3_exec(db, sql.data, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		sl_err_set(err, "ServiceUnavailable",
		    "cannot create the schema in %s: %s", tmp,
		    sqlite3_errmsg(db));
		goto out;
	}
	rc = sqlite3_close(db);
	db = NULL;
	if (rc != SQLITE_OK) {
		sl_err_set(err, "ServiceUnavailable", "cannot close %s: %s",
		    tmp, sqlite3_errstr(rc));
		goto out;
	}
	if (fsync_path(tmp, O_RDONLY) < 0 || rename(tmp, be->path) < 0 ||
	    fsync_path(be->dir, O_RDONLY | O_DIRECTORY) < 0) {
		sl_err_set(err, "ServiceUnavailable",
		    "cannot put the new database in place at %s: %s",
		    be->path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (db != NULL)
		sqlite3_close(db);
	if (ret < 0)
		for (i = 0; i < 3; i++)
			unlink(side[i]);
	for (i = 0; i < 3; i++)
		free(side[i]);
	sl_buf_release(&sql);
	return ret;
}

/* Check what is at PATH before SQLite sees it: a regular, readable and
 * writable file that starts like an SQLite database. */
static int
check_file(struct sl_store_backend *be, struct sl_err *err)
{
	static const char magic[16] = "SQLite format 3";
	char head[100];
	struct stat sb;
	ssize_t n;
	int fd;

	if (stat(be->path, &sb) < 0)
		return sl_err_set(err, "ServiceUnavailable", "cannot stat %s: "
		    "%s", be->path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return sl_err_set(err, "ServiceUnavailable",
		    "%s is not a regular file", be->path);
	fd = open(be->path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return sl_err_set(err, "ServiceUnavailable", "cannot open %s "
		    "for reading and writing: %s", be->path, strerror(errno));
	n = pread(fd, head, sizeof(head), 0);
	close(fd);
	if (n < 0)
		return sl_err_set(err, "ServiceUnavailable", "cannot read %s: "
		    "%s", be->path, strerror(errno));
	if (n == 0)
		return sl_err_set(err, "InternalFailure",
		    "%s is empty, not a Sluice database; refusing to replace "
		    "it (move it away to start afresh)", be->path);
	if ((size_t)n < sizeof(head) || memcmp(head, magic, 16) != 0)
		return sl_err_set(err, "InternalFailure",
		    "%s is not an SQLite database (bad header); refusing to "
		    "replace it (move it away to start afresh)", be->path);
	return 0;
}

static int
pragma_int(struct sl_store_backend *be, const char *sql, int64_t *v,
    struct sl_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(be->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*v = sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		}
	}
	if (rc != SQLITE_OK) {
		db_fail(be, rc, sql, err);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

/* Refuse migrations[v] on what it cannot take (migration_checks[v]). */
static int
migration_check(struct sl_store_backend *be, int64_t v, struct sl_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (migration_checks[v] == NULL)
		return 0;
	rc = sqlite3_prepare_v2(be->db, migration_checks[v], -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *what = (const char *)sqlite3_column_text(st, 0);

		sl_err_set(err, "InternalFailure", "%s: cannot migrate schema "
		    "version %" PRId64 " to %" PRId64 ": %.300s", be->path, v,
		    v + 1, what != NULL ? what : "a row it cannot take");
	}
	else if (rc != SQLITE_DONE)
		db_fail(be, rc, "checking the schema before migrating it", err);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
migrate(struct sl_store_backend *be, int64_t from, struct sl_err *err)
{
	struct sl_buf sql = SL_BUF_INIT;
	int64_t v;
	int rc;

	for (v = from; v < SCHEMA_VERSION; v++)
		if (migration_check(be, v, err) < 0)
			return -1;
	sl_buf_init(&sql);
	sl_buf_addstr(&sql, "BEGIN IMMEDIATE;");
	for (v = from; v < SCHEMA_VERSION; v++)
		sl_buf_addstr(&sql, migrations[v]);
	sl_buf_addf(&sql, "PRAGMA user_version = %d; COMMIT;", SCHEMA_VERSION);
	rc = sqlite3_exec(be->db, sql.data, NULL, NULL, NULL);
	sl_buf_release(&sql);
	if (rc != SQLITE_OK) {
		db_fail(be, rc, "migrating the schema", err);
		if (!sqlite3_get_autocommit(be->db))
			sqlite3_exec(be->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

static int
quick_check(struct sl_store_backend *be, struct sl_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(be->db, "PRAGMA quick_check", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		db_fail(be, rc, "checking integrity", err);
		sqlite3_finalize(st);
		return -1;
	}
	if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
		char *what = xstrdup((const char *)sqlite3_column_text(st, 0));
		char *p;

		for (p = what; *p != '\0'; p++)
			if (*p == '\n')
				*p = ' ';
		sl_err_set(err, "InternalFailure",
		    "%s: database is corrupt (integrity check: %.300s)",
		    be->path, what);
		free(what);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

/* Whether db_path's write-ahead log is there and not empty: the last
 * connection to write it did not close (SQLite removes the log when the
 * last one closes). */
static int
wal_left(const char *db_path)
{
	char *wal = xasprintf("%s-wal", db_path);
	struct stat sb;
	int left = stat(wal, &sb) == 0 && sb.st_size > 0;

	free(wal);
	return left;
}

static int
open_db(struct sl_store_backend *be, const struct sl_store_config *cfg,
    struct sl_err *err)
{
	int64_t app = 0, ver = 0, n = 0;
	char *sql;
	int rc, unclean;

	/* Looked at before SQLite opens the database: it replays a log left
	 * behind and may remove it. */
	unclean = wal_left(be->path);
	/* One thread uses it (store.h): no mutex around each call. */
	rc = sqlite3_open_v2(be->path, &be->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = add_functions(be->db);
	if (rc != SQLITE_OK)
		return db_fail(be, rc, "opening", err);
	sqlite3_extended_result_codes(be->db, 1);
	if (sqlite3_db_readonly(be->db, "main") == 1)
		return sl_err_set(err, "ServiceUnavailable",
		    "%s can only be opened read-only", be->path);
	sqlite3_busy_timeout(be->db, cfg->busy_timeout_ms ?
	    (int)cfg->busy_timeout_ms : 5000);
	/* Reading the header and the schema finds a file that is not a
	 * database or whose first pages are damaged. */
	if (pragma_int(be, "PRAGMA application_id", &app, err) < 0 ||
	    pragma_int(be, "PRAGMA user_version", &ver, err) < 0 ||
	    pragma_int(be, "SELECT count(*) FROM sqlite_schema", &n, err) < 0)
		return -1;
	if (app != APP_ID)
		return sl_err_set(err, "InternalFailure",
		    "%s is an SQLite database but not a Sluice one "
		    "(application_id 0x%08" PRIx64 "); refusing to use it",
		    be->path, (uint64_t)app);
	if (ver > SCHEMA_VERSION)
		return sl_err_set(err, "InternalFailure",
		    "%s has schema version %" PRId64 ", newer than the %d this "
		    "build knows: it was written by a newer Sluice; refusing "
		    "to use it", be->path, ver, SCHEMA_VERSION);
	if (ver < 1 || n == 0)
		return sl_err_set(err, "InternalFailure",
		    "%s has no Sluice schema (version %" PRId64 ")", be->path,
		    ver);
	/* WAL: readers never block the writer; FULL syncs the WAL at each
	 * commit, so that a commit is durable when COMMIT returns (NORMAL
	 * would sync only at checkpoints: a power loss could take back the
	 * last commits, which a client was already told about). */
	/* journal_size_limit: a WAL that a big batch grew is cut back to
	 * 64 MB at the next checkpoint. */
	sql = xasprintf("PRAGMA journal_mode = WAL; PRAGMA synchronous = %s;"
	    "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16384;"
	    "PRAGMA foreign_keys = OFF;"
	    "PRAGMA journal_size_limit = 67108864;",
	    cfg->sync == SL_STORE_SYNC_NORMAL ? "NORMAL" : "FULL");
	rc = exec_sql(be, sql, "setting it up", err);
	free(sql);
	if (rc < 0)
		return -1;
	if (cfg->max_pages > 0) {
		sql = xasprintf("PRAGMA max_page_count = %u", cfg->max_pages);
		rc = exec_sql(be, sql, "capping its size", err);
		free(sql);
		if (rc < 0)
			return -1;
	}
	if (pragma_int(be, "PRAGMA page_size", &n, err) < 0)
		return -1;
	be->chunk_bytes = chunk_bytes_for((size_t)n);
	if ((cfg->verify == SL_STORE_VERIFY_ALWAYS ||
	        (cfg->verify == SL_STORE_VERIFY_UNCLEAN && unclean)) &&
	    quick_check(be, err) < 0)
		return -1;
	if (ver < SCHEMA_VERSION && migrate(be, ver, err) < 0)
		return -1;
	sqlite3_commit_hook(be->db, commit_hook, be);
	return 0;
}

struct sl_store_backend *
sl_store_sqlite_open(const struct sl_store_config *cfg, struct sl_err *err)
{
	struct sl_store_backend *be = xcalloc(1, sizeof(*be));
	const char *dir = cfg->data_dir ? cfg->data_dir : "var";
	struct stat sb;

	be->lock_fd = -1;
	be->execs = sl_exec_cache_new();
	be->dir = xstrdup(dir);
	be->path = xasprintf("%s/%s", dir, SL_STORE_DB_FILE);
	be->lock_path = xasprintf("%s/%s", dir, SL_STORE_LOCK_FILE);
	if (make_dir(dir, err) < 0)
		goto fail;
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		sl_err_set(err, "ServiceUnavailable",
		    "data directory %s is not a directory", dir);
		goto fail;
	}
	if (access(dir, W_OK | X_OK) < 0) {
		sl_err_set(err, "ServiceUnavailable",
		    "data directory %s is not writable: %s", dir,
		    strerror(errno));
		goto fail;
	}
	if (take_lock(be, err) < 0)
		goto fail;
	if (stat(be->path, &sb) < 0) {
		if (errno != ENOENT) {
			sl_err_set(err, "ServiceUnavailable",
			    "cannot stat %s: %s", be->path, strerror(errno));
			goto fail;
		}
		/* A WAL without its database would be replayed into a fresh
		 * one: somebody moved the database away; do not guess. */
		if (wal_left(be->path)) {
			sl_err_set(err, "InternalFailure",
			    "%s is missing but its write-ahead log %s-wal is "
			    "there; refusing to start a new database beside it",
			    be->path, be->path);
			goto fail;
		}
		if (create_db(be, err) < 0)
			goto fail;
	}
	if (check_file(be, err) < 0 || open_db(be, cfg, err) < 0)
		goto fail;
	return be;
fail:
	be_close(be);
	return NULL;
}

int
sl_store_schema_version(void)
{
	return SCHEMA_VERSION;
}

const struct sl_store_ops sl_store_sqlite_ops = {
	.name = "sqlite",
	.close = be_close,
	.path = be_path,
	.db_commits = be_db_commits,
	.commit = be_commit,
	.sm_create = be_sm_create,
	.sm_update = be_sm_update,
	.sm_delete = be_sm_delete,
	.sm_get = be_sm_get,
	.sm_revision = be_sm_revision,
	.sm_list = be_sm_list,
	.exec_start = be_exec_start,
	.exec_progress = be_exec_progress,
	.exec_finish = be_exec_finish,
	.exec_get = be_exec_get,
	.exec_list = be_exec_list,
	.exec_running = be_exec_running,
	.history = be_history,
	.notify_add = be_notify_add,
	.notify_list = be_notify_list,
	.prune = be_prune,
};
