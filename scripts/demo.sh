#!/bin/sh
# make demo: run the example. (Grows into the signup pipeline.)
set -eu
cd "$(dirname "$0")/.."
: "${SLUICE_BUILD:?}"
echo "demo: nothing to run yet" >&2
exit 1
