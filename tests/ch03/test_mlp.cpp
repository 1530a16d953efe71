// Chapter 3 math: the dense layer (exercise 3.1), the MLP's delta-rule
// backward pass (3.2) and the worked cases (3.3). Finite-difference checks in
// double (relative error ≤ 1e-7, non-zero gradients), agreement between the
// hand-written worked cases and the general MLP, and convergence smoke tests.
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "ch02/losses.hpp"
#include "ch03/dense.hpp"
#include "ch03/mlp.hpp"
#include "ch03/worked.hpp"
#include "nn/gradcheck.hpp"
#include "nn/report.hpp"
#include "nn/rng.hpp"
#include "nn/toy_data.hpp"
#include "test_util.hpp"

using namespace nn;
using namespace nn::ch03;
using nn::ch02::ActivationKind;

TEST_CASE("ex3.1 dense backward: gradient checks for input, weights and bias", "[ch03][ex3.1][gradcheck]") {
  Rng rng(1);
  const int n = 6, n_in = 5, n_out = 4;
  Tensor<double> a(Shape{n, n_in}), theta(Shape{n_out, n_in}), bias(Shape{n_out}), z(Shape{n, n_out});
  fill_uniform(rng, a.span(), -1.0, 1.0);
  fill_uniform(rng, theta.span(), -1.0, 1.0);
  fill_uniform(rng, bias.span(), -1.0, 1.0);
  const Tensor<double> upstream = make_upstream(rng, z.shape());
  auto loss = [&] {
    dense_forward<double>(z, a, theta, bias);
    return inner(upstream.span(), z.span());
  };
  loss();
  Tensor<double> d_a(a.shape()), d_theta(theta.shape()), d_bias(bias.shape());
  dense_backward<double>(d_a, d_theta, d_bias, upstream, a, theta);
  test::require_gradient(check_gradient("dense d_a", a.span(), d_a.span(), loss));
  test::require_gradient(check_gradient("dense d_theta", theta.span(), d_theta.span(), loss));
  test::require_gradient(check_gradient("dense d_bias", bias.span(), d_bias.span(), loss));
}

TEST_CASE("ex3.1 dense backward: hand-computed, accumulating, and without d_a", "[ch03][ex3.1]") {
  // One example a = (1, 2), Θ = [[1, 0], [0, 1], [1, 1]], δ = (1, −1, 2):
  //   ∂L/∂Θ = δ aᵀ = [[1, 2], [−1, −2], [2, 4]],  ∂L/∂b = δ,  ∂L/∂a = Θᵀ δ = (3, 1)
  const Tensor<double> a(Shape{1, 2}, {1.0, 2.0}), theta(Shape{3, 2}, {1.0, 0.0, 0.0, 1.0, 1.0, 1.0});
  const Tensor<double> delta(Shape{1, 3}, {1.0, -1.0, 2.0});
  Tensor<double> d_a(a.shape()), d_theta(theta.shape()), d_bias(Shape{3});
  d_theta.fill(1.0);  // accumulates on top of what is there
  dense_backward<double>(d_a, d_theta, d_bias, delta, a, theta);
  const std::vector<double> expected_theta = {2.0, 3.0, 0.0, -1.0, 3.0, 5.0};
  for (std::size_t i = 0; i < 6; ++i) CHECK(d_theta[static_cast<std::int64_t>(i)] == expected_theta[i]);
  CHECK(d_bias[0] == 1.0);
  CHECK(d_bias[2] == 2.0);
  CHECK(d_a[0] == 3.0);
  CHECK(d_a[1] == 1.0);
  Tensor<double> d_theta2(theta.shape()), d_bias2(Shape{3});
  dense_backward<double>(TensorView<double>{}, d_theta2, d_bias2, delta, a, theta);
  CHECK(d_theta2(2, 1) == 4.0);
}

