#!/usr/bin/env bash
# compare_conv.sh — the conv layer's forward + backward on the AlexNet
# conv1-3 shapes at batch 1, ours against PyTorch's conv2d, in one run, on
# 1 and 2 threads; prints both and the ratios.
#
#   bash bench/compare_conv.sh [build/release]
#
# PyTorch runs in its best configuration on this machine (see
# compare_mlp.sh): OPENBLAS_CORETYPE unset, OPENBLAS_NUM_THREADS equal to
# the thread count, tcmalloc preloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
ours=$build/bin/bench_conv
[ -x "$ours" ] || { echo "compare_conv: build first (cmake --build --preset release --target bench_conv)" >&2; exit 1; }
tcmalloc=$(ls /usr/lib/*/libtcmalloc_minimal.so.4 2>/dev/null | head -1 || true)
[ -n "$tcmalloc" ] || echo "compare_conv: note: libtcmalloc-minimal4 not installed; PyTorch runs without it" >&2
/usr/bin/python3 -c "import torch" 2>/dev/null || { echo "compare_conv: python3-torch is not installed" >&2; exit 1; }

declare -A ours_ms torch_ms
for threads in 1 2; do
  o=$("$ours" --threads "$threads")
  t=$(env -u OPENBLAS_CORETYPE OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" \
        ${tcmalloc:+LD_PRELOAD=$tcmalloc} /usr/bin/python3 bench/pytorch_conv.py --threads "$threads")
  echo "$o"
  echo "$t"
  for layer in conv1 conv2 conv3; do
    ours_ms[$threads,$layer]=$(grep "^ours  layer=$layer " <<<"$o" | sed -E 's/.*median ([0-9.]+).*/\1/')
    torch_ms[$threads,$layer]=$(grep "^torch layer=$layer " <<<"$t" | sed -E 's/.*median ([0-9.]+).*/\1/')
  done
done
echo
for threads in 1 2; do
  for layer in conv1 conv2 conv3; do
    awk -v t="$threads" -v l="$layer" -v a="${ours_ms[$threads,$layer]}" -v b="${torch_ms[$threads,$layer]}" \
      'BEGIN { printf "threads=%d  %s  ours %.2f ms  pytorch %.2f ms  ratio pytorch/ours %.2f (above 1: ours faster)\n", t, l, a, b, b / a }'
  done
done
