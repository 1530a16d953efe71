// regularization.cpp — Chapter 5 reference solutions.
#include "ch05/regularization.hpp"

#include <cmath>

#include "nn/error.hpp"

namespace nn::ch05 {

Init parse_init(std::string_view text) {
  if (text == "xavier" || text == "glorot") return Init::Xavier;
  if (text == "he") return Init::He;
  throw Error("unknown initialisation '" + std::string(text) + "' (expected xavier or he)");
}

template <typename T>
void init_weights(TensorView<T> w, std::int64_t fan_in, std::int64_t fan_out, Init init, Rng& rng) {
  if (fan_in <= 0 || fan_out <= 0) throw Error("init_weights: fan_in and fan_out must be > 0");
  if (init == Init::Xavier) {
    const double limit = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
    for (T& v : w) v = static_cast<T>(rng.uniform(-limit, limit));
  } else {
    const double stddev = std::sqrt(2.0 / static_cast<double>(fan_in));
    for (T& v : w) v = static_cast<T>(rng.normal(0.0, stddev));
  }
}

template <typename T>
T l2_penalty(TensorView<const T> w, T lambda) {
  // BEGIN EXERCISE 5.2 (L2 penalty and gradient)
  T sum = 0;
  for (T v : w) sum += v * v;
  return lambda * sum;
  // END EXERCISE
}

template <typename T>
void l2_backward(TensorView<T> grad, TensorView<const T> w, T lambda) {
  if (!(grad.shape() == w.shape())) throw Error("l2_backward: gradient and weights differ in shape");
  // BEGIN EXERCISE 5.2 (L2 penalty and gradient)
  //! ∂(λ‖W‖²)/∂W = 2λW, added to the gradient of the data loss.
  for (std::int64_t i = 0; i < w.size(); ++i) grad[i] += T(2) * lambda * w[i];
  // END EXERCISE
}

template <typename T>
void dropout_forward(TensorView<T> out, TensorView<T> mask, TensorView<const T> in, double p, Mode mode, Rng& rng) {
  if (!(out.shape() == in.shape()) || !(mask.shape() == in.shape()))
    throw Error("dropout: out, mask and in must have the same shape");
  if (!(p >= 0.0 && p < 1.0)) throw Error("dropout probability must be in [0, 1), got " + std::to_string(p));
  if (mode == Mode::Eval || p == 0.0) {
    for (std::int64_t i = 0; i < in.size(); ++i) out[i] = in[i];
    for (T& m : mask) m = T(1);
    return;
  }
  const T keep_scale = static_cast<T>(1.0 / (1.0 - p));
  for (T& m : mask) m = rng.uniform() < p ? T(0) : keep_scale;
  dropout_apply<T>(out, mask, in);
}

template <typename T>
void dropout_apply(TensorView<T> out, TensorView<const T> mask, TensorView<const T> in) {
  for (std::int64_t i = 0; i < in.size(); ++i) out[i] = in[i] * mask[i];
}

template <typename T>
void dropout_backward(TensorView<T> d_in, TensorView<const T> d_out, TensorView<const T> mask) {
  if (!(d_in.shape() == d_out.shape()) || !(mask.shape() == d_out.shape()))
    throw Error("dropout_backward: d_in, d_out and mask must have the same shape");
  // BEGIN EXERCISE 5.3 (dropout backward)
  //! In the forward pass this was: out = in ⊙ mask, so ∂L/∂in = ∂L/∂out ⊙ mask.
  for (std::int64_t i = 0; i < d_out.size(); ++i) d_in[i] += d_out[i] * mask[i];
  // END EXERCISE
}

bool EarlyStopping::update(int epoch, double validation_accuracy) {
  if (validation_accuracy > best_) {
    best_ = validation_accuracy;
    best_epoch_ = epoch;
    epochs_without_improvement_ = 0;
    return true;
  }
  ++epochs_without_improvement_;
  return false;
}

Schedule::Schedule(Kind kind, double initial, int step, double gamma, int patience)
    : kind_(kind), lr_(initial), step_(step), gamma_(gamma), patience_(patience) {
  if (!(initial > 0)) throw Error("learning rate must be > 0");
  if (step <= 0 || patience <= 0) throw Error("schedule step and patience must be > 0");
}

Schedule::Kind Schedule::parse(std::string_view text) {
  if (text == "none") return Kind::None;
  if (text == "step") return Kind::Step;
  if (text == "plateau") return Kind::Plateau;
  throw Error("unknown schedule '" + std::string(text) + "' (expected none, step or plateau)");
}

double Schedule::after_epoch(int epoch, double validation_accuracy) {
  switch (kind_) {
    case Kind::None: break;
    case Kind::Step:
      if ((epoch + 1) % step_ == 0) lr_ *= gamma_;
      break;
    case Kind::Plateau:
      if (validation_accuracy > best_) {
        best_ = validation_accuracy;
        waited_ = 0;
      } else if (++waited_ >= patience_) {
        lr_ /= 10.0;
        waited_ = 0;
      }
      break;
  }
  return lr_;
}

#define NN_CH05_REG(T)                                                                                   \
  template void init_weights<T>(TensorView<T>, std::int64_t, std::int64_t, Init, Rng&);                  \
  template T l2_penalty<T>(TensorView<const T>, T);                                                      \
  template void l2_backward<T>(TensorView<T>, TensorView<const T>, T);                                   \
  template void dropout_forward<T>(TensorView<T>, TensorView<T>, TensorView<const T>, double, Mode, Rng&); \
  template void dropout_apply<T>(TensorView<T>, TensorView<const T>, TensorView<const T>);               \
  template void dropout_backward<T>(TensorView<T>, TensorView<const T>, TensorView<const T>);

NN_CH05_REG(float)
NN_CH05_REG(double)

}  // namespace nn::ch05
