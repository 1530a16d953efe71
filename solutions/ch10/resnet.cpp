// resnet.cpp — Chapter 10: padding, global average pooling, residual blocks
// and the ResNets, from the layer library.
#include "ch10/resnet.hpp"

#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "ch10/batchnorm.hpp"
#include "layers/basic.hpp"
#include "layers/compose.hpp"
#include "nn/error.hpp"

namespace nn::ch10 {

using namespace layers;

// ---- Pad2d ------------------------------------------------------------------------------------

template <typename T>
Pad2d<T>::Pad2d(int top, int bottom, int left, int right, T value)
    : top_(top), bottom_(bottom), left_(left), right_(right), value_(value) {
  if (top < 0 || bottom < 0 || left < 0 || right < 0)
    throw Error("pad: the padding must not be negative, got top " + std::to_string(top) + ", bottom " +
                std::to_string(bottom) + ", left " + std::to_string(left) + ", right " + std::to_string(right));
}

template <typename T>
Pad2d<T> Pad2d<T>::ceil_for(int window, int stride, T value) {
  if (window < 1 || stride < 1)
    throw Error("pad: ceil mode needs a window and a stride of at least 1, got " + std::to_string(window) + " and " +
                std::to_string(stride));
  Pad2d p(0, 0, 0, 0, value);
  p.ceil_window_ = window;
  p.ceil_stride_ = stride;
  return p;
}

template <typename T>
int Pad2d<T>::extra(std::int64_t size) const {
  if (ceil_stride_ == 0 || size < ceil_window_) return 0;
  // The windows that fit leave (size − F) mod S positions over; one more
  // window starts there if any are left.
  const std::int64_t left_over = (size - ceil_window_) % ceil_stride_;
  return left_over ? static_cast<int>(ceil_stride_ - left_over) : 0;
}

template <typename T>
std::string Pad2d<T>::describe() const {
  const std::string fill = value_ == -std::numeric_limits<T>::infinity() ? "-inf" : std::to_string(value_);
  if (ceil_stride_)
    return "pad bottom/right to whole " + std::to_string(ceil_window_) + "/" + std::to_string(ceil_stride_) +
           " windows with " + fill;
  if (top_ == bottom_ && top_ == left_ && top_ == right_) return "pad " + std::to_string(top_) + " with " + fill;
  return "pad " + std::to_string(top_) + "," + std::to_string(bottom_) + "," + std::to_string(left_) + "," +
         std::to_string(right_) + " with " + fill;
}

template <typename T>
Shape Pad2d<T>::output_shape(const Shape& input) const {
  if (input.rank() != 4) throw Error("pad: expected an input (N, C, H, W), got " + input.str());
  return Shape{input[0], input[1], input[2] + top_ + bottom_ + extra(input[2]),
               input[3] + left_ + right_ + extra(input[3])};
}

template <typename T>
void Pad2d<T>::forward(TensorView<const T> x, TensorView<T> y, Mode) {
  const std::int64_t planes = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3);
  const std::int64_t oh = y.dim(2), ow = y.dim(3);
  for (std::int64_t q = 0; q < planes; ++q) {
    const T* src = x.data() + q * h * w;
    T* dst = y.data() + q * oh * ow;
    for (std::int64_t i = 0; i < oh * ow; ++i) dst[i] = value_;
    for (std::int64_t r = 0; r < h; ++r)
      for (std::int64_t c = 0; c < w; ++c) dst[(r + top_) * ow + c + left_] = src[r * w + c];
  }
}

template <typename T>
void Pad2d<T>::backward(TensorView<const T> x, TensorView<const T>, TensorView<const T> dy, TensorView<T> dx) {
  // y[r + top, c + left] = x[r, c]: each input's delta is its copy's delta;
  // the padding's deltas go nowhere (a constant has no input).
  if (!dx.size()) return;
  const std::int64_t planes = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3);
  const std::int64_t oh = dy.dim(2), ow = dy.dim(3);
  for (std::int64_t q = 0; q < planes; ++q) {
    const T* src = dy.data() + q * oh * ow;
    T* dst = dx.data() + q * h * w;
    for (std::int64_t r = 0; r < h; ++r)
      for (std::int64_t c = 0; c < w; ++c) dst[r * w + c] += src[(r + top_) * ow + c + left_];
  }
}

// ---- GlobalAvgPool2d --------------------------------------------------------------------------

template <typename T>
Shape GlobalAvgPool2d<T>::output_shape(const Shape& input) const {
  if (input.rank() != 4 || input[2] < 1 || input[3] < 1)
    throw Error("global average pool: expected an input (N, C, H, W) with H, W ≥ 1, got " + input.str());
  return Shape{input[0], input[1]};
}

template <typename T>
void GlobalAvgPool2d<T>::forward(TensorView<const T> x, TensorView<T> y, Mode) {
  const std::int64_t planes = x.dim(0) * x.dim(1), area = x.dim(2) * x.dim(3);
  for (std::int64_t q = 0; q < planes; ++q) {
    const T* p = x.data() + q * area;
    T sum = 0;
    for (std::int64_t i = 0; i < area; ++i) sum += p[i];
    y.data()[q] = sum / static_cast<T>(area);
  }
}

