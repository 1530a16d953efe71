// ch01_neuron — Chapter 1: the neuron.
//
// What it shows, in order:
//   1. A linear neuron is linear regression: gradient descent on the squared
//      loss finds the weights that generated the data. The loss trace for a
//      learning rate too small, right, and too large (lr_trace.png).
//   2. The perceptron and its learning rule: it converges on AND and OR and
//      never on XOR.
//   3. The logistic neuron (sigmoid) trained with binary cross-entropy and
//      with the squared loss on AND, OR, two Gaussian blobs and XOR: 100 % on
//      the first three, and XOR stays at 75 % or below — no line separates it.
//   4. Decision boundaries for the blobs and for XOR (PNG).
// Everything it prints is also written as CSV under --out.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "ch01/neuron.hpp"
#include "nn/cli.hpp"
#include "nn/cpu.hpp"
#include "nn/plot.hpp"
#include "nn/report.hpp"
#include "nn/rng.hpp"
#include "nn/toy_data.hpp"

namespace {

using nn::Shape;
using nn::Tensor;
using nn::ch01::Activation;
using nn::ch01::Loss;
using nn::ch01::Neuron;

struct Options {
  double lr = 0.5;
  int epochs = 2000;
  int regression_epochs = 60;
};

Neuron<float> fresh_neuron(nn::Rng& rng, int n_features) {
  Neuron<float> neuron{Tensor<float>(Shape{n_features}), 0.0f};
  for (float& w : neuron.weights) w = static_cast<float>(rng.normal(0.0, 0.1));
  return neuron;
}

// The largest eigenvalue of a small symmetric matrix, by power iteration.
double largest_eigenvalue(const std::vector<std::vector<double>>& m) {
  std::vector<double> v(m.size(), 1.0);
  double lambda = 0.0;
  for (int it = 0; it < 500; ++it) {
    std::vector<double> w(m.size(), 0.0);
    for (std::size_t i = 0; i < m.size(); ++i)
      for (std::size_t j = 0; j < m.size(); ++j) w[i] += m[i][j] * v[j];
    double norm = 0.0;
    for (double x : w) norm += x * x;
    norm = std::sqrt(norm);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = w[i] / norm;
    lambda = norm;
  }
  return lambda;
}

void part1_linear_regression(const Options& opt, const std::string& out, nn::Rng& rng) {
  std::printf("\n== 1. The linear neuron is linear regression ==\n");
  // Data from a known line: y = 2 x1 - 3 x2 + 1 + noise.
  const int n = 200;
  Tensor<float> x(Shape{n, 2}), y(Shape{n});
  for (int i = 0; i < n; ++i) {
    x(i, 0) = static_cast<float>(rng.uniform(-1, 1));
    x(i, 1) = static_cast<float>(rng.uniform(-1, 1));
    y(i) = 2.0f * x(i, 0) - 3.0f * x(i, 1) + 1.0f + static_cast<float>(rng.normal(0, 0.1));
  }
  // For L = (1/N) Σ (θᵀx + θ0 − y)², the Hessian is H = (2/N) Σ x̃ x̃ᵀ with
  // x̃ = (x1, x2, 1). Gradient descent converges iff η < 2 / λ_max(H).
  std::vector<std::vector<double>> hessian(3, std::vector<double>(3, 0.0));
  for (int i = 0; i < n; ++i) {
    const double xt[3] = {x(i, 0), x(i, 1), 1.0};
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) hessian[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)] += 2.0 / n * xt[r] * xt[c];
  }
  const double lambda_max = largest_eigenvalue(hessian);
  const double lr_limit = 2.0 / lambda_max;
  std::printf("Data: y = 2 x1 - 3 x2 + 1 + noise, N = %d.\n", n);
  std::printf("Largest curvature of the loss: lambda_max = %.4f, so gradient descent diverges for lr > 2/lambda_max = %.4f\n",
              lambda_max, lr_limit);

  struct Run { const char* name; double lr; std::vector<double> loss; Neuron<float> neuron; };
  std::vector<Run> runs = {{"too small", 0.01 * lr_limit, {}, {}},
                           {"right", 0.5 * lr_limit, {}, {}},
                           {"too large", 1.08 * lr_limit, {}, {}}};
  nn::ch01::TrainConfig cfg;
  cfg.activation = Activation::Identity;
  cfg.loss = Loss::SquaredError;
  cfg.epochs = opt.regression_epochs;
  std::printf("%-10s %10s %14s %14s\n", "lr", "value", "loss start", "loss end");
  for (auto& run : runs) {
    run.neuron = Neuron<float>{Tensor<float>(Shape{2}), 0.0f};
    cfg.learning_rate = run.lr;
    run.loss = nn::ch01::train<float>(run.neuron, x, y, cfg);
    std::printf("%-10s %10.4f %14.4f %14.4g\n", run.name, run.lr, run.loss.front(), run.loss.back());
  }
  const Run& right = runs[1];
  std::printf("Learned with the right rate: y = %.3f x1 %+.3f x2 %+.3f   (true: 2 x1 - 3 x2 + 1)\n",
              double(right.neuron.weights[0]), double(right.neuron.weights[1]), double(right.neuron.bias));

  nn::CsvWriter csv(out + "/lr_trace.csv", {"epoch", "loss_too_small", "loss_right", "loss_too_large"});
  std::vector<nn::plot::Series> series;
  for (const auto& run : runs) {
    nn::plot::Series s;
    char title[64];
    std::snprintf(title, sizeof title, "lr = %.3f (%s)", run.lr, run.name);
    s.title = title;
    for (std::size_t e = 0; e < run.loss.size(); ++e) {
      s.x.push_back(static_cast<double>(e));
      s.y.push_back(run.loss[e]);
    }
    series.push_back(std::move(s));
  }
  for (std::size_t e = 0; e < runs[0].loss.size(); ++e)
    csv.row({static_cast<double>(e), runs[0].loss[e], runs[1].loss[e], runs[2].loss[e]});
  nn::plot::Options po;
  po.title = "Loss trace of gradient descent for three learning rates";
  po.xlabel = "epoch (full-batch gradient descent step)";
  po.ylabel = "mean squared error (log scale)";
  po.log_y = true;
  nn::plot::lines(out + "/lr_trace.png", series, po);
}

