// pooling.hpp — Chapter 7: max and average pooling, and flattening.
//
// A pooling layer has no parameters: each channel of each example is
// summarised window by window, F_h×F_w windows moved by stride S (no
// padding), so O = ⌊(H − F)/S⌋ + 1 (ch06::conv_output_size). Windows overlap
// when S < F (AlexNet: 3×3 stride 2).
//   x: (N, C, H, W)   y: (N, C, O_h, O_w)
//
//   max      y = max over the window;  the gradient goes to the arg-max only:
//            ∂L/∂x[a] += ∂L/∂y  where a is the window's arg-max, 0 elsewhere
//   average  y = (1/(F_h·F_w)) Σ window;  every pixel of the window gets
//            ∂L/∂x += ∂L/∂y / (F_h·F_w)
// With overlapping windows a pixel can receive from several outputs: +=.
//
// Ties (max): the FIRST maximum in row-major order of the window wins
// (top row first, left to right; a later equal value does not replace it),
// so the routing is deterministic and the same in float and double.
// (A subgradient: any convex mix of the tied entries would be as valid.)
//
// Worked example (2×2, stride 2):
//   [[1,1,2,5],[5,7,7,8],[3,1,1,0],[1,2,3,4]] → max [[7,8],[3,4]], mean [[3.5,5.5],[1.75,2]]
// Derivations: chapters/ch07_cnn/README.md.
#pragma once

#include <cstdint>

#include "nn/tensor.hpp"

namespace nn::ch07 {

struct Pool2dGeometry {
  int window_h = 2, window_w = 2;  // F_h, F_w
  int stride = 2;                  // S
  int out_h(int height) const;     // ⌊(H − F_h)/S⌋ + 1, an error if the window does not fit
  int out_w(int width) const;
  Shape output_shape(const Shape& input) const;  // (N, C, O_h, O_w)
};

// y = window maxima; argmax[n,c,oh,ow] = ih·W + iw of the winning pixel (the
// cache backward needs).  y, argmax: (N, C, O_h, O_w)                 [exercise 7.3]
template <typename T>
void maxpool2d_forward(TensorView<T> y, TensorView<std::int32_t> argmax, TensorView<const T> x,
                       const Pool2dGeometry& p);
// d_x += ∂L/∂y routed to each window's arg-max.                       [exercise 7.4]
template <typename T>
void maxpool2d_backward(TensorView<T> d_x, TensorView<const T> d_y, TensorView<const std::int32_t> argmax);

template <typename T>
void avgpool2d_forward(TensorView<T> y, TensorView<const T> x, const Pool2dGeometry& p);
// d_x += ∂L/∂y / (F_h·F_w) over each window.                         [exercise 7.5]
template <typename T>
void avgpool2d_backward(TensorView<T> d_x, TensorView<const T> d_y, const Pool2dGeometry& p);

// (N, C, H, W) → (N, C·H·W): the same memory, row n = example n, in
// (c, h, w) order. Its backward is the same reshape of the gradient.
template <typename T>
TensorView<T> flatten(TensorView<T> x) {
  const std::int64_t n = x.rank() ? x.dim(0) : 0;
  return x.reshape(Shape{n, n ? x.size() / n : 0});
}

}  // namespace nn::ch07
