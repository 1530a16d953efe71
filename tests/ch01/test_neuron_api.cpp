// Chapter 1 argument checks: they run before any exercise code, so these
// tests pass in the exercise build too.
#include <catch2/catch.hpp>

#include "ch01/neuron.hpp"

using namespace nn;
using namespace nn::ch01;

TEST_CASE("neuron api: cross-entropy needs the sigmoid", "[ch01][api]") {
  Tensor<double> v(Shape{1});
  CHECK_THROWS_WITH(loss_backward<double>(v, Loss::BinaryCrossEntropy, Activation::Identity, v, v, v),
                    Catch::Contains("needs the sigmoid"));
}

TEST_CASE("neuron api: mismatched shapes are reported", "[ch01][api]") {
  const Tensor<float> x(Shape{3, 2});
  const Tensor<float> w(Shape{3});
  Tensor<float> z(Shape{3}), a(Shape{3});
  CHECK_THROWS_WITH(neuron_forward<float>(z, a, x, w, 0.0f, Activation::Sigmoid),
                    Catch::Contains("2 input features but 3 weights"));
  const Tensor<float> w2(Shape{2});
  Tensor<float> short_z(Shape{2});
  CHECK_THROWS_WITH(neuron_forward<float>(short_z, a, x, w2, 0.0f, Activation::Sigmoid),
                    Catch::Contains("expected shape [3], got [2]"));
}
