// AVX-512 2×2 average pooling (nn/pool.hpp). Compiled with the AVX-512
// flags (this file only).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC bug 105593, as in exp_avx512.cpp
#endif
#include <immintrin.h>

#include "nn/pool.hpp"

namespace nn::kernels {

namespace {

// The masks for a run of `outputs` (1 … 16) pooled values at once: the
// outputs themselves, and the 2·outputs input columns as the first and the
// second vector of 16.
struct ColumnMasks {
  __mmask16 out, first, second;
};

inline ColumnMasks column_masks(int outputs) {
  const int cols = 2 * outputs;
  return {static_cast<__mmask16>(outputs >= 16 ? 0xFFFF : (1u << outputs) - 1u),
          static_cast<__mmask16>(cols >= 16 ? 0xFFFF : (1u << cols) - 1u),
          static_cast<__mmask16>(cols >= 32 ? 0xFFFF : cols <= 16 ? 0u : (1u << (cols - 16)) - 1u)};
}

}  // namespace

void avgpool2x2_avx512(const float* x, std::int64_t planes, int height, int width, float* y) {
  const int oh_count = height / 2, ow_count = width / 2;
  // Lane l of the even (odd) permute takes column 2l (2l + 1) of the 32
  // loaded: indices 0–15 pick from the first vector, 16–31 from the second.
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
  const __m512 quarter = _mm512_set1_ps(0.25f);
  for (std::int64_t q = 0; q < planes; ++q)
    for (int oh = 0; oh < oh_count; ++oh) {
      const float* r0 = x + (q * height + 2 * oh) * width;
      const float* r1 = r0 + width;
      float* out = y + (q * oh_count + oh) * ow_count;
      for (int ow = 0; ow < ow_count; ow += 16) {
        // 1 … 16 outputs from 2·outputs columns
        const auto [store, m0, m1] = column_masks(ow_count - ow < 16 ? ow_count - ow : 16);
        const float* a = r0 + 2 * ow;
        const float* b = r1 + 2 * ow;
        const __m512 a0 = _mm512_maskz_loadu_ps(m0, a), a1 = _mm512_maskz_loadu_ps(m1, a + 16);
        const __m512 b0 = _mm512_maskz_loadu_ps(m0, b), b1 = _mm512_maskz_loadu_ps(m1, b + 16);
        __m512 s = _mm512_add_ps(_mm512_permutex2var_ps(a0, even, a1), _mm512_permutex2var_ps(a0, odd, a1));
        s = _mm512_add_ps(s, _mm512_permutex2var_ps(b0, even, b1));
        s = _mm512_add_ps(s, _mm512_permutex2var_ps(b0, odd, b1));
        _mm512_mask_storeu_ps(out + ow, store, _mm512_mul_ps(s, quarter));
      }
    }
}

void avgpool2x2_backward_avx512(const float* d_y, std::int64_t planes, int height, int width, float* d_x) {
  const int oh_count = height / 2, ow_count = width / 2;
  // Lanes 2l and 2l + 1 of the spread take delta l of the 16 (low) or delta
  // 8 + l (high): the first 16 input columns and the next 16.
  const __m512i low = _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
  const __m512i high = _mm512_set_epi32(15, 15, 14, 14, 13, 13, 12, 12, 11, 11, 10, 10, 9, 9, 8, 8);
  const __m512 quarter = _mm512_set1_ps(0.25f);
  for (std::int64_t q = 0; q < planes; ++q)
    for (int oh = 0; oh < oh_count; ++oh) {
      float* r0 = d_x + (q * height + 2 * oh) * width;
      float* r1 = r0 + width;
      const float* src = d_y + (q * oh_count + oh) * ow_count;
      for (int ow = 0; ow < ow_count; ow += 16) {
        // 1 … 16 deltas onto 2·outputs columns
        const auto [in, m0, m1] = column_masks(ow_count - ow < 16 ? ow_count - ow : 16);
        const __m512 share = _mm512_mul_ps(_mm512_maskz_loadu_ps(in, src + ow), quarter);
        const __m512 s0 = _mm512_permutexvar_ps(low, share), s1 = _mm512_permutexvar_ps(high, share);
        float* a = r0 + 2 * ow;
        float* b = r1 + 2 * ow;
        _mm512_mask_storeu_ps(a, m0, _mm512_add_ps(_mm512_maskz_loadu_ps(m0, a), s0));
        _mm512_mask_storeu_ps(b, m0, _mm512_add_ps(_mm512_maskz_loadu_ps(m0, b), s0));
        if (m1) {
          _mm512_mask_storeu_ps(a + 16, m1, _mm512_add_ps(_mm512_maskz_loadu_ps(m1, a + 16), s1));
          _mm512_mask_storeu_ps(b + 16, m1, _mm512_add_ps(_mm512_maskz_loadu_ps(m1, b + 16), s1));
        }
      }
    }
}

void maxpool_stride2_avx512(const float* x, std::int64_t planes, int height, int width, int window_h, int window_w,
                            float* y, std::int32_t* argmax) {
  const int out_h = (height - window_h) / 2 + 1, out_w = (width - window_w) / 2 + 1;
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i lane_cols = _mm512_slli_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), 1);
  auto first = [](int count) {  // a mask of the first `count` lanes (count may be ≤ 0 or > 16)
    return count <= 0 ? static_cast<__mmask16>(0) : count >= 16 ? static_cast<__mmask16>(0xFFFF)
                                                                  : static_cast<__mmask16>((1u << count) - 1u);
  };
  for (std::int64_t q = 0; q < planes; ++q) {
    const float* in = x + q * height * width;
    float* out = y + q * out_h * out_w;
    std::int32_t* arg = argmax + q * out_h * out_w;
    for (int oh = 0; oh < out_h; ++oh)
      for (int ow = 0; ow < out_w; ow += 16) {
        const __mmask16 store = first(out_w - ow);
        __m512 best = _mm512_setzero_ps();
        __m512i where = _mm512_setzero_si512();
        for (int i = 0; i < window_h; ++i) {
          const int row = 2 * oh + i;
          for (int j = 0; j < window_w; ++j) {
            const int col = 2 * ow + j;  // lane l reads column col + 2l
            const float* p = in + row * width + col;
            const __m512 lo = _mm512_maskz_loadu_ps(first(width - col), p);
            const __m512 hi = _mm512_maskz_loadu_ps(first(width - col - 16), p + 16);
            const __m512 v = _mm512_permutex2var_ps(lo, even, hi);
            const __m512i at = _mm512_add_epi32(_mm512_set1_epi32(row * width + col), lane_cols);
            if (i == 0 && j == 0) {
              best = v;
              where = at;
            } else {
              const __mmask16 larger = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ);
              best = _mm512_mask_mov_ps(best, larger, v);
              where = _mm512_mask_mov_epi32(where, larger, at);
            }
          }
        }
        _mm512_mask_storeu_ps(out + oh * out_w + ow, store, best);
        _mm512_mask_storeu_epi32(arg + oh * out_w + ow, store, where);
      }
  }
}

}  // namespace nn::kernels
