// test_util.hpp — helpers shared by the tests.
#pragma once

#include <array>
#include <cstdio>
#include <string>

#include <sys/wait.h>

#include <catch2/catch.hpp>

#include "nn/gradcheck.hpp"

namespace nn::test {

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

}  // namespace nn::test
