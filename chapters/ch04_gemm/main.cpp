// ch04_gemm — Chapter 4: the GEMM ladder.
//
// Every dense and convolution layer of the course is a matrix multiply. This
// program runs the seven steps of ladder.hpp — naive, reordered, blocked,
// packed, AVX2 kernel, AVX-512 kernel, threads — on square sizes and prints,
// per step and size, GFLOP/s and the largest difference from the exact
// product. Beside them: the production nn::gemm (1 thread and --threads),
// and, when their shared libraries are installed, OpenBLAS cblas_sgemm and
// oneDNN dnnl_sgemm in the same run (loaded with dlopen: nothing links them).
// The ceiling is the machine's FMA peak, measured here with chains of
// independent FMAs. Writes ladder.csv and ladder.png (bars per step, peak lines).
//
//   ch04_gemm                      sizes 128 512 1024, 3 repetitions (median)
//   ch04_gemm --sizes 64 256 --reps 5 --threads 2
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "ladder.hpp"
#include "nn/cli.hpp"
#include "nn/cpu.hpp"
#include "nn/gemm.hpp"
#include "nn/plot.hpp"
#include "nn/report.hpp"
#include "nn/rng.hpp"
#include "nn/threads.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// Median GFLOP/s of `reps` timings; each timing repeats the call until it
// has run for at least 50 ms (one call for the slow steps), after one
// untimed warm-up call.
double measure(const std::function<void()>& call, double flops, int reps) {
  std::vector<double> rates;
  call();  // warm up: JIT (oneDNN), thread pools, packing buffers, first touch
  for (int r = 0; r < reps; ++r) {
    long calls = 0;
    const auto t0 = Clock::now();
    double dt = 0.0;
    do {
      call();
      ++calls;
      dt = std::chrono::duration<double>(Clock::now() - t0).count();
    } while (dt < 0.05);
    rates.push_back(flops * static_cast<double>(calls) / dt * 1e-9);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

// OpenBLAS and oneDNN, if their shared libraries can be opened.
struct External {
  std::string name;
  std::function<void(int M, int N, int K, const float* A, const float* B, float* C)> gemm;
  std::function<void(int)> set_threads;
};

std::vector<External> find_external_libraries() {
  std::vector<External> libs;
  using OmpSet = void (*)(int);
  if (void* h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL)) {
    using Sgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*,
                           int);
    auto sgemm = reinterpret_cast<Sgemm>(dlsym(h, "cblas_sgemm"));
    auto threads = reinterpret_cast<OmpSet>(dlsym(h, "openblas_set_num_threads"));
    if (sgemm && threads)
      libs.push_back({"OpenBLAS",
                      [sgemm](int M, int N, int K, const float* A, const float* B, float* C) {
                        // 101 = CblasRowMajor, 111 = CblasNoTrans
                        sgemm(101, 111, 111, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N);
                      },
                      threads});
  }
  if (void* h = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL)) {
    using Sgemm = int (*)(char, char, long, long, long, float, const float*, long, const float*, long, float, float*,
                          long);
    auto sgemm = reinterpret_cast<Sgemm>(dlsym(h, "dnnl_sgemm"));
    // oneDNN's Debian build threads with OpenMP (libgomp, loaded with it),
    // so its thread count is OpenMP's.
    auto omp = reinterpret_cast<OmpSet>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
    if (!omp) omp = reinterpret_cast<OmpSet>(dlsym(h, "omp_set_num_threads"));
    if (sgemm && omp)
      libs.push_back({"oneDNN",
                      [sgemm](int M, int N, int K, const float* A, const float* B, float* C) {
                        sgemm('N', 'N', M, N, K, 1.0f, A, K, B, N, 0.0f, C, N);
                      },
                      omp});
  }
  return libs;
}

