// cnn.hpp — Chapter 7: a small convolutional network for 28×28 images.
//
//   x (N, 1, 28, 28)
//   → conv1 K1 filters F×F, same padding   (N, K1, 28, 28)   → ReLU
//   → max-pool 2×2/2                       (N, K1, 14, 14)
//   → conv2 K2 filters F×F over K1, same   (N, K2, 14, 14)   → ReLU
//   → max-pool 2×2/2                       (N, K2, 7, 7)
//   → flatten                              (N, K2·7·7)
//   → dense                                (N, classes) logits → softmax cross-entropy
// Every piece is a chapter's forward/backward pair: conv (ch06/ch07), ReLU
// (ch02), pooling (ch07), dense (ch03), the loss (ch02); the backward pass
// calls them in reverse order, each adding into the delta of its input.
// Parameter names follow PyTorch (conv1.weight (K1, 1, F, F), ..., fc.weight
// (classes, K2·7·7)), so a checkpoint loads into the same nn.Sequential.
//
// Memory: CnnWorkspace holds every activation, arg-max map, delta and the
// conv layers' X_col for one batch size; a training step allocates nothing.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ch05/optimizers.hpp"
#include "ch05/regularization.hpp"
#include "ch06/conv.hpp"
#include "ch07/conv_backward.hpp"
#include "ch07/pooling.hpp"
#include "nn/rng.hpp"

namespace nn::ch07 {

struct CnnConfig {
  int channels = 1, height = 28, width = 28, classes = 10;
  int filters1 = 8, filters2 = 16;   // K1, K2
  int kernel = 5;                    // F (odd: same padding (F − 1)/2)
};

template <typename T>
struct SmallCnn {
  CnnConfig config;
  Conv2dGeometry conv1, conv2;
  Pool2dGeometry pool;                 // 2×2 stride 2, after each conv
  std::int64_t flat = 0;               // K2 · H/4 · W/4
  Tensor<T> w1, b1, w2, b2, w3, b3;    // conv1, conv2, fc: shapes as in the file comment
  Tensor<T> d_w1, d_b1, d_w2, d_b2, d_w3, d_b3;

  std::vector<ch05::Param<T>> params();  // conv1.weight, conv1.bias, conv2.*, fc.*
  void zero_grad();
  std::int64_t parameter_count() const;
};

// He initialisation (fan-in = C·F·F for a conv, K2·7·7 for the dense layer), zero biases.
template <typename T>
SmallCnn<T> make_cnn(const CnnConfig& config, Rng& rng);

template <typename T>
struct CnnWorkspace {
  std::int64_t batch = -1;
  Conv2dWorkspace<T> col1, col2;
  Tensor<T> z1, a1, p1, z2, a2, p2;  // conv1 out, ReLU, pool, conv2 out, ReLU, pool
  Tensor<std::int32_t> arg1, arg2;   // the pools' arg-max maps
  Tensor<T> logits, prob;            // (N, classes)
  Tensor<T> d_logits, d_p2, d_a2, d_z2, d_p1, d_a1, d_z1;
  void prepare(const SmallCnn<T>& net, std::int64_t n);
};

// Forward pass on x (N, C, H, W); the logits are ws.logits.
template <typename T>
void cnn_forward(const SmallCnn<T>& net, CnnWorkspace<T>& ws, TensorView<const T> x);

// Softmax cross-entropy of the last forward pass (+ λ Σ‖W‖² over the three
// weight tensors, never the biases). Clears the gradients, back-propagates,
// returns the objective.
template <typename T>
T cnn_backward(SmallCnn<T>& net, CnnWorkspace<T>& ws, std::span<const int> labels, T l2);

// Arg-max class of each example of the last forward pass.
template <typename T>
void cnn_predictions(const CnnWorkspace<T>& ws, std::span<int> out);

}  // namespace nn::ch07
