// Chapter 2, forward passes (given code, not exercises): worked values of the
// activations and losses, the float (SIMD exp) path against double, and the
// naive-versus-stable demonstration. These pass in the exercise build too.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "ch02/activations.hpp"
#include "ch02/losses.hpp"
#include "ch02/maxout.hpp"
#include "nn/gradcheck.hpp"
#include "nn/rng.hpp"

using namespace nn;
using namespace nn::ch02;

namespace {

template <typename T>
Tensor<T> forward_of(const Activation& g, const std::vector<T>& values) {
  Tensor<T> z(Shape{static_cast<std::int64_t>(values.size())}), a(z.shape());
  for (std::size_t i = 0; i < values.size(); ++i) z[static_cast<std::int64_t>(i)] = values[i];
  activation_forward<T>(g, a, z);
  return a;
}

}  // namespace

TEST_CASE("activations: worked values", "[ch02][forward]") {
  const std::vector<double> z = {-2.0, -1.0, 0.0, 0.5, 3.0};
  const auto sig = forward_of(Activation::sigmoid(), z);
  CHECK(sig[2] == 0.5);
  CHECK(sig[4] == Approx(1.0 / (1.0 + std::exp(-3.0))).epsilon(1e-15));
  CHECK(sig[0] == Approx(1.0 / (1.0 + std::exp(2.0))).epsilon(1e-15));
  const auto th = forward_of(Activation::tanh(), z);
  CHECK(th[2] == 0.0);
  for (int i : {0, 1, 3, 4}) CHECK(th[i] == Approx(std::tanh(z[static_cast<std::size_t>(i)])).epsilon(1e-14));
  const auto relu = forward_of(Activation::relu(), z);
  CHECK(relu[0] == 0.0);
  CHECK(relu[4] == 3.0);
  const auto leaky = forward_of(Activation::leaky_relu(), z);
  CHECK(leaky[0] == Approx(-0.2));  // max(0.1 z, z)
  CHECK(leaky[3] == 0.5);
  const auto elu = forward_of(Activation::elu(), z);
  CHECK(elu[1] == Approx(std::exp(-1.0) - 1.0).epsilon(1e-15));
  CHECK(elu[4] == 3.0);
  const auto absz = forward_of(Activation::abs(), z);
  CHECK(absz[0] == 2.0);
  CHECK(absz[3] == 0.5);
  CHECK(parse_activation("leaky_relu").kind == ActivationKind::LeakyRelu);
  CHECK(parse_activation("swish").kind == ActivationKind::Swish);
  CHECK_THROWS_AS(parse_activation("sinc"), Error);
}

TEST_CASE("activations: the float path (SIMD exp) agrees with double", "[ch02][forward][simd]") {
  // sigmoid and ELU inherit vexp's 2e-7 relative bound plus a few roundings
  // of the formula (≤ 4 u = 2.4e-7); tanh is accurate to a few units of
  // float epsilon in absolute terms (the 1 − e^−2|z| cancellation near 0).
  Rng rng(8);
  const std::int64_t n = 4099;
  Tensor<float> zf(Shape{n}), af(Shape{n});
  Tensor<double> zd(Shape{n}), ad(Shape{n});
  for (std::int64_t i = 0; i < n; ++i) {
    zd[i] = static_cast<double>(zf[i] = static_cast<float>(rng.uniform(-30, 30)));
  }
  zf[0] = 0.0f;
  zd[0] = 0.0;
  for (const Activation& g : chapter_activations()) {
    activation_forward<float>(g, af, zf);
    activation_forward<double>(g, ad, zd);
    double worst_rel = 0.0, worst_abs = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
      const double diff = std::abs(static_cast<double>(af[i]) - ad[i]);
      worst_abs = std::max(worst_abs, diff);
      if (ad[i] != 0.0) worst_rel = std::max(worst_rel, diff / std::abs(ad[i]));
    }
    INFO(name(g) << ": worst relative " << worst_rel << ", worst absolute " << worst_abs);
    if (g.kind == ActivationKind::Tanh) {
      CHECK(worst_abs <= 4.0 * static_cast<double>(std::numeric_limits<float>::epsilon()));
    } else {
      CHECK(worst_rel <= 5e-7);
    }
  }
}

TEST_CASE("maxout: k = 2 pieces can be |z| and ReLU", "[ch02][forward]") {
  // Two units on a 1-D input: unit 0 = max(x, −x) = |x|, unit 1 = max(x, 0).
  const Tensor<double> x(Shape{3, 1}, {-2.0, 0.5, 3.0});
  const Tensor<double> w(Shape{4, 1}, {1.0, -1.0, 1.0, 0.0});
  const Tensor<double> b(Shape{4});
  Tensor<double> out(Shape{3, 2}), z(Shape{3, 4});
  std::vector<std::int32_t> winner(6);
  maxout_forward<double>(out, z, winner, x, w, b, 2);
  CHECK(out(0, 0) == 2.0);
  CHECK(out(0, 1) == 0.0);
  CHECK(out(1, 0) == 0.5);
  CHECK(out(2, 1) == 3.0);
  CHECK(winner[0] == 1);  // −x won for x = −2
  CHECK(winner[4] == 0);
}

