// vgg.cpp — Chapter 10: VGG-16 from the layer library.
#include "ch10/vgg.hpp"

#include <memory>
#include <string>

#include "layers/basic.hpp"
#include "layers/compose.hpp"
#include "nn/error.hpp"

namespace nn::ch10 {

template <typename T>
layers::Network<T> vgg16_network(const VggConfig& c, Rng& rng) {
  using namespace layers;
  if (c.image % 32 != 0 || c.image < 32)
    throw Error("VGG-16: the image side must be a multiple of 32 (five 2x2 pools), got " + std::to_string(c.image));
  const std::string name = "VGG-16 (" + std::to_string(c.in_channels) + "x" + std::to_string(c.image) + "x" +
                           std::to_string(c.image) + ", " + std::to_string(c.classes) + " classes)";
  Network<T> net(name, Shape{c.in_channels, c.image, c.image}, c.classes);
  net.set_metadata("model", "vgg16");
  Sequential<T>& s = net.body();
  // The children are named by their index, as in torchvision's nn.Sequential.
  auto features = std::make_unique<Sequential<T>>();
  int index = 0, channels = c.in_channels;
  auto next = [&] { return std::to_string(index++); };
  const int stages[5][2] = {{64, 2}, {128, 2}, {256, 3}, {512, 3}, {512, 3}};
  for (const auto& [filters, convs] : stages) {
    for (int k = 0; k < convs; ++k) {
      features->template emplace<Conv2d<T>>(next(), Conv2dSpec::square(channels, filters, 3, 1, 1));
      features->template emplace<Activation<T>>(next(), ch02::Activation::relu());
      channels = filters;
    }
    features->template emplace<MaxPool2d<T>>(next(), ch07::Pool2dGeometry{2, 2, 2});
  }
  s.add("features", std::move(features));
  s.template emplace<Flatten<T>>("flatten");
  const int side = c.image / 32;
  auto classifier = std::make_unique<Sequential<T>>();
  classifier->template emplace<Dense<T>>("0", static_cast<std::int64_t>(channels) * side * side, 4096);
  classifier->template emplace<Activation<T>>("1", ch02::Activation::relu());
  if (c.dropout > 0) classifier->template emplace<Dropout<T>>("2", c.dropout);
  classifier->template emplace<Dense<T>>("3", 4096, 4096);
  classifier->template emplace<Activation<T>>("4", ch02::Activation::relu());
  if (c.dropout > 0) classifier->template emplace<Dropout<T>>("5", c.dropout);
  classifier->template emplace<Dense<T>>("6", 4096, c.classes);
  s.add("classifier", std::move(classifier));
  net.initialize(Init::He, rng);
  return net;
}

template layers::Network<float> vgg16_network<float>(const VggConfig&, Rng&);
template layers::Network<double> vgg16_network<double>(const VggConfig&, Rng&);

}  // namespace nn::ch10
