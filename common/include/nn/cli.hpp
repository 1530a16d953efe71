// cli.hpp — the command-line glue every chapter program shares (CLI11).
//
// Each program declares its own flags on a CLI::App, adds the common ones
// with add_common_options, and hands control to run():
//
//   int main(int argc, char** argv) {
//     CLI::App app{"Chapter 1: the neuron"};
//     nn::cli::CommonOptions common{"out/ch01_neuron"};
//     nn::cli::add_common_options(app, common);
//     double lr = 0.5;
//     app.add_option("--lr", lr, "learning rate")->check(nn::cli::Positive);
//     return nn::cli::run(app, argc, argv, common, [&] { ...; return 0; });
//   }
//
// run() parses (unknown flags and bad values are errors that name the flag,
// exit code 106 from CLI11 / non-zero), applies the common options, and
// turns any nn::Error thrown by the body into "error: ..." and exit code 1.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "nn/dataset.hpp"

namespace nn::cli {

struct CommonOptions {
  explicit CommonOptions(std::string default_out) : out_dir(std::move(default_out)) {}
  std::string out_dir;       // --out: where CSV and PNG files go
  std::uint64_t seed = 42;   // --seed
  std::string simd = "auto"; // --simd: auto|scalar|avx2|avx512
  bool show = false;         // --show: also open plots in a window
};

void add_common_options(CLI::App& app, CommonOptions& options);

// The flags the training programs (chapters 5, 7 and 8) share: --data,
// --optimizer, --momentum, --lr, --l2, --epochs, --batch, --schedule,
// --step, --patience, --mirror, --shift, --threads, --validation,
// --limit-train, --checkpoint-out, --resume. A program's options
// derive from this and set their own defaults in the constructor:
//
//   struct Options : nn::cli::TrainingFlags {
//     Options() { epochs = 20; step = 12; }
//     int shift = 0;  // the program's own flags
//   };
//   nn::cli::add_training_flags(app, o);
struct TrainingFlags {
  std::string data = kFashionMnistDir;  // folder of MNIST-format files
  std::string optimizer = "classic";  // sgd, momentum, classic, nesterov, adagrad, rmsprop, adam
  double momentum = 0.9;
  double lr = 0.02;
  double l2 = 0.0;
  int epochs = 1;
  std::int64_t batch = 64;
  std::string schedule = "step";  // none, step, plateau
  int step = 1;                   // epochs between step-decay cuts
  int patience = 0;               // early stopping (0: off)
  bool mirror = false;            // augmentation: random left-right mirror
  int shift = 0;                  // augmentation: random shifts of up to N pixels
  int threads = 1;
  std::int64_t validation = 5000;
  std::int64_t limit_train = 0;   // 0: the whole training set
  std::string checkpoint_out;     // "": OUT/checkpoint.safetensors
  std::string resume;             // a checkpoint to resume from ("": none)
};

void add_training_flags(CLI::App& app, TrainingFlags& flags);

int run(CLI::App& app, int argc, char** argv, const CommonOptions& options, const std::function<int()>& body);

// A validator for strictly positive numbers (CLI::PositiveNumber accepts 0
// in some versions; a learning rate of 0 is as wrong as a negative one).
extern const CLI::Validator Positive;

}  // namespace nn::cli
