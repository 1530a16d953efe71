// network.cpp — the classifier around a Sequential of layers.
#include "layers/network.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include "ch02/losses.hpp"
#include "nn/error.hpp"

namespace nn::layers {

template <typename T>
Network<T>::Network(std::string architecture, Shape image, int classes)
    : architecture_(std::move(architecture)), image_(image), classes_(classes) {
  if (image.rank() != 3 || image.numel() < 1) throw Error("Network: the image shape must be (C, H, W), got " + image.str());
  if (classes < 2) throw Error("Network: a classifier needs at least 2 classes, got " + std::to_string(classes));
}

template <typename T>
void Network<T>::check_input(const Shape& x) const {
  if (x.rank() != 4 || x[1] != image_[0] || x[2] != image_[1] || x[3] != image_[2])
    throw Error(architecture_ + ": the input must be (N, " + std::to_string(image_[0]) + ", " +
                std::to_string(image_[1]) + ", " + std::to_string(image_[2]) + "), got " + x.str());
}

template <typename T>
TensorView<const T> Network<T>::forward(TensorView<const T> x, Mode mode) {
  check_input(x.shape());
  const Shape out = body_.output_shape(x.shape());
  if (out.rank() != 2 || out[1] != classes_)
    throw Error(architecture_ + ": the layers end in " + out.str() + ", not (N, " + std::to_string(classes_) +
                ") logits");
  if (!(logits_.shape() == out)) {
    logits_ = Tensor<T>(out);
    prob_ = Tensor<T>(out);
    d_logits_ = Tensor<T>(out);
  }
  body_.forward(x, logits_, mode);
  x_ = x;
  return logits_.view();
}

template <typename T>
T Network<T>::backward(std::span<const int> labels) {
  if (!x_.data() || static_cast<std::int64_t>(labels.size()) != x_.dim(0))
    throw Error(architecture_ + ": backward with " + std::to_string(labels.size()) + " labels after a forward pass on " +
                std::to_string(x_.data() ? x_.dim(0) : 0) + " images");
  zero_grad();
  const T loss = ch02::softmax_cross_entropy_forward<T>(prob_, logits_, labels);
  d_logits_.fill(T(0));
  ch02::softmax_cross_entropy_backward<T>(d_logits_, prob_, labels);
  // The input's gradient is of no use: dx is left empty.
  body_.backward(x_, logits_, d_logits_, TensorView<T>());
  return loss;
}

template <typename T>
void Network<T>::predictions(std::span<int> out) const {
  ch02::argmax_rows<T>(logits_, out);
}

template <typename T>
std::vector<Parameter<T>>& Network<T>::parameters() {
  if (!listed_) {
    params_.clear();
    states_.clear();
    body_.parameters("", params_);
    body_.states("", states_);
    for (std::size_t i = 0; i < params_.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (params_[i].name == params_[j].name)
          throw Error(architecture_ + ": two parameters are named '" + params_[i].name + "'; name the layers apart");
    listed_ = true;
  }
  return params_;
}

template <typename T>
std::vector<State<T>>& Network<T>::states() {
  parameters();
  return states_;
}

template <typename T>
void Network<T>::zero_grad() {
  for (auto& p : parameters()) std::fill(p.grad.begin(), p.grad.end(), T(0));
}

template <typename T>
std::int64_t Network<T>::parameter_count() {
  return count_values(parameters());
}

template <typename T>
void Network<T>::initialize(Init init, Rng& rng) {
  body_.initialize(init, rng);
}

template <typename T>
std::vector<SummaryRow> Network<T>::summary() {
  std::vector<SummaryRow> rows;
  body_.summarize("", Shape{1, image_[0], image_[1], image_[2]}, 0, rows);
  return rows;
}

template <typename T>
std::int64_t Network<T>::planned_bytes(std::int64_t n) {
  if (n < 1) throw Error("planned_bytes: the batch must be at least 1 image");
  const Shape x{n, image_[0], image_[1], image_[2]};
  body_.prepare(x);
  const std::int64_t logits = 3 * n * classes_;  // logits, probabilities, their delta
  return body_.workspace_bytes() + logits * static_cast<std::int64_t>(sizeof(T));
}

namespace {

std::string shape_text(const Shape& s) {
  std::string text;
  for (int i = 1; i < s.rank(); ++i) {
    if (i > 1) text += 'x';
    text += std::to_string(s[i]);
  }
  return text;
}

}  // namespace

std::string grouped(std::int64_t v) {
  std::string digits = std::to_string(v), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

template <typename T>
void print_summary(Network<T>& net, std::int64_t batch) {
  print_rows(net.summary());
  const std::int64_t planned = net.planned_bytes(batch);
  std::printf("memory planned for a training batch of %lld: %.2f MB (%.1f KB per image: activations, their deltas, "
              "caches)\n",
              static_cast<long long>(batch), static_cast<double>(planned) / (1024.0 * 1024.0),
              static_cast<double>(planned) / 1024.0 / static_cast<double>(batch));
}

void print_rows(const std::vector<SummaryRow>& rows) {
  std::printf("%-26s %-34s %-13s %12s %15s %13s\n", "layer", "what", "output", "parameters", "multiply-adds",
              "activations");
  std::int64_t params = 0, macs = 0, bytes = 0;
  for (const SummaryRow& r : rows) {
    const std::string name = std::string(static_cast<std::size_t>(2 * r.depth), ' ') + r.name;
    std::printf("%-26s %-34s %-13s %12s %15s %10.1f KB\n", name.c_str(), r.description.c_str(),
                shape_text(r.output).c_str(), grouped(r.parameters).c_str(), grouped(r.multiply_adds).c_str(),
                static_cast<double>(r.activation_bytes) / 1024.0);
    params += r.parameters;
    macs += r.multiply_adds;
    bytes += r.activation_bytes;
  }
  std::printf("%-26s %-34s %-13s %12s %15s %10.1f KB\n", "total (one image)", "", "", grouped(params).c_str(),
              grouped(macs).c_str(), static_cast<double>(bytes) / 1024.0);
}

template class Network<float>;
template class Network<double>;
template void print_summary<float>(Network<float>&, std::int64_t);
template void print_summary<double>(Network<double>&, std::int64_t);

}  // namespace nn::layers
