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
//            (TableConv::apply_table), so no optimiser ever moves them (every
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
// Every piece but the new ones is a layer of the library (layers/basic.hpp:
// Conv2d, Flatten, Dense); the paper's own pieces are layers defined here,
// each a forward/backward pair wrapped the same way: the input field, the
// scaled tanh, the trainable subsampling, and c3's connection table. The
// network is then a list of layers (lenet1998_network), trained, saved and
// summarised by the same code as every other network.
//
// Parameter names and layouts (PyTorch's):
//   c1.weight (6, 1, 5, 5)     c1.bias (6)     s2.weight (6)    s2.bias (6)
//   c3.weight (16, 6, 5, 5)    c3.bias (16)    s4.weight (16)   s4.bias (16)
//   c5.weight (120, 16, 5, 5)  c5.bias (120)   f6.weight (84, 120)  f6.bias (84)
//   output.weight (10, 84)     output.bias (10)
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "layers/basic.hpp"
#include "layers/network.hpp"
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

// ---- the paper's layers ------------------------------------------------------------
// The paper's input levels: white (our pixel value 0) and black (1).
inline constexpr double kBackground = -0.1, kForeground = 1.175;

// (N, 1, 28, 28) pixels in [0, 1] → (N, 1, 32, 32): the image centred in a
// 32×32 field, white (0) at −0.1 and black (1) at 1.175, the border white.
template <typename T>
class PaperInput final : public layers::Layer<T> {
 public:
  std::string describe() const override { return "input field 32x32, levels -0.1 .. 1.175"; }
  Shape output_shape(const Shape& input) const override;
  void forward(TensorView<const T> x, TensorView<T> y, layers::Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  bool sliceable() const override { return true; }
  std::unique_ptr<layers::Layer<T>> clone() const override { return std::make_unique<PaperInput>(*this); }
};

// f = 1.7159 tanh(2a/3), element by element.
template <typename T>
class ScaledTanh final : public layers::Layer<T> {
 public:
  std::string describe() const override { return "1.7159 tanh(2a/3)"; }
  Shape output_shape(const Shape& input) const override { return input; }
  void forward(TensorView<const T> x, TensorView<T> y, layers::Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  bool sliceable() const override { return true; }
  std::unique_ptr<layers::Layer<T>> clone() const override { return std::make_unique<ScaledTanh>(*this); }
};

// Trainable subsampling 2×2/2 of C maps: weight (C) coefficients, bias (C).
// The coefficients scale like biases shift: no L2 penalty on either.
template <typename T>
class Subsampling final : public layers::Layer<T> {
 public:
  explicit Subsampling(int channels);
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  void forward(TensorView<const T> x, TensorView<T> y, layers::Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  void parameters(const std::string& prefix, std::vector<layers::Parameter<T>>& out) override;
  std::int64_t multiply_adds(const Shape& input) const override;
  bool sliceable() const override { return true; }
  std::unique_ptr<layers::Layer<T>> clone() const override { return std::make_unique<Subsampling>(*this); }

  Tensor<T> weight, bias, d_weight, d_bias;
};

// c3: a 6 → 16 conv 5×5 whose weight slices (k, c) that Table I does not
// connect are held at zero (their gradients are cleared after every
// backward pass, so no optimiser moves them); a checkpoint with a non-zero
// weight there is refused. Its summary counts the 1,516 trained parameters.
template <typename T>
class TableConv final : public layers::Layer<T> {
 public:
  TableConv();
  std::string describe() const override { return "conv 16@5x5, Table I connections"; }
  Shape output_shape(const Shape& input) const override { return conv_.output_shape(input); }
  void prepare(const Shape& input) override { conv_.prepare(input); }
  void forward(TensorView<const T> x, TensorView<T> y, layers::Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  void parameters(const std::string& prefix, std::vector<layers::Parameter<T>>& out) override;
  std::int64_t multiply_adds(const Shape& input) const override { return conv_.multiply_adds(input); }
  std::int64_t workspace_bytes() const override { return conv_.workspace_bytes(); }
  void summarize(const std::string& name, const Shape& input, int depth,
                 std::vector<layers::SummaryRow>& rows) override;
  bool sliceable() const override { return true; }
  std::unique_ptr<layers::Layer<T>> clone() const override { return std::make_unique<TableConv>(*this); }
  void check_values(const std::string& source) const override;
  // Zeroes the disconnected slices of the weights and of their gradients.
  void apply_table();
  layers::Conv2d<T>& conv() { return conv_; }

 private:
  layers::Conv2d<T> conv_;
};

// ---- the network ---------------------------------------------------------------------
// The paper's initialisation: every weight U(−2.4/F, 2.4/F), F the fan-in of
// the unit it feeds (a C3 map's: 25 × the S2 maps Table I gives it; a
// subsampling coefficient's: 4); biases 0.
template <typename T>
layers::Network<T> lenet1998_network(Rng& rng);

// Trained parameters (the paper's count: c3's disconnected weights are not
// counted), 60,850; stored, 61,750.
inline constexpr std::int64_t kLeNet1998Trained = 60850, kLeNet1998Stored = 61750;

}  // namespace nn::ch08
