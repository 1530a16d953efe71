// basic.cpp — the layers, each a thin wrapper around a chapter's pair.
#include "layers/basic.hpp"

#include <string>
#include <type_traits>

#include "ch02/maxout.hpp"
#include "ch03/dense.hpp"
#include "ch05/regularization.hpp"
#include "ch07/conv_backward.hpp"
#include "nn/cpu.hpp"
#include "nn/error.hpp"
#include "nn/pool.hpp"
#include "nn/threads.hpp"

namespace nn::layers {

std::string join_name(const std::string& prefix, const std::string& name) {
  if (prefix.empty()) return name;
  if (name.empty()) return prefix;
  return prefix + "." + name;
}

template <typename T>
std::int64_t count_values(const std::vector<Parameter<T>>& params) {
  std::int64_t n = 0;
  for (const auto& p : params) n += p.value.size();
  return n;
}

namespace {

// The batch with one image: what a summary row describes.
Shape one_image(const Shape& s) {
  switch (s.rank()) {
    case 1: return Shape{1};
    case 2: return Shape{1, s[1]};
    case 3: return Shape{1, s[1], s[2]};
    default: return Shape{1, s[1], s[2], s[3]};
  }
}

// (N, rest...) → (N, Π rest): the view a dense layer multiplies.
template <typename T>
TensorView<T> rows_of(TensorView<T> t) {
  const std::int64_t n = t.rank() ? t.dim(0) : 0;
  return t.reshape(Shape{n, n ? t.size() / n : 0});
}

// A layer on the flattened input: its features per example must be `expected`.
void check_features(const std::string& layer, const Shape& input, std::int64_t expected) {
  const std::int64_t features = input.rank() ? input.numel() / (input[0] ? input[0] : 1) : 0;
  if (input.rank() < 2 || features != expected)
    throw Error(layer + ": the input " + input.str() + " has " + std::to_string(features) +
                " features per example, expected " + std::to_string(expected));
}

template <typename T>
void make(Tensor<T>& value, Tensor<T>& grad, Shape shape) {
  value = Tensor<T>(shape);
  grad = Tensor<T>(shape);
}

std::string pool_text(const char* kind, const ch07::Pool2dGeometry& p) {
  return std::string(kind) + " " + std::to_string(p.window_h) + "x" + std::to_string(p.window_w) + "/" +
         std::to_string(p.stride);
}

Shape pool_output(const char* kind, const ch07::Pool2dGeometry& p, const Shape& input) {
  if (input.rank() != 4) throw Error(pool_text(kind, p) + ": the input must be (N, C, H, W), got " + input.str());
  return p.output_shape(input);
}

}  // namespace

template <typename T>
void Layer<T>::summarize(const std::string& name, const Shape& input, int depth, std::vector<SummaryRow>& rows) {
  const Shape in = one_image(input);
  std::vector<Parameter<T>> params;
  parameters("", params);
  SummaryRow row;
  row.name = name.empty() ? describe() : name;
  row.description = describe();
  row.output = output_shape(in);
  row.parameters = count_values(params);
  row.multiply_adds = multiply_adds(in);
  row.activation_bytes = row.output.numel() * static_cast<std::int64_t>(sizeof(T));
  row.depth = depth;
  rows.push_back(row);
}

// ---- Dense ------------------------------------------------------------------------

template <typename T>
Dense<T>::Dense(std::int64_t in_features, std::int64_t out_features) {
  if (in_features < 1 || out_features < 1)
    throw Error("dense layer: " + std::to_string(in_features) + " inputs and " + std::to_string(out_features) +
                " outputs; both must be at least 1");
  make(weight, d_weight, Shape{out_features, in_features});
  make(bias, d_bias, Shape{out_features});
}

template <typename T>
std::string Dense<T>::describe() const {
  return "dense " + std::to_string(weight.dim(1)) + " -> " + std::to_string(weight.dim(0));
}

template <typename T>
Shape Dense<T>::output_shape(const Shape& input) const {
  check_features(describe(), input, weight.dim(1));
  return Shape{input[0], weight.dim(0)};
}

template <typename T>
void Dense<T>::forward(TensorView<const T> x, TensorView<T> y, Mode) {
  ch03::dense_forward<T>(y, rows_of(x), weight, bias);
}

template <typename T>
void Dense<T>::backward(TensorView<const T> x, TensorView<const T>, TensorView<const T> dy, TensorView<T> dx) {
  ch03::dense_backward<T>(dx.size() ? rows_of(dx) : TensorView<T>(), d_weight, d_bias, dy, rows_of(x), weight);
}

template <typename T>
void Dense<T>::parameters(const std::string& prefix, std::vector<Parameter<T>>& out) {
  out.push_back({join_name(prefix, "weight"), weight.view(), d_weight.view(), true});
  out.push_back({join_name(prefix, "bias"), bias.view(), d_bias.view(), false});
}

template <typename T>
void Dense<T>::initialize(Init init, Rng& rng) {
  ch05::init_weights<T>(weight, weight.dim(1), weight.dim(0), init, rng);
  bias.fill(T(0));
}

template <typename T>
std::int64_t Dense<T>::multiply_adds(const Shape& input) const {
  return input[0] * weight.size();
}

// ---- Conv2d -----------------------------------------------------------------------

template <typename T>
Conv2d<T>::Conv2d(const Conv2dSpec& s) : spec(s) {
  // The geometry's checks on a stand-in input as large as the window, so a
  // bad spec fails here, naming itself, rather than at the first batch.
  ch06::Conv2dGeometry g{s.in_channels, 0, 0, s.out_channels, s.kernel_h, s.kernel_w, s.stride, s.pad, s.dilation,
                         s.groups};
  g.height = ch06::effective_kernel(s.kernel_h, s.dilation);
  g.width = ch06::effective_kernel(s.kernel_w, s.dilation);
  g.validate();
  make(weight, d_weight, g.weight_shape());
  if (s.bias) make(bias, d_bias, Shape{s.out_channels});
}

template <typename T>
std::string Conv2d<T>::describe() const {
  std::string text = "conv " + std::to_string(spec.out_channels) + "@" + std::to_string(spec.kernel_h) + "x" +
                     std::to_string(spec.kernel_w);
  if (spec.stride != 1) text += "/" + std::to_string(spec.stride);
  if (spec.pad) text += " pad " + std::to_string(spec.pad);
  if (spec.dilation != 1) text += " dilation " + std::to_string(spec.dilation);
  if (spec.groups != 1) text += " groups " + std::to_string(spec.groups);
  if (!spec.bias) text += " no bias";
  return text;
}

template <typename T>
ch06::Conv2dGeometry Conv2d<T>::geometry_for(const Shape& input) const {
  if (input.rank() != 4 || input[1] != spec.in_channels)
    throw Error(describe() + ": the input must be (N, " + std::to_string(spec.in_channels) + ", H, W), got " +
                input.str());
  const ch06::Conv2dGeometry g{spec.in_channels, static_cast<int>(input[2]), static_cast<int>(input[3]),
                               spec.out_channels, spec.kernel_h, spec.kernel_w, spec.stride, spec.pad,
                               spec.dilation, spec.groups};
  g.validate();
  return g;
}

template <typename T>
Shape Conv2d<T>::output_shape(const Shape& input) const {
  return geometry_for(input).output_shape(input[0]);
}

template <typename T>
void Conv2d<T>::prepare(const Shape& input) {
  conv_.configure(geometry_for(input));
}

template <typename T>
void Conv2d<T>::forward(TensorView<const T> x, TensorView<T> y, Mode) {
  prepare(x.shape());
  conv_.forward(x, weight, bias, y);
}

template <typename T>
void Conv2d<T>::backward(TensorView<const T> x, TensorView<const T>, TensorView<const T> dy, TensorView<T> dx) {
  conv_.backward(x, weight, dy, d_weight, d_bias, dx);
}

template <typename T>
void Conv2d<T>::parameters(const std::string& prefix, std::vector<Parameter<T>>& out) {
  out.push_back({join_name(prefix, "weight"), weight.view(), d_weight.view(), true});
  if (spec.bias) out.push_back({join_name(prefix, "bias"), bias.view(), d_bias.view(), false});
}

template <typename T>
void Conv2d<T>::initialize(Init init, Rng& rng) {
  // PyTorch's fans: (C/G)·F_h·F_w in, K·F_h·F_w out.
  const std::int64_t taps = std::int64_t{spec.kernel_h} * spec.kernel_w;
  ch05::init_weights<T>(weight, taps * (spec.in_channels / spec.groups), taps * spec.out_channels, init, rng);
  bias.fill(T(0));
}

template <typename T>
std::int64_t Conv2d<T>::multiply_adds(const Shape& input) const {
  const ch06::Conv2dGeometry g = geometry_for(input);
  return input[0] * std::int64_t{g.out_h()} * g.out_w() * weight.size();
}

template <typename T>
std::int64_t Conv2d<T>::workspace_bytes() const {
  return conv_.bytes();
}

// ---- Activation ---------------------------------------------------------------------

template <typename T>
void Activation<T>::forward(TensorView<const T> x, TensorView<T> y, Mode) {
  ch02::activation_forward<T>(g_, y, x);
}

template <typename T>
void Activation<T>::backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) {
  if (dx.size()) ch02::activation_backward<T>(g_, dx, dy, x, y);
}

