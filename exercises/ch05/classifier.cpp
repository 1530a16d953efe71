// classifier.cpp — the chapter-5 network: dense layers, activations,
// dropout and the softmax cross-entropy, wired by the delta rule.
#include "ch05/classifier.hpp"

#include <algorithm>

#include "ch02/losses.hpp"
#include "ch03/dense.hpp"
#include "nn/error.hpp"
#include "nn/threads.hpp"

namespace nn::ch05 {

template <typename T>
std::int64_t Classifier<T>::parameter_count() const {
  std::int64_t n = 0;
  for (int i = 0; i < layers(); ++i) n += weight[static_cast<std::size_t>(i)].size() + bias[static_cast<std::size_t>(i)].size();
  return n;
}

template <typename T>
std::vector<Param<T>> Classifier<T>::params() {
  std::vector<Param<T>> out;
  for (int i = 0; i < layers(); ++i) {
    const auto k = static_cast<std::size_t>(i);
    out.push_back({layer_name(i) + ".weight", weight[k].view(), d_weight[k].view()});
    out.push_back({layer_name(i) + ".bias", bias[k].view(), d_bias[k].view()});
  }
  return out;
}

template <typename T>
void Classifier<T>::zero_grad() {
  // The weight gradients are most of the network's memory (0.9 MB for the
  // chapter's net): the threads clear all the gradients, weights and biases
  // (array 2k and 2k + 1 for layer k), as one range in one parallel call.
  auto grad = [this](std::size_t i) -> Tensor<T>& { return i % 2 ? d_bias[i / 2] : d_weight[i / 2]; };
  parallel_for_arrays(
      2 * d_weight.size(), [&](std::size_t i) { return grad(i).size(); }, 16384,
      [&](std::size_t i, std::int64_t b, std::int64_t e) { std::fill(grad(i).data() + b, grad(i).data() + e, T(0)); });
}

template <typename T>
Classifier<T> make_classifier(const std::vector<int>& sizes, ch02::Activation hidden, double dropout, Init init,
                              Rng& rng) {
  if (sizes.size() < 2) throw Error("a classifier needs at least an input and an output size");
  for (int s : sizes)
    if (s <= 0) throw Error("layer sizes must be > 0");
  if (!(dropout >= 0.0 && dropout < 1.0)) throw Error("dropout must be in [0, 1)");
  Classifier<T> net;
  net.sizes = sizes;
  net.hidden = hidden;
  net.dropout = dropout;
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    const std::int64_t fan_in = sizes[i], fan_out = sizes[i + 1];
    net.weight.emplace_back(Shape{fan_out, fan_in});
    net.bias.emplace_back(Shape{fan_out});
    net.d_weight.emplace_back(Shape{fan_out, fan_in});
    net.d_bias.emplace_back(Shape{fan_out});
    init_weights<T>(net.weight.back(), fan_in, fan_out, init, rng);
  }
  return net;
}

template <typename T>
void ClassifierWorkspace<T>::prepare(const Classifier<T>& net, std::int64_t n) {
  if (n == batch) return;
  batch = n;
  const auto L = static_cast<std::size_t>(net.layers());
  z.assign(L, {});
  a.assign(L, {});
  mask.assign(L, {});
  h.assign(L, {});
  d_h.assign(L, {});
  d_a.assign(L, {});
  d_z.assign(L, {});
  for (std::size_t i = 0; i < L; ++i) {
    const Shape s{n, net.sizes[i + 1]};
    z[i] = Tensor<T>(s);
    d_z[i] = Tensor<T>(s);
    if (i + 1 < L) {
      a[i] = Tensor<T>(s);
      mask[i] = Tensor<T>(s);
      h[i] = Tensor<T>(s);
      d_h[i] = Tensor<T>(s);
      d_a[i] = Tensor<T>(s);
    }
  }
  prob = Tensor<T>(Shape{n, net.sizes.back()});
}

