// The ch08_lenet5 program's command line: --help works, bad input gets a
// clear message and a non-zero exit status.
#include <string>

#include <catch2/catch.hpp>

#include "test_util.hpp"

namespace {
const std::string kCh08 = std::string(NN_BIN_DIR) + "/ch08_lenet5";
}

TEST_CASE("ch08_lenet5 --help describes the flags and exits 0", "[ch08][cli]") {
  const auto r = nn::test::run_command(kCh08 + " --help");
  INFO(r.output);
  CHECK(r.status == 0);
  for (const char* flag : {"--epochs", "--batch", "--threads", "--optimizer", "--lr", "--data", "--eval"})
    CHECK(r.output.find(flag) != std::string::npos);
}

TEST_CASE("ch08_lenet5 rejects bad counts, a missing checkpoint and unknown flags", "[ch08][cli]") {
  for (const char* bad : {"--no-such-flag", "--epochs=0", "--epochs=abc", "--batch=0", "--eval=/no/such/file"}) {
    const auto r = nn::test::run_command(kCh08 + " " + bad + " --out /tmp/nn_test_unused");
    INFO(bad << ": " << r.output);
    CHECK(r.status != 0);
  }
}
