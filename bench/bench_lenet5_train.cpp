// bench_lenet5_train — throughput of chapter 8's LeNet-5, in images per
// second: training (forward + backward + SGD with momentum 0.9, lr 0.05, as
// ch08_lenet5's default) and inference (forward only) on one fixed batch of
// synthetic 28×28 images, repeated. Each figure is the median of --repeats
// timed runs of --steps steps, after 20 untimed warm-up steps.
// bench/pytorch_lenet5.py measures PyTorch doing the same steps;
// bench/compare_lenet5.sh runs both and prints the ratios.
//
// Two builds of the same network: --model layers (the default, what
// ch08_lenet5 trains: ch08/lenet5_network.hpp, a list of layers) and
// --model hand-wired (ch08/lenet5.hpp). --versus N times them against each
// other: N rounds, each timing both (in alternating order), and the median
// of the per-round ratios: what the layer library costs.
//
//   bench_lenet5_train [--batch 64] [--threads 1] [--steps 100] [--repeats 7] [--model layers]
//   bench_lenet5_train --versus 9            (layers against hand-wired, training, in rounds)
//   bench_lenet5_train --scaling 15 --threads 2   (training, 1 against 2 threads, in rounds)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "ch08/lenet5.hpp"
#include "ch08/lenet5_network.hpp"
#include "layers/train.hpp"
#include "nn/cli.hpp"
#include "nn/error.hpp"
#include "nn/threads.hpp"
#include "throughput.hpp"

