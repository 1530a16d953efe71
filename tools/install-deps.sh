#!/usr/bin/env bash
# install-deps.sh — installs every Debian package the project needs, and
# nothing else. Safe to run again: packages already present are left alone,
# and apt is only called when something is missing.
#
#   bash tools/install-deps.sh          (as root, or with sudo available)
#   bash tools/install-deps.sh --bench  also what only the PyTorch benchmarks use
#                                       (libtcmalloc-minimal4, preloaded for PyTorch)
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake make pkg-config
  # tests and benchmarks
  catch2 libbenchmark-dev
  # command-line parsing (CLI11) and JSON headers (safetensors checkpoints)
  libcli11-dev nlohmann-json3-dev
  # plots: gnuplot-iostream pipes to gnuplot; it needs Boost.Iostreams and Boost.Filesystem
  libgnuplot-iostream-dev libboost-iostreams-dev libboost-filesystem-dev gnuplot-nox
  # data: Fashion-MNIST as gzipped IDX files under /usr/share/datasets/fashion-mnist/
  dataset-fashion-mnist zlib1g-dev
  # the fuzz targets of the parsers (CI, fuzz/run.sh): clang and its libFuzzer runtime
  clang libclang-rt-dev
  # comparison points for the benchmarks only (never linked by the course)
  libopenblas-dev libdnnl-dev
  # PyTorch, the reference of the parity tests (ch08; about 1 GB) and of the
  # bench/compare_*.sh comparisons; the tests skip what needs it when it is missing
  python3-torch
)
for arg in "$@"; do
  case "$arg" in
    --bench) PACKAGES+=(libtcmalloc-minimal4) ;;
    *) echo "install-deps: unknown argument '$arg' (expected --bench)" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages are installed"
  exit 0
fi

echo "install-deps: installing ${#missing[@]} missing package(s): ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-deps: error: not root and sudo is not available; run as root:" >&2
    echo "  apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
