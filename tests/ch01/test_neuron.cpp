// Chapter 1 math: worked numbers, finite-difference gradient checks and the
// behaviour the chapter promises. These tests grade exercises 1.1–1.5.
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "ch01/neuron.hpp"
#include "nn/gradcheck.hpp"
#include "nn/rng.hpp"
#include "nn/toy_data.hpp"
#include "test_util.hpp"

using namespace nn;
using namespace nn::ch01;

TEST_CASE("ex1.1 sigmoid: worked values and stability", "[ch01][ex1.1]") {
  CHECK(sigmoid(0.0) == 0.5);
  CHECK(sigmoid(2.0) == Approx(0.8807970779778823).epsilon(1e-15));
  CHECK(sigmoid(-2.0) == Approx(1.0 - 0.8807970779778823).epsilon(1e-14));
  // Symmetry σ(−z) = 1 − σ(z).
  for (double z : {0.1, 1.0, 3.7, 10.0}) CHECK(sigmoid(-z) == Approx(1.0 - sigmoid(z)).epsilon(1e-12));
  // Far out in either tail: no overflow, no NaN, the right limit.
  CHECK(sigmoid(1000.0) == 1.0);
  CHECK(sigmoid(-1000.0) == 0.0);
  CHECK(sigmoid(-100.0f) > 0.0f);  // e^-100 ≈ 3.7e-44 is representable as a float denormal
  CHECK(std::isfinite(sigmoid(-745.0)));
}

TEST_CASE("ex1.1 sigmoid derivative is sigma(1 - sigma)", "[ch01][ex1.1]") {
  // σ'(z) from a centred difference agrees with σ(z)(1 − σ(z)). Error
  // budget of the difference: truncation h²/6 · |σ‴| ≤ 1e-11 and rounding
  // 2·eps/h ≈ 2e-11, against σ' ≥ 3.3e-4 on this range: below 1e-7
  // relative. A wrong formula (σ(1 + σ), 1 − σ, ...) is off by far more.
  for (double z : {-8.0, -6.0, -2.5, -0.3, 0.0, 0.7, 3.0, 8.0}) {
    const double h = 1e-5;
    const double numeric = (sigmoid(z + h) - sigmoid(z - h)) / (2 * h);
    const double s = sigmoid(z);
    INFO("z = " << z);
    CHECK(numeric == Approx(s * (1 - s)).epsilon(2e-7));
  }
  CHECK(sigmoid(0.0) * (1 - sigmoid(0.0)) == 0.25);  // the largest slope, at z = 0
}

TEST_CASE("ex1.1 neuron forward: hand-computed batch", "[ch01][ex1.1]") {
  const Tensor<double> x(Shape{2, 2}, {1.0, 2.0, -1.0, 0.5});
  const Tensor<double> w(Shape{2}, {0.5, -0.25});
  Tensor<double> z(Shape{2}), a(Shape{2});
  neuron_forward<double>(z, a, x, w, 0.1, Activation::Identity);
  CHECK(z(0) == Approx(0.1).epsilon(1e-15));     // 0.5 − 0.5 + 0.1
  CHECK(z(1) == Approx(-0.525).epsilon(1e-15));  // −0.5 − 0.125 + 0.1
  CHECK(a(0) == z(0));
  neuron_forward<double>(z, a, x, w, 0.1, Activation::Sigmoid);
  CHECK(a(0) == Approx(1 / (1 + std::exp(-0.1))).epsilon(1e-15));
  CHECK(a(1) == Approx(1 / (1 + std::exp(0.525))).epsilon(1e-15));
}

TEST_CASE("ex1.2 losses: hand-computed values", "[ch01][ex1.2]") {
  // One example x = (1, 2), y = 1, θ = (0.5, −0.5), θ0 = 0: z = −0.5.
  const Tensor<double> z(Shape{1}, {-0.5}), y(Shape{1}, {1.0});
  const Tensor<double> a(Shape{1}, {0.3775406687981454});  // σ(−0.5)
  CHECK(loss_forward<double>(Loss::SquaredError, z, a, y) == Approx(0.6224593312018546 * 0.6224593312018546));
  CHECK(loss_forward<double>(Loss::BinaryCrossEntropy, z, a, y) == Approx(-std::log(0.3775406687981454)));
  // The batch mean: two examples with z = 0 give log 2 each, mean log 2.
  const Tensor<double> z2(Shape{2}, {0.0, 0.0}), a2(Shape{2}, {0.5, 0.5}), y2(Shape{2}, {0.0, 1.0});
  CHECK(loss_forward<double>(Loss::BinaryCrossEntropy, z2, a2, y2) == Approx(0.6931471805599453).epsilon(1e-14));
  CHECK(loss_forward<double>(Loss::SquaredError, z2, a2, y2) == Approx(0.25));
  // From the logit, cross-entropy stays finite where log(σ(z)) would be log(0).
  const Tensor<double> z3(Shape{1}, {-800.0}), a3(Shape{1}, {0.0}), y3(Shape{1}, {1.0});
  CHECK(loss_forward<double>(Loss::BinaryCrossEntropy, z3, a3, y3) == Approx(800.0));
}

