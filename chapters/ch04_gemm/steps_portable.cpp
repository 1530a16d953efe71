// Non-x86 builds: steps 5 and 6 need x86 vector instructions. The ladder
// marks them as needing AVX2 / AVX-512, so they are never called; these
// definitions only let the program link (they fall back to step 4).
#include "ladder.hpp"

namespace nn::ch04 {

void step5_avx2(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  step4_packing(M, N, K, A, lda, B, ldb, C, ldc);
}
void step6_avx512(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  step4_packing(M, N, K, A, lda, B, ldb, C, ldc);
}

}  // namespace nn::ch04
