// The chapter-1 SIMD kernels (dot, axpy): every variant this CPU can run
// against exact (double) results, on every size 0..300 and a few large ones,
// from aligned and misaligned addresses.
//
// Tolerance: a float sum of n products has an error of at most about
// n·u·Σ|x_i y_i| (u = 2^-24) whatever the order of the additions, so each
// variant must lie within that bound of the exact value. The bound scales
// with the size and the magnitude; it is not a fudge factor.
#include <cmath>
#include <cstring>
#include <vector>

#include <catch2/catch.hpp>

#include "nn/cpu.hpp"
#include "nn/kernels.hpp"
#include "nn/rng.hpp"

using namespace nn;

namespace {

struct Variant {
  SimdLevel level;
  kernels::DotFn dot;
  kernels::AxpyFn axpy;
};

std::vector<Variant> variants() {
  std::vector<Variant> v;
  for (SimdLevel level : available_simd_levels())
    v.push_back({level, kernels::dot_for(level), kernels::axpy_for(level)});
  return v;
}

std::vector<std::size_t> sizes() {
  std::vector<std::size_t> s;
  for (std::size_t n = 0; n <= 300; ++n) s.push_back(n);
  for (std::size_t n : {1000, 1023, 4096, 4096 + 13, 65536 + 7, 100000}) s.push_back(n);
  return s;
}

constexpr double kUnit = 0x1.0p-24;  // float unit roundoff

}  // namespace

TEST_CASE("dot: every SIMD variant agrees with the exact value on sizes 0..300 and large", "[ch01][simd]") {
  Rng rng(2024);
  const auto vs = variants();
  INFO("variants available: " << vs.size());
  REQUIRE(!vs.empty());
  for (std::size_t offset : {0, 1, 3}) {  // misaligned starts too
    for (std::size_t n : sizes()) {
      std::vector<float> xbuf(n + offset + 16), ybuf(n + offset + 16);
      for (auto& v : xbuf) v = static_cast<float>(rng.uniform(-1, 1));
      for (auto& v : ybuf) v = static_cast<float>(rng.uniform(-4, 4));
      const float* x = xbuf.data() + offset;
      const float* y = ybuf.data() + offset;
      double exact = 0.0, magnitude = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        exact += static_cast<double>(x[i]) * static_cast<double>(y[i]);
        magnitude += std::abs(static_cast<double>(x[i]) * static_cast<double>(y[i]));
      }
      const double bound = static_cast<double>(n) * kUnit * magnitude;
      for (const auto& v : vs) {
        const double got = static_cast<double>(v.dot(x, y, n));
        if (std::abs(got - exact) > bound) {
          FAIL_CHECK("dot " << to_string(v.level) << " n=" << n << " offset=" << offset << ": got " << got
                            << ", exact " << exact << ", |diff| " << std::abs(got - exact) << " > bound " << bound);
        }
      }
    }
  }
}

TEST_CASE("dot: the SIMD variants see every element, including the tail", "[ch01][simd]") {
  // A single non-zero product at position i must be found for every i: a
  // tail that is skipped or read twice shows up as 0 or 2.
  for (const auto& v : variants()) {
    for (std::size_t n : {1, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 100, 129}) {
      std::vector<float> x(n, 0.0f), y(n, 1.0f);
      for (std::size_t i = 0; i < n; ++i) {
        std::fill(x.begin(), x.end(), 0.0f);
        x[i] = 1.0f;
        INFO(to_string(v.level) << " n=" << n << " i=" << i);
        REQUIRE(v.dot(x.data(), y.data(), n) == 1.0f);
      }
    }
  }
}

TEST_CASE("axpy: every SIMD variant agrees with the exact value and writes nothing past n", "[ch01][simd]") {
  Rng rng(7);
  for (const auto& v : variants()) {
    for (std::size_t n : sizes()) {
      std::vector<float> x(n + 16), y(n + 16);
      for (auto& e : x) e = static_cast<float>(rng.uniform(-1, 1));
      for (auto& e : y) e = static_cast<float>(rng.uniform(-1, 1));
      const float alpha = static_cast<float>(rng.uniform(-2, 2));
      const std::vector<float> y0 = y;
      v.axpy(alpha, x.data(), y.data(), n);
      for (std::size_t i = 0; i < n; ++i) {
        const double xi = x[i], yi = y0[i], a = alpha;
        const double exact = a * xi + yi;
        // Scalar rounds twice (product, sum), FMA once: both within 2u of the inputs' scale.
        const double bound = 2.0 * kUnit * (std::abs(a * xi) + std::abs(yi));
        if (std::abs(static_cast<double>(y[i]) - exact) > bound) {
          FAIL_CHECK("axpy " << to_string(v.level) << " n=" << n << " i=" << i << ": got " << y[i] << ", exact "
                             << exact);
        }
      }
      for (std::size_t i = n; i < n + 16; ++i) REQUIRE(y[i] == y0[i]);  // untouched guard zone
    }
  }
}

TEST_CASE("dispatch: nn::dot follows the active SIMD level", "[ch01][simd]") {
  Rng rng(11);
  std::vector<float> x(1001), y(1001);
  for (auto& e : x) e = static_cast<float>(rng.uniform(-1, 1));
  for (auto& e : y) e = static_cast<float>(rng.uniform(-1, 1));
  const SimdLevel saved = simd_level();
  for (SimdLevel level : available_simd_levels()) {
    set_simd_level(level);
    const float via_dispatch = nn::dot(x.data(), y.data(), x.size());
    const float direct = kernels::dot_for(level)(x.data(), y.data(), x.size());
    std::uint32_t a, b;
    std::memcpy(&a, &via_dispatch, 4);
    std::memcpy(&b, &direct, 4);
    CHECK(a == b);  // the same kernel, so the same bits
  }
  set_simd_level(saved);
}
