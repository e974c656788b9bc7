#!/bin/sh
# The signup pipeline inside sluiced, driven over WebSocket: 1,000 signups
# started at once leave exactly 1,000 users in the database, 1,000 mails in
# the Maildir and 1,000 admin notifications delivered to a subscriber.
set -u
cd "$(dirname "$0")/../.."
: "${SLUICE_BUILD:?SLUICE_BUILD must name the build directory}"
. tests/integration/lib/services.sh

N=${SIGNUP_LOAD_N:-1000}
if [ ! -x "$SLUICE_BUILD/sluiced" ]; then
	echo "signup_daemon: SKIPPED: waits for sluiced (server branch);" \
	    "not in $SLUICE_BUILD"
	exit 0
fi

svc_setup signup-daemon
. tests/integration/lib/testlib.sh
DATA=$SVC_TMP/data
start_sluiced "$DATA" "$SLUICE_BUILD/functions" ||
	{ echo "signup_daemon: cannot start sluiced" >&2; exit 1; }

"$PY" "$LIB/signup_load.py" --url "$SLUICED_URL" \
    --definition functions/signup.asl.json --n "$N" >"$OUT" 2>"$ERR"
RC=$?
echo "load: $(cat "$OUT" "$ERR")"
check "signup_daemon: $N signups started over WebSocket all succeeded" \
    test "$RC/$(field "$OUT" succeeded)" = "0/$N"
check "signup_daemon: exactly $N users in the database" \
    test "$(sqlite_q "$DATA/signup/signup.db" \
    'SELECT count(*) FROM signup_users')" = "$N"
check "signup_daemon: exactly $N mails in the Maildir" \
    test "$(ls "$DATA/mail/new" | wc -l | tr -d ' ')" = "$N"
check "signup_daemon: exactly $N admin notifications received" \
    test "$(field "$OUT" notifications)" = "$N"

echo "signup_daemon: $pass passed, $fail failed ($N signups in" \
    "$(field "$OUT" seconds) s)"
[ "$fail" -eq 0 ]
