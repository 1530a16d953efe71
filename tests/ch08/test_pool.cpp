// 2×2 average pooling (nn/pool.hpp), which chapter 7's avgpool2d_forward
// runs in float: every variant against the scalar definition to the bit, on
// LeNet-5's planes (28 and 10 wide), on rows longer than one 32-column load,
// on odd sizes (the last row and column are not pooled) and on a 2×2 plane;
// the definition against a hand-worked example. The same for the backward
// pass (avgpool2d_backward in float), which adds into the input deltas. Not
// an exercise: a kernel of nn::common.
#include <cstring>
#include <vector>

#include <catch2/catch.hpp>

#include "nn/cpu.hpp"
#include "nn/pool.hpp"
#include "nn/rng.hpp"

using namespace nn;

namespace {

// LeNet-5's planes (28 and 10 wide), rows longer than one 32-column load,
// odd sizes, a single 2×2 plane.
struct PoolCase {
  std::int64_t planes;
  int h, w;
};
constexpr PoolCase kPoolCases[] = {{24, 28, 28}, {64, 10, 10}, {3, 6, 70}, {2, 9, 33},
                                   {5, 2, 2},    {1, 7, 31},   {2, 4, 64}};

}  // namespace

TEST_CASE("2x2 average pooling: the definition on a worked example", "[ch08][simd]") {
  // One 4×5 plane: the fifth column is not pooled.
  const float x[] = {1, 2, 3, 4, 100,    //
                     5, 6, 7, 8, 100,    //
                     -1, -2, 0, 4, 100,  //
                     -3, -6, 2, 2, 100};
  float y[4] = {0, 0, 0, 0};
  kernels::avgpool2x2_scalar(x, 1, 4, 5, y);
  CHECK(y[0] == 3.5f);   // (1 + 2 + 5 + 6) / 4
  CHECK(y[1] == 5.5f);   // (3 + 4 + 7 + 8) / 4
  CHECK(y[2] == -3.0f);  // (−1 − 2 − 3 − 6) / 4
  CHECK(y[3] == 2.0f);   // (0 + 4 + 2 + 2) / 4
}

TEST_CASE("2x2 average pooling: every variant equals the definition", "[ch08][simd]") {
  for (const PoolCase& c : kPoolCases) {
    INFO(c.planes << " planes " << c.h << "x" << c.w);
    Rng rng(static_cast<std::uint64_t>(c.h * 100 + c.w));
    std::vector<float> x(static_cast<std::size_t>(c.planes * c.h * c.w));
    for (float& v : x) v = static_cast<float>(rng.uniform(-1, 1));
    const std::size_t out = static_cast<std::size_t>(c.planes * (c.h / 2) * (c.w / 2));
    // One guard element past the end: nothing may be written there.
    std::vector<float> ref(out + 1, -7.0f);
    kernels::avgpool2x2_scalar(x.data(), c.planes, c.h, c.w, ref.data());
    CHECK(ref[out] == -7.0f);
    for (SimdLevel level : available_simd_levels()) {
      INFO("level " << to_string(level));
      std::vector<float> y(out + 1, -7.0f);
      kernels::avgpool2x2_for(level)(x.data(), c.planes, c.h, c.w, y.data());
      CHECK(std::memcmp(y.data(), ref.data(), (out + 1) * sizeof(float)) == 0);
    }
  }
}

TEST_CASE("2x2 average pooling backward: the definition on a worked example", "[ch08][simd]") {
  // One 2×2 delta onto a 4×5 plane that already holds 1 everywhere: each
  // input of a window gains a quarter of its delta; the fifth column, not
  // pooled, keeps its 1.
  const float d_y[] = {4, -8,  //
                       2, 0.5f};
  std::vector<float> d_x(20, 1.0f);
  kernels::avgpool2x2_backward_scalar(d_y, 1, 4, 5, d_x.data());
  const float expect[] = {2, 2, -1, -1, 1,  //
                          2, 2, -1, -1, 1,  //
                          1.5f, 1.5f, 1.125f, 1.125f, 1,  //
                          1.5f, 1.5f, 1.125f, 1.125f, 1};
  for (int i = 0; i < 20; ++i) {
    INFO("element " << i);
    CHECK(d_x[static_cast<std::size_t>(i)] == expect[i]);
  }
}

TEST_CASE("2x2 average pooling backward: every variant equals the definition", "[ch08][simd]") {
  for (const PoolCase& c : kPoolCases) {
    INFO(c.planes << " planes " << c.h << "x" << c.w);
    Rng rng(static_cast<std::uint64_t>(c.h * 100 + c.w + 1));
    std::vector<float> d_y(static_cast<std::size_t>(c.planes * (c.h / 2) * (c.w / 2)));
    for (float& v : d_y) v = static_cast<float>(rng.uniform(-1, 1));
    // d_x starts non-zero (the kernel adds), with a guard element past the end.
    const std::size_t in = static_cast<std::size_t>(c.planes * c.h * c.w);
    std::vector<float> start(in + 1);
    for (float& v : start) v = static_cast<float>(rng.uniform(-1, 1));
    std::vector<float> ref = start;
    kernels::avgpool2x2_backward_scalar(d_y.data(), c.planes, c.h, c.w, ref.data());
    CHECK(ref[in] == start[in]);
    // Some input did change (the deltas are non-zero), and an odd last column
    // or row did not.
    CHECK(ref != start);
    if (c.w % 2) CHECK(ref[static_cast<std::size_t>(c.w - 1)] == start[static_cast<std::size_t>(c.w - 1)]);
    for (SimdLevel level : available_simd_levels()) {
      INFO("level " << to_string(level));
      std::vector<float> d_x = start;
      kernels::avgpool2x2_backward_for(level)(d_y.data(), c.planes, c.h, c.w, d_x.data());
      CHECK(std::memcmp(d_x.data(), ref.data(), (in + 1) * sizeof(float)) == 0);
    }
  }
}
