// AVX-512 im2col. Compiled with -mavx512f (and friends) in this file only.
//
// Per X_col row (c, i, j) the run of output columns that read inside the
// image is computed once (inside_columns); per output row the padding is
// written as zeros and the inside copied 16 columns at a time:
//   stride 1  a masked load and store (masked lanes never touch memory, so
//             the tail needs no scalar loop and nothing past the row is read)
//   stride 2  two masked loads of 16 neighbours, the even lanes picked by
//             one vpermt2ps
//   stride S  a masked gather at offsets 0, S, 2S, ...
#include <immintrin.h>

#include "im2col_rows.hpp"
#include "nn/im2col.hpp"

namespace nn::kernels {

namespace {

inline __mmask16 first_lanes(int k) {  // lanes 0..k−1 enabled, 0 ≤ k ≤ 16
  return static_cast<__mmask16>((1u << k) - 1u);
}

inline void zero(float* dst, int n) {
  const __m512 z = _mm512_setzero_ps();
  int o = 0;
  for (; o + 16 <= n; o += 16) _mm512_storeu_ps(dst + o, z);
  if (o < n) _mm512_mask_storeu_ps(dst + o, first_lanes(n - o), z);
}

// dst[o] = src[o·stride] for o < n.
inline void copy_strided(float* dst, const float* src, int n, int stride) {
  if (stride == 1) {
    for (int o = 0; o < n; o += 16) {
      const __mmask16 m = first_lanes(n - o < 16 ? n - o : 16);
      _mm512_mask_storeu_ps(dst + o, m, _mm512_maskz_loadu_ps(m, src + o));
    }
  } else if (stride == 2) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    for (int o = 0; o < n; o += 16) {
      const int m = n - o < 16 ? n - o : 16;
      const int needed = 2 * m - 1;  // src[2o .. 2(o + m − 1)]
      const __m512 a = _mm512_maskz_loadu_ps(first_lanes(needed < 16 ? needed : 16), src + 2 * o);
      const __m512 b = _mm512_maskz_loadu_ps(first_lanes(needed > 16 ? needed - 16 : 0), src + 2 * o + 16);
      _mm512_mask_storeu_ps(dst + o, first_lanes(m), _mm512_permutex2var_ps(a, even, b));
    }
  } else {
    const __m512i offsets =
        _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                           _mm512_set1_epi32(stride));
    for (int o = 0; o < n; o += 16) {
      const __mmask16 m = first_lanes(n - o < 16 ? n - o : 16);
      const __m512 v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, offsets, src + o * stride, 4);
      _mm512_mask_storeu_ps(dst + o, m, v);
    }
  }
}

}  // namespace

