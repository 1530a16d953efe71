// train.cpp — Chapter 8: LeNet-5 on chapter 5's training loop.
#include "ch08/train.hpp"

#include <algorithm>
#include <utility>

#include "ch08/network_training.hpp"

namespace nn::ch08 {

float lenet5_train_step(LeNet5<float>& net, LeNet5Workspace<float>& ws, ch05::Optimizer<float>& optimizer,
                        TensorView<const float> x, std::span<const int> labels, double learning_rate) {
  lenet5_forward<float>(net, ws, x);
  const float loss = lenet5_backward<float>(net, ws, labels);
  optimizer.step(learning_rate);
  return loss;
}

double evaluate_lenet5(const LeNet5<float>& net, const Dataset& data, std::int64_t batch_size,
                       std::vector<std::int64_t>* confusion) {
  LeNet5Workspace<float> ws;
  return ch07::evaluate_classifier(
      data, net.classes, batch_size,
      [&](TensorView<const float> x, std::span<int> out) {
        lenet5_forward<float>(net, ws, x);
        lenet5_predictions<float>(ws, out);
      },
      confusion);
}

ch05::TrainResult train_lenet5(LeNet5<float>& net, const Dataset& train_set, const Dataset& validation,
                               const ch05::TrainOptions& options,
                               const std::function<void(const ch05::EpochRecord&)>& on_epoch) {
  LeNet5Workspace<float> ws;
  ws.prepare(net, options.batch_size);
  std::vector<ch05::Param<float>> weights;  // the tensors an L2 penalty decays
  for (const auto& p : net.params())
    if (p.name.ends_with(".weight")) weights.push_back(p);
  return train_network(
      net, std::move(weights),
      [&](TensorView<const float> x, std::span<const int> labels, std::span<int> predicted) {
        lenet5_forward<float>(net, ws, x);
        const float loss = lenet5_backward<float>(net, ws, labels);
        lenet5_predictions<float>(ws, predicted);
        return loss;
      },
      [&](const Dataset& data) { return evaluate_lenet5(net, data); }, train_set, validation, options, on_epoch);
}

void save_lenet5(const std::filesystem::path& path, LeNet5<float>& net) {
  save_parameters(path, net,
                  "LeNet-5 (c1 6@5x5 pad 2, tanh, avg-pool, c3 16@5x5, c5 120@5x5, f6 84, output 10)");
}

void load_lenet5(const std::filesystem::path& path, LeNet5<float>& net) { load_parameters(path, net); }

}  // namespace nn::ch08
