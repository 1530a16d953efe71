// A straightforward, correct GEMM: the i-k-j loop order (unit stride through
// B and C in the inner loop), no blocking. Chapter 4 replaces the float path
// with a packed, register-blocked, threaded kernel behind the same interface.
#include "nn/gemm.hpp"

#include <string>

#include "nn/error.hpp"

namespace nn {

namespace {

void check_args(Trans ta, Trans tb, int M, int N, int K, int lda, int ldb, int ldc) {
  if (M < 0 || N < 0 || K < 0)
    throw Error("gemm: negative size M=" + std::to_string(M) + " N=" + std::to_string(N) + " K=" + std::to_string(K));
  const int a_cols = ta == Trans::No ? K : M;
  const int b_cols = tb == Trans::No ? N : K;
  if (lda < a_cols || ldb < b_cols || ldc < N)
    throw Error("gemm: leading dimension too small (lda=" + std::to_string(lda) + " needs " +
                std::to_string(a_cols) + ", ldb=" + std::to_string(ldb) + " needs " + std::to_string(b_cols) +
                ", ldc=" + std::to_string(ldc) + " needs " + std::to_string(N) + ")");
}

template <typename T>
void gemm_ikj(Trans ta, Trans tb, int M, int N, int K, T alpha, const T* A, int lda, const T* B, int ldb, T beta,
              T* C, int ldc) {
  check_args(ta, tb, M, N, K, lda, ldb, ldc);
  for (int i = 0; i < M; ++i) {
    T* c = C + static_cast<long>(i) * ldc;
    if (beta == T(0)) {
      for (int j = 0; j < N; ++j) c[j] = T(0);
    } else if (beta != T(1)) {
      for (int j = 0; j < N; ++j) c[j] *= beta;
    }
    for (int k = 0; k < K; ++k) {
      const T a = alpha * (ta == Trans::No ? A[static_cast<long>(i) * lda + k] : A[static_cast<long>(k) * lda + i]);
      if (tb == Trans::No) {
        const T* b = B + static_cast<long>(k) * ldb;
        for (int j = 0; j < N; ++j) c[j] += a * b[j];
      } else {
        for (int j = 0; j < N; ++j) c[j] += a * B[static_cast<long>(j) * ldb + k];
      }
    }
  }
}

}  // namespace

void gemm(Trans ta, Trans tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
          float beta, float* C, int ldc) {
  gemm_ikj(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void gemm(Trans ta, Trans tb, int M, int N, int K, double alpha, const double* A, int lda, const double* B, int ldb,
          double beta, double* C, int ldc) {
  gemm_ikj(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void gemm_reference(Trans ta, Trans tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                    int ldb, float beta, float* C, int ldc) {
  check_args(ta, tb, M, N, K, lda, ldb, ldc);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      float sum = 0.0f;
      for (int k = 0; k < K; ++k) {
        const float a = ta == Trans::No ? A[static_cast<long>(i) * lda + k] : A[static_cast<long>(k) * lda + i];
        const float b = tb == Trans::No ? B[static_cast<long>(k) * ldb + j] : B[static_cast<long>(j) * ldb + k];
        sum += a * b;
      }
      float& c = C[static_cast<long>(i) * ldc + j];
      c = beta == 0.0f ? alpha * sum : alpha * sum + beta * c;
    }
}

}  // namespace nn
