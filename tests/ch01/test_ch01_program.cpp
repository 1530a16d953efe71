// The ch01_neuron program's command line: bad input gets a clear message and
// a non-zero exit status; --help works.
#include <string>

#include <catch2/catch.hpp>

#include "test_util.hpp"

namespace {
const std::string kProgram = std::string(NN_BIN_DIR) + "/ch01_neuron";
}

TEST_CASE("ch01_neuron --help describes the flags and exits 0", "[ch01][cli]") {
  const auto r = nn::test::run_command(kProgram + " --help");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output.find("--lr") != std::string::npos);
  CHECK(r.output.find("--epochs") != std::string::npos);
  CHECK(r.output.find("--out") != std::string::npos);
}

TEST_CASE("ch01_neuron rejects an unknown flag", "[ch01][cli]") {
  const auto r = nn::test::run_command(kProgram + " --no-such-flag --out /tmp/nn_test_unused");
  INFO(r.output);
  CHECK(r.status != 0);
  CHECK(r.output.find("--no-such-flag") != std::string::npos);
}

TEST_CASE("ch01_neuron rejects a negative or zero learning rate", "[ch01][cli]") {
  for (const char* bad : {"-0.5", "0", "abc"}) {
    const auto r = nn::test::run_command(kProgram + " --lr=" + bad + " --out /tmp/nn_test_unused");
    INFO(r.output);
    CHECK(r.status != 0);
    CHECK(r.output.find("--lr") != std::string::npos);
  }
}

TEST_CASE("ch01_neuron rejects an unknown SIMD level", "[ch01][cli]") {
  const auto r = nn::test::run_command(kProgram + " --simd avx1024 --out /tmp/nn_test_unused");
  INFO(r.output);
  CHECK(r.status != 0);
  CHECK(r.output.find("--simd") != std::string::npos);
}
