// bench_lenet5_train — throughput of chapter 8's LeNet-5, in images per
// second: training (forward + backward + SGD with momentum 0.9, lr 0.05, as
// ch08_lenet5's default) and inference (forward only) on one fixed batch of
// synthetic 28×28 images, repeated. Each figure is the median of --repeats
// timed runs of --steps steps, after 20 untimed warm-up steps.
// bench/pytorch_lenet5.py measures PyTorch doing the same steps;
// bench/compare_lenet5.sh runs both and prints the ratios.
//
//   bench_lenet5_train [--batch 64] [--threads 1] [--steps 100] [--repeats 7]
#include <algorithm>
#include <cstdio>
#include <exception>
#include <utility>
#include <vector>

#include "ch08/train.hpp"
#include "nn/cli.hpp"
#include "nn/report.hpp"
#include "nn/threads.hpp"

namespace {

struct Rates {
  double median, min, max;
};

template <typename Step>
Rates measure(std::int64_t batch, int steps, int repeats, Step step) {
  for (int i = 0; i < 20; ++i) step();  // warm-up: buffers sized, caches and thread pool warm
  std::vector<double> rates;
  for (int r = 0; r < repeats; ++r) {
    nn::Stopwatch clock;
    for (int i = 0; i < steps; ++i) step();
    rates.push_back(static_cast<double>(batch) * steps / clock.seconds());
  }
  std::sort(rates.begin(), rates.end());
  return {rates[rates.size() / 2], rates.front(), rates.back()};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Training and inference throughput of chapter 8's LeNet-5 (images/s, median of repeats)"};
  std::int64_t batch = 64;
  int threads = 1, steps = 100, repeats = 7;
  app.add_option("--batch", batch, "Minibatch size")->check(CLI::Range(1, 1 << 16))->capture_default_str();
  app.add_option("--threads", threads, "Threads")->check(CLI::Range(1, 256))->capture_default_str();
  app.add_option("--steps", steps, "Steps per repeat")->check(CLI::Range(1, 1 << 20))->capture_default_str();
  app.add_option("--repeats", repeats, "Repeats (the median is reported)")->check(CLI::Range(1, 1000))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    nn::set_num_threads(threads);
    nn::Rng rng(1);
    auto net = nn::ch08::make_lenet5<float>(rng);
    nn::ch05::OptimizerConfig c;
    c.kind = nn::ch05::OptimizerKind::Classic;
    c.momentum = 0.9;
    nn::ch05::Optimizer<float> opt(c, net.params());
    nn::Tensor<float> x(nn::Shape{batch, 1, 28, 28});
    for (float& v : x) v = static_cast<float>(rng.uniform());
    std::vector<int> labels(static_cast<std::size_t>(batch));
    for (int& l : labels) l = static_cast<int>(rng.below(10));
    nn::ch08::LeNet5Workspace<float> ws;
    const Rates train = measure(batch, steps, repeats, [&] { nn::ch08::lenet5_train_step(net, ws, opt, x, labels, 0.05); });
    std::vector<int> predicted(static_cast<std::size_t>(batch));
    const Rates infer = measure(batch, steps, repeats, [&] {
      nn::ch08::lenet5_forward<float>(net, ws, x);
      nn::ch08::lenet5_predictions<float>(ws, predicted);
    });
    for (const auto& [what, r] : {std::pair{"training", train}, std::pair{"inference", infer}})
      std::printf("ours  LeNet-5 threads=%d batch=%lld %s images/s median %.0f  (min %.0f, max %.0f, %d repeats)\n",
                  threads, static_cast<long long>(batch), what, r.median, r.min, r.max, repeats);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
