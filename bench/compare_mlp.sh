#!/usr/bin/env bash
# compare_mlp.sh — chapter-5 MLP training throughput, ours against PyTorch,
# in one run, at batch 64 on 1 and 2 threads; prints both and the ratio.
#
#   bash bench/compare_mlp.sh [build/release]
#
# PyTorch runs in its best configuration on this machine: OPENBLAS_CORETYPE
# unset (an environment that forces Haswell kernels halves OpenBLAS's speed),
# OPENBLAS_NUM_THREADS equal to the thread count (torch.set_num_threads does
# not limit OpenBLAS's own pool) and tcmalloc preloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
ours=$build/bin/bench_mlp_train
[ -x "$ours" ] || { echo "compare_mlp: build first (cmake --build --preset release)" >&2; exit 1; }
tcmalloc=$(ls /usr/lib/*/libtcmalloc_minimal.so.4 2>/dev/null | head -1 || true)
[ -n "$tcmalloc" ] || echo "compare_mlp: note: libtcmalloc-minimal4 not installed; PyTorch runs without it" >&2
/usr/bin/python3 -c "import torch" 2>/dev/null || { echo "compare_mlp: python3-torch is not installed" >&2; exit 1; }

declare -A ours_rate torch_rate
for threads in 1 2; do
  o=$("$ours" --threads "$threads" --batch 64)
  t=$(env -u OPENBLAS_CORETYPE OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" \
        ${tcmalloc:+LD_PRELOAD=$tcmalloc} /usr/bin/python3 bench/pytorch_mlp.py --threads "$threads" --batch 64)
  echo "$o"
  echo "$t"
  ours_rate[$threads]=$(sed -E 's/.*median ([0-9]+).*/\1/' <<<"$o")
  torch_rate[$threads]=$(sed -E 's/.*median ([0-9]+).*/\1/' <<<"$t")
done
echo
for threads in 1 2; do
  awk -v t="$threads" -v a="${ours_rate[$threads]}" -v b="${torch_rate[$threads]}" \
    'BEGIN { printf "threads=%d  ours %d img/s  pytorch %d img/s  ratio ours/pytorch %.2f\n", t, a, b, a / b }'
done
awk -v a="${ours_rate[2]}" -v b="${ours_rate[1]}" 'BEGIN { printf "ours: 2 threads / 1 thread = %.2f\n", a / b }'
