// The chapter-2 SIMD kernel: the vectorised exp (nn/vexp.hpp). Every variant
// this CPU can run is compared with e^x computed in double (std::exp on the
// float input converted exactly to double), with the scalar reference, and
// on the special values.
//
// The bound: nn/vexp.hpp states |vexp(x) − e^x| ≤ 2e-7·e^x on [−87, 88]. The
// analysis behind it: float rounding of the result is 0.5 ulp, at most
// 2^-24 ≈ 6.0e-8 relative; Horner's rounding errors, each damped by a factor
// |r| ≤ 0.35 on the way out, add at most about one more ulp (≤ 1.2e-7) without
// FMA and less with it; the Taylor truncation adds 7.4e-9 and the reduction
// ln2_lo·k rounding about 2e-9. That is under 2e-7 for every variant. Two
// variants can then differ by at most 2·2e-7 relative.
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "nn/cpu.hpp"
#include "nn/rng.hpp"
#include "nn/vexp.hpp"

using namespace nn;

namespace {

constexpr double kBound = 2e-7;

struct Variant {
  SimdLevel level;
  kernels::ExpFn fn;
};

std::vector<Variant> variants() {
  std::vector<Variant> v;
  for (SimdLevel level : available_simd_levels()) v.push_back({level, kernels::exp_for(level)});
  return v;
}

// Every `stride`-th float (by bit pattern) in [lo, hi], both signs.
std::vector<float> floats_in(float lo, float hi, std::uint32_t stride) {
  std::vector<float> xs;
  for (std::uint32_t bits = 0; bits < 0x7f800000u; bits += stride) {
    const float pos = std::bit_cast<float>(bits);
    if (pos > std::max(std::abs(lo), std::abs(hi))) break;
    if (pos <= hi && pos >= lo) xs.push_back(pos);
    if (-pos >= lo && -pos <= hi) xs.push_back(-pos);
  }
  return xs;
}

struct ErrorStats {
  double max_rel = 0.0;
  float worst_x = 0.0f;
};

ErrorStats relative_error(kernels::ExpFn fn, const std::vector<float>& xs) {
  std::vector<float> ys(xs.size());
  fn(xs.data(), ys.data(), xs.size());
  ErrorStats s;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double exact = std::exp(static_cast<double>(xs[i]));
    const double rel = std::abs(static_cast<double>(ys[i]) - exact) / exact;
    if (!(rel <= s.max_rel)) {  // also catches NaN
      s.max_rel = std::isnan(rel) ? std::numeric_limits<double>::infinity() : rel;
      s.worst_x = xs[i];
    }
  }
  return s;
}

}  // namespace

TEST_CASE("exp: every variant within 2e-7 relative of e^x on -87..88", "[ch02][simd]") {
  // Every 509th float of the range (about 4.3 million values, all binades),
  // plus a uniform sample: the small and large magnitudes are both covered.
  std::vector<float> xs = floats_in(-87.0f, 88.0f, 509);
  Rng rng(5);
  for (int i = 0; i < 200000; ++i) xs.push_back(static_cast<float>(rng.uniform(-87.0, 88.0)));
  for (const auto& v : variants()) {
    const ErrorStats s = relative_error(v.fn, xs);
    std::printf("exp %-6s max relative error %.3e at x = %.9g over %zu values\n",
                std::string(to_string(v.level)).c_str(), s.max_rel, static_cast<double>(s.worst_x), xs.size());
    INFO(to_string(v.level) << ": max relative error " << s.max_rel << " at x = " << s.worst_x);
    CHECK(s.max_rel <= kBound);
  }
}

TEST_CASE("exp: the SIMD variants agree with the scalar reference", "[ch02][simd]") {
  std::vector<float> xs = floats_in(-87.0f, 88.0f, 4099);
  std::vector<float> ref(xs.size()), got(xs.size());
  kernels::exp_scalar(xs.data(), ref.data(), xs.size());
  for (const auto& v : variants()) {
    v.fn(xs.data(), got.data(), xs.size());
    std::size_t bad = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const double diff = std::abs(static_cast<double>(got[i]) - static_cast<double>(ref[i]));
      if (diff > 2 * kBound * static_cast<double>(ref[i]) && bad++ < 5)
        FAIL_CHECK(to_string(v.level) << " x=" << xs[i] << ": " << got[i] << " vs reference " << ref[i]);
    }
    CHECK(bad == 0);
  }
}

