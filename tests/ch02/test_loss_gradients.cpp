// Chapter 2 math: the gradients of softmax and of the losses (exercises 2.6,
// 2.7). Finite-difference checks in double (relative error ≤ 1e-7, non-zero
// gradient) and the worked softmax Jacobian.
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "ch02/losses.hpp"
#include "nn/gradcheck.hpp"
#include "nn/rng.hpp"
#include "test_util.hpp"

using namespace nn;
using namespace nn::ch02;

namespace {

std::vector<int> random_labels(Rng& rng, int n, int k) {
  std::vector<int> y(static_cast<std::size_t>(n));
  for (int& v : y) v = static_cast<int>(rng.below(static_cast<std::uint64_t>(k)));
  return y;
}

}  // namespace

TEST_CASE("ex2.6 softmax cross-entropy gradient p - onehot(y): gradient check", "[ch02][ex2.6][gradcheck]") {
  for (std::uint64_t seed : {1, 2, 3}) {
    Rng rng(seed);
    const int n = 6, k = 4;
    Tensor<double> z(Shape{n, k}), p(z.shape()), dz(z.shape());
    fill_uniform(rng, z.span(), -3.0, 3.0);
    const auto labels = random_labels(rng, n, k);
    auto loss = [&] { return softmax_cross_entropy_forward<double>(p, z, labels); };
    loss();
    softmax_cross_entropy_backward<double>(dz, p, labels);
    test::require_gradient(check_gradient("softmax-CE dz", z.span(), dz.span(), loss));
  }
}

TEST_CASE("ex2.6 softmax cross-entropy gradient: worked example", "[ch02][ex2.6]") {
  // One example, logits (1, 2, 3), label 2: dz = p − (0, 0, 1).
  const Tensor<double> z(Shape{1, 3}, {1.0, 2.0, 3.0});
  Tensor<double> p(z.shape()), dz(z.shape());
  const std::vector<int> y = {2};
  softmax_cross_entropy_forward<double>(p, z, y);
  softmax_cross_entropy_backward<double>(dz, p, y);
  CHECK(dz(0, 0) == Approx(0.09003057317038046).epsilon(1e-14));
  CHECK(dz(0, 1) == Approx(0.24472847105479767).epsilon(1e-14));
  CHECK(dz(0, 2) == Approx(0.6652409557748219 - 1.0).epsilon(1e-14));
  // The gradient of every row sums to 0 (the softmax is shift-invariant).
  CHECK(dz(0, 0) + dz(0, 1) + dz(0, 2) == Approx(0.0).margin(1e-15));
}

TEST_CASE("ex2.6 softmax Jacobian D_ab = p_a (delta_ab - p_b)", "[ch02][ex2.6]") {
  const Tensor<double> z(Shape{1, 3}, {0.5, -1.0, 2.0});
  Tensor<double> p(z.shape());
  softmax_forward<double>(p, z);
  // Column b of the Jacobian: backward with dp = e_a gives row a of D.
  for (int a = 0; a < 3; ++a) {
    Tensor<double> dp(z.shape()), dz(z.shape());
    dp(0, a) = 1.0;
    softmax_backward<double>(dz, dp, p);
    for (int b = 0; b < 3; ++b) {
      const double expected = p(0, a) * ((a == b ? 1.0 : 0.0) - p(0, b));
      INFO("a = " << a << ", b = " << b);
      CHECK(dz(0, b) == Approx(expected).epsilon(1e-14));
    }
  }
}

TEST_CASE("ex2.6 softmax backward: gradient check", "[ch02][ex2.6][gradcheck]") {
  Rng rng(9);
  const Shape shape{5, 4};
  Tensor<double> z(shape), p(shape), dz(shape);
  fill_uniform(rng, z.span(), -3.0, 3.0);
  const Tensor<double> upstream = make_upstream(rng, shape);
  auto loss = [&] {
    softmax_forward<double>(p, z);
    return inner(upstream.span(), p.span());
  };
  loss();
  softmax_backward<double>(dz, upstream, p);
  test::require_gradient(check_gradient("softmax dz", z.span(), dz.span(), loss));
}

TEST_CASE("ex2.7 squared error gradient: gradient check", "[ch02][ex2.7][gradcheck]") {
  Rng rng(11);
  Tensor<double> a(Shape{5, 3}), t(a.shape()), da(a.shape());
  fill_uniform(rng, a.span(), -2.0, 2.0);
  fill_uniform(rng, t.span(), -2.0, 2.0);
  auto loss = [&] { return squared_error_forward<double>(a, t); };
  squared_error_backward<double>(da, a, t);
  test::require_gradient(check_gradient("squared error da", a.span(), da.span(), loss));
}

TEST_CASE("ex2.7 binary cross-entropy from logits: gradient sigma(z) - t", "[ch02][ex2.7][gradcheck]") {
  Rng rng(12);
  Tensor<double> z(Shape{8}), t(z.shape()), dz(z.shape());
  fill_uniform(rng, z.span(), -6.0, 6.0);
  for (std::int64_t i = 0; i < t.size(); ++i) t[i] = i < 6 ? static_cast<double>(rng.below(2)) : rng.uniform();
  auto loss = [&] { return bce_with_logits_forward<double>(z, t); };
  bce_with_logits_backward<double>(dz, z, t);
  test::require_gradient(check_gradient("BCE dz", z.span(), dz.span(), loss));
  // Worked: z = 0, t = 1 on a batch of one: σ(0) − 1 = −0.5.
  Tensor<double> z0(Shape{1}), t1(Shape{1}, {1.0}), d0(Shape{1});
  bce_with_logits_backward<double>(d0, z0, t1);
  CHECK(d0[0] == -0.5);
}

TEST_CASE("ex2.7 multiclass hinge: gradient check away from the margins", "[ch02][ex2.7][gradcheck]") {
  Rng rng(13);
  const int n = 6, k = 4;
  Tensor<double> z(Shape{n, k}), dz(z.shape());
  fill_uniform(rng, z.span(), -2.0, 2.0);
  const auto labels = random_labels(rng, n, k);
  // The kinks are where z_k − z_y + Δ = 0; every term must be clear of them.
  double closest = 1e300;
  int active = 0;
  for (int e = 0; e < n; ++e)
    for (int c = 0; c < k; ++c)
      if (c != labels[static_cast<std::size_t>(e)]) {
        const double m = z(e, c) - z(e, labels[static_cast<std::size_t>(e)]) + 1.0;
        closest = std::min(closest, std::abs(m));
        active += m > 0;
      }
  REQUIRE(closest > 1e-3);
  REQUIRE(active > 0);
  auto loss = [&] { return multiclass_hinge_forward<double>(z, labels); };
  multiclass_hinge_backward<double>(dz, z, labels);
  test::require_gradient(check_gradient("hinge dz", z.span(), dz.span(), loss));
}
