// bench_gemm — GFLOP/s of the production nn::gemm against OpenBLAS
// cblas_sgemm and oneDNN dnnl_sgemm (where found at configure time) on the
// shapes the course runs and on squares, with 1 and 2 threads, in one run.
// A GEMM of M×N×K is 2·M·N·K flops. At the end it prints a table: per shape
// and thread count, the median GFLOP/s of each, our ratio to each, and our
// share of the measured FMA peak (single-core peak × threads).
//
//   build/release/bin/bench_gemm --benchmark_repetitions=5 --benchmark_min_time=0.2
//   build/release/bin/bench_gemm --benchmark_filter='alex'     (a subset)
//   build/release/bin/bench_gemm --threads=1                    (one thread count)
//
// On a shared machine add --benchmark_enable_random_interleaving=true: the
// repetitions of ours, OpenBLAS and oneDNN are then run in a shuffled order
// across the whole run instead of back to back, so a change of load in the
// middle hits all three alike and the ratios of the medians stay fair.
// Steadier still: --pairwise=15 (see pairwise() below); --only=conv1,square
// keeps the shapes whose names contain one of the listed parts.
//
// For OpenBLAS at its best: OPENBLAS_CORETYPE unset (some environments force
// the Haswell kernels) — this program warns if it is set.
//
// Shapes: each course layer computes Z = W·X with W M×K and X K×N (NN); its
// backward pass needs dW = δ·Xᵀ, an M×K×N product (NT, ".dW"), and
// dX = Wᵀ·δ, a K×N×M product (TN, ".dX").
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <map>
#include <thread>
#include <string>
#include <vector>

#include "nn/cpu.hpp"
#include "nn/gemm.hpp"
#include "nn/rng.hpp"
#include "nn/threads.hpp"

#ifdef NN_HAVE_OPENBLAS
#include <cblas.h>
#endif
#ifdef NN_HAVE_DNNL
#include <dnnl.h>
#include <omp.h>
#endif

namespace {

struct Shape {
  std::string name;
  bool ta, tb;
  int M, N, K;
  double flops() const { return 2.0 * M * static_cast<double>(N) * K; }
};

std::vector<Shape> shapes() {
  struct Layer {
    const char* name;
    int M, N, K;
  };
  const Layer layers[] = {{"lenet_conv1", 6, 50176, 25},  {"lenet_conv2", 16, 6400, 150},
                          {"mlp_layer", 64, 256, 784},    {"alex_conv1", 96, 3025, 363},
                          {"alex_conv2", 256, 729, 2400}, {"alex_conv3", 384, 169, 2304},
                          {"alex_fc6", 64, 4096, 9216}};
  std::vector<Shape> s;
  for (const auto& l : layers) {
    s.push_back({l.name, false, false, l.M, l.N, l.K});
    s.push_back({std::string(l.name) + ".dW", false, true, l.M, l.K, l.N});
    s.push_back({std::string(l.name) + ".dX", true, false, l.K, l.N, l.M});
  }
  for (int n : {64, 128, 256, 512, 1024, 2048}) s.push_back({"square" + std::to_string(n), false, false, n, n, n});
  return s;
}

enum class Lib { Ours, OpenBlas, OneDnn };
const char* lib_name(Lib l) { return l == Lib::Ours ? "ours" : l == Lib::OpenBlas ? "openblas" : "onednn"; }

struct Operands {
  std::vector<float> a, b, c;
  int lda, ldb, ldc;
  explicit Operands(const Shape& s) {
    lda = s.ta ? s.M : s.K;
    ldb = s.tb ? s.K : s.N;
    ldc = s.N;
    a.resize(static_cast<std::size_t>(s.M) * static_cast<std::size_t>(s.K));
    b.resize(static_cast<std::size_t>(s.K) * static_cast<std::size_t>(s.N));
    c.resize(static_cast<std::size_t>(s.M) * static_cast<std::size_t>(s.N));
    nn::Rng rng(3);
    for (auto& v : a) v = static_cast<float>(rng.uniform(-1, 1));
    for (auto& v : b) v = static_cast<float>(rng.uniform(-1, 1));
  }
};

void call(Lib lib, const Shape& s, Operands& o) {
  switch (lib) {
    case Lib::Ours:
      nn::gemm(s.ta ? nn::Trans::Yes : nn::Trans::No, s.tb ? nn::Trans::Yes : nn::Trans::No, s.M, s.N, s.K, 1.0f,
               o.a.data(), o.lda, o.b.data(), o.ldb, 0.0f, o.c.data(), o.ldc);
      break;
    case Lib::OpenBlas:
#ifdef NN_HAVE_OPENBLAS
      cblas_sgemm(CblasRowMajor, s.ta ? CblasTrans : CblasNoTrans, s.tb ? CblasTrans : CblasNoTrans, s.M, s.N, s.K,
                  1.0f, o.a.data(), o.lda, o.b.data(), o.ldb, 0.0f, o.c.data(), o.ldc);
#endif
      break;
    case Lib::OneDnn:
#ifdef NN_HAVE_DNNL
      dnnl_sgemm(s.ta ? 'T' : 'N', s.tb ? 'T' : 'N', s.M, s.N, s.K, 1.0f, o.a.data(), o.lda, o.b.data(), o.ldb,
                 0.0f, o.c.data(), o.ldc);
#endif
      break;
  }
}

void set_threads(Lib lib, int threads) {
  nn::set_num_threads(threads);
#ifdef NN_HAVE_OPENBLAS
  if (lib == Lib::OpenBlas) openblas_set_num_threads(threads);
#endif
#ifdef NN_HAVE_DNNL
  if (lib == Lib::OneDnn) omp_set_num_threads(threads);
#endif
  (void)lib;
}

void bm_gemm(benchmark::State& state, Shape s, Lib lib, int threads) {
  Operands o(s);
  set_threads(lib, threads);
  call(lib, s, o);  // warm up: packing buffers, thread pools, first touch of C
  for (auto _ : state) {
    call(lib, s, o);
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(s.flops() * static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
  // OpenBLAS's worker threads busy-wait for about 0.1 s after a call (and
  // libgomp's for a moment): on a 2-core machine they would steal a core
  // from whatever runs next. Let them go to sleep before the next benchmark.
  // (After the timed loop, so it is not counted.)
  if (threads > 1) std::this_thread::sleep_for(std::chrono::milliseconds(lib == Lib::OpenBlas ? 300 : 20));
}

// Collects the GFLOP/s of every run (the median when repeated) by name.
class Collector : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      if (r.error_occurred) continue;
      const bool single = r.run_type == Run::RT_Iteration && r.repetitions <= 1;
      const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
      if (!single && !median) continue;
      auto it = r.counters.find("GFLOP/s");
      if (it != r.counters.end()) gflops[r.run_name.function_name] = it->second.value * 1e-9;
    }
  }
  std::map<std::string, double> gflops;
};

