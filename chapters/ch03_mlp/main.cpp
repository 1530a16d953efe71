// ch03_mlp — Chapter 3: the multilayer perceptron and backpropagation.
//
// What it shows, in order:
//   1. An MLP trained by gradient descent with the delta rule separates what
//      one neuron cannot: XOR, two concentric circles, two interleaved
//      spirals. Loss curves (one PNG, one CSV) and a decision-boundary PNG for
//      each; the training accuracy of each is printed (≥ 99 % on XOR and
//      circles, ≥ 95 % on spirals with the defaults).
//   2. Each hidden unit of the XOR net draws one line Θ_j x + b_j = 0; the
//      output combines the half-planes.
//   3. Why backprop: the gradient of every weight by finite differences costs
//      two forward passes per weight, O(#weights) passes, against one forward
//      and one backward pass. Both are timed on the same nets; the ratio is
//      printed for depths 1 to 4.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "ch02/losses.hpp"
#include "ch03/mlp.hpp"
#include "nn/cli.hpp"
#include "nn/cpu.hpp"
#include "nn/plot.hpp"
#include "nn/report.hpp"
#include "nn/rng.hpp"
#include "nn/toy_data.hpp"

namespace {

using nn::Shape;
using nn::Tensor;
using nn::ch03::Activation;
using nn::ch03::Mlp;

struct Options {
  int epochs = 0;  // 0: each data set's own
  std::string activation = "tanh";
  int points = 200;  // per class, circles and spirals
};

struct Problem {
  nn::Dataset2D data;
  std::vector<int> hidden;
  nn::ch03::TrainConfig config;
};

struct Result {
  std::string name;
  Mlp<float> net;
  std::vector<double> loss;
  double accuracy, seconds;
};

void plot_boundary(const std::string& png, const nn::Dataset2D& data, const Mlp<float>& net, const std::string& title) {
  nn::plot::Grid grid;
  grid.nx = grid.ny = 121;
  float lo_x = 1e30f, hi_x = -1e30f, lo_y = 1e30f, hi_y = -1e30f;
  for (std::int64_t i = 0; i < data.size(); ++i) {
    lo_x = std::min(lo_x, data.x(i, 0));
    hi_x = std::max(hi_x, data.x(i, 0));
    lo_y = std::min(lo_y, data.x(i, 1));
    hi_y = std::max(hi_y, data.x(i, 1));
  }
  const double pad_x = 0.15 * double(hi_x - lo_x) + 0.1, pad_y = 0.15 * double(hi_y - lo_y) + 0.1;
  grid.x_min = double(lo_x) - pad_x;
  grid.x_max = double(hi_x) + pad_x;
  grid.y_min = double(lo_y) - pad_y;
  grid.y_max = double(hi_y) + pad_y;
  Tensor<float> points(Shape{grid.nx * grid.ny, 2});
  for (int j = 0; j < grid.ny; ++j)
    for (int i = 0; i < grid.nx; ++i) {
      points(j * grid.nx + i, 0) = static_cast<float>(grid.x_min + (grid.x_max - grid.x_min) * i / (grid.nx - 1));
      points(j * grid.nx + i, 1) = static_cast<float>(grid.y_min + (grid.y_max - grid.y_min) * j / (grid.ny - 1));
    }
  grid.probability = nn::ch03::class_probability<float>(net, points, 1);
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

std::string describe(const Mlp<float>& net) {
  std::string s;
  for (int l = 1; l <= net.layers() + 1; ++l) {
    if (l > 1) s += " -> ";
    s += std::to_string(net.width(l));
    if (l > 1 && l <= net.layers()) s += " " + nn::ch02::name(net.g[static_cast<std::size_t>(l)]);
  }
  return s + " (softmax)";
}

std::vector<Result> part1_train(const Options& opt, const std::string& out, nn::Rng& rng) {
  std::printf("\n== 1. Training MLPs on data no single neuron can separate ==\n");
  const Activation hidden = nn::ch02::parse_activation(opt.activation);
  std::vector<Problem> problems;
  {
    Problem p{nn::make_logic_gate("xor"), {4}, {}};
    p.config.learning_rate = 0.5;
    p.config.epochs = 500;  // 4 points, full batch
    problems.push_back(std::move(p));
  }
  {
    Problem p{nn::make_circles(rng, opt.points), {16}, {}};
    p.config.learning_rate = 0.3;
    p.config.epochs = 200;
    p.config.batch_size = 16;
    problems.push_back(std::move(p));
  }
  {
    Problem p{nn::make_spirals(rng, opt.points), {48, 48}, {}};
    p.config.learning_rate = 0.1;
    p.config.epochs = 500;
    p.config.batch_size = 16;
    problems.push_back(std::move(p));
  }
  std::vector<Result> results;
  std::printf("%-8s %-36s %7s %7s %11s %9s %8s\n", "data", "network", "epochs", "batch", "final loss", "accuracy",
              "time");
  for (auto& p : problems) {
    if (opt.epochs > 0) p.config.epochs = opt.epochs;
    p.config.seed = rng.next_u64();
    std::vector<int> sizes = {2};
    sizes.insert(sizes.end(), p.hidden.begin(), p.hidden.end());
    sizes.push_back(2);
    nn::Rng init = rng.split();
    Mlp<float> net = nn::ch03::make_mlp<float>(sizes, hidden, Activation::identity(), init);
    nn::Progress progress("training " + p.data.name, static_cast<std::size_t>(p.config.epochs));
    nn::Stopwatch clock;
    const auto loss = nn::ch03::train_classifier<float>(net, p.data.x, p.data.y, p.config, [&](int epoch, double l) {
      char status[32];
      std::snprintf(status, sizeof status, "loss %.4f", l);
      progress.update(static_cast<std::size_t>(epoch + 1), status);
      return true;
    });
    progress.finish();
    const double seconds = clock.seconds();
    const double acc = nn::ch03::classifier_accuracy<float>(net, p.data.x, p.data.y);
    const int batch = p.config.batch_size > 0 ? p.config.batch_size : static_cast<int>(p.data.size());
    std::printf("%-8s %-36s %7d %7d %11.5f %8.1f%% %7.2fs\n", p.data.name.c_str(), describe(net).c_str(),
                p.config.epochs, batch, loss.back(), 100.0 * acc, seconds);
    char title[200];
    std::snprintf(title, sizeof title, "MLP %s on %s: training accuracy %.1f %%", describe(net).c_str(),
                  p.data.name.c_str(), 100.0 * acc);
    plot_boundary(out + "/boundary_" + p.data.name + ".png", p.data, net, title);
    results.push_back({p.data.name, std::move(net), loss, acc, seconds});
  }

  nn::CsvWriter csv(out + "/loss_curves.csv", {"data", "epoch", "loss"});
  std::vector<nn::plot::Series> series;
  for (const auto& r : results) {
    nn::plot::Series s{r.name, {}, {}};
    for (std::size_t e = 0; e < r.loss.size(); ++e) {
      csv.row(r.name, {double(e + 1), r.loss[e]});
      s.x.push_back(double(e + 1));
      s.y.push_back(r.loss[e]);
    }
    series.push_back(std::move(s));
  }
  nn::plot::Options po;
  po.title = "Training loss (softmax cross-entropy) per epoch";
  po.xlabel = "epoch";
  po.ylabel = "mean loss (log scale)";
  po.log_y = true;
  nn::plot::lines(out + "/loss_curves.png", series, po);
  nn::CsvWriter summary(out + "/accuracy.csv", {"data", "train_accuracy", "final_loss", "seconds"});
  for (const auto& r : results) summary.row(r.name, {r.accuracy, r.loss.back(), r.seconds});
  return results;
}

void part2_hyperplanes(const Result& xor_result) {
  std::printf("\n== 2. Each hidden unit splits the plane with a line ==\n");
  const Mlp<float>& net = xor_result.net;
  for (int j = 0; j < net.width(2); ++j)
    std::printf("hidden unit %d: %+.2f x1 %+.2f x2 %+.2f = 0\n", j + 1, double(net.theta[1](j, 0)),
                double(net.theta[1](j, 1)), double(net.bias[1](j)));
  std::printf("The output layer combines these half-planes; XOR needs two of them.\n");
}

// Time of f per call: calls are repeated for at least `min_seconds`, and the
// fastest of `rounds` such measurements is kept (other processes on the
// machine can only make a round slower, never faster).
template <typename F>
double time_per_call(F&& f, double min_seconds, int rounds = 5) {
  double best = 1e300;
  for (int round = 0; round < rounds; ++round) {
    nn::Stopwatch clock;
    int calls = 0;
    do {
      f();
      ++calls;
    } while (clock.seconds() < min_seconds);
    best = std::min(best, clock.seconds() / calls);
  }
  return best;
}

void part3_cost(const std::string& out, nn::Rng& rng) {
  std::printf("\n== 3. The cost of a gradient: finite differences versus backprop ==\n");
  std::printf("width 16, batch 64, double precision, softmax cross-entropy over 4 classes\n");
  std::printf("%6s %9s %16s %16s %10s\n", "depth", "weights", "finite diff (s)", "backprop (s)", "ratio");
  nn::CsvWriter csv(out + "/gradient_cost.csv", {"depth", "weights", "finite_difference_s", "backprop_s", "ratio"});
  const int width = 16, batch = 64, classes = 4;
  Tensor<double> x(Shape{batch, width});
  for (double& v : x) v = rng.normal();
  std::vector<int> labels(batch);
  for (int& y : labels) y = static_cast<int>(rng.below(classes));
  for (int depth = 1; depth <= 4; ++depth) {
    std::vector<int> sizes(static_cast<std::size_t>(depth), width);
    sizes.push_back(classes);
    nn::Rng init = rng.split();
    Mlp<double> net = nn::ch03::make_mlp<double>(sizes, Activation::tanh(), Activation::identity(), init);
    nn::ch03::MlpWorkspace<double> ws;
    nn::ch03::MlpGrads<double> grads(net);
    Tensor<double> p(Shape{batch, classes}), d_out(p.shape());
    auto loss = [&] {
      nn::ch03::mlp_forward<double>(net, ws, x);
      return nn::ch02::softmax_cross_entropy_forward<double>(p, ws.output(), labels);
    };
    // Backprop: one forward, one backward, every gradient.
    const double t_backprop = time_per_call(
        [&] {
          loss();
          d_out.fill(0.0);
          nn::ch02::softmax_cross_entropy_backward<double>(d_out, p, labels);
          grads.zero();
          nn::ch03::mlp_backward<double>(net, ws, grads, d_out);
        },
        0.02);
    // Finite differences: two forward passes per parameter.
    const double h = 1e-5;
    double worst = 0.0;
    const double t_fd = time_per_call(
        [&] {
          for (int l = 1; l <= net.layers(); ++l) {
            for (Tensor<double>* param : {&net.theta[static_cast<std::size_t>(l)], &net.bias[static_cast<std::size_t>(l)]}) {
              const Tensor<double>& g = param == &net.theta[static_cast<std::size_t>(l)]
                                            ? grads.d_theta[static_cast<std::size_t>(l)]
                                            : grads.d_bias[static_cast<std::size_t>(l)];
              for (std::int64_t i = 0; i < param->size(); ++i) {
                const double saved = (*param)[i];
                (*param)[i] = saved + h;
                const double plus = loss();
                (*param)[i] = saved - h;
                const double minus = loss();
                (*param)[i] = saved;
                const double numeric = (plus - minus) / (2 * h);
                worst = std::max(worst, std::abs(numeric - g[i]));
              }
            }
          }
        },
        0.0, 3);
    const auto weights = net.parameter_count();
    std::printf("%6d %9lld %16.6f %16.6f %9.0fx   (max |numeric - backprop| %.1e)\n", depth,
                static_cast<long long>(weights), t_fd, t_backprop, t_fd / t_backprop, worst);
    csv.row({double(depth), double(weights), t_fd, t_backprop, t_fd / t_backprop});
  }
  std::printf("Finite differences need 2 forward passes per weight, so their cost grows with weights x depth\n"
              "(O(L^2) layer passes for L layers); backprop gets every gradient for about the cost of 2 passes.\n");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Chapter 3: the multilayer perceptron — backprop by the delta rule, trained on XOR, circles and "
               "spirals; finite differences versus backprop."};
  nn::cli::CommonOptions common{"out/ch03_mlp"};
  nn::cli::add_common_options(app, common);
  Options opt;
  app.add_option("--epochs", opt.epochs, "Epochs for every data set (default: each data set's own)")
      ->check(CLI::Range(1, 1'000'000));
  app.add_option("--activation", opt.activation, "Hidden-layer activation")
      ->check(CLI::IsMember({"sigmoid", "tanh", "relu", "leaky_relu", "elu", "abs"}))
      ->capture_default_str();
  app.add_option("--points", opt.points, "Points per class of circles and spirals")
      ->check(CLI::Range(10, 100'000))->capture_default_str();

  return nn::cli::run(app, argc, argv, common, [&] {
    nn::Stopwatch clock;
    std::printf("Chapter 3: the multilayer perceptron   (SIMD kernels: %s, seed %llu)\n",
                std::string(nn::to_string(nn::simd_level())).c_str(), static_cast<unsigned long long>(common.seed));
    nn::Rng rng(common.seed);
    const auto results = part1_train(opt, common.out_dir, rng);
    part2_hyperplanes(results.front());
    part3_cost(common.out_dir, rng);
    std::printf("\nDone in %.2f s. Results (CSV, PNG) are in %s/\n", clock.seconds(), common.out_dir.c_str());
    return 0;
  });
}
