// The filters-across-lanes direct convolution (nn/conv_filters.hpp) that
// LeNet-5's c3 uses in float: the weight packing, the forward pass and the
// weight gradient of every variant against the scalar definition to the bit
// (they sum in the same order) on c3's shape and on others (16 and 32 filters, kernels 3 and 5, output rows of 1 to 16
// pixels, shapes the AVX-512 variant hands to the scalar loops), the input
// delta likewise (and against finite differences of the forward pass in
// double), the scalar definition against the formula computed in
// double, and bad shapes. Not an
// exercise: a kernel of nn::common.
#include <cmath>
#include <cstring>
#include <vector>

#include <catch2/catch.hpp>

#include "nn/conv_filters.hpp"
#include "nn/cpu.hpp"
#include "nn/error.hpp"
#include "nn/rng.hpp"
#include "test_util.hpp"

using namespace nn;
using nn::test::random_floats;

namespace {

struct Case {
  int n, c, h, w, k, f;
};

// y in double, straight from the definition with the unpacked weights
// (K, C, F, F): y[k, oh, ow] = b[k] + Σ_{c,i,j} w[k, c, i, j] · x[c, oh + i, ow + j].
std::vector<double> reference(const Case& t, const std::vector<float>& x, const std::vector<float>& w,
                              const std::vector<float>& b) {
  const int oh_count = t.h - t.f + 1, ow_count = t.w - t.f + 1;
  std::vector<double> y(static_cast<std::size_t>(t.n * t.k * oh_count * ow_count));
  for (int img = 0; img < t.n; ++img)
    for (int k = 0; k < t.k; ++k)
      for (int oh = 0; oh < oh_count; ++oh)
        for (int ow = 0; ow < ow_count; ++ow) {
          double sum = static_cast<double>(b[static_cast<std::size_t>(k)]);
          for (int c = 0; c < t.c; ++c)
            for (int i = 0; i < t.f; ++i)
              for (int j = 0; j < t.f; ++j)
                sum += static_cast<double>(w[static_cast<std::size_t>(((k * t.c + c) * t.f + i) * t.f + j)]) *
                       static_cast<double>(x[static_cast<std::size_t>(((img * t.c + c) * t.h + oh + i) * t.w + ow + j)]);
          y[static_cast<std::size_t>(((img * t.k + k) * oh_count + oh) * ow_count + ow)] = sum;
        }
  return y;
}

}  // namespace

TEST_CASE("filters-across-lanes convolution: packing puts tap t of filter k at t * K + k", "[ch08][simd]") {
  const FilterLanesConv s{2, 4, 4, 3, 2};  // 2 channels, 3 filters 2x2: 8 taps
  std::vector<float> w(24), wt(24, -1.0f);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i);
  conv_filters_pack(w.data(), s, wt.data());
  for (int k = 0; k < 3; ++k)
    for (int t = 0; t < 8; ++t) CHECK(wt[static_cast<std::size_t>(t * 3 + k)] == w[static_cast<std::size_t>(k * 8 + t)]);
}

TEST_CASE("filters-across-lanes convolution: every variant equals the definition", "[ch08][simd]") {
  const Case cases[] = {{4, 6, 14, 14, 16, 5},  // LeNet-5's c3 on a slice
                        {2, 3, 9, 11, 32, 3},   // two groups of 16 filters, 3x3, rows of 9
                        {1, 2, 20, 20, 16, 5},  // rows of 16, the widest the vector kernel takes
                        {3, 1, 5, 7, 16, 5},    // a single output row of 3 pixels
                        {2, 4, 6, 6, 16, 3},    // rows of 4
                        {1, 2, 21, 21, 16, 5},  // rows of 17: the scalar loops
                        {2, 3, 8, 8, 8, 3},     // 8 filters: the scalar loops
                        {1, 2, 9, 9, 16, 4}};   // 4x4 filters: the scalar loops
  for (const Case& t : cases) {
    const FilterLanesConv s{t.c, t.h, t.w, t.k, t.f};
    INFO(t.n << " images " << t.c << "x" << t.h << "x" << t.w << ", " << t.k << " filters " << t.f << "x" << t.f);
    Rng rng(static_cast<std::uint64_t>(t.h * 1000 + t.k * 10 + t.f));
    const auto x = random_floats(rng, static_cast<std::size_t>(t.n * t.c * t.h * t.w));
    const auto w = random_floats(rng, static_cast<std::size_t>(t.k * t.c * t.f * t.f));
    const auto b = random_floats(rng, static_cast<std::size_t>(t.k));
    std::vector<float> wt(w.size());
    conv_filters_pack(w.data(), s, wt.data());
    const std::size_t out = static_cast<std::size_t>(t.n * t.k * s.out_h() * s.out_w());
    std::vector<float> y_ref(out, NAN);
    kernels::conv_filters_forward_scalar(x.data(), t.n, s, wt.data(), b.data(), y_ref.data());

    // The scalar definition against the formula in double: sums of C·F·F
    // products of values in [−1, 1], rounded once per fused multiply-add.
    const auto exact = reference(t, x, w, b);
    double worst = 0.0;
    for (std::size_t i = 0; i < out; ++i) worst = std::max(worst, std::abs(static_cast<double>(y_ref[i]) - exact[i]));
    INFO("worst |scalar - double| " << worst);
    CHECK(worst < 1e-6 * t.c * t.f * t.f);
    CHECK(worst > 0.0);  // float really was used: the check above can fail

    for (SimdLevel level : available_simd_levels()) {
      INFO("level " << to_string(level));
      std::vector<float> y(out, NAN);
      kernels::conv_filters_forward_for(level)(x.data(), t.n, s, wt.data(), b.data(), y.data());
      CHECK(std::memcmp(y.data(), y_ref.data(), out * sizeof(float)) == 0);
      // Without a bias: the same sums, nothing added.
      std::vector<float> y0(out, NAN), y0_ref(out, NAN);
      kernels::conv_filters_forward_for(level)(x.data(), t.n, s, wt.data(), nullptr, y0.data());
      kernels::conv_filters_forward_scalar(x.data(), t.n, s, wt.data(), nullptr, y0_ref.data());
      CHECK(std::memcmp(y0.data(), y0_ref.data(), out * sizeof(float)) == 0);
    }
  }
}

