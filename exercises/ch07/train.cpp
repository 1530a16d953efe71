// train.cpp — Chapter 7: the training loop for the small CNN.
#include "ch07/train.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "nn/error.hpp"
#include "nn/report.hpp"
#include "nn/safetensors.hpp"

namespace nn::ch07 {

float cnn_train_step(SmallCnn<float>& net, CnnWorkspace<float>& ws, ch05::Optimizer<float>& optimizer,
                     TensorView<const float> x, std::span<const int> labels, double l2, double learning_rate) {
  cnn_forward<float>(net, ws, x);
  const float objective = cnn_backward<float>(net, ws, labels, static_cast<float>(l2));
  optimizer.step(learning_rate);
  return objective;
}

double evaluate_classifier(const Dataset& data, int classes, std::int64_t batch_size,
                           const std::function<void(TensorView<const float>, std::span<int>)>& predict,
                           std::vector<std::int64_t>* confusion) {
  if (batch_size < 1) throw Error("evaluate: the batch size must be at least 1");
  if (confusion) confusion->assign(static_cast<std::size_t>(classes * classes), 0);
  std::vector<int> predicted(static_cast<std::size_t>(batch_size));
  std::int64_t correct = 0;
  const std::int64_t image = data.example_size();
  const Shape one = data.images.shape();
  for (std::int64_t start = 0; start < data.size(); start += batch_size) {
    const std::int64_t n = std::min(batch_size, data.size() - start);
    const TensorView<const float> x(data.images.data() + start * image, Shape{n, one[1], one[2], one[3]});
    predict(x, std::span<int>(predicted.data(), static_cast<std::size_t>(n)));
    for (std::int64_t i = 0; i < n; ++i) {
      const int truth = data.labels[static_cast<std::size_t>(start + i)];
      const int guess = predicted[static_cast<std::size_t>(i)];
      correct += truth == guess;
      if (confusion && guess >= 0 && guess < classes) ++(*confusion)[static_cast<std::size_t>(truth * classes + guess)];
    }
  }
  return data.size() ? static_cast<double>(correct) / static_cast<double>(data.size()) : 0.0;
}

double evaluate_cnn(const SmallCnn<float>& net, const Dataset& data, std::int64_t batch_size,
                    std::vector<std::int64_t>* confusion) {
  CnnWorkspace<float> ws;
  return evaluate_classifier(
      data, net.config.classes, batch_size,
      [&](TensorView<const float> x, std::span<int> out) {
        cnn_forward<float>(net, ws, x);
        cnn_predictions<float>(ws, out);
      },
      confusion);
}

void save_cnn(const std::filesystem::path& path, SmallCnn<float>& net) {
  std::vector<NamedConstTensor> tensors;
  for (auto& p : net.params()) {
    std::vector<std::int64_t> shape;
    for (int i = 0; i < p.value.rank(); ++i) shape.push_back(p.value.dim(i));
    tensors.push_back({p.name, shape, p.value.span()});
  }
  SaveOptions options;
  options.metadata = {{"architecture", "conv" + std::to_string(net.config.filters1) + "-pool-conv" +
                                           std::to_string(net.config.filters2) + "-pool-fc, kernel " +
                                           std::to_string(net.config.kernel)}};
  save_safetensors(path, tensors, options);
}

ch05::TrainResult train_cnn(SmallCnn<float>& net, const Dataset& train_set, const Dataset& validation,
                            const ch05::TrainOptions& options,
                            const std::function<void(const ch05::EpochRecord&)>& on_epoch) {
  CnnWorkspace<float> ws;
  ws.prepare(net, options.batch_size);
  SmallCnn<float> best = net;
  ch05::TrainableModel model;
  model.params = net.params();
  model.channels = net.config.channels;
  model.height = net.config.height;
  model.width = net.config.width;
  model.forward_backward = [&](TensorView<const float> x, std::span<const int> labels, double l2,
                               std::span<int> predicted) {
    cnn_forward<float>(net, ws, x);
    const float objective = cnn_backward<float>(net, ws, labels, static_cast<float>(l2));
    cnn_predictions<float>(ws, predicted);
    return objective;
  };
  model.evaluate = [&](const Dataset& data) { return evaluate_cnn(net, data); };
  model.keep_best = [&] { best = net; };
  model.restore_best = [&] { net = std::move(best); };
  return ch05::train_model(model, train_set, validation, options, on_epoch);
}

}  // namespace nn::ch07