// ---- Maxout --------------------------------------------------------------------------

template <typename T>
Maxout<T>::Maxout(std::int64_t in_features, std::int64_t units, int pieces) : pieces_(pieces) {
  if (in_features < 1 || units < 1 || pieces < 1)
    throw Error("maxout: " + std::to_string(in_features) + " inputs, " + std::to_string(units) + " units of " +
                std::to_string(pieces) + " pieces; each must be at least 1");
  make(weight, d_weight, Shape{units * pieces, in_features});
  make(bias, d_bias, Shape{units * pieces});
}

template <typename T>
std::string Maxout<T>::describe() const {
  return "maxout " + std::to_string(weight.dim(1)) + " -> " + std::to_string(weight.dim(0) / pieces_) + " x" +
         std::to_string(pieces_);
}

template <typename T>
Shape Maxout<T>::output_shape(const Shape& input) const {
  check_features(describe(), input, weight.dim(1));
  return Shape{input[0], weight.dim(0) / pieces_};
}

template <typename T>
void Maxout<T>::prepare(const Shape& input) {
  (void)output_shape(input);
  const Shape z{input[0], weight.dim(0)};
  if (!(z_.shape() == z)) {
    z_ = Tensor<T>(z);
    d_z_ = Tensor<T>(z);
    winner_.assign(static_cast<std::size_t>(input[0] * weight.dim(0) / pieces_), 0);
  }
}

