// compose.hpp — layers made of layers: a chain, a residual block, parallel
// branches. Each is a Layer itself, so they nest: a ResNet is a Sequential of
// Residuals whose bodies are Sequentials.
//
//   Sequential   x → f_1 → f_2 → … → f_n → y
//                forward in order, keeping every intermediate output;
//                backward in reverse, each child turning the delta of its
//                output into the delta of its input
//   Residual     y = body(x) + shortcut(x)      shortcut: identity or a layer
//                (a 1×1 conv with stride for a projection)
//                ∂L/∂x = body'ᵀ dy + shortcut'ᵀ dy: the gradient flows down
//                both paths and the two contributions ADD
//   Concat       y = [branch_1(x), branch_2(x), …] along the channels
//                ∂L/∂x = Σ_b branch_b'ᵀ dy[:, channels of b]: each branch gets
//                its own channel range of dy, and their input deltas add
//
// A composite owns the buffers between its children: sized once per input
// shape in prepare(), reused by every later pass (workspace_bytes() counts
// them). Parameter names compose: a child named "conv1" inside one named
// "layer1" lists "layer1.conv1.weight"; a child added with an empty name
// adds no part (its parameters keep their own names).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "layers/layer.hpp"

namespace nn::layers {

// What the three composites share: their parts (children, body and
// shortcut, branches) are listed, initialised, seeded and checked in order,
// and a part's parameters are named after it (a part named "" adds no name
// of its own). Each composite says what its parts are and what buffers it
// holds itself.
template <typename T>
class Composite : public Layer<T> {
 public:
  void parameters(const std::string& prefix, std::vector<Parameter<T>>& out) override;
  void states(const std::string& prefix, std::vector<State<T>>& out) override;
  void initialize(Init init, Rng& rng) override;
  std::int64_t workspace_bytes() const override;  // the parts' and its own
  void seed(std::uint64_t seed) override;         // a stream of its own for each part
  void check_values(const std::string& source) const override;

 protected:
  struct Part {
    std::string name;
    Layer<T>* layer;
  };
  virtual std::vector<Part> parts() const = 0;
  virtual std::int64_t own_bytes() const = 0;
};

template <typename T>
class Sequential final : public Composite<T> {
 public:
  Sequential() = default;
  Sequential(Sequential&&) noexcept = default;
  Sequential& operator=(Sequential&&) noexcept = default;

  // Appends a child; an empty name lists its parameters without a prefix of
  // its own. Returns the child.
  Layer<T>& add(std::string name, std::unique_ptr<Layer<T>> layer);
  template <typename L, typename... Args>
  L& emplace(std::string name, Args&&... args) {
    auto layer = std::make_unique<L>(std::forward<Args>(args)...);
    L& ref = *layer;
    add(std::move(name), std::move(layer));
    return ref;
  }
  std::size_t size() const { return children_.size(); }
  Layer<T>& child(std::size_t i) { return *children_[i].layer; }
  const Layer<T>& child(std::size_t i) const { return *children_[i].layer; }
  const std::string& child_name(std::size_t i) const { return children_[i].name; }
  // Output of child i (and input of child i + 1) of the last forward pass.
  TensorView<const T> output(std::size_t i) const;

