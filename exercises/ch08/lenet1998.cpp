// lenet1998.cpp — Chapter 8: the 1998 LeNet-5 (connection table, scaled
// tanh, trainable subsampling), assembled from the chapters' layers.
#include "ch08/lenet1998.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "ch02/activations.hpp"
#include "ch02/losses.hpp"
#include "ch03/dense.hpp"
#include "ch05/regularization.hpp"
#include "ch07/conv_backward.hpp"
#include "ch07/pooling.hpp"
#include "ch07/train.hpp"
#include "ch08/network_training.hpp"
#include "nn/error.hpp"
#include "nn/safetensors.hpp"
#include "nn/vexp.hpp"

namespace nn::ch08 {

int c3_connections() {
  int n = 0;
  for (const auto& row : kC3Table)
    for (bool connected : row) n += connected;
  return n;
}

// ---- the scaled tanh -------------------------------------------------------------

template <typename T>
void scaled_tanh_forward(TensorView<T> a, TensorView<const T> z) {
  if (a.shape() != z.shape())
    throw Error("scaled_tanh_forward: a " + a.shape().str() + " and z " + z.shape().str() + " differ");
  const std::int64_t n = z.size();
  const T A = static_cast<T>(kScaledTanhA), S = static_cast<T>(kScaledTanhS);
  // u = S·z, then tanh in place (nn::vtanh: the SIMD kernel of ch02's float
  // tanh_forward; std::tanh in double), then the scale A.
  T* out = a.data();
  const T* in = z.data();
  for (std::int64_t i = 0; i < n; ++i) out[i] = S * in[i];
  vtanh(out, out, static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) out[i] *= A;
}

template <typename T>
void scaled_tanh_backward(TensorView<T> dz, TensorView<const T> da, TensorView<const T> a) {
  if (dz.shape() != da.shape() || dz.shape() != a.shape())
    throw Error("scaled_tanh_backward: dz " + dz.shape().str() + ", da " + da.shape().str() + " and a " +
                a.shape().str() + " must have the same shape");
  // f = A·tanh(S·z): f' = A·S·(1 − tanh²) = S·(A − f²/A).
  const T A = static_cast<T>(kScaledTanhA), S = static_cast<T>(kScaledTanhS), inv_a = T(1) / A;
  for (std::int64_t i = 0; i < dz.size(); ++i) dz[i] += da[i] * (S * (A - a[i] * a[i] * inv_a));
}

// ---- trainable subsampling ---------------------------------------------------------

namespace {

void check_subsample(const char* what, const Shape& y, const Shape& x, std::int64_t coef, std::int64_t bias) {
  if (x.rank() != 4 || x[2] % 2 || x[3] % 2)
    throw Error(std::string(what) + ": x must be (N, C, H, W) with H and W even, got " + x.str());
  if (y != Shape{x[0], x[1], x[2] / 2, x[3] / 2})
    throw Error(std::string(what) + ": y must be " + Shape{x[0], x[1], x[2] / 2, x[3] / 2}.str() + ", got " +
                y.str());
  if (coef != x[1] || bias != x[1])
    throw Error(std::string(what) + ": one coefficient and one bias per map: " + std::to_string(x[1]) +
                " each, got " + std::to_string(coef) + " and " + std::to_string(bias));
}

}  // namespace

template <typename T>
void subsample_forward(TensorView<T> y, TensorView<const T> x, TensorView<const T> coef, TensorView<const T> bias) {
  check_subsample("subsample_forward", y.shape(), x.shape(), coef.size(), bias.size());
  const std::int64_t n = x.dim(0), c = x.dim(1), w = x.dim(3), oh = y.dim(2), ow = y.dim(3);
  for (std::int64_t m = 0; m < n * c; ++m) {
    const T k = coef[m % c], b = bias[m % c];
    const T* in = x.data() + m * x.dim(2) * w;
    T* out = y.data() + m * oh * ow;
    for (std::int64_t i = 0; i < oh; ++i) {
      const T* top = in + 2 * i * w;
      const T* bottom = top + w;
      for (std::int64_t j = 0; j < ow; ++j)
        out[i * ow + j] = k * (top[2 * j] + top[2 * j + 1] + bottom[2 * j] + bottom[2 * j + 1]) + b;
    }
  }
}

template <typename T>
void subsample_backward(TensorView<T> d_x, TensorView<T> d_coef, TensorView<T> d_bias, TensorView<const T> d_y,
                        TensorView<const T> x, TensorView<const T> coef) {
  check_subsample("subsample_backward", d_y.shape(), x.shape(), coef.size(), d_bias.size());
  if (d_coef.size() != coef.size()) throw Error("subsample_backward: d_coef and coef differ in size");
  if (d_x.size() && d_x.shape() != x.shape())
    throw Error("subsample_backward: d_x " + d_x.shape().str() + " must be x's shape " + x.shape().str());
  const std::int64_t n = x.dim(0), c = x.dim(1), w = x.dim(3), oh = d_y.dim(2), ow = d_y.dim(3);
  for (std::int64_t m = 0; m < n * c; ++m) {
    const T k = coef[m % c];
    const T* in = x.data() + m * x.dim(2) * w;
    const T* delta = d_y.data() + m * oh * ow;
    T sum_coef = 0, sum_bias = 0;
    for (std::int64_t i = 0; i < oh; ++i) {
      const T* top = in + 2 * i * w;
      const T* bottom = top + w;
      for (std::int64_t j = 0; j < ow; ++j) {
        const T d = delta[i * ow + j];
        sum_coef += d * (top[2 * j] + top[2 * j + 1] + bottom[2 * j] + bottom[2 * j + 1]);
        sum_bias += d;
      }
    }
    d_coef[m % c] += sum_coef;
    d_bias[m % c] += sum_bias;
    if (!d_x.size()) continue;
    T* dx = d_x.data() + m * x.dim(2) * w;
    for (std::int64_t i = 0; i < oh; ++i)
      for (std::int64_t j = 0; j < ow; ++j) {
        const T d = k * delta[i * ow + j];
        dx[2 * i * w + 2 * j] += d;
        dx[2 * i * w + 2 * j + 1] += d;
        dx[(2 * i + 1) * w + 2 * j] += d;
        dx[(2 * i + 1) * w + 2 * j + 1] += d;
      }
  }
}

// ---- the network ---------------------------------------------------------------------

template <typename T>
std::vector<ch05::Param<T>> LeNet1998<T>::params() {
  return {{"c1.weight", c1_w.view(), d_c1_w.view()},         {"c1.bias", c1_b.view(), d_c1_b.view()},
          {"s2.weight", s2_w.view(), d_s2_w.view()},         {"s2.bias", s2_b.view(), d_s2_b.view()},
          {"c3.weight", c3_w.view(), d_c3_w.view()},         {"c3.bias", c3_b.view(), d_c3_b.view()},
          {"s4.weight", s4_w.view(), d_s4_w.view()},         {"s4.bias", s4_b.view(), d_s4_b.view()},
          {"c5.weight", c5_w.view(), d_c5_w.view()},         {"c5.bias", c5_b.view(), d_c5_b.view()},
          {"f6.weight", f6_w.view(), d_f6_w.view()},         {"f6.bias", f6_b.view(), d_f6_b.view()},
          {"output.weight", out_w.view(), d_out_w.view()}, {"output.bias", out_b.view(), d_out_b.view()}};
}

template <typename T>
void LeNet1998<T>::zero_grad() {
  for (Tensor<T>* g : {&d_c1_w, &d_c1_b, &d_s2_w, &d_s2_b, &d_c3_w, &d_c3_b, &d_s4_w, &d_s4_b, &d_c5_w, &d_c5_b,
                       &d_f6_w, &d_f6_b, &d_out_w, &d_out_b})
    g->fill(T(0));
}

template <typename T>
std::int64_t LeNet1998<T>::stored_count() const {
  std::int64_t n = 0;
  for (const Tensor<T>* p : {&c1_w, &c1_b, &s2_w, &s2_b, &c3_w, &c3_b, &s4_w, &s4_b, &c5_w, &c5_b, &f6_w, &f6_b,
                             &out_w, &out_b})
    n += p->size();
  return n;
}

template <typename T>
std::int64_t LeNet1998<T>::parameter_count() const {
  const std::int64_t slice = c3.kernel_h * c3.kernel_w;
  return stored_count() - (kC3Maps * kS2Maps - c3_connections()) * slice;
}

template <typename T>
void LeNet1998<T>::apply_c3_table() {
  const std::int64_t slice = c3.kernel_h * c3.kernel_w;
  for (int k = 0; k < kC3Maps; ++k)
    for (int c = 0; c < kS2Maps; ++c) {
      if (kC3Table[static_cast<std::size_t>(k)][static_cast<std::size_t>(c)]) continue;
      const std::int64_t at = (k * kS2Maps + c) * slice;
      std::fill(c3_w.data() + at, c3_w.data() + at + slice, T(0));
      std::fill(d_c3_w.data() + at, d_c3_w.data() + at + slice, T(0));
    }
}

template <typename T>
std::vector<LayerRow> lenet1998_layers(const LeNet1998<T>& net) {
  auto chw = [](int c, int h, int w) {
    return std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w);
  };
  const int h1 = net.c1.out_h(), h3 = net.c3.out_h();
  const std::int64_t c3 = c3_connections() * net.c3.kernel_h * net.c3.kernel_w + net.c3.out_channels;
  const std::int64_t f6 = net.f6_w.size() + net.f6_b.size(), out = net.out_w.size() + net.out_b.size();
  return {{"input (padded)", chw(1, net.c1.height, net.c1.width), 0},
          {"c1 conv 5x5 + f", chw(net.c1.out_channels, h1, net.c1.out_w()), net.c1.parameters()},
          {"s2 subsample 2x2 + f", chw(net.c1.out_channels, h1 / 2, h1 / 2), net.s2_w.size() + net.s2_b.size()},
          {"c3 conv 5x5 Table I + f", chw(net.c3.out_channels, h3, net.c3.out_w()), c3},
          {"s4 subsample 2x2 + f", chw(net.c3.out_channels, h3 / 2, h3 / 2), net.s4_w.size() + net.s4_b.size()},
          {"c5 conv 5x5 + f", chw(net.c5.out_channels, net.c5.out_h(), net.c5.out_w()), net.c5.parameters()},
          {"f6 dense + f", std::to_string(net.f6_w.dim(0)), f6},
          {"output dense (logits)", std::to_string(net.out_w.dim(0)), out}};
}