struct Row {
  std::string name;
  std::vector<double> gflops;  // per size; 0 = not run
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 4: the GEMM ladder, from the naive triple loop to a threaded AVX-512 kernel"};
  nn::cli::CommonOptions common{"out/ch04_gemm"};
  nn::cli::add_common_options(app, common);
  std::vector<int> sizes = {128, 512, 1024};
  int reps = 3;
  int threads = 2;
  bool external = true;
  app.add_option("--sizes", sizes, "square sizes n (C = A·B with n×n matrices)")
      ->check(CLI::Range(1, 8192))
      ->expected(1, 16);
  app.add_option("--reps", reps, "timings per measurement (the median is reported)")->check(CLI::Range(1, 100));
  app.add_option("--threads", threads, "threads for step 7 and the threaded nn::gemm")->check(CLI::Range(1, 256));
  app.add_flag("!--no-external", external, "do not compare against OpenBLAS / oneDNN even if installed");

  return nn::cli::run(app, argc, argv, common, [&] {
    const nn::SimdLevel level = nn::simd_level();
    std::printf("SIMD level: %s (detected %s); threads for step 7 and nn::gemm: %d (this machine has %d)\n",
                std::string(nn::to_string(level)).c_str(), std::string(nn::to_string(nn::detected_simd_level())).c_str(),
                threads, nn::hardware_threads());

    // The ceiling: independent FMA chains on one core.
    double peak = 0.0;
    std::string peak_what = "none (scalar)";
    if (level == nn::SimdLevel::Avx512 || level == nn::SimdLevel::Avx2) {
      peak = nn::fma_peak_gflops(level, 0.5);
      peak_what = std::string(nn::to_string(level)) + " FMA chains";
    }
    std::printf("Measured single-core fp32 FMA peak: %.1f GFLOP/s (%s); %d cores: %.1f\n\n", peak,
                peak_what.c_str(), threads, peak * threads);

    std::vector<Row> rows;
    std::vector<nn::ch04::Step> steps;
    for (const auto& s : nn::ch04::ladder()) {
      if (s.needs_avx2 && level < nn::SimdLevel::Avx2) continue;
      if (s.needs_avx512 && level < nn::SimdLevel::Avx512) continue;
      steps.push_back(s);
    }
    nn::ch04::set_step7_threads(threads);
    const auto libs = external ? find_external_libraries() : std::vector<External>{};
    if (external && libs.empty()) std::printf("(OpenBLAS / oneDNN not found: comparing the ladder alone)\n");

    for (const auto& s : steps) rows.push_back({"step " + s.name, {}});
    rows.push_back({"nn::gemm 1 thread", {}});
    rows.push_back({"nn::gemm " + std::to_string(threads) + " threads", {}});
    for (const auto& l : libs) {
      rows.push_back({l.name + " 1 thread", {}});
      rows.push_back({l.name + " " + std::to_string(threads) + " threads", {}});
    }

    nn::CsvWriter csv(common.out_dir + "/ladder.csv", {"n", "row", "gflops", "max_abs_diff", "bound"});
    nn::Rng rng(common.seed);
    for (const int n : sizes) {
      const std::size_t nn_ = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
      std::vector<float> A(nn_), B(nn_), C(nn_);
      for (auto& v : A) v = static_cast<float>(rng.uniform(-1, 1));
      for (auto& v : B) v = static_cast<float>(rng.uniform(-1, 1));
      // The exact product (double), and the float error bound γ(n+4)·Σ|a||b|
      // (tests/ch04/gemm_check.hpp derives it).
      std::vector<double> exact(nn_, 0.0), magnitude(nn_, 0.0);
      for (int i = 0; i < n; ++i)
        for (int k = 0; k < n; ++k) {
          const double a = A[static_cast<std::size_t>(i) * n + k];
          for (int j = 0; j < n; ++j) {
            const double b = B[static_cast<std::size_t>(k) * n + j];
            exact[static_cast<std::size_t>(i) * n + j] += a * b;
            magnitude[static_cast<std::size_t>(i) * n + j] += std::abs(a * b);
          }
        }
      const double u = 0x1.0p-24, g = (n + 4) * u / (1.0 - (n + 4) * u);
      double bound = 0.0;
      for (double m : magnitude) bound = std::max(bound, g * m);
      auto max_diff = [&] {
        double d = 0.0;
        for (std::size_t i = 0; i < nn_; ++i) d = std::max(d, std::abs(static_cast<double>(C[i]) - exact[i]));
        return d;
      };
      const double flops = 2.0 * n * static_cast<double>(n) * n;
      std::printf("n = %d (%.3g GFLOP per product); error bound %.2e\n", n, flops * 1e-9, bound);
      std::printf("  %-26s %10s %8s %12s\n", "", "GFLOP/s", "% peak", "max |diff|");
      std::size_t row = 0;
      auto report = [&](double gf, int cores) {
        const double d = max_diff();
        const double pct = peak > 0 ? 100.0 * gf / (peak * cores) : 0.0;
        std::printf("  %-26s %10.2f %7.0f%% %12.2e%s\n", rows[row].name.c_str(), gf, pct, d,
                    d <= bound ? "" : "  > bound!");
        csv.row(rows[row].name, {static_cast<double>(n), gf, d, bound});
        rows[row].gflops.push_back(gf);
        ++row;
      };
      for (const auto& s : steps) {
        const bool slow = s.fn == nn::ch04::step1_naive || s.fn == nn::ch04::step2_reorder;
        const double gf = measure([&] { s.fn(n, n, n, A.data(), n, B.data(), n, C.data(), n); }, flops,
                                  slow && n >= 1024 ? 1 : reps);
        report(gf, s.fn == nn::ch04::step7_threads ? threads : 1);
      }
      for (int t : {1, threads}) {
        nn::set_num_threads(t);
        const double gf = measure(
            [&] {
              nn::gemm(nn::Trans::No, nn::Trans::No, n, n, n, 1.0f, A.data(), n, B.data(), n, 0.0f, C.data(), n);
            },
            flops, reps);
        report(gf, t);
      }
      nn::set_num_threads(1);
      for (const auto& l : libs)
        for (int t : {1, threads}) {
          l.set_threads(t);
          const double gf = measure([&] { l.gemm(n, n, n, A.data(), B.data(), C.data()); }, flops, reps);
          l.set_threads(1);
          // OpenBLAS's idle workers busy-wait ~0.1 s: let them sleep before the next run.
          if (t > 1) std::this_thread::sleep_for(std::chrono::milliseconds(300));
          report(gf, t);
        }
      std::printf("\n");
    }

    // The chart: one group of bars per row, one bar per size.
    std::vector<std::string> categories;
    for (const auto& r : rows) categories.push_back(r.name);
    std::vector<nn::plot::BarSeries> series;
    for (std::size_t s = 0; s < sizes.size(); ++s) {
      nn::plot::BarSeries bs{"n = " + std::to_string(sizes[s]), {}};
      for (const auto& r : rows) bs.values.push_back(r.gflops[s]);
      series.push_back(std::move(bs));
    }
    std::vector<nn::plot::ReferenceLine> lines;
    if (peak > 0) {
      lines.push_back({"FMA peak, 1 core (measured)", peak});
      if (threads > 1) lines.push_back({"FMA peak, " + std::to_string(threads) + " cores", peak * threads});
    }
    nn::plot::Options po;
    po.title = "The GEMM ladder: C = A·B, n×n, fp32";
    po.ylabel = "GFLOP/s (median)";
    po.width = 1200;
    po.height = 650;
    nn::plot::bars(common.out_dir + "/ladder.png", categories, series, po, lines);

    // The headline figures at the largest size: the peak, every row's
    // GFLOP/s, and nn::gemm on one thread as a share of the peak.
    nn::CsvWriter summary(common.out_dir + "/summary.csv", {"metric", "value"});
    const std::string at = " at n = " + std::to_string(sizes.back()) + " (GFLOP/s)";
    summary.row("FMA peak of one core (GFLOP/s)", {peak});
    for (const auto& r : rows)
      if (r.name.rfind("step 1", 0) != 0 && r.name.rfind("step 2", 0) != 0 && r.name.rfind("step 3", 0) != 0)
        summary.row(r.name + at, {r.gflops.back()});
    const std::size_t gemm_row = steps.size();
    if (peak > 0) summary.row("nn::gemm 1 thread at n = " + std::to_string(sizes.back()) + " (% of the peak)", {100.0 * rows[gemm_row].gflops.back() / peak});
    std::printf("Wrote %s/ladder.csv, ladder.png and summary.csv\n", common.out_dir.c_str());
    return 0;
  });
}