TEST_CASE("ex3.1 dense backward in halves: the input gradient by blocks of rows, bit for bit", "[ch03][ex3.1]") {
  // dense_backward = dense_backward_params + dense_backward_input; the input
  // gradient of rows [r0, r1) needs only those rows of delta.
  Rng rng(3);
  const int n = 11, n_in = 19, n_out = 13;
  Tensor<float> a(Shape{n, n_in}), theta(Shape{n_out, n_in}), delta(Shape{n, n_out});
  for (Tensor<float>* t : {&a, &theta, &delta})
    for (float& v : *t) v = static_cast<float>(rng.uniform() * 2.0 - 1.0);
  Tensor<float> d_a(a.shape()), d_theta(theta.shape()), d_bias(Shape{n_out});
  dense_backward<float>(d_a, d_theta, d_bias, delta, a, theta);
  Tensor<float> d_a2(a.shape()), d_theta2(theta.shape()), d_bias2(Shape{n_out});
  dense_backward_params<float>(d_theta2, d_bias2, delta, a);
  for (const auto& [r0, r1] : {std::pair{0, 4}, std::pair{4, 5}, std::pair{5, 11}})
    dense_backward_input<float>(d_a2.view().rows(r0, r1), delta.view().rows(r0, r1), theta);
  REQUIRE(std::memcmp(d_a.data(), d_a2.data(), sizeof(float) * static_cast<std::size_t>(d_a.size())) == 0);
  REQUIRE(std::memcmp(d_theta.data(), d_theta2.data(), sizeof(float) * static_cast<std::size_t>(d_theta.size())) == 0);
  REQUIRE(std::memcmp(d_bias.data(), d_bias2.data(), sizeof(float) * static_cast<std::size_t>(d_bias.size())) == 0);
  CHECK(d_a[0] != 0.0f);
  // Shapes that do not fit are errors that name the function.
  CHECK_THROWS_WITH(dense_backward_input<float>(d_a2.view().rows(0, 3), delta.view().rows(0, 4), theta),
                    Catch::Contains("dense_backward_input"));
  CHECK_THROWS_WITH(dense_backward_params<float>(d_theta2, d_bias2, delta.view().rows(0, 4), a),
                    Catch::Contains("dense_backward_params"));
}

namespace {

// Gradient check of every Θ^(l) and b^(l) of a random MLP with the given
// widths and hidden activations, under softmax cross-entropy on its logits.
void check_mlp(const std::vector<int>& sizes, const std::vector<Activation>& activations, std::uint64_t seed) {
  Rng rng(seed);
  Mlp<double> net = make_mlp<double>(sizes, activations, rng);
  for (int l = 1; l <= net.layers(); ++l) fill_uniform(rng, net.bias[static_cast<std::size_t>(l)].span(), -0.5, 0.5);
  const int n = 7;
  Tensor<double> x(Shape{n, sizes.front()});
  fill_uniform(rng, x.span(), -1.5, 1.5);
  std::vector<int> labels(n);
  for (int& y : labels) y = static_cast<int>(rng.below(static_cast<std::uint64_t>(sizes.back())));
  MlpWorkspace<double> ws;
  Tensor<double> p(Shape{n, sizes.back()}), d_out(p.shape());
  auto loss = [&] {
    mlp_forward<double>(net, ws, x);
    return ch02::softmax_cross_entropy_forward<double>(p, ws.output(), labels);
  };
  loss();
  // Kinks: no pre-activation of a rectified layer may sit within reach of
  // a finite-difference step (1e-5 moves any z by far less than 1e-3).
  for (int l = 2; l <= net.layers(); ++l) {
    if (ch02::kinks(net.g[static_cast<std::size_t>(l)]).empty()) continue;
    for (double v : ws.z[static_cast<std::size_t>(l)]) REQUIRE(std::abs(v) > 1e-3);
  }
  ch02::softmax_cross_entropy_backward<double>(d_out, p, labels);
  MlpGrads<double> grads(net);
  grads.zero();
  mlp_backward<double>(net, ws, grads, d_out);
  // Deep in a net some entries are tiny (1e-5 and less), and a centred
  // difference cannot resolve them to 1e-7 relative: its own rounding floor
  // is about eps·|L|/h ≈ 2.2e-16 · 2 / 1e-5 ≈ 4e-11 absolute. So entries
  // below tiny = 1e-4 are judged in absolute terms, |a − n| ≤ 1e-7 · 1e-4 =
  // 1e-11 (still below that floor: not a loosened test); all larger entries
  // keep the 1e-7 relative bound.
  GradCheckOptions options;
  options.tiny = 1e-4;
  for (int l = 1; l <= net.layers(); ++l) {
    const auto i = static_cast<std::size_t>(l);
    INFO("depth " << net.layers() << ", layer " << l);
    test::require_gradient(check_gradient("d_theta^(" + std::to_string(l) + ")", net.theta[i].span(),
                                          grads.d_theta[i].span(), loss, options));
    test::require_gradient(check_gradient("d_bias^(" + std::to_string(l) + ")", net.bias[i].span(),
                                          grads.d_bias[i].span(), loss, options));
  }
}

}  // namespace