TEST_CASE("softmax: rows sum to one, and it is shift-invariant", "[ch02][forward]") {
  const Tensor<double> z(Shape{2, 3}, {1.0, 2.0, 3.0, 101.0, 102.0, 103.0});
  Tensor<double> p(z.shape());
  softmax_forward<double>(p, z);
  const double e = std::exp(1.0);
  const double s = 1 + e + e * e;
  CHECK(p(0, 0) == Approx(1 / s).epsilon(1e-15));
  CHECK(p(0, 2) == Approx(e * e / s).epsilon(1e-15));
  for (int j = 0; j < 3; ++j) CHECK(p(1, j) == Approx(p(0, j)).epsilon(1e-14));
  CHECK(p(0, 0) + p(0, 1) + p(0, 2) == Approx(1.0).epsilon(1e-15));
}

TEST_CASE("naive softmax overflows to NaN at logits like 1000, the stable one is exact", "[ch02][stability]") {
  const Tensor<float> zf(Shape{1, 3}, {1000.0f, 999.0f, 998.0f});
  Tensor<float> pf(zf.shape());
  softmax_naive<float>(pf, zf);
  CHECK(std::isnan(pf(0, 0)));  // e^1000 = inf, inf / inf = NaN
  softmax_forward<float>(pf, zf);
  const double e = std::exp(1.0), s = 1 + e + e * e;
  CHECK(static_cast<double>(pf(0, 0)) == Approx(e * e / s).epsilon(1e-6));
  CHECK(static_cast<double>(pf(0, 2)) == Approx(1 / s).epsilon(1e-6));
  // Double overflows too (e^710 > DBL_MAX).
  const Tensor<double> zd(Shape{1, 2}, {1000.0, 0.0});
  Tensor<double> pd(zd.shape());
  softmax_naive<double>(pd, zd);
  CHECK(std::isnan(pd(0, 0)));
  softmax_forward<double>(pd, zd);
  CHECK(pd(0, 0) == 1.0);
  CHECK(pd(0, 1) == 0.0);  // the true e^-1000 underflows double: 0 is the right rounding
  // Very negative logits: the naive sum is 0 and 0/0 = NaN.
  const Tensor<float> low(Shape{1, 2}, {-1000.0f, -1000.0f});
  Tensor<float> pl(low.shape());
  softmax_naive<float>(pl, low);
  CHECK(std::isnan(pl(0, 0)));
  softmax_forward<float>(pl, low);
  CHECK(pl(0, 0) == 0.5f);
}

TEST_CASE("log-softmax and log-sigmoid stay finite where the naive forms give -inf", "[ch02][stability]") {
  const Tensor<float> z(Shape{1, 2}, {1000.0f, 0.0f});
  Tensor<float> log_p(z.shape());
  log_softmax_forward<float>(log_p, z);
  CHECK(log_p(0, 0) == 0.0f);
  CHECK(log_p(0, 1) == -1000.0f);  // log(softmax) would be log(0) = −inf
  // log σ(z): float σ(−200) rounds to 0 (e^200 overflows), so log gives −inf.
  CHECK(std::isinf(log_sigmoid_naive(-200.0f)));
  CHECK(log_sigmoid(-200.0f) == -200.0f);
  CHECK(std::isinf(log_sigmoid_naive(-800.0)));
  CHECK(log_sigmoid(-800.0) == -800.0);
  CHECK(log_sigmoid(0.0) == Approx(-std::log(2.0)).epsilon(1e-15));
  CHECK(log_sigmoid(30.0) == Approx(-std::exp(-30.0)).epsilon(1e-12));
}

TEST_CASE("losses from logits: worked values and no overflow", "[ch02][stability]") {
  // Binary cross-entropy from the logit: z = −800 with target 1 costs 800.
  const Tensor<double> z(Shape{2}, {-800.0, 0.0}), t(Shape{2}, {1.0, 0.0});
  CHECK(bce_with_logits_forward<double>(z, t) == Approx((800.0 + std::log(2.0)) / 2).epsilon(1e-15));
  const Tensor<float> zf(Shape{1}, {-800.0f}), tf(Shape{1}, {1.0f});
  CHECK(bce_with_logits_forward<float>(zf, tf) == 800.0f);
  // Softmax cross-entropy of logits (1000, 0) with label 1: exactly 1000.
  const Tensor<float> logits(Shape{1, 2}, {1000.0f, 0.0f});
  Tensor<float> p(logits.shape());
  const std::vector<int> label = {1};
  CHECK(softmax_cross_entropy_forward<float>(p, logits, label) == 1000.0f);
  // Uniform logits over K classes cost log K.
  const Tensor<double> uniform(Shape{2, 4});
  Tensor<double> pu(uniform.shape());
  const std::vector<int> labels = {0, 3};
  CHECK(softmax_cross_entropy_forward<double>(pu, uniform, labels) == Approx(std::log(4.0)).epsilon(1e-15));
  // Squared error: (1/N) Σ (a − t)².
  const Tensor<double> a(Shape{2, 2}, {1.0, 2.0, 3.0, 4.0}), b(Shape{2, 2}, {0.0, 2.0, 1.0, 4.0});
  CHECK(squared_error_forward<double>(a, b) == Approx((1.0 + 4.0) / 2).epsilon(1e-15));
  // Multiclass hinge with Δ = 1: row (3, 1, 2.5), y = 0: max(0, 1−3+1) + max(0, 2.5−3+1) = 0.5.
  const Tensor<double> s(Shape{1, 3}, {3.0, 1.0, 2.5});
  const std::vector<int> y0 = {0};
  CHECK(multiclass_hinge_forward<double>(s, y0) == Approx(0.5).epsilon(1e-15));
  CHECK(accuracy<double>(s, y0) == 1.0);
  // A label outside [0, K) is an error, not a wild read.
  const std::vector<int> bad = {3};
  CHECK_THROWS_AS(multiclass_hinge_forward<double>(s, bad), Error);
}

