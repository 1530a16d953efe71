// bench_alexnet_train — throughput of chapter 9's AlexNet at full size
// (3×227×227 input, 1000 classes, single tower, width 1, dropout 0.5 on the
// inputs of fc6 and fc7), in images per second: training (forward + backward
// + SGD with momentum 0.9, lr 0.01, weight decay 5e-4 as λ = 2.5e-4) and
// inference (forward in eval mode and arg-max) on one fixed batch of
// synthetic images, repeated. Each figure is the median of --repeats timed
// runs of --steps steps, after --warmup untimed steps.
// bench/pytorch_alexnet.py measures PyTorch doing the same steps;
// bench/compare_alexnet.sh runs both and prints the ratios.
//
// --memory: training steps only, then the process's peak resident memory
// (what the network, its gradients, the optimiser's velocity, the
// activations and the workspaces take at this batch).
//
//   bench_alexnet_train [--batch 32] [--threads 1] [--steps 3] [--repeats 5]
//   bench_alexnet_train --batch 128 --memory
#include <sys/resource.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "ch09/alexnet.hpp"
#include "layers/train.hpp"
#include "nn/cli.hpp"
#include "nn/threads.hpp"
#include "throughput.hpp"

namespace {

// The network, its optimiser and a fixed batch of uniform [0, 1) images
// with random labels, drawn after the weights from the same stream.
struct AlexNetJob {
  nn::Rng rng{1};
  nn::layers::Network<float> net;
  nn::ch05::Optimizer<float> opt;
  nn::Tensor<float> x;
  std::vector<int> labels, predicted;
  static nn::ch09::AlexNetConfig config(int slice) {
    nn::ch09::AlexNetConfig c;
    if (slice >= 0) c.slice_images = slice;
    return c;
  }
  AlexNetJob(std::int64_t batch, int slice)
      : net(nn::ch09::alexnet_network<float>(config(slice), rng)),
        opt(bench::classic_momentum(), nn::layers::optimizer_params(net)),
        x(nn::Shape{batch, 3, 227, 227}),
        labels(static_cast<std::size_t>(batch)),
        predicted(static_cast<std::size_t>(batch)) {
    for (float& v : x) v = static_cast<float>(rng.uniform());
    for (int& l : labels) l = static_cast<int>(rng.below(1000));
  }
  void operator()() { nn::layers::train_step(net, opt, x, labels, 2.5e-4, 0.01); }
  void infer() {
    net.forward(x, nn::layers::Mode::Eval);
    net.predictions(predicted);
  }
};

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Training and inference throughput of chapter 9's full-size AlexNet (images/s, median of repeats)"};
  std::int64_t batch = 32;
  int threads = 1, steps = 3, repeats = 5, warmup = 2;
  bool memory = false;
  std::string only;
  int slice = -1;
  app.add_option("--batch", batch, "Minibatch size")->check(CLI::Range(1, 4096))->capture_default_str();
  app.add_option("--threads", threads, "Threads")->check(CLI::Range(1, 256))->capture_default_str();
  app.add_option("--steps", steps, "Steps per repeat")->check(CLI::Range(1, 1 << 20))->capture_default_str();
  app.add_option("--repeats", repeats, "Repeats (the median is reported)")->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--warmup", warmup, "Untimed steps first")->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_flag("--memory", memory, "Only training steps, then the peak resident memory (MiB)");
  app.add_option("--slice", slice, "conv1 ... pool5 run this many images at a time (0: the whole batch; default: "
                                   "AlexNetConfig's)")->check(CLI::Range(0, 4096));
  app.add_option("--only", only, "Time only training or only inference")->check(CLI::IsMember({"training", "inference"}));
  CLI11_PARSE(app, argc, argv);
  try {
    nn::set_num_threads(threads);
    AlexNetJob job(batch, slice);
    auto report = [&](const char* what, const bench::Rates& r) {
      std::printf("ours  AlexNet threads=%d batch=%lld %s images/s median %.2f  (min %.2f, max %.2f, %d repeats of %d steps)\n",
                  threads, static_cast<long long>(batch), what, r.median, r.min, r.max, repeats, steps);
      std::fflush(stdout);
    };
    if (only != "inference") report("training", bench::measure(batch, steps, repeats, job, warmup));
    if (memory) {
      std::printf("ours  AlexNet threads=%d batch=%lld training peak RSS MiB %.0f\n", threads,
                  static_cast<long long>(batch), peak_rss_mib());
      return 0;
    }
    if (only != "training") report("inference", bench::measure(batch, steps, repeats, [&] { job.infer(); }, warmup));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
