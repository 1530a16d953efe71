// Chapter 9 (no exercise on the path): AlexNet's summary reproduces the
// lectures' table (output shapes, parameters, multiply-adds, single tower
// and in two groups), its parameters carry PyTorch's names and layouts, the
// width multiplier keeps the topology, and an input of the wrong size is
// refused naming the layer and the sizes.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ch09/alexnet.hpp"
#include "layer_check.hpp"
#include "layers/train.hpp"
#include "nn/error.hpp"
#include "nn/safetensors.hpp"
#include "test_util.hpp"

using namespace nn;
using namespace nn::ch09;

namespace {

struct Totals {
  std::int64_t parameters = 0, multiply_adds = 0;
};

Totals totals(layers::Network<float>& net) {
  Totals t;
  for (const auto& r : net.summary()) {
    t.parameters += r.parameters;
    t.multiply_adds += r.multiply_adds;
  }
  return t;
}


}  // namespace

TEST_CASE("AlexNet's summary is the lectures' table: single tower", "[ch09][shapes]") {
  Rng rng(920);
  layers::Network<float> net = alexnet_network<float>(AlexNetConfig{}, rng);
  std::vector<std::string> rows;
  for (const auto& r : net.summary())
    rows.push_back(r.name + " " + test::shape_text(r.output) + " " + std::to_string(r.parameters));
  CHECK(rows == std::vector<std::string>{
                    "conv1 96x55x55 34944",  "relu1 96x55x55 0",      "pool1 96x27x27 0",  "norm1 96x27x27 0",
                    "conv2 256x27x27 614656", "relu2 256x27x27 0",    "pool2 256x13x13 0", "norm2 256x13x13 0",
                    "conv3 384x13x13 885120", "relu3 384x13x13 0",    "conv4 384x13x13 1327488",
                    "relu4 384x13x13 0",      "conv5 256x13x13 884992", "relu5 256x13x13 0", "pool5 256x6x6 0",
                    "flatten 9216 0",         "drop6 9216 0",         "fc6 4096 37752832", "relu6 4096 0",
                    "drop7 4096 0",           "fc7 4096 16781312",    "relu7 4096 0",      "fc8 1000 4097000"});
  // CONV1: 34,848 weights + 96 biases; the whole network 62,378,344 parameters
  // and 1,135,256,096 multiply-adds an image.
  CHECK(test::parameter(net, "conv1.weight").value.size() == 34848);
  const Totals t = totals(net);
  CHECK(t.parameters == 62378344);
  CHECK(net.parameter_count() == 62378344);
  CHECK(t.multiply_adds == 1135256096);
}

TEST_CASE("AlexNet in two groups, as on the paper's two GPUs", "[ch09][shapes]") {
  AlexNetConfig config;
  config.groups = 2;
  Rng rng(921);
  layers::Network<float> net = alexnet_network<float>(config, rng);
  const Totals t = totals(net);
  CHECK(t.parameters == 60965224);
  CHECK(t.multiply_adds == 724406816);
  CHECK(test::parameter(net, "conv2.weight").value.shape() == (Shape{256, 48, 5, 5}));
  CHECK(test::parameter(net, "conv3.weight").value.shape() == (Shape{384, 256, 3, 3}));  // conv3 sees both halves
  CHECK(test::parameter(net, "conv4.weight").value.shape() == (Shape{384, 192, 3, 3}));
  CHECK(test::parameter(net, "conv5.weight").value.shape() == (Shape{256, 192, 3, 3}));
}

TEST_CASE("AlexNet's parameters carry PyTorch's names and layouts, fc6 over the (C, H, W) order", "[ch09][shapes]") {
  AlexNetConfig config;
  config.in_channels = 1;
  config.classes = 10;
  Rng rng(922);
  layers::Network<float> net = alexnet_network<float>(config, rng);
  std::vector<std::string> names;
  for (const auto& p : net.parameters()) names.push_back(p.name + " " + p.value.shape().str());
  CHECK(names == std::vector<std::string>{"conv1.weight [96, 1, 11, 11]", "conv1.bias [96]",
                                          "conv2.weight [256, 96, 5, 5]", "conv2.bias [256]",
                                          "conv3.weight [384, 256, 3, 3]", "conv3.bias [384]",
                                          "conv4.weight [384, 384, 3, 3]", "conv4.bias [384]",
                                          "conv5.weight [256, 384, 3, 3]", "conv5.bias [256]",
                                          "fc6.weight [4096, 9216]",       "fc6.bias [4096]",
                                          "fc7.weight [4096, 4096]",       "fc7.bias [4096]",
                                          "fc8.weight [10, 4096]",         "fc8.bias [10]"});
}

