// bench_lenet5_train — throughput of chapter 8's LeNet-5, in images per
// second: training (forward + backward + SGD with momentum 0.9, lr 0.05, as
// ch08_lenet5's default) and inference (forward only) on one fixed batch of
// synthetic 28×28 images, repeated. Each figure is the median of --repeats
// timed runs of --steps steps, after 20 untimed warm-up steps.
// bench/pytorch_lenet5.py measures PyTorch doing the same steps;
// bench/compare_lenet5.sh runs both and prints the ratios.
//
//   bench_lenet5_train [--batch 64] [--threads 1] [--steps 100] [--repeats 7]
//   bench_lenet5_train --scaling 15 --threads 2   (training, 1 against 2 threads, in rounds)
#include <cstdio>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "ch08/train.hpp"
#include "nn/cli.hpp"
#include "nn/error.hpp"
#include "nn/threads.hpp"
#include "throughput.hpp"

namespace {

// One training step of LeNet-5 on a fixed random batch, with its own
// network, optimiser and buffers.
struct Job {
  nn::Rng rng{1};
  nn::ch08::LeNet5<float> net;
  nn::ch05::Optimizer<float> opt;
  nn::Tensor<float> x;
  std::vector<int> labels;
  nn::ch08::LeNet5Workspace<float> ws;
  explicit Job(std::int64_t batch)
      : net(nn::ch08::make_lenet5<float>(rng)),
        opt(config(), net.params()),
        x(nn::Shape{batch, 1, 28, 28}),
        labels(static_cast<std::size_t>(batch)) {
    for (float& v : x) v = static_cast<float>(rng.uniform());
    for (int& l : labels) l = static_cast<int>(rng.below(10));
  }
  static nn::ch05::OptimizerConfig config() {
    nn::ch05::OptimizerConfig c;
    c.kind = nn::ch05::OptimizerKind::Classic;
    c.momentum = 0.9;
    return c;
  }
  void operator()() { nn::ch08::lenet5_train_step(net, ws, opt, x, labels, 0.05); }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Training and inference throughput of chapter 8's LeNet-5 (images/s, median of repeats)"};
  std::int64_t batch = 64;
  int threads = 1, steps = 100, repeats = 7, scaling = 0;
  app.add_option("--batch", batch, "Minibatch size")->check(CLI::Range(1, 1 << 16))->capture_default_str();
  app.add_option("--threads", threads, "Threads")->check(CLI::Range(1, 256))->capture_default_str();
  app.add_option("--steps", steps, "Steps per repeat")->check(CLI::Range(1, 1 << 20))->capture_default_str();
  app.add_option("--repeats", repeats, "Repeats (the median is reported)")->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--scaling", scaling,
                 "Instead: this many rounds of back-to-back training runs on 1 thread, on --threads threads and as two "
                 "independent 1-thread jobs; prints the median per-round ratios")
      ->check(CLI::Range(1, 1000));
  CLI11_PARSE(app, argc, argv);
  try {
    if (scaling > 0) {
      if (threads < 2) throw nn::Error("--scaling compares 1 thread with --threads, which must be at least 2");
      const bench::Scaling s = bench::paired_scaling(batch, steps, scaling, threads, [&] { return Job(batch); });
      bench::print_rounds("  ", s, threads);
      bench::print_scaling_summary("ours  LeNet-5", "scaling batch=" + std::to_string(batch) + " training", s, threads,
                                   scaling);
      return 0;
    }
    nn::set_num_threads(threads);
    Job job(batch);
    auto& net = job.net;
    auto& ws = job.ws;
    auto& x = job.x;
    const bench::Rates train = bench::measure(batch, steps, repeats, job);
    std::vector<int> predicted(static_cast<std::size_t>(batch));
    const bench::Rates infer = bench::measure(batch, steps, repeats, [&] {
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
