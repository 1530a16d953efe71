// Chapter 10, batch normalisation: what the layer refuses and what it
// saves, in every build (no exercise code runs).
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ch10/batchnorm.hpp"
#include "nn/error.hpp"

using namespace nn;
using namespace nn::ch10;

TEST_CASE("batch norm refuses one value per feature in training, a wrong feature count and bad settings",
          "[ch10]") {
  BatchNorm<float> bn(3);
  Tensor<float> one(Shape{1, 3}), y(Shape{1, 3});
  CHECK_THROWS_WITH(bn.forward(one.view(), y.view(), layers::Mode::Train), Catch::Contains("at least 2"));
  CHECK_NOTHROW(bn.forward(one.view(), y.view(), layers::Mode::Eval));  // evaluation needs no batch statistics
  CHECK_THROWS_WITH(bn.output_shape(Shape{4, 5, 2, 2}), Catch::Contains("(N, 3, H, W)"));
  CHECK_THROWS_WITH(bn.output_shape(Shape{4, 3, 2}), Catch::Contains("(N, 3)"));
  CHECK_THROWS_AS(BatchNorm<float>(0), Error);
  CHECK_THROWS_WITH(BatchNorm<float>(3, BatchNormParams{0.0, 0.1}), Catch::Contains("eps = 0"));
  CHECK_THROWS_WITH(BatchNorm<float>(3, BatchNormParams{1e-5, 1.5}), Catch::Contains("momentum = 1.5"));
}

TEST_CASE("batch norm names its tensors as PyTorch's BatchNorm2d does", "[ch10]") {
  BatchNorm<float> bn(4);
  std::vector<layers::Parameter<float>> params;
  std::vector<layers::State<float>> states;
  bn.parameters("bn1", params);
  bn.states("bn1", states);
  REQUIRE(params.size() == 2);
  CHECK(params[0].name == "bn1.weight");
  CHECK(params[1].name == "bn1.bias");
  CHECK_FALSE(params[0].decayed);
  REQUIRE(states.size() == 3);
  CHECK(states[0].name == "bn1.running_mean");
  CHECK(states[1].name == "bn1.running_var");
  CHECK(states[2].name == "bn1.num_batches_tracked");
  CHECK(bn.weight[0] == 1.0f);
  CHECK(bn.running_var[3] == 1.0f);
  CHECK(bn.running_mean[3] == 0.0f);
}
