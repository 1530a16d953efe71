// ch06_convolution — Chapter 6: convolution.
//
// 1. The 1-D worked example, and convolution vs cross-correlation.
// 2. The 5×5 image / 3×3 kernel worked example (top-left output 4).
// 3. Hand-made filters (edges ×3, sharpen, box blur, Gaussian blur) on a
//    real Fashion-MNIST image, written as one PNG grid.
// 4. Output sizes under padding (valid, same, full), stride and dilation,
//    and the error an impossible shape gets.
// 5. The parameter-count arguments (fully vs locally connected vs conv; the
//    32×32×3 example net; three 3×3 layers vs one 7×7) and the receptive
//    field of any stack given with --layers.
// 6. Conv as one matrix multiply (im2col shapes of AlexNet conv1) and the
//    time of direct convolution against im2col + GEMM on LeNet- and
//    AlexNet-sized layers, with the SIMD im2col against the scalar one.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "ch06/conv.hpp"
#include "nn/cli.hpp"
#include "nn/cpu.hpp"
#include "nn/dataset.hpp"
#include "nn/error.hpp"
#include "nn/im2col.hpp"
#include "nn/image.hpp"
#include "nn/plot.hpp"
#include "nn/report.hpp"
#include "nn/threads.hpp"

namespace {

using namespace nn;
using namespace nn::ch06;

struct Options {
  std::string data = kFashionMnistDir;
  int image = 0;
  std::string layers = "3,3,3";
  int threads = 1;
  bool quick = false;
};

void print_vector(const char* name, const std::vector<double>& v) {
  std::printf("  %-34s [", name);
  for (std::size_t i = 0; i < v.size(); ++i) std::printf("%s%g", i ? ", " : "", v[i]);
  std::printf("]\n");
}

void one_dimension() {
  std::printf("\n== 1-D: sliding a kernel along a signal ==\n");
  const std::vector<double> x = {1, 1, 1, 0, 0}, theta = {1, 0, 1};
  std::vector<double> out(3);
  correlate1d<double>(out, x, theta);
  print_vector("x", x);
  print_vector("theta", theta);
  print_vector("out[t] = sum_a x[t+a] theta[a]", out);
  const std::vector<double> ramp = {1, 2, 3, 4, 5}, diff = {1, 0, -1};
  std::vector<double> corr(3), conv(3);
  correlate1d<double>(corr, ramp, diff);
  convolve1d<double>(conv, ramp, diff);
  std::printf("an asymmetric kernel shows the flip: x = [1..5], theta = [1, 0, -1]\n");
  print_vector("cross-correlation (what layers do)", corr);
  print_vector("true convolution (kernel flipped)", conv);
}

void two_dimensions() {
  std::printf("\n== 2-D: the 5x5 image and the 3x3 kernel ==\n");
  const Tensor<double> x(Shape{1, 1, 5, 5}, {1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0});
  const Tensor<double> w(Shape{1, 1, 3, 3}, {1, 0, 1, 0, 1, 0, 1, 0, 1});
  const Conv2dGeometry g{1, 5, 5, 1, 3, 3, 1, 0, 1, 1};
  Tensor<double> y(g.output_shape(1));
  conv2d_direct<double>(y, x, w, TensorView<const double>(), g);
  std::printf("  image                kernel         output (valid, stride 1)\n");
  for (int r = 0; r < 5; ++r) {
    std::printf("  ");
    for (int c = 0; c < 5; ++c) std::printf("%g ", x(0, 0, r, c));
    std::printf("          ");
    if (r < 3) {
      for (int c = 0; c < 3; ++c) std::printf("%g ", w(0, 0, r, c));
      std::printf("         ");
      for (int c = 0; c < 3; ++c) std::printf("%g ", y(0, 0, r, c));
    }
    std::printf("\n");
  }
  std::printf("  top-left: the kernel's four corner 1s and its centre meet x = 1,1,1,1 and 1 → %g\n", y(0, 0, 0, 0));
}

struct Filter {
  const char* name;
  std::vector<double> taps;  // 3x3, row-major
};

void filters(const Options& o, const std::string& out) {
  std::printf("\n== hand-made filters on a real image ==\n");
  TrainTest data = load_mnist_style(o.data, 1);
  if (o.image < 0 || o.image >= data.test.size())
    throw Error("--image " + std::to_string(o.image) + " is not a test image index (0.." +
                std::to_string(data.test.size() - 1) + ")");
  const int h = static_cast<int>(data.test.images.dim(2)), w = static_cast<int>(data.test.images.dim(3));
  Tensor<double> x(Shape{1, 1, h, w});
  for (std::int64_t i = 0; i < x.size(); ++i) x[i] = data.test.images[o.image * x.size() + i];
  const std::vector<Filter> bank = {
      {"edges: diagonal", {1, 0, -1, 0, 0, 0, -1, 0, 1}},
      {"edges: Laplacian (4-neighbour)", {0, 1, 0, 1, -4, 1, 0, 1, 0}},
      {"edges: Laplacian (8-neighbour)", {-1, -1, -1, -1, 8, -1, -1, -1, -1}},
      {"sharpen", {0, -1, 0, -1, 5, -1, 0, -1, 0}},
      {"box blur", {1 / 9.0, 1 / 9.0, 1 / 9.0, 1 / 9.0, 1 / 9.0, 1 / 9.0, 1 / 9.0, 1 / 9.0, 1 / 9.0}},
      {"Gaussian blur", {1 / 16.0, 2 / 16.0, 1 / 16.0, 2 / 16.0, 4 / 16.0, 2 / 16.0, 1 / 16.0, 2 / 16.0, 1 / 16.0}},
  };
  const Conv2dGeometry g{1, h, w, 1, 3, 3, 1, padding_for(Padding::Same, 3), 1, 1};
  std::vector<image::Tile> tiles;
  tiles.push_back({h, w, std::vector<float>(data.test.images.data() + o.image * x.size(),
                                            data.test.images.data() + (o.image + 1) * x.size())});
  std::printf("  image %d of the test set (a %s), %dx%d; same padding, true convolution (kernel flipped)\n", o.image,
              fashion_mnist_classes()[data.test.labels[static_cast<std::size_t>(o.image)]].c_str(), h, w);
  std::printf("  tiles, left to right: original");
  for (const Filter& f : bank) {
    Tensor<double> kernel(Shape{1, 1, 3, 3});
    std::copy(f.taps.begin(), f.taps.end(), kernel.begin());
    Tensor<double> y(g.output_shape(1));
    conv2d_direct<double>(y, x, flip_kernel<double>(kernel.view()), TensorView<const double>(), g);
    image::Tile t{h, w, {}};
    for (double v : y) t.pixels.push_back(static_cast<float>(v));
    tiles.push_back(std::move(t));
    std::printf(", %s", f.name);
  }
  std::printf("\n");
  image::write_grid(out + "/filters.png", tiles, 7, 4, image::Scaling::MinMax, 4);
  std::printf("  wrote %s/filters.png (each tile scaled from its own min to max)\n", out.c_str());
}

void sizes(const std::string& out) {
  std::printf("\n== output size O = floor((W - K_eff + 2P)/S) + 1, K_eff = D(K - 1) + 1 ==\n");
  CsvWriter csv(out + "/sizes.csv", {"case", "input", "kernel", "pad", "stride", "dilation", "output"});
  struct Case {
    const char* name;
    int input, kernel;
    Padding padding;
    int stride, dilation;
  };
  const Case cases[] = {
      {"valid", 28, 5, Padding::Valid, 1, 1},     {"same (F-1)/2", 28, 5, Padding::Same, 1, 1},
      {"full F-1", 28, 5, Padding::Full, 1, 1},   {"same, stride 2", 28, 5, Padding::Same, 2, 1},
      {"valid, dilation 2", 28, 5, Padding::Valid, 1, 2}, {"AlexNet conv1", 227, 11, Padding::Valid, 4, 1},
      {"7x7 input, 3x3, stride 2", 7, 3, Padding::Valid, 2, 1},
  };
  std::printf("  %-28s %6s %6s %4s %6s %8s %6s\n", "case", "input", "kernel", "pad", "stride", "dilation", "output");
  for (const Case& c : cases) {
    const int pad = padding_for(c.padding, c.kernel, c.dilation);
    const int o = conv_output_size(c.input, c.kernel, pad, c.stride, c.dilation);
    std::printf("  %-28s %6d %6d %4d %6d %8d %6d\n", c.name, c.input, c.kernel, pad, c.stride, c.dilation, o);
    csv.row(c.name, {double(c.input), double(c.kernel), double(pad), double(c.stride), double(c.dilation), double(o)});
  }
  for (auto bad : {std::pair{"7x7 input, 3x3, stride 3 (exact)", 3}, {"4x4 input, 5x5 kernel", 0}}) {
    try {
      if (bad.second == 3)
        conv_output_size(7, 3, 0, 3, 1, Rounding::Exact);
      else
        conv_output_size(4, 5, 0, 1);
    } catch (const Error& e) {
      std::printf("  %s → error: %s\n", bad.first, e.what());
    }
  }
}

void parameters(const Options& o) {
  std::printf("\n== why convolution: parameters for a 1000x1000 grey image and 1M hidden units ==\n");
  std::printf("  fully connected (every unit sees every pixel)     %16lld\n",
              static_cast<long long>(fully_connected_parameters(1000LL * 1000, 1000000, false)));
  std::printf("  locally connected (10x10 field per unit)          %16lld\n",
              static_cast<long long>(locally_connected_parameters(10, 1, 1000000, false)));
  std::printf("  convolutional (100 shared 10x10 filters)          %16lld\n",
              static_cast<long long>(conv_parameters(10, 10, 1, 100, false)));
  std::printf("\n== the 32x32x3 example net: conv 8 3x3 same, conv 16 5x5/2 same, dense 512, dense 4 ==\n");
  const Conv2dGeometry c1{3, 32, 32, 8, 3, 3, 1, 1, 1, 1}, c2{8, 32, 32, 16, 5, 5, 2, 2, 1, 1};
  const std::int64_t flat = 16LL * c2.out_h() * c2.out_w();
  const std::int64_t d1 = fully_connected_parameters(flat, 512), d2 = fully_connected_parameters(512, 4);
  std::printf("  conv1 (8*3*3*3+8)       %9lld   output 8x%dx%d\n", static_cast<long long>(c1.parameters()), c1.out_h(),
              c1.out_w());
  std::printf("  conv2 (16*5*5*8+16)     %9lld   output 16x%dx%d\n", static_cast<long long>(c2.parameters()),
              c2.out_h(), c2.out_w());
  std::printf("  dense (16*16*16*512+512)%9lld\n  dense (512*4+4)         %9lld\n  total                   %9lld\n",
              static_cast<long long>(d1), static_cast<long long>(d2),
              static_cast<long long>(c1.parameters() + c2.parameters() + d1 + d2));
  std::printf("\n== three 3x3 layers or one 7x7 (C channels in and out) ==\n");
  std::printf("  receptive field of 3,3,3: %lld; of 7: %lld\n",
              static_cast<long long>(receptive_field(parse_layers("3,3,3"))),
              static_cast<long long>(receptive_field(parse_layers("7"))));
  std::printf("  weights: 3 * (3*3*C*C) = 27C^2 against 7*7*C*C = 49C^2; for C = 64: %lld vs %lld\n",
              static_cast<long long>(3 * conv_parameters(3, 3, 64, 64, false)),
              static_cast<long long>(conv_parameters(7, 7, 64, 64, false)));
  std::printf("\n== receptive field r = sum_l (k_l - 1) prod_{i<l} s_i + 1 ==\n");
  const auto layers = parse_layers(o.layers);
  std::printf("  --layers %s:\n", o.layers.c_str());
  std::int64_t jump = 1;
  std::vector<LayerSpec> prefix;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    prefix.push_back(layers[l]);
    std::printf("    layer %zu: kernel %d stride %d dilation %d → receptive field %lld (input pixels between units %lld)\n",
                l + 1, layers[l].kernel, layers[l].stride, layers[l].dilation,
                static_cast<long long>(receptive_field(prefix)), static_cast<long long>(jump * layers[l].stride));
    jump *= layers[l].stride;
  }
  std::printf("  AlexNet conv1..pool5 (11/4,3/2,5,3/2,3,3,3,3/2): %lld pixels\n",
              static_cast<long long>(receptive_field(parse_layers("11/4,3/2,5,3/2,3,3,3,3/2"))));
}

