#include "nn/threads.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <vector>
#include <cstdlib>
#include <string>
#include <thread>

#include "nn/error.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

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

// thread_index(): set by parallel_for_impl around each call of a body.
thread_local int worker_index = 0;

// Sets worker_index for the life of the object and puts back what was there.
class IndexScope {
 public:
  explicit IndexScope(int index) : saved_(worker_index) { worker_index = index; }
  IndexScope(const IndexScope&) = delete;
  IndexScope& operator=(const IndexScope&) = delete;
  ~IndexScope() { worker_index = saved_; }

 private:
  int saved_;
};

}  // namespace

int thread_index() { return worker_index; }

int num_threads() { return active_threads().load(std::memory_order_relaxed); }

void set_num_threads(int n) {
  if (n < 1) throw Error("set_num_threads: the thread count must be at least 1, not " + std::to_string(n));
  active_threads().store(n, std::memory_order_relaxed);
}

bool in_parallel_region() {
#ifdef _OPENMP
  return omp_in_parallel() != 0;
#else
  return false;
#endif
}

namespace detail {
void parallel_for_impl(std::int64_t n, std::int64_t min_chunk, void (*call)(void*, std::int64_t, std::int64_t),
                       void* body) {
  if (n <= 0) return;
  const std::int64_t by_size = std::max<std::int64_t>(1, n / std::max<std::int64_t>(1, min_chunk));
  const int threads = in_parallel_region() ? 1 : num_threads();
  if (threads <= 1 || by_size <= 1) {
    const IndexScope scope(0);  // a team of one, even inside another region
    return call(body, 0, n);
  }
  // Up to kChunksPerThread chunks a thread. Thread i starts on a home share:
  // the i-th run of chunks, in order, as the GEMM gives thread i the i-th
  // block of C (so an optimiser step finds most of its thread's rows of a
  // weight matrix, and of its gradient, in its own core's cache). A thread
  // that runs out of home chunks takes the last chunk left in another's
  // share: on a shared machine one core is often slower than the other
  // (measured here: 15-30 % for minutes at a time), and fixed shares would
  // leave the faster one waiting for it at the end of every call.
  constexpr int kChunksPerThread = 4;
  const int parts = static_cast<int>(std::min<std::int64_t>(std::int64_t{threads} * kChunksPerThread, by_size));
  // An exception may not leave a thread (out of an OpenMP region it ends the
  // program): each chunk catches its own, and the first chunk's (in chunk
  // order, so the same one whatever the timing) is rethrown here.
  std::exception_ptr local[64];  // no allocation for the usual few threads
  std::vector<std::exception_ptr> more;
  std::exception_ptr* errors = local;
  if (parts > 64) {
    more.resize(static_cast<std::size_t>(parts));
    errors = more.data();
  }
  auto range = [&](int t, int index) {
    const std::int64_t begin = n * t / parts, end = n * (t + 1) / parts;
    const IndexScope scope(index);
    try {
      if (end > begin) call(body, begin, end);
    } catch (...) {
      errors[t] = std::current_exception();
    }
  };
  const int team = std::min(threads, parts);
  // Share i holds chunks [first, last) packed in one word, first in the high
  // half: its owner takes from the front, others from the back, each with a
  // compare-and-swap, so no chunk runs twice.
  // Each share has a cache line of its own: its owner updates it at every
  // chunk, and a neighbour in the same line would make the two cores pass
  // that line back and forth.
  struct alignas(64) Share {
    std::atomic<std::uint64_t> chunks;
  };
  Share share_local[8];
  std::vector<Share> share_more(team > 8 ? static_cast<std::size_t>(team) : 0);
  Share* shares = team > 8 ? share_more.data() : share_local;
  for (int i = 0; i < team; ++i) {
    const auto first = static_cast<std::uint64_t>(static_cast<std::int64_t>(parts) * i / team);
    const auto last = static_cast<std::uint64_t>(static_cast<std::int64_t>(parts) * (i + 1) / team);
    shares[i].chunks.store(first << 32 | last, std::memory_order_relaxed);
  }
  // The next chunk of share i: from the front for its owner, else from the back; −1 when empty.
  auto take = [&](int i, bool owner) -> int {
    std::uint64_t s = shares[i].chunks.load(std::memory_order_relaxed);
    for (;;) {
      const auto first = static_cast<std::uint32_t>(s >> 32), last = static_cast<std::uint32_t>(s);
      if (first >= last) return -1;
      const std::uint64_t next = owner ? (std::uint64_t{first} + 1) << 32 | last : std::uint64_t{first} << 32 | (last - 1);
      if (shares[i].chunks.compare_exchange_weak(s, next, std::memory_order_acq_rel, std::memory_order_relaxed))
        return static_cast<int>(owner ? first : last - 1);
    }
  };
  auto worker = [&](int index) {
    for (int t = take(index, true); t >= 0; t = take(index, true)) range(t, index);
    for (int k = 1; k < team; ++k) {
      const int other = (index + k) % team;
      for (int t = take(other, false); t >= 0; t = take(other, false)) range(t, index);
    }
  };
#ifdef _OPENMP
#pragma omp parallel num_threads(team)
  worker(omp_get_thread_num());
#else
  std::vector<std::thread> pool;
  for (int t = 1; t < team; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (auto& th : pool) th.join();
#endif
  for (int t = 0; t < parts; ++t)
    if (errors[t]) std::rethrow_exception(errors[t]);
}
}  // namespace detail

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace nn
