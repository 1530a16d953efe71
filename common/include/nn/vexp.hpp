// vexp.hpp — the exponential of a whole array: chapter 2's SIMD inner loop.
//
// sigmoid, tanh, ELU and softmax all spend their time in e^x. The library
// exp (std::exp) is one scalar call per element; this is the same function
// computed eight (AVX2) or sixteen (AVX-512) elements at a time.
//
// The method, identical in every variant:
//   1. range reduction   x = k·ln2 + r,  k = round(x·log2 e),  |r| ≤ ln2/2
//                        r = (x − k·ln2_hi) − k·ln2_lo   (Cody–Waite: ln2_hi
//                        has 9 significant bits, so k·ln2_hi and the first
//                        subtraction are exact for every k that occurs)
//   2. e^r               the Taylor polynomial of degree 7 in Horner form;
//                        its truncation error on |r| ≤ 0.3466 is below
//                        r^8/8!·e^|r| ≈ 7.4e-9 relative, far under float rounding
//   3. e^x = e^r · 2^k   2^k built from the exponent bits, applied as two
//                        factors 2^(k/2)·2^(k − k/2) so that the results that
//                        overflow to +inf or underflow into denormals and 0
//                        come out right instead of wrapping the exponent field
//   Inputs are clamped to [−104, 89] first (e^−104 rounds to 0, e^89 to +inf
//   in float); NaN in gives NaN out.
//
// Stated error bound, over x in [−87, 88] (where e^x is a normal float):
//   |vexp(x) − e^x| / e^x ≤ 2e-7   for every variant (about 1.7 ulp at worst;
//   measured maxima and the test are in tests/ch02/test_vexp.cpp). Outside:
//   x > 88.72 → +inf, x < −103.98 → 0, denormal results between.
//
// Variants with the same signature, as for the dot product (nn/kernels.hpp):
//   exp_scalar   the reference: one element at a time, no FMA
//   exp_avx2     AVX2 + FMA, 8 floats a register
//   exp_avx512   AVX-512F, 16 floats a register
// y may alias x (in-place is fine); nothing is read or written past n.
#pragma once

#include <cstddef>

#include "nn/cpu.hpp"

namespace nn {

namespace kernels {

// y[i] = e^x[i]
void exp_scalar(const float* x, float* y, std::size_t n);
void exp_avx2(const float* x, float* y, std::size_t n);
void exp_avx512(const float* x, float* y, std::size_t n);

// The scalar reference for one value (the same steps as exp_scalar).
float exp_reference(float x);

using ExpFn = void (*)(const float*, float*, std::size_t);
ExpFn exp_for(SimdLevel level);

// tanh in one pass, from the same exp: with e = e^−2|x| ≤ 1,
//   tanh(x) = sign(x)·(1 − e)/(1 + e),   and x itself where |x| < 2^−12
// (there tanh(x) = x·(1 − x²/3 + …) rounds to x in float, and 1 − e would
// cancel). Within 4e-7 absolute of tanh(x) (the test's bound); NaN in, NaN out.
// The variants are the same steps, so they agree to within rounding.
void tanh_scalar(const float* x, float* y, std::size_t n);
void tanh_avx2(const float* x, float* y, std::size_t n);
void tanh_avx512(const float* x, float* y, std::size_t n);
ExpFn tanh_for(SimdLevel level);

// tanh's backward pass from its output a = tanh(z) (chapter 2's tanh_backward
// in float): dz[i] += da[i]·(1 − a[i]·a[i]). Every variant rounds after each
// of the four operations, in that order and with no FMA, so all agree with
// the scalar loop to the bit. dz may not alias da or a.
void tanh_backward_scalar(const float* da, const float* a, float* dz, std::size_t n);
void tanh_backward_avx2(const float* da, const float* a, float* dz, std::size_t n);
void tanh_backward_avx512(const float* da, const float* a, float* dz, std::size_t n);
using TanhBackwardFn = void (*)(const float*, const float*, float*, std::size_t);
TanhBackwardFn tanh_backward_for(SimdLevel level);

}  // namespace kernels

// Dispatched to the active SIMD level.
void vexp(const float* x, float* y, std::size_t n);
// Double precision (gradient checks): std::exp element by element.
void vexp(const double* x, double* y, std::size_t n);

// y = tanh(x), dispatched like vexp (in place allowed); double uses std::tanh.
void vtanh(const float* x, float* y, std::size_t n);
void vtanh(const double* x, double* y, std::size_t n);

// dz += da·(1 − a²), dispatched like vexp.
void vtanh_backward(const float* da, const float* a, float* dz, std::size_t n);

}  // namespace nn
