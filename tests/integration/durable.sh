#!/bin/sh
# Durable executions end to end (durable.py): a few hundred executions
# mixing Wait, Retry and Task states (and the signup example when its
# functions are built) through three kill -9s of sluiced; then the start-up
# refusals: a corrupt database, a data directory in use by a running
# daemon, an unwritable data directory.
set -u
. "$(dirname "$0")/server.shlib"

# Workers run as nobody when the daemon runs as root: they must reach the
# write paths granted under the data directory.
chmod 755 "$T"

# The functions: the fixtures, and the signup example's when built.
SIGNUP_DIR=${SIGNUP_DIR:-$SLUICE_BUILD/functions}
FN="$T/functions"
mkdir -p "$FN"
cp "$FIXTURES"/*.so "$FN"/
cp "$FIXTURES"/*.json "$FN"/ 2>/dev/null
SIGNUP=""
if [ -f "$SIGNUP_DIR/db_insert.so" ] && [ -f "$SIGNUP_DIR/send_email.so" ] &&
    [ -f "$SIGNUP_DIR/notify_admin.so" ]; then
	cp "$SIGNUP_DIR"/*.so "$SIGNUP_DIR"/*.json "$FN"/
	for f in "$SIGNUP_DIR/signup.asl.json" \
	    "$(dirname "$0")/../../functions/signup.asl.json"; do
		if [ -f "$f" ]; then
			SIGNUP=$f
			break
		fi
	done
	[ -n "$SIGNUP" ] || fail "signup functions built but no signup.asl.json"
	rm -f "$FN/signup.asl.json"
fi
[ -f "$FN/nap.so" ] || fail "no nap fixture in $FIXTURES"

mkdir -p "$T/durable"
"$PY" "$(dirname "$0")/durable.py" --sluiced "$SLUICED" \
    --data "$T/durable" --functions "$FN" --logs "$T" \
    ${SIGNUP:+--signup "$SIGNUP"} >"$T/durable.out" 2>&1
rc=$?
cat "$T/durable.out"
[ $rc -eq 0 ] || fail "durable.py"
[ -n "$SIGNUP" ] || echo "note: signup functions not built in $SIGNUP_DIR:" \
    "the signup database part did not run"
pass "$(tail -n 1 "$T/durable.out")"

# AWS's semantics of stored executions, and a full disk.
mkdir -p "$T/api"
"$PY" "$(dirname "$0")/durable_api.py" --sluiced "$SLUICED" \
    --data "$T/api" --functions "$FIXTURES" --logs "$T" \
    >"$T/durable_api.out" 2>&1
rc=$?
cat "$T/durable_api.out"
[ $rc -eq 0 ] || fail "durable_api.py"
pass "$(grep -c '^ok:' "$T/durable_api.out") checks of AWS's execution API"

# start_refused NAME DIR PATTERN [RUNNER...]: sluiced on DIR must exit 2
# with a start_failed line matching PATTERN.
start_refused() {
	_name=$1
	_dir=$2
	_pat=$3
	shift 3
	"$@" "$SLUICED" --port 0 --data "$_dir" --functions "$FIXTURES" \
	    >"$T/$_name.log" 2>&1 &
	_pid=$!
	wait_exit $_pid 30
	[ "$RC" -eq 2 ] || fail "$_name: exit status $RC, not 2"
	grep "event=start_failed" "$T/$_name.log" | grep -q -- "$_pat" ||
		fail "$_name: no start_failed line matching '$_pat'"
	grep -q "event=listening" "$T/$_name.log" && fail "$_name: it listened"
	return 0
}

# A corrupt database is named with its cause and left as it was.
mkdir -p "$T/corrupt"
head -c 16384 /dev/urandom >"$T/corrupt/sluice.db"
sum=$(cksum <"$T/corrupt/sluice.db")
start_refused corrupt "$T/corrupt" "$T/corrupt/sluice.db is not an SQLite"
[ "$(cksum <"$T/corrupt/sluice.db")" = "$sum" ] || fail "corrupt file changed"
# A real database damaged inside: the integrity check finds it.
start_sluiced good
kill "$PID"
wait_exit "$PID" 30
[ "$RC" -eq 0 ] || fail "good: exit status $RC"
"$PY" - "$T/var-good/sluice.db" <<'PYEOF' || fail "damaging the database"
import sys
f = open(sys.argv[1], "r+b")
size = f.seek(0, 2)
# Keep the header page, scribble over the b-tree header of every other.
for off in range(4096, size, 4096):
    f.seek(off)
    f.write(b"\xff" * 12)
f.close()
PYEOF
start_refused damaged "$T/var-good" "$T/var-good/sluice.db: database is corrupt"
pass "corrupt database files: refused, named, left as they were"

# A data directory in use: the second daemon names the lock and its pid.
start_sluiced owner
OWNER=$PID
start_refused locked "$T/var-owner" "in use by another process (pid $OWNER"
kill -0 "$OWNER" || fail "the owner died"
pass "a data directory in use by pid $OWNER is refused"

# An unwritable data directory (as nobody when run as root, whom
# permissions do not stop).
mkdir -p "$T/ro"
if [ "$(id -u)" -eq 0 ]; then
	chmod 755 "$T/ro"
	start_refused unwritable "$T/ro" "$T/ro is not writable" \
	    setpriv --reuid=65534 --regid=65534 --clear-groups
else
	chmod 555 "$T/ro"
	start_refused unwritable "$T/ro" "$T/ro is not writable"
	chmod 755 "$T/ro"
fi
pass "an unwritable data directory is refused"

echo "durable: $CHECKS checks passed"
