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
// The float version is the fast one (dispatched at run time, threaded); the
// double version is a plain reference used by gradient checks.
#pragma once

namespace nn {

enum class Trans { No, Yes };

void gemm(Trans trans_a, Trans trans_b, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
          int ldb, float beta, float* C, int ldc);
void gemm(Trans trans_a, Trans trans_b, int M, int N, int K, double alpha, const double* A, int lda,
          const double* B, int ldb, double beta, double* C, int ldc);

// The naive triple loop, the definition the fast one is tested against.
void gemm_reference(Trans trans_a, Trans trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                    const float* B, int ldb, float beta, float* C, int ldc);

}  // namespace nn
