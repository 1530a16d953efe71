// compose.cpp — Sequential, Residual and Concat.
#include "layers/compose.hpp"

#include <algorithm>
#include <string>

#include "nn/error.hpp"
#include "nn/threads.hpp"

namespace nn::layers {

namespace {

// A view of the first n rows (images) of t.
template <typename T>
TensorView<T> first_rows(Tensor<T>& t, std::int64_t n) {
  return t.view().rows(0, n);
}

template <typename T>
void zero(TensorView<T> t) {
  std::fill(t.begin(), t.end(), T(0));
}

template <typename T>
std::int64_t bytes_of(const Tensor<T>& t) {
  return t.size() * static_cast<std::int64_t>(sizeof(T));
}

// A distinct stream per child, so that adding a layer does not change what
// the others draw.
std::uint64_t child_seed(std::uint64_t seed, std::size_t i) {
  return seed * 0x9E3779B97F4A7C15ULL + (static_cast<std::uint64_t>(i) + 1) * 0xBF58476D1CE4E5B9ULL;
}

Shape with_batch(const Shape& s, std::int64_t n) {
  switch (s.rank()) {
    case 1: return Shape{n};
    case 2: return Shape{n, s[1]};
    case 3: return Shape{n, s[1], s[2]};
    default: return Shape{n, s[1], s[2], s[3]};
  }
}

}  // namespace

template <typename T>
void scatter_channels(TensorView<const T> part, TensorView<T> whole, std::int64_t c0) {
  const std::int64_t n = whole.dim(0), plane = whole.dim(2) * whole.dim(3);
  const std::int64_t c_part = part.dim(1), c_whole = whole.dim(1);
  for (std::int64_t i = 0; i < n; ++i)
    std::copy(part.data() + i * c_part * plane, part.data() + (i + 1) * c_part * plane,
              whole.data() + (i * c_whole + c0) * plane);
}

template <typename T>
void gather_channels(TensorView<const T> whole, TensorView<T> part, std::int64_t c0) {
  const std::int64_t n = whole.dim(0), plane = whole.dim(2) * whole.dim(3);
  const std::int64_t c_part = part.dim(1), c_whole = whole.dim(1);
  for (std::int64_t i = 0; i < n; ++i)
    std::copy(whole.data() + (i * c_whole + c0) * plane, whole.data() + (i * c_whole + c0 + c_part) * plane,
              part.data() + i * c_part * plane);
}

// ---- what the composites share ------------------------------------------------------

template <typename T>
void Composite<T>::parameters(const std::string& prefix, std::vector<Parameter<T>>& out) {
  for (const Part& p : parts()) p.layer->parameters(join_name(prefix, p.name), out);
}

template <typename T>
void Composite<T>::states(const std::string& prefix, std::vector<State<T>>& out) {
  for (const Part& p : parts()) p.layer->states(join_name(prefix, p.name), out);
}

template <typename T>
void Composite<T>::initialize(Init init, Rng& rng) {
  for (const Part& p : parts()) p.layer->initialize(init, rng);
}

template <typename T>
std::int64_t Composite<T>::workspace_bytes() const {
  std::int64_t total = own_bytes();
  for (const Part& p : parts()) total += p.layer->workspace_bytes();
  return total;
}

template <typename T>
void Composite<T>::seed(std::uint64_t seed) {
  const std::vector<Part> all = parts();
  for (std::size_t i = 0; i < all.size(); ++i) all[i].layer->seed(child_seed(seed, i));
}

template <typename T>
void Composite<T>::check_values(const std::string& source) const {
  for (const Part& p : parts()) p.layer->check_values(source);
}

// ---- Sequential ------------------------------------------------------------------------

template <typename T>
std::vector<typename Sequential<T>::Part> Sequential<T>::parts() const {
  std::vector<Part> all;
  for (const Child& c : children_) all.push_back({c.name, c.layer.get()});
  return all;
}

template <typename T>
std::int64_t Sequential<T>::own_bytes() const {
  std::int64_t total = 0;
  for (std::size_t i = 0; i < outputs_.size(); ++i) total += bytes_of(outputs_[i]) + bytes_of(main_.deltas[i]);
  for (const Replica& r : replicas_) {
    for (const auto& d : r.chain.deltas) total += bytes_of(d);
    for (const auto& l : r.owned) total += l->workspace_bytes();
  }
  for (const auto& sums : slice_grads_)
    for (const auto& g : sums) total += bytes_of(g);
  return total;
}

template <typename T>
Layer<T>& Sequential<T>::add(std::string name, std::unique_ptr<Layer<T>> layer) {
  if (!layer) throw Error("Sequential::add: no layer given for '" + name + "'");
  for (const Child& c : children_)
    if (!name.empty() && c.name == name) throw Error("Sequential::add: two children named '" + name + "'");
  if (slice_ > 0 && !layer->sliceable())
    throw Error("Sequential::add: '" + name + "' (" + layer->describe() +
                ") cannot run slice by slice, and this Sequential runs in slices");
  children_.push_back({std::move(name), std::move(layer)});
  prepared_ = Shape();
  return *children_.back().layer;
}

template <typename T>
void Sequential<T>::run_in_slices(std::int64_t images) {
  if (images < 0) throw Error("Sequential::run_in_slices: a negative slice size");
  if (images > 0)
    for (const Child& c : children_)
      if (!c.layer->sliceable())
        throw Error("Sequential::run_in_slices: '" + c.name + "' (" + c.layer->describe() +
                    ") cannot run slice by slice: its backward pass needs a cache of the whole batch");
  slice_ = images;
  prepared_ = Shape();
}

template <typename T>
std::string Sequential<T>::describe() const {
  std::string text = "sequential of " + std::to_string(children_.size());
  if (slice_ > 0) text += ", in slices of " + std::to_string(slice_) + " images";
  return text;
}

template <typename T>
Shape Sequential<T>::output_shape(const Shape& input) const {
  Shape s = input;
  for (std::size_t i = 0; i < children_.size(); ++i) {
    try {
      s = children_[i].layer->output_shape(s);
    } catch (const Error& e) {  // say which layer, by name, and what it was given
      const std::string name = children_[i].name.empty() ? "#" + std::to_string(i) : "'" + children_[i].name + "'";
      throw Error("layer " + name + " (" + children_[i].layer->describe() + ") on input " + s.str() + ": " + e.what());
    }
  }
  return s;
}

template <typename T>
void Sequential<T>::prepare(const Shape& input) {
  const int threads = slice_ > 0 ? std::max(1, num_threads()) : 0;
  if (prepared_ == input && prepared_.rank() > 0 && prepared_threads_ == threads) return;
  if (children_.empty()) throw Error("Sequential: no layers");
  const std::int64_t n = input[0];
  const std::int64_t rows = slice_ > 0 ? std::min(n, slice_) : n;  // images a child sees at once
  outputs_.resize(children_.size() - 1);
  main_.layers.clear();
  main_.deltas.resize(children_.size() - 1);
  Shape s = input;
  for (std::size_t i = 0; i < children_.size(); ++i) {
    main_.layers.push_back(children_[i].layer.get());
    children_[i].layer->prepare(with_batch(s, rows));
    s = children_[i].layer->output_shape(s);
    if (i + 1 < children_.size()) {
      if (!(outputs_[i].shape() == s)) outputs_[i] = Tensor<T>(s);
      const Shape d = with_batch(s, rows);
      if (!(main_.deltas[i].shape() == d)) main_.deltas[i] = Tensor<T>(d);
    }
  }
  if (slice_ > 0) prepare_replicas(input, rows);
  prepared_ = input;
  prepared_threads_ = threads;
}

template <typename T>
void Sequential<T>::prepare_replicas(const Shape& input, std::int64_t rows) {
  // Slices run on the replicas only: one per thread, copies of the children.
  const auto threads = static_cast<std::size_t>(std::max(1, num_threads()));
  replicas_.resize(threads);
  params_.clear();
  for (Child& c : children_) c.layer->parameters("", params_);
  for (Replica& r : replicas_) {
    if (r.owned.size() != children_.size()) {
      r.owned.clear();
      for (const Child& c : children_) {
        r.owned.push_back(c.layer->clone());
        if (!r.owned.back())
          throw Error("Sequential: '" + c.name + "' (" + c.layer->describe() + ") cannot be copied for slices");
      }
    }
    r.chain.layers.clear();
    r.params.clear();
    Shape s = input;
    for (std::size_t i = 0; i < r.owned.size(); ++i) {
      r.chain.layers.push_back(r.owned[i].get());
      r.owned[i]->prepare(with_batch(s, rows));
      r.owned[i]->parameters("", r.params);
      s = r.owned[i]->output_shape(s);
    }
    r.chain.deltas.resize(main_.deltas.size());
    for (std::size_t i = 0; i < main_.deltas.size(); ++i)
      if (!(r.chain.deltas[i].shape() == main_.deltas[i].shape())) r.chain.deltas[i] = Tensor<T>(main_.deltas[i].shape());
  }
  slice_grads_.resize(static_cast<std::size_t>(slices(input[0])));
  for (auto& sums : slice_grads_) {
    sums.resize(params_.size());
    for (std::size_t p = 0; p < params_.size(); ++p)
      if (!(sums[p].shape() == params_[p].grad.shape())) sums[p] = Tensor<T>(params_[p].grad.shape());
  }
}

template <typename T>
TensorView<const T> Sequential<T>::output(std::size_t i) const {
  if (i + 1 >= children_.size()) throw Error("Sequential::output: the last child writes the caller's y");
  return outputs_[i].view();
}

template <typename T>
TensorView<const T> Sequential<T>::input_of(std::size_t i, TensorView<const T> x, std::int64_t b0,
                                            std::int64_t b1) const {
  return i == 0 ? x.rows(b0, b1) : outputs_[i - 1].view().rows(b0, b1);
}

template <typename T>
TensorView<T> Sequential<T>::output_of(std::size_t i, TensorView<T> y, std::int64_t b0, std::int64_t b1) {
  return i + 1 == children_.size() ? y.rows(b0, b1) : outputs_[i].view().rows(b0, b1);
}

template <typename T>
void Sequential<T>::forward_rows(Chain& chain, TensorView<const T> x, TensorView<T> y, std::int64_t b0,
                                 std::int64_t b1, Mode mode) {
  for (std::size_t i = 0; i < chain.layers.size(); ++i)
    chain.layers[i]->forward(input_of(i, x, b0, b1), output_of(i, y, b0, b1), mode);
}

template <typename T>
void Sequential<T>::forward(TensorView<const T> x, TensorView<T> y, Mode mode) {
  prepare(x.shape());
  const std::int64_t n = x.dim(0);
  if (slice_ == 0) {
    forward_rows(main_, x, y, 0, n, mode);
    return;
  }
  // The replicas take the children's current parameters, then the threads
  // take the slices in order, each with its own replica.
  for (Replica& r : replicas_)
    for (std::size_t p = 0; p < params_.size(); ++p)
      std::copy(params_[p].value.begin(), params_[p].value.end(), r.params[p].value.begin());
  parallel_for(slices(n), 1, [&](std::int64_t k0, std::int64_t k1) {
    Replica& r = replicas_[static_cast<std::size_t>(thread_index())];
    for (std::int64_t k = k0; k < k1; ++k) forward_rows(r.chain, x, y, k * slice_, std::min(n, (k + 1) * slice_), mode);
  });
}

template <typename T>
void Sequential<T>::backward_rows(Chain& chain, TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy,
                                  TensorView<T> dx, std::int64_t b0, std::int64_t b1) {
  const std::int64_t m = b1 - b0;
  const std::size_t last = chain.layers.size() - 1;
  // BEGIN EXERCISE 7.8 (Sequential backward: the children in reverse)
  //! The forward pass was out_i = layer_i(in_i), in_0 = x, in_{i+1} = out_i, out_last = y.
  //! Walk chain.layers from the last to the first. Layer i gets
  //!   in  = input_of(i, x, b0, b1)                   its input
  //!   out = the last layer: y.rows(b0, b1); else outputs_[i].view().rows(b0, b1)
  //!   d_out = the last layer: dy.rows(b0, b1); else first_rows(chain.deltas[i], m)
  //!   d_in  = the first layer: dx.rows(b0, b1), or an empty view when dx is empty;
  //!           else first_rows(chain.deltas[i - 1], m), which must be zeroed first
  //!           (backward ADDS into it)
  //! and turns d_out into d_in: chain.layers[i]->backward(in, out, d_out, d_in).
  for (std::size_t k = 0; k <= last; ++k) {
    const std::size_t i = last - k;
    const TensorView<const T> out = i == last ? y.rows(b0, b1) : outputs_[i].view().rows(b0, b1);
    const TensorView<const T> d_out = i == last ? dy.rows(b0, b1) : first_rows(chain.deltas[i], m);
    TensorView<T> d_in;
    if (i > 0) {
      d_in = first_rows(chain.deltas[i - 1], m);
      zero(d_in);
    } else if (dx.size()) {
      d_in = dx.rows(b0, b1);
    }
    chain.layers[i]->backward(input_of(i, x, b0, b1), out, d_out, d_in);
  }
  // END EXERCISE
}

template <typename T>
void Sequential<T>::backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) {
  if (!(prepared_ == x.shape())) throw Error("Sequential::backward: no forward pass on a batch of " + x.shape().str());
  const std::int64_t n = x.dim(0);
  if (slice_ == 0) {
    backward_rows(main_, x, y, dy, dx, 0, n);
    return;
  }
  // Slices last to first (the last slice's caches are still those of the
  // forward pass), each into its own gradient sums...
  const std::int64_t count = slices(n);
  parallel_for(count, 1, [&](std::int64_t k0, std::int64_t k1) {
    Replica& r = replicas_[static_cast<std::size_t>(thread_index())];
    for (std::int64_t j = k0; j < k1; ++j) {
      const std::int64_t k = count - 1 - j;
      for (auto& p : r.params) zero(p.grad);
      backward_rows(r.chain, x, y, dy, dx, k * slice_, std::min(n, (k + 1) * slice_));
      auto& sums = slice_grads_[static_cast<std::size_t>(k)];
      for (std::size_t p = 0; p < r.params.size(); ++p)
        std::copy(r.params[p].grad.begin(), r.params[p].grad.end(), sums[p].begin());
    }
  });
  // ...then added into the children's gradients in slice order, element by
  // element (in parallel over the elements).
  parallel_for_arrays(
      params_.size(), [&](std::size_t p) { return params_[p].grad.size(); }, 512,
      [&](std::size_t p, std::int64_t e0, std::int64_t e1) {
        T* out = params_[p].grad.data();
        for (std::int64_t k = 0; k < count; ++k) {
          const T* in = slice_grads_[static_cast<std::size_t>(k)][p].data();
          for (std::int64_t e = e0; e < e1; ++e) out[e] += in[e];
        }
      });
}

