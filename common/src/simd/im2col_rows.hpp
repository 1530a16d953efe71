// im2col_rows.hpp — the bookkeeping the SIMD im2col variants share: which
// output columns of one X_col row read inside the image (no ISA code here).
#pragma once

#include <cstdint>

#include "nn/im2col.hpp"

namespace nn::kernels::detail {

// Output columns ow with 0 ≤ ow·S + offset < W form one run [lo, hi):
//   ow·S + offset ≥ 0      ⇔  ow ≥ ⌈−offset / S⌉
//   ow·S + offset ≤ W − 1  ⇔  ow ≤ ⌊(W − 1 − offset) / S⌋
// Columns before lo and from hi on fall in the padding (zeros).
struct ColumnRange {
  int lo, hi;
};
inline ColumnRange inside_columns(int offset, int stride, int width, int out_w) {
  int lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const int last = width - 1 - offset;
  int hi = last < 0 ? 0 : last / stride + 1;
  if (hi > out_w) hi = out_w;
  if (lo > hi) lo = hi;
  return {lo, hi};
}

// The general im2col walk the SIMD variants share: for every X_col row
// (c, i, j) and output row oh, zero(out, n) writes n zeros (padding) and
// copy(out, src, n, stride) the n inside values src[0], src[S], …
template <typename Zero, typename Copy>
void im2col_rows(const float* x, const Im2colShape& s, float* col, std::int64_t ld, Zero&& zero, Copy&& copy) {
  const std::int64_t plane = std::int64_t{s.height} * s.width;
  for (int c = 0; c < s.channels; ++c)
    for (int i = 0; i < s.kernel_h; ++i)
      for (int j = 0; j < s.kernel_w; ++j) {
        float* row = col + ((std::int64_t{c} * s.kernel_h + i) * s.kernel_w + j) * ld;
        const int offset = j * s.dilation - s.pad;  // iw = ow·S + offset
        const ColumnRange r = inside_columns(offset, s.stride, s.width, s.out_w);
        for (int oh = 0; oh < s.out_h; ++oh) {
          float* out = row + std::int64_t{oh} * s.out_w;
          const int ih = oh * s.stride - s.pad + i * s.dilation;
          if (ih < 0 || ih >= s.height || r.lo == r.hi) {
            zero(out, s.out_w);
            continue;
          }
          const float* first = x + c * plane + std::int64_t{ih} * s.width + (r.lo * s.stride + offset);
          zero(out, r.lo);
          copy(out + r.lo, first, r.hi - r.lo, s.stride);
          zero(out + r.hi, s.out_w - r.hi);
        }
      }
}

// The general col2im walk the SIMD variants share: for every X_col row
// (c, i, j) and output row oh that lands inside the image, add_run(d, q, n)
// adds the n contiguous values q[0 .. n) into d[0 .. n) (stride 1, the ISA's
// vector loop); other strides add one value at a time. The order of the
// additions is col2im_scalar's, so every variant is bit-identical to it.
template <typename AddRun>
void col2im_rows(const float* col, const Im2colShape& s, float* dx, std::int64_t ld, AddRun&& add_run) {
  const std::int64_t plane = std::int64_t{s.height} * s.width;
  for (int c = 0; c < s.channels; ++c)
    for (int i = 0; i < s.kernel_h; ++i)
      for (int j = 0; j < s.kernel_w; ++j) {
        const float* row = col + ((std::int64_t{c} * s.kernel_h + i) * s.kernel_w + j) * ld;
        const int offset = j * s.dilation - s.pad;
        const ColumnRange r = inside_columns(offset, s.stride, s.width, s.out_w);
        if (r.lo == r.hi) continue;
        for (int oh = 0; oh < s.out_h; ++oh) {
          const int ih = oh * s.stride - s.pad + i * s.dilation;
          if (ih < 0 || ih >= s.height) continue;
          const float* src = row + std::int64_t{oh} * s.out_w;
          float* dst = dx + c * plane + std::int64_t{ih} * s.width;
          if (s.stride == 1)
            add_run(dst + r.lo + offset, src + r.lo, r.hi - r.lo);
          else
            for (int ow = r.lo; ow < r.hi; ++ow) dst[ow * s.stride + offset] += src[ow];
        }
      }
}

}  // namespace nn::kernels::detail
