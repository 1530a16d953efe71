// conv_filters.hpp — a direct convolution for layers with many filters and
// short output rows (LeNet-5's c3: 6 → 16 channels, 5×5, 14×14 → 10×10),
// with the filters across the vector lanes.
//
// im2col + GEMM writes every input pixel F·F times into X_col before the
// multiply reads it back. Here nothing is lowered: for one output row, each
// output pixel ow keeps a register of 16 filters' sums, and every tap
// (c, i, j) loads the 16 filters' weights w[·, c, i, j] once and adds
// w · x[c, oh + i, ow + j] into all of them (the input value broadcast):
//
//     acc[ow] (16 lanes: filters k0 … k0+15) += w[k0…k0+15, c, i, j] · x[c, oh+i, ow+j]
//
// so the weights are packed tap by tap, 16 filters side by side
// (conv_filters_pack). Stride 1, no padding.
//
// Every output is summed in the same order in every version — from zero,
// one fused multiply-add per tap in the order c, i, j, then the bias added
// — the order of chapter 6's im2col + GEMM as well, so the results agree to
// the bit with it (the LeNet-5 tests compare them).
#pragma once

#include <cstdint>

#include "nn/cpu.hpp"

namespace nn {

struct FilterLanesConv {
  int channels = 0, height = 0, width = 0;  // C, H, W of one image
  int filters = 0;                          // K
  int kernel = 0;                           // F (F × F filters), stride 1, no padding
  int out_h() const { return height - kernel + 1; }
  int out_w() const { return width - kernel + 1; }
  std::int64_t taps() const { return std::int64_t{channels} * kernel * kernel; }
  // The shapes the AVX-512 kernels take (16 filters a vector, at most 16
  // output pixels a row in registers, filter widths unrolled): others run the
  // scalar loops.
  bool fits_vector_kernel() const { return filters % 16 == 0 && out_w() <= 16 && (kernel == 3 || kernel == 5); }
  // The input-delta kernel holds a whole input plane, one row a register.
  bool fits_input_delta_kernel() const { return width <= 16 && height <= 16 && (kernel == 3 || kernel == 5); }
};

// w: (K, C, F, F) as stored; wt: (C·F·F, K), taps() · K floats.
void conv_filters_pack(const float* w, const FilterLanesConv& s, float* wt);

// y (N, K, O_h, O_w) = x (N, C, H, W) ⋆ w + b, from the packed weights; b may be null.
void conv_filters_forward(const float* x, std::int64_t n, const FilterLanesConv& s, const float* wt,
                          const float* b, float* y);

// The weight and bias gradients of the same layer for a block of images,
// added into d_w (K, C, F, F: the stored layout) and d_b (may be null):
//   d_w[k, c, i, j] += Σ_{image, oh, ow} dy[k, oh, ow] · x[c, oh + i, ow + j]
//   d_b[k]          += Σ_{image, oh, ow} dy[k, oh, ow]
// The vector kernel holds the F·F sums of one channel for 16 filters in
// registers, reading dy through a copy with the filters side by side
// (dy[oh, ow, k]), and adds each finished sum into d_w once. Its sums, like
// the forward pass's, run in one order (images, then oh, ow; one fused
// multiply-add a term, from zero; the bias sums plain additions from zero)
// in every version.
void conv_filters_backward(const float* x, const float* dy, std::int64_t n, const FilterLanesConv& s, float* d_w,
                           float* d_b);

// The input's delta of the same layer for a block of images, added into
// d_x (N, C, H, W), from the weights as stored (w: K, C, F, F):
//   d_x[c, y, x] += Σ_k Σ_j Σ_i w[k, c, i, j] · dy[k, y − i, x − j]
// over the terms whose (y − i, x − j) lies inside dy — what im2col + GEMM
// computes as col2im(Wᵀ·dy), without the F·F·C × O_h·O_w matrix in between.
// Each input value is a sum from zero in one order in every version: k,
// then j, then i from high to low (dy's row y − i from low to high), one
// fused multiply-add a term, a column x − j outside dy's row counting as a
// term with dy = +0; the sum is then added into d_x. The vector kernel keeps
// the H rows of one input channel in H registers (H, W ≤ 16): for each
// filter k and column offset j it broadcasts the F weights w[k, c, ·, j],
// and every row of dy, loaded once (shifted j lanes to the right by a
// masked load), adds into the F input rows it reaches.
void conv_filters_backward_input(const float* dy, std::int64_t n, const FilterLanesConv& s, const float* w,
                                 float* d_x);

// Whether conv_filters_forward and _backward run their vector kernels for this shape at the
// current SIMD level (AVX-512, K a multiple of 16, O_w ≤ 16, F = 3 or 5); otherwise it
// runs the scalar loops, and a caller with a faster route should take it.
bool conv_filters_vectorised(const FilterLanesConv& s);

namespace kernels {

void conv_filters_forward_scalar(const float* x, std::int64_t n, const FilterLanesConv& s, const float* wt,
                                 const float* b, float* y);
void conv_filters_forward_avx512(const float* x, std::int64_t n, const FilterLanesConv& s, const float* wt,
                                 const float* b, float* y);
using ConvFiltersForwardFn = void (*)(const float*, std::int64_t, const FilterLanesConv&, const float*, const float*,
                                      float*);
ConvFiltersForwardFn conv_filters_forward_for(SimdLevel level);  // AVX2 runs the scalar loops
void conv_filters_backward_scalar(const float* x, const float* dy, std::int64_t n, const FilterLanesConv& s,
                                  float* d_w, float* d_b);
void conv_filters_backward_avx512(const float* x, const float* dy, std::int64_t n, const FilterLanesConv& s,
                                  float* d_w, float* d_b);
using ConvFiltersBackwardFn = void (*)(const float*, const float*, std::int64_t, const FilterLanesConv&, float*,
                                       float*);
ConvFiltersBackwardFn conv_filters_backward_for(SimdLevel level);
void conv_filters_backward_input_scalar(const float* dy, std::int64_t n, const FilterLanesConv& s, const float* w,
                                        float* d_x);
void conv_filters_backward_input_avx512(const float* dy, std::int64_t n, const FilterLanesConv& s, const float* w,
                                        float* d_x);
using ConvFiltersInputFn = void (*)(const float*, std::int64_t, const FilterLanesConv&, const float*, float*);
ConvFiltersInputFn conv_filters_backward_input_for(SimdLevel level);  // AVX2 runs the scalar loops

}  // namespace kernels

}  // namespace nn
