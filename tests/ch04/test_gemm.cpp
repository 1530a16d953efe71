// The production nn::gemm (float) against the exact product, computed in
// double precision, on awkward shapes: every size 1..70 in each dimension,
// primes, K = 0, sizes one off the register tiles and cache blocks, large
// ones; all four transpose combinations; several alpha and beta; C full of
// NaN with beta = 0; each SIMD level forced; 1, 2 and 3 threads giving the
// same bits. The error bound is derived in gemm_check.hpp.
#include <cstring>
#include <vector>

#include <catch2/catch.hpp>

#include "ch04/gemm_check.hpp"
#include "nn/cpu.hpp"
#include "nn/error.hpp"
#include "nn/gemm.hpp"
#include "nn/threads.hpp"

using nn::Trans;
using nn::test::GemmCase;

namespace {

const Trans kTrans[2] = {Trans::No, Trans::Yes};

// Restores the SIMD level and thread count a test changed.
struct Restore {
  nn::SimdLevel level = nn::simd_level();
  int threads = nn::num_threads();
  ~Restore() {
    nn::set_simd_level(level);
    nn::set_num_threads(threads);
  }
};

// Runs one case at every SIMD level this CPU has; returns the failures.
std::string run_all_levels(const GemmCase& c) {
  std::string failures;
  for (nn::SimdLevel level : nn::available_simd_levels()) {
    nn::set_simd_level(level);
    std::vector<float> C = c.C0;
    nn::gemm(c.ta, c.tb, c.M, c.N, c.K, c.alpha, c.A.data(), c.lda, c.B.data(), c.ldb, c.beta, C.data(), c.ldc);
    const std::string err = c.check(C);
    if (!err.empty()) {
      failures += nn::to_string(level);
      failures += ": ";
      failures += err;
    }
  }
  return failures;
}

void require_ok(const GemmCase& c) {
  const std::string err = run_all_levels(c);
  if (!err.empty()) FAIL_CHECK(err);
}

}  // namespace

TEST_CASE("gemm: every size 1..70 in each dimension, all transposes, each SIMD level", "[ch04][gemm]") {
  Restore restore;
  std::uint64_t seed = 1;
  for (Trans ta : kTrans)
    for (Trans tb : kTrans)
      for (int n = 1; n <= 70; ++n) {
        require_ok(GemmCase(ta, tb, n, 37, 29, 1.0f, 0.0f, seed++));  // M sweeps
        require_ok(GemmCase(ta, tb, 13, n, 29, 1.0f, 0.0f, seed++));  // N sweeps
        require_ok(GemmCase(ta, tb, 9, 53, n, 1.0f, 0.0f, seed++));   // K sweeps
      }
}

TEST_CASE("gemm: random shapes in 1..70 cubed with alpha and beta", "[ch04][gemm]") {
  Restore restore;
  nn::Rng rng(99);
  const float alphas[] = {1.0f, -0.5f, 2.5f};
  const float betas[] = {0.0f, 1.0f, -1.5f, 0.25f};
  for (int i = 0; i < 150; ++i) {
    const int M = 1 + static_cast<int>(rng.uniform() * 70), N = 1 + static_cast<int>(rng.uniform() * 70),
              K = 1 + static_cast<int>(rng.uniform() * 70);
    require_ok(GemmCase(kTrans[i % 2], kTrans[(i / 2) % 2], M, N, K, alphas[i % 3], betas[i % 4],
                        static_cast<std::uint64_t>(1000 + i)));
  }
}

TEST_CASE("gemm: primes and sizes one off the register tiles and cache blocks", "[ch04][gemm]") {
  Restore restore;
  // Register tiles: 4×16 (scalar), 6×16 (AVX2), 8×48 (AVX-512); cache blocks
  // KC = 256/256/384 (K cut into equal blocks), MC = 128/144/240; in-place B
  // for M ≤ 2·MR; the register transpose packs groups of 8 rows (and a
  // last, shorter one) in steps of 8 k.
  const int ms[] = {5, 7, 8, 9, 12, 13, 16, 17, 97, 127, 193, 241, 257};
  const int ns[] = {15, 17, 47, 49, 95, 97, 101, 131};
  const int ks[] = {1, 2, 3, 7, 9, 31, 255, 256, 257, 383, 385, 521, 769};
  std::uint64_t seed = 5000;
  for (int M : ms)
    for (int N : ns)
      for (int K : ks) {
        if (static_cast<long>(M) * N * K > 3'000'000) continue;
        const Trans ta = kTrans[seed % 2], tb = kTrans[(seed / 2) % 2];
        require_ok(GemmCase(ta, tb, M, N, K, 1.0f, seed % 3 == 0 ? 0.5f : 0.0f, seed));
        ++seed;
      }
}

