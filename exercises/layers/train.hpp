// train.hpp — one training loop, one evaluation, one checkpoint format for
// every Network: chapter 5's loop (ch05::train_model: seeded minibatches,
// the optimisers, schedules, early stopping with patience, the progress
// line, divergence detection) with the model's parts filled in once here:
//
//   step        forward (Train mode) → softmax cross-entropy on the logits →
//               backward → + λ‖W‖² and 2λW on the weights (Parameter::decayed;
//               never the biases), the one place L2 is applied
//   validation  forward in Eval mode, batch by batch
//   best        a copy of the parameter and state values of the best epoch
//               (early stopping restores it)
//   checkpoint  after every epoch if options.checkpoint_out is set: the
//               parameters and states under their model names, the
//               optimiser's state and the next epoch, atomically
//   resume      from such a checkpoint: the same seed and thread count give
//               the uninterrupted run's weights bit for bit (every epoch's
//               shuffle and dropout masks are drawn from (seed, epoch))
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ch05/train.hpp"
#include "layers/network.hpp"
#include "nn/dataset.hpp"
#include "nn/plot.hpp"
#include "nn/report.hpp"

namespace nn::layers {

// Trains `net` on `train`, validating on `validation` after each epoch;
// on_epoch is called after every epoch. resume_from: a checkpoint to start
// from (its weights, optimiser state, epoch and learning rate).
ch05::TrainResult train(Network<float>& net, const Dataset& train, const Dataset& validation,
                        const ch05::TrainOptions& options,
                        const std::function<void(const ch05::EpochRecord&)>& on_epoch = {},
                        const std::filesystem::path& resume_from = {});

// One training step on a minibatch: forward, loss (+ L2), backward,
// optimiser update. Returns the objective. Allocates nothing once the
// network has seen this batch shape.
float train_step(Network<float>& net, ch05::Optimizer<float>& optimizer, TensorView<const float> x,
                 std::span<const int> labels, double l2, double learning_rate);

// The optimiser's view of the parameters.
std::vector<ch05::Param<float>> optimizer_params(Network<float>& net);

// Any classifier on a data set: predict(x, out) writes the class of each
// image of the batch x (N, C, H, W); the images go `batch_size` at a time.
using PredictFn = std::function<void(TensorView<const float> x, std::span<int> out)>;
std::vector<int> predict_classes(const Dataset& data, std::int64_t batch_size, const PredictFn& predict);
// The fraction of `predicted` equal to the labels; `confusion` (if given)
// becomes classes×classes counts [true][predicted].
double accuracy_of(const Dataset& data, const std::vector<int>& predicted, int classes,
                   std::vector<std::int64_t>* confusion = nullptr);

// The same for a Network, in Eval mode.
std::vector<int> predict(Network<float>& net, const Dataset& data, std::int64_t batch_size = 500);
double evaluate(Network<float>& net, const Dataset& data, std::int64_t batch_size = 500,
                std::vector<std::int64_t>* confusion = nullptr);

// Checkpoints in safetensors under the model's names. save: atomic; with an
// optimiser, its state too. load: names, shapes and dtypes checked before
// anything is copied; a tensor missing from the file, one the model does not
// have, or a wrong shape is refused, naming the tensor, the expected and the
// found (the optimiser's state is ignored unless an optimiser is given).
void save(const std::filesystem::path& path, Network<float>& net, ch05::Optimizer<float>* optimizer = nullptr,
          const ch05::ResumeState& state = {}, std::uint64_t seed = 0);
ch05::ResumeState load(const std::filesystem::path& path, Network<float>& net,
                       ch05::Optimizer<float>* optimizer = nullptr);

// The values of every parameter and state (what early stopping keeps).
std::vector<Tensor<float>> snapshot(Network<float>& net);
void restore(Network<float>& net, const std::vector<Tensor<float>>& values);

// What a chapter program writes of a run: one line and one CSV row per epoch.
class EpochLog {
 public:
  // append: a resumed run adds its epochs to the interrupted run's file.
  explicit EpochLog(const std::filesystem::path& csv, bool append = false);
  // Prints "epoch  3  loss 0.3120  train 88.51%  val 88.20%  lr 0.05  4.1 s  12000 img/s"
  // (+ `note`), appends the CSV row.
  void operator()(const ch05::EpochRecord& e, const std::string& note = "");

 private:
  CsvWriter csv_;
};

// loss.png (the loss trace, or one point per epoch for short runs) and
// accuracy.png (train and validation per epoch, and any `extra` series)
// under out; `title` names the model.
void plot_training(const std::string& out, const std::string& title, const ch05::TrainResult& result,
                   const std::vector<plot::Series>& extra = {});

}  // namespace nn::layers