TEST_CASE("ex1.3 hand-computed gradient of a 2-input neuron", "[ch01][ex1.3]") {
  // x = (1, 2), y = 1, θ = (0.5, −0.5), θ0 = 0, sigmoid: z = −0.5, a = 0.37754...
  const Tensor<double> x(Shape{1, 2}, {1.0, 2.0}), w(Shape{2}, {0.5, -0.5}), y(Shape{1}, {1.0});
  Tensor<double> z(Shape{1}), a(Shape{1}), delta(Shape{1}), dw(Shape{2});
  neuron_forward<double>(z, a, x, w, 0.0, Activation::Sigmoid);
  REQUIRE(a(0) == Approx(0.3775406687981454).epsilon(1e-15));

  SECTION("binary cross-entropy: delta = a - y") {
    loss_backward<double>(delta, Loss::BinaryCrossEntropy, Activation::Sigmoid, z, a, y);
    CHECK(delta(0) == Approx(-0.6224593312018546).epsilon(1e-14));
    double db = 0;
    neuron_backward<double>(dw, db, delta, x);
    CHECK(dw(0) == Approx(-0.6224593312018546).epsilon(1e-14));
    CHECK(dw(1) == Approx(-1.2449186624037092).epsilon(1e-14));
    CHECK(db == Approx(-0.6224593312018546).epsilon(1e-14));
  }
  SECTION("squared error: delta = 2 (a - y) sigma'(z)") {
    loss_backward<double>(delta, Loss::SquaredError, Activation::Sigmoid, z, a, y);
    CHECK(delta(0) == Approx(-0.29256050705391523).epsilon(1e-14));
    double db = 0;
    neuron_backward<double>(dw, db, delta, x);
    CHECK(dw(0) == Approx(-0.29256050705391523).epsilon(1e-14));
    CHECK(dw(1) == Approx(-0.5851210141078305).epsilon(1e-14));
    CHECK(db == Approx(-0.29256050705391523).epsilon(1e-14));
  }
  SECTION("backward accumulates into the gradient") {
    loss_backward<double>(delta, Loss::BinaryCrossEntropy, Activation::Sigmoid, z, a, y);
    dw.fill(1.0);
    double db = 1.0;
    neuron_backward<double>(dw, db, delta, x);
    CHECK(dw(1) == Approx(1.0 - 1.2449186624037092).epsilon(1e-14));
    CHECK(db == Approx(1.0 - 0.6224593312018546).epsilon(1e-14));
  }
}

namespace {

// Finite-difference check of ∂L/∂θ and ∂L/∂θ0 for one activation/loss pair
// on a random batch.
void check_neuron_gradients(Activation activation, Loss loss, std::uint64_t seed) {
  Rng rng(seed);
  const int n = 7, d = 5;
  Tensor<double> x(Shape{n, d}), w(Shape{d}), y(Shape{n});
  fill_uniform(rng, x.span(), -2.0, 2.0);
  fill_uniform(rng, w.span(), -1.0, 1.0);
  for (double& v : y) v = loss == Loss::BinaryCrossEntropy ? static_cast<double>(rng.below(2)) : rng.uniform(-1, 1);
  double bias = rng.uniform(-0.5, 0.5);

  Tensor<double> z(Shape{n}), a(Shape{n}), delta(Shape{n}), dw(Shape{d});
  auto loss_at_current = [&] {
    neuron_forward<double>(z, a, x, w, bias, activation);
    return loss_forward<double>(loss, z, a, y);
  };
  loss_at_current();
  loss_backward<double>(delta, loss, activation, z, a, y);
  double db = 0.0;
  neuron_backward<double>(dw, db, delta, x);

  test::require_gradient(check_gradient("d_weights", w.span(), dw.span(), loss_at_current));
  test::require_gradient(check_gradient("d_bias", std::span<double>(&bias, 1), std::span<const double>(&db, 1),
                                        loss_at_current));
}

}  // namespace

TEST_CASE("ex1.3 gradient check: logistic neuron, binary cross-entropy", "[ch01][ex1.3][gradcheck]") {
  for (std::uint64_t seed : {1, 2, 3}) check_neuron_gradients(Activation::Sigmoid, Loss::BinaryCrossEntropy, seed);
}

TEST_CASE("ex1.3 gradient check: logistic neuron, squared error", "[ch01][ex1.3][gradcheck]") {
  for (std::uint64_t seed : {4, 5, 6}) check_neuron_gradients(Activation::Sigmoid, Loss::SquaredError, seed);
}

TEST_CASE("ex1.3 gradient check: linear neuron, squared error", "[ch01][ex1.3][gradcheck]") {
  for (std::uint64_t seed : {7, 8}) check_neuron_gradients(Activation::Identity, Loss::SquaredError, seed);
}

