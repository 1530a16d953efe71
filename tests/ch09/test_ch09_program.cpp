// The ch09_alexnet program: --help works, bad values get a clear message
// and a non-zero exit status, and a short run of a narrow AlexNet on a small
// synthetic data set prints the lectures' table and writes every promised
// file.
#include <unistd.h>

#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "test_util.hpp"

namespace fs = std::filesystem;

namespace {
const std::string kCh09 = std::string(NN_BIN_DIR) + "/ch09_alexnet";

}  // namespace

TEST_CASE("ch09_alexnet --help describes the flags and exits 0", "[ch09][cli]") {
  const auto r = nn::test::run_command(kCh09 + " --help");
  INFO(r.output);
  CHECK(r.status == 0);
  for (const char* flag : {"--width", "--groups", "--resize", "--dropout", "--epochs", "--resume"})
    CHECK(r.output.find(flag) != std::string::npos);
}

TEST_CASE("ch09_alexnet rejects a bad width, group count, resize and unknown flags", "[ch09][cli]") {
  for (const char* bad : {"--no-such-flag", "--width=0", "--width=2", "--groups=3", "--resize=100", "--epochs=0"}) {
    const auto r = nn::test::run_command(kCh09 + " " + bad + " --out /tmp/nn_test_unused");
    INFO(bad << ": " << r.output);
    CHECK(r.status != 0);
  }
}

TEST_CASE("ch09_alexnet prints the lectures' table and trains a narrow AlexNet, writing its report", "[ch09][cli]") {
  nn::test::TempDir data("nn_ch09_fashion_data"), out("nn_ch09_out");
  nn::test::write_idx(data.path, "train", 300, false, 87);
  nn::test::write_idx(data.path, "t10k", 100, true, 88);
  const auto r = nn::test::run_command(kCh09 + " --data " + data.path.string() +
                                       " --width 0.05 --limit-train 0 --validation 100 --epochs 1 --out " +
                                       out.path.string());
  INFO(r.output);
  if (r.output.find("is not implemented yet") != std::string::npos) {
    WARN("skipped in the exercise build until the layers' backward passes are done");
    return;
  }
  REQUIRE(r.status == 0);
  CHECK(r.output.find("62,378,344") != std::string::npos);     // the lectures' parameters
  CHECK(r.output.find("1,135,256,096") != std::string::npos);  // and multiply-adds per image
  CHECK(r.output.find("test accuracy") != std::string::npos);
  for (const char* file : {"epochs.csv", "summary.csv", "model.safetensors", "checkpoint.safetensors",
                           "misclassified.csv", "filters_conv1.png", "activations_conv1.png", "activations_conv2.png"}) {
    INFO(file);
    CHECK(fs::is_regular_file(out.path / file));
  }
}
