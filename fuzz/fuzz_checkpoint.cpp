// fuzz_checkpoint.cpp — loading a checkpoint into a model (layers::load):
// tensor names and shapes against the model's, extra and missing tensors,
// the optimiser's state, the metadata (epoch, learning rate, steps) and the
// values batch norm accepts. The model is a small conv + batch norm + dense
// network with a momentum optimiser. A refused checkpoint must leave every
// value of the model as it was.
//
// NN_FUZZ_WRITE_SEED=FILE: write a valid checkpoint of this model to FILE and
// exit (fuzz/make_corpus.sh uses it for the seed corpus).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ch05/optimizers.hpp"
#include "ch10/batchnorm.hpp"
#include "layers/basic.hpp"
#include "fuzz_common.hpp"
#include "layers/train.hpp"
#include "nn/error.hpp"
#include "nn/rng.hpp"

namespace {

struct Model {
  nn::layers::Network<float> net;
  nn::ch05::Optimizer<float> optimizer;
  Model(nn::layers::Network<float> n, nn::ch05::OptimizerConfig config)
      : net(std::move(n)), optimizer(config, nn::layers::optimizer_params(net)) {}
};

Model& model() {
  static Model m = [] {
    using namespace nn::layers;
    // Small, so that the fuzzer runs fast, with every kind of tensor a
    // checkpoint holds: weights, biases, batch norm's γ, β and running
    // statistics, and the optimiser's velocities.
    Network<float> net("fuzz: conv 3x3, batch norm, relu, fc", nn::Shape{1, 4, 4}, 3);
    auto& s = net.body();
    s.emplace<Conv2d<float>>("conv", Conv2dSpec::square(1, 2, 3, 1, 1));
    s.emplace<nn::ch10::BatchNorm<float>>("bn", 2);
    s.emplace<Activation<float>>("relu", nn::ch02::Activation::relu());
    s.emplace<Flatten<float>>("flatten");
    s.emplace<Dense<float>>("fc", 2 * 4 * 4, 3);
    nn::Rng rng(1);
    net.initialize(nn::ch05::Init::He, rng);
    nn::ch05::OptimizerConfig o;
    o.kind = nn::ch05::OptimizerKind::Momentum;
    return Model(std::move(net), o);
  }();
  return m;
}

bool same(const std::vector<nn::Tensor<float>>& a, const std::vector<nn::Tensor<float>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].size() != b[i].size() ||
        std::memcmp(a[i].data(), b[i].data(), static_cast<std::size_t>(a[i].size()) * sizeof(float)) != 0)
      return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* seed = std::getenv("NN_FUZZ_WRITE_SEED")) {
    Model& m = model();
    nn::layers::save(seed, m.net, &m.optimizer, nn::ch05::ResumeState{2, 0.05, 7}, 42);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& path = nn::fuzz::scratch(".safetensors");
  nn::fuzz::write_file(path, data, size);
  Model& m = model();
  const std::vector<nn::Tensor<float>> before = nn::layers::snapshot(m.net);
  try {
    nn::layers::load(path, m.net, &m.optimizer);
  } catch (const nn::Error&) {
    if (!same(before, nn::layers::snapshot(m.net))) std::abort();  // a refused checkpoint changed the model
  }
  return 0;
}
