// AVX2 im2col. Compiled with -mavx2 -mfma (this file only).
//
// The same plan as the AVX-512 version (see im2col_avx512.cpp) with 8 lanes:
// masked loads and stores for stride 1, two loads and a shuffle +
// cross-lane permute picking the even lanes for stride 2, a masked gather
// for larger strides. vmaskmovps never touches memory in masked lanes.
#include <immintrin.h>

#include "im2col_rows.hpp"
#include "nn/im2col.hpp"

namespace nn::kernels {

namespace {

inline __m256i first_lanes(int k) {  // lanes 0..k−1 enabled, 0 ≤ k ≤ 8
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

inline void zero(float* dst, int n) {
  const __m256 z = _mm256_setzero_ps();
  int o = 0;
  for (; o + 8 <= n; o += 8) _mm256_storeu_ps(dst + o, z);
  if (o < n) _mm256_maskstore_ps(dst + o, first_lanes(n - o), z);
}

inline void copy_strided(float* dst, const float* src, int n, int stride) {
  if (stride == 1) {
    int o = 0;
    for (; o + 8 <= n; o += 8) _mm256_storeu_ps(dst + o, _mm256_loadu_ps(src + o));
    if (o < n) {
      const __m256i m = first_lanes(n - o);
      _mm256_maskstore_ps(dst + o, m, _mm256_maskload_ps(src + o, m));
    }
  } else if (stride == 2) {
    for (int o = 0; o < n; o += 8) {
      const int m = n - o < 8 ? n - o : 8;
      const int needed = 2 * m - 1;  // src[2o .. 2(o + m − 1)]
      const __m256 a = _mm256_maskload_ps(src + 2 * o, first_lanes(needed < 8 ? needed : 8));
      const __m256 b = _mm256_maskload_ps(src + 2 * o + 8, first_lanes(needed > 8 ? needed - 8 : 0));
      // per 128-bit half: a0 a2 b0 b2 | a4 a6 b4 b6, then the 64-bit pairs reordered
      const __m256 t = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
      const __m256 v = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(t), _MM_SHUFFLE(3, 1, 2, 0)));
      if (m == 8)
        _mm256_storeu_ps(dst + o, v);
      else
        _mm256_maskstore_ps(dst + o, first_lanes(m), v);
    }
  } else {
    const __m256i offsets = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(stride));
    for (int o = 0; o < n; o += 8) {
      const __m256i m = first_lanes(n - o < 8 ? n - o : 8);
      const __m256 v = _mm256_mask_i32gather_ps(_mm256_setzero_ps(), src + o * stride, offsets,
                                                _mm256_castsi256_ps(m), 4);
      _mm256_maskstore_ps(dst + o, m, v);
    }
  }
}

}  // namespace

void im2col_avx2(const float* x, const Im2colShape& s, float* col, std::int64_t ld) {
  detail::im2col_rows(x, s, col, ld, zero, copy_strided);
}

// As col2im_avx512 with 8 lanes (vmaskmovps for the tail).
void col2im_avx2(const float* col, const Im2colShape& s, float* dx, std::int64_t ld) {
  detail::col2im_rows(col, s, dx, ld, [](float* d, const float* q, int n) {
    int o = 0;
    for (; o + 8 <= n; o += 8) _mm256_storeu_ps(d + o, _mm256_add_ps(_mm256_loadu_ps(d + o), _mm256_loadu_ps(q + o)));
    if (o < n) {
      const __m256i m = first_lanes(n - o);
      _mm256_maskstore_ps(d + o, m, _mm256_add_ps(_mm256_maskload_ps(d + o, m), _mm256_maskload_ps(q + o, m)));
    }
  });
}

}  // namespace nn::kernels
