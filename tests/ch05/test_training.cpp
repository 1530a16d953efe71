// Chapter 5 math: optimiser steps against hand-computed values, L2 and
// dropout gradients, the whole classifier by finite differences, early
// stopping, resuming, and a training step that allocates nothing.
// These tests grade exercises 5.1–5.3 (and need chapters 2–3 done).
#include <atomic>
#include <csignal>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ios>
#include <limits>
#include <new>
#include <vector>

#include <catch2/catch.hpp>

#include "ch05/train.hpp"
#include "nn/gradcheck.hpp"
#include "nn/interrupt.hpp"
#include "nn/threads.hpp"
#include "test_util.hpp"

using namespace nn;
using namespace nn::ch05;

// ---- counting every operator new of this test program ------------------------
// These replacements allocate with malloc/aligned_alloc, so free() is the
// matching release; GCC cannot see that and warns. Under AddressSanitizer
// (which replaces operator new itself, also inside libstdc++) they are left
// out and only tensor allocations are counted.
namespace {
std::atomic<long> g_news{0};
}
#if defined(__SANITIZE_ADDRESS__)
#define NN_COUNT_NEW 0
#else
#define NN_COUNT_NEW 1
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  const std::size_t align = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(align, (n + align - 1) / align * align)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return ::operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
#endif

namespace {

// A small synthetic task: 4×4 images, label = which quadrant is brightest.
Dataset quadrants(std::int64_t n, std::uint64_t seed) {
  Rng rng(seed);
  Dataset d;
  d.name = "quadrants";
  d.num_classes = 4;
  d.images = Tensor<float>(Shape{n, 1, 4, 4});
  for (std::int64_t i = 0; i < n; ++i) {
    const int cls = static_cast<int>(rng.below(4));
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 4; ++x) {
        const int q = (y / 2) * 2 + x / 2;
        d.images(i, 0, y, x) = static_cast<float>(rng.uniform(0, 0.6) + (q == cls ? 0.5 : 0.0));
      }
    d.labels.push_back(static_cast<std::uint8_t>(cls));
  }
  return d;
}

}  // namespace

