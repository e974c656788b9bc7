#!/bin/sh
# The States Language cases recorded on real AWS (../shared/conformance/
# jsonpath), run through the engine with real sandboxed fixture functions.
# Every self-contained case must pass; cases that need an AWS service are
# skipped by the runner with their reason.
set -u
cd "$(dirname "$0")/../.."
: "${SLUICE_BUILD:?}"
dir=${SLUICE_CONFORMANCE_DIR:-}
for d in ../shared/conformance ../../shared/conformance; do
	[ -z "$dir" ] && [ -d "$d/jsonpath" ] && dir=$d
done
if [ -z "$dir" ]; then
	echo "SKIP: conformance: no recorded cases beside the checkout" \
	    "(../shared/conformance; set SLUICE_CONFORMANCE_DIR)"
	exit 0
fi
out=$("$SLUICE_BUILD/sluice" conformance "$dir/jsonpath" 2>&1)
rc=$?
echo "$out"
last=$(echo "$out" | tail -n 1)
case "$last" in
*" passed, 0 failed"*) ;;
*) echo "conformance: cases failed"; exit 1 ;;
esac
[ $rc -eq 0 ] || { echo "conformance: runner exited $rc"; exit 1; }
echo "conformance: AWS-recorded JSONPath cases: $last" | sed 's/ passed, 0 failed/ pass/'
