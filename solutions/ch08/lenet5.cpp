// lenet5.cpp — Chapter 8: LeNet-5, assembled from the chapters' layers.
#include "ch08/lenet5.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>
#include <utility>

#include "ch02/activations.hpp"
#include "ch02/losses.hpp"
#include "ch03/dense.hpp"
#include "ch05/regularization.hpp"
#include "ch07/conv_backward.hpp"
#include "nn/conv_filters.hpp"
#include "nn/conv_single.hpp"
#include "nn/error.hpp"
#include "nn/gemm.hpp"
#include "nn/im2col.hpp"
#include "nn/threads.hpp"

namespace nn::ch08 {

template <typename T>
std::vector<ch05::Param<T>> LeNet5<T>::params() {
  return {{"c1.weight", c1_w.view(), d_c1_w.view()},         {"c1.bias", c1_b.view(), d_c1_b.view()},
          {"c3.weight", c3_w.view(), d_c3_w.view()},         {"c3.bias", c3_b.view(), d_c3_b.view()},
          {"c5.weight", c5_w.view(), d_c5_w.view()},         {"c5.bias", c5_b.view(), d_c5_b.view()},
          {"f6.weight", f6_w.view(), d_f6_w.view()},         {"f6.bias", f6_b.view(), d_f6_b.view()},
          {"output.weight", out_w.view(), d_out_w.view()}, {"output.bias", out_b.view(), d_out_b.view()}};
}

template <typename T>
void LeNet5<T>::zero_grad() {
  for (Tensor<T>* g : {&d_c1_w, &d_c1_b, &d_c3_w, &d_c3_b, &d_c5_w, &d_c5_b, &d_f6_w, &d_f6_b, &d_out_w, &d_out_b})
    g->fill(T(0));
}

template <typename T>
std::int64_t LeNet5<T>::parameter_count() const {
  std::int64_t n = 0;
  for (const Tensor<T>* p : {&c1_w, &c1_b, &c3_w, &c3_b, &c5_w, &c5_b, &f6_w, &f6_b, &out_w, &out_b}) n += p->size();
  return n;
}

template <typename T>
LeNet5<T> make_lenet5(Rng& rng) {
  LeNet5<T> net;
  net.pool = {2, 2, 2};
  net.c1 = {1, net.height, net.width, 6, 5, 5, 1, 2, 1, 1};
  net.c1.validate();
  const int s2 = net.pool.out_h(net.c1.out_h());
  net.c3 = {6, s2, s2, 16, 5, 5, 1, 0, 1, 1};
  net.c3.validate();
  const int s4 = net.pool.out_h(net.c3.out_h());
  net.c5 = {16, s4, s4, 120, 5, 5, 1, 0, 1, 1};
  net.c5.validate();
  if (net.c5.out_h() != 1 || net.c5.out_w() != 1) throw Error("make_lenet5: c5 must reduce to 1x1");
  const auto make = [](Tensor<T>& value, Tensor<T>& grad, Shape shape) {
    value = Tensor<T>(shape);
    grad = Tensor<T>(shape);
  };
  make(net.c1_w, net.d_c1_w, net.c1.weight_shape());
  make(net.c1_b, net.d_c1_b, Shape{6});
  make(net.c3_w, net.d_c3_w, net.c3.weight_shape());
  make(net.c3_b, net.d_c3_b, Shape{16});
  make(net.c5_w, net.d_c5_w, net.c5.weight_shape());
  make(net.c5_b, net.d_c5_b, Shape{120});
  make(net.f6_w, net.d_f6_w, Shape{84, 120});
  make(net.f6_b, net.d_f6_b, Shape{84});
  make(net.out_w, net.d_out_w, Shape{net.classes, 84});
  make(net.out_b, net.d_out_b, Shape{net.classes});
  // fan-in = C·F·F for a conv (K·F·F fan-out), inputs for a dense layer.
  ch05::init_weights<T>(net.c1_w, 1 * 25, 6 * 25, ch05::Init::Xavier, rng);
  ch05::init_weights<T>(net.c3_w, 6 * 25, 16 * 25, ch05::Init::Xavier, rng);
  ch05::init_weights<T>(net.c5_w, 16 * 25, 120 * 25, ch05::Init::Xavier, rng);
  ch05::init_weights<T>(net.f6_w, 120, 84, ch05::Init::Xavier, rng);
  ch05::init_weights<T>(net.out_w, 84, net.classes, ch05::Init::Xavier, rng);
  return net;
}

template <typename T>
void LeNet5SliceBuffers<T>::prepare(const LeNet5<T>& net, std::int64_t n) {
  if (images == n) return;
  const Shape s1 = net.c1.output_shape(n), q2 = net.pool.output_shape(s1), s3 = net.c3.output_shape(n);
  for (auto [t, s] : {std::pair{&d_z1, s1}, {&d_a1, s1}, {&d_p2, q2}, {&d_z3, s3}, {&d_a3, s3}}) *t = Tensor<T>(s);
  c1.configure(net.c1);
  c3.configure(net.c3);
  images = n;
}

template <typename T>
void LeNet5Workspace<T>::prepare(const LeNet5<T>& net, std::int64_t n) {
  if (slice_images < 1) throw Error("LeNet5Workspace: slice_images must be at least 1");
  const std::int64_t count = (n + slice_images - 1) / slice_images;
  const int parts = static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(num_threads(), count)));
  if (batch == n && slices.size() == static_cast<std::size_t>(parts) && slices[0].images == std::min(n, slice_images))
    return;
  const Shape s1 = net.c1.output_shape(n), q2 = net.pool.output_shape(s1);
  const Shape s3 = net.c3.output_shape(n), q4 = net.pool.output_shape(s3);
  const Shape s5 = net.c5.output_shape(n), s6{n, net.f6_w.dim(0)}, out{n, net.classes};
  for (auto [t, s] : {std::pair{&x, Shape{n, 1, net.height, net.width}}, {&z1, s1}, {&a1, s1}, {&p2, q2},
                      {&z3, s3}, {&a3, s3}, {&p4, q4}, {&d_p4, q4}, {&z5, s5}, {&a5, s5}, {&d_z5, s5}, {&d_a5, s5},
                      {&z6, s6}, {&a6, s6}, {&d_z6, s6}, {&d_a6, s6}, {&logits, out}, {&prob, out}, {&d_logits, out}})
    *t = Tensor<T>(s);
  col5.prepare(net.c5, n);
  if (layers::choose_conv_route<T>(net.c3) == layers::ConvRoute::FilterLanes)
    c3_taps = Tensor<T>(Shape{net.c3_w.size() / net.c3_w.dim(0), net.c3_w.dim(0)});
  slices.assign(static_cast<std::size_t>(parts), LeNet5SliceBuffers<T>{});
  for (auto& b : slices) b.prepare(net, std::min(n, slice_images));
  last = LeNet5SliceBuffers<T>{};
  if (n % slice_images) last.prepare(net, n % slice_images);
  grads.assign(static_cast<std::size_t>(count), {});
  for (auto& g : grads)
    g = {Tensor<T>(net.c1_w.shape()), Tensor<T>(net.c1_b.shape()), Tensor<T>(net.c3_w.shape()),
         Tensor<T>(net.c3_b.shape())};
  batch = n;
}

