// train.hpp — Chapter 7: training the small CNN with chapter 5's loop
// (ch05::train_model over a ch05::TrainableModel: the optimisers, schedules,
// early stopping and the seeded MinibatchIterator), with the images kept as
// (N, C, H, W) instead of flattened.
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
