// winograd_avx512.cpp — the tile transform of the Winograd convolution
// (nn/winograd.hpp) on 16-lane vectors: out = L · in · Lᵀ, sixteen channels
// at once. One instantiation per shape the convolutions use, so the loops
// unroll and the tile stays in registers; zero coefficients (a third of
// Bᵀ's) are skipped. Also the 16×16 transposes that move image rows in and
// out of that layout.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC bug 105593, as in exp_avx512.cpp
#endif
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

// r[i] (row i, 16 columns) becomes column i: an in-register 16×16 transpose
// in three rounds — pairs of floats, pairs of doubles (4×4 blocks within each
// 128-bit quarter), then the quarters themselves.
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  __m512 u[16];  // u[4g + j], quarter k: rows 4g … 4g+3 of column 4k + j
  for (int g = 0; g < 16; g += 4) {
    const __m512d a = _mm512_castps_pd(t[g]), b = _mm512_castps_pd(t[g + 1]), c = _mm512_castps_pd(t[g + 2]),
                  d = _mm512_castps_pd(t[g + 3]);
    u[g] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    u[g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    u[g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    u[g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  for (int j = 0; j < 4; ++j) {
    const __m512 p0 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x44), p1 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xEE),
                 q0 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x44),
                 q1 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xEE);
    r[j] = _mm512_shuffle_f32x4(p0, q0, 0x88);
    r[4 + j] = _mm512_shuffle_f32x4(p0, q0, 0xDD);
    r[8 + j] = _mm512_shuffle_f32x4(p1, q1, 0x88);
    r[12 + j] = _mm512_shuffle_f32x4(p1, q1, 0xDD);
  }
}

__mmask16 first(int n) { return static_cast<__mmask16>(n >= 16 ? 0xFFFF : (1u << n) - 1u); }

}  // namespace

void winograd_interleave_avx512(const float* src, std::int64_t stride, int lanes, int count, float* dst) {
  for (int x0 = 0; x0 < count; x0 += 16) {
    const int n = count - x0 < 16 ? count - x0 : 16;
    const __mmask16 k = first(n);
    __m512 r[16];
    // Unrolled so that r[] stays in registers.
#pragma GCC unroll 16
    for (int l = 0; l < 16; ++l)
      r[l] = l < lanes ? _mm512_maskz_loadu_ps(k, src + l * stride + x0) : _mm512_setzero_ps();
    transpose16(r);
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j)
      if (j < n) _mm512_storeu_ps(dst + (x0 + j) * 16, r[j]);
  }
}

void winograd_deinterleave_avx512(const float* src, int count, int lanes, const float* bias, bool accumulate,
                                  float* dst, std::int64_t stride) {
  for (int x0 = 0; x0 < count; x0 += 16) {
    const int n = count - x0 < 16 ? count - x0 : 16;
    const __mmask16 k = first(n);
    __m512 r[16];
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j) r[j] = j < n ? _mm512_loadu_ps(src + (x0 + j) * 16) : _mm512_setzero_ps();
    transpose16(r);
#pragma GCC unroll 16
    for (int l = 0; l < 16; ++l) {
      if (l >= lanes) break;
      float* out = dst + l * stride + x0;
      __m512 v = bias ? _mm512_add_ps(r[l], _mm512_set1_ps(bias[l])) : r[l];
      if (accumulate) v = _mm512_add_ps(_mm512_maskz_loadu_ps(k, out), v);
      _mm512_mask_storeu_ps(out, k, v);
    }
  }
}

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
