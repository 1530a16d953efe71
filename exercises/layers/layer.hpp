// layer.hpp — the layer interface: a network is a list of these.
//
// Chapters 7 and 8 wired their networks by hand: every tensor and gradient
// listed in a struct, again in params() and zero_grad(), again in a
// workspace, then the forward pass written call by call and the backward
// pass the same calls in reverse. A layer object packs one of those calls
// with what it needs:
//
//   owns        its parameters and their gradients (PyTorch's names and
//               layouts: "weight" (out, in) for dense, (K, C/G, F_h, F_w) for
//               conv, "bias"), its geometry, and its cache (what backward
//               needs that x and y do not hold: X_col, an arg-max map, a
//               dropout mask)
//   forward     x → y, in a mode (Train: dropout draws masks, batch norm uses
//               the batch's statistics; Eval: the network as it is)
//   backward    dy → dx, given the x and y of the forward pass:
//                 dx    += ∂L/∂x      (ACCUMULATED: the caller clears dx)
//                 d_θ   += ∂L/∂θ      (ACCUMULATED: zero_grad clears them)
//               dx may be an empty view: nobody needs ∂L/∂x (the first layer)
//   lists       its parameters {name, value, grad} and its named state that
//               is saved but not trained (batch norm's running statistics)
//
// Why backward accumulates: a tensor that feeds two consumers (the input of
// a residual block feeds the body and the shortcut; the input of an
// inception module feeds four branches) receives the sum of their
// gradients, and "+=" lets each consumer add its share without knowing
// about the others. The same rule gives a parameter used on several slices
// of a batch the sum over the slices.
//
// Why backward is handed x and y: they are the layer's inputs and outputs of
// the forward pass, held by whoever owns the activations (the Sequential
// around it), so the layer need not copy them; ReLU's derivative reads x,
// tanh's reads y, a dense layer's weight gradient reads x. What a layer
// cannot recompute cheaply from x and y it keeps itself.
//
// Shapes: x is (N, C, H, W) or (N, features). output_shape() is pure
// geometry and throws an nn::Error naming the layer and the sizes when the
// input does not fit. prepare(input) sizes the caches once per input shape
// (Caffe's Reshape); calling it again with the same shape does nothing, so a
// steady-state training step allocates nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ch05/regularization.hpp"  // Mode, Init
#include "nn/rng.hpp"
#include "nn/tensor.hpp"

namespace nn::layers {

using ch05::Init;
using ch05::Mode;

// A trained tensor: its full name ("features.0.weight"), its values and the
// gradient backward accumulates into. decayed: whether an L2 penalty applies
// (weights yes, biases never: see ch05/regularization.hpp).
template <typename T>
struct Parameter {
  std::string name;
  TensorView<T> value, grad;
  bool decayed = true;
};

// A tensor saved with the model but not trained (running statistics).
template <typename T>
struct State {
  std::string name;
  TensorView<T> value;
};

// One row of a model summary (layer.hpp's summarize; model.hpp prints it).
struct SummaryRow {
  std::string name;         // "c1", "features.3", "layer1.0.conv2"
  std::string description;  // "conv 6@5x5 pad 2"
  Shape output;             // for one image (batch dimension 1)
  std::int64_t parameters = 0;
  std::int64_t multiply_adds = 0;  // per image
  std::int64_t activation_bytes = 0;  // the output, per image
  int depth = 0;            // nesting level (composites indent their children)
};

// A layer's cache that grows to the largest shape it has held and hands
// out views of the shape asked for: in slices (Sequential::run_in_slices)
// a shorter last slice reuses the full slice's memory instead of
// allocating.
template <typename T>
class Reserve {
 public:
  TensorView<T> view(const Shape& shape) {
    if (data_.size() < shape.numel()) data_ = Tensor<T>(shape);
    return TensorView<T>(data_.data(), shape);
  }
  std::int64_t bytes() const { return data_.size() * static_cast<std::int64_t>(sizeof(T)); }

 private:
  Tensor<T> data_;
};

// "prefix.name" or "name" or "prefix" (empty parts leave no dot).
std::string join_name(const std::string& prefix, const std::string& name);
// Σ size of the values.
template <typename T>
std::int64_t count_values(const std::vector<Parameter<T>>& params);

template <typename T>
class Layer {
 public:
  virtual ~Layer() = default;

  // What it is, for summaries and errors: "conv 6@5x5 pad 2", "tanh".
  virtual std::string describe() const = 0;
  // The output shape for this input shape (the batch dimension carried over).
  virtual Shape output_shape(const Shape& input) const = 0;
  // Sizes the caches for this input shape; nothing when it is unchanged.
  virtual void prepare(const Shape& input) { (void)input; }
  // y = f(x). y is OVERWRITTEN; its shape is output_shape(x.shape()).
  virtual void forward(TensorView<const T> x, TensorView<T> y, Mode mode) = 0;
  // dx += ∂L/∂x (unless dx is empty) and each parameter's grad += ∂L/∂θ,
  // from dy = ∂L/∂y and the x, y of the last forward pass on these images.
  virtual void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) = 0;

  // Appends the parameters, named prefix + "." + "weight", ...
  virtual void parameters(const std::string& prefix, std::vector<Parameter<T>>& out) {
    (void)prefix;
    (void)out;
  }
  // Appends the named state that is saved but not trained.
  virtual void states(const std::string& prefix, std::vector<State<T>>& out) {
    (void)prefix;
    (void)out;
  }
  // Draws the initial weights (He or Xavier from the layer's fan-in and
  // fan-out; biases zero), in the order the layers are listed.
  virtual void initialize(Init init, Rng& rng) {
    (void)init;
    (void)rng;
  }
  // Multiply-adds of a forward pass on this input (the whole batch): the
  // products with weights (conv, dense, the 1998 subsampling's coefficient);
  // a layer without weights counts none, as the lectures' tables do.
  virtual std::int64_t multiply_adds(const Shape& input) const {
    (void)input;
    return 0;
  }
  // Bytes of cache and workspace held since the last prepare.
  virtual std::int64_t workspace_bytes() const { return 0; }
  // The summary rows of this layer under `name` (composites: one per child).
  virtual void summarize(const std::string& name, const Shape& input, int depth, std::vector<SummaryRow>& rows);
  // Whether the layer can run a batch slice by slice through one cache:
  // true when backward on a slice needs only that slice's x, y, dy and what
  // the layer can rebuild from them (Sequential::run_in_slices). A
  // sliceable layer also gives a copy of itself (clone), so that several
  // threads can each run their own slices.
  virtual bool sliceable() const { return false; }
  // A copy: the same parameters and settings, its own gradients and caches
  // (nullptr where the layer cannot be copied).
  virtual std::unique_ptr<Layer> clone() const { return nullptr; }
  // Reseeds the layer's random stream (dropout), so that an epoch draws the
  // same masks in a resumed run.
  virtual void seed(std::uint64_t seed) { (void)seed; }
  // Throws an nn::Error naming `source` when the parameter values break an
  // invariant of the layer (a weight that must stay zero); called after a
  // checkpoint is loaded, which is then undone.
  virtual void check_values(const std::string& source) const { (void)source; }
};

}  // namespace nn::layers
