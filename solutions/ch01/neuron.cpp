// neuron.cpp — Chapter 1 reference solutions. Each marked exercise region
// is what a learner writes; the copy in exercises/ has every region replaced
// by a "not implemented yet" failure (tools/make_exercises).
#include "ch01/neuron.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "nn/error.hpp"
#include "nn/kernels.hpp"

namespace nn::ch01 {

namespace {

template <typename T>
void check_batch(const char* what, TensorView<const T> v, std::int64_t n) {
  if (v.rank() != 1 || v.dim(0) != n)
    throw Error(std::string(what) + ": expected shape [" + std::to_string(n) + "], got " + v.shape().str());
}

// softplus(z) = log(1 + e^z), without overflow: max(z, 0) + log1p(e^−|z|).
template <typename T>
T softplus(T z) {
  return std::max(z, T(0)) + std::log1p(std::exp(-std::abs(z)));
}

}  // namespace

template <typename T>
T sigmoid(T z) {
  // BEGIN EXERCISE 1.1 (sigmoid and neuron forward)
  //! Hint: for z < 0, write σ(z) = e^z / (1 + e^z) so that exp never overflows.
  if (z >= T(0)) return T(1) / (T(1) + std::exp(-z));
  const T e = std::exp(z);
  return e / (T(1) + e);
  // END EXERCISE
}

template <typename T>
void neuron_forward(TensorView<T> z, TensorView<T> a, TensorView<const T> x, TensorView<const T> weights, T bias,
                    Activation activation) {
  const std::int64_t n_examples = x.dim(0), n_features = x.dim(1);
  if (weights.size() != n_features)
    throw Error("neuron_forward: " + std::to_string(n_features) + " input features but " +
                std::to_string(weights.size()) + " weights");
  check_batch<T>("neuron_forward z", z, n_examples);
  check_batch<T>("neuron_forward a", a, n_examples);
  // BEGIN EXERCISE 1.1 (sigmoid and neuron forward)
  //! z_n = θᵀ x_n + θ0 (nn::dot does the θᵀ x_n), then a_n = g(z_n).
  for (std::int64_t n = 0; n < n_examples; ++n) {
    z(n) = nn::dot(x.row(n), weights.data(), static_cast<std::size_t>(n_features)) + bias;
    a(n) = activation == Activation::Sigmoid ? sigmoid(z(n)) : z(n);
  }
  // END EXERCISE
}

template <typename T>
T loss_forward(Loss loss, TensorView<const T> z, TensorView<const T> a, TensorView<const T> y) {
  const std::int64_t n_examples = y.size();
  check_batch<T>("loss_forward z", z, n_examples);
  check_batch<T>("loss_forward a", a, n_examples);
  if (n_examples == 0) throw Error("loss_forward: empty batch");
  // BEGIN EXERCISE 1.2 (the two losses)
  //! Squared error: ℓ = (a − y)². Cross-entropy: ℓ = softplus(z) − y z.
  //! Return the mean over the batch.
  T sum = 0;
  for (std::int64_t n = 0; n < n_examples; ++n) {
    if (loss == Loss::SquaredError) {
      const T diff = a(n) - y(n);
      sum += diff * diff;
    } else {
      sum += softplus(z(n)) - y(n) * z(n);
    }
  }
  return sum / static_cast<T>(n_examples);
  // END EXERCISE
}

template <typename T>
void loss_backward(TensorView<T> delta, Loss loss, Activation activation, TensorView<const T> z,
                   TensorView<const T> a, TensorView<const T> y) {
  const std::int64_t n_examples = y.size();
  check_batch<T>("loss_backward delta", delta, n_examples);
  check_batch<T>("loss_backward z", z, n_examples);
  check_batch<T>("loss_backward a", a, n_examples);
  if (loss == Loss::BinaryCrossEntropy && activation != Activation::Sigmoid)
    throw Error("binary cross-entropy needs the sigmoid activation (its output must be a probability)");
  const T inv_n = T(1) / static_cast<T>(n_examples);
  // BEGIN EXERCISE 1.3 (the error signal and the gradients)
  //! squared error, identity:  δ = (2/N)(a − y)
  //! squared error, sigmoid:   δ = (2/N)(a − y) σ'(z),  σ'(z) = σ(z)(1 − σ(z)) = a(1 − a)
  //! cross-entropy, sigmoid:   δ = (1/N)(a − y)        (σ' cancels)
  for (std::int64_t n = 0; n < n_examples; ++n) {
    const T error = a(n) - y(n);
    if (loss == Loss::BinaryCrossEntropy) {
      delta(n) = inv_n * error;
    } else {
      const T g_prime = activation == Activation::Sigmoid ? a(n) * (T(1) - a(n)) : T(1);
      delta(n) = T(2) * inv_n * error * g_prime;
    }
  }
  // END EXERCISE
}

template <typename T>
void neuron_backward(TensorView<T> d_weights, T& d_bias, TensorView<const T> delta, TensorView<const T> x) {
  const std::int64_t n_examples = x.dim(0), n_features = x.dim(1);
  if (d_weights.size() != n_features)
    throw Error("neuron_backward: d_weights has " + std::to_string(d_weights.size()) + " entries, expected " +
                std::to_string(n_features));
  check_batch<T>("neuron_backward delta", delta, n_examples);
  // BEGIN EXERCISE 1.3 (the error signal and the gradients)
  //! In the forward pass this was: z_n = θᵀ x_n + θ0, so ∂z_n/∂θ = x_n and ∂z_n/∂θ0 = 1:
  //!   ∂L/∂θ += δ_n x_n  (nn::axpy),   ∂L/∂θ0 += δ_n
  for (std::int64_t n = 0; n < n_examples; ++n) {
    nn::axpy(delta(n), x.row(n), d_weights.data(), static_cast<std::size_t>(n_features));
    d_bias += delta(n);
  }
  // END EXERCISE
}

template <typename T>
void gradient_descent_step(TensorView<T> params, TensorView<const T> grads, T learning_rate) {
  if (params.size() != grads.size())
    throw Error("gradient_descent_step: " + std::to_string(params.size()) + " parameters but " +
                std::to_string(grads.size()) + " gradients");
  // BEGIN EXERCISE 1.4 (the gradient descent step)
  for (std::int64_t i = 0; i < params.size(); ++i) params[i] -= learning_rate * grads[i];
  // END EXERCISE
}

template <typename T>
void gradient_descent_step(T& param, T grad, T learning_rate) {
  // BEGIN EXERCISE 1.4 (the gradient descent step)
  param -= learning_rate * grad;
  // END EXERCISE
}

template <typename T>
int perceptron_epoch(Neuron<T>& neuron, TensorView<const T> x, TensorView<const T> y, T learning_rate) {
  const std::int64_t n_examples = x.dim(0), n_features = x.dim(1);
  check_batch<T>("perceptron_epoch y", y, n_examples);
  if (neuron.weights.size() != n_features)
    throw Error("perceptron_epoch: " + std::to_string(n_features) + " input features but " +
                std::to_string(neuron.weights.size()) + " weights");
  // BEGIN EXERCISE 1.5 (the perceptron learning rule)
  //! For each example in order: ŷ = 1 if θᵀx + θ0 ≥ 0 else 0; on a mistake,
  //! θ += η (y − ŷ) x and θ0 += η (y − ŷ). Count the mistakes.
  int mistakes = 0;
  for (std::int64_t n = 0; n < n_examples; ++n) {
    const T z = nn::dot(x.row(n), neuron.weights.data(), static_cast<std::size_t>(n_features)) + neuron.bias;
    const T prediction = z >= T(0) ? T(1) : T(0);
    const T error = y(n) - prediction;
    if (error != T(0)) {
      ++mistakes;
      nn::axpy(learning_rate * error, x.row(n), neuron.weights.data(), static_cast<std::size_t>(n_features));
      neuron.bias += learning_rate * error;
    }
  }
  return mistakes;
  // END EXERCISE
}

template <typename T>
std::vector<double> train(Neuron<T>& neuron, TensorView<const T> x, TensorView<const T> y, const TrainConfig& config) {
  const std::int64_t n_examples = x.dim(0), n_features = x.dim(1);
  Tensor<T> z(Shape{n_examples}), a(Shape{n_examples}), delta(Shape{n_examples});
  Tensor<T> d_weights(Shape{n_features});
  const T lr = static_cast<T>(config.learning_rate);
  std::vector<double> history;
  history.reserve(static_cast<std::size_t>(config.epochs) + 1);
  for (int epoch = 0; epoch <= config.epochs; ++epoch) {
    neuron_forward<T>(z, a, x, neuron.weights, neuron.bias, config.activation);
    history.push_back(static_cast<double>(loss_forward<T>(config.loss, z, a, y)));
    if (epoch == config.epochs || !std::isfinite(history.back())) break;
    loss_backward<T>(delta, config.loss, config.activation, z, a, y);
    d_weights.fill(0);
    T d_bias = 0;
    neuron_backward<T>(d_weights, d_bias, delta, x);
    gradient_descent_step<T>(neuron.weights, d_weights, lr);
    gradient_descent_step<T>(neuron.bias, d_bias, lr);
  }
  return history;
}

template <typename T>
double accuracy(const Neuron<T>& neuron, TensorView<const T> x, TensorView<const T> y) {
  const std::int64_t n_examples = x.dim(0);
  Tensor<T> z(Shape{n_examples}), a(Shape{n_examples});
  neuron_forward<T>(z, a, x, neuron.weights, neuron.bias, Activation::Identity);
  std::int64_t correct = 0;
  for (std::int64_t n = 0; n < n_examples; ++n) correct += ((z(n) >= T(0)) == (y(n) > T(0.5)));
  return static_cast<double>(correct) / static_cast<double>(n_examples);
}

template <typename T>
std::vector<int> train_perceptron(Neuron<T>& neuron, TensorView<const T> x, TensorView<const T> y, T learning_rate,
                                  int max_epochs) {
  std::vector<int> mistakes;
  for (int epoch = 0; epoch < max_epochs; ++epoch) {
    mistakes.push_back(perceptron_epoch(neuron, x, y, learning_rate));
    if (mistakes.back() == 0) break;
  }
  return mistakes;
}

#define NN_CH01_INSTANTIATE(T)                                                                                  \
  template T sigmoid<T>(T);                                                                                     \
  template void neuron_forward<T>(TensorView<T>, TensorView<T>, TensorView<const T>, TensorView<const T>, T,    \
                                  Activation);                                                                 \
  template T loss_forward<T>(Loss, TensorView<const T>, TensorView<const T>, TensorView<const T>);              \
  template void loss_backward<T>(TensorView<T>, Loss, Activation, TensorView<const T>, TensorView<const T>,     \
                                 TensorView<const T>);                                                         \
  template void neuron_backward<T>(TensorView<T>, T&, TensorView<const T>, TensorView<const T>);                \
  template void gradient_descent_step<T>(TensorView<T>, TensorView<const T>, T);                                \
  template void gradient_descent_step<T>(T&, T, T);                                                             \
  template int perceptron_epoch<T>(Neuron<T>&, TensorView<const T>, TensorView<const T>, T);                    \
  template std::vector<double> train<T>(Neuron<T>&, TensorView<const T>, TensorView<const T>, const TrainConfig&); \
  template double accuracy<T>(const Neuron<T>&, TensorView<const T>, TensorView<const T>);                      \
  template std::vector<int> train_perceptron<T>(Neuron<T>&, TensorView<const T>, TensorView<const T>, T, int);

NN_CH01_INSTANTIATE(float)
NN_CH01_INSTANTIATE(double)

}  // namespace nn::ch01
