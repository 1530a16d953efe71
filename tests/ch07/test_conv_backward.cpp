// Chapter 7 math, the conv layer: col2im on a worked example, the adjoint
// identity <col2im(Y), X> = <Y, im2col(X)>, and finite-difference checks of
// ∂L/∂W, ∂L/∂b, ∂L/∂x across strides, paddings, dilations, groups, odd
// sizes, several channels and batches. These tests grade exercises 7.1 and
// 7.2 (and need 6.2, whose im2col the double-precision layer uses).
#include <cmath>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "ch07/conv_backward.hpp"
#include "nn/gradcheck.hpp"
#include "test_util.hpp"

using namespace nn;
using namespace nn::ch07;

namespace {

Tensor<double> random_tensor(Rng& rng, Shape shape) {
  Tensor<double> t(shape);
  fill_uniform(rng, t.span(), -1.0, 1.0);
  return t;
}

}  // namespace

TEST_CASE("ex7.1 col2im adds overlapping windows back", "[ch07][ex7.1]") {
  // 3x3 image, 2x2 windows, stride 1: X_col is 4 x 4. A column of ones per
  // window sends each pixel the number of windows that contain it.
  Im2colShape s;
  s.channels = 1;
  s.height = s.width = 3;
  s.kernel_h = s.kernel_w = 2;
  s.out_h = s.out_w = 2;
  const std::vector<double> ones(16, 1.0);
  std::vector<double> dx(9, 0.5);  // accumulates: starts at 0.5
  col2im<double>(ones.data(), s, dx.data(), 4);
  CHECK(dx == std::vector<double>{1.5, 2.5, 1.5, 2.5, 4.5, 2.5, 1.5, 2.5, 1.5});
  // Padding 1: entries that fall in the padding are dropped.
  s.pad = 1;
  s.out_h = s.out_w = 4;
  const std::vector<double> all(4 * 16, 1.0);
  std::vector<double> d(9, 0.0);
  col2im<double>(all.data(), s, d.data(), 16);
  CHECK(d == std::vector<double>(9, 4.0));  // every pixel is in 4 of the 16 windows
}

TEST_CASE("ex7.1 adjoint identity of col2im and im2col on random shapes", "[ch07][ex7.1]") {
  Rng rng(71);
  for (int trial = 0; trial < 50; ++trial) {
    Im2colShape s;
    s.channels = static_cast<int>(rng.below(3)) + 1;
    s.height = static_cast<int>(rng.below(10)) + 2;
    s.width = static_cast<int>(rng.below(10)) + 2;
    s.kernel_h = static_cast<int>(rng.below(4)) + 1;
    s.kernel_w = static_cast<int>(rng.below(4)) + 1;
    s.stride = static_cast<int>(rng.below(4)) + 1;
    s.pad = static_cast<int>(rng.below(3));
    s.dilation = static_cast<int>(rng.below(2)) + 1;
    const int kh = s.dilation * (s.kernel_h - 1) + 1, kw = s.dilation * (s.kernel_w - 1) + 1;
    if (s.height + 2 * s.pad < kh || s.width + 2 * s.pad < kw) continue;
    s.out_h = ch06::conv_output_size(s.height, s.kernel_h, s.pad, s.stride, s.dilation);
    s.out_w = ch06::conv_output_size(s.width, s.kernel_w, s.pad, s.stride, s.dilation);
    const std::int64_t ld = s.cols() + static_cast<std::int64_t>(rng.below(4));
    const auto image = static_cast<std::size_t>(s.channels * s.height * s.width);
    const auto cols = static_cast<std::size_t>(s.rows() * ld);
    std::vector<double> x(image), y(cols), x_col(cols, 0.0), y_back(image, 0.0);
    fill_uniform(rng, x, -1, 1);
    fill_uniform(rng, y, -1, 1);
    for (std::int64_t r = 0; r < s.rows(); ++r)  // the gap columns past P_out are not part of X_col
      for (std::int64_t p = s.cols(); p < ld; ++p) y[static_cast<std::size_t>(r * ld + p)] = 0.0;
    ch06::im2col<double>(x.data(), s, x_col.data(), ld);
    col2im<double>(y.data(), s, y_back.data(), ld);
    // Both sides sum the same products y[r,p]·x[pixel(r,p)] in different orders:
    // |lhs − rhs| ≤ 2 γ_n Σ|terms|, n = the number of entries of X_col.
    std::vector<double> abs_x(image), abs_col(cols, 0.0);
    for (std::size_t i = 0; i < image; ++i) abs_x[i] = std::fabs(x[i]);
    ch06::im2col<double>(abs_x.data(), s, abs_col.data(), ld);
    double magnitude = 0.0;
    for (std::size_t i = 0; i < cols; ++i) magnitude += std::fabs(y[i]) * abs_col[i];
    const double n = static_cast<double>(cols), u = std::numeric_limits<double>::epsilon() / 2;
    const double lhs = inner(y_back, x), rhs = inner(y, x_col);
    INFO("trial " << trial << ": <col2im(Y), X> = " << lhs << ", <Y, im2col(X)> = " << rhs);
    CHECK(std::fabs(lhs - rhs) <= 2 * n * u / (1 - n * u) * magnitude);
  }
}

