#!/bin/sh
# The web console in a real browser: Debian's Chromium driven by
# playwright-core (tests/web/console.mjs). Three parts:
#   graph    the console's files behind sluiced's headers (strict CSP)
#            draw tests/graph/small.asl.json correctly
#   history  the signup graph coloured from histories the real engine
#            wrote (`sluice exec --history`): a good signup, a duplicate
#   live     sluiced with the signup functions and --web: deploy through
#            the API, start both executions from the console, watch them
# A screenshot goes to $SLUICE_BUILD/tests/console.png. Without Chromium or
# the npm packages the whole test says SKIP (and why); a part whose
# program is not built yet says SKIP and what it waits for.
set -u
cd "$(dirname "$0")/../.."
: "${SLUICE_BUILD:?SLUICE_BUILD must name the build directory}"
B=$SLUICE_BUILD
PY=/usr/bin/python3
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export CHROMIUM SLUICE_BUILD

skip_all() {
	echo "console: SKIP: $*"
	exit 0
}

command -v node >/dev/null 2>&1 ||
	skip_all "node is not installed, so the npm packages (playwright-core," \
	    "elkjs) cannot be fetched"
[ -x "$CHROMIUM" ] ||
	skip_all "Chromium is not installed ($CHROMIUM; Debian package" \
	    "chromium, which scripts/deps.sh installs)"
command -v npm >/dev/null 2>&1 ||
	skip_all "npm is not installed, so the npm packages (playwright-core," \
	    "elkjs) cannot be fetched"
[ -f "$B/web-node/node_modules/playwright-core/package.json" ] ||
	skip_all "the npm packages could not be fetched (see" \
	    "$B/web-node/npm.log)"
[ -f "$B/web/vendor/elk.bundled.js" ] ||
	skip_all "the graph library was not installed into $B/web/vendor" \
	    "(npm packages could not be fetched; see $B/web-node/npm.log)"

T=$(mktemp -d "${TMPDIR:-/tmp}/sluice-console.XXXXXX")
chmod 755 "$T"
PIDS=""
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
skipped=""
fail() {
	echo "FAIL: $*"
	failed=$((failed + 1))
}

# wait_line FILE PATTERN SECONDS PID: until PATTERN is in FILE.
wait_line() {
	_end=$(($(date +%s) + $3))
	while ! grep -q -- "$2" "$1" 2>/dev/null; do
		kill -0 "$4" 2>/dev/null || return 1
		[ "$(date +%s)" -le "$_end" ] || return 1
		sleep 0.05
	done
}

browser() {
	timeout 180 node tests/web/console.mjs "$@"
}

mkdir -p "$B/tests"
SHOT=$B/tests/console.png
rm -f "$SHOT"

# --- graph: the static files behind sluiced's headers -----------------------
"$PY" tests/web/static_server.py "$B/web" >"$T/static.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
if wait_line "$T/static.log" "listening on" 20 $SPID; then
	SPORT=$(sed -n 's/^listening on \([0-9]*\)$/\1/p' "$T/static.log")
	BASE=http://127.0.0.1:$SPORT/
	echo "== graph ($BASE)"
	if browser static "$BASE"; then
		passed=$((passed + 1))
	else
		fail "graph: the console does not draw tests/graph/small.asl.json"
	fi
else
	fail "graph: the static server did not start: $(cat "$T/static.log")"
fi

# --- history: colours from the real engine's histories ----------------------
# The signup functions with their configs, the data directory filled in.
FN=$T/functions
DATA=$T/data
mkdir -p "$FN" "$DATA"
chmod 755 "$FN" "$DATA"
for f in db_insert send_email notify_admin; do
	cp "$B/functions/$f.so" "$FN/" 2>/dev/null
	sed "s|\${SLUICE_DATA_DIR}|$DATA|g" "functions/$f.json" \
	    >"$FN/$f.json" 2>/dev/null
done
GOOD='{"email": "ada@example.org", "name": "Ada Lovelace"}'
echo "== history"
if ! "$B/sluice" --help 2>/dev/null | grep -q '^  exec '; then
	skipped="$skipped history (waits for 'sluice exec' in $B/sluice)"
elif [ ! -f "$FN/db_insert.so" ]; then
	skipped="$skipped history (waits for the signup functions in"
	skipped="$skipped $B/functions)"
