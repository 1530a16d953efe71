// lenet5.hpp — Chapter 8: LeNet-5 as taught in lectures today.
//
//   x (N, 1, 28, 28), zero-padded by 2 → (N, 1, 32, 32)
//   → c1  conv 6@5×5                    (N, 6, 28, 28)    → tanh
//   → s2  avg-pool 2×2/2                (N, 6, 14, 14)
//   → c3  conv 16@5×5 over all 6 maps   (N, 16, 10, 10)   → tanh
//   → s4  avg-pool 2×2/2                (N, 16, 5, 5)
//   → c5  conv 120@5×5                  (N, 120, 1, 1)    → tanh, flattened to (N, 120)
//   → f6  dense 84                      (N, 84)           → tanh
//   → output dense 10                   (N, 10) logits → softmax cross-entropy
// 61,706 parameters. The padding is c1's own (pad 2 on the 28×28 image), which
// is the same arithmetic as padding the image and convolving without padding.
// Every piece is a chapter's forward/backward pair: conv (ch06/ch07), tanh
// (ch02), average pooling (ch07), dense (ch03), the loss (ch02).
// Parameter names and layouts are PyTorch's for the module
//   c1 = Conv2d(1,6,5), c3 = Conv2d(6,16,5), c5 = Conv2d(16,120,5),
//   f6 = Linear(120,84), output = Linear(84,10)
// so c1.weight is (6, 1, 5, 5), f6.weight (84, 120), output.weight (10, 84).
//
// Memory and speed: LeNet5Workspace holds every buffer for one batch size;
// a training step allocates nothing. The convolutional part (c1 … s4) runs
// on slices of a few images at a time, so that a slice's im2col matrices,
// pre-activations and deltas stay in the core's L2 cache instead of
// streaming through memory (c1's X_col is 5 MB for a batch of 64, 0.3 MB for
// a slice of 4). With several threads (nn::set_num_threads) each thread
// takes its own consecutive slices with its own buffers and gradient sums,
// added together in a fixed order afterwards: the same thread count gives
// bit-identical results. c5, f6 and output run on the whole batch (their
// GEMMs are threaded themselves).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ch05/optimizers.hpp"
#include "ch06/conv.hpp"
#include "ch07/pooling.hpp"
#include "layers/conv_routes.hpp"
#include "nn/rng.hpp"

namespace nn::ch08 {

template <typename T>
struct LeNet5 {
  static constexpr int classes = 10, height = 28, width = 28;
  ch06::Conv2dGeometry c1, c3, c5;
  ch07::Pool2dGeometry pool;  // s2 and s4: 2×2 stride 2, averaging
  Tensor<T> c1_w, c1_b, c3_w, c3_b, c5_w, c5_b, f6_w, f6_b, out_w, out_b;
  Tensor<T> d_c1_w, d_c1_b, d_c3_w, d_c3_b, d_c5_w, d_c5_b, d_f6_w, d_f6_b, d_out_w, d_out_b;

  std::vector<ch05::Param<T>> params();  // c1.weight, c1.bias, c3.*, c5.*, f6.*, output.*
  void zero_grad();
  std::int64_t parameter_count() const;
};

// Xavier (Glorot) uniform weights for the tanh layers, zero biases.
template <typename T>
LeNet5<T> make_lenet5(Rng& rng);

// The buffers of one slice of the convolutional part: c1's and c3's
// routes (layers/conv_routes.hpp: the direct kernels in float on AVX-512,
// im2col + GEMM otherwise, with the X_col a backward pass may lower again)
// and the slice's deltas.
template <typename T>
struct LeNet5SliceBuffers {
  std::int64_t images = 0;
  layers::ConvRunner<T> c1, c3;
  Tensor<T> d_a3, d_z3, d_p2, d_a1, d_z1;  // deltas (backward)
  void prepare(const LeNet5<T>& net, std::int64_t n);
};

template <typename T>
struct LeNet5Workspace {
  std::int64_t batch = -1;
  std::int64_t slice_images = 4;  // images per slice of c1 … s4 (set before the first forward pass)
  Tensor<T> x;                    // a copy of the input: the backward pass lowers it again
  Tensor<T> z1, a1, p2, z3, a3, p4;  // the convolutional part's activations, whole batch
  ch06::Conv2dWorkspace<T> col5;
  Tensor<T> z5, a5, z6, a6, logits, prob;
  Tensor<T> d_logits, d_a6, d_z6, d_a5, d_z5, d_p4;
  Tensor<T> c3_taps;  // c3's weights packed once per forward pass where c3 runs the FilterLanes route
  // Per thread: full-size slice buffers; `last` serves the final, shorter
  // slice. Per slice: its sums of c1's and c3's gradients.
  std::vector<LeNet5SliceBuffers<T>> slices;
  LeNet5SliceBuffers<T> last;
  std::vector<std::array<Tensor<T>, 4>> grads;  // d_c1_w, d_c1_b, d_c3_w, d_c3_b per slice
  void prepare(const LeNet5<T>& net, std::int64_t n);
};

// Forward pass on x (N, 1, 28, 28); the logits are ws.logits (N, 10).
template <typename T>
void lenet5_forward(const LeNet5<T>& net, LeNet5Workspace<T>& ws, TensorView<const T> x);

// Softmax cross-entropy of the last forward pass. Clears the gradients,
// back-propagates, returns the loss.
template <typename T>
T lenet5_backward(LeNet5<T>& net, LeNet5Workspace<T>& ws, std::span<const int> labels);

// Arg-max class of each example of the last forward pass.
template <typename T>
void lenet5_predictions(const LeNet5Workspace<T>& ws, std::span<int> out);

// Forward, loss, backward, one optimiser step. Returns the loss. Allocates
// nothing once `ws` is sized for this batch size.
float lenet5_train_step(LeNet5<float>& net, LeNet5Workspace<float>& ws, ch05::Optimizer<float>& optimizer,
                        TensorView<const float> x, std::span<const int> labels, double learning_rate);

}  // namespace nn::ch08
