// The Winograd convolution (nn/winograd.hpp): the matrices compute the
// correlation they claim, the AVX-512 tile transform matches the scalar one,
// and the forward pass and both gradients match direct sums in double on
// awkward channel counts, odd sizes and every padding, on 1 and 2 threads.
//
// The bound: the transforms multiply by coefficients up to 16 (the powers
// 2ᵏ of the point 2) and divide by up to 24, so a float result carries more
// rounding than a direct sum: measured 1–4e-6 of the largest |value| of the
// reference for the forward pass and ∂L/∂x, and up to 1.1e-5 for the weight
// gradient of a 5×5 layer (F(5, 2), whose Aᵀ holds 2⁴). The bound, 3e-5 of
// that largest value, is printed with the error on failure; a wrong index,
// sign or tap gives errors of order 1.
#include <cmath>
#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

#include "nn/error.hpp"
#include "nn/rng.hpp"
#include "nn/threads.hpp"
#include "nn/winograd.hpp"
#include "test_util.hpp"

using namespace nn;

namespace {

constexpr double kBound = 3e-5;

std::vector<float> random_floats(std::size_t n, Rng& rng) {
  std::vector<float> v(n);
  for (auto& e : v) e = static_cast<float>(rng.uniform(-1.0, 1.0));
  return v;
}

// y[i,k,oy,ox] = b[k] + Σ_{c,u,v} w[k,c,u,v]·x[i,c,oy+u−P,ox+v−P], in double.
std::vector<double> direct_forward(const std::vector<float>& x, std::int64_t n, const WinogradConv& c,
                                   const std::vector<float>& w, const std::vector<float>& b) {
  const int r = c.kernel, oh = c.out_h(), ow = c.out_w();
  std::vector<double> y(static_cast<std::size_t>(n * c.filters * oh * ow));
  for (std::int64_t i = 0; i < n; ++i)
    for (int k = 0; k < c.filters; ++k)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox) {
          double s = b.empty() ? 0.0 : static_cast<double>(b[static_cast<std::size_t>(k)]);
          for (int ch = 0; ch < c.channels; ++ch)
            for (int u = 0; u < r; ++u)
              for (int v = 0; v < r; ++v) {
                const int yy = oy + u - c.pad, xx = ox + v - c.pad;
                if (yy < 0 || yy >= c.height || xx < 0 || xx >= c.width) continue;
                s += static_cast<double>(w[static_cast<std::size_t>(((k * c.channels + ch) * r + u) * r + v)]) *
                     static_cast<double>(x[static_cast<std::size_t>(((i * c.channels + ch) * c.height + yy) * c.width + xx)]);
              }
          y[static_cast<std::size_t>(((i * c.filters + k) * oh + oy) * ow + ox)] = s;
        }
  return y;
}

// ∂L/∂x and ∂L/∂w of L = Σ dy ⊙ y, by the chain rule on the same sums.
void direct_backward(const std::vector<float>& x, const std::vector<float>& dy, std::int64_t n, const WinogradConv& c,
                     const std::vector<float>& w, std::vector<double>& dx, std::vector<double>& dw) {
  const int r = c.kernel, oh = c.out_h(), ow = c.out_w();
  dx.assign(x.size(), 0.0);
  dw.assign(w.size(), 0.0);
  for (std::int64_t i = 0; i < n; ++i)
    for (int k = 0; k < c.filters; ++k)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox) {
          const auto d = static_cast<double>(dy[static_cast<std::size_t>(((i * c.filters + k) * oh + oy) * ow + ox)]);
          for (int ch = 0; ch < c.channels; ++ch)
            for (int u = 0; u < r; ++u)
              for (int v = 0; v < r; ++v) {
                const int yy = oy + u - c.pad, xx = ox + v - c.pad;
                if (yy < 0 || yy >= c.height || xx < 0 || xx >= c.width) continue;
                const auto xi = static_cast<std::size_t>(((i * c.channels + ch) * c.height + yy) * c.width + xx);
                const auto wi = static_cast<std::size_t>(((k * c.channels + ch) * r + u) * r + v);
                dx[xi] += d * static_cast<double>(w[wi]);
                dw[wi] += d * static_cast<double>(x[xi]);
              }
        }
}