namespace {

struct ConvCase {
  int n, c, h, w, k, fh, fw, stride, pad, dilation, groups;
};

void check_conv_gradients(const ConvCase& t, std::uint64_t seed) {
  const Conv2dGeometry g{t.c, t.h, t.w, t.k, t.fh, t.fw, t.stride, t.pad, t.dilation, t.groups};
  Rng rng(seed);
  Tensor<double> x = random_tensor(rng, g.input_shape(t.n));
  Tensor<double> w = random_tensor(rng, g.weight_shape());
  Tensor<double> b = random_tensor(rng, Shape{t.k});
  const Tensor<double> upstream = make_upstream(rng, g.output_shape(t.n));
  Tensor<double> y(g.output_shape(t.n));
  Conv2dWorkspace<double> ws;
  auto loss = [&] {
    ch06::conv2d_forward<double>(y, x, w, b, g, ws);
    return inner(upstream.span(), y.span());
  };
  loss();
  Tensor<double> d_x(x.shape()), d_w(w.shape()), d_b(b.shape());
  conv2d_backward<double>(d_x, d_w, d_b, upstream, w, g, ws);
  INFO("layer " << g.str() << ", batch " << t.n);
  test::require_gradient(check_gradient("d_w", w.span(), d_w.span(), loss));
  test::require_gradient(check_gradient("d_b", b.span(), d_b.span(), loss));
  test::require_gradient(check_gradient("d_x", x.span(), d_x.span(), loss));
}

}  // namespace

TEST_CASE("ex7.2 conv backward matches finite differences", "[ch07][ex7.2]") {
  const ConvCase cases[] = {
      // n  c  h   w   k  fh fw  S  P  D  G
      {1, 1, 5, 5, 1, 3, 3, 1, 0, 1, 1},    // the worked example's shape
      {2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1},    // several channels, batch 2, same padding
      {2, 2, 9, 11, 3, 3, 2, 2, 1, 1, 1},   // stride 2, a non-square kernel, odd sizes
      {1, 2, 13, 10, 2, 3, 3, 4, 2, 1, 1},  // stride 4, padding 2
      {3, 2, 9, 9, 2, 3, 3, 1, 2, 2, 1},    // dilation 2
      {2, 4, 7, 8, 6, 3, 3, 1, 1, 1, 2},    // 2 groups
      {2, 4, 11, 9, 4, 2, 3, 2, 1, 2, 2},   // everything at once
      {1, 3, 4, 4, 2, 5, 5, 1, 2, 1, 1},    // kernel larger than the image without padding
  };
  std::uint64_t seed = 720;
  for (const ConvCase& t : cases) check_conv_gradients(t, seed++);
}

TEST_CASE("ex7.2 conv backward accumulates and skips empty gradients", "[ch07][ex7.2]") {
  const Conv2dGeometry g{2, 6, 6, 3, 3, 3, 1, 1, 1, 1};
  Rng rng(73);
  const Tensor<double> x = random_tensor(rng, g.input_shape(2)), w = random_tensor(rng, g.weight_shape());
  const Tensor<double> b = random_tensor(rng, Shape{3}), upstream = make_upstream(rng, g.output_shape(2));
  Tensor<double> y(g.output_shape(2));
  Conv2dWorkspace<double> ws;
  Tensor<double> d_x(x.shape()), d_w(w.shape()), d_b(b.shape());
  ch06::conv2d_forward<double>(y, x, w, b, g, ws);
  conv2d_backward<double>(d_x, d_w, d_b, upstream, w, g, ws);
  // Again, onto gradients that start at 1, without d_x and d_b.
  Tensor<double> d_w2(w.shape());
  d_w2.fill(1.0);
  ch06::conv2d_forward<double>(y, x, w, b, g, ws);
  conv2d_backward<double>(TensorView<double>(), d_w2, TensorView<double>(), upstream, w, g, ws);
  for (std::int64_t i = 0; i < d_w.size(); ++i) CHECK(d_w2[i] == Approx(1.0 + d_w[i]).epsilon(1e-12));
  // The bias gradient is the sum of the upstream gradient over batch and positions.
  for (int k = 0; k < 3; ++k) {
    double sum = 0.0;
    for (int n = 0; n < 2; ++n)
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 6; ++j) sum += upstream(n, k, i, j);
    CHECK(d_b[k] == Approx(sum).epsilon(1e-12));
  }
}
