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

ch05::TrainResult train_model(TrainableModel& model, const Dataset& train_set, const Dataset& validation,
                              const ch05::TrainOptions& options,
                              const std::function<void(const ch05::EpochRecord&)>& on_epoch) {
  if (options.epochs <= 0) throw Error("epochs must be > 0");
  const Shape s = train_set.images.shape();
  if (s.rank() != 4 || s[1] != model.channels || s[2] != model.height || s[3] != model.width)
    throw Error("the network takes " + std::to_string(model.channels) + "x" + std::to_string(model.height) + "x" +
                std::to_string(model.width) + " images, the data are " + s.str());
  ch05::Optimizer<float> optimizer(options.optimizer, model.params);
  ch05::Schedule schedule(options.schedule, options.learning_rate, options.schedule_step, options.schedule_gamma,
                          options.plateau_patience);
  double lr = options.learning_rate;
  MinibatchIterator batches(train_set, options.batch_size, options.seed, options.augmentation);
  std::vector<int> predicted(static_cast<std::size_t>(options.batch_size));
  ch05::EarlyStopping stopping(options.patience);
  if (options.patience > 0 && model.keep_best) model.keep_best();
  ch05::TrainResult result;

  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    Stopwatch clock;
    batches.begin_epoch(epoch);
    double loss_sum = 0.0, window_sum = 0.0;
    std::int64_t seen = 0, correct = 0, step = 0, window = 0;
    const auto steps_per_epoch = static_cast<double>(batches.batches_per_epoch());
    Progress progress(options.label + " e" + std::to_string(epoch + 1),
                      static_cast<std::size_t>(batches.batches_per_epoch()));
    auto status = [&] {
      char text[64];
      std::snprintf(text, sizeof text, "loss %.4f  acc %.3f", loss_sum / static_cast<double>(seen),
                    static_cast<double>(correct) / static_cast<double>(seen));
      return std::string(text);
    };
    while (batches.next()) {
      const TensorView<const float> x = batches.images();
      const std::span<const int> labels(batches.labels().data(), batches.labels().size());
      const std::int64_t n = x.dim(0);
      const float objective = model.forward_backward(x, labels, options.l2,
                                                     std::span<int>(predicted.data(), static_cast<std::size_t>(n)));
      optimizer.step(lr);
      for (std::int64_t i = 0; i < n; ++i)
        correct += predicted[static_cast<std::size_t>(i)] == labels[static_cast<std::size_t>(i)];
      loss_sum += static_cast<double>(objective) * static_cast<double>(n);
      seen += n;
      window_sum += static_cast<double>(objective);
      if (++window == options.trace_every) {
        result.loss_trace.emplace_back(epoch + static_cast<double>(step + 1) / steps_per_epoch,
                                       window_sum / static_cast<double>(window));
        window_sum = 0.0;
        window = 0;
      }
      ++step;
      if (options.progress && (step & 15) == 0) progress.update(static_cast<std::size_t>(step), status());
      if (!std::isfinite(objective))
        throw Error("training diverged at epoch " + std::to_string(epoch + 1) + "; try a smaller --lr");
    }
    const double seconds = clock.seconds();
    if (options.progress) progress.finish(status());
    ch05::EpochRecord rec;
    rec.epoch = epoch + 1;
    rec.train_loss = loss_sum / static_cast<double>(seen);
    rec.train_accuracy = static_cast<double>(correct) / static_cast<double>(seen);
    rec.validation_accuracy = validation.size() ? model.evaluate(validation) : rec.train_accuracy;
    rec.learning_rate = lr;
    rec.seconds = seconds;
    rec.images_per_second = static_cast<double>(seen) / seconds;
    result.epochs.push_back(rec);
    if (stopping.update(epoch, rec.validation_accuracy) && options.patience > 0 && model.keep_best) model.keep_best();
    lr = schedule.after_epoch(epoch, rec.validation_accuracy);
    if (on_epoch) on_epoch(rec);
    if (stopping.should_stop()) {
      result.stopped_early = true;
      break;
    }
  }
  result.best_epoch = stopping.best_epoch() + 1;
  result.best_validation_accuracy = stopping.best_accuracy();
  if (options.patience > 0 && stopping.best_epoch() >= 0 && model.restore_best) model.restore_best();
  return result;
}

ch05::TrainResult train_cnn(SmallCnn<float>& net, const Dataset& train_set, const Dataset& validation,
                            const ch05::TrainOptions& options,
                            const std::function<void(const ch05::EpochRecord&)>& on_epoch) {
  CnnWorkspace<float> ws;
  ws.prepare(net, options.batch_size);
  SmallCnn<float> best = net;
  TrainableModel model;
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
  return train_model(model, train_set, validation, options, on_epoch);
}

}  // namespace nn::ch07
