#!/bin/sh
# sluiced's API end to end: every action through the Python client and the
# sluice CLI, error replies, ordering of pushed messages, and a graceful
# SIGTERM that lets an in-flight invocation finish.
set -u
. "$(dirname "$0")/server.shlib"

# The whole API runs with the loop pinned: the workers keep every CPU.
start_sluiced api --log-level debug --loop-cpu auto
D=$PID
grep -q "event=loop_cpu cpu=[0-9]* how=auto" "$T/api.log" ||
	fail "--loop-cpu auto: no loop_cpu line in $T/api.log"

"$PY" "$WSPY" "$URL" api --echo "$FN_ECHO" --fail "$FN_FAIL" \
    --slow "$FN_SLOW" --publish "$FN_PUBLISH" >"$T/py-api.out" 2>&1 ||
	{ cat "$T/py-api.out"; fail "python api scenario"; }
pass "python client: $(grep -c '^ok:' "$T/py-api.out") API checks"
"$PY" "$WSPY" "$URL" order --n 500 >"$T/py-order.out" 2>&1 ||
	{ cat "$T/py-order.out"; fail "python order scenario"; }
pass "python client: pushed messages in order"

export SLUICE_URL="$URL"
# invoke: the payload comes back on stdout.
out=$("$SLUICE" invoke "$FN_ECHO" --payload '{"k": [1, "two"]}' --json)
[ $? -eq 0 ] || fail "sluice invoke exit status"
echo "$out" | "$PY" -c 'import json,sys; r=json.load(sys.stdin);
assert r["StatusCode"] == 200 and r["Payload"] == {"k": [1, "two"]}, r' ||
	fail "sluice invoke --json: $out"
echo '{"from": "file"}' >"$T/payload.json"
out=$("$SLUICE" invoke "$FN_ECHO" --payload @"$T/payload.json")
echo "$out" | "$PY" -c 'import json,sys;
assert json.load(sys.stdin) == {"from": "file"}' ||
	fail "sluice invoke @file: $out"
"$SLUICE" invoke "$FN_ECHO" --log >/dev/null 2>"$T/log.err" ||
	fail "sluice invoke --log"
[ -s "$T/log.err" ] || fail "sluice invoke --log printed no log"
out=$("$SLUICE" invoke "$FN_ECHO" --async) || fail "sluice invoke --async"
echo "$out" | grep -q 202 || fail "sluice invoke --async: $out"
pass "sluice invoke (--payload JSON and @file, --log, --async, --json)"

"$SLUICE" invoke "$FN_FAIL" >/dev/null 2>"$T/fail.err"
[ $? -eq 1 ] || fail "failing function: exit status not 1"
[ "$(wc -l <"$T/fail.err")" -eq 1 ] || fail "not one line: $(cat "$T/fail.err")"
"$SLUICE" invoke no-such-function 2>"$T/nf.err"
[ $? -eq 1 ] || fail "unknown function: exit status not 1"
grep -q ResourceNotFoundException "$T/nf.err" || fail "$(cat "$T/nf.err")"
"$SLUICE" invoke "$FN_ECHO" --payload '{bad' 2>/dev/null
[ $? -eq 2 ] || fail "bad --payload: exit status not 2"
"$SLUICE" invoke 2>/dev/null
[ $? -eq 2 ] || fail "missing FN: exit status not 2"
"$SLUICE" invoke "$FN_ECHO" --url ws://127.0.0.1:1/ws 2>"$T/conn.err"
[ $? -eq 2 ] || fail "no server: exit status not 2"
[ "$(wc -l <"$T/conn.err")" -eq 1 ] || fail "not one line: $(cat "$T/conn.err")"
pass "sluice exit codes 1 (function failed) and 2 (usage, connection)"

"$SLUICE" functions >"$T/fns.out" || fail "sluice functions"
grep -q "^$FN_ECHO " "$T/fns.out" || fail "functions: $(cat "$T/fns.out")"
"$SLUICE" functions --json | "$PY" -c 'import json,sys;
assert isinstance(json.load(sys.stdin)["Functions"], list)' ||
	fail "sluice functions --json"
pass "sluice functions"

# subscribe: two messages, then it exits by itself.
"$SLUICE" subscribe news --count 2 >"$T/sub.out" 2>"$T/sub.err" &
S=$!
PIDS="$PIDS $S"
wait_for "$T/sub.err" "subscribed" 10 "$S"
"$PY" "$WSPY" "$URL" publish --topic news --message one --message two \
    >/dev/null || fail "publish"
