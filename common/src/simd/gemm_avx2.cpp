// The AVX2/FMA GEMM micro-kernel: a 6 × 16 tile of C in 12 ymm registers.
// Compiled with -mavx2 -mfma in this file only.
//
//                       B̃ row k:  [ b0 (8 floats) | b1 (8) ]   2 loads
//   Ã column k:  a0  broadcast →  |  c00          |  c01   |
//                ..  (6 rows)     |  12 accumulators        |
//                a5               |  c50          |  c51   |
//
// 12 FMAs a step: with two FMA ports and a 4-5 cycle latency at least 8-10
// independent accumulators are needed, and 12 + 2 (B) + 1 (broadcast) of the
// 16 ymm registers is what fits. Edge tiles: fewer rows or one vector, and
// the last vector stored through _mm256_maskstore_ps.
#include <immintrin.h>

#include <array>

#include "gemm_blocked.hpp"
#include "gemm_transpose_x86.hpp"

namespace nn::gemm_detail {
namespace {

constexpr int kMR = kTileAvx2.mr, kNR = kTileAvx2.nr;

using MicroFn = void (*)(int kc, const float* a, const float* b, long b_stride, float* c, long ldc, int cols,
                         float alpha, float beta);

// The first n lanes set: loadu of 8 ints starting at kLaneMask + 8 - n.
alignas(64) constexpr int kLaneMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

template <int R, int V>
void micro_rv(int kc, const float* a, const float* b, long b_stride, float* c, long ldc, int cols, float alpha,
              float beta) {
  __m256 acc[R][V];
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) acc[r][v] = _mm256_setzero_ps();

  for (int k = 0; k < kc; ++k) {
    __m256 bv[V];
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) bv[v] = _mm256_loadu_ps(b + 8 * v);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m256 ar = _mm256_broadcast_ss(a + r);
#pragma GCC unroll 2
      for (int v = 0; v < V; ++v) acc[r][v] = _mm256_fmadd_ps(ar, bv[v], acc[r][v]);
    }
    a += kMR;
    b += b_stride;
  }

  const __m256 va = _mm256_set1_ps(alpha);
  const __m256 vb = _mm256_set1_ps(beta);
  const int last = cols - 8 * (V - 1);  // 1..8 lanes in the last vector
  const __m256i mask = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kLaneMask + 8 - last));
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
    float* cr = c + r * ldc;
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) {
      float* cv = cr + 8 * v;
      if (v < V - 1 || last == 8) {
        const __m256 out = beta == 0.0f ? _mm256_mul_ps(va, acc[r][v])
                                        : _mm256_fmadd_ps(va, acc[r][v], _mm256_mul_ps(vb, _mm256_loadu_ps(cv)));
        _mm256_storeu_ps(cv, out);
      } else {
        const __m256 out =
            beta == 0.0f ? _mm256_mul_ps(va, acc[r][v])
                         : _mm256_fmadd_ps(va, acc[r][v], _mm256_mul_ps(vb, _mm256_maskload_ps(cv, mask)));
        _mm256_maskstore_ps(cv, mask, out);
      }
    }
  }
}

template <int R>
constexpr std::array<MicroFn, 2> row_kernels() {
  return {micro_rv<R, 1>, micro_rv<R, 2>};
}

constexpr std::array<std::array<MicroFn, 2>, kMR> kMicro = {row_kernels<1>(), row_kernels<2>(), row_kernels<3>(),
                                                            row_kernels<4>(), row_kernels<5>(), row_kernels<6>()};

struct Avx2Kernel {
  static constexpr int MR = kMR, NR = kNR, NV = 8;
  static constexpr int KC = 256, MC = 144, NC = 3072;
  static void pack_t8(const float* src, long ld, int rows, int kc, float* dst, long dst_stride) {
    pack_t8_avx(src, ld, rows, kc, dst, dst_stride);
  }
  static void micro(int rows, int cols, int kc, const float* a, const float* b, long b_stride, bool /*packed*/,
                    float* c, long ldc, float alpha, float beta) {
    kMicro[static_cast<std::size_t>(rows - 1)][static_cast<std::size_t>((cols + 7) / 8 - 1)](
        kc, a, b, b_stride, c, ldc, cols, alpha, beta);
  }
};

}  // namespace

void slice_avx2(const Problem& p, int m0, int m1, int n0, int n1) { blocked_slice<Avx2Kernel>(p, m0, m1, n0, n1); }

// 12 independent FMA chains (16 ymm registers; two ports × 4-5 cycles
// latency need 8-10): `steps` × 12 FMAs × 8 lanes × 2 flops.
float fma_chains_avx2(long steps) {
  __m256 acc[12];
  const __m256 scale = _mm256_set1_ps(0.999999f), shift = _mm256_set1_ps(1e-6f);
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i));
  for (long s = 0; s < steps; ++s) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], scale, shift);
  }
  __m256 sum = acc[0];
  for (int i = 1; i < 12; ++i) sum = _mm256_add_ps(sum, acc[i]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, sum);
  float total = 0.0f;
  for (float l : lanes) total += l;
  return total;
}

}  // namespace nn::gemm_detail
