#!/bin/sh
# Run every test of one build: the Check runner (all unit suites), then each
# integration script under tests/integration/. SLUICE_BUILD names the build.
# Prints Check's summary line and, last, "integration: N passed, M failed".
set -u
cd "$(dirname "$0")/.."
: "${SLUICE_BUILD:?SLUICE_BUILD must name the build directory}"
export SLUICE_BUILD

status=0
echo "== unit tests ($SLUICE_BUILD)"
# Tests that spawn processes get generous timeouts under sanitizers.
CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-30} "$SLUICE_BUILD/tests/unit" || status=1

pass=0
fail=0
failed=""
for t in tests/integration/*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	log="$SLUICE_BUILD/tests/$name.log"
	mkdir -p "$(dirname "$log")"
	echo "== integration: $name"
	if timeout 600 sh "$t" >"$log" 2>&1; then
		pass=$((pass + 1))
		tail -n 1 "$log"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "-- $name failed; last lines of $log:"
		tail -n 30 "$log"
	fi
done
[ $fail -eq 0 ] || status=1
echo "integration: $pass passed, $fail failed"
[ -z "$failed" ] || echo "failed:$failed"
exit $status