std::string key(const Shape& s, Lib lib, int threads) {
  return "gemm/" + s.name + "/" + lib_name(lib) + "/t" + std::to_string(threads);
}

// --pairwise=R: no Google Benchmark; for each shape, R rounds of (ours,
// OpenBLAS, oneDNN) back to back, each timed over about 3e8 flops, and the
// median over rounds of the ratio of ours to each within a round. On a
// machine whose load changes by the millisecond the three of a round see
// the same load, so these ratios are steadier than ratios of medians.
void pairwise(const std::vector<Shape>& all, const std::vector<Lib>& libs, const std::vector<int>& thread_counts,
              int rounds) {
  using clock = std::chrono::steady_clock;
  std::printf("%-18s %3s %9s %9s %9s %9s %9s   (GFLOP/s: medians; ratios: medians of per-round ratios, %d rounds)\n",
              "shape", "thr", "ours", "openblas", "onednn", "/openblas", "/onednn", rounds);
  for (int t : thread_counts)
    for (const auto& s : all) {
      Operands o(s);
      const int calls = std::max(1, static_cast<int>(3e8 / s.flops()));
      std::vector<std::vector<double>> g(3);
      for (int r = -1; r < rounds; ++r)
        for (Lib lib : libs) {
          set_threads(lib, t);
          // Untimed calls for 20 ms first: after the pause below, this
          // virtual machine's second vCPU may have been parked, and the
          // first parallel calls then wait milliseconds for it to wake
          // (measured: 64×256×784 on two threads at 11-31 GFLOP/s for the
          // first 11 calls after a 10 ms pause, 140-180 after).
          if (t > 1)
            for (const auto w0 = clock::now(); clock::now() - w0 < std::chrono::milliseconds(20);) call(lib, s, o);
          const auto t0 = clock::now();
          for (int i = 0; i < calls; ++i) call(lib, s, o);
          const double dt = std::chrono::duration<double>(clock::now() - t0).count();
          if (r >= 0) g[static_cast<std::size_t>(lib)].push_back(s.flops() * calls / dt * 1e-9);
          if (t > 1) std::this_thread::sleep_for(std::chrono::milliseconds(lib == Lib::OpenBlas ? 150 : 10));
        }
      auto median = [](std::vector<double> v) {
        if (v.empty()) return 0.0;
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
      };
      auto ratio = [&](Lib other) {
        const auto& b = g[static_cast<std::size_t>(other)];
        std::vector<double> q;
        for (std::size_t i = 0; i < b.size(); ++i) q.push_back(g[0][i] / b[i]);
        return median(q);
      };
      std::printf("%-18s %3d %9.1f %9.1f %9.1f %9.2f %9.2f\n", s.name.c_str(), t, median(g[0]), median(g[1]),
                  median(g[2]), ratio(Lib::OpenBlas), ratio(Lib::OneDnn));
      std::fflush(stdout);
    }
}

}  // namespace

