// winograd.cpp — the Winograd convolution driver (nn/winograd.hpp): the
// matrices, the staging of tiles in and out of the 16-channel layout, the
// GEMMs, and the scalar tile transform.
#include "nn/winograd.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "nn/error.hpp"
#include "nn/gemm.hpp"
#include "nn/threads.hpp"

namespace nn {

namespace {

constexpr int kAlpha = 6;
constexpr int kPoints = kAlpha * kAlpha;  // ξ = 0 … 35
constexpr int kLanes = 16;

std::int64_t round16(std::int64_t v) { return (v + kLanes - 1) / kLanes * kLanes; }

}  // namespace

WinogradMatrices winograd_matrices(int m, int r) {
  const int alpha = m + r - 1;
  if (m < 1 || r < 1 || alpha > 8)
    throw Error("winograd_matrices: F(" + std::to_string(m) + ", " + std::to_string(r) +
                ") needs m, r ≥ 1 and m + r − 1 ≤ 8");
  // Small points first: the larger they are, the larger the coefficients and the rounding.
  const std::array<double, 7> all{0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5};
  const int finite = alpha - 1;
  WinogradMatrices w;
  w.m = m;
  w.r = r;
  w.alpha = alpha;
  w.AT.assign(static_cast<std::size_t>(m * alpha), 0.0);
  w.G.assign(static_cast<std::size_t>(alpha * r), 0.0);
  w.BT.assign(static_cast<std::size_t>(alpha * alpha), 0.0);
  auto power = [](double a, int k) {
    double p = 1.0;
    for (int i = 0; i < k; ++i) p *= a;
    return p;
  };
  // Coefficients (lowest degree first) of Π_{j ∈ points, j ≠ skip} (x − a_j).
  auto product = [&](int skip) {
    std::vector<double> c{1.0};
    for (int j = 0; j < finite; ++j) {
      if (j == skip) continue;
      std::vector<double> next(c.size() + 1, 0.0);
      for (std::size_t d = 0; d < c.size(); ++d) {
        next[d + 1] += c[d];
        next[d] -= all[static_cast<std::size_t>(j)] * c[d];
      }
      c = next;
    }
    return c;
  };
  for (int i = 0; i < finite; ++i) {
    const double a = all[static_cast<std::size_t>(i)];
    double f = 1.0;  // f_i = Π_{j ≠ i} (a_i − a_j)
    for (int j = 0; j < finite; ++j)
      if (j != i) f *= a - all[static_cast<std::size_t>(j)];
    for (int k = 0; k < m; ++k) w.AT[static_cast<std::size_t>(k * alpha + i)] = power(a, k);
    for (int j = 0; j < r; ++j) w.G[static_cast<std::size_t>(i * r + j)] = power(a, j) / f;
    const std::vector<double> c = product(i);  // degree α − 2
    for (std::size_t l = 0; l < c.size(); ++l) w.BT[static_cast<std::size_t>(i * alpha) + l] = c[l];
  }
  // The point at infinity: the product of the leading coefficients.
  w.AT[static_cast<std::size_t>((m - 1) * alpha + finite)] = 1.0;
  w.G[static_cast<std::size_t>(finite * r + r - 1)] = 1.0;
  const std::vector<double> c = product(-1);  // degree α − 1
  for (std::size_t l = 0; l < c.size(); ++l) w.BT[static_cast<std::size_t>(finite * alpha) + l] = c[l];
  return w;
}

bool winograd_supported(const WinogradConv& c) {
  return (c.kernel == 3 || c.kernel == 5) && c.pad >= 0 && c.pad < c.kernel && c.channels > 0 && c.filters > 0 &&
         c.height > 0 && c.width > 0 && c.out_h() > 0 && c.out_w() > 0;
}

std::int64_t WinogradWorkspace::floats() const {
  return static_cast<std::int64_t>(filters.u.size() + turned.u.size() + source.size());
}

namespace kernels {

void winograd_transform_scalar(const float* L, int p, int q, const float* in, std::int64_t in_row,
                               std::int64_t in_col, float* out, std::int64_t out_row, std::int64_t out_col) {
  float tmp[kAlpha][kAlpha][kLanes];  // L · in, p × q
  for (int i = 0; i < p; ++i)
    for (int j = 0; j < q; ++j) {
      float* t = tmp[i][j];
      for (int l = 0; l < kLanes; ++l) t[l] = 0.0f;
      for (int a = 0; a < q; ++a) {
        const float c = L[i * q + a];
        const float* e = in + a * in_row + j * in_col;
        for (int l = 0; l < kLanes; ++l) t[l] += c * e[l];
      }
    }
  for (int i = 0; i < p; ++i)
    for (int j = 0; j < p; ++j) {
      float* o = out + i * out_row + j * out_col;
      float s[kLanes] = {};
      for (int b = 0; b < q; ++b) {
        const float c = L[j * q + b];
        for (int l = 0; l < kLanes; ++l) s[l] += tmp[i][b][l] * c;
      }
      std::memcpy(o, s, sizeof s);
    }
}

void winograd_interleave_scalar(const float* src, std::int64_t stride, int lanes, int count, float* dst) {
  for (int x = 0; x < count; ++x)
    for (int l = 0; l < kLanes; ++l) dst[x * kLanes + l] = l < lanes ? src[l * stride + x] : 0.0f;
}

void winograd_deinterleave_scalar(const float* src, int count, int lanes, const float* bias, bool accumulate,
                                  float* dst, std::int64_t stride) {
  for (int l = 0; l < lanes; ++l) {
    float* out = dst + l * stride;
    const float add = bias ? bias[l] : 0.0f;
    for (int x = 0; x < count; ++x) {
      const float v = src[x * kLanes + l] + add;
      out[x] = accumulate ? out[x] + v : v;
    }
  }
}

#if !defined(NN_HAVE_X86_KERNELS)
void winograd_transform_avx512(const float*, int, int, const float*, std::int64_t, std::int64_t, float*, std::int64_t,
                               std::int64_t) {
  throw Error("winograd_transform_avx512: this build has no AVX-512 kernels");
}
void winograd_interleave_avx512(const float*, std::int64_t, int, int, float*) {
  throw Error("winograd_interleave_avx512: this build has no AVX-512 kernels");
}
void winograd_deinterleave_avx512(const float*, int, int, const float*, bool, float*, std::int64_t) {
  throw Error("winograd_deinterleave_avx512: this build has no AVX-512 kernels");
}
#endif

}  // namespace kernels

namespace {

// The kernels of one SIMD level.
struct Kernels {
  void (*transform)(const float*, int, int, const float*, std::int64_t, std::int64_t, float*, std::int64_t,
                    std::int64_t);
  void (*interleave)(const float*, std::int64_t, int, int, float*);
  void (*deinterleave)(const float*, int, int, const float*, bool, float*, std::int64_t);
};

const Kernels& kernels_for(SimdLevel level) {
  static const Kernels avx512{kernels::winograd_transform_avx512, kernels::winograd_interleave_avx512,
                              kernels::winograd_deinterleave_avx512};
  static const Kernels scalar{kernels::winograd_transform_scalar, kernels::winograd_interleave_scalar,
                              kernels::winograd_deinterleave_scalar};
  return level == SimdLevel::Avx512 ? avx512 : scalar;
}

// The matrices of one algorithm in float, as the transforms read them.
struct Floats {
  std::vector<float> AT, G, BT;
};
Floats to_float(const WinogradMatrices& w) {
  auto f = [](const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); };
  return {f(w.AT), f(w.G), f(w.BT)};
}
const Floats& matrices(int m, int r) {
  // F(4,3), F(2,5) forward; F(3,4), F(5,2) for the weight gradient.
  static const Floats f43 = to_float(winograd_matrices(4, 3)), f25 = to_float(winograd_matrices(2, 5)),
                      f34 = to_float(winograd_matrices(3, 4)), f52 = to_float(winograd_matrices(5, 2));
  if (m == 4 && r == 3) return f43;
  if (m == 2 && r == 5) return f25;
  if (m == 3 && r == 4) return f34;
  if (m == 5 && r == 2) return f52;
  throw Error("winograd: no F(" + std::to_string(m) + ", " + std::to_string(r) + ") with α = 6");
}

void check(const WinogradConv& c, const char* who) {
  if (!winograd_supported(c))
    throw Error(std::string(who) + ": a " + std::to_string(c.kernel) + "×" + std::to_string(c.kernel) +
                " kernel with padding " + std::to_string(c.pad) + " on " + std::to_string(c.height) + "×" +
                std::to_string(c.width) + " is not a convolution the Winograd kernels take (3×3 or 5×5, pad < kernel)");
}

void grow(std::vector<float>& v, std::int64_t n) {
  if (static_cast<std::int64_t>(v.size()) < n) v.assign(static_cast<std::size_t>(n), 0.0f);
}

// The buffers a call needs only while it runs, one set per calling thread
// and shared by every convolution that thread runs (a network's layers run
// one after another): the transformed tiles V, the products M (or the
// transformed δ), the weight gradient in the transform domain, and a
// staging buffer for each thread of the library.
struct Scratch {
  std::vector<float> v, m, wt;
  std::vector<std::vector<float>> staging;
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// Runs body(i) for i in [0, n) over the library's threads, with a staging
// buffer of `floats` floats for each thread.
template <typename Body>
void for_each_block(std::int64_t n, std::int64_t floats, Body&& body) {
  Scratch& sc = scratch();
  const bool inside = in_parallel_region();
  const std::size_t threads = inside ? 1 : static_cast<std::size_t>(std::max(1, num_threads()));
  if (sc.staging.size() < threads) sc.staging.resize(threads);
  for (auto& s : sc.staging) grow(s, floats);
  if (inside) {
    for (std::int64_t i = 0; i < n; ++i) body(i, sc.staging[0].data());
    return;
  }
  parallel_for(n, 1, [&](std::int64_t i0, std::int64_t i1) {
    float* s = sc.staging[static_cast<std::size_t>(thread_index())].data();
    for (std::int64_t i = i0; i < i1; ++i) body(i, s);
  });
}

// Runs body(ξ) for the 36 transform points, over the library's threads
// (one GEMM each, on the thread that takes it).
template <typename Body>
void for_each_point(Body&& body) {
  if (in_parallel_region()) {
    for (std::int64_t xi = 0; xi < kPoints; ++xi) body(xi);
    return;
  }
  parallel_for(kPoints, 1, [&](std::int64_t x0, std::int64_t x1) {
    for (std::int64_t xi = x0; xi < x1; ++xi) body(xi);
  });
}

// How many images go through the transforms and GEMMs at once: enough for
// ws.chunk_tiles tiles (at least one image, at most the batch).
std::int64_t chunk_images(const WinogradConv& c, std::int64_t n, const WinogradWorkspace& ws) {
  const std::int64_t per_image = static_cast<std::int64_t>(c.tiles_h()) * c.tiles_w();
  if (ws.chunk_tiles <= 0) return std::max<std::int64_t>(n, 1);
  return std::clamp<std::int64_t>((ws.chunk_tiles + per_image - 1) / per_image, 1, std::max<std::int64_t>(n, 1));
}

// U[ξ][c][f] = (G g Gᵀ)_ξ for every channel c and filter f (both padded to
// 16; the padding is zero), rows of filters so that the GEMM reads them in
// place. flip: the filters of the input gradient, f = c of w and c = k of
// w, the kernel turned by 180°.
void transform_filters(const float* w, const WinogradConv& c, bool flip, const float* G, WinogradWorkspace& ws,
                       const Kernels& k) {
  // A network runs its layers on several slices of a batch with the same
  // weights: transform them again only when they differ from those last
  // transformed (bit for bit; a changed set differs at once, so comparing
  // costs a full pass only when it saves the transform).
  const auto count = static_cast<std::size_t>(c.filters) * static_cast<std::size_t>(c.channels) *
                     static_cast<std::size_t>(c.kernel * c.kernel);
  if (ws.source.size() != count || std::memcmp(ws.source.data(), w, count * sizeof(float)) != 0) {
    ws.source.assign(w, w + count);
    ws.filters.current = ws.turned.current = false;
  }
  WinogradWorkspace::Filters& out = flip ? ws.turned : ws.filters;
  if (out.current) return;
  out.current = true;
  const int r = c.kernel;
  const std::int64_t F = flip ? c.channels : c.filters, C = flip ? c.filters : c.channels;
  const std::int64_t Fp = round16(F), Cp = round16(C), blocks = Fp / kLanes;
  grow(out.u, kPoints * Cp * Fp);
  float* u = out.u.data();
  for (int xi = 0; xi < kPoints; ++xi)
    std::fill(u + xi * Cp * Fp + C * Fp, u + (xi + 1) * Cp * Fp, 0.0f);
  for_each_block(C * blocks, r * r * kLanes, [&](std::int64_t job, float* g) {
    const std::int64_t ch = job / blocks, fb = job % blocks;
    for (int a = 0; a < r; ++a)
      for (int b = 0; b < r; ++b)
        for (int l = 0; l < kLanes; ++l) {
          const std::int64_t f = fb * kLanes + l;
          float value = 0.0f;
          if (f < F)
            value = flip ? w[((ch * c.channels + f) * r + (r - 1 - a)) * r + (r - 1 - b)]
                         : w[((f * c.channels + ch) * r + a) * r + b];
          g[(a * r + b) * kLanes + l] = value;
        }
    k.transform(G, kAlpha, r, g, r * kLanes, kLanes, u + ch * Fp + fb * kLanes, kAlpha * Cp * Fp, Cp * Fp);
  });
}

// V[ξ][t][c] = (Bᵀ d B)_ξ for every α×α input tile d (tile t of image i at
// rows ty·m − P …, columns tx·m − P …; zero outside x).
void transform_inputs(const float* x, std::int64_t n, const WinogradConv& c, int m, const float* BT,
                      const Kernels& k) {
  const int th = c.tiles_h(), tw = c.tiles_w();
  const std::int64_t Cp = round16(c.channels), blocks = Cp / kLanes, T = n * th * tw;
  const int Hp = th * m + kAlpha - m, Wp = tw * m + kAlpha - m;  // the rows and columns the tiles read
  grow(scratch().v, kPoints * T * Cp);
  float* v = scratch().v.data();
  const std::int64_t plane = static_cast<std::int64_t>(c.height) * c.width;
  for_each_block(n * blocks, static_cast<std::int64_t>(Hp) * Wp * kLanes, [&](std::int64_t job, float* d) {
    const std::int64_t i = job / blocks, cb = job % blocks;
    // The image's 16 channels, padded, as [row][column][lane]: the image
    // rows in the middle, zeros around them (only the border is cleared).
    const int lanes = static_cast<int>(std::min<std::int64_t>(kLanes, c.channels - cb * kLanes));
    const float* src = x + (i * c.channels + cb * kLanes) * plane;
    const int rows = std::min(c.height, Hp - c.pad), cols = std::min(c.width, Wp - c.pad);
    const std::int64_t row_floats = static_cast<std::int64_t>(Wp) * kLanes;
    std::fill(d, d + c.pad * row_floats, 0.0f);
    std::fill(d + (c.pad + rows) * row_floats, d + Hp * row_floats, 0.0f);
    for (int yy = 0; yy < rows; ++yy) {
      float* row = d + (yy + c.pad) * row_floats;
      std::fill(row, row + c.pad * kLanes, 0.0f);
      std::fill(row + (c.pad + cols) * kLanes, row + row_floats, 0.0f);
      k.interleave(src + static_cast<std::int64_t>(yy) * c.width, plane, lanes, cols, row + c.pad * kLanes);
    }
    for (int ty = 0; ty < th; ++ty)
      for (int tx = 0; tx < tw; ++tx) {
        const std::int64_t t = (i * th + ty) * tw + tx;
        k.transform(BT, kAlpha, kAlpha, d + (static_cast<std::int64_t>(ty * m) * Wp + tx * m) * kLanes, Wp * kLanes,
                  kLanes, v + t * Cp + cb * kLanes, kAlpha * T * Cp, T * Cp);
      }
  });
}

// M_ξ (T × F₁₆) = V_ξ (T × C₁₆) · U_ξ, then Y = Aᵀ M A per tile into y (n, F, O_h, O_w).
void multiply_and_untransform(std::int64_t n, const WinogradConv& c, const float* u, const float* b, float* y,
                              bool accumulate, const Kernels& k) {
  const int m = c.tile(), th = c.tiles_h(), tw = c.tiles_w(), oh = c.out_h(), ow = c.out_w();
  const std::int64_t F = c.filters, C = c.channels;
  const std::int64_t Fp = round16(F), Cp = round16(C), T = n * th * tw, blocks = Fp / kLanes;
  grow(scratch().m, kPoints * T * Fp);
  const float* v = scratch().v.data();
  float* mm = scratch().m.data();
  auto product = [&](std::int64_t xi) {
    gemm(Trans::No, Trans::No, static_cast<int>(T), static_cast<int>(Fp), static_cast<int>(Cp), 1.0f,
         v + xi * T * Cp, static_cast<int>(Cp), u + xi * Cp * Fp, static_cast<int>(Fp), 0.0f, mm + xi * T * Fp,
         static_cast<int>(Fp));
  };
  for_each_point(product);
  const float* AT = matrices(m, c.kernel).AT.data();
  const int Hs = th * m, Ws = tw * m;
  const std::int64_t plane = static_cast<std::int64_t>(oh) * ow;
  for_each_block(n * blocks, static_cast<std::int64_t>(Hs) * Ws * kLanes, [&](std::int64_t job, float* s) {
    const std::int64_t i = job / blocks, fb = job % blocks;
    for (int ty = 0; ty < th; ++ty)
      for (int tx = 0; tx < tw; ++tx) {
        const std::int64_t t = (i * th + ty) * tw + tx;
        k.transform(AT, m, kAlpha, mm + t * Fp + fb * kLanes, kAlpha * T * Fp, T * Fp,
                    s + (static_cast<std::int64_t>(ty * m) * Ws + tx * m) * kLanes, Ws * kLanes, kLanes);
      }
    const int lanes = static_cast<int>(std::min<std::int64_t>(kLanes, F - fb * kLanes));
    float* dst = y + (i * F + fb * kLanes) * plane;
    for (int yy = 0; yy < oh; ++yy)
      k.deinterleave(s + static_cast<std::int64_t>(yy) * Ws * kLanes, ow, lanes, b ? b + fb * kLanes : nullptr,
                     accumulate, dst + static_cast<std::int64_t>(yy) * ow, plane);
  });
}

}  // namespace

void winograd_forward(const float* x, std::int64_t n, const WinogradConv& c, const float* w, const float* b, float* y,
                      bool accumulate, WinogradWorkspace& ws, SimdLevel level) {
  check(c, "winograd_forward");
  const Kernels& k = kernels_for(level);
  const int m = c.tile();
  const Floats& f = matrices(m, c.kernel);
  transform_filters(w, c, false, f.G.data(), ws, k);
  const std::int64_t in = static_cast<std::int64_t>(c.channels) * c.height * c.width,
                     out = static_cast<std::int64_t>(c.filters) * c.out_h() * c.out_w(), step = chunk_images(c, n, ws);
  for (std::int64_t i = 0; i < n; i += step) {
    const std::int64_t images = std::min(step, n - i);
    transform_inputs(x + i * in, images, c, m, f.BT.data(), k);
    multiply_and_untransform(images, c, ws.filters.u.data(), b, y + i * out, accumulate, k);
  }
}

void winograd_backward_data(const float* dy, std::int64_t n, const WinogradConv& c, const float* w, float* dx,
                            WinogradWorkspace& ws, SimdLevel level) {
  check(c, "winograd_backward_data");
  // δ (n, K, O_h, O_w) padded by r − 1 − P, correlated with the turned
  // filters, gives an H × W output: the forward algorithm on that geometry.
  const WinogradConv back{c.filters, c.out_h(), c.out_w(), c.channels, c.kernel, c.kernel - 1 - c.pad};
  const Kernels& k = kernels_for(level);
  const int m = back.tile();
  const Floats& f = matrices(m, back.kernel);
  transform_filters(w, c, true, f.G.data(), ws, k);
  const std::int64_t in = static_cast<std::int64_t>(back.channels) * back.height * back.width,
                     out = static_cast<std::int64_t>(back.filters) * back.out_h() * back.out_w(),
                     step = chunk_images(back, n, ws);
  for (std::int64_t i = 0; i < n; i += step) {
    const std::int64_t images = std::min(step, n - i);
    transform_inputs(dy + i * in, images, back, m, f.BT.data(), k);
    multiply_and_untransform(images, back, ws.turned.u.data(), nullptr, dx + i * out, true, k);
  }
}

void winograd_backward_filter(const float* x, const float* dy, std::int64_t n, const WinogradConv& c, float* dw,
                              WinogradWorkspace& ws, SimdLevel level) {
  check(c, "winograd_backward_filter");
  const Kernels& k = kernels_for(level);
  const int m = c.tile(), r = c.kernel, th = c.tiles_h(), tw = c.tiles_w(), oh = c.out_h(), ow = c.out_w();
  // w_grad tile = correlation of the α×α input tile with the m×m δ tile: F(r, m).
  const Floats& f = matrices(r, m);
  const std::int64_t K = c.filters, Kp = round16(K), Cp = round16(c.channels);
  const std::int64_t kblocks = Kp / kLanes, cblocks = Cp / kLanes;
  const int Hs = th * m, Ws = tw * m;
  const std::int64_t plane = static_cast<std::int64_t>(oh) * ow,
                     in = static_cast<std::int64_t>(c.channels) * c.height * c.width, step = chunk_images(c, n, ws);
  grow(scratch().wt, kPoints * Kp * Cp);
  float* wt = scratch().wt.data();
  for (std::int64_t i0 = 0; i0 < n; i0 += step) {
    const std::int64_t images = std::min(step, n - i0), T = images * th * tw;
    transform_inputs(x + i0 * in, images, c, m, f.BT.data(), k);  // V = B'ᵀ d B'
    // Δ[ξ][t][k] = (G' δ G'ᵀ)_ξ, δ zero beyond the output.
    grow(scratch().m, kPoints * T * Kp);
    float* delta = scratch().m.data();
    const float* d0 = dy + i0 * K * plane;
    for_each_block(images * kblocks, static_cast<std::int64_t>(Hs) * Ws * kLanes, [&](std::int64_t job, float* s) {
      const std::int64_t i = job / kblocks, kb = job % kblocks;
      std::fill(s, s + static_cast<std::int64_t>(Hs) * Ws * kLanes, 0.0f);
      const int lanes = static_cast<int>(std::min<std::int64_t>(kLanes, K - kb * kLanes));
      const float* src = d0 + (i * K + kb * kLanes) * plane;
      for (int yy = 0; yy < oh; ++yy)
        k.interleave(src + static_cast<std::int64_t>(yy) * ow, plane, lanes, ow,
                     s + static_cast<std::int64_t>(yy) * Ws * kLanes);
      for (int ty = 0; ty < th; ++ty)
        for (int tx = 0; tx < tw; ++tx) {
          const std::int64_t t = (i * th + ty) * tw + tx;
          k.transform(f.G.data(), kAlpha, m, s + (static_cast<std::int64_t>(ty * m) * Ws + tx * m) * kLanes,
                    Ws * kLanes, kLanes, delta + t * Kp + kb * kLanes, kAlpha * T * Kp, T * Kp);
        }
    });
    // W_ξ (K₁₆ × C₁₆) += Δ_ξᵀ · V_ξ: the sum over every tile of the batch.
    const float* v = scratch().v.data();
    const float beta = i0 == 0 ? 0.0f : 1.0f;
    for_each_point([&](std::int64_t xi) {
      gemm(Trans::Yes, Trans::No, static_cast<int>(Kp), static_cast<int>(Cp), static_cast<int>(T), 1.0f,
           delta + xi * T * Kp, static_cast<int>(Kp), v + xi * T * Cp, static_cast<int>(Cp), beta, wt + xi * Kp * Cp,
           static_cast<int>(Cp));
    });
  }
  // dw[k, c] += A'ᵀ W A' (r × r), 16 channels at a time.
  for_each_block(K * cblocks, static_cast<std::int64_t>(r) * r * kLanes, [&](std::int64_t job, float* s) {
    const std::int64_t filter = job / cblocks, cb = job % cblocks;
    k.transform(f.AT.data(), r, kAlpha, wt + filter * Cp + cb * kLanes, kAlpha * Kp * Cp, Kp * Cp, s, r * kLanes, kLanes);
    for (int l = 0; l < kLanes && cb * kLanes + l < c.channels; ++l) {
      float* out = dw + (filter * c.channels + cb * kLanes + l) * r * r;
      for (int e = 0; e < r * r; ++e) out[e] += s[e * kLanes + l];
    }
  });
}

}  // namespace nn