template <typename T>
LeNet1998<T> make_lenet1998(Rng& rng) {
  LeNet1998<T> net;
  net.c1 = {1, net.height + 4, net.width + 4, 6, 5, 5, 1, 0, 1, 1};
  net.c1.validate();
  const int s2 = net.c1.out_h() / 2;
  net.c3 = {kS2Maps, s2, s2, kC3Maps, 5, 5, 1, 0, 1, 1};
  net.c3.validate();
  const int s4 = net.c3.out_h() / 2;
  net.c5 = {kC3Maps, s4, s4, 120, 5, 5, 1, 0, 1, 1};
  net.c5.validate();
  if (net.c1.out_h() % 2 || net.c3.out_h() % 2 || net.c5.out_h() != 1 || net.c5.out_w() != 1)
    throw Error("make_lenet1998: the maps must halve evenly and c5 reduce to 1x1");
  const auto make = [](Tensor<T>& value, Tensor<T>& grad, Shape shape) {
    value = Tensor<T>(shape);
    grad = Tensor<T>(shape);
  };
  make(net.c1_w, net.d_c1_w, net.c1.weight_shape());
  make(net.c1_b, net.d_c1_b, Shape{6});
  make(net.s2_w, net.d_s2_w, Shape{6});
  make(net.s2_b, net.d_s2_b, Shape{6});
  make(net.c3_w, net.d_c3_w, net.c3.weight_shape());
  make(net.c3_b, net.d_c3_b, Shape{kC3Maps});
  make(net.s4_w, net.d_s4_w, Shape{kC3Maps});
  make(net.s4_b, net.d_s4_b, Shape{kC3Maps});
  make(net.c5_w, net.d_c5_w, net.c5.weight_shape());
  make(net.c5_b, net.d_c5_b, Shape{120});
  make(net.f6_w, net.d_f6_w, Shape{84, 120});
  make(net.f6_b, net.d_f6_b, Shape{84});
  make(net.out_w, net.d_out_w, Shape{net.classes, 84});
  make(net.out_b, net.d_out_b, Shape{net.classes});
  // The paper: U(−2.4/F, 2.4/F), F the fan-in of the unit the weight feeds.
  const auto uniform = [&rng](T* w, std::int64_t count, std::int64_t fan_in) {
    const double r = 2.4 / static_cast<double>(fan_in);
    for (std::int64_t i = 0; i < count; ++i) w[i] = static_cast<T>(rng.uniform(-r, r));
  };
  uniform(net.c1_w.data(), net.c1_w.size(), 25);
  uniform(net.s2_w.data(), net.s2_w.size(), 4);
  const std::int64_t slice = 25;
  for (int k = 0; k < kC3Maps; ++k) {
    int seen = 0;
    for (bool connected : kC3Table[static_cast<std::size_t>(k)]) seen += connected;
    uniform(net.c3_w.data() + k * kS2Maps * slice, kS2Maps * slice, seen * slice);
  }
  net.apply_c3_table();
  uniform(net.s4_w.data(), net.s4_w.size(), 4);
  uniform(net.c5_w.data(), net.c5_w.size(), 16 * 25);
  uniform(net.f6_w.data(), net.f6_w.size(), 120);
  uniform(net.out_w.data(), net.out_w.size(), 84);
  return net;
}

