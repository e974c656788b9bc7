#!/bin/sh
# make demo: the signup pipeline on the embedded defaults (SQLite, Maildir).
# Starts sluiced on a free loopback port with a fresh data directory and
# the built functions, then scripts/demo.py deploys the workflow, subscribes
# to the admin topic, triggers signups over WebSocket, shows them live and
# prints a summary. The daemon is stopped cleanly (SIGTERM) at the end; the
# data directory is kept for a look around.
#
# Real services instead of the embedded defaults, from the environment:
#	DATABASE_URL=postgres://user:pw@host:5432/db   users go to PostgreSQL
#	SMTP_URL=smtp://host:587 [SMTP_USER= SMTP_PASSWORD= SMTP_STARTTLS=1]
#	ADMIN_WEBHOOK_URL=http://host:port/path         notifications POSTed
# Each turns the function's config (a copy under the data directory) to
# Network "loopback" with that one port allowed.
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

# port_of URL DEFAULT: the URL's port, or DEFAULT.
port_of()
{
	"$PY" -c 'import sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
print(u.port or sys.argv[2])' "$1" "$2"
}

# variant NAME DEFAULT_PORT URL VAR=VALUE...: NAME's config with the
# variables set and the URL's port (only) reachable.
variant()
{
	_fn=$1
	_port=$(port_of "$3" "$2")
	shift 3
	_sets=""
	for _kv in "$@"; do
		_sets="$_sets --set $_kv"
	done
	# shellcheck disable=SC2086
	"$PY" tests/integration/lib/fnconf.py "functions/$_fn.json" \
	    "$FNDIR/$_fn.json" "$DATA" --keep-vars --network loopback \
	    --port "$_port" $_sets
	echo "demo: $_fn uses $(echo "$1" | sed 's|^[^=]*=||; s|//[^@/]*@|//|')"
}

FNDIR=$SLUICE_BUILD/functions
TAG=""
if [ -n "${DATABASE_URL:-}${SMTP_URL:-}${ADMIN_WEBHOOK_URL:-}" ]; then
	FNDIR=$DATA/functions
	mkdir -p "$FNDIR"
	chmod 755 "$FNDIR"
	for f in db_insert send_email notify_admin; do
		cp "$SLUICE_BUILD/functions/$f.so" "functions/$f.json" "$FNDIR/"
	done
	case "${DATABASE_URL:-}" in
	"") ;;
	postgres://* | postgresql://*)
		variant db_insert 5432 "$DATABASE_URL" \
		    "DATABASE_URL=$DATABASE_URL"
		TAG=$(date +%s)
		;;
	*)
		echo "demo: DATABASE_URL must be postgres://..." >&2
		exit 1
		;;
	esac
	if [ -n "${SMTP_URL:-}" ]; then
		case "$SMTP_URL" in
		smtps://*) dport=465 ;;
		*) dport=25 ;;
		esac
		variant send_email "$dport" "$SMTP_URL" "SMTP_URL=$SMTP_URL" \
		    "SMTP_USER=${SMTP_USER:-}" \
		    "SMTP_PASSWORD=${SMTP_PASSWORD:-}" \
		    "SMTP_STARTTLS=${SMTP_STARTTLS:-}"
	fi
	if [ -n "${ADMIN_WEBHOOK_URL:-}" ]; then
		case "$ADMIN_WEBHOOK_URL" in
		https://*) dport=443 ;;
		*) dport=80 ;;
		esac
		variant notify_admin "$dport" "$ADMIN_WEBHOOK_URL" \
		    "ADMIN_WEBHOOK_URL=$ADMIN_WEBHOOK_URL"
	fi
fi

echo "demo: starting sluiced (data in $DATA, functions in $FNDIR)"
"$SLUICED" --port 0 --data "$DATA" --functions "$FNDIR" \
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
    --definition functions/signup.asl.json --data "$DATA" \
    --database-url "${DATABASE_URL:-}" --smtp-url "${SMTP_URL:-}" \
    --tag "$TAG" || status=$?

echo
if stop; then
	echo "demo: sluiced stopped cleanly; data kept in $DATA"
else
	echo "demo: sluiced did not exit cleanly; see $DATA/sluiced.log" >&2
	status=1
fi
exit $status
