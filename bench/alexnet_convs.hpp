// alexnet_convs.hpp — the geometry of AlexNet's five convolutions (single
// tower, 3×227×227 input), for the benchmarks that time them one by one.
#pragma once

#include <array>

#include "ch06/shapes.hpp"

namespace bench {

struct AlexNetConv {
  const char* name;
  nn::ch06::Conv2dGeometry g;  // C, H, W, K, F_h, F_w, stride, pad, dilation, groups
};

inline const std::array<AlexNetConv, 5> kAlexNetConvs{{
    {"conv1", {3, 227, 227, 96, 11, 11, 4, 0, 1, 1}},
    {"conv2", {96, 27, 27, 256, 5, 5, 1, 2, 1, 1}},
    {"conv3", {256, 13, 13, 384, 3, 3, 1, 1, 1, 1}},
    {"conv4", {384, 13, 13, 384, 3, 3, 1, 1, 1, 1}},
    {"conv5", {384, 13, 13, 256, 3, 3, 1, 1, 1, 1}},
}};

}  // namespace bench
