// Chapter 8 math, the whole LeNet-5: every parameter's gradient by finite
// differences in double, and a training step that allocates no tensor.
// These tests need exercise 8.1 and the layers it wires (2.2, 3.1, 6.2,
// 7.1, 7.2, 7.5 and the softmax cross-entropy of chapter 2).
#include <cstring>
#include <vector>

#include <catch2/catch.hpp>

#include "ch06/conv.hpp"
#include "ch08/train.hpp"
#include "nn/conv_filters.hpp"
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

TEST_CASE("ex6.2 LeNet-5's c3 in float: the direct kernel gives im2col + GEMM's result to the bit", "[ch08][ex6.2]") {
  // lenet5_forward runs c3 through nn::conv_filters_forward where AVX-512
  // is there; both sum from zero over (c, i, j) with one fused multiply-add
  // a term and add the bias last, so the outputs are the same floats.
  Rng rng(5);
  const LeNet5<float> net = make_lenet5<float>(rng);
  Tensor<float> p2(net.c3.input_shape(4)), z_gemm(net.c3.output_shape(4)), z_direct(net.c3.output_shape(4));
  for (float& v : p2) v = static_cast<float>(rng.uniform(-1, 1));
  ch06::Conv2dWorkspace<float> ws;
  ch06::conv2d_forward<float>(z_gemm, p2, net.c3_w, net.c3_b, net.c3, ws);
  const FilterLanesConv s{net.c3.in_channels, net.c3.height, net.c3.width, net.c3.out_channels, net.c3.kernel_h};
  std::vector<float> taps(static_cast<std::size_t>(net.c3_w.size()));
  conv_filters_pack(net.c3_w.data(), s, taps.data());
  for (SimdLevel level : available_simd_levels()) {
    INFO("level " << to_string(level));
    const SimdLevel saved = simd_level();
    set_simd_level(level);  // the GEMM at this level too
    ch06::conv2d_forward<float>(z_gemm, p2, net.c3_w, net.c3_b, net.c3, ws);
    kernels::conv_filters_forward_for(level)(p2.data(), 4, s, taps.data(), net.c3_b.data(), z_direct.data());
    set_simd_level(saved);
    if (level == SimdLevel::Avx512)
      CHECK(std::memcmp(z_gemm.data(), z_direct.data(), static_cast<std::size_t>(z_gemm.size()) * sizeof(float)) == 0);
    // Other levels' GEMMs sum in other orders: the same values within rounding.
    for (std::int64_t i = 0; i < z_gemm.size(); ++i) REQUIRE(z_direct[i] == Approx(z_gemm[i]).margin(1e-5));
  }
}
