// bench_core_sharing — what a cache line shared by the two cores costs on
// this host, on the chapter-5 step's own kind of work: the momentum update
// (v ← μv − ηg, W ← W + v) of a weight matrix, its velocity and its
// gradient, split between two threads in three ways:
//   rows          each thread updates its own block of rows, lines that no
//                 other core has touched since it last wrote them;
//   column halves each thread updates its half of every row (the split a
//                 layer gets when its input neurons are divided between the
//                 threads), so the two parts lie side by side in memory;
//   rows, read    as `rows`, but each core first reads the other's rows of W
//                 (as a product that needs the whole matrix does), so every
//                 write has to take a line back from the other core.
// The core-to-core round trip is printed before and after: these costs
// depend on where the host puts the two vCPUs (on one physical core, or far
// apart), so compare the three splits within one run.
//
//   bench_core_sharing [--repeats 7] [--calls 400]
#include <cstdio>
#include <string>
#include <vector>

#include "ch05/optimizers.hpp"
#include "nn/cli.hpp"
#include "nn/report.hpp"
#include "nn/tensor.hpp"
#include "nn/threads.hpp"
#include "throughput.hpp"

namespace {

volatile float g_sink;

struct Matrices {
  std::int64_t rows, cols;
  nn::Tensor<float> w, v, g;
  Matrices(std::int64_t r, std::int64_t c) : rows(r), cols(c), w(nn::Shape{r, c}), v(nn::Shape{r, c}), g(nn::Shape{r, c}) {
    w.fill(0.5f);
    g.fill(0.25f);
  }
  void update(std::int64_t begin, std::int64_t n) {
    nn::ch05::classic_momentum_update<float>(w.data() + begin, g.data() + begin, v.data() + begin, n, 1e-3f, 0.9f);
  }
  void update_rows(int t, int team) {
    const std::int64_t r0 = rows * t / team, r1 = rows * (t + 1) / team;
    update(r0 * cols, (r1 - r0) * cols);
  }
  void update_columns(int t, int team) {
    const std::int64_t c0 = cols * t / team, c1 = cols * (t + 1) / team;
    for (std::int64_t r = 0; r < rows; ++r) update(r * cols + c0, c1 - c0);
  }
  void read_other_rows(int t, int team) {
    const int o = (t + 1) % team;
    const std::int64_t r0 = rows * o / team, r1 = rows * (o + 1) / team;
    float s = 0.0f;
    for (std::int64_t i = r0 * cols; i < r1 * cols; i += 16) s += w.data()[i];
    g_sink = s;
  }
};

// Median over `repeats` of the mean time of `calls` team calls of body(t,
// team), in µs; prepare(t, team) runs untimed before each call.
template <typename Body, typename Prepare>
double time_calls(int team, int repeats, int calls, Body&& body, Prepare&& prepare) {
  std::vector<double> runs;
  for (int r = 0; r < repeats; ++r) {
    double total = 0.0;
    for (int i = 0; i < calls; ++i) {
      nn::detail::run_team(team, [&](int t) { prepare(t, team); });
      nn::Stopwatch clock;
      nn::detail::run_team(team, [&](int t) { body(t, team); });
      total += clock.seconds();
    }
    runs.push_back(total / calls * 1e6);
  }
  return bench::median_of(runs);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Cost of cache lines shared by two cores: a momentum update split by rows, by column halves, and by "
               "rows after the other core read them (µs per call, median of repeats)"};
  int repeats = 7, calls = 400;
  app.add_option("--repeats", repeats, "Repeats (the median is reported)")->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--calls", calls, "Calls per repeat")->check(CLI::Range(1, 1 << 20))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const double trip_before = bench::core_round_trip_ns();
  auto nothing = [](int, int) {};
  // fc1's and fc2's weights in the chapter-5 MLP.
  for (auto [rows, cols] : {std::pair<std::int64_t, std::int64_t>{256, 784}, {128, 256}}) {
    Matrices m(rows, cols);
    auto rows_split = [&](int t, int team) { m.update_rows(t, team); };
    auto columns_split = [&](int t, int team) { m.update_columns(t, team); };
    auto read_other = [&](int t, int team) { m.read_other_rows(t, team); };
    const double one = time_calls(1, repeats, calls, rows_split, nothing);
    const double by_rows = time_calls(2, repeats, calls, rows_split, nothing);
    const double by_columns = time_calls(2, repeats, calls, columns_split, nothing);
    const double after_read = time_calls(2, repeats, calls, rows_split, read_other);
    std::printf("%lldx%lld  1 thread %7.2f us | 2 threads: rows %7.2f us (%.2fx)  column halves %7.2f us (%.2fx)  "
                "rows, read by the other core %7.2f us (%.2fx)\n",
                static_cast<long long>(rows), static_cast<long long>(cols), one, by_rows, one / by_rows, by_columns,
                one / by_columns, after_read, one / after_read);
  }
  std::printf("core-to-core round trip: %.0f ns before, %.0f ns after\n", trip_before, bench::core_round_trip_ns());
  return 0;
}
