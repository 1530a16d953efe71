// vgg.hpp — Chapter 10: VGG-16 (Simonyan and Zisserman 2015, configuration
// D), as the lectures tabulate it: thirteen 3×3 convolutions (stride 1,
// padding 1) in five stages of 64, 128, 256, 512, 512 filters, each stage
// ending in a 2×2 max pool of stride 2, then three dense layers:
//
//   x (N, C, 224, 224)
//   2 × conv 64  → (N, 64, 224, 224)   pool → 112×112
//   2 × conv 128 → (N, 128, 112, 112)  pool → 56×56
//   3 × conv 256 → (N, 256, 56, 56)    pool → 28×28
//   3 × conv 512 → (N, 512, 28, 28)    pool → 14×14
//   3 × conv 512 → (N, 512, 14, 14)    pool → 7×7
//   flatten (N, 25088) → fc 4096 → relu → dropout → fc 4096 → relu → dropout → fc (classes)
//
// ReLU after every convolution. 3 channels, 1000 classes: 138,357,544
// parameters, 15.47 billion multiply-adds an image. Three 3×3 layers see a
// 7×7 window, as one 7×7 layer would, with 3·9·C² weights instead of 49·C²
// and two more nonlinearities.
//
// Names and layouts are torchvision's vgg16: features.0.weight,
// features.2.weight, … features.28.weight (the index of each layer in its
// Sequential, ReLUs and pools counted), classifier.0/3/6.weight. At 224×224
// torchvision's adaptive average pool to 7×7 changes nothing and is left out.
#pragma once

#include "layers/network.hpp"
#include "nn/rng.hpp"

namespace nn::ch10 {

struct VggConfig {
  int in_channels = 3, image = 224, classes = 1000;
  double dropout = 0.5;  // after the ReLUs of the first two dense layers (0: none)
};

// The network, its weights drawn (He for every layer, biases zero).
template <typename T>
layers::Network<T> vgg16_network(const VggConfig& c, Rng& rng);

}  // namespace nn::ch10
