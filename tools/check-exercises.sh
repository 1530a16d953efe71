#!/usr/bin/env bash
# check-exercises.sh — proves the exercises are real (used by CI).
#
# Builds exercises/ (the solutions with every exercise region removed) with
# NN_EXPECT_NOT_IMPLEMENTED=ON. In that build each test of a math target
# passes only if it fails with "exercise X.Y (...) is not implemented yet",
# and every other test must pass as usual. So a green run here means: the
# exercise build compiles, every math test depends on an exercise and names
# it, and the infrastructure works without the learner's code.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake --preset exercises-check >/dev/null
cmake --build --preset exercises-check -j"$(nproc)"
ctest --preset exercises-check -j"$(nproc)"
