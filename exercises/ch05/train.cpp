// train.cpp — the chapter-5 training loop and checkpoints.
#include "ch05/train.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <type_traits>

#include "ch02/losses.hpp"
#include "nn/cli.hpp"
#include "nn/error.hpp"
#include "nn/interrupt.hpp"
#include "nn/report.hpp"
#include "nn/safetensors.hpp"

namespace nn::ch05 {

namespace {

TensorView<const float> flat(TensorView<const float> images) {
  const std::int64_t n = images.dim(0);
  return images.reshape(Shape{n, n ? images.size() / n : 0});
}


std::string architecture(const Classifier<float>& net) {
  std::string s;
  for (std::size_t i = 0; i < net.sizes.size(); ++i) {
    if (i) s += '-';
    s += std::to_string(net.sizes[i]);
  }
  return s + " " + ch02::name(net.hidden);
}

}  // namespace

std::uint64_t epoch_seed(std::uint64_t seed, int epoch, std::uint64_t purpose) {
  return seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(epoch) * 0xBF58476D1CE4E5B9ULL + purpose;
}

std::uint64_t step_seed(std::uint64_t seed, int epoch, std::int64_t step) {
  return epoch_seed(seed, epoch, 1) + static_cast<std::uint64_t>(step + 1) * 0x94D049BB133111EBULL;
}

TrainOptions options_from_flags(const cli::TrainingFlags& o, std::uint64_t seed) {
  TrainOptions t;
  t.epochs = o.epochs;
  t.batch_size = o.batch;
  t.optimizer.kind = parse_optimizer(o.optimizer);
  t.optimizer.momentum = o.momentum;
  t.learning_rate = o.lr;
  t.l2 = o.l2;
  t.patience = o.patience;
  t.schedule = Schedule::parse(o.schedule);
  t.schedule_step = o.step;
  t.augmentation.mirror = o.mirror;
  t.augmentation.max_shift = o.shift;
  t.seed = seed;
  return t;
}

double evaluate(const Classifier<float>& net, const Dataset& data, std::int64_t batch_size,
                std::vector<std::int64_t>* confusion) {
  const int k = net.sizes.back();
  if (confusion) confusion->assign(static_cast<std::size_t>(k * k), 0);
  ClassifierWorkspace<float> ws;
  Rng unused(0);
  std::vector<int> predicted(static_cast<std::size_t>(batch_size));
  std::int64_t correct = 0;
  const auto all = flat(data.images.view());
  for (std::int64_t start = 0; start < data.size(); start += batch_size) {
    const std::int64_t n = std::min(batch_size, data.size() - start);
    const TensorView<const float> x = all.rows(start, start + n);
    classifier_forward<float>(net, ws, x, Mode::Eval, unused);
    predictions<float>(ws, std::span<int>(predicted.data(), static_cast<std::size_t>(n)));
    for (std::int64_t i = 0; i < n; ++i) {
      const int truth = data.labels[static_cast<std::size_t>(start + i)];
      const int guess = predicted[static_cast<std::size_t>(i)];
      correct += truth == guess;
      if (confusion) ++(*confusion)[static_cast<std::size_t>(truth * k + guess)];
    }
  }
  return data.size() ? static_cast<double>(correct) / static_cast<double>(data.size()) : 0.0;
}

namespace {

std::vector<std::int64_t> dims_of(const Shape& s) {
  std::vector<std::int64_t> v;
  for (int i = 0; i < s.rank(); ++i) v.push_back(s[i]);
  return v;
}

std::vector<CheckpointTensor> tensors_of(Classifier<float>& net) {
  std::vector<CheckpointTensor> tensors;
  for (auto& p : net.params()) tensors.push_back({p.name, p.value});
  return tensors;
}

}  // namespace

void save_checkpoint(const std::filesystem::path& path, const std::vector<CheckpointTensor>& model,
                     const std::string& architecture, Optimizer<float>* optimizer, const ResumeState& state,
                     std::uint64_t seed, const std::map<std::string, std::string>& metadata) {
  std::vector<NamedConstTensor> tensors;
  for (const auto& t : model) tensors.push_back({t.name, dims_of(t.value.shape()), t.value.span()});
  SaveOptions save;
  save.metadata = metadata;
  save.metadata["architecture"] = architecture;
  if (optimizer || state.next_epoch > 0) {  // where training stands: a checkpoint, not only weights
    save.metadata["next_epoch"] = std::to_string(state.next_epoch);
    char lr[32];  // every digit, so that a resumed run continues with the same bits
    std::snprintf(lr, sizeof lr, "%.17g", state.learning_rate);
    save.metadata["learning_rate"] = lr;
    save.metadata["seed"] = std::to_string(seed);
  }
  if (state.next_step > 0) {  // stopped part-way through next_epoch
    char sum[32];
    std::snprintf(sum, sizeof sum, "%.17g", state.epoch_loss_sum);
    save.metadata["next_step"] = std::to_string(state.next_step);
    save.metadata["epoch_loss_sum"] = sum;
    save.metadata["epoch_seen"] = std::to_string(state.epoch_seen);
    save.metadata["epoch_correct"] = std::to_string(state.epoch_correct);
  }
  if (optimizer) {
    for (auto& s : optimizer->state())
      tensors.push_back({"optimizer." + s.name, dims_of(s.value.shape()), s.value.span()});
    save.metadata["optimizer"] = name(optimizer->config().kind);
    save.metadata["optimizer_steps"] = std::to_string(optimizer->steps());
  }
  save_safetensors(path, tensors, save);
}

ResumeState load_checkpoint(const std::filesystem::path& path, const std::vector<CheckpointTensor>& model,
                            Optimizer<float>* optimizer) {
  const SafetensorsFile file(path);
  const bool has_optimizer_state = file.metadata().count("optimizer") != 0;
  if (optimizer && has_optimizer_state && file.metadata().at("optimizer") != name(optimizer->config().kind))
    throw Error("checkpoint " + path.string() + " holds " + file.metadata().at("optimizer") +
                " optimiser state, but this run uses " + name(optimizer->config().kind));
  std::vector<NamedTensor> slots;
  for (const auto& t : model) slots.push_back({t.name, dims_of(t.value.shape()), t.value.span()});
  if (optimizer && has_optimizer_state)
    for (auto& s : optimizer->state()) slots.push_back({"optimizer." + s.name, dims_of(s.value.shape()), s.value.span()});
  // The metadata first, so that a bad value leaves the model untouched.
  const auto& meta = file.metadata();
  ResumeState state;
  // Each number must be the whole of its string and in range, or the file
  // is refused with the key and what was found.
  auto number = [&](const char* key, auto& out, auto low, auto high) {
    auto it = meta.find(key);
    if (it == meta.end()) return;
    const std::string& text = it->second;
    using T = std::remove_reference_t<decltype(out)>;
    T value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty() || !(value >= low && value <= high))
      throw Error("checkpoint " + path.string() + ": metadata '" + key + "' is \"" + text.substr(0, 40) +
                  "\", expected a number from " + std::to_string(low) + " to " + std::to_string(high));
    out = value;
  };
  number("next_epoch", state.next_epoch, 0, 1000000);
  number("learning_rate", state.learning_rate, 0.0, 1e6);
  number("optimizer_steps", state.optimizer_steps, std::int64_t{0}, std::int64_t{1} << 50);
  number("next_step", state.next_step, std::int64_t{0}, std::int64_t{1} << 40);
  number("epoch_loss_sum", state.epoch_loss_sum, 0.0, 1e300);
  number("epoch_seen", state.epoch_seen, std::int64_t{0}, std::int64_t{1} << 50);
  number("epoch_correct", state.epoch_correct, std::int64_t{0}, state.epoch_seen);
  // The optimiser's tensors in the file are ignored when not resuming.
  load_safetensors(file, slots, optimizer && has_optimizer_state ? "" : "optimizer.");
  if (optimizer && has_optimizer_state) optimizer->set_steps(state.optimizer_steps);
  return state;
}