template <typename T>
void LeNet1998Workspace<T>::prepare(const LeNet1998<T>& net, std::int64_t n) {
  if (batch == n) return;
  const Shape s1 = net.c1.output_shape(n), q2{n, s1[1], s1[2] / 2, s1[3] / 2};
  const Shape s3 = net.c3.output_shape(n), q4{n, s3[1], s3[2] / 2, s3[3] / 2};
  const Shape s5 = net.c5.output_shape(n), s6{n, net.f6_w.dim(0)}, out{n, net.classes};
  for (auto [t, s] : {std::pair{&x, net.c1.input_shape(n)}, {&z1, s1}, {&a1, s1}, {&d_z1, s1}, {&d_a1, s1}, {&z2, q2}, {&a2, q2}, {&d_z2, q2},
                      {&d_a2, q2}, {&z3, s3}, {&a3, s3}, {&d_z3, s3}, {&d_a3, s3}, {&z4, q4}, {&a4, q4},
                      {&d_z4, q4}, {&d_a4, q4}, {&z5, s5}, {&a5, s5}, {&d_z5, s5}, {&d_a5, s5}, {&z6, s6},
                      {&a6, s6}, {&d_z6, s6}, {&d_a6, s6}, {&logits, out}, {&prob, out}, {&d_logits, out}})
    *t = Tensor<T>(s);
  col1.prepare(net.c1, n);
  col3.prepare(net.c3, n);
  col5.prepare(net.c5, n);
  batch = n;
}

