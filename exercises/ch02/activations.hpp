// activations.hpp — Chapter 2: the nonlinearities g that follow every layer.
//
// Each activation is a forward/backward pair on a whole tensor, element by
// element (any shape; z, a and their gradients all have the same shape):
//
//   forward    a = g(z)
//   backward   dz += da ⊙ g'(z)        da = ∂L/∂a (upstream), dz = ∂L/∂z
//
// Backward ADDS into dz (+=), like every backward in the course: clear it
// first. It receives both z and a = g(z) because some derivatives are
// cheapest from the output (σ' = a(1 − a), tanh' = 1 − a²) and others need
// the input (ReLU' = [z > 0]).
//
//   sigmoid      σ(z) = 1 / (1 + e^−z)               σ' = σ(1 − σ)
//   tanh         tanh(z) = (e^z − e^−z)/(e^z + e^−z)  tanh' = 1 − tanh²
//   ReLU         max(0, z)                            [z > 0]
//   leaky ReLU   max(αz, z), α = 0.1 by default        z > 0 ? 1 : α
//   ELU          z > 0 ? z : α(e^z − 1), α = 1         z > 0 ? 1 : α e^z = a + α
//   |z|          absolute-value rectification          sign(z)
//   softplus     ln(1 + e^z), a smooth ReLU            σ(z)
//   swish        z σ(z) (SiLU)                         σ(z) + z σ(z)(1 − σ(z)) = a + σ(z)(1 − a)
//   identity     z                                     1
// (The derivative at a kink, z = 0, is taken as the left one: 0 for ReLU and
// |z|, α for leaky ReLU; gradient checks stay away from kinks.)
//
// sigmoid, tanh, ELU, softplus and swish compute their forward exponentials for the whole tensor with
// nn::vexp (the SIMD exp of nn/vexp.hpp) in float; in double (gradient checks)
// vexp is std::exp. No function allocates: the output tensor is the scratch.
//
// Maxout, the activation with its own weights, is in maxout.hpp.
// Derivations: chapters/ch02_activations/README.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nn/tensor.hpp"

namespace nn::ch02 {

enum class ActivationKind { Identity, Sigmoid, Tanh, Relu, LeakyRelu, Elu, Abs, Softplus, Swish };

struct Activation {
  ActivationKind kind = ActivationKind::Identity;
  double alpha = 0.0;  // the slope of leaky ReLU for z < 0, or ELU's α; unused by the others

  static Activation identity() { return {ActivationKind::Identity, 0.0}; }
  static Activation sigmoid() { return {ActivationKind::Sigmoid, 0.0}; }
  static Activation tanh() { return {ActivationKind::Tanh, 0.0}; }
  static Activation relu() { return {ActivationKind::Relu, 0.0}; }
  static Activation leaky_relu(double slope = 0.1) { return {ActivationKind::LeakyRelu, slope}; }
  static Activation elu(double alpha = 1.0) { return {ActivationKind::Elu, alpha}; }
  static Activation abs() { return {ActivationKind::Abs, 0.0}; }
  static Activation softplus() { return {ActivationKind::Softplus, 0.0}; }
  static Activation swish() { return {ActivationKind::Swish, 0.0}; }
};

// "sigmoid", "tanh", "relu", "leaky_relu", "elu", "abs", "softplus", "swish", "identity".
std::string name(const Activation& g);
// The inverse of name(); throws nn::Error naming the choices.
Activation parse_activation(std::string_view text);
// Every activation of the chapter except identity, in the order of the table.
std::vector<Activation> chapter_activations();
// Where g' jumps (the points finite differences must avoid).
std::vector<double> kinks(const Activation& g);

// ---- the pairs ----------------------------------------------------------
// a, z: (any shape, the same)   dz, da: (that shape)

template <typename T>
void sigmoid_forward(TensorView<T> a, TensorView<const T> z);
template <typename T>                                                    // [exercise 2.1]
void sigmoid_backward(TensorView<T> dz, TensorView<const T> da, TensorView<const T> z, TensorView<const T> a);

template <typename T>
void tanh_forward(TensorView<T> a, TensorView<const T> z);
template <typename T>                                                    // [exercise 2.2]
void tanh_backward(TensorView<T> dz, TensorView<const T> da, TensorView<const T> z, TensorView<const T> a);

template <typename T>
void relu_forward(TensorView<T> a, TensorView<const T> z);
template <typename T>                                                    // [exercise 2.3]
void relu_backward(TensorView<T> dz, TensorView<const T> da, TensorView<const T> z, TensorView<const T> a);

template <typename T>
void leaky_relu_forward(TensorView<T> a, TensorView<const T> z, T slope);
template <typename T>                                                    // [exercise 2.3]
void leaky_relu_backward(TensorView<T> dz, TensorView<const T> da, TensorView<const T> z, TensorView<const T> a,
                         T slope);

template <typename T>
void abs_forward(TensorView<T> a, TensorView<const T> z);
template <typename T>                                                    // [exercise 2.3]
void abs_backward(TensorView<T> dz, TensorView<const T> da, TensorView<const T> z, TensorView<const T> a);

template <typename T>
void elu_forward(TensorView<T> a, TensorView<const T> z, T alpha);
template <typename T>                                                    // [exercise 2.4]
void elu_backward(TensorView<T> dz, TensorView<const T> da, TensorView<const T> z, TensorView<const T> a, T alpha);

// The two smooth rectifiers the lectures list to try when a few points
// matter. Their backward passes recompute σ(z) from z, one exponential per
// element.
template <typename T>
void softplus_forward(TensorView<T> a, TensorView<const T> z);
template <typename T>
void softplus_backward(TensorView<T> dz, TensorView<const T> da, TensorView<const T> z, TensorView<const T> a);

template <typename T>
void swish_forward(TensorView<T> a, TensorView<const T> z);
template <typename T>
void swish_backward(TensorView<T> dz, TensorView<const T> da, TensorView<const T> z, TensorView<const T> a);

// ---- any activation by value (what a layer holds) -------------------------
template <typename T>
void activation_forward(const Activation& g, TensorView<T> a, TensorView<const T> z);
template <typename T>
void activation_backward(const Activation& g, TensorView<T> dz, TensorView<const T> da, TensorView<const T> z,
                         TensorView<const T> a);

}  // namespace nn::ch02
