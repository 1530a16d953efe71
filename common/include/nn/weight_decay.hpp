// weight_decay.hpp — the L2 penalty's two jobs in one pass over a weight
// tensor: add its gradient 2λ·w to the gradient, and sum w² for the
// reported objective. The layer library's training step calls it once per
// decayed tensor (layers/train.cpp); chapter 5's l2_penalty and l2_backward
// (exercise 5.2) are the reference it must agree with.
//
//   g[i] += two_lambda · w[i]        (one rounding, as the reference's
//                                     2λ·w product then the sum)
//   returns Σ w[i]² in double        (16 lanes of double partial sums in
//                                     the AVX-512 variant, then added in
//                                     lane order: the same for any thread
//                                     count, since the caller gives each
//                                     chunk of the tensor its own call)
#pragma once

#include <cstddef>

#include "nn/cpu.hpp"

namespace nn {

double weight_decay(float* g, const float* w, std::size_t n, float two_lambda);

namespace kernels {
double weight_decay_scalar(float* g, const float* w, std::size_t n, float two_lambda);
double weight_decay_avx512(float* g, const float* w, std::size_t n, float two_lambda);
}  // namespace kernels

}  // namespace nn