namespace {

// Images b0 … b0 + m − 1 of a (N, C, H, W) tensor: a contiguous block.
template <typename T>
TensorView<T> images(Tensor<T>& t, std::int64_t b0, std::int64_t m) {
  const std::int64_t per_image = t.size() / t.dim(0);
  return TensorView<T>(t.data() + b0 * per_image, Shape{m, t.dim(1), t.dim(2), t.dim(3)});
}

// Calls body(slice, b0, b1, buffers) for every slice [b0, b1) of the batch,
// in parallel: the threads take runs of consecutive slices as they become
// free (a core the host slows for a while does fewer of them), each with
// the buffers of the thread that runs it. The slices are handed out in
// order, or last to first with `backwards` (the backward pass then starts
// with the slice the forward pass finished with). What a slice computes
// does not depend on which thread runs it.
template <typename T, typename Body>
void for_each_slice(LeNet5Workspace<T>& ws, Body&& body, bool backwards = false) {
  const std::int64_t n = ws.batch, size = ws.slice_images, count = (n + size - 1) / size;
  parallel_for(count, 1, [&](std::int64_t k0, std::int64_t k1) {
    const auto t = static_cast<std::size_t>(thread_index());
    if (t >= ws.slices.size())
      throw Error("LeNet-5: the workspace was prepared for " + std::to_string(ws.slices.size()) +
                  " threads; call lenet5_forward again after set_num_threads");
    LeNet5SliceBuffers<T>& own = ws.slices[t];
    for (std::int64_t k = k0; k < k1; ++k) {
      const std::int64_t i = backwards ? count - 1 - k : k;
      const std::int64_t b0 = i * size, b1 = std::min(n, b0 + size);
      body(i, b0, b1, b1 - b0 == own.images ? own : ws.last);
    }
  });
}

// Where one slice's share of c1's and c3's gradients goes: a sum of its own
// (ws.grads), added into the network's gradients afterwards in slice order,
// so the result does not depend on which thread ran which slice.
template <typename T>
struct SliceGrads {
  TensorView<T> c1_w, c1_b, c3_w, c3_b;
};

}  // namespace

