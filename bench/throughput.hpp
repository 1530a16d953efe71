// throughput.hpp — timing helpers shared by the training benchmarks
// (bench_mlp_train, bench_lenet5_train): images per second over repeated
// runs of a step, and the two-thread scaling measured in pairs, with the
// time a cache line takes between the two cores in each round.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "ch05/optimizers.hpp"
#include "nn/report.hpp"
#include "nn/threads.hpp"

namespace bench {

// SGD with classic momentum 0.9 (PyTorch's SGD(momentum=0.9)), the
// optimiser every training benchmark times.
inline nn::ch05::OptimizerConfig classic_momentum() {
  nn::ch05::OptimizerConfig c;
  c.kind = nn::ch05::OptimizerKind::Classic;
  c.momentum = 0.9;
  return c;
}

struct Rates {
  double median, min, max;
};

inline double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Images/s of `steps` calls of step(), timed once.
template <typename Step>
double time_steps(std::int64_t batch, int steps, Step&& step) {
  nn::Stopwatch clock;
  for (int i = 0; i < steps; ++i) step();
  return static_cast<double>(batch) * steps / clock.seconds();
}

// `repeats` timed runs of `steps` steps, after `warmup` untimed steps
// (buffers sized, caches and thread pool warm).
template <typename Step>
Rates measure(std::int64_t batch, int steps, int repeats, Step&& step, int warmup = 20) {
  for (int i = 0; i < warmup; ++i) step();
  std::vector<double> rates;
  for (int r = 0; r < repeats; ++r) rates.push_back(time_steps(batch, steps, step));
  std::sort(rates.begin(), rates.end());
  return {rates[rates.size() / 2], rates.front(), rates.back()};
}

// The time for a cache line to go from one core to another and back, in
// nanoseconds: two threads hand a counter back and forth `trips` times, each
// waiting for the other's write. A step split over two threads pays about
// this for every line one thread writes and the other then reads. On a
// virtual machine it depends on where the host has put the two vCPUs (on
// the course's 2-vCPU AMD host it has been measured at 173 ns and at 455 ns
// on the same day), and the two-thread scaling with it: so each scaling
// round measures it too.
inline double core_round_trip_ns(int trips = 20000) {
  alignas(64) std::atomic<int> turn{0};
  auto hand_back = [&turn](int first, int count) {
    for (int i = first; i < first + count; ++i) {
      while (turn.load(std::memory_order_acquire) != 2 * i + 1) {
      }
      turn.store(2 * i + 2, std::memory_order_release);
    }
  };
  const int warm = 1000;
  std::thread other([&] { hand_back(0, warm + trips); });
  auto serve = [&turn](int first, int count) {
    for (int i = first; i < first + count; ++i) {
      turn.store(2 * i + 1, std::memory_order_release);
      while (turn.load(std::memory_order_acquire) != 2 * i + 2) {
      }
    }
  };
  serve(0, warm);  // the other thread started and on its core
  nn::Stopwatch clock;
  serve(warm, trips);
  const double seconds = clock.seconds();
  other.join();
  return seconds / trips * 1e9;
}

struct Scaling {
  double one, many;   // median images/s on 1 and on `threads` threads
  double ratio;       // median of the per-pair ratios many / one
  double low, high;   // the smallest and largest per-pair ratio
  // The host's own limit, measured in the same rounds: two independent
  // one-thread jobs at once (images/s of both together, and the median
  // per-round ratio to one job alone). No threading of ours can beat it.
  double independent, independent_ratio;
  // Per round, images/s: 1 thread, `threads` threads, two independent jobs;
  // and the cores' round trip (core_round_trip_ns) measured in that round.
  std::vector<double> round_one, round_many, round_independent, round_trip_ns;
  double trip_ns;  // the median of round_trip_ns
};

// The scaling from 1 to `threads` threads, measured in `pairs` rounds of
// back-to-back runs: 1 thread, `threads` threads, and two independent
// one-thread jobs at once (in a rotating order). On a shared machine whose
// speed drifts over seconds, a ratio of runs a few hundred milliseconds
// apart is much steadier than a ratio of medians taken minutes apart.
// make_job() returns a job: a callable doing one training step on its own
// model and buffers (a workspace may depend on the thread count). Every
// timed run follows a few untimed steps (a vCPU left idle during a
// one-thread run is parked by the host, and the first parallel steps after
// that wait for it to wake up). Leaves the thread count at 1.
template <typename MakeJob>
Scaling paired_scaling(std::int64_t batch, int steps, int pairs, int threads, MakeJob&& make_job) {
  auto one = make_job(), many = make_job(), other = make_job();
  nn::set_num_threads(threads);
  for (int i = 0; i < 20; ++i) many();
  nn::set_num_threads(1);
  for (int i = 0; i < 20; ++i) one(), other();
  auto warm = [](auto& job) {
    for (int i = 0; i < 5; ++i) job();
  };
  auto run_one = [&] {
    nn::set_num_threads(1);
    warm(one);
    return time_steps(batch, steps, one);
  };
  auto run_many = [&] {
    nn::set_num_threads(threads);
    warm(many);
    return time_steps(batch, steps, many);
  };
  auto run_independent = [&] {
    // Both start together (after their warm-up) and each times its own
    // steps; the sum of the two rates is what the pair gets done.
    nn::set_num_threads(1);
    std::atomic<int> ready{0};
    double side_rate = 0.0;
    auto start_together = [&ready] {
      ready.fetch_add(1);
      while (ready.load() < 2) std::this_thread::yield();
    };
    std::thread side([&] {
      warm(other);
      start_together();
      side_rate = time_steps(batch, steps, other);
    });
    warm(one);
    start_together();
    const double rate = time_steps(batch, steps, one);
    side.join();
    return rate + side_rate;
  };
  std::vector<double> ones, manys, ratios, both, both_ratios, trips;
  for (int p = 0; p < pairs; ++p) {
    trips.push_back(core_round_trip_ns());
    double r[3] = {};
    for (int k = 0; k < 3; ++k) {
      const int which = (p + k) % 3;
      r[which] = which == 0 ? run_one() : which == 1 ? run_many() : run_independent();
    }
    ones.push_back(r[0]);
    manys.push_back(r[1]);
    ratios.push_back(r[1] / r[0]);
    both.push_back(r[2]);
    both_ratios.push_back(r[2] / r[0]);
  }
  nn::set_num_threads(1);
  const auto [lo, hi] = std::minmax_element(ratios.begin(), ratios.end());
  return {median_of(ones), median_of(manys), median_of(ratios), *lo, *hi, median_of(both), median_of(both_ratios),
          ones, manys, both, trips, median_of(trips)};
}

// Prints a Scaling's rounds, one line each, with `prefix` in front.
inline void print_rounds(const char* prefix, const Scaling& s, int threads) {
  for (std::size_t i = 0; i < s.round_one.size(); ++i)
    std::printf(
        "%sround %zu: images/s %.0f on 1 thread, %.0f on %d (x%.2f), two 1-thread jobs %.0f (x%.2f); "
        "core round trip %.0f ns\n",
        prefix, i + 1, s.round_one[i], s.round_many[i], threads, s.round_many[i] / s.round_one[i],
        s.round_independent[i], s.round_independent[i] / s.round_one[i], s.round_trip_ns[i]);
}

// The three summary lines after print_rounds: the medians, the host's
// limit and the round trip. Each starts with `prefix` and a space; the
// first goes on with `head` (what was run) and a space.
inline void print_scaling_summary(const std::string& prefix, const std::string& head, const Scaling& s, int threads,
                                  int rounds) {
  std::printf("%s %s images/s median %.0f on 1 thread, %.0f on %d  %d/1 threads = %.2f  (median of %d rounds; "
              "rounds %.2f to %.2f)\n",
              prefix.c_str(), head.c_str(), s.one, s.many, threads, threads, s.ratio, rounds, s.low, s.high);
  std::printf("%s two independent 1-thread jobs at once: images/s %.0f, %.2f x one job  (the host's limit)\n",
              prefix.c_str(), s.independent, s.independent_ratio);
  std::printf("%s core-to-core round trip: median %.0f ns over the rounds\n", prefix.c_str(), s.trip_ns);
}

// Two jobs doing the same training step, timed against each other: in each
// of `rounds` rounds both are measured (the order alternating), and the
// figures and the median of the per-round ratios b / a are printed.
template <typename JobA, typename JobB>
void versus(std::int64_t batch, int steps, int repeats, int rounds, int threads, const char* name_a, JobA& a,
            const char* name_b, JobB& b) {
  std::vector<double> ratios, rates_a, rates_b;
  for (int r = 0; r < rounds; ++r) {
    double ra = 0, rb = 0;
    if (r % 2) {
      rb = measure(batch, steps, repeats, b).median;
      ra = measure(batch, steps, repeats, a).median;
    } else {
      ra = measure(batch, steps, repeats, a).median;
      rb = measure(batch, steps, repeats, b).median;
    }
    rates_a.push_back(ra);
    rates_b.push_back(rb);
    ratios.push_back(rb / ra);
    std::printf("  round %2d  %s %8.0f  %s %8.0f images/s  %s / %s %.3f\n", r + 1, name_a, ra, name_b, rb, name_b,
                name_a, rb / ra);
    std::fflush(stdout);
  }
  std::printf("versus threads=%d batch=%lld training: %s median %.0f, %s median %.0f images/s; %s / %s median of %d "
              "rounds %.3f (min %.3f, max %.3f)\n",
              threads, static_cast<long long>(batch), name_a, median_of(rates_a), name_b, median_of(rates_b), name_b,
              name_a, rounds, median_of(ratios), *std::min_element(ratios.begin(), ratios.end()),
              *std::max_element(ratios.begin(), ratios.end()));
}

}  // namespace bench
