#include "nn/threads.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

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

// thread_index(): set by parallel_for_impl around each call of a body.
thread_local int worker_index = 0;
// in_parallel_region(): true on the team's threads while they run a job
// (on a worker of the pool, always).
thread_local bool in_team = false;

// Sets in_team for the life of the object and puts back what was there.
class TeamScope {
 public:
  TeamScope() : saved_(in_team) { in_team = true; }
  TeamScope(const TeamScope&) = delete;
  TeamScope& operator=(const TeamScope&) = delete;
  ~TeamScope() { in_team = saved_; }

 private:
  bool saved_;
};

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

// The threads behind run_team: workers started on first use and kept, each
// waiting on a slot of its own for the next job.
//
// Why not OpenMP. Starting and ending an OpenMP parallel region (libgomp)
// costs several passes of cache lines between the cores; on the machine
// this course is measured on, where a line takes about 0.24 µs from one
// core to the other, an empty two-thread region took 3.5 µs, and the
// chapter-5 training step opens seven. Here a job costs the least the
// hardware allows: the caller writes the worker's slot (one line), the
// worker writes that it has finished (another line), and each side reads
// the other's line once: 0.5 µs for the same empty job.
//
// A worker spins on its slot for a while after each job (the next one
// usually follows within microseconds), then sleeps on it (a futex, through
// std::atomic::wait) until the caller posts a job and wakes it. With more
// threads than cores it spins only briefly, so that a waiting thread does
// not keep a working one from a core.
class Pool {
 public:
  // Never destroyed: the workers wait for jobs until the process exits.
  static Pool& instance() {
    static Pool* const pool = new Pool;
    return *pool;
  }

  // Runs fn(ctx, i) for i in [0, team): i = 0 on the calling thread, the
  // others on workers. Returns when all have finished; rethrows the first
  // exception, in index order. When another thread is using the pool, the
  // caller runs every index itself, in order.
  void run(int team, void (*fn)(void*, int), void* ctx) {
    std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
    const TeamScope scope;
    if (team <= 1 || !lock.owns_lock()) {
      for (int i = 0; i < team; ++i) fn(ctx, i);
      return;
    }
    const auto workers = static_cast<std::size_t>(team - 1);
    while (slots_.size() < workers) start_worker();
    const bool oversubscribed = team > hardware_threads_;
    for (std::size_t w = 0; w < workers; ++w) slots_[w]->oversubscribed.store(oversubscribed, std::memory_order_relaxed);
    ++round_;
    for (std::size_t w = 0; w < workers; ++w) {
      Slot& s = *slots_[w];
      s.fn = fn;
      s.ctx = ctx;
      s.index = static_cast<int>(w + 1);
      s.posted.store(round_, std::memory_order_seq_cst);
      // Pairs with the worker's store to `sleeping` before its last look at
      // `posted`: either it sees this round or this sees it asleep.
      if (s.sleeping.load(std::memory_order_seq_cst)) s.posted.notify_one();
    }
    std::exception_ptr first;
    try {
      fn(ctx, 0);
    } catch (...) {
      first = std::current_exception();
    }
    for (std::size_t w = 0; w < workers; ++w) {
      Slot& s = *slots_[w];
      while (s.finished.load(std::memory_order_acquire) != round_) {
        if (oversubscribed)
          std::this_thread::yield();
        else
          cpu_relax();
      }
      if (!first && s.error) first = s.error;
    }
    if (first) std::rethrow_exception(first);
  }

 private:
  struct Slot {
    // Written by the caller: the job and the round it belongs to.
    alignas(64) std::atomic<std::uint32_t> posted{0};
    void (*fn)(void*, int) = nullptr;
    void* ctx = nullptr;
    int index = 0;
    std::atomic<bool> oversubscribed{false};  // read by the worker between jobs
    // Written by the worker.
    alignas(64) std::atomic<std::uint32_t> finished{0};
    std::atomic<bool> sleeping{false};
    std::exception_ptr error;
  };

  Pool() : hardware_threads_(hardware_threads()) {}

  void start_worker() {
    auto slot = std::make_unique<Slot>();
    std::thread(work, slot.get()).detach();  // if this throws, no slot waits for a thread that never started
    slots_.push_back(std::move(slot));
  }

  static void work(Slot* s) {
    in_team = true;
    std::uint32_t seen = 0;
    for (;;) {
      // About a millisecond of spinning on a core of its own; a few
      // iterations when the threads outnumber the cores.
      const int spin_limit = s->oversubscribed.load(std::memory_order_relaxed) ? 64 : 1 << 16;
      std::uint32_t now = s->posted.load(std::memory_order_acquire);
      for (int spins = 0; now == seen; now = s->posted.load(std::memory_order_acquire)) {
        if (spins < spin_limit) {
          ++spins;
          cpu_relax();
          continue;
        }
        s->sleeping.store(true, std::memory_order_seq_cst);
        if (s->posted.load(std::memory_order_seq_cst) == seen) s->posted.wait(seen, std::memory_order_seq_cst);
        s->sleeping.store(false, std::memory_order_relaxed);
        spins = 0;
      }
      seen = now;
      s->error = nullptr;  // the worker's own line: the caller only reads it, after `finished`
      try {
        s->fn(s->ctx, s->index);
      } catch (...) {
        s->error = std::current_exception();
      }
      s->finished.store(seen, std::memory_order_release);
    }
  }

  std::mutex mutex_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::uint32_t round_ = 0;
  const int hardware_threads_;
};

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

bool in_parallel_region() { return in_team; }

namespace detail {
void run_team(int team, void (*fn)(void*, int), void* ctx) {
  if (team <= 1) {
    const TeamScope scope;
    return fn(ctx, 0);
  }
  Pool::instance().run(team, fn, ctx);
}

void parallel_for_impl(std::int64_t n, std::int64_t min_chunk, void (*call)(void*, std::int64_t, std::int64_t),
                       void* body, bool steal) {
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
  // leave the faster one waiting for it at the end of every call. Unless
  // `steal` is false (parallel_for_arrays): then each thread does its home
  // share only, and its lines stay in its core's cache.
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
    if (!steal) return;
    for (int k = 1; k < team; ++k) {
      const int other = (index + k) % team;
      for (int t = take(other, false); t >= 0; t = take(other, false)) range(t, index);
    }
  };
  run_team(team, worker);
  for (int t = 0; t < parts; ++t)
    if (errors[t]) std::rethrow_exception(errors[t]);
}
}  // namespace detail

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace nn
