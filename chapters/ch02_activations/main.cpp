// ch02_activations — Chapter 2: activations and losses.
//
// What it shows, in order:
//   1. Every activation and its derivative: a table at a few points, a CSV on
//      a fine grid, and one PNG per activation (g and g' together).
//   2. Why networks output logits: the naive softmax of logits like 1000 is
//      NaN and the naive log σ(z) is −inf, while the stable forms are exact.
//   3. Saturation: the gradient norm ‖∂L/∂Θ^(l)‖ reaching each layer of a deep
//      sigmoid net against the same net with ReLU (the vanishing-gradient
//      problem in one picture: a PNG and a CSV).
//   4. Without a nonlinearity, a stack of layers is one affine map: the
//      network's output equals W x + c for the product matrix, to rounding.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "ch02/activations.hpp"
#include "ch02/losses.hpp"
#include "nn/cli.hpp"
#include "nn/cpu.hpp"
#include "nn/gemm.hpp"
#include "nn/plot.hpp"
#include "nn/report.hpp"
#include "nn/rng.hpp"

namespace {

using nn::Shape;
using nn::Tensor;
using nn::ch02::Activation;

struct Options {
  int depth = 10;
  int width = 64;
  int batch = 128;
};

// g(z) and g'(z) on a grid (g' through the backward pass with da = 1).
void evaluate(const Activation& g, const Tensor<double>& z, Tensor<double>& a, Tensor<double>& slope) {
  Tensor<double> ones(z.shape());
  ones.fill(1.0);
  slope.fill(0.0);
  nn::ch02::activation_forward<double>(g, a, z);
  nn::ch02::activation_backward<double>(g, slope, ones, z, a);
}

void part1_table_and_plots(const std::string& out) {
  std::printf("\n== 1. The activations and their derivatives ==\n");
  const std::vector<double> points = {-3.0, -1.0, -0.5, 0.5, 1.0, 3.0};
  Tensor<double> zp(Shape{static_cast<std::int64_t>(points.size())}), ap(zp.shape()), sp(zp.shape());
  for (std::size_t i = 0; i < points.size(); ++i) zp[static_cast<std::int64_t>(i)] = points[i];
  std::printf("%-11s %-6s", "g", "");
  for (double z : points) std::printf(" %8s%+.1f", "z=", z);
  std::printf("\n");
  const auto acts = nn::ch02::chapter_activations();
  for (const Activation& g : acts) {
    evaluate(g, zp, ap, sp);
    std::printf("%-11s %-6s", nn::ch02::name(g).c_str(), "g(z)");
    for (std::int64_t i = 0; i < zp.size(); ++i) std::printf(" %12.5f", ap[i]);
    std::printf("\n%-11s %-6s", "", "g'(z)");
    for (std::int64_t i = 0; i < zp.size(); ++i) std::printf(" %12.5f", sp[i]);
    std::printf("\n");
  }
  std::printf("sigmoid' <= 0.25 everywhere and tanh' <= 1: both vanish for |z| >> 1 (saturation).\n"
              "ReLU' is 0 for z < 0 (a unit that is always negative never learns); leaky ReLU keeps 0.1,\n"
              "ELU keeps alpha e^z > 0: no zero-gradient region. softplus' is the sigmoid (compare the rows);\n"
              "swish = z sigmoid(z) dips below 0 (its minimum: -0.278 at z = -1.278).\n");

  // The grid avoids z = 0 exactly, where the rectifiers' slope jumps.
  const int steps = 400;
  Tensor<double> z(Shape{steps}), a(z.shape()), slope(z.shape());
  for (int i = 0; i < steps; ++i) z[i] = -5.0 + 10.0 * (i + 0.5) / steps;
  std::vector<std::string> header = {"z"};
  for (const Activation& g : acts) {
    header.push_back(nn::ch02::name(g));
    header.push_back(nn::ch02::name(g) + "_slope");
  }
  std::vector<std::vector<double>> columns(header.size());
  for (int i = 0; i < steps; ++i) columns[0].push_back(z[i]);
  for (std::size_t k = 0; k < acts.size(); ++k) {
    const Activation& g = acts[k];
    evaluate(g, z, a, slope);
    nn::plot::Series sg{"g(z)", {}, {}}, sd{"g'(z)", {}, {}};
    sd.style = "lines lw 2 dt 2";
    for (int i = 0; i < steps; ++i) {
      sg.x.push_back(z[i]);
      sg.y.push_back(a[i]);
      sd.x.push_back(z[i]);
      sd.y.push_back(slope[i]);
      columns[1 + 2 * k].push_back(a[i]);
      columns[2 + 2 * k].push_back(slope[i]);
    }
    nn::plot::Options po;
    po.title = "Activation " + nn::ch02::name(g) + " and its derivative";
    po.xlabel = "z";
    po.ylabel = "g(z), g'(z)";
    po.y_min = -1.5;
    po.y_max = 3.0;
    nn::plot::lines(out + "/activation_" + nn::ch02::name(g) + ".png", {sg, sd}, po);
  }
  nn::CsvWriter csv(out + "/activations.csv", header);
  for (int i = 0; i < steps; ++i) {
    std::vector<double> row;
    for (const auto& c : columns) row.push_back(c[static_cast<std::size_t>(i)]);
    csv.row(row);
  }
  std::printf("Plots: %s/activation_<name>.png, values: activations.csv\n", out.c_str());
}

void part2_stability() {
  std::printf("\n== 2. Why a network outputs logits: naive versus stable ==\n");
  const Tensor<float> z(Shape{1, 3}, {1000.0f, 999.0f, 998.0f});
  Tensor<float> p(z.shape());
  nn::ch02::softmax_naive<float>(p, z);
  std::printf("logits (1000, 999, 998)\n  naive  e^z / sum e^z        = (%g, %g, %g)   e^1000 = inf, inf/inf = NaN\n",
              double(p(0, 0)), double(p(0, 1)), double(p(0, 2)));
  nn::ch02::softmax_forward<float>(p, z);
  std::printf("  stable e^(z-m) / sum e^(z-m) = (%.6f, %.6f, %.6f)   = softmax(2, 1, 0)\n", double(p(0, 0)),
              double(p(0, 1)), double(p(0, 2)));
  const Tensor<float> z2(Shape{1, 2}, {1000.0f, 0.0f});
  Tensor<float> lp(z2.shape()), p2(z2.shape());
  nn::ch02::softmax_forward<float>(p2, z2);
  nn::ch02::log_softmax_forward<float>(lp, z2);
  std::printf("logits (1000, 0): log(softmax)[1] = log(%g) = %g;  log_softmax[1] = %g (exact)\n", double(p2(0, 1)),
              double(std::log(p2(0, 1))), double(lp(0, 1)));
  std::printf("log sigma(-200) in float: naive log(1/(1+e^200)) = %g;  stable -softplus(200) = %g\n",
              double(nn::ch02::log_sigmoid_naive(-200.0f)), double(nn::ch02::log_sigmoid(-200.0f)));
  const Tensor<float> zl(Shape{1}, {-200.0f}), yl(Shape{1}, {1.0f});
  std::printf("so binary cross-entropy of logit -200 with target 1: from the probability = inf, "
              "from the logit = %g\n",
              double(nn::ch02::bce_with_logits_forward<float>(zl, yl)));
}

// A plain stack of dense layers, only for this demonstration (chapter 3
// builds the real MLP): z^(l+1) = Θ^(l) a^(l) + b^(l), a^(l+1) = g(z^(l+1)),
// examples as rows, so Z = A Θᵀ (+ b).
struct Stack {
  std::vector<Tensor<float>> theta, z, a, delta, d_a;
};

// ‖∂L/∂Θ^(l)‖ for every layer of a `depth`-layer net with activation g.
std::vector<double> gradient_norms(const Activation& g, const Options& opt, nn::Rng& rng) {
  const int n = opt.batch, w = opt.width, L = opt.depth;
  // Initialisation that keeps the forward signal's scale: Var(Θ) = 1/fan_in
  // for sigmoid (Xavier/LeCun), 2/fan_in for ReLU (He et al. 2015).
  const double stddev = std::sqrt((g.kind == nn::ch02::ActivationKind::Relu ? 2.0 : 1.0) / w);
  Stack s;
  for (int l = 0; l < L; ++l) {
    s.theta.emplace_back(Shape{w, w});
    for (float& v : s.theta.back()) v = static_cast<float>(rng.normal(0.0, stddev));
    s.z.emplace_back(Shape{n, w});
    s.delta.emplace_back(Shape{n, w});
  }
  for (int l = 0; l <= L; ++l) {
    s.a.emplace_back(Shape{n, w});
    s.d_a.emplace_back(Shape{n, w});
  }
  for (float& v : s.a[0]) v = static_cast<float>(rng.normal());
  // Forward: layer l maps a[l] to z[l], a[l+1] (the output layer is linear).
  for (int l = 0; l < L; ++l) {
    nn::gemm(nn::Trans::No, nn::Trans::Yes, n, w, w, 1.0f, s.a[l].data(), w, s.theta[l].data(), w, 0.0f,
             s.z[l].data(), w);
    nn::ch02::activation_forward<float>(l + 1 < L ? g : Activation::identity(), s.a[l + 1], s.z[l]);
  }
  // A random upstream gradient at the output stands in for a loss.
  for (float& v : s.d_a[L]) v = static_cast<float>(rng.uniform(-1.0, 1.0) / n);
  std::vector<double> norms(static_cast<std::size_t>(L));
  Tensor<float> d_theta(Shape{w, w});
  for (int l = L - 1; l >= 0; --l) {
    // δ = g'(z) ⊙ ∂L/∂a, then ∂L/∂Θ = δᵀ A and ∂L/∂a_prev = δ Θ.
    s.delta[l].fill(0.0f);
    nn::ch02::activation_backward<float>(l + 1 < L ? g : Activation::identity(), s.delta[l], s.d_a[l + 1], s.z[l],
                                         s.a[l + 1]);
    nn::gemm(nn::Trans::Yes, nn::Trans::No, w, w, n, 1.0f, s.delta[l].data(), w, s.a[l].data(), w, 0.0f,
             d_theta.data(), w);
    double sq = 0.0;
    for (float v : d_theta) sq += double(v) * double(v);
    norms[static_cast<std::size_t>(l)] = std::sqrt(sq);
    nn::gemm(nn::Trans::No, nn::Trans::No, n, w, w, 1.0f, s.delta[l].data(), w, s.theta[l].data(), w, 0.0f,
             s.d_a[l].data(), w);
  }
  return norms;
}

void part3_vanishing(const Options& opt, const std::string& out, nn::Rng& rng) {
  std::printf("\n== 3. Saturation: the gradient reaching each layer of a %d-layer net ==\n", opt.depth);
  std::printf("width %d, batch %d, random inputs and a random upstream gradient at the output\n", opt.width,
              opt.batch);
  const auto sig = gradient_norms(Activation::sigmoid(), opt, rng);
  const auto relu = gradient_norms(Activation::relu(), opt, rng);
  nn::CsvWriter csv(out + "/vanishing_gradients.csv", {"layer", "grad_norm_sigmoid", "grad_norm_relu"});
  nn::plot::Series ss{"sigmoid", {}, {}, "linespoints lw 2 pt 7"}, sr{"ReLU", {}, {}, "linespoints lw 2 pt 5"};
  std::printf("%6s %18s %18s\n", "layer", "|dL/dTheta| sigmoid", "|dL/dTheta| ReLU");
  for (int l = 0; l < opt.depth; ++l) {
    const auto i = static_cast<std::size_t>(l);
    std::printf("%6d %18.3e %18.3e\n", l + 1, sig[i], relu[i]);
    csv.row({double(l + 1), sig[i], relu[i]});
    ss.x.push_back(l + 1);
    ss.y.push_back(sig[i]);
    sr.x.push_back(l + 1);
    sr.y.push_back(relu[i]);
  }
  std::printf("From the last layer to the first the sigmoid net's gradient shrinks %.1e-fold (each layer\n"
              "multiplies by sigma' <= 0.25); the ReLU net's changes %.1f-fold.\n",
              sig.back() / sig.front(), relu.back() / relu.front());
  nn::plot::Options po;
  po.title = "Gradient norm per layer, " + std::to_string(opt.depth) + "-layer net: sigmoid vanishes, ReLU does not";
  po.xlabel = "layer l (1 = nearest the input)";
  po.ylabel = "||dL/dTheta^(l)|| (log scale)";
  po.log_y = true;
  nn::plot::lines(out + "/vanishing_gradients.png", {ss, sr}, po);
}

void part4_linear_collapse(nn::Rng& rng) {
  std::printf("\n== 4. Without a nonlinearity, depth buys nothing ==\n");
  // Three layers 4 → 8 → 8 → 3 with g = identity, in double.
  const std::vector<int> sizes = {4, 8, 8, 3};
  std::vector<Tensor<double>> theta, bias;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    theta.emplace_back(Shape{sizes[l + 1], sizes[l]});
    bias.emplace_back(Shape{sizes[l + 1]});
    for (double& v : theta.back()) v = rng.normal(0.0, 0.5);
    for (double& v : bias.back()) v = rng.normal(0.0, 0.5);
  }
  // The one equivalent map: W = Θ3 Θ2 Θ1, c = Θ3 (Θ2 b1 + b2) + b3.
  Tensor<double> w = theta[0], c = bias[0];
  for (std::size_t l = 1; l < theta.size(); ++l) {
    const int rows = sizes[l + 1], inner_dim = sizes[l];
    Tensor<double> w_next(Shape{rows, sizes[0]}), c_next = bias[l];
    nn::gemm(nn::Trans::No, nn::Trans::No, rows, sizes[0], inner_dim, 1.0, theta[l].data(), inner_dim, w.data(),
             sizes[0], 0.0, w_next.data(), sizes[0]);
    nn::gemm(nn::Trans::No, nn::Trans::No, rows, 1, inner_dim, 1.0, theta[l].data(), inner_dim, c.data(), 1, 1.0,
             c_next.data(), 1);
    w = std::move(w_next);
    c = std::move(c_next);
  }
  const int n = 1000;
  Tensor<double> x(Shape{n, sizes[0]});
  for (double& v : x) v = rng.normal();
  for (const Activation& g : {Activation::identity(), Activation::relu()}) {
    Tensor<double> a = x;
    for (std::size_t l = 0; l < theta.size(); ++l) {
      const int in = sizes[l], outd = sizes[l + 1];
      Tensor<double> z(Shape{n, outd}), next(Shape{n, outd});
      nn::gemm(nn::Trans::No, nn::Trans::Yes, n, outd, in, 1.0, a.data(), in, theta[l].data(), in, 0.0, z.data(),
               outd);
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < outd; ++j) z(i, j) += bias[l](j);
      nn::ch02::activation_forward<double>(l + 1 < theta.size() ? g : Activation::identity(), next, z);
      a = std::move(next);
    }
    double max_diff = 0.0, scale = 0.0;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < sizes.back(); ++j) {
        double affine = c(j);
        for (int k = 0; k < sizes[0]; ++k) affine += w(j, k) * x(i, k);
        max_diff = std::max(max_diff, std::abs(a(i, j) - affine));
        scale = std::max(scale, std::abs(affine));
      }
    std::printf("hidden g = %-8s  max |net(x) - (W x + c)| over %d inputs = %.2e  (outputs up to %.2f)\n",
                nn::ch02::name(g).c_str(), n, max_diff, scale);
  }
  std::printf("With g = identity the 3-layer net IS the single 3x4 matrix W = Theta3 Theta2 Theta1 (to rounding);\n"
              "with ReLU it is not: the nonlinearity is what makes depth worth having.\n");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 2: activations and losses — derivatives, saturation, stable softmax, linear collapse."};
  nn::cli::CommonOptions common{"out/ch02_activations"};
  nn::cli::add_common_options(app, common);
  Options opt;
  app.add_option("--depth", opt.depth, "Layers of the vanishing-gradient net (part 3)")
      ->check(CLI::Range(2, 100))->capture_default_str();
  app.add_option("--width", opt.width, "Units per layer of the vanishing-gradient net")
      ->check(CLI::Range(1, 4096))->capture_default_str();
  app.add_option("--batch", opt.batch, "Examples in the vanishing-gradient batch")
      ->check(CLI::Range(1, 65536))->capture_default_str();

  return nn::cli::run(app, argc, argv, common, [&] {
    nn::Stopwatch clock;
    std::printf("Chapter 2: activations and losses   (SIMD kernels: %s, seed %llu)\n",
                std::string(nn::to_string(nn::simd_level())).c_str(), static_cast<unsigned long long>(common.seed));
    nn::Rng rng(common.seed);
    part1_table_and_plots(common.out_dir);
    part2_stability();
    part3_vanishing(opt, common.out_dir, rng);
    part4_linear_collapse(rng);
    std::printf("\nDone in %.2f s. Results (CSV, PNG) are in %s/\n", clock.seconds(), common.out_dir.c_str());
    return 0;
  });
}
