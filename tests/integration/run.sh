#!/bin/sh
# `sluice run`: offline invocation of handler .so files in the sandbox.
# Checks results on stdout, errors on stderr, exit codes 0/1/2, --payload
# @file, --timeout and --memory.
set -u
: "${SLUICE_BUILD:?}"
S="$SLUICE_BUILD/sluice"
FX="$SLUICE_BUILD/tests/fixtures"
HS="$SLUICE_BUILD/tests/hostile"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0

fail() {
	echo "FAIL: $*"
	exit 1
}

# expect CODE STDOUT-SUBSTRING STDERR-SUBSTRING -- ARGS...
expect() {
	code=$1 out=$2 err=$3
	shift 4
	timeout 60 "$S" run "$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" -eq "$code" ] || fail "sluice run $*: exit $rc, want $code" \
	    "(stdout: $(cat "$T/out"); stderr: $(cat "$T/err"))"
	if [ -n "$out" ]; then
		grep -qF -- "$out" "$T/out" || fail "sluice run $*: stdout" \
		    "$(cat "$T/out") lacks $out"
	else
		[ ! -s "$T/out" ] || fail "sluice run $*: unexpected stdout" \
		    "$(cat "$T/out")"
	fi
	if [ -n "$err" ]; then
		grep -qF -- "$err" "$T/err" || fail "sluice run $*: stderr" \
		    "$(cat "$T/err") lacks $err"
	fi
	n=$((n + 1))
}

expect 0 '{"a":[1,2]}' '' -- "$FX/id_function.so" --payload '{"a":[1,2]}'
printf '{"from":"file"}' >"$T/p.json"
expect 0 '{"from":"file"}' '' -- "$FX/id_function.so" --payload "@$T/p.json"
expect 0 '{}' '' -- "$FX/id_function.so"
expect 0 '"HelloWorld!"' '' -- "$FX/return_bytes_str.so"
expect 1 '' '"errorType":"Exception"' -- "$FX/raise_exception.so"
expect 1 '' 'Runtime.InvalidEntrypoint' -- "$FX/no_handler.so"
expect 1 '' 'Task timed out after 1.00 seconds' -- \
    "$FX/wait_60_seconds.so" --timeout 1
expect 1 '' 'Runtime.OutOfMemory' -- "$HS/alloc_huge.so" --memory 16
expect 1 '' 'signal: segmentation fault' -- "$HS/segv.so"
expect 0 '"memory":200' '' -- "$FX/with_init.so" --memory 200
expect 0 '"errno":1' '' -- "$HS/exec_shell.so"
expect 2 '' 'usage' -- --payload '{}'
expect 2 '' 'InvalidRequestContentException' -- "$FX/id_function.so" \
    --payload '{bad'
expect 2 '' 'no such function file' -- "$T/missing.so"
expect 2 '' '--timeout' -- "$FX/id_function.so" --timeout 0
echo "run: $n sluice run checks passed"
