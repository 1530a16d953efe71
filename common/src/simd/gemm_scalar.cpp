// The portable GEMM micro-kernel: a 4 × 16 tile of C in a local array, plain
// C++ (no intrinsics, no FMA contraction: -ffp-contract=off), the same
// blocked algorithm as the SIMD variants around it. It is what a non-x86
// build runs and what NN_SIMD=scalar selects.
#include <algorithm>

#include "gemm_blocked.hpp"

namespace nn::gemm_detail {
namespace {

struct ScalarKernel {
  static constexpr int MR = kTileScalar.mr, NR = kTileScalar.nr, NV = NR;
  static constexpr int KC = 256, MC = 128, NC = 2048;
  static void micro(int rows, int cols, int kc, const float* a, const float* b, long b_stride, bool /*packed*/,
                    float* c, long ldc, float alpha, float beta) {
    float acc[MR][NR] = {};
    // b is always NR floats wide here (NV == NR: a ragged column block is
    // packed into a zero-padded panel), and rows past `rows` are zero in a.
    for (int k = 0; k < kc; ++k) {
      for (int r = 0; r < MR; ++r)
        for (int j = 0; j < NR; ++j) acc[r][j] += a[r] * b[j];
      a += MR;
      b += b_stride;
    }
    for (int r = 0; r < rows; ++r) {
      float* cr = c + r * ldc;
      if (beta == 0.0f)
        for (int j = 0; j < cols; ++j) cr[j] = alpha * acc[r][j];
      else
        for (int j = 0; j < cols; ++j) cr[j] = alpha * acc[r][j] + beta * cr[j];
    }
  }
};

}  // namespace

void slice_scalar(const Problem& p, int m0, int m1, int n0, int n1) {
  blocked_slice<ScalarKernel>(p, m0, m1, n0, n1);
}

}  // namespace nn::gemm_detail