template <typename T>
void lenet1998_forward(const LeNet1998<T>& net, LeNet1998Workspace<T>& ws, TensorView<const T> x) {
  if (x.rank() != 4 || x.dim(1) != 1 || x.dim(2) != net.height || x.dim(3) != net.width)
    throw Error("lenet1998_forward: x must be (N, 1, 28, 28), got " + x.shape().str());
  ws.prepare(net, x.dim(0));
  // The paper's input: the 28×28 image centred in a 32×32 field, white
  // (pixel 0) at −0.1 and black (pixel 1) at 1.175, the border white.
  const T background = static_cast<T>(kBackground), scale = static_cast<T>(kForeground - kBackground);
  ws.x.fill(background);
  const std::int64_t side = net.c1.width;
  for (std::int64_t n = 0; n < x.dim(0); ++n)
    for (std::int64_t i = 0; i < net.height; ++i) {
      const T* in = x.data() + (n * net.height + i) * net.width;
      T* out = ws.x.data() + (n * side + i + 2) * side + 2;
      for (std::int64_t j = 0; j < net.width; ++j) out[j] = background + scale * in[j];
    }
  ch06::conv2d_forward<T>(ws.z1, ws.x, net.c1_w, net.c1_b, net.c1, ws.col1);
  scaled_tanh_forward<T>(ws.a1, ws.z1);
  subsample_forward<T>(ws.z2, ws.a1, net.s2_w, net.s2_b);
  scaled_tanh_forward<T>(ws.a2, ws.z2);
  // c3's disconnected weights are zero: the full conv computes Table I's sums.
  ch06::conv2d_forward<T>(ws.z3, ws.a2, net.c3_w, net.c3_b, net.c3, ws.col3);
  scaled_tanh_forward<T>(ws.a3, ws.z3);
  subsample_forward<T>(ws.z4, ws.a3, net.s4_w, net.s4_b);
  scaled_tanh_forward<T>(ws.a4, ws.z4);
  ch06::conv2d_forward<T>(ws.z5, ws.a4, net.c5_w, net.c5_b, net.c5, ws.col5);
  scaled_tanh_forward<T>(ws.a5, ws.z5);
  ch03::dense_forward<T>(ws.z6, ch07::flatten<const T>(ws.a5.view()), net.f6_w, net.f6_b);
  scaled_tanh_forward<T>(ws.a6, ws.z6);
  ch03::dense_forward<T>(ws.logits, ws.a6, net.out_w, net.out_b);
}