TEST_CASE("filters-across-lanes convolution: every variant's gradients equal the definition", "[ch08][simd]") {
  const Case cases[] = {{4, 6, 14, 14, 16, 5}, {2, 3, 9, 11, 32, 3}, {1, 2, 20, 20, 16, 5},
                        {3, 1, 5, 7, 16, 5},   {1, 2, 21, 21, 16, 5}, {2, 3, 8, 8, 8, 3}};
  for (const Case& t : cases) {
    const FilterLanesConv s{t.c, t.h, t.w, t.k, t.f};
    INFO(t.n << " images " << t.c << "x" << t.h << "x" << t.w << ", " << t.k << " filters " << t.f << "x" << t.f);
    Rng rng(static_cast<std::uint64_t>(t.h * 1000 + t.k * 10 + t.f + 7));
    const int oh_count = s.out_h(), ow_count = s.out_w();
    const auto x = random_floats(rng, static_cast<std::size_t>(t.n * t.c * t.h * t.w));
    const auto dy = random_floats(rng, static_cast<std::size_t>(t.n * t.k * oh_count * ow_count));
    const std::size_t wsize = static_cast<std::size_t>(t.k * t.c * t.f * t.f);
    // Added into what is there: start from a non-zero gradient.
    std::vector<float> dw_ref(wsize, 0.5f), db_ref(static_cast<std::size_t>(t.k), -0.25f);
    kernels::conv_filters_backward_scalar(x.data(), dy.data(), t.n, s, dw_ref.data(), db_ref.data());

    // Against double: d_w[k, c, i, j] = 0.5 + Σ dy[k, oh, ow] · x[c, oh + i, ow + j].
    double worst = 0.0;
    for (int k = 0; k < t.k; ++k)
      for (int c = 0; c < t.c; ++c)
        for (int i = 0; i < t.f; ++i)
          for (int j = 0; j < t.f; ++j) {
            double sum = 0.5;
            for (int img = 0; img < t.n; ++img)
              for (int oh = 0; oh < oh_count; ++oh)
                for (int ow = 0; ow < ow_count; ++ow)
                  sum += static_cast<double>(dy[static_cast<std::size_t>(((img * t.k + k) * oh_count + oh) * ow_count + ow)]) *
                         static_cast<double>(x[static_cast<std::size_t>(((img * t.c + c) * t.h + oh + i) * t.w + ow + j)]);
            const std::size_t at = static_cast<std::size_t>(((k * t.c + c) * t.f + i) * t.f + j);
            worst = std::max(worst, std::abs(static_cast<double>(dw_ref[at]) - sum));
          }
    INFO("worst |scalar - double| " << worst);
    CHECK(worst < 1e-6 * t.n * oh_count * ow_count);
    CHECK(worst > 0.0);

    for (SimdLevel level : available_simd_levels()) {
      INFO("level " << to_string(level));
      std::vector<float> dw(wsize, 0.5f), db(static_cast<std::size_t>(t.k), -0.25f);
      kernels::conv_filters_backward_for(level)(x.data(), dy.data(), t.n, s, dw.data(), db.data());
      CHECK(std::memcmp(dw.data(), dw_ref.data(), wsize * sizeof(float)) == 0);
      CHECK(std::memcmp(db.data(), db_ref.data(), db.size() * sizeof(float)) == 0);
      // Without a bias gradient: the same weight gradient.
      std::vector<float> dw2(wsize, 0.5f);
      kernels::conv_filters_backward_for(level)(x.data(), dy.data(), t.n, s, dw2.data(), nullptr);
      CHECK(std::memcmp(dw2.data(), dw_ref.data(), wsize * sizeof(float)) == 0);
    }

    // The bias sums against double (through the dispatched call).
    std::vector<float> dw(wsize, 0.5f), db(static_cast<std::size_t>(t.k), -0.25f);
    conv_filters_backward(x.data(), dy.data(), t.n, s, dw.data(), db.data());
    for (int k = 0; k < t.k; ++k) {
      double sum = -0.25;
      for (int img = 0; img < t.n; ++img)
        for (int p = 0; p < oh_count * ow_count; ++p)
          sum += static_cast<double>(dy[static_cast<std::size_t>((img * t.k + k) * oh_count * ow_count + p)]);
      CHECK(static_cast<double>(db[static_cast<std::size_t>(k)]) == Approx(sum).margin(1e-5));
    }
  }
}

