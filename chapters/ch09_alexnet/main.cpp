// ch09_alexnet — Chapter 9: AlexNet on Fashion-MNIST.
//
// Prints AlexNet's summary as the lectures tabulate it (3×227×227 input,
// 1000 classes: output shapes, parameters, multiply-adds and activation
// memory per layer; --groups 2 for the paper's two-GPU split), then builds
// the Fashion-MNIST version — grey 28×28 images resized on the fly to
// --resize pixels and cropped to 227 (a random window in training, the
// centre in eval), the widths scaled by --width, 10 classes — prints its
// summary, trains it with the layer library's loop (progress line, CSV,
// loss and accuracy PNGs, a resumable checkpoint after every epoch), and
// reports on the test set (accuracy, confusion matrix, misclassified
// images, throughput). Then draws what conv1 learned (its filters as a
// grid, the picture of the paper's Figure 3) and the activation maps of
// one test image after conv1 and conv2.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "ch09/alexnet.hpp"
#include "layers/report.hpp"
#include "layers/train.hpp"
#include "nn/cli.hpp"
#include "nn/cpu.hpp"
#include "nn/dataset.hpp"
#include "nn/error.hpp"
#include "nn/image.hpp"
#include "nn/report.hpp"
#include "nn/threads.hpp"

namespace {

using namespace nn;
using namespace nn::ch09;
using layers::Network;

struct Options : nn::cli::TrainingFlags {
  Options() {
    epochs = 3;
    lr = 0.01;
    l2 = 2.5e-4;  // the paper's weight decay 5e-4 (w ← w − η(g + 5e-4·w)) is λ = 2.5e-4 in λ‖W‖²
    schedule = "plateau";
    limit_train = 6000;
    validation = 1000;
    batch = 128;
  }
  double width = 0.25;
  int groups = 1;
  int resize = 256;
  double dropout = 0.5;
  int image_index = 0;
  int in_channels = 0;  // 0: the data's
  int slice = 8;
};

// The output of the last forward pass of the layer named `name`, looked
// for in `s` and in the Sequentials nested in it (conv1 … pool5 run in
// slices in a Sequential of their own).
const TensorView<const float>* find_output(const layers::Sequential<float>& s, const std::string& name,
                                           TensorView<const float>& out) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s.child_name(i) == name) {
      out = s.output(i);
      return &out;
    }
    if (const auto* inner = dynamic_cast<const layers::Sequential<float>*>(&s.child(i)))
      if (find_output(*inner, name, out)) return &out;
  }
  return nullptr;
}

TensorView<const float> output_of(const layers::Sequential<float>& s, const std::string& name) {
  TensorView<const float> out;
  if (!find_output(s, name, out)) throw Error("AlexNet has no layer named " + name);
  return out;
}

