// The layer library, bookkeeping (no exercise on the path, so these pass in
// every build): parameter names and layouts, the model summary and its
// totals, the memory a model plans, shape errors that name the layer,
// which layers may run slice by slice, which kernel a conv layer picks,
// and the flatten layer's gradient.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ch07/cnn.hpp"
#include "ch08/lenet1998.hpp"
#include "ch08/lenet5_network.hpp"
#include "layer_check.hpp"
#include "layers/basic.hpp"
#include "layers/preprocess.hpp"
#include "nn/cpu.hpp"
#include "nn/error.hpp"

using namespace nn;
using namespace nn::layers;

namespace {

std::vector<std::string> names_of(Network<float>& net) {
  std::vector<std::string> names;
  for (const auto& p : net.parameters()) names.push_back(p.name);
  return names;
}


}  // namespace

TEST_CASE("parameter names are unique, PyTorch's, with PyTorch's layouts", "[ch07][layers]") {
  Rng rng(720);
  Network<float> cnn = ch07::make_cnn<float>(ch07::CnnConfig{}, rng);
  CHECK(names_of(cnn) ==
        std::vector<std::string>{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias"});
  CHECK(test::parameter(cnn, "conv2.weight").value.shape() == (Shape{16, 8, 5, 5}));
  CHECK(test::parameter(cnn, "fc.weight").value.shape() == (Shape{10, 16 * 7 * 7}));
  Network<float> lenet = ch08::lenet5_network<float>(rng);
  CHECK(names_of(lenet) == std::vector<std::string>{"c1.weight", "c1.bias", "c3.weight", "c3.bias", "c5.weight",
                                                    "c5.bias", "f6.weight", "f6.bias", "output.weight",
                                                    "output.bias"});
  Network<float> paper = ch08::lenet1998_network<float>(rng);
  CHECK(names_of(paper) == std::vector<std::string>{"c1.weight", "c1.bias", "s2.weight", "s2.bias", "c3.weight",
                                                    "c3.bias", "s4.weight", "s4.bias", "c5.weight", "c5.bias",
                                                    "f6.weight", "f6.bias", "output.weight", "output.bias"});
  for (Network<float>* net : {&cnn, &lenet, &paper}) {
    std::set<std::string> unique;
    for (const auto& p : net->parameters()) {
      unique.insert(p.name);
      CHECK(p.grad.shape() == p.value.shape());
      CHECK(p.decayed == (p.name.ends_with(".weight") && !p.name.starts_with("s")));  // weights, not biases or scales
    }
    CHECK(unique.size() == net->parameters().size());
  }
}

TEST_CASE("nested composites name their parameters as torchvision's ResNet and inception blocks do", "[ch07][layers]") {
  // layer1.0: a basic block with a projection shortcut, then a concatenation.
  Network<float> net("blocks", Shape{3, 8, 8}, 4);
  auto layer1 = std::make_unique<Sequential<float>>();
  auto body = std::make_unique<Sequential<float>>();
  body->emplace<Conv2d<float>>("conv1", Conv2dSpec{3, 6, 3, 3, 2, 1, 1, 1, false});
  body->emplace<Activation<float>>("relu", ch02::Activation::relu());
  body->emplace<Conv2d<float>>("conv2", Conv2dSpec{6, 6, 3, 3, 1, 1, 1, 1, false});
  auto down = std::make_unique<Sequential<float>>();
  down->emplace<Conv2d<float>>("0", Conv2dSpec{3, 6, 1, 1, 2, 0, 1, 1, false});
  layer1->add("0", std::make_unique<Residual<float>>(std::move(body), std::move(down)));
  net.body().add("layer1", std::move(layer1));
  auto mixed = std::make_unique<Concat<float>>();
  mixed->add("branch1x1", std::make_unique<Conv2d<float>>(Conv2dSpec::square(6, 2, 1)));
  mixed->add("branch3x3", std::make_unique<Conv2d<float>>(Conv2dSpec::square(6, 3, 3, 1, 1)));
  net.body().add("mixed", std::move(mixed));
  net.body().emplace<Flatten<float>>("flatten");
  net.body().emplace<Dense<float>>("fc", 5 * 4 * 4, 4);
  CHECK(names_of(net) == std::vector<std::string>{"layer1.0.conv1.weight", "layer1.0.conv2.weight",
                                                  "layer1.0.downsample.0.weight", "mixed.branch1x1.weight",
                                                  "mixed.branch1x1.bias", "mixed.branch3x3.weight",
                                                  "mixed.branch3x3.bias", "fc.weight", "fc.bias"});
  // The summary walks into the blocks: the residual's sum and the concatenation get rows of their own.
  std::vector<std::string> rows;
  for (const SummaryRow& r : net.summary()) rows.push_back(r.name + " " + test::shape_text(r.output));
  CHECK(rows == std::vector<std::string>{"layer1.0.conv1 6x4x4", "layer1.0.relu 6x4x4", "layer1.0.conv2 6x4x4",
                                         "layer1.0.downsample.0 6x4x4", "layer1.0 6x4x4", "mixed.branch1x1 2x4x4",
                                         "mixed.branch3x3 3x4x4", "mixed 5x4x4", "flatten 80", "fc 4"});
  // Two layers of the same name are refused.
  Sequential<float> s;
  s.emplace<Flatten<float>>("a");
  CHECK_THROWS_WITH(s.emplace<Flatten<float>>("a"), Catch::Contains("two children named 'a'"));
}

TEST_CASE("the summary of LeNet-5: shapes, parameters and multiply-adds per layer", "[ch08][layers]") {
  Rng rng(721);
  Network<float> net = ch08::lenet5_network<float>(rng);
  std::vector<std::string> names, outputs;
  std::vector<std::int64_t> params, macs;
  for (const SummaryRow& r : net.summary()) {
    names.push_back(r.name);
    outputs.push_back(test::shape_text(r.output));
    params.push_back(r.parameters);
    macs.push_back(r.multiply_adds);
    CHECK(r.activation_bytes == r.output.numel() * 4);
  }
  CHECK(names == std::vector<std::string>{"c1", "tanh1", "s2", "c3", "tanh3", "s4", "c5", "tanh5", "flatten", "f6",
                                          "tanh6", "output"});
  CHECK(outputs == std::vector<std::string>{"6x28x28", "6x28x28", "6x14x14", "16x10x10", "16x10x10", "16x5x5",
                                            "120x1x1", "120x1x1", "120", "84", "84", "10"});
  CHECK(params == std::vector<std::int64_t>{156, 0, 0, 2416, 0, 0, 48120, 0, 0, 10164, 0, 850});
  // conv: outputs × weights per output (28·28·150, 10·10·2400, 1·48000); dense: inputs × outputs;
  // the layers without weights count none.
  CHECK(macs == std::vector<std::int64_t>{117600, 0, 0, 240000, 0, 0, 48000, 0, 0, 10080, 0, 840});
  CHECK(net.parameter_count() == 61706);
  // The memory planned for a batch: every activation and delta, the caches, the logits.
  const std::int64_t at64 = net.planned_bytes(64);
  CHECK(at64 > 64 * 4 * (4704 + 1176 + 1600 + 400) * 2);  // at least c1 … s4's outputs and deltas
  CHECK(net.planned_bytes(128) > at64);
}

TEST_CASE("the summary of the 1998 LeNet-5 counts the paper's 60,850 trained parameters", "[ch08][layers][lenet1998]") {
  Rng rng(722);
  Network<float> net = ch08::lenet1998_network<float>(rng);
  std::int64_t total = 0;
  std::vector<std::int64_t> with_params;
  for (const SummaryRow& r : net.summary()) {
    total += r.parameters;
    if (r.parameters) with_params.push_back(r.parameters);
  }
  // The paper's counts: C1 156, S2 12, C3 1,516, S4 32, C5 48,120, F6 10,164; output 850.
  CHECK(with_params == std::vector<std::int64_t>{156, 12, 1516, 32, 48120, 10164, 850});
  CHECK(total == ch08::kLeNet1998Trained);
  CHECK(net.parameter_count() == ch08::kLeNet1998Stored);  // + c3's 900 disconnected weights, held at zero
}

TEST_CASE("a layer that does not fit its input says which layer and which sizes", "[ch07][layers]") {
  Conv2d<float> conv(Conv2dSpec::square(3, 8, 5));
  CHECK_THROWS_WITH(conv.output_shape(Shape{2, 1, 28, 28}),
                    Catch::Contains("conv 8@5x5") && Catch::Contains("(N, 3, H, W)") &&
                        Catch::Contains("[2, 1, 28, 28]"));
  CHECK_THROWS_AS(conv.output_shape(Shape{2, 3, 4, 4}), Error);  // a 5x5 window on 4x4
  Dense<float> dense(100, 10);
  CHECK_THROWS_WITH(dense.output_shape(Shape{2, 4, 5, 6}), Catch::Contains("120 features") && Catch::Contains("100"));
  CHECK_THROWS_WITH(Conv2d<float>(Conv2dSpec{3, 8, 3, 3, 1, 0, 1, 2, true}), Catch::Contains("groups"));
  CHECK_THROWS_WITH(Dropout<float>(1.0), Catch::Contains("[0, 1)"));
  auto body = std::make_unique<Sequential<float>>();
  body->emplace<Conv2d<float>>("conv", Conv2dSpec::square(3, 4, 3, 1, 1));
  Residual<float> block(std::move(body));
  CHECK_THROWS_WITH(block.output_shape(Shape{1, 3, 6, 6}), Catch::Contains("identity") && Catch::Contains("[1, 4, 6, 6]"));
  Network<float> net("two classes", Shape{1, 6, 6}, 2);
  net.body().emplace<Flatten<float>>("flatten");
  net.body().emplace<Dense<float>>("fc", 36, 3);
  const Tensor<float> x(Shape{1, 1, 6, 6});
  CHECK_THROWS_WITH(net.forward(x, Mode::Eval), Catch::Contains("not (N, 2) logits"));
  const Tensor<float> wrong(Shape{1, 1, 5, 6});
  CHECK_THROWS_WITH(net.forward(wrong, Mode::Eval), Catch::Contains("(N, 1, 6, 6)"));
}

TEST_CASE("only layers whose backward needs no whole-batch cache may run slice by slice", "[ch07][layers]") {
  // Dropout keeps the batch's mask; a random crop the batch's windows. Max
  // pooling (and LRN) may: they remake their cache from a slice's input.
  Sequential<float> s;
  s.emplace<Conv2d<float>>("conv", Conv2dSpec::square(1, 4, 3));
  s.emplace<MaxPool2d<float>>("pool", ch07::Pool2dGeometry{2, 2, 2});
  s.emplace<Dropout<float>>("drop", 0.5);
  CHECK_THROWS_WITH(s.run_in_slices(4), Catch::Contains("'drop'") && Catch::Contains("whole batch"));
  Sequential<float> t;
  t.emplace<Conv2d<float>>("conv", Conv2dSpec::square(1, 4, 3));
  t.emplace<MaxPool2d<float>>("pool", ch07::Pool2dGeometry{2, 2, 2});
  t.run_in_slices(4);
  CHECK_THROWS_WITH(t.emplace<RandomCrop<float>>("crop", 2), Catch::Contains("slice by slice"));
}

TEST_CASE("a conv layer picks its kernel from its geometry: LeNet-5's c1, c3 and c5, AlexNet's conv1-3", "[ch08][layers][simd]") {
  const SimdLevel saved = simd_level();
  auto route_of = [](Conv2dSpec spec, Shape input) {
    Conv2d<float> conv(spec);
    conv.prepare(input);
    return conv.route();
  };
  const Conv2dSpec c1 = Conv2dSpec::square(1, 6, 5, 1, 2), c3 = Conv2dSpec::square(6, 16, 5),
                   c5 = Conv2dSpec::square(16, 120, 5);
  if (detected_simd_level() == SimdLevel::Avx512) {
    set_simd_level(SimdLevel::Avx512);
    CHECK(route_of(c1, Shape{4, 1, 28, 28}) == ConvRoute::SingleChannel);
    CHECK(route_of(c3, Shape{4, 6, 14, 14}) == ConvRoute::FilterLanes);
    CHECK(route_of(c5, Shape{4, 16, 5, 5}) == ConvRoute::Lowered);
    CHECK(route_of(Conv2dSpec::square(6, 16, 5, 1, 1), Shape{4, 6, 14, 14}) == ConvRoute::Lowered);  // padded
    // AlexNet: conv1 (11×11, stride 4) lowered; conv2 (5×5) and conv3 (3×3) Winograd
    CHECK(route_of(Conv2dSpec::square(3, 96, 11, 4), Shape{2, 3, 227, 227}) == ConvRoute::Lowered);
    CHECK(route_of(Conv2dSpec::square(96, 256, 5, 1, 2), Shape{2, 96, 27, 27}) == ConvRoute::Winograd);
    CHECK(route_of(Conv2dSpec::square(256, 384, 3, 1, 1), Shape{2, 256, 13, 13}) == ConvRoute::Winograd);
    Conv2dSpec grouped = Conv2dSpec::square(96, 256, 5, 1, 2);
    grouped.groups = 2;
    CHECK(route_of(grouped, Shape{2, 96, 27, 27}) == ConvRoute::Lowered);
    // a 3×3 layer on 2×2 outputs: one tile of 36 products for 4 outputs of 9 saves nothing
    CHECK(route_of(Conv2dSpec::square(32, 32, 3, 1, 1), Shape{2, 32, 2, 2}) == ConvRoute::Lowered);
  }
  set_simd_level(SimdLevel::Scalar);  // the direct kernels' scalar loops lose to im2col + GEMM
  CHECK(route_of(c1, Shape{4, 1, 28, 28}) == ConvRoute::Lowered);
  CHECK(route_of(c3, Shape{4, 6, 14, 14}) == ConvRoute::Lowered);
  CHECK(route_of(Conv2dSpec::square(256, 384, 3, 1, 1), Shape{2, 256, 13, 13}) == ConvRoute::Lowered);
  set_simd_level(saved);
  Conv2d<double> in_double(c1);
  in_double.prepare(Shape{4, 1, 28, 28});
  CHECK(in_double.route() == ConvRoute::Lowered);  // double: the gradient checks see im2col + GEMM
}

TEST_CASE("the flatten layer's gradient matches finite differences", "[ch07][layers]") {
  Rng rng(723);
  Flatten<double> flatten;
  CHECK(flatten.output_shape(Shape{2, 3, 4, 5}) == (Shape{2, 60}));
  test::check_layer(flatten, Shape{2, 3, 4, 5}, rng);
}

TEST_CASE("bilinear resizing: PyTorch's sampling on a worked example, the identity, and its gradient", "[ch07][layers]") {
  Resize<double> up(4, 4);
  const Tensor<double> x(Shape{1, 1, 2, 2}, {1, 2, 3, 4});
  Tensor<double> y(Shape{1, 1, 4, 4});
  up.forward(x, y, Mode::Eval);
  // F.interpolate(x, size=(4, 4), mode="bilinear", align_corners=False)
  const std::vector<double> expected = {1.0, 1.25, 1.75, 2.0, 1.5, 1.75, 2.25, 2.5,
                                        2.5, 2.75, 3.25, 3.5, 3.0, 3.25, 3.75, 4.0};
  for (int i = 0; i < 16; ++i) CHECK(y[i] == Approx(expected[static_cast<std::size_t>(i)]).epsilon(1e-15));
  // Shrinking 7x9 (values 0 … 62) to 3x4 samples between pixels: PyTorch's figures.
  Resize<double> down(3, 4);
  Tensor<double> ramp(Shape{1, 1, 7, 9}), small(Shape{1, 1, 3, 4});
  for (int i = 0; i < 63; ++i) ramp[i] = i;
  down.forward(ramp, small, Mode::Eval);
  const std::vector<double> torch_small = {6.625, 8.875, 11.125, 13.375, 27.625, 29.875,
                                           32.125, 34.375, 48.625, 50.875, 53.125, 55.375};
  for (int i = 0; i < 12; ++i) CHECK(small[i] == Approx(torch_small[static_cast<std::size_t>(i)]).epsilon(1e-14));
  Resize<double> same(5, 7);
  Rng rng(724);
  Tensor<double> a(Shape{2, 3, 5, 7}), b(a.shape());
  fill_uniform(rng, a.span(), -1, 1);
  same.forward(a, b, Mode::Eval);
  CHECK(std::vector<double>(b.begin(), b.end()) == std::vector<double>(a.begin(), a.end()));
  Resize<double> grow(9, 11), shrink(3, 4);
  test::check_layer(grow, Shape{2, 2, 4, 5}, rng);
  test::check_layer(shrink, Shape{2, 2, 7, 9}, rng);
}

TEST_CASE("random crops: the centre in eval mode, a reproducible place per image in training, the gradient",
          "[ch07][layers]") {
  RandomCrop<float> crop(3);
  Tensor<float> x(Shape{4, 2, 5, 6}), y(Shape{4, 2, 3, 3});
  for (std::int64_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  crop.forward(x, y, Mode::Eval);
  CHECK(crop.offset(0) == std::pair<int, int>{1, 1});
  CHECK(y(0, 0, 0, 0) == x(0, 0, 1, 1));
  CHECK(y(3, 1, 2, 2) == x(3, 1, 3, 3));
  std::vector<std::pair<int, int>> first, again;
  crop.seed(5);
  crop.forward(x, y, Mode::Train);
  for (int i = 0; i < 4; ++i) first.push_back(crop.offset(i));
  crop.seed(5);
  crop.forward(x, y, Mode::Train);
  for (int i = 0; i < 4; ++i) again.push_back(crop.offset(i));
  CHECK(first == again);
  for (const auto& [r, c] : first) {
    CHECK((r >= 0 && r <= 2 && c >= 0 && c <= 3));
  }
  for (int i = 0; i < 4; ++i) CHECK(y(i, 1, 0, 0) == x(i, 1, first[static_cast<std::size_t>(i)].first,
                                                      first[static_cast<std::size_t>(i)].second));
  CHECK_THROWS_WITH(crop.output_shape(Shape{1, 1, 2, 8}), Catch::Contains("at least 3"));
  RandomCrop<double> in_double(4);
  Rng rng(725);
  test::check_layer(in_double, Shape{3, 2, 6, 7}, rng);  // reseeded before every pass: the same windows
}

TEST_CASE("a grey channel repeated: every channel a copy, the deltas summed back", "[ch09][layers]") {
  RepeatChannels<float> repeat(3);
  Tensor<float> x(Shape{2, 1, 2, 3}), y(Shape{2, 3, 2, 3});
  for (std::int64_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i + 1);
  repeat.forward(x, y, Mode::Eval);
  for (int i = 0; i < 2; ++i)
    for (int c = 0; c < 3; ++c) CHECK(y(i, c, 1, 2) == x(i, 0, 1, 2));
  CHECK_THROWS_WITH(repeat.output_shape(Shape{1, 2, 4, 4}), Catch::Contains("(N, 1, H, W), got [1, 2, 4, 4]"));
  RepeatChannels<double> in_double(3);
  Rng rng(726);
  test::check_layer(in_double, Shape{2, 1, 3, 4}, rng);
}
