// Chapter 10 (no exercise on the path): the two layers residual networks
// add (padding and global average pooling, against finite differences in
// double), and the networks' structure — torchvision's parameter counts and
// names for ResNet-18/34/50, the shapes through the stem and the stages,
// and the CIFAR-style nets counted by hand (no pass runs through them).
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ch10/resnet.hpp"
#include "layer_check.hpp"
#include "test_util.hpp"

using namespace nn;
using namespace nn::ch10;

namespace {

// The output of the summary row named `name` (a test failure if none).
std::string output_of(const std::vector<layers::SummaryRow>& rows, const std::string& name) {
  for (const auto& r : rows)
    if (r.name == name) return r.output.str();
  FAIL("no summary row named " << name);
  return {};
}

bool has_state(layers::Network<float>& net, const std::string& name) {
  for (const auto& s : net.states())
    if (s.name == name) return true;
  return false;
}

}  // namespace

TEST_CASE("ResNet-18, -34 and -50 have torchvision's parameter counts, names and shapes", "[ch10][resnet]") {
  Rng rng(1018);
  layers::Network<float> r18 = resnet_network<float>(ResNetConfig{18}, rng);
  CHECK(r18.parameter_count() == 11689512);
  CHECK(test::parameter(r18, "conv1.weight").value.shape().str() == "[64, 3, 7, 7]");
  CHECK(test::parameter(r18, "bn1.weight").value.shape().str() == "[64]");
  CHECK(test::parameter(r18, "layer1.0.conv1.weight").value.shape().str() == "[64, 64, 3, 3]");
  CHECK(test::parameter(r18, "layer2.0.conv1.weight").value.shape().str() == "[128, 64, 3, 3]");
  CHECK(test::parameter(r18, "layer2.0.downsample.0.weight").value.shape().str() == "[128, 64, 1, 1]");
  CHECK(test::parameter(r18, "layer2.0.downsample.1.bias").value.shape().str() == "[128]");
  CHECK(test::parameter(r18, "layer4.1.bn2.weight").value.shape().str() == "[512]");
  CHECK(test::parameter(r18, "fc.weight").value.shape().str() == "[1000, 512]");
  CHECK(has_state(r18, "layer3.0.downsample.1.running_var"));
  CHECK(has_state(r18, "layer1.1.bn1.num_batches_tracked"));
  // No bias on any conv: 62 parameter tensors = conv1 + bn1 (2) + 8 blocks
  // × (2 convs + 2 bn × 2) + 3 projections × 3 + fc (2).
  CHECK(r18.parameters().size() == 1 + 2 + 8 * 6 + 3 * 3 + 2);
  // 224 → conv1 112 → pool (3×3/2, pad 1) 56 → 56, 28, 14, 7 → 512.
  const auto rows = r18.summary();
  CHECK(output_of(rows, "conv1") == "[1, 64, 112, 112]");
  CHECK(output_of(rows, "maxpool.pool") == "[1, 64, 56, 56]");
  CHECK(output_of(rows, "layer1.0") == "[1, 64, 56, 56]");
  CHECK(output_of(rows, "layer2.0") == "[1, 128, 28, 28]");
  CHECK(output_of(rows, "layer4.1") == "[1, 512, 7, 7]");
  CHECK(output_of(rows, "avgpool") == "[1, 512]");

  layers::Network<float> r34 = resnet_network<float>(ResNetConfig{34}, rng);
  CHECK(r34.parameter_count() == 21797672);
  CHECK(test::parameter(r34, "layer3.5.conv2.weight").value.shape().str() == "[256, 256, 3, 3]");

  layers::Network<float> r50 = resnet_network<float>(ResNetConfig{50}, rng);
  CHECK(r50.parameter_count() == 25557032);
  CHECK(test::parameter(r50, "layer1.0.conv1.weight").value.shape().str() == "[64, 64, 1, 1]");
  CHECK(test::parameter(r50, "layer1.0.conv3.weight").value.shape().str() == "[256, 64, 1, 1]");
  CHECK(test::parameter(r50, "layer1.0.downsample.0.weight").value.shape().str() == "[256, 64, 1, 1]");
  CHECK(test::parameter(r50, "layer2.0.conv2.weight").value.shape().str() == "[128, 128, 3, 3]");
  CHECK(test::parameter(r50, "fc.weight").value.shape().str() == "[1000, 2048]");
  CHECK(output_of(r50.summary(), "layer4.2") == "[1, 2048, 7, 7]");

  CHECK_THROWS_WITH(resnet_network<float>(ResNetConfig{19}, rng), Catch::Contains("18, 34 or 50"));
}

