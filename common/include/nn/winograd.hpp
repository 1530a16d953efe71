// winograd.hpp — fast convolution with fewer multiplications (Winograd / Toom-Cook).
//
// A 1-D correlation of m outputs with an r-tap filter, y_k = Σ_j d_{k+j} g_j,
// reads α = m + r − 1 inputs and takes m·r multiplications when written out.
// Winograd's minimal filtering algorithm F(m, r) takes α:
//
//   y = Aᵀ [ (G g) ⊙ (Bᵀ d) ]          Aᵀ: m×α   G: α×r   Bᵀ: α×α
//
// The matrices come from polynomial evaluation and interpolation (chapter 9's
// README derives them): evaluate g and d's "transposed" polynomial at α − 1
// points and at infinity, multiply point by point (the α multiplications),
// interpolate back. winograd_matrices builds them for any m, r from the
// points 0, 1, −1, 2, −2, … and ∞. Nesting the 1-D algorithm gives the 2-D one:
//
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A         one m×m output tile from an α×α input tile
//
// and, summed over input channels c for filter k, the point-by-point
// products become α² matrix products, one per transform point ξ:
//
//   M_ξ[t, k] = Σ_c V_ξ[t, c] · U_ξ[c, k]     V = Bᵀ d B (tiles t), U = G g Gᵀ (filters k)
//
// which the GEMM runs. F(4×4, 3×3) takes 36 multiplications for 16 outputs
// (direct: 144), F(2×2, 5×5) 36 for 4 (direct: 100). Both have α = 6, the
// only size these kernels take: stride 1, no groups, a square 3×3 or 5×5
// kernel, any padding below the kernel size.
//
// The backward passes are Winograd convolutions too:
//   ∂L/∂x   a correlation of δ (padded by r − 1 − P) with the filters turned
//           by 180° and their channel axes swapped: the same algorithm;
//   ∂L/∂w   w_grad[k, c] = Σ_tiles (x tile) ⋆ (δ tile) is a correlation of an
//           α-wide input with an m-tap "filter" δ giving r outputs, F(r, m),
//           also α = 6; summed over the tiles in the transform domain it is
//           again one matrix product per ξ.
//
// Data: x (n, C, H, W), w (K, C, r, r), y (n, K, O_h, O_w), as chapter 6.
// Inside, sixteen channels travel together (one AVX-512 register): the tile
// transforms work on 16-lane vectors, the transformed tiles are stored
// V[ξ][t][c] with the channels padded to a multiple of 16. The transforms
// run in AVX-512 or in a scalar loop over the 16 lanes (the reference the
// tests compare it with); everything else is shared.
//
// Accuracy: the transforms add rounding (the point 2 gives coefficients up
// to 2⁴, and there are divisions by up to 24), so results differ from a
// direct sum by a few 1e-6 of the output's magnitude (1e-5 for a 5×5
// layer's weight gradient); tests/common/test_winograd.cpp states the bound.
#pragma once

#include <cstdint>
#include <vector>

#include "nn/cpu.hpp"