void save_checkpoint(const std::filesystem::path& path, Classifier<float>& net, Optimizer<float>* optimizer,
                     const ResumeState& state, const TrainOptions& options) {
  save_checkpoint(path, tensors_of(net), architecture(net), optimizer, state, options.seed);
}

ResumeState load_checkpoint(const std::filesystem::path& path, Classifier<float>& net, Optimizer<float>* optimizer) {
  return load_checkpoint(path, tensors_of(net), optimizer);
}

float train_step(Classifier<float>& net, ClassifierWorkspace<float>& ws, Optimizer<float>& optimizer,
                 TensorView<const float> x, std::span<const int> labels, double l2, double learning_rate, Rng& rng) {
  classifier_forward<float>(net, ws, x, Mode::Train, rng);
  const float objective = classifier_backward<float>(net, ws, x, labels, static_cast<float>(l2));
  optimizer.step(learning_rate);
  return objective;
}

TrainResult train_model(TrainableModel& model, const Dataset& train_set, const Dataset& validation,
                              const TrainOptions& options,
                              const std::function<void(const EpochRecord&)>& on_epoch) {
  if (options.epochs <= 0) throw Error("epochs must be > 0");
  const Shape s = train_set.images.shape();
  if (s.rank() != 4 || s[1] != model.channels || s[2] != model.height || s[3] != model.width)
    throw Error("the network takes " + std::to_string(model.channels) + "x" + std::to_string(model.height) + "x" +
                std::to_string(model.width) + " images, the data are " + s.str());
  Optimizer<float> optimizer(options.optimizer, model.params);
  Schedule schedule(options.schedule, options.learning_rate, options.schedule_step, options.schedule_gamma,
                          options.plateau_patience);
  double lr = options.learning_rate;
  if (!options.checkpoint_out.empty()) check_writable(options.checkpoint_out);  // now, not after an epoch
  int first_epoch = 0;
  ResumeState resumed;
  if (model.resume) {
    resumed = model.resume(optimizer);
    first_epoch = resumed.next_epoch;
    if (resumed.learning_rate > 0) lr = resumed.learning_rate;
    schedule = Schedule(options.schedule, lr, options.schedule_step, options.schedule_gamma, options.plateau_patience);
  }
  const InterruptGuard interrupts;
  MinibatchIterator batches(train_set, options.batch_size, options.seed, options.augmentation);
  std::vector<int> predicted(static_cast<std::size_t>(options.batch_size));
  EarlyStopping stopping(options.patience);
  if (options.patience > 0 && model.keep_best) model.keep_best();
  TrainResult result;

  for (int epoch = first_epoch; epoch < options.epochs; ++epoch) {
    Stopwatch clock;
    batches.begin_epoch(epoch);
    double loss_sum = 0.0, window_sum = 0.0;
    std::int64_t seen = 0, correct = 0, step = 0, window = 0;
    if (epoch == first_epoch && resumed.next_step > 0) {  // go on where the interrupted run stopped
      for (; step < resumed.next_step; ++step)
        if (!batches.next())
          throw Error("the checkpoint stopped at step " + std::to_string(resumed.next_step) + " of epoch " +
                      std::to_string(epoch + 1) + ", which has only " + std::to_string(step) +
                      " steps with this data and batch size");
      loss_sum = resumed.epoch_loss_sum;
      seen = resumed.epoch_seen;
      correct = resumed.epoch_correct;
    }
    const std::int64_t seen_before = seen;
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
      if (model.begin_step) model.begin_step(epoch, step);
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
        if (options.on_trace) options.on_trace(result.loss_trace.back().first, result.loss_trace.back().second);
        window_sum = 0.0;
        window = 0;
      }
      ++step;
      if (options.progress && (step & 15) == 0) progress.update(static_cast<std::size_t>(step), status());
      if (!std::isfinite(objective))
        throw Error("training diverged at epoch " + std::to_string(epoch + 1) + ", step " + std::to_string(step) +
                    ": the loss is " + (std::isnan(objective) ? "NaN" : "infinite") +
                    (options.checkpoint_out.empty() ? std::string()
                                                    : "; " + options.checkpoint_out.string() +
                                                          " is left as the last good epoch saved it") +
                    "; try a smaller --lr");
      if (const int signal = pending_interrupt()) {
        if (options.progress) progress.finish(status());
        std::string where = signal_name(signal) + " during epoch " + std::to_string(epoch + 1) + " after step " +
                            std::to_string(step) + " of " + std::to_string(batches.batches_per_epoch());
        if (!model.end_epoch || options.checkpoint_out.empty())
          throw Interrupted(signal, where + ": stopped; no checkpoint is written by this run");
        model.end_epoch(ResumeState{epoch, lr, optimizer.steps(), step, loss_sum, seen, correct}, optimizer);
        throw Interrupted(signal, where + ": saved " + options.checkpoint_out.string() + "; resume with --resume " +
                                      options.checkpoint_out.string() + " (and the same --seed and --threads)");
      }
    }
    const double seconds = clock.seconds();
    if (options.progress) progress.finish(status());
    EpochRecord rec;
    rec.epoch = epoch + 1;
    rec.train_loss = loss_sum / static_cast<double>(seen);
    rec.train_accuracy = static_cast<double>(correct) / static_cast<double>(seen);
    rec.validation_accuracy = validation.size() ? model.evaluate(validation) : rec.train_accuracy;
    rec.learning_rate = lr;
    rec.seconds = seconds;
    rec.images_per_second = static_cast<double>(seen - seen_before) / seconds;
    result.epochs.push_back(rec);
    if (stopping.update(epoch, rec.validation_accuracy) && options.patience > 0 && model.keep_best) model.keep_best();
    lr = schedule.after_epoch(epoch, rec.validation_accuracy);
    if (model.end_epoch) {
      for (const auto& p : model.params)  // a step can leave the weights non-finite with a finite loss
        for (float v : p.value)
          if (!std::isfinite(v))
            throw Error("training diverged in epoch " + std::to_string(epoch + 1) + ": " + p.name +
                        " holds a non-finite value; the checkpoint is not overwritten; try a smaller --lr");
      model.end_epoch(ResumeState{epoch + 1, lr, optimizer.steps()}, optimizer);
    }
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

