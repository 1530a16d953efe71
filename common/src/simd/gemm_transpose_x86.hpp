// gemm_transpose_x86.hpp — private to nn::common: the 8×8 register
// transpose the AVX2 and AVX-512 GEMM variants use to pack a matrix whose
// rows run along k into k-major micro-panels (op(A) = A in pack_a, op(B) = Bᵀ
// in pack_b). Included only by files compiled with at least -mavx2.
//
//   8 rows of the source, 8 k each          8 rows of the panel (one per k)
//     r0: a00 a01 ... a07                      k0: a00 a10 ... a70
//     r1: a10 a11 ... a17        →             k1: a01 a11 ... a71
//     ...                                      ...
//     r7: a70 a71 ... a77                      k7: a07 a17 ... a77
//
// Three rounds of shuffles (unpack pairs, shuffle quads, swap 128-bit
// halves): 24 shuffles per 64 floats, against 64 scalar loads and stores for
// the plain loop.
#pragma once

#include <immintrin.h>

namespace nn::gemm_detail {
namespace {

// Row i of the source, 8 floats from k, or zeros past the last row.
inline __m256 row8(const float* src, long ld, int rows, int i, int k) {
  return i < rows ? _mm256_loadu_ps(src + i * ld + k) : _mm256_setzero_ps();
}

// dst[k * dst_stride + r] = src[r * ld + k] for r < rows (≤ 8), k < kc, and
// zeros in the lanes rows..7: all 8 lanes of every row of dst are written.
inline void pack_t8_avx(const float* src, long ld, int rows, int kc, float* dst, long dst_stride) {
  int k = 0;
  for (; k + 8 <= kc; k += 8) {
    const __m256 r0 = _mm256_loadu_ps(src + k), r1 = row8(src, ld, rows, 1, k);
    const __m256 r2 = row8(src, ld, rows, 2, k), r3 = row8(src, ld, rows, 3, k);
    const __m256 r4 = row8(src, ld, rows, 4, k), r5 = row8(src, ld, rows, 5, k);
    const __m256 r6 = row8(src, ld, rows, 6, k), r7 = row8(src, ld, rows, 7, k);
    // t0 = r0[0] r1[0] r0[1] r1[1] | r0[4] r1[4] r0[5] r1[5], and so on.
    const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    const __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    // s0 = r0..r3 at k and k+4, s1 at k+1 and k+5, ...
    const __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    float* d = dst + k * dst_stride;
    _mm256_storeu_ps(d + 0 * dst_stride, _mm256_permute2f128_ps(s0, s4, 0x20));
    _mm256_storeu_ps(d + 1 * dst_stride, _mm256_permute2f128_ps(s1, s5, 0x20));
    _mm256_storeu_ps(d + 2 * dst_stride, _mm256_permute2f128_ps(s2, s6, 0x20));
    _mm256_storeu_ps(d + 3 * dst_stride, _mm256_permute2f128_ps(s3, s7, 0x20));
    _mm256_storeu_ps(d + 4 * dst_stride, _mm256_permute2f128_ps(s0, s4, 0x31));
    _mm256_storeu_ps(d + 5 * dst_stride, _mm256_permute2f128_ps(s1, s5, 0x31));
    _mm256_storeu_ps(d + 6 * dst_stride, _mm256_permute2f128_ps(s2, s6, 0x31));
    _mm256_storeu_ps(d + 7 * dst_stride, _mm256_permute2f128_ps(s3, s7, 0x31));
  }
  for (; k < kc; ++k)
    for (int r = 0; r < 8; ++r) dst[k * dst_stride + r] = r < rows ? src[r * ld + k] : 0.0f;
}

}  // namespace
}  // namespace nn::gemm_detail
