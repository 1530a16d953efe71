// alexnet_parity_tool — our side of the PyTorch parity tests of chapter 9
// (tests/ch09/pytorch_parity.py drives it; see that file for the checks).
// Everything goes out as float32 safetensors with PyTorch's names:
//
//   gradients --out F    the full-size AlexNet (3×227×227, 1000 classes,
//                        single tower, dropout off), alexnet_network<float>
//                        (Rng(seed)) with biases drawn uniform in
//                        [-0.1, 0.1), a seeded batch of --batch uniform
//                        [0, 1) images and random labels, one forward +
//                        backward pass: F holds the weights, input, labels
//                        (as floats), logits, loss and every gradient
//                        (grad.conv1.weight, ...).
//   lrn --out F          the LRN layer in float on a seeded x and dy of
//                        shape (2, C, H, W) for the windows n = 1, 2, 3, 4,
//                        5, 7 (the paper's α, β, k, and a strong α), run
//                        twice: as AlexNet runs it (<level> = the active
//                        SIMD level: the AVX-512 kernels where the CPU has
//                        them) and with the scalar reference loops
//                        (exercises 9.1 and 9.2). F holds x, dy, and
//                        y.n<n>.<case>.<level>, dx.n<n>.<case>.<level>.
//   forward --checkpoint C --out F
//                        a width-reduced AlexNet for Fashion-MNIST (28×28
//                        grey images resized to 256, the centre 227 crop,
//                        the grey channel repeated to 3, 10 classes, random
//                        weights and biases) saved with layers::save as C (its
//                        configuration in the metadata), and its eval-mode
//                        logits on the first --batch test images: F holds
//                        input (N, 1, 28, 28) and logits.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "ch09/alexnet.hpp"
#include "ch09/lrn.hpp"
#include "layers/train.hpp"
#include "nn/cli.hpp"
#include "nn/cpu.hpp"
#include "nn/dataset.hpp"
#include "nn/error.hpp"
#include "nn/safetensors.hpp"
#include "parity_tool.hpp"

