#!/bin/sh
# Format every C file with the checked-in .clang-format.
set -eu
cd "$(dirname "$0")/.."
git ls-files '*.c' '*.h' | xargs clang-format -i
