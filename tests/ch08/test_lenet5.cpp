// Chapter 8 math, the whole hand-wired LeNet-5: every parameter's gradient
// by finite differences in double, and a training step that allocates no
// tensor. (LeNet-5 as a list of layers: tests/layers/.)
// These tests need exercise 8.1 and the layers it wires (2.2, 3.1, 6.2,
// 7.1, 7.2, 7.5 and the softmax cross-entropy of chapter 2).
#include <vector>

#include <catch2/catch.hpp>

#include "ch08/lenet5.hpp"
#include "nn/gradcheck.hpp"
#include "nn/threads.hpp"
#include "test_util.hpp"

using namespace nn;
using namespace nn::ch08;

namespace {

// Gradient check of the whole network on `n` images, the convolutional part
// run in slices of `slice` images by `threads` threads.
void check_lenet5_gradients(int n, std::int64_t slice, int threads) {
  set_num_threads(threads);
  Rng rng(82);
  LeNet5<double> net = make_lenet5<double>(rng);
  for (Tensor<double>* b : {&net.c1_b, &net.c3_b, &net.c5_b, &net.f6_b, &net.out_b})
    fill_uniform(rng, b->span(), -0.1, 0.1);
  Tensor<double> x(Shape{n, 1, 28, 28});
  fill_uniform(rng, x.span(), 0, 1);
  std::vector<int> labels;
  for (int i = 0; i < n; ++i) labels.push_back((7 * i + 3) % 10);
  LeNet5Workspace<double> ws;
  ws.slice_images = slice;
  auto loss = [&] {
    lenet5_forward<double>(net, ws, x);
    LeNet5<double> scratch = net;  // lenet5_backward also gives the loss; keep net's gradients
    return lenet5_backward<double>(scratch, ws, labels);
  };
  lenet5_forward<double>(net, ws, x);
  lenet5_backward<double>(net, ws, labels);
  // tanh and average pooling are smooth, so the centred difference with
  // h = 1e-5 is accurate to O(h²). Its rounding error is about ε|L|/h ≈ 5e-11
  // (L ≈ 2.3), so entries below 1e-3 are held to an absolute 1e-10 and the
  // rest to a relative 1e-7, as in chapter 7.
  GradCheckOptions options;
  options.tiny = 1e-3;
  options.max_samples = 64;
  for (auto& p : net.params()) {
    INFO(p.name);
    test::require_gradient(check_gradient(p.name, p.value.span(), p.grad.span(), loss, options));
  }
  set_num_threads(1);
}

}  // namespace

TEST_CASE("ex8.1 LeNet-5's gradients match finite differences", "[ch08][ex8.1]") { check_lenet5_gradients(3, 8, 1); }

TEST_CASE("ex8.1 LeNet-5's gradients match finite differences in slices on two threads", "[ch08][ex8.1]") {
  // Five images in slices of two (the last one shorter), split between two
  // threads: the slice bookkeeping, the re-lowering of each slice and the
  // sum of the threads' gradients are all on the path.
  check_lenet5_gradients(5, 2, 2);
}

TEST_CASE("ex8.1 a LeNet-5 training step allocates no tensor", "[ch08][ex8.1]") {
  Rng rng(83);
  LeNet5<float> net = make_lenet5<float>(rng);
  Tensor<float> x(Shape{8, 1, 28, 28});
  for (float& v : x.span()) v = static_cast<float>(rng.uniform(0, 1));
  const std::vector<int> labels = {0, 1, 2, 3, 4, 5, 6, 7};
  ch05::OptimizerConfig config;
  config.kind = ch05::OptimizerKind::Classic;
  ch05::Optimizer<float> optimizer(config, net.params());
  LeNet5Workspace<float> ws;
  const float first = lenet5_train_step(net, ws, optimizer, x, labels, 0.05);  // sizes the buffers
  const auto before = detail::tensor_allocations();
  float last = first;
  for (int i = 0; i < 5; ++i) last = lenet5_train_step(net, ws, optimizer, x, labels, 0.05);
  CHECK(detail::tensor_allocations() == before);
  CHECK(last < first);  // the same batch five times: the loss goes down
}
