// The layer library, math: every layer through the layer interface by
// finite differences in double (the input's gradient and every
// parameter's, with a random upstream gradient, a non-zero gradient
// required), then the composites end to end: a Sequential, a residual block
// (identity and projection shortcuts), a concatenation of two branches of
// different widths, and a Sequential run slice by slice. Each needs the
// exercise of the backward pass it wraps (2.x, 3.1, 5.3, 7.2, 7.4, 7.5) and
// the composites 7.6, 7.7 and 7.8.
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include <catch2/catch.hpp>

#include "layers/basic.hpp"
#include "layers/compose.hpp"
#include "layer_check.hpp"
#include "nn/cpu.hpp"
#include "test_util.hpp"

using namespace nn;
using namespace nn::layers;

namespace {

template <typename L, typename... Args>
std::unique_ptr<Layer<double>> make(Args&&... args) {
  return std::make_unique<L>(std::forward<Args>(args)...);
}

// At most 96 entries of each tensor (the composites hold a few hundred).
test::LayerCheck composite_check() {
  test::LayerCheck c;
  c.options.max_samples = 96;
  return c;
}

}  // namespace

TEST_CASE("ex3.1 the dense layer's gradients match finite differences", "[ch07][layers][ex3.1]") {
  Rng rng(700);
  Dense<double> dense(5, 4);
  CHECK(test::check_layer(dense, Shape{3, 5}, rng) == std::vector<std::string>{"x", "weight", "bias"});
  Dense<double> on_maps(18, 3);  // (N, 2, 3, 3) flattened on the way in
  test::check_layer(on_maps, Shape{2, 2, 3, 3}, rng);
}

TEST_CASE("ex7.2 the conv layer's gradients match finite differences for every geometry", "[ch07][layers][ex7.2]") {
  struct Case {
    const char* what;
    Conv2dSpec spec;
    Shape input;
  };
  const Case cases[] = {
      {"3x3 pad 1", {3, 4, 3, 3, 1, 1, 1, 1, true}, {2, 3, 6, 5}},
      {"5x5 stride 2 pad 2", {2, 3, 5, 5, 2, 2, 1, 1, true}, {2, 2, 9, 8}},
      {"3x3 dilation 2", {2, 2, 3, 3, 1, 1, 2, 1, true}, {1, 2, 7, 7}},
      {"3x2 groups 2", {4, 6, 3, 2, 1, 0, 1, 2, true}, {2, 4, 5, 6}},
      {"3x3 no bias", {3, 2, 3, 3, 1, 0, 1, 1, false}, {2, 3, 5, 5}},
      {"1x1 stride 2", {3, 5, 1, 1, 2, 0, 1, 1, true}, {2, 3, 6, 6}},
      {"one input channel 5x5 pad 2 (c1's shape)", {1, 6, 5, 5, 1, 2, 1, 1, true}, {2, 1, 10, 10}},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    Rng rng(701);
    Conv2d<double> conv(c.spec);
    const auto names = test::check_layer(conv, c.input, rng);
    CHECK(names.size() == (c.spec.bias ? 3u : 2u));
  }
}

TEST_CASE("ex2.1 ex2.2 ex2.3 ex2.4 every activation layer's gradient matches finite differences",
          "[ch07][layers][ex2.1][ex2.2][ex2.3][ex2.4]") {
  for (const ch02::Activation& g : ch02::chapter_activations()) {
    INFO(ch02::name(g));
    Rng rng(702);
    Activation<double> layer(g);
    test::LayerCheck check;
    check.kinks = ch02::kinks(g);
    CHECK(test::check_layer(layer, Shape{2, 3, 4, 5}, rng, check).size() == 1);
  }
}

TEST_CASE("ex2.5 the maxout layer's gradients match finite differences", "[ch07][layers][ex2.5]") {
  // Piecewise linear: with random weights no two pieces of a unit come within
  // the step h = 1e-5 of each other.
  Rng rng(711);
  Maxout<double> maxout(6, 4, 3);
  CHECK(maxout.output_shape(Shape{3, 6}) == (Shape{3, 4}));
  CHECK(test::check_layer(maxout, Shape{3, 6}, rng) == std::vector<std::string>{"x", "weight", "bias"});
  Maxout<double> on_maps(2 * 3 * 3, 2);  // the curriculum's max(w1ᵀx + b1, w2ᵀx + b2), on (N, 2, 3, 3) flattened
  test::check_layer(on_maps, Shape{2, 2, 3, 3}, rng);
}

