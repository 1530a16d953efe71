// conv.cpp — Chapter 6 reference solution: direct convolution, im2col and
// the conv layer's forward pass through nn::gemm.
#include "ch06/conv.hpp"

#include <string>
#include <type_traits>

#include "nn/error.hpp"
#include "nn/threads.hpp"
#include "nn/gemm.hpp"
#include "nn/im2col.hpp"

namespace nn::ch06 {

namespace {

template <typename T>
void check_1d(std::span<T> out, std::span<const T> x, std::span<const T> theta) {
  if (theta.empty() || theta.size() > x.size() || out.size() != x.size() - theta.size() + 1)
    throw Error("1-D convolution: a kernel of " + std::to_string(theta.size()) + " over " +
                std::to_string(x.size()) + " values gives " +
                std::to_string(theta.empty() || theta.size() > x.size() ? 0 : x.size() - theta.size() + 1) +
                " outputs, not " + std::to_string(out.size()));
}

}  // namespace

template <typename T>
void correlate1d(std::span<T> out, std::span<const T> x, std::span<const T> theta) {
  check_1d(out, x, theta);
  for (std::size_t t = 0; t < out.size(); ++t) {
    T sum = T(0);
    for (std::size_t a = 0; a < theta.size(); ++a) sum += x[t + a] * theta[a];
    out[t] = sum;
  }
}

template <typename T>
void convolve1d(std::span<T> out, std::span<const T> x, std::span<const T> theta) {
  check_1d(out, x, theta);
  const std::size_t last = theta.size() - 1;
  for (std::size_t t = 0; t < out.size(); ++t) {
    T sum = T(0);
    for (std::size_t a = 0; a < theta.size(); ++a) sum += x[t + last - a] * theta[a];
    out[t] = sum;
  }
}

template <typename T>
Tensor<T> flip_kernel(TensorView<const T> w) {
  if (w.rank() != 4) throw Error("flip_kernel: w must be (K, C, F_h, F_w), got " + w.shape().str());
  Tensor<T> flipped(w.shape());
  const std::int64_t fh = w.dim(2), fw = w.dim(3);
  for (std::int64_t k = 0; k < w.dim(0); ++k)
    for (std::int64_t c = 0; c < w.dim(1); ++c)
      for (std::int64_t i = 0; i < fh; ++i)
        for (std::int64_t j = 0; j < fw; ++j) flipped(k, c, i, j) = w(k, c, fh - 1 - i, fw - 1 - j);
  return flipped;
}

void check_conv_shapes(const char* what, const Shape& y, const Shape& x, const Shape& w, std::int64_t bias_size,
                       const Conv2dGeometry& g) {
  g.validate();
  const std::int64_t n = x.rank() == 4 ? x[0] : -1;
  auto fail = [&](const std::string& why) {
    throw Error(std::string(what) + ": " + why + " (layer " + g.str() + "; x " + x.str() + ", w " + w.str() +
                ", y " + y.str() + ", bias " + std::to_string(bias_size) + ")");
  };
  if (!(x == g.input_shape(n))) fail("x must be " + g.input_shape(n).str());
  if (!(w == g.weight_shape())) fail("w must be " + g.weight_shape().str());
  if (!(y == g.output_shape(n))) fail("y must be " + g.output_shape(n).str());
  if (bias_size != 0 && bias_size != g.out_channels) fail("the bias must have K = " + std::to_string(g.out_channels) + " entries");
}

template <typename T>
void conv2d_direct(TensorView<T> y, TensorView<const T> x, TensorView<const T> w, TensorView<const T> b,
                   const Conv2dGeometry& g) {
  check_conv_shapes("conv2d_direct", y.shape(), x.shape(), w.shape(), b.size(), g);
  const int oh_count = g.out_h(), ow_count = g.out_w();
  const int k_per_group = g.out_channels / g.groups, c_per_group = g.in_channels / g.groups;
  // BEGIN EXERCISE 6.1 (direct 2-D convolution)
  //! y[n,k,oh,ow] = b[k] + Σ_{c,i,j} w[k,c,i,j] · x[n, g·C/G + c, oh·S − P + i·D, ow·S − P + j·D]
  //! with g = k / (K/G), c < C/G, and x = 0 outside the image (skip those taps).
  //! b.size() == 0 means no bias.
  for (std::int64_t n = 0; n < x.dim(0); ++n)
    for (int k = 0; k < g.out_channels; ++k) {
      const int first_channel = (k / k_per_group) * c_per_group;
      for (int oh = 0; oh < oh_count; ++oh)
        for (int ow = 0; ow < ow_count; ++ow) {
          T sum = b.size() ? b[k] : T(0);
          for (int c = 0; c < c_per_group; ++c)
            for (int i = 0; i < g.kernel_h; ++i) {
              const int ih = oh * g.stride - g.pad + i * g.dilation;
              if (ih < 0 || ih >= g.height) continue;
              for (int j = 0; j < g.kernel_w; ++j) {
                const int iw = ow * g.stride - g.pad + j * g.dilation;
                if (iw < 0 || iw >= g.width) continue;
                sum += w(k, c, i, j) * x(n, first_channel + c, ih, iw);
              }
            }
          y(n, k, oh, ow) = sum;
        }
    }
  // END EXERCISE
}

template <typename T>
void im2col(const T* x, const Im2colShape& s, T* col, std::int64_t ld) {
  check_im2col_shape(s, ld);
  const std::int64_t plane = std::int64_t{s.height} * s.width;
  // BEGIN EXERCISE 6.2 (im2col)
  //! Row r = (c·F_h + i)·F_w + j starts at col + r·ld; its entry oh·O_w + ow is
  //! x[c, ih, iw] (x + c·H·W + ih·W + iw) with ih = oh·S − P + i·D, iw = ow·S − P + j·D,
  //! or 0 when (ih, iw) lies outside the H×W image.
  for (int c = 0; c < s.channels; ++c)
    for (int i = 0; i < s.kernel_h; ++i)
      for (int j = 0; j < s.kernel_w; ++j) {
        T* row = col + ((std::int64_t{c} * s.kernel_h + i) * s.kernel_w + j) * ld;
        for (int oh = 0; oh < s.out_h; ++oh) {
          const int ih = oh * s.stride - s.pad + i * s.dilation;
          for (int ow = 0; ow < s.out_w; ++ow) {
            const int iw = ow * s.stride - s.pad + j * s.dilation;
            const bool inside = ih >= 0 && ih < s.height && iw >= 0 && iw < s.width;
            row[oh * s.out_w + ow] = inside ? x[c * plane + std::int64_t{ih} * s.width + iw] : T(0);
          }
        }
      }
  // END EXERCISE
}

template <typename T>
void Conv2dWorkspace<T>::prepare(const Conv2dGeometry& g, std::int64_t n) {
  const Im2colShape s = g.im2col_shape();
  const Shape col_shape{s.rows(), n * s.cols()}, mat_shape{g.out_channels, n * s.cols()};
  if (batch == n && col.shape() == col_shape && mat.shape() == mat_shape) return;
  col = Tensor<T>(col_shape);
  mat = Tensor<T>(mat_shape);
  batch = n;
}

template <typename T>
void conv2d_lower(TensorView<const T> x, const Conv2dGeometry& g, Conv2dWorkspace<T>& ws) {
  if (x.rank() != 4 || !(x.shape() == g.input_shape(x.dim(0))))
    throw Error("conv2d_lower: x " + x.shape().str() + " does not match the layer's input " +
                g.input_shape(x.rank() == 4 ? x.dim(0) : 1).str());
  const std::int64_t n = x.dim(0);
  ws.prepare(g, n);
  const Im2colShape s = g.im2col_shape();
  const std::int64_t positions = s.cols(), ld = n * positions, image = x.size() / (n ? n : 1);
  // X_col: image i fills columns i·P_out .. (i + 1)·P_out − 1. The images
  // are independent, so the threads share them (one thread inside a
  // parallel region, as in LeNet-5's slices).
  // A kernel that covers the whole unpadded image (one output position,
  // LeNet-5's c5) makes row r of image i's column its r-th value: X_col is
  // the batch transposed. Moved row by row for a group of images, not
  // through im2col image by image (a call per value).
  if (positions == 1 && s.pad == 0 && s.kernel_h == s.height && s.kernel_w == s.width) {
    const std::int64_t rows = s.rows();
    for_image_groups(n, positions, [&](std::int64_t first, std::int64_t end) {
      for (std::int64_t r = 0; r < rows; ++r) {
        T* out = ws.col.data() + r * ld;
        for (std::int64_t i = first; i < end; ++i) out[i] = x.data()[i * image + r];
      }
    });
    return;
  }
  for_image_groups(n, positions, [&](std::int64_t first, std::int64_t end) {
    for (std::int64_t i = first; i < end; ++i) {
      if constexpr (std::is_same_v<T, float>)
        nn::im2col(x.data() + i * image, s, ws.col.data() + i * positions, ld);
      else
        ch06::im2col<T>(x.data() + i * image, s, ws.col.data() + i * positions, ld);
    }
  });
}

template <typename T>
void conv2d_forward(TensorView<T> y, TensorView<const T> x, TensorView<const T> w, TensorView<const T> b,
                    const Conv2dGeometry& g, Conv2dWorkspace<T>& ws) {
  check_conv_shapes("conv2d_forward", y.shape(), x.shape(), w.shape(), b.size(), g);
  const std::int64_t n = x.dim(0);
  conv2d_lower<T>(x, g, ws);
  const Im2colShape s = g.im2col_shape();
  const std::int64_t positions = s.cols(), ld = n * positions;
  // Y_g = W_g · X_col,g   (K/G, N·P_out) = (K/G, C/G·F_h·F_w) · (C/G·F_h·F_w, N·P_out)
  const int kg = g.out_channels / g.groups;
  const int rows_g = static_cast<int>(s.rows() / g.groups);
  for (int grp = 0; grp < g.groups; ++grp)
    gemm(Trans::No, Trans::No, kg, static_cast<int>(ld), rows_g, T(1), w.data() + std::int64_t{grp} * kg * rows_g,
         rows_g, ws.col.data() + std::int64_t{grp} * rows_g * ld, static_cast<int>(ld), T(0),
         ws.mat.data() + std::int64_t{grp} * kg * ld, static_cast<int>(ld));
  // (K, N·P_out) → (N, K, O_h, O_w), adding the bias on the way.
  for_image_groups(n, positions, [&](std::int64_t first, std::int64_t end) {
    for (std::int64_t i = first; i < end; ++i)
      for (int k = 0; k < g.out_channels; ++k) {
        const T* src = ws.mat.data() + k * ld + i * positions;
        T* dst = y.data() + (i * g.out_channels + k) * positions;
        const T bias = b.size() ? b[k] : T(0);
        for (std::int64_t p = 0; p < positions; ++p) dst[p] = src[p] + bias;
      }
  });
}

#define NN_CH06_INSTANTIATE(T)                                                                                    \
  template void correlate1d<T>(std::span<T>, std::span<const T>, std::span<const T>);                             \
  template void convolve1d<T>(std::span<T>, std::span<const T>, std::span<const T>);                              \
  template Tensor<T> flip_kernel<T>(TensorView<const T>);                                                          \
  template void conv2d_direct<T>(TensorView<T>, TensorView<const T>, TensorView<const T>, TensorView<const T>,    \
                                 const Conv2dGeometry&);                                                           \
  template void im2col<T>(const T*, const Im2colShape&, T*, std::int64_t);                                         \
  template struct Conv2dWorkspace<T>;                                                                              \
  template void conv2d_lower<T>(TensorView<const T>, const Conv2dGeometry&, Conv2dWorkspace<T>&);                  \
  template void conv2d_forward<T>(TensorView<T>, TensorView<const T>, TensorView<const T>, TensorView<const T>,   \
                                  const Conv2dGeometry&, Conv2dWorkspace<T>&);
NN_CH06_INSTANTIATE(float)
NN_CH06_INSTANTIATE(double)
#undef NN_CH06_INSTANTIATE

}  // namespace nn::ch06
