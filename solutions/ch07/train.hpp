// train.hpp — Chapter 7: training the small CNN. The same loop as chapter 5
// (ch05::TrainOptions, EpochRecord and TrainResult; the ch05 optimisers,
// schedules and early stopping; the seeded MinibatchIterator), with the
// images kept as (N, C, H, W) instead of flattened.
#pragma once

#include <filesystem>
#include <functional>

#include "ch05/train.hpp"
#include "ch07/cnn.hpp"
#include "nn/dataset.hpp"

namespace nn::ch07 {

// Forward, loss (+ L2), backward, one optimiser step. Returns the objective.
// Allocates nothing once `ws` is sized for this batch size.
float cnn_train_step(SmallCnn<float>& net, CnnWorkspace<float>& ws, ch05::Optimizer<float>& optimizer,
                     TensorView<const float> x, std::span<const int> labels, double l2, double learning_rate);

// What the training loop needs of a model, whatever its type (chapter 8's
// LeNet-5 uses the same loop): its parameters, the input shape (C, H, W), a
// forward + backward pass that fills the gradients, writes the predictions of
// the batch and returns the objective; accuracy on a data set; and keeping /
// restoring a copy of the best weights (for early stopping).
struct TrainableModel {
  std::vector<ch05::Param<float>> params;
  int channels = 1, height = 28, width = 28;
  std::function<float(TensorView<const float> x, std::span<const int> labels, double l2, std::span<int> predicted)>
      forward_backward;
  std::function<double(const Dataset&)> evaluate;
  std::function<void()> keep_best, restore_best;
};

// The chapter-5 loop for any TrainableModel: one optimiser step per batch,
// validation after each epoch, `on_epoch` after every epoch. With patience > 0
// the best weights are restored at the end.
ch05::TrainResult train_model(TrainableModel& model, const Dataset& train, const Dataset& validation,
                              const ch05::TrainOptions& options,
                              const std::function<void(const ch05::EpochRecord&)>& on_epoch = {});

// Trains `net`, validating after each epoch; `on_epoch` is called after
// every epoch. With patience > 0 the best weights are restored at the end.
ch05::TrainResult train_cnn(SmallCnn<float>& net, const Dataset& train, const Dataset& validation,
                            const ch05::TrainOptions& options,
                            const std::function<void(const ch05::EpochRecord&)>& on_epoch = {});

// Accuracy of any classifier on `data`, in batches of `batch_size` images:
// predict(x, out) writes the predicted class of each image of x (N, C, H, W).
// `confusion` (if given) becomes classes×classes counts [true][predicted].
double evaluate_classifier(const Dataset& data, int classes, std::int64_t batch_size,
                           const std::function<void(TensorView<const float>, std::span<int>)>& predict,
                           std::vector<std::int64_t>* confusion = nullptr);

// Accuracy on `data`; `confusion` (if given) becomes K×K counts [true][predicted].
double evaluate_cnn(const SmallCnn<float>& net, const Dataset& data, std::int64_t batch_size = 500,
                    std::vector<std::int64_t>* confusion = nullptr);

// The weights as safetensors, PyTorch names and layouts (conv1.weight, ...).
void save_cnn(const std::filesystem::path& path, SmallCnn<float>& net);

}  // namespace nn::ch07
