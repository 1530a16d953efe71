// gemm.hpp — the one matrix multiply every dense and convolution layer uses.
//
//   C = alpha · op(A) · op(B) + beta · C          op(X) = X or Xᵀ
//
// Row-major throughout: element (i, j) of a matrix with leading dimension ld
// is at [i * ld + j]. Shapes after op(): op(A) is M×K, op(B) is K×N, C is M×N.
//   A is stored M×K (lda ≥ K) when trans_a == Trans::No, K×M (lda ≥ M) otherwise
//   B is stored K×N (ldb ≥ N) when trans_b == Trans::No, N×K (ldb ≥ K) otherwise
// beta == 0 never reads C (so C may hold NaN or garbage). K == 0 gives
// C = beta · C.
//
// The backward passes need all three forms:
//   forward   Z  = W · X        (NN)
//   dW       += δ · Xᵀ          (NT)
//   dX        = Wᵀ · δ          (TN)
//
// The float version is the fast one: packed, cache-blocked, a register-tiled
// micro-kernel chosen at run time for nn::simd_level() (AVX-512 8×48, AVX2
// 6×16, portable 4×16), threaded over nn::num_threads() threads (default 1,
// NN_THREADS or nn::set_num_threads to change it, see nn/threads.hpp). Its
// result does not depend on the thread count (bit-identical), only on the
// SIMD level. Packing buffers are kept per thread, so calls in a steady state
// allocate nothing. Chapter 4 (chapters/ch04_gemm) builds it step by step.
// The double version is a plain reference used by gradient checks.
#pragma once

#include "nn/cpu.hpp"

namespace nn {

enum class Trans { No, Yes };

void gemm(Trans trans_a, Trans trans_b, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
          int ldb, float beta, float* C, int ldc);
void gemm(Trans trans_a, Trans trans_b, int M, int N, int K, double alpha, const double* A, int lda,
          const double* B, int ldb, double beta, double* C, int ldc);

// The single-core fp32 FMA throughput of this machine at `level`, in
// GFLOP/s, measured by running independent chains of vector FMAs for about
// `seconds` (the best of a few tries). The ceiling a GEMM is judged against.
// Scalar: the AVX2 figure is not meaningful, so it returns 0.
double fma_peak_gflops(SimdLevel level, double seconds = 0.2);

// The naive triple loop, the definition the fast one is tested against.
void gemm_reference(Trans trans_a, Trans trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                    const float* B, int ldb, float beta, float* C, int ldc);

}  // namespace nn
