# Real services for the integration tests, started as unprivileged
# processes on loopback ports of their own and stopped by an exit trap:
# PostgreSQL (a temporary cluster), an SMTP server (aiosmtpd) and a webhook
# receiver (http.server). Source it from a POSIX sh script:
#	. tests/integration/lib/services.sh
#	svc_setup NAME            # $SVC_TMP, the trap
#	start_smtp smtp1 [--reject|--tempfail N|--reset-first N|--auth U:P]
#	    -> $SMTP_PORT, $SMTP_DIR
#	start_webhook hook1 [--status N]  -> $WEBHOOK_PORT, $WEBHOOK_DIR
#	start_postgres             -> $PG_PORT, $PG_URL
#	start_sluiced DATA FUNCTIONS -> $SLUICED_PID, $SLUICED_URL
#	free_port                  -> prints a port nobody listens on
#	wait_for_file FILE [SECONDS]

SVC_PY=/usr/bin/python3
SVC_LIB=$(pwd)/tests/integration/lib # sourced from the top directory
SVC_PIDS=""
SVC_PGDIR=""
SVC_PGBIN=""
SVC_NAME=test

# Make the scratch directory and arrange for everything to stop on exit.
svc_setup()
{
	SVC_NAME=$1
	SVC_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sluice-$SVC_NAME.XXXXXX")
	chmod 755 "$SVC_TMP"
	trap svc_cleanup EXIT
	trap 'exit 130' INT TERM HUP
}

svc_cleanup()
{
	status=$?
	for p in $SVC_PIDS; do
		kill "$p" 2>/dev/null || true
	done
	for p in $SVC_PIDS; do
		wait "$p" 2>/dev/null || true
	done
	if [ -n "$SVC_PGDIR" ] && [ -f "$SVC_PGDIR/data/postmaster.pid" ]; then
		svc_as_pg "$SVC_PGBIN/pg_ctl" -D "$SVC_PGDIR/data" -m immediate \
		    -w -t 20 stop >/dev/null 2>&1 || true
	fi
	[ -z "$SVC_PGDIR" ] || rm -rf "$SVC_PGDIR"
	if [ "${KEEP_TMP:-0}" = 1 ]; then
		echo "kept $SVC_TMP" >&2
	else
		rm -rf "$SVC_TMP"
	fi
	exit $status
}

# Wait until FILE exists and is not empty, at most SECONDS (default 20).
wait_for_file()
{
	_n=$(( ${2:-20} * 20 ))
	while [ ! -s "$1" ]; do
		_n=$((_n - 1))
		if [ $_n -le 0 ]; then
			echo "timed out waiting for $1" >&2
			return 1
		fi
		sleep 0.05
	done
}

# A loopback port that nothing listens on (bound, then released).
free_port()
{
	"$SVC_PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# start_smtp NAME [server options]: an aiosmtpd server storing what it
# receives in $SVC_TMP/NAME.
start_smtp()
{
	_name=$1
	shift
	SMTP_DIR=$SVC_TMP/$_name
	mkdir -p "$SMTP_DIR"
	"$SVC_PY" "$SVC_LIB/smtp_server.py" --dir "$SMTP_DIR" \
	    --port-file "$SMTP_DIR/port" "$@" >"$SMTP_DIR/log" 2>&1 &
	SVC_PIDS="$SVC_PIDS $!"
	wait_for_file "$SMTP_DIR/port" 20 || {
		cat "$SMTP_DIR/log" >&2
		return 1
	}
	SMTP_PORT=$(cat "$SMTP_DIR/port")
}

# start_webhook NAME [--status N]: an HTTP receiver recording each POST in
# $SVC_TMP/NAME.
start_webhook()
{
	_name=$1
	shift
	WEBHOOK_DIR=$SVC_TMP/$_name
	mkdir -p "$WEBHOOK_DIR"
	"$SVC_PY" "$SVC_LIB/webhook_server.py" --dir "$WEBHOOK_DIR" \
	    --port-file "$WEBHOOK_DIR/port" "$@" >"$WEBHOOK_DIR/log" 2>&1 &
	SVC_PIDS="$SVC_PIDS $!"
	wait_for_file "$WEBHOOK_DIR/port" 20 || {
		cat "$WEBHOOK_DIR/log" >&2
		return 1
	}
	WEBHOOK_PORT=$(cat "$WEBHOOK_DIR/port")
}

# start_sluiced DATA FUNCTIONS: the daemon on a free loopback port, logging
# to DATA/sluiced.log; waits for it to listen. Stopped (SIGTERM) on exit
# like every service here.
start_sluiced()
{
	mkdir -p "$1"
	chmod 755 "$1"
	"$SLUICE_BUILD/sluiced" --port 0 --data "$1" --functions "$2" \
	    >"$1/sluiced.log" 2>&1 &
	SLUICED_PID=$!
	SVC_PIDS="$SVC_PIDS $SLUICED_PID"
	_n=600
	while ! grep -q "event=listening" "$1/sluiced.log" 2>/dev/null; do
		_n=$((_n - 1))
		if [ $_n -le 0 ] || ! kill -0 "$SLUICED_PID" 2>/dev/null; then
			echo "sluiced did not start:" >&2
			tail -n 20 "$1/sluiced.log" >&2
			return 1
		fi
		sleep 0.05
	done
	SLUICED_URL=ws://127.0.0.1:$(sed -n \
	    's/.*event=listening port=\([0-9]*\).*/\1/p' "$1/sluiced.log" |
	    head -n 1)/ws
}

# Run a PostgreSQL program as the cluster's owner: root may not run the
# server, so as root that is the postgres account.
svc_as_pg()
{
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# A temporary cluster on a loopback port, trust authentication for the
# superuser "signup". Sets PG_PORT and PG_URL.
start_postgres()
{
	SVC_PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V |
	    tail -n 1)
	if [ -z "$SVC_PGBIN" ] || [ ! -x "$SVC_PGBIN/initdb" ]; then
		echo "PostgreSQL server binaries are missing (scripts/deps.sh" \
		    "installs postgresql)" >&2
		return 1
	fi
	SVC_PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/sluice-pg.XXXXXX")
	chmod 755 "$SVC_PGDIR"
	[ "$(id -u)" -ne 0 ] || chown postgres: "$SVC_PGDIR"
	svc_as_pg "$SVC_PGBIN/initdb" -D "$SVC_PGDIR/data" -A trust \
	    -U signup --no-locale -E UTF8 --no-sync >"$SVC_PGDIR/initdb.log" \
	    2>&1 || {
		cat "$SVC_PGDIR/initdb.log" >&2
		return 1
	}
	# The port is free when chosen; another process could take it before
	# the server binds it, so try a few.
	for _try in 1 2 3 4 5; do
		PG_PORT=$(free_port)
		if svc_as_pg "$SVC_PGBIN/pg_ctl" -D "$SVC_PGDIR/data" \
		    -l "$SVC_PGDIR/server.log" -w -t 60 -o "-p $PG_PORT \
		    -c listen_addresses=127.0.0.1 \
		    -c unix_socket_directories=$SVC_PGDIR -c fsync=off \
		    -c full_page_writes=off -c max_connections=50" \
		    start >/dev/null 2>&1; then
			PG_URL="postgres://signup@127.0.0.1:$PG_PORT/postgres"
			return 0
		fi
	done
	cat "$SVC_PGDIR/server.log" >&2
	return 1
}

# psql_q SQL: run one query on the test cluster, unaligned, no header.
psql_q()
{
	"$SVC_PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$PG_URL" -c "$1"
}
