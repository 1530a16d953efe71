// Chapter 10 (no exercise on the path): VGG-16's summary reproduces the
// lectures' table — 138,357,544 parameters, about 15.2 million activations
// an image in the forward pass (61 MB in float), most of the memory in the
// first convolutions and most of the parameters in the first dense layer —
// with torchvision's names and layouts.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ch10/vgg.hpp"
#include "layer_check.hpp"
#include "test_util.hpp"

using namespace nn;
using namespace nn::ch10;

TEST_CASE("VGG-16's summary is the lectures' table, with torchvision's names", "[ch10][vgg]") {
  Rng rng(1016);
  layers::Network<float> net = vgg16_network<float>(VggConfig{}, rng);
  CHECK(net.parameter_count() == 138357544);
  CHECK(test::parameter(net, "features.0.weight").value.shape().str() == "[64, 3, 3, 3]");
  CHECK(test::parameter(net, "features.28.weight").value.shape().str() == "[512, 512, 3, 3]");
  CHECK(test::parameter(net, "classifier.0.weight").value.shape().str() == "[4096, 25088]");
  CHECK(test::parameter(net, "classifier.6.bias").value.shape().str() == "[1000]");
  // The lectures count the input and the output of every conv, pool and
  // dense layer (a ReLU works in place): 15,237,608 floats, and the two
  // 224×224×64 layers alone hold 6.4 million of them. Their parameters:
  // 1,792 + 36,928 against fc6's 102,764,544.
  std::int64_t activations = 3 * 224 * 224, largest = 0, fc6 = 0, first_two = 0;
  std::int64_t multiply_adds = 0;
  for (const auto& r : net.summary()) {
    multiply_adds += r.multiply_adds;
    const bool counted = r.description.rfind("conv", 0) == 0 || r.description.rfind("max", 0) == 0 ||
                         r.description.rfind("dense", 0) == 0;
    if (!counted) continue;
    activations += r.output.numel();
    largest = std::max(largest, r.output.numel());
    if (r.name == "classifier.0") fc6 = r.parameters;
    if (r.name == "features.0" || r.name == "features.2") first_two += r.parameters;
  }
  CHECK(activations == 15237608);
  CHECK(largest == 64 * 224 * 224);
  CHECK(fc6 == 102764544);
  CHECK(first_two == 1792 + 36928);
  CHECK(multiply_adds == 15470264320);
}
