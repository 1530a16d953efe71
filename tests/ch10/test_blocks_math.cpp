// Chapter 10, math: the padded and ceil-mode max pools, the residual blocks — identity,
// projection, bottleneck, plain — and the inception modules against finite
// differences in double through the layer interface, and a small ResNet end
// to end. Batch norm runs in the blocks: exercises 10.1 and 10.2 are on the
// path.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ch10/inception.hpp"
#include "ch10/resnet.hpp"
#include "layer_check.hpp"
#include "test_util.hpp"

using namespace nn;
using namespace nn::ch10;

TEST_CASE("padded and ceil-mode max pools have PyTorch's shapes and route the gradient", "[ch10][resnet]") {
  Rng rng(1031);
  // ResNet's stem pool: 3×3/2 pad 1 on 112 → 56; GoogLeNet's ceil-mode
  // 3×3/2 on 112 → 56 and 56 → 28, where the floor would give 55 and 27.
  CHECK(max_pool<double>(3, 2, 1)->output_shape(Shape{1, 64, 112, 112}).str() == "[1, 64, 56, 56]");
  CHECK(max_pool<double>(3, 2, 0, true)->output_shape(Shape{1, 64, 112, 112}).str() == "[1, 64, 56, 56]");
  CHECK(max_pool<double>(3, 2, 0, true)->output_shape(Shape{1, 64, 56, 56}).str() == "[1, 64, 28, 28]");
  CHECK(max_pool<double>(2, 2, 0, true)->output_shape(Shape{1, 8, 14, 14}).str() == "[1, 8, 7, 7]");
  CHECK(max_pool<double>(3, 1, 1, true)->output_shape(Shape{1, 8, 28, 28}).str() == "[1, 8, 28, 28]");
  // On 3×3 with pad 1 the corner window sees only x[0..1][0..1]: −∞ never wins.
  auto pool = max_pool<double>(3, 2, 1);
  Tensor<double> x(Shape{1, 1, 3, 3}), y(pool->output_shape(x.shape()));
  for (int i = 0; i < 9; ++i) x[i] = -10.0 - i;  // all negative: a zero padding would win
  pool->prepare(x.shape());
  pool->forward(x, y, layers::Mode::Train);
  REQUIRE(y.shape().str() == "[1, 1, 2, 2]");
  CHECK(y[0] == -10.0);
  CHECK(y[1] == -11.0);
  CHECK(y[2] == -13.0);
  CHECK(y[3] == -14.0);
  for (bool ceil : {false, true}) {
    auto p = max_pool<double>(3, 2, ceil ? 0 : 1, ceil);
    INFO("ceil mode " << ceil);
    CHECK(test::check_layer(*p, Shape{2, 2, 6, 6}, rng) == std::vector<std::string>{"x"});
  }
}