TEST_CASE("argmax_rows picks each row's largest score, the first of equal ones", "[ch02]") {
  Tensor<float> scores(Shape{4, 3});
  const float values[] = {0.1f, 0.7f, 0.2f,   // 1
                          -3.0f, -1.0f, -2.0f, // 1 (all negative)
                          5.0f, 5.0f, 1.0f,    // 0 (a tie: the first)
                          0.0f, 0.0f, 9.0f};   // 2 (the last column)
  std::copy(std::begin(values), std::end(values), scores.data());
  std::vector<int> out(4, -1);
  ch02::argmax_rows<float>(scores, out);
  CHECK(out == std::vector<int>{1, 1, 0, 2});
  std::vector<int> short_out(3);
  CHECK_THROWS_AS(ch02::argmax_rows<float>(scores, short_out), Error);
}

TEST_CASE("softplus and swish: worked values, softplus' = sigma, finite differences", "[ch02][forward]") {
  // softplus(0) = ln 2; softplus(z) − softplus(−z) = z; swish(0) = 0 and
  // swish's minimum, at z* ≈ −1.278465 (where σ + z σ(1 − σ) = 0), is z*σ(z*).
  const Tensor<double> z(Shape{5}, {0.0, 2.0, -2.0, -1.2784645427610738, 40.0});
  Tensor<double> sp(Shape{5}), sw(Shape{5}), sig(Shape{5});
  softplus_forward<double>(sp, z);
  swish_forward<double>(sw, z);
  sigmoid_forward<double>(sig, z);
  CHECK(sp[0] == Approx(std::log(2.0)).epsilon(1e-15));
  CHECK(sp[1] - sp[2] == Approx(2.0).epsilon(1e-15));
  CHECK(sp[4] == 40.0);  // ln(1 + e⁴⁰) = 40 + ln(1 + e⁻⁴⁰): no overflow
  CHECK(sw[0] == 0.0);
  CHECK(sw[3] == Approx(-0.2784645427610738).epsilon(1e-12));  // z*σ(z*) = z* + 1 there
  // softplus' is the sigmoid: the backward pass with da = 1 gives σ(z).
  Tensor<double> dz(Shape{5});
  const Tensor<double> ones(Shape{5}, {1.0, 1.0, 1.0, 1.0, 1.0});
  softplus_backward<double>(dz, ones, z, sp);
  for (int i = 0; i < 5; ++i) CHECK(dz[i] == Approx(sig[i]).epsilon(1e-15));
  // swish' vanishes at its minimum
  Tensor<double> dsw(Shape{5});
  swish_backward<double>(dsw, ones, z, sw);
  CHECK(std::abs(dsw[3]) < 1e-12);
  CHECK(dsw[0] == Approx(0.5).epsilon(1e-15));
  // and both backward passes against centred differences of L = <g, a(z)>
  Rng rng(22);
  for (const Activation& g : {Activation::softplus(), Activation::swish()}) {
    Tensor<double> x(Shape{64}), a(Shape{64}), dx(Shape{64});
    fill_uniform(rng, x.span(), -6, 6);
    const Tensor<double> up = make_upstream(rng, x.shape());
    auto loss = [&] {
      activation_forward<double>(g, a, x);
      return inner(up.span(), a.span());
    };
    loss();
    activation_backward<double>(g, dx, up, x, a);
    // L sums 64 outputs up to 6 in size: the centred difference's rounding
    // error ε|L|/h is about 1e-10, so entries a thousand times smaller than
    // the largest are held to that absolute error (as tests/layers'
    // scaled_floor does), the rest to the relative 1e-7.
    GradCheckOptions options;
    for (double d : dx) options.tiny = std::max(options.tiny, 1e-3 * std::abs(d));
    const auto r = check_gradient(name(g), x.span(), dx.span(), loss, options);
    INFO(r.report());
    CHECK(r.passed());
  }
}