TEST_CASE("exp: special values, saturation and denormals", "[ch02][simd]") {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (const auto& v : variants()) {
    INFO(to_string(v.level));
    // Lanes of a full vector and of the tail both see every special value.
    std::vector<float> xs = {nan, inf, -inf, 0.0f, -0.0f, 88.0f, 88.72f, 88.73f, 89.0f, 200.0f, 1e30f,
                             -87.0f, -90.0f, -100.0f, -103.0f, -103.9f, -104.0f, -200.0f, -1e30f, 1.0f};
    std::vector<float> ys(xs.size());
    v.fn(xs.data(), ys.data(), xs.size());
    CHECK(std::isnan(ys[0]));
    CHECK(ys[1] == inf);
    CHECK(ys[2] == 0.0f);
    CHECK(ys[3] == 1.0f);
    CHECK(ys[4] == 1.0f);
    CHECK(std::isfinite(ys[5]));
    CHECK(std::isfinite(ys[6]));  // ln(FLT_MAX) = 88.7228...
    CHECK(ys[7] == inf);
    CHECK(ys[8] == inf);
    CHECK(ys[9] == inf);
    CHECK(ys[10] == inf);
    CHECK(ys[11] >= std::numeric_limits<float>::min());  // e^−87 is still a normal float
    // e^−90 .. e^−103.9 are denormals: within one denormal step (2^-149) of
    // the correctly rounded value, plus the relative bound.
    for (std::size_t i = 12; i <= 15; ++i) {
      const double exact = std::exp(static_cast<double>(xs[i]));
      CHECK(ys[i] > 0.0f);
      CHECK(std::abs(static_cast<double>(ys[i]) - exact) <= 0x1p-149 + kBound * exact);
    }
    CHECK(ys[16] == 0.0f);
    CHECK(ys[17] == 0.0f);
    CHECK(ys[18] == 0.0f);
    CHECK(ys[19] == Approx(2.718281828459045).epsilon(kBound));
    // A NaN among ordinary values does not disturb its neighbours.
    std::vector<float> mixed(37, 0.5f), out(37);
    mixed[3] = nan;
    mixed[36] = nan;
    v.fn(mixed.data(), out.data(), mixed.size());
    for (std::size_t i = 0; i < mixed.size(); ++i) {
      if (i == 3 || i == 36) CHECK(std::isnan(out[i]));
      else CHECK(out[i] == Approx(1.6487212707001282).epsilon(kBound));
    }
  }
}

TEST_CASE("exp: every size 0..300, misaligned, in place, nothing written past n", "[ch02][simd]") {
  Rng rng(17);
  for (const auto& v : variants()) {
    for (std::size_t offset : {0, 1, 3}) {
      for (std::size_t n = 0; n <= 300; ++n) {
        std::vector<float> x(n + offset + 16), y(n + offset + 16, -7.0f);
        for (auto& e : x) e = static_cast<float>(rng.uniform(-20.0, 20.0));
        v.fn(x.data() + offset, y.data() + offset, n);
        for (std::size_t i = 0; i < offset; ++i) REQUIRE(y[i] == -7.0f);
        for (std::size_t i = 0; i < n; ++i) {
          const float xi = x[offset + i];
          const double exact = std::exp(static_cast<double>(xi));
          if (std::abs(static_cast<double>(y[offset + i]) - exact) > kBound * exact)
            FAIL_CHECK(to_string(v.level) << " n=" << n << " i=" << i << " x=" << xi << ": " << y[offset + i]);
        }
        for (std::size_t i = offset + n; i < y.size(); ++i) REQUIRE(y[i] == -7.0f);
        // In place: the same values.
        std::vector<float> inplace(x);
        v.fn(inplace.data() + offset, inplace.data() + offset, n);
        for (std::size_t i = 0; i < n; ++i) REQUIRE(inplace[offset + i] == y[offset + i]);
      }
    }
  }
}

TEST_CASE("exp: nn::vexp follows the active SIMD level", "[ch02][simd]") {
  std::vector<float> x(1001), a(1001), b(1001);
  Rng rng(3);
  for (auto& e : x) e = static_cast<float>(rng.uniform(-50, 50));
  const SimdLevel saved = simd_level();
  for (SimdLevel level : available_simd_levels()) {
    set_simd_level(level);
    vexp(x.data(), a.data(), x.size());
    kernels::exp_for(level)(x.data(), b.data(), x.size());
    for (std::size_t i = 0; i < x.size(); ++i)
      REQUIRE(std::bit_cast<std::uint32_t>(a[i]) == std::bit_cast<std::uint32_t>(b[i]));
  }
  set_simd_level(saved);
  // The double overload is std::exp.
  const double xd[3] = {-1.0, 0.0, 2.5};
  double yd[3];
  vexp(xd, yd, 3);
  for (int i = 0; i < 3; ++i) CHECK(yd[i] == std::exp(xd[i]));
}

