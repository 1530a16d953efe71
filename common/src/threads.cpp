#include "nn/threads.hpp"

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>

#include "nn/error.hpp"

namespace nn {

namespace {

int initial_threads() {
  const char* env = std::getenv("NN_THREADS");
  if (!env || !*env) return 1;
  char* end = nullptr;
  const long n = std::strtol(env, &end, 10);
  if (*end != '\0' || n < 1 || n > 1024)
    throw Error(std::string("environment variable NN_THREADS must be an integer in 1..1024, not '") + env + "'");
  return static_cast<int>(n);
}

std::atomic<int>& active_threads() {
  static std::atomic<int> n{initial_threads()};
  return n;
}

}  // namespace

int num_threads() { return active_threads().load(std::memory_order_relaxed); }

void set_num_threads(int n) {
  if (n < 1) throw Error("set_num_threads: the thread count must be at least 1, not " + std::to_string(n));
  active_threads().store(n, std::memory_order_relaxed);
}

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace nn
