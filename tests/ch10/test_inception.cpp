// Chapter 10 (no exercise on the path): the inception module's cost as the
// lectures compute it — the naive module on 28×28×256 and the one with 1×1
// reductions — and GoogLeNet's parameters, counted as torchvision counts
// them and as the 2014 paper's network has them. Nothing here runs a pass.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ch10/inception.hpp"
#include "layer_check.hpp"
#include "test_util.hpp"

using namespace nn;
using namespace nn::ch10;

TEST_CASE("the naive inception module and the one with 1x1 reductions, on 28x28x256", "[ch10][inception]") {
  const Shape input{1, 256, 28, 28};
  const std::int64_t plane = 28 * 28;
  // naive: 1×1 128, 3×3 192, 5×5 96 and the pool's 256 channels passed on
  InceptionSpec naive_spec{128, 0, 192, 0, 96, 0};
  auto naive = inception_module<float>(256, naive_spec, InceptionStyle::Naive);
  CHECK(naive->output_shape(input).str() == "[1, 672, 28, 28]");
  CHECK(naive->multiply_adds(input) == plane * (256 * 128 + 256 * 192 * 9 + 256 * 96 * 25));
  CHECK(naive->multiply_adds(input) == 854196224);
  std::vector<layers::Parameter<float>> params;
  naive->parameters("", params);
  CHECK(layers::count_values(params) == (256 * 128 + 128) + (256 * 192 * 9 + 192) + (256 * 96 * 25 + 96));
  // with reductions: 64 channels before the 3×3 and the 5×5, 64 after the pool
  InceptionSpec reduced_spec{128, 64, 192, 64, 96, 64};
  auto reduced = inception_module<float>(256, reduced_spec, InceptionStyle::Paper);
  CHECK(reduced->output_shape(input).str() == "[1, 480, 28, 28]");
  CHECK(reduced->multiply_adds(input) ==
        plane * (256 * 128 + 256 * 64 + 64 * 192 * 9 + 256 * 64 + 64 * 96 * 25 + 256 * 64));
  CHECK(reduced->multiply_adds(input) == 271351808);
  params.clear();
  reduced->parameters("", params);
  CHECK(params.front().name == "branch1.conv.weight");
  CHECK(params.back().name == "branch4.1.conv.bias");
}

TEST_CASE("GoogLeNet: torchvision's 6,624,904 parameters and the paper's network", "[ch10][inception]") {
  Rng rng(1040);
  layers::Network<float> tv = googlenet_network<float>(GoogLeNetConfig{}, rng);
  CHECK(tv.parameter_count() == 6624904);
  CHECK(test::parameter(tv, "conv1.conv.weight").value.shape().str() == "[64, 3, 7, 7]");
  CHECK(test::parameter(tv, "inception3a.branch2.1.conv.weight").value.shape().str() == "[128, 96, 3, 3]");
  // torchvision's "5x5" branch is 3x3
  CHECK(test::parameter(tv, "inception3a.branch3.1.conv.weight").value.shape().str() == "[32, 16, 3, 3]");
  CHECK(test::parameter(tv, "inception5b.branch4.1.bn.bias").value.shape().str() == "[128]");
  CHECK(test::parameter(tv, "fc.weight").value.shape().str() == "[1000, 1024]");
  // 224 → 112 → (ceil) 56 → 56 → (ceil) 28 → 3a, 3b → 14 → 4a–4e → 7 → 5a, 5b
  std::string after3b, after5b;
  for (const auto& r : tv.summary()) {
    if (r.name == "inception3b") after3b = r.output.str();
    if (r.name == "inception5b") after5b = r.output.str();
  }
  CHECK(after3b == "[1, 480, 28, 28]");
  CHECK(after5b == "[1, 1024, 7, 7]");

  // The paper's: biases instead of batch norm and true 5×5 convolutions.
  GoogLeNetConfig paper;
  paper.style = InceptionStyle::Paper;
  layers::Network<float> p = googlenet_network<float>(paper, rng);
  CHECK(p.parameter_count() == 6998552);
  CHECK(test::parameter(p, "inception3a.branch3.1.conv.weight").value.shape().str() == "[32, 16, 5, 5]");
  CHECK(test::parameter(p, "fc.weight").value.size() + test::parameter(p, "fc.bias").value.size() == 1025000);
}
