// Step 1 — the naive triple loop, the definition of the product:
//   C(i, j) = Σ_k A(i, k) · B(k, j)
// The inner loop walks down a column of B: stride ldb floats, a new cache
// line (and for large N a new page) every step. Two loads per FMA-pair and
// one of them a cache miss: well under 1 GFLOP/s for large sizes.
#include "ladder.hpp"

namespace nn::ch04 {

void step1_naive(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      float sum = 0.0f;
      for (int k = 0; k < K; ++k) sum += A[static_cast<long>(i) * lda + k] * B[static_cast<long>(k) * ldb + j];
      C[static_cast<long>(i) * ldc + j] = sum;
    }
}

}  // namespace nn::ch04
