#!/bin/sh
# The signup functions one by one with `sluice run`, against real services
# started here: SQLite files and a Maildir under a scratch directory, a
# temporary PostgreSQL cluster, an SMTP server (aiosmtpd) and a webhook
# receiver. Each function runs sandboxed with its shipped config, the data
# directory substituted and, where a case needs it, SMTP_URL, DATABASE_URL
# or ADMIN_WEBHOOK_URL set with Network "loopback".
set -u
cd "$(dirname "$0")/../.."
: "${SLUICE_BUILD:?SLUICE_BUILD must name the build directory}"
. tests/integration/lib/services.sh

SLUICE=$SLUICE_BUILD/sluice
FNS=$SLUICE_BUILD/functions

if [ ! -x "$SLUICE" ] || ! "$SLUICE" --help 2>/dev/null |
    grep -q '^  run '; then
	echo "signup_functions: SKIPPED: waits for 'sluice run' (the" \
	    "function host's offline command, runtime branch); not in" \
	    "$SLUICE_BUILD"
	exit 0
fi
for f in db_insert send_email notify_admin; do
	[ -f "$FNS/$f.so" ] || {
		echo "signup_functions: $FNS/$f.so is missing" >&2
		exit 1
	}
done

die()
{
	echo "signup_functions: $*" >&2
	exit 1
}

svc_setup signup-fn
. tests/integration/lib/testlib.sh

# run DIR NAME PAYLOAD: one invocation; sets RC, OUT and ERR (files).
run()
{
	RC=0
	"$SLUICE" run "$1/$2.so" --payload "$3" >"$OUT" 2>"$ERR" || RC=$?
}

DATA=$SVC_TMP/data
mkdir -p "$DATA"
# Workers may run under an unprivileged uid of their own: the host creates
# and hands over the Paths.write directories, the rest must be reachable.
chmod 755 "$DATA"

# --- db_insert with SQLite (the shipped config) ------------------------------
SQ=$SVC_TMP/fn-sqlite
fn_variant "$SQ" db_insert
DB=$DATA/signup/signup.db

run "$SQ" db_insert '{"email": "Ada@Example.org", "name": "Ada Lovelace"}'
if expect_ok "db_insert: a valid signup is inserted"; then
	UID1=$(field "$OUT" userId)
	TOK1=$(field "$OUT" verificationToken)
	check "db_insert: userId is a version 7 UUID of createdAt ($UID1)" \
	    is_uuid7 "$UID1" "$(field "$OUT" createdAt)"
	check "db_insert: verificationToken is 64 hex digits" is_token "$TOK1"
	check "db_insert: createdAt is RFC 3339" \
	    is_rfc3339 "$(field "$OUT" createdAt)"
	check "db_insert: email is returned as given" \
	    test "$(field "$OUT" email)" = "Ada@Example.org"
	check "db_insert: the row is in $DB with the same token" \
	    test "$(sqlite_q "$DB" 'SELECT id, verification_token, name
	    FROM signup_users WHERE email_key = ?' ada@example.org)" = \
	    "$UID1|$TOK1|Ada Lovelace"
fi

run "$SQ" db_insert '{"email": "ada@EXAMPLE.org", "name": "Ada Again"}'
expect_error UserAlreadyExists "db_insert: the same address again" \
    "ada@EXAMPLE.org"
check "db_insert: the duplicate inserted nothing" \
    test "$(sqlite_q "$DB" 'SELECT count(*) FROM signup_users')" = 1

for bad in '"not-an-address"' '"two@@example.org"' '"a b@example.org"' \
    '"dot.@example.org"' '"x@localhost"' '"x@-bad-.example.org"' '42' \
    '""'; do
	run "$SQ" db_insert "{\"email\": $bad, \"name\": \"X\"}"
	expect_error ValidationError "db_insert: email $bad" "email"
done
run "$SQ" db_insert '{"name": "No Mail"}'
expect_error ValidationError "db_insert: email missing" "email: is required"
for bad in '""' '"   "' 'null' '7' '"a\u0007b"'; do
	run "$SQ" db_insert "{\"email\": \"n@example.org\", \"name\": $bad}"
	expect_error ValidationError "db_insert: name $bad" "name"
done
run "$SQ" db_insert '"just a string"'
expect_error ValidationError "db_insert: an event that is not an object"
check "db_insert: invalid input inserted nothing" \
    test "$(sqlite_q "$DB" 'SELECT count(*) FROM signup_users')" = 1

