// activations.cpp — Chapter 2 reference solutions: the activations. Each
// marked exercise region is what a learner writes (tools/make_exercises).
#include "ch02/activations.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "nn/error.hpp"
#include "nn/vexp.hpp"

namespace nn::ch02 {

namespace {

// The views come by value: passed by reference to a function that may throw,
// they would count as escaped, and the element loops after the check would
// reload their pointers and sizes on every step instead of vectorising.
template <typename A, typename B>
void check_same_shape(const char* what, A a, B b) {
  if (!(a.shape() == b.shape()))
    throw Error(std::string(what) + ": shapes differ, " + a.shape().str() + " vs " + b.shape().str());
}

template <typename T>
void check_backward(const char* what, TensorView<T> dz, TensorView<const T> da, TensorView<const T> z,
                    TensorView<const T> a) {
  check_same_shape(what, dz, da);
  check_same_shape(what, dz, z);
  check_same_shape(what, dz, a);
}

}  // namespace

std::string name(const Activation& g) {
  switch (g.kind) {
    case ActivationKind::Identity: return "identity";
    case ActivationKind::Sigmoid: return "sigmoid";
    case ActivationKind::Tanh: return "tanh";
    case ActivationKind::Relu: return "relu";
    case ActivationKind::LeakyRelu: return "leaky_relu";
    case ActivationKind::Elu: return "elu";
    case ActivationKind::Abs: return "abs";
    case ActivationKind::Softplus: return "softplus";
    case ActivationKind::Swish: return "swish";
  }
  return "?";
}

Activation parse_activation(std::string_view text) {
  for (const Activation& g : {Activation::identity(), Activation::sigmoid(), Activation::tanh(), Activation::relu(),
                              Activation::leaky_relu(), Activation::elu(), Activation::abs(), Activation::softplus(),
                              Activation::swish()})
    if (name(g) == text) return g;
  throw Error("unknown activation '" + std::string(text) +
              "' (expected one of: sigmoid, tanh, relu, leaky_relu, elu, abs, softplus, swish, identity)");
}

std::vector<Activation> chapter_activations() {
  return {Activation::sigmoid(), Activation::tanh(),     Activation::relu(),     Activation::leaky_relu(),
          Activation::elu(),     Activation::abs(),      Activation::softplus(), Activation::swish()};
}

std::vector<double> kinks(const Activation& g) {
  switch (g.kind) {
    case ActivationKind::Relu:
    case ActivationKind::LeakyRelu:
    case ActivationKind::Elu:  // continuous slope when α = 1, but its second derivative jumps
    case ActivationKind::Abs: return {0.0};
    default: return {};
  }
}

// ---- sigmoid --------------------------------------------------------------

template <typename T>
void sigmoid_forward(TensorView<T> a, TensorView<const T> z) {
  check_same_shape("sigmoid_forward", a, z);
  const std::int64_t n = z.size();
  // e = e^−|z| never overflows; then σ(z) = 1/(1 + e) for z ≥ 0 and
  // e/(1 + e) = σ(−|z|) for z < 0. The exponentials go through vexp in one
  // call, using a as the scratch buffer.
  // The loops are branch-free selects over raw pointers so that they
  // vectorise: a branch on the sign of z mispredicts half the time.
  T* out = a.data();
  const T* in = z.data();
  for (std::int64_t i = 0; i < n; ++i) out[i] = -std::abs(in[i]);
  vexp(out, out, static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const T e = out[i];
    const T numerator = in[i] >= T(0) ? T(1) : e;
    out[i] = numerator / (T(1) + e);
  }
}

template <typename T>
void sigmoid_backward(TensorView<T> dz, TensorView<const T> da, TensorView<const T> z, TensorView<const T> a) {
  check_backward("sigmoid_backward", dz, da, z, a);
  // BEGIN EXERCISE 2.1 (sigmoid backward)
  //! In the forward pass this was: a = σ(z). Its derivative is σ'(z) = σ(z)(1 − σ(z)),
  //! and σ(z) is already in a. Add da ⊙ σ'(z) into dz.
  for (std::int64_t i = 0; i < dz.size(); ++i) dz[i] += da[i] * a[i] * (T(1) - a[i]);
  // END EXERCISE
}

// ---- tanh -------------------------------------------------------------------

template <typename T>
void tanh_forward(TensorView<T> a, TensorView<const T> z) {
  check_same_shape("tanh_forward", a, z);
  const std::int64_t n = z.size();
  // tanh(z) = sign(z) (1 − e)/(1 + e) with e = e^−2|z| ≤ 1: no overflow. Near
  // 0 the subtraction 1 − e cancels, leaving an absolute error of a few
  // units of T's epsilon; below √eps, tanh(z) = z to within rounding.
  if constexpr (std::is_same_v<T, float>) {
    // The SIMD kernel (nn/vexp.hpp): the same formula in one pass, in registers.
    vtanh(z.data(), a.data(), static_cast<std::size_t>(n));
    return;
  }
  // Simple loops over raw pointers with selects instead of branches, so the
  // compiler vectorises them (a division inside a branch is not hoisted out:
  // it could trap, so it gets a loop of its own).
  const T small = std::sqrt(std::numeric_limits<T>::epsilon());
  T* out = a.data();
  const T* in = z.data();
  for (std::int64_t i = 0; i < n; ++i) out[i] = T(-2) * std::abs(in[i]);
  vexp(out, out, static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) out[i] = (T(1) - out[i]) / (T(1) + out[i]);
  for (std::int64_t i = 0; i < n; ++i) out[i] = std::abs(in[i]) < small ? in[i] : std::copysign(out[i], in[i]);
}

template <typename T>
void tanh_backward(TensorView<T> dz, TensorView<const T> da, TensorView<const T> z, TensorView<const T> a) {
  check_backward("tanh_backward", dz, da, z, a);
  // BEGIN EXERCISE 2.2 (tanh backward)
  //! In the forward pass this was: a = tanh(z), and tanh'(z) = 1 − tanh²(z) = 1 − a².
  if constexpr (std::is_same_v<T, float>) {
    // In float, the same expression 16 (or 8) at a time (nn/vexp.hpp), to the bit.
    vtanh_backward(da.data(), a.data(), dz.data(), static_cast<std::size_t>(dz.size()));
    return;
  }
  for (std::int64_t i = 0; i < dz.size(); ++i) dz[i] += da[i] * (T(1) - a[i] * a[i]);
  // END EXERCISE
}

// ---- the rectifiers: ReLU, leaky ReLU, |z| -----------------------------------

template <typename T>
void relu_forward(TensorView<T> a, TensorView<const T> z) {
  check_same_shape("relu_forward", a, z);
  for (std::int64_t i = 0; i < z.size(); ++i) a[i] = z[i] > T(0) ? z[i] : T(0);
}

template <typename T>
void relu_backward(TensorView<T> dz, TensorView<const T> da, TensorView<const T> z, TensorView<const T> a) {
  check_backward("relu_backward", dz, da, z, a);
  // BEGIN EXERCISE 2.3 (the rectifiers backward)
  //! a = max(0, z): the gradient passes where z > 0 and is stopped elsewhere.
  for (std::int64_t i = 0; i < dz.size(); ++i) {
    const T d = da[i];  // read on every path, so the select below needs no branch and vectorises
    dz[i] += z[i] > T(0) ? d : T(0);
  }
  // END EXERCISE
}

template <typename T>
void leaky_relu_forward(TensorView<T> a, TensorView<const T> z, T slope) {
  check_same_shape("leaky_relu_forward", a, z);
  for (std::int64_t i = 0; i < z.size(); ++i) a[i] = z[i] > T(0) ? z[i] : slope * z[i];
}

template <typename T>
void leaky_relu_backward(TensorView<T> dz, TensorView<const T> da, TensorView<const T> z, TensorView<const T> a,
                         T slope) {
  check_backward("leaky_relu_backward", dz, da, z, a);
  // BEGIN EXERCISE 2.3 (the rectifiers backward)
  //! a = max(slope·z, z) (slope < 1): the derivative is 1 for z > 0 and slope otherwise.
  for (std::int64_t i = 0; i < dz.size(); ++i) dz[i] += da[i] * (z[i] > T(0) ? T(1) : slope);
  // END EXERCISE
}

template <typename T>
void abs_forward(TensorView<T> a, TensorView<const T> z) {
  check_same_shape("abs_forward", a, z);
  for (std::int64_t i = 0; i < z.size(); ++i) a[i] = std::abs(z[i]);
}

template <typename T>
void abs_backward(TensorView<T> dz, TensorView<const T> da, TensorView<const T> z, TensorView<const T> a) {
  check_backward("abs_backward", dz, da, z, a);
  // BEGIN EXERCISE 2.3 (the rectifiers backward)
  //! a = |z|: the derivative is sign(z) (+1, −1, and 0 at the kink).
  for (std::int64_t i = 0; i < dz.size(); ++i) {
    const T sign = z[i] > T(0) ? T(1) : (z[i] < T(0) ? T(-1) : T(0));
    dz[i] += da[i] * sign;
  }
  // END EXERCISE
}

// ---- ELU ----------------------------------------------------------------------

template <typename T>
void elu_forward(TensorView<T> a, TensorView<const T> z, T alpha) {
  check_same_shape("elu_forward", a, z);
  const std::int64_t n = z.size();
  // e^min(z, 0) for all elements at once (never overflows), then select.
  for (std::int64_t i = 0; i < n; ++i) a[i] = std::min(z[i], T(0));
  vexp(a.data(), a.data(), static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) a[i] = z[i] > T(0) ? z[i] : alpha * (a[i] - T(1));
}

template <typename T>
void elu_backward(TensorView<T> dz, TensorView<const T> da, TensorView<const T> z, TensorView<const T> a, T alpha) {
  check_backward("elu_backward", dz, da, z, a);
  // BEGIN EXERCISE 2.4 (ELU backward)
  //! a = z for z > 0, α(e^z − 1) otherwise. The derivative for z ≤ 0 is α e^z,
  //! which is a + α: no second exponential needed.
  for (std::int64_t i = 0; i < dz.size(); ++i) dz[i] += da[i] * (z[i] > T(0) ? T(1) : a[i] + alpha);
  // END EXERCISE
}

// ---- softplus and swish ---------------------------------------------------------

template <typename T>
void softplus_forward(TensorView<T> a, TensorView<const T> z) {
  check_same_shape("softplus_forward", a, z);
  const std::int64_t n = z.size();
  // ln(1 + e^z) = max(z, 0) + ln(1 + e^−|z|): the exponential never
  // overflows, and log1p keeps the small values of z ≪ 0 exact.
  T* out = a.data();
  const T* in = z.data();
  for (std::int64_t i = 0; i < n; ++i) out[i] = -std::abs(in[i]);
  vexp(out, out, static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) out[i] = std::max(in[i], T(0)) + std::log1p(out[i]);
}

namespace {
// σ(z) without overflow, as sigmoid_forward computes it.
template <typename T>
T logistic(T z) {
  const T e = std::exp(-std::abs(z));
  return (z >= T(0) ? T(1) : e) / (T(1) + e);
}
}  // namespace

template <typename T>
void softplus_backward(TensorView<T> dz, TensorView<const T> da, TensorView<const T> z, TensorView<const T> a) {
  check_backward("softplus_backward", dz, da, z, a);
  // d/dz ln(1 + e^z) = e^z/(1 + e^z) = σ(z).
  for (std::int64_t i = 0; i < dz.size(); ++i) dz[i] += da[i] * logistic(z[i]);
}

template <typename T>
void swish_forward(TensorView<T> a, TensorView<const T> z) {
  check_same_shape("swish_forward", a, z);
  // z σ(z): the sigmoid as sigmoid_forward computes it, then the gate.
  sigmoid_forward<T>(a, z);
  const std::int64_t n = z.size();
  for (std::int64_t i = 0; i < n; ++i) a[i] *= z[i];
}

template <typename T>
void swish_backward(TensorView<T> dz, TensorView<const T> da, TensorView<const T> z, TensorView<const T> a) {
  check_backward("swish_backward", dz, da, z, a);
  // (z σ)' = σ + z σ(1 − σ) = σ + a(1 − σ) = a + σ(1 − a).
  for (std::int64_t i = 0; i < dz.size(); ++i) {
    const T s = logistic(z[i]);
    dz[i] += da[i] * (a[i] + s * (T(1) - a[i]));
  }
}

// ---- any activation ------------------------------------------------------------

template <typename T>
void activation_forward(const Activation& g, TensorView<T> a, TensorView<const T> z) {
  switch (g.kind) {
    case ActivationKind::Identity:
      check_same_shape("identity_forward", a, z);
      std::copy(z.begin(), z.end(), a.begin());
      return;
    case ActivationKind::Sigmoid: return sigmoid_forward<T>(a, z);
    case ActivationKind::Tanh: return tanh_forward<T>(a, z);
    case ActivationKind::Relu: return relu_forward<T>(a, z);
    case ActivationKind::LeakyRelu: return leaky_relu_forward<T>(a, z, static_cast<T>(g.alpha));
    case ActivationKind::Elu: return elu_forward<T>(a, z, static_cast<T>(g.alpha));
    case ActivationKind::Abs: return abs_forward<T>(a, z);
    case ActivationKind::Softplus: return softplus_forward<T>(a, z);
    case ActivationKind::Swish: return swish_forward<T>(a, z);
  }
}

template <typename T>
void activation_backward(const Activation& g, TensorView<T> dz, TensorView<const T> da, TensorView<const T> z,
                         TensorView<const T> a) {
  switch (g.kind) {
    case ActivationKind::Identity:
      check_backward("identity_backward", dz, da, z, a);
      for (std::int64_t i = 0; i < dz.size(); ++i) dz[i] += da[i];
      return;
    case ActivationKind::Sigmoid: return sigmoid_backward<T>(dz, da, z, a);
    case ActivationKind::Tanh: return tanh_backward<T>(dz, da, z, a);
    case ActivationKind::Relu: return relu_backward<T>(dz, da, z, a);
    case ActivationKind::LeakyRelu: return leaky_relu_backward<T>(dz, da, z, a, static_cast<T>(g.alpha));
    case ActivationKind::Elu: return elu_backward<T>(dz, da, z, a, static_cast<T>(g.alpha));
    case ActivationKind::Abs: return abs_backward<T>(dz, da, z, a);
    case ActivationKind::Softplus: return softplus_backward<T>(dz, da, z, a);
    case ActivationKind::Swish: return swish_backward<T>(dz, da, z, a);
  }
}

#define NN_CH02_ACT_INSTANTIATE(T)                                                                               \
  template void sigmoid_forward<T>(TensorView<T>, TensorView<const T>);                                          \
  template void sigmoid_backward<T>(TensorView<T>, TensorView<const T>, TensorView<const T>, TensorView<const T>); \
  template void tanh_forward<T>(TensorView<T>, TensorView<const T>);                                             \
  template void tanh_backward<T>(TensorView<T>, TensorView<const T>, TensorView<const T>, TensorView<const T>);   \
  template void relu_forward<T>(TensorView<T>, TensorView<const T>);                                             \
  template void relu_backward<T>(TensorView<T>, TensorView<const T>, TensorView<const T>, TensorView<const T>);   \
  template void leaky_relu_forward<T>(TensorView<T>, TensorView<const T>, T);                                    \
  template void leaky_relu_backward<T>(TensorView<T>, TensorView<const T>, TensorView<const T>,                  \
                                       TensorView<const T>, T);                                                 \
  template void abs_forward<T>(TensorView<T>, TensorView<const T>);                                              \
  template void abs_backward<T>(TensorView<T>, TensorView<const T>, TensorView<const T>, TensorView<const T>);    \
  template void elu_forward<T>(TensorView<T>, TensorView<const T>, T);                                           \
  template void elu_backward<T>(TensorView<T>, TensorView<const T>, TensorView<const T>, TensorView<const T>, T); \
  template void softplus_forward<T>(TensorView<T>, TensorView<const T>);                                         \
  template void softplus_backward<T>(TensorView<T>, TensorView<const T>, TensorView<const T>, TensorView<const T>); \
  template void swish_forward<T>(TensorView<T>, TensorView<const T>);                                            \
  template void swish_backward<T>(TensorView<T>, TensorView<const T>, TensorView<const T>, TensorView<const T>);  \
  template void activation_forward<T>(const Activation&, TensorView<T>, TensorView<const T>);                    \
  template void activation_backward<T>(const Activation&, TensorView<T>, TensorView<const T>,                    \
                                       TensorView<const T>, TensorView<const T>);

NN_CH02_ACT_INSTANTIATE(float)
NN_CH02_ACT_INSTANTIATE(double)

}  // namespace nn::ch02
