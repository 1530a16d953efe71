// Chapter 7 (not exercises): average pooling of the worked example, pooling
// shapes and their errors, flatten.
#include <vector>

#include <catch2/catch.hpp>

#include "ch07/pooling.hpp"
#include "nn/error.hpp"

using namespace nn;
using namespace nn::ch07;

TEST_CASE("average pooling of the worked 4x4 example", "[ch07][worked]") {
  const Tensor<double> x(Shape{1, 1, 4, 4}, {1, 1, 2, 5, 5, 7, 7, 8, 3, 1, 1, 0, 1, 2, 3, 4});
  const Pool2dGeometry p{2, 2, 2};
  Tensor<double> y(p.output_shape(x.shape()));
  avgpool2d_forward<double>(y, x, p);
  CHECK(std::vector<double>(y.begin(), y.end()) == std::vector<double>{3.5, 5.5, 1.75, 2});
}

TEST_CASE("pooling output shapes, overlapping windows and errors", "[ch07][worked]") {
  const Pool2dGeometry alex{3, 3, 2};
  CHECK(alex.output_shape(Shape{1, 96, 55, 55}) == Shape({1, 96, 27, 27}));
  CHECK(alex.output_shape(Shape{1, 256, 27, 27}) == Shape({1, 256, 13, 13}));
  CHECK(alex.output_shape(Shape{1, 256, 13, 13}) == Shape({1, 256, 6, 6}));
  CHECK_THROWS_AS(alex.output_shape(Shape{1, 1, 2, 2}), Error);  // window larger than the input
  CHECK_THROWS_AS(alex.output_shape(Shape{4, 4}), Error);
  Tensor<double> x(Shape{1, 1, 4, 4}), wrong(Shape{1, 1, 3, 3});
  CHECK_THROWS_AS(avgpool2d_forward<double>(wrong, x, Pool2dGeometry{2, 2, 2}), Error);
}

TEST_CASE("flatten keeps the memory and makes rows of C*H*W", "[ch07][worked]") {
  Tensor<float> x(Shape{2, 3, 4, 5});
  const TensorView<float> f = flatten<float>(x.view());
  CHECK(f.shape() == Shape({2, 60}));
  CHECK(f.data() == x.data());
  CHECK(&f(1, 7) == &x(1, 0, 1, 2));
}
