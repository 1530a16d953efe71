// maxout.hpp — Chapter 2: maxout, the activation that is a layer.
//
// A maxout unit takes the largest of k affine functions of its input:
//   a_m = max_j (w_{m,j}ᵀ x + b_{m,j}),   j = 1..k
// (k = 2 is the curriculum's max(w1ᵀx + b1, w2ᵀx + b2)). With k pieces it
// can learn any convex piecewise-linear function: ReLU is max(wᵀx + b, 0),
// |z| is max(wᵀx, −wᵀx). It has its own weights, so it is a layer.
//
// Dimensions: N = examples, D = inputs, M = maxout units, k = pieces.
//   x: (N, D)   weights: (M·k, D), row m·k + j is w_{m,j}   bias: (M·k)
//   z: (N, M·k) every piece's pre-activation (the cache)
//   winner: (N·M) which piece j won for example n, unit m (the cache)
//   out: (N, M)
// All pieces are computed by one GEMM, z = x Wᵀ (+ b).
#pragma once

#include <cstdint>
#include <span>

#include "nn/tensor.hpp"

namespace nn::ch02 {

template <typename T>
void maxout_forward(TensorView<T> out, TensorView<T> z, std::span<std::int32_t> winner, TensorView<const T> x,
                    TensorView<const T> weights, TensorView<const T> bias, int pieces);

// The gradient flows only through the winning piece of each unit:
//   ∂L/∂z_{n,m,j} = ∂L/∂a_{n,m} if j won, else 0
// then, as for any affine map z = x Wᵀ + b:
//   dW += d_zᵀ x,   db += Σ_n d_z,   dx += d_z W                       [exercise 2.5]
//   d_z: (N, M·k) scratch, overwritten   d_out: (N, M)
//   dx: (N, D)   d_weights: (M·k, D)   d_bias: (M·k)    (accumulated)
template <typename T>
void maxout_backward(TensorView<T> dx, TensorView<T> d_weights, TensorView<T> d_bias, TensorView<T> d_z,
                     TensorView<const T> d_out, std::span<const std::int32_t> winner, TensorView<const T> x,
                     TensorView<const T> weights, int pieces);

}  // namespace nn::ch02
