// lenet1998.cpp — Chapter 8: the 1998 LeNet-5 (connection table, scaled
// tanh, trainable subsampling): its own layers, then the list of layers.
#include "ch08/lenet1998.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "nn/error.hpp"
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

// ---- the paper's layers ------------------------------------------------------------

template <typename T>
Shape PaperInput<T>::output_shape(const Shape& input) const {
  if (input.rank() != 4 || input[1] != 1) throw Error("input field: the input must be (N, 1, H, W), got " + input.str());
  return Shape{input[0], 1, input[2] + 4, input[3] + 4};
}

template <typename T>
void PaperInput<T>::forward(TensorView<const T> x, TensorView<T> y, layers::Mode) {
  const T background = static_cast<T>(kBackground), scale = static_cast<T>(kForeground - kBackground);
  const std::int64_t h = x.dim(2), w = x.dim(3), side = y.dim(3);
  std::fill(y.begin(), y.end(), background);
  for (std::int64_t n = 0; n < x.dim(0); ++n)
    for (std::int64_t i = 0; i < h; ++i) {
      const T* in = x.data() + (n * h + i) * w;
      T* out = y.data() + (n * y.dim(2) + i + 2) * side + 2;
      for (std::int64_t j = 0; j < w; ++j) out[j] = background + scale * in[j];
    }
}

template <typename T>
void PaperInput<T>::backward(TensorView<const T>, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) {
  if (!dx.size()) return;
  // y = background + scale·x inside the field: ∂L/∂x = scale·∂L/∂y there.
  const T scale = static_cast<T>(kForeground - kBackground);
  const std::int64_t h = dx.dim(2), w = dx.dim(3), side = y.dim(3);
  for (std::int64_t n = 0; n < dx.dim(0); ++n)
    for (std::int64_t i = 0; i < h; ++i) {
      const T* d = dy.data() + (n * y.dim(2) + i + 2) * side + 2;
      T* out = dx.data() + (n * h + i) * w;
      for (std::int64_t j = 0; j < w; ++j) out[j] += scale * d[j];
    }
}

template <typename T>
void ScaledTanh<T>::forward(TensorView<const T> x, TensorView<T> y, layers::Mode) {
  scaled_tanh_forward<T>(y, x);
}

template <typename T>
void ScaledTanh<T>::backward(TensorView<const T>, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) {
  if (dx.size()) scaled_tanh_backward<T>(dx, dy, y);
}

template <typename T>
Subsampling<T>::Subsampling(int channels) {
  for (Tensor<T>* t : {&weight, &bias, &d_weight, &d_bias}) *t = Tensor<T>(Shape{channels});
}

template <typename T>
std::string Subsampling<T>::describe() const {
  return "subsample 2x2, " + std::to_string(weight.size()) + " coefficients";
}

template <typename T>
Shape Subsampling<T>::output_shape(const Shape& input) const {
  if (input.rank() != 4 || input[1] != weight.size() || input[2] % 2 || input[3] % 2)
    throw Error(describe() + ": the input must be (N, " + std::to_string(weight.size()) +
                ", H, W) with H and W even, got " + input.str());
  return Shape{input[0], input[1], input[2] / 2, input[3] / 2};
}

template <typename T>
void Subsampling<T>::forward(TensorView<const T> x, TensorView<T> y, layers::Mode) {
  subsample_forward<T>(y, x, weight, bias);
}

template <typename T>
void Subsampling<T>::backward(TensorView<const T> x, TensorView<const T>, TensorView<const T> dy, TensorView<T> dx) {
  subsample_backward<T>(dx, d_weight, d_bias, dy, x, weight);
}

template <typename T>
void Subsampling<T>::parameters(const std::string& prefix, std::vector<layers::Parameter<T>>& out) {
  out.push_back({layers::join_name(prefix, "weight"), weight.view(), d_weight.view(), false});
  out.push_back({layers::join_name(prefix, "bias"), bias.view(), d_bias.view(), false});
}

template <typename T>
std::int64_t Subsampling<T>::multiply_adds(const Shape& input) const {
  return output_shape(input).numel();
}

template <typename T>
TableConv<T>::TableConv() : conv_(layers::Conv2dSpec::square(kS2Maps, kC3Maps, 5)) {}

template <typename T>
void TableConv<T>::apply_table() {
  const std::int64_t slice = 25;
  for (int k = 0; k < kC3Maps; ++k)
    for (int c = 0; c < kS2Maps; ++c) {
      if (kC3Table[static_cast<std::size_t>(k)][static_cast<std::size_t>(c)]) continue;
      const std::int64_t at = (k * kS2Maps + c) * slice;
      std::fill(conv_.weight.data() + at, conv_.weight.data() + at + slice, T(0));
      std::fill(conv_.d_weight.data() + at, conv_.d_weight.data() + at + slice, T(0));
    }
}

template <typename T>
void TableConv<T>::forward(TensorView<const T> x, TensorView<T> y, layers::Mode mode) {
  // The disconnected weights are zero: the full conv computes Table I's sums.
  conv_.forward(x, y, mode);
}

template <typename T>
void TableConv<T>::backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) {
  conv_.backward(x, y, dy, dx);
  // ∂L/∂x above is already right: it went through zero weights only where
  // Table I has connections missing. The gradient of those zero weights is
  // not zero, though: clear it, so they stay zero. (This layer's gradient
  // holds only this pass's sum here when nothing else adds into it.)
  apply_table();
}

