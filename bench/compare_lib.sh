# compare_lib.sh — sourced by bench/compare_mlp.sh and bench/compare_lenet5.sh:
# what both need to run PyTorch at its best beside our program and to sum up
# interleaved rounds.
#
# PyTorch at its best on this machine: OPENBLAS_CORETYPE unset (an
# environment that forces Haswell kernels halves OpenBLAS's speed),
# OPENBLAS_NUM_THREADS and OMP_NUM_THREADS equal to the thread count
# (torch.set_num_threads does not limit OpenBLAS's own pool), and tcmalloc
# preloaded when libtcmalloc-minimal4 is installed.

tcmalloc=$(ls /usr/lib/*/libtcmalloc_minimal.so.4 2>/dev/null | head -1 || true)

# compare_require NAME: stop with a clear message when PyTorch is missing;
# note when tcmalloc is.
compare_require() {
  [ -n "$tcmalloc" ] || echo "$1: note: libtcmalloc-minimal4 not installed; PyTorch runs without it" >&2
  /usr/bin/python3 -c "import torch" 2>/dev/null ||
    { echo "$1: python3-torch is not installed (bash tools/install-deps.sh)" >&2; exit 1; }
}

# run_torch THREADS SCRIPT ARGS...: a PyTorch reference script, tuned as above.
run_torch() {
  local threads=$1; shift
  env -u OPENBLAS_CORETYPE OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" \
    ${tcmalloc:+LD_PRELOAD=$tcmalloc} /usr/bin/python3 "$@" --threads "$threads"
}

# median V...: the median of the numbers given.
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B: A / B to four decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a / b }'; }
