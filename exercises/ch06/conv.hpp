// conv.hpp — Chapter 6: convolution, written directly and as one GEMM.
//
// Dimensions: N = batch, C = input channels, H×W input, K = filters (output
// channels), F_h×F_w filter, O_h×O_w output, G = groups, S stride, P zero
// padding, D dilation, P_out = O_h·O_w output positions.
//   x: (N, C, H, W)   w: (K, C/G, F_h, F_w)   b: (K)   y: (N, K, O_h, O_w)
//
// What layers call "convolution" is cross-correlation: the filter slides
// over the image unflipped,
//   y[n,k,oh,ow] = b[k] + Σ_{c,i,j} w[k,c,i,j] · x[n, g·C/G + c, oh·S − P + i·D, ow·S − P + j·D]
// (g = the group of filter k, k / (K/G); x = 0 in the padding). True
// convolution flips the kernel first, (x ∗ θ)[t] = Σ_a x[t − a] θ[a]; with a
// learned filter the difference is only which way round it is stored.
//
// Lowered to a matrix multiply (the conv layer): im2col writes, for one
// image, X_col (C·F_h·F_w, P_out) whose column p holds the patch the filters
// see at output position p. With the filters as rows, W_row (K, C·F_h·F_w),
//   Y = W_row · X_col        (K, P_out), reshaped to (K, O_h, O_w)
// — AlexNet conv1: X_col 363×3025, W_row 96×363, Y 96×3025 → 96×55×55.
// Groups: filter rows of group g multiply only the rows of X_col of its
// C/G channels, one GEMM per group. A batch is laid side by side,
// X_col (C·F_h·F_w, N·P_out), so each group is ONE GEMM for the whole batch.
// Derivations: chapters/ch06_convolution/README.md.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>

#include "ch06/shapes.hpp"
#include "nn/tensor.hpp"
#include "nn/threads.hpp"

namespace nn::ch06 {

// ---- 1-D, valid (no padding): out has |x| − |θ| + 1 entries --------------------
// Cross-correlation   out[t] = Σ_a x[t + a] θ[a]
template <typename T>
void correlate1d(std::span<T> out, std::span<const T> x, std::span<const T> theta);
// True convolution    out[t] = Σ_a x[t + A − 1 − a] θ[a]   (A = |θ|: the kernel flipped)
template <typename T>
void convolve1d(std::span<T> out, std::span<const T> x, std::span<const T> theta);

// The kernel turned by 180° (rows and columns reversed): correlating with
// it is true 2-D convolution.   w: (K, C, F_h, F_w)
template <typename T>
Tensor<T> flip_kernel(TensorView<const T> w);

// ---- the direct reference -------------------------------------------------------
// y = b + w ⋆ x as in the formula above, seven nested loops, no lowering.
// b may be an empty view (no bias). y is OVERWRITTEN.                 [exercise 6.1]
template <typename T>
void conv2d_direct(TensorView<T> y, TensorView<const T> x, TensorView<const T> w, TensorView<const T> b,
                   const Conv2dGeometry& g);

// ---- im2col ------------------------------------------------------------------------
// One image x (C, H, W) → X_col rows of `ld` ≥ P_out values (see nn/im2col.hpp
// for the formula): X_col[(c·F_h + i)·F_w + j, oh·O_w + ow] = x[c, oh·S − P + i·D, ow·S − P + j·D]
// or 0 in the padding. Every entry of the P_out columns is written.  [exercise 6.2]
template <typename T>
void im2col(const T* x, const Im2colShape& shape, T* col, std::int64_t ld);

// ---- the conv layer: im2col + GEMM ----------------------------------------------
// The buffers of one batch size: X_col (the cache the backward pass reads)
// and the GEMM's output/delta in its (K, N·P_out) layout. Sized by prepare(),
// reused by every later call with the same batch size (no allocation).
template <typename T>
struct Conv2dWorkspace {
  std::int64_t batch = -1;
  Tensor<T> col;  // X_col (C·F_h·F_w, N·P_out); after the backward pass: ∂L/∂X_col
  Tensor<T> mat;  // Y or δ as a matrix (K, N·P_out)
  void prepare(const Conv2dGeometry& g, std::int64_t n);
};

// y = W_row · X_col + b, per group one nn::gemm over the whole batch; float
// lowers with the SIMD nn::im2col, double with im2col above. Keeps X_col in
// ws for conv2d_backward. y is OVERWRITTEN. b may be empty.
template <typename T>
void conv2d_forward(TensorView<T> y, TensorView<const T> x, TensorView<const T> w, TensorView<const T> b,
                    const Conv2dGeometry& g, Conv2dWorkspace<T>& ws);

// Only the lowering step of conv2d_forward: ws.col = X_col of x, exactly as
// conv2d_forward leaves it. For a backward pass whose workspace has since
// been used for other inputs (chapter 8 runs its convolutions slice by slice
// and lowers each slice again before its backward pass).
template <typename T>
void conv2d_lower(TensorView<const T> x, const Conv2dGeometry& g, Conv2dWorkspace<T>& ws);

// Calls body(first, end) for ranges [first, end) of the n images, on the
// threads (nn::parallel_for), for the steps that move image i's values to
// or from columns i·P .. (i + 1)·P − 1 of the lowered (·, N·P) matrices.
// With P = positions < 16 an image's part of a row is less than a 64-byte
// cache line: ranges of single images would have two threads writing the
// same lines (each write taking the line from the other core), and walking
// one image at a time down a column touches a new line per row. So the
// ranges hold whole groups of ceil(16 / P) images (LeNet-5's c5, with
// P = 1: groups of 16).
template <typename Body>
void for_image_groups(std::int64_t n, std::int64_t positions, Body&& body) {
  const std::int64_t group = positions >= 16 ? 1 : (16 + positions - 1) / positions;
  const std::int64_t groups = (n + group - 1) / group;
  parallel_for(groups, positions >= 16 ? 4 : 1, [&](std::int64_t g0, std::int64_t g1) {
    body(g0 * group, std::min(n, g1 * group));
  });
}

// Checks x, w, b, y against g (throws nn::Error naming the mismatch).
void check_conv_shapes(const char* what, const Shape& y, const Shape& x, const Shape& w, std::int64_t bias_size,
                       const Conv2dGeometry& g);

}  // namespace nn::ch06
