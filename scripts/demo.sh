#!/bin/sh
# make demo: the signup pipeline on the embedded defaults (SQLite, Maildir).
# Starts sluiced on a free loopback port with a fresh data directory and
# the built functions, then scripts/demo.py deploys the workflow, subscribes
# to the admin topic, triggers signups over WebSocket, shows them live and
# prints a summary. The daemon is stopped cleanly (SIGTERM) at the end; the
# data directory is kept for a look around.
set -eu
cd "$(dirname "$0")/.."
: "${SLUICE_BUILD:?SLUICE_BUILD must name the build directory}"

SLUICED=$SLUICE_BUILD/sluiced
PY=/usr/bin/python3
DATA=${SLUICE_DEMO_DATA:-${TMPDIR:-/tmp}/sluice-demo}
BOUND=30 # seconds for the daemon to start or stop

[ -x "$SLUICED" ] || {
	echo "demo: $SLUICED is missing (make builds it)" >&2
	exit 1
}
rm -rf "$DATA"
mkdir -p "$DATA"
# Functions run under an unprivileged uid; it must reach the data dir.
chmod 755 "$DATA"

PID=""
stop()
{
	[ -n "$PID" ] || return 0
	kill -TERM "$PID" 2>/dev/null || return 0
	n=$((BOUND * 20))
	while kill -0 "$PID" 2>/dev/null && [ $n -gt 0 ]; do
		sleep 0.05
		n=$((n - 1))
	done
	if kill -0 "$PID" 2>/dev/null; then
		echo "demo: sluiced did not stop within ${BOUND}s; killing it" >&2
		kill -KILL "$PID" 2>/dev/null || true
	fi
	wait "$PID" 2>/dev/null && rc=0 || rc=$?
	PID=""
	return $rc
}
trap 'stop || true' EXIT
trap 'exit 130' INT TERM HUP

echo "demo: starting sluiced (data in $DATA, functions in" \
    "$SLUICE_BUILD/functions)"
"$SLUICED" --port 0 --data "$DATA" --functions "$SLUICE_BUILD/functions" \
    >"$DATA/sluiced.log" 2>&1 &
PID=$!
n=$((BOUND * 20))
while ! grep -q "event=listening" "$DATA/sluiced.log" 2>/dev/null; do
	if ! kill -0 "$PID" 2>/dev/null || [ $n -le 0 ]; then
		echo "demo: sluiced did not start; its log:" >&2
		tail -n 20 "$DATA/sluiced.log" >&2
		exit 1
	fi
	sleep 0.05
	n=$((n - 1))
done
PORT=$(sed -n 's/.*event=listening port=\([0-9]*\).*/\1/p' \
    "$DATA/sluiced.log" | head -n 1)
echo "demo: sluiced is listening on ws://127.0.0.1:$PORT/ws"
echo

status=0
"$PY" scripts/demo.py --url "ws://127.0.0.1:$PORT/ws" \
    --definition functions/signup.asl.json --data "$DATA" || status=$?

echo
if stop; then
	echo "demo: sluiced stopped cleanly; data kept in $DATA"
else
	echo "demo: sluiced did not exit cleanly; see $DATA/sluiced.log" >&2
	status=1
fi
exit $status
