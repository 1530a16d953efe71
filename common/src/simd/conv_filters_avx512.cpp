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
#include <cstdint>
#include <utility>
#include <vector>

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

// The backward pass for filters k0 … k0 + 15 and input channel c: F·F
// accumulators (one per tap (i, j), 16 filters each), over every image and
// output pixel: acc[i][j] += dy[·, oh, ow] · x[c, oh + i, ow + j]. dyt holds
// dy with the filters side by side: dyt[(image·P + p)·K + k].
// GCC's predictive commoning (-O3) would carry input values from one output
// pixel to the next (x[oh + i, ow + j + 1] is the next pixel's x[.., j]) at
// the price of spilling the row pointers: off for this function.
#pragma GCC push_options
#pragma GCC optimize("no-predictive-commoning")
template <int F>
void backward_channel(const float* x, const float* dyt, std::int64_t n, const FilterLanesConv& s, int k0, int c,
                      float* d_w) {
  const int oh_count = s.out_h(), ow_count = s.out_w(), k_count = s.filters;
  const std::int64_t plane = std::int64_t{s.height} * s.width, in_image = s.channels * plane;
  __m512 acc[F * F];
#pragma GCC unroll 32
  for (int t = 0; t < F * F; ++t) acc[t] = _mm512_setzero_ps();
  const float* d = dyt + k0;
  for (std::int64_t img = 0; img < n; ++img) {
    const float* in = x + img * in_image + c * plane;
    for (int oh = 0; oh < oh_count; ++oh)
      for (int ow = 0; ow < ow_count; ++ow, d += k_count) {
        const __m512 dv = _mm512_loadu_ps(d);
        const float* row = in + oh * s.width + ow;
#pragma GCC unroll 8
        for (int i = 0; i < F; ++i, row += s.width)
#pragma GCC unroll 8
          for (int j = 0; j < F; ++j) acc[i * F + j] = _mm512_fmadd_ps(dv, _mm512_set1_ps(row[j]), acc[i * F + j]);
      }
  }
  // Lane l of acc[t] is filter k0 + l's tap t of channel c.
  alignas(64) float lanes[16];
  const std::int64_t taps = s.taps();
#pragma GCC unroll 32
  for (int t = 0; t < F * F; ++t) {
    _mm512_store_ps(lanes, acc[t]);
    for (int l = 0; l < 16; ++l) d_w[(k0 + l) * taps + c * F * F + t] += lanes[l];
  }
}
#pragma GCC pop_options

// The input's delta, one image and one input channel c: H rows of the
// input plane in H registers (W ≤ 16 lanes used). For each filter k and
// column offset j: the F weights w[k, c, i, j] broadcast, then every row r
// of dy[k], loaded once with its values moved j lanes right (a masked load
// from j floats before the row: lane x gets dy[k, r, x − j], and +0 where
// x − j is outside the row; masked-out lanes are never read), added into
// input rows r + i, i = 0 … F − 1.
using InputFn = void (*)(const float* dy, const FilterLanesConv& s, const float* w, int c, float* dx);

template <int H, int F>
void input_channel(const float* dy, const FilterLanesConv& s, const float* w, int c, float* dx) {
  constexpr int OH = H - F + 1;
  const int ow_count = s.out_w(), width = s.width;
  __mmask16 shifted[F];
#pragma GCC unroll 8
  for (int j = 0; j < F; ++j) shifted[j] = static_cast<__mmask16>(((1u << ow_count) - 1u) << j);
  __m512 acc[H];
#pragma GCC unroll 16
  for (int y = 0; y < H; ++y) acc[y] = _mm512_setzero_ps();
  const std::int64_t out_plane = std::int64_t{OH} * ow_count;
  for (int k = 0; k < s.filters; ++k) {
    const float* delta = dy + k * out_plane;
    const float* wk = w + (std::int64_t{k} * s.channels + c) * F * F;
#pragma GCC unroll 1
    for (int j = 0; j < F; ++j) {
      __m512 wi[F];
#pragma GCC unroll 8
      for (int i = 0; i < F; ++i) wi[i] = _mm512_set1_ps(wk[i * F + j]);
      // The address j floats before the row, computed as an integer: only
      // the lanes the mask keeps (inside the row) are read.
      const auto base = reinterpret_cast<std::uintptr_t>(delta) - sizeof(float) * static_cast<unsigned>(j);
#pragma GCC unroll 16
      for (int r = 0; r < OH; ++r) {
        const __m512 v = _mm512_maskz_loadu_ps(
            shifted[j], reinterpret_cast<const float*>(base + sizeof(float) * static_cast<std::size_t>(r * ow_count)));
        // Input row y = r + i takes the term of i; for a fixed y the terms
        // come in r from low to high, i from high to low (the scalar order).
#pragma GCC unroll 8
        for (int i = 0; i < F; ++i) acc[r + i] = _mm512_fmadd_ps(wi[i], v, acc[r + i]);
      }
    }
  }
  const __mmask16 row_mask = static_cast<__mmask16>((1u << width) - 1u);
#pragma GCC unroll 16
  for (int y = 0; y < H; ++y) {
    float* out = dx + y * width;
    _mm512_mask_storeu_ps(out, row_mask, _mm512_add_ps(_mm512_maskz_loadu_ps(row_mask, out), acc[y]));
  }
}

