// bench_mlp_train — training throughput of the chapter-5 MLP
// (784-256-128-10, ReLU, softmax cross-entropy, SGD with momentum), in
// images per second: forward + backward + update on one fixed minibatch,
// repeated. bench/pytorch_mlp.py measures PyTorch doing the same steps;
// bench/compare_mlp.sh runs both and prints the ratio.
//
//   bench_mlp_train [--batch 64] [--threads 1] [--steps 300] [--repeats 7]
#include <algorithm>
#include <cstdio>
#include <vector>

#include "ch05/train.hpp"
#include "nn/cli.hpp"
#include "nn/report.hpp"
#include "nn/threads.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Training throughput of the chapter-5 MLP (images/s, median of repeats)"};
  std::int64_t batch = 64;
  int threads = 1, steps = 300, repeats = 7;
  std::string optimizer = "classic";
  app.add_option("--batch", batch, "Minibatch size")->check(CLI::Range(1, 1 << 16))->capture_default_str();
  app.add_option("--threads", threads, "Threads")->check(CLI::Range(1, 256))->capture_default_str();
  app.add_option("--steps", steps, "Steps per repeat")->check(CLI::Range(1, 1 << 20))->capture_default_str();
  app.add_option("--repeats", repeats, "Repeats (the median is reported)")->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--optimizer", optimizer, "Optimiser")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    nn::set_num_threads(threads);
    nn::Rng rng(1);
    auto net = nn::ch05::make_classifier<float>({784, 256, 128, 10}, nn::ch02::Activation::relu(), 0.0,
                                                nn::ch05::Init::He, rng);
    nn::ch05::OptimizerConfig c;
    c.kind = nn::ch05::parse_optimizer(optimizer);
    nn::ch05::Optimizer<float> opt(c, net.params());
    nn::Tensor<float> x(nn::Shape{batch, 784});
    for (float& v : x) v = static_cast<float>(rng.uniform());
    std::vector<int> labels(static_cast<std::size_t>(batch));
    for (int& l : labels) l = static_cast<int>(rng.below(10));
    nn::ch05::ClassifierWorkspace<float> ws;
    nn::Rng masks(2);
    for (int i = 0; i < 20; ++i) nn::ch05::train_step(net, ws, opt, x, labels, 0.0, 0.001, masks);  // warm-up
    std::vector<double> rates;
    for (int r = 0; r < repeats; ++r) {
      nn::Stopwatch clock;
      for (int i = 0; i < steps; ++i) nn::ch05::train_step(net, ws, opt, x, labels, 0.0, 0.001, masks);
      rates.push_back(static_cast<double>(batch) * steps / clock.seconds());
    }
    std::sort(rates.begin(), rates.end());
    std::printf("ours  threads=%d batch=%lld optimizer=%s  images/s median %.0f  (min %.0f, max %.0f, %d repeats)\n",
                threads, static_cast<long long>(batch), optimizer.c_str(), rates[rates.size() / 2], rates.front(),
                rates.back(), repeats);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
