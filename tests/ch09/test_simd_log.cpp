// The sixteen-lane log of the AVX-512 kernels (common/src/simd/exp16_avx512.hpp,
// reached through kernels::log_avx512) against std::log in double, over
// every binade of the positive floats, LRN's range of scales and values
// next to 1, and on 0, negatives, infinity and NaN. Bound:
//   |error| ≤ 2.5 · 2^−24 · max(1, |log x|)
// Skipped on CPUs without AVX-512.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include <catch2/catch.hpp>

#include "nn/cpu.hpp"
#include "nn/lrn_kernels.hpp"
#include "nn/rng.hpp"
#include "test_util.hpp"

using namespace nn;

TEST_CASE("the sixteen-lane log is within 2.5 ulp of std::log", "[ch09][simd]") {
  if (!test::cpu_has(SimdLevel::Avx512)) {
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
