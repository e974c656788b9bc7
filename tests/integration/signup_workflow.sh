#!/bin/sh
# The whole signup workflow (functions/signup.asl.json) with `sluice exec`
# and the real, sandboxed functions against real services started here:
# SQLite and a Maildir under a scratch directory, an SMTP server (aiosmtpd)
# that is down at first, or rejects, and a webhook receiver for the admin.
set -u
cd "$(dirname "$0")/../.."
: "${SLUICE_BUILD:?SLUICE_BUILD must name the build directory}"
. tests/integration/lib/services.sh

SLUICE=$SLUICE_BUILD/sluice
ASL=functions/signup.asl.json

if [ ! -x "$SLUICE" ] || ! "$SLUICE" --help 2>/dev/null |
    grep -q '^  exec '; then
	echo "signup_workflow: SKIPPED: waits for 'sluice exec' (the" \
	    "orchestrator's offline command, orch-engine branch, running" \
	    "functions through the runtime branch's host); not in" \
	    "$SLUICE_BUILD"
	exit 0
fi

die()
{
	echo "signup_workflow: $*" >&2
	exit 1
}

svc_setup signup-wf
. tests/integration/lib/testlib.sh
DATA=$SVC_TMP/data
mkdir -p "$DATA"
chmod 755 "$DATA"
DB=$DATA/signup/signup.db
SUM=$SVC_TMP/summary.json
LINK_BASE=$("$PY" "$LIB/jsonq.py" functions/send_email.json \
    Environment.Variables.VERIFY_URL_BASE)

# fns DIR: the three functions with their shipped configs (data directory
# substituted); callers then replace one config with fn_variant.
fns()
{
	for _f in db_insert send_email notify_admin; do
		fn_variant "$1" "$_f"
	done
}

# wf DIR INPUT: one execution with its history; sets RC and writes the
# summary (lib/exec_result.py) to $SUM.
wf()
{
	RC=0
	"$SLUICE" exec "$ASL" --input "$2" --functions "$1" --history \
	    >"$OUT" 2>"$ERR" || RC=$?
	"$PY" "$LIB/exec_result.py" "$OUT" "$RC" >"$SUM"
}

# expect_succeeded DESC / expect_failed ERROR DESC [CAUSE-TEXT]
expect_succeeded()
{
	if [ "$RC" -eq 0 ] && [ "$(field "$SUM" status)" = SUCCEEDED ]; then
		ok "$1"
		return 0
	fi
	not_ok "$1 (exit $RC; error $(field "$SUM" error):" \
	    "$(field "$SUM" cause); stderr: $(tail -c 600 "$ERR"))"
	return 1
}
expect_failed()
{
	_e=$(field "$SUM" error)
	_c=$(field "$SUM" cause)
	if [ "$RC" -eq 1 ] && [ "$_e" = "$1" ] &&
	    { [ -z "${3:-}" ] || case "$_c" in *"$3"*) true ;; *) false ;;
	    esac; }; then
		ok "$2: failed with $1 ($_c)"
		return 0
	fi
	not_ok "$2: want $1${3:+ with a cause containing '$3'}, got exit" \
	    "$RC error '$_e' cause '$_c' (stderr: $(tail -c 600 "$ERR"))"
	return 1
}

# entered STATE: the history shows STATE entered.
entered()
{
	"$PY" -c 'import json, sys
sys.exit(0 if sys.argv[2] in json.load(open(sys.argv[1]))["entered"] else 1)' \
	    "$SUM" "$1"
}

users()
{
	sqlite_q "$DB" 'SELECT count(*) FROM signup_users'
}

mails()
{
	ls "$DATA/mail/new" 2>/dev/null | wc -l | tr -d ' '
}

# --- the definition is valid States Language (AWS's fields only) ----------------
if "$SLUICE" --help 2>/dev/null | grep -q '^  validate '; then
	check "workflow: sluice validate accepts $ASL" \
	    sh -c '"$1" validate "$2" >/dev/null' - "$SLUICE" "$ASL"
fi

# --- happy path: SQLite + Maildir, the shipped configs -------------------------
F=$SVC_TMP/fn-default
fns "$F"
wf "$F" '{"email": "ada@example.org", "name": "Ada Lovelace"}'
if expect_succeeded "workflow: a valid signup succeeds"; then
	field "$SUM" output >"$SVC_TMP/output"
	check "workflow: the output is exactly {userId, email, emailSent, notificationId}" \
	    "$PY" -c 'import json, sys
