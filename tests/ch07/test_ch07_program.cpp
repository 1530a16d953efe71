// The ch07_cnn program's command line: --help works, bad input gets a clear
// message and a non-zero exit status.
#include <string>

#include <catch2/catch.hpp>

#include "test_util.hpp"

namespace {
const std::string kCh07 = std::string(NN_BIN_DIR) + "/ch07_cnn";
}

TEST_CASE("ch07_cnn --help describes the flags and exits 0", "[ch07][cli]") {
  const auto r = nn::test::run_command(kCh07 + " --help");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output.find("--epochs") != std::string::npos);
  CHECK(r.output.find("--filters") != std::string::npos);
}

TEST_CASE("ch07_cnn rejects a bad epoch count, kernel and unknown flags", "[ch07][cli]") {
  for (const char* bad : {"--no-such-flag", "--epochs=0", "--epochs=abc", "--kernel=4", "--batch=0"}) {
    const auto r = nn::test::run_command(kCh07 + " " + bad + " --out /tmp/nn_test_unused");
    INFO(bad << ": " << r.output);
    CHECK(r.status != 0);
  }
}
