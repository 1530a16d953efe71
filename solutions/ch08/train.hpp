// train.hpp — Chapter 8: training LeNet-5 with chapter 5's loop
// (ch05::train_model over a TrainableModel: the optimisers, schedules,
// early stopping and the seeded MinibatchIterator), evaluation, and
// safetensors checkpoints in PyTorch's names and layouts.
#pragma once

#include <filesystem>
#include <functional>

#include "ch07/train.hpp"
#include "ch08/lenet5.hpp"
#include "nn/dataset.hpp"

namespace nn::ch08 {

// Forward, loss, backward, one optimiser step. Returns the loss.
// Allocates nothing once `ws` is sized for this batch size.
float lenet5_train_step(LeNet5<float>& net, LeNet5Workspace<float>& ws, ch05::Optimizer<float>& optimizer,
                        TensorView<const float> x, std::span<const int> labels, double learning_rate);

// Trains `net`. options.l2 = λ > 0 adds chapter 5's penalty λ‖W‖² on the five
// weight tensors (never the biases); the lecture's LeNet-5 uses none (λ = 0).
ch05::TrainResult train_lenet5(LeNet5<float>& net, const Dataset& train, const Dataset& validation,
                               const ch05::TrainOptions& options,
                               const std::function<void(const ch05::EpochRecord&)>& on_epoch = {});

// Accuracy on `data` (N, 1, 28, 28); `confusion` (if given) becomes 10×10 counts [true][predicted].
double evaluate_lenet5(const LeNet5<float>& net, const Dataset& data, std::int64_t batch_size = 500,
                       std::vector<std::int64_t>* confusion = nullptr);

// The weights as safetensors: c1.weight (6, 1, 5, 5), c1.bias, ..., output.bias.
void save_lenet5(const std::filesystem::path& path, LeNet5<float>& net);
// Loads all ten tensors (names and shapes checked; nothing else in the file).
void load_lenet5(const std::filesystem::path& path, LeNet5<float>& net);

}  // namespace nn::ch08
