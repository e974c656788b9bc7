#!/bin/sh
# make bench: run every benchmark program, then every benchmark script
# (tests/bench/*.sh, for what is best driven from outside, like the API);
# each prints JSON lines.
set -eu
cd "$(dirname "$0")/.."
: "${SLUICE_BUILD:?}"
for b in "$SLUICE_BUILD"/bench/*; do
	[ -f "$b" ] && [ -x "$b" ] || continue
	"$b"
done
for s in tests/bench/*.sh; do
	[ -f "$s" ] || continue
	sh "$s"
done
