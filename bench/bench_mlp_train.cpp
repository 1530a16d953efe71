// bench_mlp_train — training throughput of the chapter-5 MLP
// (784-256-128-10, ReLU, softmax cross-entropy, SGD with momentum), in
// images per second: forward + backward + update on one fixed minibatch,
// repeated. bench/pytorch_mlp.py measures PyTorch doing the same steps;
// bench/compare_mlp.sh runs both and prints the ratio.
//
// --versus N times chapter 5's hand-tuned classifier against the same MLP
// built from the layer library (Dense, Activation: chapter 7) in N rounds:
// what the general layers cost on this network.
//
//   bench_mlp_train [--batch 64] [--threads 1] [--steps 300] [--repeats 7]
//   bench_mlp_train --scaling 15 --threads 2     (1 against 2 threads, in rounds)
//   bench_mlp_train --versus 9                   (classifier against layers, in rounds)
#include <cstdio>
#include <string>
#include <vector>

#include "ch05/train.hpp"
#include "layers/basic.hpp"
#include "layers/train.hpp"
#include "nn/cli.hpp"
#include "nn/error.hpp"
#include "nn/threads.hpp"
#include "throughput.hpp"

namespace {

// One training step of the MLP on a fixed random batch, with its own
// network, optimiser and buffers.
struct Job {
  nn::Rng rng{1}, masks{2};
  nn::ch05::Classifier<float> net;
  nn::ch05::Optimizer<float> opt;
  nn::Tensor<float> x;
  std::vector<int> labels;
  nn::ch05::ClassifierWorkspace<float> ws;
  Job(std::int64_t batch, nn::ch05::OptimizerKind kind)
      : net(nn::ch05::make_classifier<float>({784, 256, 128, 10}, nn::ch02::Activation::relu(), 0.0,
                                             nn::ch05::Init::He, rng)),
        opt(config(kind), net.params()),
        x(nn::Shape{batch, 784}),
        labels(static_cast<std::size_t>(batch)) {
    for (float& v : x) v = static_cast<float>(rng.uniform());
    for (int& l : labels) l = static_cast<int>(rng.below(10));
  }
  static nn::ch05::OptimizerConfig config(nn::ch05::OptimizerKind kind) {
    nn::ch05::OptimizerConfig c;
    c.kind = kind;
    return c;
  }
  void operator()() { nn::ch05::train_step(net, ws, opt, x, labels, 0.0, 0.001, masks); }
};

// The same MLP as a list of layers (He-initialised, a random batch of the same size).
struct LayersJob {
  nn::Rng rng{1};
  nn::layers::Network<float> net{"MLP 784-256-128-10", nn::Shape{1, 28, 28}, 10};
  nn::ch05::Optimizer<float> opt;
  nn::Tensor<float> x;
  std::vector<int> labels;
  LayersJob(std::int64_t batch, nn::ch05::OptimizerKind kind) : opt(Job::config(kind), build()) {
    x = nn::Tensor<float>(nn::Shape{batch, 1, 28, 28});
    labels.resize(static_cast<std::size_t>(batch));
    for (float& v : x) v = static_cast<float>(rng.uniform());
    for (int& l : labels) l = static_cast<int>(rng.below(10));
  }
  std::vector<nn::ch05::Param<float>> build() {
    using namespace nn::layers;
    auto& s = net.body();
    s.emplace<Dense<float>>("fc1", 784, 256);
    s.emplace<Activation<float>>("relu1", nn::ch02::Activation::relu());
    s.emplace<Dense<float>>("fc2", 256, 128);
    s.emplace<Activation<float>>("relu2", nn::ch02::Activation::relu());
    s.emplace<Dense<float>>("fc3", 128, 10);
    net.initialize(Init::He, rng);
    return optimizer_params(net);
  }
  void operator()() { nn::layers::train_step(net, opt, x, labels, 0.0, 0.001); }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Training throughput of the chapter-5 MLP (images/s, median of repeats)"};
  std::int64_t batch = 64;
  int threads = 1, steps = 300, repeats = 7, scaling = 0, rounds = 0;
  std::string optimizer = "classic";
  app.add_option("--batch", batch, "Minibatch size")->check(CLI::Range(1, 1 << 16))->capture_default_str();
  app.add_option("--threads", threads, "Threads")->check(CLI::Range(1, 256))->capture_default_str();
  app.add_option("--steps", steps, "Steps per repeat")->check(CLI::Range(1, 1 << 20))->capture_default_str();
  app.add_option("--repeats", repeats, "Repeats (the median is reported)")->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--optimizer", optimizer, "Optimiser")->capture_default_str();
  app.add_option("--scaling", scaling,
                 "Instead: this many rounds of back-to-back training runs on 1 thread, on --threads threads and as two "
                 "independent 1-thread jobs; prints the median per-round ratios")
      ->check(CLI::Range(1, 1000));
  app.add_option("--versus", rounds,
                 "Instead: this many rounds timing the chapter-5 classifier against the same MLP built from the layer "
                 "library (training, --threads threads); prints each round and the median ratio")
      ->check(CLI::Range(1, 1000));
  CLI11_PARSE(app, argc, argv);
  try {
    const nn::ch05::OptimizerKind kind = nn::ch05::parse_optimizer(optimizer);
    if (rounds > 0) {
      nn::set_num_threads(threads);
      Job tuned(batch, kind);
      LayersJob list(batch, kind);
      bench::versus(batch, steps, repeats, rounds, threads, "classifier", tuned, "layers", list);
      return 0;
    }
    if (scaling > 0) {
      if (threads < 2) throw nn::Error("--scaling compares 1 thread with --threads, which must be at least 2");
      const bench::Scaling s = bench::paired_scaling(batch, steps, scaling, threads, [&] { return Job(batch, kind); });
      bench::print_rounds("  ", s, threads);
      bench::print_scaling_summary(
          "ours ", "scaling batch=" + std::to_string(batch) + " optimizer=" + optimizer + " ", s, threads, scaling);
      return 0;
    }
    nn::set_num_threads(threads);
    Job job(batch, kind);
    const bench::Rates r = bench::measure(batch, steps, repeats, job);
    std::printf("ours  threads=%d batch=%lld optimizer=%s  images/s median %.0f  (min %.0f, max %.0f, %d repeats)\n",
                threads, static_cast<long long>(batch), optimizer.c_str(), r.median, r.min, r.max, repeats);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
