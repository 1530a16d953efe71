// worked.cpp — Chapter 3 reference solutions: the worked cases, by hand.
#include "ch03/worked.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "nn/error.hpp"

namespace nn::ch03 {

namespace {

template <typename T>
T sigmoid(T z) {
  if (z >= T(0)) return T(1) / (T(1) + std::exp(-z));
  const T e = std::exp(z);
  return e / (T(1) + e);
}

// out(n, k) = g(Σ_d theta(k, d) in(n, d) + bias(k)), g = σ or identity.
template <typename T>
Tensor<T> affine(const DenseParams<T>& p, TensorView<const T> in, bool apply_sigmoid) {
  if (in.rank() != 2 || p.theta.rank() != 2 || p.theta.dim(1) != in.dim(1) || p.bias.size() != p.theta.dim(0))
    throw Error("worked example: shapes " + in.shape().str() + " and " + p.theta.shape().str() + " do not chain");
  const std::int64_t n = in.dim(0), k = p.theta.dim(0), d = in.dim(1);
  Tensor<T> out(Shape{n, k});
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < k; ++j) {
      T s = p.bias(j);
      for (std::int64_t m = 0; m < d; ++m) s += p.theta(j, m) * in(i, m);
      out(i, j) = apply_sigmoid ? sigmoid(s) : s;
    }
  return out;
}

// grad.theta += δᵀ in, grad.bias += Σ_n δ_n
template <typename T>
void accumulate(DenseParams<T>& grad, const Tensor<T>& delta, TensorView<const T> in) {
  for (std::int64_t i = 0; i < delta.dim(0); ++i)
    for (std::int64_t j = 0; j < delta.dim(1); ++j) {
      grad.bias(j) += delta(i, j);
      for (std::int64_t m = 0; m < in.dim(1); ++m) grad.theta(j, m) += delta(i, j) * in(i, m);
    }
}

template <typename T>
T squared_loss(const Tensor<T>& a, TensorView<const T> y) {
  if (!(a.shape() == y.shape())) throw Error("worked example: targets " + y.shape().str() + " vs " + a.shape().str());
  T sum = 0;
  for (std::int64_t i = 0; i < a.size(); ++i) sum += (a[i] - y[i]) * (a[i] - y[i]);
  return sum / static_cast<T>(a.dim(0));
}

}  // namespace

template <typename T>
T one_layer_sigmoid_squared(const DenseParams<T>& layer, TensorView<const T> x, TensorView<const T> y,
                            DenseParams<T>& grad) {
  const Tensor<T> a = affine(layer, x, true);
  const T loss = squared_loss(a, y);
  const T inv_n = T(1) / static_cast<T>(x.dim(0));
  Tensor<T> delta(a.shape());
  // BEGIN EXERCISE 3.3 (the worked cases by hand)
  //! δ = (2/N)(a − y) ⊙ a ⊙ (1 − a), then ∂L/∂Θ += δᵀ x and ∂L/∂b += Σ_n δ_n (use accumulate).
  for (std::int64_t i = 0; i < a.size(); ++i) delta[i] = T(2) * inv_n * (a[i] - y[i]) * a[i] * (T(1) - a[i]);
  accumulate(grad, delta, x);
  // END EXERCISE
  return loss;
}

