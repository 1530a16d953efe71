// The SIMD im2col variants against the scalar reference on awkward shapes:
// odd sizes, every stride from 1 to 5 (shuffle and gather paths), padding
// larger than the image edge, dilation, widths that are not a multiple of 8
// or 16 and leading dimensions wider than a row. im2col copies values, so
// the comparison is exact. col2im (the adjoint) adds in the same order in
// every variant, so it is compared bit for bit too. Not an exercise: these
// are the kernels of nn::common. Also chapter 6's lowering of a batch when
// the kernel covers the whole image (no im2col call: a transpose).
#include <cmath>
#include <cstring>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "ch06/conv.hpp"
#include "nn/cpu.hpp"
#include "nn/error.hpp"
#include "nn/im2col.hpp"
#include "nn/rng.hpp"
#include "nn/threads.hpp"
#include "test_util.hpp"

using namespace nn;

namespace {

int out_size(int in, int k, int pad, int stride, int dilation) {
  return (in + 2 * pad - (dilation * (k - 1) + 1)) / stride + 1;
}

void compare_levels(const Im2colShape& s, std::int64_t ld) {
  Rng rng(static_cast<std::uint64_t>(s.height * 1000 + s.width * 10 + s.stride));
  std::vector<float> x(static_cast<std::size_t>(s.channels * s.height * s.width));
  for (float& v : x) v = static_cast<float>(rng.uniform(-1, 1));
  // One guard value after the last row: nothing may be written past it.
  const std::size_t size = static_cast<std::size_t>(s.rows() * ld + 1);
  std::vector<float> expected(size, NAN);
  expected.back() = 12345.0f;
  kernels::im2col_scalar(x.data(), s, expected.data(), ld);
  for (SimdLevel level : available_simd_levels()) {
    std::vector<float> got(size, NAN);
    got.back() = 12345.0f;
    kernels::im2col_for(level)(x.data(), s, got.data(), ld);
    INFO("level " << to_string(level) << ", image " << s.channels << "x" << s.height << "x" << s.width << ", kernel "
                  << s.kernel_h << "x" << s.kernel_w << ", stride " << s.stride << ", pad " << s.pad << ", dilation "
                  << s.dilation << ", ld " << ld);
    std::int64_t mismatches = 0, first = -1;
    for (std::int64_t r = 0; r < s.rows(); ++r)
      for (std::int64_t p = 0; p < s.cols(); ++p) {
        const auto i = static_cast<std::size_t>(r * ld + p);
        if (std::memcmp(&got[i], &expected[i], sizeof(float)) != 0 && (mismatches++, first < 0))
          first = static_cast<std::int64_t>(i);
      }
    if (mismatches) INFO("first mismatch at " << first << ": " << got[static_cast<std::size_t>(first)] << " vs " << expected[static_cast<std::size_t>(first)]);
    CHECK(mismatches == 0);
    CHECK(got.back() == 12345.0f);
    // Columns between P_out and ld are not im2col's: left untouched (NaN).
    for (std::int64_t r = 0; r < s.rows() && ld > s.cols(); ++r) CHECK(std::isnan(got[static_cast<std::size_t>(r * ld + s.cols())]));
  }
}

// dx += col2im(col) in every variant against the scalar reference, from the
// same random dx; the padding columns between P_out and ld hold NaN, which
// must never be read.
void compare_col2im_levels(const Im2colShape& s, std::int64_t ld) {
  Rng rng(static_cast<std::uint64_t>(s.height * 1000 + s.width * 10 + s.stride + 7));
  std::vector<float> col(static_cast<std::size_t>(s.rows() * ld), NAN);
  for (std::int64_t r = 0; r < s.rows(); ++r)
    for (std::int64_t p = 0; p < s.cols(); ++p) col[static_cast<std::size_t>(r * ld + p)] = static_cast<float>(rng.uniform(-1, 1));
  const std::size_t size = static_cast<std::size_t>(s.channels * s.height * s.width) + 1;
  std::vector<float> start(size);
  for (float& v : start) v = static_cast<float>(rng.uniform(-1, 1));
  start.back() = 12345.0f;
  std::vector<float> expected = start;
  kernels::col2im_scalar(col.data(), s, expected.data(), ld);
  CHECK(std::memcmp(expected.data(), start.data(), (size - 1) * sizeof(float)) != 0);  // it did add something
  for (SimdLevel level : available_simd_levels()) {
    std::vector<float> got = start;
    kernels::col2im_for(level)(col.data(), s, got.data(), ld);
    INFO("col2im, level " << to_string(level) << ", image " << s.channels << "x" << s.height << "x" << s.width
                          << ", kernel " << s.kernel_h << "x" << s.kernel_w << ", stride " << s.stride << ", pad "
                          << s.pad << ", dilation " << s.dilation << ", ld " << ld);
    CHECK(std::memcmp(got.data(), expected.data(), size * sizeof(float)) == 0);
  }
}

}  // namespace

