// Step 2 — the same sums with the loops reordered i-k-j:
//   for i: C(i, :) = 0;  for k: C(i, :) += A(i, k) · B(k, :)
// Now the inner loop reads a row of B and updates a row of C, both with unit
// stride: every byte of each cache line fetched is used, and the compiler can
// vectorise the inner loop (an axpy). Nothing else changed — yet for large
// sizes each row of C is re-read K times and B is streamed M times from
// wherever it fits; step 3 fixes that.
#include <algorithm>

#include "ladder.hpp"

namespace nn::ch04 {

void step2_reorder(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  for (int i = 0; i < M; ++i) {
    float* c = C + static_cast<long>(i) * ldc;
    std::fill(c, c + N, 0.0f);
    for (int k = 0; k < K; ++k) {
      const float a = A[static_cast<long>(i) * lda + k];
      const float* b = B + static_cast<long>(k) * ldb;
      for (int j = 0; j < N; ++j) c[j] += a * b[j];
    }
  }
}

}  // namespace nn::ch04
