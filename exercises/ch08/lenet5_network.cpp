// lenet5_network.cpp — Chapter 8: LeNet-5, a list of layers.
#include "ch08/lenet5_network.hpp"

#include <memory>

#include "layers/basic.hpp"

namespace nn::ch08 {

template <typename T>
layers::Network<T> lenet5_network(Rng& rng, std::int64_t slice_images) {
  using namespace layers;
  const ch07::Pool2dGeometry pool{2, 2, 2};
  Network<T> net("LeNet-5 (c1 6@5x5 pad 2, tanh, avg-pool, c3 16@5x5, tanh, avg-pool, c5 120@5x5, tanh, f6 84, tanh, "
                 "output 10)",
                 Shape{1, 28, 28}, 10);
  auto features = std::make_unique<Sequential<T>>();
  features->template emplace<Conv2d<T>>("c1", Conv2dSpec::square(1, 6, 5, 1, 2));
  features->template emplace<Activation<T>>("tanh1", ch02::Activation::tanh());
  features->template emplace<AvgPool2d<T>>("s2", pool);
  features->template emplace<Conv2d<T>>("c3", Conv2dSpec::square(6, 16, 5));
  features->template emplace<Activation<T>>("tanh3", ch02::Activation::tanh());
  features->template emplace<AvgPool2d<T>>("s4", pool);
  features->run_in_slices(slice_images);
  Sequential<T>& s = net.body();
  s.add("", std::move(features));
  s.template emplace<Conv2d<T>>("c5", Conv2dSpec::square(16, 120, 5));
  s.template emplace<Activation<T>>("tanh5", ch02::Activation::tanh());
  s.template emplace<Flatten<T>>("flatten");
  s.template emplace<Dense<T>>("f6", 120, 84);
  s.template emplace<Activation<T>>("tanh6", ch02::Activation::tanh());
  s.template emplace<Dense<T>>("output", 84, 10);
  net.initialize(Init::Xavier, rng);
  return net;
}

template layers::Network<float> lenet5_network<float>(Rng&, std::int64_t);
template layers::Network<double> lenet5_network<double>(Rng&, std::int64_t);

}  // namespace nn::ch08
