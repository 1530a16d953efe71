// lrn.hpp — Chapter 9: local response normalisation (AlexNet's NORM1, NORM2).
//
// Each activation is divided by a power of the energy of its neighbours
// across channels, at the same position (Krizhevsky, Sutskever and Hinton
// 2012, section 3.3):
//
//   S_c = Σ_{c' ∈ W(c)} x_{c'}²          W(c) = [c − ⌊n/2⌋, c + ⌊(n − 1)/2⌋] ∩ [0, C)
//   s_c = k + α S_c
//   y_c = x_c · s_c^(−β)                 the paper: n = 5, k = 2, α = 1e-4, β = 0.75
//
// PyTorch's nn.LocalResponseNorm(size, alpha, beta, k) divides its alpha by
// the window size: s_c = k + (alpha / n) S_c. So the paper's α = 1e-4 is
// PyTorch's alpha = n·α = 5e-4 (and the window is the same: ⌊n/2⌋ channels
// before, ⌊(n − 1)/2⌋ after).
//
// Backward: y_c depends on x_j through x_c (c = j) and through s_c (every c
// whose window holds j, i.e. c ∈ [j − ⌊(n − 1)/2⌋, j + ⌊n/2⌋]), with
// ∂s_c/∂x_j = 2α x_j, so
//   ∂L/∂x_j = dy_j s_j^(−β) − 2αβ x_j Σ_{c : j ∈ W(c)} dy_c x_c s_c^(−β−1)
//           = dy_j s_j^(−β) − 2αβ x_j Σ_{c : j ∈ W(c)} dy_c y_c / s_c.
// The forward pass keeps s (the scale) for it.
//   x, y, scale, dx, dy: (N, C, H, W); channels are planes of H·W values.
#pragma once

#include <memory>
#include <string>

#include "layers/layer.hpp"
#include "nn/tensor.hpp"

namespace nn::ch09 {

struct LrnParams {
  int size = 5;         // n, channels in the window
  double alpha = 1e-4;  // the paper's α (PyTorch's alpha / n)
  double beta = 0.75;   // β
  double k = 2.0;       // k
  void validate() const;  // n ≥ 1, k > 0, α ≥ 0, β ≥ 0, else an nn::Error naming the value
};

// y = x · s^(−β), scale = s. y and scale are OVERWRITTEN.              [exercise 9.1]
template <typename T>
void lrn_forward(TensorView<T> y, TensorView<T> scale, TensorView<const T> x, const LrnParams& p);

// dx += ∂L/∂x from dy, the forward pass's x, y and scale.             [exercise 9.2]
template <typename T>
void lrn_backward(TensorView<T> dx, TensorView<const T> dy, TensorView<const T> x, TensorView<const T> y,
                  TensorView<const T> scale, const LrnParams& p);

// The layer: keeps the scale of the last forward pass (N, C, H, W) for its
// backward pass. Sliceable: when that scale was made from another input than
// the backward pass's x (a later slice of Sequential::run_in_slices has
// overwritten it), backward runs the forward pass on x again to remake it.
template <typename T>
class LocalResponseNorm final : public layers::Layer<T> {
 public:
  explicit LocalResponseNorm(LrnParams p = {});
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  void prepare(const Shape& input) override;
  void forward(TensorView<const T> x, TensorView<T> y, layers::Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  std::int64_t workspace_bytes() const override;
  bool sliceable() const override { return true; }
  // A fresh layer: a copy's cache views would point into this one's memory.
  std::unique_ptr<layers::Layer<T>> clone() const override { return std::make_unique<LocalResponseNorm>(p_); }

 private:
  void normalise(TensorView<const T> x, TensorView<T> y);
  LrnParams p_;
  layers::Reserve<T> scale_store_;
  TensorView<T> scale_;
  const T* scale_of_ = nullptr;  // the input scale_ was made from
  layers::Reserve<T> again_;     // the outputs of a second forward pass (backward of an earlier slice)
};

}  // namespace nn::ch09
