// Chapter 7 math, the whole small CNN: every parameter's gradient by finite
// differences in double, a training step that allocates no tensor, and
// learning a synthetic task. These tests need exercises 2.3, 2.6, 3.1, 5.1,
// 6.2 and 7.1-7.4.
#include <vector>

#include <catch2/catch.hpp>

#include "ch07/train.hpp"
#include "nn/gradcheck.hpp"
#include "test_util.hpp"

using namespace nn;
using namespace nn::ch07;

namespace {

CnnConfig tiny() {
  CnnConfig c;
  c.channels = 1;
  c.height = c.width = 8;
  c.classes = 4;
  c.filters1 = 3;
  c.filters2 = 4;
  c.kernel = 3;
  return c;
}

// 8x8 images; the class is the quadrant holding a bright 2x2 blob.
Dataset blobs(std::int64_t n, std::uint64_t seed) {
  Rng rng(seed);
  Dataset d;
  d.name = "blobs";
  d.num_classes = 4;
  d.images = Tensor<float>(Shape{n, 1, 8, 8});
  for (std::int64_t i = 0; i < n; ++i) {
    const int cls = static_cast<int>(rng.below(4));
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 8; ++x) d.images(i, 0, y, x) = static_cast<float>(rng.uniform(0, 0.3));
    const int top = (cls / 2) * 4 + static_cast<int>(rng.below(3)), left = (cls % 2) * 4 + static_cast<int>(rng.below(3));
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 2; ++x) d.images(i, 0, top + y, left + x) += 0.7f;
    d.labels.push_back(static_cast<std::uint8_t>(cls));
  }
  return d;
}

}  // namespace

TEST_CASE("ex7.2 ex7.4 the whole CNN's gradients match finite differences", "[ch07][ex7.2][ex7.4]") {
  Rng rng(76);
  SmallCnn<double> net = make_cnn<double>(tiny(), rng);
  for (Tensor<double>* b : {&net.b1, &net.b2, &net.b3}) fill_uniform(rng, b->span(), -0.1, 0.1);
  Tensor<double> x(Shape{3, 1, 8, 8});
  fill_uniform(rng, x.span(), 0, 1);
  const std::vector<int> labels = {0, 3, 1};
  const double l2 = 1e-3;
  CnnWorkspace<double> ws;
  auto loss = [&] {
    cnn_forward<double>(net, ws, x);
    SmallCnn<double> scratch = net;  // cnn_backward also gives the objective; keep net's gradients
    return cnn_backward<double>(scratch, ws, labels, l2);
  };
  cnn_forward<double>(net, ws, x);
  cnn_backward<double>(net, ws, labels, l2);
  // ReLU and max-pool are piecewise linear: with random inputs no pre-activation
  // or tie lies within the step h = 1e-5 of a kink (a crossing would show as an
  // error far above the tolerance and name the entry).
  // The centred difference of L ≈ 1.4 carries a rounding error of about
  // ε|L|/h ≈ 3e-11, so an entry as small as 1e-5 cannot be resolved to a
  // relative 1e-7. The denominator's floor is raised to 1e-3: entries below it
  // are held to an absolute 1e-10, the rest to the usual relative 1e-7.
  GradCheckOptions options;
  options.tiny = 1e-3;
  for (auto& p : net.params()) {
    INFO(p.name);
    test::require_gradient(check_gradient(p.name, p.value.span(), p.grad.span(), loss, options));
  }
}

TEST_CASE("ex7.2 a CNN training step allocates no tensor", "[ch07][ex7.2]") {
  Rng rng(77);
  SmallCnn<float> net = make_cnn<float>(tiny(), rng);
  const Dataset data = blobs(16, 5);
  ch05::OptimizerConfig config;
  config.kind = ch05::OptimizerKind::Classic;
  ch05::Optimizer<float> optimizer(config, net.params());
  CnnWorkspace<float> ws;
  std::vector<int> labels(data.labels.begin(), data.labels.end());
  cnn_train_step(net, ws, optimizer, data.images, labels, 1e-4, 0.01);  // sizes the buffers
  const auto before = detail::tensor_allocations();
  for (int i = 0; i < 3; ++i) cnn_train_step(net, ws, optimizer, data.images, labels, 1e-4, 0.01);
  CHECK(detail::tensor_allocations() == before);
}

TEST_CASE("ex7.2 ex7.4 the small CNN learns where the blob is", "[ch07][ex7.2][ex7.4]") {
  Rng rng(78);
  SmallCnn<float> net = make_cnn<float>(tiny(), rng);
  const Dataset train = blobs(1000, 6), test = blobs(300, 7);
  ch05::TrainOptions options;
  options.epochs = 8;
  options.batch_size = 32;
  options.optimizer.kind = ch05::OptimizerKind::Classic;
  options.learning_rate = 0.05;
  options.progress = false;
  const ch05::TrainResult r = train_cnn(net, train, Dataset{}, options);
  REQUIRE(r.epochs.size() == 8);
  CHECK(r.epochs.back().train_loss < r.epochs.front().train_loss);
  CHECK(evaluate_cnn(net, test) > 0.95);
}