# The same idempotency key twice: one row, the same answer.
P='{"email": "grace@example.org", "name": "Grace", "idempotencyKey": "exec-1/InsertUser"}'
run "$SQ" db_insert "$P"
expect_ok "db_insert: first run with an idempotency key" &&
    cp "$OUT" "$SVC_TMP/idem1"
run "$SQ" db_insert "$P"
if expect_ok "db_insert: re-run with the same idempotency key"; then
	check "db_insert: the re-run returns the same row" \
	    test "$(field "$OUT" userId)/$(field "$OUT" verificationToken)" = \
	    "$(field "$SVC_TMP/idem1" userId)/$(field "$SVC_TMP/idem1" verificationToken)"
fi
check "db_insert: the re-run inserted nothing" \
    test "$(sqlite_q "$DB" 'SELECT count(*) FROM signup_users
    WHERE email_key = ?' grace@example.org)" = 1
run "$SQ" db_insert '{"email": "other@example.org", "name": "O", "idempotencyKey": "exec-1/InsertUser"}'
expect_error IdempotentParameterMismatch \
    "db_insert: a used key with another address"
# ... even when that address is another user's: the key decides first.
run "$SQ" db_insert '{"email": "ada@example.org", "name": "A", "idempotencyKey": "exec-1/InsertUser"}'
expect_error IdempotentParameterMismatch \
    "db_insert: a used key with another user's address"

# Many writers at once: every insert lands, one racer per address wins.
parallel_inserts "$SQ" 32 8 sqpar
check "db_insert: 32 concurrent signups all inserted ($PAR_OK)" \
    test "$PAR_OK" = 32
check "db_insert: 8 racing for one address: 1 wins, 7 UserAlreadyExists" \
    test "$RACE_OK/$RACE_DUP" = 1/7
check "db_insert: the table holds exactly those rows" \
    test "$(sqlite_q "$DB" "SELECT count(*) FROM signup_users
    WHERE email_key LIKE 'sqpar-%'")" = 33

# Many environments starting at once on a database that does not exist
# yet: they create it and its schema together, without stalling for the
# busy timeout and without failing their start.
DATA0=$DATA
DATA=$SVC_TMP/data-fresh
mkdir -p "$DATA"
chmod 755 "$DATA"
FR=$SVC_TMP/fn-fresh
fn_variant "$FR" db_insert
DATA=$DATA0
T0=$(date +%s)
parallel_inserts "$FR" 16 0 fresh
T1=$(date +%s)
check "db_insert: 16 first uses at once all inserted ($PAR_OK)" \
    test "$PAR_OK" = 16
check "db_insert: ... within the busy timeout ($((T1 - T0)) s)" \
    test $((T1 - T0)) -lt 5
check "db_insert: ... 16 rows in the new database" \
    test "$(sqlite_q "$SVC_TMP/data-fresh/signup/signup.db" \
    'SELECT count(*) FROM signup_users')" = 16

# Another writer holds the lock: DatabaseBusy once the wait runs out. It
# holds the environments' queue (DB.write-lock) too, as a db_insert in the
# middle of its insert does: the wait for that ends at the deadline as well.
BUSY=$SVC_TMP/fn-busy
fn_variant "$BUSY" db_insert --set SIGNUP_DB_BUSY_TIMEOUT_MS=300
"$PY" -c 'import fcntl, signal, sqlite3, sys
q = open(sys.argv[1] + ".write-lock", "a")
fcntl.flock(q, fcntl.LOCK_EX)
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").write("locked\n")
signal.pause()' "$DB" "$SVC_TMP/locked" &
LOCKER=$!
SVC_PIDS="$SVC_PIDS $LOCKER"
wait_for_file "$SVC_TMP/locked" 20 || die "the lock holder did not start"
run "$BUSY" db_insert '{"email": "busy@example.org", "name": "Busy"}'
expect_error DatabaseBusy "db_insert: the database is locked by another writer"
kill "$LOCKER"
wait "$LOCKER" 2>/dev/null || true
run "$BUSY" db_insert '{"email": "busy@example.org", "name": "Busy"}'
expect_ok "db_insert: the same signup once the lock is gone"

