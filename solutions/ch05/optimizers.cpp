// optimizers.cpp — Chapter 5 reference solutions for the update rules.
#include "ch05/optimizers.hpp"

#include <cmath>
#include <type_traits>

#include "nn/error.hpp"
#include "nn/fpenv.hpp"
#include "nn/threads.hpp"

namespace nn::ch05 {

std::string name(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::Sgd: return "sgd";
    case OptimizerKind::Momentum: return "momentum";
    case OptimizerKind::Classic: return "classic";
    case OptimizerKind::Nesterov: return "nesterov";
    case OptimizerKind::AdaGrad: return "adagrad";
    case OptimizerKind::RmsProp: return "rmsprop";
    case OptimizerKind::Adam: return "adam";
  }
  return "?";
}

std::vector<OptimizerKind> all_optimizers() {
  return {OptimizerKind::Sgd,      OptimizerKind::Momentum, OptimizerKind::Classic, OptimizerKind::Nesterov,
          OptimizerKind::AdaGrad, OptimizerKind::RmsProp, OptimizerKind::Adam};
}

OptimizerKind parse_optimizer(std::string_view text) {
  for (OptimizerKind k : all_optimizers())
    if (name(k) == text) return k;
  throw Error("unknown optimizer '" + std::string(text) +
              "' (expected sgd, momentum, classic, nesterov, adagrad, rmsprop or adam)");
}

template <typename T>
void sgd_update(T* w, const T* g, std::int64_t n, T lr) {
  // BEGIN EXERCISE 5.1 (optimizer update rules)
  for (std::int64_t i = 0; i < n; ++i) w[i] -= lr * g[i];
  // END EXERCISE
}

template <typename T>
void momentum_update(T* w, const T* g, T* v, std::int64_t n, T lr, T alpha) {
  // BEGIN EXERCISE 5.1 (optimizer update rules)
  //! v ← α v + (1 − α) g;   W ← W − η v
  for (std::int64_t i = 0; i < n; ++i) {
    v[i] = alpha * v[i] + (T(1) - alpha) * g[i];
    w[i] -= lr * v[i];
  }
  // END EXERCISE
}

template <typename T>
void classic_momentum_update(T* w, const T* g, T* v, std::int64_t n, T lr, T mu) {
  // BEGIN EXERCISE 5.1 (optimizer update rules)
  //! v ← μ v − η g;   W ← W + v
  for (std::int64_t i = 0; i < n; ++i) {
    v[i] = mu * v[i] - lr * g[i];
    w[i] += v[i];
  }
  // END EXERCISE
}

template <typename T>
void nesterov_update(T* w, const T* g, T* v, std::int64_t n, T lr, T mu) {
  // BEGIN EXERCISE 5.1 (optimizer update rules)
  //! v' ← μ v − η g;   W ← W − μ v + (1 + μ) v'
  for (std::int64_t i = 0; i < n; ++i) {
    const T v_old = v[i];
    v[i] = mu * v_old - lr * g[i];
    w[i] += -mu * v_old + (T(1) + mu) * v[i];
  }
  // END EXERCISE
}

template <typename T>
void adagrad_update(T* w, const T* g, T* r, std::int64_t n, T lr, T delta) {
  // BEGIN EXERCISE 5.1 (optimizer update rules)
  //! r ← r + g²;   W ← W − η g / (δ + √r)
  for (std::int64_t i = 0; i < n; ++i) {
    r[i] += g[i] * g[i];
    w[i] -= lr * g[i] / (delta + std::sqrt(r[i]));
  }
  // END EXERCISE
}

template <typename T>
void rmsprop_update(T* w, const T* g, T* r, std::int64_t n, T lr, T rho, T delta) {
  // BEGIN EXERCISE 5.1 (optimizer update rules)
  //! r ← ρ r + (1 − ρ) g²;   W ← W − η g / √(δ + r)
  for (std::int64_t i = 0; i < n; ++i) {
    r[i] = rho * r[i] + (T(1) - rho) * g[i] * g[i];
    w[i] -= lr * g[i] / std::sqrt(delta + r[i]);
  }
  // END EXERCISE
}

template <typename T>
void adam_update(T* w, const T* g, T* m, T* s, std::int64_t n, T lr, T beta1, T beta2, T epsilon, std::int64_t t) {
  // BEGIN EXERCISE 5.1 (optimizer update rules)
  //! m ← β1 m + (1 − β1) g;  s ← β2 s + (1 − β2) g²;  bias-correct both by 1 − βᵗ;
  //! W ← W − η m̂ / (√ŝ + ε)
  const T correction1 = T(1) - static_cast<T>(std::pow(static_cast<double>(beta1), static_cast<double>(t)));
  const T correction2 = T(1) - static_cast<T>(std::pow(static_cast<double>(beta2), static_cast<double>(t)));
  for (std::int64_t i = 0; i < n; ++i) {
    m[i] = beta1 * m[i] + (T(1) - beta1) * g[i];
    s[i] = beta2 * s[i] + (T(1) - beta2) * g[i] * g[i];
    const T m_hat = m[i] / correction1;
    const T s_hat = s[i] / correction2;
    w[i] -= lr * m_hat / (std::sqrt(s_hat) + epsilon);
  }
  // END EXERCISE
}