// Not run by ctest (hidden tag): every float in [−87, 88], about 2.2e9 values
// per variant, for the figure quoted in the chapter README:
//   build/release/tests/test_ch02 "[.exhaustive]"
TEST_CASE("exp: exhaustive maximum relative error on -87..88", "[ch02][simd][.exhaustive]") {
  for (const auto& v : variants()) {
    ErrorStats total;
    std::vector<float> chunk;
    chunk.reserve(1 << 22);
    auto flush = [&] {
      const ErrorStats s = relative_error(v.fn, chunk);
      if (s.max_rel > total.max_rel) total = s;
      chunk.clear();
    };
    for (std::uint32_t bits = 0;; ++bits) {
      const float pos = std::bit_cast<float>(bits);
      if (pos > 88.0f) break;
      chunk.push_back(pos);
      if (pos <= 87.0f) chunk.push_back(-pos);
      if (chunk.size() >= (1u << 22) - 2) flush();
    }
    flush();
    std::printf("exp %-6s exhaustive max relative error %.3e at x = %.9g\n", std::string(to_string(v.level)).c_str(),
                total.max_rel, static_cast<double>(total.worst_x));
    CHECK(total.max_rel <= kBound);
  }
}

TEST_CASE("tanh: every variant within 4e-7 of tanh(x), odd, saturating, NaN through", "[ch02][simd]") {
  // tanh from e = e^−2|x|: (1 − e)/(1 + e) adds a few float roundings to
  // exp's 2e-7 relative error of e ≤ 1, so the absolute error stays under
  // 4e-7 (the result is at most 1); below 2^−12 the input itself is returned.
  std::vector<float> xs = floats_in(-20.0f, 20.0f, 1021);
  for (float v : {0.0f, -0.0f, 0x1p-12f, -0x1p-12f, 0x1p-13f, 1e-30f, 0.5f, -0.5f, 9.0f, -9.0f}) xs.push_back(v);
  for (SimdLevel level : available_simd_levels()) {
    INFO("level " << to_string(level));
    std::vector<float> ys(xs.size());
    kernels::tanh_for(level)(xs.data(), ys.data(), xs.size());
    double worst = 0.0;
    float worst_x = 0.0f;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const double err = std::abs(static_cast<double>(ys[i]) - std::tanh(static_cast<double>(xs[i])));
      if (!(err <= worst)) {
        worst = std::isnan(err) ? std::numeric_limits<double>::infinity() : err;
        worst_x = xs[i];
      }
      CHECK(std::signbit(ys[i]) == std::signbit(xs[i]));  // odd, −0 stays −0
    }
    INFO("worst error " << worst << " at x = " << worst_x);
    CHECK(worst < 4e-7);
    const float special[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                             -std::numeric_limits<float>::infinity(), 1e-5f};
    float out[4];
    kernels::tanh_for(level)(special, out, 4);
    CHECK(std::isnan(out[0]));
    CHECK(out[1] == 1.0f);
    CHECK(out[2] == -1.0f);
    CHECK(out[3] == 1e-5f);  // small: x itself
  }
  // The odd-length tail (masked lanes) gives the same values as the full vectors.
  std::vector<float> odd(37), full(48);
  for (std::size_t i = 0; i < odd.size(); ++i) odd[i] = static_cast<float>(i) * 0.1f - 1.8f;
  std::vector<float> a(odd.size()), b(odd.size());
  vtanh(odd.data(), a.data(), odd.size());
  for (std::size_t i = 0; i < odd.size(); ++i) vtanh(&odd[i], &b[i], 1);
  CHECK(a == b);
}

TEST_CASE("tanh backward: every variant adds da(1 - a^2) into dz, equal to the scalar loop to the bit",
          "[ch02][simd]") {
  // A hand-worked value first: a = 0.5 → 1 − a² = 0.75; da = 2 → adds 1.5 to 0.25.
  {
    const float da[] = {2.0f}, a[] = {0.5f};
    float dz[] = {0.25f};
    kernels::tanh_backward_scalar(da, a, dz, 1);
    CHECK(dz[0] == 1.75f);
  }
  // Every length 0..70 (full vectors and masked tails), values on both sides
  // of zero, a guard element past n that must stay as it was.
  Rng rng(11);
  for (std::size_t n = 0; n <= 70; ++n) {
    std::vector<float> da(n), a(n), dz0(n + 1);
    for (std::size_t i = 0; i < n; ++i) {
      da[i] = static_cast<float>(rng.uniform(-3, 3));
      a[i] = static_cast<float>(rng.uniform(-1, 1));
      dz0[i] = static_cast<float>(rng.uniform(-1, 1));
    }
    dz0[n] = -7.0f;
    std::vector<float> ref = dz0;
    kernels::tanh_backward_scalar(da.data(), a.data(), ref.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      // The scalar loop is the formula, rounded step by step in float.
      const float expect = dz0[i] + da[i] * (1.0f - a[i] * a[i]);
      CHECK(ref[i] == expect);
    }
    for (SimdLevel level : available_simd_levels()) {
      INFO("n = " << n << ", level " << to_string(level));
      std::vector<float> dz = dz0;
      kernels::tanh_backward_for(level)(da.data(), a.data(), dz.data(), n);
      CHECK(std::memcmp(dz.data(), ref.data(), (n + 1) * sizeof(float)) == 0);
    }
  }
}
