// Chapter 2 math: the activations' backward passes (exercises 2.1–2.5).
// Finite-difference checks in double with a random upstream gradient,
// inputs kept away from kinks, relative error ≤ 1e-7 and a non-zero gradient;
// and the worked derivatives of the chapter README.
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "ch02/activations.hpp"
#include "ch02/maxout.hpp"
#include "nn/gradcheck.hpp"
#include "nn/rng.hpp"
#include "test_util.hpp"

using namespace nn;
using namespace nn::ch02;

namespace {

// L = <g, act(z)> for a random upstream g; ∂L/∂z from activation_backward.
//
// Conditioning: a centred difference of L carries a rounding error of a few
// ulps of L (≈ 1e-15 here) divided by 2h = 2e-5, about 1e-10 absolute. For
// that to stay under 1e-7 relative, every gradient entry must exceed about
// 1e-3, so z stays in [−3, 3] (where σ' ≥ 0.045, tanh' ≥ 0.0099, ELU' ≥ 0.5·e^−3) and
// the upstream magnitudes in [0.25, 1]. The smallest entry is then about
// 0.25 · tanh'(3) = 2.5e-3.
void check_activation(const Activation& act, std::uint64_t seed) {
  Rng rng(seed);
  const Shape shape{4, 3, 5};
  Tensor<double> z(shape), a(shape), dz(shape);
  fill_uniform(rng, z.span(), -3.0, 3.0);
  const auto k = kinks(act);
  keep_away_from_kinks(z.span(), k, 1e-3);  // the step is 1e-5
  Tensor<double> upstream = make_upstream(rng, shape);
  for (double& g : upstream) g = g < 0 ? -0.25 + 0.75 * g : 0.25 + 0.75 * g;
  auto loss = [&] {
    activation_forward<double>(act, a, z);
    return inner(upstream.span(), a.span());
  };
  loss();
  activation_backward<double>(act, dz, upstream, z, a);
  INFO(name(act));
  test::require_gradient(check_gradient("dz " + name(act), z.span(), dz.span(), loss));
}

// g'(z) at one point, through the backward pass with da = 1.
double derivative(const Activation& act, double z_value) {
  Tensor<double> z(Shape{1}, {z_value}), a(Shape{1}), dz(Shape{1}), one(Shape{1}, {1.0});
  activation_forward<double>(act, a, z);
  activation_backward<double>(act, dz, one, z, a);
  return dz[0];
}

}  // namespace

TEST_CASE("ex2.1 sigmoid backward: gradient check", "[ch02][ex2.1][gradcheck]") {
  for (std::uint64_t seed : {1, 2}) check_activation(Activation::sigmoid(), seed);
}

TEST_CASE("ex2.1 sigmoid backward: sigma' = sigma(1 - sigma), worked values", "[ch02][ex2.1]") {
  CHECK(derivative(Activation::sigmoid(), 0.0) == 0.25);
  const double s = 1.0 / (1.0 + std::exp(-2.0));
  CHECK(derivative(Activation::sigmoid(), 2.0) == Approx(s * (1 - s)).epsilon(1e-15));
  // Saturation: at |z| = 10 the slope is below 5e-5, the vanishing gradient.
  CHECK(derivative(Activation::sigmoid(), 10.0) < 5e-5);
  CHECK(derivative(Activation::sigmoid(), -10.0) < 5e-5);
}

TEST_CASE("ex2.1 backward accumulates into dz", "[ch02][ex2.1]") {
  Tensor<double> z(Shape{2}, {0.0, 1.0}), a(Shape{2}), dz(Shape{2}, {1.0, -1.0}), da(Shape{2}, {1.0, 1.0});
  sigmoid_forward<double>(a, z);
  sigmoid_backward<double>(dz, da, z, a);
  CHECK(dz[0] == 1.25);
  CHECK(dz[1] == Approx(-1.0 + a[1] * (1 - a[1])).epsilon(1e-15));
}

TEST_CASE("ex2.2 tanh backward: gradient check", "[ch02][ex2.2][gradcheck]") {
  for (std::uint64_t seed : {3, 4}) check_activation(Activation::tanh(), seed);
}

