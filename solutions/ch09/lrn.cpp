// lrn.cpp — Chapter 9: local response normalisation, the reference loops.
#include "ch09/lrn.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <type_traits>

#include "nn/cpu.hpp"
#include "nn/error.hpp"
#include "nn/lrn_kernels.hpp"
#include "nn/threads.hpp"

namespace nn::ch09 {

void LrnParams::validate() const {
  char text[160];
  if (size < 1 || !(k > 0) || !(alpha >= 0) || !(beta >= 0)) {
    std::snprintf(text, sizeof text, "local response normalisation: n = %d, k = %g, alpha = %g, beta = %g; "
                  "it needs n >= 1, k > 0, alpha >= 0, beta >= 0", size, k, alpha, beta);
    throw Error(text);
  }
}

namespace {

void check_lrn(const char* what, const Shape& x, const Shape& other) {
  if (x.rank() != 4) throw Error(std::string(what) + ": x must be (N, C, H, W), got " + x.str());
  if (!(other == x)) throw Error(std::string(what) + ": a tensor of shape " + other.str() + " beside x " + x.str());
}

}  // namespace

template <typename T>
void lrn_forward(TensorView<T> y, TensorView<T> scale, TensorView<const T> x, const LrnParams& p) {
  p.validate();
  check_lrn("lrn_forward", x.shape(), y.shape());
  check_lrn("lrn_forward", x.shape(), scale.shape());
  const std::int64_t n = x.dim(0), channels = x.dim(1), plane = x.dim(2) * x.dim(3);
  const std::int64_t before = p.size / 2, after = (p.size - 1) / 2;
  const T k = static_cast<T>(p.k), alpha = static_cast<T>(p.alpha), beta = static_cast<T>(p.beta);
  // BEGIN EXERCISE 9.1 (LRN forward)
  //! For image i, channel c and position q (x at x.data() + (i·C + c)·plane + q):
  //!   S = Σ of x² over the channels c' = max(0, c − before) … min(C − 1, c + after), same i and q
  //!   scale = k + α·S,   y = x · scale^(−β)   (std::pow)
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t c = 0; c < channels; ++c) {
      const std::int64_t c0 = std::max<std::int64_t>(0, c - before), c1 = std::min(channels - 1, c + after);
      const T* in = x.data() + (i * channels + c) * plane;
      T* s = scale.data() + (i * channels + c) * plane;
      T* out = y.data() + (i * channels + c) * plane;
      for (std::int64_t q = 0; q < plane; ++q) {
        T sum = 0;
        for (std::int64_t d = c0; d <= c1; ++d) {
          const T v = x.data()[(i * channels + d) * plane + q];
          sum += v * v;
        }
        s[q] = k + alpha * sum;
        out[q] = in[q] * std::pow(s[q], -beta);
      }
    }
  // END EXERCISE
}

template <typename T>
void lrn_backward(TensorView<T> dx, TensorView<const T> dy, TensorView<const T> x, TensorView<const T> y,
                  TensorView<const T> scale, const LrnParams& p) {
  p.validate();
  for (const Shape& s : {dx.shape(), dy.shape(), y.shape(), scale.shape()}) check_lrn("lrn_backward", x.shape(), s);
  const std::int64_t n = x.dim(0), channels = x.dim(1), plane = x.dim(2) * x.dim(3);
  const std::int64_t before = p.size / 2, after = (p.size - 1) / 2;
  const T two_alpha_beta = static_cast<T>(2 * p.alpha * p.beta), beta = static_cast<T>(p.beta);
  // BEGIN EXERCISE 9.2 (LRN backward)
  //! In the forward pass this was y_c = x_c · s_c^(−β), s_c = k + α Σ_{c' ∈ W(c)} x_{c'}²; so
  //!   dx_j += dy_j · s_j^(−β) − 2αβ · x_j · Σ dy_c · y_c / s_c
  //! over the channels c whose window holds j: c = max(0, j − after) … min(C − 1, j + before).
  auto at = [&](std::int64_t i, std::int64_t c, std::int64_t q) { return (i * channels + c) * plane + q; };
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < channels; ++j) {
      const std::int64_t c0 = std::max<std::int64_t>(0, j - after), c1 = std::min(channels - 1, j + before);
      for (std::int64_t q = 0; q < plane; ++q) {
        T sum = 0;
        for (std::int64_t c = c0; c <= c1; ++c) sum += dy[at(i, c, q)] * y[at(i, c, q)] / scale[at(i, c, q)];
        const std::int64_t e = at(i, j, q);
        dx[e] += dy[e] * std::pow(scale[e], -beta) - two_alpha_beta * x[e] * sum;
      }
    }
  // END EXERCISE
}

