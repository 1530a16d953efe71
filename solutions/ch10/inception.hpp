// inception.hpp — Chapter 10: GoogLeNet's inception module (Szegedy et al.
// 2014) and the whole GoogLeNet, from the layer library's Concat.
//
// An inception module runs four branches on the same input and stacks
// their outputs along the channels (the planes keep their size):
//
//   x ─┬─ 1×1 conv (c1)                        ─┐
//      ├─ [1×1 conv (r3)] → 3×3 conv pad 1 (c3) ─┤
//      ├─ [1×1 conv (r5)] → 5×5 conv pad 2 (c5) ─┼─ concatenate: c1 + c3 + c5 + (pool channels)
//      └─ 3×3 max pool /1 pad 1 → [1×1 conv (p)] ─┘
//
// The naive module has no bracketed 1×1 convolutions: its pool branch
// passes all the input's channels through, so every module widens the
// network, and its 3×3 and 5×5 convolutions see every input channel. On
// the lectures' 28×28×256 with c1 = 128, c3 = 192, c5 = 96 that is 672
// output channels and 854,196,224 multiply-adds. The 1×1 "reductions"
// first project the input to r3, r5 channels (and the pool's output to p):
// with r3 = r5 = p = 64 the same module costs 271,351,808 multiply-adds and
// gives 480 channels.
//
// Three styles of the same structure:
//   Naive        convs with bias, ReLU after each; no reductions
//   Paper        the module with reductions, convs with bias and ReLU (2014)
//   TorchVision  torchvision's googlenet: every conv bias-free, followed by
//                batch norm (ε = 0.001) and ReLU ("BasicConv2d"); its
//                "5×5" branch is a 3×3 convolution (kept in torchvision so
//                that its published weights load)
// Names are torchvision's: branch1.conv.weight, branch2.0.conv.weight,
// branch2.1.bn.running_mean, branch4.1.conv.weight, …
#pragma once

#include <cstdint>
#include <memory>

#include "layers/layer.hpp"
#include "layers/network.hpp"
#include "nn/rng.hpp"

namespace nn::ch10 {

enum class InceptionStyle { Naive, Paper, TorchVision };

struct InceptionSpec {
  int c1 = 64;            // 1×1 branch
  int r3 = 96, c3 = 128;  // 3×3 branch: reduction, output
  int r5 = 16, c5 = 32;   // 5×5 branch: reduction, output
  int pool = 32;          // pool branch's projection
  int out_channels(int in, InceptionStyle style) const;  // c1 + c3 + c5 + (pool, or `in` when naive)
};

template <typename T>
std::unique_ptr<layers::Layer<T>> inception_module(int in, const InceptionSpec& s, InceptionStyle style);

struct GoogLeNetConfig {
  InceptionStyle style = InceptionStyle::TorchVision;  // Paper or TorchVision (Naive is refused)
  int in_channels = 3, image = 224, classes = 1000;
  double dropout = 0.4;  // before fc (torchvision: 0.2; the paper: 0.4)
};

// GoogLeNet without its two auxiliary classifiers: stem (conv 7×7/2 64,
// pool, conv 1×1 64, conv 3×3 192, pool), inception 3a, 3b, pool, 4a–4e,
// pool, 5a, 5b, global average pool, dropout, fc. The paper's pools are
// 3×3/2 with PyTorch's ceil_mode (the last one 2×2/2); the paper style
// also has its two local response normalisations in the stem.
template <typename T>
layers::Network<T> googlenet_network(const GoogLeNetConfig& c, Rng& rng);

}  // namespace nn::ch10
