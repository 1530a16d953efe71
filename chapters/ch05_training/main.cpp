// ch05_training — Chapter 5: training on real data.
//
// Trains an MLP (784-256-128-10, ReLU, softmax cross-entropy) on
// Fashion-MNIST with minibatch gradient descent, reporting loss, train and
// validation accuracy, learning rate and images/s per epoch (progress line,
// CSV, PNG), then the test accuracy; saves the model as safetensors.
//
//   --compare-optimizers   the same net and seed under every optimiser
//   --overfitting          a large net on a small subset, without and with
//                          L2 / dropout / early stopping
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "ch05/train.hpp"
#include "layers/train.hpp"
#include "nn/cli.hpp"
#include "nn/cpu.hpp"
#include "nn/dataset.hpp"
#include "nn/plot.hpp"
#include "nn/report.hpp"
#include "nn/threads.hpp"

namespace {

using namespace nn;
using namespace nn::ch05;

struct Options : nn::cli::TrainingFlags {
  Options() {
    epochs = 20;
    step = 12;
  }
  std::vector<int> hidden = {256, 128};
  std::string activation = "relu";
  std::string init = "he";
  double dropout = 0.0;
  bool standardise = false;
  bool compare_optimizers = false;
  bool overfitting = false;
  int compare_epochs = 3;
};

Classifier<float> build(const Options& o, std::int64_t inputs, int classes, std::uint64_t seed,
                        const std::vector<int>& hidden, double dropout) {
  std::vector<int> sizes = {static_cast<int>(inputs)};
  sizes.insert(sizes.end(), hidden.begin(), hidden.end());
  sizes.push_back(classes);
  Rng rng(seed);
  return make_classifier<float>(sizes, ch02::parse_activation(o.activation), dropout, parse_init(o.init), rng);
}

TrainOptions train_options(const Options& o, std::uint64_t seed) {
  return ch05::options_from_flags(o, seed);
}

int main_run(const Options& o, const cli::CommonOptions& common) {
  Stopwatch total;
  std::printf("Chapter 5: training an MLP on real data   (SIMD %s, %d thread%s, seed %llu)\n",
              std::string(to_string(simd_level())).c_str(), num_threads(), num_threads() == 1 ? "" : "s",
              static_cast<unsigned long long>(common.seed));
  TrainTest data = load_mnist_style(o.data, o.limit_train);
  Dataset validation = split_validation(data.train, o.validation, common.seed);
  std::printf("data: %s — %lld training, %lld validation, %lld test images of %lldx%lld, %d classes\n", o.data.c_str(),
              static_cast<long long>(data.train.size()), static_cast<long long>(validation.size()),
              static_cast<long long>(data.test.size()), static_cast<long long>(data.train.images.dim(2)),
              static_cast<long long>(data.train.images.dim(3)), data.train.num_classes);
  if (o.standardise) {
    // Statistics of the training set only, applied to all three sets.
    const auto [mean, stddev] = pixel_statistics(data.train);
    for (Dataset* d : {&data.train, &validation, &data.test}) standardise(*d, mean, stddev);
    std::printf("standardised pixels with the training set's mean %.4f and std %.4f\n", static_cast<double>(mean),
                static_cast<double>(stddev));
  }
  const std::string out = common.out_dir;

  if (o.compare_optimizers) {
    std::printf("\n== every optimiser, same net, same seed, %d epochs ==\n", o.compare_epochs);
    // Learning rates that suit each rule (adaptive ones want a smaller step).
    const std::map<std::string, double> rates = {{"sgd", 0.1},      {"momentum", 0.1}, {"classic", 0.02},
                                                 {"nesterov", 0.02}, {"adagrad", 0.02}, {"rmsprop", 0.0005},
                                                 {"adam", 0.001}};
    std::vector<plot::Series> loss_curves, acc_curves;
    CsvWriter csv(out + "/optimizers.csv", {"optimizer", "epoch", "learning_rate", "train_loss", "validation_accuracy"});
    for (OptimizerKind kind : all_optimizers()) {
      Options oo = o;
      oo.optimizer = name(kind);
      oo.lr = rates.at(name(kind));
      oo.epochs = o.compare_epochs;
      Classifier<float> net = build(oo, data.train.example_size(), data.train.num_classes, common.seed, o.hidden, 0.0);
      TrainOptions t = train_options(oo, common.seed);
      t.label = name(kind);
      const TrainResult r = train(net, data.train, validation, t);
      const auto& last = r.epochs.back();
      std::printf("%-9s lr %-7g loss %.4f  val %.2f%%\n", name(kind).c_str(), oo.lr, last.train_loss,
                  100 * last.validation_accuracy);
      for (const auto& e : r.epochs)
        csv.row(name(kind), {static_cast<double>(e.epoch), oo.lr, e.train_loss, e.validation_accuracy});
      loss_curves.push_back(plot::points_series(name(kind), r.loss_trace));
      acc_curves.push_back(plot::epoch_series(name(kind), r.epochs, &EpochRecord::validation_accuracy, 100.0));
    }
    plot::Options po;
    po.title = "Optimisers: training loss, mean of every 50 minibatches (same net, same seed)";
    po.log_y = true;
    po.xlabel = "epoch";
    po.ylabel = "mean softmax cross-entropy";
    plot::lines(out + "/optimizers_loss.png", loss_curves, po);
    po.title = "Optimisers: validation accuracy";
    po.log_y = false;
    po.ylabel = "validation accuracy (%)";
    plot::lines(out + "/optimizers_accuracy.png", acc_curves, po);
    std::printf("wrote %s/optimizers_{loss,accuracy}.png and optimizers.csv\n", out.c_str());
    return 0;
  }

  if (o.overfitting) {
    std::printf("\n== overfitting: a 784-1024-1024-10 net on 1000 training images ==\n");
    Dataset small = data.train;
    truncate(small, 1000);
    struct Variant { const char* name; double l2, dropout; int patience; };
    const Variant variants[] = {{"plain", 0.0, 0.0, 0}, {"L2 5e-3", 5e-3, 0.0, 0}, {"dropout 0.5", 0.0, 0.5, 0},
                                {"early stop (patience 5)", 0.0, 0.0, 5}};
    std::vector<plot::Series> curves;
    CsvWriter csv(out + "/overfitting.csv", {"variant", "epoch", "train_accuracy", "validation_accuracy"});
    for (const auto& v : variants) {
      Options oo = o;
      oo.l2 = v.l2;
      oo.patience = v.patience;
      oo.schedule = "none";  // a constant rate shows the divergence of train and validation plainly
      oo.epochs = std::max(o.epochs, 40);
      Classifier<float> net = build(oo, small.example_size(), small.num_classes, common.seed, {1024, 1024}, v.dropout);
      TrainOptions t = train_options(oo, common.seed);
      t.label = v.name;
      t.progress = false;
      const TrainResult r = train(net, small, validation, t);
      const double test_acc = evaluate(net, data.test);
      std::printf("%-24s epochs %3zu  train %.1f%%  val %.1f%% (best %.1f%% at epoch %d)  test %.1f%%\n", v.name,
                  r.epochs.size(), 100 * r.epochs.back().train_accuracy, 100 * r.epochs.back().validation_accuracy,
                  100 * r.best_validation_accuracy, r.best_epoch, 100 * test_acc);
      for (const auto& e : r.epochs)
        csv.row(v.name, {static_cast<double>(e.epoch), e.train_accuracy, e.validation_accuracy});
      curves.push_back(
          plot::epoch_series(std::string(v.name) + ": train", r.epochs, &EpochRecord::train_accuracy, 100.0));
      curves.push_back(plot::epoch_series(std::string(v.name) + ": validation", r.epochs,
                                          &EpochRecord::validation_accuracy, 100.0));
    }
    plot::Options po;
    po.title = "Overfitting on 1000 images: train vs validation accuracy";
    po.xlabel = "epoch";
    po.ylabel = "accuracy (%)";
    po.width = 1100;
    plot::lines(out + "/overfitting.png", curves, po);
    std::printf("wrote %s/overfitting.png and overfitting.csv\n", out.c_str());
    return 0;
  }

  Classifier<float> net = build(o, data.train.example_size(), data.train.num_classes, common.seed, o.hidden, o.dropout);
  std::printf("net: ");
  for (std::size_t i = 0; i < net.sizes.size(); ++i) std::printf("%s%d", i ? "-" : "", net.sizes[i]);
  std::printf(" (%s, %lld parameters), optimiser %s, lr %g, batch %lld, %d epochs\n", o.activation.c_str(),
              static_cast<long long>(net.parameter_count()), o.optimizer.c_str(), o.lr,
              static_cast<long long>(o.batch), o.epochs);
  TrainOptions t = train_options(o, common.seed);
  t.checkpoint_out = o.checkpoint_out.empty() ? out + "/checkpoint.safetensors" : o.checkpoint_out;
  layers::EpochLog log(out + "/epochs.csv");
  const TrainResult r = train(net, data.train, validation, t, [&](const EpochRecord& rec) { log(rec); }, o.resume);
  std::vector<std::int64_t> confusion;
  const double test_acc = evaluate(net, data.test, 1000, &confusion);
  double train_time = 0;
  for (const auto& e : r.epochs) train_time += e.seconds;
  std::printf("\ntest accuracy %.2f%% after %zu epochs (%.1f s of training%s)\n", 100 * test_acc, r.epochs.size(),
              train_time, r.stopped_early ? ", stopped early" : "");
  if (o.patience > 0)
    std::printf("early stopping kept epoch %d (validation %.2f%%)\n", r.best_epoch, 100 * r.best_validation_accuracy);
  std::printf("checkpoint (model + optimiser state, resumable with --resume): %s\n", t.checkpoint_out.string().c_str());

  if (!r.epochs.empty()) layers::plot_training(out, "MLP", r);
  CsvWriter summary(out + "/summary.csv", {"metric", "value"});
  summary.row("test_accuracy", {test_acc});
  summary.row("epochs", {static_cast<double>(r.epochs.size())});
  summary.row("training_seconds", {train_time});
  std::printf("done in %.1f s; results in %s/\n", total.seconds(), out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 5: training an MLP on Fashion-MNIST — optimisers, L2, dropout, early stopping, "
               "schedules, checkpoints."};
  nn::cli::CommonOptions common{"out/ch05_training"};
  nn::cli::add_common_options(app, common);
  Options o;
  nn::cli::add_training_flags(app, o);
  app.add_option("--hidden", o.hidden, "Hidden layer widths")->capture_default_str();
  app.add_option("--activation", o.activation, "Hidden activation (relu, tanh, sigmoid, leaky_relu, elu, abs)")
      ->capture_default_str();
  app.add_option("--init", o.init, "Weight initialisation: he or xavier")
      ->check(CLI::IsMember({"he", "xavier", "glorot"}))->capture_default_str();
  app.add_option("--dropout", o.dropout, "Dropout probability after each hidden layer")
      ->check(CLI::Range(0.0, 0.95))->capture_default_str();
  app.add_flag("--standardise", o.standardise, "Standardise pixels to mean 0, std 1 (training-set statistics)");
  app.add_flag("--compare-optimizers", o.compare_optimizers, "Train the same net under every optimiser");
  app.add_option("--compare-epochs", o.compare_epochs, "Epochs per optimiser in --compare-optimizers")
      ->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_flag("--overfitting", o.overfitting, "The overfitting demonstration (large net, small subset)");
  return nn::cli::run(app, argc, argv, common, [&] {
    nn::set_num_threads(o.threads);
    return main_run(o, common);
  });
}