TEST_CASE("filters-across-lanes convolution: every variant's input delta equals the definition", "[ch08][simd]") {
  // c3's shape; other heights, widths and filter counts; F = 3; one output
  // row or column; and shapes the AVX-512 variant hands to the scalar loop
  // (a 17-wide plane, 4x4 filters).
  const Case cases[] = {{4, 6, 14, 14, 16, 5}, {2, 3, 9, 11, 7, 3}, {1, 2, 16, 16, 20, 5}, {3, 1, 5, 7, 16, 5},
                        {2, 2, 3, 16, 5, 3},   {1, 2, 17, 17, 4, 5}, {2, 3, 8, 8, 8, 4}, {1, 1, 16, 5, 3, 5}};
  for (const Case& t : cases) {
    const FilterLanesConv s{t.c, t.h, t.w, t.k, t.f};
    INFO(t.n << " images " << t.c << "x" << t.h << "x" << t.w << ", " << t.k << " filters " << t.f << "x" << t.f);
    Rng rng(static_cast<std::uint64_t>(t.h * 1000 + t.k * 10 + t.f + 11));
    const int oh_count = s.out_h(), ow_count = s.out_w();
    const auto dy = random_floats(rng, static_cast<std::size_t>(t.n * t.k * oh_count * ow_count));
    const auto w = random_floats(rng, static_cast<std::size_t>(t.k * t.c * t.f * t.f));
    const std::size_t xsize = static_cast<std::size_t>(t.n * t.c * t.h * t.w);
    // Added into what is there: start from a non-zero delta, one guard element past the end.
    auto start = random_floats(rng, xsize + 1);
    std::vector<float> ref = start;
    kernels::conv_filters_backward_input_scalar(dy.data(), t.n, s, w.data(), ref.data());
    CHECK(ref[xsize] == start[xsize]);

    // Against double: d_x[c, y, x] = start + Σ_{k,i,j} w[k, c, i, j] · dy[k, y − i, x − j] (inside dy).
    double worst = 0.0, largest = 0.0;
    for (int img = 0; img < t.n; ++img)
      for (int c = 0; c < t.c; ++c)
        for (int y = 0; y < t.h; ++y)
          for (int x = 0; x < t.w; ++x) {
            const std::size_t at = static_cast<std::size_t>(((img * t.c + c) * t.h + y) * t.w + x);
            double sum = static_cast<double>(start[at]), delta = 0.0;
            for (int k = 0; k < t.k; ++k)
              for (int i = 0; i < t.f; ++i)
                for (int j = 0; j < t.f; ++j) {
                  const int r = y - i, q = x - j;
                  if (r < 0 || r >= oh_count || q < 0 || q >= ow_count) continue;
                  delta += static_cast<double>(w[static_cast<std::size_t>(((k * t.c + c) * t.f + i) * t.f + j)]) *
                           static_cast<double>(dy[static_cast<std::size_t>(((img * t.k + k) * oh_count + r) * ow_count + q)]);
                }
            sum += delta;
            largest = std::max(largest, std::abs(delta));
            worst = std::max(worst, std::abs(static_cast<double>(ref[at]) - sum));
          }
    INFO("worst |scalar - double| " << worst << ", largest delta " << largest);
    CHECK(worst < 1e-6 * t.k * t.f * t.f);
    CHECK(largest > 0.1);  // the deltas are far from zero: a wrong index would show

    for (SimdLevel level : available_simd_levels()) {
      INFO("level " << to_string(level));
      std::vector<float> dx = start;
      kernels::conv_filters_backward_input_for(level)(dy.data(), t.n, s, w.data(), dx.data());
      CHECK(std::memcmp(dx.data(), ref.data(), (xsize + 1) * sizeof(float)) == 0);
    }
    std::vector<float> dx = start;
    conv_filters_backward_input(dy.data(), t.n, s, w.data(), dx.data());
    CHECK(std::memcmp(dx.data(), ref.data(), (xsize + 1) * sizeof(float)) == 0);
  }
}

