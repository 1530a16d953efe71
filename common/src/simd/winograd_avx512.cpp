// winograd_avx512.cpp — the tile transform of the Winograd convolution
// (nn/winograd.hpp) on 16-lane vectors: out = L · in · Lᵀ, sixteen channels
// at once. One instantiation per shape the convolutions use, so the loops
// unroll and the tile stays in registers; zero coefficients (a third of
// Bᵀ's) are skipped.
#include <immintrin.h>

#include "nn/winograd.hpp"

namespace nn::kernels {

namespace {

template <int P, int Q>
void transform(const float* L, const float* in, std::int64_t in_row, std::int64_t in_col, float* out,
               std::int64_t out_row, std::int64_t out_col) {
  __m512 t[P][Q];  // L · in
  for (int j = 0; j < Q; ++j) {
    __m512 column[Q];
    for (int a = 0; a < Q; ++a) column[a] = _mm512_loadu_ps(in + a * in_row + j * in_col);
    for (int i = 0; i < P; ++i) {
      __m512 s = _mm512_setzero_ps();
      for (int a = 0; a < Q; ++a) {
        const float c = L[i * Q + a];
        if (c != 0.0f) s = _mm512_fmadd_ps(_mm512_set1_ps(c), column[a], s);
      }
      t[i][j] = s;
    }
  }
  for (int i = 0; i < P; ++i)
    for (int j = 0; j < P; ++j) {
      __m512 s = _mm512_setzero_ps();
      for (int b = 0; b < Q; ++b) {
        const float c = L[j * Q + b];
        if (c != 0.0f) s = _mm512_fmadd_ps(t[i][b], _mm512_set1_ps(c), s);
      }
      _mm512_storeu_ps(out + i * out_row + j * out_col, s);
    }
}

}  // namespace

void winograd_transform_avx512(const float* L, int p, int q, const float* in, std::int64_t in_row,
                               std::int64_t in_col, float* out, std::int64_t out_row, std::int64_t out_col) {
  const int shape = p * 10 + q;
  switch (shape) {
    case 66: return transform<6, 6>(L, in, in_row, in_col, out, out_row, out_col);  // Bᵀ d B
    case 63: return transform<6, 3>(L, in, in_row, in_col, out, out_row, out_col);  // G g Gᵀ, 3×3
    case 65: return transform<6, 5>(L, in, in_row, in_col, out, out_row, out_col);  // G g Gᵀ, 5×5
    case 46: return transform<4, 6>(L, in, in_row, in_col, out, out_row, out_col);  // Aᵀ M A, F(4, 3)
    case 26: return transform<2, 6>(L, in, in_row, in_col, out, out_row, out_col);  // Aᵀ M A, F(2, 5)
    case 64: return transform<6, 4>(L, in, in_row, in_col, out, out_row, out_col);  // G' δ G'ᵀ, 3×3 layers
    case 62: return transform<6, 2>(L, in, in_row, in_col, out, out_row, out_col);  // G' δ G'ᵀ, 5×5 layers
    case 36: return transform<3, 6>(L, in, in_row, in_col, out, out_row, out_col);  // A'ᵀ W A', 3×3
    case 56: return transform<5, 6>(L, in, in_row, in_col, out, out_row, out_col);  // A'ᵀ W A', 5×5
    default: break;
  }
  winograd_transform_scalar(L, p, q, in, in_row, in_col, out, out_row, out_col);
}

}  // namespace nn::kernels
