// Chapter 8 (not exercises): LeNet-5's parameter count, per-layer table and
// PyTorch names and layouts.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ch08/lenet5.hpp"

using namespace nn;
using namespace nn::ch08;

TEST_CASE("LeNet-5 has 61,706 parameters, counted per layer", "[ch08][shapes]") {
  Rng rng(80);
  const LeNet5<float> net = make_lenet5<float>(rng);
  CHECK(net.parameter_count() == 61706);
  const std::vector<LayerRow> rows = lenet5_layers(net);
  std::vector<std::string> outputs;
  std::vector<std::int64_t> counts;
  std::int64_t total = 0;
  for (const LayerRow& r : rows) {
    outputs.push_back(r.output);
    counts.push_back(r.parameters);
    total += r.parameters;
  }
  CHECK(outputs == std::vector<std::string>{"1x32x32", "6x28x28", "6x14x14", "16x10x10", "16x5x5", "120x1x1", "84",
                                            "10"});
  CHECK(counts == std::vector<std::int64_t>{0, 156, 0, 2416, 0, 48120, 10164, 850});
  CHECK(total == 61706);
}

TEST_CASE("LeNet-5 parameters carry PyTorch's names and layouts", "[ch08][shapes]") {
  Rng rng(81);
  LeNet5<float> net = make_lenet5<float>(rng);
  std::vector<std::string> names, shapes;
  for (const auto& p : net.params()) {
    names.push_back(p.name);
    shapes.push_back(p.value.shape().str());
    CHECK(p.grad.shape() == p.value.shape());
  }
  CHECK(names == std::vector<std::string>{"c1.weight", "c1.bias", "c3.weight", "c3.bias", "c5.weight", "c5.bias",
                                          "f6.weight", "f6.bias", "output.weight", "output.bias"});
  CHECK(shapes == std::vector<std::string>{Shape{6, 1, 5, 5}.str(), Shape{6}.str(), Shape{16, 6, 5, 5}.str(),
                                           Shape{16}.str(), Shape{120, 16, 5, 5}.str(), Shape{120}.str(),
                                           Shape{84, 120}.str(), Shape{84}.str(), Shape{10, 84}.str(),
                                           Shape{10}.str()});
}
