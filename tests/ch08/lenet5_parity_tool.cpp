// lenet5_parity_tool — our side of the PyTorch parity tests of chapter 8
// (tests/ch08/pytorch_parity.py drives it; see that file for the checks).
// It writes everything as float32 safetensors with PyTorch's names, so the
// Python side needs nothing beyond torch:
//
//   gradients --out F    the LeNet-5 ch08_lenet5 trains, lenet5_network<float>
//                        (Rng(seed)), a list of layers, with biases drawn
//                        uniform in [-0.1, 0.1) (so a bias layout error would
//                        show), the first --batch training images, one
//                        forward + backward pass. F holds the
//                        weights (c1.weight, ..., output.bias), input (N, 1,
//                        28, 28), labels (N, as floats), logits (N, 10), loss
//                        (a scalar) and every gradient (grad.c1.weight, ...).
//   forward --checkpoint C --out F
//                        the same network saved with layers::save as C, and its
//                        forward pass on the batch: F holds input, labels, logits.
//   logits --checkpoint C --input F --out G
//                        layers::load(C) (a PyTorch state_dict written by hand),
//                        the forward pass on F's "input": G holds logits.
//
// The data are the first --batch images of the Fashion-MNIST training set
// (--data); if those files are missing, a seeded synthetic batch is used and
// a note says so.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "ch08/lenet5_network.hpp"
#include "layers/train.hpp"
#include "nn/cli.hpp"
#include "nn/dataset.hpp"
#include "nn/error.hpp"
#include "nn/safetensors.hpp"
#include "parity_tool.hpp"

namespace {

using namespace nn;
using namespace nn::ch08;

using test::dims;

struct Batch {
  Tensor<float> x;
  std::vector<int> labels;
  std::vector<float> label_values;  // the labels as float32, for the file
};

Batch first_batch(const std::string& dir, std::int64_t n, std::uint64_t seed) {
  Batch b;
  b.x = Tensor<float>(Shape{n, 1, 28, 28});
  try {
    TrainTest data = load_mnist_style(dir, n, 1);
    if (data.train.size() < n) throw Error("only " + std::to_string(data.train.size()) + " training images");
    std::copy(data.train.images.data(), data.train.images.data() + b.x.size(), b.x.data());
    for (std::int64_t i = 0; i < n; ++i) b.labels.push_back(data.train.labels[static_cast<std::size_t>(i)]);
    std::printf("batch: the first %lld training images of %s\n", static_cast<long long>(n), dir.c_str());
  } catch (const Error& e) {
    std::printf("note: no data (%s); using a seeded synthetic batch instead\n", e.what());
    Rng rng(seed ^ 0x5eedULL);
    for (float& v : b.x.span()) v = static_cast<float>(rng.uniform());
    for (std::int64_t i = 0; i < n; ++i) b.labels.push_back(static_cast<int>(rng.below(10)));
  }
  for (int l : b.labels) b.label_values.push_back(static_cast<float>(l));
  return b;
}

layers::Network<float> make_net(std::uint64_t seed) {
  Rng rng(seed);
  layers::Network<float> net = lenet5_network<float>(rng);
  for (auto& p : net.parameters())
    if (p.name.ends_with(".bias"))
      for (float& v : p.value) v = static_cast<float>(rng.uniform(-0.1, 0.1));
  return net;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Our side of the LeNet-5 / PyTorch parity tests (tests/ch08/pytorch_parity.py)"};
  app.require_subcommand(1);
  std::string data = kFashionMnistDir, out, checkpoint, input;
  std::uint64_t seed = 8;
  std::int64_t batch = 64;
  auto* gradients = app.add_subcommand("gradients", "Weights, batch, logits, loss and every gradient of one step");
  auto* forward = app.add_subcommand("forward", "Save a network, and its logits on the batch");
  auto* logits = app.add_subcommand("logits", "Load a checkpoint, and its logits on a file's input");
  for (auto* sub : {gradients, forward}) {
    sub->add_option("--data", data, "Folder with the MNIST-format files")->capture_default_str();
    sub->add_option("--seed", seed, "Seed of the weights and of the biases")->capture_default_str();
    sub->add_option("--batch", batch, "Images in the batch")->check(CLI::Range(1, 60000))->capture_default_str();
  }
  for (auto* sub : {gradients, forward, logits}) sub->add_option("--out", out, "safetensors file to write")->required();
  forward->add_option("--checkpoint", checkpoint, "Where to save the network")->required();
  logits->add_option("--checkpoint", checkpoint, "Checkpoint to load")->required()
      ->check(CLI::ExistingFile);
  logits->add_option("--input", input, "safetensors file with an 'input' tensor (N, 1, 28, 28)")->required()
      ->check(CLI::ExistingFile);
  CLI11_PARSE(app, argc, argv);
  try {
    if (*logits) {
      layers::Network<float> net = make_net(seed);
      layers::load(checkpoint, net);
      SafetensorsFile file(input);
      if (!file.contains("input")) throw Error(input + ": no tensor 'input'");
      const std::vector<std::int64_t> shape = file.entries().at("input").shape;
      if (shape.size() != 4) throw Error(input + ": 'input' must be (N, 1, 28, 28)");
      Tensor<float> x(Shape{shape[0], shape[1], shape[2], shape[3]});
      file.read("input", shape, x.span());
      const TensorView<const float> z = net.forward(x, layers::Mode::Eval);
      save_safetensors(out, {{"logits", dims(z.shape()), z.span()}});
      std::printf("load(%s), logits of %lld images → %s\n", checkpoint.c_str(),
                  static_cast<long long>(shape[0]), out.c_str());
      return 0;
    }
    layers::Network<float> net = make_net(seed);
    const Batch b = first_batch(data, batch, seed);
    std::vector<NamedConstTensor> tensors = {
        {"input", dims(b.x.shape()), b.x.span()},
        {"labels", {batch}, std::span<const float>(b.label_values)},
    };
    if (*forward) {
      layers::save(checkpoint, net);
      const TensorView<const float> z = net.forward(b.x, layers::Mode::Eval);
      tensors.push_back({"logits", dims(z.shape()), z.span()});
      save_safetensors(out, tensors);
      std::printf("save → %s; logits of the batch → %s\n", checkpoint.c_str(), out.c_str());
      return 0;
    }
    const TensorView<const float> z = net.forward(b.x, layers::Mode::Train);
    const float loss = net.backward(b.labels);
    tensors.push_back({"logits", dims(z.shape()), z.span()});
    tensors.push_back({"loss", {}, std::span<const float>(&loss, 1)});
    // The names are kept alive here: NamedConstTensor copies them, the spans point into net.
    for (auto& p : net.parameters()) {
      tensors.push_back({p.name, dims(p.value.shape()), p.value.span()});
      tensors.push_back({"grad." + p.name, dims(p.grad.shape()), p.grad.span()});
    }
    save_safetensors(out, tensors);
    std::printf("one forward + backward: loss %.7g; weights, batch, logits and gradients → %s\n",
                static_cast<double>(loss), out.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
