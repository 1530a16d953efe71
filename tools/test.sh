#!/usr/bin/env bash
# test.sh — installs what is needed, builds the Release preset and runs the
# whole test suite (ctest prints the count of tests run, passed and failed).
#
#   bash tools/test.sh            all tests
#   bash tools/test.sh -L ch01    extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)"
ctest --preset release -j"$(nproc)" "$@"