template <typename F>
double best_seconds(F&& f, int repeats, double budget) {
  double best = 1e300;
  Stopwatch total;
  for (int r = 0; r < repeats; ++r) {
    Stopwatch clock;
    f();
    best = std::min(best, clock.seconds());
    if (total.seconds() > budget) break;
  }
  return best;
}

void timing(const Options& o, const std::string& out) {
  std::printf("\n== conv as one GEMM: AlexNet conv1 ==\n");
  const Conv2dGeometry alex1{3, 227, 227, 96, 11, 11, 4, 0, 1, 1};
  const Im2colShape s = alex1.im2col_shape();
  std::printf("  x 3x227x227 → X_col %lldx%lld (11*11*3 = 363 rows, 55*55 = 3025 positions)\n"
              "  W_row 96x363 · X_col = Y 96x3025 → reshaped to 96x55x55\n",
              static_cast<long long>(s.rows()), static_cast<long long>(s.cols()));

  struct Layer {
    const char* name;
    Conv2dGeometry g;
    std::int64_t batch;
  };
  std::vector<Layer> layers = {
      {"LeNet C1 1x32x32 → 6 5x5, batch 32", {1, 32, 32, 6, 5, 5, 1, 0, 1, 1}, 32},
      {"LeNet C3 6x14x14 → 16 5x5, batch 32", {6, 14, 14, 16, 5, 5, 1, 0, 1, 1}, 32},
  };
  if (!o.quick) {
    layers.push_back({"AlexNet conv1 3x227x227 → 96 11x11/4", alex1, 1});
    layers.push_back({"AlexNet conv2 96x27x27 → 256 5x5 pad 2", {96, 27, 27, 256, 5, 5, 1, 2, 1, 1}, 1});
    layers.push_back({"AlexNet conv3 256x13x13 → 384 3x3 pad 1", {256, 13, 13, 384, 3, 3, 1, 1, 1, 1}, 1});
  }
  std::printf("\n== direct convolution vs im2col + GEMM (float, SIMD %s, %d thread%s for the GEMM) ==\n",
              std::string(to_string(simd_level())).c_str(), num_threads(), num_threads() == 1 ? "" : "s");
  std::printf("  %-42s %10s %10s %8s %9s %9s %12s\n", "layer", "direct ms", "im2col+GEMM", "speed-up", "GFLOP/s",
              "im2col ms", "scalar im2col");
  CsvWriter csv(out + "/timing.csv", {"layer", "direct_ms", "im2col_gemm_ms", "speedup", "gflops_im2col_gemm",
                                      "im2col_ms", "im2col_scalar_ms"});
  std::vector<std::string> names;
  std::vector<double> direct_ms, lowered_ms;
  Rng rng(6);
  for (const Layer& l : layers) {
    Tensor<float> x(l.g.input_shape(l.batch)), w(l.g.weight_shape()), b(Shape{l.g.out_channels});
    for (float& v : x) v = static_cast<float>(rng.uniform(-1, 1));
    for (float& v : w) v = static_cast<float>(rng.uniform(-1, 1));
    Tensor<float> y(l.g.output_shape(l.batch)), y_direct(y.shape());
    Conv2dWorkspace<float> ws;
    conv2d_forward<float>(y, x, w, b, l.g, ws);  // sizes the workspace
    const double lowered = best_seconds([&] { conv2d_forward<float>(y, x, w, b, l.g, ws); }, 20, 1.0);
    const double direct = best_seconds([&] { conv2d_direct<float>(y_direct, x, w, b, l.g); }, 3, 0.5);
    const Im2colShape is = l.g.im2col_shape();
    const std::int64_t ld = is.cols();
    auto lower_all = [&](kernels::Im2colFn fn) {
      for (std::int64_t n = 0; n < l.batch; ++n)
        fn(x.data() + n * x.size() / l.batch, is, ws.col.data(), ld);  // timing only: one image's slot
    };
    const double im2col_fast = best_seconds([&] { lower_all(kernels::im2col_for(simd_level())); }, 20, 0.5);
    const double im2col_scalar = best_seconds([&] { lower_all(kernels::im2col_scalar); }, 20, 0.5);
    const double flops = 2.0 * static_cast<double>(l.batch) * static_cast<double>(y.size() / l.batch) *
                         static_cast<double>(is.rows() / l.g.groups);
    std::printf("  %-42s %10.2f %10.2f %7.1fx %9.1f %9.3f %7.3f (%.1fx)\n", l.name, 1e3 * direct, 1e3 * lowered,
                direct / lowered, flops / lowered * 1e-9, 1e3 * im2col_fast, 1e3 * im2col_scalar,
                im2col_scalar / im2col_fast);
    csv.row(l.name, {1e3 * direct, 1e3 * lowered, direct / lowered, flops / lowered * 1e-9, 1e3 * im2col_fast,
                     1e3 * im2col_scalar});
    names.push_back(l.name);
    direct_ms.push_back(1e3 * direct);
    lowered_ms.push_back(1e3 * lowered);
  }
  plot::Options po;
  po.title = "Direct convolution vs im2col + GEMM (forward, ms, log scale)";
  po.ylabel = "milliseconds";
  po.log_y = true;
  po.width = 1200;
  plot::bars(out + "/timing.png", names, {{"direct", direct_ms}, {"im2col + GEMM", lowered_ms}}, po);
  std::printf("  wrote %s/timing.csv and timing.png\n", out.c_str());
}

