// The ch02_activations program's command line: --help works, bad input gets
// a clear message and a non-zero exit status.
#include <string>

#include <catch2/catch.hpp>

#include "test_util.hpp"

namespace {
const std::string kProgram = std::string(NN_BIN_DIR) + "/ch02_activations";
}

TEST_CASE("ch02_activations --help describes the flags and exits 0", "[ch02][cli]") {
  const auto r = nn::test::run_command(kProgram + " --help");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output.find("--depth") != std::string::npos);
  CHECK(r.output.find("--out") != std::string::npos);
}

TEST_CASE("ch02_activations rejects an unknown flag and a bad depth", "[ch02][cli]") {
  for (const char* bad : {"--no-such-flag", "--depth=0", "--depth=abc"}) {
    const auto r = nn::test::run_command(kProgram + " " + bad + " --out /tmp/nn_test_unused");
    INFO(r.output);
    CHECK(r.status != 0);
  }
}
