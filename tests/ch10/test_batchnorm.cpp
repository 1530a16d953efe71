// Chapter 10, batch normalisation (ch10/batchnorm.hpp), math: the layer's
// gradients by finite differences in double for conv and dense inputs, the
// normalisation and PyTorch's running statistics on numbers worked by
// hand, and evaluation mode. Exercises 10.1 and 10.2.
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "ch10/batchnorm.hpp"
#include "layer_check.hpp"

using namespace nn;
using namespace nn::ch10;

TEST_CASE("ex10.1 ex10.2 batch norm's gradients match finite differences for conv and dense inputs",
          "[ch10][ex10.1][ex10.2]") {
  Rng rng(1010);
  for (const Shape& input : {Shape{4, 3, 3, 2}, Shape{5, 3}, Shape{2, 2, 1, 1}}) {
    BatchNorm<double> bn(input[1]);
    // γ and β away from 1 and 0, so that a gradient missing either shows.
    for (double& g : bn.weight) g = rng.uniform(0.5, 2.0);
    for (double& b : bn.bias) b = rng.uniform(-1.0, 1.0);
    INFO("input " << input.str());
    CHECK(test::check_layer(bn, input, rng) == std::vector<std::string>{"x", "weight", "bias"});
  }
}

TEST_CASE("ex10.1 batch norm normalises each feature and keeps PyTorch's running statistics",
          "[ch10][ex10.1]") {
  // Two images, two channels of 1×2: channel 0 holds 1, 2 (image 0) and 3, 4
  // (image 1): μ = 2.5, σ² = 1.25 (biased), unbiased 5/3. Channel 1 holds
  // 0, 0, 0, 4: μ = 1, σ² = 3, unbiased 4.
  BatchNorm<double> bn(2);
  bn.weight[0] = 2.0;
  bn.bias[1] = -1.0;
  Tensor<double> x(Shape{2, 2, 1, 2}), y(x.shape());
  const double values[] = {1, 2, 0, 0, 3, 4, 0, 4};
  for (int i = 0; i < 8; ++i) x[i] = values[i];
  bn.prepare(x.shape());
  bn.forward(x.view(), y.view(), layers::Mode::Train);
  const double s0 = 1 / std::sqrt(1.25 + 1e-5), s1 = 1 / std::sqrt(3 + 1e-5);
  const double want[] = {2 * (1 - 2.5) * s0, 2 * (2 - 2.5) * s0, (0 - 1) * s1 - 1, (0 - 1) * s1 - 1,
                         2 * (3 - 2.5) * s0, 2 * (4 - 2.5) * s0, (0 - 1) * s1 - 1, (4 - 1) * s1 - 1};
  for (int i = 0; i < 8; ++i) CHECK(y[i] == Approx(want[i]).epsilon(1e-12));
  // momentum 0.1 on the new value; the variance unbiased (M = 4: × 4/3)
  CHECK(bn.running_mean[0] == Approx(0.1 * 2.5).epsilon(1e-12));
  CHECK(bn.running_mean[1] == Approx(0.1 * 1.0).epsilon(1e-12));
  CHECK(bn.running_var[0] == Approx(0.9 + 0.1 * 5.0 / 3.0).epsilon(1e-9));
  CHECK(bn.running_var[1] == Approx(0.9 + 0.1 * 4.0).epsilon(1e-9));
  CHECK(bn.batches_seen[0] == 1.0);
  // evaluation: the running statistics, not the batch's
  bn.forward(x.view(), y.view(), layers::Mode::Eval);
  const double r0 = 2 / std::sqrt(bn.running_var[0] + 1e-5);
  CHECK(y[1] == Approx((2 - bn.running_mean[0]) * r0).epsilon(1e-12));
  CHECK(bn.batches_seen[0] == 1.0);  // evaluation leaves the statistics alone
}
