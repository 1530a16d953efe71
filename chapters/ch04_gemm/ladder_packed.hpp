// ladder_packed.hpp — the loops around the micro-kernel, shared by steps 4,
// 5 and 6 (each file plugs in its own kernel; everything here has internal
// linkage, so copies built with different -m flags never mix).
//
//   loop 5  for jc in N step NC              a KC×NC block of B lives in L3
//   loop 4    for pc in K step KC              pack B[pc:+KC, jc:+NC] → B̃
//   loop 3      for ic in M step MC            pack A[ic:+MC, pc:+KC] → Ã (L2)
//   loop 2        for jr in NC step NR           one KC×NR micro-panel of B̃ (L1)
//   loop 1          for ir in MC step MR           micro-kernel on an MR×NR tile of C
//
// Packed layouts (k-major micro-panels, zero-padded at the edges):
//
//   Ã micro-panel: MR rows of A, k by k       B̃ micro-panel: NR columns of B, k by k
//     [a(0,0) a(1,0) .. a(MR-1,0)]              [b(0,0) b(0,1) .. b(0,NR-1)]
//     [a(0,1) a(1,1) .. a(MR-1,1)]   ...        [b(1,0) b(1,1) .. b(1,NR-1)]   ...
//
// The micro-kernel contract:
//   kernel(kc, a, b, c, ldc, accumulate)
//     C[0:MR, 0:NR] (+)= Ã(MR×kc) · B̃(kc×NR);  a and b advance MR and NR floats per k.
//     accumulate == false: C is overwritten, never read.
// An edge tile (fewer than MR rows or NR columns left in C) is computed into a
// local MR×NR buffer and only its valid part copied out.
#pragma once

#include <algorithm>
#include <cstddef>
#include <new>
#include <vector>

namespace nn::ch04 {
namespace {

template <int MR, int NR, int KC, int MC, int NC, class Kernel>
void packed_gemm(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                 Kernel kernel) {
  // 64-byte aligned buffers, one per thread, kept between calls.
  struct Aligned {
    float* p = nullptr;
    explicit Aligned(std::size_t n) : p(static_cast<float*>(::operator new(n * sizeof(float), std::align_val_t{64}))) {}
    ~Aligned() { ::operator delete(p, std::align_val_t{64}); }
    Aligned(const Aligned&) = delete;
    Aligned& operator=(const Aligned&) = delete;
  };
  thread_local Aligned a_pack(static_cast<std::size_t>(MC) * KC), b_pack(static_cast<std::size_t>(KC) * NC);
  alignas(64) float tile[MR * NR];
  if (K == 0) {
    for (int i = 0; i < M; ++i) std::fill(C + static_cast<long>(i) * ldc, C + static_cast<long>(i) * ldc + N, 0.0f);
    return;
  }

  for (int jc = 0; jc < N; jc += NC) {                                 // loop 5
    const int nc = std::min(NC, N - jc);
    for (int pc = 0; pc < K; pc += KC) {                               // loop 4
      const int kc = std::min(KC, K - pc);
      // Pack B[pc:pc+kc, jc:jc+nc] into NR-column micro-panels.
      for (int jr = 0; jr < nc; jr += NR) {
        const int cols = std::min(NR, nc - jr);
        float* dst = b_pack.p + static_cast<long>(jr) * kc;
        for (int k = 0; k < kc; ++k) {
          const float* src = B + static_cast<long>(pc + k) * ldb + jc + jr;
          for (int j = 0; j < NR; ++j) dst[k * NR + j] = j < cols ? src[j] : 0.0f;
        }
      }
      for (int ic = 0; ic < M; ic += MC) {                             // loop 3
        const int mc = std::min(MC, M - ic);
        // Pack A[ic:ic+mc, pc:pc+kc] into MR-row micro-panels.
        for (int ir = 0; ir < mc; ir += MR) {
          const int rows = std::min(MR, mc - ir);
          float* dst = a_pack.p + static_cast<long>(ir) * kc;
          for (int r = 0; r < MR; ++r) {
            const float* src = A + static_cast<long>(ic + ir + r) * lda + pc;
            for (int k = 0; k < kc; ++k) dst[k * MR + r] = r < rows ? src[k] : 0.0f;
          }
        }
        const bool accumulate = pc > 0;
        for (int jr = 0; jr < nc; jr += NR) {                          // loop 2
          const int cols = std::min(NR, nc - jr);
          for (int ir = 0; ir < mc; ir += MR) {                        // loop 1
            const int rows = std::min(MR, mc - ir);
            const float* a = a_pack.p + static_cast<long>(ir) * kc;
            const float* b = b_pack.p + static_cast<long>(jr) * kc;
            float* c = C + static_cast<long>(ic + ir) * ldc + jc + jr;
            if (rows == MR && cols == NR) {
              kernel(kc, a, b, c, static_cast<long>(ldc), accumulate);
            } else {  // edge tile: through the local buffer
              kernel(kc, a, b, tile, static_cast<long>(NR), false);
              for (int r = 0; r < rows; ++r)
                for (int j = 0; j < cols; ++j) {
                  float& out = c[static_cast<long>(r) * ldc + j];
                  out = accumulate ? out + tile[r * NR + j] : tile[r * NR + j];
                }
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace nn::ch04
