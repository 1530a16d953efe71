// gradcheck.hpp — finite-difference checks of hand-derived gradients.
//
// A backward pass is only believed once it agrees with the centred
// difference
//     ∂L/∂θ_i ≈ (L(θ + h e_i) − L(θ − h e_i)) / 2h
// computed in double precision, entry by entry, with the relative error
//     |a − n| / max(tiny, |a| + |n|)        a = analytic, n = numeric.
// In double, a correct single layer reaches 1e-8 or better; a sign error gives
// about 1 and a wrong index is usually far above 1e-3.
//
// To check a layer whose output y is a tensor, make it a scalar with a random
// upstream gradient g: L = Σ_i g_i y_i, so ∂L/∂y = g. That exercises every
// output at once with weights no structure can cancel (see make_upstream).
//
// A check fails when the analytic gradient is all zeros: a backward pass that
// forgot to write anything would otherwise agree with a function that does not
// depend on the parameter. Functions with kinks (ReLU at 0, |z|, max) are
// checked on inputs kept away from them (keep_away_from_kinks): a centred
// difference across a kink measures the average of two slopes.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "nn/rng.hpp"
#include "nn/tensor.hpp"

namespace nn {

struct GradCheckOptions {
  double step = 1e-5;             // h of the centred difference
  double tolerance = 1e-7;        // largest accepted relative error
  double tiny = 1e-10;            // floor of the relative error's denominator
  std::size_t max_samples = 256;  // entries checked; all if the tensor is smaller
  std::uint64_t seed = 12345;     // which entries are sampled
  // The five-point stencil (L(−2h) − 8L(−h) + 8L(h) − L(2h))/12h: truncation
  // error O(h⁴) instead of O(h²), so a larger h (1e-3) is as exact, and the
  // rounding error ε|L|/h of a large loss (a deep block, many outputs)
  // falls a hundredfold. Twice the loss evaluations.
  bool five_point = false;
};

struct GradCheckEntry {
  std::size_t index;
  double analytic, numeric, rel_error;
};

struct GradCheckResult {
  std::string name;
  std::size_t size = 0;     // entries in the tensor
  std::size_t checked = 0;  // entries compared
  double max_rel_error = 0.0;
  double max_abs_analytic = 0.0;  // over the whole tensor, not only the sample
  double tolerance = 0.0;
  std::vector<GradCheckEntry> worst;  // up to 5, worst first

  bool all_zero() const { return max_abs_analytic == 0.0; }
  bool passed() const { return !all_zero() && max_rel_error <= tolerance; }
  // A human-readable verdict with the worst entries.
  std::string report() const;
};

// Compares `analytic` (∂L/∂param, same size as param) with centred
// differences of `loss`, which must evaluate L at the current values of
// `param`. Each sampled entry is perturbed and restored in place.
GradCheckResult check_gradient(const std::string& name, std::span<double> param,
                               std::span<const double> analytic, const std::function<double()>& loss,
                               const GradCheckOptions& options = {});

// A random upstream gradient g ~ U(-1, 1) of the given shape.
Tensor<double> make_upstream(Rng& rng, Shape shape);
// Fills `values` with U(lo, hi).
void fill_uniform(Rng& rng, std::span<double> values, double lo, double hi);
// Σ_i a_i b_i: the scalar L = <g, y> that turns a tensor output into a loss.
double inner(std::span<const double> a, std::span<const double> b);
// Moves every value closer than `margin` to one of `kinks` out to distance
// `margin` (away from the kink, on its own side), so a finite-difference step
// smaller than `margin` never crosses a kink.
void keep_away_from_kinks(std::span<double> values, std::span<const double> kinks, double margin);

}  // namespace nn
