// gemm_kernels.hpp — private to nn::common: what the GEMM driver (gemm.cpp)
// asks of each instruction-set variant (gemm_scalar.cpp, gemm_avx2.cpp,
// gemm_avx512.cpp). The algorithm itself is in gemm_blocked.hpp.
#pragma once

#include "nn/gemm.hpp"

namespace nn::gemm_detail {

// One call's arguments, as nn::gemm received them (already checked:
// M, N, K > 0 and alpha != 0).
struct Problem {
  Trans ta, tb;
  int M, N, K;
  float alpha;
  const float* A;
  int lda;
  const float* B;
  int ldb;
  float beta;
  float* C;
  int ldc;
  // false: the micro-kernel reads B where it lies instead of from a packed
  // copy (only for tb == Trans::No). Chosen once per call from the shape, so
  // it is the same for every thread.
  bool pack_b;
};

// The register tile of each variant (the micro-kernel's MR × NR), and nv,
// the vector width its edge kernels work in, which the driver needs to split
// the work between threads: rows in whole tiles, columns in whole vectors (a
// 256-wide C is then 128 + 128 on two threads rather than 144 + 112; a thread's
// last tile just runs the narrower kernel).
struct Tile {
  int mr, nr, nv;
};
inline constexpr Tile kTileScalar{4, 16, 16};
inline constexpr Tile kTileAvx2{6, 16, 8};
inline constexpr Tile kTileAvx512{8, 48, 16};

// What a micro-kernel call fetches into L2 while it computes, for the call
// that packs the next micro-panel: `rows` rows of memory `ld` floats apart,
// `lines` 64-byte lines from `base` in each (that panel's source rows in B:
// kc rows of `cols` floats for op(B) = B, `cols` rows of kc floats for
// op(B) = Bᵀ).
struct RowFetch {
  const float* base;
  long ld;
  int rows;
  int lines;
};

// The width of the next micro-panel of B (and column tile of C) when `left`
// columns of the block remain: a whole NR, except where that would leave at
// most one vector over. A lone one-vector tile keeps few FMAs in flight per
// broadcast of A, so the last NR + v columns go as two narrower tiles
// instead: 64 = 32 + 32 rather than 48 + 16, and 256 = 4·48 + 32 + 32.
// One thread, paired medians against 48 + ... + 16: 64×64×784 1.15x,
// 256×64×784 1.10x, 64×112×784 1.08x, 240×256×784 1.04x (11 rounds each).
// Only for tiles of three vectors or more.
constexpr int panel_width(int left, int nr, int nv) {
  if (nr >= 3 * nv && left > nr && left - nr <= nv) return nr - nv;
  return left < nr ? left : nr;
}

// Computes the block C[m0:m1, n0:n1] of C = alpha·op(A)·op(B) + beta·C.
// Different threads may call these at once on disjoint blocks.
void slice_scalar(const Problem& p, int m0, int m1, int n0, int n1);
void slice_avx2(const Problem& p, int m0, int m1, int n0, int n1);
void slice_avx512(const Problem& p, int m0, int m1, int n0, int n1);

// The dot-product path (gemm_dot_avx512.cpp): C = alpha·A·Bᵀ + beta·C with
// at most kDotMaxRows rows, each element a dot product along K of a row of A
// and a row of B, both read in place. The driver sends it problems with
// op(A) = A, op(B) = Bᵀ, M ≤ kDotMaxRows and K ≥ kDotMinK, on one thread or
// split by columns of C.
inline constexpr int kDotMaxRows = 8;
inline constexpr int kDotMinK = 128;
void dot_slice_avx512(const Problem& p, int m0, int m1, int n0, int n1);

// Independent chains of FMAs with nothing else to do: the machine's ceiling.
// The return value only keeps the compiler from dropping the work.
float fma_chains_avx2(long steps);    // steps × 12 × 8 FMAs
float fma_chains_avx512(long steps);  // steps × 16 × 16 FMAs

}  // namespace nn::gemm_detail