namespace nn {

// The matrices of F(m, r), row-major, computed in double.
struct WinogradMatrices {
  int m = 0, r = 0, alpha = 0;
  std::vector<double> AT;  // m × α
  std::vector<double> G;   // α × r
  std::vector<double> BT;  // α × α
};
// Any m ≥ 1, r ≥ 1 with α = m + r − 1 ≤ 8 (points 0, 1, −1, 2, −2, 1/2, −1/2 and ∞).
WinogradMatrices winograd_matrices(int m, int r);

// One convolution the kernels take: stride 1, one group, kernel r×r.
struct WinogradConv {
  int channels = 0, height = 0, width = 0, filters = 0, kernel = 3, pad = 0;
  int out_h() const { return height + 2 * pad - kernel + 1; }
  int out_w() const { return width + 2 * pad - kernel + 1; }
  int tile() const { return 7 - kernel; }  // m, so that α = 6
  int tiles_h() const { return (out_h() + tile() - 1) / tile(); }
  int tiles_w() const { return (out_w() + tile() - 1) / tile(); }
};
// Kernel 3 or 5, 0 ≤ pad < kernel, at least one output, positive sizes.
bool winograd_supported(const WinogradConv& c);

// What one convolution keeps between calls: the transformed filters of
// both directions, valid while the weights equal `source` bit for bit (a
// network runs a layer on several slices of a batch with the same weights;
// an optimiser step changes them behind the same pointer). The buffers a
// call needs only while it runs (the transformed tiles, the products) are
// kept per thread and shared by all convolutions.
//
// The images go through the three stages (transform, GEMMs, transform
// back) a few at a time, enough for about chunk_tiles tiles (0: the whole
// batch at once): the transformed tiles and the products, 36 values per
// tile and channel, then stay in the cache from one stage to the next
// instead of making a round trip through memory, and the buffers are that
// much smaller. 196 tiles (one 27×27 image of AlexNet's conv2, thirteen
// 13×13 ones of conv3) ran fastest in bench_winograd on this machine: the
// products of the whole batch at once take 1.3× longer for conv2, and
// fewer tiles make conv3's GEMMs too short.
struct WinogradWorkspace {
  std::int64_t chunk_tiles = 196;
  struct Filters {
    std::vector<float> u;  // transformed filters [36][channels₁₆][filters₁₆]
    bool current = false;  // transformed from `source`
  };
  Filters filters;             // the forward pass's
  Filters turned;              // ∂L/∂x's: turned by 180°, channels and filters swapped
  std::vector<float> source;   // the weights they came from
  std::int64_t floats() const;
};

// y = w ⋆ x + b (b may be null); y is overwritten, or added to when
// `accumulate`. x holds n images.
void winograd_forward(const float* x, std::int64_t n, const WinogradConv& c, const float* w, const float* b, float* y,
                      bool accumulate, WinogradWorkspace& ws, SimdLevel level = simd_level());
// dx += ∂L/∂x for δ = dy (n, K, O_h, O_w).
void winograd_backward_data(const float* dy, std::int64_t n, const WinogradConv& c, const float* w, float* dx,
                            WinogradWorkspace& ws, SimdLevel level = simd_level());
// dw += ∂L/∂w from the forward pass's x and δ = dy.
void winograd_backward_filter(const float* x, const float* dy, std::int64_t n, const WinogradConv& c, float* dw,
                              WinogradWorkspace& ws, SimdLevel level = simd_level());

namespace kernels {
// out = L · in · Lᵀ for a q×q grid of 16-float vectors (L is p×q, row-major):
// element (i, j) of `in` is at in + i·in_row + j·in_col, of `out` at
// out + i·out_row + j·out_col. p, q ≤ 6. The AVX-512 version (for the
// shapes the convolutions use) and the scalar reference.
void winograd_transform_scalar(const float* L, int p, int q, const float* in, std::int64_t in_row,
                               std::int64_t in_col, float* out, std::int64_t out_row, std::int64_t out_col);
void winograd_transform_avx512(const float* L, int p, int q, const float* in, std::int64_t in_row,
                               std::int64_t in_col, float* out, std::int64_t out_row, std::int64_t out_col);

// The moves between planes and the 16-lane layout, per image row.
// interleave:   dst[x·16 + l] = src[l·stride + x] for x < count, l < lanes;
//               lanes ≥ `lanes` are written as zeros.
// deinterleave: dst[l·stride + x] = src[x·16 + l] + bias[l] (bias may be
//               null), added to dst when accumulate, for x < count, l < lanes.
// lanes ≤ 16. The AVX-512 versions move sixteen columns at a time through a
// 16×16 register transpose, the scalar ones are the reference.
void winograd_interleave_scalar(const float* src, std::int64_t stride, int lanes, int count, float* dst);
void winograd_interleave_avx512(const float* src, std::int64_t stride, int lanes, int count, float* dst);
void winograd_deinterleave_scalar(const float* src, int count, int lanes, const float* bias, bool accumulate,
                                  float* dst, std::int64_t stride);
void winograd_deinterleave_avx512(const float* src, int count, int lanes, const float* bias, bool accumulate,
                                  float* dst, std::int64_t stride);
}  // namespace kernels

}  // namespace nn