TEST_CASE("SIMD im2col and col2im equal the scalar reference on awkward shapes", "[ch06][simd]") {
  struct Case {
    int c, h, w, k, stride, pad, dilation;
  };
  const Case cases[] = {
      {1, 5, 5, 3, 1, 0, 1},   {3, 7, 9, 3, 1, 1, 1},    {2, 13, 17, 5, 2, 2, 1}, {1, 28, 28, 5, 1, 2, 1},
      {3, 31, 29, 11, 4, 0, 1}, {2, 19, 23, 3, 3, 1, 1}, {1, 40, 37, 4, 5, 3, 1}, {2, 11, 35, 3, 1, 2, 2},
      {1, 9, 9, 3, 2, 4, 3},   {1, 1, 1, 1, 1, 0, 1},    {1, 3, 3, 3, 1, 5, 1},   {4, 27, 27, 5, 1, 2, 1},
      {2, 16, 33, 2, 2, 0, 1}, {1, 6, 50, 3, 2, 1, 2},   {1, 5, 70, 1, 1, 0, 1},  {1, 8, 65, 7, 3, 6, 1},
      {6, 14, 14, 5, 1, 0, 1}, {16, 5, 4, 5, 1, 0, 1},   {2, 9, 7, 5, 1, 0, 2},   {1, 20, 20, 18, 1, 2, 1},
      {1, 3, 40, 3, 1, 1, 1},  {2, 7, 66, 2, 1, 3, 1},   {1, 4, 60, 3, 1, 1, 1},  {3, 12, 12, 6, 1, 2, 1},
      {2, 10, 9, 4, 1, 1, 1},
  };
  for (const Case& k : cases) {
    Im2colShape s;
    s.channels = k.c;
    s.height = k.h;
    s.width = k.w;
    s.kernel_h = k.k;
    s.kernel_w = k.k == 1 ? 1 : k.k - 1;  // non-square kernels too
    s.stride = k.stride;
    s.pad = k.pad;
    s.dilation = k.dilation;
    s.out_h = out_size(k.h, s.kernel_h, k.pad, k.stride, k.dilation);
    s.out_w = out_size(k.w, s.kernel_w, k.pad, k.stride, k.dilation);
    REQUIRE(s.out_h > 0);
    REQUIRE(s.out_w > 0);
    compare_levels(s, s.cols());
    compare_levels(s, 3 * s.cols() + 5);  // a batch laid side by side
    compare_col2im_levels(s, s.cols());
    compare_col2im_levels(s, 3 * s.cols() + 5);
  }
}

TEST_CASE("im2col rejects inconsistent shapes", "[ch06][simd]") {
  Im2colShape s;
  s.channels = 1;
  s.height = s.width = 5;
  s.kernel_h = s.kernel_w = 3;
  s.out_h = s.out_w = 3;
  std::vector<float> x(25), col(81);
  CHECK_NOTHROW(im2col(x.data(), s, col.data(), 9));
  CHECK_THROWS_AS(im2col(x.data(), s, col.data(), 8), Error);  // ld < P_out
  s.stride = 0;
  CHECK_THROWS_AS(im2col(x.data(), s, col.data(), 9), Error);
}

TEST_CASE("conv2d_lower: a kernel covering the whole image lowers the batch to its transpose, on 1 and 2 threads",
          "[ch06][simd][threads]") {
  // LeNet-5's c5 shape (16 channels of 5x5, a 5x5 kernel: one output
  // position), and an odd one; 37 images, so the groups of 16 end ragged.
  const test::RestoreThreads restore;
  for (const auto& [c, h, w] : {std::tuple{16, 5, 5}, std::tuple{3, 4, 7}}) {
    const ch06::Conv2dGeometry g{c, h, w, 8, h, w, 1, 0, 1, 1};
    const std::int64_t n = 37, rows = std::int64_t{c} * h * w;
    Tensor<float> x(g.input_shape(n));
    Rng rng(static_cast<std::uint64_t>(c * 100 + w));
    for (float& v : x) v = static_cast<float>(rng.uniform(-1, 1));
    // The definition, through im2col image by image (column i of a row of n).
    std::vector<float> expected(static_cast<std::size_t>(rows * n));
    for (std::int64_t i = 0; i < n; ++i) im2col(x.data() + i * rows, g.im2col_shape(), expected.data() + i, n);
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      ch06::Conv2dWorkspace<float> ws;
      ch06::conv2d_lower<float>(x, g, ws);
      INFO(g.str() << " on " << threads << " threads");
      REQUIRE(ws.col.size() == rows * n);
      CHECK(std::memcmp(ws.col.data(), expected.data(), expected.size() * sizeof(float)) == 0);
      CHECK(ws.col(rows - 1, n - 1) == x(n - 1, c - 1, h - 1, w - 1));
    }
  }
}
