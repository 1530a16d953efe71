// ch10_beyond — Chapter 10: beyond AlexNet.
//
// Experiments (--experiments, comma-separated; the default runs the first
// three, shortened to a subset of Fashion-MNIST so that they take a few
// minutes on one thread):
//
//   summary      the lectures' tables: VGG-16 layer by layer (memory and
//                parameters, a CSV and a bar chart), the 3×3-stack argument
//                in numbers, the naive inception module and the one with 1×1
//                reductions, GoogLeNet and ResNet-18/34/50's parameters
//   degradation  plain and residual nets of two depths (--depths 20,56),
//                batch norm in all, the same recipe: training error curves
//   batchnorm    a plain net with and without batch norm at two learning
//                rates (--bn-lrs): loss curves
//   train        a CIFAR-style ResNet (--depth, --width) on the data with the
//                training flags: checkpoints every epoch (--resume), the
//                test report, model.safetensors for bench/pytorch_resnet.py
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "ch10/inception.hpp"
#include "ch10/resnet.hpp"
#include "ch10/vgg.hpp"
#include "layers/report.hpp"
#include "layers/train.hpp"
#include "nn/cli.hpp"
#include "nn/cpu.hpp"
#include "nn/dataset.hpp"
#include "nn/error.hpp"
#include "nn/plot.hpp"
#include "nn/report.hpp"
#include "nn/threads.hpp"

