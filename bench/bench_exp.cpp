// bench_exp — elements per second of the chapter-2 exp and tanh: a loop of
// the C library's std::exp / std::tanh (one call per float), the scalar
// reference, AVX2 and AVX-512, on the same inputs in the same run.
//
//   build/release/bin/bench_exp --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// exp's inputs are uniform in [−87, 88] (the range the error bound covers);
// tanh's in [−5, 5], the range where it is not yet ±1 in float.
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "nn/cpu.hpp"
#include "nn/rng.hpp"
#include "nn/vexp.hpp"

namespace {

struct Buffers {
  std::vector<float> x, y;
  Buffers(std::size_t n, double lo, double hi) : x(n), y(n) {
    nn::Rng rng(1);
    for (auto& v : x) v = static_cast<float>(rng.uniform(lo, hi));
  }
};

template <typename Fn>
void run(benchmark::State& state, Fn&& fn, double lo = -87.0, double hi = 88.0) {
  const auto n = static_cast<std::size_t>(state.range(0));
  Buffers b(n, lo, hi);
  for (auto _ : state) {
    fn(b.x.data(), b.y.data(), n);
    benchmark::DoNotOptimize(b.y.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
}

void std_exp_loop(const float* x, float* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = std::exp(x[i]);
}

void BM_exp_std(benchmark::State& s) { run(s, std_exp_loop); }
void BM_exp_scalar(benchmark::State& s) { run(s, nn::kernels::exp_scalar); }
void BM_exp_avx2(benchmark::State& s) {
  if (nn::detected_simd_level() < nn::SimdLevel::Avx2) return s.SkipWithError("no AVX2 on this CPU");
  run(s, nn::kernels::exp_avx2);
}
void BM_exp_avx512(benchmark::State& s) {
  if (nn::detected_simd_level() < nn::SimdLevel::Avx512) return s.SkipWithError("no AVX-512 on this CPU");
  run(s, nn::kernels::exp_avx512);
}

void std_tanh_loop(const float* x, float* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}

void BM_tanh_std(benchmark::State& s) { run(s, std_tanh_loop, -5.0, 5.0); }
void BM_tanh_scalar(benchmark::State& s) { run(s, nn::kernels::tanh_scalar, -5.0, 5.0); }
void BM_tanh_avx2(benchmark::State& s) {
  if (nn::detected_simd_level() < nn::SimdLevel::Avx2) return s.SkipWithError("no AVX2 on this CPU");
  run(s, nn::kernels::tanh_avx2, -5.0, 5.0);
}
void BM_tanh_avx512(benchmark::State& s) {
  if (nn::detected_simd_level() < nn::SimdLevel::Avx512) return s.SkipWithError("no AVX-512 on this CPU");
  run(s, nn::kernels::tanh_avx512, -5.0, 5.0);
}

// 4096 floats (16 KiB in, 16 KiB out): L1, the compute rate; 1M (8 MiB in
// all): beyond L2, where memory traffic starts to count.
#define NN_EXP_SIZES ->Arg(4096)->Arg(1 << 20)
BENCHMARK(BM_exp_std) NN_EXP_SIZES;
BENCHMARK(BM_exp_scalar) NN_EXP_SIZES;
BENCHMARK(BM_exp_avx2) NN_EXP_SIZES;
BENCHMARK(BM_exp_avx512) NN_EXP_SIZES;
BENCHMARK(BM_tanh_std) NN_EXP_SIZES;
BENCHMARK(BM_tanh_scalar) NN_EXP_SIZES;
BENCHMARK(BM_tanh_avx2) NN_EXP_SIZES;
BENCHMARK(BM_tanh_avx512) NN_EXP_SIZES;

}  // namespace

BENCHMARK_MAIN();
