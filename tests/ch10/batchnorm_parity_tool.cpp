// batchnorm_parity_tool — our side of chapter 10's batch-norm parity test
// (tests/ch10/pytorch_parity.py drives it and says what it checks).
//
//   batchnorm_parity_tool --out F [--seed S]
//
// Two cases, "conv" (4, 5, 3, 3) as BatchNorm2d sees it and "dense" (6, 7)
// as BatchNorm1d does, each run twice: at the active SIMD level (the
// AVX-512 kernels where the CPU has them) and at the scalar level (the
// reference loops, exercises 10.1 and 10.2), from the same seed. A float
// layer with γ, β drawn at random runs three
// training steps on seeded batches x1, x2, x3 (each channel with its own
// offset and spread) and upstream gradients dy1 … dy3, its parameter
// gradients cleared before each backward pass; then one evaluation pass on
// x_eval. Then a residual block and two small nets (see networks()).
// F holds, per case and level: weight, bias, x<k>, dy<k>, y<k>,
// dx<k>, dweight<k>, dbias<k> (k = 1, 2, 3), running_mean, running_var,
// num_batches_tracked, x_eval, y_eval — all float32, as
// "<case>.<level>.<name>".
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "ch10/batchnorm.hpp"
#include "ch10/resnet.hpp"
#include "layers/network.hpp"
#include "nn/cli.hpp"
#include "nn/cpu.hpp"
#include "nn/error.hpp"
#include "nn/rng.hpp"
#include "nn/safetensors.hpp"
#include "parity_tool.hpp"