TEST_CASE("gemm: large shapes that cross every cache block", "[ch04][gemm]") {
  Restore restore;
  // N > NC (3072) and K > 2·KC; M > MC (several row blocks share a packed
  // B); the LeNet shape with M = 6 (B read in place); and K = 37, short
  // enough that C is swept by rows, across several row and column blocks.
  std::uint64_t seed = 7000;
  for (Trans ta : kTrans)
    for (Trans tb : kTrans) {
      require_ok(GemmCase(ta, tb, 203, 3100, 530, 1.0f, 0.0f, seed++));
      require_ok(GemmCase(ta, tb, 6, 5000, 25, -1.0f, 1.0f, seed++));
      require_ok(GemmCase(ta, tb, 401, 3111, 37, 1.0f, 0.5f, seed++));
    }
}

TEST_CASE("gemm: a few rows of C and a long K, both operands along K (the dot-product path)", "[ch04][gemm]") {
  Restore restore;
  // op(A) = A, op(B) = Bᵀ, M ≤ 8, K ≥ 128: AVX-512 computes each element as a
  // dot product (simd/gemm_dot_avx512.cpp). K around its 1024-long chunks and
  // not a multiple of 16 (masked tail); N in groups of B rows of unequal
  // width (25 = 4+4+4+4+3+3+3 for 6 rows); every row count up to 8.
  std::uint64_t seed = 8000;
  for (int M : {1, 2, 3, 5, 6, 7, 8})
    for (int N : {1, 2, 5, 25, 33})
      for (int K : {128, 129, 1023, 1024, 1025, 2100}) {
        const float alpha = seed % 4 == 0 ? -0.5f : 1.0f, beta = seed % 3 == 0 ? 0.0f : (seed % 3 == 1 ? 1.0f : -1.5f);
        require_ok(GemmCase(Trans::No, Trans::Yes, M, N, K, alpha, beta, seed++));
      }
  // More columns than one block of 256 (each block goes through all of K by
  // itself).
  require_ok(GemmCase(Trans::No, Trans::Yes, 3, 600, 300, 1.0f, 0.5f, seed++));
  require_ok(GemmCase(Trans::No, Trans::Yes, 8, 513, 1100, -1.0f, 0.0f, seed++));
  // LeNet conv1's weight gradient, 6×25×50176 (64 images), on two threads too.
  for (int t : {1, 2}) {
    nn::set_num_threads(t);
    require_ok(GemmCase(Trans::No, Trans::Yes, 6, 25, 50176, 1.0f, 0.0f, seed++));
  }
}

TEST_CASE("gemm: K = 0 gives beta times C, and alpha = 0 reads neither A nor B", "[ch04][gemm]") {
  Restore restore;
  for (float beta : {0.0f, 1.0f, -2.0f}) {
    GemmCase c(Trans::No, Trans::No, 7, 19, 0, 1.0f, beta, 42);
    require_ok(c);
  }
  // alpha = 0: A and B may hold NaN; C = beta · C.
  GemmCase c(Trans::No, Trans::Yes, 9, 21, 13, 0.0f, 0.5f, 43);
  for (float& v : c.A) v = std::numeric_limits<float>::quiet_NaN();
  require_ok(c);
}

TEST_CASE("gemm: beta = 0 never reads C, even when C is full of NaN", "[ch04][gemm]") {
  Restore restore;
  std::uint64_t seed = 9000;
  for (Trans ta : kTrans)
    for (Trans tb : kTrans)
      for (int M : {1, 6, 8, 16, 33})
        for (int N : {1, 17, 48, 100})
          require_ok(GemmCase(ta, tb, M, N, 300, 1.5f, 0.0f, seed++, /*nan_c=*/true));
  // K = 0 and beta = 0 too.
  require_ok(GemmCase(Trans::No, Trans::No, 5, 5, 0, 1.0f, 0.0f, seed, true));
}

