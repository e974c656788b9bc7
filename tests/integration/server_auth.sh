#!/bin/sh
# sluiced bound to a non-loopback address (127.0.0.2: only 127.0.0.1, ::1
# and localhost count as loopback) needs a token, given as a bearer header
# or in a first Authenticate message.
set -u
. "$(dirname "$0")/server.shlib"

"$SLUICED" --port 0 --bind 127.0.0.2 --data "$T/var" \
    --functions "$FIXTURES" >"$T/notoken.log" 2>&1 &
P=$!
PIDS="$PIDS $P"
wait_exit "$P" 10
[ "$RC" -eq 2 ] || fail "no token on 127.0.0.2: exit status $RC, not 2"
grep -q -- "--token is required" "$T/notoken.log" ||
	fail "no message: $(cat "$T/notoken.log")"
pass "a non-loopback bind without --token is refused"

TOKEN=tok-$$-secret
SLUICE_TOKEN=$TOKEN start_sluiced auth --bind 127.0.0.2 --auth-timeout 1
URL="ws://127.0.0.2:$PORT/ws"
grep -q "auth=token" "$T/auth.log" || fail "token not in effect"

"$PY" "$WSPY" "$URL" auth --token "$TOKEN" >"$T/py-auth.out" 2>&1 ||
	{ cat "$T/py-auth.out"; fail "python auth scenario"; }
pass "python client: $(grep -c '^ok:' "$T/py-auth.out") auth checks"

"$SLUICE" --url "$URL" functions >/dev/null 2>"$T/cli-none.err"
[ $? -eq 2 ] || fail "sluice without token: exit status not 2"
grep -q MissingAuthenticationTokenException "$T/cli-none.err" ||
	fail "$(cat "$T/cli-none.err")"
"$SLUICE" --url "$URL" --token wrong functions >/dev/null 2>&1
[ $? -eq 2 ] || fail "sluice with a wrong token: exit status not 2"
"$SLUICE" --url "$URL" --token "$TOKEN" functions >/dev/null ||
	fail "sluice --token"
SLUICE_URL=$URL SLUICE_TOKEN=$TOKEN "$SLUICE" invoke "$FN_ECHO" \
    --payload '{"a":1}' >/dev/null || fail "sluice with SLUICE_TOKEN"
pass "sluice --token / SLUICE_TOKEN"

echo "server_auth: $CHECKS checks passed"
