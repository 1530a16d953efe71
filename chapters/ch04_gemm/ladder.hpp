// ladder.hpp — chapter 4's GEMM ladder: seven versions of the same product,
// each one step faster than the last, all with one signature:
//
//   C = A · B      A: M×K (row stride lda), B: K×N (ldb), C: M×N (ldc)
//
// row-major, no transposes, C overwritten (beta = 0: C is never read).
// Read them in order (how-to-optimize-gemm / BLISlab style):
//   step1_naive.cpp      the triple loop i-j-k: the definition
//   step2_reorder.cpp    i-k-j: the inner loop walks B and C with unit stride
//   step3_blocking.cpp   the loops tiled so the working set fits the caches
//   step4_packing.cpp    A and B copied into contiguous micro-panels, an
//                        MR×NR register tile (plain C++)
//   step5_avx2.cpp       the 6×16 tile held in AVX2 registers, FMA intrinsics
//   step6_avx512.cpp     an 8×48 tile in AVX-512 registers
//   step7_threads.cpp    step 6 on both cores, each thread its own columns
// The production nn::gemm (common/src/gemm.cpp) is step 7 grown up: all
// transposes, alpha/beta, run-time dispatch, edge tiles by masks.
#pragma once

#include <string>
#include <vector>

namespace nn::ch04 {

using GemmFn = void (*)(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc);

void step1_naive(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc);
void step2_reorder(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc);
void step3_blocking(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc);
void step4_packing(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc);
void step5_avx2(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc);
void step6_avx512(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc);
void step7_threads(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc);

// Step 7's thread count (default 2, the cores of the course machine).
void set_step7_threads(int n);

struct Step {
  std::string name;   // "1 naive"
  GemmFn fn;
  bool needs_avx2;    // runs only where the CPU has it
  bool needs_avx512;
};
// All seven, in order.
std::vector<Step> ladder();

}  // namespace nn::ch04
