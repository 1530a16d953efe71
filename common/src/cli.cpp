#include "nn/cli.hpp"

#include <cstdio>
#include <exception>

#include "nn/cpu.hpp"
#include "nn/error.hpp"
#include "nn/interrupt.hpp"
#include "nn/plot.hpp"
#include "nn/report.hpp"

namespace nn::cli {

const CLI::Validator Positive(
    [](std::string& input) -> std::string {
      double value = 0.0;
      try {
        std::size_t used = 0;
        value = std::stod(input, &used);
        if (used != input.size()) return "value '" + input + "' is not a number";
      } catch (const std::exception&) {
        return "value '" + input + "' is not a number";
      }
      if (!(value > 0.0)) return "value must be > 0, got " + input;
      return {};
    },
    "POSITIVE", "Positive");

void add_common_options(CLI::App& app, CommonOptions& options) {
  app.add_option("--out", options.out_dir, "Folder for CSV and PNG results")->capture_default_str();
  app.add_option("--seed", options.seed, "Random seed (same seed, same results)")->capture_default_str();
  app.add_option("--simd", options.simd, "SIMD kernels to use: auto, scalar, avx2, avx512")
      ->check(CLI::IsMember({"auto", "scalar", "avx2", "avx512"}))
      ->capture_default_str();
  app.add_flag("--show", options.show, "Also open each plot in a window (needs a display)");
}

void add_training_flags(CLI::App& app, TrainingFlags& f) {
  app.add_option("--data", f.data, "Folder with the MNIST-format files (gzipped or not)")->capture_default_str();
  app.add_option("--optimizer", f.optimizer, "sgd, momentum, classic, nesterov, adagrad, rmsprop, adam")
      ->check(CLI::IsMember({"sgd", "momentum", "classic", "nesterov", "adagrad", "rmsprop", "adam"}))
      ->capture_default_str();
  app.add_option("--momentum", f.momentum, "Momentum alpha/mu")->check(CLI::Range(0.0, 0.9999))->capture_default_str();
  app.add_option("--lr", f.lr, "Learning rate")->check(Positive)->capture_default_str();
  app.add_option("--l2", f.l2, "L2 penalty lambda on the weights, never the biases (0: none)")
      ->check(CLI::Range(0.0, 10.0))->capture_default_str();
  app.add_option("--epochs", f.epochs, "Epochs")->check(CLI::Range(1, 100000))->capture_default_str();
  app.add_option("--batch", f.batch, "Minibatch size")->check(CLI::Range(1, 1 << 20))->capture_default_str();
  app.add_option("--schedule", f.schedule, "Learning-rate schedule: none, step (x0.1 every --step epochs), plateau")
      ->check(CLI::IsMember({"none", "step", "plateau"}))->capture_default_str();
  app.add_option("--step", f.step, "Epochs between step-decay cuts")->check(CLI::Range(1, 100000))->capture_default_str();
  app.add_option("--patience", f.patience,
                 "Early stopping: stop after this many epochs without a better validation accuracy, and keep the "
                 "best epoch's weights (0: off)")
      ->check(CLI::Range(0, 100000))->capture_default_str();
  app.add_flag("--mirror", f.mirror, "Augment: random left-right mirror of training images");
  app.add_option("--shift", f.shift, "Augment: random shifts of training images by up to N pixels")
      ->check(CLI::Range(0, 8))->capture_default_str();
  app.add_option("--threads", f.threads, "Threads (for the matrix multiplies, and the program's own parallel parts)")
      ->check(CLI::Range(1, 256))->capture_default_str();
  app.add_option("--validation", f.validation, "Training images held out for validation")
      ->check(CLI::Range(1, 1000000))->capture_default_str();
  app.add_option("--limit-train", f.limit_train, "Use only the first N training images (0: all)")
      ->check(CLI::Range(0, 100000000))->capture_default_str();
  app.add_option("--checkpoint-out", f.checkpoint_out,
                 "Checkpoint written after every epoch: weights, optimiser state, next epoch (default: "
                 "OUT/checkpoint.safetensors)");
  app.add_option("--resume", f.resume,
                 "Resume training from a checkpoint saved with optimiser state (same --seed and --threads: the "
                 "uninterrupted run's weights, bit for bit)")
      ->check(CLI::ExistingFile);
}

int run(CLI::App& app, int argc, char** argv, const CommonOptions& options, const std::function<int()>& body) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);  // prints the message (or --help) and gives the exit code
  }
  try {
    set_simd_level(parse_simd_level(options.simd));
    plot::set_interactive(options.show);
    check_writable_folder(options.out_dir);  // before any work, not after the first hour
    return body();
  } catch (const Interrupted& e) {
    std::fprintf(stderr, "interrupted: %s\n", e.what());
    return 128 + e.signal();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}

}  // namespace nn::cli
