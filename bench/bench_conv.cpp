// bench_conv — the chapter-6/7 conv layer, forward + backward (∂L/∂W, ∂L/∂b
// and ∂L/∂x), on the AlexNet conv1–3 shapes at batch 1, in milliseconds
// (median of repeats); and the im2col kernel at each SIMD level.
// bench/pytorch_conv.py times PyTorch's conv2d on the same shapes;
// bench/compare_conv.sh runs both and prints the ratios.
//
//   bench_conv [--threads 1] [--batch 1] [--repeats 30]
#include <algorithm>
#include <cstdio>
#include <span>
#include <vector>

#include "alexnet_convs.hpp"
#include "ch07/conv_backward.hpp"
#include "nn/cli.hpp"
#include "nn/cpu.hpp"
#include "nn/im2col.hpp"
#include "nn/rng.hpp"
#include "nn/report.hpp"
#include "nn/threads.hpp"

namespace {

const std::span<const bench::AlexNetConv> kLayers(bench::kAlexNetConvs.data(), 3);  // conv1 … conv3

template <typename F>
std::vector<double> times_ms(F&& f, int repeats) {
  for (int i = 0; i < 3; ++i) f();  // warm-up: buffers, caches, GEMM packing space
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    nn::Stopwatch clock;
    f();
    t.push_back(1e3 * clock.seconds());
  }
  std::sort(t.begin(), t.end());
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Conv layer forward+backward on AlexNet conv1-3 shapes, and im2col per SIMD level (ms, median)"};
  int threads = 1, repeats = 30;
  std::int64_t batch = 1;
  app.add_option("--threads", threads, "Threads")->check(CLI::Range(1, 256))->capture_default_str();
  app.add_option("--batch", batch, "Batch size")->check(CLI::Range(1, 1024))->capture_default_str();
  app.add_option("--repeats", repeats, "Repeats (the median is reported)")->check(CLI::Range(1, 10000))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    nn::set_num_threads(threads);
    nn::Rng rng(1);
    for (const bench::AlexNetConv& l : kLayers) {
      using nn::Tensor;
      Tensor<float> x(l.g.input_shape(batch)), w(l.g.weight_shape()), b(nn::Shape{l.g.out_channels});
      Tensor<float> y(l.g.output_shape(batch)), g(y.shape()), d_x(x.shape()), d_w(w.shape()), d_b(b.shape());
      for (Tensor<float>* t : {&x, &w, &b, &g})
        for (float& v : *t) v = static_cast<float>(rng.uniform(-1, 1));
      nn::ch06::Conv2dWorkspace<float> ws;
      auto step = [&] {
        nn::ch06::conv2d_forward<float>(y, x, w, b, l.g, ws);
        nn::ch07::conv2d_backward<float>(d_x, d_w, d_b, g, w, l.g, ws);
      };
      const auto t = times_ms(step, repeats);
      const auto fwd = times_ms([&] { nn::ch06::conv2d_forward<float>(y, x, w, b, l.g, ws); }, repeats);
      std::printf("ours  layer=%s threads=%d batch=%lld  fwd+bwd ms median %.3f  (min %.3f, max %.3f; forward alone "
                  "%.3f)  %s\n",
                  l.name, threads, static_cast<long long>(batch), t[t.size() / 2], t.front(), t.back(),
                  fwd[fwd.size() / 2], l.g.str().c_str());
    }
    // The im2col kernel alone, each SIMD level, one image of each layer.
    for (const bench::AlexNetConv& l : kLayers) {
      const nn::Im2colShape s = l.g.im2col_shape();
      std::vector<float> x(static_cast<std::size_t>(l.g.in_channels * l.g.height * l.g.width), 0.5f);
      std::vector<float> col(static_cast<std::size_t>(s.rows() * s.cols()));
      std::printf("im2col layer=%s (%lldx%lld):", l.name, static_cast<long long>(s.rows()),
                  static_cast<long long>(s.cols()));
      for (nn::SimdLevel level : nn::available_simd_levels()) {
        const auto fn = nn::kernels::im2col_for(level);
        const auto t = times_ms([&] { fn(x.data(), s, col.data(), s.cols()); }, repeats);
        std::printf("  %s %.3f ms", std::string(nn::to_string(level)).c_str(), t[t.size() / 2]);
      }
      std::printf("\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