TEST_CASE("AlexNet's width multiplier scales every width and keeps the topology", "[ch09][shapes]") {
  AlexNetConfig config;
  config.width = 0.25;
  config.groups = 2;
  const AlexNetWidths w = alexnet_widths(config);
  CHECK(std::vector<int>(w.conv, w.conv + 5) == std::vector<int>{24, 64, 96, 96, 64});
  CHECK(w.fc == 1024);
  config.width = 0.01;  // rounds to one filter a group, never none
  const AlexNetWidths tiny = alexnet_widths(config);
  CHECK(std::vector<int>(tiny.conv, tiny.conv + 5) == std::vector<int>{2, 2, 4, 4, 2});
  config.width = 0;
  CHECK_THROWS_AS(alexnet_widths(config), Error);
}

TEST_CASE("AlexNet's checkpoints carry its configuration, and grey images can feed three input channels",
          "[ch09][shapes]") {
  AlexNetConfig config;
  config.source_channels = 1;
  config.source = 28;
  config.resize = 240;
  config.classes = 10;
  config.width = 0.0625;
  config.groups = 2;
  Rng rng(924);
  layers::Network<float> net = alexnet_network<float>(config, rng);
  CHECK(net.image() == Shape{1, 28, 28});
  const auto& body = net.body();
  CHECK(body.child_name(0) == "resize");
  CHECK(body.child_name(1) == "crop");
  CHECK(body.child_name(2) == "grey");  // after the crop: the resize works on one channel
  for (const auto& p : net.parameters())
    if (p.name == "conv1.weight") CHECK(p.value.shape() == Shape{6, 3, 11, 11});
  const Tensor<float> x(Shape{2, 1, 28, 28});
  CHECK(net.forward(x, layers::Mode::Eval).shape() == Shape{2, 10});
  test::TempDir dir("nn_ch09_metadata");
  layers::save(dir.path / "net.safetensors", net);
  const auto meta = SafetensorsFile(dir.path / "net.safetensors").metadata();
  const std::pair<const char*, const char*> expected[] = {
      {"model", "alexnet"}, {"width", "0.0625"}, {"groups", "2"}, {"in_channels", "3"}, {"image", "227"},
      {"classes", "10"}, {"source", "28"}, {"source_channels", "1"}, {"resize", "240"}, {"dropout", "0.5"}};
  for (const auto& [key, value] : expected) {
    INFO(key);
    REQUIRE(meta.count(key) == 1);
    CHECK(meta.at(key) == value);
  }
  CHECK(meta.at("lrn").find("alpha=0.0001") != std::string::npos);
  config.source_channels = 2;
  CHECK_THROWS_WITH(alexnet_network<float>(config, rng), Catch::Contains("only a grey channel can be repeated"));
}

TEST_CASE("AlexNet refuses an input of the wrong size, naming the layer and the sizes", "[ch09][shapes]") {
  AlexNetConfig config;
  config.in_channels = 1;
  config.classes = 10;
  config.width = 0.0625;
  Rng rng(923);
  layers::Network<float> net = alexnet_network<float>(config, rng);
  const Tensor<float> small(Shape{2, 1, 28, 28});
  CHECK_THROWS_WITH(net.forward(small, layers::Mode::Eval), Catch::Contains("(N, 1, 227, 227)") &&
                                                               Catch::Contains("[2, 1, 28, 28]"));
  // A 28×28 AlexNet: conv1 leaves 5×5, pool1 2×2, where pool2's 3×3 window does not fit.
  config.image = 28;
  CHECK_THROWS_WITH(alexnet_network<float>(config, rng),
                    Catch::Contains("layer 'pool2' (max-pool 3x3/2) on input [1, 16, 2, 2]") &&
                        Catch::Contains("the window covers 3"));
}
