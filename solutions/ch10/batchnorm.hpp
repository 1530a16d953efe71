// batchnorm.hpp — Chapter 10: batch normalisation (Ioffe and Szegedy 2015).
//
// Each feature is normalised over the batch, then scaled and shifted by two
// learned numbers. For a conv layer's output (N, C, H, W) a feature is a
// channel and its statistics run over the N·H·W values of that channel;
// for a dense layer's output (N, C) over the N values of a column. With
// M the number of values a feature's statistics run over:
//
//   μ = (1/M) Σ x            σ² = (1/M) Σ (x − μ)²      (biased: what is used to normalise)
//   x̂ = (x − μ) / √(σ² + ε)
//   y = γ x̂ + β
//
// Backward (the README derives it from the graph x → μ, σ² → x̂ → y): with
// s = 1/√(σ² + ε),
//   ∂L/∂β = Σ dy      ∂L/∂γ = Σ dy·x̂
//   ∂L/∂x = γ s / M · (M·dy − Σ dy − x̂ · Σ dy·x̂)
// — the batch's other values enter every x's gradient through μ and σ².
//
// In training the layer also keeps running statistics for evaluation, as
// PyTorch's BatchNorm1d/2d do (so checkpoints interoperate):
//   running_mean ← (1 − momentum)·running_mean + momentum·μ
//   running_var  ← (1 − momentum)·running_var  + momentum·σ²·M/(M − 1)   (unbiased)
// momentum 0.1, ε = 1e-5; in evaluation y = γ (x − running_mean)/√(running_var + ε) + β.
// A feature with M = 1 value in training has no variance to normalise by:
// refused, as PyTorch does.
//
// x, y, dx, dy, x̂: (N, C) or (N, C, H, W); mean, inv_std, γ, β, dγ, dβ: (C).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "layers/layer.hpp"
#include "nn/batchnorm_kernels.hpp"
#include "nn/tensor.hpp"

namespace nn::ch10 {

struct BatchNormParams {
  double eps = 1e-5;
  double momentum = 0.1;
  void validate() const;  // ε > 0, 0 ≤ momentum ≤ 1, else an nn::Error naming the value
};

// Training mode: mean = μ, inv_std = 1/√(σ² + ε) per feature, x̂ and y.
// y, xhat, mean, inv_std are OVERWRITTEN.                              [exercise 10.1]
template <typename T>
void batchnorm_forward_train(TensorView<T> y, TensorView<T> xhat, TensorView<T> mean, TensorView<T> inv_std,
                             TensorView<const T> x, TensorView<const T> gamma, TensorView<const T> beta, double eps);

// dx += ∂L/∂x, dgamma += Σ dy·x̂, dbeta += Σ dy, from the training-mode
// forward pass's x̂ and inv_std.                                       [exercise 10.2]
template <typename T>
void batchnorm_backward(TensorView<T> dx, TensorView<T> dgamma, TensorView<T> dbeta, TensorView<const T> dy,
                        TensorView<const T> xhat, TensorView<const T> inv_std, TensorView<const T> gamma);

// Evaluation mode: y = γ (x − running_mean)/√(running_var + ε) + β, OVERWRITTEN.
template <typename T>
void batchnorm_forward_eval(TensorView<T> y, TensorView<const T> x, TensorView<const T> running_mean,
                            TensorView<const T> running_var, TensorView<const T> gamma, TensorView<const T> beta,
                            double eps);

// The layer, for (N, C) and (N, C, H, W) inputs with C = features.
// Parameters weight (γ, ones) and bias (β, zeros); states running_mean
// (zeros), running_var (ones) and num_batches_tracked (a count, kept as a
// number of type T: the checkpoint scripts convert it to PyTorch's int64).
// Not sliceable: the statistics are the whole batch's. In float on AVX-512
// the passes run nn/batchnorm_kernels.hpp, over the library's threads.
template <typename T>
class BatchNorm final : public layers::Layer<T> {
 public:
  explicit BatchNorm(std::int64_t features, BatchNormParams p = {});
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  void prepare(const Shape& input) override;
  void forward(TensorView<const T> x, TensorView<T> y, layers::Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  void parameters(const std::string& prefix, std::vector<layers::Parameter<T>>& out) override;
  void states(const std::string& prefix, std::vector<layers::State<T>>& out) override;
  void initialize(layers::Init init, Rng& rng) override;
  std::int64_t workspace_bytes() const override;

  Tensor<T> weight, bias, d_weight, d_bias;           // γ, β and their gradients (C)
  Tensor<T> running_mean, running_var, batches_seen;  // (C), (C), (1)

 private:
  bool use_kernels() const;
  template <typename F>
  void for_features(std::int64_t plane, F&& f, const kernels::BatchNormArgs& a) const;
  std::int64_t features_;
  BatchNormParams p_;
  layers::Reserve<T> xhat_;
  Tensor<T> mean_, inv_std_;
  bool trained_ = false;  // whether the last forward pass ran in training mode
};

}  // namespace nn::ch10