void draw(Network<float>& net, const Dataset& test, int index, const std::string& out) {
  // conv1's filters: K tiles of 11×11 (grey images: one channel), 0 = mid-grey.
  TensorView<const float> w1;
  for (const auto& p : net.parameters())
    if (p.name == "conv1.weight") w1 = p.value;
  const std::vector<image::Tile> filters = image::filter_tiles(
      w1.data(), static_cast<int>(w1.dim(0)), w1.size() / w1.dim(0), static_cast<int>(w1.dim(2)),
      static_cast<int>(w1.dim(3)));
  image::write_grid(out + "/filters_conv1.png", filters, 8, 4, image::Scaling::Symmetric, 2);
  const std::int64_t pixels = test.example_size();
  const TensorView<const float> x(test.images.data() + index * pixels,
                                  Shape{1, test.images.dim(1), test.images.dim(2), test.images.dim(3)});
  net.forward(x, layers::Mode::Eval);
  const auto& body = net.body();
  const TensorView<const float> a1 = output_of(body, "relu1"), a2 = output_of(body, "relu2");
  const auto maps1 = image::plane_tiles(a1.data(), static_cast<int>(std::min<std::int64_t>(a1.dim(1), 32)),
                                       static_cast<int>(a1.dim(2)), static_cast<int>(a1.dim(3)));
  const auto maps2 = image::plane_tiles(a2.data(), static_cast<int>(std::min<std::int64_t>(a2.dim(1), 32)),
                                       static_cast<int>(a2.dim(2)), static_cast<int>(a2.dim(3)));
  image::write_grid(out + "/activations_conv1.png", maps1, 8, 2, image::Scaling::MinMax, 2);
  image::write_grid(out + "/activations_conv2.png", maps2, 8, 3, image::Scaling::MinMax, 2);
  std::printf("wrote %s/filters_conv1.png (the %lld conv1 filters, 11x11, grey = 0), activations_conv1.png\n"
              "      (relu1 on test image %d, %lldx%lld) and activations_conv2.png (relu2, %lldx%lld); the first 32\n"
              "      maps of each\n",
              out.c_str(), static_cast<long long>(w1.dim(0)), index, static_cast<long long>(a1.dim(2)),
              static_cast<long long>(a1.dim(3)), static_cast<long long>(a2.dim(2)), static_cast<long long>(a2.dim(3)));
}

