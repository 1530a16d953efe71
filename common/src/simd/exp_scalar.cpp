// The scalar reference for the vectorised exp, and its dispatcher.
// The steps are explained in nn/vexp.hpp; the SIMD variants follow them line
// by line (with FMA where this file multiplies and adds separately).
#include <bit>
#include <cmath>
#include <cstdint>

#include "nn/vexp.hpp"

namespace nn {
namespace kernels {

namespace {

// The constants of the method, shared in spirit with exp_avx2.cpp and
// exp_avx512.cpp (each file spells them out so it stands alone).
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f;        // 355/512: 9 significant bits, k·kLn2Hi is exact
constexpr float kLn2Lo = -2.12194440054690583e-4f;  // ln 2 − kLn2Hi
constexpr float kLowest = -104.0f;            // e^−104 rounds to 0 in float
constexpr float kHighest = 89.0f;             // e^89 overflows to +inf in float

// 2^e for an exponent e in [−126, 127], from the bits.
inline float pow2(std::int32_t e) { return std::bit_cast<float>(static_cast<std::uint32_t>(e + 127) << 23); }

}  // namespace

float exp_reference(float x) {
  if (std::isnan(x)) return x;
  x = x < kLowest ? kLowest : (x > kHighest ? kHighest : x);
  // 1. x = k·ln2 + r
  const float k = std::nearbyint(x * kLog2e);
  float r = x - k * kLn2Hi;  // exact
  r = r - k * kLn2Lo;
  // 2. e^r = 1 + r + r²/2! + ... + r^7/7!, Horner form
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  // 3. e^x = e^r · 2^k1 · 2^k2, k1 = floor(k/2), k2 = k − k1
  const auto ki = static_cast<std::int32_t>(k);
  const std::int32_t k1 = ki >> 1, k2 = ki - k1;
  return p * pow2(k1) * pow2(k2);
}

void exp_scalar(const float* x, float* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = exp_reference(x[i]);
}

ExpFn exp_for(SimdLevel level) {
#if defined(NN_HAVE_X86_KERNELS)
  switch (level) {
    case SimdLevel::Avx512: return exp_avx512;
    case SimdLevel::Avx2: return exp_avx2;
    case SimdLevel::Scalar: break;
  }
#else
  (void)level;
#endif
  return exp_scalar;
}

void tanh_scalar(const float* x, float* y, std::size_t n) {
  constexpr float small = 0x1p-12f;
  for (std::size_t i = 0; i < n; ++i) {
    const float v = x[i], a = std::abs(v);
    const float e = exp_reference(-2.0f * a);
    const float t = std::copysign((1.0f - e) / (1.0f + e), v);
    y[i] = a < small ? v : t;
  }
}

void tanh_backward_scalar(const float* da, const float* a, float* dz, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) dz[i] += da[i] * (1.0f - a[i] * a[i]);
}

TanhBackwardFn tanh_backward_for(SimdLevel level) {
#if defined(NN_HAVE_X86_KERNELS)
  switch (level) {
    case SimdLevel::Avx512: return tanh_backward_avx512;
    case SimdLevel::Avx2: return tanh_backward_avx2;
    case SimdLevel::Scalar: break;
  }
#else
  (void)level;
#endif
  return tanh_backward_scalar;
}

ExpFn tanh_for(SimdLevel level) {
#if defined(NN_HAVE_X86_KERNELS)
  switch (level) {
    case SimdLevel::Avx512: return tanh_avx512;
    case SimdLevel::Avx2: return tanh_avx2;
    case SimdLevel::Scalar: break;
  }
#else
  (void)level;
#endif
  return tanh_scalar;
}

#if !defined(NN_HAVE_X86_KERNELS)
void exp_avx2(const float* x, float* y, std::size_t n) { exp_scalar(x, y, n); }
void exp_avx512(const float* x, float* y, std::size_t n) { exp_scalar(x, y, n); }
void tanh_avx2(const float* x, float* y, std::size_t n) { tanh_scalar(x, y, n); }
void tanh_avx512(const float* x, float* y, std::size_t n) { tanh_scalar(x, y, n); }
void tanh_backward_avx2(const float* da, const float* a, float* dz, std::size_t n) {
  tanh_backward_scalar(da, a, dz, n);
}
void tanh_backward_avx512(const float* da, const float* a, float* dz, std::size_t n) {
  tanh_backward_scalar(da, a, dz, n);
}
#endif

}  // namespace kernels

void vexp(const float* x, float* y, std::size_t n) { kernels::exp_for(simd_level())(x, y, n); }

void vtanh(const float* x, float* y, std::size_t n) { kernels::tanh_for(simd_level())(x, y, n); }

void vtanh_backward(const float* da, const float* a, float* dz, std::size_t n) {
  kernels::tanh_backward_for(simd_level())(da, a, dz, n);
}

void vtanh(const double* x, double* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}

void vexp(const double* x, double* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = std::exp(x[i]);
}

}  // namespace nn
