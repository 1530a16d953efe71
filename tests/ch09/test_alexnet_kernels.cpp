// Chapter 9's AVX-512 kernels against the reference loops in float: LRN
// (nn/lrn_kernels.hpp; exercises 9.1 and 9.2, ch09/lrn.cpp) on channel
// counts and planes that do not fill a window or a register, max pooling with stride 2
// (nn/pool.hpp; exercise 7.3) on AlexNet's planes, ties and NaNs; the
// fused weight decay of the training step (nn/weight_decay.hpp) against
// exercise 5.2's l2_backward and l2_penalty. Skipped on CPUs without
// AVX-512 (the weight decay's scalar variant is compared everywhere); the
// reference runs first, so that in the exercise build every case stops at
// the learner's missing code. The sixteen-lane log is tested in
// test_simd_log.cpp (no exercise on its path).
//
// Bounds (the kernels round differently: FMAs, and exp(−β·log s) in place
// of std::pow, each of exp and log within about 2 ulp):
//   y, scale                relative error ≤ 1e-6 per element
//   dx                      |error| ≤ 1e-6 · max|dx| of the tensor
//   max pooling             equal: the same values and the same indices
//   weight decay            the gradient equal to l2_backward's; Σw² within
//                           1e-12 relative of the sum in double
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include <catch2/catch.hpp>

#include "ch07/pooling.hpp"
#include "ch05/regularization.hpp"
#include "ch09/lrn.hpp"
#include "nn/cpu.hpp"
#include "nn/lrn_kernels.hpp"
#include "nn/pool.hpp"
#include "nn/weight_decay.hpp"
#include "nn/rng.hpp"
#include "test_util.hpp"

using namespace nn;
using namespace nn::ch09;

TEST_CASE("LRN: the AVX-512 kernels agree with the reference loops on awkward shapes", "[ch09][simd][ex9.1][ex9.2]") {
  struct Case {
    int size, channels, height, width;
    double alpha, beta, k;
  };
  // Windows 1 … 16 (the kernels' largest), even ones; fewer channels than the
  // window; planes of 1, 15, 16, 17 and 27×27 positions (a masked tail);
  // AlexNet's own norm1 and norm2; a strong α.
  const Case cases[] = {{5, 96, 27, 27, 1e-4, 0.75, 2}, {5, 256, 13, 13, 1e-4, 0.75, 2}, {5, 3, 4, 4, 0.5, 0.75, 1},
                        {3, 7, 1, 1, 0.3, 0.6, 1.5},     {4, 9, 3, 5, 0.3, 0.75, 1},      {1, 2, 1, 17, 0.2, 1.0, 1},
                        {16, 21, 4, 4, 0.05, 0.75, 2},   {7, 17, 1, 15, 0.01, 0.5, 1}};
  for (const Case& c : cases) {
    INFO("n " << c.size << ", C " << c.channels << ", " << c.height << "x" << c.width << ", alpha " << c.alpha);
    const LrnParams p{c.size, c.alpha, c.beta, c.k};
    const Shape shape{2, c.channels, c.height, c.width};
    Tensor<float> x(shape), dy(shape), y(shape), scale(shape), dx(shape);
    Tensor<float> y_ref(shape), scale_ref(shape), dx_ref(shape);
    Rng rng(static_cast<std::uint64_t>(c.size * 1000 + c.channels));
    for (float& v : x) v = static_cast<float>(rng.uniform(-6.0, 6.0));  // post-ReLU scale, some negatives
    for (float& v : dy) v = static_cast<float>(rng.uniform(-1.0, 1.0));
    for (std::int64_t i = 0; i < dx.size(); ++i) dx[i] = dx_ref[i] = static_cast<float>(rng.uniform(-0.1, 0.1));
    lrn_forward<float>(y_ref, scale_ref, x, p);
    lrn_backward<float>(dx_ref, dy, x, y_ref, scale_ref, p);
    if (!test::cpu_has(SimdLevel::Avx512)) {
      WARN("this CPU has no AVX-512: the LRN kernels are not used here, nothing to compare");
      return;
    }
    kernels::LrnArgs a;
    a.images = shape[0];
    a.channels = c.channels;
    a.plane = c.height * c.width;
    a.before = c.size / 2;
    a.after = (c.size - 1) / 2;
    a.k = static_cast<float>(c.k);
    a.alpha = static_cast<float>(c.alpha);
    a.beta = static_cast<float>(c.beta);
    kernels::lrn_forward_avx512(x.data(), y.data(), scale.data(), a);
    kernels::lrn_backward_avx512(dx.data(), dy.data(), x.data(), y.data(), scale.data(), a);
    double y_err = 0, s_err = 0, dx_err = 0, dx_max = 0;
    for (std::int64_t i = 0; i < x.size(); ++i) {
      const double yr = y_ref[i], sr = scale_ref[i], dr = dx_ref[i];
      y_err = std::max(y_err, std::abs(static_cast<double>(y[i]) - yr) / std::max(1e-30, std::abs(yr)));
      s_err = std::max(s_err, std::abs(static_cast<double>(scale[i]) - sr) / sr);
      dx_err = std::max(dx_err, std::abs(static_cast<double>(dx[i]) - dr));
      dx_max = std::max(dx_max, std::abs(dr));
    }
    std::printf("LRN n=%d C=%d %dx%d: y %.2e, scale %.2e (relative), dx %.2e of max|dx|\n", c.size, c.channels,
                c.height, c.width, y_err, s_err, dx_err / dx_max);
    CHECK(y_err <= 1e-6);
    CHECK(s_err <= 1e-6);
    REQUIRE(dx_max > 0);
    CHECK(dx_err <= 1e-6 * dx_max);
  }
}