TEST_CASE("ex5.1 every optimiser's first two steps match the formulas", "[ch05][ex5.1]") {
  // One weight w0 = 1, gradients g1 = 0.5 then g2 = -0.25, η = 0.1.
  const double w0 = 1.0, g1 = 0.5, g2 = -0.25, lr = 0.1;
  auto run = [&](OptimizerKind kind) {
    Tensor<double> w(Shape{1}, {w0}), g(Shape{1});
    OptimizerConfig c;
    c.kind = kind;
    Optimizer<double> opt(c, {{"w", w.view(), g.view()}});
    std::vector<double> out;
    for (double gv : {g1, g2}) {
      g(0) = gv;
      opt.step(lr);
      out.push_back(w(0));
    }
    return out;
  };
  using K = OptimizerKind;
  const double mu = 0.9, rho = 0.9, b1 = 0.9, b2 = 0.999;
  {  // sgd
    const auto w = run(K::Sgd);
    CHECK(w[0] == Approx(w0 - lr * g1).epsilon(1e-14));
    CHECK(w[1] == Approx(w0 - lr * g1 - lr * g2).epsilon(1e-14));
  }
  {  // v = αv + (1 − α)g, W −= ηv
    const double v1 = (1 - mu) * g1, v2 = mu * v1 + (1 - mu) * g2;
    const auto w = run(K::Momentum);
    CHECK(w[0] == Approx(w0 - lr * v1).epsilon(1e-14));
    CHECK(w[1] == Approx(w0 - lr * v1 - lr * v2).epsilon(1e-14));
  }
  {  // v = μv − ηg, W += v
    const double v1 = -lr * g1, v2 = mu * v1 - lr * g2;
    const auto w = run(K::Classic);
    CHECK(w[0] == Approx(w0 + v1).epsilon(1e-14));
    CHECK(w[1] == Approx(w0 + v1 + v2).epsilon(1e-14));
  }
  {  // Nesterov: v' = μv − ηg, W += −μv + (1 + μ)v'
    const double v1 = -lr * g1, v2 = mu * v1 - lr * g2;
    const double wa = w0 + (1 + mu) * v1;
    const auto w = run(K::Nesterov);
    CHECK(w[0] == Approx(wa).epsilon(1e-14));
    CHECK(w[1] == Approx(wa - mu * v1 + (1 + mu) * v2).epsilon(1e-14));
  }
  {  // AdaGrad: r += g², W −= η g / (δ + √r)
    const double d = 1e-7, r1 = g1 * g1, r2 = r1 + g2 * g2;
    const double wa = w0 - lr * g1 / (d + std::sqrt(r1));
    const auto w = run(K::AdaGrad);
    CHECK(w[0] == Approx(wa).epsilon(1e-14));
    CHECK(w[1] == Approx(wa - lr * g2 / (d + std::sqrt(r2))).epsilon(1e-14));
  }
  {  // RMSProp: r = ρr + (1 − ρ)g², W −= η g / √(δ + r)
    const double d = 1e-6, r1 = (1 - rho) * g1 * g1, r2 = rho * r1 + (1 - rho) * g2 * g2;
    const double wa = w0 - lr * g1 / std::sqrt(d + r1);
    const auto w = run(K::RmsProp);
    CHECK(w[0] == Approx(wa).epsilon(1e-14));
    CHECK(w[1] == Approx(wa - lr * g2 / std::sqrt(d + r2)).epsilon(1e-14));
  }
  {  // Adam with bias correction: the first step moves by η·sign(g) (almost)
    const double e = 1e-8;
    const double m1 = (1 - b1) * g1, s1 = (1 - b2) * g1 * g1;
    const double wa = w0 - lr * (m1 / (1 - b1)) / (std::sqrt(s1 / (1 - b2)) + e);
    const double m2 = b1 * m1 + (1 - b1) * g2, s2 = b2 * s1 + (1 - b2) * g2 * g2;
    const double wb = wa - lr * (m2 / (1 - b1 * b1)) / (std::sqrt(s2 / (1 - b2 * b2)) + e);
    const auto w = run(K::Adam);
    CHECK(w[0] == Approx(wa).epsilon(1e-14));
    CHECK(w[0] == Approx(w0 - lr).epsilon(1e-7));
    CHECK(w[1] == Approx(wb).epsilon(1e-14));
  }
}

TEST_CASE("ex5.1 the float optimiser flushes a subnormal velocity to zero and the double one keeps it", "[ch05][ex5.1]") {
  // v = μv − ηg, W += v with g = 0: v0 = the smallest normal number becomes
  // μ·v0, which is subnormal. Float flushes it (nn/fpenv.hpp: subnormals
  // are slow on x86), double is left as IEEE says. A normal v is untouched.
  auto run = [](auto tiny) {
    using T = decltype(tiny);
    Tensor<T> w(Shape{2}, {T(1), T(2)}), g(Shape{2});
    OptimizerConfig c;
    c.kind = OptimizerKind::Classic;
    Optimizer<T> opt(c, {{"w", w.view(), g.view()}});
    TensorView<T> v = opt.state().at(0).value;
    v.data()[0] = tiny;
    v.data()[1] = T(1e-30);
    opt.step(0.1);
    CHECK(w(0) == T(1));
    CHECK(v.data()[1] == static_cast<T>(c.momentum) * T(1e-30));
    return v.data()[0];
  };
  const float vf = run(std::numeric_limits<float>::min());
  const double vd = run(std::numeric_limits<double>::min());
#if defined(__x86_64__) || defined(__i386__)
  INFO("float velocity after the step: " << std::hexfloat << vf);
  CHECK(vf == 0.0f);
#endif
  volatile double mu = 0.9, dmin = std::numeric_limits<double>::min();
  CHECK(vd == mu * dmin);
  CHECK(std::fpclassify(vd) == FP_SUBNORMAL);
  // The step restores the thread's floating-point mode: subnormals again.
  volatile float fmin = std::numeric_limits<float>::min(), half = 0.5f;
  CHECK(std::fpclassify(fmin * half) == FP_SUBNORMAL);
}