template <typename T>
std::int64_t Sequential<T>::multiply_adds(const Shape& input) const {
  std::int64_t total = 0;
  Shape s = input;
  for (const Child& c : children_) {
    total += c.layer->multiply_adds(s);
    s = c.layer->output_shape(s);
  }
  return total;
}

template <typename T>
void Sequential<T>::summarize(const std::string& name, const Shape& input, int depth, std::vector<SummaryRow>& rows) {
  Shape s = input;
  for (std::size_t i = 0; i < children_.size(); ++i) {
    // An unnamed child adds no part to the names, as in parameters().
    children_[i].layer->summarize(join_name(name, children_[i].name), s, depth, rows);
    s = children_[i].layer->output_shape(s);
  }
}

// ---- Residual --------------------------------------------------------------------------

template <typename T>
std::vector<typename Residual<T>::Part> Residual<T>::parts() const {
  std::vector<Part> all = {{"", body_.get()}};
  if (shortcut_) all.push_back({shortcut_name_, shortcut_.get()});
  return all;
}

template <typename T>
std::int64_t Residual<T>::own_bytes() const {
  return bytes_of(body_out_) + bytes_of(shortcut_out_);
}

template <typename T>
Residual<T>::Residual(std::unique_ptr<Layer<T>> body, std::unique_ptr<Layer<T>> shortcut, std::string shortcut_name)
    : body_(std::move(body)), shortcut_(std::move(shortcut)), shortcut_name_(std::move(shortcut_name)) {
  if (!body_) throw Error("Residual: no body");
}

