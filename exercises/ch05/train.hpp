// train.hpp — Chapter 5: the training loop on a data set, with validation,
// early stopping, learning-rate schedules and checkpoints.
//
// One epoch: for each minibatch (seeded shuffle, optional augmentation):
// forward with dropout → softmax cross-entropy + L2 → backward → optimiser
// step. Then the validation accuracy decides early stopping and the
// schedule. Every random choice of epoch e (batch order, augmentation,
// dropout masks) is drawn from streams seeded by (seed, e), so a run resumed
// from an end-of-epoch checkpoint reproduces the uninterrupted run bit for
// bit (same thread count).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "ch05/classifier.hpp"
#include "nn/dataset.hpp"

namespace nn::cli {
struct TrainingFlags;  // nn/cli.hpp
}  // namespace nn::cli

namespace nn::ch05 {

struct TrainOptions {
  int epochs = 10;
  std::int64_t batch_size = 64;
  OptimizerConfig optimizer;
  double learning_rate = 0.05;
  double l2 = 0.0;
  int patience = 0;  // early stopping: 0 = off
  Schedule::Kind schedule = Schedule::Kind::None;
  int schedule_step = 10;
  double schedule_gamma = 0.1;
  int plateau_patience = 3;
  Augmentation augmentation;
  std::uint64_t seed = 42;
  std::filesystem::path checkpoint_out;  // save after every epoch (empty: never)
  bool save_optimizer_state = true;
  int trace_every = 50;                  // steps between points of TrainResult::loss_trace
  // Called with each point of the trace as it is made (a run that diverges
  // throws, and its caller still has the points up to then).
  std::function<void(double epoch, double loss)> on_trace;
  std::string label = "train";           // progress-line label
  bool progress = true;
};

// The options the shared command-line flags ask for (--epochs, --batch,
// --optimizer, --momentum, --lr, --l2, --patience, --schedule, --step,
// --mirror, --shift), with the run's seed; checkpoint_out is left to the
// program.
TrainOptions options_from_flags(const cli::TrainingFlags& flags, std::uint64_t seed);

// The seed of epoch `epoch`'s random stream for `purpose` (1: dropout
// masks and the layers' other draws): a resumed run draws what the
// uninterrupted one drew.
std::uint64_t epoch_seed(std::uint64_t seed, int epoch, std::uint64_t purpose);
// The seed of the dropout masks of one step.
std::uint64_t step_seed(std::uint64_t seed, int epoch, std::int64_t step);

struct EpochRecord {
  int epoch = 0;
  double train_loss = 0, train_accuracy = 0, validation_accuracy = 0, learning_rate = 0;
  double seconds = 0, images_per_second = 0;
};

struct TrainResult {
  std::vector<EpochRecord> epochs;
  // (epoch as a fraction, mean objective over the last trace_every steps)
  std::vector<std::pair<double, double>> loss_trace;
  int best_epoch = -1;
  double best_validation_accuracy = 0;
  bool stopped_early = false;
};

// Where a resumed run starts: the state saved by a checkpoint.
struct ResumeState {
  int next_epoch = 0;
  double learning_rate = 0;
  std::int64_t optimizer_steps = 0;
  // A run interrupted part-way through next_epoch: the steps of it already
  // taken, and the sums its record is made of.
  std::int64_t next_step = 0;
  double epoch_loss_sum = 0;
  std::int64_t epoch_seen = 0, epoch_correct = 0;
};

// What the training loop needs of a model, whatever its type (this
// chapter's classifier, chapter 7's CNN, chapter 8's LeNet-5s): its
// parameters, the input shape (C, H, W), a forward + backward pass that fills
// the gradients, writes the predictions of the batch and returns the
// objective; accuracy on a data set; keeping / restoring a copy of the best
// weights (for early stopping). The last three hooks are optional.
struct TrainableModel {
  std::vector<Param<float>> params;
  int channels = 1, height = 28, width = 28;
  std::function<float(TensorView<const float> x, std::span<const int> labels, double l2, std::span<int> predicted)>
      forward_backward;
  std::function<double(const Dataset&)> evaluate;
  std::function<void()> keep_best, restore_best;
  // Before the first epoch, with the optimiser: where to start (a checkpoint
  // loaded into the model and the optimiser; learning_rate 0 = options').
  std::function<ResumeState(Optimizer<float>&)> resume;
  // Before every step (the models reseed their dropout masks from
  // step_seed, so that a run resumed at any step draws what the
  // uninterrupted one drew).
  std::function<void(int epoch, std::int64_t step)> begin_step;
  // After every epoch's schedule step, with the next epoch's learning rate,
  // and when the run is interrupted, with where it stands (the models save
  // their checkpoints here).
  std::function<void(const ResumeState& next, Optimizer<float>&)> end_epoch;
};

// The loop for any TrainableModel: one optimiser step per batch, validation
// after each epoch, `on_epoch` after every epoch. With patience > 0 the best
// weights are restored at the end. It refuses to start when the checkpoint
// cannot be written; it stops with nn::Error naming the epoch and step when
// the loss is not finite (the last checkpoint stays as it was), and with
// nn::Interrupted on SIGINT or SIGTERM after saving a checkpoint mid-epoch
// (nn/interrupt.hpp).
TrainResult train_model(TrainableModel& model, const Dataset& train, const Dataset& validation,
                        const TrainOptions& options, const std::function<void(const EpochRecord&)>& on_epoch = {});

// One training step on a minibatch: forward (dropout masks from rng),
// softmax cross-entropy + L2, backward, optimiser update. Returns the
// objective. Allocates nothing once `ws` is sized for this batch size.
float train_step(Classifier<float>& net, ClassifierWorkspace<float>& ws, Optimizer<float>& optimizer,
                 TensorView<const float> x, std::span<const int> labels, double l2, double learning_rate, Rng& rng);

// Trains `net` on `train`, validating on `validation` after each epoch.
// With patience > 0 the best weights (by validation accuracy) are restored
// at the end. `on_epoch` is called after every epoch.
TrainResult train(Classifier<float>& net, const Dataset& train, const Dataset& validation, const TrainOptions& options,
                  const std::function<void(const EpochRecord&)>& on_epoch = {},
                  const std::filesystem::path& resume_from = {});

// Accuracy of `net` on `data` (eval mode). If `confusion` is non-null it is
// filled as a K×K matrix of counts, [true][predicted].
double evaluate(const Classifier<float>& net, const Dataset& data, std::int64_t batch_size = 1000,
                std::vector<std::int64_t>* confusion = nullptr);

// Checkpoints of any model: its tensors (the parameters, and any state
// saved but not trained), optionally the optimiser's state ("optimizer." +
// its slot names) and where training stands, in one safetensors file. The
// save is atomic (nn/safetensors.hpp). Loading checks every name, shape and
// dtype against `tensors` and changes nothing unless all match; a missing
// or extra tensor, or a wrong shape, is an nn::Error naming it with the
// expected and the found. Returns the saved state. `metadata`: more
// key/value pairs for the file's __metadata__ (what a reader needs to
// rebuild the model: widths, input size, preprocessing).
struct CheckpointTensor {
  std::string name;
  TensorView<float> value;
};
void save_checkpoint(const std::filesystem::path& path, const std::vector<CheckpointTensor>& tensors,
                     const std::string& architecture, Optimizer<float>* optimizer, const ResumeState& state,
                     std::uint64_t seed, const std::map<std::string, std::string>& metadata = {});
ResumeState load_checkpoint(const std::filesystem::path& path, const std::vector<CheckpointTensor>& tensors,
                            Optimizer<float>* optimizer);

// The classifier's checkpoints (fc*.weight/bias, PyTorch layout).
void save_checkpoint(const std::filesystem::path& path, Classifier<float>& net, Optimizer<float>* optimizer,
                     const ResumeState& state, const TrainOptions& options);
// Loads the model (and, if present and optimizer is non-null, the optimiser
// state); checks that the architecture matches. Returns the saved state.
ResumeState load_checkpoint(const std::filesystem::path& path, Classifier<float>& net, Optimizer<float>* optimizer);

}  // namespace nn::ch05
