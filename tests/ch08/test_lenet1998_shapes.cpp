// Chapter 8 (not exercises): the 1998 LeNet-5's new pieces: Table I and
// the initialisation it implies, the scaled tanh's values and derivative,
// the trainable subsampling (a worked example and finite differences), each
// of the paper's layers through the layer interface. Its counts, names and
// checkpoints are in tests/layers/. Nothing here runs an exercised layer's
// backward pass, so these pass in every build.
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ch08/lenet1998.hpp"
#include "nn/error.hpp"
#include "nn/gradcheck.hpp"
#include "layer_check.hpp"
#include "test_util.hpp"

using namespace nn;
using namespace nn::ch08;

TEST_CASE("LeNet-5 1998 c3 follows Table I and starts with its disconnected weights at zero", "[ch08][lenet1998]") {
  // Table I, column by column: the S2 maps each C3 map sees.
  const std::vector<std::vector<int>> seen = {{0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 5}, {0, 4, 5}, {0, 1, 5},
                                              {0, 1, 2, 3}, {1, 2, 3, 4}, {2, 3, 4, 5}, {0, 3, 4, 5}, {0, 1, 4, 5},
                                              {0, 1, 2, 5}, {0, 1, 3, 4}, {1, 2, 4, 5}, {0, 2, 3, 5},
                                              {0, 1, 2, 3, 4, 5}};
  CHECK(c3_connections() == 60);
  Rng rng(92);
  layers::Network<float> net = lenet1998_network<float>(rng);
  const TensorView<const float> c3_w = test::parameter(net, "c3.weight").value;
  for (int k = 0; k < kC3Maps; ++k) {
    std::vector<int> maps;
    for (int c = 0; c < kS2Maps; ++c) {
      const bool connected = kC3Table[static_cast<std::size_t>(k)][static_cast<std::size_t>(c)];
      if (connected) maps.push_back(c);
      bool any_nonzero = false;
      for (int i = 0; i < 5; ++i)
        for (int j = 0; j < 5; ++j) any_nonzero = any_nonzero || c3_w(k, c, i, j) != 0.0f;
      INFO("C3 map " << k << ", S2 map " << c);
      CHECK(any_nonzero == connected);
      // The paper's initialisation: U(±2.4/F), F = 25 × the maps seen.
      const float bound = 2.4f / static_cast<float>(25 * seen[static_cast<std::size_t>(k)].size());
      for (int i = 0; i < 5; ++i)
        for (int j = 0; j < 5; ++j) CHECK(std::abs(c3_w(k, c, i, j)) <= bound);
    }
    CHECK(maps == seen[static_cast<std::size_t>(k)]);
  }
}

TEST_CASE("the scaled tanh 1.7159 tanh(2a/3): values and derivative", "[ch08][lenet1998]") {
  const double A = 1.7159, S = 2.0 / 3.0;
  Tensor<double> z(Shape{7});
  const double points[] = {-20.0, -1.0, -0.3, 0.0, 0.3, 1.0, 20.0};
  for (int i = 0; i < 7; ++i) z[i] = points[i];
  Tensor<double> a(z.shape());
  scaled_tanh_forward<double>(a, z);
  for (int i = 0; i < 7; ++i) CHECK(a[i] == Approx(A * std::tanh(S * points[i])).margin(1e-15));
  CHECK(a[3] == 0.0);
  CHECK(a[5] == Approx(1.0).epsilon(1e-4));  // f(±1) ≈ ±1: the point of A and S
  CHECK(a[1] == Approx(-1.0).epsilon(1e-4));
  CHECK(a[6] == Approx(A).epsilon(1e-10));   // saturates at ±A (1 − tanh(40/3) ≈ 5e-12)
  CHECK(a[0] == Approx(-A).epsilon(1e-10));
  // The derivative from the output, f' = S (A − f²/A): A·S = 1.14393 at 0,
  // and the centred difference elsewhere.
  Tensor<double> ones(z.shape()), dz(z.shape());
  ones.fill(1.0);
  dz.fill(0.0);
  scaled_tanh_backward<double>(dz, ones, a);
  CHECK(dz[3] == Approx(A * S).epsilon(1e-15));
  CHECK(dz[3] == Approx(1.1439333).epsilon(1e-7));
  const double h = 1e-5;
  for (int i = 0; i < 7; ++i) {
    const double numeric = (A * std::tanh(S * (points[i] + h)) - A * std::tanh(S * (points[i] - h))) / (2 * h);
    INFO("a = " << points[i]);
    CHECK(dz[i] == Approx(numeric).margin(1e-9));
  }
  // Backward adds into dz.
  scaled_tanh_backward<double>(dz, ones, a);
  CHECK(dz[3] == Approx(2 * A * S).epsilon(1e-15));
  // In float (nn::vtanh) to within float rounding.
  Tensor<float> zf(Shape{3}), af(Shape{3});
  zf[0] = -1.0f;
  zf[1] = 0.5f;
  zf[2] = 2.0f;
  scaled_tanh_forward<float>(af, zf);
  for (int i = 0; i < 3; ++i)
    CHECK(static_cast<double>(af[i]) == Approx(A * std::tanh(S * static_cast<double>(zf[i]))).margin(1e-6));
}

