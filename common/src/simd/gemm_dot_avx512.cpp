// The AVX-512 GEMM path for a small C and a long K with both operands
// running along K (op(A) = A, op(B) = Bᵀ, at most kDotMaxRows rows of C):
// each element of C is a dot product of a row of A and a row of B, and the
// kernel computes them as such, reading A and B where they lie.
// Compiled with -mavx512f (and friends) in this file only.
//
// The shape it is for: LeNet conv1's weight gradient, ∂W = δ · colsᵀ, which
// is 6 × 25 with K = 50176 (64 images of 28 × 28 outputs). The blocked path
// (gemm_blocked.hpp) must transpose B into k-major panels before its
// micro-kernel can use it, a copy of the whole 25 × 50176 B for six uses
// of each element, and fills 6 of the tile's 8 rows and 25 of its 32 columns.
//
//   one step (16 values of k) for a group of R rows of A and J rows of B:
//
//     B row j0 .. j0+J−1:   [ 16 floats ] ...            J loads
//     A row i (R of them):  [ 16 floats ]  → FMA with each of the J B vectors
//     acc[i][j] (R·J ≤ 24 zmm registers) += A_i ⊙ B_j     R·J FMAs
//
// Each accumulator holds 16 partial sums of one element of C (lane l: the
// terms with k ≡ l mod 16); they are added up once, at the end.
//
// K is cut into chunks of kChunk values: the R rows of A for one chunk stay
// in L1 while every group of B rows goes past them, so A is read from memory
// once and B once. Between chunks the accumulators wait in a small buffer
// (16 floats for each element of C in a block of up to 256 columns).
//
// The sums depend on K alone (the chunks, the lanes), never on which columns
// of C a thread has: the bits of C do not depend on the thread count.
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

#include "gemm_blocked.hpp"  // Scratch

namespace nn::gemm_detail {
namespace {

// 1024 floats of each of up to 8 rows of A (32 KiB) fit in L1 beside the B
// rows streaming through.
constexpr int kChunk = 1024;
constexpr int kMaxAcc = 24;  // accumulators: 24 of the 32 zmm registers
// Columns of C a thread takes through all of K at a time: their lane sums
// (16 floats an element, at most 8 × 256 × 64 B = 128 KiB) stay in L2.
constexpr int kColumnBlock = 256;

// acc[r][j] (at `part`, 16 floats each, row-major R × J with row stride
// `part_ld` elements) += Σ over k in [k0, k1) of A_r[k] · B_j[k].
// `first`: the chunk is the first, so the accumulators start from zero.
template <int R, int J>
void chunk(const float* a, long lda, const float* b, long ldb, int k0, int k1, float* part, int part_ld, bool first) {
  __m512 acc[R][J];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int j = 0; j < J; ++j)
      acc[r][j] = first ? _mm512_setzero_ps() : _mm512_load_ps(part + (static_cast<long>(r) * part_ld + j) * 16);
  int k = k0;
  for (; k + 16 <= k1; k += 16) {
    __m512 bv[J];
#pragma GCC unroll 8
    for (int j = 0; j < J; ++j) bv[j] = _mm512_loadu_ps(b + j * ldb + k);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m512 av = _mm512_loadu_ps(a + r * lda + k);
#pragma GCC unroll 8
      for (int j = 0; j < J; ++j) acc[r][j] = _mm512_fmadd_ps(av, bv[j], acc[r][j]);
    }
  }
  if (k < k1) {  // the last 1..15 values of K: lanes past the end load zero
    const __mmask16 m = static_cast<__mmask16>((1u << (k1 - k)) - 1u);
    __m512 bv[J];
#pragma GCC unroll 8
    for (int j = 0; j < J; ++j) bv[j] = _mm512_maskz_loadu_ps(m, b + j * ldb + k);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m512 av = _mm512_maskz_loadu_ps(m, a + r * lda + k);
#pragma GCC unroll 8
      for (int j = 0; j < J; ++j) acc[r][j] = _mm512_fmadd_ps(av, bv[j], acc[r][j]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int j = 0; j < J; ++j) _mm512_store_ps(part + (static_cast<long>(r) * part_ld + j) * 16, acc[r][j]);
}

using ChunkFn = void (*)(const float*, long, const float*, long, int, int, float*, int, bool);

// The widest group of B rows that R rows of A leave accumulators for.
constexpr int group_width(int rows) { return std::min(8, kMaxAcc / rows); }

template <int R, std::size_t... J>
constexpr std::array<ChunkFn, 8> row_chunks(std::index_sequence<J...>) {
  // Groups narrower than group_width(R) occur (the last ones of a slice);
  // wider ones never, so their entries stay null.
  return {((static_cast<int>(J) + 1) * R <= kMaxAcc ? chunk<R, static_cast<int>(J) + 1> : nullptr)...};
}

template <std::size_t... R>
constexpr std::array<std::array<ChunkFn, 8>, kDotMaxRows> all_chunks(std::index_sequence<R...>) {
  return {row_chunks<static_cast<int>(R) + 1>(std::make_index_sequence<8>{})...};
}

// kChunks[rows - 1][group width - 1]
constexpr auto kChunks = all_chunks(std::make_index_sequence<kDotMaxRows>{});

// The 16 lanes added up in a fixed order (a tree of halves).
float lane_sum(const float* v) {
  const __m256 h = _mm256_add_ps(_mm256_load_ps(v), _mm256_load_ps(v + 8));
  const __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  const __m128 d = _mm_add_ps(q, _mm_movehl_ps(q, q));
  return _mm_cvtss_f32(_mm_add_ss(d, _mm_movehdup_ps(d)));
}

}  // namespace

void dot_slice_avx512(const Problem& p, int m0, int m1, int n0, int n1) {
  const int rows = m1 - m0;
  if (rows <= 0 || n1 <= n0) return;
  const int width = group_width(rows);
  // The lane sums, in a buffer each thread keeps (a steady state allocates nothing).
  thread_local Scratch part_scratch;
  float* part = part_scratch.get(static_cast<std::size_t>(rows) * kColumnBlock * 16);
  const float* a = p.A + static_cast<long>(m0) * p.lda;
  for (int nb = n0; nb < n1; nb += kColumnBlock) {
    const int cols = std::min(kColumnBlock, n1 - nb);
    // The columns in groups of nearly equal width (25 = 4+4+4+4+3+3+3, not
    // 6·4 + 1: a one-column group does R FMAs for R + 1 loads).
    const int groups = (cols + width - 1) / width;
    for (int k0 = 0; k0 < p.K; k0 += kChunk) {
      const int k1 = std::min(p.K, k0 + kChunk);
      for (int g = 0, j0 = 0; g < groups; ++g) {
        const int j1 = cols * (g + 1) / groups;  // widths differ by at most one, none above `width`
        kChunks[static_cast<std::size_t>(rows - 1)][static_cast<std::size_t>(j1 - j0 - 1)](
            a, p.lda, p.B + static_cast<long>(nb + j0) * p.ldb, p.ldb, k0, k1, part + static_cast<long>(j0) * 16,
            cols, k0 == 0);
        j0 = j1;
      }
    }
    for (int r = 0; r < rows; ++r) {
      float* c = p.C + static_cast<long>(m0 + r) * p.ldc + nb;
      for (int j = 0; j < cols; ++j) {
        const float s = lane_sum(part + (static_cast<long>(r) * cols + j) * 16);
        c[j] = p.beta == 0.0f ? p.alpha * s : p.alpha * s + p.beta * c[j];
      }
    }
  }
}

}  // namespace nn::gemm_detail
