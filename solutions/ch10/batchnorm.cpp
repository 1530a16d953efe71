// batchnorm.cpp — Chapter 10: batch normalisation, the reference loops and the layer.
#include "ch10/batchnorm.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <type_traits>

#include "nn/batchnorm_kernels.hpp"
#include "nn/cpu.hpp"
#include "nn/error.hpp"
#include "nn/threads.hpp"

namespace nn::ch10 {

void BatchNormParams::validate() const {
  if (!(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
    char text[160];
    std::snprintf(text, sizeof text, "batch norm: eps = %g, momentum = %g; it needs eps > 0 and 0 <= momentum <= 1",
                  eps, momentum);
    throw Error(text);
  }
}

namespace {

// The layout every function here walks: N images, C features, `plane`
// values of a feature per image (H·W, or 1 for a dense layer's output).
struct Layout {
  std::int64_t n, c, plane;
  std::int64_t per_feature() const { return n * plane; }  // M
};

Layout layout_of(const char* what, const Shape& x) {
  if (x.rank() != 2 && x.rank() != 4)
    throw Error(std::string(what) + ": x must be (N, C) or (N, C, H, W), got " + x.str());
  return {x[0], x[1], x.rank() == 4 ? x[2] * x[3] : 1};
}

void check_same(const char* what, const Shape& x, const Shape& other) {
  if (!(other == x)) throw Error(std::string(what) + ": a tensor of shape " + other.str() + " beside x " + x.str());
}

void check_features(const char* what, const Layout& l, const Shape& v) {
  if (v.rank() != 1 || v[0] != l.c)
    throw Error(std::string(what) + ": a per-feature tensor of shape " + v.str() + " for " + std::to_string(l.c) +
                " features");
}

}  // namespace

template <typename T>
void batchnorm_forward_train(TensorView<T> y, TensorView<T> xhat, TensorView<T> mean, TensorView<T> inv_std,
                             TensorView<const T> x, TensorView<const T> gamma, TensorView<const T> beta, double eps) {
  const Layout l = layout_of("batchnorm_forward_train", x.shape());
  check_same("batchnorm_forward_train", x.shape(), y.shape());
  check_same("batchnorm_forward_train", x.shape(), xhat.shape());
  for (const Shape& s : {mean.shape(), inv_std.shape(), gamma.shape(), beta.shape()})
    check_features("batchnorm_forward_train", l, s);
  if (l.per_feature() < 2)
    throw Error("batch norm in training mode: " + std::to_string(l.per_feature()) + " value per feature in a batch " +
                x.shape().str() + "; the variance needs at least 2");
  const T e = static_cast<T>(eps);
  const auto M = static_cast<T>(l.per_feature());
  // BEGIN EXERCISE 10.1 (batch norm forward, training mode)
  //! Feature c of image i is the run of `plane` values at x.data() + (i·C + c)·plane.
  //! For each feature c, over its M = N·plane values:
  //!   μ = Σ x / M,  σ² = Σ (x − μ)² / M (two passes: the mean first),  s = 1/√(σ² + ε)
  //!   mean[c] = μ, inv_std[c] = s, x̂ = (x − μ)·s, y = γ[c]·x̂ + β[c]
  for (std::int64_t c = 0; c < l.c; ++c) {
    T sum = 0;
    for (std::int64_t i = 0; i < l.n; ++i) {
      const T* in = x.data() + (i * l.c + c) * l.plane;
      for (std::int64_t q = 0; q < l.plane; ++q) sum += in[q];
    }
    const T mu = sum / M;
    T squares = 0;
    for (std::int64_t i = 0; i < l.n; ++i) {
      const T* in = x.data() + (i * l.c + c) * l.plane;
      for (std::int64_t q = 0; q < l.plane; ++q) squares += (in[q] - mu) * (in[q] - mu);
    }
    const T s = T(1) / std::sqrt(squares / M + e);
    mean[c] = mu;
    inv_std[c] = s;
    for (std::int64_t i = 0; i < l.n; ++i) {
      const std::int64_t at = (i * l.c + c) * l.plane;
      for (std::int64_t q = 0; q < l.plane; ++q) {
        const T h = (x.data()[at + q] - mu) * s;
        xhat.data()[at + q] = h;
        y.data()[at + q] = gamma[c] * h + beta[c];
      }
    }
  }
  // END EXERCISE
}

template <typename T>
void batchnorm_backward(TensorView<T> dx, TensorView<T> dgamma, TensorView<T> dbeta, TensorView<const T> dy,
                        TensorView<const T> xhat, TensorView<const T> inv_std, TensorView<const T> gamma) {
  const Layout l = layout_of("batchnorm_backward", xhat.shape());
  check_same("batchnorm_backward", xhat.shape(), dy.shape());
  if (dx.size()) check_same("batchnorm_backward", xhat.shape(), dx.shape());
  for (const Shape& s : {dgamma.shape(), dbeta.shape(), inv_std.shape(), gamma.shape()})
    check_features("batchnorm_backward", l, s);
  const auto M = static_cast<T>(l.per_feature());
  // BEGIN EXERCISE 10.2 (batch norm backward)
  //! For each feature c, over its M values (laid out as in exercise 10.1):
  //!   Σdy = Σ dy,  Σdyx̂ = Σ dy·x̂
  //!   dbeta[c] += Σdy,  dgamma[c] += Σdyx̂
  //!   unless dx is empty: dx += γ[c]·inv_std[c]/M · (M·dy − Σdy − x̂·Σdyx̂)
  for (std::int64_t c = 0; c < l.c; ++c) {
    T sum_dy = 0, sum_dy_xhat = 0;
    for (std::int64_t i = 0; i < l.n; ++i) {
      const std::int64_t at = (i * l.c + c) * l.plane;
      for (std::int64_t q = 0; q < l.plane; ++q) {
        sum_dy += dy.data()[at + q];
        sum_dy_xhat += dy.data()[at + q] * xhat.data()[at + q];
      }
    }
    dbeta[c] += sum_dy;
    dgamma[c] += sum_dy_xhat;
    if (!dx.size()) continue;
    const T scale = gamma[c] * inv_std[c] / M;
    for (std::int64_t i = 0; i < l.n; ++i) {
      const std::int64_t at = (i * l.c + c) * l.plane;
      for (std::int64_t q = 0; q < l.plane; ++q)
        dx.data()[at + q] += scale * (M * dy.data()[at + q] - sum_dy - xhat.data()[at + q] * sum_dy_xhat);
    }
  }
  // END EXERCISE
}

template <typename T>
void batchnorm_forward_eval(TensorView<T> y, TensorView<const T> x, TensorView<const T> running_mean,
                            TensorView<const T> running_var, TensorView<const T> gamma, TensorView<const T> beta,
                            double eps) {
  const Layout l = layout_of("batchnorm_forward_eval", x.shape());
  check_same("batchnorm_forward_eval", x.shape(), y.shape());
  for (const Shape& s : {running_mean.shape(), running_var.shape(), gamma.shape(), beta.shape()})
    check_features("batchnorm_forward_eval", l, s);
  for (std::int64_t c = 0; c < l.c; ++c) {
    const T scale = gamma[c] / std::sqrt(running_var[c] + static_cast<T>(eps)), shift = beta[c] - running_mean[c] * scale;
    for (std::int64_t i = 0; i < l.n; ++i) {
      const std::int64_t at = (i * l.c + c) * l.plane;
      for (std::int64_t q = 0; q < l.plane; ++q) y.data()[at + q] = x.data()[at + q] * scale + shift;
    }
  }
}

template <typename T>
bool BatchNorm<T>::use_kernels() const {
  return simd_level() == SimdLevel::Avx512;
}

// The features shared out among the threads: one at a time for conv
// outputs, blocks of 16 (a register's worth) for dense ones.
template <typename T>
template <typename F>
void BatchNorm<T>::for_features(std::int64_t plane, F&& f, const kernels::BatchNormArgs& a) const {
  if (plane > 1) {
    parallel_for(features_, 1, [&](std::int64_t c0, std::int64_t c1) {
      kernels::BatchNormArgs part = a;
      part.c0 = c0;
      part.c1 = c1;
      f(part);
    });
    return;
  }
  const std::int64_t blocks = (features_ + 15) / 16;
  parallel_for(blocks, 1, [&](std::int64_t b0, std::int64_t b1) {
    kernels::BatchNormArgs part = a;
    part.c0 = b0 * 16;
    part.c1 = std::min(features_, b1 * 16);
    f(part);
  });
}

template <typename T>
BatchNorm<T>::BatchNorm(std::int64_t features, BatchNormParams p)
    : weight(Shape{features}),
      bias(Shape{features}),
      d_weight(Shape{features}),
      d_bias(Shape{features}),
      running_mean(Shape{features}),
      running_var(Shape{features}),
      batches_seen(Shape{1}),
      features_(features),
      p_(p),
      mean_(Shape{features}),
      inv_std_(Shape{features}) {
  if (features < 1) throw Error("batch norm: " + std::to_string(features) + " features; it needs at least 1");
  p_.validate();
  weight.fill(T(1));
  running_var.fill(T(1));
}

template <typename T>
std::string BatchNorm<T>::describe() const {
  char text[96];
  std::snprintf(text, sizeof text, "batch norm %lld eps=%g momentum=%g", static_cast<long long>(features_), p_.eps,
                p_.momentum);
  return text;
}

template <typename T>
Shape BatchNorm<T>::output_shape(const Shape& input) const {
  if ((input.rank() != 2 && input.rank() != 4) || input[1] != features_)
    throw Error(describe() + ": the input must be (N, " + std::to_string(features_) + ") or (N, " +
                std::to_string(features_) + ", H, W), got " + input.str());
  return input;
}

template <typename T>
void BatchNorm<T>::prepare(const Shape& input) {
  (void)xhat_.view(output_shape(input));
}

template <typename T>
void BatchNorm<T>::forward(TensorView<const T> x, TensorView<T> y, layers::Mode mode) {
  const Shape shape = output_shape(x.shape());
  trained_ = mode == layers::Mode::Train;
  if (!trained_) {
    batchnorm_forward_eval<T>(y, x, running_mean.view(), running_var.view(), weight.view(), bias.view(), p_.eps);
    return;
  }
  const std::int64_t plane = x.rank() == 4 ? x.dim(2) * x.dim(3) : 1, M = x.dim(0) * plane;
  bool done = false;
  if constexpr (std::is_same_v<T, float>) {
    if (use_kernels()) {
      if (M < 2)  // as the reference says it
        batchnorm_forward_train<T>(y, xhat_.view(shape), mean_.view(), inv_std_.view(), x, weight.view(),
                                   bias.view(), p_.eps);
      const kernels::BatchNormArgs a{x.dim(0), features_, plane, 0, 0};
      TensorView<T> xhat = xhat_.view(shape);
      for_features(plane, [&](const kernels::BatchNormArgs& part) {
        kernels::batchnorm_forward_train_avx512(x.data(), y.data(), xhat.data(), mean_.data(), inv_std_.data(),
                                                weight.data(), bias.data(), static_cast<float>(p_.eps), part);
      }, a);
      done = true;
    }
  }
  if (!done)
    batchnorm_forward_train<T>(y, xhat_.view(shape), mean_.view(), inv_std_.view(), x, weight.view(), bias.view(),
                               p_.eps);
  // The running statistics, PyTorch's way: the variance unbiased, M/(M − 1).
  // σ² comes back from 1/√(σ² + ε), in double so that float loses nothing
  // that matters (σ² ≫ ε for a feature that is not constant).
  const T m = static_cast<T>(p_.momentum);
  const double unbias = static_cast<double>(M) / static_cast<double>(M - 1);
  for (std::int64_t c = 0; c < features_; ++c) {
    const auto s = static_cast<double>(inv_std_[c]);
    const double var = 1.0 / (s * s) - p_.eps;
    running_mean[c] = (1 - m) * running_mean[c] + m * mean_[c];
    running_var[c] = (1 - m) * running_var[c] + m * static_cast<T>(var * unbias);
  }
  batches_seen[0] += T(1);
}

template <typename T>
void BatchNorm<T>::backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) {
  (void)y;
  const Shape shape = output_shape(x.shape());
  if (!trained_)
    throw Error(describe() + ": backward after a forward pass in evaluation mode (train the network in training mode)");
  if constexpr (std::is_same_v<T, float>) {
    if (use_kernels()) {
      if (!(dy.shape() == shape) || (dx.size() && !(dx.shape() == shape)))
        throw Error(describe() + ": backward with dy " + dy.shape().str() + " and dx " + dx.shape().str() +
                    " for x " + shape.str());
      const std::int64_t plane = x.rank() == 4 ? x.dim(2) * x.dim(3) : 1;
      const kernels::BatchNormArgs a{x.dim(0), features_, plane, 0, 0};
      const T* xhat = xhat_.view(shape).data();
      T* d_in = dx.size() ? dx.data() : nullptr;
      for_features(plane, [&](const kernels::BatchNormArgs& part) {
        kernels::batchnorm_backward_avx512(d_in, d_weight.data(), d_bias.data(), dy.data(), xhat, inv_std_.data(),
                                           weight.data(), part);
      }, a);
      return;
    }
  }
  batchnorm_backward<T>(dx, d_weight.view(), d_bias.view(), dy, xhat_.view(shape), inv_std_.view(), weight.view());
}

template <typename T>
void BatchNorm<T>::parameters(const std::string& prefix, std::vector<layers::Parameter<T>>& out) {
  // Not decayed: γ and β set a scale and an offset, as a bias does.
  out.push_back({layers::join_name(prefix, "weight"), weight.view(), d_weight.view(), false});
  out.push_back({layers::join_name(prefix, "bias"), bias.view(), d_bias.view(), false});
}

template <typename T>
void BatchNorm<T>::states(const std::string& prefix, std::vector<layers::State<T>>& out) {
  out.push_back({layers::join_name(prefix, "running_mean"), running_mean.view()});
  out.push_back({layers::join_name(prefix, "running_var"), running_var.view()});
  out.push_back({layers::join_name(prefix, "num_batches_tracked"), batches_seen.view()});
}

template <typename T>
void BatchNorm<T>::initialize(layers::Init, Rng&) {
  weight.fill(T(1));
  bias.fill(T(0));
  running_mean.fill(T(0));
  running_var.fill(T(1));
  batches_seen.fill(T(0));
}

template <typename T>
std::int64_t BatchNorm<T>::workspace_bytes() const {
  return xhat_.bytes() + (mean_.size() + inv_std_.size()) * static_cast<std::int64_t>(sizeof(T));
}

#define NN_CH10_BATCHNORM_INSTANTIATE(T)                                                                          \
  template void batchnorm_forward_train<T>(TensorView<T>, TensorView<T>, TensorView<T>, TensorView<T>,             \
                                           TensorView<const T>, TensorView<const T>, TensorView<const T>, double); \
  template void batchnorm_backward<T>(TensorView<T>, TensorView<T>, TensorView<T>, TensorView<const T>,            \
                                      TensorView<const T>, TensorView<const T>, TensorView<const T>);              \
  template void batchnorm_forward_eval<T>(TensorView<T>, TensorView<const T>, TensorView<const T>,                 \
                                          TensorView<const T>, TensorView<const T>, TensorView<const T>, double);  \
  template class BatchNorm<T>;
NN_CH10_BATCHNORM_INSTANTIATE(float)
NN_CH10_BATCHNORM_INSTANTIATE(double)
#undef NN_CH10_BATCHNORM_INSTANTIATE

}  // namespace nn::ch10