TEST_CASE("max pooling with stride 2: the AVX-512 kernel gives the reference's values and indices",
          "[ch09][simd][ex7.3]") {
  struct Case {
    int height, width, window;
    bool ties;
  };
  // AlexNet's pool1, pool2, pool5; a plane wider than 32 outputs (a masked
  // tail); 2×2 windows; an odd size that leaves a last column unpooled;
  // values drawn from {0, …, 3} (ties everywhere: the first maximum wins).
  const Case cases[] = {{55, 55, 3, false}, {27, 27, 3, false}, {13, 13, 3, false}, {9, 71, 3, false},
                        {8, 10, 2, false},  {7, 9, 2, false},   {11, 12, 3, true},  {3, 3, 3, true}};
  for (const Case& c : cases) {
    INFO(c.height << "x" << c.width << ", window " << c.window << (c.ties ? ", ties" : ""));
    const ch07::Pool2dGeometry p{c.window, c.window, 2};
    const Shape in{2, 3, c.height, c.width};
    const Shape out = p.output_shape(in);
    Tensor<float> x(in), y(out), y_ref(out);
    Tensor<std::int32_t> arg(out), arg_ref(out);
    Rng rng(static_cast<std::uint64_t>(c.height * 100 + c.width));
    for (float& v : x) v = c.ties ? static_cast<float>(rng.below(4)) : static_cast<float>(rng.uniform(-1.0, 1.0));
    x[5] = NAN;  // never replaces a best value, as in the reference
    ch07::maxpool2d_forward<float>(y_ref, arg_ref, x, p);
    if (!test::cpu_has(SimdLevel::Avx512)) {
      WARN("this CPU has no AVX-512: the max-pool kernel is not used here, nothing to compare");
      return;
    }
    kernels::maxpool_stride2_avx512(x.data(), in[0] * in[1], c.height, c.width, c.window, c.window, y.data(), arg.data());
    int differ = 0;
    for (std::int64_t i = 0; i < y.size(); ++i)
      if (arg[i] != arg_ref[i] || !(y[i] == y_ref[i] || (std::isnan(y[i]) && std::isnan(y_ref[i])))) ++differ;
    CHECK(differ == 0);
  }
}

TEST_CASE("weight decay in one pass: exercise 5.2's gradient, and the sum of squares", "[ch09][simd][ex5.2]") {
  Rng rng(95);
  for (std::size_t n : {std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{17}, std::size_t{1000},
                        std::size_t{65536 + 5}}) {
    INFO("n " << n);
    Tensor<float> w(Shape{static_cast<std::int64_t>(n)}), g_ref(w.shape());
    Tensor<double> w64(w.shape());
    for (std::int64_t i = 0; i < w.size(); ++i) {
      w[i] = static_cast<float>(rng.uniform(-0.3, 0.3));
      w64[i] = w[i];
      g_ref[i] = static_cast<float>(rng.uniform(-1.0, 1.0));
    }
    const float lambda = 2.5e-4f;
    const double exact = ch05::l2_penalty<double>(w64, 1.0);
    REQUIRE(exact > 0);
    Tensor<float> g_scalar = g_ref, g_simd = g_ref;
    ch05::l2_backward<float>(g_ref, w, lambda);
    const double s_scalar = kernels::weight_decay_scalar(g_scalar.data(), w.data(), n, 2 * lambda);
    CHECK(std::vector<float>(g_scalar.begin(), g_scalar.end()) == std::vector<float>(g_ref.begin(), g_ref.end()));
    CHECK(std::abs(s_scalar - exact) <= 1e-12 * exact);
    if (test::cpu_has(SimdLevel::Avx512)) {
      const double s_simd = kernels::weight_decay_avx512(g_simd.data(), w.data(), n, 2 * lambda);
      CHECK(std::vector<float>(g_simd.begin(), g_simd.end()) == std::vector<float>(g_ref.begin(), g_ref.end()));
      CHECK(std::abs(s_simd - exact) <= 1e-12 * exact);
    }
  }
}
