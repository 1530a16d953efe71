// cnn.cpp — Chapter 7: the small CNN, a list of layers.
#include "ch07/cnn.hpp"

#include <memory>
#include <string>

#include "ch06/shapes.hpp"
#include "layers/basic.hpp"

namespace nn::ch07 {

template <typename T>
layers::Network<T> make_cnn(const CnnConfig& c, Rng& rng) {
  using namespace layers;
  const int pad = ch06::padding_for(ch06::Padding::Same, c.kernel);
  const Pool2dGeometry pool{2, 2, 2};
  const std::int64_t flat = std::int64_t{c.filters2} * pool.out_h(pool.out_h(c.height)) * pool.out_w(pool.out_w(c.width));
  Network<T> net("small CNN: conv" + std::to_string(c.filters1) + " " + std::to_string(c.kernel) + "x" +
                     std::to_string(c.kernel) + ", relu, max-pool, conv" + std::to_string(c.filters2) +
                     ", relu, max-pool, fc " + std::to_string(c.classes),
                 Shape{c.channels, c.height, c.width}, c.classes);
  Sequential<T>& s = net.body();
  s.template emplace<Conv2d<T>>("conv1", Conv2dSpec::square(c.channels, c.filters1, c.kernel, 1, pad));
  s.template emplace<Activation<T>>("relu1", ch02::Activation::relu());
  s.template emplace<MaxPool2d<T>>("pool1", pool);
  s.template emplace<Conv2d<T>>("conv2", Conv2dSpec::square(c.filters1, c.filters2, c.kernel, 1, pad));
  s.template emplace<Activation<T>>("relu2", ch02::Activation::relu());
  s.template emplace<MaxPool2d<T>>("pool2", pool);
  s.template emplace<Flatten<T>>("flatten");
  s.template emplace<Dense<T>>("fc", flat, c.classes);
  net.initialize(Init::He, rng);
  return net;
}

template layers::Network<float> make_cnn<float>(const CnnConfig&, Rng&);
template layers::Network<double> make_cnn<double>(const CnnConfig&, Rng&);

}  // namespace nn::ch07