o = json.load(open(sys.argv[1]))
sys.exit(0 if sorted(o) == ["email", "emailSent", "notificationId",
    "userId"] and o["emailSent"] is True and
    o["email"] == "ada@example.org" else 1)' "$SVC_TMP/output"
	U=$(field "$SVC_TMP/output" userId)
	check "workflow: userId is a version 7 UUID" is_uuid7 "$U"
	check "workflow: notificationId is a UUID" \
	    is_uuid "$(field "$SVC_TMP/output" notificationId)"
	check "workflow: the user is in the database" \
	    test "$(sqlite_q "$DB" 'SELECT id FROM signup_users')" = "$U"
	check "workflow: one verification mail in the Maildir" \
	    test "$(mails)" = 1
	TOK=$(sqlite_q "$DB" 'SELECT verification_token FROM signup_users')
	LINK=$LINK_BASE$TOK
	set -- "$DATA"/mail/new/*
	check "workflow: the mail carries the token from the database" \
	    "$PY" "$LIB/check_mail.py" "$1" --to ada@example.org \
	    --name "Ada Lovelace" --link "$LINK"
	for s in InsertUser SendVerificationEmail NotifyAdmin; do
		check "workflow: history shows $s entered" entered "$s"
	done
	check "workflow: history ends with ExecutionSucceeded" \
	    test "$(field "$SUM" types | "$PY" -c \
	    'import json, sys; print(json.load(sys.stdin)[-1])')" = \
	    ExecutionSucceeded
fi

# --- rejected: duplicate address, invalid input ---------------------------------
wf "$F" '{"email": "ADA@example.org", "name": "Ada Again"}'
expect_failed UserAlreadyExists "workflow: a duplicate address" \
    "The signup was rejected: email: a user with the address ADA@example.org already exists"
check "workflow: the duplicate sent no mail" test "$(mails)" = 1
check "workflow: the duplicate did not notify the admin" \
    test "$(field "$SUM" scheduled.notify_admin 0)" = 0

wf "$F" '{"email": "not an address", "name": "X"}'
expect_failed ValidationError "workflow: an invalid email" \
    "The signup was rejected: email: 'not an address' is not a valid address"
wf "$F" '{"email": "x@example.org"}'
expect_failed ValidationError "workflow: no name" \
    "The signup was rejected: name: is required"
check "workflow: invalid input inserted nothing and sent nothing" \
    test "$(users)/$(mails)" = 1/1

# --- SMTP down, then up: the Retry with backoff delivers it ----------------------
# The server resets the first connection (it looks down: no greeting), and
# logs it; the retry a second later finds it up.
start_smtp smtp-flaky --reset-first 1 || die "cannot start the SMTP server"
F=$SVC_TMP/fn-flaky
fns "$F"
fn_variant "$F" send_email --network loopback --port "$SMTP_PORT" \
    --set "SMTP_URL=smtp://127.0.0.1:$SMTP_PORT"
wf "$F" '{"email": "grace@example.org", "name": "Grace Hopper"}'
if expect_succeeded "workflow/smtp: down then up, delivered on a retry"; then
	check "workflow/smtp: the server was down for the first attempt" \
	    test "$(wc -l <"$SMTP_DIR/attempts.log" | tr -d ' ')" = 1
	check "workflow/smtp: history shows the EmailTransientError" \
	    test "$(field "$SUM" lambdaFailed)" = '["EmailTransientError"]'
	check "workflow/smtp: send_email was scheduled twice (the retry)" \
	    test "$(field "$SUM" scheduled.send_email)" = 2
	check "workflow/smtp: the output says the mail went out" \
	    test "$(field "$SUM" output.emailSent)" = true
	TOK=$(sqlite_q "$DB" 'SELECT verification_token FROM signup_users
	    WHERE email_key = ?' grace@example.org)
	check "workflow/smtp: the server received the verification mail" \
	    "$PY" "$LIB/check_mail.py" "$SMTP_DIR/msg-1.eml" \
	    --to grace@example.org --link "$LINK_BASE$TOK"
fi

# --- SMTP rejecting: the admin hears of it, the execution fails ------------------
start_smtp smtp-reject --reject || die "cannot start the SMTP server"
RJ_PORT=$SMTP_PORT
start_webhook hook || die "cannot start the webhook receiver"
F=$SVC_TMP/fn-reject
fns "$F"
fn_variant "$F" send_email --network loopback --port "$RJ_PORT" \
    --set "SMTP_URL=smtp://127.0.0.1:$RJ_PORT"
fn_variant "$F" notify_admin --network loopback --port "$WEBHOOK_PORT" \
    --set "ADMIN_WEBHOOK_URL=http://127.0.0.1:$WEBHOOK_PORT/admin"
wf "$F" '{"email": "linus@example.org", "name": "Linus"}'
expect_failed EmailRejected "workflow/smtp: a rejecting server" 550
check "workflow/smtp: a permanent rejection is not retried" \
    test "$(field "$SUM" scheduled.send_email)" = 1
check "workflow/smtp: NotifyAdminOfFailure ran" entered NotifyAdminOfFailure
check "workflow/smtp: the user row stays (the mail can be re-sent)" \
    test "$(sqlite_q "$DB" 'SELECT count(*) FROM signup_users
    WHERE email_key = ?' linus@example.org)" = 1
wait_for_file "$WEBHOOK_DIR/post-1.json" 10 || true
field "$WEBHOOK_DIR/post-1.json" body >"$SVC_TMP/body"
check "workflow/smtp: the admin webhook got VerificationEmailFailed" \
    test "$(field "$SVC_TMP/body" event)|$(field "$SVC_TMP/body" error)|$(field "$SVC_TMP/body" email)" = \
    "VerificationEmailFailed|EmailRejected|linus@example.org"

# --- PostgreSQL instead of SQLite ----------------------------------------------
start_postgres || die "cannot start PostgreSQL"
F=$SVC_TMP/fn-pg
fns "$F"
fn_variant "$F" db_insert --network loopback --port "$PG_PORT" \
    --set "DATABASE_URL=$PG_URL"
wf "$F" '{"email": "barbara@example.org", "name": "Barbara Liskov"}'
if expect_succeeded "workflow/pg: a valid signup succeeds"; then
	check "workflow/pg: the user is in PostgreSQL" \
	    test "$(psql_q "SELECT id FROM signup_users
	    WHERE email_key = 'barbara@example.org'")" = \
	    "$(field "$SUM" output.userId)"
fi
wf "$F" '{"email": "Barbara@example.org", "name": "B"}'
expect_failed UserAlreadyExists "workflow/pg: a duplicate address" \
    "The signup was rejected: email: a user with the address Barbara@example.org already exists"

# --- the database busy, then free: the Retry with backoff inserts it ----------
# A session of the test's holds an exclusive lock on the table; db_insert's
# statements give up after lock_timeout (DatabaseBusy). Once PostgreSQL
# shows one attempt waiting and then that attempt over, the lock goes.
F=$SVC_TMP/fn-pgbusy
fns "$F"
fn_variant "$F" db_insert --network loopback --port "$PG_PORT" \
    --set "DATABASE_URL=$PG_URL?options=-c%20lock_timeout%3D300"
mkfifo "$SVC_TMP/pgin"
"$SVC_PGBIN/psql" -X -q -A -t -d "$PG_URL" <"$SVC_TMP/pgin" \
    >"$SVC_TMP/pgout" 2>&1 &
LOCKER=$!
SVC_PIDS="$SVC_PIDS $LOCKER"
exec 9>"$SVC_TMP/pgin"
echo "BEGIN; LOCK TABLE signup_users IN ACCESS EXCLUSIVE MODE;" \
    "SELECT 'lock' || 'ed';" >&9
wait_for_file "$SVC_TMP/pgout" 20 || die "the lock session did not start"
grep -q locked "$SVC_TMP/pgout" || die "no lock: $(cat "$SVC_TMP/pgout")"
RC=0
"$SLUICE" exec "$ASL" --input \
    '{"email": "edsger@example.org", "name": "Edsger Dijkstra"}' \
    --functions "$F" --history >"$OUT" 2>"$ERR" &
EXEC=$!
# waiting_query: the start of db_insert's statement that waits for the
# lock, or nothing.
waiting_query()
{
	psql_q "SELECT query_start FROM pg_stat_activity
	    WHERE application_name = 'sluice-db_insert'
	    AND wait_event_type = 'Lock'"
}
n=600
first=""
while [ -z "$first" ] && [ $n -gt 0 ]; do
	first=$(waiting_query)
	[ -n "$first" ] || sleep 0.05
	n=$((n - 1))
done
check "workflow/pg: an InsertUser attempt waits for the lock" test -n "$first"
n=600
while [ "$(waiting_query)" = "$first" ] && [ $n -gt 0 ]; do
	sleep 0.05
	n=$((n - 1))
done
echo "COMMIT;" >&9
exec 9>&-
wait "$EXEC" || RC=$?
"$PY" "$LIB/exec_result.py" "$OUT" "$RC" >"$SUM"
if expect_succeeded "workflow/pg: database busy, then free"; then
	check "workflow/pg: history shows DatabaseBusy, then the retry" \
	    "$PY" -c 'import json, sys
s = json.load(open(sys.argv[1]))
sys.exit(0 if "DatabaseBusy" in s["lambdaFailed"] and
    s["scheduled"]["db_insert"] >= 2 else 1)' "$SUM"
	check "workflow/pg: inserted once" \
	    test "$(psql_q "SELECT count(*) FROM signup_users
	    WHERE email_key = 'edsger@example.org'")" = 1
fi

# --- the admin webhook failing after a good signup --------------------------------
echo 500 >"$WEBHOOK_DIR/status"
F=$SVC_TMP/fn-hookfail
fns "$F"
fn_variant "$F" notify_admin --network loopback --port "$WEBHOOK_PORT" \
    --set "ADMIN_WEBHOOK_URL=http://127.0.0.1:$WEBHOOK_PORT/admin"
wf "$F" '{"email": "ken@example.org", "name": "Ken"}'
expect_failed WebhookFailed "workflow: the admin webhook answers 500" 500

echo "signup_workflow: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
