// AVX-512 filters-across-lanes convolution (nn/conv_filters.hpp). Compiled
// with the AVX-512 flags (this file only).
//
// One output row of one image, 16 filters: OW accumulators (OW ≤ 16, a
// template argument so they stay in registers, as is the filter width F,
// 3 or 5, so that a filter row's taps unroll); each tap loads the 16
// filters' weights once and multiplies them by OW broadcast input values,
// x[c, oh + i, ow + j] for ow = 0 … OW − 1 (the broadcasts fold into the
// FMAs). The finished row is stored with one scatter per output pixel: lane
// k goes to filter k's plane.
#include <immintrin.h>

#include <array>
#include <cstddef>
#include <utility>

#include "nn/conv_filters.hpp"

namespace nn::kernels {

namespace {

using RowFn = void (*)(const float* in, const FilterLanesConv& s, const float* wt, const float* b, int oh, int k0,
                       float* out);

// Filters k0 … k0 + 15, output row oh of one image (in: its C planes, out:
// its first filter's plane).
template <int OW, int F>
void row(const float* in, const FilterLanesConv& s, const float* wt, const float* b, int oh, int k0, float* out) {
  constexpr int f = F;
  const int k_count = s.filters;
  const std::int64_t plane = std::int64_t{s.height} * s.width;
  __m512 acc[OW];
#pragma GCC unroll 16
  for (int ow = 0; ow < OW; ++ow) acc[ow] = _mm512_setzero_ps();
  const float* w = wt + k0;
  for (int c = 0; c < s.channels; ++c)
    for (int i = 0; i < f; ++i) {
      const float* x = in + c * plane + std::int64_t{oh + i} * s.width;
#pragma GCC unroll 8
      for (int j = 0; j < f; ++j, w += k_count) {
        const __m512 wv = _mm512_loadu_ps(w);
#pragma GCC unroll 16
        for (int ow = 0; ow < OW; ++ow) acc[ow] = _mm512_fmadd_ps(wv, _mm512_set1_ps(x[ow + j]), acc[ow]);
      }
    }
  const int out_plane = s.out_h() * OW;
  const __m512i lanes = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                           _mm512_set1_epi32(out_plane));
  const __m512 bias = b ? _mm512_loadu_ps(b + k0) : _mm512_setzero_ps();
  float* dst = out + std::int64_t{k0} * out_plane + oh * OW;
#pragma GCC unroll 16
  for (int ow = 0; ow < OW; ++ow) _mm512_i32scatter_ps(dst + ow, lanes, _mm512_add_ps(acc[ow], bias), 4);
}

template <int F, std::size_t... I>
constexpr std::array<RowFn, sizeof...(I)> row_kernels(std::index_sequence<I...>) {
  return {row<static_cast<int>(I) + 1, F>...};
}

// kRowF[OW − 1]: the kernel for output rows of OW pixels and F × F filters.
constexpr auto kRow3 = row_kernels<3>(std::make_index_sequence<16>{});
constexpr auto kRow5 = row_kernels<5>(std::make_index_sequence<16>{});

}  // namespace

void conv_filters_forward_avx512(const float* x, std::int64_t n, const FilterLanesConv& s, const float* wt,
                                 const float* b, float* y) {
  if (s.filters % 16 != 0 || s.out_w() > 16 || (s.kernel != 3 && s.kernel != 5))
    return conv_filters_forward_scalar(x, n, s, wt, b, y);
  const RowFn kernel = (s.kernel == 5 ? kRow5 : kRow3)[static_cast<std::size_t>(s.out_w() - 1)];
  const std::int64_t in_image = s.channels * std::int64_t{s.height} * s.width;
  const std::int64_t out_image = std::int64_t{s.filters} * s.out_h() * s.out_w();
  for (std::int64_t img = 0; img < n; ++img)
    for (int k0 = 0; k0 < s.filters; k0 += 16)
      for (int oh = 0; oh < s.out_h(); ++oh) kernel(x + img * in_image, s, wt, b, oh, k0, y + img * out_image);
}

}  // namespace nn::kernels
