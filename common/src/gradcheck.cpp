#include "nn/gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace nn {

GradCheckResult check_gradient(const std::string& name, std::span<double> param,
                               std::span<const double> analytic, const std::function<double()>& loss,
                               const GradCheckOptions& options) {
  if (param.size() != analytic.size())
    throw Error("gradient check '" + name + "': parameter has " + std::to_string(param.size()) +
                " entries but the gradient has " + std::to_string(analytic.size()));
  GradCheckResult result;
  result.name = name;
  result.size = param.size();
  result.tolerance = options.tolerance;
  for (double a : analytic) result.max_abs_analytic = std::max(result.max_abs_analytic, std::abs(a));

  // Which entries: all of them, or a seeded sample without repetition.
  std::vector<std::size_t> indices(param.size());
  std::iota(indices.begin(), indices.end(), std::size_t{0});
  if (indices.size() > options.max_samples) {
    Rng rng(options.seed);
    rng.shuffle(std::span<std::size_t>(indices));
    indices.resize(options.max_samples);
    std::sort(indices.begin(), indices.end());
  }

  std::vector<GradCheckEntry> entries;
  entries.reserve(indices.size());
  for (std::size_t i : indices) {
    const double saved = param[i];
    auto at = [&](double offset) {
      param[i] = saved + offset;
      return loss();
    };
    const double h = options.step;
    double numeric;
    if (options.five_point) {
      // Taylor: L(±h) and L(±2h) combined so that the h² term cancels too.
      numeric = (8.0 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12.0 * h);
    } else {
      numeric = (at(h) - at(-h)) / (2.0 * h);
    }
    param[i] = saved;
    const double a = analytic[i];
    const double denom = std::max(options.tiny, std::abs(a) + std::abs(numeric));
    double rel = std::abs(a - numeric) / denom;
    if (std::isnan(rel)) rel = INFINITY;  // NaN anywhere must fail, not compare false
    entries.push_back({i, a, numeric, rel});
  }
  result.checked = entries.size();
  std::sort(entries.begin(), entries.end(),
            [](const GradCheckEntry& x, const GradCheckEntry& y) { return x.rel_error > y.rel_error; });
  if (!entries.empty()) result.max_rel_error = entries.front().rel_error;
  entries.resize(std::min<std::size_t>(entries.size(), 5));
  result.worst = std::move(entries);
  return result;
}

std::string GradCheckResult::report() const {
  char line[256];
  std::string out;
  std::snprintf(line, sizeof line, "gradient check %-24s %s: max rel error %.3e (tolerance %.1e) over %zu of %zu entries, max |grad| %.3e\n",
                name.c_str(), passed() ? "passed" : "FAILED", max_rel_error, tolerance, checked, size,
                max_abs_analytic);
  out += line;
  if (all_zero()) out += "  the analytic gradient is all zeros: the backward pass wrote nothing here\n";
  for (const auto& e : worst) {
    std::snprintf(line, sizeof line, "  [%zu] analytic % .12e  numeric % .12e  rel %.3e\n", e.index, e.analytic,
                  e.numeric, e.rel_error);
    out += line;
  }
  return out;
}

Tensor<double> make_upstream(Rng& rng, Shape shape) {
  Tensor<double> g(shape);
  fill_uniform(rng, g.span(), -1.0, 1.0);
  return g;
}

void fill_uniform(Rng& rng, std::span<double> values, double lo, double hi) {
  for (double& v : values) v = rng.uniform(lo, hi);
}

double inner(std::span<const double> a, std::span<const double> b) {
  if (a.size() != b.size())
    throw Error("inner product of spans of different sizes: " + std::to_string(a.size()) + " and " +
                std::to_string(b.size()));
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

void keep_away_from_kinks(std::span<double> values, std::span<const double> kinks, double margin) {
  for (double& v : values)
    for (double k : kinks)
      if (std::abs(v - k) < margin) v = (v >= k) ? k + margin : k - margin;
}

}  // namespace nn
