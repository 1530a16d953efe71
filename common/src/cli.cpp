#include "nn/cli.hpp"

#include <cstdio>
#include <exception>

#include "nn/cpu.hpp"
#include "nn/error.hpp"
#include "nn/plot.hpp"

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

int run(CLI::App& app, int argc, char** argv, const CommonOptions& options, const std::function<int()>& body) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);  // prints the message (or --help) and gives the exit code
  }
  try {
    set_simd_level(parse_simd_level(options.simd));
    plot::set_interactive(options.show);
    std::filesystem::create_directories(options.out_dir);
    return body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}

}  // namespace nn::cli
