// basic.hpp — the layers: each wraps a chapter's forward/backward pair.
//
//   Dense        ch03 dense_forward / dense_backward         weight (out, in), bias (out)
//   Conv2d       ch06 conv2d_forward / ch07 conv2d_backward, or a direct
//                kernel where the geometry allows (conv_routes.hpp)
//                                                            weight (K, C/G, F_h, F_w), bias (K) or none
//   Activation   ch02 activation_forward / _backward (sigmoid, tanh, ReLU, leaky ReLU, ELU, |z|, identity)
//   Maxout       ch02 maxout_forward / maxout_backward     weight (M·k, in), bias (M·k)
//   MaxPool2d    ch07 maxpool2d_forward / _backward (any window and stride; the arg-max map is its cache)
//   AvgPool2d    ch07 avgpool2d_forward / _backward (2×2/2 in float runs nn/pool.hpp's kernels)
//   Flatten      (N, C, H, W) → (N, C·H·W)
//   Dropout      ch05 dropout_forward / dropout_backward (the mask is its cache)
// Nothing of the math is written here: a layer only sizes its buffers and
// calls the pair. Derivations: the chapter of each pair, and
// chapters/ch07_cnn/README.md for the layer interface.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ch02/activations.hpp"
#include "ch06/conv.hpp"
#include "ch07/pooling.hpp"
#include "layers/conv_routes.hpp"
#include "layers/layer.hpp"

