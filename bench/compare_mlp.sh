#!/usr/bin/env bash
# compare_mlp.sh — chapter-5 MLP training throughput, ours (bench_mlp_train)
# against PyTorch (bench/pytorch_mlp.py), at batch 64 on 1 and 2 threads;
# prints a table of images/s, the ratios, and our 2-thread / 1-thread scaling.
#
#   bash bench/compare_mlp.sh [build/release] [rounds (default 5)]
#   STEPS=300 REPEATS=7 bash bench/compare_mlp.sh     (per program run)
#   SCALING_ROUNDS=15                                  (bench_mlp_train --scaling)
#
# The machine may be shared, so the figures come from interleaved rounds:
# each round runs ours and PyTorch back to back for each thread count (in
# alternating order); each run reports the median of REPEATS timings of STEPS
# steps. The table gives the median over the rounds of each figure and the
# median of the per-round ratios (ours / PyTorch, and ours 2 threads / ours
# 1 thread). PyTorch runs tuned as described in bench/compare_lib.sh.
# Then our scaling once more from bench_mlp_train --scaling, which times 1
# thread, 2 threads and two independent 1-thread jobs back to back in each
# round: the ratio of runs that close together is much less noisy, and the
# independent jobs show what the host allows two threads at all.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/compare_lib.sh
build=${1:-build/release}
rounds=${2:-5}
steps=${STEPS:-300}
repeats=${REPEATS:-5}
scaling_rounds=${SCALING_ROUNDS:-15}
ours=$build/bin/bench_mlp_train
[ -x "$ours" ] || { echo "compare_mlp: build first (cmake --build --preset release --target bench_mlp_train)" >&2; exit 1; }
compare_require compare_mlp

rate() { sed -E 's/.*median ([0-9]+).*/\1/' <<<"$1"; }
declare -A values  # "ours 1" = "r1 r2 ...", likewise "torch T", "ratio T", "scaling"
for ((r = 1; r <= rounds; ++r)); do
  declare -A this=()
  for threads in 1 2; do
    if ((r % 2)); then
      o=$("$ours" --threads "$threads" --batch 64 --steps "$steps" --repeats "$repeats")
      t=$(run_torch "$threads" bench/pytorch_mlp.py --batch 64 --steps "$steps" --repeats "$repeats")
    else
      t=$(run_torch "$threads" bench/pytorch_mlp.py --batch 64 --steps "$steps" --repeats "$repeats")
      o=$("$ours" --threads "$threads" --batch 64 --steps "$steps" --repeats "$repeats")
    fi
    echo "round $r/$rounds: $o"
    echo "round $r/$rounds: $t"
    this[$threads]=$(rate "$o")
    values["ours $threads"]+="$(rate "$o") "
    values["torch $threads"]+="$(rate "$t") "
    values["ratio $threads"]+="$(ratio "$(rate "$o")" "$(rate "$t")") "
  done
  values["scaling"]+="$(ratio "${this[2]}" "${this[1]}") "
done

echo
echo "MLP 784-256-128-10, batch 64, SGD with momentum: images/s, median of $rounds interleaved rounds"
printf '%7s %12s %14s %14s\n' threads "ours" "pytorch" "ours/pytorch"
for threads in 1 2; do
  # shellcheck disable=SC2086
  printf '%7d %12.0f %14.0f %14.2f\n' "$threads" "$(median ${values["ours $threads"]})" \
    "$(median ${values["torch $threads"]})" "$(median ${values["ratio $threads"]})"
done
# shellcheck disable=SC2086
printf 'ours 2 threads / 1 thread = %.2f (median of the per-round ratios above)\n' "$(median ${values["scaling"]})"
# The scaling again, steadier: runs on 1 and 2 threads and two independent
# 1-thread jobs (the host's own limit) a few hundred milliseconds apart.
echo
echo "ours, scaling in $scaling_rounds rounds of back-to-back runs:"
"$ours" --scaling "$scaling_rounds" --threads 2 --batch 64 --steps "$steps"
