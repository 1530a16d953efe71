// Step 5 — the micro-kernel in AVX2 + FMA intrinsics (this file only is
// compiled with -mavx2 -mfma). A 6×16 tile of C lives in 12 ymm registers
// (8 floats each) for the whole K loop:
//
//                        B̃ row k:   [  b0 (8 floats) |  b1 (8 floats) ]   2 loads
//                                   +----------------+----------------+
//   Ã column k:  a0 ─broadcast─→    |  c00 += a0·b0  |  c01 += a0·b1  |
//                a1                 |  c10           |  c11           |
//                a2                 |  c20           |  c21           |   12 FMAs
//                a3                 |  c30           |  c31           |
//                a4                 |  c40           |  c41           |
//                a5                 |  c50           |  c51           |
//                                   +----------------+----------------+
//
// Why 6×16: 12 accumulators + 2 B vectors + 1 broadcast = 15 of the 16 ymm
// registers, and 12 independent FMA chains cover the two FMA units' 4-cycle
// latency (at least 8 needed). Per k: 2 loads + 6 broadcasts for 12 FMAs.
#include <immintrin.h>

#include "ladder.hpp"
#include "ladder_packed.hpp"

namespace nn::ch04 {

namespace {
constexpr int MR = 6, NR = 16;

void kernel_6x16(int kc, const float* a, const float* b, float* c, long ldc, bool accumulate) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(),
         c11 = _mm256_setzero_ps(), c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(),
         c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps(), c40 = _mm256_setzero_ps(),
         c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    __m256 ar = _mm256_broadcast_ss(a + 0);
    c00 = _mm256_fmadd_ps(ar, b0, c00);
    c01 = _mm256_fmadd_ps(ar, b1, c01);
    ar = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(ar, b0, c10);
    c11 = _mm256_fmadd_ps(ar, b1, c11);
    ar = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(ar, b0, c20);
    c21 = _mm256_fmadd_ps(ar, b1, c21);
    ar = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(ar, b0, c30);
    c31 = _mm256_fmadd_ps(ar, b1, c31);
    ar = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(ar, b0, c40);
    c41 = _mm256_fmadd_ps(ar, b1, c41);
    ar = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(ar, b0, c50);
    c51 = _mm256_fmadd_ps(ar, b1, c51);
    a += MR;
    b += NR;
  }
  const __m256 rows[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < 2; ++v) {
      float* out = c + r * ldc + 8 * v;
      _mm256_storeu_ps(out, accumulate ? _mm256_add_ps(_mm256_loadu_ps(out), rows[r][v]) : rows[r][v]);
    }
}
}  // namespace

void step5_avx2(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  packed_gemm<MR, NR, 256, 144, 3072>(M, N, K, A, lda, B, ldb, C, ldc, kernel_6x16);
}

}  // namespace nn::ch04
