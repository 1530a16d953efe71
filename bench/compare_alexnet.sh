#!/usr/bin/env bash
# compare_alexnet.sh — chapter-9 AlexNet at full size (3×227×227, 1000
# classes, single tower), ours (bench_alexnet_train) against PyTorch
# (bench/pytorch_alexnet.py): training steps (forward, backward, SGD with
# momentum 0.9 and weight decay) at batch 32 and 128 and inference at batch
# 32, on 1 and 2 threads; then the peak resident memory of training at
# batch 128 on 1 thread. Prints a table of images/s and the ratios.
#
#   bash bench/compare_alexnet.sh [build/release] [rounds (default 3)]
#   STEPS=2 REPEATS=3 bash bench/compare_alexnet.sh     (per program run)
#
# The machine may be shared, so the two are measured in interleaved rounds:
# each round runs ours and PyTorch back to back for each case (in
# alternating order), each run reports the median of REPEATS timings of
# STEPS steps after one untimed step, and the table gives the median over
# the rounds of those figures and the median of the per-round ratios.
# PyTorch runs tuned as described in bench/compare_lib.sh, in the faster of
# its two memory layouts (--layout auto: NCHW or channels_last, timed afresh
# in every run).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/compare_lib.sh
build=${1:-build/release}
rounds=${2:-3}
steps=${STEPS:-2}
repeats=${REPEATS:-3}
ours=$build/bin/bench_alexnet_train
[ -x "$ours" ] || { echo "compare_alexnet: build first (cmake --build --preset release --target bench_alexnet_train)" >&2; exit 1; }
compare_require compare_alexnet

rate() { grep " $1 images/s" <<<"$2" | sed -E 's/.*median ([0-9.]+).*/\1/'; }

cases=("training 32" "training 128" "inference 32")
declare -A values
for ((r = 1; r <= rounds; ++r)); do
  for threads in 1 2; do
    for c in "${cases[@]}"; do
      read -r what batch <<<"$c"
      run_o() { "$ours" --threads "$threads" --batch "$batch" --only "$what" --steps "$steps" --repeats "$repeats" --warmup 1; }
      run_t() { run_torch "$threads" bench/pytorch_alexnet.py --batch "$batch" --only "$what" --steps "$steps" --repeats "$repeats" --warmup 1; }
      if ((r % 2)); then o=$(run_o); t=$(run_t); else t=$(run_t); o=$(run_o); fi
      a=$(rate "$what" "$o"); b=$(rate "$what" "$t")
      echo "round $r/$rounds, threads=$threads, $what batch $batch: ours $a, torch $b images/s"
      grep -h "trial" <<<"$t" | sed 's/^/  /' || true
      values["ours $c $threads"]+="$a "
      values["torch $c $threads"]+="$b "
      values["ratio $c $threads"]+="$(ratio "$a" "$b") "
    done
  done
done

echo
echo "AlexNet 3x227x227, 1000 classes: images/s, median of $rounds interleaved rounds (each run: median of $repeats x $steps steps)"
printf '%-10s %6s %7s %10s %10s %14s\n' "" batch threads "ours" "pytorch" "ours/pytorch"
for c in "${cases[@]}"; do
  read -r what batch <<<"$c"
  for threads in 1 2; do
    # shellcheck disable=SC2086
    printf '%-10s %6d %7d %10.2f %10.2f %14.2f\n' "$what" "$batch" "$threads" "$(median ${values["ours $c $threads"]})" \
      "$(median ${values["torch $c $threads"]})" "$(median ${values["ratio $c $threads"]})"
  done
done

echo
echo "peak resident memory, training at batch 128 on 1 thread:"
"$ours" --threads 1 --batch 128 --memory --steps 1 --repeats 1 --warmup 1 | grep "peak RSS"
run_torch 1 bench/pytorch_alexnet.py --batch 128 --memory --layout channels_last --steps 1 --repeats 1 --warmup 1 | grep "peak RSS"