# Group commit: the WAL is synced after the writers' lock is let go (so one
# environment's sync does not hold up the others' inserts) and before the
# answer, for a new user and for an address already taken alike.
if command -v strace >/dev/null 2>&1 &&
    strace -f -qq -e trace=none true >/dev/null 2>&1; then
	for p in '{"email": "sync@example.org", "name": "Sync"}' \
	    '{"email": "SYNC@example.org", "name": "Sync Again"}'; do
		RC=0
		strace -f -qq -e trace=flock,fsync,fdatasync,sendmsg \
		    -o "$SVC_TMP/sync.trace" "$SLUICE" run "$SQ/db_insert.so" \
		    --payload "$p" >"$OUT" 2>"$ERR" || RC=$?
		check "db_insert: synced after the lock, before the answer" \
		    "$PY" "$LIB/sync_order.py" "$SVC_TMP/sync.trace"
	done
	expect_error UserAlreadyExists "db_insert: ... the second one a duplicate"
else
	echo "db_insert: SKIPPED: the sync order check needs strace, and" \
	    "ptrace allowed"
fi

# --- db_insert with PostgreSQL ------------------------------------------------
start_postgres || die "cannot start PostgreSQL"
PG=$SVC_TMP/fn-pg
fn_variant "$PG" db_insert --network loopback --port "$PG_PORT" \
    --set "DATABASE_URL=$PG_URL"
run "$PG" db_insert '{"email": "Linus@Example.org", "name": "Linus"}'
if expect_ok "db_insert/pg: a valid signup is inserted"; then
	PUID=$(field "$OUT" userId)
	check "db_insert/pg: userId is a version 7 UUID of createdAt" \
	    is_uuid7 "$PUID" "$(field "$OUT" createdAt)"
	check "db_insert/pg: createdAt is RFC 3339" \
	    is_rfc3339 "$(field "$OUT" createdAt)"
	check "db_insert/pg: the row is in PostgreSQL" \
	    test "$(psql_q "SELECT id || '|' || verification_token
	    FROM signup_users WHERE email_key = 'linus@example.org'")" = \
	    "$PUID|$(field "$OUT" verificationToken)"
fi
run "$PG" db_insert '{"email": "linus@example.ORG", "name": "Linus 2"}'
expect_error UserAlreadyExists "db_insert/pg: the same address again" \
    "linus@example.ORG"
# A name full of SQL is data, not SQL: parameterised statements.
run "$PG" db_insert "{\"email\": \"bobby@example.org\", \"name\": \"Robert'); DROP TABLE signup_users;--\"}"
expect_ok "db_insert/pg: a name that looks like SQL is stored as text"
check "db_insert/pg: the table and both rows are there" \
    test "$(psql_q 'SELECT count(*) FROM signup_users')" = 2
P='{"email": "ken@example.org", "name": "Ken", "idempotencyKey": "exec-2/InsertUser"}'
run "$PG" db_insert "$P"
expect_ok "db_insert/pg: first run with an idempotency key" &&
    cp "$OUT" "$SVC_TMP/idem2"
run "$PG" db_insert "$P"
if expect_ok "db_insert/pg: re-run with the same idempotency key"; then
	check "db_insert/pg: the re-run returns the same row" \
	    test "$(field "$OUT" userId)" = "$(field "$SVC_TMP/idem2" userId)"
fi
check "db_insert/pg: the re-run inserted nothing" \
    test "$(psql_q "SELECT count(*) FROM signup_users
    WHERE email_key = 'ken@example.org'")" = 1
run "$PG" db_insert '{"email": "nope", "name": "N"}'
expect_error ValidationError "db_insert/pg: invalid email" "email"
parallel_inserts "$PG" 24 8 pgpar
check "db_insert/pg: 24 concurrent signups all inserted ($PAR_OK)" \
    test "$PAR_OK" = 24
check "db_insert/pg: 8 racing for one address: 1 wins, 7 UserAlreadyExists" \
    test "$RACE_OK/$RACE_DUP" = 1/7
check "db_insert/pg: the table holds exactly those rows" \
    test "$(psql_q "SELECT count(*) FROM signup_users
    WHERE email_key LIKE 'pgpar-%'")" = 25
# Another session holds the table: DatabaseBusy once lock_timeout runs out.
PGB=$SVC_TMP/fn-pgbusy
fn_variant "$PGB" db_insert --network loopback --port "$PG_PORT" \
    --set "DATABASE_URL=$PG_URL?options=-c%20lock_timeout%3D300"
mkfifo "$SVC_TMP/pgin"
"$SVC_PGBIN/psql" -X -q -A -t -d "$PG_URL" <"$SVC_TMP/pgin" \
    >"$SVC_TMP/pgout" 2>&1 &
