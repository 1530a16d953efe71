// Chapter 8 math, the whole 1998 LeNet-5: every trainable parameter's
// gradient by finite differences in double, c3's disconnected weights held at
// exactly zero through training, and a training step that allocates nothing.
// The backward pass runs the chapters' exercised layers (2.x, 3.1, 6.2, 7.1,
// 7.2 and the softmax cross-entropy of chapter 2), so these are math tests:
// in the exercise build they fail with "not implemented yet" until those are
// done.
#include <cstdint>
#include <span>
#include <vector>

#include <catch2/catch.hpp>

#include "ch08/lenet1998.hpp"
#include "nn/gradcheck.hpp"
#include "test_util.hpp"

using namespace nn;
using namespace nn::ch08;

namespace {

constexpr std::int64_t kSlice = 25;  // one (C3 map, S2 map) pair of c3.weight: 5×5

bool connected(int k, int c) {
  return kC3Table[static_cast<std::size_t>(k)][static_cast<std::size_t>(c)];
}

// Every weight of c3's disconnected (k, c) slices is exactly zero.
bool disconnected_all_zero(const Tensor<float>& w) {
  for (int k = 0; k < kC3Maps; ++k)
    for (int c = 0; c < kS2Maps; ++c) {
      if (connected(k, c)) continue;
      for (std::int64_t e = 0; e < kSlice; ++e)
        if (w[(k * kS2Maps + c) * kSlice + e] != 0.0f) return false;
    }
  return true;
}

}  // namespace

TEST_CASE("LeNet-5 1998 gradients match finite differences", "[ch08][lenet1998]") {
  Rng rng(95);
  LeNet1998<double> net = make_lenet1998<double>(rng);
  for (Tensor<double>* b : {&net.c1_b, &net.s2_b, &net.c3_b, &net.s4_b, &net.c5_b, &net.f6_b, &net.out_b})
    fill_uniform(rng, b->span(), -0.1, 0.1);
  const int n = 3;
  Tensor<double> x(Shape{n, 1, 28, 28});
  fill_uniform(rng, x.span(), 0, 1);
  std::vector<int> labels;
  for (int i = 0; i < n; ++i) labels.push_back((7 * i + 3) % 10);
  LeNet1998Workspace<double> ws;
  auto loss = [&] {
    lenet1998_forward<double>(net, ws, x);
    LeNet1998<double> scratch = net;  // lenet1998_backward also gives the loss; keep net's gradients
    return lenet1998_backward<double>(scratch, ws, labels);
  };
  lenet1998_forward<double>(net, ws, x);
  lenet1998_backward<double>(net, ws, labels);
  // The scaled tanh and the subsampling are smooth: the centred difference
  // with h = 1e-5 is accurate to O(h²), its rounding error about
  // ε|L|/h ≈ 5e-11, so entries below 1e-3 are held to an absolute 1e-10
  // and the rest to a relative 1e-7, as for the modern LeNet-5.
  GradCheckOptions options;
  options.tiny = 1e-3;
  options.max_samples = 64;
  for (auto& p : net.params()) {
    if (p.name == "c3.weight") continue;
    INFO(p.name);
    test::require_gradient(check_gradient(p.name, p.value.span(), p.grad.span(), loss, options));
  }
  // c3.weight: the network is a function of the connected weights only.
  // Their gradient, slice by slice, against finite differences; the
  // disconnected ones' gradient is exactly zero (lenet1998_backward clears it).
  options.max_samples = 6;
  for (int k = 0; k < kC3Maps; ++k)
    for (int c = 0; c < kS2Maps; ++c) {
      const auto at = static_cast<std::size_t>((k * kS2Maps + c) * kSlice);
      const std::span<double> w = net.c3_w.span().subspan(at, static_cast<std::size_t>(kSlice));
      const std::span<const double> d_w = net.d_c3_w.span().subspan(at, static_cast<std::size_t>(kSlice));
      INFO("c3.weight[" << k << ", " << c << "]");
      if (!connected(k, c)) {
        for (double g : d_w) CHECK(g == 0.0);
        for (double v : w) CHECK(v == 0.0);
        continue;
      }
      options.seed = static_cast<std::uint64_t>(k * kS2Maps + c);
      test::require_gradient(check_gradient("c3.weight", w, d_w, loss, options));
    }
}

TEST_CASE("LeNet-5 1998 c3 weights outside Table I stay exactly zero through training", "[ch08][lenet1998]") {
  Rng rng(96);
  Tensor<float> x(Shape{16, 1, 28, 28});
  for (float& v : x.span()) v = static_cast<float>(rng.uniform(0, 1));
  std::vector<int> labels;
  for (int i = 0; i < 16; ++i) labels.push_back(i % 10);
  // Steps with momentum and with Adam (whose state would move a weight whose
  // gradient was ever non-zero).
  for (ch05::OptimizerKind kind : {ch05::OptimizerKind::Classic, ch05::OptimizerKind::Adam}) {
    LeNet1998<float> net = make_lenet1998<float>(rng);
    const Tensor<float> start = net.c3_w;
    ch05::OptimizerConfig config;
    config.kind = kind;
    ch05::Optimizer<float> optimizer(config, net.params());
    LeNet1998Workspace<float> ws;
    for (int step = 0; step < 5; ++step)
      lenet1998_train_step(net, ws, optimizer, x, labels, kind == ch05::OptimizerKind::Adam ? 0.001 : 0.05);
    CHECK(disconnected_all_zero(net.c3_w));
    int moved = 0;  // every connected slice has learnt something
    for (int k = 0; k < kC3Maps; ++k)
      for (int c = 0; c < kS2Maps; ++c)
        if (connected(k, c))
          moved += net.c3_w[(k * kS2Maps + c) * kSlice] != start[(k * kS2Maps + c) * kSlice];
    CHECK(moved == c3_connections());
  }
  // And through chapter 5's training loop (train_lenet1998), one epoch,
  // with an L2 penalty (2λw is zero on a zero weight).
  const Dataset train = test::bar_images(160, 1101), validation = test::bar_images(40, 1102);
  LeNet1998<float> net = make_lenet1998<float>(rng);
  ch05::TrainOptions options;
  options.epochs = 1;
  options.batch_size = 32;
  options.optimizer.kind = ch05::OptimizerKind::Classic;
  options.l2 = 1e-3;
  options.progress = false;
  const ch05::TrainResult r = train_lenet1998(net, train, validation, options);
  REQUIRE(r.epochs.size() == 1);
  CHECK(disconnected_all_zero(net.c3_w));
}

TEST_CASE("a LeNet-5 1998 training step allocates no tensor", "[ch08][lenet1998]") {
  Rng rng(97);
  LeNet1998<float> net = make_lenet1998<float>(rng);
  Tensor<float> x(Shape{8, 1, 28, 28});
  for (float& v : x.span()) v = static_cast<float>(rng.uniform(0, 1));
  const std::vector<int> labels = {0, 1, 2, 3, 4, 5, 6, 7};
  ch05::OptimizerConfig config;
  config.kind = ch05::OptimizerKind::Classic;
  ch05::Optimizer<float> optimizer(config, net.params());
  LeNet1998Workspace<float> ws;
  const float first = lenet1998_train_step(net, ws, optimizer, x, labels, 0.05);  // sizes the buffers
  const auto before = detail::tensor_allocations();
  float last = first;
  for (int i = 0; i < 5; ++i) last = lenet1998_train_step(net, ws, optimizer, x, labels, 0.05);
  CHECK(detail::tensor_allocations() == before);
  CHECK(last < first);  // the same batch five times: the loss goes down
}