template <typename T>
T lenet1998_backward(LeNet1998<T>& net, LeNet1998Workspace<T>& ws, std::span<const int> labels) {
  if (ws.batch < 1 || static_cast<std::int64_t>(labels.size()) != ws.batch)
    throw Error("lenet1998_backward: " + std::to_string(labels.size()) + " labels for a forward pass on " +
                std::to_string(ws.batch) + " images");
  net.zero_grad();
  for (Tensor<T>* d : {&ws.d_z1, &ws.d_a1, &ws.d_z2, &ws.d_a2, &ws.d_z3, &ws.d_a3, &ws.d_z4, &ws.d_a4, &ws.d_z5,
                       &ws.d_a5, &ws.d_z6, &ws.d_a6, &ws.d_logits})
    d->fill(T(0));
  const T loss = ch02::softmax_cross_entropy_forward<T>(ws.prob, ws.logits, labels);
  ch02::softmax_cross_entropy_backward<T>(ws.d_logits, ws.prob, labels);
  ch03::dense_backward<T>(ws.d_a6, net.d_out_w, net.d_out_b, ws.d_logits, ws.a6, net.out_w);
  scaled_tanh_backward<T>(ws.d_z6, ws.d_a6, ws.a6);
  ch03::dense_backward<T>(ch07::flatten<T>(ws.d_a5.view()), net.d_f6_w, net.d_f6_b, ws.d_z6,
                          ch07::flatten<const T>(ws.a5.view()), net.f6_w);
  scaled_tanh_backward<T>(ws.d_z5, ws.d_a5, ws.a5);
  ch07::conv2d_backward<T>(ws.d_a4, net.d_c5_w, net.d_c5_b, ws.d_z5, net.c5_w, net.c5, ws.col5);
  scaled_tanh_backward<T>(ws.d_z4, ws.d_a4, ws.a4);
  subsample_backward<T>(ws.d_a3, net.d_s4_w, net.d_s4_b, ws.d_z4, ws.a3, net.s4_w);
  scaled_tanh_backward<T>(ws.d_z3, ws.d_a3, ws.a3);
  ch07::conv2d_backward<T>(ws.d_a2, net.d_c3_w, net.d_c3_b, ws.d_z3, net.c3_w, net.c3, ws.col3);
  // ∂L/∂a2 above is already right: it went through zero weights only where
  // Table I has connections missing. The gradient of those zero weights is
  // not zero, though: clear it, so they stay zero.
  net.apply_c3_table();
  scaled_tanh_backward<T>(ws.d_z2, ws.d_a2, ws.a2);
  subsample_backward<T>(ws.d_a1, net.d_s2_w, net.d_s2_b, ws.d_z2, ws.a1, net.s2_w);
  scaled_tanh_backward<T>(ws.d_z1, ws.d_a1, ws.a1);
  ch07::conv2d_backward<T>(TensorView<T>(), net.d_c1_w, net.d_c1_b, ws.d_z1, net.c1_w, net.c1, ws.col1);
  return loss;
}

template <typename T>
void lenet1998_predictions(const LeNet1998Workspace<T>& ws, std::span<int> out) {
  ch02::argmax_rows<T>(ws.logits, out);
}

#define NN_CH08_LENET1998_INSTANTIATE(T)                                                                          \
  template void scaled_tanh_forward<T>(TensorView<T>, TensorView<const T>);                                       \
  template void scaled_tanh_backward<T>(TensorView<T>, TensorView<const T>, TensorView<const T>);                 \
  template void subsample_forward<T>(TensorView<T>, TensorView<const T>, TensorView<const T>, TensorView<const T>); \
  template void subsample_backward<T>(TensorView<T>, TensorView<T>, TensorView<T>, TensorView<const T>,           \
                                      TensorView<const T>, TensorView<const T>);                                   \
  template struct LeNet1998<T>;                                                                                   \
  template std::vector<LayerRow> lenet1998_layers<T>(const LeNet1998<T>&);                                        \
  template LeNet1998<T> make_lenet1998<T>(Rng&);                                                                  \
  template struct LeNet1998Workspace<T>;                                                                          \
  template void lenet1998_forward<T>(const LeNet1998<T>&, LeNet1998Workspace<T>&, TensorView<const T>);           \
  template T lenet1998_backward<T>(LeNet1998<T>&, LeNet1998Workspace<T>&, std::span<const int>);                  \
  template void lenet1998_predictions<T>(const LeNet1998Workspace<T>&, std::span<int>);