TEST_CASE("ex10.1 ex10.2 residual blocks match finite differences: identity, projection, bottleneck, plain",
          "[ch10][ex10.1][ex10.2][resnet]") {
  Rng rng(1032);
  struct Case {
    const char* what;
    std::unique_ptr<layers::Layer<double>> block;
    Shape input;
    std::vector<std::string> params;
  };
  const std::vector<std::string> basic = {"x",           "conv1.weight", "bn1.weight", "bn1.bias",
                                          "conv2.weight", "bn2.weight",   "bn2.bias"};
  std::vector<std::string> projected = basic;
  for (const char* p : {"downsample.0.weight", "downsample.1.weight", "downsample.1.bias"}) projected.push_back(p);
  std::vector<std::string> bottleneck = basic;
  for (const char* p : {"conv3.weight", "bn3.weight", "bn3.bias"}) bottleneck.push_back(p);
  std::vector<std::string> bottleneck_projected = bottleneck;
  for (const char* p : {"downsample.0.weight", "downsample.1.weight", "downsample.1.bias"})
    bottleneck_projected.push_back(p);
  std::vector<Case> cases;
  cases.push_back({"identity", basic_block<double>(3, 3, 1), Shape{2, 3, 4, 4}, basic});
  cases.push_back({"projection, stride 2", basic_block<double>(2, 4, 2), Shape{3, 2, 5, 5}, projected});
  cases.push_back({"plain, stride 2", basic_block<double>(2, 4, 2, Shortcut::Plain), Shape{3, 2, 5, 5}, basic});
  cases.push_back({"bottleneck, identity", bottleneck_block<double>(8, 2, 1), Shape{2, 8, 3, 3}, bottleneck});
  cases.push_back(
      {"bottleneck, projection", bottleneck_block<double>(4, 2, 2), Shape{2, 4, 4, 4}, bottleneck_projected});
  for (auto& c : cases) {
    INFO(c.what);
    Rng init(7);
    c.block->initialize(layers::Init::He, init);
    // A block's loss <g, y> sums many outputs, so the centred difference's
    // rounding error ε|L|/h reaches 1e-10 at h = 1e-5, more than a relative
    // 1e-7 allows on the smaller entries; the five-point stencil at h = 1e-4
    // is as exact with a tenth of that rounding (a larger h would carry the
    // inner ReLUs across their kinks).
    test::LayerCheck check;
    check.options.step = 1e-4;
    check.options.five_point = true;
    CHECK(test::check_layer(*c.block, c.input, rng, check) == c.params);
  }
}

TEST_CASE("ex10.1 ex10.2 a small ResNet matches finite differences end to end", "[ch10][ex10.1][ex10.2][resnet]") {
  Rng rng(1033);
  CifarResNetConfig c;
  c.blocks = 1;
  c.width = 3;
  c.image = 8;
  c.classes = 4;
  layers::Network<double> net = cifar_resnet_network<double>(c, rng);
  // γ and β away from 1 and 0, so that a missing term of either shows.
  for (auto& p : net.parameters())
    if (p.name.find("bn") != std::string::npos || p.name.find("downsample.1") != std::string::npos)
      for (double& v : p.value) v = rng.uniform(0.5, 1.5);
  Tensor<double> x(Shape{3, 1, 8, 8});
  fill_uniform(rng, x.span(), -1, 1);
  const std::vector<int> labels = {0, 3, 1};
  GradCheckOptions options;
  options.max_samples = 40;
  test::check_network(net, x, labels, options);
  // and the control of the batch-norm experiment: no batch norm, conv biases
  c.batch_norm = false;
  layers::Network<double> bare = cifar_resnet_network<double>(c, rng);
  test::check_network(bare, x, labels, options);
  // every parameter got a gradient
  for (auto& p : net.parameters()) {
    double largest = 0;
    for (double g : p.grad) largest = std::max(largest, std::abs(g));
    INFO(p.name);
    CHECK(largest > 0);
  }
}

TEST_CASE("ex10.1 ex10.2 inception modules match finite differences: naive, paper, torchvision",
          "[ch10][ex10.1][ex10.2][inception]") {
  Rng rng(1034);
  const InceptionSpec spec{2, 2, 3, 1, 2, 2};
  for (InceptionStyle style : {InceptionStyle::Naive, InceptionStyle::Paper, InceptionStyle::TorchVision}) {
    INFO("style " << static_cast<int>(style));
    auto module = inception_module<double>(3, spec, style);
    Rng init(9);
    module->initialize(layers::Init::He, init);
    test::LayerCheck check;  // as for the residual blocks: many outputs, inner ReLUs
    check.options.step = 1e-4;
    check.options.five_point = true;
    const std::vector<std::string> names = test::check_layer(*module, Shape{2, 3, 5, 5}, rng, check);
    CHECK(names.front() == "x");
    CHECK(names.back() == (style == InceptionStyle::Naive ? "branch3.conv.bias"
                           : style == InceptionStyle::Paper ? "branch4.1.conv.bias"
                                                            : "branch4.1.bn.bias"));
  }
}
