// ch08_lenet5 — Chapter 8: LeNet-5 on Fashion-MNIST.
//
// Builds LeNet-5 as a list of layers (ch08/lenet5_network.hpp), prints its
// summary (output shapes, parameters: 61,706 in all, multiply-adds,
// activation memory), trains it with the layer library's loop (progress line, per-epoch CSV, loss
// and accuracy PNGs), keeps the weights of the epoch with the best validation
// accuracy (best.safetensors, saved when that epoch ends; the latest weights
// go to model.safetensors after every epoch), restores them and reports
// their test accuracy, confusion matrix (text and heat-map PNG), misclassified
// test images (PNG grid and CSV) and inference throughput (images/s at batch
// 500). Weights are safetensors with PyTorch's names (c1.weight, ...,
// output.bias). --eval CHECKPOINT evaluates a saved checkpoint instead.
// --variant 1998 does all of it for the network as published in 1998
// (ch08/lenet1998.hpp: C3 connection table, scaled tanh, trainable
// subsampling; 60,850 parameters), also a list of layers. Checkpoints
// written after every epoch (checkpoint.safetensors) resume with --resume.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ch08/lenet1998.hpp"
#include "ch08/lenet5_network.hpp"
#include "layers/report.hpp"
#include "layers/train.hpp"
#include "nn/cli.hpp"
#include "nn/cpu.hpp"
#include "nn/dataset.hpp"
#include "nn/error.hpp"
#include "nn/image.hpp"
#include "nn/plot.hpp"
#include "nn/report.hpp"
#include "nn/threads.hpp"

