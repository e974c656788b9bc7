#!/bin/sh
# The console's pure modules (web/graph-model.js, web/exec-state.js) under
# node's own test runner. Needs node only, not the npm packages.
set -u
cd "$(dirname "$0")/../.."
if ! command -v node >/dev/null 2>&1; then
	echo "web_unit: SKIP: node is not installed"
	exit 0
fi
out=$(node --test web/test/ 2>&1)
rc=$?
echo "$out"
pass=$(echo "$out" | sed -n 's/^# pass \([0-9]*\)$/\1/p')
failn=$(echo "$out" | sed -n 's/^# fail \([0-9]*\)$/\1/p')
echo "web_unit: ${pass:-0} passed, ${failn:-?} failed"
[ $rc -eq 0 ] && [ "${pass:-0}" -gt 0 ]