template <typename T>
std::string Residual<T>::describe() const {
  return shortcut_ ? "residual (projection shortcut: " + shortcut_->describe() + ")" : "residual (identity shortcut)";
}

template <typename T>
Shape Residual<T>::output_shape(const Shape& input) const {
  const Shape a = body_->output_shape(input);
  const Shape b = shortcut_ ? shortcut_->output_shape(input) : input;
  if (!(a == b))
    throw Error("residual block: the body gives " + a.str() + " but the shortcut " + b.str() +
                (shortcut_ ? "" : " (the identity: give a projection shortcut to change the shape)"));
  return a;
}

template <typename T>
void Residual<T>::prepare(const Shape& input) {
  if (prepared_ == input && prepared_.rank() > 0) return;
  const Shape out = output_shape(input);
  body_->prepare(input);
  if (shortcut_) shortcut_->prepare(input);
  body_out_ = Tensor<T>(out);
  shortcut_out_ = shortcut_ ? Tensor<T>(out) : Tensor<T>();
  prepared_ = input;
}

template <typename T>
void Residual<T>::forward(TensorView<const T> x, TensorView<T> y, Mode mode) {
  prepare(x.shape());
  body_->forward(x, body_out_, mode);
  const T* s = x.data();
  if (shortcut_) {
    shortcut_->forward(x, shortcut_out_, mode);
    s = shortcut_out_.data();
  }
  const T* b = body_out_.data();
  for (std::int64_t i = 0; i < y.size(); ++i) y[i] = b[i] + s[i];
}

