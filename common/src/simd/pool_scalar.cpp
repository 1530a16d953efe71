// The scalar definition of 2×2 average pooling (nn/pool.hpp) and the dispatcher.
#include "nn/pool.hpp"

#include "nn/error.hpp"

namespace nn {
namespace kernels {

void avgpool2x2_scalar(const float* x, std::int64_t planes, int height, int width, float* y) {
  const int oh_count = height / 2, ow_count = width / 2;
  for (std::int64_t q = 0; q < planes; ++q)
    for (int oh = 0; oh < oh_count; ++oh) {
      const float* r0 = x + (q * height + 2 * oh) * width;
      const float* r1 = r0 + width;
      float* out = y + (q * oh_count + oh) * ow_count;
      for (int ow = 0; ow < ow_count; ++ow)
        out[ow] = (((r0[2 * ow] + r0[2 * ow + 1]) + r1[2 * ow]) + r1[2 * ow + 1]) * 0.25f;
    }
}

void avgpool2x2_backward_scalar(const float* d_y, std::int64_t planes, int height, int width, float* d_x) {
  const int oh_count = height / 2, ow_count = width / 2;
  for (std::int64_t q = 0; q < planes; ++q)
    for (int oh = 0; oh < oh_count; ++oh) {
      float* r0 = d_x + (q * height + 2 * oh) * width;
      float* r1 = r0 + width;
      const float* src = d_y + (q * oh_count + oh) * ow_count;
      for (int ow = 0; ow < ow_count; ++ow) {
        const float share = src[ow] * 0.25f;
        r0[2 * ow] += share;
        r0[2 * ow + 1] += share;
        r1[2 * ow] += share;
        r1[2 * ow + 1] += share;
      }
    }
}

AvgPool2x2Fn avgpool2x2_backward_for(SimdLevel level) {
#if defined(NN_HAVE_X86_KERNELS)
  if (level == SimdLevel::Avx512) return avgpool2x2_backward_avx512;
#else
  (void)level;
#endif
  return avgpool2x2_backward_scalar;
}

AvgPool2x2Fn avgpool2x2_for(SimdLevel level) {
#if defined(NN_HAVE_X86_KERNELS)
  if (level == SimdLevel::Avx512) return avgpool2x2_avx512;
#else
  (void)level;
#endif
  return avgpool2x2_scalar;
}

#if !defined(NN_HAVE_X86_KERNELS)
void avgpool2x2_avx512(const float* x, std::int64_t planes, int height, int width, float* y) {
  avgpool2x2_scalar(x, planes, height, width, y);
}
void avgpool2x2_backward_avx512(const float* d_y, std::int64_t planes, int height, int width, float* d_x) {
  avgpool2x2_backward_scalar(d_y, planes, height, width, d_x);
}
void maxpool_stride2_avx512(const float*, std::int64_t, int, int, int, int, float*, std::int32_t*) {
  throw Error("maxpool_stride2_avx512: this build has no AVX-512 kernels");
}
#endif

}  // namespace kernels

void avgpool2x2(const float* x, std::int64_t planes, int height, int width, float* y) {
  kernels::avgpool2x2_for(simd_level())(x, planes, height, width, y);
}

void avgpool2x2_backward(const float* d_y, std::int64_t planes, int height, int width, float* d_x) {
  kernels::avgpool2x2_backward_for(simd_level())(d_y, planes, height, width, d_x);
}

}  // namespace nn
