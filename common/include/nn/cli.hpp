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

namespace nn::cli {

struct CommonOptions {
  explicit CommonOptions(std::string default_out) : out_dir(std::move(default_out)) {}
  std::string out_dir;       // --out: where CSV and PNG files go
  std::uint64_t seed = 42;   // --seed
  std::string simd = "auto"; // --simd: auto|scalar|avx2|avx512
  bool show = false;         // --show: also open plots in a window
};

void add_common_options(CLI::App& app, CommonOptions& options);

int run(CLI::App& app, int argc, char** argv, const CommonOptions& options, const std::function<int()>& body);

// A validator for strictly positive numbers (CLI::PositiveNumber accepts 0
// in some versions; a learning rate of 0 is as wrong as a negative one).
extern const CLI::Validator Positive;

}  // namespace nn::cli