SVC_PIDS="$SVC_PIDS $!"
exec 9>"$SVC_TMP/pgin"
echo "BEGIN; LOCK TABLE signup_users IN ACCESS EXCLUSIVE MODE;" \
    "SELECT 'lock' || 'ed';" >&9
wait_for_file "$SVC_TMP/pgout" 20 || die "the lock session did not start"
run "$PGB" db_insert '{"email": "busy@example.org", "name": "Busy"}'
expect_error DatabaseBusy "db_insert/pg: the table is locked" "lock timeout"
echo "COMMIT;" >&9
exec 9>&-
run "$PGB" db_insert '{"email": "busy@example.org", "name": "Busy"}'
expect_ok "db_insert/pg: the same signup once the lock is gone"
PGDOWN=$SVC_TMP/fn-pgdown
P=$(free_port)
fn_variant "$PGDOWN" db_insert --network loopback --port "$P" \
    --set "DATABASE_URL=postgres://signup@127.0.0.1:$P/postgres"
run "$PGDOWN" db_insert '{"email": "down@example.org", "name": "D"}'
expect_error DatabaseUnavailable "db_insert/pg: no server listening"

# --- send_email into the Maildir (the shipped config) ------------------------
MD=$SVC_TMP/fn-maildir
fn_variant "$MD" send_email
LINK_BASE=$("$PY" "$LIB/jsonq.py" functions/send_email.json \
    Environment.Variables.VERIFY_URL_BASE)
run "$MD" send_email "{\"email\": \"ada@example.org\", \"name\": \"Ada Lovelace\", \"userId\": \"u-1\", \"verificationToken\": \"$TOK1\"}"
if expect_ok "send_email/maildir: delivered"; then
	check "send_email/maildir: transport maildir, delivered true" \
	    test "$(field "$OUT" transport)/$(field "$OUT" delivered)/$(field "$OUT" to)" = \
	    "maildir/true/ada@example.org"
	set -- "$DATA"/mail/new/*
	check "send_email/maildir: one file in mail/new" test "$#" -eq 1 -a -f "$1"
	check "send_email/maildir: nothing left in mail/tmp" \
	    test -z "$(ls -A "$DATA/mail/tmp")"
	case "$(basename "$1")" in
	*/* | *:*) not_ok "send_email/maildir: file name $1" ;;
	[0-9]*.*.*) ok "send_email/maildir: unique Maildir name $(basename "$1")" ;;
	*) not_ok "send_email/maildir: file name $(basename "$1")" ;;
	esac
	check "send_email/maildir: the message has the headers and the link" \
	    "$PY" "$LIB/check_mail.py" "$1" --to ada@example.org \
	    --name "Ada Lovelace" --link "$LINK_BASE$TOK1" \
	    --message-id "$(field "$OUT" messageId)"
fi
run "$MD" send_email '{"email": "zoë@example.org", "verificationToken": "abc"}'
expect_error EmailRejected "send_email: an invalid address"
run "$MD" send_email '{"email": "a@example.org", "verificationToken": "a b"}'
expect_error ValidationError "send_email: a token that is not URL-safe" \
    verificationToken

# --- send_email over SMTP ------------------------------------------------------
start_smtp smtp-ok || die "cannot start the SMTP server"
SM=$SVC_TMP/fn-smtp
fn_variant "$SM" send_email --network loopback --port "$SMTP_PORT" \
    --set "SMTP_URL=smtp://127.0.0.1:$SMTP_PORT" \
    --set "VERIFY_URL_BASE=https://app.example.org/verify?t="
NAME='Zoë Ångström-Müller'
run "$SM" send_email "{\"email\": \"zoe@example.org\", \"name\": \"$NAME\", \"verificationToken\": \"$TOK1\"}"
if expect_ok "send_email/smtp: delivered"; then
	check "send_email/smtp: transport smtp" \
	    test "$(field "$OUT" transport)" = smtp
	wait_for_file "$SMTP_DIR/msg-1.json" 10 || true
	check "send_email/smtp: the server got it for zoe@example.org" \
	    test "$(field "$SMTP_DIR/msg-1.json" rcpt_tos.0)" = zoe@example.org
	check "send_email/smtp: envelope sender is MAIL_FROM" \
	    test "$(field "$SMTP_DIR/msg-1.json" mail_from)" = \
	    "$("$PY" "$LIB/jsonq.py" functions/send_email.json Environment.Variables.MAIL_FROM)"
	check "send_email/smtp: headers, encoded name and the link" \
	    "$PY" "$LIB/check_mail.py" "$SMTP_DIR/msg-1.eml" \
	    --to zoe@example.org --name "$NAME" \
	    --link "https://app.example.org/verify?t=$TOK1" \
	    --message-id "$(field "$OUT" messageId)"
