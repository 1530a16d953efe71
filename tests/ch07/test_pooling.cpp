// Chapter 7 math, pooling: the worked 4x4 example, the tie rule, and
// finite-difference checks of max pooling (inputs without ties) and average
// pooling, with overlapping and non-overlapping windows. These tests grade
// exercises 7.3-7.5.
#include <algorithm>
#include <numeric>
#include <vector>

#include <catch2/catch.hpp>

#include "ch07/pooling.hpp"
#include "nn/gradcheck.hpp"
#include "test_util.hpp"

using namespace nn;
using namespace nn::ch07;

namespace {

const Tensor<double> kWorked(Shape{1, 1, 4, 4}, {1, 1, 2, 5, 5, 7, 7, 8, 3, 1, 1, 0, 1, 2, 3, 4});

// Distinct values at least 0.01 apart, shuffled: no ties, and a step of
// 1e-5 never changes which entry is a window's maximum.
Tensor<double> without_ties(Rng& rng, Shape shape) {
  Tensor<double> x(shape);
  std::vector<std::int64_t> order(static_cast<std::size_t>(x.size()));
  std::iota(order.begin(), order.end(), 0);
  rng.shuffle(std::span<std::int64_t>(order));
  for (std::int64_t i = 0; i < x.size(); ++i)
    x[i] = -1.0 + 0.01 * static_cast<double>(order[static_cast<std::size_t>(i)]) + rng.uniform(0, 0.001);
  return x;
}

}  // namespace

TEST_CASE("ex7.3 max pooling of the worked 4x4 example", "[ch07][ex7.3]") {
  const Pool2dGeometry p{2, 2, 2};
  Tensor<double> y(p.output_shape(kWorked.shape()));
  Tensor<std::int32_t> arg(y.shape());
  maxpool2d_forward<double>(y, arg, kWorked, p);
  CHECK(std::vector<double>(y.begin(), y.end()) == std::vector<double>{7, 8, 3, 4});
  // 7 at (1,1); 8 at (1,3); 3 at (2,0); 4 at (3,3).
  CHECK(std::vector<std::int32_t>(arg.begin(), arg.end()) == std::vector<std::int32_t>{5, 7, 8, 15});
}

TEST_CASE("ex7.3 ties go to the first maximum in row-major order", "[ch07][ex7.3]") {
  const Tensor<double> x(Shape{1, 1, 2, 4}, {5, 5, 1, 7, 5, 5, 7, 2});
  const Pool2dGeometry p{2, 2, 2};
  Tensor<double> y(p.output_shape(x.shape()));
  Tensor<std::int32_t> arg(y.shape());
  maxpool2d_forward<double>(y, arg, x, p);
  CHECK(arg[0] == 0);  // four 5s: the top-left one
  CHECK(arg[1] == 3);  // 7 at (0,3) before 7 at (1,2)
  Tensor<double> d_x(x.shape());
  const Tensor<double> d_y(y.shape(), {1.0, 2.0});
  maxpool2d_backward<double>(d_x, d_y, arg);
  CHECK(std::vector<double>(d_x.begin(), d_x.end()) == std::vector<double>{1, 0, 0, 2, 0, 0, 0, 0});
}

TEST_CASE("ex7.4 max-pool backward matches finite differences", "[ch07][ex7.4]") {
  const struct {
    Shape shape;
    Pool2dGeometry pool;
  } cases[] = {
      {Shape{2, 3, 6, 8}, {2, 2, 2}},   // non-overlapping
      {Shape{2, 2, 9, 11}, {3, 3, 2}},  // overlapping 3x3/2 (AlexNet)
      {Shape{1, 2, 7, 7}, {2, 3, 1}},   // non-square, stride 1
      {Shape{1, 1, 13, 13}, {3, 3, 2}},
  };
  Rng rng(74);
  for (const auto& t : cases) {
    Tensor<double> x = without_ties(rng, t.shape);
    const Shape out = t.pool.output_shape(t.shape);
    const Tensor<double> g = make_upstream(rng, out);
    Tensor<double> y(out);
    Tensor<std::int32_t> arg(out);
    auto loss = [&] {
      maxpool2d_forward<double>(y, arg, x, t.pool);
      return inner(g.span(), y.span());
    };
    loss();
    Tensor<double> d_x(t.shape);
    maxpool2d_backward<double>(d_x, g, arg);
    INFO("input " << t.shape.str() << ", window " << t.pool.window_h << "x" << t.pool.window_w << "/" << t.pool.stride);
    test::require_gradient(check_gradient("d_x", x.span(), d_x.span(), loss));
  }
}

TEST_CASE("ex7.5 average-pool backward matches finite differences and the worked example", "[ch07][ex7.5]") {
  // Worked: every pixel of a 2x2 window gets a quarter of its gradient.
  const Pool2dGeometry p2{2, 2, 2};
  Tensor<double> d_x(kWorked.shape());
  const Tensor<double> d_y(Shape{1, 1, 2, 2}, {4, 8, 12, 16});
  avgpool2d_backward<double>(d_x, d_y, p2);
  CHECK(d_x(0, 0, 0, 0) == 1);
  CHECK(d_x(0, 0, 1, 3) == 2);
  CHECK(d_x(0, 0, 3, 0) == 3);
  CHECK(d_x(0, 0, 2, 2) == 4);
  const struct {
    Shape shape;
    Pool2dGeometry pool;
  } cases[] = {
      {Shape{2, 3, 6, 8}, {2, 2, 2}},
      {Shape{2, 2, 9, 11}, {3, 3, 2}},
      {Shape{1, 2, 7, 7}, {2, 3, 1}},
  };
  Rng rng(75);
  for (const auto& t : cases) {
    Tensor<double> x(t.shape);
    fill_uniform(rng, x.span(), -1, 1);
    const Shape out = t.pool.output_shape(t.shape);
    const Tensor<double> g = make_upstream(rng, out);
    Tensor<double> y(out);
    auto loss = [&] {
      avgpool2d_forward<double>(y, x, t.pool);
      return inner(g.span(), y.span());
    };
    Tensor<double> dx(t.shape);
    avgpool2d_backward<double>(dx, g, t.pool);
    test::require_gradient(check_gradient("d_x", x.span(), dx.span(), loss));
  }
}
