// network.hpp — a classifier made of layers: the body (a Sequential), the
// loss on its logits, and everything a training loop, a checkpoint and a
// summary need from any model, written once.
//
//   x (N, C, H, W) → body → logits (N, classes) → softmax cross-entropy
//
// forward(x, mode) runs the body; backward(labels) clears every gradient,
// takes the loss of the last forward pass and sends δ = (p − onehot(y))/N
// back through the body. The parameter list (names, values, gradients) is
// gathered once, in the order the layers were added: it feeds the
// optimiser, zero_grad, the L2 penalty, checkpoints and the summary.
//
// x must stay unchanged between forward and backward: the layers read it
// again (the first conv layer's weight gradient).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "layers/compose.hpp"

namespace nn::layers {

template <typename T>
class Network {
 public:
  // image: (C, H, W) of one input; classes: the width of the logits.
  Network(std::string architecture, Shape image, int classes);
  Network(Network&&) noexcept = default;
  Network& operator=(Network&&) noexcept = default;

  Sequential<T>& body() { return body_; }
  const Sequential<T>& body() const { return body_; }
  const std::string& architecture() const { return architecture_; }
  const Shape& image() const { return image_; }  // (C, H, W)
  int classes() const { return classes_; }
  // Key/value pairs that every checkpoint of the network carries (what a
  // reader needs to rebuild it: widths, input size, preprocessing).
  void set_metadata(const std::string& key, const std::string& value) { metadata_[key] = value; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // The logits of x (N, C, H, W), kept for backward and predictions.
  TensorView<const T> forward(TensorView<const T> x, Mode mode);
  TensorView<const T> logits() const { return logits_.view(); }
  // Zeroes the gradients, then back-propagates the mean softmax
  // cross-entropy of the last forward pass; returns that loss.
  T backward(std::span<const int> labels);
  // Arg-max class of each example of the last forward pass.
  void predictions(std::span<int> out) const;

  // Every trained tensor / every saved-but-untrained one, gathered on the
  // first call (the layers must all have been added by then).
  std::vector<Parameter<T>>& parameters();
  std::vector<State<T>>& states();
  void zero_grad();
  std::int64_t parameter_count();
  // Draws every layer's initial weights in order (biases zero).
  void initialize(Init init, Rng& rng);
  void seed(std::uint64_t seed) { body_.seed(seed); }

  // One row per layer for a single image, and the totals.
  std::vector<SummaryRow> summary();
  // Bytes the network holds for a batch of n: activations, their deltas,
  // the layers' caches and workspaces, the logits (sized by a forward pass
  // on n images if the last was on another size).
  std::int64_t planned_bytes(std::int64_t n);

 private:
  void check_input(const Shape& x) const;

  std::string architecture_;
  Shape image_;
  int classes_;
  std::map<std::string, std::string> metadata_;
  Sequential<T> body_;
  Tensor<T> logits_, prob_, d_logits_;
  TensorView<const T> x_;  // the input of the last forward pass
  std::vector<Parameter<T>> params_;
  std::vector<State<T>> states_;
  bool listed_ = false;
};

// The summary as a table: layer, output (C×H×W or features), parameters,
// multiply-adds and activation memory per image, then the totals and the
// planned memory per image at `batch`.
template <typename T>
void print_summary(Network<T>& net, std::int64_t batch);
// 12345678 → "12,345,678".
std::string grouped(std::int64_t v);
// The same table for any rows (a layer's own summarize(), say), with the totals.
void print_rows(const std::vector<SummaryRow>& rows);

}  // namespace nn::layers
