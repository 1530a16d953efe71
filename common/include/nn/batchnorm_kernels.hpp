// batchnorm_kernels.hpp — the AVX-512 kernels of chapter 10's batch norm
// (ch10/batchnorm.hpp has the definition, the derivation and the scalar
// reference loops, exercises 10.1 and 10.2, which the layer runs where
// these do not apply).
//
// The arrays are (n, channels, plane): feature c of image i is the run of
// `plane` floats at (i·channels + c)·plane; a dense layer's output has
// plane = 1. Each call handles the features [c0, c1), so that threads can
// share them out. Two ways through the data:
//
//   plane > 1   one feature at a time, 16 positions of a run per register
//               (the last ones under a lane mask);
//   plane = 1   16 features side by side in a register, image by image.
//
// The sums (Σx, Σ(x − μ)², Σdy, Σdy·x̂) are kept in 16 float lanes over
// one image's run (or over all images, plane = 1) and added into a double
// per image, so M = N·H·W values lose no more than a few float roundings.
// The results differ from the reference loops by rounding only;
// tests/ch10/test_batchnorm_kernels.cpp states the bound.
#pragma once

#include <cstdint>

namespace nn::kernels {

struct BatchNormArgs {
  std::int64_t n = 0, channels = 0, plane = 0;
  std::int64_t c0 = 0, c1 = 0;  // the features this call handles
};

// Training mode: mean[c], inv_std[c] = 1/√(σ² + ε), x̂ and y = γ x̂ + β,
// all OVERWRITTEN for c in [c0, c1).
void batchnorm_forward_train_avx512(const float* x, float* y, float* xhat, float* mean, float* inv_std,
                                    const float* gamma, const float* beta, float eps, const BatchNormArgs& a);
// dgamma[c] += Σ dy·x̂, dbeta[c] += Σ dy, dx += γ s/M (M dy − Σdy − x̂ Σdy·x̂)
// (dx may be null: no input gradient).
void batchnorm_backward_avx512(float* dx, float* dgamma, float* dbeta, const float* dy, const float* xhat,
                               const float* inv_std, const float* gamma, const BatchNormArgs& a);

}  // namespace nn::kernels
