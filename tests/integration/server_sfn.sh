#!/bin/sh
# sluiced's workflow actions end to end: the Python client over every Step
# Functions action, the sluice CLI (deploy, machines, start --wait/--follow,
# describe, history, executions, stop), and an execution that survives a
# kill -9 of the daemon.
set -u
. "$(dirname "$0")/server.shlib"

start_sluiced sfn
D=$PID
"$PY" "$WSPY" "$URL" sfn --echo "$FN_ECHO" --fail "$FN_FAIL" \
    >"$T/py-sfn.out" 2>&1 || { cat "$T/py-sfn.out"; fail "python sfn"; }
pass "python client: $(grep -c '^ok:' "$T/py-sfn.out") workflow checks"

export SLUICE_URL="$URL"
L=arn:aws:lambda:us-east-1:000000000000:function
cat >"$T/three.asl.json" <<JSON
{"StartAt": "A", "States": {
  "A": {"Type": "Task", "Resource": "$L:$FN_ECHO", "Next": "B"},
  "B": {"Type": "Task", "Resource": "$L:$FN_ECHO", "Next": "C"},
  "C": {"Type": "Task", "Resource": "$L:$FN_ECHO", "End": true}}}
JSON
cat >"$T/fails.asl.json" <<JSON
{"StartAt": "F", "States": {
  "F": {"Type": "Task", "Resource": "$L:$FN_FAIL", "End": true}}}
JSON
cat >"$T/wait.asl.json" <<JSON
{"StartAt": "W", "States": {
  "W": {"Type": "Wait", "Seconds": 600, "End": true}}}
JSON
cat >"$T/short.asl.json" <<JSON
{"StartAt": "W", "States": {
  "W": {"Type": "Wait", "Seconds": 2, "Next": "T"},
  "T": {"Type": "Task", "Resource": "$L:$FN_ECHO", "End": true}}}
JSON
echo '{"StartAt": "Nowhere", "States": {}}' >"$T/bad.asl.json"

"$SLUICE" deploy three "$T/three.asl.json" | grep -q "^created arn:aws:states:" ||
	fail "deploy (create)"
sed 's/^{/{"Comment": "v2", /' "$T/three.asl.json" >"$T/three2.asl.json"
"$SLUICE" deploy three "$T/three2.asl.json" | grep -q "^updated " ||
	fail "deploy (update)"
"$SLUICE" deploy bad "$T/bad.asl.json" 2>"$T/bad.err"
[ $? -eq 1 ] || fail "deploy of a bad definition: exit status not 1"
grep -q InvalidDefinition "$T/bad.err" || fail "$(cat "$T/bad.err")"
"$SLUICE" deploy fails "$T/fails.asl.json" >/dev/null || fail "deploy fails"
"$SLUICE" deploy waits "$T/wait.asl.json" >/dev/null || fail "deploy waits"
"$SLUICE" deploy short "$T/short.asl.json" >/dev/null || fail "deploy short"
"$SLUICE" deploy fast "$T/three.asl.json" --type EXPRESS >/dev/null ||
	fail "deploy --type EXPRESS"
"$SLUICE" machines >"$T/machines.out" || fail "machines"
grep -q "^three  *STANDARD" "$T/machines.out" || fail "$(cat "$T/machines.out")"
grep -q "^fast  *EXPRESS" "$T/machines.out" || fail "$(cat "$T/machines.out")"
pass "sluice deploy (create, update, invalid, EXPRESS), machines"

out=$("$SLUICE" start three --input '{"n": 1}' --wait) || fail "start --wait"
echo "$out" | "$PY" -c 'import json,sys;
assert json.load(sys.stdin) == {"n": 1}' || fail "start --wait printed $out"
"$SLUICE" start fails --wait >/dev/null 2>"$T/fails.err"
[ $? -eq 1 ] || fail "failed execution: exit status not 1"
grep -q "FAILED" "$T/fails.err" || fail "$(cat "$T/fails.err")"
out=$("$SLUICE" start fast --input '{"x": 2}' --wait) || fail "express --wait"
pass "sluice start --wait (0 on success, 1 on failure, EXPRESS too)"

"$SLUICE" start three --input '{"f": 1}' --follow >"$T/follow.out" ||
	fail "start --follow: $(cat "$T/follow.out")"
