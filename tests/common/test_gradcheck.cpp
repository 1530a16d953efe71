// The gradient checker itself: it must pass a correct gradient and catch the
// errors it exists to catch (sign, index, scale, missing gradient).
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "nn/gradcheck.hpp"

using namespace nn;

namespace {
// L(x) = Σ_i g_i sin(x_i) x_i  ⇒  ∂L/∂x_i = g_i (cos(x_i) x_i + sin(x_i))
struct Problem {
  std::vector<double> x, g, grad;
  explicit Problem(std::size_t n, std::uint64_t seed) : x(n), g(n), grad(n) {
    Rng rng(seed);
    fill_uniform(rng, x, -2, 2);
    fill_uniform(rng, g, -1, 1);
    for (std::size_t i = 0; i < n; ++i) grad[i] = g[i] * (std::cos(x[i]) * x[i] + std::sin(x[i]));
  }
  double loss() const {
    double s = 0;
    for (std::size_t i = 0; i < x.size(); ++i) s += g[i] * std::sin(x[i]) * x[i];
    return s;
  }
};
}  // namespace

TEST_CASE("gradcheck: a correct gradient passes at 1e-7", "[common][gradcheck]") {
  Problem p(40, 1);
  const auto r = check_gradient("x", p.x, p.grad, [&] { return p.loss(); });
  INFO(r.report());
  CHECK(r.passed());
  CHECK(r.max_rel_error < 1e-8);
  CHECK(r.checked == 40);
}

TEST_CASE("gradcheck: the five-point stencil is exact to O(h^4) and still catches a sign error",
          "[common][gradcheck]") {
  // At h = 1e-2 the centred difference's truncation error (h²/6)·L‴ is
  // about 1e-5 relative; the five-point stencil's (h⁴/30)·L⁽⁵⁾ about 1e-10.
  Problem p(40, 5);
  GradCheckOptions coarse;
  coarse.step = 1e-2;
  const auto centred = check_gradient("x", p.x, p.grad, [&] { return p.loss(); }, coarse);
  CHECK(centred.max_rel_error > 1e-6);
  coarse.five_point = true;
  const auto five = check_gradient("x", p.x, p.grad, [&] { return p.loss(); }, coarse);
  INFO(five.report());
  CHECK(five.passed());
  CHECK(five.max_rel_error < 1e-8);
  std::vector<double> wrong = p.grad;
  wrong[7] = -wrong[7];
  CHECK_FALSE(check_gradient("x", p.x, wrong, [&] { return p.loss(); }, coarse).passed());
}

TEST_CASE("gradcheck: a sign error, a swapped index, a wrong scale and a zero gradient fail", "[common][gradcheck]") {
  Problem p(40, 2);
  auto loss = [&] { return p.loss(); };

  std::vector<double> flipped = p.grad;
  flipped[7] = -flipped[7];
  CHECK_FALSE(check_gradient("sign", p.x, flipped, loss).passed());

  std::vector<double> swapped = p.grad;
  std::swap(swapped[3], swapped[4]);
  CHECK_FALSE(check_gradient("index", p.x, swapped, loss).passed());

  std::vector<double> scaled = p.grad;
  for (double& v : scaled) v *= 1.001;
  CHECK_FALSE(check_gradient("scale", p.x, scaled, loss).passed());

  std::vector<double> zeros(p.grad.size(), 0.0);
  const auto r = check_gradient("zero", p.x, zeros, loss);
  CHECK(r.all_zero());
  CHECK_FALSE(r.passed());
  CHECK_THAT(r.report(), Catch::Contains("all zeros"));
}

TEST_CASE("gradcheck: a function that ignores the parameter fails even with a zero gradient", "[common][gradcheck]") {
  std::vector<double> x = {1.0, 2.0}, grad = {0.0, 0.0};
  CHECK_FALSE(check_gradient("unused", x, grad, [] { return 3.0; }).passed());
}

TEST_CASE("gradcheck: big tensors are sampled and restored exactly", "[common][gradcheck]") {
  Problem p(5000, 3);
  const std::vector<double> before = p.x;
  GradCheckOptions opt;
  opt.max_samples = 100;
  const auto r = check_gradient("big", p.x, p.grad, [&] { return p.loss(); }, opt);
  CHECK(r.checked == 100);
  CHECK(r.size == 5000);
  CHECK(r.passed());
  CHECK(p.x == before);
}

TEST_CASE("gradcheck: NaN in the gradient fails", "[common][gradcheck]") {
  Problem p(10, 4);
  p.grad[2] = std::nan("");
  CHECK_FALSE(check_gradient("nan", p.x, p.grad, [&] { return p.loss(); }).passed());
}

TEST_CASE("gradcheck: keep_away_from_kinks moves values out of the margin", "[common][gradcheck]") {
  std::vector<double> v = {0.0, 1e-4, -1e-4, 0.5, -0.5, 0.02};
  const std::vector<double> kinks = {0.0};
  keep_away_from_kinks(v, kinks, 0.01);
  CHECK(v[0] == 0.01);
  CHECK(v[1] == 0.01);
  CHECK(v[2] == -0.01);
  CHECK(v[3] == 0.5);
  CHECK(v[5] == 0.02);
}
