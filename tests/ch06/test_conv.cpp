// Chapter 6 math: the 2-D worked example, im2col against its definition,
// and the conv layer (im2col + GEMM) against direct convolution on random
// shapes with stride, padding, dilation and groups. These tests grade
// exercises 6.1 and 6.2.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "ch06/conv.hpp"
#include "nn/im2col.hpp"
#include "nn/rng.hpp"

using namespace nn;
using namespace nn::ch06;

namespace {

template <typename T>
Tensor<T> random_tensor(Rng& rng, Shape shape) {
  Tensor<T> t(shape);
  for (T& v : t) v = static_cast<T>(rng.uniform(-1, 1));
  return t;
}

template <typename T>
Tensor<T> absolute(const Tensor<T>& t) {
  Tensor<T> a(t.shape());
  for (std::int64_t i = 0; i < t.size(); ++i) a[i] = std::fabs(t[i]);
  return a;
}

Conv2dGeometry random_geometry(Rng& rng) {
  Conv2dGeometry g;
  while (true) {
    g.groups = static_cast<int>(rng.below(2)) + 1;
    g.in_channels = g.groups * (static_cast<int>(rng.below(3)) + 1);
    g.out_channels = g.groups * (static_cast<int>(rng.below(3)) + 1);
    g.height = static_cast<int>(rng.below(12)) + 3;
    g.width = static_cast<int>(rng.below(12)) + 3;
    g.kernel_h = static_cast<int>(rng.below(4)) + 1;
    g.kernel_w = static_cast<int>(rng.below(4)) + 1;
    g.stride = static_cast<int>(rng.below(3)) + 1;
    g.pad = static_cast<int>(rng.below(3));
    g.dilation = static_cast<int>(rng.below(2)) + 1;
    const int kh = g.dilation * (g.kernel_h - 1) + 1, kw = g.dilation * (g.kernel_w - 1) + 1;
    if (g.height + 2 * g.pad >= kh && g.width + 2 * g.pad >= kw) return g;
  }
}

// y (the layer) against y_ref (direct), each element within the rounding
// bound of two differently ordered sums of R + 1 terms:
//   |y − y_ref| ≤ 2 γ_{R+1} (|w| ⋆ |x| + |b|),  γ_n = n u / (1 − n u)
template <typename T>
void check_against_direct(const Conv2dGeometry& g, std::int64_t n, Rng& rng) {
  const Tensor<T> x = random_tensor<T>(rng, g.input_shape(n));
  const Tensor<T> w = random_tensor<T>(rng, g.weight_shape());
  const Tensor<T> b = random_tensor<T>(rng, Shape{g.out_channels});
  Tensor<T> y(g.output_shape(n)), y_ref(g.output_shape(n)), magnitude(g.output_shape(n));
  Conv2dWorkspace<T> ws;
  conv2d_forward<T>(y, x, w, b, g, ws);
  conv2d_direct<T>(y_ref, x, w, b, g);
  conv2d_direct<T>(magnitude, absolute(x), absolute(w), absolute(b), g);
  const double u = std::numeric_limits<T>::epsilon() / 2;
  const double terms = static_cast<double>(g.in_channels / g.groups * g.kernel_h * g.kernel_w + 1);
  const double gamma = terms * u / (1 - terms * u);
  double worst = 0.0;
  std::int64_t bad = -1;
  for (std::int64_t i = 0; i < y.size(); ++i) {
    const double diff = std::fabs(static_cast<double>(y[i]) - static_cast<double>(y_ref[i]));
    const double bound = 2 * gamma * static_cast<double>(magnitude[i]);
    if (diff > bound && bad < 0) bad = i;
    worst = std::max(worst, diff / std::max(bound, 1e-300));
  }
  INFO("layer " << g.str() << ", batch " << n << ": worst diff/bound " << worst);
  if (bad >= 0) INFO("first out of bound at " << bad << ": " << y[bad] << " vs direct " << y_ref[bad]);
  CHECK(bad < 0);
}

}  // namespace

TEST_CASE("ex6.1 the 5x5 image and 3x3 kernel worked example", "[ch06][ex6.1]") {
  const Tensor<double> x(Shape{1, 1, 5, 5}, {1, 1, 1, 0, 0,  //
                                             0, 1, 1, 1, 0,  //
                                             0, 0, 1, 1, 1,  //
                                             0, 0, 1, 1, 0,  //
                                             0, 1, 1, 0, 0});
  const Tensor<double> w(Shape{1, 1, 3, 3}, {1, 0, 1, 0, 1, 0, 1, 0, 1});
  const Conv2dGeometry g{1, 5, 5, 1, 3, 3, 1, 0, 1, 1};
  Tensor<double> y(g.output_shape(1));
  conv2d_direct<double>(y, x, w, TensorView<const double>(), g);
  const std::vector<double> expected = {4, 3, 4, 2, 4, 3, 2, 3, 4};
  CHECK(y(0, 0, 0, 0) == 4);  // the top-left output of the lecture
  CHECK(std::vector<double>(y.begin(), y.end()) == expected);
  // With a bias of 0.5 and same padding (the border sees zeros).
  const Conv2dGeometry same{1, 5, 5, 1, 3, 3, 1, 1, 1, 1};
  Tensor<double> bias(Shape{1}, {0.5}), ys(same.output_shape(1));
  conv2d_direct<double>(ys, x, w, bias, same);
  CHECK(ys(0, 0, 0, 0) == 2.5);  // x[0,0] + x[1,1] + 0.5
  CHECK(ys(0, 0, 1, 1) == 4.5);
}