TEST_CASE("ex1.4 gradient descent step moves against the gradient", "[ch01][ex1.4]") {
  Tensor<double> w(Shape{3}, {1.0, -2.0, 0.5});
  const Tensor<double> g(Shape{3}, {0.5, -1.0, 0.0});
  gradient_descent_step<double>(w, g, 0.1);
  CHECK(w(0) == Approx(0.95).epsilon(1e-15));
  CHECK(w(1) == Approx(-1.9).epsilon(1e-15));
  CHECK(w(2) == 0.5);
  double b = 0.25;
  gradient_descent_step<double>(b, -2.0, 0.1);
  CHECK(b == Approx(0.45).epsilon(1e-15));
}

TEST_CASE("ex1.5 perceptron rule: one hand-checked epoch", "[ch01][ex1.5]") {
  // Start at θ = 0, θ0 = 0, η = 1, on AND in the order (0,0) (0,1) (1,0) (1,1):
  //   (0,0): z = 0 → ŷ = 1, y = 0: mistake, θ0 = −1
  //   (0,1): z = −1 → ŷ = 0, y = 0: fine
  //   (1,0): z = −1 → ŷ = 0, y = 0: fine
  //   (1,1): z = −1 → ŷ = 0, y = 1: mistake, θ = (1, 1), θ0 = 0
  const Dataset2D data = make_logic_gate("and");
  const Tensor<float> y = data.labels_as_float();
  Neuron<float> neuron{Tensor<float>(Shape{2}), 0.0f};
  CHECK(perceptron_epoch<float>(neuron, data.x, y, 1.0f) == 2);
  CHECK(neuron.weights(0) == 1.0f);
  CHECK(neuron.weights(1) == 1.0f);
  CHECK(neuron.bias == 0.0f);
}

TEST_CASE("ex1.5 perceptron converges on AND and OR, never on XOR", "[ch01][ex1.5]") {
  for (const char* gate : {"and", "or"}) {
    const Dataset2D data = make_logic_gate(gate);
    const Tensor<float> y = data.labels_as_float();
    Neuron<float> neuron{Tensor<float>(Shape{2}), 0.0f};
    const auto mistakes = train_perceptron<float>(neuron, data.x, y, 1.0f, 100);
    INFO(gate);
    CHECK(mistakes.back() == 0);
    CHECK(accuracy<float>(neuron, data.x, y) == 1.0);
  }
  const Dataset2D data = make_logic_gate("xor");
  const Tensor<float> y = data.labels_as_float();
  Neuron<float> neuron{Tensor<float>(Shape{2}), 0.0f};
  const auto mistakes = train_perceptron<float>(neuron, data.x, y, 1.0f, 100);
  CHECK(mistakes.size() == 100);
  CHECK(mistakes.back() > 0);
}

TEST_CASE("ex1.4 logistic neuron: AND, OR and blobs reach 100 %, XOR stays <= 75 %", "[ch01][ex1.4][behaviour]") {
  Rng rng(42);
  const std::vector<Dataset2D> separable = {make_logic_gate("and"), make_logic_gate("or"), make_blobs(rng, 100)};
  for (Loss loss : {Loss::BinaryCrossEntropy, Loss::SquaredError}) {
    TrainConfig cfg;
    cfg.activation = Activation::Sigmoid;
    cfg.loss = loss;
    cfg.learning_rate = 0.5;
    cfg.epochs = 2000;
    for (const auto& data : separable) {
      const Tensor<float> y = data.labels_as_float();
      Neuron<float> neuron{Tensor<float>(Shape{2}), 0.0f};
      const auto history = train<float>(neuron, data.x, y, cfg);
      INFO(data.name << (loss == Loss::SquaredError ? " squared error" : " cross-entropy"));
      CHECK(history.back() < history.front());  // it learned something
      CHECK(accuracy<float>(neuron, data.x, y) == 1.0);
    }
    const Dataset2D xor_data = make_logic_gate("xor");
    const Tensor<float> y = xor_data.labels_as_float();
    Neuron<float> neuron{Tensor<float>(Shape{2}), 0.0f};
    train<float>(neuron, xor_data.x, y, cfg);
    CHECK(accuracy<float>(neuron, xor_data.x, y) <= 0.75);
  }
}

TEST_CASE("ex1.4 linear neuron recovers the line that made the data", "[ch01][ex1.4][behaviour]") {
  Rng rng(3);
  const int n = 100;
  Tensor<double> x(Shape{n, 2}), y(Shape{n});
  for (int i = 0; i < n; ++i) {
    x(i, 0) = rng.uniform(-1, 1);
    x(i, 1) = rng.uniform(-1, 1);
    y(i) = 2.0 * x(i, 0) - 3.0 * x(i, 1) + 1.0;  // no noise: the exact answer is reachable
  }
  Neuron<double> neuron{Tensor<double>(Shape{2}), 0.0};
  TrainConfig cfg;
  cfg.activation = Activation::Identity;
  cfg.loss = Loss::SquaredError;
  cfg.learning_rate = 0.3;
  cfg.epochs = 500;
  const auto history = train<double>(neuron, x, y, cfg);
  CHECK(history.back() < 1e-12);
  CHECK(neuron.weights(0) == Approx(2.0).epsilon(1e-6));
  CHECK(neuron.weights(1) == Approx(-3.0).epsilon(1e-6));
  CHECK(neuron.bias == Approx(1.0).epsilon(1e-6));
}
