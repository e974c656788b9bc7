#!/bin/sh
# make bench: run every benchmark program; each prints JSON lines.
set -eu
cd "$(dirname "$0")/.."
: "${SLUICE_BUILD:?}"
for b in "$SLUICE_BUILD"/bench/*; do
	[ -x "$b" ] || continue
	"$b"
done