namespace {

using namespace nn;
using namespace nn::ch09;

using test::dims;

// Biases drawn too, so that a bias laid out wrongly would show.
void draw_biases(layers::Network<float>& net, Rng& rng) {
  for (auto& p : net.parameters())
    if (p.name.ends_with(".bias"))
      for (float& v : p.value) v = static_cast<float>(rng.uniform(-0.1, 0.1));
}

int gradients(const std::string& out, std::uint64_t seed, std::int64_t batch) {
  AlexNetConfig config;  // the lectures' AlexNet
  config.dropout = 0;    // PyTorch draws its own masks: compare without
  Rng rng(seed);
  layers::Network<float> net = alexnet_network<float>(config, rng);
  draw_biases(net, rng);
  Tensor<float> x(Shape{batch, 3, 227, 227});
  for (float& v : x) v = static_cast<float>(rng.uniform());
  std::vector<int> labels;
  std::vector<float> label_values;
  for (std::int64_t i = 0; i < batch; ++i) {
    labels.push_back(static_cast<int>(rng.below(1000)));
    label_values.push_back(static_cast<float>(labels.back()));
  }
  const TensorView<const float> z = net.forward(x, layers::Mode::Train);
  const float loss = net.backward(labels);
  std::vector<NamedConstTensor> tensors = {{"input", dims(x.shape()), x.span()},
                                           {"labels", {batch}, std::span<const float>(label_values)},
                                           {"logits", dims(z.shape()), z.span()},
                                           {"loss", {}, std::span<const float>(&loss, 1)}};
  for (auto& p : net.parameters()) {
    tensors.push_back({p.name, dims(p.value.shape()), p.value.span()});
    tensors.push_back({"grad." + p.name, dims(p.grad.shape()), p.grad.span()});
  }
  save_safetensors(out, tensors);
  std::printf("%s, a batch of %lld: one forward + backward, loss %.7g; weights, batch, logits and gradients → %s\n",
              net.architecture().c_str(), static_cast<long long>(batch), static_cast<double>(loss), out.c_str());
  return 0;
}

int lrn(const std::string& out, std::uint64_t seed) {
  struct Case {
    const char* name;
    Shape shape;
    double alpha;
  };
  // AlexNet's norm2 geometry with the paper's constants; an awkward small one with a strong α.
  const Case cases[] = {{"paper", Shape{2, 256, 13, 13}, 1e-4}, {"strong", Shape{2, 7, 5, 3}, 0.5}};
  Rng rng(seed);
  std::vector<Tensor<float>> keep;  // the tensors the file's spans point into
  std::vector<std::string> names;
  keep.reserve(128);
  const SimdLevel active = simd_level();
  std::vector<SimdLevel> levels = {active};
  if (active != SimdLevel::Scalar) levels.push_back(SimdLevel::Scalar);
  for (const Case& c : cases) {
    Tensor<float>& x = keep.emplace_back(c.shape);
    Tensor<float>& dy = keep.emplace_back(c.shape);
    for (float& v : x) v = static_cast<float>(rng.uniform(-6.0, 6.0));
    for (float& v : dy) v = static_cast<float>(rng.uniform(-1.0, 1.0));
    names.push_back(std::string("x.") + c.name);
    names.push_back(std::string("dy.") + c.name);
    for (SimdLevel level : levels) {
      set_simd_level(level);
      for (int n : {1, 2, 3, 4, 5, 7}) {
        LocalResponseNorm<float> layer(LrnParams{n, c.alpha, 0.75, 2.0});
        Tensor<float>& y = keep.emplace_back(c.shape);
        Tensor<float>& dx = keep.emplace_back(c.shape);
        layer.forward(x, y, layers::Mode::Train);
        layer.backward(x, y, dy, dx);
        const std::string tag = "n" + std::to_string(n) + "." + c.name + "." + std::string(to_string(level));
        names.push_back("y." + tag);
        names.push_back("dx." + tag);
      }
    }
  }
  set_simd_level(active);
  std::vector<NamedConstTensor> tensors;
  for (std::size_t i = 0; i < keep.size(); ++i) tensors.push_back({names[i], dims(keep[i].shape()), keep[i].span()});
  save_safetensors(out, tensors);
  std::string which;
  for (SimdLevel level : levels) which += (which.empty() ? "" : " and ") + std::string(to_string(level));
  std::printf("LRN layer (%s): x, dy and y, dx for n = 1, 2, 3, 4, 5, 7 → %s\n", which.c_str(), out.c_str());
  return 0;
}

int forward(const std::string& checkpoint, const std::string& out, const std::string& data, std::uint64_t seed,
            std::int64_t batch) {
  AlexNetConfig config;
  config.source_channels = 1;
  config.in_channels = 3;
  config.source = 28;
  config.resize = 256;
  config.classes = 10;
  config.width = 1.0 / 16;
  Rng rng(seed);
  layers::Network<float> net = alexnet_network<float>(config, rng);
  draw_biases(net, rng);
  Tensor<float> x(Shape{batch, 1, 28, 28});
  try {
    TrainTest d = load_mnist_style(data, 1);
    if (d.test.size() < batch) throw Error("only " + std::to_string(d.test.size()) + " test images");
    std::copy(d.test.images.data(), d.test.images.data() + x.size(), x.data());
    std::printf("batch: the first %lld test images of %s\n", static_cast<long long>(batch), data.c_str());
  } catch (const Error& e) {
    std::printf("note: no data (%s); using a seeded synthetic batch instead\n", e.what());
    for (float& v : x) v = static_cast<float>(rng.uniform());
  }
  layers::save(checkpoint, net);
  const TensorView<const float> z = net.forward(x, layers::Mode::Eval);
  save_safetensors(out, {{"input", dims(x.shape()), x.span()}, {"logits", dims(z.shape()), z.span()}});
  std::printf("%s saved → %s; logits of the batch → %s\n", net.architecture().c_str(), checkpoint.c_str(),
              out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Our side of the AlexNet / PyTorch parity tests (tests/ch09/pytorch_parity.py)"};
  app.require_subcommand(1);
  std::string data = kFashionMnistDir, out, checkpoint;
  std::uint64_t seed = 9;
  std::int64_t batch = 2;
  auto* grad = app.add_subcommand("gradients", "Full-size AlexNet: weights, batch, logits, loss and every gradient");
  auto* norm = app.add_subcommand("lrn", "The LRN layer's outputs and input deltas for several windows");
  auto* fwd = app.add_subcommand("forward", "Save a width-reduced Fashion-MNIST AlexNet, and its logits");
  for (auto* sub : {grad, norm, fwd}) {
    sub->add_option("--out", out, "safetensors file to write")->required();
    sub->add_option("--seed", seed, "Seed of the weights, biases and data")->capture_default_str();
  }
  for (auto* sub : {grad, fwd})
    sub->add_option("--batch", batch, "Images in the batch")->check(CLI::Range(1, 10000))->capture_default_str();
  fwd->add_option("--checkpoint", checkpoint, "Where to save the network")->required();
  fwd->add_option("--data", data, "Folder with the MNIST-format files")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    if (*grad) return gradients(out, seed, batch);
    if (*norm) return lrn(out, seed);
    return forward(checkpoint, out, data, seed, batch);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
