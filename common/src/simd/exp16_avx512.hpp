// exp16_avx512.hpp — sixteen-lane exp and log for the AVX-512 kernels
// (exp_avx512.cpp, lrn_avx512.cpp): inline, for files compiled with the
// AVX-512 flags only. exp16 is nn/vexp.hpp's method; log16 is below.
#pragma once

#include <immintrin.h>

namespace nn::kernels {
namespace {

// The steps exp16 and tanh16 share. x = k·ln2 + r with k an integer
// (returned in k) and |r| ≤ ln2/2, ln2 in two parts so that k·ln2 is exact.
inline __m512 reduce_ln2(__m512 x, __m512& k) {
  k = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0.693359375f), x);
  return _mm512_fnmadd_ps(k, _mm512_set1_ps(-2.12194440054690583e-4f), r);
}

// Horner's rule for e^r from the r⁶ coefficient down: p·r⁶ + r⁵/5! + … + 1,
// with p = 1/6! for the degree-6 Taylor polynomial (or the degree-7 one's
// first step, 1/7!·r + 1/6!).
inline __m512 horner_from_r6(__m512 p, __m512 r) {
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  return _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
}

inline __m512 exp16(__m512 x) {
  const __mmask16 is_nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
  __m512 xc = _mm512_max_ps(_mm512_set1_ps(-104.0f), _mm512_min_ps(_mm512_set1_ps(89.0f), x));
  // 1. x = k·ln2 + r
  __m512 k;
  const __m512 r = reduce_ln2(xc, k);
  // 2. e^r, Taylor degree 7, Horner
  const __m512 p =
      horner_from_r6(_mm512_fmadd_ps(_mm512_set1_ps(1.0f / 5040.0f), r, _mm512_set1_ps(1.0f / 720.0f)), r);
  // 3. · 2^k1 · 2^k2
  const __m512i ki = _mm512_cvtps_epi32(k);
  const __m512i k1 = _mm512_srai_epi32(ki, 1);
  const __m512i k2 = _mm512_sub_epi32(ki, k1);
  const __m512i bias = _mm512_set1_epi32(127);
  const __m512 s1 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(k1, bias), 23));
  const __m512 s2 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(k2, bias), 23));
  const __m512 y = _mm512_mul_ps(_mm512_mul_ps(p, s1), s2);
  return _mm512_mask_blend_ps(is_nan, y, x);  // NaN in, NaN out
}

// log x for positive normal x (and +inf → +inf, 0 → −inf, negative or NaN
// → NaN):
//   1. x = m·2^e with m ∈ [0.75, 1.5): getmant gives m' ∈ [1, 2) and getexp
//      e' = ⌊log2 x⌋; where m' ≥ 1.5, m = m'/2 and e = e' + 1 (both exact).
//   2. log m = log(1 + f), f = m − 1 ∈ [−0.25, 0.5) (exact), through
//      s = f/(2 + f), |s| ≤ 0.2:  log(1 + f) = 2s(1 + s²/3 + s⁴/5 + … + s¹⁰/11);
//      the first term left out, 2s·s¹²/13, is below 4e-10 of the result.
//   3. log x = e·ln2 + log m, ln2 in two parts so that e·ln2_hi is exact.
// About 2 ulp of the result at worst (tests/ch09/test_simd_log.cpp states
// and checks the bound).
inline __m512 log16(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  __m512 m = _mm512_getmant_ps(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
  __m512 e = _mm512_getexp_ps(x);
  const __mmask16 high = _mm512_cmp_ps_mask(m, _mm512_set1_ps(1.5f), _CMP_GE_OQ);
  m = _mm512_mask_mul_ps(m, high, m, _mm512_set1_ps(0.5f));
  e = _mm512_mask_add_ps(e, high, e, one);
  const __m512 f = _mm512_sub_ps(m, one);
  const __m512 s = _mm512_div_ps(f, _mm512_add_ps(_mm512_set1_ps(2.0f), f));
  const __m512 z = _mm512_mul_ps(s, s);
  __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(1.0f / 11.0f), z, _mm512_set1_ps(1.0f / 9.0f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(1.0f / 7.0f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(1.0f / 5.0f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(1.0f / 3.0f));
  const __m512 two_s = _mm512_add_ps(s, s);
  const __m512 log_m = _mm512_fmadd_ps(_mm512_mul_ps(two_s, z), p, two_s);  // 2s + 2s·z·p
  __m512 y = _mm512_fmadd_ps(e, _mm512_set1_ps(-2.12194440054690583e-4f), log_m);
  y = _mm512_fmadd_ps(e, _mm512_set1_ps(0.693359375f), y);
  // Outside the positive normals: +inf → +inf, 0 → −inf, < 0 → NaN, NaN → NaN.
  const __mmask16 inf = _mm512_cmp_ps_mask(x, _mm512_set1_ps(__builtin_inff()), _CMP_EQ_OQ);
  const __mmask16 zero = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_EQ_OQ);
  const __mmask16 bad = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_NGE_UQ);  // x < 0 or NaN
  y = _mm512_mask_blend_ps(inf, y, x);
  y = _mm512_mask_blend_ps(zero, y, _mm512_set1_ps(-__builtin_inff()));
  return _mm512_mask_blend_ps(bad, y, _mm512_set1_ps(__builtin_nanf("")));
}

// a^b for a > 0, as exp(b·log a).
inline __m512 pow16(__m512 a, __m512 b) { return exp16(_mm512_mul_ps(b, log16(a))); }

}  // namespace
}  // namespace nn::kernels
