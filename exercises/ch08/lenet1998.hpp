// lenet1998.hpp — Chapter 8: LeNet-5 as LeCun, Bottou, Bengio and Haffner
// published it in 1998 ("Gradient-based learning applied to document
// recognition", Proc. IEEE 86(11)), for comparison with the lecture's
// network (lenet5.hpp). ch08_lenet5 --variant 1998 trains it.
//
//   x (N, 1, 28, 28), zero-padded by 2 → (N, 1, 32, 32)
//   → c1  conv 6@5×5                               (N, 6, 28, 28)   → f
//   → s2  trainable subsampling 2×2/2              (N, 6, 14, 14)   → f
//   → c3  conv 16@5×5, partial connections         (N, 16, 10, 10)  → f
//   → s4  trainable subsampling 2×2/2              (N, 16, 5, 5)    → f
//   → c5  conv 120@5×5                             (N, 120, 1, 1)   → f
//   → f6  dense 84                                 (N, 84)          → f
//   → output dense 10                              (N, 10) logits → softmax cross-entropy
//
// What differs from the lecture's network:
//   f        the paper's squashing function, a scaled tanh
//              f(a) = A·tanh(S·a),  A = 1.7159, S = 2/3   (so f(±1) = ±1)
//              f'(a) = A·S·(1 − tanh²(S·a)) = S·(A − f²/A)   (from the stored output)
//   s2, s4   trainable subsampling: per map c one coefficient and one bias,
//              y[n,c,i,j] = w[c]·(x[2i,2j] + x[2i,2j+1] + x[2i+1,2j] + x[2i+1,2j+1]) + b[c]
//            followed by f (12 parameters in s2, 32 in s4) — average pooling
//            is the special case w = 1/4, b = 0 with no squashing.
//   c3       the connection table of the paper's Table I: C3 map k sees only
//            some of the 6 S2 maps (below), 60 (k, c) pairs of the 96, so
//            60·25 weights + 16 biases = 1,516 parameters instead of 2,416.
//            It is stored as a full (16, 6, 5, 5) conv weight (PyTorch's
//            Conv2d(6, 16, 5) layout) whose 36 disconnected (k, c) slices,
//            900 weights, are held at exactly zero: zeroed when the network
//            is made, and their gradients zeroed after every backward pass
//            (apply_c3_table), so no optimiser ever moves them (every
//            optimiser of chapter 5 leaves a weight whose gradient was always
//            zero where it started). The same arithmetic as skipping them,
//            at the cost of 900 multiplications by zero per output position.
//   init     the paper's: every weight uniform in ±2.4/F, F the fan-in of its
//            unit (for C3 map k: 25 × the number of maps it sees; for a
//            subsampling coefficient: 4); biases 0.
// 60,850 trainable parameters (the paper's 60,000 without its RBF output
// layer, + 850 for the dense output); 61,750 stored.
//
// Kept from the lecture's network: the dense 10-way output with softmax
// cross-entropy. The paper's output layer was a set of Euclidean RBF units,
// output_i = Σ_j (f6_j − w_ij)², with w_i fixed ±1 codes drawn as 7×12
// bitmaps of the characters, trained with its own loss (the penalty of the
// correct class plus a log-sum-exp term over the others); it is omitted
// here (see the chapter README), as in the modern versions.
//
// Every piece but the two new ones (the scaled tanh and the trainable
// subsampling, below) is a chapter's: conv2d_forward (ch06) and
// conv2d_backward (ch07), dense (ch03), the loss (ch02). The workspace is
// sized once per batch size; a training step allocates nothing. Unlike
// lenet5.hpp, the whole batch goes through each layer at once (the GEMMs are
// threaded; nothing else is).
//
// Parameter names and layouts (PyTorch's):
//   c1.weight (6, 1, 5, 5)     c1.bias (6)     s2.weight (6)    s2.bias (6)
//   c3.weight (16, 6, 5, 5)    c3.bias (16)    s4.weight (16)   s4.bias (16)
//   c5.weight (120, 16, 5, 5)  c5.bias (120)   f6.weight (84, 120)  f6.bias (84)
//   output.weight (10, 84)     output.bias (10)
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <vector>

