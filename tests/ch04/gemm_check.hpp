// gemm_check.hpp — shared by the chapter-4 tests: random operands for one
// GEMM call, the exact result in double precision, and the error bound.
//
// Tolerance. Every element of C is a sum of K products, scaled by alpha,
// plus beta·c. Whatever the order of the additions (blocked over K or not,
// FMA or not), each term passes through at most K + 4 roundings: K − 1
// additions, one product when there is no FMA, one for alpha, one for beta·c
// and one to add it. So (Higham, Accuracy and Stability, §3.1)
//   |computed − exact| ≤ γ(K+4) · (|alpha| Σ_k |a_ik b_kj| + |beta c_ij|),
//   γ(n) = n·u / (1 − n·u),  u = 2^-24.
// The bound scales with K and with the magnitude of the terms; it is not a
// fudge factor, and the tests do not loosen it.
#pragma once

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "nn/gemm.hpp"
#include "nn/rng.hpp"

namespace nn::test {

inline double gamma_n(int n) {
  const double u = 0x1.0p-24;
  return n * u / (1.0 - n * u);
}

// One GEMM problem with its operands stored with padded leading dimensions,
// and a guard value in every padding slot of C (which must stay untouched).
struct GemmCase {
  Trans ta = Trans::No, tb = Trans::No;
  int M = 1, N = 1, K = 1;
  float alpha = 1.0f, beta = 0.0f;
  int pad = 3;  // extra columns in each leading dimension
  int lda = 0, ldb = 0, ldc = 0;
  std::vector<float> A, B, C0;  // C0: C before the call
  std::vector<double> exact, bound;

  static constexpr float kGuard = -12345.0f;

  GemmCase(Trans ta_, Trans tb_, int M_, int N_, int K_, float alpha_, float beta_, std::uint64_t seed,
           bool nan_c = false)
      : ta(ta_), tb(tb_), M(M_), N(N_), K(K_), alpha(alpha_), beta(beta_) {
    const int a_rows = ta == Trans::No ? M : K, a_cols = ta == Trans::No ? K : M;
    const int b_rows = tb == Trans::No ? K : N, b_cols = tb == Trans::No ? N : K;
    lda = a_cols + pad;
    ldb = b_cols + pad;
    ldc = N + pad;
    Rng rng(seed);
    A.assign(static_cast<std::size_t>(a_rows) * lda + 1, 0.0f);
    B.assign(static_cast<std::size_t>(b_rows) * ldb + 1, 0.0f);
    C0.assign(static_cast<std::size_t>(M) * ldc + 1, kGuard);
    for (int i = 0; i < a_rows; ++i)
      for (int j = 0; j < a_cols; ++j) A[idx(i, lda, j)] = static_cast<float>(rng.uniform(-1, 1));
    for (int i = 0; i < b_rows; ++i)
      for (int j = 0; j < b_cols; ++j) B[idx(i, ldb, j)] = static_cast<float>(rng.uniform(-2, 2));
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j)
        C0[idx(i, ldc, j)] = nan_c ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(rng.uniform(-1, 1));
    exact.assign(static_cast<std::size_t>(M) * N, 0.0);
    bound.assign(static_cast<std::size_t>(M) * N, 0.0);
    const double g = gamma_n(K + 4);
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        double sum = 0.0, mag = 0.0;
        for (int k = 0; k < K; ++k) {
          const double p = static_cast<double>(a(i, k)) * static_cast<double>(b(k, j));
          sum += p;
          mag += std::abs(p);
        }
        double value = static_cast<double>(alpha) * sum, scale = std::abs(static_cast<double>(alpha)) * mag;
        if (beta != 0.0f) {
          const double c = static_cast<double>(C0[idx(i, ldc, j)]) * static_cast<double>(beta);
          value += c;
          scale += std::abs(c);
        }
        exact[static_cast<std::size_t>(i) * N + j] = value;
        bound[static_cast<std::size_t>(i) * N + j] = g * scale;
      }
  }

  static std::size_t idx(int row, int ld, int col) {
    return static_cast<std::size_t>(row) * static_cast<std::size_t>(ld) + static_cast<std::size_t>(col);
  }
  float a(int i, int k) const { return ta == Trans::No ? A[idx(i, lda, k)] : A[idx(k, lda, i)]; }
  float b(int k, int j) const { return tb == Trans::No ? B[idx(k, ldb, j)] : B[idx(j, ldb, k)]; }

  std::string describe() const {
    std::ostringstream s;
    s << (ta == Trans::No ? 'N' : 'T') << (tb == Trans::No ? 'N' : 'T') << " M=" << M << " N=" << N << " K=" << K
      << " alpha=" << alpha << " beta=" << beta;
    return s.str();
  }

  // Empty when C (after the call) is within the bound everywhere and the
  // padding is untouched; otherwise the first few differences and the max.
  std::string check(const std::vector<float>& C) const {
    std::ostringstream err;
    int shown = 0;
    double max_diff = 0.0;
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        const double got = C[idx(i, ldc, j)];
        const double want = exact[static_cast<std::size_t>(i) * N + j];
        const double diff = std::abs(got - want);
        const bool bad = !(diff <= bound[static_cast<std::size_t>(i) * N + j]);  // NaN is bad
        if (!(diff <= max_diff)) max_diff = diff;
        if (bad && shown++ < 4)
          err << "  C(" << i << "," << j << ") = " << got << ", exact " << want << ", |diff| " << diff << " > bound "
              << bound[static_cast<std::size_t>(i) * N + j] << "\n";
      }
    for (int i = 0; i < M; ++i)
      for (int j = N; j < ldc; ++j)
        if (C[idx(i, ldc, j)] != kGuard && shown++ < 8) err << "  padding C(" << i << "," << j << ") was written\n";
    if (C.back() != kGuard) err << "  the element after C was written\n";
    if (err.str().empty()) return {};
    return describe() + ": max |diff| " + std::to_string(max_diff) + "\n" + err.str();
  }
};

}  // namespace nn::test