TEST_CASE("gemm: the result does not depend on the thread count (bit-identical)", "[ch04][gemm][threads]") {
  Restore restore;
  struct Shape {
    int M, N, K;
  };
  // Wide (split by columns), tall and narrow (split by rows), and the tiny
  // ones that stay on one thread.
  // 500×40×800 and 300×100×900: several K blocks, and row blocks whose size
  // depends on the part of C a thread has.
  // 64×256×300: split by columns in whole vectors, at 128 on two threads and
  // at 96 and 176 on three, inside a register tile.
  // 150×1000×16: K short enough that each thread sweeps its C by rows.
  // 6×25×8000 and 8×37×4000: as NT, the dot-product path, its columns split
  // one by one (25 = 13 + 12 on two threads, 8 + 8 + 9 on three).
  const Shape shapes[] = {{64, 700, 300},   {500, 40, 270},  {6, 3000, 25},  {33, 33, 33},    {384, 169, 300},
                          {500, 40, 800},   {300, 100, 900}, {64, 256, 300}, {150, 1000, 16}, {6, 25, 8000},
                          {8, 37, 4000}};
  for (nn::SimdLevel level : nn::available_simd_levels()) {
    nn::set_simd_level(level);
    std::uint64_t seed = 11;
    for (const auto& s : shapes)
      for (Trans ta : kTrans)
        for (Trans tb : kTrans) {
          GemmCase c(ta, tb, s.M, s.N, s.K, 0.75f, 0.5f, seed++);
          std::vector<std::vector<float>> results;
          for (int t : {1, 2, 3}) {
            nn::set_num_threads(t);
            std::vector<float> C = c.C0;
            nn::gemm(ta, tb, s.M, s.N, s.K, c.alpha, c.A.data(), c.lda, c.B.data(), c.ldb, c.beta, C.data(), c.ldc);
            INFO(nn::to_string(level) << " " << c.describe() << " threads=" << t);
            const std::string err = c.check(C);
            if (!err.empty()) FAIL_CHECK(err);
            results.push_back(std::move(C));
          }
          INFO(nn::to_string(level) << " " << c.describe());
          CHECK(std::memcmp(results[0].data(), results[1].data(), results[0].size() * sizeof(float)) == 0);
          CHECK(std::memcmp(results[0].data(), results[2].data(), results[0].size() * sizeof(float)) == 0);
        }
  }
}

TEST_CASE("gemm: bad arguments are errors that say what is wrong", "[ch04][gemm]") {
  std::vector<float> a(100), b(100), c(100);
  CHECK_THROWS_WITH(nn::gemm(Trans::No, Trans::No, -1, 2, 2, 1.0f, a.data(), 2, b.data(), 2, 0.0f, c.data(), 2),
                    Catch::Contains("negative size"));
  CHECK_THROWS_WITH(nn::gemm(Trans::No, Trans::No, 3, 4, 5, 1.0f, a.data(), 4, b.data(), 4, 0.0f, c.data(), 4),
                    Catch::Contains("lda=4 needs 5"));
  CHECK_THROWS_WITH(nn::gemm(Trans::No, Trans::Yes, 3, 4, 5, 1.0f, a.data(), 5, b.data(), 4, 0.0f, c.data(), 4),
                    Catch::Contains("ldb=4 needs 5"));
  CHECK_THROWS_AS(nn::set_num_threads(0), nn::Error);
}

TEST_CASE("gemm_reference agrees with the exact product within the same bound", "[ch04][gemm]") {
  std::uint64_t seed = 300;
  for (Trans ta : kTrans)
    for (Trans tb : kTrans)
      for (int n : {1, 7, 33, 64}) {
        GemmCase c(ta, tb, n, n + 3, 2 * n + 1, -1.25f, 0.5f, seed++);
        std::vector<float> C = c.C0;
        nn::gemm_reference(ta, tb, c.M, c.N, c.K, c.alpha, c.A.data(), c.lda, c.B.data(), c.ldb, c.beta, C.data(),
                           c.ldc);
        const std::string err = c.check(C);
        if (!err.empty()) FAIL_CHECK(err);
      }
}

TEST_CASE("fma_peak_gflops measures a positive throughput for each vector level", "[ch04][gemm]") {
  for (nn::SimdLevel level : nn::available_simd_levels()) {
    const double peak = nn::fma_peak_gflops(level, 0.02);
    INFO(nn::to_string(level) << ": " << peak << " GFLOP/s");
    if (level == nn::SimdLevel::Scalar)
      CHECK(peak == 0.0);
    else
      CHECK(peak > 1.0);
  }
}