#include "ch05/optimizers.hpp"
#include "ch05/train.hpp"
#include "ch06/conv.hpp"
#include "ch08/lenet5.hpp"  // LayerRow
#include "nn/dataset.hpp"
#include "nn/rng.hpp"

namespace nn::ch08 {

// ---- Table I: which S2 maps (columns) each C3 map (rows) sees ------------------
//   maps 0–5: 3 contiguous S2 maps, 6–11: 4 contiguous, 12–14: 4 not
//   contiguous, 15: all 6 (contiguous modulo 6: map 4 sees 4, 5, 0).
inline constexpr int kC3Maps = 16, kS2Maps = 6;
inline constexpr std::array<std::array<bool, kS2Maps>, kC3Maps> kC3Table = {{
    {1, 1, 1, 0, 0, 0}, {0, 1, 1, 1, 0, 0}, {0, 0, 1, 1, 1, 0}, {0, 0, 0, 1, 1, 1},  // 0–3
    {1, 0, 0, 0, 1, 1}, {1, 1, 0, 0, 0, 1},                                          // 4–5
    {1, 1, 1, 1, 0, 0}, {0, 1, 1, 1, 1, 0}, {0, 0, 1, 1, 1, 1}, {1, 0, 0, 1, 1, 1},  // 6–9
    {1, 1, 0, 0, 1, 1}, {1, 1, 1, 0, 0, 1},                                          // 10–11
    {1, 1, 0, 1, 1, 0}, {0, 1, 1, 0, 1, 1}, {1, 0, 1, 1, 0, 1},                      // 12–14
    {1, 1, 1, 1, 1, 1}}};                                                            // 15
// The number of (C3 map, S2 map) pairs connected: 60.
int c3_connections();

// ---- the scaled tanh f(a) = 1.7159·tanh(2a/3) ----------------------------------
inline constexpr double kScaledTanhA = 1.7159, kScaledTanhS = 2.0 / 3.0;
// a = f(z) element by element (any shape, the same for both), with nn::vtanh
// (the SIMD tanh of ch02::tanh_forward in float). a may be z itself.
template <typename T>
void scaled_tanh_forward(TensorView<T> a, TensorView<const T> z);
// dz += da ⊙ f'(z), f'(z) = S·(A − a²/A) from the output a = f(z).
template <typename T>
void scaled_tanh_backward(TensorView<T> dz, TensorView<const T> da, TensorView<const T> a);

// ---- trainable subsampling 2×2 / 2 ---------------------------------------------
//   x (N, C, H, W), H and W even   y (N, C, H/2, W/2)   coef, bias (C)
// y[n,c,i,j] = coef[c]·Σ of the 2×2 window at (2i, 2j) + bias[c]. y is OVERWRITTEN.
template <typename T>
void subsample_forward(TensorView<T> y, TensorView<const T> x, TensorView<const T> coef, TensorView<const T> bias);
// ACCUMULATED (+=), d_y = ∂L/∂y:
//   d_x[window] += coef[c]·d_y   d_coef[c] += Σ d_y·(window sum)   d_bias[c] += Σ d_y
// d_x may be empty (not needed).
template <typename T>
void subsample_backward(TensorView<T> d_x, TensorView<T> d_coef, TensorView<T> d_bias, TensorView<const T> d_y,
                        TensorView<const T> x, TensorView<const T> coef);

// ---- the network ---------------------------------------------------------------
// The paper's input levels: white (our pixel value 0) and black (1).
inline constexpr double kBackground = -0.1, kForeground = 1.175;

template <typename T>
struct LeNet1998 {
  static constexpr int classes = 10, height = 28, width = 28;
  ch06::Conv2dGeometry c1, c3, c5;
  Tensor<T> c1_w, c1_b, s2_w, s2_b, c3_w, c3_b, s4_w, s4_b, c5_w, c5_b, f6_w, f6_b, out_w, out_b;
  Tensor<T> d_c1_w, d_c1_b, d_s2_w, d_s2_b, d_c3_w, d_c3_b, d_s4_w, d_s4_b, d_c5_w, d_c5_b, d_f6_w, d_f6_b, d_out_w,
      d_out_b;

