// train.cpp — chapter 5's loop for any Network, and its checkpoints.
#include "layers/train.hpp"

#include <algorithm>
#include <cstdio>

#include "ch05/regularization.hpp"
#include "nn/error.hpp"
#include "nn/threads.hpp"
#include "nn/weight_decay.hpp"

namespace nn::layers {

namespace {

std::vector<ch05::CheckpointTensor> checkpoint_tensors(Network<float>& net) {
  std::vector<ch05::CheckpointTensor> tensors;
  for (auto& p : net.parameters()) tensors.push_back({p.name, p.value});
  for (auto& s : net.states()) tensors.push_back({s.name, s.value});
  return tensors;
}

// λ‖W‖² over the decayed parameters, with its gradient 2λW added.
// λ‖W‖² over the decayed tensors, and 2λW added to their gradients: chapter
// 5's l2_penalty and l2_backward (exercise 5.2) in one pass over each tensor
// (nn/weight_decay.hpp), in chunks shared among the threads. Each chunk's
// sum of squares is kept apart and the sums are added in chunk order, so the
// result is the same on any number of threads.
float add_l2(Network<float>& net, double l2) {
  if (l2 <= 0.0) return 0.0f;
  constexpr std::int64_t kChunk = 1 << 14;
  const auto two_lambda = static_cast<float>(2 * l2);
  // Reused: no allocation once it has its size. The workers write through
  // `sums`, a plain reference: naming the thread_local inside the lambda
  // would give each worker thread its own, empty, vector.
  thread_local std::vector<double> reused;
  std::vector<double>& sums = reused;
  double total = 0;
  for (auto& p : net.parameters()) {
    if (!p.decayed) continue;
    const std::int64_t n = p.value.size(), chunks = (n + kChunk - 1) / kChunk;
    sums.resize(static_cast<std::size_t>(chunks));
    float* g = p.grad.data();
    const float* w = p.value.data();
    parallel_for(chunks, 1, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t c = begin; c < end; ++c) {
        const std::int64_t from = c * kChunk, count = std::min(kChunk, n - from);
        sums[static_cast<std::size_t>(c)] =
            weight_decay(g + from, w + from, static_cast<std::size_t>(count), two_lambda);
      }
    });
    for (double s : sums) total += s;
  }
  return static_cast<float>(l2 * total);
}

// Images [start, start + n) of a data set, as a batch.
TensorView<const float> batch_of(const Dataset& data, std::int64_t start, std::int64_t n) {
  const Shape one = data.images.shape();
  return TensorView<const float>(data.images.data() + start * data.example_size(), Shape{n, one[1], one[2], one[3]});
}

}  // namespace

std::vector<ch05::Param<float>> optimizer_params(Network<float>& net) {
  std::vector<ch05::Param<float>> params;
  for (auto& p : net.parameters()) params.push_back({p.name, p.value, p.grad});
  return params;
}

float train_step(Network<float>& net, ch05::Optimizer<float>& optimizer, TensorView<const float> x,
                 std::span<const int> labels, double l2, double learning_rate) {
  net.forward(x, Mode::Train);
  const float objective = net.backward(labels) + add_l2(net, l2);
  optimizer.step(learning_rate);
  return objective;
}

std::vector<int> predict_classes(const Dataset& data, std::int64_t batch_size, const PredictFn& predict) {
  if (batch_size < 1) throw Error("predict: the batch size must be at least 1");
  std::vector<int> predicted(static_cast<std::size_t>(data.size()));
  for (std::int64_t start = 0; start < data.size(); start += batch_size) {
    const std::int64_t n = std::min(batch_size, data.size() - start);
    predict(batch_of(data, start, n), std::span<int>(predicted.data() + start, static_cast<std::size_t>(n)));
  }
  return predicted;
}

double accuracy_of(const Dataset& data, const std::vector<int>& predicted, int classes,
                   std::vector<std::int64_t>* confusion) {
  if (confusion) confusion->assign(static_cast<std::size_t>(classes * classes), 0);
  std::int64_t correct = 0;
  for (std::size_t i = 0; i < predicted.size(); ++i) {
    const int truth = data.labels[i], guess = predicted[i];
    correct += truth == guess;
    if (confusion && truth >= 0 && truth < classes && guess >= 0 && guess < classes)
      ++(*confusion)[static_cast<std::size_t>(truth * classes + guess)];
  }
  return predicted.empty() ? 0.0 : static_cast<double>(correct) / static_cast<double>(predicted.size());
}

std::vector<int> predict(Network<float>& net, const Dataset& data, std::int64_t batch_size) {
  return predict_classes(data, batch_size, [&](TensorView<const float> x, std::span<int> out) {
    net.forward(x, Mode::Eval);
    net.predictions(out);
  });
}

double evaluate(Network<float>& net, const Dataset& data, std::int64_t batch_size,
                std::vector<std::int64_t>* confusion) {
  return accuracy_of(data, predict(net, data, batch_size), net.classes(), confusion);
}

std::vector<Tensor<float>> snapshot(Network<float>& net) {
  std::vector<Tensor<float>> values;
  for (auto& t : checkpoint_tensors(net)) {
    values.emplace_back(t.value.shape());
    std::copy(t.value.begin(), t.value.end(), values.back().begin());
  }
  return values;
}