// max |got − want| / max |want|, after requiring the reference to be non-zero.
double relative_error(const std::vector<float>& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  double scale = 0.0, err = 0.0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    scale = std::max(scale, std::abs(want[i]));
    err = std::max(err, std::abs(static_cast<double>(got[i]) - want[i]));
  }
  REQUIRE(scale > 0.0);
  return err / scale;
}

std::vector<SimdLevel> levels() {
  std::vector<SimdLevel> l{SimdLevel::Scalar};
  if (test::cpu_has(SimdLevel::Avx512)) l.push_back(SimdLevel::Avx512);
  return l;
}

// Each level, with the whole batch at once (0) and image by image (1 tile:
// one image a chunk, so the weight gradient is summed across chunks).
std::vector<std::pair<SimdLevel, std::int64_t>> runs() {
  std::vector<std::pair<SimdLevel, std::int64_t>> r;
  for (SimdLevel level : levels())
    for (std::int64_t chunk : {0, 1}) r.emplace_back(level, chunk);
  return r;
}

const WinogradConv kCases[] = {
    // channels, height, width, filters, kernel, pad
    {17, 13, 11, 20, 3, 1},  // channels and filters past a multiple of 16, odd sizes
    {5, 9, 10, 3, 5, 2},     // fewer than 16 of each, 5×5 "same"
    {16, 8, 8, 32, 3, 0},    // no padding, whole tiles
    {3, 7, 12, 18, 3, 2},    // padding 2 on a 3×3 kernel
    {20, 6, 7, 9, 5, 0},     // 5×5 without padding: 2×3 outputs
    {33, 13, 13, 17, 5, 4},  // the largest padding a 5×5 takes
};

}  // namespace

TEST_CASE("Winograd matrices F(m, r) compute the correlation of m outputs with r taps", "[common][winograd]") {
  Rng rng(7);
  for (auto [m, r] : {std::pair{2, 3}, {4, 3}, {2, 5}, {3, 4}, {5, 2}, {3, 3}, {6, 3}, {1, 1}}) {
    const WinogradMatrices w = winograd_matrices(m, r);
    const int a = w.alpha;
    REQUIRE(a == m + r - 1);
    std::vector<double> d(static_cast<std::size_t>(a)), g(static_cast<std::size_t>(r));
    for (auto& e : d) e = rng.uniform(-1.0, 1.0);
    for (auto& e : g) e = rng.uniform(-1.0, 1.0);
    std::vector<double> prod(static_cast<std::size_t>(a));
    for (int i = 0; i < a; ++i) {
      double gg = 0.0, dd = 0.0;
      for (int j = 0; j < r; ++j) gg += w.G[static_cast<std::size_t>(i * r + j)] * g[static_cast<std::size_t>(j)];
      for (int j = 0; j < a; ++j) dd += w.BT[static_cast<std::size_t>(i * a + j)] * d[static_cast<std::size_t>(j)];
      prod[static_cast<std::size_t>(i)] = gg * dd;
    }
    for (int k = 0; k < m; ++k) {
      double y = 0.0, want = 0.0;
      for (int i = 0; i < a; ++i) y += w.AT[static_cast<std::size_t>(k * a + i)] * prod[static_cast<std::size_t>(i)];
      for (int j = 0; j < r; ++j) want += d[static_cast<std::size_t>(k + j)] * g[static_cast<std::size_t>(j)];
      INFO("F(" << m << ", " << r << ") output " << k);
      CHECK(std::abs(y - want) <= 1e-12);
    }
  }
  CHECK_THROWS_AS(winograd_matrices(5, 5), Error);  // α = 9: more points than the table has
}

