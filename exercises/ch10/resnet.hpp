// resnet.hpp — Chapter 10: residual networks (He et al. 2015) from the
// layer library, and the two layers they need that earlier chapters did not.
//
//   Pad2d            copies x into a larger plane filled with a constant:
//                    −∞ around a max pool gives a padded pool (ResNet's
//                    3×3/2 pad 1 stem pool), and on the bottom and right
//                    only, a pool that keeps the last partial window
//                    (PyTorch's ceil_mode, GoogLeNet's pools).
//                    Backward hands each input its own output's delta.
//   GlobalAvgPool2d  (N, C, H, W) → (N, C): the mean of each plane;
//                    ∂L/∂x[n,c,h,w] = dy[n,c] / (H·W).
//
// The blocks (torchvision's names, so checkpoints carry over):
//
//   basic        x → conv1 3×3/s → bn1 → relu → conv2 3×3 → bn2 ─(+)→ relu
//                └────────── identity, or downsample: 1×1/s conv → bn ─┘
//   bottleneck   x → conv1 1×1 → bn1 → relu → conv2 3×3/s → bn2 → relu
//                  → conv3 1×1 (4× the width) → bn3 ─(+)→ relu   (same shortcut)
//
// The shortcut is a projection where the block changes the shape (a stride
// of 2, or other channels). Every conv is bias-free: the batch norm after
// it has its own shift β, and a bias before a per-channel mean subtraction
// would cancel. A "plain" block is the same body with no shortcut at all.
//
// The networks:
//   ImageNet ResNet-18/34 (basic blocks 2-2-2-2, 3-4-6-3) and ResNet-50
//   (bottlenecks 3-4-6-3): conv1 7×7/2 64 → bn1 → relu → maxpool 3×3/2
//   pad 1 → layer1..layer4 (64, 128, 256, 512 wide; layers 2-4 start with
//   stride 2) → global average pool → fc. 11,689,512, 21,797,672 and
//   25,557,032 parameters with 3 channels and 1000 classes, as torchvision's.
//
//   CIFAR-style ResNet-(6n+2): conv 3×3 16 → bn → relu → three stages of n
//   basic blocks, 16, 32, 64 wide (stages 2 and 3 start with stride 2) →
//   global average pool → fc. n = 3 is ResNet-20, n = 9 ResNet-56; on
//   28×28 Fashion-MNIST the planes go 28 → 14 → 7. Its projection
//   shortcuts are He et al.'s option B (a 1×1 conv and batch norm).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "layers/layer.hpp"
#include "layers/network.hpp"
#include "nn/rng.hpp"

namespace nn::ch10 {

// Pads each plane: `top` rows above, `bottom` below, `left` and `right`
// columns, filled with `value` (−∞ before a max pool, 0 before a conv).
// ceil_for(F, S, value): as many rows below and columns on the right as a
// pool of window F and stride S needs to take in the last partial window
// (0 or up to S − 1, from the input's size).
template <typename T>
class Pad2d final : public layers::Layer<T> {
 public:
  Pad2d(int top, int bottom, int left, int right, T value);
  static Pad2d ceil_for(int window, int stride, T value);
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  void forward(TensorView<const T> x, TensorView<T> y, layers::Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  bool sliceable() const override { return true; }
  std::unique_ptr<layers::Layer<T>> clone() const override { return std::make_unique<Pad2d>(*this); }

 private:
  int extra(std::int64_t size) const;  // the rows or columns ceil mode adds
  int top_, bottom_, left_, right_;
  T value_;
  int ceil_window_ = 0, ceil_stride_ = 0;  // 0: fixed padding
};

// The mean of every plane: (N, C, H, W) → (N, C).
template <typename T>
class GlobalAvgPool2d final : public layers::Layer<T> {
 public:
  std::string describe() const override { return "global average pool"; }
  Shape output_shape(const Shape& input) const override;
  void forward(TensorView<const T> x, TensorView<T> y, layers::Mode mode) override;
  void backward(TensorView<const T> x, TensorView<const T> y, TensorView<const T> dy, TensorView<T> dx) override;
  bool sliceable() const override { return true; }
  std::unique_ptr<layers::Layer<T>> clone() const override { return std::make_unique<GlobalAvgPool2d>(*this); }
};

// A max pool of window F and stride S with `pad` −∞ rows and columns on
// every side (ResNet's stem: 3, 2, 1), or with ceil_mode the windows that
// start inside the plane and run off its bottom or right edge kept, as
// PyTorch's MaxPool2d(ceil_mode=True). A Sequential "pad", "pool".
template <typename T>
std::unique_ptr<layers::Layer<T>> max_pool(int window, int stride, int pad, bool ceil_mode = false);

enum class Shortcut { Residual, Plain };

// A basic block from `in` to `out` channels with the given stride; a
// projection shortcut when stride ≠ 1 or in ≠ out. Plain: no shortcut.
// batch_norm false: no batch norm anywhere, the convs with biases instead
// (the control of the batch-norm experiment).
template <typename T>
std::unique_ptr<layers::Layer<T>> basic_block(int in, int out, int stride, Shortcut kind = Shortcut::Residual,
                                              bool batch_norm = true);

// A bottleneck block: 1×1 to `width`, 3×3 (stride) at `width`, 1×1 to 4·width.
template <typename T>
std::unique_ptr<layers::Layer<T>> bottleneck_block(int in, int width, int stride);

struct ResNetConfig {
  int depth = 18;  // 18, 34 or 50
  int in_channels = 3, image = 224, classes = 1000;
};

// torchvision's resnet18/34/50, weights drawn (He; γ = 1, β = 0).
template <typename T>
layers::Network<T> resnet_network(const ResNetConfig& c, Rng& rng);

struct CifarResNetConfig {
  int blocks = 3;  // n per stage: 6n + 2 weighted layers (3 → 20, 9 → 56)
  Shortcut kind = Shortcut::Residual;
  int width = 16;  // the first stage's channels (then 2× and 4×)
  bool batch_norm = true;  // false: none, and biases on the convs
  int in_channels = 1, image = 28, classes = 10;
};

// The CIFAR-style net of He et al. §4.2, residual or plain, weights drawn.
template <typename T>
layers::Network<T> cifar_resnet_network(const CifarResNetConfig& c, Rng& rng);

}  // namespace nn::ch10
