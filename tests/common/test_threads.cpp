// nn::parallel_for (nn/threads.hpp): every index is visited exactly once
// whatever the thread count, an exception thrown on any thread comes back to
// the caller (on a worker it would end the program), and a
// parallel_for inside another one still does all of its work; thread_index
// names the thread running a body within its team; parallel_for_arrays
// keeps each thread on its own part of every array.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "nn/error.hpp"
#include "nn/threads.hpp"
#include "test_util.hpp"

using namespace nn;

using test::RestoreThreads;

TEST_CASE("parallel_for visits every index once on 1, 2 and 3 threads", "[common][threads]") {
  RestoreThreads restore;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    std::vector<std::atomic<int>> seen(1000);
    parallel_for(1000, 1, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) seen[static_cast<std::size_t>(i)]++;
    });
    int wrong = 0;
    for (auto& s : seen) wrong += s.load() != 1;
    INFO(threads << " threads");
    CHECK(wrong == 0);
  }
}

TEST_CASE("an exception thrown inside parallel_for reaches the caller on every thread count", "[common][threads]") {
  RestoreThreads restore;
  for (int threads : {1, 2, 4}) {
    set_num_threads(threads);
    INFO(threads << " threads");
    // Thrown by the part holding the last index (on another thread when threads > 1).
    CHECK_THROWS_WITH(parallel_for(100, 1,
                                   [](std::int64_t, std::int64_t end) {
                                     if (end == 100) throw Error("part ending at 100 failed");
                                   }),
                      "part ending at 100 failed");
    // Every part throws: the first part's error is the one reported.
    CHECK_THROWS_WITH(parallel_for(100, 1,
                                   [](std::int64_t begin, std::int64_t) {
                                     throw Error("part from " + std::to_string(begin));
                                   }),
                      "part from 0");
  }
}

TEST_CASE("parallel_for inside parallel_for still visits every index once", "[common][threads]") {
  // (With OpenMP the inner call runs on the calling thread: a nested team
  // would be a team of one doing only the first part's share.)
  RestoreThreads restore;
  set_num_threads(2);
  std::vector<std::atomic<int>> seen(2 * 10);
  parallel_for(2, 1, [&](std::int64_t outer_begin, std::int64_t outer_end) {
    for (std::int64_t o = outer_begin; o < outer_end; ++o)
      parallel_for(10, 1, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) seen[static_cast<std::size_t>(o * 10 + i)]++;
      });
  });
  int wrong = 0;
  for (auto& s : seen) wrong += s.load() != 1;
  CHECK(wrong == 0);
}

TEST_CASE("parallel_for_arrays visits every element of every array once, empty arrays included", "[common][threads]") {
  RestoreThreads restore;
  const std::vector<std::int64_t> sizes = {0, 5, 100000, 3, 0, 40000};
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    std::vector<std::vector<std::atomic<int>>> seen;
    for (std::int64_t n : sizes) seen.emplace_back(static_cast<std::size_t>(n));
    std::atomic<int> bad_ranges{0};
    parallel_for_arrays(
        sizes.size(), [&](std::size_t i) { return sizes[i]; }, 1000,
        [&](std::size_t i, std::int64_t begin, std::int64_t end) {
          if (!(0 <= begin && begin < end && end <= sizes[i])) ++bad_ranges;
          for (std::int64_t k = begin; k < end; ++k) seen[i][static_cast<std::size_t>(k)]++;
        });
    int wrong = 0;
    for (auto& array : seen)
      for (auto& s : array) wrong += s.load() != 1;
    INFO(threads << " threads");
    CHECK(bad_ranges.load() == 0);
    CHECK(wrong == 0);
  }
}

TEST_CASE("thread_index is below the thread count inside parallel_for, and 0 outside it and in nested calls",
          "[common][threads]") {
  RestoreThreads restore;
  CHECK(thread_index() == 0);
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    INFO(threads << " threads");
    // Each index records the index of the thread that ran it.
    std::vector<int> index_of(64, -1), nested(64, -1);
    parallel_for(64, 1, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) {
        index_of[static_cast<std::size_t>(i)] = thread_index();
        // A parallel_for inside runs on this thread alone: a team of one.
        parallel_for(4, 1, [&](std::int64_t, std::int64_t) { nested[static_cast<std::size_t>(i)] = thread_index(); });
      }
    });
    int out_of_range = 0, nested_wrong = 0;
    for (std::size_t i = 0; i < index_of.size(); ++i) {
      out_of_range += index_of[i] < 0 || index_of[i] >= threads;
      nested_wrong += nested[i] != 0;
    }
    CHECK(out_of_range == 0);
    CHECK(nested_wrong == 0);
    // After a parallel call the caller's index is back to 0.
    CHECK(thread_index() == 0);
  }
}

TEST_CASE("parallel_for on 2 threads: a thread that has finished its own ranges takes over a slow thread's",
          "[common][threads]") {
  RestoreThreads restore;
  set_num_threads(2);
  // 8 ranges, 4 a thread. Every range run by thread 1 sleeps, so thread 0
  // finishes its own 4 first and must then take some of thread 1's: with
  // fixed shares it would run exactly half of them.
  std::atomic<int> ranges_on_0{0}, ranges{0};
  parallel_for(8, 1, [&](std::int64_t, std::int64_t) {
    ++ranges;
    if (thread_index() == 0)
      ++ranges_on_0;
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
  });
  CHECK(ranges.load() == 8);
  CHECK(ranges_on_0.load() > 4);
}

