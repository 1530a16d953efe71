// inception.cpp — Chapter 10: inception modules and GoogLeNet from the layer
// library.
#include "ch10/inception.hpp"

#include <memory>
#include <string>
#include <utility>

#include "ch09/lrn.hpp"
#include "ch10/batchnorm.hpp"
#include "ch10/resnet.hpp"
#include "layers/basic.hpp"
#include "layers/compose.hpp"
#include "nn/error.hpp"

namespace nn::ch10 {

using namespace layers;

int InceptionSpec::out_channels(int in, InceptionStyle style) const {
  return c1 + c3 + c5 + (style == InceptionStyle::Naive ? in : pool);
}

namespace {

// A conv (stride 1, "same" padding) and what follows it in this style:
// conv + bias → relu, or bias-free conv → batch norm → relu (torchvision's
// BasicConv2d, whose parts are named conv and bn).
template <typename T>
std::unique_ptr<Layer<T>> conv_unit(int in, int out, int kernel, int stride, InceptionStyle style) {
  auto s = std::make_unique<Sequential<T>>();
  Conv2dSpec spec = Conv2dSpec::square(in, out, kernel, stride, kernel / 2);
  if (style == InceptionStyle::TorchVision) {
    spec.bias = false;
    s->template emplace<Conv2d<T>>("conv", spec);
    s->template emplace<BatchNorm<T>>("bn", out, BatchNormParams{1e-3, 0.1});
  } else {
    s->template emplace<Conv2d<T>>("conv", spec);
  }
  s->template emplace<Activation<T>>("relu", ch02::Activation::relu());
  return s;
}

}  // namespace

template <typename T>
std::unique_ptr<Layer<T>> inception_module(int in, const InceptionSpec& s, InceptionStyle style) {
  if (in < 1 || s.c1 < 1 || s.c3 < 1 || s.c5 < 1 || (style != InceptionStyle::Naive && (s.r3 < 1 || s.r5 < 1 || s.pool < 1)))
    throw Error("inception module: every branch needs at least one channel");
  auto m = std::make_unique<Concat<T>>();
  m->add("branch1", conv_unit<T>(in, s.c1, 1, 1, style));
  // torchvision's "5×5" branch is 3×3 (see the header)
  const int k5 = style == InceptionStyle::TorchVision ? 3 : 5;
  if (style == InceptionStyle::Naive) {
    m->add("branch2", conv_unit<T>(in, s.c3, 3, 1, style));
    m->add("branch3", conv_unit<T>(in, s.c5, k5, 1, style));
    m->add("branch4", max_pool<T>(3, 1, 1));
    return m;
  }
  auto b2 = std::make_unique<Sequential<T>>();
  b2->add("0", conv_unit<T>(in, s.r3, 1, 1, style));
  b2->add("1", conv_unit<T>(s.r3, s.c3, 3, 1, style));
  m->add("branch2", std::move(b2));
  auto b3 = std::make_unique<Sequential<T>>();
  b3->add("0", conv_unit<T>(in, s.r5, 1, 1, style));
  b3->add("1", conv_unit<T>(s.r5, s.c5, k5, 1, style));
  m->add("branch3", std::move(b3));
  auto b4 = std::make_unique<Sequential<T>>();
  b4->add("0", max_pool<T>(3, 1, 1));
  b4->add("1", conv_unit<T>(in, s.pool, 1, 1, style));
  m->add("branch4", std::move(b4));
  return m;
}

template <typename T>
Network<T> googlenet_network(const GoogLeNetConfig& c, Rng& rng) {
  if (c.style == InceptionStyle::Naive)
    throw Error("GoogLeNet: built from the modules with 1x1 reductions (Paper or TorchVision style)");
  if (c.image < 32) throw Error("GoogLeNet: the image side must be at least 32, got " + std::to_string(c.image));
  const bool paper = c.style == InceptionStyle::Paper;
  Network<T> net(std::string("GoogLeNet (") + (paper ? "the paper's" : "torchvision's") + ", " +
                     std::to_string(c.in_channels) + "x" + std::to_string(c.image) + "x" + std::to_string(c.image) +
                     ", " + std::to_string(c.classes) + " classes)",
                 Shape{c.in_channels, c.image, c.image}, c.classes);
  net.set_metadata("model", paper ? "googlenet_paper" : "googlenet");
  Sequential<T>& s = net.body();
  // The paper's LRN: size 5, α = 1e-4, β = 0.75, k = 2 as chapter 9's.
  s.add("conv1", conv_unit<T>(c.in_channels, 64, 7, 2, c.style));
  s.add("maxpool1", max_pool<T>(3, 2, 0, true));
  if (paper) s.template emplace<ch09::LocalResponseNorm<T>>("norm1");
  s.add("conv2", conv_unit<T>(64, 64, 1, 1, c.style));
  s.add("conv3", conv_unit<T>(64, 192, 3, 1, c.style));
  if (paper) s.template emplace<ch09::LocalResponseNorm<T>>("norm2");
  s.add("maxpool2", max_pool<T>(3, 2, 0, true));
  int in = 192;
  auto module = [&](const char* name, InceptionSpec spec) {
    s.add(name, inception_module<T>(in, spec, c.style));
    in = spec.out_channels(in, c.style);
  };
  module("inception3a", {64, 96, 128, 16, 32, 32});
  module("inception3b", {128, 128, 192, 32, 96, 64});
  s.add("maxpool3", max_pool<T>(3, 2, 0, true));
  module("inception4a", {192, 96, 208, 16, 48, 64});
  module("inception4b", {160, 112, 224, 24, 64, 64});
  module("inception4c", {128, 128, 256, 24, 64, 64});
  module("inception4d", {112, 144, 288, 32, 64, 64});
  module("inception4e", {256, 160, 320, 32, 128, 128});
  s.add("maxpool4", max_pool<T>(2, 2, 0, true));
  module("inception5a", {256, 160, 320, 32, 128, 128});
  module("inception5b", {384, 192, 384, 48, 128, 128});
  s.template emplace<GlobalAvgPool2d<T>>("avgpool");
  if (c.dropout > 0) s.template emplace<Dropout<T>>("dropout", c.dropout);
  s.template emplace<Dense<T>>("fc", in, c.classes);
  net.initialize(Init::He, rng);
  return net;
}

template std::unique_ptr<Layer<float>> inception_module<float>(int, const InceptionSpec&, InceptionStyle);
template std::unique_ptr<Layer<double>> inception_module<double>(int, const InceptionSpec&, InceptionStyle);
template Network<float> googlenet_network<float>(const GoogLeNetConfig&, Rng&);
template Network<double> googlenet_network<double>(const GoogLeNetConfig&, Rng&);

}  // namespace nn::ch10
