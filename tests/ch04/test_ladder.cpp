// Every step of the chapter-4 ladder (the ones this CPU can run) against the
// exact product on awkward sizes: 1..70 in each dimension, primes, sizes one
// off each step's register tile (4×8, 6×16, 8×48) and cache blocks (KC = 256),
// K = 0. Same derived bound as the production GEMM (gemm_check.hpp).
#include <vector>

#include <catch2/catch.hpp>

#include "ch04/gemm_check.hpp"
#include "ladder.hpp"
#include "nn/cpu.hpp"

using nn::Trans;
using nn::test::GemmCase;

namespace {

std::vector<nn::ch04::Step> runnable_steps() {
  std::vector<nn::ch04::Step> steps;
  for (const auto& s : nn::ch04::ladder()) {
    if (s.needs_avx2 && nn::detected_simd_level() < nn::SimdLevel::Avx2) continue;
    if (s.needs_avx512 && nn::detected_simd_level() < nn::SimdLevel::Avx512) continue;
    steps.push_back(s);
  }
  return steps;
}

void check_steps(int M, int N, int K, std::uint64_t seed) {
  const GemmCase c(Trans::No, Trans::No, M, N, K, 1.0f, 0.0f, seed, /*nan_c=*/true);  // C is never read
  for (const auto& s : runnable_steps()) {
    std::vector<float> C = c.C0;
    s.fn(M, N, K, c.A.data(), c.lda, c.B.data(), c.ldb, C.data(), c.ldc);
    const std::string err = c.check(C);
    if (!err.empty()) FAIL_CHECK("step " << s.name << ": " << err);
  }
}

}  // namespace

TEST_CASE("ladder: the seven steps are there, in order", "[ch04][ladder]") {
  const auto steps = nn::ch04::ladder();
  REQUIRE(steps.size() == 7);
  for (std::size_t i = 0; i < steps.size(); ++i) CHECK(steps[i].name.front() == static_cast<char>('1' + i));
}

TEST_CASE("ladder: every step on sizes 1..70 in each dimension", "[ch04][ladder]") {
  std::uint64_t seed = 1;
  for (int n = 1; n <= 70; ++n) {
    check_steps(n, 37, 29, seed++);
    check_steps(13, n, 29, seed++);
    check_steps(9, 53, n, seed++);
  }
}

TEST_CASE("ladder: every step on primes, tile and block edges, K = 0 and a large size", "[ch04][ladder]") {
  std::uint64_t seed = 100;
  for (int M : {7, 8, 9, 97})
    for (int N : {47, 48, 49, 131})
      for (int K : {1, 255, 256, 257}) check_steps(M, N, K, seed++);
  check_steps(5, 7, 0, seed++);
  check_steps(300, 517, 600, seed++);  // several jc / pc / ic blocks and threads
}
