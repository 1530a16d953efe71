// dense.hpp — Chapter 3: the fully connected (dense) layer on a minibatch.
//
// For one example, in the curriculum's column-vector notation:
//   z^(l+1) = Θ^(l) a^(l) + b^(l)
// For a minibatch the examples are the ROWS of a matrix ([N, C] tensors,
// row-major), so the same map reads
//   Z = A Θᵀ + 1 bᵀ          A: (N, n_in)   Θ: (n_out, n_in)   Z: (N, n_out)
// and is one GEMM (nn::gemm, which chapter 4 makes fast without changing
// this code).
//
// Backward, given δ = ∂L/∂Z (N, n_out), which already carries the 1/N of the
// batch mean (the losses put it there):
//   ∂L/∂Θ = Σ_n δ_n a_nᵀ = δᵀ A        (n_out, n_in)   GEMM, transposed A-operand
//   ∂L/∂b = Σ_n δ_n                     (n_out)
//   ∂L/∂A = δ Θ                         (N, n_in)       i.e. Θᵀ δ_n for each example
// All three are ACCUMULATED (+=). Pass an empty view as d_a to skip the
// input gradient (the first layer has no use for ∂L/∂x).
#pragma once

#include "nn/tensor.hpp"

namespace nn::ch03 {

//   z: (N, n_out) out   a: (N, n_in)   theta: (n_out, n_in)   bias: (n_out)
template <typename T>
void dense_forward(TensorView<T> z, TensorView<const T> a, TensorView<const T> theta, TensorView<const T> bias);

//   d_a: (N, n_in) or empty   d_theta: (n_out, n_in)   d_bias: (n_out)
//   delta: (N, n_out)   a: (N, n_in)   theta: (n_out, n_in)                 [exercise 3.1]
template <typename T>
void dense_backward(TensorView<T> d_a, TensorView<T> d_theta, TensorView<T> d_bias, TensorView<const T> delta,
                    TensorView<const T> a, TensorView<const T> theta);

// The two halves of dense_backward, for a caller that needs them apart: the
// parameter gradients sum over the batch, the input gradient does not (row n
// of d_a needs only row n of delta), so it can run on any block of rows.
//   d_theta += δᵀ A, d_bias += Σ_n δ_n                                   [exercise 3.1]
template <typename T>
void dense_backward_params(TensorView<T> d_theta, TensorView<T> d_bias, TensorView<const T> delta,
                           TensorView<const T> a);
//   d_a += δ Θ                                                            [exercise 3.1]
template <typename T>
void dense_backward_input(TensorView<T> d_a, TensorView<const T> delta, TensorView<const T> theta);

}  // namespace nn::ch03