namespace {

using namespace nn;
using namespace nn::ch08;
using layers::Network;

struct Options : nn::cli::TrainingFlags {
  Options() {
    lr = 0.05;
    epochs = 5;
    step = 4;
  }
  std::string eval;
  std::string variant = "modern";  // or "1998": LeCun et al.'s network (ch08/lenet1998.hpp)
  bool validation_given = false;  // --validation on the command line
};


// The network of --variant: the lecture's LeNet-5 (modern) or the paper's
// (1998: connection table, scaled tanh, trainable subsampling).
Network<float> make_network(const std::string& variant, Rng& rng) {
  return variant == "1998" ? lenet1998_network<float>(rng) : lenet5_network<float>(rng);
}

void print_network(Network<float>& net, const std::string& variant, std::int64_t batch) {
  layers::print_summary(net, batch);
  if (variant == "1998")
    std::printf("(LeNet-5 as in LeCun et al. 1998: f = 1.7159 tanh(2a/3) after every layer but the output; c3 connects\n"
                " 60 of its 96 (map, S2 map) pairs as in Table I: c3.weight holds 2,400 weights, the 900 of the other\n"
                " 36 pairs held at zero, so %lld values are stored for the %lld trained parameters counted above;\n"
                " s2, s4: a trainable coefficient and bias per map; a dense softmax output instead of the paper's RBF\n"
                " units)\n",
                static_cast<long long>(net.parameter_count()), static_cast<long long>(kLeNet1998Trained));
}

// Those of `names` that exist in `dir` (the PNGs need gnuplot), each followed by ", ".
std::string written(const std::string& dir, std::initializer_list<const char*> names) {
  std::string list;
  for (const char* name : names)
    if (std::filesystem::exists(dir + "/" + name)) list += std::string(name) + ", ";
  return list;
}

int main_run(const Options& o, const cli::CommonOptions& common) {
  Stopwatch total;
  std::printf("Chapter 8: LeNet-5 (%s) on Fashion-MNIST   (SIMD %s, %d thread%s, seed %llu)\n",
              o.variant.c_str(), std::string(to_string(simd_level())).c_str(), num_threads(),
              num_threads() == 1 ? "" : "s", static_cast<unsigned long long>(common.seed));
  Rng rng(common.seed);
  Network<float> net = make_network(o.variant, rng);
  print_network(net, o.variant, o.batch);
  TrainTest data = load_mnist_style(o.data, o.eval.empty() ? o.limit_train : 1);
  const std::string out = common.out_dir;
  if (!o.eval.empty()) {
    layers::load(o.eval, net);
    std::printf("\n");
    const layers::TestReport r = layers::test_report(net, data.test);
    layers::write_test_report(r, data.test, "LeNet-5", o.eval, out);
    CsvWriter summary(out + "/eval_summary.csv", {"metric", "value"});
    summary.row("test_accuracy", {r.accuracy});
    summary.row("test_images", {static_cast<double>(data.test.size())});
    summary.row("inference_images_per_second", {r.images_per_second});
    summary.row("inference_batch", {static_cast<double>(layers::kInferenceBatch)});
    summary.row("threads", {static_cast<double>(num_threads())});
    std::printf("wrote %s/%smisclassified.csv, eval_summary.csv\n", out.c_str(),
                written(out, {"confusion.png", "misclassified.png"}).c_str());
    return 0;
  }
  std::int64_t held_out = o.validation;
  if (held_out >= data.train.size()) {
    if (o.validation_given)
      throw Error("--validation " + std::to_string(held_out) + " leaves no training images: there are only " +
                  std::to_string(data.train.size()) + " (see --limit-train); hold out fewer");
    held_out = std::max<std::int64_t>(1, data.train.size() / 5);
    std::printf("\nnote: only %lld training images, so %lld (a fifth) are held out for validation, not %lld\n",
                static_cast<long long>(data.train.size()), static_cast<long long>(held_out),
                static_cast<long long>(o.validation));
  }
  Dataset validation = split_validation(data.train, held_out, common.seed);
  std::printf("\ndata: %s — %lld training, %lld validation, %lld test images\n"
              "optimiser %s, lr %g, batch %lld, %d epoch%s",
              o.data.c_str(), static_cast<long long>(data.train.size()), static_cast<long long>(validation.size()),
              static_cast<long long>(data.test.size()), o.optimizer.c_str(), o.lr, static_cast<long long>(o.batch),
              o.epochs, o.epochs == 1 ? "" : "s");
  if (o.patience > 0) std::printf(", early stopping with patience %d", o.patience);
  std::printf("\n");
  ch05::TrainOptions t = ch05::options_from_flags(o, common.seed);
  t.label = "lenet5";
  t.checkpoint_out = o.checkpoint_out.empty() ? out + "/checkpoint.safetensors" : o.checkpoint_out;
  // The best epoch (the highest validation accuracy; the first of equals, as
  // early stopping counts) is copied and saved when it ends. The latest
  // weights are saved after every epoch, so model.safetensors ends as the
  // last epoch's. (A resumed run counts the best among its own epochs.)
  layers::EpochLog log(out + "/epochs.csv", !o.resume.empty());  // a resumed run appends
  std::vector<Tensor<float>> best = layers::snapshot(net);
  int best_epoch = 0;
  double best_validation = -1;
  const ch05::TrainResult r = layers::train(
      net, data.train, validation, t,
      [&](const ch05::EpochRecord& e) {
        const bool improved = e.validation_accuracy > best_validation;
        log(e, improved ? "  (best so far: saved)" : "");
        if (improved) {
          best_validation = e.validation_accuracy;
          best_epoch = e.epoch;
          best = layers::snapshot(net);
          layers::save(out + "/best.safetensors", net);
        }
        layers::save(out + "/model.safetensors", net);
      },
      o.resume);
  // Test the best weights (early stopping may have restored them already:
  // copying them again changes nothing).
  layers::restore(net, best);
  double train_time = 0;
  for (const auto& e : r.epochs) train_time += e.seconds;
  std::printf("\n%zu epoch%s, %.1f s of training%s\n", r.epochs.size(), r.epochs.size() == 1 ? "" : "s", train_time,
              r.stopped_early ? ", stopped early (no better validation accuracy for --patience epochs)" : "");
  std::printf("best epoch: %d (validation %.2f%%); its weights are restored for the test and are in "
              "best.safetensors\n",
              best_epoch, 100 * best_validation);
  const layers::TestReport report = layers::test_report(net, data.test);
  layers::write_test_report(report, data.test, "LeNet-5", "best weights, epoch " + std::to_string(best_epoch), out);

  plot::Series test_point;
  test_point.title = "test, best weights, epoch " + std::to_string(best_epoch) + " (" + layers::percent(report.accuracy) + ")";
  test_point.style = "points pt 9 ps 1.8";
  test_point.x = {static_cast<double>(best_epoch)};
  test_point.y = {100 * report.accuracy};
  layers::plot_training(out, "LeNet-5", r, {test_point});
  CsvWriter summary(out + "/summary.csv", {"metric", "value"});
  summary.row("test_accuracy", {report.accuracy});
  summary.row("best_epoch", {static_cast<double>(best_epoch)});
  summary.row("best_validation_accuracy", {best_validation});
  summary.row("epochs", {static_cast<double>(r.epochs.size())});
  summary.row("stopped_early", {r.stopped_early ? 1.0 : 0.0});
  summary.row("training_seconds", {train_time});
  summary.row("inference_images_per_second", {report.images_per_second});
  summary.row("inference_batch", {static_cast<double>(layers::kInferenceBatch)});
  summary.row("threads", {static_cast<double>(num_threads())});
  std::printf("\nwrote %s/%sepochs.csv, summary.csv, misclassified.csv,\n"
              "  best.safetensors (epoch %d: the weights tested above), model.safetensors (epoch %d, the last),\n"
              "  %s (weights and optimiser state: --resume continues from it)\n",
              out.c_str(), written(out, {"loss.png", "accuracy.png", "confusion.png", "misclassified.png"}).c_str(),
              best_epoch, r.epochs.empty() ? 0 : r.epochs.back().epoch, t.checkpoint_out.string().c_str());
  std::printf("done in %.1f s; results in %s/\n", total.seconds(), out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 8: LeNet-5 (conv 6@5x5, tanh, avg-pool, conv 16@5x5, tanh, avg-pool, conv 120@5x5, tanh, "
               "dense 84, tanh, dense 10) trained on Fashion-MNIST; the best epoch's weights (validation accuracy) "
               "are tested; --eval evaluates a saved checkpoint."};
  nn::cli::CommonOptions common{"out/ch08_lenet5"};
  nn::cli::add_common_options(app, common);
  Options o;
  nn::cli::add_training_flags(app, o);
  app.get_option("--validation")
      ->description("Training images held out for validation (if not given and the training set is too small: a fifth)");
  app.add_option("--eval", o.eval,
                 "Evaluate this safetensors checkpoint on the test set instead of training (writes confusion.png, "
                 "misclassified.png/.csv and eval_summary.csv)")
      ->check(CLI::ExistingFile);
  app.add_option("--variant", o.variant,
                 "modern: the lecture's LeNet-5; 1998: LeCun et al.'s (c3 connection table, scaled tanh, trainable "
                 "subsampling; see the chapter README). --eval needs the variant the checkpoint was trained as")
      ->check(CLI::IsMember({"modern", "1998"}))->capture_default_str();
  return nn::cli::run(app, argc, argv, common, [&] {
    nn::set_num_threads(o.threads);
    o.validation_given = app.count("--validation") > 0;
    return main_run(o, common);
  });
}