TEST_CASE("filters-across-lanes convolution: the input delta matches finite differences", "[ch08][simd][gradcheck]") {
  // L(x) = Σ g[k, oh, ow] · y[k, oh, ow](x), the forward pass computed in
  // double, so ∂L/∂x is the input delta for output delta g. Central
  // differences in double at every input of one image on c3's shape (all
  // borders and corners included) against the dispatched kernel in float.
  const Case t{2, 6, 14, 14, 16, 5};
  const FilterLanesConv s{t.c, t.h, t.w, t.k, t.f};
  Rng rng(29);
  const int oh_count = s.out_h(), ow_count = s.out_w();
  const auto x = random_floats(rng, static_cast<std::size_t>(t.n * t.c * t.h * t.w));
  const auto w = random_floats(rng, static_cast<std::size_t>(t.k * t.c * t.f * t.f));
  const auto g = random_floats(rng, static_cast<std::size_t>(t.n * t.k * oh_count * ow_count));
  const std::vector<float> no_bias(static_cast<std::size_t>(t.k), 0.0f);
  std::vector<float> dx(x.size(), 0.0f);
  conv_filters_backward_input(g.data(), t.n, s, w.data(), dx.data());

  std::vector<double> xd(x.begin(), x.end());
  auto loss = [&](const std::vector<double>& in) {
    // The forward pass of `reference`, in double on a double input.
    double l = 0.0;
    for (int img = 0; img < t.n; ++img)
      for (int k = 0; k < t.k; ++k)
        for (int oh = 0; oh < oh_count; ++oh)
          for (int ow = 0; ow < ow_count; ++ow) {
            double y = 0.0;
            for (int c = 0; c < t.c; ++c)
              for (int i = 0; i < t.f; ++i)
                for (int j = 0; j < t.f; ++j)
                  y += static_cast<double>(w[static_cast<std::size_t>(((k * t.c + c) * t.f + i) * t.f + j)]) *
                       in[static_cast<std::size_t>(((img * t.c + c) * t.h + oh + i) * t.w + ow + j)];
            l += static_cast<double>(g[static_cast<std::size_t>(((img * t.k + k) * oh_count + oh) * ow_count + ow)]) * y;
          }
    return l;
  };
  const double h = 1e-3;
  double worst = 0.0, largest = 0.0;
  const std::size_t image = static_cast<std::size_t>(t.c * t.h * t.w);
  for (std::size_t at = image; at < 2 * image; ++at) {  // every input of the second image
    const double saved = xd[at];
    xd[at] = saved + h;
    const double up = loss(xd);
    xd[at] = saved - h;
    const double down = loss(xd);
    xd[at] = saved;
    const double numeric = (up - down) / (2 * h);
    largest = std::max(largest, std::abs(numeric));
    worst = std::max(worst, std::abs(static_cast<double>(dx[at]) - numeric) / (1.0 + std::abs(numeric)));
  }
  INFO("worst relative error " << worst << ", largest gradient " << largest);
  CHECK(largest > 0.5);  // far from zero: a sign or index error would show
  CHECK(worst < 1e-5);
}

TEST_CASE("filters-across-lanes convolution: which shapes the vector kernel takes", "[ch08][simd]") {
  const bool avx512 = simd_level() == SimdLevel::Avx512;
  CHECK(conv_filters_vectorised({6, 14, 14, 16, 5}) == avx512);
  CHECK(conv_filters_vectorised({6, 14, 14, 32, 3}) == avx512);
  CHECK_FALSE(conv_filters_vectorised({6, 14, 14, 8, 5}));   // not a multiple of 16 filters
  CHECK_FALSE(conv_filters_vectorised({6, 21, 21, 16, 5}));  // rows of 17
  CHECK_FALSE(conv_filters_vectorised({6, 14, 14, 16, 4}));  // 4x4 filters
}

TEST_CASE("filters-across-lanes convolution: a shape with no output is an error", "[ch08][simd]") {
  std::vector<float> x(64), wt(400), y(64);
  CHECK_THROWS_AS(conv_filters_forward(x.data(), 1, {1, 4, 4, 16, 5}, wt.data(), nullptr, y.data()), Error);
  CHECK_THROWS_WITH(conv_filters_pack(wt.data(), {0, 4, 4, 16, 3}, wt.data()), Catch::Contains("bad shape"));
}