TEST_CASE("ex7.4 max pooling's gradient matches finite differences, windows overlapping or not",
          "[ch07][layers][ex7.3][ex7.4]") {
  for (const ch07::Pool2dGeometry& p : {ch07::Pool2dGeometry{2, 2, 2}, ch07::Pool2dGeometry{3, 3, 2},
                                        ch07::Pool2dGeometry{3, 2, 1}}) {
    INFO(p.window_h << "x" << p.window_w << "/" << p.stride);
    Rng rng(703);
    MaxPool2d<double> pool(p);
    test::check_layer(pool, Shape{2, 3, 7, 7}, rng);
  }
}

TEST_CASE("ex7.5 average pooling's gradient matches finite differences, windows overlapping or not",
          "[ch07][layers][ex7.5]") {
  for (const ch07::Pool2dGeometry& p : {ch07::Pool2dGeometry{2, 2, 2}, ch07::Pool2dGeometry{3, 3, 2}}) {
    INFO(p.window_h << "x" << p.window_w << "/" << p.stride);
    Rng rng(704);
    AvgPool2d<double> pool(p);
    test::check_layer(pool, Shape{2, 2, 7, 8}, rng);
  }
}

TEST_CASE("ex5.3 dropout's gradient matches finite differences with its mask, and is the identity in eval mode",
          "[ch07][layers][ex5.3]") {
  Rng rng(705);
  Dropout<double> dropout(0.5);
  test::check_layer(dropout, Shape{4, 10}, rng);
  // Eval mode: y = x, so dx = dy.
  Tensor<double> x(Shape{2, 6}), y(x.shape()), dy(x.shape()), dx(x.shape());
  fill_uniform(rng, x.span(), -1, 1);
  fill_uniform(rng, dy.span(), -1, 1);
  dropout.forward(x, y, Mode::Eval);
  dropout.backward(x, y, dy, dx);
  CHECK(std::vector<double>(y.begin(), y.end()) == std::vector<double>(x.begin(), x.end()));
  CHECK(std::vector<double>(dx.begin(), dx.end()) == std::vector<double>(dy.begin(), dy.end()));
}

TEST_CASE("ex7.8 a Sequential's gradients match finite differences end to end", "[ch07][layers][ex7.8]") {
  Rng rng(706);
  Sequential<double> s;
  s.emplace<Conv2d<double>>("conv", Conv2dSpec::square(2, 4, 3, 1, 1));
  s.emplace<Activation<double>>("relu", ch02::Activation::relu());
  s.emplace<MaxPool2d<double>>("pool", ch07::Pool2dGeometry{2, 2, 2});
  s.emplace<Flatten<double>>("flatten");
  s.emplace<Dense<double>>("fc1", 4 * 3 * 3, 7);
  s.emplace<Activation<double>>("tanh", ch02::Activation::tanh());
  s.emplace<Dense<double>>("fc2", 7, 3);
  const auto names = test::check_layer(s, Shape{3, 2, 6, 6}, rng, composite_check());
  CHECK(names == std::vector<std::string>{"x", "conv.weight", "conv.bias", "fc1.weight", "fc1.bias", "fc2.weight",
                                          "fc2.bias"});
}

