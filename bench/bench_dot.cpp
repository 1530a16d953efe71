// bench_dot — GFLOP/s of the chapter-1 dot product: scalar reference, AVX2,
// AVX-512 and (if installed) OpenBLAS cblas_sdot, on the same buffers in the
// same run. A dot product of n elements is 2n flops.
//
//   build/release/bin/bench_dot --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// For OpenBLAS at its best, run with OPENBLAS_CORETYPE unset (this machine's
// environment may force Haswell kernels) and OPENBLAS_NUM_THREADS=1.
#include <benchmark/benchmark.h>

#include <vector>

#include "nn/cpu.hpp"
#include "nn/kernels.hpp"
#include "nn/rng.hpp"
#include "nn/tensor.hpp"

#ifdef NN_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace {

// 64-byte aligned, as every nn::Tensor is: an unaligned 64-byte load that
// straddles two cache lines costs two loads.
struct Buffers {
  nn::Tensor<float> x, y;
  explicit Buffers(std::size_t n) : x(nn::Shape{static_cast<std::int64_t>(n)}), y(nn::Shape{static_cast<std::int64_t>(n)}) {
    nn::Rng rng(1);
    for (auto& v : x) v = static_cast<float>(rng.uniform(-1, 1));
    for (auto& v : y) v = static_cast<float>(rng.uniform(-1, 1));
  }
};

template <typename Fn>
void run(benchmark::State& state, Fn&& fn) {
  const auto n = static_cast<std::size_t>(state.range(0));
  Buffers b(n);
  for (auto _ : state) {
    float r = fn(b.x.data(), b.y.data(), n);
    benchmark::DoNotOptimize(r);
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * static_cast<double>(n) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

void BM_dot_scalar(benchmark::State& s) { run(s, nn::kernels::dot_scalar); }
void BM_dot_avx2(benchmark::State& s) {
  if (nn::detected_simd_level() < nn::SimdLevel::Avx2) return s.SkipWithError("no AVX2 on this CPU");
  run(s, nn::kernels::dot_avx2);
}
void BM_dot_avx512(benchmark::State& s) {
  if (nn::detected_simd_level() < nn::SimdLevel::Avx512) return s.SkipWithError("no AVX-512 on this CPU");
  run(s, nn::kernels::dot_avx512);
}
#ifdef NN_HAVE_OPENBLAS
void BM_dot_openblas(benchmark::State& s) {
  run(s, [](const float* x, const float* y, std::size_t n) { return cblas_sdot(static_cast<int>(n), x, 1, y, 1); });
}
#endif

// 256 floats: the data lives in registers/L1 and the loop overhead shows;
// 4096 (32 KiB for both): L1; 65536 (512 KiB): L2; 4M (32 MiB): memory.
#define NN_DOT_SIZES ->Arg(256)->Arg(4096)->Arg(65536)->Arg(1 << 22)
BENCHMARK(BM_dot_scalar) NN_DOT_SIZES;
BENCHMARK(BM_dot_avx2) NN_DOT_SIZES;
BENCHMARK(BM_dot_avx512) NN_DOT_SIZES;
#ifdef NN_HAVE_OPENBLAS
BENCHMARK(BM_dot_openblas) NN_DOT_SIZES;
#endif

}  // namespace

BENCHMARK_MAIN();
