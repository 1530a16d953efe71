// ch07_cnn — Chapter 7: back-propagation through convolution and pooling.
//
// Shows the pooling worked example (max and mean of a 4×4 input, and where
// max pooling sends the gradient), then builds a small CNN as a list of
// layers (ch07/cnn.hpp)
//   conv K1 F×F same → ReLU → max-pool 2 → conv K2 F×F same → ReLU →
//   max-pool 2 → flatten → dense → softmax
// prints its summary (layer by layer: output, parameters, multiply-adds,
// activation memory) and trains it on Fashion-MNIST with the layer
// library's loop, reporting loss and accuracy per epoch (progress line,
// CSV, PNG curves; a resumable checkpoint after every epoch) and the test
// accuracy. Then draws what it learned: the first-layer filters, and the
// activation maps of both conv layers for one test image.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "ch07/cnn.hpp"
#include "ch07/pooling.hpp"
#include "layers/train.hpp"
#include "nn/cli.hpp"
#include "nn/cpu.hpp"
#include "nn/dataset.hpp"
#include "nn/image.hpp"
#include "nn/plot.hpp"
#include "nn/report.hpp"
#include "nn/threads.hpp"

namespace {

using namespace nn;
using namespace nn::ch07;
using layers::Network;

struct Options : nn::cli::TrainingFlags {
  Options() {
    epochs = 3;
    step = 2;
  }
  std::vector<int> filters = {8, 16};
  int kernel = 5;
  int image = 0;
};

void print_matrix(const char* title, const double* v, int rows, int cols) {
  std::printf("%s\n", title);
  for (int r = 0; r < rows; ++r) {
    std::printf("   ");
    for (int c = 0; c < cols; ++c) std::printf(" %5.4g", v[r * cols + c]);
    std::printf("\n");
  }
}

void pooling_example() {
  std::printf("\n== pooling: the worked 4x4 example, 2x2 windows, stride 2 ==\n");
  const Tensor<double> x(Shape{1, 1, 4, 4}, {1, 1, 2, 5, 5, 7, 7, 8, 3, 1, 1, 0, 1, 2, 3, 4});
  const Pool2dGeometry p{2, 2, 2};
  Tensor<double> mx(p.output_shape(x.shape())), mean(mx.shape()), d_x(x.shape());
  Tensor<std::int32_t> arg(mx.shape());
  maxpool2d_forward<double>(mx, arg, x, p);
  avgpool2d_forward<double>(mean, x, p);
  print_matrix("input", x.data(), 4, 4);
  print_matrix("max pool", mx.data(), 2, 2);
  print_matrix("mean pool", mean.data(), 2, 2);
  const Tensor<double> ones(mx.shape(), {1, 1, 1, 1});
  maxpool2d_backward<double>(d_x, ones, arg);
  print_matrix("max pool backward of dL/dy = 1: the gradient reaches only each window's arg-max", d_x.data(), 4, 4);
  d_x.fill(0);
  avgpool2d_backward<double>(d_x, ones, p);
  print_matrix("mean pool backward of dL/dy = 1: a quarter to every pixel", d_x.data(), 4, 4);
}

// The parameter of `net` named `name`.
TensorView<const float> parameter(Network<float>& net, const std::string& name) {
  for (const auto& p : net.parameters())
    if (p.name == name) return p.value;
  throw Error("the network has no parameter " + name);
}

void draw(Network<float>& net, const Dataset& test, int index, const std::string& out) {
  // First-layer filters: K1 tiles of F×F (0 = mid-grey, so sign shows).
  const TensorView<const float> w1 = parameter(net, "conv1.weight");
  const std::vector<image::Tile> filters =  // channel 0 of each (grey images have one)
      image::filter_tiles(w1.data(), static_cast<int>(w1.dim(0)), w1.size() / w1.dim(0), static_cast<int>(w1.dim(2)),
                          static_cast<int>(w1.dim(3)));
  image::write_grid(out + "/filters_conv1.png", filters, 8, 12, image::Scaling::Symmetric, 4);
  // Activation maps of one test image: the outputs of relu1 and relu2
  // (children 1 and 4 of the list), kept by the Sequential for backward.
  const std::int64_t pixels = test.example_size();
  const TensorView<const float> x(test.images.data() + index * pixels,
                                  Shape{1, test.images.dim(1), test.images.dim(2), test.images.dim(3)});
  net.forward(x, layers::Mode::Eval);
  const TensorView<const float> a1 = net.body().output(1), a2 = net.body().output(4);
  std::vector<image::Tile> input = {{static_cast<int>(x.dim(2)), static_cast<int>(x.dim(3)),
                                     std::vector<float>(x.data(), x.data() + pixels)}};
  image::write_grid(out + "/activation_input.png", input, 1, 6, image::Scaling::MinMax, 2);
  const auto maps1 = image::plane_tiles(a1.data(), static_cast<int>(a1.dim(1)), static_cast<int>(a1.dim(2)),
                                       static_cast<int>(a1.dim(3)));
  const auto maps2 = image::plane_tiles(a2.data(), static_cast<int>(a2.dim(1)), static_cast<int>(a2.dim(2)),
                                       static_cast<int>(a2.dim(3)));
  image::write_grid(out + "/activations_conv1.png", maps1, 8, 3, image::Scaling::MinMax, 3);
  image::write_grid(out + "/activations_conv2.png", maps2, 8, 4, image::Scaling::MinMax, 3);
  std::vector<int> guess(1);
  net.predictions(guess);
  const auto& names = fashion_mnist_classes();
  const int truth = test.labels[static_cast<std::size_t>(index)];
  std::printf("test image %d: a %s, predicted %s\n", index, names[static_cast<std::size_t>(truth)].c_str(),
              names[static_cast<std::size_t>(guess[0])].c_str());
  std::printf("wrote %s/filters_conv1.png (the %lld first-layer filters, grey = 0, white > 0, black < 0),\n"
              "      %s/activation_input.png, activations_conv1.png (after ReLU, %lldx%lld) and\n"
              "      activations_conv2.png (after ReLU, %lldx%lld)\n",
              out.c_str(), static_cast<long long>(w1.dim(0)), out.c_str(), static_cast<long long>(a1.dim(2)),
              static_cast<long long>(a1.dim(3)), static_cast<long long>(a2.dim(2)), static_cast<long long>(a2.dim(3)));
}

int main_run(const Options& o, const cli::CommonOptions& common) {
  Stopwatch total;
  std::printf("Chapter 7: backprop through convolution and pooling   (SIMD %s, %d thread%s, seed %llu)\n",
              std::string(to_string(simd_level())).c_str(), num_threads(), num_threads() == 1 ? "" : "s",
              static_cast<unsigned long long>(common.seed));
  pooling_example();

  TrainTest data = load_mnist_style(o.data, o.limit_train);
  Dataset validation = split_validation(data.train, o.validation, common.seed);
  if (o.image < 0 || o.image >= data.test.size())
    throw Error("--image " + std::to_string(o.image) + " is not a test image index (0.." +
                std::to_string(data.test.size() - 1) + ")");
  std::printf("\n== training the small CNN ==\ndata: %s — %lld training, %lld validation, %lld test images\n",
              o.data.c_str(), static_cast<long long>(data.train.size()), static_cast<long long>(validation.size()),
              static_cast<long long>(data.test.size()));
  CnnConfig config;
  config.channels = static_cast<int>(data.train.images.dim(1));
  config.height = static_cast<int>(data.train.images.dim(2));
  config.width = static_cast<int>(data.train.images.dim(3));
  config.classes = data.train.num_classes;
  config.filters1 = o.filters[0];
  config.filters2 = o.filters[1];
  config.kernel = o.kernel;
  Rng rng(common.seed);
  Network<float> net = make_cnn<float>(config, rng);
  std::printf("net: %s\n", net.architecture().c_str());
  layers::print_summary(net, o.batch);
  std::printf("optimiser %s, lr %g, batch %lld, %d epochs\n", o.optimizer.c_str(), o.lr,
              static_cast<long long>(o.batch), o.epochs);

  ch05::TrainOptions t = ch05::options_from_flags(o, common.seed);
  t.label = "cnn";
  const std::string out = common.out_dir;
  t.checkpoint_out = o.checkpoint_out.empty() ? out + "/checkpoint.safetensors" : o.checkpoint_out;
  layers::EpochLog log(out + "/epochs.csv", !o.resume.empty());  // a resumed run appends
  const ch05::TrainResult r =
      layers::train(net, data.train, validation, t, [&](const ch05::EpochRecord& e) { log(e); }, o.resume);
  const double test_acc = layers::evaluate(net, data.test);
  double train_time = 0;
  for (const auto& e : r.epochs) train_time += e.seconds;
  std::printf("\ntest accuracy %.2f%% after %zu epochs (%.1f s of training%s)\n", 100 * test_acc, r.epochs.size(),
              train_time, r.stopped_early ? ", stopped early" : "");
  if (o.patience > 0)
    std::printf("early stopping kept epoch %d (validation %.2f%%)\n", r.best_epoch, 100 * r.best_validation_accuracy);

  layers::plot_training(out, "Small CNN", r);
  CsvWriter summary(out + "/summary.csv", {"metric", "value"});
  summary.row("test_accuracy", {test_acc});
  summary.row("epochs", {static_cast<double>(r.epochs.size())});
  summary.row("training_seconds", {train_time});
  layers::save(out + "/model.safetensors", net);
  std::printf("wrote %s/loss.png, accuracy.png, epochs.csv, summary.csv, model.safetensors (the weights),\n"
              "  checkpoint.safetensors (weights + optimiser state; resumable with --resume)\n",
              out.c_str());
  draw(net, data.test, o.image, out);
  std::printf("done in %.1f s; results in %s/\n", total.seconds(), out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 7: backprop through convolution and pooling — the pooling worked example, then a small CNN "
               "trained on Fashion-MNIST, its filters and activation maps."};
  nn::cli::CommonOptions common{"out/ch07_cnn"};
  nn::cli::add_common_options(app, common);
  Options o;
  nn::cli::add_training_flags(app, o);
  app.add_option("--filters", o.filters, "Filters of conv1 and conv2")
      ->expected(2)->check(CLI::Range(1, 512))->capture_default_str();
  app.add_option("--kernel", o.kernel, "Filter size F (odd: same padding)")
      ->check(CLI::IsMember({1, 3, 5, 7}))->capture_default_str();
  app.add_option("--image", o.image, "Test image whose activation maps are drawn")->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  return nn::cli::run(app, argc, argv, common, [&] {
    nn::set_num_threads(o.threads);
    return main_run(o, common);
  });
}
