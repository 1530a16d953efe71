// train.cpp — Chapter 8: LeNet-5 on chapter 7's training loop.
#include "ch08/train.hpp"

#include <algorithm>
#include <utility>

#include "ch05/regularization.hpp"
#include "nn/safetensors.hpp"

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
  LeNet5<float> best;
  ch07::TrainableModel model;
  model.params = net.params();
  model.channels = 1;
  model.height = net.height;
  model.width = net.width;
  std::vector<ch05::Param<float>> weights;  // the tensors the L2 penalty decays
  for (const auto& p : model.params)
    if (p.name.ends_with(".weight")) weights.push_back(p);
  model.forward_backward = [&](TensorView<const float> x, std::span<const int> labels, double l2,
                               std::span<int> predicted) {
    lenet5_forward<float>(net, ws, x);
    float objective = lenet5_backward<float>(net, ws, labels);
    if (l2 > 0.0) {
      const auto lambda = static_cast<float>(l2);
      for (auto& p : weights) {
        objective += ch05::l2_penalty<float>(p.value, lambda);
        ch05::l2_backward<float>(p.grad, p.value, lambda);
      }
    }
    lenet5_predictions<float>(ws, predicted);
    return objective;
  };
  model.evaluate = [&](const Dataset& data) { return evaluate_lenet5(net, data); };
  // Copy values only: the optimiser holds views of net's tensors.
  model.keep_best = [&] { best = net; };
  model.restore_best = [&] {
    auto dst = net.params();
    auto src = best.params();
    for (std::size_t i = 0; i < dst.size(); ++i)
      std::copy(src[i].value.span().begin(), src[i].value.span().end(), dst[i].value.span().begin());
  };
  return ch07::train_model(model, train_set, validation, options, on_epoch);
}

namespace {
std::vector<std::int64_t> shape_of(TensorView<float> t) {
  std::vector<std::int64_t> shape;
  for (int i = 0; i < t.rank(); ++i) shape.push_back(t.dim(i));
  return shape;
}
}  // namespace

void save_lenet5(const std::filesystem::path& path, LeNet5<float>& net) {
  std::vector<NamedConstTensor> tensors;
  for (auto& p : net.params()) tensors.push_back({p.name, shape_of(p.value), p.value.span()});
  SaveOptions options;
  options.metadata = {{"architecture", "LeNet-5 (c1 6@5x5 pad 2, tanh, avg-pool, c3 16@5x5, c5 120@5x5, f6 84, "
                                       "output 10)"}};
  save_safetensors(path, tensors, options);
}

void load_lenet5(const std::filesystem::path& path, LeNet5<float>& net) {
  std::vector<NamedTensor> slots;
  for (auto& p : net.params()) slots.push_back({p.name, shape_of(p.value), p.value.span()});
  load_safetensors(path, slots);
}

}  // namespace nn::ch08
