#!/bin/sh
# make conformance: run the ASL cases recorded on real AWS through the
# engine, JSONPath first (the set that must pass), then JSONata (reported
# separately). The cases live in ../shared/conformance next to the checkout.
set -u
cd "$(dirname "$0")/.."
: "${SLUICE_BUILD:?SLUICE_BUILD must name the build directory}"
export SLUICE_BUILD

dir=${SLUICE_CONFORMANCE_DIR:-}
if [ -z "$dir" ]; then
	# ../shared beside the checkout (or beside its worktree folder).
	for d in ../shared/conformance ../../shared/conformance; do
		if [ -d "$d" ]; then
			dir=$d
			break
		fi
	done
fi
: "${dir:=../shared/conformance}"
if [ ! -d "$dir/jsonpath" ]; then
	echo "conformance: skipped, no recorded cases at $dir" \
	    "(set SLUICE_CONFORMANCE_DIR)"
	exit 0
fi
status=0
echo "== conformance: jsonpath"
"$SLUICE_BUILD/sluice" conformance "$dir/jsonpath" || status=1
if [ -d "$dir/jsonata" ]; then
	echo "== conformance: jsonata (a later step; reported, not required)"
	"$SLUICE_BUILD/sluice" conformance "$dir/jsonata" | tail -n 1
fi
exit $status