namespace nn::layers {

// z = x Θᵀ + b on the flattened input: x (N, in) or (N, C, H, W) with C·H·W = in.
template <typename T>
class Dense final : public Layer<T> {
 public:
  Dense(std::int64_t in_features, std::int64_t out_features);
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  void forward(TensorView<const T> x, TensorView<T> y, Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  void parameters(const std::string& prefix, std::vector<Parameter<T>>& out) override;
  void initialize(Init init, Rng& rng) override;
  std::int64_t multiply_adds(const Shape& input) const override;
  bool sliceable() const override { return true; }
  std::unique_ptr<Layer<T>> clone() const override { return std::make_unique<Dense>(*this); }

  Tensor<T> weight, bias, d_weight, d_bias;  // (out, in), (out)
};

struct Conv2dSpec {
  int in_channels = 1, out_channels = 1;
  int kernel_h = 3, kernel_w = 3;
  int stride = 1, pad = 0, dilation = 1, groups = 1;
  bool bias = true;
  // A square kernel F×F.
  static Conv2dSpec square(int in, int out, int kernel, int stride = 1, int pad = 0) {
    return {in, out, kernel, kernel, stride, pad, 1, 1, true};
  }
};

// Convolution (cross-correlation) of chapter 6, any stride, padding,
// dilation and groups. The input's H and W are learned at prepare(); the
// route (im2col + GEMM or a direct kernel) is chosen there from the geometry.
template <typename T>
class Conv2d final : public Layer<T> {
 public:
  explicit Conv2d(const Conv2dSpec& spec);
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  void prepare(const Shape& input) override;
  void forward(TensorView<const T> x, TensorView<T> y, Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  void parameters(const std::string& prefix, std::vector<Parameter<T>>& out) override;
  void initialize(Init init, Rng& rng) override;
  std::int64_t multiply_adds(const Shape& input) const override;
  std::int64_t workspace_bytes() const override;
  bool sliceable() const override { return true; }
  std::unique_ptr<Layer<T>> clone() const override { return std::make_unique<Conv2d>(*this); }
  const ch06::Conv2dGeometry& geometry() const { return conv_.geometry; }
  ConvRoute route() const { return conv_.route; }

  Conv2dSpec spec;
  Tensor<T> weight, bias, d_weight, d_bias;  // (K, C/G, F_h, F_w), (K) or empty

 private:
  ch06::Conv2dGeometry geometry_for(const Shape& input) const;
  ConvRunner<T> conv_;
};

// Any activation of chapter 2, element by element.
template <typename T>
class Activation final : public Layer<T> {
 public:
  explicit Activation(ch02::Activation g) : g_(g) {}
  std::string describe() const override { return ch02::name(g_); }
  Shape output_shape(const Shape& input) const override { return input; }
  void forward(TensorView<const T> x, TensorView<T> y, Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  bool sliceable() const override { return true; }
  std::unique_ptr<Layer<T>> clone() const override { return std::make_unique<Activation>(*this); }

 private:
  ch02::Activation g_;
};

// Maxout (chapter 2's activation with weights): M units, each the largest
// of k affine functions of the flattened input. weight (M·k, in), bias (M·k).
template <typename T>
class Maxout final : public Layer<T> {
 public:
  Maxout(std::int64_t in_features, std::int64_t units, int pieces = 2);
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  void prepare(const Shape& input) override;
  void forward(TensorView<const T> x, TensorView<T> y, Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  void parameters(const std::string& prefix, std::vector<Parameter<T>>& out) override;
  void initialize(Init init, Rng& rng) override;
  std::int64_t multiply_adds(const Shape& input) const override;
  std::int64_t workspace_bytes() const override;

  Tensor<T> weight, bias, d_weight, d_bias;

 private:
  int pieces_;
  Tensor<T> z_, d_z_, d_x_;             // every piece's value, its delta, ∂L/∂x when the caller wants none
  std::vector<std::int32_t> winner_;    // which piece won, per example and unit (the cache)
};

// Max pooling, F_h×F_w windows moved by S (overlapping when S < F).
template <typename T>
class MaxPool2d final : public Layer<T> {
 public:
  explicit MaxPool2d(ch07::Pool2dGeometry pool) : pool_(pool) {}
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  void prepare(const Shape& input) override;
  void forward(TensorView<const T> x, TensorView<T> y, Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  std::int64_t workspace_bytes() const override;
  // Sliceable: when the arg-max map was made from another input than the
  // backward pass's x (a later slice has overwritten it), backward pools x
  // again to remake it.
  bool sliceable() const override { return true; }
  // A fresh layer: a copy's cache views would point into this one's memory.
  std::unique_ptr<Layer<T>> clone() const override { return std::make_unique<MaxPool2d>(pool_); }

 private:
  void pool(TensorView<const T> x, TensorView<T> y);
  ch07::Pool2dGeometry pool_;
  Reserve<std::int32_t> argmax_store_;
  TensorView<std::int32_t> argmax_;  // (N, C, O_h, O_w): where each maximum came from
  const T* argmax_of_ = nullptr;     // the input argmax_ was made from
  Reserve<T> again_;                 // the values of a second pooling (backward of an earlier slice)
};

// Average pooling, F_h×F_w windows moved by S.
template <typename T>
class AvgPool2d final : public Layer<T> {
 public:
  explicit AvgPool2d(ch07::Pool2dGeometry pool) : pool_(pool) {}
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  void forward(TensorView<const T> x, TensorView<T> y, Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  bool sliceable() const override { return true; }
  std::unique_ptr<Layer<T>> clone() const override { return std::make_unique<AvgPool2d>(*this); }

 private:
  ch07::Pool2dGeometry pool_;
};

// (N, C, H, W) → (N, C·H·W), the same values in (c, h, w) order.
template <typename T>
class Flatten final : public Layer<T> {
 public:
  std::string describe() const override { return "flatten"; }
  Shape output_shape(const Shape& input) const override;
  void forward(TensorView<const T> x, TensorView<T> y, Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  bool sliceable() const override { return true; }
  std::unique_ptr<Layer<T>> clone() const override { return std::make_unique<Flatten>(*this); }
};

// Inverted dropout: in Train mode each value is kept with probability 1 − p
// and scaled by 1/(1 − p); in Eval mode y = x.
template <typename T>
class Dropout final : public Layer<T> {
 public:
  explicit Dropout(double p = 0.5);
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override { return input; }
  void prepare(const Shape& input) override;
  void forward(TensorView<const T> x, TensorView<T> y, Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  std::int64_t workspace_bytes() const override;
  void seed(std::uint64_t seed) override { rng_ = Rng(seed); }

 private:
  double p_;
  Rng rng_{0};
  Tensor<T> mask_;  // 0 or 1/(1 − p) per value (Train); unused in Eval
  Mode last_mode_ = Mode::Eval;
};

}  // namespace nn::layers
