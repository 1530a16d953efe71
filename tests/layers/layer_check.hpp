// layer_check.hpp — finite-difference checks of any layer through the
// layer interface, in double.
//
// For a layer f and a random upstream gradient g, the scalar L = <g, f(x)>
// has ∂L/∂y = g, so one backward pass with dy = g gives ∂L/∂x (dx, cleared
// first: backward adds) and ∂L/∂θ for every parameter (cleared first too).
// Each is compared entry by entry with the centred difference of L. A
// layer with a random stream (dropout) is reseeded before every forward
// pass, so every evaluation of L sees the same mask.
//
// The centred difference carries a rounding error of about ε|L|/h, the same
// for every entry of a tensor, and |L| grows with the tensor's largest
// entries: an entry a thousand times smaller than the largest of its tensor
// cannot be resolved to a relative 1e-7. So the denominator's floor is a
// thousandth of the tensor's largest entry (scaled_floor): such entries are
// held to an absolute 1e-10 of that largest one, the rest to the relative
// 1e-7. A sign or index error still shows on the large entries.
#pragma once

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "layers/layer.hpp"
#include "layers/network.hpp"
#include "nn/gradcheck.hpp"
#include "test_util.hpp"

namespace nn::test {

// The options with the denominator's floor at a thousandth of max |analytic|.
inline GradCheckOptions scaled_floor(GradCheckOptions options, std::span<const double> analytic) {
  double largest = 0;
  for (double a : analytic) largest = std::max(largest, std::abs(a));
  options.tiny = std::max(options.tiny, 1e-3 * largest);
  return options;
}

struct LayerCheck {
  std::vector<double> kinks;  // where the layer's derivative jumps (inputs are kept away from them)
  layers::Mode mode = layers::Mode::Train;
  GradCheckOptions options;
};

// Checks ∂L/∂x and every parameter's gradient of `layer` on a random x of
// shape `input`; returns the names checked.
inline std::vector<std::string> check_layer(layers::Layer<double>& layer, const Shape& input, Rng& rng,
                                            const LayerCheck& check = {}) {
  Tensor<double> x(input);
  fill_uniform(rng, x.span(), -1, 1);
  keep_away_from_kinks(x.span(), check.kinks, 1e-3);
  layer.prepare(input);
  Tensor<double> y(layer.output_shape(input));
  const Tensor<double> g = make_upstream(rng, y.shape());
  auto loss = [&] {
    layer.seed(7);
    layer.forward(x, y, check.mode);
    return inner(g.span(), y.span());
  };
  std::vector<layers::Parameter<double>> params;
  layer.parameters("", params);
  for (auto& p : params) fill_uniform(rng, p.value.span(), -0.5, 0.5);
  loss();
  Tensor<double> dx(input);
  for (auto& p : params) std::fill(p.grad.begin(), p.grad.end(), 0.0);
  layer.backward(x, y, g, dx);
  std::vector<std::string> names = {"x"};
  require_gradient(check_gradient("x", x.span(), dx.span(), loss, scaled_floor(check.options, dx.span())));
  for (auto& p : params) {
    INFO(p.name);
    names.push_back(p.name);
    const std::vector<double> analytic(p.grad.begin(), p.grad.end());
    require_gradient(check_gradient(p.name, p.value.span(), analytic, loss, scaled_floor(check.options, analytic)));
  }
  return names;
}

// The softmax cross-entropy of `net` on (x, labels) against finite
// differences, for every parameter (at most options.max_samples entries
// each) but those `skip` names.
inline void check_network(layers::Network<double>& net, const Tensor<double>& x, const std::vector<int>& labels,
                          GradCheckOptions options = {}, const std::vector<std::string>& skip = {}) {
  auto loss = [&] {
    net.seed(7);  // the same dropout masks in every evaluation
    net.forward(x, layers::Mode::Train);
    return net.backward(labels);  // also fills the gradients: the checks below compare copies
  };
  loss();
  std::vector<std::vector<double>> analytic;
  for (auto& p : net.parameters()) analytic.emplace_back(p.grad.begin(), p.grad.end());
  std::size_t i = 0;
  for (auto& p : net.parameters()) {
    INFO(p.name);
    const std::vector<double>& a = analytic[i++];
    if (std::find(skip.begin(), skip.end(), p.name) == skip.end())
      require_gradient(check_gradient(p.name, p.value.span(), a, loss, options));
  }
}

// The parameter of `net` named `name` (a test failure if there is none).
template <typename T>
layers::Parameter<T>& parameter(layers::Network<T>& net, const std::string& name) {
  for (auto& p : net.parameters())
    if (p.name == name) return p;
  FAIL("no parameter named " << name);
  throw;  // not reached
}

// "6x28x28": the dimensions after the batch, as the summaries print them.
inline std::string shape_text(const Shape& s) {
  std::string t;
  for (int i = 1; i < s.rank(); ++i) {
    if (i > 1) t += 'x';
    t += std::to_string(s[i]);
  }
  return t;
}

// n random images (N, C, H, W) in [0, 1).
inline Tensor<float> random_images(Rng& rng, Shape shape) {
  Tensor<float> x(shape);
  for (float& v : x) v = static_cast<float>(rng.uniform());
  return x;
}

}  // namespace nn::test
