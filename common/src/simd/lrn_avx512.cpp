// AVX-512 local response normalisation (nn/lrn_kernels.hpp). Compiled with
// the AVX-512 flags (this file only).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC bug 105593, as in exp_avx512.cpp
#endif
#include <immintrin.h>

#include <algorithm>

#include "exp16_avx512.hpp"
#include "nn/lrn_kernels.hpp"

namespace nn::kernels {

namespace {

inline __mmask16 lanes(std::int64_t count) {
  return count >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << count) - 1u);
}

}  // namespace

void lrn_forward_avx512(const float* x, float* y, float* scale, const LrnArgs& a) {
  const __m512 k = _mm512_set1_ps(a.k), alpha = _mm512_set1_ps(a.alpha), minus_beta = _mm512_set1_ps(-a.beta);
  const std::int64_t C = a.channels, P = a.plane;
  for (std::int64_t i = 0; i < a.images; ++i) {
    const std::int64_t base = i * C * P;
    for (std::int64_t q = 0; q < P; q += 16) {
      const __mmask16 m = lanes(P - q);
      const float* xq = x + base + q;
      for (std::int64_t c = 0; c < C; ++c) {
        const std::int64_t c0 = std::max<std::int64_t>(0, c - a.before), c1 = std::min(C - 1, c + a.after);
        __m512 sum = _mm512_setzero_ps();
        for (std::int64_t d = c0; d <= c1; ++d) {
          const __m512 v = _mm512_maskz_loadu_ps(m, xq + d * P);
          sum = _mm512_fmadd_ps(v, v, sum);
        }
        const __m512 s = _mm512_fmadd_ps(alpha, sum, k);
        _mm512_mask_storeu_ps(scale + base + c * P + q, m, s);
        const __m512 xc = _mm512_maskz_loadu_ps(m, xq + c * P);
        _mm512_mask_storeu_ps(y + base + c * P + q, m, _mm512_mul_ps(xc, pow16(s, minus_beta)));
      }
    }
  }
}

void lrn_backward_avx512(float* dx, const float* dy, const float* x, const float* y, const float* scale,
                         const LrnArgs& a) {
  const __m512 minus_beta = _mm512_set1_ps(-a.beta), two_alpha_beta = _mm512_set1_ps(2.0f * a.alpha * a.beta);
  const std::int64_t C = a.channels, P = a.plane;
  __m512 ring[kLrnMaxWindow];
  for (std::int64_t i = 0; i < a.images; ++i) {
    const std::int64_t base = i * C * P;
    for (std::int64_t q = 0; q < P; q += 16) {
      const __mmask16 m = lanes(P - q);
      const std::int64_t at = base + q;
      std::int64_t next = 0;  // the next channel whose r is not in the ring yet
      for (std::int64_t j = 0; j < C; ++j) {
        // Channel j's delta gathers from the windows that hold j: c ∈ [j − after, j + before].
        const std::int64_t c0 = std::max<std::int64_t>(0, j - a.after), c1 = std::min(C - 1, j + a.before);
        for (; next <= c1; ++next) {
          const std::int64_t e = at + next * P;
          const __m512 r = _mm512_div_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, dy + e), _mm512_maskz_loadu_ps(m, y + e)),
                                         _mm512_mask_loadu_ps(_mm512_set1_ps(1.0f), m, scale + e));
          ring[next % kLrnMaxWindow] = r;
        }
        __m512 sum = _mm512_setzero_ps();
        for (std::int64_t c = c0; c <= c1; ++c) sum = _mm512_add_ps(sum, ring[c % kLrnMaxWindow]);
        const std::int64_t e = at + j * P;
        const __m512 s = _mm512_mask_loadu_ps(_mm512_set1_ps(1.0f), m, scale + e);
        const __m512 own = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, dy + e), pow16(s, minus_beta));
        const __m512 cross = _mm512_mul_ps(_mm512_mul_ps(two_alpha_beta, _mm512_maskz_loadu_ps(m, x + e)), sum);
        const __m512 d = _mm512_add_ps(_mm512_maskz_loadu_ps(m, dx + e), _mm512_sub_ps(own, cross));
        _mm512_mask_storeu_ps(dx + e, m, d);
      }
    }
  }
}

void log_avx512(const float* x, float* y, std::size_t n) {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, log16(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 m = lanes(static_cast<std::int64_t>(n - i));
    _mm512_mask_storeu_ps(y + i, m, log16(_mm512_mask_loadu_ps(_mm512_set1_ps(1.0f), m, x + i)));
  }
}

}  // namespace nn::kernels
