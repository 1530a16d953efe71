// conv_single.hpp — a direct convolution for single-channel images (LeNet's
// c1: one grey channel, 5×5 filters, stride 1), computed without im2col.
//
// With one input channel, im2col + GEMM writes an X_col of F·F rows per
// output pixel only to multiply it by a K×F·F matrix with K = 6: most of the
// time goes into writing and reading X_col. Here each output row is built in
// registers instead: for every filter tap (i, j) the shifted input row is
// loaded once and multiplied into the K filters' accumulators.
//
//   forward   y[n,k,oh,ow] = b[k] + Σ_{i,j} w[k,i,j]·x[n, oh − P + i, ow − P + j]
//   backward  d_w[k,i,j] += Σ_{n,oh,ow} dy[n,k,oh,ow]·x[n, oh − P + i, ow − P + j]
//             d_b[k]     += Σ_{n,oh,ow} dy[n,k,oh,ow]
// (x = 0 in the padding). The scalar variant is the definition, the loops
// of the formula; the AVX-512 one handles K ≤ 8 filters, output rows of at
// most 32 and F·F filters with F ∈ {3, 5} (anything else runs the scalar
// loops), adding the taps in the same order with fused multiply-adds, so the
// two agree to within rounding (the test's tolerance). The general layer is
// chapter 6's conv2d_forward and chapter 7's conv2d_backward; chapter 8 uses
// these for c1 in float and checks them against those.
#pragma once

#include <cstdint>

#include "nn/cpu.hpp"

namespace nn {

struct SingleChannelConv {
  int height = 0, width = 0;  // H, W of one image
  int filters = 0;            // K
  int kernel = 0;             // F (F × F filters), stride 1
  int pad = 0;                // P
  int out_h() const { return height + 2 * pad - kernel + 1; }
  int out_w() const { return width + 2 * pad - kernel + 1; }
  // The shapes the AVX-512 kernels take (at most 8 filters, F = 3 or 5,
  // output rows of at most 32, a padded row within the kernel's 48-float
  // copy); others run the scalar loops.
  bool fits_vector_kernel() const {
    return filters <= 8 && (kernel == 3 || kernel == 5) && out_w() <= 32 && width + 2 * pad <= 48;
  }
};

namespace kernels {

//   x (N, H, W)   w (K, F, F)   b (K)   y (N, K, O_h, O_w), overwritten
void conv_single_forward_scalar(const float* x, std::int64_t n, const SingleChannelConv& s, const float* w,
                                const float* b, float* y);
void conv_single_forward_avx512(const float* x, std::int64_t n, const SingleChannelConv& s, const float* w,
                                const float* b, float* y);
//   dy (N, K, O_h, O_w)   d_w (K, F, F) and d_b (K) added into
void conv_single_backward_scalar(const float* x, const float* dy, std::int64_t n, const SingleChannelConv& s,
                                 float* d_w, float* d_b);
void conv_single_backward_avx512(const float* x, const float* dy, std::int64_t n, const SingleChannelConv& s,
                                 float* d_w, float* d_b);

using ConvSingleForwardFn = void (*)(const float*, std::int64_t, const SingleChannelConv&, const float*, const float*,
                                     float*);
using ConvSingleBackwardFn = void (*)(const float*, const float*, std::int64_t, const SingleChannelConv&, float*,
                                      float*);
ConvSingleForwardFn conv_single_forward_for(SimdLevel level);    // AVX2 runs the scalar loops
ConvSingleBackwardFn conv_single_backward_for(SimdLevel level);

}  // namespace kernels

// Dispatched to nn::simd_level(); an inconsistent shape is an nn::Error.
void conv_single_forward(const float* x, std::int64_t n, const SingleChannelConv& s, const float* w, const float* b,
                         float* y);
void conv_single_backward(const float* x, const float* dy, std::int64_t n, const SingleChannelConv& s, float* d_w,
                          float* d_b);
// Whether conv_single_forward and _backward run their vector kernels for this
// shape at the current SIMD level; otherwise they run the scalar loops, and a
// caller with a faster route (im2col + GEMM) should take it.
bool conv_single_vectorised(const SingleChannelConv& s);

}  // namespace nn
