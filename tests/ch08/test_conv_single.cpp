// The single-channel direct convolution (nn/conv_single.hpp) that LeNet-5's
// c1 uses in float: every variant against the scalar definition on c1's
// shape and on awkward ones (filter counts 1..8, kernels 3 and 5, padding 0..3, output
// rows shorter and longer than 16 lanes, and shapes the AVX-512 variant
// hands to the scalar loops), and the dispatched kernel on c1's shape against
// the formulas computed in double. Not an exercise: a kernel of nn::common.
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "nn/conv_single.hpp"
#include "nn/cpu.hpp"
#include "nn/error.hpp"
#include "nn/rng.hpp"
#include "test_util.hpp"

using namespace nn;
using nn::test::random_floats;

namespace {

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
  return worst;
}

}  // namespace

TEST_CASE("single-channel direct convolution: every variant equals the definition", "[ch08][simd]") {
  struct Case {
    int n, h, w, k, f, pad;
  };
  const Case cases[] = {{4, 28, 28, 6, 5, 2}, {3, 28, 28, 6, 5, 0}, {2, 9, 13, 1, 3, 1},  {2, 12, 7, 8, 5, 3},
                        {1, 20, 33, 5, 3, 0}, {2, 5, 5, 7, 5, 2},  {1, 40, 40, 6, 5, 2}, {2, 10, 10, 9, 3, 1},
                        {1, 8, 8, 3, 7, 3}};
  for (const Case& c : cases) {
    SingleChannelConv s{c.h, c.w, c.k, c.f, c.pad};
    INFO(c.n << " images " << c.h << "x" << c.w << ", " << c.k << " filters " << c.f << "x" << c.f << ", pad " << c.pad);
    Rng rng(static_cast<std::uint64_t>(c.h * 100 + c.k * 10 + c.f));
    const auto x = random_floats(rng, static_cast<std::size_t>(c.n * c.h * c.w));
    const auto w = random_floats(rng, static_cast<std::size_t>(c.k * c.f * c.f));
    const auto b = random_floats(rng, static_cast<std::size_t>(c.k));
    const std::size_t out = static_cast<std::size_t>(c.n * c.k * s.out_h() * s.out_w());
    const auto dy = random_floats(rng, out);
    std::vector<float> y_ref(out), dw_ref(w.size(), 0.5f), db_ref(b.size(), -0.25f);
    kernels::conv_single_forward_scalar(x.data(), c.n, s, w.data(), b.data(), y_ref.data());
    kernels::conv_single_backward_scalar(x.data(), dy.data(), c.n, s, dw_ref.data(), db_ref.data());
    // Sums of up to F·F (forward) or N·O_h·O_w (backward) products of
    // values in [−1, 1], in another order and with fused multiply-adds.
    const double tol_y = 1e-6 * c.f * c.f, tol_w = 1e-6 * c.n * s.out_h() * s.out_w();
    for (SimdLevel level : available_simd_levels()) {
      INFO("level " << to_string(level));
      std::vector<float> y(out, NAN), dw(w.size(), 0.5f), db(b.size(), -0.25f);
      kernels::conv_single_forward_for(level)(x.data(), c.n, s, w.data(), b.data(), y.data());
      kernels::conv_single_backward_for(level)(x.data(), dy.data(), c.n, s, dw.data(), db.data());
      CHECK(max_abs_diff(y, y_ref) <= tol_y);
      CHECK(max_abs_diff(dw, dw_ref) <= tol_w);  // added into the 0.5 already there
      CHECK(max_abs_diff(db, db_ref) <= tol_w);
    }
  }
}

TEST_CASE("single-channel direct convolution: c1's shape against the formula in double", "[ch08][simd]") {
  // The dispatched kernel (AVX-512 here when the CPU has it) on c1's shape
  // against y = b + Σ w·x and d_w = Σ dy·x, d_b = Σ dy written out in double.
  const int n = 2, h = 28, w = 28, k = 6, f = 5, pad = 2;
  SingleChannelConv s{h, w, k, f, pad};
  Rng rng(8);
  const auto x = random_floats(rng, static_cast<std::size_t>(n * h * w));
  const auto wt = random_floats(rng, static_cast<std::size_t>(k * f * f));
  const auto b = random_floats(rng, static_cast<std::size_t>(k));
  const auto dy = random_floats(rng, static_cast<std::size_t>(n * k * h * w));
  std::vector<float> y(static_cast<std::size_t>(n * k * h * w)), dw(wt.size(), 0.0f), db(b.size(), 0.0f);
  conv_single_forward(x.data(), n, s, wt.data(), b.data(), y.data());
  conv_single_backward(x.data(), dy.data(), n, s, dw.data(), db.data());
  auto pixel = [&](int img, int r, int c) {
    return r < 0 || r >= h || c < 0 || c >= w ? 0.0 : static_cast<double>(x[static_cast<std::size_t>((img * h + r) * w + c)]);
  };
  auto at = [](const std::vector<float>& v, int i) { return static_cast<double>(v[static_cast<std::size_t>(i)]); };
  double worst_y = 0, worst_w = 0, worst_b = 0;
  std::vector<double> dw_exact(wt.size(), 0.0), db_exact(b.size(), 0.0);
  for (int img = 0; img < n; ++img)
    for (int q = 0; q < k; ++q)
      for (int oh = 0; oh < h; ++oh)
        for (int ow = 0; ow < w; ++ow) {
          const int o = ((img * k + q) * h + oh) * w + ow;
          double sum = at(b, q);
          for (int i = 0; i < f; ++i)
            for (int j = 0; j < f; ++j) {
              const double v = pixel(img, oh - pad + i, ow - pad + j);
              sum += at(wt, (q * f + i) * f + j) * v;
              dw_exact[static_cast<std::size_t>((q * f + i) * f + j)] += at(dy, o) * v;
            }
          db_exact[static_cast<std::size_t>(q)] += at(dy, o);
          worst_y = std::max(worst_y, std::abs(at(y, o) - sum));
        }
  for (std::size_t i = 0; i < dw.size(); ++i) worst_w = std::max(worst_w, std::abs(static_cast<double>(dw[i]) - dw_exact[i]));
  for (std::size_t i = 0; i < db.size(); ++i) worst_b = std::max(worst_b, std::abs(static_cast<double>(db[i]) - db_exact[i]));
  INFO("worst errors: y " << worst_y << ", d_w " << worst_w << ", d_b " << worst_b);
  CHECK(worst_y < 1e-5);   // 25 products of numbers in [-1, 1]
  CHECK(worst_w < 2e-3);   // 1,568 products per weight, sums of size ~40
  CHECK(worst_b < 2e-3);
}

TEST_CASE("single-channel direct convolution rejects an inconsistent shape", "[ch08][simd]") {
  std::vector<float> x(16), w(9), y(16);
  CHECK_THROWS_AS(conv_single_forward(x.data(), 1, SingleChannelConv{4, 4, 1, 5, 0}, w.data(), nullptr, y.data()),
                  Error);  // a 5×5 filter on a 4×4 image without padding
  CHECK_THROWS_AS(conv_single_backward(x.data(), y.data(), 1, SingleChannelConv{4, 4, 0, 3, 1}, w.data(), nullptr),
                  Error);  // no filters
}