TEST_CASE("parallel_for_arrays on 2 and 3 threads: thread t runs part t of every array, even beside a slow thread",
          "[common][threads]") {
  RestoreThreads restore;
  // Sizes divisible by 2 and 3, so that thread t's run of the ranges ends
  // exactly where part t of the arrays does (otherwise the run's end is
  // rounded and a boundary element may go to the neighbouring thread).
  const std::vector<std::int64_t> sizes = {6, 19998, 12, 9000};
  for (int threads : {2, 3}) {
    set_num_threads(threads);
    INFO(threads << " threads");
    // Each element records the thread that updated it. Every piece run by a
    // thread other than 0 sleeps, so thread 0 finishes long before them: a
    // thread that took over another's pieces (as parallel_for's threads do)
    // would leave elements of part t marked with another index.
    std::vector<std::vector<int>> ran_on;
    for (std::int64_t n : sizes) ran_on.emplace_back(static_cast<std::size_t>(n), -1);
    parallel_for_arrays(
        sizes.size(), [&](std::size_t i) { return sizes[i]; }, 1000,
        [&](std::size_t i, std::int64_t begin, std::int64_t end) {
          if (thread_index() != 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
          for (std::int64_t k = begin; k < end; ++k) ran_on[i][static_cast<std::size_t>(k)] = thread_index();
        });
    int elsewhere = 0, on_other_threads = 0;
    for (std::size_t i = 0; i < sizes.size(); ++i)
      for (std::int64_t k = 0; k < sizes[i]; ++k) {
        int part = 0;  // part t of an n-element array: [n·t/T, n·(t+1)/T)
        while (k >= sizes[i] * (part + 1) / threads) ++part;
        const int ran = ran_on[i][static_cast<std::size_t>(k)];
        elsewhere += ran != part;
        on_other_threads += ran > 0;
      }
    CHECK(elsewhere == 0);
    CHECK(on_other_threads > 0);  // the other threads did take part
  }
}

// detail::run_team, under parallel_for and the threaded GEMM: the threads
// the library keeps between calls.
TEST_CASE("run_team runs every index once, index 0 on the caller and the others on other threads",
          "[common][threads]") {
  for (int team : {1, 2, 3, 5}) {
    for (int call = 0; call < 200; ++call) {  // the workers are reused from call to call
      std::vector<std::atomic<int>> runs(static_cast<std::size_t>(team));
      std::vector<std::thread::id> who(static_cast<std::size_t>(team));
      std::vector<char> inside(static_cast<std::size_t>(team), 0);
      detail::run_team(team, [&](int i) {
        runs[static_cast<std::size_t>(i)]++;
        who[static_cast<std::size_t>(i)] = std::this_thread::get_id();
        inside[static_cast<std::size_t>(i)] = in_parallel_region() ? 1 : 0;
      });
      for (int i = 0; i < team; ++i) {
        INFO("team " << team << ", call " << call << ", index " << i);
        REQUIRE(runs[static_cast<std::size_t>(i)] == 1);
        REQUIRE(inside[static_cast<std::size_t>(i)] == 1);
        REQUIRE((who[static_cast<std::size_t>(i)] == std::this_thread::get_id()) == (i == 0));
      }
      REQUIRE_FALSE(in_parallel_region());
    }
  }
}

TEST_CASE("run_team rethrows the first exception in index order after every index has run",
          "[common][threads]") {
  std::atomic<int> finished{0};
  try {
    detail::run_team(3, [&](int i) {
      if (i > 0) {
        finished++;
        throw Error("index " + std::to_string(i));
      }
      // Index 0 (the caller) returns first: the call must still wait for the workers.
      finished++;
    });
    FAIL("run_team did not rethrow");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "index 1");
  }
  CHECK(finished == 3);
  CHECK_FALSE(in_parallel_region());
  // The pool still works after a job that threw.
  std::atomic<int> runs{0};
  detail::run_team(3, [&](int) { runs++; });
  CHECK(runs == 3);
}

TEST_CASE("run_team from two threads at once: each call runs all of its indices", "[common][threads]") {
  RestoreThreads restore;
  set_num_threads(2);
  std::atomic<int> wrong{0};
  auto caller = [&] {
    for (int call = 0; call < 300; ++call) {
      std::vector<std::atomic<int>> seen(257);
      parallel_for(257, 1, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) seen[static_cast<std::size_t>(i)]++;
      });
      for (auto& s : seen)
        if (s != 1) wrong++;
    }
  };
  std::thread a(caller), b(caller);
  a.join();
  b.join();
  CHECK(wrong == 0);
}

TEST_CASE("run_team wakes workers that have gone to sleep between calls", "[common][threads]") {
  for (int pause_ms : {0, 5, 20}) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));  // long enough for a worker to stop spinning
    std::atomic<int> runs{0};
    detail::run_team(2, [&](int) { runs++; });
    INFO("after a pause of " << pause_ms << " ms");
    CHECK(runs == 2);
  }
}