TEST_CASE("the scalar interleave puts lane l of column x at x·16 + l, and deinterleave undoes it",
          "[common][winograd]") {
  // Three planes of five columns, stride 7 between planes: 100·l + x.
  std::vector<float> src(3 * 7, -1.0f);
  for (int l = 0; l < 3; ++l)
    for (int x = 0; x < 5; ++x) src[static_cast<std::size_t>(l * 7 + x)] = static_cast<float>(100 * l + x);
  std::vector<float> mid(5 * 16, 99.0f);
  kernels::winograd_interleave_scalar(src.data(), 7, 3, 5, mid.data());
  CHECK(mid[2 * 16 + 1] == 102.0f);
  CHECK(mid[4 * 16 + 2] == 204.0f);
  CHECK(mid[0] == 0.0f);
  CHECK(mid[3 * 16 + 3] == 0.0f);  // lanes past the third are zero
  CHECK(mid[4 * 16 + 15] == 0.0f);
  std::vector<float> back(3 * 7, -1.0f);
  const float bias[3] = {0.5f, 1.5f, 2.5f};
  kernels::winograd_deinterleave_scalar(mid.data(), 5, 3, bias, false, back.data(), 7);
  CHECK(back[1 * 7 + 4] == 105.5f);
  CHECK(back[2 * 7 + 0] == 202.5f);
  CHECK(back[0 * 7 + 5] == -1.0f);  // beyond the count: untouched
  kernels::winograd_deinterleave_scalar(mid.data(), 5, 3, nullptr, true, back.data(), 7);
  CHECK(back[1 * 7 + 4] == 209.5f);
}

TEST_CASE("the AVX-512 interleave and deinterleave match the scalar ones for every lane count and ragged widths",
          "[common][winograd][simd]") {
  if (!test::cpu_has(SimdLevel::Avx512)) {
    WARN("no AVX-512 on this CPU: the kernels are not run");
    return;
  }
  Rng rng(12);
  for (int lanes : {1, 5, 15, 16})
    for (int count : {1, 7, 16, 17, 28, 33}) {
      const std::int64_t stride = count + 3;
      const std::vector<float> src = random_floats(static_cast<std::size_t>(16 * stride), rng);
      std::vector<float> a(static_cast<std::size_t>(count * 16 + 16), 7.0f), b = a;
      kernels::winograd_interleave_scalar(src.data(), stride, lanes, count, a.data());
      kernels::winograd_interleave_avx512(src.data(), stride, lanes, count, b.data());
      INFO("interleave, " << lanes << " lanes, " << count << " columns");
      CHECK(a == b);
      const std::vector<float> bias = random_floats(16, rng);
      for (bool accumulate : {false, true}) {
        std::vector<float> c = random_floats(static_cast<std::size_t>(16 * stride), rng), d = c;
        kernels::winograd_deinterleave_scalar(a.data(), count, lanes, bias.data(), accumulate, c.data(), stride);
        kernels::winograd_deinterleave_avx512(a.data(), count, lanes, bias.data(), accumulate, d.data(), stride);
        INFO("deinterleave, accumulate " << accumulate);
        CHECK(c == d);
      }
    }
}

TEST_CASE("the AVX-512 Winograd tile transform matches the scalar one on every shape the convolutions use",
          "[common][winograd][simd]") {
  if (!test::cpu_has(SimdLevel::Avx512)) {
    WARN("no AVX-512 on this CPU: the kernel is not run");
    return;
  }
  Rng rng(11);
  for (auto [p, q] : {std::pair{6, 6}, {6, 3}, {6, 5}, {4, 6}, {2, 6}, {6, 4}, {6, 2}, {3, 6}, {5, 6}, {3, 3}}) {
    const std::vector<float> L = random_floats(static_cast<std::size_t>(p * q), rng);
    // The input as a q×q grid with gaps between elements and rows.
    const std::int64_t in_col = 20, in_row = 7 * in_col + 3, out_col = 16, out_row = 6 * 16;
    const std::vector<float> in = random_floats(static_cast<std::size_t>(q * in_row + 16), rng);
    std::vector<float> a(static_cast<std::size_t>(6 * out_row), 0.0f), b = a;
    kernels::winograd_transform_scalar(L.data(), p, q, in.data(), in_row, in_col, a.data(), out_row, out_col);
    kernels::winograd_transform_avx512(L.data(), p, q, in.data(), in_row, in_col, b.data(), out_row, out_col);
    double worst = 0.0, scale = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      worst = std::max(worst, static_cast<double>(std::abs(a[i] - b[i])));
      scale = std::max(scale, static_cast<double>(std::abs(a[i])));
    }
    INFO(p << "×" << q << ": " << worst / scale);
    REQUIRE(scale > 0.0);
    CHECK(worst <= 1e-6 * scale);
  }
}