TEST_CASE("ex7.6 a residual block's gradients match finite differences: identity and projection shortcuts",
          "[ch07][layers][ex7.6]") {
  SECTION("projection: a 1x1 conv with stride 2 beside a body that halves the maps and widens the channels") {
    Rng rng(707);
    auto body = std::make_unique<Sequential<double>>();
    body->emplace<Conv2d<double>>("conv1", Conv2dSpec::square(3, 5, 3, 2, 1));
    body->emplace<Activation<double>>("relu", ch02::Activation::relu());
    body->emplace<Conv2d<double>>("conv2", Conv2dSpec::square(5, 5, 3, 1, 1));
    auto shortcut = std::make_unique<Sequential<double>>();
    shortcut->emplace<Conv2d<double>>("0", Conv2dSpec::square(3, 5, 1, 2, 0));
    Residual<double> block(std::move(body), std::move(shortcut));
    const auto names = test::check_layer(block, Shape{2, 3, 6, 6}, rng, composite_check());
    CHECK(names == std::vector<std::string>{"x", "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                                            "downsample.0.weight", "downsample.0.bias"});
  }
  SECTION("identity: dx is the body's gradient plus dy itself") {
    Rng rng(708);
    auto body = std::make_unique<Sequential<double>>();
    body->emplace<Conv2d<double>>("conv1", Conv2dSpec::square(3, 3, 3, 1, 1));
    body->emplace<Activation<double>>("tanh", ch02::Activation::tanh());
    Residual<double> block(std::move(body));
    test::check_layer(block, Shape{2, 3, 5, 5}, rng, composite_check());
    // With the body's weights at zero, tanh(0 + b) has no x in it: dx = dy exactly.
    std::vector<Parameter<double>> params;
    block.parameters("", params);
    for (auto& p : params) std::fill(p.value.begin(), p.value.end(), 0.0);
    Tensor<double> x(Shape{1, 3, 5, 5}), y(x.shape()), dy(x.shape()), dx(x.shape());
    fill_uniform(rng, x.span(), -1, 1);
    fill_uniform(rng, dy.span(), -1, 1);
    block.forward(x, y, Mode::Train);
    block.backward(x, y, dy, dx);
    for (std::int64_t i = 0; i < dx.size(); ++i) REQUIRE(dx[i] == dy[i]);
  }
}

TEST_CASE("ex7.7 a concatenation of two branches of different widths: gradients match finite differences",
          "[ch07][layers][ex7.7]") {
  Rng rng(709);
  Concat<double> cat;
  cat.add("branch1", make<Conv2d<double>>(Conv2dSpec::square(3, 2, 1)));
  auto wide = std::make_unique<Sequential<double>>();
  wide->emplace<Conv2d<double>>("0", Conv2dSpec::square(3, 5, 3, 1, 1));
  wide->emplace<Activation<double>>("1", ch02::Activation::tanh());
  cat.add("branch2", std::move(wide));
  CHECK(cat.output_shape(Shape{2, 3, 5, 4}) == (Shape{2, 7, 5, 4}));
  const auto names = test::check_layer(cat, Shape{2, 3, 5, 4}, rng, composite_check());
  CHECK(names == std::vector<std::string>{"x", "branch1.weight", "branch1.bias", "branch2.0.weight", "branch2.0.bias"});
}

TEST_CASE("ex7.8 a Sequential run in slices gives the whole batch's outputs and gradients",
          "[ch07][layers][ex7.8]") {
  // Five images in slices of two (the last one shorter): each slice's conv
  // backward must lower its own input again, not read another slice's X_col.
  auto build = [](std::int64_t slice) {
    Sequential<double> s;
    s.emplace<Conv2d<double>>("c1", Conv2dSpec::square(1, 3, 3, 1, 1));
    s.emplace<Activation<double>>("tanh1", ch02::Activation::tanh());
    s.emplace<AvgPool2d<double>>("s2", ch07::Pool2dGeometry{2, 2, 2});
    s.emplace<Conv2d<double>>("c3", Conv2dSpec::square(3, 4, 3));
    s.emplace<Activation<double>>("tanh3", ch02::Activation::tanh());
    s.run_in_slices(slice);
    return s;
  };
  Sequential<double> whole = build(0), sliced = build(2);
  Rng rng(710);
  std::vector<Parameter<double>> pw, ps;
  whole.parameters("", pw);
  sliced.parameters("", ps);
  for (std::size_t i = 0; i < pw.size(); ++i) {
    fill_uniform(rng, pw[i].value.span(), -0.5, 0.5);
    std::copy(pw[i].value.begin(), pw[i].value.end(), ps[i].value.begin());
  }
  const Shape in{5, 1, 8, 8};
  Tensor<double> x(in), yw(whole.output_shape(in)), ys(yw.shape()), dxw(in), dxs(in);
  fill_uniform(rng, x.span(), -1, 1);
  const Tensor<double> g = make_upstream(rng, yw.shape());
  whole.forward(x, yw, Mode::Train);
  sliced.forward(x, ys, Mode::Train);
  whole.backward(x, yw, g, dxw);
  sliced.backward(x, ys, g, dxs);
  for (std::int64_t i = 0; i < yw.size(); ++i) REQUIRE(ys[i] == Approx(yw[i]).epsilon(1e-12).margin(1e-14));
  for (std::int64_t i = 0; i < dxw.size(); ++i) REQUIRE(dxs[i] == Approx(dxw[i]).epsilon(1e-12).margin(1e-14));
  for (std::size_t k = 0; k < pw.size(); ++k) {
    INFO(pw[k].name);
    double largest = 0;
    for (std::int64_t i = 0; i < pw[k].grad.size(); ++i) {
      largest = std::max(largest, std::abs(pw[k].grad[i]));
      REQUIRE(ps[k].grad[i] == Approx(pw[k].grad[i]).epsilon(1e-12).margin(1e-14));
    }
    CHECK(largest > 0);
  }
  // And the sliced pass against finite differences on its own.
  Sequential<double> again = build(2);
  test::check_layer(again, in, rng, composite_check());
}

TEST_CASE("ex7.2 a conv layer on the Winograd route gives the lowered layer's outputs and gradients",
          "[ch09][layers][ex7.2][winograd]") {
  // The float layer (Winograd on AVX-512) against the same layer in double
  // (always im2col + GEMM, the route the finite differences above check):
  // y, ∂L/∂x (added to what is there), ∂L/∂w and ∂L/∂b, for a 3×3 and a 5×5
  // layer with channel counts that are not multiples of 16. The bound is
  // nn/winograd.hpp's (tests/common/test_winograd.cpp measures it).
  const bool avx512 = test::cpu_has(SimdLevel::Avx512);
  if (!avx512) WARN("no AVX-512 on this CPU: the Winograd route is not taken, only the reference runs");
  const SimdLevel saved = simd_level();
  if (avx512) set_simd_level(SimdLevel::Avx512);
  Rng rng(93);
  for (const auto& [spec, input] : {std::pair{Conv2dSpec::square(18, 20, 3, 1, 1), Shape{3, 18, 11, 9}},
                                    std::pair{Conv2dSpec::square(17, 33, 5, 1, 2), Shape{2, 17, 12, 12}}}) {
    Conv2d<float> f(spec);
    Conv2d<double> d(spec);
    d.prepare(input);
    REQUIRE(d.route() == ConvRoute::Lowered);
    auto fill = [&](Tensor<double>& t) {
      for (double& v : t) v = rng.uniform(-1.0, 1.0);
    };
    auto to_float = [](const Tensor<double>& t) {
      Tensor<float> out(t.shape());
      for (std::int64_t i = 0; i < t.size(); ++i) out.data()[i] = static_cast<float>(t.data()[i]);
      return out;
    };
    Tensor<double> x(input), dy(d.output_shape(input)), dx0(input);
    fill(x);
    fill(dy);
    fill(dx0);
    fill(d.weight);
    fill(d.bias);
    f.weight = to_float(d.weight);
    f.bias = to_float(d.bias);
    Tensor<double> yd(dy.shape()), dxd = dx0;
    d.forward(x.view(), yd.view(), Mode::Train);
    d.backward(x.view(), yd.view(), dy.view(), dxd.view());
    if (!avx512) continue;
    f.prepare(input);
    REQUIRE(f.route() == ConvRoute::Winograd);
    const Tensor<float> xf = to_float(x), dyf = to_float(dy);
    Tensor<float> yf(dy.shape()), dxf = to_float(dx0);
    f.forward(xf.view(), yf.view(), Mode::Train);
    f.backward(xf.view(), yf.view(), dyf.view(), dxf.view());
    auto error = [](const Tensor<float>& got, const Tensor<double>& want) {
      double scale = 0.0, err = 0.0;
      for (std::int64_t i = 0; i < want.size(); ++i) {
        scale = std::max(scale, std::abs(want.data()[i]));
        err = std::max(err, std::abs(static_cast<double>(got.data()[i]) - want.data()[i]));
      }
      REQUIRE(scale > 0.0);
      return err / scale;
    };
    INFO(f.describe() << " on " << input.str());
    CHECK(error(yf, yd) <= 3e-5);
    CHECK(error(dxf, dxd) <= 3e-5);
    CHECK(error(f.d_weight, d.d_weight) <= 3e-5);
    CHECK(error(f.d_bias, d.d_bias) <= 3e-5);
  }
  set_simd_level(saved);
}
