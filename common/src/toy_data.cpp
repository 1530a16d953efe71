#include "nn/toy_data.hpp"

#include <cmath>
#include <numbers>

#include "nn/error.hpp"

namespace nn {

Tensor<float> Dataset2D::labels_as_float() const {
  Tensor<float> t(Shape{static_cast<std::int64_t>(y.size())});
  for (std::size_t i = 0; i < y.size(); ++i) t[static_cast<std::int64_t>(i)] = static_cast<float>(y[i]);
  return t;
}

namespace {
Dataset2D from_points(std::string name, const std::vector<float>& xs, const std::vector<int>& ys) {
  Dataset2D d;
  d.name = std::move(name);
  d.x = Tensor<float>(Shape{static_cast<std::int64_t>(ys.size()), 2});
  for (std::size_t i = 0; i < xs.size(); ++i) d.x[static_cast<std::int64_t>(i)] = xs[i];
  d.y = ys;
  return d;
}
}  // namespace

Dataset2D make_logic_gate(const std::string& gate) {
  const std::vector<float> xs = {0, 0, 0, 1, 1, 0, 1, 1};
  std::vector<int> ys;
  if (gate == "and") ys = {0, 0, 0, 1};
  else if (gate == "or") ys = {0, 1, 1, 1};
  else if (gate == "xor") ys = {0, 1, 1, 0};
  else throw Error("unknown logic gate '" + gate + "' (expected and, or, xor)");
  return from_points(gate, xs, ys);
}

Dataset2D make_blobs(Rng& rng, int per_class, double distance, double stddev) {
  std::vector<float> xs;
  std::vector<int> ys;
  for (int cls = 0; cls < 2; ++cls) {
    const double cx = cls ? distance / 2 : -distance / 2;
    const double cy = cls ? distance / 4 : -distance / 4;
    for (int i = 0; i < per_class; ++i) {
      xs.push_back(static_cast<float>(rng.normal(cx, stddev)));
      xs.push_back(static_cast<float>(rng.normal(cy, stddev)));
      ys.push_back(cls);
    }
  }
  return from_points("blobs", xs, ys);
}

Dataset2D make_circles(Rng& rng, int per_class, double noise) {
  std::vector<float> xs;
  std::vector<int> ys;
  for (int cls = 0; cls < 2; ++cls) {
    const double radius = cls ? 0.5 : 1.0;  // class 1 is the inner disc
    for (int i = 0; i < per_class; ++i) {
      const double angle = rng.uniform(0.0, 2.0 * std::numbers::pi);
      xs.push_back(static_cast<float>(radius * std::cos(angle) + rng.normal(0.0, noise)));
      xs.push_back(static_cast<float>(radius * std::sin(angle) + rng.normal(0.0, noise)));
      ys.push_back(cls);
    }
  }
  return from_points("circles", xs, ys);
}

Dataset2D make_spirals(Rng& rng, int per_class, double noise) {
  std::vector<float> xs;
  std::vector<int> ys;
  for (int cls = 0; cls < 2; ++cls) {
    for (int i = 0; i < per_class; ++i) {
      const double t = 0.25 + 3.0 * std::numbers::pi * i / per_class;  // angle along the arm
      const double r = t / (3.0 * std::numbers::pi) * 2.0;
      const double angle = t + (cls ? std::numbers::pi : 0.0);
      xs.push_back(static_cast<float>(r * std::cos(angle) + rng.normal(0.0, noise * 0.1)));
      xs.push_back(static_cast<float>(r * std::sin(angle) + rng.normal(0.0, noise * 0.1)));
      ys.push_back(cls);
    }
  }
  return from_points("spirals", xs, ys);
}

}  // namespace nn
