// rng.hpp — a seeded random number generator that gives the same numbers on
// every platform, compiler and standard library.
//
// The engine is xoshiro256** (Blackman & Vigna), seeded through splitmix64.
// The transforms to uniform and normal numbers are written here rather than
// taken from <random>: std::normal_distribution is implemented differently
// by libstdc++, libc++ and MSVC, so the same seed would give different
// weights, and a run could not be reproduced elsewhere. The normal transform
// (Marsaglia's polar method) uses only + - * /, sqrt (exact in IEEE 754) and a
// logarithm written here from the same operations, so it is bit-identical
// wherever IEEE doubles are.
#pragma once

#include <cstdint>
#include <span>
#include <utility>

namespace nn {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0);

  std::uint64_t next_u64();
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n), without modulo bias. n must be > 0.
  std::uint64_t below(std::uint64_t n);
  // Standard normal N(0, 1).
  double normal();
  double normal(double mean, double stddev) { return mean + stddev * normal(); }
  bool bernoulli(double p) { return uniform() < p; }

  // Fisher–Yates shuffle, the same permutation everywhere for the same state.
  template <typename T>
  void shuffle(std::span<T> items) {
    for (std::size_t i = items.size(); i > 1; --i) {
      const std::size_t j = static_cast<std::size_t>(below(i));
      std::swap(items[i - 1], items[j]);
    }
  }

  // An independent stream derived from this one (e.g. one per thread or per
  // purpose), so that drawing from one does not shift the other.
  Rng split();

 private:
  std::uint64_t s_[4];
  double spare_normal_ = 0.0;
  bool has_spare_ = false;
};

namespace detail {
// Natural logarithm of x > 0 from + - * / only: the same bits everywhere.
// Accurate to about 1 ulp; used by Rng::normal.
double portable_log(double x);
}  // namespace detail

}  // namespace nn
