// AVX-512F exp, 16 floats at a time. Compiled with the AVX-512 flags (this
// file only). The same steps as exp_reference (exp_scalar.cpp) and exp_avx2;
// the tail uses a lane mask (no reads or writes past n), and NaN lanes are
// passed through with a mask blend.
//
// GCC 12's AVX-512 headers build unmasked results from _mm512_undefined_*(),
// which -Wmaybe-uninitialized reports once inlined (GCC bug 105593, a false
// positive); it is silenced for this file alone.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include "exp16_avx512.hpp"
#include "nn/vexp.hpp"

namespace nn::kernels {

namespace {

// y[i] = f(x[i]) for i < n, 16 lanes at a time: two vectors per step (the
// chain of one is long, and two independent chains keep both vector ports
// busy), then one, then the tail through a lane mask (nothing read or
// written past n).
template <__m512 (*F)(__m512)>
void map16(const float* x, float* y, std::size_t n) {
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 a = F(_mm512_loadu_ps(x + i)), b = F(_mm512_loadu_ps(x + i + 16));
    _mm512_storeu_ps(y + i, a);
    _mm512_storeu_ps(y + i + 16, b);
  }
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, F(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 mask = static_cast<__mmask16>((1u << (n - i)) - 1u);
    _mm512_mask_storeu_ps(y + i, mask, F(_mm512_maskz_loadu_ps(mask, x + i)));
  }
}


// tanh from its own, shorter exp: e = e^u with u = −2·min(|x|, 9) ∈ [−18, 0]
// (from |x| = 9 on, 1 − e^−2|x| rounds to 1 in float), so 2^k needs no
// splitting and no clamping, and a degree-6 polynomial is enough (its error,
// r⁷/7! ≤ 1.2e-7 relative to e ≤ 1, stays far inside the 4e-7 bound). A NaN
// goes through min (which returns its second operand, |x|, when that is NaN)
// and every step after it, so it needs no mask. 27 vector operations against
// the 38 of exp16 plus the tanh steps.
inline __m512 tanh16(__m512 x) {
  const __m512 sign_bit = _mm512_set1_ps(-0.0f);
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 a = _mm512_andnot_ps(sign_bit, x);  // |x|
  const __m512 u = _mm512_mul_ps(_mm512_set1_ps(-2.0f), _mm512_min_ps(_mm512_set1_ps(9.0f), a));
  // u = k·ln2 + r, |r| ≤ ln2/2; e^r by the degree-6 Taylor polynomial
  __m512 k;
  const __m512 r = reduce_ln2(u, k);
  const __m512 p = horner_from_r6(_mm512_set1_ps(1.0f / 720.0f), r);
  // · 2^k, k ∈ [−26, 0]: the exponent field of 2^k is k + 127.
  const __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(k), _mm512_set1_epi32(127)), 23);
  const __m512 e = _mm512_mul_ps(p, _mm512_castsi512_ps(bits));
  // (1 − e)/(1 + e) without a division (vdivps alone costs as much as all
  // the rest): 1/d from the 14-bit rcp14 estimate and one Newton step,
  // q ← q·(2 − d·q), which squares its relative error to about 2^−28.
  const __m512 d = _mm512_add_ps(one, e);
  __m512 q = _mm512_rcp14_ps(d);
  q = _mm512_mul_ps(q, _mm512_fnmadd_ps(d, q, _mm512_set1_ps(2.0f)));
  const __m512 t = _mm512_mul_ps(_mm512_sub_ps(one, e), q);
  const __m512 signed_t = _mm512_or_ps(t, _mm512_and_ps(sign_bit, x));  // t ≥ 0 (or NaN): copysign
  const __mmask16 small = _mm512_cmp_ps_mask(a, _mm512_set1_ps(0x1p-12f), _CMP_LT_OQ);
  return _mm512_mask_blend_ps(small, signed_t, x);
}

}  // namespace

void exp_avx512(const float* x, float* y, std::size_t n) { map16<exp16>(x, y, n); }

void tanh_avx512(const float* x, float* y, std::size_t n) { map16<tanh16>(x, y, n); }

void tanh_backward_avx512(const float* da, const float* a, float* dz, std::size_t n) {
  const __m512 one = _mm512_set1_ps(1.0f);
  const auto step = [&](std::size_t i, __mmask16 mask) {
    const __m512 av = _mm512_maskz_loadu_ps(mask, a + i);
    const __m512 slope = _mm512_sub_ps(one, _mm512_mul_ps(av, av));
    const __m512 add = _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, da + i), slope);
    _mm512_mask_storeu_ps(dz + i, mask, _mm512_add_ps(_mm512_maskz_loadu_ps(mask, dz + i), add));
  };
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) step(i, 0xFFFF);
  if (i < n) step(i, static_cast<__mmask16>((1u << (n - i)) - 1u));
}

}  // namespace nn::kernels