TEST_CASE("ex6.1 stride, dilation and groups in the direct convolution", "[ch06][ex6.1]") {
  // 1x1x4x4 ramp 0..15; 2x2 kernel of ones, stride 2: sums of 2x2 blocks.
  Tensor<double> x(Shape{1, 1, 4, 4});
  for (int i = 0; i < 16; ++i) x[i] = i;
  const Tensor<double> ones(Shape{1, 1, 2, 2}, {1, 1, 1, 1});
  const Conv2dGeometry strided{1, 4, 4, 1, 2, 2, 2, 0, 1, 1};
  Tensor<double> y(strided.output_shape(1));
  conv2d_direct<double>(y, x, ones, TensorView<const double>(), strided);
  CHECK(std::vector<double>(y.begin(), y.end()) == std::vector<double>{10, 18, 42, 50});
  // Dilation 2: the kernel's taps are 2 apart, corners of a 3x3 window.
  const Conv2dGeometry dilated{1, 4, 4, 1, 2, 2, 1, 0, 2, 1};
  Tensor<double> yd(dilated.output_shape(1));
  conv2d_direct<double>(yd, x, ones, TensorView<const double>(), dilated);
  CHECK(std::vector<double>(yd.begin(), yd.end()) == std::vector<double>{20, 24, 36, 40});
  // Two groups: filter 0 sees channel 0 only, filter 1 channel 1 only.
  Tensor<double> x2(Shape{1, 2, 1, 1}, {3, 5});
  const Tensor<double> w2(Shape{2, 1, 1, 1}, {2, 7});
  const Conv2dGeometry grouped{2, 1, 1, 2, 1, 1, 1, 0, 1, 2};
  Tensor<double> y2(grouped.output_shape(1));
  conv2d_direct<double>(y2, x2, w2, TensorView<const double>(), grouped);
  CHECK(y2[0] == 6);
  CHECK(y2[1] == 35);
}

TEST_CASE("ex6.2 im2col of the worked example and on random shapes", "[ch06][ex6.2]") {
  // 1x3x3 image, 2x2 kernel: X_col is 4 x 4, column p = the patch at p.
  const std::vector<double> x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  Im2colShape s;
  s.channels = 1;
  s.height = s.width = 3;
  s.kernel_h = s.kernel_w = 2;
  s.out_h = s.out_w = 2;
  std::vector<double> col(16, -1.0);
  ch06::im2col<double>(x.data(), s, col.data(), 4);
  CHECK(col == std::vector<double>{1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9});
  // Against the scalar kernel of nn::common on random shapes (exact: copies).
  Rng rng(61);
  for (int trial = 0; trial < 40; ++trial) {
    const Conv2dGeometry g = random_geometry(rng);
    const Im2colShape r = g.im2col_shape();
    std::vector<float> image(static_cast<std::size_t>(g.in_channels * g.height * g.width));
    for (float& v : image) v = static_cast<float>(rng.uniform(-1, 1));
    const std::int64_t ld = r.cols() + static_cast<std::int64_t>(rng.below(3));
    std::vector<float> expected(static_cast<std::size_t>(r.rows() * ld), 7.0f), got = expected;
    kernels::im2col_scalar(image.data(), r, expected.data(), ld);
    ch06::im2col<float>(image.data(), r, got.data(), ld);
    INFO("layer " << g.str());
    CHECK(got == expected);
  }
}

TEST_CASE("ex6.1 ex6.2 im2col + GEMM equals direct convolution on random shapes", "[ch06][ex6.1][ex6.2]") {
  Rng rng(62);
  for (int trial = 0; trial < 40; ++trial) {
    const Conv2dGeometry g = random_geometry(rng);
    const std::int64_t n = static_cast<std::int64_t>(rng.below(3)) + 1;
    check_against_direct<double>(g, n, rng);
    check_against_direct<float>(g, n, rng);
  }
  // AlexNet conv1 at batch 1: X_col 363 x 3025, W_row 96 x 363.
  const Conv2dGeometry alex1{3, 227, 227, 96, 11, 11, 4, 0, 1, 1};
  CHECK(alex1.im2col_shape().rows() == 363);
  CHECK(alex1.im2col_shape().cols() == 3025);
  check_against_direct<float>(alex1, 1, rng);
}

TEST_CASE("ex6.1 true convolution is correlation with the flipped kernel", "[ch06][ex6.1]") {
  // An asymmetric kernel on an impulse: correlation writes the kernel turned
  // by 180 degrees around the impulse, convolution writes it upright.
  Tensor<double> x(Shape{1, 1, 5, 5});
  x(0, 0, 2, 2) = 1.0;
  const Tensor<double> w(Shape{1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const Conv2dGeometry g{1, 5, 5, 1, 3, 3, 1, 1, 1, 1};
  Tensor<double> corr(g.output_shape(1)), conv(g.output_shape(1));
  conv2d_direct<double>(corr, x, w, TensorView<const double>(), g);
  conv2d_direct<double>(conv, x, flip_kernel<double>(w.view()), TensorView<const double>(), g);
  CHECK(corr(0, 0, 1, 1) == 9);
  CHECK(corr(0, 0, 3, 3) == 1);
  CHECK(conv(0, 0, 1, 1) == 1);
  CHECK(conv(0, 0, 3, 3) == 9);
}