template <typename T>
void TableConv<T>::parameters(const std::string& prefix, std::vector<layers::Parameter<T>>& out) {
  conv_.parameters(prefix, out);
}

template <typename T>
void TableConv<T>::summarize(const std::string& name, const Shape& input, int depth,
                             std::vector<layers::SummaryRow>& rows) {
  layers::Layer<T>::summarize(name, input, depth, rows);
  rows.back().parameters = std::int64_t{c3_connections()} * 25 + kC3Maps;
  rows.back().multiply_adds = rows.back().multiply_adds / (kC3Maps * kS2Maps) * c3_connections();
}

template <typename T>
void TableConv<T>::check_values(const std::string& source) const {
  const std::int64_t slice = 25;
  for (int k = 0; k < kC3Maps; ++k)
    for (int c = 0; c < kS2Maps; ++c) {
      if (kC3Table[static_cast<std::size_t>(k)][static_cast<std::size_t>(c)]) continue;
      const T* w = conv_.weight.data() + (k * kS2Maps + c) * slice;
      if (std::any_of(w, w + slice, [](T v) { return v != T(0); }))
        throw Error(source + ": c3.weight[" + std::to_string(k) + ", " + std::to_string(c) +
                    "] is not zero, but Table I does not connect C3 map " + std::to_string(k) + " to S2 map " +
                    std::to_string(c));
    }
}

// ---- the network ---------------------------------------------------------------------

template <typename T>
layers::Network<T> lenet1998_network(Rng& rng) {
  using namespace layers;
  Network<T> net("LeNet-5 as in 1998 (c1 6@5x5 on a 32x32 field, s2 trainable subsampling, c3 16@5x5 with Table I's "
                 "connections, s4, c5 120@5x5, f6 84, output 10; every layer but the output followed by "
                 "1.7159 tanh(2a/3))",
                 Shape{1, 28, 28}, 10);
  Sequential<T>& s = net.body();
  s.template emplace<PaperInput<T>>("input");
  auto& c1 = s.template emplace<Conv2d<T>>("c1", Conv2dSpec::square(1, 6, 5));
  s.template emplace<ScaledTanh<T>>("f1");
  auto& s2 = s.template emplace<Subsampling<T>>("s2", 6);
  s.template emplace<ScaledTanh<T>>("f2");
  auto& c3 = s.template emplace<TableConv<T>>("c3");
  s.template emplace<ScaledTanh<T>>("f3");
  auto& s4 = s.template emplace<Subsampling<T>>("s4", kC3Maps);
  s.template emplace<ScaledTanh<T>>("f4");
  auto& c5 = s.template emplace<Conv2d<T>>("c5", Conv2dSpec::square(kC3Maps, 120, 5));
  s.template emplace<ScaledTanh<T>>("f5");
  s.template emplace<Flatten<T>>("flatten");
  auto& f6 = s.template emplace<Dense<T>>("f6", 120, 84);
  s.template emplace<ScaledTanh<T>>("f6_f");
  auto& output = s.template emplace<Dense<T>>("output", 84, 10);
  // The paper: U(−2.4/F, 2.4/F), F the fan-in of the unit the weight feeds.
  const auto uniform = [&rng](T* w, std::int64_t count, std::int64_t fan_in) {
    const double r = 2.4 / static_cast<double>(fan_in);
    for (std::int64_t i = 0; i < count; ++i) w[i] = static_cast<T>(rng.uniform(-r, r));
  };
  uniform(c1.weight.data(), c1.weight.size(), 25);
  uniform(s2.weight.data(), s2.weight.size(), 4);
  const std::int64_t slice = 25;
  for (int k = 0; k < kC3Maps; ++k) {
    int seen = 0;
    for (bool connected : kC3Table[static_cast<std::size_t>(k)]) seen += connected;
    uniform(c3.conv().weight.data() + k * kS2Maps * slice, kS2Maps * slice, seen * slice);
  }
  c3.apply_table();
  uniform(s4.weight.data(), s4.weight.size(), 4);
  uniform(c5.weight.data(), c5.weight.size(), 16 * 25);
  uniform(f6.weight.data(), f6.weight.size(), 120);
  uniform(output.weight.data(), output.weight.size(), 84);
  return net;
}

#define NN_CH08_LENET1998_INSTANTIATE(T)                                                                          \
  template void scaled_tanh_forward<T>(TensorView<T>, TensorView<const T>);                                       \
  template void scaled_tanh_backward<T>(TensorView<T>, TensorView<const T>, TensorView<const T>);                 \
  template void subsample_forward<T>(TensorView<T>, TensorView<const T>, TensorView<const T>, TensorView<const T>); \
  template void subsample_backward<T>(TensorView<T>, TensorView<T>, TensorView<T>, TensorView<const T>,           \
                                      TensorView<const T>, TensorView<const T>);                                   \
  template class PaperInput<T>;                                                                                   \
  template class ScaledTanh<T>;                                                                                   \
  template class Subsampling<T>;                                                                                  \
  template class TableConv<T>;                                                                                    \
  template layers::Network<T> lenet1998_network<T>(Rng&);
NN_CH08_LENET1998_INSTANTIATE(float)
NN_CH08_LENET1998_INSTANTIATE(double)
#undef NN_CH08_LENET1998_INSTANTIATE

}  // namespace nn::ch08