// Stride 1, dilation 1, output rows of at most 64 columns (every LeNet and
// small-CNN layer): the output row is cut into 16-lane segments, and for
// each X_col row (c, i, j) two masks per segment are computed once — the
// lanes that exist (ow < O_w) and, among them, the lanes that read inside the
// image. A masked load leaves the padding lanes zero without touching
// memory, so each output row is one masked load and store per segment, with
// no per-row bookkeeping (which is what dominates rows of 10 or 28 floats).
namespace {

constexpr int kMaxSegments = 4;

struct RowMasks {
  int segments = 0;
  __mmask16 exist[kMaxSegments], inside[kMaxSegments];
};

RowMasks row_masks(int offset, const Im2colShape& s) {
  RowMasks m;
  const detail::ColumnRange r = detail::inside_columns(offset, 1, s.width, s.out_w);
  m.segments = (s.out_w + 15) / 16;
  for (int k = 0; k < m.segments; ++k) {
    const int base = 16 * k;
    const int exist_n = s.out_w - base < 16 ? s.out_w - base : 16;
    m.exist[k] = first_lanes(exist_n);
    const int lo = r.lo - base < 0 ? 0 : (r.lo - base > 16 ? 16 : r.lo - base);
    const int hi = r.hi - base < 0 ? 0 : (r.hi - base > 16 ? 16 : r.hi - base);
    m.inside[k] = static_cast<__mmask16>(first_lanes(hi) & static_cast<__mmask16>(~first_lanes(lo)));
  }
  return m;
}

// The masks depend only on the filter column j: computed once per call.
constexpr int kMaxKernelW = 16;

bool small_unit_stride(const Im2colShape& s) {
  return s.stride == 1 && s.dilation == 1 && s.out_w <= 16 * kMaxSegments && s.kernel_w <= kMaxKernelW;
}

// One output row of X_col (segments 16-lane blocks; the masks are copied to
// locals so they stay in mask registers: the compiler cannot tell that the
// stores to X_col leave them alone).
template <int Segments>
inline void copy_rows(const float* in, std::int64_t in_step, int out_h, int first_oh, int last_oh, int offset,
                      const RowMasks& m, float* out, int out_w) {
  __mmask16 exist[Segments], inside[Segments];
  for (int k = 0; k < Segments; ++k) {
    exist[k] = m.exist[k];
    inside[k] = m.inside[k];
  }
  const __m512 zero_v = _mm512_setzero_ps();
  for (int oh = 0; oh < out_h; ++oh, out += out_w) {
    if (oh < first_oh || oh >= last_oh) {
      for (int k = 0; k < Segments; ++k) _mm512_mask_storeu_ps(out + 16 * k, exist[k], zero_v);
      continue;
    }
    const float* src = in + (oh - first_oh) * in_step + offset;
    for (int k = 0; k < Segments; ++k)
      _mm512_mask_storeu_ps(out + 16 * k, exist[k], _mm512_maskz_loadu_ps(inside[k], src + 16 * k));
  }
}

// Output rows oh with 0 ≤ oh − P + i < H: [first, last).
inline void inside_rows(int i, const Im2colShape& s, int& first, int& last) {
  first = s.pad - i > 0 ? s.pad - i : 0;
  last = s.height + s.pad - i < s.out_h ? s.height + s.pad - i : s.out_h;
  if (last < first) last = first;
}

void im2col_unit_stride(const float* x, const Im2colShape& s, float* col, std::int64_t ld) {
  const std::int64_t plane = std::int64_t{s.height} * s.width;
  const int channels = s.channels, kh = s.kernel_h, kw = s.kernel_w, out_h = s.out_h, out_w = s.out_w;
  const int width = s.width, pad = s.pad;
  RowMasks masks[kMaxKernelW];
  for (int j = 0; j < kw; ++j) masks[j] = row_masks(j - pad, s);
  const int segments = masks[0].segments;
  for (int c = 0; c < channels; ++c)
    for (int i = 0; i < kh; ++i) {
      int first = 0, last = 0;
      inside_rows(i, s, first, last);
      // Input row of output row `first`: ih = first − P + i.
      const float* in = x + c * plane + std::int64_t{first - pad + i} * width;
      for (int j = 0; j < kw; ++j) {
        float* out = col + ((std::int64_t{c} * kh + i) * kw + j) * ld;
        const int offset = j - pad;  // lane ow reads in[ow + offset]; lanes outside the image are masked off
        switch (segments) {
          case 1: copy_rows<1>(in, width, out_h, first, last, offset, masks[j], out, out_w); break;
          case 2: copy_rows<2>(in, width, out_h, first, last, offset, masks[j], out, out_w); break;
          case 3: copy_rows<3>(in, width, out_h, first, last, offset, masks[j], out, out_w); break;
          default: copy_rows<4>(in, width, out_h, first, last, offset, masks[j], out, out_w); break;
        }
      }
    }
}

// col2im gathers instead of scattering: for each image row that filter row
// i touches, each 16-lane segment of the row is loaded once, the K_w shifted
// X_col rows (j = 0, 1, …) are added into it in registers and it is stored
// once. (Adding row by row into memory makes every load wait for the
// previous, overlapping masked store.) For one pixel the additions still
// come in the scalar order — i, then j — so the result is bit-identical.
// Lane iw of segment k takes X_col row j at ow = iw + P − j, when 0 ≤ ow < O_w.
struct GatherMasks {
  int segments = 0;
  __mmask16 pixels[kMaxSegments];                 // iw < W
  __mmask16 take[kMaxKernelW][kMaxSegments];      // … and 0 ≤ iw + P − j < O_w
};

GatherMasks gather_masks(const Im2colShape& s) {
  GatherMasks g;
  g.segments = (s.width + 15) / 16;
  for (int k = 0; k < g.segments; ++k) {
    const int base = 16 * k;
    g.pixels[k] = first_lanes(s.width - base < 16 ? s.width - base : 16);
    for (int j = 0; j < s.kernel_w; ++j) {
      // ow = iw + P − j ∈ [0, O_w)  ⇔  iw ∈ [j − P, j − P + O_w)
      const int lo = j - s.pad - base, hi = j - s.pad + s.out_w - base;
      const int l = lo < 0 ? 0 : (lo > 16 ? 16 : lo), h = hi < 0 ? 0 : (hi > 16 ? 16 : hi);
      g.take[j][k] = static_cast<__mmask16>(g.pixels[k] & first_lanes(h) & static_cast<__mmask16>(~first_lanes(l)));
    }
  }
  return g;
}

// KW > 0: the filter width as a template argument (the common 3 and 5), so
// the j loop unrolls and the masks stay in registers; KW = 0: any width.
template <int KW>
void col2im_unit_stride_kw(const float* col, const Im2colShape& s, float* dx, std::int64_t ld) {
  const std::int64_t plane = std::int64_t{s.height} * s.width;
  const int channels = s.channels, kh = s.kernel_h, kw = KW > 0 ? KW : s.kernel_w, out_w = s.out_w,
            width = s.width, pad = s.pad;
  const GatherMasks g = gather_masks(s);
  for (int c = 0; c < channels; ++c)
    for (int i = 0; i < kh; ++i) {
      int first = 0, last = 0;
      inside_rows(i, s, first, last);
      const float* rows = col + (std::int64_t{c} * kh + i) * kw * ld;  // X_col row (c, i, 0)
      for (int oh = first; oh < last; ++oh) {
        float* dst = dx + c * plane + std::int64_t{oh - pad + i} * width;
        const float* src = rows + std::int64_t{oh} * out_w + pad;  // + iw − j gives ow = iw + P − j
        for (int k = 0; k < g.segments; ++k) {
          __m512 acc = _mm512_maskz_loadu_ps(g.pixels[k], dst + 16 * k);
#pragma GCC unroll 8
          for (int j = 0; j < (KW > 0 ? KW : kw); ++j)
            acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(g.take[j][k], src + j * ld + 16 * k - j));
          _mm512_mask_storeu_ps(dst + 16 * k, g.pixels[k], acc);
        }
      }
    }
}