  // c1.weight, c1.bias, s2.weight, s2.bias, c3.*, s4.*, c5.*, f6.*, output.*
  std::vector<ch05::Param<T>> params();
  void zero_grad();
  // Trainable parameters, the paper's count: c3's disconnected weights are
  // not counted (60,850).
  std::int64_t parameter_count() const;
  // Entries stored, the disconnected c3 weights included (61,750).
  std::int64_t stored_count() const;
  // Zeroes c3's disconnected (k, c) slices in the weights and in their
  // gradients (Table I).
  void apply_c3_table();
};

// The per-layer table (name, output shape for one image, trainable parameters).
template <typename T>
std::vector<LayerRow> lenet1998_layers(const LeNet1998<T>& net);

// The paper's initialisation (weights U(±2.4/F), zero biases), c3 as Table I.
template <typename T>
LeNet1998<T> make_lenet1998(Rng& rng);

template <typename T>
struct LeNet1998Workspace {
  std::int64_t batch = -1;
  Tensor<T> x;  // the input as the paper's 32×32 field (lenet1998_forward)
  ch06::Conv2dWorkspace<T> col1, col3, col5;  // X_col of c1, c3, c5 (the backward pass reads them)
  // z: a layer's output before f, a = f(z); 1 c1, 2 s2, 3 c3, 4 s4, 5 c5, 6 f6.
  Tensor<T> z1, a1, z2, a2, z3, a3, z4, a4, z5, a5, z6, a6, logits, prob;
  Tensor<T> d_z1, d_a1, d_z2, d_a2, d_z3, d_a3, d_z4, d_a4, d_z5, d_a5, d_z6, d_a6, d_logits;
  void prepare(const LeNet1998<T>& net, std::int64_t n);  // nothing if already sized for n
};

// Forward pass on x (N, 1, 28, 28); the logits are ws.logits (N, 10).
template <typename T>
void lenet1998_forward(const LeNet1998<T>& net, LeNet1998Workspace<T>& ws, TensorView<const T> x);

// Softmax cross-entropy of the last forward pass. Clears the gradients,
// back-propagates, zeroes the gradients of c3's disconnected weights,
// returns the loss.
template <typename T>
T lenet1998_backward(LeNet1998<T>& net, LeNet1998Workspace<T>& ws, std::span<const int> labels);

// Arg-max class of each example of the last forward pass.
template <typename T>
void lenet1998_predictions(const LeNet1998Workspace<T>& ws, std::span<int> out);

// ---- training and checkpoints (float) --------------------------------------------
// Forward, loss, backward, one optimiser step. Returns the loss. Allocates
// nothing once `ws` is sized for this batch size.
float lenet1998_train_step(LeNet1998<float>& net, LeNet1998Workspace<float>& ws, ch05::Optimizer<float>& optimizer,
                           TensorView<const float> x, std::span<const int> labels, double learning_rate);

// Trains `net` with chapter 5's loop (ch05::train_model). options.l2 = λ > 0
// adds chapter 5's penalty λ‖W‖² on the five conv and dense weight tensors
// (never the biases or the subsampling coefficients); the paper used none.
ch05::TrainResult train_lenet1998(LeNet1998<float>& net, const Dataset& train, const Dataset& validation,
                                  const ch05::TrainOptions& options,
                                  const std::function<void(const ch05::EpochRecord&)>& on_epoch = {});

// Accuracy on `data` (N, 1, 28, 28); `confusion` (if given) becomes 10×10 counts [true][predicted].
double evaluate_lenet1998(const LeNet1998<float>& net, const Dataset& data, std::int64_t batch_size = 500,
                          std::vector<std::int64_t>* confusion = nullptr);

// The fourteen tensors as safetensors (names and layouts above).
void save_lenet1998(const std::filesystem::path& path, LeNet1998<float>& net);
// Loads all fourteen (names and shapes checked; nothing else in the file).
// A c3.weight with a non-zero weight where Table I has no connection is
// rejected (nn::Error) and the network is left unchanged.
void load_lenet1998(const std::filesystem::path& path, LeNet1998<float>& net);

}  // namespace nn::ch08
