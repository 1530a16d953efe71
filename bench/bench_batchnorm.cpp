// bench_batchnorm — chapter 10's batch-norm layer, forward (training mode)
// and backward, in GB/s against the memory bandwidth this machine gives one
// thread, measured in the same run.
//
// Traffic counted: what any implementation must move at least once per
// training step — the forward pass reads x and writes y and x̂ (kept for
// backward), the backward pass reads dy and x̂ and reads and writes dx (it
// adds into it): 7 tensors of N·C·H·W floats. The kernels' extra passes
// (the variance's second look at x, the backward sums before dx) are not
// counted, so the GB/s here are a lower bound of what they move.
//
// Bandwidth: a copy (b[i] = a[i]) and a scaled add (c[i] = a[i] + s·b[i])
// over buffers of the same total size as the layer's seven tensors, and
// over buffers 8× larger (out of the last-level cache), bytes read + written.
// Each figure is the median of --repeats timed runs.
//
//   bench_batchnorm [--shape 128,16,28,28] [--repeats 21] [--threads 1]
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "ch10/batchnorm.hpp"
#include "nn/cli.hpp"
#include "nn/cpu.hpp"
#include "nn/report.hpp"
#include "nn/rng.hpp"
#include "nn/tensor.hpp"
#include "nn/threads.hpp"
#include "throughput.hpp"

namespace {

template <typename F>
double median_seconds(int repeats, int inner, F&& f) {
  f();  // warm: pages touched, caches filled
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    nn::Stopwatch clock;
    for (int i = 0; i < inner; ++i) f();
    t.push_back(clock.seconds() / inner);
  }
  return bench::median_of(t);
}

struct Bandwidth {
  double copy, add;  // GB/s, bytes read + written
};

Bandwidth bandwidth(std::int64_t floats, int repeats) {
  std::vector<float> a(static_cast<std::size_t>(floats), 1.0f), b(a.size(), 2.0f), c(a.size(), 0.0f);
  const auto n = a.size();
  const int inner = std::max<int>(1, static_cast<int>(2e7 / static_cast<double>(floats)));
  const double copy = median_seconds(repeats, inner, [&] {
    std::copy(a.begin(), a.end(), b.begin());
    asm volatile("" : : "r"(b.data()) : "memory");
  });
  const double add = median_seconds(repeats, inner, [&] {
    float* out = c.data();
    const float* x = a.data();
    const float* y = b.data();
    for (std::size_t i = 0; i < n; ++i) out[i] = x[i] + 0.5f * y[i];
    asm volatile("" : : "r"(out) : "memory");
  });
  const double bytes = 4.0 * static_cast<double>(floats);
  return {2 * bytes / copy / 1e9, 3 * bytes / add / 1e9};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 10's batch norm, forward (training) + backward, in GB/s against the measured memory bandwidth"};
  std::vector<std::int64_t> dims = {128, 16, 28, 28};
  int repeats = 21, threads = 1;
  app.add_option("--shape", dims, "N,C,H,W of the layer's input (ResNet-20's first stage by default)")
      ->delimiter(',')
      ->expected(4)
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  app.add_option("--repeats", repeats, "Timed runs (the median is reported)")->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--threads", threads, "Threads")->check(CLI::Range(1, 256))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    nn::set_num_threads(threads);
    const nn::Shape shape{dims[0], dims[1], dims[2], dims[3]};
    nn::ch10::BatchNorm<float> bn(dims[1]);
    nn::Tensor<float> x(shape), y(shape), dy(shape), dx(shape);
    nn::Rng rng(3);
    for (float& v : x) v = static_cast<float>(rng.uniform(-2.0, 2.0));
    for (float& v : dy) v = static_cast<float>(rng.uniform(-1.0, 1.0));
    bn.prepare(shape);
    const double elements = static_cast<double>(shape.numel());
    const double step = median_seconds(repeats, 3, [&] {
      bn.forward(x.view(), y.view(), nn::layers::Mode::Train);
      bn.backward(x.view(), y.view(), dy.view(), dx.view());
    });
    const double fwd = median_seconds(repeats, 3, [&] { bn.forward(x.view(), y.view(), nn::layers::Mode::Train); });
    const double bytes = 7.0 * 4.0 * elements;
    const Bandwidth same = bandwidth(static_cast<std::int64_t>(7 * elements / 3), repeats);
    const Bandwidth dram = bandwidth(static_cast<std::int64_t>(8 * 7 * elements / 3), repeats);
    std::printf("batch norm (%s), input %s (%.1f MB a tensor), %d thread%s, SIMD %s\n", "training", shape.str().c_str(),
                4.0 * elements / 1e6, threads, threads == 1 ? "" : "s",
                std::string(nn::to_string(nn::simd_level())).c_str());
    std::printf("  forward + backward  %8.3f ms   %6.1f GB/s (7 tensors moved once)\n", 1e3 * step, bytes / step / 1e9);
    std::printf("  forward alone       %8.3f ms   %6.1f GB/s (3 tensors)\n", 1e3 * fwd, 3.0 * 4.0 * elements / fwd / 1e9);
    std::printf("measured bandwidth, %d thread%s (bytes read + written):\n", threads, threads == 1 ? "" : "s");
    std::printf("  buffers of the layer's size (%.0f MB)   copy %6.1f GB/s   a + s*b %6.1f GB/s\n", bytes / 1e6,
                same.copy, same.add);
    std::printf("  buffers 8x larger (%.0f MB)            copy %6.1f GB/s   a + s*b %6.1f GB/s\n", 8 * bytes / 1e6,
                dram.copy, dram.add);
    std::printf("the layer at %.0f %% of the same-size a + s*b and %.0f %% of the large one\n",
                100.0 * bytes / step / 1e9 / same.add, 100.0 * bytes / step / 1e9 / dram.add);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