TEST_CASE("ex5.2 L2: penalty lambda |W|^2 and its gradient pass a finite-difference check", "[ch05][ex5.2]") {
  Rng rng(5);
  Tensor<double> w(Shape{3, 4}), grad(Shape{3, 4});
  fill_uniform(rng, w.span(), -1, 1);
  const double lambda = 0.3;
  l2_backward<double>(grad, w, lambda);
  test::require_gradient(check_gradient("l2", w.span(), grad.span(), [&] { return l2_penalty<double>(w, lambda); }));
  CHECK(l2_penalty<double>(Tensor<double>(Shape{2}, {3.0, 4.0}), 0.5) == Approx(12.5));
}

TEST_CASE("ex5.3 dropout with a fixed mask passes a finite-difference check", "[ch05][ex5.3]") {
  Rng rng(6);
  const Shape s{5, 7};
  Tensor<double> in(s), mask(s), out(s), d_in(s);
  fill_uniform(rng, in.span(), -1, 1);
  Rng mask_rng(1);
  dropout_forward<double>(out, mask, in, 0.4, Mode::Train, mask_rng);
  int dropped = 0;
  for (double m : mask) {
    dropped += m == 0.0;
    if (m != 0.0) REQUIRE(m == Approx(1.0 / 0.6));  // inverted dropout keeps the expectation
  }
  CHECK(dropped > 0);
  CHECK(dropped < 35);
  const Tensor<double> g = make_upstream(rng, s);
  dropout_backward<double>(d_in, g, mask);
  test::require_gradient(check_gradient("dropout input", in.span(), d_in.span(), [&] {
    dropout_apply<double>(out, mask, in);
    return inner(out.span(), g.span());
  }));
  // Eval mode is the identity.
  dropout_forward<double>(out, mask, in, 0.4, Mode::Eval, mask_rng);
  for (std::int64_t i = 0; i < in.size(); ++i) REQUIRE(out[i] == in[i]);
}

namespace {

// Runs objective() (forward and backward, returning the loss) once, then
// checks every weight and bias gradient it left against finite differences
// of objective().
template <typename Objective>
void check_classifier_gradients(Classifier<double>& net, Objective&& objective) {
  objective();
  std::vector<Tensor<double>> dw, db;
  for (int i = 0; i < net.layers(); ++i) {
    dw.push_back(net.d_weight[static_cast<std::size_t>(i)]);
    db.push_back(net.d_bias[static_cast<std::size_t>(i)]);
  }
  for (int i = 0; i < net.layers(); ++i) {
    const auto k = static_cast<std::size_t>(i);
    test::require_gradient(check_gradient(net.layer_name(i) + ".weight", net.weight[k].span(), dw[k].span(), objective));
    test::require_gradient(check_gradient(net.layer_name(i) + ".bias", net.bias[k].span(), db[k].span(), objective));
  }
}

}  // namespace

TEST_CASE("ex5.3 whole classifier with dropout and L2 passes a finite-difference check in double", "[ch05][ex5.3][gradcheck]") {
  Rng rng(7);
  Classifier<double> net = make_classifier<double>({6, 5, 4, 3}, ch02::Activation::tanh(), 0.3, Init::Xavier, rng);
  for (auto& b : net.bias) fill_uniform(rng, b.span(), -0.2, 0.2);
  Tensor<double> x(Shape{4, 6});
  fill_uniform(rng, x.span(), -1, 1);
  const std::vector<int> labels = {0, 2, 1, 2};
  ClassifierWorkspace<double> ws;
  const double l2 = 0.01;
  // Reseeding the mask stream before every forward pass fixes the masks.
  auto objective = [&] {
    Rng masks(99);
    classifier_forward<double>(net, ws, x, Mode::Train, masks);
    return classifier_backward<double>(net, ws, x, labels, l2);
  };
  check_classifier_gradients(net, objective);
}