else
	"$B/sluice" exec functions/signup.asl.json --input "$GOOD" \
	    --functions "$FN" --history >"$T/good.jsonl" 2>"$T/good.err"
	rc_good=$?
	"$B/sluice" exec functions/signup.asl.json --input "$GOOD" \
	    --functions "$FN" --history >"$T/dup.jsonl" 2>"$T/dup.err"
	rc_dup=$?
	"$B/sluice" exec tests/graph/nested.asl.json \
	    --input '{"items": [1, 2, 3]}' --history >"$T/nested.jsonl" \
	    2>"$T/nested.err"
	rc_nested=$?
	if [ $rc_good -ne 0 ] || [ $rc_dup -ne 1 ] || [ $rc_nested -ne 0 ]; then
		fail "history: sluice exec gave $rc_good, $rc_dup and" \
		    "$rc_nested, want 0, 1 and 0: $(tail -c 400 "$T/good.err" \
		    "$T/dup.err" "$T/nested.err")"
	elif SCREENSHOT=$SHOT browser history "$BASE" \
	    functions/signup.asl.json "$T/good.jsonl" "$T/dup.jsonl" \
	    tests/graph/nested.asl.json "$T/nested.jsonl"; then
		passed=$((passed + 1))
	else
		fail "history: the signup graph is not coloured as its" \
		    "history says"
	fi
fi

# --- live: sluiced serves the console and runs the workflow -------------------
echo "== live"
LDATA=$T/live-data
LFN=$T/live-functions
mkdir -p "$LDATA" "$LFN"
chmod 755 "$LDATA" "$LFN"
# The signup functions, and a function that fails on purpose for retries.
cp "$B"/functions/*.so "$B"/functions/*.json "$LFN/" 2>/dev/null
cp "$B/tests/fixtures/flaky.so" "$LFN/" 2>/dev/null
"$B/sluiced" --port 0 --data "$LDATA" --functions "$LFN" \
    --web "$B/web" >"$T/sluiced.log" 2>&1 &
DPID=$!
PIDS="$PIDS $DPID"
if ! wait_line "$T/sluiced.log" "event=listening" 30 $DPID; then
	fail "live: sluiced did not start: $(tail -n 5 "$T/sluiced.log")"
else
	DPORT=$(sed -n 's/.*event=listening port=\([0-9]*\).*/\1/p' \
	    "$T/sluiced.log" | head -n 1)
	# Does this sluiced run workflows yet?
	probe=$("$PY" - "$DPORT" <<'PYEOF' 2>&1
import asyncio, json, sys
import websockets

async def main():
    url = "ws://127.0.0.1:%s/ws" % sys.argv[1]
    async with websockets.connect(url, subprotocols=["sluice.v1"]) as ws:
        await ws.send(json.dumps({"id": 1, "action": "ListStateMachines"}))
        r = json.loads(await asyncio.wait_for(ws.recv(), 20))
        e = r.get("error")
        print("ok" if e is None else "%s: %s" % (e.get("type"),
              e.get("message")))

asyncio.run(main())
PYEOF
)
	if [ "$probe" != ok ]; then
		skipped="$skipped live (waits for sluiced to run workflows:"
		skipped="$skipped ListStateMachines answered '$probe')"
	elif SCREENSHOT=$SHOT browser live "http://127.0.0.1:$DPORT/" \
	    functions/signup.asl.json "$GOOD" "$GOOD"; then
		passed=$((passed + 1))
	else
		fail "live: the console does not show the signup executions"
		tail -n 20 "$T/sluiced.log"
	fi
fi

# --- token: sluiced bound to a token -------------------------------------------
echo "== token"
TDATA=$T/token-data
mkdir -p "$TDATA"
chmod 755 "$TDATA"
TOKEN=console-test-token-$$
"$B/sluiced" --port 0 --data "$TDATA" --functions "$B/functions" \
    --web "$B/web" --token "$TOKEN" >"$T/sluiced-token.log" 2>&1 &
TPID=$!
PIDS="$PIDS $TPID"
if ! wait_line "$T/sluiced-token.log" "event=listening" 30 $TPID; then
	fail "token: sluiced did not start: $(tail -n 5 "$T/sluiced-token.log")"
else
	TPORT=$(sed -n 's/.*event=listening port=\([0-9]*\).*/\1/p' \
	    "$T/sluiced-token.log" | head -n 1)
	if browser token "http://127.0.0.1:$TPORT/" "$TOKEN"; then
		passed=$((passed + 1))
	else
		fail "token: the console does not work with a token"
	fi
fi

[ -f "$SHOT" ] && echo "screenshot: $SHOT"
if [ -n "$skipped" ]; then
	echo "console: $passed passed, $failed failed; SKIP:$skipped"
else
	echo "console: $passed passed, $failed failed"
fi
[ $failed -eq 0 ]
