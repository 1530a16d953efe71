// classifier.hpp — Chapter 5: an MLP classifier for real data, with dropout
// and L2, built from the chapter-2/3 pieces (dense layers through nn::gemm,
// activations, softmax cross-entropy from logits).
//
// Layers are named as in PyTorch so checkpoints load there:
//   fc1.weight (n_2, n_1), fc1.bias (n_2), fc2.weight (n_3, n_2), ...
// For the chapter's net, sizes = {784, 256, 128, 10}:
//   x (N, 784) → fc1 → g → dropout → fc2 → g → dropout → fc3 → logits (N, 10)
//
// Memory: ClassifierWorkspace holds every activation, mask and delta for one
// batch size; a training step reuses it and allocates nothing.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ch02/activations.hpp"
#include "ch05/optimizers.hpp"
#include "ch05/regularization.hpp"
#include "nn/rng.hpp"
#include "nn/tensor.hpp"

namespace nn::ch05 {

template <typename T>
struct Classifier {
  std::vector<int> sizes;                    // n_1 (inputs) .. n_{L+1} (classes)
  ch02::Activation hidden = ch02::Activation::relu();
  double dropout = 0.0;                      // p, after every hidden activation
  std::vector<Tensor<T>> weight, bias;       // layer i = fc{i+1}: (n_{i+2}, n_{i+1}), (n_{i+2})
  std::vector<Tensor<T>> d_weight, d_bias;   // their gradients

  int layers() const { return static_cast<int>(weight.size()); }
  std::int64_t parameter_count() const;
  std::string layer_name(int i) const { return "fc" + std::to_string(i + 1); }
  // Every weight and bias with its gradient, for an optimiser.
  std::vector<Param<T>> params();
  void zero_grad();
};

template <typename T>
Classifier<T> make_classifier(const std::vector<int>& sizes, ch02::Activation hidden, double dropout, Init init,
                              Rng& rng);

template <typename T>
struct ClassifierWorkspace {
  std::int64_t batch = -1;
  std::vector<Tensor<T>> z;     // z[i] = fc_i output (N, n_{i+2})
  std::vector<Tensor<T>> a;     // a[i] = g(z[i]) for hidden layers
  std::vector<Tensor<T>> mask;  // dropout masks (hidden layers)
  std::vector<Tensor<T>> h;     // h[i] = a[i] ⊙ mask[i]: the input of layer i+1
  std::vector<Tensor<T>> d_h, d_a, d_z;
  Tensor<T> prob;               // softmax of the logits (N, K)
  Mode mode = Mode::Eval;       // of the last forward pass (dropout or not)
  void prepare(const Classifier<T>& net, std::int64_t n);
  TensorView<const T> logits() const { return z.back().view(); }
};

// Forward pass; x: (N, n_1). Train mode draws dropout masks from rng.
template <typename T>
void classifier_forward(const Classifier<T>& net, ClassifierWorkspace<T>& ws, TensorView<const T> x, Mode mode,
                        Rng& rng);

// Softmax cross-entropy of the last forward pass plus λ Σ‖W‖² (weights only).
// Clears the gradients, then back-propagates; returns the objective.
template <typename T>
T classifier_backward(Classifier<T>& net, ClassifierWorkspace<T>& ws, TensorView<const T> x,
                      std::span<const int> labels, T l2);

// Arg-max predictions of the last forward pass.
template <typename T>
void predictions(const ClassifierWorkspace<T>& ws, std::span<int> out);

}  // namespace nn::ch05
