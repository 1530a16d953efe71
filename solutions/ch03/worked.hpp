// worked.hpp — Chapter 3: the small networks the derivation walks through,
// written out by hand with plain loops (no GEMM, no general MLP), so that
// each line of the chapter README's derivation is one line of code:
//
//   1. one layer, sigmoid, squared loss      a = σ(Θx + b),  L = (1/N) Σ_n ‖a_n − y_n‖²
//        δ = ∂L/∂z = (2/N)(a − y) ⊙ σ(z) ⊙ (1 − σ(z))
//        ∂L/∂Θ = Σ_n δ_n x_nᵀ,   ∂L/∂b = Σ_n δ_n
//   2. two layers, sigmoid, squared loss      h = σ(Θ1 x + b1),  a = σ(Θ2 h + b2)
//        δ2 = (2/N)(a − y) ⊙ a ⊙ (1 − a)
//        δ1 = h ⊙ (1 − h) ⊙ Θ2ᵀ δ2                       (the delta rule, once)
//        ∂L/∂Θ2 = Σ_n δ2_n h_nᵀ,   ∂L/∂Θ1 = Σ_n δ1_n x_nᵀ
//   3. two layers, softmax classifier           h = σ(Θ1 x + b1),  z = Θ2 h + b2,  L = mean −log softmax(z)_y
//        δ2 = (1/N)(p − onehot(y))
//        δ1 = h ⊙ (1 − h) ⊙ Θ2ᵀ δ2
// The tests check each against finite differences and against the general
// MLP (mlp.hpp) built with the same weights.
//
// Shapes: x: (N, D), y: (N, K), labels: (N); layer 1 Θ1: (H, D), b1: (H);
// layer 2 Θ2: (K, H), b2: (K); a one-layer net has Θ: (K, D), b: (K).
// Each function returns L and ADDS the gradients into the grad layers. They
// allocate their small intermediates: worked examples, not a training loop.
#pragma once

#include <span>

#include "nn/tensor.hpp"

namespace nn::ch03 {

template <typename T>
struct DenseParams {
  Tensor<T> theta, bias;
};

template <typename T>                                                    // [exercise 3.3]
T one_layer_sigmoid_squared(const DenseParams<T>& layer, TensorView<const T> x, TensorView<const T> y,
                            DenseParams<T>& grad);

template <typename T>                                                    // [exercise 3.3]
T two_layer_sigmoid_squared(const DenseParams<T>& layer1, const DenseParams<T>& layer2, TensorView<const T> x,
                            TensorView<const T> y, DenseParams<T>& grad1, DenseParams<T>& grad2);

template <typename T>                                                    // [exercise 3.3]
T two_layer_softmax(const DenseParams<T>& layer1, const DenseParams<T>& layer2, TensorView<const T> x,
                    std::span<const int> labels, DenseParams<T>& grad1, DenseParams<T>& grad2);

}  // namespace nn::ch03
