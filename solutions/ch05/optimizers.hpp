// optimizers.hpp — Chapter 5: update rules with one interface.
//
// Every optimiser turns a parameter W and its gradient g = ∂L/∂W into a step,
// keeping whatever state it needs per parameter (velocity, squared-gradient
// averages). η is the learning rate.
//
//   sgd             W ← W − η g
//   momentum        v ← α v + (1 − α) g;   W ← W − η v          (an average of past gradients)
//   classic         v ← μ v − η g;         W ← W + v            (the velocity form)
//   nesterov        v' ← μ v − η g;        W ← W − μ v + (1 + μ) v'
//                   (the classic form evaluated at the look-ahead W + μv,
//                    rewritten so the gradient is taken at the stored W)
//   adagrad         r ← r + g²;            W ← W − η g / (δ + √r)              δ = 1e-7
//   rmsprop         r ← ρ r + (1 − ρ) g²;  W ← W − η g / √(δ + r)              δ = 1e-6
//   adam            m ← β1 m + (1 − β1) g; s ← β2 s + (1 − β2) g²
//                   m̂ = m / (1 − β1ᵗ);     ŝ = s / (1 − β2ᵗ)
//                   W ← W − η m̂ / (√ŝ + ε)                                     ε = 1e-8
// All operations are element-wise; squares and roots are per element.
// Derivations and references: chapters/ch05_training/README.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nn/tensor.hpp"

namespace nn::ch05 {

enum class OptimizerKind { Sgd, Momentum, Classic, Nesterov, AdaGrad, RmsProp, Adam };

std::string name(OptimizerKind kind);
OptimizerKind parse_optimizer(std::string_view text);  // throws nn::Error listing the choices
std::vector<OptimizerKind> all_optimizers();

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::Sgd;
  double momentum = 0.9;  // α (momentum) or μ (classic, nesterov)
  double rho = 0.9;       // RMSProp's decay
  double beta1 = 0.9, beta2 = 0.999;
  double adagrad_delta = 1e-7, rmsprop_delta = 1e-6, adam_epsilon = 1e-8;
};

// The per-element rules.                                              [exercise 5.1]
// w, g, and the state tensors all have n elements; t ≥ 1 is the step count (Adam).
template <typename T>
void sgd_update(T* w, const T* g, std::int64_t n, T lr);
template <typename T>
void momentum_update(T* w, const T* g, T* v, std::int64_t n, T lr, T alpha);
template <typename T>
void classic_momentum_update(T* w, const T* g, T* v, std::int64_t n, T lr, T mu);
template <typename T>
void nesterov_update(T* w, const T* g, T* v, std::int64_t n, T lr, T mu);
template <typename T>
void adagrad_update(T* w, const T* g, T* r, std::int64_t n, T lr, T delta);
template <typename T>
void rmsprop_update(T* w, const T* g, T* r, std::int64_t n, T lr, T rho, T delta);
template <typename T>
void adam_update(T* w, const T* g, T* m, T* s, std::int64_t n, T lr, T beta1, T beta2, T epsilon, std::int64_t t);

// A parameter the optimiser updates: its value and gradient (same shape).
template <typename T>
struct Param {
  std::string name;  // e.g. "fc1.weight"
  TensorView<T> value;
  TensorView<T> grad;
};

// Holds the state of one optimiser for a fixed list of parameters.
template <typename T>
class Optimizer {
 public:
  Optimizer(const OptimizerConfig& config, std::vector<Param<T>> params);
  // One update of every parameter from its current gradient.
  void step(double learning_rate);
  std::int64_t steps() const { return t_; }
  const OptimizerConfig& config() const { return config_; }

  // State for checkpoints: "<param>.<slot>" → tensor, e.g. "fc1.weight.m".
  struct StateTensor {
    std::string name;
    TensorView<T> value;
  };
  std::vector<StateTensor> state();
  void set_steps(std::int64_t t) { t_ = t; }

 private:
  OptimizerConfig config_;
  std::vector<Param<T>> params_;
  std::vector<Tensor<T>> slot1_, slot2_;  // v / r / m, and Adam's s
  std::int64_t t_ = 0;
};

}  // namespace nn::ch05