TrainResult train(Classifier<float>& net, const Dataset& train_set, const Dataset& validation,
                  const TrainOptions& options, const std::function<void(const EpochRecord&)>& on_epoch,
                  const std::filesystem::path& resume_from) {
  if (train_set.example_size() != net.sizes.front())
    throw Error("the network takes " + std::to_string(net.sizes.front()) + " inputs but the images have " +
                std::to_string(train_set.example_size()) + " pixels");
  ClassifierWorkspace<float> ws;
  ws.prepare(net, options.batch_size);
  Classifier<float> best = net;
  Rng dropout_rng(step_seed(options.seed, 0, 0));
  TrainableModel model;
  model.params = net.params();
  const Shape image = train_set.images.shape();
  model.channels = static_cast<int>(image[1]);
  model.height = static_cast<int>(image[2]);
  model.width = static_cast<int>(image[3]);
  model.forward_backward = [&](TensorView<const float> x, std::span<const int> labels, double l2,
                               std::span<int> predicted) {
    // Dropout masks come from a stream seeded by (seed, epoch, step): a resumed run draws the same ones.
    classifier_forward<float>(net, ws, flat(x), Mode::Train, dropout_rng);
    const float objective = classifier_backward<float>(net, ws, flat(x), labels, static_cast<float>(l2));
    predictions<float>(ws, predicted);
    return objective;
  };
  model.evaluate = [&](const Dataset& data) { return evaluate(net, data); };
  model.keep_best = [&] { best = net; };
  model.restore_best = [&] { net = std::move(best); };
  model.begin_step = [&](int epoch, std::int64_t step) { dropout_rng = Rng(step_seed(options.seed, epoch, step)); };
  if (!resume_from.empty())
    model.resume = [&](Optimizer<float>& optimizer) { return load_checkpoint(resume_from, net, &optimizer); };
  if (!options.checkpoint_out.empty())
    model.end_epoch = [&](const ResumeState& next, Optimizer<float>& optimizer) {
      save_checkpoint(options.checkpoint_out, net, options.save_optimizer_state ? &optimizer : nullptr, next, options);
    };
  return train_model(model, train_set, validation, options, on_epoch);
}

}  // namespace nn::ch05
