// losses.hpp — Chapter 2: softmax, and the losses a network is trained on.
//
// A network outputs LOGITS z (any real numbers), never probabilities: the
// losses below take z and apply the sigmoid or softmax inside, where the
// log of the probability can be computed without ever forming a probability
// that rounds to 0 or overflows (the log-sum-exp trick). The naive forms are
// kept beside the stable ones so the program and the tests can show them break.
//
// Dimensions: N = examples in the batch, K = classes (or outputs).
//   logits z: (N, K)   labels y: (N) integers in [0, K)   targets: (N, K)
// Every loss is the mean over the batch, L = (1/N) Σ_n ℓ_n, so every
// gradient carries the factor 1/N. Backward functions ADD into their output.
//
//   squared error           ℓ = Σ_k (a_k − t_k)²                  ∂L/∂a = (2/N)(a − t)
//   binary cross-entropy    ℓ = −[t log σ(z) + (1 − t) log(1 − σ(z))]
//     from logits             = softplus(z) − t z                 ∂L/∂z = (1/N)(σ(z) − t)
//   softmax cross-entropy   ℓ = −log p_y,  p = softmax(z)
//     from logits             = logsumexp(z) − z_y                ∂L/∂z = (1/N)(p − onehot(y))
//   multiclass hinge (SVM)  ℓ = Σ_{k≠y} max(0, z_k − z_y + Δ)     see multiclass_hinge_backward
//
// Derivations: chapters/ch02_activations/README.md.
#pragma once

#include <cstdint>
#include <span>

#include "nn/tensor.hpp"

namespace nn::ch02 {

// ---- softmax ----------------------------------------------------------------
// p_nk = e^{z_nk} / Σ_j e^{z_nj}, computed as e^{z − max} / Σ e^{z − max}
// (the same value; the largest exponent is 0, so nothing overflows and the
// sum is at least 1). Row by row; the exponentials go through nn::vexp.
//   p, z: (N, K)
template <typename T>
void softmax_forward(TensorView<T> p, TensorView<const T> z);
// log p_nk = z_nk − max − log Σ_j e^{z_nj − max}: finite even where p rounds to 0.
template <typename T>
void log_softmax_forward(TensorView<T> log_p, TensorView<const T> z);
// Backward of p = softmax(z) through its Jacobian D_ab = ∂p_a/∂z_b = p_a(δ_ab − p_b):
//   dz_b += Σ_a dp_a p_a (δ_ab − p_b) = p_b (dp_b − Σ_a dp_a p_a)     [exercise 2.6]
//   dz, dp, p: (N, K)
template <typename T>
void softmax_backward(TensorView<T> dz, TensorView<const T> dp, TensorView<const T> p);

// The textbook forms, for the demonstration only: they overflow or take log 0.
// softmax_naive: e^z / Σ e^z (z = 1000 gives inf/inf = NaN in any precision).
template <typename T>
void softmax_naive(TensorView<T> p, TensorView<const T> z);
// log σ(z) as log(1 / (1 + e^−z)): −inf (float) once σ(z) rounds to 0, near z = −104.
template <typename T>
T log_sigmoid_naive(T z);
// log σ(z) = −softplus(−z) = −(max(−z, 0) + log1p(e^−|z|)): exact for any z.
template <typename T>
T log_sigmoid(T z);

// ---- squared error ----------------------------------------------------------
//   prediction, target, d_prediction: (N, K) or (N)
template <typename T>
T squared_error_forward(TensorView<const T> prediction, TensorView<const T> target);
template <typename T>                                                    // [exercise 2.7]
void squared_error_backward(TensorView<T> d_prediction, TensorView<const T> prediction, TensorView<const T> target);

// ---- binary cross-entropy from logits ---------------------------------------
//   z, target (0 or 1, or a probability), dz: (N) or (N, 1)
template <typename T>
T bce_with_logits_forward(TensorView<const T> z, TensorView<const T> target);
template <typename T>                                                    // [exercise 2.7]
void bce_with_logits_backward(TensorView<T> dz, TensorView<const T> z, TensorView<const T> target);

// ---- softmax cross-entropy from logits --------------------------------------
// Forward writes p = softmax(z) (the cache backward needs) and returns L.
//   p, z: (N, K)   labels: (N)
template <typename T>
T softmax_cross_entropy_forward(TensorView<T> p, TensorView<const T> z, std::span<const int> labels);
// dz += (1/N)(p − onehot(y)): the softmax Jacobian and the −1/p_y of the log
// cancel to this.                                                       [exercise 2.6]
template <typename T>
void softmax_cross_entropy_backward(TensorView<T> dz, TensorView<const T> p, std::span<const int> labels);

// ---- multiclass hinge (the SVM loss) -----------------------------------------
//   z, dz: (N, K)   labels: (N)   margin Δ > 0 (1 by default)
template <typename T>
T multiclass_hinge_forward(TensorView<const T> z, std::span<const int> labels, T margin = T(1));
template <typename T>                                                    // [exercise 2.7]
void multiclass_hinge_backward(TensorView<T> dz, TensorView<const T> z, std::span<const int> labels,
                               T margin = T(1));

// The predicted class of each row of (N, K) scores: the index of its
// largest entry (the first of equal maxima). out needs N entries.
template <typename T>
void argmax_rows(TensorView<const T> scores, std::span<int> out);

// Fraction of rows whose largest logit is at the label.
template <typename T>
double accuracy(TensorView<const T> z, std::span<const int> labels);

}  // namespace nn::ch02