TEST_CASE("the CIFAR-style ResNet-20 and plain-20 on 28x28x1, counted by hand", "[ch10][resnet]") {
  Rng rng(1020);
  // conv1 1·16·9 and bn1 2·16; stage 1: three blocks of two 16→16 convs and
  // two bn; stage 2: a 16→32 block with a 1×1 projection and its bn, then
  // two 32→32 blocks; stage 3 likewise at 64; fc 64·10 + 10.
  const std::int64_t stem = 1 * 16 * 9 + 32;
  const std::int64_t stage1 = 3 * (2 * 16 * 16 * 9 + 2 * 32);
  const std::int64_t stage2 = (16 * 32 * 9 + 32 * 32 * 9 + 2 * 64) + 2 * (2 * 32 * 32 * 9 + 2 * 64);
  const std::int64_t stage3 = (32 * 64 * 9 + 64 * 64 * 9 + 2 * 128) + 2 * (2 * 64 * 64 * 9 + 2 * 128);
  const std::int64_t projections = (16 * 32 + 64) + (32 * 64 + 128);
  const std::int64_t fc = 64 * 10 + 10;
  layers::Network<float> res20 = cifar_resnet_network<float>(CifarResNetConfig{}, rng);
  CHECK(res20.parameter_count() == stem + stage1 + stage2 + stage3 + projections + fc);
  CHECK(res20.parameter_count() == 272186);  // "about 0.27 M"
  CifarResNetConfig plain;
  plain.kind = Shortcut::Plain;
  layers::Network<float> plain20 = cifar_resnet_network<float>(plain, rng);
  CHECK(plain20.parameter_count() == stem + stage1 + stage2 + stage3 + fc);
  const auto rows = res20.summary();
  CHECK(output_of(rows, "layer1.2") == "[1, 16, 28, 28]");
  CHECK(output_of(rows, "layer2.0") == "[1, 32, 14, 14]");
  CHECK(output_of(rows, "layer3.2") == "[1, 64, 7, 7]");
  CHECK(test::parameter(res20, "layer3.0.downsample.0.weight").value.shape().str() == "[64, 32, 1, 1]");
  // Without batch norm each bn's γ and β (2C) become the conv's bias (C):
  // 1,568 batch-norm parameters in ResNet-20, so 784 fewer.
  CifarResNetConfig no_bn;
  no_bn.batch_norm = false;
  layers::Network<float> res20_no_bn = cifar_resnet_network<float>(no_bn, rng);
  CHECK(res20_no_bn.parameter_count() == 272186 - 784);
  CHECK(res20_no_bn.states().empty());
  CHECK(test::parameter(res20_no_bn, "layer2.0.downsample.0.bias").value.shape().str() == "[32]");
  // ResNet-56: n = 9, the same three stages, about 0.85 M.
  CifarResNetConfig deep;
  deep.blocks = 9;
  layers::Network<float> res56 = cifar_resnet_network<float>(deep, rng);
  CHECK(res56.parameter_count() == 272186 + 6 * (2 * 16 * 16 * 9 + 2 * 32) + 6 * (2 * 32 * 32 * 9 + 2 * 64) +
                                       6 * (2 * 64 * 64 * 9 + 2 * 128));
  CHECK(res56.parameter_count() > 850000);
  CHECK(res56.parameter_count() < 860000);
}

TEST_CASE("padding and global average pooling: values and finite differences", "[ch10][resnet]") {
  Rng rng(1030);
  Pad2d<double> pad(1, 2, 0, 1, 0.5);
  Tensor<double> x(Shape{1, 1, 2, 2}), y(pad.output_shape(x.shape()));
  for (int i = 0; i < 4; ++i) x[i] = i + 1;
  REQUIRE(y.shape().str() == "[1, 1, 5, 3]");
  pad.forward(x, y, layers::Mode::Train);
  const double want[] = {0.5, 0.5, 0.5, 1, 2, 0.5, 3, 4, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
  for (int i = 0; i < 15; ++i) CHECK(y[i] == want[i]);
  CHECK(test::check_layer(pad, Shape{2, 3, 4, 3}, rng) == std::vector<std::string>{"x"});

  GlobalAvgPool2d<double> gap;
  Tensor<double> mean(Shape{1, 1});
  gap.forward(x, mean, layers::Mode::Train);
  CHECK(mean[0] == 2.5);
  CHECK(test::check_layer(gap, Shape{2, 3, 3, 4}, rng) == std::vector<std::string>{"x"});
}