NN_CH08_LENET1998_INSTANTIATE(float)
NN_CH08_LENET1998_INSTANTIATE(double)
#undef NN_CH08_LENET1998_INSTANTIATE

// ---- training and checkpoints --------------------------------------------------------

float lenet1998_train_step(LeNet1998<float>& net, LeNet1998Workspace<float>& ws, ch05::Optimizer<float>& optimizer,
                           TensorView<const float> x, std::span<const int> labels, double learning_rate) {
  lenet1998_forward<float>(net, ws, x);
  const float loss = lenet1998_backward<float>(net, ws, labels);
  optimizer.step(learning_rate);
  return loss;
}

double evaluate_lenet1998(const LeNet1998<float>& net, const Dataset& data, std::int64_t batch_size,
                          std::vector<std::int64_t>* confusion) {
  LeNet1998Workspace<float> ws;
  return ch07::evaluate_classifier(
      data, net.classes, batch_size,
      [&](TensorView<const float> x, std::span<int> out) {
        lenet1998_forward<float>(net, ws, x);
        lenet1998_predictions<float>(ws, out);
      },
      confusion);
}

ch05::TrainResult train_lenet1998(LeNet1998<float>& net, const Dataset& train_set, const Dataset& validation,
                                  const ch05::TrainOptions& options,
                                  const std::function<void(const ch05::EpochRecord&)>& on_epoch) {
  LeNet1998Workspace<float> ws;
  ws.prepare(net, options.batch_size);
  // The tensors the L2 penalty decays: the conv and dense weights, not the
  // subsampling coefficients (scales, like the biases).
  std::vector<ch05::Param<float>> weights;
  for (const auto& p : net.params())
    if (p.name.ends_with(".weight") && !p.name.starts_with("s")) weights.push_back(p);
  // lenet1998_backward zeroes the disconnected c3 weights' gradients before
  // train_model's optimiser step, so the step leaves them at zero (the L2
  // gradient 2λw of a zero weight is zero too).
  return train_network(
      net, std::move(weights),
      [&](TensorView<const float> x, std::span<const int> labels, std::span<int> predicted) {
        lenet1998_forward<float>(net, ws, x);
        const float loss = lenet1998_backward<float>(net, ws, labels);
        lenet1998_predictions<float>(ws, predicted);
        return loss;
      },
      [&](const Dataset& data) { return evaluate_lenet1998(net, data); }, train_set, validation, options, on_epoch);
}

void save_lenet1998(const std::filesystem::path& path, LeNet1998<float>& net) {
  save_parameters(path, net, "LeNet-5 as in 1998 (c1 6@5x5 pad 2, s2 trainable subsampling, c3 16@5x5 "
                                       "with Table I's connections, s4, c5 120@5x5, f6 84, output 10; every layer "
                                       "but the output followed by 1.7159 tanh(2a/3))");
}

void load_lenet1998(const std::filesystem::path& path, LeNet1998<float>& net) {
  LeNet1998<float> loaded = net;  // loaded and checked here first: a bad file leaves net as it was
  load_parameters(path, loaded);
  const std::int64_t slice = loaded.c3.kernel_h * loaded.c3.kernel_w;
  for (int k = 0; k < kC3Maps; ++k)
    for (int c = 0; c < kS2Maps; ++c) {
      if (kC3Table[static_cast<std::size_t>(k)][static_cast<std::size_t>(c)]) continue;
      const float* w = loaded.c3_w.data() + (k * kS2Maps + c) * slice;
      if (std::any_of(w, w + slice, [](float v) { return v != 0.0f; }))
        throw Error(path.string() + ": c3.weight[" + std::to_string(k) + ", " + std::to_string(c) +
                    "] is not zero, but Table I does not connect C3 map " + std::to_string(k) + " to S2 map " +
                    std::to_string(c));
    }
  copy_parameter_values(net, loaded);
}

}  // namespace nn::ch08
