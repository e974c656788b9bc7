# Helpers shared by the signup integration scripts: TAP-like counters and
# assertions, JSON field access, function-config variants, SQLite queries.
# Source after services.sh, from the top directory, with SLUICE_BUILD set;
# set DATA (the data directory) before calling fn_variant.

PY=/usr/bin/python3
LIB=tests/integration/lib
FNS=$SLUICE_BUILD/functions
OUT=$SVC_TMP/out
ERR=$SVC_TMP/err

pass=0
fail=0
ok()
{
	pass=$((pass + 1))
	echo "ok $((pass + fail)) - $*"
}
not_ok()
{
	fail=$((fail + 1))
	echo "not ok $((pass + fail)) - $*"
}

# fn_variant DIR NAME [fnconf options]: copy NAME.so and a variant of its
# shipped config into DIR.
fn_variant()
{
	_dir=$1
	_fn=$2
	shift 2
	mkdir -p "$_dir"
	chmod 755 "$_dir"
	cp "$FNS/$_fn.so" "$_dir/$_fn.so"
	"$PY" "$LIB/fnconf.py" "functions/$_fn.json" "$_dir/$_fn.json" \
	    "$DATA" "$@"
}

# field FILE PATH [DEFAULT]: one value of a JSON file (lib/jsonq.py).
field()
{
	"$PY" "$LIB/jsonq.py" "$1" "$2" "${3:-}" 2>/dev/null || true
}

# expect_ok DESC: the last command (RC, OUT, ERR) succeeded with a JSON result.
expect_ok()
{
	if [ "$RC" -eq 0 ] && "$PY" "$LIB/jsonq.py" "$OUT" . >/dev/null 2>&1
	then
		ok "$1"
		return 0
	fi
	not_ok "$1 (exit $RC; stdout: $(head -c 600 "$OUT");" \
	    "stderr: $(tail -c 600 "$ERR"))"
	return 1
}

# expect_error TYPE DESC [TEXT]: the last command failed (exit 1) with the
# Lambda error JSON {"errorType": TYPE, "errorMessage": ...} on stderr, the
# message containing TEXT.
expect_error()
{
	_type=$(field "$ERR" errorType)
	_msg=$(field "$ERR" errorMessage)
	if [ "$RC" -eq 1 ] && [ "$_type" = "$1" ] &&
	    { [ -z "${3:-}" ] || case "$_msg" in *"$3"*) true ;; *) false ;;
	    esac; }; then
		ok "$2: $1 ($_msg)"
		return 0
	fi
	not_ok "$2: want $1${3:+ mentioning '$3'}, got exit $RC" \
	    "type '$_type' message '$_msg' (stdout: $(head -c 300 "$OUT"))"
	return 1
}

# check DESC COMMAND...: a plain assertion.
check()
{
	_desc=$1
	shift
	if "$@"; then
		ok "$_desc"
	else
		not_ok "$_desc"
	fi
}

sqlite_q()
{
	"$PY" -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for row in c.execute(sys.argv[2], sys.argv[3:]):
	print("|".join(str(x) for x in row))' "$@"
}

# uuid_version V ID: ID is a UUID of version V (RFC 9562 variant).
uuid_version()
{
	echo "$2" | grep -Eq \
	    "^[0-9a-f]{8}-[0-9a-f]{4}-$1[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\$"
}
is_uuid()
{
	uuid_version 4 "$1"
}
# is_uuid7 ID [CREATED_AT]: a version 7 UUID; with CREATED_AT (RFC 3339,
# milliseconds, UTC), one whose time is that instant.
is_uuid7()
{
	uuid_version 7 "$1" || return 1
	[ -z "${2:-}" ] && return 0
	"$PY" -c 'import calendar, sys, time
u, t = sys.argv[1], sys.argv[2]
sec = calendar.timegm(time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S"))
ms = sec * 1000 + int(t[20:23])
sys.exit(0 if int(u[:8] + u[9:13], 16) == ms else 1)' "$1" "$2"
}
is_token()
{
	echo "$1" | grep -Eq '^[0-9a-f]{64}$'
}
is_rfc3339()
{
	echo "$1" | grep -Eq \
	    '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$'
}


# parallel_inserts DIR N RACERS TAG: N db_insert runs with distinct
# addresses and RACERS with one shared address, all at once (each its own
# sluice run process and sandbox). Sets PAR_OK (successes among the N),
# RACE_OK and RACE_DUP (successes and UserAlreadyExists among the racers).
parallel_inserts()
{
	_d=$1
	_n=$2
	_r=$3
	_tag=$4
	_pids=""
	_i=0
	while [ $_i -lt $_n ]; do
		"$SLUICE" run "$_d/db_insert.so" --payload \
		    "{\"email\": \"$_tag-$_i@example.org\", \"name\": \"P $_i\"}" \
		    >"$SVC_TMP/par-$_i.out" 2>"$SVC_TMP/par-$_i.err" &
		_pids="$_pids $!"
		_i=$((_i + 1))
	done
	_i=0
	while [ $_i -lt $_r ]; do
		"$SLUICE" run "$_d/db_insert.so" --payload \
		    "{\"email\": \"$_tag-race@example.org\", \"name\": \"R $_i\"}" \
		    >"$SVC_TMP/race-$_i.out" 2>"$SVC_TMP/race-$_i.err" &
		_pids="$_pids $!"
		_i=$((_i + 1))
	done
	for _p in $_pids; do
		wait "$_p" || true
	done
	PAR_OK=0
	_i=0
	while [ $_i -lt $_n ]; do
		[ -n "$(field "$SVC_TMP/par-$_i.out" userId)" ] &&
		    PAR_OK=$((PAR_OK + 1))
		_i=$((_i + 1))
	done
	RACE_OK=0
	RACE_DUP=0
	_i=0
	while [ $_i -lt $_r ]; do
		[ -n "$(field "$SVC_TMP/race-$_i.out" userId)" ] &&
		    RACE_OK=$((RACE_OK + 1))
		[ "$(field "$SVC_TMP/race-$_i.err" errorType)" = \
		    UserAlreadyExists ] && RACE_DUP=$((RACE_DUP + 1))
		_i=$((_i + 1))
	done
}