fi

start_smtp smtp-auth --auth "mailer:s3cret" || die "cannot start the SMTP server"
AU=$SVC_TMP/fn-auth
fn_variant "$AU" send_email --network loopback --port "$SMTP_PORT" \
    --set "SMTP_URL=smtp://127.0.0.1:$SMTP_PORT" \
    --set SMTP_USER=mailer --set SMTP_PASSWORD=s3cret
run "$AU" send_email "{\"email\": \"ada@example.org\", \"verificationToken\": \"$TOK1\"}"
expect_ok "send_email/smtp: AUTH with SMTP_USER/SMTP_PASSWORD" &&
    check "send_email/smtp: the server saw an authenticated session" \
    test "$(field "$SMTP_DIR/msg-1.json" authenticated)" = true
fn_variant "$AU" send_email --network loopback --port "$SMTP_PORT" \
    --set "SMTP_URL=smtp://127.0.0.1:$SMTP_PORT" \
    --set SMTP_USER=mailer --set SMTP_PASSWORD=wrong
run "$AU" send_email "{\"email\": \"ada@example.org\", \"verificationToken\": \"$TOK1\"}"
expect_error EmailRejected "send_email/smtp: wrong password (535)" 535

# STARTTLS, with a certificate the test makes for 127.0.0.1: trusted
# through SMTP_CA_FILE (granted in Paths.read), refused without it.
PKI=$SVC_TMP/pki
mkdir -p "$PKI"
chmod 755 "$PKI"
if openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1" -keyout "$PKI/key.pem" \
    -out "$PKI/cert.pem" >"$PKI/log" 2>&1; then
	chmod 644 "$PKI/cert.pem"
	start_smtp smtp-tls --tls "$PKI/cert.pem:$PKI/key.pem" ||
	    die "cannot start the SMTP server"
	TLS=$SVC_TMP/fn-tls
	fn_variant "$TLS" send_email --network loopback --port "$SMTP_PORT" \
	    --set "SMTP_URL=smtp://127.0.0.1:$SMTP_PORT" --set SMTP_STARTTLS=1 \
	    --set "SMTP_CA_FILE=$PKI/cert.pem" --read "$PKI/cert.pem"
	run "$TLS" send_email "{\"email\": \"ada@example.org\", \"verificationToken\": \"$TOK1\"}"
	expect_ok "send_email/smtp: STARTTLS with SMTP_CA_FILE" &&
	    check "send_email/smtp: the server saw the mail over TLS" \
	    test "$(field "$SMTP_DIR/msg-1.json" tls)" = true
	fn_variant "$TLS" send_email --network loopback --port "$SMTP_PORT" \
	    --set "SMTP_URL=smtp://127.0.0.1:$SMTP_PORT" --set SMTP_STARTTLS=1
	run "$TLS" send_email "{\"email\": \"ada@example.org\", \"verificationToken\": \"$TOK1\"}"
	expect_error EmailRejected \
	    "send_email/smtp: STARTTLS with a certificate nobody vouches for"
	fn_variant "$TLS" send_email --network loopback --port "$SMTP_PORT" \
	    --set "SMTP_URL=smtp://127.0.0.1:$SMTP_PORT"
	run "$TLS" send_email "{\"email\": \"ada@example.org\", \"verificationToken\": \"$TOK1\"}"
	expect_error EmailRejected \
	    "send_email/smtp: plain text to a server requiring STARTTLS" 530
else
	not_ok "openssl cannot make a test certificate: $(cat "$PKI/log")"
fi

DOWN=$SVC_TMP/fn-down
P=$(free_port)
fn_variant "$DOWN" send_email --network loopback --port "$P" \
    --set "SMTP_URL=smtp://127.0.0.1:$P"
run "$DOWN" send_email "{\"email\": \"ada@example.org\", \"verificationToken\": \"$TOK1\"}"
expect_error EmailTransientError "send_email/smtp: server down (refused)"

start_smtp smtp-reject --reject || die "cannot start the SMTP server"
RJ=$SVC_TMP/fn-reject
fn_variant "$RJ" send_email --network loopback --port "$SMTP_PORT" \
    --set "SMTP_URL=smtp://127.0.0.1:$SMTP_PORT"
