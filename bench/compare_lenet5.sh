#!/usr/bin/env bash
# compare_lenet5.sh — chapter-8 LeNet-5 throughput, ours (bench_lenet5_train)
# against PyTorch (bench/pytorch_lenet5.py), training and inference at batch
# 64 on 1 and 2 threads; prints a table of images/s, the ratios, and our
# 2-thread / 1-thread scaling.
#
#   bash bench/compare_lenet5.sh [build/release] [rounds (default 3)]
#   STEPS=100 REPEATS=7 bash bench/compare_lenet5.sh     (per program run)
#   SCALING_ROUNDS=15                                     (bench_lenet5_train --scaling)
#
# The machine may be shared, so the two are measured in interleaved rounds:
# each round runs ours and PyTorch back to back for each thread count (in
# alternating order), each run reports the median of REPEATS timings of STEPS
# steps after a warm-up, and the table gives the median over the rounds of
# those figures and the median of the per-round ratios.
#
# Our training scaling (2 threads / 1) is then measured once more with
# bench_lenet5_train --scaling: 1 thread, 2 threads and two independent
# 1-thread jobs (the host's own limit) back to back in each round.
#
# PyTorch runs tuned as described in bench/compare_lib.sh, and in the faster
# of its two memory layouts (bench/pytorch_lenet5.py --layout auto: NCHW or
# channels_last, timed afresh in every run).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/compare_lib.sh
build=${1:-build/release}
rounds=${2:-3}
steps=${STEPS:-60}
repeats=${REPEATS:-5}
scaling_rounds=${SCALING_ROUNDS:-15}
ours=$build/bin/bench_lenet5_train
[ -x "$ours" ] || { echo "compare_lenet5: build first (cmake --build --preset release --target bench_lenet5_train)" >&2; exit 1; }
compare_require compare_lenet5

rate() { grep " $1 images/s" <<<"$2" | sed -E 's/.*median ([0-9]+).*/\1/'; }

# values["ours training 1"] = "r1 r2 ..." (one figure per round), likewise torch and the ratios.
declare -A values
run_ours() {
  "$ours" --threads "$1" --batch 64 --steps "$steps" --repeats "$repeats"
}
run_torch_lenet5() {
  run_torch "$1" bench/pytorch_lenet5.py --batch 64 --steps "$steps" --repeats "$repeats"
}
for ((r = 1; r <= rounds; ++r)); do
  for threads in 1 2; do
    if ((r % 2)); then
      o=$(run_ours "$threads"); t=$(run_torch_lenet5 "$threads")
    else
      t=$(run_torch_lenet5 "$threads"); o=$(run_ours "$threads")
    fi
    echo "round $r/$rounds, threads=$threads:"
    sed 's/^/  /' <<<"$o"
    grep images/s <<<"$t" | sed 's/^/  /'
    for what in training inference; do
      a=$(rate "$what" "$o"); b=$(rate "$what" "$t")
      values["ours $what $threads"]+="$a "
      values["torch $what $threads"]+="$b "
      values["ratio $what $threads"]+="$(ratio "$a" "$b") "
    done
  done
done

echo
echo "LeNet-5, batch 64: images/s, median of $rounds interleaved rounds (each run: median of $repeats x $steps steps)"
printf '%-10s %7s %12s %14s %14s\n' "" threads "ours" "pytorch" "ours/pytorch"
for what in training inference; do
  for threads in 1 2; do
    # shellcheck disable=SC2086
    printf '%-10s %7d %12.0f %14.0f %14.2f\n' "$what" "$threads" "$(median ${values["ours $what $threads"]})" \
      "$(median ${values["torch $what $threads"]})" "$(median ${values["ratio $what $threads"]})"
  done
done
for what in training inference; do
  # shellcheck disable=SC2086
  awk -v w="$what" -v a="$(median ${values["ours $what 2"]})" -v b="$(median ${values["ours $what 1"]})" \
    'BEGIN { printf "ours %-9s 2 threads / 1 thread = %.2f\n", w, a / b }'
done
echo
echo "ours, training scaling in $scaling_rounds rounds of back-to-back runs:"
"$ours" --scaling "$scaling_rounds" --threads 2 --batch 64 --steps "$steps"