namespace {

// A fixed random batch; drawn after the weights from the same stream, so
// both models see the same weights and the same images.
struct Batch {
  nn::Tensor<float> x;
  std::vector<int> labels;
  Batch(std::int64_t batch, nn::Rng& rng) : x(nn::Shape{batch, 1, 28, 28}), labels(static_cast<std::size_t>(batch)) {
    for (float& v : x) v = static_cast<float>(rng.uniform());
    for (int& l : labels) l = static_cast<int>(rng.below(10));
  }
};

// One training step of the hand-wired LeNet-5 on a fixed random batch, with
// its own network, optimiser and buffers.
struct HandWired {
  nn::Rng rng{1};
  nn::ch08::LeNet5<float> net;
  nn::ch05::Optimizer<float> opt;
  Batch data;
  nn::ch08::LeNet5Workspace<float> ws;
  std::vector<int> predicted;
  explicit HandWired(std::int64_t batch)
      : net(nn::ch08::make_lenet5<float>(rng)), opt(bench::classic_momentum(), net.params()), data(batch, rng),
        predicted(static_cast<std::size_t>(batch)) {}
  void operator()() { nn::ch08::lenet5_train_step(net, ws, opt, data.x, data.labels, 0.05); }
  void infer() {
    nn::ch08::lenet5_forward<float>(net, ws, data.x);
    nn::ch08::lenet5_predictions<float>(ws, predicted);
  }
};

// The same with the LeNet-5 that is a list of layers.
struct Layers {
  nn::Rng rng{1};
  nn::layers::Network<float> net;
  nn::ch05::Optimizer<float> opt;
  Batch data;
  std::vector<int> predicted;
  explicit Layers(std::int64_t batch)
      : net(nn::ch08::lenet5_network<float>(rng)), opt(bench::classic_momentum(), nn::layers::optimizer_params(net)),
        data(batch, rng), predicted(static_cast<std::size_t>(batch)) {}
  void operator()() { nn::layers::train_step(net, opt, data.x, data.labels, 0.0, 0.05); }
  void infer() {
    net.forward(data.x, nn::layers::Mode::Eval);
    net.predictions(predicted);
  }
};

// The two on the same weights and batch, before any step: the largest
// difference of the logits, and of each parameter's gradient relative to
// that gradient's largest entry.
void compare(HandWired& hand, Layers& list) {
  nn::ch08::lenet5_forward<float>(hand.net, hand.ws, hand.data.x);
  nn::ch08::lenet5_backward<float>(hand.net, hand.ws, hand.data.labels);
  list.net.forward(list.data.x, nn::layers::Mode::Train);
  list.net.backward(list.data.labels);
  float logits = 0;
  for (std::int64_t i = 0; i < hand.ws.logits.size(); ++i)
    logits = std::max(logits, std::abs(hand.ws.logits[i] - list.net.logits()[i]));
  std::printf("same weights, same batch: logits differ by at most %.3g", static_cast<double>(logits));
  auto hp = hand.net.params();
  auto& lp = list.net.parameters();
  double worst = 0;
  std::string where;
  for (std::size_t k = 0; k < hp.size(); ++k) {
    float largest = 0, diff = 0;
    for (std::int64_t i = 0; i < hp[k].grad.size(); ++i) {
      largest = std::max(largest, std::abs(hp[k].grad[i]));
      diff = std::max(diff, std::abs(hp[k].grad[i] - lp[k].grad[i]));
    }
    const double rel = largest > 0 ? static_cast<double>(diff / largest) : 0.0;
    if (rel >= worst) {
      worst = rel;
      where = hp[k].name;
    }
  }
  std::printf("; gradients by at most %.3g of a tensor's largest entry (%s)\n", worst, where.c_str());
}

template <typename Job>
void run(std::int64_t batch, int threads, int steps, int repeats, const char* name) {
  nn::set_num_threads(threads);
  Job job(batch);
  const bench::Rates train = bench::measure(batch, steps, repeats, job);
  const bench::Rates infer = bench::measure(batch, steps, repeats, [&] { job.infer(); });
  for (const auto& [what, r] : {std::pair{"training", train}, std::pair{"inference", infer}})
    std::printf("ours  LeNet-5 (%s) threads=%d batch=%lld %s images/s median %.0f  (min %.0f, max %.0f, %d repeats)\n",
                name, threads, static_cast<long long>(batch), what, r.median, r.min, r.max, repeats);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Training and inference throughput of chapter 8's LeNet-5 (images/s, median of repeats)"};
  std::int64_t batch = 64;
  int threads = 1, steps = 100, repeats = 7, scaling = 0, rounds = 0;
  std::string model = "layers";
  app.add_option("--batch", batch, "Minibatch size")->check(CLI::Range(1, 1 << 16))->capture_default_str();
  app.add_option("--threads", threads, "Threads")->check(CLI::Range(1, 256))->capture_default_str();
  app.add_option("--steps", steps, "Steps per repeat")->check(CLI::Range(1, 1 << 20))->capture_default_str();
  app.add_option("--repeats", repeats, "Repeats (the median is reported)")->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--model", model, "layers: the list of layers ch08_lenet5 trains; hand-wired: ch08/lenet5.hpp")
      ->check(CLI::IsMember({"layers", "hand-wired"}))->capture_default_str();
  app.add_option("--versus", rounds,
                 "Instead: this many rounds timing the layers model against the hand-wired one (training, "
                 "--threads threads); prints each round and the median ratio")
      ->check(CLI::Range(1, 1000));
  app.add_option("--scaling", scaling,
                 "Instead: this many rounds of back-to-back training runs on 1 thread, on --threads threads and as two "
                 "independent 1-thread jobs; prints the median per-round ratios")
      ->check(CLI::Range(1, 1000));
  CLI11_PARSE(app, argc, argv);
  try {
    const bool layers = model == "layers";
    if (rounds > 0) {
      nn::set_num_threads(threads);
      HandWired hand(batch);
      Layers list(batch);
      compare(hand, list);
      bench::versus(batch, steps, repeats, rounds, threads, "hand-wired", hand, "layers", list);
      return 0;
    }
    if (scaling > 0) {
      if (threads < 2) throw nn::Error("--scaling compares 1 thread with --threads, which must be at least 2");
      const bench::Scaling s = layers ? bench::paired_scaling(batch, steps, scaling, threads, [&] { return Layers(batch); })
                                      : bench::paired_scaling(batch, steps, scaling, threads, [&] { return HandWired(batch); });
      bench::print_rounds("  ", s, threads);
      bench::print_scaling_summary("ours  LeNet-5 (" + model + ")", "scaling batch=" + std::to_string(batch) + " training",
                                   s, threads, scaling);
      return 0;
    }
    if (layers)
      run<Layers>(batch, threads, steps, repeats, "layers");
    else
      run<HandWired>(batch, threads, steps, repeats, "hand-wired");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
