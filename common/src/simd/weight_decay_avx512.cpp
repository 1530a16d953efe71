// AVX-512 weight decay (nn/weight_decay.hpp). Compiled with the AVX-512
// flags (this file only).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC bug 105593, as in exp_avx512.cpp
#endif
#include <immintrin.h>

#include "nn/weight_decay.hpp"

namespace nn::kernels {

double weight_decay_avx512(float* g, const float* w, std::size_t n, float two_lambda) {
  const __m512 scale = _mm512_set1_ps(two_lambda);
  __m512d sum_lo = _mm512_setzero_pd(), sum_hi = _mm512_setzero_pd();
  const auto step = [&](std::size_t i, __mmask16 m) {
    const __m512 wv = _mm512_maskz_loadu_ps(m, w + i);
    // g + 2λ·w with the product rounded first, as in the scalar loop (no FMA).
    _mm512_mask_storeu_ps(g + i, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, g + i), _mm512_mul_ps(scale, wv)));
    const __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(wv));
    const __m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(wv), 1)));
    sum_lo = _mm512_fmadd_pd(lo, lo, sum_lo);
    sum_hi = _mm512_fmadd_pd(hi, hi, sum_hi);
  };
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) step(i, static_cast<__mmask16>(0xFFFF));
  if (i < n) step(i, static_cast<__mmask16>((1u << (n - i)) - 1u));
  alignas(64) double lanes[16];
  _mm512_store_pd(lanes, sum_lo);
  _mm512_store_pd(lanes + 8, sum_hi);
  double sum = 0;
  for (double v : lanes) sum += v;
  return sum;
}

}  // namespace nn::kernels
