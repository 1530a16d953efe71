// report.hpp — what a chapter program reports of a trained classifier on
// its test set, for any Network: accuracy, the confusion matrix (printed and
// as a heat map), the misclassified images (CSV, and the first 24 as a
// captioned grid), and the inference throughput.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "layers/network.hpp"
#include "nn/dataset.hpp"

namespace nn::layers {

inline constexpr std::int64_t kInferenceBatch = 500;

struct TestReport {
  std::vector<int> predicted;
  std::vector<std::int64_t> confusion;  // classes × classes, [true][predicted]
  double accuracy = 0, images_per_second = 0;
  int passes = 1;                       // timed passes over the test set
  std::int64_t batch = kInferenceBatch;  // images a pass
};

// The test set through the network in eval mode, `batch` images at a time,
// `passes` times; the throughput is the fastest pass's (the first also
// sizes the buffers and warms the caches).
TestReport test_report(Network<float>& net, const Dataset& test, int passes = 2, std::int64_t batch = kInferenceBatch);

// Prints the accuracy, the throughput and the confusion matrix, and writes
// out/confusion.png, out/misclassified.csv and out/misclassified.png
// (captioned "true → predicted"; without gnuplot the same grid uncaptioned).
// `model` names the network in titles, `what` the weights ("best weights,
// epoch 4").
void write_test_report(const TestReport& r, const Dataset& test, const std::string& model, const std::string& what,
                       const std::string& out);

// "89.16 %".
std::string percent(double fraction);

}  // namespace nn::layers