template <typename T>
void Maxout<T>::forward(TensorView<const T> x, TensorView<T> y, Mode) {
  prepare(x.shape());
  ch02::maxout_forward<T>(y, z_, winner_, rows_of(x), weight, bias, pieces_);
}

template <typename T>
void Maxout<T>::backward(TensorView<const T> x, TensorView<const T>, TensorView<const T> dy, TensorView<T> dx) {
  TensorView<T> d_in = dx.size() ? rows_of(dx) : TensorView<T>();
  if (!d_in.size()) {  // chapter 2's pair always computes ∂L/∂x: into a scratch the caller never sees
    const Shape shape = rows_of(x).shape();
    if (!(d_x_.shape() == shape)) d_x_ = Tensor<T>(shape);
    d_in = d_x_.view();
  }
  ch02::maxout_backward<T>(d_in, d_weight, d_bias, d_z_, dy, winner_, rows_of(x), weight, pieces_);
}

template <typename T>
void Maxout<T>::parameters(const std::string& prefix, std::vector<Parameter<T>>& out) {
  out.push_back({join_name(prefix, "weight"), weight.view(), d_weight.view(), true});
  out.push_back({join_name(prefix, "bias"), bias.view(), d_bias.view(), false});
}

template <typename T>
void Maxout<T>::initialize(Init init, Rng& rng) {
  ch05::init_weights<T>(weight, weight.dim(1), weight.dim(0), init, rng);
  bias.fill(T(0));
}

template <typename T>
std::int64_t Maxout<T>::multiply_adds(const Shape& input) const {
  return input[0] * weight.size();
}

template <typename T>
std::int64_t Maxout<T>::workspace_bytes() const {
  return (z_.size() + d_z_.size() + d_x_.size()) * static_cast<std::int64_t>(sizeof(T)) +
         static_cast<std::int64_t>(winner_.size() * sizeof(std::int32_t));
}

// ---- pooling --------------------------------------------------------------------------

template <typename T>
std::string MaxPool2d<T>::describe() const {
  return pool_text("max-pool", pool_);
}

template <typename T>
Shape MaxPool2d<T>::output_shape(const Shape& input) const {
  return pool_output("max-pool", pool_, input);
}

template <typename T>
void MaxPool2d<T>::prepare(const Shape& input) {
  argmax_ = argmax_store_.view(output_shape(input));
}

template <typename T>
void MaxPool2d<T>::forward(TensorView<const T> x, TensorView<T> y, Mode) {
  prepare(x.shape());
  pool(x, y);
  argmax_of_ = x.data();
}

template <typename T>
void MaxPool2d<T>::pool(TensorView<const T> x, TensorView<T> y) {
  if constexpr (std::is_same_v<T, float>) {
    // Stride 2 (AlexNet's 3×3/2): the AVX-512 kernel of nn/pool.hpp, the
    // same values and indices as the exercise's loops, planes shared among
    // the threads.
    if (pool_.stride == 2 && simd_level() == SimdLevel::Avx512) {
      if (!(y.shape() == output_shape(x.shape())))
        throw Error(describe() + ": y is " + y.shape().str() + ", expected " + output_shape(x.shape()).str());
      const int h = static_cast<int>(x.dim(2)), w = static_cast<int>(x.dim(3));
      const std::int64_t in_plane = x.dim(2) * x.dim(3), out_plane = y.dim(2) * y.dim(3);
      parallel_for(x.dim(0) * x.dim(1), 8, [&](std::int64_t begin, std::int64_t end) {
        kernels::maxpool_stride2_avx512(x.data() + begin * in_plane, end - begin, h, w, pool_.window_h, pool_.window_w,
                                        y.data() + begin * out_plane, argmax_.data() + begin * out_plane);
      });
      return;
    }
  }
  ch07::maxpool2d_forward<T>(y, argmax_, x, pool_);
}

