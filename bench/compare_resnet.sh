#!/usr/bin/env bash
# compare_resnet.sh — chapter 10's CIFAR-style ResNet-20 on 1×28×28 images,
# ours (bench_resnet_train) against PyTorch (bench/pytorch_resnet.py):
# training steps (forward with batch norm's batch statistics, backward, SGD
# with momentum 0.9, lr 0.1, weight decay 1e-4) and inference, at batch 128,
# on 1 and 2 threads. Prints a table of images/s and the ratios.
#
#   bash bench/compare_resnet.sh [build/release] [rounds (default 3)]
#   STEPS=5 REPEATS=3 BLOCKS=3 bash bench/compare_resnet.sh   (per program run; BLOCKS=9: ResNet-56)
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
steps=${STEPS:-5}
repeats=${REPEATS:-3}
blocks=${BLOCKS:-3}
batch=128
ours=$build/bin/bench_resnet_train
[ -x "$ours" ] || { echo "compare_resnet: build first (cmake --build --preset release --target bench_resnet_train)" >&2; exit 1; }
compare_require compare_resnet

rate() { grep " $1 images/s" <<<"$2" | sed -E 's/.*median ([0-9.]+).*/\1/'; }

cases=(training inference)
declare -A values
for ((r = 1; r <= rounds; ++r)); do
  for threads in 1 2; do
    for what in "${cases[@]}"; do
      run_o() { "$ours" --threads "$threads" --batch "$batch" --blocks "$blocks" --only "$what" --steps "$steps" --repeats "$repeats" --warmup 1; }
      run_t() { run_torch "$threads" bench/pytorch_resnet.py --batch "$batch" --blocks "$blocks" --only "$what" --steps "$steps" --repeats "$repeats" --warmup 1; }
      if ((r % 2)); then o=$(run_o); t=$(run_t); else t=$(run_t); o=$(run_o); fi
      a=$(rate "$what" "$o"); b=$(rate "$what" "$t")
      echo "round $r/$rounds, threads=$threads, $what batch $batch: ours $a, torch $b images/s"
      grep -h "trial" <<<"$t" | sed 's/^/  /' || true
      values["ours $what $threads"]+="$a "
      values["torch $what $threads"]+="$b "
      values["ratio $what $threads"]+="$(ratio "$a" "$b") "
    done
  done
done

echo
echo "ResNet-$((6 * blocks + 2)) 1x28x28, 10 classes: images/s, median of $rounds interleaved rounds (each run: median of $repeats x $steps steps)"
printf '%-10s %6s %7s %10s %10s %14s\n' "" batch threads "ours" "pytorch" "ours/pytorch"
for what in "${cases[@]}"; do
  for threads in 1 2; do
    # shellcheck disable=SC2086
    printf '%-10s %6d %7d %10.2f %10.2f %14.2f\n' "$what" "$batch" "$threads" "$(median ${values["ours $what $threads"]})" \
      "$(median ${values["torch $what $threads"]})" "$(median ${values["ratio $what $threads"]})"
  done
done