TEST_CASE("Winograd forward matches the direct sum (3×3 and 5×5, every padding, awkward channel counts)",
          "[common][winograd]") {
  Rng rng(3);
  for (const WinogradConv& c : kCases) {
    REQUIRE(winograd_supported(c));
    const std::int64_t n = 2;
    const auto x = random_floats(static_cast<std::size_t>(n * c.channels * c.height * c.width), rng);
    const auto w = random_floats(static_cast<std::size_t>(c.filters * c.channels * c.kernel * c.kernel), rng);
    const auto b = random_floats(static_cast<std::size_t>(c.filters), rng);
    const std::vector<double> want = direct_forward(x, n, c, w, b);
    for (auto [level, chunk] : runs()) {
      WinogradWorkspace ws;
      ws.chunk_tiles = chunk;
      std::vector<float> y(want.size(), std::nanf(""));  // overwritten, never read
      winograd_forward(x.data(), n, c, w.data(), b.data(), y.data(), false, ws, level);
      INFO(c.channels << "→" << c.filters << " " << c.kernel << "×" << c.kernel << " pad " << c.pad << " on "
                      << c.height << "×" << c.width << ", " << to_string(level) << ", chunks of " << chunk
                      << " tiles");
      const double err = relative_error(y, want);
      INFO("relative error " << err);
      CHECK(err <= kBound);
      // accumulate: adds the same result again
      winograd_forward(x.data(), n, c, w.data(), b.data(), y.data(), true, ws, level);
      std::vector<double> twice(want);
      for (auto& e : twice) e *= 2.0;
      CHECK(relative_error(y, twice) <= kBound);
    }
  }
}

TEST_CASE("Winograd input and weight gradients match the direct sums and add to what is there",
          "[common][winograd]") {
  Rng rng(5);
  for (const WinogradConv& c : kCases) {
    const std::int64_t n = 3;
    const auto x = random_floats(static_cast<std::size_t>(n * c.channels * c.height * c.width), rng);
    const auto w = random_floats(static_cast<std::size_t>(c.filters * c.channels * c.kernel * c.kernel), rng);
    const auto dy = random_floats(static_cast<std::size_t>(n * c.filters * c.out_h() * c.out_w()), rng);
    std::vector<double> want_dx, want_dw;
    direct_backward(x, dy, n, c, w, want_dx, want_dw);
    const auto dx0 = random_floats(x.size(), rng), dw0 = random_floats(w.size(), rng);  // what is there already
    for (std::size_t i = 0; i < dx0.size(); ++i) want_dx[i] += static_cast<double>(dx0[i]);
    for (std::size_t i = 0; i < dw0.size(); ++i) want_dw[i] += static_cast<double>(dw0[i]);
    for (auto [level, chunk] : runs()) {
      WinogradWorkspace ws;
      ws.chunk_tiles = chunk;
      std::vector<float> dx = dx0, dw = dw0;
      winograd_backward_data(dy.data(), n, c, w.data(), dx.data(), ws, level);
      winograd_backward_filter(x.data(), dy.data(), n, c, dw.data(), ws, level);
      INFO(c.channels << "→" << c.filters << " " << c.kernel << "×" << c.kernel << " pad " << c.pad << " on "
                      << c.height << "×" << c.width << ", " << to_string(level) << ", chunks of " << chunk
                      << " tiles");
      const double ex = relative_error(dx, want_dx), ew = relative_error(dw, want_dw);
      INFO("dx relative error " << ex << ", dw " << ew);
      CHECK(ex <= kBound);
      CHECK(ew <= kBound);
    }
  }
}

