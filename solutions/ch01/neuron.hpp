// neuron.hpp — Chapter 1: a single neuron, and how it learns.
//
// One neuron is linear regression drawn as a graph: inputs x_1..x_D enter on
// edges weighted θ_1..θ_D, a bias θ0 is added, and an activation g squashes
// the sum:
//
//   z_n = θᵀ x_n + θ0          pre-activation of example n
//   a_n = g(z_n)               activation (the neuron's output)
//
//   g = identity  → the linear neuron (linear regression)
//   g = step      → the perceptron (z ≥ 0 ↦ 1, else 0)
//   g = σ         → the logistic neuron (logistic regression), σ(z) = 1/(1+e^−z)
//
// Dimensions: N = examples in the batch, D = input features.
// Losses are averaged over the batch: L = (1/N) Σ_n ℓ(a_n, y_n).
//
// The functions come in forward/backward pairs; backward functions ADD into
// their gradient outputs (+=), so clear them first (std::fill, or
// Tensor::fill(0)). Everything is a template over float (the programs, using
// the SIMD dot product) and double (the finite-difference tests).
//
// Derivations: chapters/ch01_neuron/README.md.
#pragma once

#include <vector>

#include "nn/tensor.hpp"

namespace nn::ch01 {

enum class Activation { Identity, Sigmoid };
enum class Loss {
  SquaredError,        // ℓ = (a − y)²
  BinaryCrossEntropy,  // ℓ = −[y log a + (1 − y) log(1 − a)], needs Activation::Sigmoid
};

template <typename T>
struct Neuron {
  Tensor<T> weights;  // (D)  θ_1..θ_D
  T bias = 0;         //      θ0
};

// σ(z) = 1 / (1 + e^−z), computed without overflow for any z.   [exercise 1.1]
template <typename T>
T sigmoid(T z);

// Forward pass on a batch.                                      [exercise 1.1]
//   z: (N) out, pre-activations    a: (N) out, activations
//   x: (N, D) inputs                weights: (D)
template <typename T>
void neuron_forward(TensorView<T> z, TensorView<T> a, TensorView<const T> x, TensorView<const T> weights, T bias,
                    Activation activation);

// The batch loss L = (1/N) Σ_n ℓ_n.                             [exercise 1.2]
// Binary cross-entropy is computed from z (ℓ = softplus(z) − y z), which stays
// finite where log(σ(z)) would round to log(0).
//   z, a, y: (N)
template <typename T>
T loss_forward(Loss loss, TensorView<const T> z, TensorView<const T> a, TensorView<const T> y);

// The error signal δ_n = ∂L/∂z_n of every example.               [exercise 1.3]
//   delta: (N) out (overwritten)    z, a, y: (N)
template <typename T>
void loss_backward(TensorView<T> delta, Loss loss, Activation activation, TensorView<const T> z,
                   TensorView<const T> a, TensorView<const T> y);

// Gradients of the parameters from the error signal:           [exercise 1.3]
//   ∂L/∂θ = Σ_n δ_n x_n,   ∂L/∂θ0 = Σ_n δ_n        (accumulated with +=)
//   d_weights: (D)    delta: (N)    x: (N, D)
template <typename T>
void neuron_backward(TensorView<T> d_weights, T& d_bias, TensorView<const T> delta, TensorView<const T> x);

// One step of gradient descent, θ ← θ − η ∂L/∂θ.               [exercise 1.4]
template <typename T>
void gradient_descent_step(TensorView<T> params, TensorView<const T> grads, T learning_rate);
template <typename T>
void gradient_descent_step(T& param, T grad, T learning_rate);

// One pass of the perceptron learning rule over the examples in order:
// predict ŷ = step(θᵀx + θ0); if ŷ ≠ y then θ += η (y − ŷ) x, θ0 += η (y − ŷ).
// Returns the number of mistakes made during the pass.         [exercise 1.5]
template <typename T>
int perceptron_epoch(Neuron<T>& neuron, TensorView<const T> x, TensorView<const T> y, T learning_rate);

// ---------------------------------------------------------------------------
// Training loops built from the pieces above (not exercises).
// ---------------------------------------------------------------------------

struct TrainConfig {
  Activation activation = Activation::Sigmoid;
  Loss loss = Loss::BinaryCrossEntropy;
  double learning_rate = 0.5;
  int epochs = 1000;
};

// Full-batch gradient descent. Returns the loss before each update plus the
// final loss (epochs + 1 values). Buffers are allocated once, before the loop.
template <typename T>
std::vector<double> train(Neuron<T>& neuron, TensorView<const T> x, TensorView<const T> y, const TrainConfig& config);

// Fraction of examples classified correctly with the rule z ≥ 0 ↦ class 1
// (the same as a ≥ 0.5 for the logistic neuron).
template <typename T>
double accuracy(const Neuron<T>& neuron, TensorView<const T> x, TensorView<const T> y);

// Runs the perceptron rule until an epoch makes no mistake or `max_epochs`
// pass; returns the mistakes of each epoch.
template <typename T>
std::vector<int> train_perceptron(Neuron<T>& neuron, TensorView<const T> x, TensorView<const T> y, T learning_rate,
                                  int max_epochs);

}  // namespace nn::ch01
