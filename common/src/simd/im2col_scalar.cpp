// The scalar reference im2col (the definition the SIMD variants are tested
// against) and the dispatcher.
#include <string>

#include "nn/error.hpp"
#include "nn/im2col.hpp"

namespace nn {
namespace kernels {

void im2col_scalar(const float* x, const Im2colShape& s, float* col, std::int64_t ld) {
  const std::int64_t plane = std::int64_t{s.height} * s.width;
  for (int c = 0; c < s.channels; ++c)
    for (int i = 0; i < s.kernel_h; ++i)
      for (int j = 0; j < s.kernel_w; ++j) {
        float* row = col + ((std::int64_t{c} * s.kernel_h + i) * s.kernel_w + j) * ld;
        for (int oh = 0; oh < s.out_h; ++oh)
          for (int ow = 0; ow < s.out_w; ++ow) {
            const int ih = oh * s.stride - s.pad + i * s.dilation;
            const int iw = ow * s.stride - s.pad + j * s.dilation;
            const bool inside = ih >= 0 && ih < s.height && iw >= 0 && iw < s.width;
            row[oh * s.out_w + ow] = inside ? x[c * plane + std::int64_t{ih} * s.width + iw] : 0.0f;
          }
      }
}

void col2im_scalar(const float* col, const Im2colShape& s, float* dx, std::int64_t ld) {
  const std::int64_t plane = std::int64_t{s.height} * s.width;
  for (int c = 0; c < s.channels; ++c)
    for (int i = 0; i < s.kernel_h; ++i)
      for (int j = 0; j < s.kernel_w; ++j) {
        const float* row = col + ((std::int64_t{c} * s.kernel_h + i) * s.kernel_w + j) * ld;
        for (int oh = 0; oh < s.out_h; ++oh)
          for (int ow = 0; ow < s.out_w; ++ow) {
            const int ih = oh * s.stride - s.pad + i * s.dilation;
            const int iw = ow * s.stride - s.pad + j * s.dilation;
            if (ih >= 0 && ih < s.height && iw >= 0 && iw < s.width)
              dx[c * plane + std::int64_t{ih} * s.width + iw] += row[oh * s.out_w + ow];
          }
      }
}

Col2imFn col2im_for(SimdLevel level) {
#if defined(NN_HAVE_X86_KERNELS)
  switch (level) {
    case SimdLevel::Avx512: return col2im_avx512;
    case SimdLevel::Avx2: return col2im_avx2;
    case SimdLevel::Scalar: break;
  }
#else
  (void)level;
#endif
  return col2im_scalar;
}

Im2colFn im2col_for(SimdLevel level) {
#if defined(NN_HAVE_X86_KERNELS)
  switch (level) {
    case SimdLevel::Avx512: return im2col_avx512;
    case SimdLevel::Avx2: return im2col_avx2;
    case SimdLevel::Scalar: break;
  }
#else
  (void)level;
#endif
  return im2col_scalar;
}

#if !defined(NN_HAVE_X86_KERNELS)
void im2col_avx2(const float* x, const Im2colShape& s, float* col, std::int64_t ld) { im2col_scalar(x, s, col, ld); }
void im2col_avx512(const float* x, const Im2colShape& s, float* col, std::int64_t ld) { im2col_scalar(x, s, col, ld); }
void col2im_avx2(const float* col, const Im2colShape& s, float* dx, std::int64_t ld) { col2im_scalar(col, s, dx, ld); }
void col2im_avx512(const float* col, const Im2colShape& s, float* dx, std::int64_t ld) { col2im_scalar(col, s, dx, ld); }
#endif

}  // namespace kernels

void check_im2col_shape(const Im2colShape& s, std::int64_t ld) {
  const bool ok = s.channels > 0 && s.height > 0 && s.width > 0 && s.kernel_h > 0 && s.kernel_w > 0 && s.stride > 0 &&
                  s.pad >= 0 && s.dilation > 0 && s.out_h > 0 && s.out_w > 0 && ld >= s.cols();
  if (!ok)
    throw Error("im2col: inconsistent shape: image " + std::to_string(s.channels) + "x" + std::to_string(s.height) +
                "x" + std::to_string(s.width) + ", kernel " + std::to_string(s.kernel_h) + "x" +
                std::to_string(s.kernel_w) + ", stride " + std::to_string(s.stride) + ", pad " +
                std::to_string(s.pad) + ", dilation " + std::to_string(s.dilation) + ", output " +
                std::to_string(s.out_h) + "x" + std::to_string(s.out_w) + ", ld " + std::to_string(ld));
}

void col2im(const float* col, const Im2colShape& shape, float* dx, std::int64_t ld) {
  check_im2col_shape(shape, ld);
  kernels::col2im_for(simd_level())(col, shape, dx, ld);
}

void im2col(const float* x, const Im2colShape& shape, float* col, std::int64_t ld) {
  check_im2col_shape(shape, ld);
  kernels::im2col_for(simd_level())(x, shape, col, ld);
}

}  // namespace nn