template <typename T>
void Residual<T>::backward(TensorView<const T> x, TensorView<const T>, TensorView<const T> dy, TensorView<T> dx) {
  // BEGIN EXERCISE 7.6 (residual block backward: both paths, added)
  //! The forward pass was y = body(x) + s(x), with s the identity (no shortcut_)
  //! or shortcut_ (whose output was shortcut_out_); body's output was body_out_.
  //! ∂y/∂(each term) = 1, so both terms receive the whole dy:
  //!   body_->backward(x, body_out_, dy, dx)          adds body'ᵀ dy into dx
  //!   identity: dx += dy (unless dx is empty);  projection: shortcut_->backward(x, shortcut_out_, dy, dx)
  //! Both add into dx: the gradients of the two paths sum.
  body_->backward(x, body_out_, dy, dx);
  if (shortcut_) {
    shortcut_->backward(x, shortcut_out_, dy, dx);
  } else if (dx.size()) {
    for (std::int64_t i = 0; i < dx.size(); ++i) dx[i] += dy[i];
  }
  // END EXERCISE
}

template <typename T>
std::int64_t Residual<T>::multiply_adds(const Shape& input) const {
  return body_->multiply_adds(input) + (shortcut_ ? shortcut_->multiply_adds(input) : 0);
}

template <typename T>
void Residual<T>::summarize(const std::string& name, const Shape& input, int depth, std::vector<SummaryRow>& rows) {
  body_->summarize(name, input, depth + 1, rows);
  if (shortcut_) shortcut_->summarize(join_name(name, shortcut_name_), input, depth + 1, rows);
  SummaryRow sum;
  sum.name = name;
  sum.description = shortcut_ ? "add (body + projection)" : "add (body + x)";
  sum.output = output_shape(with_batch(input, 1));
  sum.activation_bytes = sum.output.numel() * static_cast<std::int64_t>(sizeof(T));
  sum.depth = depth;
  rows.push_back(sum);
}