namespace {
template <typename T>
bool uses_dropout(const Classifier<T>& net, Mode mode) {
  return net.dropout > 0.0 && mode == Mode::Train;
}

// Calls body(r0, r1) on row ranges of an [n, cols] batch, split between the
// threads when each range gets at least 4096 elements: the activations
// between two GEMMs (64×256 for the chapter's first layer) would otherwise
// leave the second core idle.
template <typename Body>
void over_rows(std::int64_t n, std::int64_t cols, Body&& body) {
  parallel_for(n, std::max<std::int64_t>(1, 4096 / std::max<std::int64_t>(1, cols)), body);
}

// Calls body(r0, r1) on one block of rows of an n-row batch per thread.
template <typename Body>
void over_row_blocks(std::int64_t n, Body&& body) {
  parallel_for(n, std::max<std::int64_t>(1, n / num_threads()), body);
}

// Weights at most this big (bytes) go into the row-blocked part of the pass.
constexpr std::size_t kRowBlockWeightBytes = 256 * 1024;

// The first layer of the row-blocked part: every layer from it on has weights
// of at most kRowBlockWeightBytes (784-256-128-10: layer 1, fc2; W1 is 784 KiB).
//
// Why two parts. Rows of a batch are independent everywhere except in the
// parameter gradients, which sum over the rows. A product split by nn::gemm
// between the threads needs the whole batch of its input, so each layer's
// activations cross from core to core, and every product, activation and
// bias pass starts and ends a parallel region of its own. For the small
// layers at the end that overhead is as large as the work: on two threads
// fc2's 64×128×256 product ran at 1.37x its one-thread speed and the
// activations not faster at all. So, with no dropout, those layers run as one
// parallel loop in which each thread carries its own block of rows through
// every one of them: forward from the activation of the big layer before
// them to the logits, backward from the output's δ to the δ of that layer.
// Each thread then reads all of their weights, which for weights this small
// costs little. The big layers keep nn::gemm's split, in which each thread
// reads only its own part of the weights.
// Results do not change: a row of a product is the same sum whichever rows
// run with it (nn::gemm never splits the sum over K), and the parameter
// gradients are still one product over the whole batch each.
// Dropout draws its masks from one generator in order, so a step with
// dropout runs every layer by itself.
template <typename T>
int first_row_layer(const Classifier<T>& net) {
  int first = net.layers();
  while (first > 0 &&
         static_cast<std::size_t>(net.weight[static_cast<std::size_t>(first - 1)].size()) * sizeof(T) <=
             kRowBlockWeightBytes)
    --first;
  return first;
}

template <typename T>
TensorView<const T> layer_input(const ClassifierWorkspace<T>& ws, TensorView<const T> x, int i, bool dropped) {
  if (i == 0) return x;
  const auto k = static_cast<std::size_t>(i - 1);
  return dropped ? ws.h[k].view() : ws.a[k].view();
}
}  // namespace

template <typename T>
void classifier_forward(const Classifier<T>& net, ClassifierWorkspace<T>& ws, TensorView<const T> x, Mode mode,
                        Rng& rng) {
  if (x.rank() != 2 || x.dim(1) != net.sizes.front())
    throw Error("classifier_forward: input " + x.shape().str() + ", expected [N, " +
                std::to_string(net.sizes.front()) + "]");
  ws.prepare(net, x.dim(0));
  ws.mode = mode;
  const int L = net.layers();
  const bool dropped = uses_dropout(net, mode);
  const int first = dropped ? L : first_row_layer(net);
  auto activate = [&](std::size_t k, std::int64_t r0, std::int64_t r1) {
    ch02::activation_forward<T>(net.hidden, ws.a[k].view().rows(r0, r1), TensorView<const T>(ws.z[k]).rows(r0, r1));
  };
  // Layers [0, first): one at a time, each split between the threads.
  for (int i = 0; i < first; ++i) {
    const auto k = static_cast<std::size_t>(i);
    ch03::dense_forward<T>(ws.z[k], layer_input(ws, x, i, dropped), net.weight[k], net.bias[k]);
    if (i + 1 == L || i + 1 == first) break;  // logits stay linear; the row blocks activate layer first − 1
    over_rows(ws.z[k].dim(0), ws.z[k].dim(1), [&](std::int64_t r0, std::int64_t r1) { activate(k, r0, r1); });
    if (dropped) dropout_forward<T>(ws.h[k], ws.mask[k], ws.a[k], net.dropout, mode, rng);
  }
  if (first == L) return;
  // Layers [first, L): each thread takes its rows through all of them.
  over_row_blocks(x.dim(0), [&](std::int64_t r0, std::int64_t r1) {
    if (first > 0) activate(static_cast<std::size_t>(first - 1), r0, r1);
    for (int i = first; i < L; ++i) {
      const auto k = static_cast<std::size_t>(i);
      ch03::dense_forward<T>(ws.z[k].view().rows(r0, r1), layer_input(ws, x, i, false).rows(r0, r1), net.weight[k],
                             net.bias[k]);
      if (i + 1 < L) activate(k, r0, r1);
    }
  });
}

