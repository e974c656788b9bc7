#!/bin/sh
# sluice validate: exit 0 and "valid" for a good definition, 1 with one
# problem per line (naming state and field) for a bad one, 2 for usage errors
# and unreadable files.
set -u
: "${SLUICE_BUILD:?SLUICE_BUILD must name the build directory}"
SLUICE="$SLUICE_BUILD/sluice"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
checks=0

fail() {
	echo "validate.sh: FAIL: $*" >&2
	exit 1
}

# expect CODE FILE: run validate on FILE, require exit CODE.
expect() {
	want=$1
	shift
	"$SLUICE" validate "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	checks=$((checks + 1))
	[ "$got" -eq "$want" ] || fail "validate $* exited $got, want $want" \
	    "(stdout: $(cat "$tmp/out"); stderr: $(cat "$tmp/err"))"
}

cat >"$tmp/good.asl.json" <<'JSON'
{
  "Comment": "greeting, then a choice",
  "StartAt": "Hello",
  "States": {
    "Hello": {
      "Type": "Task",
      "Resource": "arn:aws:lambda:us-east-1:123456789012:function:hello",
      "Retry": [{"ErrorEquals": ["States.Timeout"], "BackoffRate": 2}],
      "Next": "Check"
    },
    "Check": {
      "Type": "Choice",
      "Choices": [{"Variable": "$.ok", "BooleanEquals": true, "Next": "Done"}],
      "Default": "Oops"
    },
    "Done": {"Type": "Succeed"},
    "Oops": {"Type": "Fail", "Error": "NotOk"}
  }
}
JSON
expect 0 "$tmp/good.asl.json"
[ "$(cat "$tmp/out")" = "valid" ] || fail "stdout is not 'valid'"
[ ! -s "$tmp/err" ] || fail "stderr not empty for a valid definition"

# Standard input works too.
"$SLUICE" validate - <"$tmp/good.asl.json" >"$tmp/out" 2>&1 ||
    fail "validate - (stdin) failed"
checks=$((checks + 1))

cat >"$tmp/bad.asl.json" <<'JSON'
{
  "StartAt": "SendEmail",
  "States": {
    "SendEmail": {
      "Type": "Task",
      "Resource": "arn:aws:lambda:us-east-1:123456789012:function:send",
      "Retry": [{"ErrorEquals": ["States.ALL"], "BackoffRate": 0.5}],
      "Next": "Missing"
    },
    "Orphan": {"Type": "Pass", "End": true, "Seconds": 3}
  }
}
JSON
expect 1 "$tmp/bad.asl.json"
[ ! -s "$tmp/out" ] || fail "stdout not empty for an invalid definition"
grep -qx '/States/SendEmail/Retry/0/BackoffRate: must be >= 1.0' \
    "$tmp/err" || fail "BackoffRate problem missing: $(cat "$tmp/err")"
grep -q '^/States/SendEmail/Next: .*Missing' "$tmp/err" ||
    fail "missing Next target not reported"
grep -q '^/States/Orphan/Seconds: ' "$tmp/err" ||
    fail "unknown field not reported"
grep -q '^/States/Orphan: .*not reachable' "$tmp/err" ||
    fail "unreachable state not reported"
lines=$(wc -l <"$tmp/err")
[ "$lines" -ge 4 ] || fail "expected at least 4 problems, got $lines"

printf '{"StartAt": "A",\n  "States": {,}}' >"$tmp/syntax.asl.json"
expect 1 "$tmp/syntax.asl.json"
grep -q 'line 2, column 14' "$tmp/err" ||
    fail "syntax error position wrong: $(cat "$tmp/err")"

expect 2 "$tmp/does-not-exist.json"
grep -q 'does-not-exist.json' "$tmp/err" || fail "unreadable file not named"
expect 2 "$tmp"
expect 2
expect 2 "$tmp/good.asl.json" extra

echo "validate.sh: $checks checks passed"