TEST_CASE("trainable subsampling: a worked example and finite differences", "[ch08][lenet1998]") {
  // One image, two maps of 2×4: windows [1,2;5,6] [3,4;7,8] and the same ×10.
  Tensor<double> x(Shape{1, 2, 2, 4}), coef(Shape{2}), bias(Shape{2}), y(Shape{1, 2, 1, 2});
  for (int i = 0; i < 8; ++i) {
    x[i] = i + 1;
    x[8 + i] = 10.0 * (i + 1);
  }
  coef[0] = 0.5;
  coef[1] = -0.25;
  bias[0] = 1;
  bias[1] = 2;
  subsample_forward<double>(y, x, coef, bias);
  CHECK(y(0, 0, 0, 0) == 0.5 * 14 + 1);
  CHECK(y(0, 0, 0, 1) == 0.5 * 22 + 1);
  CHECK(y(0, 1, 0, 0) == -0.25 * 140 + 2);
  CHECK(y(0, 1, 0, 1) == -0.25 * 220 + 2);
  Tensor<double> bad(Shape{1, 2, 3, 4});
  CHECK_THROWS_AS(subsample_forward<double>(y, bad, coef, bias), Error);

  // L = <g, y> on a random batch; every gradient by finite differences.
  Rng rng(93);
  Tensor<double> xs(Shape{3, 4, 6, 8}), ys(Shape{3, 4, 3, 4}), k(Shape{4}), b(Shape{4});
  fill_uniform(rng, xs.span(), -1, 1);
  fill_uniform(rng, k.span(), -1, 1);
  fill_uniform(rng, b.span(), -1, 1);
  const Tensor<double> g = make_upstream(rng, ys.shape());
  auto loss = [&] {
    subsample_forward<double>(ys, xs, k, b);
    return inner(g.span(), ys.span());
  };
  Tensor<double> d_x(xs.shape()), d_k(k.shape()), d_b(b.shape());
  d_x.fill(0);
  d_k.fill(0);
  d_b.fill(0);
  subsample_backward<double>(d_x, d_k, d_b, g, xs, k);
  test::require_gradient(check_gradient("x", xs.span(), d_x.span(), loss));
  test::require_gradient(check_gradient("coef", k.span(), d_k.span(), loss));
  test::require_gradient(check_gradient("bias", b.span(), d_b.span(), loss));
}

TEST_CASE("the 1998 LeNet-5's own layers: gradients through the layer interface match finite differences",
          "[ch08][lenet1998]") {
  Rng rng(95);
  PaperInput<double> input;
  CHECK(input.output_shape(Shape{2, 1, 28, 28}) == (Shape{2, 1, 32, 32}));
  test::check_layer(input, Shape{2, 1, 6, 5}, rng);
  ScaledTanh<double> f;
  test::check_layer(f, Shape{2, 3, 4, 4}, rng);
  Subsampling<double> s2(3);
  CHECK(test::check_layer(s2, Shape{2, 3, 6, 4}, rng) == std::vector<std::string>{"x", "weight", "bias"});
}