TEST_CASE("ex3.2 MLP backward: gradient checks, depth 1 to 4, mixed activations", "[ch03][ex3.2][gradcheck]") {
  check_mlp({3, 4}, {Activation::identity()}, 11);
  check_mlp({3, 5, 3}, {Activation::tanh(), Activation::identity()}, 12);
  check_mlp({3, 5, 4, 3}, {Activation::sigmoid(), Activation::elu(), Activation::identity()}, 13);
  check_mlp({4, 6, 5, 4, 3},
            {Activation::leaky_relu(), Activation::tanh(), Activation::relu(), Activation::identity()}, 14);
  check_mlp({2, 5, 5, 5, 2}, {Activation::abs(), Activation::sigmoid(), Activation::tanh(), Activation::sigmoid()},
            15);
}

namespace {

DenseParams<double> random_layer(Rng& rng, int n_out, int n_in) {
  DenseParams<double> p{Tensor<double>(Shape{n_out, n_in}), Tensor<double>(Shape{n_out})};
  fill_uniform(rng, p.theta.span(), -1.0, 1.0);
  fill_uniform(rng, p.bias.span(), -0.5, 0.5);
  return p;
}
DenseParams<double> zeros_like(const DenseParams<double>& p) {
  return {Tensor<double>(p.theta.shape()), Tensor<double>(p.bias.shape())};
}

}  // namespace

TEST_CASE("ex3.3 worked case: one-layer sigmoid net, squared loss", "[ch03][ex3.3][gradcheck]") {
  Rng rng(21);
  DenseParams<double> layer = random_layer(rng, 3, 4);
  Tensor<double> x(Shape{5, 4}), y(Shape{5, 3});
  fill_uniform(rng, x.span(), -1.0, 1.0);
  fill_uniform(rng, y.span(), 0.0, 1.0);
  DenseParams<double> grad = zeros_like(layer), scratch = zeros_like(layer);
  one_layer_sigmoid_squared<double>(layer, x, y, grad);
  auto loss = [&] { return one_layer_sigmoid_squared<double>(layer, x, y, scratch); };
  test::require_gradient(check_gradient("d_theta", layer.theta.span(), grad.theta.span(), loss));
  test::require_gradient(check_gradient("d_bias", layer.bias.span(), grad.bias.span(), loss));
}