template <typename T>
void GlobalAvgPool2d<T>::backward(TensorView<const T> x, TensorView<const T>, TensorView<const T> dy,
                                  TensorView<T> dx) {
  // y = (1/A) Σ x over the plane, so each of its A inputs gets dy / A.
  if (!dx.size()) return;
  const std::int64_t planes = x.dim(0) * x.dim(1), area = x.dim(2) * x.dim(3);
  for (std::int64_t q = 0; q < planes; ++q) {
    const T d = dy.data()[q] / static_cast<T>(area);
    T* p = dx.data() + q * area;
    for (std::int64_t i = 0; i < area; ++i) p[i] += d;
  }
}

// ---- pools and blocks -------------------------------------------------------------------------

template <typename T>
std::unique_ptr<Layer<T>> max_pool(int window, int stride, int pad, bool ceil_mode) {
  constexpr T minus_inf = -std::numeric_limits<T>::infinity();
  auto s = std::make_unique<Sequential<T>>();
  if (pad > 0) s->template emplace<Pad2d<T>>("pad", pad, pad, pad, pad, minus_inf);
  if (ceil_mode) s->add("ceil", std::make_unique<Pad2d<T>>(Pad2d<T>::ceil_for(window, stride, minus_inf)));
  s->template emplace<MaxPool2d<T>>("pool", ch07::Pool2dGeometry{window, window, stride});
  return s;
}

namespace {

// A conv ("same" padding) and, with batch norm, the batch norm after it;
// the conv is bias-free when a batch norm follows (its β is the shift).
template <typename T>
void add_conv(Sequential<T>& s, const std::string& name, int in, int out, int kernel, int stride,
              const std::string& bn_name, bool batch_norm = true) {
  Conv2dSpec spec = Conv2dSpec::square(in, out, kernel, stride, kernel / 2);
  spec.bias = !batch_norm;
  s.template emplace<Conv2d<T>>(name, spec);
  if (batch_norm) s.template emplace<BatchNorm<T>>(bn_name, out);
}

template <typename T>
void add_relu(Sequential<T>& s, const std::string& name) {
  s.template emplace<Activation<T>>(name, ch02::Activation::relu());
}

// downsample: 1×1/stride conv → batch norm, named "0" and "1" as torchvision's.
template <typename T>
std::unique_ptr<Layer<T>> projection(int in, int out, int stride, bool batch_norm) {
  auto s = std::make_unique<Sequential<T>>();
  add_conv(*s, "0", in, out, 1, stride, "1", batch_norm);
  return s;
}

// body (+ shortcut) → relu, the block's parameters named as the body's.
template <typename T>
std::unique_ptr<Layer<T>> finish(std::unique_ptr<Sequential<T>> body, std::unique_ptr<Layer<T>> shortcut,
                                 Shortcut kind) {
  auto block = std::make_unique<Sequential<T>>();
  if (kind == Shortcut::Plain)
    block->add("", std::move(body));
  else
    block->add("", std::make_unique<Residual<T>>(std::move(body), std::move(shortcut)));
  add_relu(*block, "relu_out");
  return block;
}

}  // namespace

template <typename T>
std::unique_ptr<Layer<T>> basic_block(int in, int out, int stride, Shortcut kind, bool batch_norm) {
  auto body = std::make_unique<Sequential<T>>();
  add_conv(*body, "conv1", in, out, 3, stride, "bn1", batch_norm);
  add_relu(*body, "relu");
  add_conv(*body, "conv2", out, out, 3, 1, "bn2", batch_norm);
  std::unique_ptr<Layer<T>> shortcut;
  if (kind == Shortcut::Residual && (stride != 1 || in != out)) shortcut = projection<T>(in, out, stride, batch_norm);
  return finish(std::move(body), std::move(shortcut), kind);
}

template <typename T>
std::unique_ptr<Layer<T>> bottleneck_block(int in, int width, int stride) {
  const int out = 4 * width;
  auto body = std::make_unique<Sequential<T>>();
  add_conv(*body, "conv1", in, width, 1, 1, "bn1");
  add_relu(*body, "relu1");
  add_conv(*body, "conv2", width, width, 3, stride, "bn2");  // torchvision's v1.5: the stride on the 3×3
  add_relu(*body, "relu2");
  add_conv(*body, "conv3", width, out, 1, 1, "bn3");
  std::unique_ptr<Layer<T>> shortcut;
  if (stride != 1 || in != out) shortcut = projection<T>(in, out, stride, true);
  return finish(std::move(body), std::move(shortcut), Shortcut::Residual);
}

// ---- the networks -----------------------------------------------------------------------------