// ---- Concat ------------------------------------------------------------------------------

template <typename T>
std::vector<typename Concat<T>::Part> Concat<T>::parts() const {
  std::vector<Part> all;
  for (const Branch& b : branches_) all.push_back({b.name, b.layer.get()});
  return all;
}

template <typename T>
std::int64_t Concat<T>::own_bytes() const {
  std::int64_t total = 0;
  for (const Branch& b : branches_) total += bytes_of(b.out) + bytes_of(b.d_out);
  return total;
}

template <typename T>
Layer<T>& Concat<T>::add(std::string name, std::unique_ptr<Layer<T>> branch) {
  if (!branch) throw Error("Concat::add: no layer given for '" + name + "'");
  for (const Branch& b : branches_)
    if (b.name == name) throw Error("Concat::add: two branches named '" + name + "'");
  branches_.push_back({std::move(name), std::move(branch), {}, {}});
  prepared_ = Shape();
  return *branches_.back().layer;
}

template <typename T>
std::string Concat<T>::describe() const {
  return "concatenation of " + std::to_string(branches_.size()) + " branches along the channels";
}

template <typename T>
Shape Concat<T>::output_shape(const Shape& input) const {
  if (branches_.empty()) throw Error("Concat: no branches");
  std::int64_t channels = 0;
  Shape first;
  for (const Branch& b : branches_) {
    const Shape s = b.layer->output_shape(input);
    if (s.rank() != 4) throw Error("Concat: branch '" + b.name + "' gives " + s.str() + ", not (N, C, H, W)");
    if (first.rank() == 0) first = s;
    if (s[0] != first[0] || s[2] != first[2] || s[3] != first[3])
      throw Error("Concat: branch '" + b.name + "' gives " + s.str() + " but branch '" + branches_[0].name +
                  "' gives " + first.str() + "; all must agree except in channels");
    channels += s[1];
  }
  return Shape{first[0], channels, first[2], first[3]};
}

