#!/bin/sh
# sluice exec: run state machines offline with the real sandboxed test
# fixtures (tests/fixtures) and check outputs, errors, exit codes and the
# history. Needs SLUICE_BUILD.
set -u
: "${SLUICE_BUILD:?SLUICE_BUILD must name the build directory}"
SLUICE="$SLUICE_BUILD/sluice"
FN="$SLUICE_BUILD/tests/fixtures"
ARN=arn:aws:lambda:us-east-1:000000000000:function
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# run NAME EXPECTED_RC EXPECTED_TEXT DEFINITION INPUT [--history]
run() {
	name=$1 want_rc=$2 want=$3 def=$4 input=$5
	shift 5
	printf '%s\n' "$def" > "$tmp/$name.asl.json"
	timeout 60 "$SLUICE" exec "$tmp/$name.asl.json" --input "$input" \
	    --functions "$FN" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err"
	rc=$?
	if [ "$rc" -ne "$want_rc" ]; then
		bad "$name: exit $rc, want $want_rc"
		cat "$tmp/$name.out" "$tmp/$name.err"
		return
	fi
	if ! grep -qF -- "$want" "$tmp/$name.out"; then
		bad "$name: output lacks '$want'"
		cat "$tmp/$name.out"
		return
	fi
	ok
}

# A Lambda task whose result lands under ResultPath, then a Pass.
run task 0 '{"a":1,"r":{"a":1},"done":true}' \
    "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\",\"Resource\":\"$ARN:id_function\",\"ResultPath\":\"\$.r\",\"Next\":\"P\"},\"P\":{\"Type\":\"Pass\",\"Result\":true,\"ResultPath\":\"\$.done\",\"End\":true}}}" \
    '{"a":1}'

# lambda:invoke wraps the result.
run invoke 0 '"Payload":{"Return":"HelloWorld"}' \
    '{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"echo_function","Payload":{}},"End":true}}}' \
    '{}'

# A function error fails the execution with its errorType; exit 1.
run error 1 'error: Exception' \
    "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\",\"Resource\":\"$ARN:raise_exception\",\"End\":true}}}" \
    '{}'
grep -qF 'Some exception was raised.' "$tmp/error.out" && ok ||
    bad "error: cause lacks the errorMessage"

# Caught, with the error object under ResultPath.
run catch 0 '"Error":"Exception"' \
    "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\",\"Resource\":\"$ARN:raise_exception\",\"Catch\":[{\"ErrorEquals\":[\"States.TaskFailed\"],\"ResultPath\":\"\$.err\",\"Next\":\"H\"}],\"End\":true},\"H\":{\"Type\":\"Pass\",\"End\":true}}}" \
    '{"k":1}'

# A Map over real functions, input from a file.
printf '%s' '{"items":[1,2,3]}' > "$tmp/in.json"
run map 0 '[1,2,3]' \
    "{\"StartAt\":\"M\",\"States\":{\"M\":{\"Type\":\"Map\",\"ItemsPath\":\"\$.items\",\"MaxConcurrency\":2,\"ItemProcessor\":{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\",\"Resource\":\"$ARN:id_function\",\"End\":true}}},\"End\":true}}}" \
    "@$tmp/in.json"

# Task TimeoutSeconds cuts a long function short: States.Timeout.
run timeout 1 'error: States.Timeout' \
    "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\",\"Resource\":\"$ARN:wait_60_seconds\",\"TimeoutSeconds\":1,\"End\":true}}}" \
    '{}'

# --history prints AWS-named events before the output.
run history 0 '"type":"LambdaFunctionSucceeded"' \
    "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\",\"Resource\":\"$ARN:id_function\",\"End\":true}}}" \
    '{"h":1}' --history
n=$(grep -c '"type":' "$tmp/history.out")
[ "$n" -eq 7 ] && ok || bad "history: $n events, want 7"

# Usage errors exit 2; a bad definition exits 1.
"$SLUICE" exec > /dev/null 2>&1
[ $? -eq 2 ] && ok || bad "usage: exit code"
printf '{"StartAt":"X","States":{}}' > "$tmp/bad.asl.json"
"$SLUICE" exec "$tmp/bad.asl.json" > /dev/null 2>&1
[ $? -eq 1 ] && ok || bad "bad definition: exit code"

# --data expands ${SLUICE_DATA_DIR} in the functions' configs: the shipped
# signup functions run offline and write only below it.
if [ -x "$SLUICE_BUILD/functions/db_insert.so" ]; then
	mkdir -p "$tmp/data" && chmod 755 "$tmp" "$tmp/data"
	timeout 60 "$SLUICE" exec functions/signup.asl.json \
	    --functions "$SLUICE_BUILD/functions" --data "$tmp/data" \
	    --input '{"email":"offline@example.org","name":"Off Line"}' \
	    > "$tmp/signup.out" 2>&1
	if grep -q '"emailSent":true' "$tmp/signup.out" &&
	    [ -f "$tmp/data/signup/signup.db" ] &&
	    [ "$(ls "$tmp/data/mail/new" | wc -l)" -eq 1 ]; then
		ok
	else
		bad "signup with --data"
		cat "$tmp/signup.out"
	fi
fi

echo "exec: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
