// im2col_rows.hpp — the bookkeeping the SIMD im2col variants share: which
// output columns of one X_col row read inside the image (no ISA code here).
#pragma once

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

}  // namespace nn::kernels::detail