void col2im_unit_stride(const float* col, const Im2colShape& s, float* dx, std::int64_t ld) {
  switch (s.kernel_w) {
    case 3: return col2im_unit_stride_kw<3>(col, s, dx, ld);
    case 5: return col2im_unit_stride_kw<5>(col, s, dx, ld);
    default: return col2im_unit_stride_kw<0>(col, s, dx, ld);
  }
}

}  // namespace

void im2col_avx512(const float* x, const Im2colShape& s, float* col, std::int64_t ld) {
  if (s.out_h == 1 && s.out_w == 1 && s.pad == 0) {
    // One window position (LeNet's c5 sees the whole 5×5 map): X_col's
    // column is the window itself, pixel (c, i·D, j·D) in row (c, i, j).
    const std::int64_t plane = std::int64_t{s.height} * s.width;
    std::int64_t r = 0;
    for (int c = 0; c < s.channels; ++c)
      for (int i = 0; i < s.kernel_h; ++i)
        for (int j = 0; j < s.kernel_w; ++j, ++r)
          col[r * ld] = x[c * plane + std::int64_t{i} * s.dilation * s.width + j * s.dilation];
    return;
  }
  if (small_unit_stride(s)) return im2col_unit_stride(x, s, col, ld);
  detail::im2col_rows(x, s, col, ld, zero, copy_strided);
}

// dx[iw] += row[ow] over one output row: stride 1 with masked loads and
// stores (16 lanes), other strides with the scalar loop. Same order of
// additions as col2im_scalar, so the results are bit-identical.
void col2im_avx512(const float* col, const Im2colShape& s, float* dx, std::int64_t ld) {
  if (small_unit_stride(s) && s.width <= 16 * kMaxSegments) return col2im_unit_stride(col, s, dx, ld);
  detail::col2im_rows(col, s, dx, ld, [](float* d, const float* q, int n) {
    for (int o = 0; o < n; o += 16) {
      const __mmask16 m = first_lanes(n - o < 16 ? n - o : 16);
      _mm512_mask_storeu_ps(d + o, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, d + o), _mm512_maskz_loadu_ps(m, q + o)));
    }
  });
}

}  // namespace nn::kernels
