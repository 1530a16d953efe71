// im2col.hpp — chapter 6's SIMD kernel: lowering an image to the matrix a
// convolution multiplies.
//
// One image x (C, H, W) and a K_h×K_w window sliding with stride S, zero
// padding P and dilation D give O_h × O_w window positions. im2col writes
// X_col (C·K_h·K_w, O_h·O_w): row r = (c, i, j) holds, for every output
// position p = (oh, ow), the input pixel that filter tap (i, j) of channel c
// sees there,
//   X_col[(c·K_h + i)·K_w + j, oh·O_w + ow] = x[c, oh·S − P + i·D, ow·S − P + j·D]
// (0 where that falls in the padding). A convolution is then one GEMM:
// W (K, C·K_h·K_w) · X_col = Y (K, O_h·O_w). Rows of X_col are `ld` floats
// apart (ld ≥ O_h·O_w), so a batch can be laid side by side: image n at
// column n·O_h·O_w of a (C·K_h·K_w, N·O_h·O_w) matrix, ld = N·O_h·O_w.
//
// Variants as in kernels.hpp: im2col_scalar is the definition (one element
// at a time, a bounds test per element); the AVX2 and AVX-512 versions
// compute once per row which output columns fall inside the image, fill the
// rest with zeros, and copy the inside with vector loads (stride 1), a
// shuffle of two loads (stride 2) or a gather (any other stride). The
// exercise version, nn::ch06::im2col, is the same definition in any
// precision; the float conv layer calls nn::im2col.
//
// col2im is the adjoint (chapter 7's backward pass): every X_col entry is
// added back onto the pixel it was copied from,
//   dx[c, oh·S − P + i·D, ow·S − P + j·D] += col[(c·K_h + i)·K_w + j, oh·O_w + ow]
// (entries in the padding are dropped). The SIMD variants add in the same
// order as the scalar definition (row by row, then oh, then ow), so all
// three give bit-identical results; stride 1 is vectorised, other strides
// fall back to the scalar loop. The exercise version is nn::ch07::col2im.
#pragma once

#include <cstdint>

#include "nn/cpu.hpp"

namespace nn {

struct Im2colShape {
  int channels = 0, height = 0, width = 0;  // C, H, W of the image
  int kernel_h = 0, kernel_w = 0;           // K_h, K_w
  int stride = 1, pad = 0, dilation = 1;    // S, P, D (the same along both axes)
  int out_h = 0, out_w = 0;                 // O_h, O_w (from nn::ch06::conv_output_size)
  std::int64_t rows() const { return std::int64_t{channels} * kernel_h * kernel_w; }
  std::int64_t cols() const { return std::int64_t{out_h} * out_w; }
};

namespace kernels {

//   x: (C, H, W)   col: (C·K_h·K_w) rows of ld ≥ O_h·O_w floats
void im2col_scalar(const float* x, const Im2colShape& shape, float* col, std::int64_t ld);
void im2col_avx2(const float* x, const Im2colShape& shape, float* col, std::int64_t ld);
void im2col_avx512(const float* x, const Im2colShape& shape, float* col, std::int64_t ld);

using Im2colFn = void (*)(const float*, const Im2colShape&, float*, std::int64_t);
Im2colFn im2col_for(SimdLevel level);

//   col: (C·K_h·K_w) rows of ld ≥ O_h·O_w floats   dx: (C, H, W), added into
void col2im_scalar(const float* col, const Im2colShape& shape, float* dx, std::int64_t ld);
void col2im_avx2(const float* col, const Im2colShape& shape, float* dx, std::int64_t ld);
void col2im_avx512(const float* col, const Im2colShape& shape, float* dx, std::int64_t ld);

using Col2imFn = void (*)(const float*, const Im2colShape&, float*, std::int64_t);
Col2imFn col2im_for(SimdLevel level);

}  // namespace kernels

// Dispatched to nn::simd_level(). Throws nn::Error if the shape is
// inconsistent (ld < O_h·O_w, a non-positive size, a stride or dilation < 1).
void im2col(const float* x, const Im2colShape& shape, float* col, std::int64_t ld);
void check_im2col_shape(const Im2colShape& shape, std::int64_t ld);
// dx += col2im(col), dispatched to nn::simd_level(); the same shape checks.
void col2im(const float* col, const Im2colShape& shape, float* dx, std::int64_t ld);

}  // namespace nn
