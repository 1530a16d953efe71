// The ch04_gemm program's command line: --help, bad flags, and a tiny run
// that writes its table.
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "test_util.hpp"

namespace {
const std::string kProgram = std::string(NN_BIN_DIR) + "/ch04_gemm";
}

TEST_CASE("ch04_gemm --help describes the flags and exits 0", "[ch04][cli]") {
  const auto r = nn::test::run_command(kProgram + " --help");
  INFO(r.output);
  CHECK(r.status == 0);
  for (const char* flag : {"--sizes", "--reps", "--threads", "--out", "--simd"})
    CHECK(r.output.find(flag) != std::string::npos);
}

TEST_CASE("ch04_gemm rejects a bad size and an unknown flag", "[ch04][cli]") {
  for (const char* bad : {"--sizes 0", "--sizes abc", "--threads 0", "--no-such-flag"}) {
    const auto r = nn::test::run_command(kProgram + " " + bad + " --out /tmp/nn_test_unused");
    INFO(bad << "\n" << r.output);
    CHECK(r.status != 0);
  }
}

TEST_CASE("ch04_gemm runs the ladder on a small size and writes ladder.csv", "[ch04][cli]") {
  const auto dir = std::filesystem::temp_directory_path() / "nn_test_ch04_gemm";
  std::filesystem::remove_all(dir);
  const auto r = nn::test::run_command(kProgram + " --sizes 33 --reps 1 --no-external --out " + dir.string());
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.find("step 1 naive") != std::string::npos);
  CHECK(r.output.find("> bound") == std::string::npos);  // every step within the error bound
  std::ifstream csv(dir / "ladder.csv");
  std::string header;
  std::getline(csv, header);
  CHECK(header.find("gflops") != std::string::npos);
}
