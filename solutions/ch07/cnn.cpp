// cnn.cpp — Chapter 7: the small CNN, assembled from the chapters' layers.
#include "ch07/cnn.hpp"

#include <string>

#include "ch02/activations.hpp"
#include "ch02/losses.hpp"
#include "ch03/dense.hpp"
#include "nn/error.hpp"

namespace nn::ch07 {

template <typename T>
std::vector<ch05::Param<T>> SmallCnn<T>::params() {
  return {{"conv1.weight", w1.view(), d_w1.view()}, {"conv1.bias", b1.view(), d_b1.view()},
          {"conv2.weight", w2.view(), d_w2.view()}, {"conv2.bias", b2.view(), d_b2.view()},
          {"fc.weight", w3.view(), d_w3.view()},    {"fc.bias", b3.view(), d_b3.view()}};
}

template <typename T>
void SmallCnn<T>::zero_grad() {
  for (Tensor<T>* g : {&d_w1, &d_b1, &d_w2, &d_b2, &d_w3, &d_b3}) g->fill(T(0));
}

template <typename T>
std::int64_t SmallCnn<T>::parameter_count() const {
  return w1.size() + b1.size() + w2.size() + b2.size() + w3.size() + b3.size();
}

template <typename T>
SmallCnn<T> make_cnn(const CnnConfig& c, Rng& rng) {
  SmallCnn<T> net;
  net.config = c;
  const int pad = ch06::padding_for(ch06::Padding::Same, c.kernel);
  net.conv1 = {c.channels, c.height, c.width, c.filters1, c.kernel, c.kernel, 1, pad, 1, 1};
  net.conv1.validate();
  net.pool = {2, 2, 2};
  const int h1 = net.pool.out_h(net.conv1.out_h()), w1 = net.pool.out_w(net.conv1.out_w());
  net.conv2 = {c.filters1, h1, w1, c.filters2, c.kernel, c.kernel, 1, pad, 1, 1};
  net.conv2.validate();
  const std::int64_t h2 = net.pool.out_h(net.conv2.out_h()), w2 = net.pool.out_w(net.conv2.out_w());
  net.flat = std::int64_t{c.filters2} * h2 * w2;
  net.w1 = Tensor<T>(net.conv1.weight_shape());
  net.b1 = Tensor<T>(Shape{c.filters1});
  net.w2 = Tensor<T>(net.conv2.weight_shape());
  net.b2 = Tensor<T>(Shape{c.filters2});
  net.w3 = Tensor<T>(Shape{c.classes, net.flat});
  net.b3 = Tensor<T>(Shape{c.classes});
  net.d_w1 = Tensor<T>(net.w1.shape());
  net.d_b1 = Tensor<T>(net.b1.shape());
  net.d_w2 = Tensor<T>(net.w2.shape());
  net.d_b2 = Tensor<T>(net.b2.shape());
  net.d_w3 = Tensor<T>(net.w3.shape());
  net.d_b3 = Tensor<T>(net.b3.shape());
  const std::int64_t fan1 = std::int64_t{c.channels} * c.kernel * c.kernel;
  const std::int64_t fan2 = std::int64_t{c.filters1} * c.kernel * c.kernel;
  ch05::init_weights<T>(net.w1, fan1, std::int64_t{c.filters1} * c.kernel * c.kernel, ch05::Init::He, rng);
  ch05::init_weights<T>(net.w2, fan2, std::int64_t{c.filters2} * c.kernel * c.kernel, ch05::Init::He, rng);
  ch05::init_weights<T>(net.w3, net.flat, c.classes, ch05::Init::He, rng);
  return net;
}

template <typename T>
void CnnWorkspace<T>::prepare(const SmallCnn<T>& net, std::int64_t n) {
  if (batch == n) return;
  const Shape s1 = net.conv1.output_shape(n), q1 = net.pool.output_shape(s1);
  const Shape s2 = net.conv2.output_shape(n), q2 = net.pool.output_shape(s2);
  const Shape out{n, net.config.classes};
  for (auto [t, s] : {std::pair{&z1, s1}, {&a1, s1}, {&d_z1, s1}, {&d_a1, s1}, {&p1, q1}, {&d_p1, q1}, {&z2, s2},
                      {&a2, s2}, {&d_z2, s2}, {&d_a2, s2}, {&p2, q2}, {&d_p2, q2}, {&logits, out}, {&prob, out},
                      {&d_logits, out}})
    *t = Tensor<T>(s);
  arg1 = Tensor<std::int32_t>(q1);
  arg2 = Tensor<std::int32_t>(q2);
  col1.prepare(net.conv1, n);
  col2.prepare(net.conv2, n);
  batch = n;
}

template <typename T>
void cnn_forward(const SmallCnn<T>& net, CnnWorkspace<T>& ws, TensorView<const T> x) {
  if (x.rank() != 4) throw Error("cnn_forward: x must be (N, C, H, W), got " + x.shape().str());
  ws.prepare(net, x.dim(0));
  ch06::conv2d_forward<T>(ws.z1, x, net.w1, net.b1, net.conv1, ws.col1);
  ch02::relu_forward<T>(ws.a1, ws.z1);
  maxpool2d_forward<T>(ws.p1, ws.arg1, ws.a1, net.pool);
  ch06::conv2d_forward<T>(ws.z2, ws.p1, net.w2, net.b2, net.conv2, ws.col2);
  ch02::relu_forward<T>(ws.a2, ws.z2);
  maxpool2d_forward<T>(ws.p2, ws.arg2, ws.a2, net.pool);
  ch03::dense_forward<T>(ws.logits, flatten<const T>(ws.p2.view()), net.w3, net.b3);
}

template <typename T>
T cnn_backward(SmallCnn<T>& net, CnnWorkspace<T>& ws, std::span<const int> labels, T l2) {
  net.zero_grad();
  for (Tensor<T>* d : {&ws.d_logits, &ws.d_p2, &ws.d_a2, &ws.d_z2, &ws.d_p1, &ws.d_a1, &ws.d_z1}) d->fill(T(0));
  T objective = ch02::softmax_cross_entropy_forward<T>(ws.prob, ws.logits, labels);
  ch02::softmax_cross_entropy_backward<T>(ws.d_logits, ws.prob, labels);
  // Forward: logits = flatten(p2) Θᵀ + b.
  ch03::dense_backward<T>(flatten<T>(ws.d_p2.view()), net.d_w3, net.d_b3, ws.d_logits,
                          flatten<const T>(ws.p2.view()), net.w3);
  maxpool2d_backward<T>(ws.d_a2, ws.d_p2, ws.arg2);
  ch02::relu_backward<T>(ws.d_z2, ws.d_a2, ws.z2, ws.a2);
  conv2d_backward<T>(ws.d_p1, net.d_w2, net.d_b2, ws.d_z2, net.w2, net.conv2, ws.col2);
  maxpool2d_backward<T>(ws.d_a1, ws.d_p1, ws.arg1);
  ch02::relu_backward<T>(ws.d_z1, ws.d_a1, ws.z1, ws.a1);
  // The first layer's input gradient is of no use: d_x is left empty.
  conv2d_backward<T>(TensorView<T>(), net.d_w1, net.d_b1, ws.d_z1, net.w1, net.conv1, ws.col1);
  if (l2 > T(0))
    for (auto [w, d] : {std::pair{&net.w1, &net.d_w1}, {&net.w2, &net.d_w2}, {&net.w3, &net.d_w3}}) {
      objective += ch05::l2_penalty<T>(*w, l2);
      ch05::l2_backward<T>(*d, *w, l2);
    }
  return objective;
}

template <typename T>
void cnn_predictions(const CnnWorkspace<T>& ws, std::span<int> out) {
  ch02::argmax_rows<T>(ws.logits, out);
}

#define NN_CH07_CNN_INSTANTIATE(T)                                                                     \
  template struct SmallCnn<T>;                                                                         \
  template SmallCnn<T> make_cnn<T>(const CnnConfig&, Rng&);                                            \
  template struct CnnWorkspace<T>;                                                                     \
  template void cnn_forward<T>(const SmallCnn<T>&, CnnWorkspace<T>&, TensorView<const T>);             \
  template T cnn_backward<T>(SmallCnn<T>&, CnnWorkspace<T>&, std::span<const int>, T);                 \
  template void cnn_predictions<T>(const CnnWorkspace<T>&, std::span<int>);
NN_CH07_CNN_INSTANTIATE(float)
NN_CH07_CNN_INSTANTIATE(double)
#undef NN_CH07_CNN_INSTANTIATE

}  // namespace nn::ch07