template <typename T>
void lenet5_forward(const LeNet5<T>& net, LeNet5Workspace<T>& ws, TensorView<const T> x) {
  if (x.rank() != 4 || x.dim(1) != 1 || x.dim(2) != net.height || x.dim(3) != net.width)
    throw Error("lenet5_forward: x must be (N, 1, 28, 28), got " + x.shape().str());
  ws.prepare(net, x.dim(0));
  const std::int64_t per_image = x.size() / x.dim(0);  // each slice copies its images into ws.x
  const T* c3_packed = nullptr;
  if constexpr (std::is_same_v<T, float>)
    if (ws.c3_taps.size()) {
      conv_filters_pack(net.c3_w.data(), {net.c3.in_channels, net.c3.height, net.c3.width, net.c3.out_channels,
                                          net.c3.kernel_h}, ws.c3_taps.data());
      c3_packed = ws.c3_taps.data();
    }
  // c1 … s4, slice by slice (each slice's X_col and activations stay in cache).
  for_each_slice(ws, [&](std::int64_t, std::int64_t b0, std::int64_t b1, LeNet5SliceBuffers<T>& buf) {
    const std::int64_t m = b1 - b0;
    std::copy(x.data() + b0 * per_image, x.data() + b1 * per_image, ws.x.data() + b0 * per_image);
    buf.c1.forward(images(ws.x, b0, m), net.c1_w, net.c1_b, images(ws.z1, b0, m));
    ch02::tanh_forward<T>(images(ws.a1, b0, m), images(ws.z1, b0, m));
    ch07::avgpool2d_forward<T>(images(ws.p2, b0, m), images(ws.a1, b0, m), net.pool);
    buf.c3.forward(images(ws.p2, b0, m), net.c3_w, net.c3_b, images(ws.z3, b0, m), c3_packed);
    ch02::tanh_forward<T>(images(ws.a3, b0, m), images(ws.z3, b0, m));
    ch07::avgpool2d_forward<T>(images(ws.p4, b0, m), images(ws.a3, b0, m), net.pool);
  });
  // c5, f6, output on the whole batch.
  ch06::conv2d_forward<T>(ws.z5, ws.p4, net.c5_w, net.c5_b, net.c5, ws.col5);
  ch02::tanh_forward<T>(ws.a5, ws.z5);
  ch03::dense_forward<T>(ws.z6, ch07::flatten<const T>(ws.a5.view()), net.f6_w, net.f6_b);
  ch02::tanh_forward<T>(ws.a6, ws.z6);
  ch03::dense_forward<T>(ws.logits, ws.a6, net.out_w, net.out_b);
}

namespace {

// The slices of the backward pass: clears each slice's deltas and its
// gradient sums, and hands body the slice and those sums (c1's and c3's
// routes lower a slice's input again where their X_col has since held
// another slice); afterwards adds the slices' sums into the network's
// gradients, element by element in slice order (in parallel over the
// elements).
template <typename T, typename Body>
void for_each_backward_slice(LeNet5<T>& net, LeNet5Workspace<T>& ws, Body&& body) {
  for_each_slice(ws, [&](std::int64_t slice, std::int64_t b0, std::int64_t b1, LeNet5SliceBuffers<T>& buf) {
    for (Tensor<T>* d : {&buf.d_a3, &buf.d_z3, &buf.d_p2, &buf.d_a1, &buf.d_z1}) d->fill(T(0));
    auto& own = ws.grads[static_cast<std::size_t>(slice)];
    for (Tensor<T>& t : own) t.fill(T(0));
    SliceGrads<T> g{own[0], own[1], own[2], own[3]};
    body(b0, b1 - b0, buf, g);
  }, /*backwards=*/true);
  Tensor<T>* sums[] = {&net.d_c1_w, &net.d_c1_b, &net.d_c3_w, &net.d_c3_b};
  parallel_for_arrays(
      4, [&](std::size_t k) { return sums[k]->size(); }, 512,
      [&](std::size_t k, std::int64_t e0, std::int64_t e1) {
        T* out = sums[k]->data();
        for (const auto& own : ws.grads) {
          const T* in = own[k].data();
          for (std::int64_t e = e0; e < e1; ++e) out[e] += in[e];
        }
      });
}

}  // namespace

