// AVX-512 im2col. Compiled with -mavx512f (and friends) in this file only.
//
// Per X_col row (c, i, j) the run of output columns that read inside the
// image is computed once (inside_columns); per output row the padding is
// written as zeros and the inside copied 16 columns at a time:
//   stride 1  a masked load and store (masked lanes never touch memory, so
//             the tail needs no scalar loop and nothing past the row is read)
//   stride 2  two masked loads of 16 neighbours, the even lanes picked by
//             one vpermt2ps
//   stride S  a masked gather at offsets 0, S, 2S, ...
#include <immintrin.h>

#include "im2col_rows.hpp"
#include "nn/im2col.hpp"

namespace nn::kernels {

namespace {

inline __mmask16 first_lanes(int k) {  // lanes 0..k−1 enabled, 0 ≤ k ≤ 16
  return static_cast<__mmask16>((1u << k) - 1u);
}

inline void zero(float* dst, int n) {
  const __m512 z = _mm512_setzero_ps();
  int o = 0;
  for (; o + 16 <= n; o += 16) _mm512_storeu_ps(dst + o, z);
  if (o < n) _mm512_mask_storeu_ps(dst + o, first_lanes(n - o), z);
}

// dst[o] = src[o·stride] for o < n.
inline void copy_strided(float* dst, const float* src, int n, int stride) {
  if (stride == 1) {
    for (int o = 0; o < n; o += 16) {
      const __mmask16 m = first_lanes(n - o < 16 ? n - o : 16);
      _mm512_mask_storeu_ps(dst + o, m, _mm512_maskz_loadu_ps(m, src + o));
    }
  } else if (stride == 2) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    for (int o = 0; o < n; o += 16) {
      const int m = n - o < 16 ? n - o : 16;
      const int needed = 2 * m - 1;  // src[2o .. 2(o + m − 1)]
      const __m512 a = _mm512_maskz_loadu_ps(first_lanes(needed < 16 ? needed : 16), src + 2 * o);
      const __m512 b = _mm512_maskz_loadu_ps(first_lanes(needed > 16 ? needed - 16 : 0), src + 2 * o + 16);
      _mm512_mask_storeu_ps(dst + o, first_lanes(m), _mm512_permutex2var_ps(a, even, b));
    }
  } else {
    const __m512i offsets =
        _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                           _mm512_set1_epi32(stride));
    for (int o = 0; o < n; o += 16) {
      const __mmask16 m = first_lanes(n - o < 16 ? n - o : 16);
      const __m512 v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, offsets, src + o * stride, 4);
      _mm512_mask_storeu_ps(dst + o, m, v);
    }
  }
}

}  // namespace

void im2col_avx512(const float* x, const Im2colShape& s, float* col, std::int64_t ld) {
  const std::int64_t plane = std::int64_t{s.height} * s.width;
  for (int c = 0; c < s.channels; ++c)
    for (int i = 0; i < s.kernel_h; ++i)
      for (int j = 0; j < s.kernel_w; ++j) {
        float* row = col + ((std::int64_t{c} * s.kernel_h + i) * s.kernel_w + j) * ld;
        const int offset = j * s.dilation - s.pad;  // iw = ow·S + offset
        const detail::ColumnRange r = detail::inside_columns(offset, s.stride, s.width, s.out_w);
        for (int oh = 0; oh < s.out_h; ++oh) {
          float* out = row + std::int64_t{oh} * s.out_w;
          const int ih = oh * s.stride - s.pad + i * s.dilation;
          if (ih < 0 || ih >= s.height || r.lo == r.hi) {
            zero(out, s.out_w);
            continue;
          }
          const float* first = x + c * plane + std::int64_t{ih} * s.width + (r.lo * s.stride + offset);
          zero(out, r.lo);
          copy_strided(out + r.lo, first, r.hi - r.lo, s.stride);
          zero(out + r.hi, s.out_w - r.hi);
        }
      }
}

}  // namespace nn::kernels
