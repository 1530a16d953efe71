// network_training.hpp — Chapter 8: what the two LeNet-5 networks (the
// lecture's, ch08/lenet5.hpp, and the 1998 paper's, ch08/lenet1998.hpp)
// share around chapter 5's training loop: the TrainableModel with an
// optional L2 penalty, keeping and restoring the best weights, and
// safetensors checkpoints of a network's params() list.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ch05/optimizers.hpp"
#include "ch05/regularization.hpp"
#include "ch07/train.hpp"
#include "nn/safetensors.hpp"

namespace nn::ch08 {

inline std::vector<std::int64_t> shape_of(TensorView<const float> t) {
  std::vector<std::int64_t> shape;
  for (int i = 0; i < t.rank(); ++i) shape.push_back(t.dim(i));
  return shape;
}

// Every parameter value of `src` into `dst` (the same network type). Only
// values are copied, never the tensors themselves: an optimiser holds views
// of dst's tensors.
template <typename Net>
void copy_parameter_values(Net& dst, Net& src) {
  auto to = dst.params();
  auto from = src.params();
  for (std::size_t i = 0; i < to.size(); ++i)
    std::copy(from[i].value.span().begin(), from[i].value.span().end(), to[i].value.span().begin());
}

// The parameters as safetensors, PyTorch's names and layouts, with the
// architecture in the metadata.
template <typename Net>
void save_parameters(const std::filesystem::path& path, Net& net, const std::string& architecture) {
  std::vector<NamedConstTensor> tensors;
  for (auto& p : net.params()) tensors.push_back({p.name, shape_of(p.value), p.value.span()});
  SaveOptions options;
  options.metadata = {{"architecture", architecture}};
  save_safetensors(path, tensors, options);
}

// Reads every parameter (names and shapes checked) into `net`'s tensors.
template <typename Net>
void load_parameters(const std::filesystem::path& path, Net& net) {
  std::vector<NamedTensor> slots;
  for (auto& p : net.params()) slots.push_back({p.name, shape_of(p.value), p.value.span()});
  load_safetensors(path, slots);
}

// Chapter 7's loop for `net`: step(x, labels, predicted) runs the forward
// and backward passes (filling the gradients and the predictions) and
// returns the loss; options.l2 = λ > 0 adds λ‖W‖² and its gradient for the
// `decayed` tensors (weights only, never biases); evaluate(data) gives an
// accuracy. The best epoch's weights are kept and, with patience, restored.
template <typename Net, typename Step, typename Evaluate>
ch05::TrainResult train_network(Net& net, std::vector<ch05::Param<float>> decayed, Step&& step, Evaluate&& evaluate,
                                const Dataset& train_set, const Dataset& validation,
                                const ch05::TrainOptions& options,
                                const std::function<void(const ch05::EpochRecord&)>& on_epoch) {
  Net best;
  ch05::TrainableModel model;
  model.params = net.params();
  model.channels = 1;
  model.height = net.height;
  model.width = net.width;
  model.forward_backward = [&](TensorView<const float> x, std::span<const int> labels, double l2,
                               std::span<int> predicted) {
    float objective = step(x, labels, predicted);
    if (l2 > 0.0) {
      const auto lambda = static_cast<float>(l2);
      for (auto& p : decayed) {
        objective += ch05::l2_penalty<float>(p.value, lambda);
        ch05::l2_backward<float>(p.grad, p.value, lambda);
      }
    }
    return objective;
  };
  model.evaluate = [&](const Dataset& data) { return evaluate(data); };
  model.keep_best = [&] { best = net; };
  model.restore_best = [&] { copy_parameter_values(net, best); };
  return ch05::train_model(model, train_set, validation, options, on_epoch);
}

}  // namespace nn::ch08