template <typename T>
T classifier_backward(Classifier<T>& net, ClassifierWorkspace<T>& ws, TensorView<const T> x,
                      std::span<const int> labels, T l2) {
  const int L = net.layers();
  const bool dropped = uses_dropout(net, ws.mode);
  const int first = dropped ? L : first_row_layer(net);
  net.zero_grad();
  const auto last = static_cast<std::size_t>(L - 1);
  T objective = ch02::softmax_cross_entropy_forward<T>(ws.prob, ws.z[last], labels);
  ws.d_z[last].fill(T(0));
  ch02::softmax_cross_entropy_backward<T>(ws.d_z[last], ws.prob, labels);  // δ^(L+1) = (p − onehot(y))/N
  // δ of layer k − 1 from δ of layer k, on rows [r0, r1), given ∂L/∂a in d_a.
  auto activation_back = [&](std::size_t k, TensorView<const T> d_a, std::int64_t r0, std::int64_t r1) {
    const TensorView<T> d_z = ws.d_z[k - 1].view().rows(r0, r1);
    std::fill(d_z.data(), d_z.data() + d_z.size(), T(0));
    ch02::activation_backward<T>(net.hidden, d_z, d_a.rows(r0, r1), TensorView<const T>(ws.z[k - 1]).rows(r0, r1),
                                 TensorView<const T>(ws.a[k - 1]).rows(r0, r1));
  };
  if (first < L) {
    // Layers [first, L), input gradients: each thread takes its rows from the
    // output's δ down to the δ of layer max(first, 1) − 1 (the row blocks of
    // classifier_forward, backwards).
    over_row_blocks(x.dim(0), [&](std::int64_t r0, std::int64_t r1) {
      for (int i = L - 1; i >= std::max(first, 1); --i) {
        const auto k = static_cast<std::size_t>(i);
        const TensorView<T> d_h = ws.d_h[k - 1].view().rows(r0, r1);
        std::fill(d_h.data(), d_h.data() + d_h.size(), T(0));
        ch03::dense_backward_input<T>(d_h, TensorView<const T>(ws.d_z[k]).rows(r0, r1), net.weight[k]);
        activation_back(k, ws.d_h[k - 1], r0, r1);
      }
    });
    // ... and their parameter gradients, each one product over the whole batch.
    for (int i = L - 1; i >= first; --i) {
      const auto k = static_cast<std::size_t>(i);
      ch03::dense_backward_params<T>(net.d_weight[k], net.d_bias[k], ws.d_z[k], layer_input(ws, x, i, false));
    }
  }
  // Layers [0, first): one at a time.
  for (int i = first - 1; i >= 0; --i) {
    const auto k = static_cast<std::size_t>(i);
    TensorView<T> d_input;  // the first layer needs no ∂L/∂x
    if (i > 0) {
      ws.d_h[k - 1].fill(T(0));
      d_input = ws.d_h[k - 1];
    }
    // ∂L/∂Θ += δᵀ h,  ∂L/∂b += Σ δ,  ∂L/∂h = δ Θ
    ch03::dense_backward<T>(d_input, net.d_weight[k], net.d_bias[k], ws.d_z[k], layer_input(ws, x, i, dropped),
                            net.weight[k]);
    if (i > 0) {
      // h = a ⊙ mask, a = g(z): δ^(i) = g'(z) ⊙ (∂L/∂h ⊙ mask)
      TensorView<const T> d_a = ws.d_h[k - 1];  // ∂L/∂a = ∂L/∂h without dropout
      if (dropped) {
        ws.d_a[k - 1].fill(T(0));
        dropout_backward<T>(ws.d_a[k - 1], ws.d_h[k - 1], ws.mask[k - 1]);
        d_a = ws.d_a[k - 1];
      }
      over_rows(d_a.dim(0), d_a.dim(1), [&](std::int64_t r0, std::int64_t r1) { activation_back(k, d_a, r0, r1); });
    }
  }
  if (l2 > T(0)) {
    for (int i = 0; i < L; ++i) {
      const auto k = static_cast<std::size_t>(i);
      objective += l2_penalty<T>(net.weight[k], l2);
      l2_backward<T>(net.d_weight[k], net.weight[k], l2);
    }
  }
  return objective;
}

template <typename T>
void predictions(const ClassifierWorkspace<T>& ws, std::span<int> out) {
  ch02::argmax_rows<T>(ws.logits(), out);
}

#define NN_CH05_CLS(T)                                                                                             \
  template struct Classifier<T>;                                                                                   \
  template Classifier<T> make_classifier<T>(const std::vector<int>&, ch02::Activation, double, Init, Rng&);        \
  template struct ClassifierWorkspace<T>;                                                                          \
  template void classifier_forward<T>(const Classifier<T>&, ClassifierWorkspace<T>&, TensorView<const T>, Mode,   \
                                      Rng&);                                                                       \
  template T classifier_backward<T>(Classifier<T>&, ClassifierWorkspace<T>&, TensorView<const T>,                 \
                                    std::span<const int>, T);                                                     \
  template void predictions<T>(const ClassifierWorkspace<T>&, std::span<int>);

NN_CH05_CLS(float)
NN_CH05_CLS(double)

}  // namespace nn::ch05
