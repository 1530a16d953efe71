// Chapter 6's 1-D worked example and the difference between convolution
// and cross-correlation (not exercises).
#include <vector>

#include <catch2/catch.hpp>

#include "ch06/conv.hpp"
#include "nn/error.hpp"

using namespace nn;
using namespace nn::ch06;

TEST_CASE("1-D worked example x = 1,1,1,0,0 and theta = 1,0,1 give 2,1,1", "[ch06][worked]") {
  const std::vector<double> x = {1, 1, 1, 0, 0}, theta = {1, 0, 1};
  std::vector<double> corr(3), conv(3);
  correlate1d<double>(corr, x, theta);
  convolve1d<double>(conv, x, theta);
  CHECK(corr == std::vector<double>{2, 1, 1});
  CHECK(conv == std::vector<double>{2, 1, 1});  // a symmetric kernel: flipping changes nothing
}

TEST_CASE("true convolution flips the kernel, cross-correlation does not", "[ch06][worked]") {
  const std::vector<double> x = {1, 2, 3, 4, 5}, theta = {1, 0, -1};
  std::vector<double> corr(3), conv(3);
  correlate1d<double>(corr, x, theta);  // x[t] - x[t + 2]
  convolve1d<double>(conv, x, theta);   // x[t + 2] - x[t]
  CHECK(corr == std::vector<double>{-2, -2, -2});
  CHECK(conv == std::vector<double>{2, 2, 2});
  std::vector<double> flipped = {-1, 0, 1}, again(3);
  correlate1d<double>(again, x, flipped);
  CHECK(again == conv);
  std::vector<double> wrong(4);
  CHECK_THROWS_AS(correlate1d<double>(wrong, x, theta), Error);
}

TEST_CASE("flip_kernel turns a filter by 180 degrees", "[ch06][worked]") {
  Tensor<double> w(Shape{1, 1, 2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor<double> f = flip_kernel<double>(w.view());
  CHECK(f(0, 0, 0, 0) == 6);
  CHECK(f(0, 0, 0, 2) == 4);
  CHECK(f(0, 0, 1, 0) == 3);
  CHECK(f(0, 0, 1, 2) == 1);
}
