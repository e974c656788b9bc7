#!/bin/sh
# sluiced under abuse: oversize and fragmented messages, binary frames, a
# client that disconnects mid-request, a slow reader, 1,000 simultaneous
# connections; each gets an error or a clean close and nobody else notices.
set -u
. "$(dirname "$0")/server.shlib"

start_sluiced abuse --max-message 64K
"$PY" "$WSPY" "$URL" abuse --echo "$FN_ECHO" --slow "$FN_SLOW" \
    --max-message 65536 >"$T/py-abuse.out" 2>&1 ||
	{ cat "$T/py-abuse.out"; fail "python abuse scenario"; }
pass "python client: $(grep -c '^ok:' "$T/py-abuse.out") abuse checks"
grep -q "event=message_too_big" "$T/abuse.log" || fail "no message_too_big log"
grep -q "event=slow_client" "$T/abuse.log" || fail "no slow_client log"
pass "oversize and slow clients are logged"

# 1,000 connections at once, all answered.
"$PY" "$WSPY" "$URL" many --n 1000 >"$T/many.out" 2>&1 ||
	{ cat "$T/many.out"; fail "1000 connections"; }
pass "1000 simultaneous connections answered"

kill -0 "$PID" || fail "sluiced died"
SLUICE_URL=$URL "$SLUICE" invoke "$FN_ECHO" --payload '{"after":"abuse"}' \
    >/dev/null || fail "sluiced does not answer after the abuse"
grep -q "level=error" "$T/abuse.log" && fail "errors in the log"
kill -TERM "$PID"
wait_exit "$PID" 30
[ "$RC" -eq 0 ] || fail "exit status $RC on SIGTERM"
pass "still serving afterwards, clean exit"

echo "server_abuse: $CHECKS checks passed"
