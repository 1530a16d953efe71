// pooling.cpp — Chapter 7 reference solution: max and average pooling.
#include "ch07/pooling.hpp"

#include <string>
#include <type_traits>

#include "ch06/shapes.hpp"
#include "nn/error.hpp"
#include "nn/pool.hpp"

namespace nn::ch07 {

int Pool2dGeometry::out_h(int height) const { return ch06::conv_output_size(height, window_h, 0, stride); }
int Pool2dGeometry::out_w(int width) const { return ch06::conv_output_size(width, window_w, 0, stride); }
Shape Pool2dGeometry::output_shape(const Shape& in) const {
  if (in.rank() != 4) throw Error("pooling: the input must be (N, C, H, W), got " + in.str());
  return {in[0], in[1], out_h(static_cast<int>(in[2])), out_w(static_cast<int>(in[3]))};
}

namespace {

void check_pool(const char* what, const Shape& y, const Shape& x, const Pool2dGeometry& p) {
  const Shape expected = p.output_shape(x);
  if (!(y == expected))
    throw Error(std::string(what) + ": input " + x.str() + " pooled " + std::to_string(p.window_h) + "x" +
                std::to_string(p.window_w) + "/" + std::to_string(p.stride) + " gives " + expected.str() + ", not " +
                y.str());
}

}  // namespace

template <typename T>
void maxpool2d_forward(TensorView<T> y, TensorView<std::int32_t> argmax, TensorView<const T> x,
                       const Pool2dGeometry& p) {
  check_pool("maxpool2d_forward", y.shape(), x.shape(), p);
  if (!(argmax.shape() == y.shape()))
    throw Error("maxpool2d_forward: argmax " + argmax.shape().str() + " must match y " + y.shape().str());
  const std::int64_t planes = x.dim(0) * x.dim(1);
  const int height = static_cast<int>(x.dim(2)), width = static_cast<int>(x.dim(3));
  const int oh_count = static_cast<int>(y.dim(2)), ow_count = static_cast<int>(y.dim(3));
  // BEGIN EXERCISE 7.3 (max-pool forward)
  //! Plane q = n·C + c of x starts at x.data() + q·H·W, of y/argmax at q·O_h·O_w.
  //! Window (oh, ow) covers rows oh·S .. oh·S + F_h − 1 and columns ow·S .. ow·S + F_w − 1.
  //! Keep the FIRST maximum in row-major order (replace only on a strictly larger value)
  //! and store its in-plane index ih·W + iw in argmax.
  for (std::int64_t q = 0; q < planes; ++q) {
    const T* in = x.data() + q * height * width;
    T* out = y.data() + q * oh_count * ow_count;
    std::int32_t* arg = argmax.data() + q * oh_count * ow_count;
    for (int oh = 0; oh < oh_count; ++oh)
      for (int ow = 0; ow < ow_count; ++ow) {
        int best = (oh * p.stride) * width + ow * p.stride;
        for (int i = 0; i < p.window_h; ++i)
          for (int j = 0; j < p.window_w; ++j) {
            const int at = (oh * p.stride + i) * width + ow * p.stride + j;
            if (in[at] > in[best]) best = at;
          }
        out[oh * ow_count + ow] = in[best];
        arg[oh * ow_count + ow] = best;
      }
  }
  // END EXERCISE
}

template <typename T>
void maxpool2d_backward(TensorView<T> d_x, TensorView<const T> d_y, TensorView<const std::int32_t> argmax) {
  if (d_x.rank() != 4 || d_y.rank() != 4 || !(argmax.shape() == d_y.shape()) || d_x.dim(0) != d_y.dim(0) ||
      d_x.dim(1) != d_y.dim(1))
    throw Error("maxpool2d_backward: inconsistent shapes d_x " + d_x.shape().str() + ", d_y " + d_y.shape().str() +
                ", argmax " + argmax.shape().str());
  const std::int64_t planes = d_y.dim(0) * d_y.dim(1);
  const std::int64_t in_plane = d_x.dim(2) * d_x.dim(3), out_plane = d_y.dim(2) * d_y.dim(3);
  // BEGIN EXERCISE 7.4 (max-pool backward)
  //! In the forward pass this was: y[q, o] = x[q, argmax[q, o]]. So
  //!   d_x[q, argmax[q, o]] += d_y[q, o]   (+=: overlapping windows may pick the same pixel)
  for (std::int64_t q = 0; q < planes; ++q) {
    T* dst = d_x.data() + q * in_plane;
    const T* src = d_y.data() + q * out_plane;
    const std::int32_t* arg = argmax.data() + q * out_plane;
    for (std::int64_t o = 0; o < out_plane; ++o) dst[arg[o]] += src[o];
  }
  // END EXERCISE
}

template <typename T>
void avgpool2d_forward(TensorView<T> y, TensorView<const T> x, const Pool2dGeometry& p) {
  check_pool("avgpool2d_forward", y.shape(), x.shape(), p);
  const std::int64_t planes = x.dim(0) * x.dim(1);
  const int height = static_cast<int>(x.dim(2)), width = static_cast<int>(x.dim(3));
  const int oh_count = static_cast<int>(y.dim(2)), ow_count = static_cast<int>(y.dim(3));
  const T scale = T(1) / static_cast<T>(p.window_h * p.window_w);
  if (p.window_h == 2 && p.window_w == 2 && p.stride == 2) {
    // The common 2×2 / 2 case (LeNet-5's s2 and s4) with the window loops
    // unrolled: same sums in the same order, but the inner loop vectorises.
    // In float, the SIMD kernel of nn/pool.hpp (the same sums, to the bit).
    if constexpr (std::is_same_v<T, float>) {
      if (oh_count == height / 2 && ow_count == width / 2) return avgpool2x2(x.data(), planes, height, width, y.data());
    }
    for (std::int64_t q = 0; q < planes; ++q)
      for (int oh = 0; oh < oh_count; ++oh) {
        const T* r0 = x.data() + (q * height + 2 * oh) * width;
        const T* r1 = r0 + width;
        T* out = y.data() + (q * oh_count + oh) * ow_count;
        for (int ow = 0; ow < ow_count; ++ow)
          out[ow] = (((r0[2 * ow] + r0[2 * ow + 1]) + r1[2 * ow]) + r1[2 * ow + 1]) * scale;
      }
    return;
  }
  for (std::int64_t q = 0; q < planes; ++q) {
    const T* in = x.data() + q * height * width;
    T* out = y.data() + q * oh_count * ow_count;
    for (int oh = 0; oh < oh_count; ++oh)
      for (int ow = 0; ow < ow_count; ++ow) {
        T sum = T(0);
        for (int i = 0; i < p.window_h; ++i)
          for (int j = 0; j < p.window_w; ++j) sum += in[(oh * p.stride + i) * width + ow * p.stride + j];
        out[oh * ow_count + ow] = sum * scale;
      }
  }
}

template <typename T>
void avgpool2d_backward(TensorView<T> d_x, TensorView<const T> d_y, const Pool2dGeometry& p) {
  check_pool("avgpool2d_backward", d_y.shape(), d_x.shape(), p);
  const std::int64_t planes = d_x.dim(0) * d_x.dim(1);
  const int height = static_cast<int>(d_x.dim(2)), width = static_cast<int>(d_x.dim(3));
  const int oh_count = static_cast<int>(d_y.dim(2)), ow_count = static_cast<int>(d_y.dim(3));
  const T scale = T(1) / static_cast<T>(p.window_h * p.window_w);
  // BEGIN EXERCISE 7.5 (avg-pool backward)
  //! In the forward pass this was: y[q, oh, ow] = (1/(F_h·F_w)) Σ_{i,j} x[q, oh·S + i, ow·S + j]. So
  //!   d_x[q, oh·S + i, ow·S + j] += d_y[q, oh, ow] · scale   for every (i, j) of the window
  if (p.window_h == 2 && p.window_w == 2 && p.stride == 2) {
    // 2×2 / 2 (LeNet's s2 and s4) unrolled so the inner loop vectorises; in
    // float, the SIMD kernel of nn/pool.hpp (the same additions, to the bit).
    if constexpr (std::is_same_v<T, float>) {
      if (oh_count == height / 2 && ow_count == width / 2)
        return avgpool2x2_backward(d_y.data(), planes, height, width, d_x.data());
    }
    for (std::int64_t q = 0; q < planes; ++q)
      for (int oh = 0; oh < oh_count; ++oh) {
        T* r0 = d_x.data() + (q * height + 2 * oh) * width;
        T* r1 = r0 + width;
        const T* src = d_y.data() + (q * oh_count + oh) * ow_count;
        for (int ow = 0; ow < ow_count; ++ow) {
          const T share = src[ow] * scale;
          r0[2 * ow] += share;
          r0[2 * ow + 1] += share;
          r1[2 * ow] += share;
          r1[2 * ow + 1] += share;
        }
      }
    return;
  }
  for (std::int64_t q = 0; q < planes; ++q) {
    T* dst = d_x.data() + q * height * width;
    const T* src = d_y.data() + q * oh_count * ow_count;
    for (int oh = 0; oh < oh_count; ++oh)
      for (int ow = 0; ow < ow_count; ++ow) {
        const T share = src[oh * ow_count + ow] * scale;
        for (int i = 0; i < p.window_h; ++i)
          for (int j = 0; j < p.window_w; ++j) dst[(oh * p.stride + i) * width + ow * p.stride + j] += share;
      }
  }
  // END EXERCISE
}

#define NN_CH07_POOL_INSTANTIATE(T)                                                                           \
  template void maxpool2d_forward<T>(TensorView<T>, TensorView<std::int32_t>, TensorView<const T>,            \
                                     const Pool2dGeometry&);                                                  \
  template void maxpool2d_backward<T>(TensorView<T>, TensorView<const T>, TensorView<const std::int32_t>);    \
  template void avgpool2d_forward<T>(TensorView<T>, TensorView<const T>, const Pool2dGeometry&);              \
  template void avgpool2d_backward<T>(TensorView<T>, TensorView<const T>, const Pool2dGeometry&);
NN_CH07_POOL_INSTANTIATE(float)
NN_CH07_POOL_INSTANTIATE(double)
#undef NN_CH07_POOL_INSTANTIATE

}  // namespace nn::ch07