  // Runs the batch through the children `images` images at a time (0: the
  // whole batch at once), so one slice's intermediate values and the
  // children's caches (X_col) stay in the core's cache from one child to
  // the next. Every child must be sliceable(): its backward on a slice may
  // need only that slice's x, y and dy. The activations are kept for the
  // whole batch; the deltas and the children's caches for one slice.
  //
  // With several threads (nn::set_num_threads) each thread runs whole
  // slices with a copy of the children of its own (their parameter values
  // refreshed from the children's before every forward pass) and its own
  // deltas. Each slice's parameter gradients are summed apart and added into
  // the children's gradients in slice order afterwards, so the result does
  // not depend on which thread ran which slice, nor on how many threads
  // there are: the same bits on 1, 2 or 3 threads.
  void run_in_slices(std::int64_t images);
  std::int64_t slice_images() const { return slice_; }

  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  void prepare(const Shape& input) override;
  void forward(TensorView<const T> x, TensorView<T> y, Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  std::int64_t multiply_adds(const Shape& input) const override;
  void summarize(const std::string& name, const Shape& input, int depth, std::vector<SummaryRow>& rows) override;

 private:
  using typename Composite<T>::Part;
  std::vector<Part> parts() const override;
  std::int64_t own_bytes() const override;
  struct Child {
    std::string name;
    std::unique_ptr<Layer<T>> layer;
  };
  // The layers one pass runs (the children, or a thread's copies of them)
  // and the deltas between them.
  struct Chain {
    std::vector<Layer<T>*> layers;
    std::vector<Tensor<T>> deltas;  // deltas[i]: ∂L/∂ of child i's output (whole batch, or one slice)
  };
  // A thread's copy of the children (slices on several threads).
  struct Replica {
    std::vector<std::unique_ptr<Layer<T>>> owned;
    std::vector<Parameter<T>> params;
    Chain chain;
  };
  // The chain's pass over images [b0, b1) of the batch.
  void forward_rows(Chain& chain, TensorView<const T> x, TensorView<T> y, std::int64_t b0, std::int64_t b1,
                    Mode mode);
  void backward_rows(Chain& chain, TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy,
                     TensorView<T> dx, std::int64_t b0, std::int64_t b1);
  // Input of child i / output of child i for images [b0, b1).
  TensorView<const T> input_of(std::size_t i, TensorView<const T> x, std::int64_t b0, std::int64_t b1) const;
  TensorView<T> output_of(std::size_t i, TensorView<T> y, std::int64_t b0, std::int64_t b1);
  void prepare_replicas(const Shape& input, std::int64_t rows);
  std::int64_t slices(std::int64_t n) const { return slice_ > 0 ? (n + slice_ - 1) / slice_ : 1; }

  std::vector<Child> children_;
  std::int64_t slice_ = 0;
  Shape prepared_;
  int prepared_threads_ = 0;
  std::vector<Tensor<T>> outputs_;  // outputs_[i]: child i's output (i < n − 1; the last writes y)
  Chain main_;                      // the children themselves, with whole-batch (or one-slice) deltas
  // Slices only: one copy of the children per thread, the children's own
  // parameters, and each slice's sum of every parameter's gradient.
  std::vector<Replica> replicas_;
  std::vector<Parameter<T>> params_;
  std::vector<std::vector<Tensor<T>>> slice_grads_;
};

template <typename T>
class Residual final : public Composite<T> {
 public:
  // shortcut: nullptr for the identity. Its parameters are listed under
  // `shortcut_name` (torchvision's "downsample"); the body's without a
  // prefix of its own.
  Residual(std::unique_ptr<Layer<T>> body, std::unique_ptr<Layer<T>> shortcut = nullptr,
           std::string shortcut_name = "downsample");
  Layer<T>& body() { return *body_; }

  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  void prepare(const Shape& input) override;
  void forward(TensorView<const T> x, TensorView<T> y, Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  std::int64_t multiply_adds(const Shape& input) const override;
  void summarize(const std::string& name, const Shape& input, int depth, std::vector<SummaryRow>& rows) override;

 private:
  using typename Composite<T>::Part;
  std::vector<Part> parts() const override;
  std::int64_t own_bytes() const override;
  std::unique_ptr<Layer<T>> body_, shortcut_;
  std::string shortcut_name_;
  Shape prepared_;
  Tensor<T> body_out_, shortcut_out_;  // the two terms of the sum
};

template <typename T>
class Concat final : public Composite<T> {
 public:
  Concat() = default;
  // Appends a branch; its parameters are listed under `name`.
  Layer<T>& add(std::string name, std::unique_ptr<Layer<T>> branch);

  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  void prepare(const Shape& input) override;
  void forward(TensorView<const T> x, TensorView<T> y, Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  std::int64_t multiply_adds(const Shape& input) const override;
  void summarize(const std::string& name, const Shape& input, int depth, std::vector<SummaryRow>& rows) override;

 private:
  using typename Composite<T>::Part;
  std::vector<Part> parts() const override;
  std::int64_t own_bytes() const override;
  struct Branch {
    std::string name;
    std::unique_ptr<Layer<T>> layer;
    Tensor<T> out, d_out;  // its output (N, C_b, H, W) and that output's delta
  };
  std::vector<Branch> branches_;
  Shape prepared_;
};

// Channels [c0, c0 + C_part) of every image of a (N, C_whole, H, W) tensor
// and a (N, C_part, H, W) one: scatter writes part into those channels of
// whole, gather copies those channels of whole into part.
template <typename T>
void scatter_channels(TensorView<const T> part, TensorView<T> whole, std::int64_t c0);
template <typename T>
void gather_channels(TensorView<const T> whole, TensorView<T> part, std::int64_t c0);

}  // namespace nn::layers
