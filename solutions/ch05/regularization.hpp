// regularization.hpp — Chapter 5: initialisation, L2, dropout, early
// stopping and learning-rate schedules.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "nn/rng.hpp"
#include "nn/tensor.hpp"

namespace nn::ch05 {

// ---- initialisation ---------------------------------------------------------
// Glorot/Xavier (2010): W ~ U(−√(6/(fan_in + fan_out)), +√(…)), keeps the
//   variance of activations and gradients about equal across tanh/sigmoid layers.
// He et al. (2015): W ~ N(0, 2/fan_in), the same for ReLU, which zeroes half
//   of its inputs and so halves the variance.
enum class Init { Xavier, He };
Init parse_init(std::string_view text);
template <typename T>
void init_weights(TensorView<T> w, std::int64_t fan_in, std::int64_t fan_out, Init init, Rng& rng);

// ---- L2 regularisation --------------------------------------------------------
// The objective is (1/n) Σ L + λ‖Θ‖². Only weights are decayed, never biases
// (intercepts): a bias shifts a unit's threshold and does not make the
// function any less smooth, so penalising it only biases the fit.
// Penalty λ‖W‖² and its gradient 2λW, added to grad.                [exercise 5.2]
template <typename T>
T l2_penalty(TensorView<const T> w, T lambda);
template <typename T>
void l2_backward(TensorView<T> grad, TensorView<const T> w, T lambda);

// ---- dropout (inverted) -------------------------------------------------------------
// Training: each unit is kept with probability 1 − p and the kept ones are
// scaled by 1/(1 − p), so the expected activation is unchanged; testing
// uses the network as it is (no mask, no scaling). The mask holds 0 or
// 1/(1 − p) per element and is the cache backward needs.
//   out, in, mask: same shape
enum class Mode { Train, Eval };
// Draws a fresh mask (Train) and applies it; in Eval mode out = in.
template <typename T>
void dropout_forward(TensorView<T> out, TensorView<T> mask, TensorView<const T> in, double p, Mode mode, Rng& rng);
// Applies a given mask (for gradient checks with a fixed mask).
template <typename T>
void dropout_apply(TensorView<T> out, TensorView<const T> mask, TensorView<const T> in);
// d_in += d_out ⊙ mask                                                [exercise 5.3]
template <typename T>
void dropout_backward(TensorView<T> d_in, TensorView<const T> d_out, TensorView<const T> mask);

// ---- early stopping ---------------------------------------------------------
// Watches the validation accuracy; `patience` epochs without a new best
// means stop. The caller keeps a copy of the weights whenever update()
// reports a new best, and restores it at the end.
class EarlyStopping {
 public:
  explicit EarlyStopping(int patience) : patience_(patience) {}
  // Returns true when this epoch is a new best.
  bool update(int epoch, double validation_accuracy);
  bool should_stop() const { return patience_ > 0 && epochs_without_improvement_ >= patience_; }
  int best_epoch() const { return best_epoch_; }
  double best_accuracy() const { return best_; }

 private:
  int patience_;
  int best_epoch_ = -1;
  double best_ = -1.0;
  int epochs_without_improvement_ = 0;
};

// ---- learning-rate schedules ---------------------------------------------------
// none: constant. step: ×gamma every `step` epochs. plateau: ÷10 when the
// validation accuracy has not improved for `patience` epochs (then waits
// `patience` epochs again before the next cut).
class Schedule {
 public:
  enum class Kind { None, Step, Plateau };
  Schedule(Kind kind, double initial, int step = 10, double gamma = 0.1, int patience = 3);
  static Kind parse(std::string_view text);
  double learning_rate() const { return lr_; }
  // Called after each epoch with its validation accuracy; returns the rate
  // for the next epoch.
  double after_epoch(int epoch, double validation_accuracy);

 private:
  Kind kind_;
  double lr_;
  int step_;
  double gamma_;
  int patience_;
  double best_ = -1.0;
  int waited_ = 0;
};

}  // namespace nn::ch05
