// Chapter 9 math: local response normalisation, forward on worked numbers
// and backward by finite differences in double (several window sizes,
// channel counts smaller than the window, the channels at the edges), and
// a width-reduced AlexNet end to end. Exercises 9.1 and 9.2 (and the
// layers of chapters 2, 3, 5, 6, 7 for the whole network).
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "ch09/alexnet.hpp"
#include "ch09/lrn.hpp"
#include "layer_check.hpp"
#include "test_util.hpp"

using namespace nn;
using namespace nn::ch09;

TEST_CASE("ex9.1 LRN forward on worked numbers: the paper's constants, the window clipped at the edges",
          "[ch09][ex9.1]") {
  // One position, four channels x = 1, 2, 3, 4, n = 3: windows {0,1}, {0,1,2}, {1,2,3}, {2,3}.
  Tensor<double> x(Shape{1, 4, 1, 1}, {1, 2, 3, 4}), y(x.shape()), scale(x.shape());
  LrnParams p;
  p.size = 3;
  p.k = 2;
  p.alpha = 0.1;
  p.beta = 0.75;
  lrn_forward<double>(y, scale, x, p);
  const double sums[] = {1 + 4, 1 + 4 + 9, 4 + 9 + 16, 9 + 16};
  for (int c = 0; c < 4; ++c) {
    INFO("channel " << c);
    CHECK(scale[c] == Approx(2 + 0.1 * sums[c]).epsilon(1e-15));
    CHECK(y[c] == Approx((c + 1) * std::pow(2 + 0.1 * sums[c], -0.75)).epsilon(1e-15));
  }
  // PyTorch: F.local_response_norm(x, size=3, alpha=0.3, beta=0.75, k=2), its alpha = n·α.
  const double torch_values[] = {0.5030, 0.7988, 0.9109, 1.2946};
  for (int c = 0; c < 4; ++c) CHECK(y[c] == Approx(torch_values[c]).margin(5e-5));
  // n = 1: each value with itself only; β = 0: y = x.
  p.size = 1;
  lrn_forward<double>(y, scale, x, p);
  CHECK(scale[2] == Approx(2 + 0.1 * 9).epsilon(1e-15));
  p.beta = 0;
  lrn_forward<double>(y, scale, x, p);
  CHECK(std::vector<double>(y.begin(), y.end()) == std::vector<double>{1, 2, 3, 4});
}

TEST_CASE("ex9.2 LRN backward matches finite differences: window sizes, edges, fewer channels than the window",
          "[ch09][ex9.2]") {
  struct Case {
    int size, channels;
    double alpha, beta, k;
  };
  // Odd and even windows; C < n (every window clipped); the paper's constants
  // (α small: the normalisation barely bends) and a strong one.
  const Case cases[] = {{5, 7, 1e-4, 0.75, 2}, {5, 3, 0.5, 0.75, 1}, {3, 6, 0.3, 0.6, 1.5}, {4, 6, 0.3, 0.75, 1},
                        {1, 2, 0.2, 1.0, 1}};
  for (const Case& c : cases) {
    INFO("n " << c.size << ", C " << c.channels << ", alpha " << c.alpha << ", beta " << c.beta << ", k " << c.k);
    LrnParams p{c.size, c.alpha, c.beta, c.k};
    LocalResponseNorm<double> layer(p);
    Rng rng(900 + static_cast<std::uint64_t>(c.size * 10 + c.channels));
    test::LayerCheck check;
    check.options.max_samples = 200;
    // Inputs in [-1, 1] scaled up where α is small, so the normalisation's own
    // term is not lost under the identity part.
    test::check_layer(layer, Shape{2, c.channels, 3, 4}, rng, check);
  }
  CHECK_THROWS_WITH(LocalResponseNorm<double>(LrnParams{0, 1e-4, 0.75, 2}), Catch::Contains("n = 0"));
}

TEST_CASE("ex9.1 ex9.2 a width-reduced AlexNet's gradients match finite differences end to end",
          "[ch09][ex9.1][ex9.2]") {
  // 67×67 inputs keep every layer (conv1 → 15×15, pool1 → 7×7, pool2 → 3×3,
  // pool5 → 1×1); width 1/32 leaves 3, 8, 12, 12, 8 filters and 128 units.
  // Two groups and dropout (its masks fixed by reseeding) on the path;
  // conv1 … pool5 in slices of 2 of the 3 images, on one thread and on two,
  // so that pool and LRN remake their caches for an earlier slice.
  for (int threads : {1, 2}) {
    INFO(threads << " thread(s)");
    const test::RestoreThreads restore;
    set_num_threads(threads);
    AlexNetConfig config;
    config.in_channels = 2;
    config.image = 67;
    config.classes = 5;
    config.width = 1.0 / 32;
    config.groups = 2;
    config.slice_images = 2;
    config.lrn.alpha = 0.05;  // a normalisation strong enough to matter at these sizes
    Rng rng(910);
    layers::Network<double> net = alexnet_network<double>(config, rng);
    for (auto& p : net.parameters())
      if (!p.decayed) fill_uniform(rng, p.value.span(), -0.1, 0.1);
    Tensor<double> x(Shape{3, 2, 67, 67});
    fill_uniform(rng, x.span(), 0, 1);
    GradCheckOptions options;
    options.tiny = 1e-3;  // entries below 1e-3 to an absolute 1e-10 (ε|L|/h ≈ 5e-11), the rest relative 1e-7
    options.max_samples = 48;
    test::check_network(net, x, {1, 4, 2}, options);
  }
}
