// The scalar definition of the single-channel direct convolution (the
// formulas of nn/conv_single.hpp, one term at a time) and the dispatcher.
#include <string>

#include "nn/conv_single.hpp"
#include "nn/error.hpp"

namespace nn {
namespace kernels {

void conv_single_forward_scalar(const float* x, std::int64_t n, const SingleChannelConv& s, const float* w,
                                const float* b, float* y) {
  const int oh_count = s.out_h(), ow_count = s.out_w(), f = s.kernel;
  for (std::int64_t img = 0; img < n; ++img) {
    const float* in = x + img * s.height * s.width;
    for (int k = 0; k < s.filters; ++k) {
      float* out = y + (img * s.filters + k) * oh_count * ow_count;
      for (int oh = 0; oh < oh_count; ++oh)
        for (int ow = 0; ow < ow_count; ++ow) {
          float sum = b ? b[k] : 0.0f;
          for (int i = 0; i < f; ++i)
            for (int j = 0; j < f; ++j) {
              const int ih = oh - s.pad + i, iw = ow - s.pad + j;
              if (ih >= 0 && ih < s.height && iw >= 0 && iw < s.width)
                sum += w[(k * f + i) * f + j] * in[ih * s.width + iw];
            }
          out[oh * ow_count + ow] = sum;
        }
    }
  }
}

void conv_single_backward_scalar(const float* x, const float* dy, std::int64_t n, const SingleChannelConv& s,
                                 float* d_w, float* d_b) {
  const int oh_count = s.out_h(), ow_count = s.out_w(), f = s.kernel;
  for (std::int64_t img = 0; img < n; ++img) {
    const float* in = x + img * s.height * s.width;
    for (int k = 0; k < s.filters; ++k) {
      const float* delta = dy + (img * s.filters + k) * oh_count * ow_count;
      for (int i = 0; i < f; ++i)
        for (int j = 0; j < f; ++j) {
          float sum = 0.0f;
          for (int oh = 0; oh < oh_count; ++oh)
            for (int ow = 0; ow < ow_count; ++ow) {
              const int ih = oh - s.pad + i, iw = ow - s.pad + j;
              if (ih >= 0 && ih < s.height && iw >= 0 && iw < s.width)
                sum += delta[oh * ow_count + ow] * in[ih * s.width + iw];
            }
          d_w[(k * f + i) * f + j] += sum;
        }
      if (d_b) {
        float sum = 0.0f;
        for (int p = 0; p < oh_count * ow_count; ++p) sum += delta[p];
        d_b[k] += sum;
      }
    }
  }
}

ConvSingleForwardFn conv_single_forward_for(SimdLevel level) {
#if defined(NN_HAVE_X86_KERNELS)
  if (level == SimdLevel::Avx512) return conv_single_forward_avx512;
#else
  (void)level;
#endif
  return conv_single_forward_scalar;
}

ConvSingleBackwardFn conv_single_backward_for(SimdLevel level) {
#if defined(NN_HAVE_X86_KERNELS)
  if (level == SimdLevel::Avx512) return conv_single_backward_avx512;
#else
  (void)level;
#endif
  return conv_single_backward_scalar;
}

#if !defined(NN_HAVE_X86_KERNELS)
void conv_single_forward_avx512(const float* x, std::int64_t n, const SingleChannelConv& s, const float* w,
                                const float* b, float* y) {
  conv_single_forward_scalar(x, n, s, w, b, y);
}
void conv_single_backward_avx512(const float* x, const float* dy, std::int64_t n, const SingleChannelConv& s,
                                 float* d_w, float* d_b) {
  conv_single_backward_scalar(x, dy, n, s, d_w, d_b);
}
#endif

}  // namespace kernels

namespace {
void check(const char* what, std::int64_t n, const SingleChannelConv& s) {
  if (n < 0 || s.height < 1 || s.width < 1 || s.filters < 1 || s.kernel < 1 || s.pad < 0 || s.out_h() < 1 ||
      s.out_w() < 1)
    throw Error(std::string(what) + ": inconsistent shape: " + std::to_string(n) + " images " +
                std::to_string(s.height) + "x" + std::to_string(s.width) + ", " + std::to_string(s.filters) +
                " filters " + std::to_string(s.kernel) + "x" + std::to_string(s.kernel) + ", pad " +
                std::to_string(s.pad));
}
}  // namespace

void conv_single_forward(const float* x, std::int64_t n, const SingleChannelConv& s, const float* w, const float* b,
                         float* y) {
  check("conv_single_forward", n, s);
  kernels::conv_single_forward_for(simd_level())(x, n, s, w, b, y);
}

bool conv_single_vectorised(const SingleChannelConv& s) {
  return simd_level() == SimdLevel::Avx512 && s.fits_vector_kernel();
}

void conv_single_backward(const float* x, const float* dy, std::int64_t n, const SingleChannelConv& s, float* d_w,
                          float* d_b) {
  check("conv_single_backward", n, s);
  kernels::conv_single_backward_for(simd_level())(x, dy, n, s, d_w, d_b);
}

}  // namespace nn