namespace {

using namespace nn;
using namespace nn::ch10;
using layers::Network;

struct Options : nn::cli::TrainingFlags {
  Options() {
    epochs = 2;
    lr = 0.1;
    // No L2 by default: the curves then show the cross-entropy itself (the
    // loop reports the objective, cross-entropy + λ‖W‖², and behind batch
    // norm ‖W‖ grows freely, fastest in the deep plain nets). He et al.'s
    // weight decay 1e-4 is --l2 5e-5.
    l2 = 0;
    momentum = 0.9;
    optimizer = "classic";
    schedule = "none";
    batch = 128;
    limit_train = 2000;
    validation = 500;
  }
  std::string experiments = "summary,degradation,batchnorm";
  std::vector<int> depths = {20, 56};
  std::vector<double> bn_lrs = {0.01, 0.1};
  int depth = 20;  // train: 6n + 2
  int width = 16;
  int trace_points = 10;  // loss-trace points per epoch in the experiments
};

bool wanted(const Options& o, const std::string& name) {
  std::stringstream list(o.experiments);
  for (std::string item; std::getline(list, item, ',');)
    if (item == name) return true;
  return false;
}

int blocks_of(int depth) {
  if (depth < 8 || (depth - 2) % 6 != 0)
    throw Error("a CIFAR-style net has 6n + 2 layers (8, 14, 20, 32, 44, 56, 110, ...), got " + std::to_string(depth));
  return (depth - 2) / 6;
}

// ---- summary ------------------------------------------------------------------------------------

void summaries(const Options& o, const cli::CommonOptions& common) {
  Rng rng(common.seed);
  {
    Network<float> vgg = vgg16_network<float>(VggConfig{}, rng);
    std::printf("\n== %s ==\n", vgg.architecture().c_str());
    layers::print_rows(vgg.summary());
    // The lectures' memory column: every conv, pool and dense output (a
    // ReLU works in place), and the input.
    std::vector<std::string> names;
    std::vector<double> memory, params;
    CsvWriter csv(common.out_dir + "/vgg16_layers.csv", {"layer", "activations", "parameters"});
    std::int64_t activations = 3 * 224 * 224, total_params = 0;
    csv.row("input", {static_cast<double>(activations), 0.0});
    for (const auto& r : vgg.summary()) {
      const bool counted = r.description.rfind("conv", 0) == 0 || r.description.rfind("max", 0) == 0 ||
                           r.description.rfind("dense", 0) == 0;
      if (!counted) continue;
      activations += r.output.numel();
      total_params += r.parameters;
      names.push_back(r.name);
      memory.push_back(static_cast<double>(r.output.numel()) / 1e6);
      params.push_back(static_cast<double>(r.parameters) / 1e6);
      csv.row(r.name, {static_cast<double>(r.output.numel()), static_cast<double>(r.parameters)});
    }
    std::printf("VGG-16, one 224x224x3 image forward: %s activations (%.1f MB in float) and %s parameters\n",
                layers::grouped(activations).c_str(), 4.0 * static_cast<double>(activations) / 1e6,
                layers::grouped(total_params).c_str());
    plot::Options po;
    po.title = "VGG-16: activations and parameters per layer (millions; one image)";
    po.ylabel = "millions";
    po.log_y = true;
    po.width = 1200;
    plot::bars(common.out_dir + "/vgg16_memory.png", names,
               {{"activations (floats)", memory}, {"parameters", params}}, po);
    std::printf("wrote %s/vgg16_layers.csv and vgg16_memory.png\n", common.out_dir.c_str());
  }
  // Three 3×3 convolutions (stride 1) see a 7×7 window, as one 7×7 does.
  {
    const std::int64_t c = 256;
    std::printf("\n== three 3x3 layers against one 7x7, C = %lld channels in and out ==\n", static_cast<long long>(c));
    std::printf("receptive field: 1 + 3 * (3 - 1) = 7 pixels, the 7x7's\n");
    std::printf("weights: 3 * 3*3*C^2 = 27 C^2 = %s   against   7*7*C^2 = 49 C^2 = %s  (%.0f %% fewer)\n",
                layers::grouped(27 * c * c).c_str(), layers::grouped(49 * c * c).c_str(), 100.0 * (1.0 - 27.0 / 49.0));
    std::printf("and three ReLUs where the 7x7 has one\n");
  }
  {
    const Shape input{1, 256, 28, 28};
    const InceptionSpec naive{128, 0, 192, 0, 96, 0}, reduced{128, 64, 192, 64, 96, 64};
    auto show = [&](const char* title, const InceptionSpec& spec, InceptionStyle style) {
      auto module = inception_module<float>(256, spec, style);
      std::vector<layers::SummaryRow> rows;
      module->summarize("module", input, 0, rows);
      std::printf("\n== %s, on 28x28x256 ==\n", title);
      layers::print_rows(rows);
    };
    show("the naive inception module (1x1 128, 3x3 192, 5x5 96, 3x3 max pool)", naive, InceptionStyle::Naive);
    show("the inception module with 1x1 reductions (64 before the 3x3 and the 5x5, 64 after the pool)", reduced,
         InceptionStyle::Paper);
  }
  {
    std::printf("\n== parameters ==\n");
    for (int depth : {18, 34, 50}) {
      ResNetConfig c;
      c.depth = depth;
      Network<float> net = resnet_network<float>(c, rng);
      std::printf("%-58s %12s\n", net.architecture().c_str(), layers::grouped(net.parameter_count()).c_str());
    }
    for (InceptionStyle style : {InceptionStyle::TorchVision, InceptionStyle::Paper}) {
      GoogLeNetConfig c;
      c.style = style;
      Network<float> net = googlenet_network<float>(c, rng);
      std::printf("%-58s %12s\n", net.architecture().c_str(), layers::grouped(net.parameter_count()).c_str());
    }
    for (int depth : {20, 56}) {
      CifarResNetConfig c;
      c.blocks = blocks_of(depth);
      c.width = o.width;
      Network<float> net = cifar_resnet_network<float>(c, rng);
      std::printf("%-58s %12s\n", net.architecture().c_str(), layers::grouped(net.parameter_count()).c_str());
    }
  }
}

// ---- the training experiments -------------------------------------------------------------------

struct Run {
  std::string name;
  std::vector<ch05::EpochRecord> epochs;
  std::vector<std::pair<double, double>> trace;
  std::string diverged;  // the error, if the run diverged
  double seconds = 0;
};

Run train_one(Network<float>& net, const std::string& name, const Dataset& train, const Dataset& validation,
              const Options& o, const cli::CommonOptions& common, double lr) {
  Run run;
  run.name = name;
  ch05::TrainOptions t = ch05::options_from_flags(o, common.seed);
  t.learning_rate = lr;
  t.label = name;
  const std::int64_t steps = (train.size() + o.batch - 1) / o.batch;
  t.trace_every = static_cast<int>(std::max<std::int64_t>(1, steps / std::max(1, o.trace_points)));
  t.on_trace = [&](double epoch, double loss) { run.trace.emplace_back(epoch, loss); };
  Stopwatch clock;
  try {
    layers::train(net, train, validation, t, [&](const ch05::EpochRecord& e) { run.epochs.push_back(e); });
  } catch (const Error& e) {
    run.diverged = e.what();
    std::printf("  %s: %s\n", name.c_str(), e.what());
  }
  run.seconds = clock.seconds();
  return run;
}

Network<float> cifar_net(const Options& o, const Dataset& data, int depth, Shortcut kind, bool batch_norm,
                         std::uint64_t seed) {
  CifarResNetConfig c;
  c.blocks = blocks_of(depth);
  c.kind = kind;
  c.width = o.width;
  c.batch_norm = batch_norm;
  c.in_channels = static_cast<int>(data.images.dim(1));
  c.image = static_cast<int>(data.images.dim(2));
  c.classes = data.num_classes;
  Rng rng(seed);
  return cifar_resnet_network<float>(c, rng);
}

void write_runs(const std::string& csv_path, const std::vector<Run>& runs) {
  CsvWriter csv(csv_path, {"net", "epoch", "train_loss", "train_error", "validation_error", "learning_rate",
                           "seconds"});
  for (const Run& r : runs)
    for (const auto& e : r.epochs)
      csv.row(r.name, {static_cast<double>(e.epoch), e.train_loss, 1.0 - e.train_accuracy,
                       1.0 - e.validation_accuracy, e.learning_rate, e.seconds});
  CsvWriter trace(csv_path.substr(0, csv_path.size() - 4) + "_trace.csv", {"net", "epoch", "train_loss"});
  for (const Run& r : runs)
    for (const auto& [x, y] : r.trace) trace.row(r.name, {x, y});
  // Where each net ended: the experiment's result in one small table.
  CsvWriter final_rows(csv_path.substr(0, csv_path.size() - 4) + "_final.csv",
                       {"net", "epochs", "train_loss", "train_error", "validation_error", "seconds"});
  for (const Run& r : runs)
    if (!r.epochs.empty()) {
      const auto& e = r.epochs.back();
      final_rows.row(r.name, {static_cast<double>(e.epoch), e.train_loss, 1.0 - e.train_accuracy,
                              1.0 - e.validation_accuracy, r.seconds});
    }
}

void degradation(const Options& o, const cli::CommonOptions& common, const Dataset& train, const Dataset& validation) {
  std::printf("\n== degradation: plain and residual nets of %zu depths, batch norm in all, lr %g, %d epoch%s on %lld "
              "images ==\n",
              o.depths.size(), o.lr, o.epochs, o.epochs == 1 ? "" : "s", static_cast<long long>(train.size()));
  std::vector<Run> runs;
  for (int depth : o.depths)
    for (Shortcut kind : {Shortcut::Plain, Shortcut::Residual}) {
      Network<float> net = cifar_net(o, train, depth, kind, true, common.seed);
      const std::string name = (kind == Shortcut::Plain ? "plain-" : "ResNet-") + std::to_string(depth);
      runs.push_back(train_one(net, name, train, validation, o, common, o.lr));
    }
  std::printf("\n%-12s %16s %16s %16s %10s\n", "net", "training loss", "training error", "validation error", "time");
  std::vector<plot::Series> error, loss;
  for (const Run& r : runs) {
    if (r.epochs.empty()) {
      std::printf("%-12s %s\n", r.name.c_str(), r.diverged.c_str());
      continue;
    }
    const auto& last = r.epochs.back();
    std::printf("%-12s %16.4f %15.2f%% %15.2f%% %9.1fs\n", r.name.c_str(), last.train_loss,
                100 * (1 - last.train_accuracy), 100 * (1 - last.validation_accuracy), r.seconds);
    plot::Series s = plot::epoch_series(r.name, r.epochs, &ch05::EpochRecord::train_accuracy, -100.0);
    for (double& y : s.y) y += 100.0;  // error = 100 − accuracy
    error.push_back(s);
    loss.push_back(plot::points_series(r.name, r.trace));
  }
  write_runs(common.out_dir + "/degradation.csv", runs);
  plot::Options po;
  po.title = "Training error: plain and residual nets (batch norm in all)";
  po.xlabel = "epoch";
  po.ylabel = "training error (%), over each epoch";
  plot::lines(common.out_dir + "/degradation.png", error, po);
  po.title = "Training loss: plain and residual nets";
  po.ylabel = "softmax cross-entropy (mean over a few steps)";
  po.log_y = true;
  plot::lines(common.out_dir + "/degradation_loss.png", loss, po);
  std::printf("wrote %s/degradation.csv, degradation_trace.csv, degradation_final.csv, degradation.png (training\n"
              "  error per epoch) and degradation_loss.png (the loss every few steps)\n",
              common.out_dir.c_str());
}

void batchnorm(const Options& o, const cli::CommonOptions& common, const Dataset& train, const Dataset& validation) {
  const int depth = o.depths.front();
  std::printf("\n== batch norm: plain-%d with and without, at lr", depth);
  for (double lr : o.bn_lrs) std::printf(" %g", lr);
  std::printf(", %d epoch%s on %lld images ==\n", o.epochs, o.epochs == 1 ? "" : "s",
              static_cast<long long>(train.size()));
  std::vector<Run> runs;
  for (double lr : o.bn_lrs)
    for (bool bn : {true, false}) {
      Network<float> net = cifar_net(o, train, depth, Shortcut::Plain, bn, common.seed);
      std::ostringstream name;
      name << (bn ? "BN" : "no BN") << ", lr " << lr;
      runs.push_back(train_one(net, name.str(), train, validation, o, common, lr));
    }
  std::printf("\n%-16s %16s %16s %16s %10s\n", "net", "training loss", "training error", "validation error", "time");
  std::vector<plot::Series> loss;
  for (const Run& r : runs) {
    if (r.epochs.empty())
      std::printf("%-16s diverged in the first epoch\n", r.name.c_str());
    else
      std::printf("%-16s %16.4f %15.2f%% %15.2f%% %9.1fs%s\n", r.name.c_str(), r.epochs.back().train_loss,
                  100 * (1 - r.epochs.back().train_accuracy), 100 * (1 - r.epochs.back().validation_accuracy),
                  r.seconds, r.diverged.empty() ? "" : "  (then diverged)");
    loss.push_back(plot::points_series(r.name, r.trace));
  }
  write_runs(common.out_dir + "/batchnorm.csv", runs);
  plot::Options po;
  po.title = "plain-" + std::to_string(depth) + " with and without batch norm";
  po.xlabel = "epoch";
  po.ylabel = "training loss (mean over a few steps)";
  po.log_y = true;
  plot::lines(common.out_dir + "/batchnorm.png", loss, po);
  std::printf("wrote %s/batchnorm.csv, batchnorm_trace.csv, batchnorm_final.csv and batchnorm.png\n",
              common.out_dir.c_str());
}

void train_resnet(const Options& o, const cli::CommonOptions& common, const TrainTest& data,
                  const Dataset& validation) {
  Network<float> net = cifar_net(o, data.train, o.depth, Shortcut::Residual, true, common.seed);
  std::printf("\n== train: %s ==\n", net.architecture().c_str());
  layers::print_summary(net, o.batch);
  std::printf("\ndata: %lld training, %lld validation, %lld test images; optimiser %s, lr %g (%s), L2 %g, batch %lld, "
              "%d epoch%s%s%s\n",
              static_cast<long long>(data.train.size()), static_cast<long long>(validation.size()),
              static_cast<long long>(data.test.size()), o.optimizer.c_str(), o.lr, o.schedule.c_str(), o.l2,
              static_cast<long long>(o.batch), o.epochs, o.epochs == 1 ? "" : "s", o.mirror ? ", mirrored" : "",
              o.shift ? (", shifted by up to " + std::to_string(o.shift) + " pixels").c_str() : "");
  ch05::TrainOptions t = ch05::options_from_flags(o, common.seed);
  t.label = "resnet" + std::to_string(o.depth);
  const std::string out = common.out_dir;
  t.checkpoint_out = o.checkpoint_out.empty() ? out + "/checkpoint.safetensors" : o.checkpoint_out;
  layers::EpochLog log(out + "/epochs.csv", !o.resume.empty());
  const ch05::TrainResult r =
      layers::train(net, data.train, validation, t, [&](const ch05::EpochRecord& e) { log(e); }, o.resume);
  double train_time = 0;
  for (const auto& e : r.epochs) train_time += e.seconds;
  std::printf("\n%zu epoch%s, %.1f s of training%s\n", r.epochs.size(), r.epochs.size() == 1 ? "" : "s", train_time,
              r.stopped_early ? ", stopped early" : "");
  const layers::TestReport report = layers::test_report(net, data.test);
  const std::string title = "ResNet-" + std::to_string(o.depth);
  layers::write_test_report(report, data.test, title, "after epoch " + std::to_string(r.epochs.back().epoch), out);
  layers::plot_training(out, title, r);
  layers::save(out + "/model.safetensors", net);
  CsvWriter summary(out + "/summary.csv", {"metric", "value"});
  summary.row("test_accuracy", {report.accuracy});
  summary.row("epochs", {static_cast<double>(r.epochs.size())});
  summary.row("training_seconds", {train_time});
  summary.row("inference_images_per_second", {report.images_per_second});
  summary.row("threads", {static_cast<double>(num_threads())});
  std::printf("wrote %s/loss.png, accuracy.png, confusion.png, misclassified.png/.csv, epochs.csv, summary.csv,\n"
              "  model.safetensors (weights and running statistics: /usr/bin/python3 bench/pytorch_resnet.py\n"
              "  --checkpoint %s/model.safetensors evaluates it in PyTorch), checkpoint.safetensors (--resume)\n",
              out.c_str(), out.c_str());
}

int main_run(const Options& o, const cli::CommonOptions& common) {
  Stopwatch total;
  std::printf("Chapter 10: beyond AlexNet   (SIMD %s, %d thread%s, seed %llu)\n",
              std::string(to_string(simd_level())).c_str(), num_threads(), num_threads() == 1 ? "" : "s",
              static_cast<unsigned long long>(common.seed));
  std::stringstream list(o.experiments);
  for (std::string item; std::getline(list, item, ',');)
    if (item != "summary" && item != "degradation" && item != "batchnorm" && item != "train")
      throw Error("--experiments: unknown experiment '" + item + "' (summary, degradation, batchnorm, train)");
  for (int d : o.depths) blocks_of(d);
  blocks_of(o.depth);
  if (wanted(o, "summary")) summaries(o, common);
  const bool training = wanted(o, "degradation") || wanted(o, "batchnorm") || wanted(o, "train");
  if (training) {
    TrainTest data = load_mnist_style(o.data, o.limit_train);
    if (o.validation >= data.train.size())
      throw Error("--validation " + std::to_string(o.validation) + " leaves no training images: there are only " +
                  std::to_string(data.train.size()) + " (see --limit-train)");
    const Dataset validation = split_validation(data.train, o.validation, common.seed);
    if (wanted(o, "degradation")) degradation(o, common, data.train, validation);
    if (wanted(o, "batchnorm")) batchnorm(o, common, data.train, validation);
    if (wanted(o, "train")) train_resnet(o, common, data, validation);
  }
  std::printf("\ndone in %.1f s; results in %s/\n", total.seconds(), common.out_dir.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 10: beyond AlexNet — VGG-16's memory and parameters, inception modules, ResNets; the "
               "degradation and batch-norm experiments on Fashion-MNIST; a ResNet trained to the end (--experiments "
               "train)."};
  nn::cli::CommonOptions common{"out/ch10_beyond"};
  nn::cli::add_common_options(app, common);
  Options o;
  nn::cli::add_training_flags(app, o);
  app.add_option("--experiments", o.experiments,
                 "Comma-separated: summary, degradation, batchnorm, train (a ResNet with the training flags)")
      ->capture_default_str();
  app.add_option("--depths", o.depths, "Degradation: the two (or more) depths, 6n + 2 each")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--bn-lrs", o.bn_lrs, "Batch norm: the learning rates to compare")
      ->delimiter(',')
      ->check(nn::cli::Positive)
      ->capture_default_str();
  app.add_option("--depth", o.depth, "Train: the ResNet's layers, 6n + 2 (20: ResNet-20, 56: ResNet-56)")
      ->capture_default_str();
  app.add_option("--width", o.width, "Channels of the first stage (then 2x and 4x); 16 as He et al.")
      ->check(CLI::Range(1, 512))
      ->capture_default_str();
  app.add_option("--trace-points", o.trace_points, "Experiments: loss points per epoch in the curves")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  return nn::cli::run(app, argc, argv, common, [&] {
    nn::set_num_threads(o.threads);
    return main_run(o, common);
  });
}