void restore(Network<float>& net, const std::vector<Tensor<float>>& values) {
  const auto tensors = checkpoint_tensors(net);
  if (values.size() != tensors.size()) throw Error("restore: the snapshot is of another model");
  for (std::size_t i = 0; i < tensors.size(); ++i) std::copy(values[i].begin(), values[i].end(), tensors[i].value.begin());
}

void save(const std::filesystem::path& path, Network<float>& net, ch05::Optimizer<float>* optimizer,
          const ch05::ResumeState& state, std::uint64_t seed) {
  ch05::save_checkpoint(path, checkpoint_tensors(net), net.architecture(), optimizer, state, seed, net.metadata());
}

ch05::ResumeState load(const std::filesystem::path& path, Network<float>& net, ch05::Optimizer<float>* optimizer) {
  const std::vector<Tensor<float>> before = snapshot(net);
  const ch05::ResumeState state = ch05::load_checkpoint(path, checkpoint_tensors(net), optimizer);
  try {
    net.body().check_values(path.string());
  } catch (...) {
    restore(net, before);  // a checkpoint the layers refuse changes nothing
    throw;
  }
  return state;
}

ch05::TrainResult train(Network<float>& net, const Dataset& train_set, const Dataset& validation,
                        const ch05::TrainOptions& options,
                        const std::function<void(const ch05::EpochRecord&)>& on_epoch,
                        const std::filesystem::path& resume_from) {
  std::vector<Tensor<float>> best;
  ch05::TrainableModel model;
  model.params = optimizer_params(net);
  model.channels = static_cast<int>(net.image()[0]);
  model.height = static_cast<int>(net.image()[1]);
  model.width = static_cast<int>(net.image()[2]);
  model.forward_backward = [&](TensorView<const float> x, std::span<const int> labels, double l2,
                               std::span<int> predicted) {
    net.forward(x, Mode::Train);
    const float objective = net.backward(labels) + add_l2(net, l2);
    net.predictions(predicted);
    return objective;
  };
  // Validation at the training batch size: the buffers sized for training
  // serve it too, and a large network plans no second, larger set.
  model.evaluate = [&](const Dataset& data) { return evaluate(net, data, options.batch_size); };
  model.keep_best = [&] { best = snapshot(net); };
  model.restore_best = [&] { restore(net, best); };
  // Dropout masks come from a stream seeded by (seed, epoch, step): a run resumed at any step draws the same ones.
  model.begin_step = [&](int epoch, std::int64_t step) { net.seed(ch05::step_seed(options.seed, epoch, step)); };
  if (!resume_from.empty())
    model.resume = [&](ch05::Optimizer<float>& optimizer) { return load(resume_from, net, &optimizer); };
  if (!options.checkpoint_out.empty())
    model.end_epoch = [&](const ch05::ResumeState& next, ch05::Optimizer<float>& optimizer) {
      save(options.checkpoint_out, net, options.save_optimizer_state ? &optimizer : nullptr, next, options.seed);
    };
  return ch05::train_model(model, train_set, validation, options, on_epoch);
}

EpochLog::EpochLog(const std::filesystem::path& csv, bool append)
    : csv_(csv,
           {"epoch", "train_loss", "train_accuracy", "validation_accuracy", "learning_rate", "seconds",
            "images_per_second"},
           append) {}

void EpochLog::operator()(const ch05::EpochRecord& e, const std::string& note) {
  std::printf("epoch %3d  loss %.4f  train %.2f%%  val %.2f%%  lr %.4g  %.1f s  %.0f img/s%s\n", e.epoch, e.train_loss,
              100 * e.train_accuracy, 100 * e.validation_accuracy, e.learning_rate, e.seconds, e.images_per_second,
              note.c_str());
  std::fflush(stdout);
  csv_.row({static_cast<double>(e.epoch), e.train_loss, e.train_accuracy, e.validation_accuracy, e.learning_rate,
            e.seconds, e.images_per_second});
}

void plot_training(const std::string& out, const std::string& title, const ch05::TrainResult& r,
                   const std::vector<plot::Series>& extra) {
  plot::Options po;
  po.title = title + ": training loss (mean of every 50 minibatches)";
  po.xlabel = "epoch";
  po.ylabel = "softmax cross-entropy";
  po.log_y = true;
  plot::Series trace = plot::points_series("training loss", r.loss_trace);
  if (trace.x.size() < 2) {  // epochs of fewer than 50 minibatches: one point per epoch instead
    po.title = title + ": training loss (mean of each epoch)";
    trace = plot::epoch_series("training loss", r.epochs, &ch05::EpochRecord::train_loss);
  }
  plot::lines(out + "/loss.png", {trace}, po);
  po.title = title + ": accuracy";
  po.ylabel = "accuracy (%)";
  po.log_y = false;
  std::vector<plot::Series> series = {
      plot::epoch_series("train", r.epochs, &ch05::EpochRecord::train_accuracy, 100.0),
      plot::epoch_series("validation", r.epochs, &ch05::EpochRecord::validation_accuracy, 100.0)};
  series.insert(series.end(), extra.begin(), extra.end());
  plot::lines(out + "/accuracy.png", series, po);
}

}  // namespace nn::layers