TEST_CASE("ex2.2 tanh backward: tanh' = 1 - tanh^2, worked values", "[ch02][ex2.2]") {
  CHECK(derivative(Activation::tanh(), 0.0) == 1.0);
  const double t = std::tanh(0.7);
  CHECK(derivative(Activation::tanh(), 0.7) == Approx(1 - t * t).epsilon(1e-14));
  CHECK(derivative(Activation::tanh(), 10.0) < 1e-8);
}

TEST_CASE("ex2.3 ReLU, leaky ReLU and abs backward: gradient checks", "[ch02][ex2.3][gradcheck]") {
  for (std::uint64_t seed : {5, 6}) {
    check_activation(Activation::relu(), seed);
    check_activation(Activation::leaky_relu(), seed);
    check_activation(Activation::leaky_relu(0.3), seed);
    check_activation(Activation::abs(), seed);
  }
}

TEST_CASE("ex2.3 the rectifiers' derivatives, worked values", "[ch02][ex2.3]") {
  CHECK(derivative(Activation::relu(), 2.0) == 1.0);
  CHECK(derivative(Activation::relu(), -2.0) == 0.0);  // the dead region: no gradient at all
  CHECK(derivative(Activation::leaky_relu(), -2.0) == Approx(0.1));
  CHECK(derivative(Activation::leaky_relu(), 2.0) == 1.0);
  CHECK(derivative(Activation::abs(), -3.0) == -1.0);
  CHECK(derivative(Activation::abs(), 3.0) == 1.0);
}

TEST_CASE("ex2.4 ELU backward: gradient check", "[ch02][ex2.4][gradcheck]") {
  for (std::uint64_t seed : {7, 8}) {
    check_activation(Activation::elu(), seed);
    check_activation(Activation::elu(0.5), seed);
  }
}

TEST_CASE("ex2.4 ELU has no zero-gradient region", "[ch02][ex2.4]") {
  CHECK(derivative(Activation::elu(), -1.0) == Approx(std::exp(-1.0)).epsilon(1e-15));
  CHECK(derivative(Activation::elu(), 2.0) == 1.0);
  CHECK(derivative(Activation::elu(), -5.0) > 0.0);  // small but never 0, unlike ReLU
}

TEST_CASE("ex2.5 maxout backward: gradient checks for x, weights and bias", "[ch02][ex2.5][gradcheck]") {
  for (int pieces : {2, 3}) {
    Rng rng(static_cast<std::uint64_t>(40 + pieces));
    const int n = 5, d = 4, m = 3;
    Tensor<double> x(Shape{n, d}), w(Shape{m * pieces, d}), b(Shape{m * pieces});
    fill_uniform(rng, x.span(), -1.0, 1.0);
    fill_uniform(rng, w.span(), -1.0, 1.0);
    fill_uniform(rng, b.span(), -0.5, 0.5);
    Tensor<double> out(Shape{n, m}), z(Shape{n, m * pieces}), d_z(z.shape());
    std::vector<std::int32_t> winner(static_cast<std::size_t>(n * m));
    const Tensor<double> upstream = make_upstream(rng, out.shape());
    auto loss = [&] {
      maxout_forward<double>(out, z, winner, x, w, b, pieces);
      return inner(upstream.span(), out.span());
    };
    loss();
    // The kinks of maxout are ties between pieces: the winner must lead by
    // far more than a finite-difference step can move it.
    double min_gap = 1e300;
    for (int e = 0; e < n; ++e)
      for (int u = 0; u < m; ++u)
        for (int j = 0; j < pieces; ++j)
          if (j != winner[static_cast<std::size_t>(e * m + u)])
            min_gap = std::min(min_gap, out(e, u) - z(e, u * pieces + j));
    REQUIRE(min_gap > 1e-3);
    Tensor<double> dx(x.shape()), dw(w.shape()), db(b.shape());
    maxout_backward<double>(dx, dw, db, d_z, upstream, winner, x, w, pieces);
    INFO("pieces = " << pieces);
    test::require_gradient(check_gradient("maxout dx", x.span(), dx.span(), loss));
    test::require_gradient(check_gradient("maxout d_weights", w.span(), dw.span(), loss));
    test::require_gradient(check_gradient("maxout d_bias", b.span(), db.span(), loss));
  }
}
