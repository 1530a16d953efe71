// bench_winograd — AlexNet's conv2 … conv5 as Winograd convolutions against
// the same layers lowered to im2col + GEMM, pass by pass (forward, ∂L/∂x,
// ∂L/∂w), in milliseconds for a batch: the median of repeats, the two routes
// taking turns within each repeat so that a noisy machine slows both alike.
// --chunks lists the chunk sizes to try (tiles at once, 0 = the whole batch;
// nn/winograd.hpp).
//
//   bench_winograd [--batch 32] [--threads 1] [--repeats 7] [--chunks 196]
#include <algorithm>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "alexnet_convs.hpp"
#include "ch07/conv_backward.hpp"
#include "nn/cli.hpp"
#include "nn/report.hpp"
#include "nn/rng.hpp"
#include "nn/threads.hpp"
#include "nn/winograd.hpp"

namespace {

const std::span<const bench::AlexNetConv> kLayers(bench::kAlexNetConvs.data() + 1, 4);  // conv2 … conv5

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Winograd against im2col + GEMM on AlexNet's conv2-conv5, per pass (ms per batch, median)"};
  int threads = 1, repeats = 7;
  std::int64_t batch = 32;
  std::vector<std::int64_t> chunks{196};
  app.add_option("--threads", threads, "Threads")->check(CLI::Range(1, 256))->capture_default_str();
  app.add_option("--batch", batch, "Batch size")->check(CLI::Range(1, 1024))->capture_default_str();
  app.add_option("--repeats", repeats, "Repeats (the median is reported)")->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--chunks", chunks, "Winograd chunk sizes to try, in tiles (0: the whole batch)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 30))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    nn::set_num_threads(threads);
    nn::Rng rng(1);
    std::printf("threads=%d batch=%lld, ms per batch (median of %d)\n", threads, static_cast<long long>(batch), repeats);
    std::printf("%-6s %-10s %10s", "layer", "pass", "im2col");
    for (auto c : chunks) std::printf("  %14s", ("winograd/" + std::to_string(c)).c_str());
    std::printf("\n");
    for (const bench::AlexNetConv& l : kLayers) {
      using nn::Tensor;
      const auto& g = l.g;
      Tensor<float> x(g.input_shape(batch)), w(g.weight_shape()), b(nn::Shape{g.out_channels});
      Tensor<float> y(g.output_shape(batch)), dy(y.shape()), dx(x.shape()), dw(w.shape()), db(b.shape());
      for (Tensor<float>* t : {&x, &w, &b, &dy})
        for (float& v : *t) v = static_cast<float>(rng.uniform(-1, 1));
      const nn::WinogradConv c{static_cast<int>(g.in_channels), static_cast<int>(g.height), static_cast<int>(g.width),
                               static_cast<int>(g.out_channels), static_cast<int>(g.kernel_h),
                               static_cast<int>(g.pad)};
      nn::ch06::Conv2dWorkspace<float> lowered;
      std::vector<nn::WinogradWorkspace> wino(chunks.size());
      for (std::size_t k = 0; k < chunks.size(); ++k) wino[k].chunk_tiles = chunks[k];
      // Times: [pass][route], route 0 = im2col, 1 + k = Winograd chunk k.
      std::vector<std::vector<std::vector<double>>> t(3, std::vector<std::vector<double>>(1 + chunks.size()));
      for (int rep = -1; rep < repeats; ++rep) {  // rep −1: warm-up
        auto timed = [&](int pass, std::size_t route, auto&& f) {
          nn::Stopwatch clock;
          f();
          if (rep >= 0) t[static_cast<std::size_t>(pass)][route].push_back(1e3 * clock.seconds());
        };
        timed(0, 0, [&] { nn::ch06::conv2d_forward<float>(y, x, w, b, g, lowered); });
        // The lowered backward computes ∂L/∂x and ∂L/∂w together; dx alone is
        // timed with dW's GEMM excluded by subtraction below.
        timed(1, 0, [&] { nn::ch07::conv2d_backward<float>(dx, dw, db, dy, w, g, lowered); });
        nn::ch06::conv2d_lower<float>(x, g, lowered);
        timed(2, 0, [&] { nn::ch07::conv2d_backward<float>(Tensor<float>().view(), dw, db, dy, w, g, lowered); });
        nn::ch06::conv2d_lower<float>(x, g, lowered);
        for (std::size_t k = 0; k < chunks.size(); ++k) {
          timed(0, 1 + k, [&] { nn::winograd_forward(x.data(), batch, c, w.data(), b.data(), y.data(), false, wino[k]); });
          timed(1, 1 + k, [&] { nn::winograd_backward_data(dy.data(), batch, c, w.data(), dx.data(), wino[k]); });
          timed(2, 1 + k, [&] { nn::winograd_backward_filter(x.data(), dy.data(), batch, c, dw.data(), wino[k]); });
        }
      }
      const char* passes[] = {"forward", "dx", "dw"};
      for (int pass = 0; pass < 3; ++pass) {
        double base = median(t[static_cast<std::size_t>(pass)][0]);
        if (pass == 1) base -= median(t[2][0]);  // the lowered backward without its dW part
        std::printf("%-6s %-10s %10.2f", l.name, passes[pass], base);
        for (std::size_t k = 0; k < chunks.size(); ++k)
          std::printf("  %14.2f", median(t[static_cast<std::size_t>(pass)][1 + k]));
        std::printf("\n");
      }
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