int main(int argc, char** argv) {
  // Our own flag: --threads=N runs only that thread count (default: 1 and 2).
  std::vector<int> thread_counts = {1, 2};
  std::vector<char*> args;
  int pairwise_rounds = 0;
  std::string only;  // --only=a,b: pairwise on the shapes whose names contain a or b
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--threads=", 10) == 0)
      thread_counts = {std::atoi(argv[i] + 10)};
    else if (std::strncmp(argv[i], "--only=", 7) == 0)
      only = argv[i] + 7;
    else if (std::strncmp(argv[i], "--pairwise=", 11) == 0)
      pairwise_rounds = std::max(1, std::atoi(argv[i] + 11));
    else
      args.push_back(argv[i]);
  }
  int bargc = static_cast<int>(args.size());
  benchmark::Initialize(&bargc, args.data());
  if (std::getenv("OPENBLAS_CORETYPE"))
    std::fprintf(stderr, "warning: OPENBLAS_CORETYPE=%s is set; OpenBLAS may not run its best kernels here\n",
                 std::getenv("OPENBLAS_CORETYPE"));

  std::vector<Lib> libs = {Lib::Ours};
#ifdef NN_HAVE_OPENBLAS
  libs.push_back(Lib::OpenBlas);
#endif
#ifdef NN_HAVE_DNNL
  libs.push_back(Lib::OneDnn);
#endif
  auto all = shapes();
  if (!only.empty()) {
    std::vector<std::string> parts;
    for (std::size_t b = 0, e; b <= only.size(); b = e + 1) {
      e = std::min(only.find(',', b), only.size());
      if (e > b) parts.push_back(only.substr(b, e - b));
    }
    std::erase_if(all, [&](const Shape& s) {
      return std::none_of(parts.begin(), parts.end(),
                          [&](const std::string& part) { return s.name.find(part) != std::string::npos; });
    });
    if (all.empty()) {
      std::fprintf(stderr, "bench_gemm: --only=%s matches no shape\n", only.c_str());
      return 2;
    }
  }
  if (pairwise_rounds > 0) {
    pairwise(all, libs, thread_counts, pairwise_rounds);
    return 0;
  }
  for (int t : thread_counts)
    for (const auto& s : all)
      for (Lib lib : libs)
        benchmark::RegisterBenchmark(key(s, lib, t).c_str(), bm_gemm, s, lib, t)->UseRealTime()->Unit(
            benchmark::kMicrosecond);

  const double peak = nn::fma_peak_gflops(nn::simd_level(), 0.3);
  std::printf("SIMD level %s, measured single-core FMA peak %.1f GFLOP/s\n",
              std::string(nn::to_string(nn::simd_level())).c_str(), peak);
  Collector collector;
  benchmark::RunSpecifiedBenchmarks(&collector);

  std::printf("\nGFLOP/s (median) and ratios; %% peak = ours / (%.1f x threads)\n", peak);
  std::printf("%-18s %3s %9s %9s %9s %9s %9s %7s\n", "shape", "thr", "ours", "openblas", "onednn", "/openblas",
              "/onednn", "%peak");
  for (int t : thread_counts)
    for (const auto& s : all) {
      auto get = [&](Lib lib) {
        auto it = collector.gflops.find(key(s, lib, t));
        return it == collector.gflops.end() ? 0.0 : it->second;
      };
      const double ours = get(Lib::Ours), ob = get(Lib::OpenBlas), dn = get(Lib::OneDnn);
      if (ours == 0.0) continue;
      std::printf("%-18s %3d %9.1f %9.1f %9.1f %9.2f %9.2f %6.0f%%\n", s.name.c_str(), t, ours, ob, dn,
                  ob > 0 ? ours / ob : 0.0, dn > 0 ? ours / dn : 0.0, peak > 0 ? 100.0 * ours / (peak * t) : 0.0);
    }
  benchmark::Shutdown();
  return 0;
}
