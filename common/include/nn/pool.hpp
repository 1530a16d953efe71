// pool.hpp — 2×2, stride-2 average pooling of float planes, the case of
// LeNet-5's s2 and s4 (chapter 7's avgpool2d_forward calls it in float):
//
//   y[q, oh, ow] = (((x[q, 2oh, 2ow] + x[q, 2oh, 2ow+1]) + x[q, 2oh+1, 2ow]) + x[q, 2oh+1, 2ow+1]) · 1/4
//
// with the additions in that order in every version, so they agree to the
// bit. The AVX-512 kernel loads two input rows 32 floats at a time, splits
// each into its even and odd columns with one two-source permute apiece,
// and adds the four in that order.
//
// The backward pass (chapter 7's avgpool2d_backward in float) hands each
// input of a window a quarter of the window's output delta, added to what
// the input's delta already holds:
//
//   d_x[q, 2oh + i, 2ow + j] += d_y[q, oh, ow] · 1/4      for i, j in {0, 1}
//
// The AVX-512 kernel scales 16 deltas at once, spreads them over 32 columns
// with one permute per 16 (lane 2l and 2l + 1 both take delta l) and adds
// them into the two input rows.
#pragma once

#include <cstdint>

#include "nn/cpu.hpp"

namespace nn {

// x: planes × (H, W); y: planes × (H/2, W/2) (rounded down: a last odd row or
// column is not pooled).
void avgpool2x2(const float* x, std::int64_t planes, int height, int width, float* y);

// d_y: planes × (H/2, W/2); d_x: planes × (H, W), added into (a last odd row
// or column, which the forward pass did not pool, is left as it is).
void avgpool2x2_backward(const float* d_y, std::int64_t planes, int height, int width, float* d_x);

// Max pooling with stride 2 (AlexNet's overlapping 3×3 windows, and 2×2):
// y and argmax exactly as chapter 7's maxpool2d_forward computes them — the
// first maximum of each window in row-major order (a value replaces the
// best only when strictly larger, so NaN never does), and its in-plane
// index ih·W + iw. x: planes × (H, W); y, argmax: planes × (out_h, out_w),
// out_h = (H − window_h)/2 + 1, likewise out_w.
// The AVX-512 kernel takes 16 windows of an output row at once: for each
// window offset (i, j), 32 floats of input row 2·oh + i from column
// 2·ow + j, two loads, and one two-source permute keeps the even columns
// (the 16 windows' values); a compare mask then updates value and index.
namespace kernels {
void maxpool_stride2_avx512(const float* x, std::int64_t planes, int height, int width, int window_h, int window_w,
                            float* y, std::int32_t* argmax);
}  // namespace kernels

namespace kernels {
void avgpool2x2_scalar(const float* x, std::int64_t planes, int height, int width, float* y);
void avgpool2x2_avx512(const float* x, std::int64_t planes, int height, int width, float* y);
using AvgPool2x2Fn = void (*)(const float*, std::int64_t, int, int, float*);
AvgPool2x2Fn avgpool2x2_for(SimdLevel level);  // AVX2 runs the scalar loop

void avgpool2x2_backward_scalar(const float* d_y, std::int64_t planes, int height, int width, float* d_x);
void avgpool2x2_backward_avx512(const float* d_y, std::int64_t planes, int height, int width, float* d_x);
AvgPool2x2Fn avgpool2x2_backward_for(SimdLevel level);  // AVX2 runs the scalar loop
}  // namespace kernels

}  // namespace nn
