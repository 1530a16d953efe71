// bench_resnet_train — throughput of chapter 10's CIFAR-style residual nets
// on Fashion-MNIST-sized input (1×28×28, 10 classes; ResNet-20 by default,
// --blocks 9 for ResNet-56, --plain for the nets without shortcuts), in
// images per second: training (forward in train mode with batch norm's
// batch statistics, backward, SGD with momentum 0.9, lr 0.1, weight decay
// 1e-4 as λ = 5e-5) and inference (forward in eval mode and arg-max) on one
// fixed batch of synthetic images, repeated. Each figure is the median of
// --repeats timed runs of --steps steps, after --warmup untimed steps.
// bench/pytorch_resnet.py measures PyTorch doing the same steps;
// bench/compare_resnet.sh runs both and prints the ratios.
//
//   bench_resnet_train [--batch 128] [--threads 1] [--steps 5] [--repeats 5]
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "ch10/resnet.hpp"
#include "layers/train.hpp"
#include "nn/cli.hpp"
#include "nn/threads.hpp"
#include "throughput.hpp"

namespace {

// The network, its optimiser and a fixed batch of uniform [0, 1) images
// with random labels, drawn after the weights from the same stream.
struct ResNetJob {
  nn::Rng rng{1};
  nn::layers::Network<float> net;
  nn::ch05::Optimizer<float> opt;
  nn::Tensor<float> x;
  std::vector<int> labels, predicted;
  ResNetJob(std::int64_t batch, const nn::ch10::CifarResNetConfig& config)
      : net(nn::ch10::cifar_resnet_network<float>(config, rng)),
        opt(bench::classic_momentum(), nn::layers::optimizer_params(net)),
        x(nn::Shape{batch, config.in_channels, config.image, config.image}),
        labels(static_cast<std::size_t>(batch)),
        predicted(static_cast<std::size_t>(batch)) {
    for (float& v : x) v = static_cast<float>(rng.uniform());
    for (int& l : labels) l = static_cast<int>(rng.below(static_cast<std::uint64_t>(config.classes)));
  }
  void operator()() { nn::layers::train_step(net, opt, x, labels, 5e-5, 0.1); }
  void infer() {
    net.forward(x, nn::layers::Mode::Eval);
    net.predictions(predicted);
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Training and inference throughput of chapter 10's CIFAR-style ResNet on 1x28x28 images "
               "(images/s, median of repeats)"};
  std::int64_t batch = 128;
  int threads = 1, steps = 5, repeats = 5, warmup = 2;
  nn::ch10::CifarResNetConfig config;
  bool plain = false;
  std::string only;
  app.add_option("--batch", batch, "Minibatch size")->check(CLI::Range(2, 4096))->capture_default_str();
  app.add_option("--threads", threads, "Threads")->check(CLI::Range(1, 256))->capture_default_str();
  app.add_option("--blocks", config.blocks, "Basic blocks per stage (6n + 2 layers: 3 is ResNet-20)")
      ->check(CLI::Range(1, 100))->capture_default_str();
  app.add_flag("--plain", plain, "No shortcuts (the plain net of the same depth)");
  app.add_option("--steps", steps, "Steps per repeat")->check(CLI::Range(1, 1 << 20))->capture_default_str();
  app.add_option("--repeats", repeats, "Repeats (the median is reported)")->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--warmup", warmup, "Untimed steps first")->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--only", only, "Time only training or only inference")->check(CLI::IsMember({"training", "inference"}));
  CLI11_PARSE(app, argc, argv);
  try {
    nn::set_num_threads(threads);
    if (plain) config.kind = nn::ch10::Shortcut::Plain;
    ResNetJob job(batch, config);
    const std::string name = (plain ? "plain-" : "ResNet-") + std::to_string(6 * config.blocks + 2);
    auto report = [&](const char* what, const bench::Rates& r) {
      std::printf("ours  %s threads=%d batch=%lld %s images/s median %.2f  (min %.2f, max %.2f, %d repeats of %d steps)\n",
                  name.c_str(), threads, static_cast<long long>(batch), what, r.median, r.min, r.max, repeats, steps);
      std::fflush(stdout);
    };
    if (only != "inference") report("training", bench::measure(batch, steps, repeats, job, warmup));
    if (only != "training") report("inference", bench::measure(batch, steps, repeats, [&] { job.infer(); }, warmup));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