TEST_CASE("ex5.1 classifier without dropout (row-blocked layers) passes a finite-difference check in double", "[ch05][ex5.1][gradcheck]") {
  // Without dropout, the layers whose weights are at most 256 KiB run as row
  // blocks (classifier.cpp). In {6, 5, 4, 3} that is every layer; in
  // {1100, 30, 10, 3} fc1 (264 KiB of doubles) runs as a whole product and
  // fc2, fc3 as row blocks, so both ends of the split are checked.
  for (const std::vector<int>& sizes : {std::vector<int>{6, 5, 4, 3}, std::vector<int>{1100, 30, 10, 3}}) {
    INFO("sizes " << sizes.front() << "-" << sizes[1] << "-...");
    Rng rng(8);
    Classifier<double> net = make_classifier<double>(sizes, ch02::Activation::tanh(), 0.0, Init::Xavier, rng);
    for (auto& b : net.bias) fill_uniform(rng, b.span(), -0.2, 0.2);
    Tensor<double> x(Shape{5, sizes.front()});
    fill_uniform(rng, x.span(), -1, 1);
    const std::vector<int> labels = {0, 2, 1, 2, 1};
    ClassifierWorkspace<double> ws;
    auto objective = [&] {
      Rng unused(99);
      classifier_forward<double>(net, ws, x, Mode::Train, unused);
      return classifier_backward<double>(net, ws, x, labels, 0.01);
    };
    check_classifier_gradients(net, objective);
  }
}

TEST_CASE("ex5.1 training learns a small task and early stopping restores the best epoch", "[ch05][ex5.1][behaviour]") {
  Dataset train_set = quadrants(400, 1);
  const Dataset val = quadrants(200, 2);
  Rng rng(3);
  Classifier<float> net = make_classifier<float>({16, 12, 4}, ch02::Activation::relu(), 0.0, Init::He, rng);
  TrainOptions t;
  t.epochs = 12;
  t.batch_size = 16;
  t.optimizer.kind = OptimizerKind::Adam;
  t.learning_rate = 0.01;
  t.patience = 3;
  t.progress = false;
  std::vector<Classifier<float>> snapshots;
  const TrainResult r = train(net, train_set, val, t, [&](const EpochRecord&) { snapshots.push_back(net); });
  CHECK(r.best_validation_accuracy > 0.9);
  REQUIRE(r.best_epoch >= 1);
  const Classifier<float>& best = snapshots[static_cast<std::size_t>(r.best_epoch - 1)];
  for (int i = 0; i < net.layers(); ++i) {
    const auto k = static_cast<std::size_t>(i);
    REQUIRE(std::equal(net.weight[k].begin(), net.weight[k].end(), best.weight[k].begin()));
  }
  CHECK(evaluate(net, val) == Approx(r.best_validation_accuracy));
}

