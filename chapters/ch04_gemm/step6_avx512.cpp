// Step 6 — the micro-kernel in AVX-512 (this file only is compiled with
// -mavx512f...). Registers are twice as wide (16 floats) and there are 32
// of them, so the tile grows to 8×48: 24 accumulators.
//
//                       B̃ row k:  [ b0 (16 floats) | b1 (16) | b2 (16) ]   3 loads
//                                 +----------------+---------+---------+
//   Ã column k:  a0 ─broadcast─→  | c00            | c01     | c02     |
//                a1               | c10            | c11     | c12     |
//                ..               |   ... 8 rows × 3 vectors = 24 FMAs |
//                a7               | c70            | c71     | c72     |
//                                 +----------------+---------+---------+
//
// 24 accumulators + 3 B vectors + 1 broadcast = 28 of 32 zmm registers; per k
// 3 loads + 8 broadcasts feed 24 FMAs (12 cycles on two FMA units), so the
// loads have slack. Each FMA does 32 flops: the single-core peak is
// 2 units × 32 flops × clock.
#include <immintrin.h>

#include "ladder.hpp"
#include "ladder_packed.hpp"

namespace nn::ch04 {

namespace {
constexpr int MR = 8, NR = 48;

void kernel_8x48(int kc, const float* a, const float* b, float* c, long ldc, bool accumulate) {
  __m512 acc[MR][3];
  for (auto& row : acc)
    for (auto& v : row) v = _mm512_setzero_ps();
  for (int k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16), b2 = _mm512_load_ps(b + 32);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {  // fully unrolled: acc stays in registers
      const __m512 ar = _mm512_set1_ps(a[r]);
      acc[r][0] = _mm512_fmadd_ps(ar, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(ar, b1, acc[r][1]);
      acc[r][2] = _mm512_fmadd_ps(ar, b2, acc[r][2]);
    }
    a += MR;
    b += NR;
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < 3; ++v) {
      float* out = c + r * ldc + 16 * v;
      _mm512_storeu_ps(out, accumulate ? _mm512_add_ps(_mm512_loadu_ps(out), acc[r][v]) : acc[r][v]);
    }
}
}  // namespace

void step6_avx512(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  packed_gemm<MR, NR, 256, 384, 3072>(M, N, K, A, lda, B, ldb, C, ldc, kernel_8x48);
}

}  // namespace nn::ch04