wait_exit "$S" 10
[ "$RC" -eq 0 ] || fail "sluice subscribe exit status $RC"
[ "$(cut -d' ' -f2- "$T/sub.out")" = "news one
news two" ] || fail "sluice subscribe printed: $(cat "$T/sub.out")"
pass "sluice subscribe"

# --worker-sched: the workers the API started run under SCHED_BATCH (policy
# 3 in /proc/PID/stat).
n=0
for w in $(pgrep -P "$D" -x sluice-worker); do
	policy=$(awk '{print $41}' "/proc/$w/stat" 2>/dev/null) || continue
	[ -z "$policy" ] && continue
	[ "$policy" = 3 ] || fail "worker $w runs under policy $policy, not 3"
	n=$((n + 1))
done
[ $n -gt 0 ] || fail "--worker-sched: no worker of $D to look at"
pass "--worker-sched: $n workers under SCHED_BATCH"

# SIGTERM with an invocation in flight: it finishes, the daemon exits 0,
# and an idle client is told (close 1001).
"$PY" "$WSPY" "$URL" hold >"$T/hold.out" 2>&1 &
H=$!
PIDS="$PIDS $H"
wait_for "$T/hold.out" "connected" 10 "$H"
n=$(grep -c "action=Invoke" "$T/api.log")
"$SLUICE" invoke "$FN_SLOW" --payload '{"ms": 700}' \
    >"$T/inflight.out" 2>&1 &
C=$!
PIDS="$PIDS $C"
wait_count "$T/api.log" "action=Invoke" $((n + 1)) 10 "$C"
kill -TERM "$D"
wait_for "$T/api.log" "event=stopping" 10
wait_exit "$C" 20
[ "$RC" -eq 0 ] || fail "in-flight invoke failed on SIGTERM: $(cat "$T/inflight.out")"
wait_exit "$D" 40
[ "$RC" -eq 0 ] || fail "sluiced exit status $RC on SIGTERM"
grep -q "event=stopped" "$T/api.log" || fail "no stopped line"
wait_exit "$H" 10
[ "$RC" -eq 0 ] || fail "idle client: $(cat "$T/hold.out")"
pass "SIGTERM: in-flight invocation finished, clients told (1001), exit 0"

# --web: the console's files at /, with the security headers; the API
# still at /ws on the same port.
mkdir -p "$T/web"
echo '<!doctype html><title>console</title>' >"$T/web/index.html"
start_sluiced web --web "$T/web"
"$PY" - "$PORT" <<'PYEOF' || fail "--web"
import sys, urllib.request
r = urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1], timeout=10)
assert b"console" in r.read()
assert "script-src 'self'" in r.headers["content-security-policy"]
PYEOF
SLUICE_URL=$URL "$SLUICE" functions >/dev/null || fail "API beside --web"
"$SLUICED" --web "$T/nothing-here" >"$T/noweb.log" 2>&1
[ $? -eq 2 ] || fail "--web without index.html: exit status not 2"
pass "--web serves the console's files beside the API"

# --loop-cpu: a CPU this process may not run on stops the start; a word
# that is no CPU is a usage error.
"$SLUICED" --port 0 --data "$T/var-cpu" --functions "$FIXTURES" \
    --loop-cpu 1000 >"$T/cpu.log" 2>&1
[ $? -ne 0 ] || fail "--loop-cpu 1000 started"
grep -q "reason=loop_cpu.*CPU 1000 is not one this process may run on" \
    "$T/cpu.log" || fail "--loop-cpu 1000: $(cat "$T/cpu.log")"
"$SLUICED" --loop-cpu fast >"$T/cpu2.log" 2>&1
[ $? -eq 2 ] || fail "--loop-cpu fast: exit status not 2"
grep -q "bad --loop-cpu 'fast'" "$T/cpu2.log" || fail "$(cat "$T/cpu2.log")"
pass "--loop-cpu: auto pins the loop; a CPU not allowed, or no CPU, is refused"

# --worker-sched: a word that is no policy is a usage error.
"$SLUICED" --worker-sched fifo >"$T/sched.log" 2>&1
[ $? -eq 2 ] || fail "--worker-sched fifo: exit status not 2"
grep -q "bad --worker-sched 'fifo'" "$T/sched.log" ||
	fail "$(cat "$T/sched.log")"
pass "--worker-sched: an unknown policy is refused"

echo "server_api: $CHECKS checks passed"
