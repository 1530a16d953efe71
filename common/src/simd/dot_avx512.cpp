// AVX-512 dot and axpy. Compiled with -mavx512f (and friends) in this file only.
//
// Same shape as the AVX2 version with registers twice as wide: four
// accumulators of 16 floats, 64 elements per iteration, and the tail done by
// a masked load (AVX-512 masks are a k-register, one bit per lane), which
// never touches memory past the end.
#include <immintrin.h>

#include "nn/kernels.hpp"

namespace nn::kernels {

namespace {
inline __mmask16 tail_mask(std::size_t remaining) {
  return static_cast<__mmask16>((1u << remaining) - 1u);  // remaining < 16
}

// 16 lanes → 1: halve the register three times, then add the last pair.
inline float horizontal_sum(__m512 v) {
  const __m256 half = _mm256_add_ps(_mm512_extractf32x8_ps(v, 0), _mm512_extractf32x8_ps(v, 1));
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(half), _mm256_extractf128_ps(half, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
}  // namespace

float dot_avx512(const float* x, const float* y, std::size_t n) {
  __m512 acc[8];
  for (auto& a : acc) a = _mm512_setzero_ps();
  std::size_t i = 0;
  for (; i + 128 <= n; i += 128) {
    for (int u = 0; u < 8; ++u)  // fully unrolled by the compiler
      acc[u] = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 16 * u), _mm512_loadu_ps(y + i + 16 * u), acc[u]);
  }
  for (; i + 16 <= n; i += 16) acc[0] = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), acc[0]);
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    acc[1] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i), acc[1]);
  }
  for (int u = 0; u < 4; ++u) acc[u] = _mm512_add_ps(acc[u], acc[u + 4]);
  return horizontal_sum(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
}

void axpy_avx512(float alpha, const float* x, float* y, std::size_t n) {
  const __m512 a = _mm512_set1_ps(alpha);
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    _mm512_storeu_ps(y + i, _mm512_fmadd_ps(a, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    _mm512_storeu_ps(y + i + 16, _mm512_fmadd_ps(a, _mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(y + i + 16)));
  }
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(y + i, _mm512_fmadd_ps(a, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    const __m512 r = _mm512_fmadd_ps(a, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i));
    _mm512_mask_storeu_ps(y + i, m, r);
  }
}

}  // namespace nn::kernels
