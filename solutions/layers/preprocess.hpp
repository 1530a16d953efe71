// preprocess.hpp — input layers that reshape images on the fly, per batch,
// into the buffers the Sequential already owns: no copy of the data set at
// the network's input size (60,000 Fashion-MNIST images at 227×227 would be
// 12 GB of floats; a batch of 128 is 26 MB).
//
//   Resize      bilinear interpolation from H×W to H'×W', PyTorch's
//               F.interpolate(mode="bilinear", align_corners=False): output
//               pixel o samples the input at  s = (o + ½)·(H/H') − ½  (clamped
//               at 0), between rows ⌊s⌋ and ⌊s⌋ + 1 (the last row repeats)
//               with weights 1 − (s − ⌊s⌋) and s − ⌊s⌋; the same along the
//               columns. Linear in x, so backward spreads dy back with the
//               same weights (the adjoint).
//   RandomCrop  a size×size window of each image: in Train mode at a random
//               place (each image its own, from the layer's stream, which
//               Network::seed reseeds every epoch), in Eval mode the centre.
//               Backward adds dy into the window it came from.
//   RepeatChannels  a one-channel image repeated to C channels (grey images
//               for a network built for colour ones). Backward sums the C
//               deltas back into the one.
// None has parameters.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "layers/layer.hpp"

namespace nn::layers {

template <typename T>
class Resize final : public Layer<T> {
 public:
  Resize(int height, int width);
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  void prepare(const Shape& input) override;
  void forward(TensorView<const T> x, TensorView<T> y, Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  bool sliceable() const override { return true; }
  std::unique_ptr<Layer<T>> clone() const override { return std::make_unique<Resize>(*this); }

 private:
  // Along one axis: output o reads inputs first[o] and first[o] + step[o] with weights (1 − frac[o], frac[o]).
  struct Axis {
    std::vector<int> first, step;
    std::vector<T> frac;
  };
  static Axis axis(int in, int out);
  int height_, width_;
  int in_h_ = -1, in_w_ = -1;
  Axis rows_, cols_;
};

template <typename T>
class RandomCrop final : public Layer<T> {
 public:
  explicit RandomCrop(int size);
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  void prepare(const Shape& input) override;
  void forward(TensorView<const T> x, TensorView<T> y, Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  void seed(std::uint64_t seed) override { rng_ = Rng(seed); }
  // Where image i's window started in the last forward pass (row, column).
  std::pair<int, int> offset(std::int64_t i) const { return offsets_[static_cast<std::size_t>(i)]; }

 private:
  int size_;
  Rng rng_{0};
  std::vector<std::pair<int, int>> offsets_;  // per image of the batch: the cache backward needs
};

template <typename T>
class RepeatChannels final : public Layer<T> {
 public:
  explicit RepeatChannels(int channels);
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  void forward(TensorView<const T> x, TensorView<T> y, Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  bool sliceable() const override { return true; }
  std::unique_ptr<Layer<T>> clone() const override { return std::make_unique<RepeatChannels>(*this); }

 private:
  int channels_;
};

}  // namespace nn::layers
