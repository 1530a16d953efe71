// Chapter 9: the AVX-512 LRN kernels (nn/lrn_kernels.hpp) against the
// reference loops of exercises 9.1 and 9.2 (ch09/lrn.cpp) in float, on
// channel counts and planes that do not fill a window or a register, and
// the sixteen-lane log they use against std::log. Skipped on CPUs without
// AVX-512.
//
// Bounds (the kernels round differently: FMAs, and exp(−β·log s) in place
// of std::pow, each of exp and log within about 2 ulp):
//   log_avx512(x)           |error| ≤ 2.5·2^−24·max(1, |log x|)
//   y, scale                relative error ≤ 1e-6 per element
//   dx                      |error| ≤ 1e-6 · max|dx| of the tensor
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include <catch2/catch.hpp>

#include "ch09/lrn.hpp"
#include "nn/cpu.hpp"
#include "nn/lrn_kernels.hpp"
#include "nn/rng.hpp"

using namespace nn;
using namespace nn::ch09;

namespace {

bool have_avx512() {
  const auto levels = available_simd_levels();
  return std::find(levels.begin(), levels.end(), SimdLevel::Avx512) != levels.end();
}

}  // namespace

TEST_CASE("the sixteen-lane log is within 2.5 ulp of std::log", "[ch09][simd]") {
  if (!have_avx512()) {
    WARN("this CPU has no AVX-512: the LRN kernels are not used here, nothing to compare");
    return;
  }
  std::vector<float> x;
  for (int e = -126; e <= 127; ++e)  // every binade, at its start, middle and around 1.5
    for (float m : {1.0f, 1.25f, 1.4999999f, 1.5f, 1.5000001f, 1.75f, 1.9999999f}) x.push_back(std::ldexp(m, e));
  Rng rng(91);
  for (int i = 0; i < 20000; ++i) x.push_back(static_cast<float>(rng.uniform(0.5, 4.0)));  // LRN's s ∈ [k, …)
  for (int i = 0; i < 2000; ++i) x.push_back(1.0f + static_cast<float>(rng.uniform(-1e-3, 1e-3)));
  std::vector<float> y(x.size() + 3);
  kernels::log_avx512(x.data(), y.data(), x.size() - 3);  // a masked tail of 13
  kernels::log_avx512(x.data() + x.size() - 3, y.data() + x.size() - 3, 3);
  double worst = 0;
  std::size_t at = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double exact = std::log(static_cast<double>(x[i]));
    const double err = std::abs(static_cast<double>(y[i]) - exact) / (std::max(1.0, std::abs(exact)) * std::ldexp(1.0, -24));
    if (err > worst) worst = err, at = i;
  }
  INFO("worst at x = " << x[at] << ": " << y[at] << " against " << std::log(static_cast<double>(x[at])));
  std::printf("log_avx512: largest error %.2f units of 2^-24·max(1, |log x|) over %zu values\n", worst, x.size());
  CHECK(worst <= 2.5);
  const float special[] = {0.0f, -1.0f, INFINITY, NAN};
  float out[4];
  kernels::log_avx512(special, out, 4);
  CHECK(out[0] == -INFINITY);
  CHECK(std::isnan(out[1]));
  CHECK(out[2] == INFINITY);
  CHECK(std::isnan(out[3]));
}

TEST_CASE("LRN: the AVX-512 kernels agree with the reference loops on awkward shapes", "[ch09][simd][ex9.1][ex9.2]") {
  if (!have_avx512()) {
    WARN("this CPU has no AVX-512: the LRN kernels are not used here, nothing to compare");
    return;
  }
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
