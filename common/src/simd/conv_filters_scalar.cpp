// The scalar definition of the filters-across-lanes convolution (the
// formula of nn/conv_filters.hpp, one output at a time, in the same order
// as the vector kernel: std::fma from zero over c, i, j, then + b), the
// weight packing, and the dispatcher.
#include <algorithm>
#include <cmath>
#include <string>

#include "nn/conv_filters.hpp"
#include "nn/error.hpp"

namespace nn {
namespace kernels {

void conv_filters_forward_scalar(const float* x, std::int64_t n, const FilterLanesConv& s, const float* wt,
                                 const float* b, float* y) {
  const int oh_count = s.out_h(), ow_count = s.out_w(), f = s.kernel, k_count = s.filters;
  const std::int64_t plane = std::int64_t{s.height} * s.width, out_plane = std::int64_t{oh_count} * ow_count;
  for (std::int64_t img = 0; img < n; ++img) {
    const float* in = x + img * s.channels * plane;
    for (int k = 0; k < k_count; ++k) {
      float* out = y + (img * k_count + k) * out_plane;
      for (int oh = 0; oh < oh_count; ++oh)
        for (int ow = 0; ow < ow_count; ++ow) {
          float sum = 0.0f;
          for (int c = 0; c < s.channels; ++c)
            for (int i = 0; i < f; ++i)
              for (int j = 0; j < f; ++j) {
                const std::int64_t tap = (std::int64_t{c} * f + i) * f + j;
                sum = std::fma(wt[tap * k_count + k], in[c * plane + (oh + i) * s.width + ow + j], sum);
              }
          out[oh * ow_count + ow] = b ? sum + b[k] : sum;
        }
    }
  }
}

void conv_filters_backward_scalar(const float* x, const float* dy, std::int64_t n, const FilterLanesConv& s,
                                  float* d_w, float* d_b) {
  const int oh_count = s.out_h(), ow_count = s.out_w(), f = s.kernel;
  const std::int64_t plane = std::int64_t{s.height} * s.width, out_plane = std::int64_t{oh_count} * ow_count;
  for (int k = 0; k < s.filters; ++k)
    for (int c = 0; c < s.channels; ++c)
      for (int i = 0; i < f; ++i)
        for (int j = 0; j < f; ++j) {
          float sum = 0.0f;
          for (std::int64_t img = 0; img < n; ++img) {
            const float* delta = dy + (img * s.filters + k) * out_plane;
            const float* in = x + (img * s.channels + c) * plane;
            for (int oh = 0; oh < oh_count; ++oh)
              for (int ow = 0; ow < ow_count; ++ow)
                sum = std::fma(delta[oh * ow_count + ow], in[(oh + i) * s.width + ow + j], sum);
          }
          d_w[((std::int64_t{k} * s.channels + c) * f + i) * f + j] += sum;
        }
  if (!d_b) return;
  for (int k = 0; k < s.filters; ++k) {
    float sum = 0.0f;
    for (std::int64_t img = 0; img < n; ++img) {
      const float* delta = dy + (img * s.filters + k) * out_plane;
      for (std::int64_t p = 0; p < out_plane; ++p) sum += delta[p];
    }
    d_b[k] += sum;
  }
}

void conv_filters_backward_input_scalar(const float* dy, std::int64_t n, const FilterLanesConv& s, const float* w,
                                        float* d_x) {
  const int oh_count = s.out_h(), ow_count = s.out_w(), f = s.kernel;
  const std::int64_t plane = std::int64_t{s.height} * s.width, out_plane = std::int64_t{oh_count} * ow_count;
  for (std::int64_t img = 0; img < n; ++img)
    for (int c = 0; c < s.channels; ++c)
      for (int y = 0; y < s.height; ++y)
        for (int x = 0; x < s.width; ++x) {
          float sum = 0.0f;
          for (int k = 0; k < s.filters; ++k) {
            const float* delta = dy + (img * s.filters + k) * out_plane;
            const float* wk = w + (std::int64_t{k} * s.channels + c) * f * f;
            for (int j = 0; j < f; ++j) {
              const int ow = x - j;
              const bool inside = ow >= 0 && ow < ow_count;
              // dy's rows r = y − i for i from high to low: r from low to high.
              for (int r = std::max(0, y - f + 1); r <= std::min(oh_count - 1, y); ++r)
                sum = std::fma(wk[(y - r) * f + j], inside ? delta[r * ow_count + ow] : 0.0f, sum);
            }
          }
          d_x[(img * s.channels + c) * plane + y * s.width + x] += sum;
        }
}

ConvFiltersInputFn conv_filters_backward_input_for(SimdLevel level) {
#if defined(NN_HAVE_X86_KERNELS)
  if (level == SimdLevel::Avx512) return conv_filters_backward_input_avx512;
#else
  (void)level;
#endif
  return conv_filters_backward_input_scalar;
}

ConvFiltersBackwardFn conv_filters_backward_for(SimdLevel level) {
#if defined(NN_HAVE_X86_KERNELS)
  if (level == SimdLevel::Avx512) return conv_filters_backward_avx512;
#else
  (void)level;
#endif
  return conv_filters_backward_scalar;
}

ConvFiltersForwardFn conv_filters_forward_for(SimdLevel level) {
#if defined(NN_HAVE_X86_KERNELS)
  if (level == SimdLevel::Avx512) return conv_filters_forward_avx512;
#else
  (void)level;
#endif
  return conv_filters_forward_scalar;
}

#if !defined(NN_HAVE_X86_KERNELS)
void conv_filters_forward_avx512(const float* x, std::int64_t n, const FilterLanesConv& s, const float* wt,
                                 const float* b, float* y) {
  conv_filters_forward_scalar(x, n, s, wt, b, y);
}
void conv_filters_backward_avx512(const float* x, const float* dy, std::int64_t n, const FilterLanesConv& s,
                                  float* d_w, float* d_b) {
  conv_filters_backward_scalar(x, dy, n, s, d_w, d_b);
}
void conv_filters_backward_input_avx512(const float* dy, std::int64_t n, const FilterLanesConv& s, const float* w,
                                        float* d_x) {
  conv_filters_backward_input_scalar(dy, n, s, w, d_x);
}
#endif

}  // namespace kernels

namespace {
void check(const FilterLanesConv& s) {
  if (s.channels < 1 || s.filters < 1 || s.kernel < 1 || s.out_h() < 1 || s.out_w() < 1)
    throw Error("conv_filters: bad shape: C=" + std::to_string(s.channels) + " H=" + std::to_string(s.height) +
                " W=" + std::to_string(s.width) + " K=" + std::to_string(s.filters) + " F=" + std::to_string(s.kernel));
}
}  // namespace

void conv_filters_pack(const float* w, const FilterLanesConv& s, float* wt) {
  check(s);
  const std::int64_t taps = s.taps();
  for (int k = 0; k < s.filters; ++k)
    for (std::int64_t t = 0; t < taps; ++t) wt[t * s.filters + k] = w[k * taps + t];
}

void conv_filters_backward(const float* x, const float* dy, std::int64_t n, const FilterLanesConv& s, float* d_w,
                           float* d_b) {
  check(s);
  kernels::conv_filters_backward_for(simd_level())(x, dy, n, s, d_w, d_b);
}

void conv_filters_backward_input(const float* dy, std::int64_t n, const FilterLanesConv& s, const float* w,
                                 float* d_x) {
  check(s);
  kernels::conv_filters_backward_input_for(simd_level())(dy, n, s, w, d_x);
}

bool conv_filters_vectorised(const FilterLanesConv& s) {
  return simd_level() == SimdLevel::Avx512 && s.fits_vector_kernel();
}

void conv_filters_forward(const float* x, std::int64_t n, const FilterLanesConv& s, const float* wt, const float* b,
                          float* y) {
  check(s);
  kernels::conv_filters_forward_for(simd_level())(x, n, s, wt, b, y);
}

}  // namespace nn