template <typename T>
void MaxPool2d<T>::backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) {
  if (!dx.size()) return;
  if (x.data() != argmax_of_ || !(argmax_.shape() == y.shape())) {
    prepare(x.shape());
    pool(x, again_.view(y.shape()));
    argmax_of_ = x.data();
  }
  ch07::maxpool2d_backward<T>(dx, dy, argmax_);
}

template <typename T>
std::int64_t MaxPool2d<T>::workspace_bytes() const {
  return argmax_store_.bytes() + again_.bytes();
}

template <typename T>
std::string AvgPool2d<T>::describe() const {
  return pool_text("avg-pool", pool_);
}

template <typename T>
Shape AvgPool2d<T>::output_shape(const Shape& input) const {
  return pool_output("avg-pool", pool_, input);
}

template <typename T>
void AvgPool2d<T>::forward(TensorView<const T> x, TensorView<T> y, Mode) {
  ch07::avgpool2d_forward<T>(y, x, pool_);
}

template <typename T>
void AvgPool2d<T>::backward(TensorView<const T>, TensorView<const T>, TensorView<const T> dy, TensorView<T> dx) {
  if (dx.size()) ch07::avgpool2d_backward<T>(dx, dy, pool_);
}

// ---- Flatten -------------------------------------------------------------------------

template <typename T>
Shape Flatten<T>::output_shape(const Shape& input) const {
  if (input.rank() < 2) throw Error("flatten: the input must have a batch dimension, got " + input.str());
  return Shape{input[0], input[0] ? input.numel() / input[0] : 0};
}

template <typename T>
void Flatten<T>::forward(TensorView<const T> x, TensorView<T> y, Mode) {
  std::copy(x.begin(), x.end(), y.begin());
}

template <typename T>
void Flatten<T>::backward(TensorView<const T>, TensorView<const T>, TensorView<const T> dy, TensorView<T> dx) {
  // The same values in the same order: the gradient only changes shape.
  for (std::int64_t i = 0; i < dx.size(); ++i) dx[i] += dy[i];
}

// ---- Dropout -------------------------------------------------------------------------

template <typename T>
Dropout<T>::Dropout(double p) : p_(p) {
  if (!(p >= 0.0 && p < 1.0)) throw Error("dropout: the drop probability must be in [0, 1), got " + std::to_string(p));
}

template <typename T>
std::string Dropout<T>::describe() const {
  char text[32];
  std::snprintf(text, sizeof text, "dropout %g", p_);
  return text;
}

template <typename T>
void Dropout<T>::prepare(const Shape& input) {
  if (!(mask_.shape() == input)) mask_ = Tensor<T>(input);
}

template <typename T>
void Dropout<T>::forward(TensorView<const T> x, TensorView<T> y, Mode mode) {
  prepare(x.shape());
  ch05::dropout_forward<T>(y, mask_, x, p_, mode, rng_);
  last_mode_ = mode;
}

template <typename T>
void Dropout<T>::backward(TensorView<const T>, TensorView<const T>, TensorView<const T> dy, TensorView<T> dx) {
  if (!dx.size()) return;
  if (last_mode_ == Mode::Train) {
    ch05::dropout_backward<T>(dx, dy, mask_);
  } else {
    for (std::int64_t i = 0; i < dx.size(); ++i) dx[i] += dy[i];  // y = x in Eval mode
  }
}

template <typename T>
std::int64_t Dropout<T>::workspace_bytes() const {
  return mask_.size() * static_cast<std::int64_t>(sizeof(T));
}

#define NN_LAYERS_BASIC_INSTANTIATE(T)                                 \
  template std::int64_t count_values<T>(const std::vector<Parameter<T>>&); \
  template class Layer<T>;                                             \
  template class Dense<T>;                                             \
  template class Conv2d<T>;                                            \
  template class Activation<T>;                                        \
  template class Maxout<T>;                                            \
  template class MaxPool2d<T>;                                         \
  template class AvgPool2d<T>;                                         \
  template class Flatten<T>;                                           \
  template class Dropout<T>;
NN_LAYERS_BASIC_INSTANTIATE(float)
NN_LAYERS_BASIC_INSTANTIATE(double)
#undef NN_LAYERS_BASIC_INSTANTIATE

}  // namespace nn::layers
