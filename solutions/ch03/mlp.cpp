// mlp.cpp — Chapter 3 reference solutions: the MLP, its delta-rule backward
// pass and a gradient-descent training loop.
#include "ch03/mlp.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <string>

#include "ch02/losses.hpp"
#include "ch03/dense.hpp"
#include "nn/error.hpp"

namespace nn::ch03 {

namespace {

std::size_t idx(int l) { return static_cast<std::size_t>(l); }

}  // namespace

template <typename T>
std::int64_t Mlp<T>::parameter_count() const {
  std::int64_t count = 0;
  for (int l = 1; l <= layers(); ++l) count += theta[idx(l)].size() + bias[idx(l)].size();
  return count;
}

template <typename T>
Mlp<T> make_mlp(const std::vector<int>& sizes, const std::vector<Activation>& activations, Rng& rng) {
  if (sizes.size() < 2) throw Error("an MLP needs at least an input and an output width");
  for (int s : sizes)
    if (s < 1) throw Error("MLP layer widths must be positive");
  const int layers = static_cast<int>(sizes.size()) - 1;
  if (static_cast<int>(activations.size()) != layers)
    throw Error("make_mlp: " + std::to_string(layers) + " layers need " + std::to_string(layers) +
                " activations, got " + std::to_string(activations.size()));
  Mlp<T> net;
  net.sizes = sizes;
  net.g.assign(idx(layers + 2), Activation::identity());
  net.theta.resize(idx(layers + 1));
  net.bias.resize(idx(layers + 1));
  for (int l = 1; l <= layers; ++l) {
    const Activation& next = activations[idx(l - 1)];
    net.g[idx(l + 1)] = next;
    const int n_in = net.width(l), n_out = net.width(l + 1);
    // The gain depends on the activation this layer's input came through.
    const bool rectified_input = l >= 2 && (net.g[idx(l)].kind == ch02::ActivationKind::Relu ||
                                           net.g[idx(l)].kind == ch02::ActivationKind::LeakyRelu ||
                                           net.g[idx(l)].kind == ch02::ActivationKind::Elu);
    const double stddev = std::sqrt((rectified_input ? 2.0 : 1.0) / n_in);
    net.theta[idx(l)] = Tensor<T>(Shape{n_out, n_in});
    net.bias[idx(l)] = Tensor<T>(Shape{n_out});
    for (T& w : net.theta[idx(l)]) w = static_cast<T>(rng.normal(0.0, stddev));
  }
  return net;
}

template <typename T>
Mlp<T> make_mlp(const std::vector<int>& sizes, Activation hidden, Activation output, Rng& rng) {
  if (sizes.size() < 2) throw Error("an MLP needs at least an input and an output width");
  std::vector<Activation> acts(sizes.size() - 1, hidden);
  acts.back() = output;
  return make_mlp<T>(sizes, acts, rng);
}

template <typename T>
MlpGrads<T>::MlpGrads(const Mlp<T>& net) : d_theta(net.theta.size()), d_bias(net.bias.size()) {
  for (int l = 1; l <= net.layers(); ++l) {
    d_theta[idx(l)] = Tensor<T>(net.theta[idx(l)].shape());
    d_bias[idx(l)] = Tensor<T>(net.bias[idx(l)].shape());
  }
}

template <typename T>
void MlpGrads<T>::zero() {
  for (auto& t : d_theta) t.fill(T(0));
  for (auto& t : d_bias) t.fill(T(0));
}

template <typename T>
void MlpWorkspace<T>::prepare(const Mlp<T>& net, std::int64_t n) {
  const int layers = net.layers();
  if (n == batch && static_cast<int>(a.size()) == layers + 2 && a[1].dim(1) == net.width(1)) return;
  batch = n;
  z.assign(idx(layers + 2), Tensor<T>());
  a.assign(idx(layers + 2), Tensor<T>());
  delta.assign(idx(layers + 2), Tensor<T>());
  d_a.assign(idx(layers + 2), Tensor<T>());
  for (int l = 1; l <= layers + 1; ++l) {
    const Shape shape{n, net.width(l)};
    a[idx(l)] = Tensor<T>(shape);
    if (l >= 2) {
      z[idx(l)] = Tensor<T>(shape);
      delta[idx(l)] = Tensor<T>(shape);
    }
    if (l >= 2 && l <= layers) d_a[idx(l)] = Tensor<T>(shape);
  }
}

template <typename T>
void mlp_forward(const Mlp<T>& net, MlpWorkspace<T>& ws, TensorView<const T> x) {
  if (x.rank() != 2 || x.dim(1) != net.width(1))
    throw Error("mlp_forward: input must be (N, " + std::to_string(net.width(1)) + "), got " + x.shape().str());
  ws.prepare(net, x.dim(0));
  std::copy(x.begin(), x.end(), ws.a[1].begin());  // a^(1) = x
  for (int l = 1; l <= net.layers(); ++l) {
    // z^(l+1) = Θ^(l) a^(l) + b^(l),  a^(l+1) = g^(l+1)(z^(l+1))
    dense_forward<T>(ws.z[idx(l + 1)], ws.a[idx(l)], net.theta[idx(l)], net.bias[idx(l)]);
    ch02::activation_forward<T>(net.g[idx(l + 1)], ws.a[idx(l + 1)], ws.z[idx(l + 1)]);
  }
}

template <typename T>
void mlp_backward(const Mlp<T>& net, MlpWorkspace<T>& ws, MlpGrads<T>& grads, TensorView<const T> d_output) {
  const int L = net.layers();
  if (!(d_output.shape() == ws.a[idx(L + 1)].shape()))
    throw Error("mlp_backward: d_output " + d_output.shape().str() + " must match the output " +
                ws.a[idx(L + 1)].shape().str() + " of the last forward pass");
  // BEGIN EXERCISE 3.2 (the MLP backward loop)
  //! Backward functions accumulate, so clear each δ (and d_a) before writing it.
  //!   δ^(L+1) = g'(z^(L+1)) ⊙ ∂L/∂a^(L+1)                 ch02::activation_backward
  //!   for l = L down to 1:
  //!     ∂L/∂Θ^(l) += δ^(l+1) a^(l)ᵀ,  ∂L/∂b^(l) += δ^(l+1)  dense_backward
  //!     and for l ≥ 2: d_a^(l) = (Θ^(l))ᵀ δ^(l+1)            (dense_backward's d_a)
  //!                   δ^(l) = g'(z^(l)) ⊙ d_a^(l)          ch02::activation_backward
  //! For l = 1 pass an empty TensorView<T>{} as d_a: nobody needs ∂L/∂x.
  ws.delta[idx(L + 1)].fill(T(0));
  ch02::activation_backward<T>(net.g[idx(L + 1)], ws.delta[idx(L + 1)], d_output, ws.z[idx(L + 1)],
                               ws.a[idx(L + 1)]);
  for (int l = L; l >= 1; --l) {
    TensorView<T> d_a{};
    if (l >= 2) {
      ws.d_a[idx(l)].fill(T(0));
      d_a = ws.d_a[idx(l)].view();
    }
    dense_backward<T>(d_a, grads.d_theta[idx(l)], grads.d_bias[idx(l)], ws.delta[idx(l + 1)], ws.a[idx(l)],
                      net.theta[idx(l)]);
    if (l >= 2) {
      ws.delta[idx(l)].fill(T(0));
      ch02::activation_backward<T>(net.g[idx(l)], ws.delta[idx(l)], ws.d_a[idx(l)], ws.z[idx(l)], ws.a[idx(l)]);
    }
  }
  // END EXERCISE
}

template <typename T>
void gradient_descent_step(Mlp<T>& net, const MlpGrads<T>& grads, T learning_rate) {
  for (int l = 1; l <= net.layers(); ++l) {
    Tensor<T>& w = net.theta[idx(l)];
    const Tensor<T>& dw = grads.d_theta[idx(l)];
    for (std::int64_t i = 0; i < w.size(); ++i) w[i] -= learning_rate * dw[i];
    Tensor<T>& b = net.bias[idx(l)];
    const Tensor<T>& db = grads.d_bias[idx(l)];
    for (std::int64_t i = 0; i < b.size(); ++i) b[i] -= learning_rate * db[i];
  }
}

namespace {

// The buffers of one minibatch size, allocated once.
template <typename T>
struct BatchBuffers {
  Tensor<T> x, p, d_out;
  std::vector<int> y;
  MlpWorkspace<T> ws;
  BatchBuffers(const Mlp<T>& net, std::int64_t n)
      : x(Shape{n, net.width(1)}), p(Shape{n, net.width(net.layers() + 1)}), d_out(p.shape()),
        y(static_cast<std::size_t>(n)) {
    ws.prepare(net, n);
  }
};

}  // namespace

template <typename T>
std::vector<double> train_classifier(Mlp<T>& net, TensorView<const T> x, std::span<const int> labels,
                                     const TrainConfig& config, const std::function<bool(int, double)>& on_epoch) {
  const std::int64_t n = x.dim(0), d = x.dim(1);
  if (static_cast<std::int64_t>(labels.size()) != n) throw Error("train_classifier: one label per row of x");
  if (n == 0) throw Error("train_classifier: no data");
  const std::int64_t batch = config.batch_size <= 0 ? n : std::min<std::int64_t>(config.batch_size, n);
  const std::int64_t full_batches = n / batch, rest = n % batch;
  BatchBuffers<T> full(net, batch);
  std::optional<BatchBuffers<T>> partial;
  if (rest > 0) partial.emplace(net, rest);
  MlpGrads<T> grads(net);
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  Rng rng(config.seed);
  const T lr = static_cast<T>(config.learning_rate);
  std::vector<double> history;
  history.reserve(static_cast<std::size_t>(config.epochs));

  for (int epoch = 0; epoch < config.epochs; ++epoch) {
    if (batch < n) rng.shuffle(std::span<std::int64_t>(order));
    double loss_sum = 0.0;
    for (std::int64_t b = 0; b < full_batches + (rest > 0 ? 1 : 0); ++b) {
      BatchBuffers<T>& buf = b < full_batches ? full : *partial;
      const std::int64_t rows = buf.x.dim(0), start = b * batch;
      for (std::int64_t r = 0; r < rows; ++r) {
        const std::int64_t src = order[static_cast<std::size_t>(start + r)];
        std::copy(x.row(src), x.row(src) + d, buf.x.view().row(r));
        buf.y[static_cast<std::size_t>(r)] = labels[static_cast<std::size_t>(src)];
      }
      mlp_forward<T>(net, buf.ws, buf.x);
      const T loss = ch02::softmax_cross_entropy_forward<T>(buf.p, buf.ws.output(), buf.y);
      loss_sum += static_cast<double>(loss) * static_cast<double>(rows);
      buf.d_out.fill(T(0));
      ch02::softmax_cross_entropy_backward<T>(buf.d_out, buf.p, buf.y);
      grads.zero();
      mlp_backward<T>(net, buf.ws, grads, buf.d_out);
      gradient_descent_step<T>(net, grads, lr);
    }
    history.push_back(loss_sum / static_cast<double>(n));
    if (!std::isfinite(history.back())) break;
    if (on_epoch && !on_epoch(epoch, history.back())) break;
  }
  return history;
}

template <typename T>
double classifier_accuracy(const Mlp<T>& net, TensorView<const T> x, std::span<const int> labels) {
  MlpWorkspace<T> ws;
  mlp_forward<T>(net, ws, x);
  return ch02::accuracy<T>(ws.output(), labels);
}

template <typename T>
std::vector<double> class_probability(const Mlp<T>& net, TensorView<const T> x, int cls) {
  MlpWorkspace<T> ws;
  mlp_forward<T>(net, ws, x);
  Tensor<T> p(ws.output().shape());
  ch02::softmax_forward<T>(p, ws.output());
  std::vector<double> out(static_cast<std::size_t>(x.dim(0)));
  for (std::int64_t n = 0; n < x.dim(0); ++n) out[static_cast<std::size_t>(n)] = static_cast<double>(p(n, cls));
  return out;
}

#define NN_CH03_MLP_INSTANTIATE(T)                                                                               \
  template struct Mlp<T>;                                                                                        \
  template struct MlpGrads<T>;                                                                                   \
  template struct MlpWorkspace<T>;                                                                               \
  template Mlp<T> make_mlp<T>(const std::vector<int>&, Activation, Activation, Rng&);                            \
  template Mlp<T> make_mlp<T>(const std::vector<int>&, const std::vector<Activation>&, Rng&);                    \
  template void mlp_forward<T>(const Mlp<T>&, MlpWorkspace<T>&, TensorView<const T>);                            \
  template void mlp_backward<T>(const Mlp<T>&, MlpWorkspace<T>&, MlpGrads<T>&, TensorView<const T>);             \
  template void gradient_descent_step<T>(Mlp<T>&, const MlpGrads<T>&, T);                                        \
  template std::vector<double> train_classifier<T>(Mlp<T>&, TensorView<const T>, std::span<const int>,           \
                                                   const TrainConfig&, const std::function<bool(int, double)>&); \
  template double classifier_accuracy<T>(const Mlp<T>&, TensorView<const T>, std::span<const int>);              \
  template std::vector<double> class_probability<T>(const Mlp<T>&, TensorView<const T>, int);

NN_CH03_MLP_INSTANTIATE(float)
NN_CH03_MLP_INSTANTIATE(double)

}  // namespace nn::ch03
