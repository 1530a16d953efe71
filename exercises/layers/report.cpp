// report.cpp — the test-set report of a classifier.
#include "layers/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "layers/train.hpp"
#include "nn/error.hpp"
#include "nn/image.hpp"
#include "nn/plot.hpp"
#include "nn/report.hpp"
#include "nn/threads.hpp"

namespace nn::layers {

namespace {

constexpr std::size_t kMisclassifiedShown = 24;

// The class names of the data: its own when it has them for every class,
// else Fashion-MNIST's (ten classes) or the class numbers.
std::vector<std::string> class_names(const Dataset& data, int classes) {
  if (static_cast<int>(data.class_names.size()) == classes) return data.class_names;
  if (classes == 10) return fashion_mnist_classes();
  std::vector<std::string> names;
  for (int c = 0; c < classes; ++c) names.push_back(std::to_string(c));
  return names;
}

void print_confusion(const std::vector<std::int64_t>& confusion, const std::vector<std::string>& names) {
  const auto k = static_cast<int>(names.size());
  std::printf("\nconfusion (rows: true class, columns: predicted)\n%12s", "");
  for (int j = 0; j < k; ++j) std::printf(" %5d", j);
  std::printf("\n");
  for (int i = 0; i < k; ++i) {
    std::printf("%d %-10.10s", i, names[static_cast<std::size_t>(i)].c_str());
    for (int j = 0; j < k; ++j)
      std::printf(" %5lld", static_cast<long long>(confusion[static_cast<std::size_t>(i * k + j)]));
    std::printf("\n");
  }
}

}  // namespace

TestReport test_report(Network<float>& net, const Dataset& test, int passes, std::int64_t batch) {
  TestReport r;
  double fastest = 0;
  for (int pass = 0; pass < std::max(1, passes); ++pass) {
    Stopwatch clock;
    r.predicted = predict(net, test, batch);
    const double seconds = clock.seconds();
    if (pass == 0 || seconds < fastest) fastest = seconds;
  }
  r.passes = std::max(1, passes);
  r.batch = batch;
  r.images_per_second = fastest > 0 ? static_cast<double>(test.size()) / fastest : 0;
  r.accuracy = accuracy_of(test, r.predicted, net.classes(), &r.confusion);
  return r;
}

std::string percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f %%", 100 * fraction);
  return text;
}

void write_test_report(const TestReport& r, const Dataset& test, const std::string& model, const std::string& what,
                       const std::string& out) {
  const int classes = static_cast<int>(std::lround(std::sqrt(static_cast<double>(r.confusion.size()))));
  const std::vector<std::string> names = class_names(test, classes);
  std::printf("test accuracy %.2f%% on %lld images (%s)\n", 100 * r.accuracy, static_cast<long long>(test.size()),
              what.c_str());
  std::printf("inference: %.0f images/s (the test set at batch %lld, %d thread%s%s)\n", r.images_per_second,
              static_cast<long long>(r.batch), num_threads(), num_threads() == 1 ? "" : "s",
              r.passes > 1 ? (", fastest of " + std::to_string(r.passes) + " passes").c_str() : "");
  print_confusion(r.confusion, names);

  plot::HeatMap map;
  map.row_labels = map.column_labels = names;
  map.values.assign(r.confusion.begin(), r.confusion.end());
  map.color_label = "test images";
  plot::Options po;
  po.title = model + " confusion matrix (" + what + "): " + std::to_string(test.size()) + " test images, accuracy " +
             percent(r.accuracy);
  po.xlabel = "predicted class";
  po.ylabel = "true class";
  po.width = 900;
  po.height = 820;
  plot::heatmap(out + "/confusion.png", map, po);

  std::ofstream csv(out + "/misclassified.csv");
  csv << "index,true_label,predicted_label,true_class,predicted_class\n";
  std::vector<image::Tile> tiles;
  std::vector<std::string> captions;
  std::size_t wrong = 0;
  const std::int64_t pixels = test.example_size();
  for (std::size_t i = 0; i < r.predicted.size(); ++i) {
    const int truth = test.labels[i], guess = r.predicted[i];
    if (truth == guess) continue;
    ++wrong;
    const std::string& t = names[static_cast<std::size_t>(truth)];
    const std::string& p = names[static_cast<std::size_t>(guess)];
    csv << i << ',' << truth << ',' << guess << ",\"" << t << "\",\"" << p << "\"\n";
    if (tiles.size() < kMisclassifiedShown) {
      const float* x = test.images.data() + static_cast<std::int64_t>(i) * pixels;
      tiles.push_back({static_cast<int>(test.images.dim(2)), static_cast<int>(test.images.dim(3)),
                       std::vector<float>(x, x + pixels)});
      captions.push_back(t + " \u2192 " + p);
    }
  }
  csv.close();
  if (!csv) throw Error("cannot write " + out + "/misclassified.csv");
  if (tiles.empty()) {
    std::printf("no misclassified test images, so no misclassified.png\n");
    return;
  }
  po = plot::Options{};
  po.title = model + " (" + what + "): " + std::to_string(tiles.size()) + " of the " + std::to_string(wrong) +
             " misclassified test images, true \u2192 predicted";
  po.width = 1100;
  if (!plot::image_grid(out + "/misclassified.png", tiles, captions, 6, image::Scaling::Unit, po)) {
    image::write_grid(out + "/misclassified.png", tiles, 6, 4, image::Scaling::Unit, 4);
    std::printf("note: misclassified.png has no captions without gnuplot; misclassified.csv names the classes\n");
  }
}


}  // namespace nn::layers