template <int F, std::size_t... I>
constexpr std::array<InputFn, sizeof...(I)> input_kernels(std::index_sequence<I...>) {
  // Heights F … 16 (at least one output row); the entries below F are unused.
  return {(static_cast<int>(I) + 1 >= F ? input_channel<(static_cast<int>(I) + 1 >= F ? static_cast<int>(I) + 1 : F), F>
                                        : nullptr)...};
}

// kInputF[H − 1]: the kernel for input planes of H rows and F × F filters.
constexpr auto kInput3 = input_kernels<3>(std::make_index_sequence<16>{});
constexpr auto kInput5 = input_kernels<5>(std::make_index_sequence<16>{});

}  // namespace

void conv_filters_backward_input_avx512(const float* dy, std::int64_t n, const FilterLanesConv& s, const float* w,
                                        float* d_x) {
  if (!s.fits_input_delta_kernel() || s.out_h() < 1 || s.out_w() < 1)
    return conv_filters_backward_input_scalar(dy, n, s, w, d_x);
  const InputFn kernel = (s.kernel == 5 ? kInput5 : kInput3)[static_cast<std::size_t>(s.height - 1)];
  const std::int64_t plane = std::int64_t{s.height} * s.width;
  const std::int64_t out_image = std::int64_t{s.filters} * s.out_h() * s.out_w();
  for (std::int64_t img = 0; img < n; ++img)
    for (int c = 0; c < s.channels; ++c)
      kernel(dy + img * out_image, s, w, c, d_x + (img * s.channels + c) * plane);
}

void conv_filters_backward_avx512(const float* x, const float* dy, std::int64_t n, const FilterLanesConv& s,
                                  float* d_w, float* d_b) {
  if (!s.fits_vector_kernel())
    return conv_filters_backward_scalar(x, dy, n, s, d_w, d_b);
  // dy with the filters side by side, in a buffer that only grows.
  const std::int64_t positions = std::int64_t{s.out_h()} * s.out_w();
  thread_local std::vector<float> dyt;
  if (dyt.size() < static_cast<std::size_t>(n * positions * s.filters))
    dyt.resize(static_cast<std::size_t>(n * positions * s.filters));
  for (std::int64_t img = 0; img < n; ++img)
    for (int k = 0; k < s.filters; ++k) {
      const float* src = dy + (img * s.filters + k) * positions;
      float* dst = dyt.data() + img * positions * s.filters + k;
      for (std::int64_t p = 0; p < positions; ++p) dst[p * s.filters] = src[p];
    }
  // The bias sums: one vector a position, 16 filters' running sums side by
  // side (one addition at a time per filter, as in the scalar loop).
  if (d_b)
    for (int k0 = 0; k0 < s.filters; k0 += 16) {
      __m512 sum = _mm512_setzero_ps();
      for (std::int64_t q = 0; q < n * positions; ++q) sum = _mm512_add_ps(sum, _mm512_loadu_ps(dyt.data() + q * s.filters + k0));
      _mm512_storeu_ps(d_b + k0, _mm512_add_ps(_mm512_loadu_ps(d_b + k0), sum));
    }
  for (int k0 = 0; k0 < s.filters; k0 += 16)
    for (int c = 0; c < s.channels; ++c) {
      if (s.kernel == 5)
        backward_channel<5>(x, dyt.data(), n, s, k0, c, d_w);
      else
        backward_channel<3>(x, dyt.data(), n, s, k0, c, d_w);
    }
}

void conv_filters_forward_avx512(const float* x, std::int64_t n, const FilterLanesConv& s, const float* wt,
                                 const float* b, float* y) {
  if (!s.fits_vector_kernel())
    return conv_filters_forward_scalar(x, n, s, wt, b, y);
  const RowFn kernel = (s.kernel == 5 ? kRow5 : kRow3)[static_cast<std::size_t>(s.out_w() - 1)];
  const std::int64_t in_image = s.channels * std::int64_t{s.height} * s.width;
  const std::int64_t out_image = std::int64_t{s.filters} * s.out_h() * s.out_w();
  for (std::int64_t img = 0; img < n; ++img)
    for (int k0 = 0; k0 < s.filters; k0 += 16)
      for (int oh = 0; oh < s.out_h(); ++oh) kernel(x + img * in_image, s, wt, b, oh, k0, y + img * out_image);
}

}  // namespace nn::kernels
