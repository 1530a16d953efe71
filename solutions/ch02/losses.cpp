// losses.cpp — Chapter 2 reference solutions: softmax and the losses.
#include "ch02/losses.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "nn/error.hpp"
#include "nn/vexp.hpp"

namespace nn::ch02 {

namespace {

template <typename A, typename B>
void check_same_shape(const char* what, const A& a, const B& b) {
  if (!(a.shape() == b.shape()))
    throw Error(std::string(what) + ": shapes differ, " + a.shape().str() + " vs " + b.shape().str());
}

template <typename V>
void check_matrix(const char* what, const V& v) {
  if (v.rank() != 2) throw Error(std::string(what) + ": expected a matrix (N, K), got " + v.shape().str());
}

template <typename V>
void check_labels(const char* what, const V& z, std::span<const int> labels) {
  check_matrix(what, z);
  if (static_cast<std::int64_t>(labels.size()) != z.dim(0))
    throw Error(std::string(what) + ": " + std::to_string(z.dim(0)) + " rows but " + std::to_string(labels.size()) +
                " labels");
  for (int y : labels)
    if (y < 0 || y >= z.dim(1))
      throw Error(std::string(what) + ": label " + std::to_string(y) + " outside [0, " + std::to_string(z.dim(1)) +
                  ")");
}

// 1/N for a batch: N is the leading dimension.
template <typename T, typename V>
T inv_batch(const V& v) {
  if (v.rank() == 0 || v.dim(0) == 0) throw Error("a loss needs a non-empty batch");
  return T(1) / static_cast<T>(v.dim(0));
}

template <typename T>
T softplus(T z) {
  return std::max(z, T(0)) + std::log1p(std::exp(-std::abs(z)));
}

template <typename T>
T sigmoid_scalar(T z) {
  if (z >= T(0)) return T(1) / (T(1) + std::exp(-z));
  const T e = std::exp(z);
  return e / (T(1) + e);
}

// One row of the stable softmax: p = e^{z − m}; returns Σ e^{z − m} (≥ 1).
template <typename T>
T exp_shifted_row(T* p, const T* z, std::int64_t k, T& row_max) {
  row_max = *std::max_element(z, z + k);
  for (std::int64_t j = 0; j < k; ++j) p[j] = z[j] - row_max;
  vexp(p, p, static_cast<std::size_t>(k));
  T sum = 0;
  for (std::int64_t j = 0; j < k; ++j) sum += p[j];
  return sum;
}

}  // namespace

// ---- softmax ----------------------------------------------------------------------

template <typename T>
void softmax_forward(TensorView<T> p, TensorView<const T> z) {
  check_matrix("softmax_forward", z);
  check_same_shape("softmax_forward", p, z);
  const std::int64_t k = z.dim(1);
  for (std::int64_t n = 0; n < z.dim(0); ++n) {
    T row_max;
    const T sum = exp_shifted_row(p.row(n), z.row(n), k, row_max);
    const T inv = T(1) / sum;
    for (std::int64_t j = 0; j < k; ++j) p.row(n)[j] *= inv;
  }
}

template <typename T>
void log_softmax_forward(TensorView<T> log_p, TensorView<const T> z) {
  check_matrix("log_softmax_forward", z);
  check_same_shape("log_softmax_forward", log_p, z);
  const std::int64_t k = z.dim(1);
  for (std::int64_t n = 0; n < z.dim(0); ++n) {
    T row_max;
    const T log_sum = std::log(exp_shifted_row(log_p.row(n), z.row(n), k, row_max));
    for (std::int64_t j = 0; j < k; ++j) log_p.row(n)[j] = z.row(n)[j] - row_max - log_sum;
  }
}

template <typename T>
void softmax_backward(TensorView<T> dz, TensorView<const T> dp, TensorView<const T> p) {
  check_matrix("softmax_backward", p);
  check_same_shape("softmax_backward", dz, p);
  check_same_shape("softmax_backward", dp, p);
  const std::int64_t k = p.dim(1);
  // BEGIN EXERCISE 2.6 (softmax and cross-entropy gradients)
  //! In the forward pass this was: p_a = e^{z_a} / Σ_j e^{z_j}, with Jacobian
  //! D_ab = ∂p_a/∂z_b = p_a (δ_ab − p_b). So dz_b += Σ_a dp_a p_a (δ_ab − p_b)
  //! = p_b (dp_b − Σ_a dp_a p_a): one dot product per row, no K×K matrix.
  for (std::int64_t n = 0; n < p.dim(0); ++n) {
    const T* pr = p.row(n);
    const T* dpr = dp.row(n);
    T weighted = 0;
    for (std::int64_t a = 0; a < k; ++a) weighted += dpr[a] * pr[a];
    for (std::int64_t b = 0; b < k; ++b) dz.row(n)[b] += pr[b] * (dpr[b] - weighted);
  }
  // END EXERCISE
}

template <typename T>
void softmax_naive(TensorView<T> p, TensorView<const T> z) {
  check_matrix("softmax_naive", z);
  check_same_shape("softmax_naive", p, z);
  for (std::int64_t n = 0; n < z.dim(0); ++n) {
    T sum = 0;
    for (std::int64_t j = 0; j < z.dim(1); ++j) sum += (p.row(n)[j] = std::exp(z.row(n)[j]));
    for (std::int64_t j = 0; j < z.dim(1); ++j) p.row(n)[j] /= sum;
  }
}

template <typename T>
T log_sigmoid_naive(T z) {
  return std::log(T(1) / (T(1) + std::exp(-z)));
}

template <typename T>
T log_sigmoid(T z) {
  return -softplus(-z);
}

// ---- squared error ------------------------------------------------------------------

template <typename T>
T squared_error_forward(TensorView<const T> prediction, TensorView<const T> target) {
  check_same_shape("squared_error_forward", prediction, target);
  T sum = 0;
  for (std::int64_t i = 0; i < prediction.size(); ++i) {
    const T diff = prediction[i] - target[i];
    sum += diff * diff;
  }
  return sum * inv_batch<T>(prediction);
}

template <typename T>
void squared_error_backward(TensorView<T> d_prediction, TensorView<const T> prediction, TensorView<const T> target) {
  check_same_shape("squared_error_backward", prediction, target);
  check_same_shape("squared_error_backward", d_prediction, prediction);
  const T inv_n = inv_batch<T>(prediction);
  // BEGIN EXERCISE 2.7 (gradients of the other losses)
  //! L = (1/N) Σ (a − t)², so ∂L/∂a = (2/N)(a − t).
  for (std::int64_t i = 0; i < prediction.size(); ++i)
    d_prediction[i] += T(2) * inv_n * (prediction[i] - target[i]);
  // END EXERCISE
}

// ---- binary cross-entropy from logits --------------------------------------------------

template <typename T>
T bce_with_logits_forward(TensorView<const T> z, TensorView<const T> target) {
  check_same_shape("bce_with_logits_forward", z, target);
  // ℓ = −t log σ(z) − (1 − t) log(1 − σ(z)); with log σ(z) = −softplus(−z)
  // and log(1 − σ(z)) = log σ(−z) = −softplus(z), and softplus(z) − softplus(−z) = z:
  // ℓ = softplus(z) − t z.
  T sum = 0;
  for (std::int64_t i = 0; i < z.size(); ++i) sum += softplus(z[i]) - target[i] * z[i];
  return sum * inv_batch<T>(z);
}

template <typename T>
void bce_with_logits_backward(TensorView<T> dz, TensorView<const T> z, TensorView<const T> target) {
  check_same_shape("bce_with_logits_backward", z, target);
  check_same_shape("bce_with_logits_backward", dz, z);
  const T inv_n = inv_batch<T>(z);
  // BEGIN EXERCISE 2.7 (gradients of the other losses)
  //! ℓ = softplus(z) − t z and softplus'(z) = σ(z): ∂L/∂z = (1/N)(σ(z) − t).
  for (std::int64_t i = 0; i < z.size(); ++i) dz[i] += inv_n * (sigmoid_scalar(z[i]) - target[i]);
  // END EXERCISE
}

// ---- softmax cross-entropy from logits ---------------------------------------------------

template <typename T>
T softmax_cross_entropy_forward(TensorView<T> p, TensorView<const T> z, std::span<const int> labels) {
  check_labels("softmax_cross_entropy_forward", z, labels);
  check_same_shape("softmax_cross_entropy_forward", p, z);
  const std::int64_t k = z.dim(1);
  T sum = 0;
  for (std::int64_t n = 0; n < z.dim(0); ++n) {
    // ℓ_n = −log p_y = log Σ_j e^{z_j} − z_y = (m + log Σ_j e^{z_j − m}) − z_y
    T row_max;
    const T row_sum = exp_shifted_row(p.row(n), z.row(n), k, row_max);
    sum += row_max + std::log(row_sum) - z.row(n)[labels[static_cast<std::size_t>(n)]];
    const T inv = T(1) / row_sum;
    for (std::int64_t j = 0; j < k; ++j) p.row(n)[j] *= inv;
  }
  return sum * inv_batch<T>(z);
}

template <typename T>
void softmax_cross_entropy_backward(TensorView<T> dz, TensorView<const T> p, std::span<const int> labels) {
  check_labels("softmax_cross_entropy_backward", p, labels);
  check_same_shape("softmax_cross_entropy_backward", dz, p);
  const T inv_n = inv_batch<T>(p);
  // BEGIN EXERCISE 2.6 (softmax and cross-entropy gradients)
  //! ∂ℓ/∂z_b = Σ_a (−δ_{a,y}/p_a) p_a(δ_ab − p_b) = p_b − δ_{b,y}: the fused gradient
  //! p − onehot(y), times 1/N for the batch mean.
  for (std::int64_t n = 0; n < p.dim(0); ++n) {
    const int y = labels[static_cast<std::size_t>(n)];
    for (std::int64_t b = 0; b < p.dim(1); ++b)
      dz.row(n)[b] += inv_n * (p.row(n)[b] - (b == y ? T(1) : T(0)));
  }
  // END EXERCISE
}

// ---- multiclass hinge -------------------------------------------------------------------

template <typename T>
T multiclass_hinge_forward(TensorView<const T> z, std::span<const int> labels, T margin) {
  check_labels("multiclass_hinge_forward", z, labels);
  T sum = 0;
  for (std::int64_t n = 0; n < z.dim(0); ++n) {
    const int y = labels[static_cast<std::size_t>(n)];
    for (std::int64_t k = 0; k < z.dim(1); ++k)
      if (k != y) sum += std::max(T(0), z.row(n)[k] - z.row(n)[y] + margin);
  }
  return sum * inv_batch<T>(z);
}

template <typename T>
void multiclass_hinge_backward(TensorView<T> dz, TensorView<const T> z, std::span<const int> labels, T margin) {
  check_labels("multiclass_hinge_backward", z, labels);
  check_same_shape("multiclass_hinge_backward", dz, z);
  const T inv_n = inv_batch<T>(z);
  // BEGIN EXERCISE 2.7 (gradients of the other losses)
  //! Each term max(0, z_k − z_y + Δ) with k ≠ y that is positive (violates the
  //! margin) adds 1/N to dz_k and subtracts 1/N from dz_y; the others add nothing.
  for (std::int64_t n = 0; n < z.dim(0); ++n) {
    const int y = labels[static_cast<std::size_t>(n)];
    for (std::int64_t k = 0; k < z.dim(1); ++k) {
      if (k == y || z.row(n)[k] - z.row(n)[y] + margin <= T(0)) continue;
      dz.row(n)[k] += inv_n;
      dz.row(n)[y] -= inv_n;
    }
  }
  // END EXERCISE
}

template <typename T>
double accuracy(TensorView<const T> z, std::span<const int> labels) {
  check_labels("accuracy", z, labels);
  std::int64_t correct = 0;
  for (std::int64_t n = 0; n < z.dim(0); ++n) {
    const T* row = z.row(n);
    correct += (std::max_element(row, row + z.dim(1)) - row) == labels[static_cast<std::size_t>(n)];
  }
  return z.dim(0) == 0 ? 0.0 : static_cast<double>(correct) / static_cast<double>(z.dim(0));
}

template <typename T>
void argmax_rows(TensorView<const T> scores, std::span<int> out) {
  if (scores.rank() != 2) throw Error("argmax_rows: scores must be (N, K), got " + scores.shape().str());
  const std::int64_t n = scores.dim(0), k = scores.dim(1);
  if (static_cast<std::int64_t>(out.size()) < n)
    throw Error("argmax_rows: " + std::to_string(out.size()) + " outputs for " + std::to_string(n) + " rows");
  for (std::int64_t i = 0; i < n; ++i) {
    const T* row = scores.data() + i * k;
    out[static_cast<std::size_t>(i)] = static_cast<int>(std::max_element(row, row + k) - row);
  }
}

#define NN_CH02_LOSS_INSTANTIATE(T)                                                                              \
  template void softmax_forward<T>(TensorView<T>, TensorView<const T>);                                          \
  template void log_softmax_forward<T>(TensorView<T>, TensorView<const T>);                                      \
  template void softmax_backward<T>(TensorView<T>, TensorView<const T>, TensorView<const T>);                    \
  template void softmax_naive<T>(TensorView<T>, TensorView<const T>);                                            \
  template T log_sigmoid_naive<T>(T);                                                                            \
  template T log_sigmoid<T>(T);                                                                                  \
  template T squared_error_forward<T>(TensorView<const T>, TensorView<const T>);                                 \
  template void squared_error_backward<T>(TensorView<T>, TensorView<const T>, TensorView<const T>);              \
  template T bce_with_logits_forward<T>(TensorView<const T>, TensorView<const T>);                               \
  template void bce_with_logits_backward<T>(TensorView<T>, TensorView<const T>, TensorView<const T>);            \
  template T softmax_cross_entropy_forward<T>(TensorView<T>, TensorView<const T>, std::span<const int>);         \
  template void softmax_cross_entropy_backward<T>(TensorView<T>, TensorView<const T>, std::span<const int>);     \
  template T multiclass_hinge_forward<T>(TensorView<const T>, std::span<const int>, T);                          \
  template void multiclass_hinge_backward<T>(TensorView<T>, TensorView<const T>, std::span<const int>, T);       \
  template double accuracy<T>(TensorView<const T>, std::span<const int>);                                       \
  template void argmax_rows<T>(TensorView<const T>, std::span<int>);

NN_CH02_LOSS_INSTANTIATE(float)
NN_CH02_LOSS_INSTANTIATE(double)

}  // namespace nn::ch02
