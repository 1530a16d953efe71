#!/usr/bin/env bash
# run.sh — builds the fuzz targets (preset "fuzz") and runs each for a time
# budget on a scratch copy of its seed corpus, the three side by side. Any crash, sanitizer report,
# timeout (10 s for one input) or out-of-memory (2 GB) stops the target and
# fails the script; the input that did it is kept in build/fuzz/findings/ to
# be fixed and then added to fuzz/regressions/<target>/.
#
#   bash fuzz/run.sh [seconds per target (default 30)] [runs per target (default: no limit)]
#
# CI runs the default budget; a long local run: bash fuzz/run.sh 3600 1000000
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
runs=${2:--1}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j"$(nproc)"
bin=build/fuzz/bin
work=$(mktemp -d "${TMPDIR:-/tmp}/nn-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
findings=build/fuzz/findings
mkdir -p "$findings"
# The targets write each input to a file: on tmpfs when there is one.
scratch=$work
[ -d /dev/shm ] && [ -w /dev/shm ] && scratch=/dev/shm
# The three targets run side by side (each is one process), then report.
run_one() {
  local target=$1
  mkdir -p "$work/$target"
  local options=(-max_total_time="$seconds" -runs="$runs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
                 -artifact_prefix="$findings/$target-")
  [ "$target" != fuzz_idx ] && options+=(-dict=fuzz/safetensors.dict)
  TMPDIR=$scratch "$bin/$target" "${options[@]}" "$work/$target" "fuzz/corpus/$target" 2>"$work/$target.log"
}
targets=(fuzz_idx fuzz_safetensors fuzz_checkpoint)
pids=()
for target in "${targets[@]}"; do
  run_one "$target" &
  pids+=($!)
done
status=0
for i in "${!targets[@]}"; do
  target=${targets[$i]}
  echo "== $target: at most ${seconds} s$([ "$runs" -gt 0 ] && echo ", $runs runs") =="
  if ! wait "${pids[$i]}"; then
    status=1
    grep -E "ERROR|SUMMARY|Test unit written" "$work/$target.log" || tail -20 "$work/$target.log"
  fi
  grep -E "^(#[0-9]+\s+DONE|stat::number_of_executed_units|stat::peak_rss_mb)" "$work/$target.log" || true
done
if [ "$status" -ne 0 ]; then
  echo "fuzz: a target failed; the inputs are in $findings/ (fix, then copy them into fuzz/regressions/<target>/)" >&2
fi
exit "$status"
