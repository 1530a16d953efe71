// AVX2 + FMA exp, 8 floats at a time. Compiled with -mavx2 -mfma (this file
// only). The steps are those of exp_reference in exp_scalar.cpp; the
// polynomial and the reduction use FMA, so results may differ from the
// reference in the last bit (the test bounds both against e^x).
//
// No manual unrolling: the iterations are independent, so the out-of-order
// core overlaps the Horner chains (7 dependent FMAs) of consecutive vectors.
// The tail (n % 8) is loaded and stored under a mask: nothing is touched
// past n.
#include <immintrin.h>

#include "nn/vexp.hpp"

namespace nn::kernels {

namespace {

inline __m256i tail_mask(std::size_t remaining) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(remaining)), lanes);
}

inline __m256 exp8(__m256 x) {
  const __m256 is_nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
  __m256 xc = _mm256_max_ps(_mm256_set1_ps(-104.0f), _mm256_min_ps(_mm256_set1_ps(89.0f), x));
  // 1. x = k·ln2 + r
  const __m256 k = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), xc);
  r = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440054690583e-4f), r);
  // 2. e^r, Taylor degree 7, Horner
  __m256 p = _mm256_set1_ps(1.0f / 5040.0f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  // 3. · 2^k1 · 2^k2
  const __m256i ki = _mm256_cvtps_epi32(k);
  const __m256i k1 = _mm256_srai_epi32(ki, 1);
  const __m256i k2 = _mm256_sub_epi32(ki, k1);
  const __m256i bias = _mm256_set1_epi32(127);
  const __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k1, bias), 23));
  const __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k2, bias), 23));
  const __m256 y = _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
  return _mm256_blendv_ps(y, x, is_nan);  // NaN in, NaN out
}

}  // namespace

void exp_avx2(const float* x, float* y, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, exp8(_mm256_loadu_ps(x + i)));
  if (i < n) {
    const __m256i mask = tail_mask(n - i);
    _mm256_maskstore_ps(y + i, mask, exp8(_mm256_maskload_ps(x + i, mask)));
  }
}

namespace {

inline __m256 tanh8(__m256 x) {
  const __m256 sign_bit = _mm256_set1_ps(-0.0f);
  const __m256 a = _mm256_andnot_ps(sign_bit, x);  // |x|
  const __m256 e = exp8(_mm256_mul_ps(_mm256_set1_ps(-2.0f), a));
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 t = _mm256_div_ps(_mm256_sub_ps(one, e), _mm256_add_ps(one, e));
  const __m256 signed_t = _mm256_or_ps(t, _mm256_and_ps(sign_bit, x));  // t ≥ 0 (or NaN): copysign
  const __m256 small = _mm256_cmp_ps(a, _mm256_set1_ps(0x1p-12f), _CMP_LT_OQ);
  return _mm256_blendv_ps(signed_t, x, small);
}

}  // namespace

void tanh_avx2(const float* x, float* y, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, tanh8(_mm256_loadu_ps(x + i)));
  if (i < n) {
    const __m256i mask = tail_mask(n - i);
    _mm256_maskstore_ps(y + i, mask, tanh8(_mm256_maskload_ps(x + i, mask)));
  }
}

void tanh_backward_avx2(const float* da, const float* a, float* dz, std::size_t n) {
  const __m256 one = _mm256_set1_ps(1.0f);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 av = _mm256_loadu_ps(a + i);
    const __m256 add = _mm256_mul_ps(_mm256_loadu_ps(da + i), _mm256_sub_ps(one, _mm256_mul_ps(av, av)));
    _mm256_storeu_ps(dz + i, _mm256_add_ps(_mm256_loadu_ps(dz + i), add));
  }
  for (; i < n; ++i) dz[i] += da[i] * (1.0f - a[i] * a[i]);
}

}  // namespace nn::kernels
