// conv_backward.cpp — Chapter 7 reference solution: col2im and the conv
// layer's backward pass (GEMMs + col2im).
#include "ch07/conv_backward.hpp"

#include <string>
#include <type_traits>

#include "nn/error.hpp"
#include "nn/gemm.hpp"
#include "nn/im2col.hpp"
#include "nn/threads.hpp"

namespace nn::ch07 {

template <typename T>
void col2im(const T* col, const Im2colShape& s, T* dx, std::int64_t ld) {
  check_im2col_shape(s, ld);
  const std::int64_t plane = std::int64_t{s.height} * s.width;
  // BEGIN EXERCISE 7.1 (col2im)
  //! The mirror image of im2col: the same loops, the same (ih, iw), but
  //!   in the forward pass this was:  col[r, oh·O_w + ow] = x[c, ih, iw]
  //!   so now:                        dx[c, ih, iw] += col[r, oh·O_w + ow]
  //! (+=: a pixel inside several windows collects every copy's gradient;
  //! entries in the padding have no pixel and are dropped).
  for (int c = 0; c < s.channels; ++c)
    for (int i = 0; i < s.kernel_h; ++i)
      for (int j = 0; j < s.kernel_w; ++j) {
        const T* row = col + ((std::int64_t{c} * s.kernel_h + i) * s.kernel_w + j) * ld;
        for (int oh = 0; oh < s.out_h; ++oh) {
          const int ih = oh * s.stride - s.pad + i * s.dilation;
          if (ih < 0 || ih >= s.height) continue;
          T* dst = dx + c * plane + std::int64_t{ih} * s.width;
          for (int ow = 0; ow < s.out_w; ++ow) {
            const int iw = ow * s.stride - s.pad + j * s.dilation;
            if (iw >= 0 && iw < s.width) dst[iw] += row[oh * s.out_w + ow];
          }
        }
      }
  // END EXERCISE
}

template <typename T>
void conv2d_backward(TensorView<T> d_x, TensorView<T> d_w, TensorView<T> d_b, TensorView<const T> delta,
                     TensorView<const T> w, const Conv2dGeometry& g, Conv2dWorkspace<T>& ws) {
  const std::int64_t n = delta.rank() == 4 ? delta.dim(0) : -1;
  ch06::check_conv_shapes("conv2d_backward", delta.shape(), g.input_shape(n), w.shape(), d_b.size(), g);
  if (!(d_w.shape() == w.shape()))
    throw Error("conv2d_backward: d_w " + d_w.shape().str() + " must match w " + w.shape().str());
  const bool want_d_x = d_x.data() != nullptr;
  if (want_d_x && !(d_x.shape() == g.input_shape(n)))
    throw Error("conv2d_backward: d_x " + d_x.shape().str() + " must be " + g.input_shape(n).str());
  const Im2colShape s = g.im2col_shape();
  if (ws.batch != n || ws.col.dim(0) != s.rows() || ws.col.dim(1) != n * s.cols())
    throw Error("conv2d_backward: the workspace does not hold this layer's forward pass on a batch of " +
                std::to_string(n));
  const std::int64_t positions = s.cols(), ld = n * positions;
  const int kg = g.out_channels / g.groups, rows_g = static_cast<int>(s.rows() / g.groups);
  const int ldi = static_cast<int>(ld);
  // Δ: δ (N, K, P_out) → (K, N·P_out), the layout of Y in the forward pass.
  ch06::for_image_groups(n, positions, [&](std::int64_t first, std::int64_t end) {
    for (std::int64_t i = first; i < end; ++i)
      for (int k = 0; k < g.out_channels; ++k) {
        const T* src = delta.data() + (i * g.out_channels + k) * positions;
        T* dst = ws.mat.data() + k * ld + i * positions;
        for (std::int64_t p = 0; p < positions; ++p) dst[p] = src[p];
      }
  });
  const T* Delta = ws.mat.data();
  T* X_col = ws.col.data();
  const std::int64_t image = std::int64_t{g.in_channels} * g.height * g.width;
  // BEGIN EXERCISE 7.2 (conv backward)
  //! Per group grp (rows of W, Δ: grp·K/G ..; rows of X_col: grp·R/G ..; ld = N·P_out):
  //!   d_w_g += Δ_g X_col,gᵀ   gemm(Trans::No, Trans::Yes, K/G, R/G, N·P_out, 1, Δ_g, ld, X_col,g, ld, 1, d_w_g, R/G)
  //!   d_b[k] += Σ_p Δ[k, p]   (if d_b is not empty)
  //! Then, only if d_x is wanted, and only AFTER every d_w (it reads X_col):
  //!   X_col,g = W_gᵀ Δ_g      gemm(Trans::Yes, Trans::No, R/G, N·P_out, K/G, 1, W_g, R/G, Δ_g, ld, 0, X_col,g, ld)
  //!   and col2im of image i's columns (X_col + i·P_out) into d_x + i·C·H·W.
  for (int grp = 0; grp < g.groups; ++grp)
    gemm(Trans::No, Trans::Yes, kg, rows_g, ldi, T(1), Delta + std::int64_t{grp} * kg * ld, ldi,
         X_col + std::int64_t{grp} * rows_g * ld, ldi, T(1), d_w.data() + std::int64_t{grp} * kg * rows_g, rows_g);
  if (d_b.size())
    for (int k = 0; k < g.out_channels; ++k) {
      // Eight running sums instead of one: one chain of dependent additions
      // would wait on each one's latency; eight independent ones vectorise.
      const T* row = Delta + k * ld;
      T part[8] = {};
      std::int64_t p = 0;
      for (; p + 8 <= ld; p += 8)
        for (int l = 0; l < 8; ++l) part[l] += row[p + l];
      T sum = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
      for (; p < ld; ++p) sum += row[p];
      d_b[k] += sum;
    }
  if (want_d_x) {
    for (int grp = 0; grp < g.groups; ++grp)
      gemm(Trans::Yes, Trans::No, rows_g, ldi, kg, T(1), w.data() + std::int64_t{grp} * kg * rows_g, rows_g,
           Delta + std::int64_t{grp} * kg * ld, ldi, T(0), X_col + std::int64_t{grp} * rows_g * ld, ldi);
    ch06::for_image_groups(n, positions, [&](std::int64_t first, std::int64_t end) {  // images are independent
      for (std::int64_t i = first; i < end; ++i) {
        if constexpr (std::is_same_v<T, float>)  // the SIMD kernel (nn/im2col.hpp), bit-identical to col2im
          nn::col2im(X_col + i * positions, s, d_x.data() + i * image, ld);
        else
          col2im<T>(X_col + i * positions, s, d_x.data() + i * image, ld);
      }
    });
  }
  // END EXERCISE
}

#define NN_CH07_CONV_INSTANTIATE(T)                                                                      \
  template void col2im<T>(const T*, const Im2colShape&, T*, std::int64_t);                               \
  template void conv2d_backward<T>(TensorView<T>, TensorView<T>, TensorView<T>, TensorView<const T>,     \
                                   TensorView<const T>, const Conv2dGeometry&, Conv2dWorkspace<T>&);
NN_CH07_CONV_INSTANTIATE(float)
NN_CH07_CONV_INSTANTIATE(double)
#undef NN_CH07_CONV_INSTANTIATE

}  // namespace nn::ch07
