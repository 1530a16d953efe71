// mlp.hpp — Chapter 3: the multilayer perceptron and backpropagation.
//
// Notation (the curriculum's, and the indices of every vector below):
//   layers l = 1..L, widths n_1 (inputs) .. n_{L+1} (outputs)
//   a^(1) = x
//   z^(l+1) = Θ^(l) a^(l) + b^(l)          Θ^(l): (n_{l+1}, n_l)
//   a^(l+1) = g^(l+1)(z^(l+1))             the activation of layer l's output
// The vectors are indexed by l itself, so entry 0 (and 1 where the quantity
// starts at l = 2) is an empty placeholder: theta[l] IS Θ^(l), z[l] IS z^(l).
//
// Backward is the delta rule, δ^(l) = ∂L/∂z^(l):
//   δ^(L+1) = g'(z^(L+1)) ⊙ ∂L/∂a^(L+1)            (= ∂L/∂z^(L+1) when g is the identity)
//   δ^(l)   = g'(z^(l)) ⊙ (Θ^(l))ᵀ δ^(l+1)          l = L .. 2
//   ∂L/∂Θ^(l) = δ^(l+1) (a^(l))ᵀ,  ∂L/∂b^(l) = δ^(l+1)   l = L .. 1
// On a minibatch each δ is (N, n_l), the products sum over the examples and
// the 1/N of the mean loss is already in δ^(L+1): ∂L/∂Θ_kj = (1/N) Σ_n δ_{k,n} a_{j,n}.
//
// Networks output logits (the last activation is usually the identity); the
// loss (ch02/losses.hpp) turns them into ∂L/∂a^(L+1).
//
// Memory: MlpWorkspace holds every z, a, δ for one batch size and is reused
// for every step of that size; nothing is allocated inside a training step.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "ch02/activations.hpp"
#include "nn/rng.hpp"
#include "nn/tensor.hpp"

namespace nn::ch03 {

using ch02::Activation;

template <typename T>
struct Mlp {
  std::vector<int> sizes;         // n_1 .. n_{L+1}, stored at [0 .. L]
  std::vector<Activation> g;      // g[l] = g^(l), l = 2 .. L+1
  std::vector<Tensor<T>> theta;   // theta[l] = Θ^(l): (n_{l+1}, n_l), l = 1 .. L
  std::vector<Tensor<T>> bias;    // bias[l] = b^(l): (n_{l+1})
  int layers() const { return static_cast<int>(sizes.size()) - 1; }  // L
  int width(int l) const { return sizes[static_cast<std::size_t>(l - 1)]; }  // n_l
  std::int64_t parameter_count() const;
};

// A network with the given widths, `hidden` after every hidden layer and
// `output` after the last. Weights ~ N(0, s²/n_l) with s² = 2 for the
// rectifiers (He et al. 2015) and 1 otherwise; biases 0.
template <typename T>
Mlp<T> make_mlp(const std::vector<int>& sizes, Activation hidden, Activation output, Rng& rng);
// The same with one activation per layer: activations[i] is g^(i+2).
template <typename T>
Mlp<T> make_mlp(const std::vector<int>& sizes, const std::vector<Activation>& activations, Rng& rng);

template <typename T>
struct MlpGrads {
  std::vector<Tensor<T>> d_theta, d_bias;  // indexed like theta, bias
  explicit MlpGrads(const Mlp<T>& net);
  void zero();
};

template <typename T>
struct MlpWorkspace {
  std::int64_t batch = -1;
  std::vector<Tensor<T>> z, a, delta;  // index l = 1 .. L+1: (N, n_l); z[1], delta[1] unused
  std::vector<Tensor<T>> d_a;          // d_a[l] = (Θ^(l))ᵀ δ^(l+1) = ∂L/∂a^(l), l = 2 .. L
  // Sizes every buffer for a batch of n (allocates only when n changes).
  void prepare(const Mlp<T>& net, std::int64_t n);
  TensorView<const T> output() const { return a.back().view(); }
};

// Forward pass storing every z^(l) and a^(l); x: (N, n_1). Output in ws.a[L+1].
template <typename T>
void mlp_forward(const Mlp<T>& net, MlpWorkspace<T>& ws, TensorView<const T> x);

// The delta rule. d_output = ∂L/∂a^(L+1): (N, n_{L+1}). Accumulates into grads.
//                                                                         [exercise 3.2]
template <typename T>
void mlp_backward(const Mlp<T>& net, MlpWorkspace<T>& ws, MlpGrads<T>& grads, TensorView<const T> d_output);

// Gradient descent, W ← W − η ∂L/∂W, for every Θ and b.
template <typename T>
void gradient_descent_step(Mlp<T>& net, const MlpGrads<T>& grads, T learning_rate);

// ---- training a classifier (softmax cross-entropy on the logits) ------------

struct TrainConfig {
  double learning_rate = 0.1;
  int epochs = 1000;
  int batch_size = 0;          // 0: the whole set (full-batch gradient descent)
  std::uint64_t seed = 1;      // the order of the minibatches
};

// Trains net (its last layer gives K logits) on x: (N, n_1), labels in
// [0, K). Returns the mean loss of every epoch. on_epoch (optional) is called
// after each epoch with (epoch, loss); returning false stops early.
template <typename T>
std::vector<double> train_classifier(Mlp<T>& net, TensorView<const T> x, std::span<const int> labels,
                                     const TrainConfig& config,
                                     const std::function<bool(int, double)>& on_epoch = {});

// The class of every row (arg-max of the logits) compared with labels.
template <typename T>
double classifier_accuracy(const Mlp<T>& net, TensorView<const T> x, std::span<const int> labels);

// Softmax probability of class `cls` for every row of x (for pictures).
template <typename T>
std::vector<double> class_probability(const Mlp<T>& net, TensorView<const T> x, int cls);

}  // namespace nn::ch03
