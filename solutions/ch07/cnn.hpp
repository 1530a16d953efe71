// cnn.hpp — Chapter 7: a small convolutional network for 28×28 images, as a
// list of layers (layers/compose.hpp).
//
//   x (N, 1, 28, 28)
//   → conv1 K1 filters F×F, same padding   (N, K1, 28, 28)   → relu1
//   → pool1 max 2×2/2                      (N, K1, 14, 14)
//   → conv2 K2 filters F×F over K1, same   (N, K2, 14, 14)   → relu2
//   → pool2 max 2×2/2                      (N, K2, 7, 7)
//   → flatten                              (N, K2·7·7)
//   → fc dense                             (N, classes) logits → softmax cross-entropy
// Every layer calls a chapter's forward/backward pair: conv (ch06/ch07),
// ReLU (ch02), pooling (ch07), dense (ch03); the Network adds the loss
// (ch02). Parameter names follow PyTorch (conv1.weight (K1, 1, F, F),
// conv1.bias, conv2.*, fc.weight (classes, K2·7·7), fc.bias), so a
// checkpoint loads into the same nn.Sequential with named children.
#pragma once

#include "layers/network.hpp"
#include "nn/rng.hpp"

namespace nn::ch07 {

struct CnnConfig {
  int channels = 1, height = 28, width = 28, classes = 10;
  int filters1 = 8, filters2 = 16;  // K1, K2
  int kernel = 5;                   // F (odd: same padding (F − 1)/2)
};

// The network above, He-initialised (fan-in C·F·F for a conv, K2·7·7 for
// the dense layer), zero biases.
template <typename T>
layers::Network<T> make_cnn(const CnnConfig& config, Rng& rng);

}  // namespace nn::ch07
