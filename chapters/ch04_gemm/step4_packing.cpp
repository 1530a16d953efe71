// Step 4 — packing and a register tile, in plain C++.
//
// Step 3's inner loop loads and stores C for every multiply-add. Instead,
// keep an MR×NR tile of C in local variables (registers, if the compiler
// manages) for the whole K loop: each step k is a rank-1 update
//   tile(r, j) += Ã(r, k) · B̃(k, j)      MR + NR loads for MR·NR multiply-adds.
// For that to stream smoothly, A and B are first copied ("packed") into
// micro-panels laid out in exactly the order the kernel reads them (see
// ladder_packed.hpp): contiguous, aligned, no TLB misses, no stride.
// Here MR×NR = 4×8: 32 floats of tile, which the compiler can keep in eight
// 4-wide SSE registers (the x86-64 baseline) — but without FMA, and at a
// quarter of the AVX-512 width. The next steps write the kernel by hand.
#include "ladder.hpp"
#include "ladder_packed.hpp"

namespace nn::ch04 {

namespace {
constexpr int MR = 4, NR = 8;

void kernel_4x8(int kc, const float* a, const float* b, float* c, long ldc, bool accumulate) {
  float tile[MR][NR] = {};
  for (int k = 0; k < kc; ++k) {
    for (int r = 0; r < MR; ++r)
      for (int j = 0; j < NR; ++j) tile[r][j] += a[r] * b[j];
    a += MR;
    b += NR;
  }
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NR; ++j) c[r * ldc + j] = accumulate ? c[r * ldc + j] + tile[r][j] : tile[r][j];
}
}  // namespace

void step4_packing(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  packed_gemm<MR, NR, 256, 128, 2048>(M, N, K, A, lda, B, ldb, C, ldc, kernel_4x8);
}

}  // namespace nn::ch04