TEST_CASE("ex5.1 a resumed run equals the uninterrupted one bit for bit", "[ch05][ex5.1][checkpoint]") {
  const Dataset train_set = quadrants(300, 4), val = quadrants(100, 5);
  const auto dir = std::filesystem::temp_directory_path() / ("nn_resume_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  TrainOptions t;
  t.batch_size = 32;
  t.optimizer.kind = OptimizerKind::Adam;
  t.learning_rate = 0.005;
  t.augmentation.mirror = true;
  t.progress = false;
  auto fresh = [] {
    Rng rng(8);
    return make_classifier<float>({16, 10, 4}, ch02::Activation::relu(), 0.2, Init::He, rng);
  };
  Classifier<float> straight = fresh();
  t.epochs = 4;
  train(straight, train_set, val, t);

  Classifier<float> interrupted = fresh();
  t.epochs = 2;
  t.checkpoint_out = dir / "ckpt.safetensors";
  train(interrupted, train_set, val, t);
  Classifier<float> resumed = fresh();  // a new process would start from scratch weights
  t.epochs = 4;
  t.checkpoint_out.clear();
  train(resumed, train_set, val, t, {}, dir / "ckpt.safetensors");
  for (int i = 0; i < straight.layers(); ++i) {
    const auto k = static_cast<std::size_t>(i);
    REQUIRE(std::equal(straight.weight[k].begin(), straight.weight[k].end(), resumed.weight[k].begin()));
    REQUIRE(std::equal(straight.bias[k].begin(), straight.bias[k].end(), resumed.bias[k].begin()));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("ex5.1 a run interrupted by SIGINT mid-epoch saves a checkpoint from which it resumes bit for bit",
          "[ch05][ex5.1][checkpoint][failures]") {
  const Dataset train_set = quadrants(300, 4), val = quadrants(100, 5);
  const auto dir = std::filesystem::temp_directory_path() / ("nn_interrupt_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  TrainOptions t;
  t.batch_size = 32;  // 10 steps an epoch
  t.optimizer.kind = OptimizerKind::Momentum;
  t.learning_rate = 0.02;
  t.augmentation.mirror = true;
  t.progress = false;
  t.epochs = 3;
  auto fresh = [] {
    Rng rng(9);
    return make_classifier<float>({16, 10, 4}, ch02::Activation::relu(), 0.3, Init::He, rng);  // with dropout
  };
  Classifier<float> straight = fresh();
  const TrainResult whole = train(straight, train_set, val, t);

  Classifier<float> interrupted = fresh();
  t.checkpoint_out = dir / "ckpt.safetensors";
  t.trace_every = 1;
  int steps = 0;
  t.on_trace = [&](double, double) {
    if (++steps == 14) std::raise(SIGINT);  // the fourth step of the second epoch
  };
  try {
    train(interrupted, train_set, val, t);
    FAIL("the run was not interrupted");
  } catch (const Interrupted& e) {
    CHECK(e.signal() == SIGINT);
    CHECK_THAT(e.what(), Catch::Contains("SIGINT during epoch 2 after step 4 of 10") &&
                             Catch::Contains("resume with --resume " + t.checkpoint_out.string()));
  }
  CHECK(steps == 14);  // the step in flight finished, no other began
  CHECK(test::file_names(dir) == std::vector<std::string>{"ckpt.safetensors"});  // saved whole, no temporary left

  Classifier<float> resumed = fresh();
  t.on_trace = {};
  t.checkpoint_out.clear();
  const TrainResult rest = train(resumed, train_set, val, t, {}, dir / "ckpt.safetensors");
  for (int i = 0; i < straight.layers(); ++i) {
    const auto k = static_cast<std::size_t>(i);
    REQUIRE(std::equal(straight.weight[k].begin(), straight.weight[k].end(), resumed.weight[k].begin()));
    REQUIRE(std::equal(straight.bias[k].begin(), straight.bias[k].end(), resumed.bias[k].begin()));
  }
  // The second epoch's record is made of both halves.
  REQUIRE(rest.epochs.size() == 2);
  CHECK(rest.epochs[0].train_loss == whole.epochs[1].train_loss);
  CHECK(rest.epochs[0].train_accuracy == whole.epochs[1].train_accuracy);
  std::filesystem::remove_all(dir);
}

TEST_CASE("ex5.1 a run whose loss becomes NaN stops naming the epoch and step and keeps the last checkpoint",
          "[ch05][ex5.1][checkpoint][failures]") {
  const Dataset train_set = quadrants(300, 4), val = quadrants(100, 5);
  const auto dir = std::filesystem::temp_directory_path() / ("nn_diverge_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  TrainOptions t;
  t.batch_size = 32;
  t.optimizer.kind = OptimizerKind::Sgd;
  t.learning_rate = 0.05;
  t.progress = false;
  t.epochs = 1;
  t.checkpoint_out = dir / "ckpt.safetensors";
  Rng rng(10);
  Classifier<float> net = make_classifier<float>({16, 10, 4}, ch02::Activation::relu(), 0.0, Init::He, rng);
  train(net, train_set, val, t);  // one good epoch, saved
  const auto read = [&] {
    std::ifstream in(t.checkpoint_out, std::ios::binary);
    return std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  };
  const std::string good = read();
  t.learning_rate = 1e30;  // the weights overflow within a few steps
  t.epochs = 2;
  CHECK_THROWS_WITH(train(net, train_set, val, t, {}, {}),
                    Catch::Contains("training diverged at epoch 1, step") &&
                        Catch::Contains(t.checkpoint_out.string() + " is left as the last good epoch saved it"));
  CHECK(read() == good);
  CHECK(test::file_names(dir) == std::vector<std::string>{"ckpt.safetensors"});
  std::filesystem::remove_all(dir);
}

TEST_CASE("ex5.1 the steady-state training step allocates nothing", "[ch05][ex5.1][memory]") {
  const Dataset data = quadrants(256, 9);
  Rng rng(10);
  Classifier<float> net = make_classifier<float>({16, 64, 32, 4}, ch02::Activation::relu(), 0.5, Init::He, rng);
  OptimizerConfig c;
  c.kind = OptimizerKind::Adam;
  Optimizer<float> opt(c, net.params());
  ClassifierWorkspace<float> ws;
  MinibatchIterator it(data, 64, 1);
  it.begin_epoch(0);
  REQUIRE(it.next());
  const TensorView<const float> x = it.images().reshape(Shape{64, 16});
  const std::vector<int> labels(it.labels().begin(), it.labels().end());
  Rng masks(2);
  train_step(net, ws, opt, x, labels, 1e-4, 0.001, masks);  // warm-up: sizes the buffers
  const long news_before = g_news.load();
  const auto tensors_before = detail::tensor_allocations();
  for (int step = 0; step < 20; ++step) train_step(net, ws, opt, x, labels, 1e-4, 0.001, masks);
  if (NN_COUNT_NEW) {
    CHECK(g_news.load() - news_before == 0);
  } else {
    WARN("operator new is not counted under AddressSanitizer; tensor allocations are");
  }
  CHECK(detail::tensor_allocations() - tensors_before == 0);
}

TEST_CASE("ex5.1 training steps give the same bits on 1, 2 and 3 threads", "[ch05][ex5.1][threads]") {
  // Big enough that every part is split between the threads: the GEMMs of
  // the first two layers (over 2e6 flops each), the activations (64 rows of
  // 256) and the optimiser. L2 on; with dropout every layer runs by itself,
  // without it fc1 (300 KiB of weights) is split by nn::gemm and fc2, fc3 run
  // as row blocks (classifier.cpp), so every path of the step runs.
  const test::RestoreThreads restore;
  Rng data_rng(21);
  Tensor<float> x(Shape{64, 300});
  for (float& v : x) v = static_cast<float>(data_rng.uniform());
  std::vector<int> labels(64);
  for (int& l : labels) l = static_cast<int>(data_rng.below(10));
  for (const double dropout : {0.2, 0.0}) {
    INFO("dropout " << dropout);
    auto make_net = [dropout] {
      Rng rng(22);
      return make_classifier<float>({300, 256, 128, 10}, ch02::Activation::relu(), dropout, Init::He, rng);
    };
    auto train = [&](int threads) {
      set_num_threads(threads);
      Classifier<float> net = make_net();
      OptimizerConfig c;
      c.kind = OptimizerKind::Nesterov;
      Optimizer<float> opt(c, net.params());
      ClassifierWorkspace<float> ws;
      Rng masks(23);
      for (int step = 0; step < 5; ++step) train_step(net, ws, opt, x.view(), labels, 1e-3, 0.05, masks);
      return net;
    };
    const Classifier<float> one = train(1);
    for (int threads : {2, 3}) {
      const Classifier<float> many = train(threads);
      INFO(threads << " threads");
      for (int layer = 0; layer < one.layers(); ++layer) {
        const auto k = static_cast<std::size_t>(layer);
        INFO("layer " << layer);
        REQUIRE(many.weight[k].size() == one.weight[k].size());
        CHECK(std::memcmp(many.weight[k].data(), one.weight[k].data(), sizeof(float) * one.weight[k].size()) == 0);
        CHECK(std::memcmp(many.bias[k].data(), one.bias[k].data(), sizeof(float) * one.bias[k].size()) == 0);
      }
    }
    // The steps moved the weights: the comparison is not between untouched copies.
    const Classifier<float> initial = make_net();
    CHECK(std::memcmp(initial.weight[0].data(), one.weight[0].data(), sizeof(float) * one.weight[0].size()) != 0);
  }
}
