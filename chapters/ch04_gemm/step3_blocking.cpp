// Step 3 — cache blocking. Step 2 streams all of B (K×N) once per row of A.
// Tile the loops so a block of B stays in cache while many rows use it:
//
//   for jc in N step NC:           a column strip of B and C
//     for pc in K step KC:         a KC×NC block of B, (KC·NC·4 bytes ≈ L2)
//       for i in M:                each row of A reuses the whole block
//         for k in pc..pc+KC:  C(i, jc:jc+NC) += A(i, k) · B(k, jc:jc+NC)
//
// The block of B (here 256 × 512 floats = 512 KiB) is read from memory once
// per strip instead of once per row; the inner loop is still step 2's axpy,
// so its speed is limited by loading and storing C for every FMA.
#include <algorithm>

#include "ladder.hpp"

namespace nn::ch04 {

namespace {
constexpr int KC = 256, NC = 512;
}

void step3_blocking(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  for (int i = 0; i < M; ++i) std::fill(C + static_cast<long>(i) * ldc, C + static_cast<long>(i) * ldc + N, 0.0f);
  for (int jc = 0; jc < N; jc += NC) {
    const int nc = std::min(NC, N - jc);
    for (int pc = 0; pc < K; pc += KC) {
      const int kc = std::min(KC, K - pc);
      for (int i = 0; i < M; ++i) {
        float* c = C + static_cast<long>(i) * ldc + jc;
        for (int k = pc; k < pc + kc; ++k) {
          const float a = A[static_cast<long>(i) * lda + k];
          const float* b = B + static_cast<long>(k) * ldb + jc;
          for (int j = 0; j < nc; ++j) c[j] += a * b[j];
        }
      }
    }
  }
}

}  // namespace nn::ch04