run "$RJ" send_email "{\"email\": \"ada@example.org\", \"verificationToken\": \"$TOK1\"}"
expect_error EmailRejected "send_email/smtp: server rejecting (550)" 550
check "send_email/smtp: the rejecting server stored nothing" \
    test ! -e "$SMTP_DIR/msg-1.eml"

start_smtp smtp-defer --tempfail 1 || die "cannot start the SMTP server"
DF=$SVC_TMP/fn-defer
fn_variant "$DF" send_email --network loopback --port "$SMTP_PORT" \
    --set "SMTP_URL=smtp://127.0.0.1:$SMTP_PORT"
run "$DF" send_email "{\"email\": \"ada@example.org\", \"verificationToken\": \"$TOK1\"}"
expect_error EmailTransientError "send_email/smtp: server deferring (451)" 451
run "$DF" send_email "{\"email\": \"ada@example.org\", \"verificationToken\": \"$TOK1\"}"
expect_ok "send_email/smtp: the deferring server takes it the next time"

# --- notify_admin --------------------------------------------------------------
start_webhook hook-ok || die "cannot start the webhook receiver"
NA=$SVC_TMP/fn-notify
fn_variant "$NA" notify_admin --network loopback --port "$WEBHOOK_PORT" \
    --set "ADMIN_WEBHOOK_URL=http://127.0.0.1:$WEBHOOK_PORT/signup"
run "$NA" notify_admin "{\"userId\": \"$UID1\", \"email\": \"ada@example.org\", \"name\": \"Ada\", \"emailSent\": true, \"messageId\": \"m-1\"}"
if expect_ok "notify_admin: a successful signup"; then
	NID=$(field "$OUT" notificationId)
	check "notify_admin: notificationId is a UUID, topic admin" \
	    test "$(is_uuid "$NID" && echo y)/$(field "$OUT" topic)" = y/admin
	check "notify_admin: webhook status recorded" \
	    test "$(field "$OUT" webhookStatus)" = 204
	wait_for_file "$WEBHOOK_DIR/post-1.json" 10 || true
	field "$WEBHOOK_DIR/post-1.json" body >"$SVC_TMP/body1"
	check "notify_admin: the webhook got the summary as JSON" \
	    test "$(field "$WEBHOOK_DIR/post-1.json" headers.Content-Type)|$(field "$SVC_TMP/body1" notificationId)|$(field "$SVC_TMP/body1" event)|$(field "$SVC_TMP/body1" userId)" = \
	    "application/json|$NID|UserSignedUp|$UID1"
fi
CAUSE='{\"errorType\":\"EmailRejected\",\"errorMessage\":\"the SMTP server refused the message to ada@example.org: 550\"}'
run "$NA" notify_admin "{\"userId\": \"$UID1\", \"email\": \"ada@example.org\", \"emailSent\": false, \"error\": {\"Error\": \"EmailRejected\", \"Cause\": \"$CAUSE\"}}"
if expect_ok "notify_admin: an email that failed"; then
	check "notify_admin: the result says emailSent false" \
	    test "$(field "$OUT" event)/$(field "$OUT" emailSent)" = \
	    VerificationEmailFailed/false
	wait_for_file "$WEBHOOK_DIR/post-2.json" 10 || true
	field "$WEBHOOK_DIR/post-2.json" body >"$SVC_TMP/body2"
	check "notify_admin: the webhook got the error and its message" \
	    test "$(field "$SVC_TMP/body2" error)|$(field "$SVC_TMP/body2" cause)" = \
	    "EmailRejected|the SMTP server refused the message to ada@example.org: 550"
fi
echo 500 >"$WEBHOOK_DIR/status"
run "$NA" notify_admin '{"email": "ada@example.org", "emailSent": true}'
expect_error WebhookFailed "notify_admin: the webhook answers 500" 500
HD=$SVC_TMP/fn-hookdown
P=$(free_port)
fn_variant "$HD" notify_admin --network loopback --port "$P" \
    --set "ADMIN_WEBHOOK_URL=http://127.0.0.1:$P/x"
run "$HD" notify_admin '{"email": "ada@example.org", "emailSent": true}'
expect_error WebhookFailed "notify_admin: the webhook is down"
NP=$SVC_TMP/fn-nohook
fn_variant "$NP" notify_admin
run "$NP" notify_admin '{"email": "ada@example.org", "emailSent": true}'
expect_ok "notify_admin: without a webhook, Network none"
run "$NP" notify_admin '[1, 2]'
expect_error ValidationError "notify_admin: an event that is not an object"

echo "signup_functions: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