template <typename T>
Optimizer<T>::Optimizer(const OptimizerConfig& config, std::vector<Param<T>> params)
    : config_(config), params_(std::move(params)) {
  for (const auto& p : params_) {
    if (!(p.value.shape() == p.grad.shape()))
      throw Error("optimizer: parameter " + p.name + " has shape " + p.value.shape().str() + " but its gradient " +
                  p.grad.shape().str());
    const bool one = config_.kind != OptimizerKind::Sgd;
    const bool two = config_.kind == OptimizerKind::Adam;
    slot1_.emplace_back(one ? Tensor<T>(p.value.shape()) : Tensor<T>());
    slot2_.emplace_back(two ? Tensor<T>(p.value.shape()) : Tensor<T>());
  }
}

template <typename T>
void Optimizer<T>::step(double learning_rate) {
  ++t_;
  const T lr = static_cast<T>(learning_rate);
  const auto& c = config_;
  // One element-wise update of parameter i's elements [b, e).
  auto update_range = [&](std::size_t i, std::int64_t b, std::int64_t e) {
    T* w = params_[i].value.data() + b;
    const T* g = params_[i].grad.data() + b;
    T* s1 = slot1_[i].size() ? slot1_[i].data() + b : nullptr;
    T* s2 = slot2_[i].size() ? slot2_[i].data() + b : nullptr;
    const std::int64_t n = e - b;
    switch (c.kind) {
      case OptimizerKind::Sgd: sgd_update(w, g, n, lr); break;
      case OptimizerKind::Momentum: momentum_update(w, g, s1, n, lr, static_cast<T>(c.momentum)); break;
      case OptimizerKind::Classic: classic_momentum_update(w, g, s1, n, lr, static_cast<T>(c.momentum)); break;
      case OptimizerKind::Nesterov: nesterov_update(w, g, s1, n, lr, static_cast<T>(c.momentum)); break;
      case OptimizerKind::AdaGrad: adagrad_update(w, g, s1, n, lr, static_cast<T>(c.adagrad_delta)); break;
      case OptimizerKind::RmsProp:
        rmsprop_update(w, g, s1, n, lr, static_cast<T>(c.rho), static_cast<T>(c.rmsprop_delta));
        break;
      case OptimizerKind::Adam:
        adam_update(w, g, s1, s2, n, lr, static_cast<T>(c.beta1), static_cast<T>(c.beta2),
                    static_cast<T>(c.adam_epsilon), t_);
        break;
    }
  };
  // In float, a velocity or moment that decays into the subnormal range is
  // flushed to zero: on x86, arithmetic on subnormals is about a hundred
  // times slower, and training piles them up (see nn/fpenv.hpp). The flag
  // belongs to the thread, so each range sets it. The double path stays
  // plain IEEE: it is the reference.
  auto update = [&](std::size_t i, std::int64_t b, std::int64_t e) {
    if constexpr (std::is_same_v<T, float>) {
      const FlushSubnormals flush;
      update_range(i, b, e);
    } else {
      update_range(i, b, e);
    }
  };
  // The rules are element-wise, so all parameters go as one range of
  // elements, which the threads share in chunks: one parallel call a step
  // rather than one for each tensor, and small tensors do not run alone.
  // Every element is computed the same way whichever thread takes it, so
  // the result does not depend on the thread count.
  parallel_for_arrays(
      params_.size(), [&](std::size_t i) { return params_[i].value.size(); }, 16384, update);
}

template <typename T>
std::vector<typename Optimizer<T>::StateTensor> Optimizer<T>::state() {
  std::vector<StateTensor> out;
  const bool adam = config_.kind == OptimizerKind::Adam;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    if (slot1_[i].size()) out.push_back({params_[i].name + (adam ? ".m" : ".v"), slot1_[i].view()});
    if (slot2_[i].size()) out.push_back({params_[i].name + ".s", slot2_[i].view()});
  }
  return out;
}

#define NN_CH05_OPT(T)                                                                        \
  template void sgd_update<T>(T*, const T*, std::int64_t, T);                                 \
  template void momentum_update<T>(T*, const T*, T*, std::int64_t, T, T);                     \
  template void classic_momentum_update<T>(T*, const T*, T*, std::int64_t, T, T);             \
  template void nesterov_update<T>(T*, const T*, T*, std::int64_t, T, T);                     \
  template void adagrad_update<T>(T*, const T*, T*, std::int64_t, T, T);                      \
  template void rmsprop_update<T>(T*, const T*, T*, std::int64_t, T, T, T);                   \
  template void adam_update<T>(T*, const T*, T*, T*, std::int64_t, T, T, T, T, std::int64_t); \
  template class Optimizer<T>;

NN_CH05_OPT(float)
NN_CH05_OPT(double)

}  // namespace nn::ch05
