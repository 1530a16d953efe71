// ch08_lenet5 — Chapter 8: LeNet-5 on Fashion-MNIST.
//
// Prints the network layer by layer (output shapes, parameters: 61,706 in
// all), trains it with chapter 7's loop (progress line, per-epoch CSV, loss
// and accuracy PNGs), reports the test accuracy and saves the weights as
// safetensors with PyTorch's names (c1.weight, ..., output.bias).
// --eval CHECKPOINT evaluates a saved checkpoint on the test set instead.
#include <cstdio>
#include <string>
#include <vector>

#include "ch08/train.hpp"
#include "nn/cli.hpp"
#include "nn/cpu.hpp"
#include "nn/dataset.hpp"
#include "nn/plot.hpp"
#include "nn/report.hpp"
#include "nn/threads.hpp"

namespace {

using namespace nn;
using namespace nn::ch08;

struct Options {
  std::string data = kFashionMnistDir;
  std::string optimizer = "classic";
  double momentum = 0.9;
  double lr = 0.05;
  int epochs = 2;
  std::int64_t batch = 64;
  std::string schedule = "step";
  int step = 3;
  int threads = 1;
  std::int64_t validation = 5000;
  std::int64_t limit_train = 0;
  std::string eval;
};

plot::Series series(const std::string& title, const std::vector<ch05::EpochRecord>& recs,
                    double ch05::EpochRecord::*field, double scale = 1.0) {
  plot::Series s;
  s.title = title;
  s.style = "linespoints lw 2 pt 7 ps 0.6";
  for (const auto& r : recs) {
    s.x.push_back(r.epoch);
    s.y.push_back(scale * (r.*field));
  }
  return s;
}

void print_layers(const LeNet5<float>& net) {
  std::printf("%-24s %-10s %10s\n", "layer", "output", "parameters");
  std::int64_t total = 0;
  for (const LayerRow& r : lenet5_layers(net)) {
    std::printf("%-24s %-10s %10lld\n", r.name.c_str(), r.output.c_str(), static_cast<long long>(r.parameters));
    total += r.parameters;
  }
  std::printf("%-24s %-10s %10lld\n", "total", "", static_cast<long long>(total));
}

void print_confusion(const std::vector<std::int64_t>& confusion) {
  const auto& names = fashion_mnist_classes();
  std::printf("\nconfusion (rows: true class, columns: predicted)\n%12s", "");
  for (int j = 0; j < 10; ++j) std::printf(" %5d", j);
  std::printf("\n");
  for (int i = 0; i < 10; ++i) {
    std::printf("%d %-10.10s", i, names[static_cast<std::size_t>(i)].c_str());
    for (int j = 0; j < 10; ++j) std::printf(" %5lld", static_cast<long long>(confusion[static_cast<std::size_t>(i * 10 + j)]));
    std::printf("\n");
  }
}

int main_run(const Options& o, const cli::CommonOptions& common) {
  Stopwatch total;
  std::printf("Chapter 8: LeNet-5 on Fashion-MNIST   (SIMD %s, %d thread%s, seed %llu)\n",
              std::string(to_string(simd_level())).c_str(), num_threads(), num_threads() == 1 ? "" : "s",
              static_cast<unsigned long long>(common.seed));
  Rng rng(common.seed);
  LeNet5<float> net = make_lenet5<float>(rng);
  print_layers(net);
  TrainTest data = load_mnist_style(o.data, o.eval.empty() ? o.limit_train : 1);
  const std::string out = common.out_dir;
  std::vector<std::int64_t> confusion;
  if (!o.eval.empty()) {
    load_lenet5(o.eval, net);
    Stopwatch clock;
    const double acc = evaluate_lenet5(net, data.test, 500, &confusion);
    const double seconds = clock.seconds();
    std::printf("\n%s: test accuracy %.2f%% on %lld images (%.2f s, %.0f img/s)\n", o.eval.c_str(), 100 * acc,
                static_cast<long long>(data.test.size()), seconds, static_cast<double>(data.test.size()) / seconds);
    print_confusion(confusion);
    return 0;
  }
  Dataset validation = split_validation(data.train, o.validation, common.seed);
  std::printf("\ndata: %s — %lld training, %lld validation, %lld test images\n"
              "optimiser %s, lr %g, batch %lld, %d epochs\n",
              o.data.c_str(), static_cast<long long>(data.train.size()), static_cast<long long>(validation.size()),
              static_cast<long long>(data.test.size()), o.optimizer.c_str(), o.lr, static_cast<long long>(o.batch),
              o.epochs);
  ch05::TrainOptions t;
  t.epochs = o.epochs;
  t.batch_size = o.batch;
  t.optimizer.kind = ch05::parse_optimizer(o.optimizer);
  t.optimizer.momentum = o.momentum;
  t.learning_rate = o.lr;
  t.schedule = ch05::Schedule::parse(o.schedule);
  t.schedule_step = o.step;
  t.seed = common.seed;
  t.label = "lenet5";
  CsvWriter csv(out + "/epochs.csv", {"epoch", "train_loss", "train_accuracy", "validation_accuracy", "learning_rate",
                                      "seconds", "images_per_second"});
  const ch05::TrainResult r = train_lenet5(net, data.train, validation, t, [&](const ch05::EpochRecord& e) {
    std::printf("epoch %3d  loss %.4f  train %.2f%%  val %.2f%%  lr %.4g  %.1f s  %.0f img/s\n", e.epoch, e.train_loss,
                100 * e.train_accuracy, 100 * e.validation_accuracy, e.learning_rate, e.seconds, e.images_per_second);
    std::fflush(stdout);
    csv.row({static_cast<double>(e.epoch), e.train_loss, e.train_accuracy, e.validation_accuracy, e.learning_rate,
             e.seconds, e.images_per_second});
  });
  const double test_acc = evaluate_lenet5(net, data.test, 500, &confusion);
  double train_time = 0;
  for (const auto& e : r.epochs) train_time += e.seconds;
  std::printf("\ntest accuracy %.2f%% after %zu epochs (%.1f s of training)\n", 100 * test_acc, r.epochs.size(),
              train_time);
  print_confusion(confusion);

  plot::Options po;
  po.title = "LeNet-5: training loss (mean of every 50 minibatches)";
  po.xlabel = "epoch";
  po.ylabel = "softmax cross-entropy";
  po.log_y = true;
  plot::Series trace;
  trace.title = "training loss";
  for (const auto& [x, y] : r.loss_trace) {
    trace.x.push_back(x);
    trace.y.push_back(y);
  }
  plot::lines(out + "/loss.png", {trace}, po);
  po.title = "LeNet-5: accuracy";
  po.ylabel = "accuracy (%)";
  po.log_y = false;
  plot::lines(out + "/accuracy.png",
              {series("train", r.epochs, &ch05::EpochRecord::train_accuracy, 100.0),
               series("validation", r.epochs, &ch05::EpochRecord::validation_accuracy, 100.0)},
              po);
  CsvWriter summary(out + "/summary.csv", {"metric", "value"});
  summary.row("test_accuracy", {test_acc});
  summary.row("epochs", {static_cast<double>(r.epochs.size())});
  summary.row("training_seconds", {train_time});
  save_lenet5(out + "/model.safetensors", net);
  std::printf("wrote %s/loss.png, accuracy.png, epochs.csv, summary.csv, model.safetensors\n", out.c_str());
  std::printf("done in %.1f s; results in %s/\n", total.seconds(), out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 8: LeNet-5 (conv 6@5x5, tanh, avg-pool, conv 16@5x5, tanh, avg-pool, conv 120@5x5, tanh, "
               "dense 84, tanh, dense 10) trained on Fashion-MNIST; --eval evaluates a saved checkpoint."};
  nn::cli::CommonOptions common{"out/ch08_lenet5"};
  nn::cli::add_common_options(app, common);
  Options o;
  app.add_option("--data", o.data, "Folder with the MNIST-format files (gzipped or not)")->capture_default_str();
  app.add_option("--optimizer", o.optimizer, "sgd, momentum, classic, nesterov, adagrad, rmsprop, adam")
      ->check(CLI::IsMember({"sgd", "momentum", "classic", "nesterov", "adagrad", "rmsprop", "adam"}))
      ->capture_default_str();
  app.add_option("--momentum", o.momentum, "Momentum alpha/mu")->check(CLI::Range(0.0, 0.9999))->capture_default_str();
  app.add_option("--lr", o.lr, "Learning rate")->check(nn::cli::Positive)->capture_default_str();
  app.add_option("--epochs", o.epochs, "Epochs")->check(CLI::Range(1, 100000))->capture_default_str();
  app.add_option("--batch", o.batch, "Minibatch size")->check(CLI::Range(1, 1 << 16))->capture_default_str();
  app.add_option("--schedule", o.schedule, "Learning-rate schedule: none, step (x0.1 every --step epochs), plateau")
      ->check(CLI::IsMember({"none", "step", "plateau"}))->capture_default_str();
  app.add_option("--step", o.step, "Epochs between step-decay cuts")->check(CLI::Range(1, 100000))->capture_default_str();
  app.add_option("--threads", o.threads, "Threads for the matrix multiplies")->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--validation", o.validation, "Training images held out for validation")
      ->check(CLI::Range(1, 1000000))->capture_default_str();
  app.add_option("--limit-train", o.limit_train, "Use only the first N training images (0: all)")
      ->check(CLI::Range(0, 100000000))->capture_default_str();
  app.add_option("--eval", o.eval, "Evaluate this safetensors checkpoint on the test set instead of training")
      ->check(CLI::ExistingFile);
  return nn::cli::run(app, argc, argv, common, [&] {
    nn::set_num_threads(o.threads);
    return main_run(o, common);
  });
}
