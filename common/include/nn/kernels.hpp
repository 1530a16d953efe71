// kernels.hpp — the vector inner loops, each with a scalar reference.
//
// Every kernel comes in variants with the same signature:
//   *_scalar   the reference: one plain loop, the order of operations as
//              written; it is the definition the others are tested against
//   *_avx2     AVX2 + FMA, 8 floats a register
//   *_avx512   AVX-512F, 16 floats a register
// and one dispatching entry point (nn::dot, nn::axpy) that calls the variant
// for nn::simd_level(). The variants exist on every x86-64 build; calling one
// the CPU lacks is undefined, so use the dispatcher or check
// nn::available_simd_levels() first (the tests do).
//
// Chapter 1's neuron is z = θᵀx + θ0: its forward pass is one dot product per
// example and its weight gradient Σ_n δ_n x_n is one axpy per example.
#pragma once

#include <cstddef>

#include "nn/cpu.hpp"

namespace nn {

namespace kernels {

// Σ_i x[i] * y[i]
float dot_scalar(const float* x, const float* y, std::size_t n);
float dot_avx2(const float* x, const float* y, std::size_t n);
float dot_avx512(const float* x, const float* y, std::size_t n);

// y[i] += alpha * x[i]
void axpy_scalar(float alpha, const float* x, float* y, std::size_t n);
void axpy_avx2(float alpha, const float* x, float* y, std::size_t n);
void axpy_avx512(float alpha, const float* x, float* y, std::size_t n);

using DotFn = float (*)(const float*, const float*, std::size_t);
using AxpyFn = void (*)(float, const float*, float*, std::size_t);
DotFn dot_for(SimdLevel level);
AxpyFn axpy_for(SimdLevel level);

}  // namespace kernels

// Dispatched to the active SIMD level.
float dot(const float* x, const float* y, std::size_t n);
void axpy(float alpha, const float* x, float* y, std::size_t n);

// Double precision (used by gradient checks): the scalar reference only.
double dot(const double* x, const double* y, std::size_t n);
void axpy(double alpha, const double* x, double* y, std::size_t n);

}  // namespace nn
