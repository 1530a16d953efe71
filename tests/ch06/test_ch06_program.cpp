// The ch06_convolution program's command line: --help works, bad input gets
// a clear message and a non-zero exit status.
#include <string>

#include <catch2/catch.hpp>

#include "test_util.hpp"

namespace {
const std::string kCh06 = std::string(NN_BIN_DIR) + "/ch06_convolution";
}

TEST_CASE("ch06_convolution --help describes the flags and exits 0", "[ch06][cli]") {
  const auto r = nn::test::run_command(kCh06 + " --help");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output.find("--layers") != std::string::npos);
  CHECK(r.output.find("--out") != std::string::npos);
}

TEST_CASE("ch06_convolution rejects bad layer lists and unknown flags", "[ch06][cli]") {
  for (const char* bad : {"--no-such-flag", "--layers=3,,3", "--layers=3/0", "--image=-1"}) {
    const auto r = nn::test::run_command(kCh06 + " " + bad + " --out /tmp/nn_test_unused --quick");
    INFO(bad << ": " << r.output);
    CHECK(r.status != 0);
  }
}