template <typename T>
T two_layer_sigmoid_squared(const DenseParams<T>& layer1, const DenseParams<T>& layer2, TensorView<const T> x,
                            TensorView<const T> y, DenseParams<T>& grad1, DenseParams<T>& grad2) {
  const Tensor<T> h = affine(layer1, x, true);
  const Tensor<T> a = affine(layer2, h.view(), true);
  const T loss = squared_loss(a, y);
  const T inv_n = T(1) / static_cast<T>(x.dim(0));
  Tensor<T> delta2(a.shape()), delta1(h.shape());
  // BEGIN EXERCISE 3.3 (the worked cases by hand)
  //! δ2 = (2/N)(a − y) ⊙ a ⊙ (1 − a);   δ1 = h ⊙ (1 − h) ⊙ (Θ2ᵀ δ2), i.e. δ1(n, j) = h(1 − h) Σ_k δ2(n, k) Θ2(k, j)
  //! then accumulate both layers' gradients (layer 2's input is h, layer 1's is x).
  for (std::int64_t i = 0; i < a.size(); ++i) delta2[i] = T(2) * inv_n * (a[i] - y[i]) * a[i] * (T(1) - a[i]);
  for (std::int64_t n = 0; n < h.dim(0); ++n)
    for (std::int64_t j = 0; j < h.dim(1); ++j) {
      T back = 0;
      for (std::int64_t k = 0; k < a.dim(1); ++k) back += delta2(n, k) * layer2.theta(k, j);
      delta1(n, j) = h(n, j) * (T(1) - h(n, j)) * back;
    }
  accumulate(grad2, delta2, h.view());
  accumulate(grad1, delta1, x);
  // END EXERCISE
  return loss;
}

template <typename T>
T two_layer_softmax(const DenseParams<T>& layer1, const DenseParams<T>& layer2, TensorView<const T> x,
                    std::span<const int> labels, DenseParams<T>& grad1, DenseParams<T>& grad2) {
  const Tensor<T> h = affine(layer1, x, true);
  const Tensor<T> z = affine(layer2, h.view(), false);
  const std::int64_t n_examples = z.dim(0), k_classes = z.dim(1);
  if (static_cast<std::int64_t>(labels.size()) != n_examples) throw Error("worked example: one label per example");
  Tensor<T> p(z.shape());
  T loss = 0;
  for (std::int64_t n = 0; n < n_examples; ++n) {
    T m = z(n, 0);
    for (std::int64_t k = 1; k < k_classes; ++k) m = std::max(m, z(n, k));
    T sum = 0;
    for (std::int64_t k = 0; k < k_classes; ++k) sum += (p(n, k) = std::exp(z(n, k) - m));
    for (std::int64_t k = 0; k < k_classes; ++k) p(n, k) /= sum;
    loss += m + std::log(sum) - z(n, labels[static_cast<std::size_t>(n)]);
  }
  const T inv_n = T(1) / static_cast<T>(n_examples);
  loss *= inv_n;
  Tensor<T> delta2(z.shape()), delta1(h.shape());
  // BEGIN EXERCISE 3.3 (the worked cases by hand)
  //! δ2 = (1/N)(p − onehot(y));   δ1 = h ⊙ (1 − h) ⊙ (Θ2ᵀ δ2); then accumulate both layers.
  for (std::int64_t n = 0; n < n_examples; ++n)
    for (std::int64_t k = 0; k < k_classes; ++k)
      delta2(n, k) = inv_n * (p(n, k) - (k == labels[static_cast<std::size_t>(n)] ? T(1) : T(0)));
  for (std::int64_t n = 0; n < h.dim(0); ++n)
    for (std::int64_t j = 0; j < h.dim(1); ++j) {
      T back = 0;
      for (std::int64_t k = 0; k < k_classes; ++k) back += delta2(n, k) * layer2.theta(k, j);
      delta1(n, j) = h(n, j) * (T(1) - h(n, j)) * back;
    }
  accumulate(grad2, delta2, h.view());
  accumulate(grad1, delta1, x);
  // END EXERCISE
  return loss;
}

#define NN_CH03_WORKED_INSTANTIATE(T)                                                                        \
  template T one_layer_sigmoid_squared<T>(const DenseParams<T>&, TensorView<const T>, TensorView<const T>,  \
                                          DenseParams<T>&);                                                 \
  template T two_layer_sigmoid_squared<T>(const DenseParams<T>&, const DenseParams<T>&, TensorView<const T>, \
                                          TensorView<const T>, DenseParams<T>&, DenseParams<T>&);           \
  template T two_layer_softmax<T>(const DenseParams<T>&, const DenseParams<T>&, TensorView<const T>,         \
                                  std::span<const int>, DenseParams<T>&, DenseParams<T>&);

NN_CH03_WORKED_INSTANTIATE(float)
NN_CH03_WORKED_INSTANTIATE(double)

}  // namespace nn::ch03
