// The random number generator: reference values of the engine, the shape of
// its distributions, and the portable logarithm the normal transform uses.
#include <cmath>
#include <limits>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include "nn/rng.hpp"

using namespace nn;

TEST_CASE("rng: xoshiro256** seeded by splitmix64 gives the reference sequence", "[common][rng]") {
  // Computed independently from the published algorithms (splitmix64 and
  // xoshiro256**) with arbitrary-precision integers: seed 0.
  Rng rng(0);
  CHECK(rng.next_u64() == 0x99ec5f36cb75f2b4ULL);
  CHECK(rng.next_u64() == 0xbf6e1f784956452aULL);
  CHECK(rng.next_u64() == 0x1a5f849d4933e6e0ULL);
  CHECK(rng.next_u64() == 0x6aa594f1262d2d2cULL);
}

TEST_CASE("rng: the same seed gives the same numbers and different seeds give different ones", "[common][rng]") {
  Rng a(123), b(123), c(124);
  for (int i = 0; i < 100; ++i) {
    const double na = a.normal(), nb = b.normal();
    REQUIRE(na == nb);
    (void)c.normal();
  }
  Rng d(123), e(124);
  int same = 0;
  for (int i = 0; i < 100; ++i) same += d.next_u64() == e.next_u64();
  CHECK(same == 0);
}

TEST_CASE("rng: uniform lies in 0 <= u < 1 with the right mean and variance", "[common][rng]") {
  Rng rng(5);
  const int n = 200000;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    sum += u;
    sum_sq += u * u;
  }
  const double mean = sum / n, var = sum_sq / n - mean * mean;
  // Standard error of the mean is sqrt(1/12/n) ≈ 6.5e-4: allow 5 of them.
  CHECK(std::abs(mean - 0.5) < 5 * std::sqrt(1.0 / 12 / n));
  CHECK(std::abs(var - 1.0 / 12) < 0.002);
}

TEST_CASE("rng: normal has mean 0, variance 1 and normal tails", "[common][rng]") {
  Rng rng(6);
  const int n = 200000;
  double sum = 0, sum_sq = 0;
  int beyond_2 = 0;
  for (int i = 0; i < n; ++i) {
    const double z = rng.normal();
    sum += z;
    sum_sq += z * z;
    beyond_2 += std::abs(z) > 2.0;
  }
  const double mean = sum / n, var = sum_sq / n - mean * mean;
  CHECK(std::abs(mean) < 5.0 / std::sqrt(n));
  CHECK(std::abs(var - 1.0) < 5.0 * std::sqrt(2.0 / n));
  // P(|Z| > 2) = 0.0455; its standard error here is about 4.7e-4.
  CHECK(std::abs(beyond_2 / static_cast<double>(n) - 0.0455) < 0.0025);
}

TEST_CASE("rng: below(n) covers 0..n-1 evenly and shuffle permutes", "[common][rng]") {
  Rng rng(8);
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70000; ++i) {
    const auto v = rng.below(7);
    REQUIRE(v < 7);
    ++counts[v];
  }
  for (int c : counts) CHECK(std::abs(c - 10000) < 500);

  std::vector<int> items(50);
  for (int i = 0; i < 50; ++i) items[static_cast<std::size_t>(i)] = i;
  rng.shuffle(std::span<int>(items));
  CHECK(std::set<int>(items.begin(), items.end()).size() == 50);
  int fixed_points = 0;
  for (int i = 0; i < 50; ++i) fixed_points += items[static_cast<std::size_t>(i)] == i;
  CHECK(fixed_points < 10);
}

TEST_CASE("rng: split streams are independent of further draws", "[common][rng]") {
  Rng a(9), b(9);
  Rng child_a = a.split();
  Rng child_b = b.split();
  (void)a.next_u64();  // drawing from the parent does not move the child
  for (int i = 0; i < 10; ++i) REQUIRE(child_a.next_u64() == child_b.next_u64());
}

TEST_CASE("rng: portable_log agrees with std::log to about an ulp", "[common][rng]") {
  for (double x : {1e-300, 1e-10, 0.001, 0.1, 0.5, 0.7071, 0.9999, 1.0, 1.0001, 2.0, 10.0, 12345.678, 1e100}) {
    const double got = detail::portable_log(x), want = std::log(x);
    INFO("x = " << x);
    CHECK(std::abs(got - want) <= 4 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::abs(want)));
  }
  Rng rng(10);
  for (int i = 0; i < 10000; ++i) {
    const double x = rng.uniform() + 1e-12;
    REQUIRE(std::abs(detail::portable_log(x) - std::log(x)) <=
            4 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::abs(std::log(x))));
  }
  CHECK(detail::portable_log(0.0) == -std::numeric_limits<double>::infinity());
  CHECK(std::isnan(detail::portable_log(-1.0)));
}