int main_run(const Options& o, const cli::CommonOptions& common) {
  Stopwatch total;
  std::printf("Chapter 6: convolution   (SIMD %s, %d thread%s)\n", std::string(to_string(simd_level())).c_str(),
              num_threads(), num_threads() == 1 ? "" : "s");
  const auto layers = parse_layers(o.layers);  // refuse a bad list before any work
  (void)layers;
  const std::string out = common.out_dir;
  std::filesystem::create_directories(out);
  one_dimension();
  two_dimensions();
  filters(o, out);
  sizes(out);
  parameters(o);
  timing(o, out);
  std::printf("\ndone in %.1f s; results in %s/\n", total.seconds(), out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 6: convolution — worked examples, hand-made filters on a real image, padding/stride/"
               "dilation, parameter counts, receptive fields, and direct convolution against im2col + GEMM."};
  nn::cli::CommonOptions common{"out/ch06_convolution"};
  nn::cli::add_common_options(app, common);
  Options o;
  app.add_option("--data", o.data, "Folder with the MNIST-format files (gzipped or not)")->capture_default_str();
  app.add_option("--image", o.image, "Test image the filters are applied to")->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  app.add_option("--layers", o.layers,
                 "Layer stack for the receptive-field calculator: kernel[/stride[/dilation]],... e.g. 11/4,3/2,5")
      ->capture_default_str();
  app.add_option("--threads", o.threads, "Threads for the matrix multiplies")->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_flag("--quick", o.quick, "Time only the LeNet-sized layers");
  return nn::cli::run(app, argc, argv, common, [&] {
    nn::set_num_threads(o.threads);
    return main_run(o, common);
  });
}