for s in A B C; do
	grep -q "^\[[123]\] enter $s$" "$T/follow.out" || fail "no enter $s"
	grep -q "^\[[123]\] leave $s  [0-9]* ms$" "$T/follow.out" ||
		fail "no leave $s"
done
grep -q "^SUCCEEDED in [0-9]* ms (3 states)$" "$T/follow.out" ||
	fail "no summary: $(cat "$T/follow.out")"
grep -q "$(printf '\033')" "$T/follow.out" && fail "colour codes when piped"
"$SLUICE" start three --follow --json >"$T/follow.json" ||
	fail "start --follow --json"
"$PY" - "$T/follow.json" <<'PYEOF' || fail "--follow --json: $(cat "$T/follow.json")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
events = [l["historyEvent"] for l in lines[:-1]]
assert [e["id"] for e in events] == list(range(1, len(events) + 1)), events
assert events[-1]["type"] == "ExecutionSucceeded"
assert lines[-1]["status"] == "SUCCEEDED"
PYEOF
pass "sluice start --follow: each state entered and left, plain when piped, JSON lines with --json"

arn=$("$SLUICE" start three --name cli-run --input '{"k": "v"}') ||
	fail "start"
case "$arn" in
*:execution:three:cli-run) ;;
*) fail "start printed '$arn'" ;;
esac
"$PY" "$WSPY" "$URL" await --arn "$arn" >/dev/null || fail "await $arn"
"$SLUICE" describe "$arn" | grep -q "^status  *SUCCEEDED" || fail "describe"
"$SLUICE" describe "$arn" --json | "$PY" -c 'import json,sys;
assert json.load(sys.stdin)["status"] == "SUCCEEDED"' || fail "describe --json"
"$SLUICE" history "$arn" >"$T/history.out" || fail "history"
grep -q "ExecutionSucceeded" "$T/history.out" || fail "$(cat "$T/history.out")"
[ "$(grep -c "TaskStateEntered" "$T/history.out")" -eq 3 ] || fail "history"
"$SLUICE" executions three --status SUCCEEDED | grep -q "^cli-run " ||
	fail "executions --status"
"$SLUICE" describe "${arn}x" 2>/dev/null
[ $? -eq 1 ] || fail "describe unknown: exit status not 1"
pass "sluice describe, history, executions"

warn=$("$SLUICE" start waits --name long) || fail "start waits"
"$SLUICE" stop "$warn" --error Manual --cause "from the test" >/dev/null ||
	fail "stop"
"$SLUICE" describe "$warn" | grep -q "^status  *ABORTED" || fail "not aborted"
pass "sluice stop"

# Durable: an execution started before a kill -9 finishes after restart.
sarn=$("$SLUICE" start short --name survivor --input '{"s": 1}') ||
	fail "start short"
kill -9 "$D"
wait_exit "$D" 10
# The same data directory as the killed daemon:
"$SLUICED" --port 0 --data "$T/var-sfn" --functions "$FIXTURES" \
    >"$T/sfn3.log" 2>&1 &
PID=$!
PIDS="$PIDS $PID"
wait_for "$T/sfn3.log" "event=listening" 30 "$PID"
PORT=$(sed -n 's/.*event=listening port=\([0-9]*\).*/\1/p' "$T/sfn3.log")
URL="ws://127.0.0.1:$PORT/ws"
grep -q "event=resumed executions=[1-9]" "$T/sfn3.log" ||
	fail "nothing resumed: $(cat "$T/sfn3.log")"
"$PY" "$WSPY" "$URL" await --arn "$sarn" >/dev/null ||
	fail "resumed execution did not succeed"
SLUICE_URL=$URL "$SLUICE" describe "$sarn" --json | "$PY" -c '
import json,sys; d = json.load(sys.stdin)
assert d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"s": 1}, d' ||
	fail "resumed execution's output"
SLUICE_URL=$URL "$SLUICE" describe "$warn" | grep -q "^status  *ABORTED" ||
	fail "finished execution changed after restart"
kill -TERM "$PID"
wait_exit "$PID" 30
[ "$RC" -eq 0 ] || fail "exit status $RC"
pass "an execution survives kill -9 and finishes after restart"

echo "server_sfn: $CHECKS checks passed"