template <typename T>
T lenet5_backward(LeNet5<T>& net, LeNet5Workspace<T>& ws, std::span<const int> labels) {
  if (ws.batch < 1 || static_cast<std::int64_t>(labels.size()) != ws.batch)
    throw Error("lenet5_backward: " + std::to_string(labels.size()) + " labels for a forward pass on " +
                std::to_string(ws.batch) + " images");
  net.zero_grad();
  for (Tensor<T>* d : {&ws.d_logits, &ws.d_a6, &ws.d_z6, &ws.d_a5, &ws.d_z5, &ws.d_p4}) d->fill(T(0));
  const T loss = ch02::softmax_cross_entropy_forward<T>(ws.prob, ws.logits, labels);
  ch02::softmax_cross_entropy_backward<T>(ws.d_logits, ws.prob, labels);
  // BEGIN EXERCISE 8.1 (LeNet-5 backward wiring)
  //! The forward pass in reverse; each call takes the delta of a layer's output
  //! and adds into the delta of its input (and its parameters' gradients).
  //! The whole batch: output dense → tanh(f6) → f6 dense (over flatten(a5)) → tanh(c5) → c5 conv.
  //! Then per slice (images b0 … b0 + m − 1; images(t, b0, m) is that block of a
  //! whole-batch tensor; the slice's deltas are in buf, its gradients go to g):
  //!   s4 avg-pool → tanh(c3) → c3: buf.c3.backward(images(ws.p2, b0, m), net.c3_w, buf.d_z3, g.c3_w, g.c3_b, buf.d_p2)
  //!   → s2 avg-pool → tanh(c1) → c1: buf.c1.backward(images(ws.x, b0, m), net.c1_w, buf.d_z1, g.c1_w, g.c1_b, {})
  //!   (no d_x: the image's gradient is of no use),
  //! inside for_each_backward_slice(net, ws, [&](std::int64_t b0, std::int64_t m,
  //!                                LeNet5SliceBuffers<T>& buf, SliceGrads<T>& g) { ... });
  ch03::dense_backward<T>(ws.d_a6, net.d_out_w, net.d_out_b, ws.d_logits, ws.a6, net.out_w);
  ch02::tanh_backward<T>(ws.d_z6, ws.d_a6, ws.z6, ws.a6);
  ch03::dense_backward<T>(ch07::flatten<T>(ws.d_a5.view()), net.d_f6_w, net.d_f6_b, ws.d_z6,
                          ch07::flatten<const T>(ws.a5.view()), net.f6_w);
  ch02::tanh_backward<T>(ws.d_z5, ws.d_a5, ws.z5, ws.a5);
  ch07::conv2d_backward<T>(ws.d_p4, net.d_c5_w, net.d_c5_b, ws.d_z5, net.c5_w, net.c5, ws.col5);
  for_each_backward_slice(net, ws, [&](std::int64_t b0, std::int64_t m, LeNet5SliceBuffers<T>& buf,
                                       SliceGrads<T>& g) {
    ch07::avgpool2d_backward<T>(buf.d_a3, images(ws.d_p4, b0, m), net.pool);
    ch02::tanh_backward<T>(buf.d_z3, buf.d_a3, images(ws.z3, b0, m), images(ws.a3, b0, m));
    buf.c3.backward(images(ws.p2, b0, m), net.c3_w, buf.d_z3, g.c3_w, g.c3_b, buf.d_p2);
    ch07::avgpool2d_backward<T>(buf.d_a1, buf.d_p2, net.pool);
    ch02::tanh_backward<T>(buf.d_z1, buf.d_a1, images(ws.z1, b0, m), images(ws.a1, b0, m));
    buf.c1.backward(images(ws.x, b0, m), net.c1_w, buf.d_z1, g.c1_w, g.c1_b, TensorView<T>());
  });
  // END EXERCISE
  return loss;
}

template <typename T>
void lenet5_predictions(const LeNet5Workspace<T>& ws, std::span<int> out) {
  ch02::argmax_rows<T>(ws.logits, out);
}

#define NN_CH08_LENET5_INSTANTIATE(T)                                                                  \
  template struct LeNet5<T>;                                                                           \
  template LeNet5<T> make_lenet5<T>(Rng&);                                                             \
  template struct LeNet5SliceBuffers<T>;                                                                \
  template struct LeNet5Workspace<T>;                                                                   \
  template void lenet5_forward<T>(const LeNet5<T>&, LeNet5Workspace<T>&, TensorView<const T>);         \
  template T lenet5_backward<T>(LeNet5<T>&, LeNet5Workspace<T>&, std::span<const int>);                \
  template void lenet5_predictions<T>(const LeNet5Workspace<T>&, std::span<int>);
NN_CH08_LENET5_INSTANTIATE(float)
NN_CH08_LENET5_INSTANTIATE(double)
#undef NN_CH08_LENET5_INSTANTIATE

float lenet5_train_step(LeNet5<float>& net, LeNet5Workspace<float>& ws, ch05::Optimizer<float>& optimizer,
                        TensorView<const float> x, std::span<const int> labels, double learning_rate) {
  lenet5_forward<float>(net, ws, x);
  const float loss = lenet5_backward<float>(net, ws, labels);
  optimizer.step(learning_rate);
  return loss;
}

}  // namespace nn::ch08