void part2_perceptron(const std::string& out) {
  std::printf("\n== 2. The perceptron: step activation, perceptron learning rule ==\n");
  nn::CsvWriter csv(out + "/perceptron.csv", {"dataset", "epoch", "mistakes"});
  for (const char* gate : {"and", "or", "xor"}) {
    const nn::Dataset2D data = nn::make_logic_gate(gate);
    const Tensor<float> y = data.labels_as_float();
    Neuron<float> neuron{Tensor<float>(Shape{2}), 0.0f};
    const auto mistakes = nn::ch01::train_perceptron<float>(neuron, data.x, y, 1.0f, 100);
    for (std::size_t e = 0; e < mistakes.size(); ++e)
      csv.row(gate, {static_cast<double>(e + 1), static_cast<double>(mistakes[e])});
    const bool converged = mistakes.back() == 0;
    std::printf("%-4s %s after %zu epochs; weights (%.0f, %.0f), bias %.0f, accuracy %.0f %%\n", gate,
                converged ? "converged" : "did NOT converge", mistakes.size(), double(neuron.weights[0]),
                double(neuron.weights[1]), double(neuron.bias), 100.0 * nn::ch01::accuracy<float>(neuron, data.x, y));
  }
  std::printf("XOR is not linearly separable: the rule cycles forever (mistakes in the last epoch > 0).\n");
}

struct LogisticResult {
  std::string dataset;
  Loss loss;
  double final_loss, accuracy;
  Neuron<float> neuron;
};

void plot_boundary(const std::string& png, const nn::Dataset2D& data, const Neuron<float>& neuron,
                   const std::string& title) {
  nn::plot::Grid grid;
  grid.nx = grid.ny = 121;
  float lo_x = 1e30f, hi_x = -1e30f, lo_y = 1e30f, hi_y = -1e30f;
  for (std::int64_t i = 0; i < data.size(); ++i) {
    lo_x = std::min(lo_x, data.x(i, 0)); hi_x = std::max(hi_x, data.x(i, 0));
    lo_y = std::min(lo_y, data.x(i, 1)); hi_y = std::max(hi_y, data.x(i, 1));
  }
  const double pad_x = 0.25 * double(hi_x - lo_x) + 0.25, pad_y = 0.25 * double(hi_y - lo_y) + 0.25;
  grid.x_min = double(lo_x) - pad_x;
  grid.x_max = double(hi_x) + pad_x;
  grid.y_min = double(lo_y) - pad_y;
  grid.y_max = double(hi_y) + pad_y;
  Tensor<float> points(Shape{grid.nx * grid.ny, 2}), z(Shape{grid.nx * grid.ny}), a(Shape{grid.nx * grid.ny});
  for (int j = 0; j < grid.ny; ++j)
    for (int i = 0; i < grid.nx; ++i) {
      points(j * grid.nx + i, 0) = static_cast<float>(grid.x_min + (grid.x_max - grid.x_min) * i / (grid.nx - 1));
      points(j * grid.nx + i, 1) = static_cast<float>(grid.y_min + (grid.y_max - grid.y_min) * j / (grid.ny - 1));
    }
  nn::ch01::neuron_forward<float>(z, a, points, neuron.weights, neuron.bias, Activation::Sigmoid);
  for (float p : a) grid.probability.push_back(double(p));
  nn::plot::LabelledPoints pts;
  for (std::int64_t i = 0; i < data.size(); ++i) {
    pts.x.push_back(double(data.x(i, 0)));
    pts.y.push_back(double(data.x(i, 1)));
    pts.label.push_back(data.y[static_cast<std::size_t>(i)]);
  }
  nn::plot::Options po;
  po.title = title;
  po.xlabel = "x1";
  po.ylabel = "x2";
  nn::plot::decision_boundary(png, grid, pts, po);
}

