// alexnet.hpp — Chapter 9: AlexNet (Krizhevsky, Sutskever and Hinton 2012)
// as the lectures draw it, a list of layers:
//
//   x (N, C, 227, 227)
//   conv1 96 11×11 /4        → (N, 96, 55, 55)    relu1   pool1 max 3×3/2 → 27×27   norm1 LRN
//   conv2 256 5×5 pad 2      → (N, 256, 27, 27)   relu2   pool2 max 3×3/2 → 13×13   norm2 LRN
//   conv3 384 3×3 pad 1      → (N, 384, 13, 13)   relu3
//   conv4 384 3×3 pad 1      → (N, 384, 13, 13)   relu4
//   conv5 256 3×3 pad 1      → (N, 256, 13, 13)   relu5   pool5 max 3×3/2 → 6×6
//   flatten (N, 9216) → drop6 → fc6 4096 → relu6 → drop7 → fc7 4096 → relu7 → fc8 (classes) logits
//
// The pools overlap (3×3 windows, stride 2). Dropout (p = 0.5 in training)
// acts on the inputs of fc6 and fc7, as in torchvision's AlexNet. With
// groups = 2, conv2, conv4 and conv5 are split as on the paper's two GPUs
// (each half of the filters sees half of the input channels); conv3 and the
// dense layers see everything. `width` scales every conv and dense width
// (rounded to a multiple of the groups) and keeps the topology.
//
// Single tower, 3 input channels, 1000 classes: 62,378,344 parameters and
// 1,135,256,096 multiply-adds per image; with groups = 2: 60,965,224 and
// 724,406,816 (the lectures' figures; tests/ch09 checks them). Names and
// layouts are PyTorch's: conv1.weight (96, C, 11, 11), conv2.weight
// (256, 96/groups, 5, 5), …, fc6.weight (4096, 9216) over the flattened
// (C, H, W) order, fc8.bias (classes).
#pragma once

#include "ch09/lrn.hpp"
#include "layers/network.hpp"
#include "nn/rng.hpp"

namespace nn::ch09 {

struct AlexNetConfig {
  int in_channels = 3, image = 227, classes = 1000;
  int groups = 1;        // 1: a single tower; 2: the paper's split of conv2, conv4, conv5
  double width = 1.0;    // multiplier of every conv and dense width
  double dropout = 0.5;  // on the inputs of fc6 and fc7 (0: none)
  LrnParams lrn;         // the paper's n = 5, k = 2, α = 1e-4, β = 0.75
  // Preprocessing as the first layers (layers/preprocess.hpp): images of
  // source×source pixels (0: the input is already image×image) are resized
  // bilinearly to resize×resize (0: to image) and, when that is larger,
  // cropped to image×image — a random window per image in training, the
  // centre in eval (the paper's crops of 224 from 256).
  int source = 0, resize = 0;
  // Channels of the images fed (0: in_channels). 1 with in_channels 3: the
  // grey channel is repeated (a first layer does it per batch).
  int source_channels = 0;
  // conv1 … pool5 run this many images at a time (Sequential::run_in_slices;
  // 0: the whole batch at once): the convolutions' X_col is sized for a
  // slice. The same sums per image; the gradients add the slices in order.
  int slice_images = 8;
};

// The widths after the multiplier: conv1 … conv5, then fc6 and fc7.
struct AlexNetWidths {
  int conv[5];
  int fc;
};
AlexNetWidths alexnet_widths(const AlexNetConfig& config);

// The network (after the preprocessing layers, if any), He-initialised
// (fan-in), biases zero. Its checkpoints carry the configuration as
// metadata (model, width, groups, in_channels, image, classes, source,
// source_channels, resize, dropout, the LRN constants, the input scaling)
// so that bench/pytorch_alexnet.py can rebuild it from the file alone.
template <typename T>
layers::Network<T> alexnet_network(const AlexNetConfig& config, Rng& rng);

}  // namespace nn::ch09