template <typename T>
LocalResponseNorm<T>::LocalResponseNorm(LrnParams p) : p_(p) {
  p_.validate();
}

template <typename T>
std::string LocalResponseNorm<T>::describe() const {
  char text[96];
  std::snprintf(text, sizeof text, "LRN n=%d alpha=%g beta=%g k=%g", p_.size, p_.alpha, p_.beta, p_.k);
  return text;
}

template <typename T>
Shape LocalResponseNorm<T>::output_shape(const Shape& input) const {
  if (input.rank() != 4) throw Error(describe() + ": the input must be (N, C, H, W), got " + input.str());
  return input;
}

template <typename T>
void LocalResponseNorm<T>::prepare(const Shape& input) {
  scale_ = scale_store_.view(output_shape(input));
}

namespace {

// The AVX-512 kernels (nn/lrn_kernels.hpp) where they apply: float, the
// AVX-512 level active, a window of at most 16 channels. Otherwise the
// reference loops above.
bool use_kernels(const LrnParams& p) {
  return simd_level() == SimdLevel::Avx512 && p.size <= kernels::kLrnMaxWindow;
}

kernels::LrnArgs kernel_args(const Shape& x, const LrnParams& p) {
  kernels::LrnArgs a;
  a.images = 1;  // one image per call: the images are shared among the threads
  a.channels = x[1];
  a.plane = x[2] * x[3];
  a.before = p.size / 2;
  a.after = (p.size - 1) / 2;
  a.k = static_cast<float>(p.k);
  a.alpha = static_cast<float>(p.alpha);
  a.beta = static_cast<float>(p.beta);
  return a;
}

}  // namespace

template <typename T>
void LocalResponseNorm<T>::forward(TensorView<const T> x, TensorView<T> y, layers::Mode) {
  prepare(x.shape());
  normalise(x, y);
  scale_of_ = x.data();
}

template <typename T>
void LocalResponseNorm<T>::normalise(TensorView<const T> x, TensorView<T> y) {
  if constexpr (std::is_same_v<T, float>) {
    if (use_kernels(p_)) {
      check_lrn("LRN forward", x.shape(), y.shape());
      const kernels::LrnArgs a = kernel_args(x.shape(), p_);
      const std::int64_t image = a.channels * a.plane;
      parallel_for(x.dim(0), 1, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i)
          kernels::lrn_forward_avx512(x.data() + i * image, y.data() + i * image, scale_.data() + i * image, a);
      });
      return;
    }
  }
  lrn_forward<T>(y, scale_, x, p_);
}

template <typename T>
void LocalResponseNorm<T>::backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy,
                                    TensorView<T> dx) {
  if (!dx.size()) return;
  if (x.data() != scale_of_ || !(scale_.shape() == x.shape())) {
    prepare(x.shape());
    normalise(x, again_.view(x.shape()));
    scale_of_ = x.data();
  }
  if constexpr (std::is_same_v<T, float>) {
    if (use_kernels(p_)) {
      for (const Shape& s : {dx.shape(), dy.shape(), y.shape(), scale_.shape()}) check_lrn("LRN backward", x.shape(), s);
      const kernels::LrnArgs a = kernel_args(x.shape(), p_);
      const std::int64_t image = a.channels * a.plane;
      parallel_for(x.dim(0), 1, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i)
          kernels::lrn_backward_avx512(dx.data() + i * image, dy.data() + i * image, x.data() + i * image,
                                       y.data() + i * image, scale_.data() + i * image, a);
      });
      return;
    }
  }
  lrn_backward<T>(dx, dy, x, y, scale_, p_);
}

template <typename T>
std::int64_t LocalResponseNorm<T>::workspace_bytes() const {
  return scale_store_.bytes() + again_.bytes();
}

#define NN_CH09_LRN_INSTANTIATE(T)                                                                              \
  template void lrn_forward<T>(TensorView<T>, TensorView<T>, TensorView<const T>, const LrnParams&);            \
  template void lrn_backward<T>(TensorView<T>, TensorView<const T>, TensorView<const T>, TensorView<const T>,  \
                                TensorView<const T>, const LrnParams&);                                        \
  template class LocalResponseNorm<T>;
NN_CH09_LRN_INSTANTIATE(float)
NN_CH09_LRN_INSTANTIATE(double)
#undef NN_CH09_LRN_INSTANTIATE

}  // namespace nn::ch09
