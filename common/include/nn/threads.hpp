// threads.hpp — how many threads the library's parallel kernels use.
//
// nn::gemm (float) and parallel_for are threaded. The default is 1 thread, so a program
// behaves the same on every machine unless asked otherwise; set NN_THREADS=2
// in the environment (read once, on first use), pass --threads to a chapter
// program that has it, or call set_num_threads().
//
// The result of a GEMM does not depend on the thread count: the threads split
// the rows or the columns of C, never the sum over K, so every element is
// computed by the same sequence of operations — bit-identical for 1, 2 or 16
// threads.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace nn {

// The number of threads parallel kernels use now (≥ 1).
int num_threads();
// Sets it; n < 1 is an error (nn::Error). More threads than cores is allowed
// but slower.
void set_num_threads(int n);
// True inside a parallel region of the library (a parallel_for body or a
// threaded GEMM). Kernels called from there run on the calling thread only:
// the library's threads are busy with the outer region already.
bool in_parallel_region();

// Inside a parallel_for body: which thread of the team runs it, 0 … team − 1
// (the team has at most num_threads() threads). Elsewhere 0. For scratch
// buffers kept per thread while the ranges go to whichever thread is free.
int thread_index();

// The number of hardware threads this machine reports (≥ 1).
int hardware_threads();

// Splits [0, n) into contiguous ranges of at least `min_chunk` elements (up
// to four a thread) and calls body(begin, end) for each, in parallel. Thread
// i starts on the i-th run of ranges, in order (the part of the data the
// GEMM's thread i works on, when both split the same rows), and when it has
// finished those it takes the last range left in another thread's run: a
// core that runs slower for a while (on a shared machine) does less of the
// work.
// For element-wise work (optimiser updates): each element is computed the
// same way whichever thread does it, so results do not depend on the count.
// With n no larger than the thread count and min_chunk 1, every index is a
// range of its own. An exception thrown by body is caught on its thread and
// rethrown here (the first range's, in range order) once every range has
// finished.
// (A template over the body, so no std::function allocates per call.)
namespace detail {
// Runs fn(ctx, i) for i in [0, team), i = 0 on the calling thread and the
// others at the same time on threads the library keeps (started on first
// use); returns when all have finished, rethrowing the first exception in
// index order. in_parallel_region() is true inside. The building block of
// parallel_for and of the threaded GEMM.
void run_team(int team, void (*fn)(void*, int), void* ctx);
template <typename F>
void run_team(int team, F&& f) {
  using G = std::remove_reference_t<F>;
  run_team(
      team, [](void* g, int i) { (*static_cast<G*>(g))(i); }, const_cast<void*>(static_cast<const void*>(&f)));
}
// steal: whether a thread that has finished its own run takes ranges left
// in another's (parallel_for) or stops there (parallel_for_arrays).
void parallel_for_impl(std::int64_t n, std::int64_t min_chunk, void (*call)(void*, std::int64_t, std::int64_t),
                       void* body, bool steal);
template <typename Body>
void parallel_for_ranges(std::int64_t n, std::int64_t min_chunk, bool steal, Body&& body) {
  using B = std::remove_reference_t<Body>;
  parallel_for_impl(
      n, min_chunk, [](void* b, std::int64_t begin, std::int64_t end) { (*static_cast<B*>(b))(begin, end); },
      const_cast<void*>(static_cast<const void*>(&body)), steal);
}
}  // namespace detail
template <typename Body>
void parallel_for(std::int64_t n, std::int64_t min_chunk, Body&& body) {
  detail::parallel_for_ranges(n, min_chunk, true, body);
}

// parallel_for over the elements of `count` arrays (array i has size(i)
// elements): calls body(i, begin, end) for each piece [begin, end) of array
// i that falls in a range. For element-wise work over several tensors
// (every parameter of a network) in one parallel call, in which small
// tensors do not run alone.
// The ranges run over the arrays' parts, not the arrays laid end to end:
// with T threads, part t of every array (its t-th T-th, in order) comes
// before part t + 1 of any, so thread t's run is the t-th T-th of each array.
// That is the block of rows a threaded GEMM gives thread t of a weight
// matrix or its gradient (256 rows: 128 + 128), so the optimiser step and
// zero_grad touch the lines the same core wrote or will read, instead of
// moving some of them between the cores' caches every step.
// For the same reason a thread does only its own run here: no thread takes
// ranges left in another's, as parallel_for's threads do. A taken range
// moves its lines to the other core and back within the step, and when the
// two vCPUs are far apart that costs more than the wait it saves: the
// chapter-5 MLP trained 2.8 % faster on two threads without it (median of 8
// paired runs, each pair 0.1–8.5 % faster; LeNet-5 unchanged; see the
// chapter-5 README).
template <typename Size, typename Body>
void parallel_for_arrays(std::size_t count, Size&& size, std::int64_t min_chunk, Body&& body) {
  std::int64_t total = 0;
  for (std::size_t i = 0; i < count; ++i) total += size(i);
  const std::int64_t parts = std::max(1, num_threads());
  // Part t of array i: [n·t/parts, n·(t+1)/parts).
  auto part_start = [&](std::size_t i, std::int64_t t) { return size(i) * t / parts; };
  detail::parallel_for_ranges(total, min_chunk, false, [&](std::int64_t first, std::int64_t end) {
    std::int64_t offset = 0;  // where part t of array i starts in the order
    for (std::int64_t t = 0; t < parts && offset < end; ++t)
      for (std::size_t i = 0; i < count && offset < end; ++i) {
        const std::int64_t p0 = part_start(i, t), n = part_start(i, t + 1) - p0;
        const std::int64_t b = std::max(first, offset), e = std::min(end, offset + n);
        if (b < e) body(i, p0 + b - offset, p0 + e - offset);
        offset += n;
      }
  });
}

}  // namespace nn
