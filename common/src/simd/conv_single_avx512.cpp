// AVX-512 single-channel direct convolution (nn/conv_single.hpp). Compiled
// with the AVX-512 flags (this file only).
//
// Each image is first copied into a zero-bordered buffer, 64 floats a row,
// so that every shifted input row can be loaded as two plain 16-lane
// vectors (lanes past the output row read zeros or neighbours and are never
// stored). Forward: for one output row, the K filters' two accumulators
// each (K ≤ 8: at most 16 registers) start at the bias; every tap (i, j)
// loads its two shifted input vectors once and adds w[k,i,j]·input into all
// K. Backward: for up to three filters and one filter row i, F accumulators
// per filter collect dy·(input shifted by j) over the output rows and are
// summed horizontally at the end. Shapes outside these limits run the scalar
// loops.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC bug 105593, as in exp_avx512.cpp
#pragma GCC diagnostic ignored "-Wuninitialized"        // the same bug, in _mm512_reduce_add_ps
#endif
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "nn/conv_single.hpp"

namespace nn::kernels {

namespace {

constexpr int kRow = 64;  // floats per row of the padded copy

bool fits(const SingleChannelConv& s) {
  static_assert(kRow - 16 == 48, "SingleChannelConv::fits_vector_kernel assumes rows of 64 floats");
  return s.fits_vector_kernel();
}

// The image zero-padded into buf: rows of kRow floats, P rows and columns of
// zeros around it (and zeros to the right, which lanes past the row read).
const float* padded(const float* x, const SingleChannelConv& s, std::vector<float>& buf) {
  const int rows = s.height + 2 * s.pad;
  buf.assign(static_cast<std::size_t>(rows) * kRow, 0.0f);
  for (int r = 0; r < s.height; ++r)
    std::copy(x + r * s.width, x + (r + 1) * s.width, buf.data() + (r + s.pad) * kRow + s.pad);
  return buf.data();
}

inline __mmask16 lanes(int k) { return static_cast<__mmask16>(k >= 16 ? 0xFFFF : (1u << (k < 0 ? 0 : k)) - 1u); }

template <int K>
void forward_image(const float* xp, const SingleChannelConv& s, const float* w, const float* b, float* y) {
  const int oh_count = s.out_h(), ow_count = s.out_w(), f = s.kernel;
  const __mmask16 m0 = lanes(ow_count), m1 = lanes(ow_count - 16);
  for (int oh = 0; oh < oh_count; ++oh) {
    __m512 acc0[K], acc1[K];
    for (int k = 0; k < K; ++k) acc0[k] = acc1[k] = _mm512_set1_ps(b ? b[k] : 0.0f);
    for (int i = 0; i < f; ++i) {
      const float* row = xp + (oh + i) * kRow;
      for (int j = 0; j < f; ++j) {
        const __m512 v0 = _mm512_loadu_ps(row + j), v1 = _mm512_loadu_ps(row + j + 16);
        for (int k = 0; k < K; ++k) {
          const __m512 wk = _mm512_set1_ps(w[(k * f + i) * f + j]);
          acc0[k] = _mm512_fmadd_ps(wk, v0, acc0[k]);
          acc1[k] = _mm512_fmadd_ps(wk, v1, acc1[k]);
        }
      }
    }
    for (int k = 0; k < K; ++k) {
      float* out = y + (k * oh_count + oh) * ow_count;
      _mm512_mask_storeu_ps(out, m0, acc0[k]);
      if (m1) _mm512_mask_storeu_ps(out + 16, m1, acc1[k]);
    }
  }
}

// Filters k0 … k0 + KB − 1, filter row i, over all n images (padded copies
// in xps): KB·F accumulators, each collecting dy_k · (input row shifted by
// j) over the H 16-lane halves of every output row of every image, summed
// horizontally once at the end. Every loop bound is a template argument so
// that the accumulators stay in registers.
template <int F, int KB, int H>
void backward_block(const std::vector<const float*>& xps, const float* dy, const SingleChannelConv& s, int k0, int i,
                    float* d_w) {
  const int oh_count = s.out_h(), ow_count = s.out_w(), plane = oh_count * ow_count;
  const __mmask16 m0 = lanes(ow_count), m1 = lanes(ow_count - 16);
  __m512 acc[KB * F];
#pragma GCC unroll 16
  for (int a = 0; a < KB * F; ++a) acc[a] = _mm512_setzero_ps();
  for (std::size_t img = 0; img < xps.size(); ++img) {
    const float* delta = dy + static_cast<std::int64_t>(img) * s.filters * plane + k0 * plane;
    const float* rows = xps[img] + i * kRow;
    for (int oh = 0; oh < oh_count; ++oh, rows += kRow, delta += ow_count) {
#pragma GCC unroll 2
      for (int h = 0; h < H; ++h) {
        __m512 xv[F];
#pragma GCC unroll 8
        for (int j = 0; j < F; ++j) {
          xv[j] = _mm512_loadu_ps(rows + j + 16 * h);
          // Keep it in a register: GCC would otherwise fold the load into
          // each of the KB FMAs that use it, and these unaligned loads
          // (most split across two cache lines) then set the pace.
          __asm__("" : "+v"(xv[j]));
        }
#pragma GCC unroll 4
        for (int kk = 0; kk < KB; ++kk) {
          // Lanes past the output row are zero here, so the input they meet adds nothing.
          const __m512 d = _mm512_maskz_loadu_ps(h == 0 ? m0 : m1, delta + kk * plane + 16 * h);
#pragma GCC unroll 8
          for (int j = 0; j < F; ++j) acc[kk * F + j] = _mm512_fmadd_ps(d, xv[j], acc[kk * F + j]);
        }
      }
    }
  }
  // Unrolled like the loops above: an accumulator indexed at run time would
  // have to live in memory, and the hot loop would store it on every update.
#pragma GCC unroll 4
  for (int kk = 0; kk < KB; ++kk)
#pragma GCC unroll 8
    for (int j = 0; j < F; ++j) d_w[((k0 + kk) * F + i) * F + j] += _mm512_reduce_add_ps(acc[kk * F + j]);
}

template <int F, int H>
void backward_filters(const std::vector<const float*>& xps, const float* dy, const SingleChannelConv& s, float* d_w) {
  // Three filters at a time (3·F accumulators, F input vectors and one
  // delta: 21 of the 32 registers for F = 5), so each shifted input vector
  // is loaded once for 3·F FMAs; with two at a time (LeNet-5's c1 in three
  // blocks instead of two) the loads, not the FMAs, set the pace.
  for (int k0 = 0; k0 < s.filters; k0 += 3)
    for (int i = 0; i < F; ++i) {
      switch (s.filters - k0) {
        case 1: backward_block<F, 1, H>(xps, dy, s, k0, i, d_w); break;
        case 2: backward_block<F, 2, H>(xps, dy, s, k0, i, d_w); break;
        default: backward_block<F, 3, H>(xps, dy, s, k0, i, d_w); break;
      }
    }
}

template <int F>
void backward_all(const std::vector<const float*>& xps, const float* dy, const SingleChannelConv& s, float* d_w) {
  if (s.out_w() > 16)
    backward_filters<F, 2>(xps, dy, s, d_w);
  else
    backward_filters<F, 1>(xps, dy, s, d_w);
}

template <int K>
void forward_all(const float* x, std::int64_t n, const SingleChannelConv& s, const float* w, const float* b,
                 float* y) {
  thread_local std::vector<float> buf;
  const std::int64_t in = std::int64_t{s.height} * s.width, out = std::int64_t{K} * s.out_h() * s.out_w();
  for (std::int64_t img = 0; img < n; ++img) forward_image<K>(padded(x + img * in, s, buf), s, w, b, y + img * out);
}

}  // namespace

void conv_single_forward_avx512(const float* x, std::int64_t n, const SingleChannelConv& s, const float* w,
                                const float* b, float* y) {
  if (!fits(s)) return conv_single_forward_scalar(x, n, s, w, b, y);
  switch (s.filters) {
    case 1: return forward_all<1>(x, n, s, w, b, y);
    case 2: return forward_all<2>(x, n, s, w, b, y);
    case 3: return forward_all<3>(x, n, s, w, b, y);
    case 4: return forward_all<4>(x, n, s, w, b, y);
    case 5: return forward_all<5>(x, n, s, w, b, y);
    case 6: return forward_all<6>(x, n, s, w, b, y);
    case 7: return forward_all<7>(x, n, s, w, b, y);
    default: return forward_all<8>(x, n, s, w, b, y);
  }
}

void conv_single_backward_avx512(const float* x, const float* dy, std::int64_t n, const SingleChannelConv& s,
                                 float* d_w, float* d_b) {
  if (!fits(s)) return conv_single_backward_scalar(x, dy, n, s, d_w, d_b);
  // Padded copies of all n images (a slice: a few, 8 KB each), then the
  // weight gradients filter block by filter block over all of them.
  thread_local std::vector<float> buf;
  thread_local std::vector<const float*> xps;
  const std::int64_t in = std::int64_t{s.height} * s.width, rows = s.height + 2 * s.pad;
  buf.assign(static_cast<std::size_t>(n * rows * kRow), 0.0f);
  xps.clear();
  for (std::int64_t img = 0; img < n; ++img) {
    float* dst = buf.data() + img * rows * kRow;
    for (int r = 0; r < s.height; ++r)
      std::copy(x + img * in + r * s.width, x + img * in + (r + 1) * s.width, dst + (r + s.pad) * kRow + s.pad);
    xps.push_back(dst);
  }
  if (s.kernel == 5)
    backward_all<5>(xps, dy, s, d_w);
  else
    backward_all<3>(xps, dy, s, d_w);
  if (d_b) {
    const int plane = s.out_h() * s.out_w();
    for (int k = 0; k < s.filters; ++k) {
      __m512 sum = _mm512_setzero_ps();
      for (std::int64_t img = 0; img < n; ++img) {
        const float* delta = dy + (img * s.filters + k) * plane;
        int p = 0;
        for (; p + 16 <= plane; p += 16) sum = _mm512_add_ps(sum, _mm512_loadu_ps(delta + p));
        sum = _mm512_add_ps(sum, _mm512_maskz_loadu_ps(lanes(plane - p), delta + p));
      }
      d_b[k] += _mm512_reduce_add_ps(sum);
    }
  }
}

}  // namespace nn::kernels
