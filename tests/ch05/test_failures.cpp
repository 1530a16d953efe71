// Failures that must lose nothing: a save that runs out of disk, an output
// folder that cannot be written, a signal to a program (the training loop's
// own cases — divergence and interruption mid-epoch — are graded with the
// loop in test_training.cpp).
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ch05/train.hpp"
#include "nn/cli.hpp"
#include "nn/error.hpp"
#include "nn/interrupt.hpp"
#include "nn/report.hpp"
#include "nn/safetensors.hpp"
#include "test_util.hpp"

using namespace nn;
namespace fs = std::filesystem;

namespace {

// RLIMIT_FSIZE lowered for the guard's life: a write past it fails with
// EFBIG (SIGXFSZ, which would end the process, is ignored meanwhile).
struct FileSizeLimit {
  rlimit saved{};
  void (*previous)(int);
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved);
    previous = std::signal(SIGXFSZ, SIG_IGN);
    rlimit lower = saved;
    lower.rlim_cur = bytes;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &lower) == 0);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, previous);
  }
};

}  // namespace

TEST_CASE("a checkpoint save that runs out of disk reports it, keeps the previous checkpoint and leaves no temporary file",
          "[ch05][failures][checkpoint]") {
  test::TempDir dir("nn_failures");
  const fs::path path = dir.path / "checkpoint.safetensors";
  std::vector<float> first(1000, 1.0f), second(1000, 2.0f);
  save_safetensors(path, {{"w", {1000}, first}});
  const auto size = fs::file_size(path);
  {
    const FileSizeLimit limit(2048);  // half of what the new file needs
    CHECK_THROWS_WITH(save_safetensors(path, {{"w", {1000}, second}}),
                      Catch::Contains("cannot write checkpoint") && Catch::Contains("File too large") &&
                          Catch::Contains("the previous " + path.string() + " is untouched"));
  }
  CHECK(test::file_names(dir.path) == std::vector<std::string>{"checkpoint.safetensors"});
  CHECK(fs::file_size(path) == size);
  std::vector<float> back(1000, 0.0f);
  load_safetensors(path, {{"w", {1000}, back}});
  CHECK(back == first);
}

TEST_CASE("an output folder or checkpoint path that cannot be written is an error before any work",
          "[ch05][failures]") {
  test::TempDir dir("nn_failures");
  const fs::path file = dir.path / "a-file";
  std::ofstream(file) << "x";
  CHECK_THROWS_WITH(check_writable_folder(file / "out"), Catch::Contains((file / "out").string()) &&
                                                             Catch::Contains("cannot be made"));
  CHECK_THROWS_WITH(check_writable(file / "checkpoint.safetensors"), Catch::Contains("cannot be made"));
  CHECK_THROWS_WITH(check_writable(dir.path), Catch::Contains("is a folder"));
  check_writable_folder(dir.path / "new" / "deeper");  // made, and writable
  CHECK(fs::is_directory(dir.path / "new" / "deeper"));
  CHECK(test::file_names(dir.path).size() == 2);  // the probe file is gone
  if (::geteuid() != 0) {  // root writes into read-only folders
    fs::create_directories(dir.path / "ro");
    fs::permissions(dir.path / "ro", fs::perms::owner_read | fs::perms::owner_exec);
    CHECK_THROWS_WITH(check_writable_folder(dir.path / "ro"), Catch::Contains("is not writable"));
    fs::permissions(dir.path / "ro", fs::perms::owner_all);
  } else {
    WARN("running as root: the read-only folder case is not checked");
  }

  // The training loop refuses to start: the model's step is never called.
  ch05::TrainableModel model;
  bool stepped = false;
  model.channels = model.height = model.width = 1;
  model.forward_backward = [&](TensorView<const float>, std::span<const int>, double, std::span<int>) {
    stepped = true;
    return 0.0f;
  };
  Dataset data;
  data.images = Tensor<float>(Shape{4, 1, 1, 1});
  data.labels = {0, 1, 0, 1};
  ch05::TrainOptions options;
  options.progress = false;
  options.checkpoint_out = file / "checkpoint.safetensors";
  CHECK_THROWS_WITH(ch05::train_model(model, data, data, options), Catch::Contains("cannot be made"));
  CHECK_FALSE(stepped);
}

TEST_CASE("a program asked to write into a folder it cannot make stops at once with the reason",
          "[ch05][failures]") {
  test::TempDir dir("nn_failures");
  const fs::path file = dir.path / "a-file";
  std::ofstream(file) << "x";
  CLI::App app("test");
  cli::CommonOptions options("out");
  cli::add_common_options(app, options);
  const std::string out = (file / "out").string();
  std::vector<std::string> args{"prog", "--out", out};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  bool ran = false;
  CHECK(cli::run(app, static_cast<int>(argv.size()), argv.data(), options, [&] {
          ran = true;
          return 0;
        }) == 1);
  CHECK_FALSE(ran);
}

TEST_CASE("a program stopped by SIGINT or SIGTERM exits with 128 + the signal's number", "[ch05][failures]") {
  for (int signal : {SIGINT, SIGTERM}) {
    CLI::App app("test");
    test::TempDir dir("nn_failures");
    cli::CommonOptions options(dir.path.string());
    cli::add_common_options(app, options);
    std::vector<std::string> args{"prog"};
    std::vector<char*> argv{args[0].data()};
    CHECK(cli::run(app, 1, argv.data(), options, [&]() -> int {
            throw Interrupted(signal, "stopped");
          }) == 128 + signal);
  }
}

TEST_CASE("under an InterruptGuard SIGINT sets a flag instead of ending the process, and a second one is the default again",
          "[ch05][failures]") {
  {
    const InterruptGuard guard;
    CHECK(pending_interrupt() == 0);
    std::raise(SIGINT);
    CHECK(pending_interrupt() == SIGINT);
    struct sigaction now {};
    sigaction(SIGINT, nullptr, &now);
    CHECK(now.sa_handler == SIG_DFL);
  }
  const InterruptGuard again;  // a new guard starts clear
  CHECK(pending_interrupt() == 0);
}