template <typename T>
void Concat<T>::prepare(const Shape& input) {
  if (prepared_ == input && prepared_.rank() > 0) return;
  (void)output_shape(input);
  for (Branch& b : branches_) {
    b.layer->prepare(input);
    const Shape s = b.layer->output_shape(input);
    b.out = Tensor<T>(s);
    b.d_out = Tensor<T>(s);
  }
  prepared_ = input;
}

template <typename T>
void Concat<T>::forward(TensorView<const T> x, TensorView<T> y, Mode mode) {
  prepare(x.shape());
  std::int64_t c0 = 0;
  for (Branch& b : branches_) {
    b.layer->forward(x, b.out, mode);
    scatter_channels<T>(b.out, y, c0);
    c0 += b.out.dim(1);
  }
}

template <typename T>
void Concat<T>::backward(TensorView<const T> x, TensorView<const T>, TensorView<const T> dy, TensorView<T> dx) {
  // BEGIN EXERCISE 7.7 (concatenation backward: dy split by channels)
  //! The forward pass copied branch b's output (b.out, C_b channels) into the
  //! channels [c0, c0 + C_b) of y, the branches in order. So branch b's output
  //! delta is exactly that channel range of dy: gather it into b.d_out with
  //! gather_channels<T>(dy, b.d_out, c0), then b.layer->backward(x, b.out, b.d_out, dx).
  //! Every branch read the same x: their input deltas add up in dx.
  std::int64_t c0 = 0;
  for (Branch& b : branches_) {
    gather_channels<T>(dy, b.d_out, c0);
    b.layer->backward(x, b.out, b.d_out, dx);
    c0 += b.out.dim(1);
  }
  // END EXERCISE
}

template <typename T>
std::int64_t Concat<T>::multiply_adds(const Shape& input) const {
  std::int64_t total = 0;
  for (const Branch& b : branches_) total += b.layer->multiply_adds(input);
  return total;
}

template <typename T>
void Concat<T>::summarize(const std::string& name, const Shape& input, int depth, std::vector<SummaryRow>& rows) {
  for (Branch& b : branches_) b.layer->summarize(join_name(name, b.name), input, depth + 1, rows);
  SummaryRow cat;
  cat.name = name;
  cat.description = "concat (channels)";
  cat.output = output_shape(with_batch(input, 1));
  cat.activation_bytes = cat.output.numel() * static_cast<std::int64_t>(sizeof(T));
  cat.depth = depth;
  rows.push_back(cat);
}

#define NN_LAYERS_COMPOSE_INSTANTIATE(T)                                                 \
  template void scatter_channels<T>(TensorView<const T>, TensorView<T>, std::int64_t);   \
  template void gather_channels<T>(TensorView<const T>, TensorView<T>, std::int64_t);    \
  template class Composite<T>;                                                           \
  template class Sequential<T>;                                                          \
  template class Residual<T>;                                                            \
  template class Concat<T>;
NN_LAYERS_COMPOSE_INSTANTIATE(float)
NN_LAYERS_COMPOSE_INSTANTIATE(double)
#undef NN_LAYERS_COMPOSE_INSTANTIATE

}  // namespace nn::layers
