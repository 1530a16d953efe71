// test_util.hpp — helpers shared by the tests.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "nn/cpu.hpp"
#include "nn/dataset.hpp"
#include "nn/gradcheck.hpp"
#include "nn/rng.hpp"
#include "nn/threads.hpp"

namespace nn::test {

// Whether this CPU can run `level`'s kernels.
inline bool cpu_has(SimdLevel level) {
  const auto levels = available_simd_levels();
  return std::find(levels.begin(), levels.end(), level) != levels.end();
}

// Puts the library's thread count back as it was when the object was made,
// however the test leaves its scope.
struct RestoreThreads {
  int saved = num_threads();
  ~RestoreThreads() { set_num_threads(saved); }
};

// Runs a shell command, returns its exit status and what it printed
// (stdout and stderr together).
struct CommandResult {
  int status;
  std::string output;
};
inline CommandResult run_command(const std::string& command) {
  CommandResult r{-1, {}};
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), pipe)) r.output += buf.data();
  const int raw = pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  return r;
}

// Requires a gradient check to pass, printing its report either way.
inline void require_gradient(const GradCheckResult& result) {
  INFO(result.report());
  CHECK_FALSE(result.all_zero());
  CHECK(result.max_rel_error <= result.tolerance);
  REQUIRE(result.passed());
}

// n synthetic 28×28 images (N, 1, 28, 28) with a fixed seed: each class is
// a bright bar at its own height over uniform noise, so a network has
// something to learn in one short epoch.
inline Dataset bar_images(std::int64_t n, std::uint64_t seed) {
  Rng rng(seed);
  Dataset d;
  d.name = "synthetic";
  d.num_classes = 10;
  d.images = Tensor<float>(Shape{n, 1, 28, 28});
  float* p = d.images.data();
  for (std::int64_t i = 0; i < n; ++i) {
    const int label = static_cast<int>(rng.below(10));
    d.labels.push_back(static_cast<std::uint8_t>(label));
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) {
        const bool bar = y >= 2 + 2 * label && y < 4 + 2 * label && x >= 4 && x < 24;
        *p++ = static_cast<float>(0.5 * rng.uniform()) + (bar ? 0.5f : 0.0f);
      }
  }
  return d;
}

inline void put_be32(std::ofstream& out, std::uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                     static_cast<char>(v)};
  out.write(b, 4);
}

// An MNIST-format pair of files (uncompressed): class c is a bright bar at
// rows 2c+2, 2c+3 over noise. With random_labels the labels ignore the
// images (so a test set always has misclassified examples).
inline void write_idx(const std::filesystem::path& dir, const std::string& prefix, std::uint32_t count, bool random_labels,
               std::uint64_t seed) {
  nn::Rng rng(seed);
  std::ofstream images(dir / (prefix + "-images-idx3-ubyte"), std::ios::binary);
  std::ofstream labels(dir / (prefix + "-labels-idx1-ubyte"), std::ios::binary);
  for (std::uint32_t v : {0x00000803u, count, 28u, 28u}) put_be32(images, v);
  for (std::uint32_t v : {0x00000801u, count}) put_be32(labels, v);
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto cls = static_cast<int>(rng.below(10));
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) {
        const bool bar = y >= 2 + 2 * cls && y < 4 + 2 * cls && x >= 4 && x < 24;
        images.put(static_cast<char>((bar ? 128 : 0) + static_cast<int>(rng.below(100))));
      }
    labels.put(static_cast<char>(random_labels ? static_cast<int>(rng.below(10)) : cls));
  }
}

// A fresh folder under the system's temporary directory, named after the
// test and the process, removed with everything in it at the end of scope.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

// The names of the entries of a folder (what a test expects to be left there).
inline std::vector<std::string> file_names(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// n floats drawn uniformly from [−1, 1).
inline std::vector<float> random_floats(Rng& rng, std::size_t n) {
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(rng.uniform(-1, 1));
  return v;
}

}  // namespace nn::test