namespace {

using namespace nn;

using test::dims;

void cases(Rng& rng, const std::string& level, std::vector<Tensor<float>>& keep, std::vector<std::string>& names) {
  auto add = [&](const std::string& name, const Tensor<float>& t) {
    keep.push_back(t);
    names.push_back(name);
  };
  for (const auto& [kind, shape] : {std::pair{std::string("conv"), Shape{4, 5, 3, 3}},
                                    std::pair{std::string("dense"), Shape{6, 7}}}) {
    const std::string name = kind + "." + level;
    const std::int64_t C = shape[1], plane = shape.rank() == 4 ? shape[2] * shape[3] : 1;
    ch10::BatchNorm<float> bn(C);
    for (float& v : bn.weight) v = static_cast<float>(rng.uniform(0.5, 2.0));
    for (float& v : bn.bias) v = static_cast<float>(rng.uniform(-1.0, 1.0));
    add(name + ".weight", bn.weight);
    add(name + ".bias", bn.bias);
    // Each channel its own offset and spread, as a layer's outputs have.
    std::vector<double> offset, spread;
    for (std::int64_t c = 0; c < C; ++c) {
      offset.push_back(rng.uniform(-3.0, 3.0));
      spread.push_back(rng.uniform(0.2, 4.0));
    }
    auto batch = [&] {
      Tensor<float> x(shape);
      for (std::int64_t i = 0; i < x.size(); ++i) {
        const auto c = static_cast<std::size_t>((i / plane) % C);
        x[i] = static_cast<float>(offset[c] + spread[c] * rng.uniform(-1.0, 1.0));
      }
      return x;
    };
    bn.prepare(shape);
    for (int k = 1; k <= 3; ++k) {
      const Tensor<float> x = batch();
      Tensor<float> dy(shape), y(shape), dx(shape);
      for (float& v : dy) v = static_cast<float>(rng.uniform(-1.0, 1.0));
      bn.forward(x.view(), y.view(), layers::Mode::Train);
      bn.d_weight.fill(0.0f);
      bn.d_bias.fill(0.0f);
      bn.backward(x.view(), y.view(), dy.view(), dx.view());
      const std::string s = std::to_string(k);
      add(name + ".x" + s, x);
      add(name + ".dy" + s, dy);
      add(name + ".y" + s, y);
      add(name + ".dx" + s, dx);
      add(name + ".dweight" + s, bn.d_weight);
      add(name + ".dbias" + s, bn.d_bias);
    }
    add(name + ".running_mean", bn.running_mean);
    add(name + ".running_var", bn.running_var);
    add(name + ".num_batches_tracked", bn.batches_seen);
    const Tensor<float> x = batch();
    Tensor<float> y(shape);
    bn.forward(x.view(), y.view(), layers::Mode::Eval);
    add(name + ".x_eval", x);
    add(name + ".y_eval", y);
  }
}

Tensor<float> copy_of(TensorView<const float> v) {
  Tensor<float> t(v.shape());
  std::copy(v.begin(), v.end(), t.begin());
  return t;
}

// A basic block with a projection shortcut (3 → 4 channels, stride 2) on
// x (4, 3, 6, 6), and a plain and a residual CIFAR-style net (n = 3, width
// `width`, 1×12×12, 5 classes) on 6 images: one training-mode forward pass
// and one backward pass each, at the active SIMD level. Saved: x, dy (the
// block) or labels (the nets, as floats), y or logits and loss, dx (the
// block), every parameter as "<case>.<name>" and its gradient as
// "<case>.grad.<name>".
void networks(Rng& rng, int width, std::vector<Tensor<float>>& keep, std::vector<std::string>& names) {
  auto add = [&](const std::string& name, const Tensor<float>& t) {
    keep.push_back(t);
    names.push_back(name);
  };
  auto save_parameters = [&](const std::string& prefix, std::vector<layers::Parameter<float>>& params) {
    for (auto& p : params) {
      add(prefix + "." + p.name, copy_of(p.value));
      add(prefix + ".grad." + p.name, copy_of(p.grad));
    }
  };
  {
    auto block = ch10::basic_block<float>(3, 4, 2);
    block->initialize(layers::Init::He, rng);
    std::vector<layers::Parameter<float>> params;
    block->parameters("", params);
    for (auto& p : params)  // γ and β away from 1 and 0
      if (p.value.rank() == 1)
        for (float& v : p.value) v = static_cast<float>(rng.uniform(0.5, 1.5));
    const Shape shape{4, 3, 6, 6};
    Tensor<float> x(shape), dx(shape);
    for (float& v : x) v = static_cast<float>(rng.uniform(-1.0, 1.0));
    block->prepare(shape);
    Tensor<float> y(block->output_shape(shape)), dy(y.shape());
    for (float& v : dy) v = static_cast<float>(rng.uniform(-1.0, 1.0));
    block->forward(x.view(), y.view(), layers::Mode::Train);
    block->backward(x.view(), y.view(), dy.view(), dx.view());
    add("block.x", x);
    add("block.dy", dy);
    add("block.y", y);
    add("block.dx", dx);
    save_parameters("block", params);
  }
  for (ch10::Shortcut kind : {ch10::Shortcut::Plain, ch10::Shortcut::Residual}) {
    const std::string name = kind == ch10::Shortcut::Plain ? "plain" : "resnet";
    ch10::CifarResNetConfig c;
    c.kind = kind;
    c.width = width;
    c.image = 12;
    c.classes = 5;
    layers::Network<float> net = ch10::cifar_resnet_network<float>(c, rng);
    Tensor<float> x(Shape{6, 1, 12, 12}), labels(Shape{6});
    for (float& v : x) v = static_cast<float>(rng.uniform(0.0, 1.0));
    std::vector<int> y(6);
    for (std::size_t i = 0; i < y.size(); ++i) {
      y[i] = static_cast<int>(rng.below(5));
      labels[static_cast<std::int64_t>(i)] = static_cast<float>(y[i]);
    }
    net.forward(x.view(), layers::Mode::Train);
    Tensor<float> loss(Shape{1});
    loss[0] = net.backward(y);
    add(name + ".x", x);
    add(name + ".labels", labels);
    add(name + ".logits", copy_of(net.logits()));
    add(name + ".loss", loss);
    save_parameters(name, net.parameters());
  }
}

int run(const std::string& out, std::uint64_t seed, int width) {
  std::vector<Tensor<float>> keep;  // the tensors the file's spans point into
  std::vector<std::string> names;
  keep.reserve(512);
  const SimdLevel active = simd_level();
  std::vector<SimdLevel> levels = {active};
  if (active != SimdLevel::Scalar) levels.push_back(SimdLevel::Scalar);
  for (SimdLevel level : levels) {
    set_simd_level(level);
    Rng rng(seed);
    cases(rng, std::string(to_string(level)), keep, names);
  }
  set_simd_level(active);
  Rng rng(seed + 1);
  networks(rng, width, keep, names);
  std::vector<NamedConstTensor> tensors;
  for (std::size_t i = 0; i < keep.size(); ++i) tensors.push_back({names[i], dims(keep[i].shape()), keep[i].span()});
  save_safetensors(out, tensors);
  std::string which;
  for (SimdLevel level : levels) which += (which.empty() ? "" : " and ") + std::string(to_string(level));
  std::printf("batch norm (%s), conv (4, 5, 3, 3) and dense (6, 7): three training steps and one evaluation pass;\n"
              "a basic block with projection, a plain and a residual net of width %d (%s): one step each → %s\n",
              which.c_str(), width, std::string(to_string(active)).c_str(), out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Our side of the batch-norm / PyTorch parity test (tests/ch10/pytorch_parity.py)"};
  std::string out;
  std::uint64_t seed = 10;
  app.add_option("--out", out, "safetensors file to write")->required();
  app.add_option("--seed", seed, "Seed of the parameters and batches")->capture_default_str();
  int width = 4;
  app.add_option("--width", width, "The nets' first-stage channels (16 or more: the Winograd route in float)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    return run(out, seed, width);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