TEST_CASE("Winograd results do not depend on the thread count", "[common][winograd][threads]") {
  test::RestoreThreads restore;
  Rng rng(9);
  const WinogradConv c{40, 13, 13, 24, 3, 1};
  const std::int64_t n = 4;
  const auto x = random_floats(static_cast<std::size_t>(n * c.channels * c.height * c.width), rng);
  const auto w = random_floats(static_cast<std::size_t>(c.filters * c.channels * 9), rng);
  const auto dy = random_floats(static_cast<std::size_t>(n * c.filters * c.out_h() * c.out_w()), rng);
  std::vector<std::vector<float>> results;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    WinogradWorkspace ws;
    std::vector<float> y(dy.size()), dx(x.size(), 0.0f), dw(w.size(), 0.0f);
    winograd_forward(x.data(), n, c, w.data(), nullptr, y.data(), false, ws);
    winograd_backward_data(dy.data(), n, c, w.data(), dx.data(), ws);
    winograd_backward_filter(x.data(), dy.data(), n, c, dw.data(), ws);
    y.insert(y.end(), dx.begin(), dx.end());
    y.insert(y.end(), dw.begin(), dw.end());
    results.push_back(y);
  }
  CHECK(results[0] == results[1]);
  CHECK(results[0] == results[2]);
}

TEST_CASE("Winograd refuses a geometry it does not take", "[common][winograd]") {
  WinogradWorkspace ws;
  std::vector<float> buf(4096, 0.0f);
  const WinogradConv seven{4, 9, 9, 4, 7, 3}, wide_pad{4, 9, 9, 4, 3, 3};
  CHECK_FALSE(winograd_supported(seven));
  CHECK_FALSE(winograd_supported(wide_pad));
  CHECK_THROWS_WITH(winograd_forward(buf.data(), 1, seven, buf.data(), nullptr, buf.data(), false, ws),
                    Catch::Contains("7×7 kernel"));
}

TEST_CASE("Winograd transforms the filters again when the weights change in place", "[common][winograd]") {
  // The workspace keeps the transformed filters for the next call with the
  // same weights (the slices of a batch); an optimiser step between calls
  // changes the weights behind the same pointer.
  Rng rng(13);
  const WinogradConv c{18, 9, 9, 20, 3, 1};
  const std::int64_t n = 2;
  const auto x = random_floats(static_cast<std::size_t>(n * c.channels * c.height * c.width), rng);
  auto w = random_floats(static_cast<std::size_t>(c.filters * c.channels * 9), rng);
  const auto dy = random_floats(static_cast<std::size_t>(n * c.filters * c.out_h() * c.out_w()), rng);
  WinogradWorkspace ws;
  std::vector<float> y(dy.size()), dx(x.size(), 0.0f);
  winograd_forward(x.data(), n, c, w.data(), nullptr, y.data(), false, ws);
  winograd_backward_data(dy.data(), n, c, w.data(), dx.data(), ws);
  w[w.size() / 2] += 1.0f;  // one weight, late in the array
  winograd_forward(x.data(), n, c, w.data(), nullptr, y.data(), false, ws);
  std::fill(dx.begin(), dx.end(), 0.0f);
  winograd_backward_data(dy.data(), n, c, w.data(), dx.data(), ws);
  std::vector<double> want_dx, want_dw;
  direct_backward(x, dy, n, c, w, want_dx, want_dw);
  CHECK(relative_error(y, direct_forward(x, n, c, w, {})) <= kBound);
  CHECK(relative_error(dx, want_dx) <= kBound);
}
