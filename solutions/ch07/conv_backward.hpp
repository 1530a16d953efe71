// conv_backward.hpp — Chapter 7: back-propagation through the conv layer.
//
// Dimensions as in ch06/conv.hpp: x (N, C, H, W), w (K, C/G, F_h, F_w),
// y and δ = ∂L/∂y (N, K, O_h, O_w), P_out = O_h·O_w, R = C·F_h·F_w rows of X_col.
//
// In the forward pass this was, per group g and for the whole batch laid
// side by side (columns p = n·P_out + oh·O_w + ow):
//   Y_g = W_g X_col,g + b 1ᵀ            W_g (K/G, R/G)   X_col,g (R/G, N·P_out)
// — the dense layer of chapter 3 with the output positions as the examples.
// So with Δ_g = δ in the same (K/G, N·P_out) layout:
//   ∂L/∂W_g     = Δ_g X_col,gᵀ            Σ_p ∂L/∂s_p x_pᵀ   (one GEMM, NT)
//   ∂L/∂b_k     = Σ_p Δ[k, p]             every position's δ of filter k
//   ∂L/∂X_col,g = W_gᵀ Δ_g                ∂L/∂x_p = Wᵀ ∂L/∂s_p (one GEMM, TN)
// and an input pixel that sat in several patches (overlapping windows)
// collects the sum of its copies' gradients: col2im scatters every entry of
// ∂L/∂X_col back to the pixel im2col took it from, ADDING.
//
// col2im is the adjoint (transpose) of im2col: for any X and Y of matching
// shapes ⟨col2im(Y), X⟩ = ⟨Y, im2col(X)⟩, since both sum Y[r, p] · x[the
// pixel of (r, p)] over the (r, p) that are inside the image.
// Derivations: chapters/ch07_cnn/README.md.
#pragma once

#include "ch06/conv.hpp"

namespace nn::ch07 {

using ch06::Conv2dGeometry;
using ch06::Conv2dWorkspace;

// dx[c, oh·S − P + i·D, ow·S − P + j·D] += col[(c·F_h + i)·F_w + j, oh·O_w + ow]
// for every entry that falls inside the image (padding entries are dropped).
//   col: rows of ld ≥ P_out values   dx: (C, H, W), ACCUMULATED        [exercise 7.1]
template <typename T>
void col2im(const T* col, const Im2colShape& shape, T* dx, std::int64_t ld);

// The three gradients of the conv layer, ACCUMULATED (+=):
//   d_w (K, C/G, F_h, F_w)   d_b (K) or empty   d_x (N, C, H, W) or empty
//   delta = ∂L/∂y (N, K, O_h, O_w)   w the weights   ws the workspace of the
//   forward pass on this batch (holds X_col; the backward pass overwrites it
//   with ∂L/∂X_col, so call it once per forward).                     [exercise 7.2]
template <typename T>
void conv2d_backward(TensorView<T> d_x, TensorView<T> d_w, TensorView<T> d_b, TensorView<const T> delta,
                     TensorView<const T> w, const Conv2dGeometry& g, Conv2dWorkspace<T>& ws);

}  // namespace nn::ch07