template <typename T>
Network<T> resnet_network(const ResNetConfig& c, Rng& rng) {
  int blocks[4];
  bool bottleneck = false;
  switch (c.depth) {
    case 18: blocks[0] = 2, blocks[1] = 2, blocks[2] = 2, blocks[3] = 2; break;
    case 34: blocks[0] = 3, blocks[1] = 4, blocks[2] = 6, blocks[3] = 3; break;
    case 50:
      blocks[0] = 3, blocks[1] = 4, blocks[2] = 6, blocks[3] = 3;
      bottleneck = true;
      break;
    default: throw Error("ResNet: the depth must be 18, 34 or 50, got " + std::to_string(c.depth));
  }
  if (c.image < 32)
    throw Error("ResNet: the image side must be at least 32 (five halvings), got " + std::to_string(c.image));
  Network<T> net("ResNet-" + std::to_string(c.depth) + " (" + std::to_string(c.in_channels) + "x" +
                     std::to_string(c.image) + "x" + std::to_string(c.image) + ", " + std::to_string(c.classes) +
                     " classes)",
                 Shape{c.in_channels, c.image, c.image}, c.classes);
  net.set_metadata("model", "resnet" + std::to_string(c.depth));
  Sequential<T>& s = net.body();
  Conv2dSpec stem = Conv2dSpec::square(c.in_channels, 64, 7, 2, 3);
  stem.bias = false;
  s.template emplace<Conv2d<T>>("conv1", stem);
  s.template emplace<BatchNorm<T>>("bn1", 64);
  add_relu(s, "relu");
  s.add("maxpool", max_pool<T>(3, 2, 1));
  int in = 64;
  for (int stage = 0; stage < 4; ++stage) {
    const int width = 64 << stage;
    auto layer = std::make_unique<Sequential<T>>();
    for (int b = 0; b < blocks[stage]; ++b) {
      const int stride = (stage > 0 && b == 0) ? 2 : 1;
      if (bottleneck) {
        layer->add(std::to_string(b), bottleneck_block<T>(in, width, stride));
        in = 4 * width;
      } else {
        layer->add(std::to_string(b), basic_block<T>(in, width, stride));
        in = width;
      }
    }
    s.add("layer" + std::to_string(stage + 1), std::move(layer));
  }
  s.template emplace<GlobalAvgPool2d<T>>("avgpool");
  s.template emplace<Dense<T>>("fc", in, c.classes);
  net.initialize(Init::He, rng);
  return net;
}

template <typename T>
Network<T> cifar_resnet_network(const CifarResNetConfig& c, Rng& rng) {
  if (c.blocks < 1) throw Error("CIFAR ResNet: at least 1 block per stage, got " + std::to_string(c.blocks));
  if (c.width < 1) throw Error("CIFAR ResNet: the width must be at least 1, got " + std::to_string(c.width));
  if (c.image < 4) throw Error("CIFAR ResNet: the image side must be at least 4, got " + std::to_string(c.image));
  const int layers = 6 * c.blocks + 2;
  const std::string kind = c.kind == Shortcut::Plain ? "plain" : "ResNet";
  Network<T> net(kind + "-" + std::to_string(layers) + (c.batch_norm ? "" : " without batch norm") + " (" +
                     std::to_string(c.in_channels) + "x" +
                     std::to_string(c.image) + "x" + std::to_string(c.image) + ", width " + std::to_string(c.width) +
                     ")",
                 Shape{c.in_channels, c.image, c.image}, c.classes);
  net.set_metadata("model", (c.kind == Shortcut::Plain ? "plain" : "resnet") + std::to_string(layers) + "_cifar");
  net.set_metadata("width", std::to_string(c.width));
  net.set_metadata("batch_norm", c.batch_norm ? "1" : "0");
  Sequential<T>& s = net.body();
  add_conv(s, "conv1", c.in_channels, c.width, 3, 1, "bn1", c.batch_norm);
  add_relu(s, "relu");
  int in = c.width;
  for (int stage = 0; stage < 3; ++stage) {
    const int width = c.width << stage;
    auto layer = std::make_unique<Sequential<T>>();
    for (int b = 0; b < c.blocks; ++b) {
      const int stride = (stage > 0 && b == 0) ? 2 : 1;
      layer->add(std::to_string(b), basic_block<T>(in, width, stride, c.kind, c.batch_norm));
      in = width;
    }
    s.add("layer" + std::to_string(stage + 1), std::move(layer));
  }
  s.template emplace<GlobalAvgPool2d<T>>("avgpool");
  s.template emplace<Dense<T>>("fc", in, c.classes);
  net.initialize(Init::He, rng);
  return net;
}

#define NN_CH10_RESNET(T)                                                                                   \
  template class Pad2d<T>;                                                                                  \
  template class GlobalAvgPool2d<T>;                                                                        \
  template std::unique_ptr<Layer<T>> max_pool<T>(int, int, int, bool);                                      \
  template std::unique_ptr<Layer<T>> basic_block<T>(int, int, int, Shortcut, bool);                             \
  template std::unique_ptr<Layer<T>> bottleneck_block<T>(int, int, int);                                    \
  template Network<T> resnet_network<T>(const ResNetConfig&, Rng&);                                         \
  template Network<T> cifar_resnet_network<T>(const CifarResNetConfig&, Rng&);
NN_CH10_RESNET(float)
NN_CH10_RESNET(double)
#undef NN_CH10_RESNET

}  // namespace nn::ch10