int main_run(const Options& o, const cli::CommonOptions& common) {
  Stopwatch total;
  std::printf("Chapter 9: AlexNet   (SIMD %s, %d thread%s, seed %llu)\n", std::string(to_string(simd_level())).c_str(),
              num_threads(), num_threads() == 1 ? "" : "s", static_cast<unsigned long long>(common.seed));
  {
    AlexNetConfig imagenet;
    imagenet.groups = o.groups;
    Rng rng(common.seed);
    Network<float> full = alexnet_network<float>(imagenet, rng);
    std::printf("\n== the lectures' AlexNet: %s ==\n", full.architecture().c_str());
    layers::print_summary(full, 1);
  }
  TrainTest data = load_mnist_style(o.data, o.limit_train);
  if (o.image_index < 0 || o.image_index >= data.test.size())
    throw Error("--image " + std::to_string(o.image_index) + " is not a test image index (0.." +
                std::to_string(data.test.size() - 1) + ")");
  if (o.validation >= data.train.size())
    throw Error("--validation " + std::to_string(o.validation) + " leaves no training images: there are only " +
                std::to_string(data.train.size()) + " (see --limit-train)");
  Dataset validation = split_validation(data.train, o.validation, common.seed);

  AlexNetConfig config;
  config.source_channels = static_cast<int>(data.train.images.dim(1));
  config.in_channels = o.in_channels > 0 ? o.in_channels : config.source_channels;
  config.classes = data.train.num_classes;
  config.source = static_cast<int>(data.train.images.dim(2));
  config.resize = o.resize;
  config.width = o.width;
  config.groups = o.groups;
  config.dropout = o.dropout;
  config.slice_images = o.slice;
  if (data.train.images.dim(2) != data.train.images.dim(3))
    throw Error("AlexNet here takes square images; the data are " + data.train.images.shape().str());
  Rng rng(common.seed);
  Network<float> net = alexnet_network<float>(config, rng);
  std::printf("\n== for %s: %s ==\n", o.data.c_str(), net.architecture().c_str());
  layers::print_summary(net, o.batch);
  std::printf("\ndata: %lld training, %lld validation, %lld test images; optimiser %s, lr %g, L2 %g, batch %lld, "
              "%d epoch%s\n",
              static_cast<long long>(data.train.size()), static_cast<long long>(validation.size()),
              static_cast<long long>(data.test.size()), o.optimizer.c_str(), o.lr, o.l2,
              static_cast<long long>(o.batch), o.epochs, o.epochs == 1 ? "" : "s");

  ch05::TrainOptions t = ch05::options_from_flags(o, common.seed);
  t.label = "alexnet";
  const std::string out = common.out_dir;
  t.checkpoint_out = o.checkpoint_out.empty() ? out + "/checkpoint.safetensors" : o.checkpoint_out;
  layers::EpochLog log(out + "/epochs.csv", !o.resume.empty());  // a resumed run appends
  const ch05::TrainResult r =
      layers::train(net, data.train, validation, t, [&](const ch05::EpochRecord& e) { log(e); }, o.resume);
  double train_time = 0;
  for (const auto& e : r.epochs) train_time += e.seconds;
  std::printf("\n%zu epoch%s, %.1f s of training%s\n", r.epochs.size(), r.epochs.size() == 1 ? "" : "s", train_time,
              r.stopped_early ? ", stopped early" : "");
  // One pass, at the training batch size: AlexNet is slow, and its buffers for
  // a batch of 500 would be several times those planned for training.
  const layers::TestReport report = layers::test_report(net, data.test, 1, o.batch);
  layers::write_test_report(report, data.test, "AlexNet", "after epoch " + std::to_string(r.epochs.back().epoch), out);
  layers::plot_training(out, "AlexNet", r);
  layers::save(out + "/model.safetensors", net);
  CsvWriter summary(out + "/summary.csv", {"metric", "value"});
  summary.row("test_accuracy", {report.accuracy});
  summary.row("epochs", {static_cast<double>(r.epochs.size())});
  summary.row("training_seconds", {train_time});
  summary.row("inference_images_per_second", {report.images_per_second});
  summary.row("width", {o.width});
  summary.row("threads", {static_cast<double>(num_threads())});
  std::printf("wrote %s/loss.png, accuracy.png, confusion.png, misclassified.png/.csv, epochs.csv, summary.csv,\n"
              "  model.safetensors (the weights), checkpoint.safetensors (weights + optimiser state; --resume)\n",
              out.c_str());
  draw(net, data.test, o.image_index, out);
  std::printf("done in %.1f s; results in %s/\n", total.seconds(), out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 9: AlexNet — the lectures' table, then a width-scaled AlexNet trained on Fashion-MNIST "
               "resized to 227x227 on the fly, its test report, conv1's filters and activation maps."};
  nn::cli::CommonOptions common{"out/ch09_alexnet"};
  nn::cli::add_common_options(app, common);
  Options o;
  nn::cli::add_training_flags(app, o);
  app.add_option("--width", o.width, "Multiplier of every conv and dense width (1: AlexNet)")
      ->check(CLI::Range(0.01, 1.0))->capture_default_str();
  app.add_option("--groups", o.groups, "1: a single tower; 2: conv2, conv4 and conv5 split in two as on the paper's "
                                       "two GPUs")
      ->check(CLI::IsMember({1, 2}))->capture_default_str();
  app.add_option("--resize", o.resize, "Images are resized to this and cropped to 227 (random crops in training, "
                                       "the centre for validation and test); 227: no crop")
      ->check(CLI::Range(227, 512))->capture_default_str();
  app.add_option("--dropout", o.dropout, "Dropout probability on the inputs of fc6 and fc7 (0: none)")
      ->check(CLI::Range(0.0, 0.9))->capture_default_str();
  app.add_option("--in-channels", o.in_channels,
                 "Input channels of conv1: 3 repeats the grey channel (the ImageNet geometry); 0: the data's")
      ->check(CLI::IsMember({0, 1, 3}))->capture_default_str();
  app.add_option("--slice", o.slice,
                 "conv1 ... pool5 run this many images at a time: less memory (their X_col is sized for a slice), "
                 "some recomputation in backward; 0: the whole batch at once")
      ->check(CLI::Range(0, 1048576))->capture_default_str();
  app.add_option("--image", o.image_index, "Test image whose activation maps are drawn")
      ->check(CLI::Range(0, 1000000))->capture_default_str();
  return nn::cli::run(app, argc, argv, common, [&] {
    nn::set_num_threads(o.threads);
    return main_run(o, common);
  });
}