void part3_logistic(const Options& opt, const std::string& out, nn::Rng& rng) {
  std::printf("\n== 3. The logistic neuron: a = sigmoid(theta^T x + theta0), trained by gradient descent ==\n");
  std::printf("learning rate %.3g, %d full-batch epochs\n", opt.lr, opt.epochs);
  std::vector<nn::Dataset2D> sets = {nn::make_logic_gate("and"), nn::make_logic_gate("or"),
                                     nn::make_blobs(rng, 100), nn::make_logic_gate("xor")};
  nn::CsvWriter csv(out + "/logistic.csv", {"dataset", "loss_is_bce", "final_loss", "train_accuracy"});
  std::vector<LogisticResult> results;
  std::printf("%-8s %-22s %12s %10s\n", "data", "loss", "final loss", "accuracy");
  nn::Progress progress("logistic", sets.size() * 2);
  for (const auto& data : sets) {
    const Tensor<float> y = data.labels_as_float();
    for (Loss loss : {Loss::BinaryCrossEntropy, Loss::SquaredError}) {
      nn::Rng init = rng.split();
      Neuron<float> neuron = fresh_neuron(init, 2);
      nn::ch01::TrainConfig cfg;
      cfg.activation = Activation::Sigmoid;
      cfg.loss = loss;
      cfg.learning_rate = opt.lr;
      cfg.epochs = opt.epochs;
      const auto history = nn::ch01::train<float>(neuron, data.x, y, cfg);
      const double acc = nn::ch01::accuracy<float>(neuron, data.x, y);
      const bool bce = loss == Loss::BinaryCrossEntropy;
      std::printf("%-8s %-22s %12.5f %9.1f%%\n", data.name.c_str(), bce ? "binary cross-entropy" : "squared error",
                  history.back(), 100.0 * acc);
      csv.row(data.name, {bce ? 1.0 : 0.0, history.back(), acc});
      results.push_back({data.name, loss, history.back(), acc, std::move(neuron)});
      progress.update(results.size());
    }
  }
  progress.finish();
  std::printf("One neuron draws one straight line, so XOR (which needs two) stays at or below 75 %%.\n");

  for (const auto& r : results) {
    if (r.loss != Loss::BinaryCrossEntropy) continue;
    if (r.dataset != "blobs" && r.dataset != "xor") continue;
    const auto& data = r.dataset == "blobs" ? sets[2] : sets[3];
    char title[160];
    std::snprintf(title, sizeof title, "Logistic neuron on %s: a = sigmoid(%.2f x1 %+.2f x2 %+.2f), accuracy %.0f %%",
                  r.dataset.c_str(), double(r.neuron.weights[0]), double(r.neuron.weights[1]), double(r.neuron.bias),
                  100.0 * r.accuracy);
    plot_boundary(out + "/boundary_" + r.dataset + ".png", data, r.neuron, title);
    nn::CsvWriter pts(out + "/boundary_" + r.dataset + ".csv", {"x1", "x2", "label", "p_class1"});
    Tensor<float> z(Shape{data.size()}), a(Shape{data.size()});
    nn::ch01::neuron_forward<float>(z, a, data.x, r.neuron.weights, r.neuron.bias, Activation::Sigmoid);
    for (std::int64_t i = 0; i < data.size(); ++i)
      pts.row({double(data.x(i, 0)), double(data.x(i, 1)), double(data.y[static_cast<std::size_t>(i)]), double(a(i))});
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 1: the neuron — linear regression, the perceptron and the logistic neuron, "
               "trained by gradient descent."};
  nn::cli::CommonOptions common{"out/ch01_neuron"};
  nn::cli::add_common_options(app, common);
  Options opt;
  app.add_option("--lr", opt.lr, "Learning rate of the logistic neuron (part 3)")
      ->check(nn::cli::Positive)->capture_default_str();
  app.add_option("--epochs", opt.epochs, "Full-batch gradient descent epochs of the logistic neuron")
      ->check(CLI::Range(1, 10'000'000))->capture_default_str();
  app.add_option("--regression-epochs", opt.regression_epochs, "Epochs of the learning-rate demonstration (part 1)")
      ->check(CLI::Range(1, 100'000))->capture_default_str();

  return nn::cli::run(app, argc, argv, common, [&] {
    nn::Stopwatch clock;
    std::printf("Chapter 1: the neuron   (SIMD kernels: %s, seed %llu)\n",
                std::string(nn::to_string(nn::simd_level())).c_str(),
                static_cast<unsigned long long>(common.seed));
    nn::Rng rng(common.seed);
    part1_linear_regression(opt, common.out_dir, rng);
    part2_perceptron(common.out_dir);
    part3_logistic(opt, common.out_dir, rng);
    std::printf("\nDone in %.2f s. Results (CSV, PNG) are in %s/\n", clock.seconds(), common.out_dir.c_str());
    return 0;
  });
}
