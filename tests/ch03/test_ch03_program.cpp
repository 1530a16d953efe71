// The ch03_mlp program's command line: --help works, bad input gets
// a clear message and a non-zero exit status.
#include <string>

#include <catch2/catch.hpp>

#include "test_util.hpp"

namespace {
const std::string kProgram = std::string(NN_BIN_DIR) + "/ch03_mlp";
}

TEST_CASE("ch03_mlp --help describes the flags and exits 0", "[ch03][cli]") {
  const auto r = nn::test::run_command(kProgram + " --help");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output.find("--epochs") != std::string::npos);
  CHECK(r.output.find("--out") != std::string::npos);
}

TEST_CASE("ch03_mlp rejects an unknown flag and a bad epoch count", "[ch03][cli]") {
  for (const char* bad : {"--no-such-flag", "--epochs=0", "--epochs=abc"}) {
    const auto r = nn::test::run_command(kProgram + " " + bad + " --out /tmp/nn_test_unused");
    INFO(r.output);
    CHECK(r.status != 0);
  }
}