TEST_CASE("ex3.3 worked case: two-layer sigmoid net, squared loss, agrees with the MLP", "[ch03][ex3.3][gradcheck]") {
  Rng rng(22);
  DenseParams<double> l1 = random_layer(rng, 4, 3), l2 = random_layer(rng, 2, 4);
  Tensor<double> x(Shape{6, 3}), y(Shape{6, 2});
  fill_uniform(rng, x.span(), -1.0, 1.0);
  fill_uniform(rng, y.span(), 0.0, 1.0);
  DenseParams<double> g1 = zeros_like(l1), g2 = zeros_like(l2), s1 = zeros_like(l1), s2 = zeros_like(l2);
  const double value = two_layer_sigmoid_squared<double>(l1, l2, x, y, g1, g2);
  auto loss = [&] { return two_layer_sigmoid_squared<double>(l1, l2, x, y, s1, s2); };
  test::require_gradient(check_gradient("d_theta1", l1.theta.span(), g1.theta.span(), loss));
  test::require_gradient(check_gradient("d_bias1", l1.bias.span(), g1.bias.span(), loss));
  test::require_gradient(check_gradient("d_theta2", l2.theta.span(), g2.theta.span(), loss));
  test::require_gradient(check_gradient("d_bias2", l2.bias.span(), g2.bias.span(), loss));

  // The general MLP (sigmoid, sigmoid) with the squared loss gives the same.
  Rng unused(0);
  Mlp<double> net = make_mlp<double>({3, 4, 2}, Activation::sigmoid(), Activation::sigmoid(), unused);
  net.theta[1] = l1.theta;
  net.bias[1] = l1.bias;
  net.theta[2] = l2.theta;
  net.bias[2] = l2.bias;
  MlpWorkspace<double> ws;
  mlp_forward<double>(net, ws, x);
  CHECK(ch02::squared_error_forward<double>(ws.output(), y) == Approx(value).epsilon(1e-14));
  Tensor<double> d_out(Shape{6, 2});
  ch02::squared_error_backward<double>(d_out, ws.output(), y);
  MlpGrads<double> grads(net);
  grads.zero();
  mlp_backward<double>(net, ws, grads, d_out);
  for (std::int64_t i = 0; i < g1.theta.size(); ++i) CHECK(grads.d_theta[1][i] == Approx(g1.theta[i]).epsilon(1e-12));
  for (std::int64_t i = 0; i < g2.theta.size(); ++i) CHECK(grads.d_theta[2][i] == Approx(g2.theta[i]).epsilon(1e-12));
}

TEST_CASE("ex3.3 worked case: two-layer softmax classifier", "[ch03][ex3.3][gradcheck]") {
  Rng rng(23);
  DenseParams<double> l1 = random_layer(rng, 5, 2), l2 = random_layer(rng, 3, 5);
  Tensor<double> x(Shape{8, 2});
  fill_uniform(rng, x.span(), -2.0, 2.0);
  const std::vector<int> labels = {0, 1, 2, 1, 0, 2, 2, 1};
  DenseParams<double> g1 = zeros_like(l1), g2 = zeros_like(l2), s1 = zeros_like(l1), s2 = zeros_like(l2);
  two_layer_softmax<double>(l1, l2, x, labels, g1, g2);
  auto loss = [&] { return two_layer_softmax<double>(l1, l2, x, labels, s1, s2); };
  test::require_gradient(check_gradient("d_theta1", l1.theta.span(), g1.theta.span(), loss));
  test::require_gradient(check_gradient("d_bias1", l1.bias.span(), g1.bias.span(), loss));
  test::require_gradient(check_gradient("d_theta2", l2.theta.span(), g2.theta.span(), loss));
  test::require_gradient(check_gradient("d_bias2", l2.bias.span(), g2.bias.span(), loss));
}

TEST_CASE("ex3.2 convergence: XOR reaches 100 % in well under a second", "[ch03][ex3.2][behaviour]") {
  Stopwatch clock;
  const Dataset2D data = make_logic_gate("xor");
  Rng rng(1);
  Mlp<float> net = make_mlp<float>({2, 4, 2}, Activation::tanh(), Activation::identity(), rng);
  TrainConfig cfg;
  cfg.learning_rate = 0.5;
  cfg.epochs = 500;
  const auto history = train_classifier<float>(net, data.x, data.y, cfg);
  CHECK(history.back() < 0.05);
  CHECK(classifier_accuracy<float>(net, data.x, data.y) == 1.0);
  CHECK(clock.seconds() < 1.0);
}

TEST_CASE("ex3.2 convergence: circles reach 99 % in well under a second", "[ch03][ex3.2][behaviour]") {
  Stopwatch clock;
  Rng rng(2);
  const Dataset2D data = make_circles(rng, 150);
  Mlp<float> net = make_mlp<float>({2, 16, 2}, Activation::tanh(), Activation::identity(), rng);
  TrainConfig cfg;
  cfg.learning_rate = 0.3;
  cfg.epochs = 150;
  cfg.batch_size = 16;
  train_classifier<float>(net, data.x, data.y, cfg);
  CHECK(classifier_accuracy<float>(net, data.x, data.y) >= 0.99);
  CHECK(clock.seconds() < 1.0);
}
