// conv_routes.hpp — which kernel a convolution runs, chosen from its geometry.
//
// Every convolution can run as chapter 6's im2col + GEMM (and its backward
// as chapter 7's GEMMs + col2im). Two shapes common in small networks have
// faster direct kernels that never build X_col (bench_lenet5_train times
// the network that uses both; chapter 8's README explains why they win):
//
//   SingleChannel  one input channel (a grey image's first layer), stride 1,
//                  square F×F, F = 3 or 5, at most 8 filters, rows of at
//                  most 32 outputs: nn/conv_single.hpp
//   FilterLanes    no padding, stride 1, square F×F, F = 3 or 5, a multiple
//                  of 16 filters, rows of at most 16 outputs:
//                  nn/conv_filters.hpp (LeNet-5's c3)
//   Winograd       stride 1, square 3×3 or 5×5, padding below the kernel
//                  size, at least 16 input channels and 16 filters:
//                  F(4×4, 3×3) or F(2×2, 5×5), nn/winograd.hpp (AlexNet's
//                  conv2 … conv5, VGG's layers); 36 multiplications per
//                  tile instead of 144 or 100, in all three passes
//   Lowered        everything else: im2col + GEMM
//
// The direct and Winograd routes run in float on AVX-512 only (elsewhere
// their scalar loops would be slower than the GEMM); double always takes
// Lowered, which is how the gradient checks see every layer. All four
// compute the same sums up to float rounding; the LeNet-5 and AlexNet
// tests compare them.
//
// A ConvRunner holds what one route needs between the passes: for Lowered
// the X_col of the last forward pass, in one of two workspaces (one for the
// batch size it was prepared for, one for a shorter last slice), and which
// input it lowered, so a backward pass whose X_col has since been replaced
// (Sequential::run_in_slices runs several slices through the same layer
// before their backward passes) lowers its input again instead of reading
// another slice's columns.
#pragma once

#include <array>
#include <cstdint>

#include "ch06/conv.hpp"
#include "nn/conv_filters.hpp"
#include "nn/conv_single.hpp"
#include "nn/winograd.hpp"

namespace nn::layers {

enum class ConvRoute { Lowered, SingleChannel, FilterLanes, Winograd };
const char* to_string(ConvRoute route);

// The fastest route for this geometry in T (Lowered for double).
template <typename T>
ConvRoute choose_conv_route(const ch06::Conv2dGeometry& g);

template <typename T>
class ConvRunner {
 public:
  ch06::Conv2dGeometry geometry;
  ConvRoute route = ConvRoute::Lowered;

  // Takes the geometry (input H, W included) and picks the route; keeps
  // the buffers when nothing changed.
  void configure(const ch06::Conv2dGeometry& g);
  // y = w ⋆ x + b for x (n, C, H, W); b may be empty. `packed` (FilterLanes
  // only, optional) holds the weights as conv_filters_pack lays them out,
  // for a caller that packs once for several calls.
  void forward(TensorView<const T> x, TensorView<const T> w, TensorView<const T> b, TensorView<T> y,
               const T* packed = nullptr);
  // d_w += ∂L/∂w, d_b += ∂L/∂b (unless empty), dx += ∂L/∂x (unless empty),
  // from dy and the same x as the forward pass.
  void backward(TensorView<const T> x, TensorView<const T> w, TensorView<const T> dy, TensorView<T> d_w,
                TensorView<T> d_b, TensorView<T> dx);
  std::int64_t bytes() const;

 private:
  ch06::Conv2dWorkspace<T>& workspace_for(std::int64_t n);
  SingleChannelConv single() const;
  FilterLanesConv lanes() const;
  WinogradConv winograd() const;
  // dx += col2im(Wᵀ·dy) image by image, through col_ (the direct routes'
  // input gradient where no direct kernel takes the shape).
  void input_gradient_by_columns(TensorView<const T> w, TensorView<const T> dy, TensorView<T> dx);

  std::array<ch06::Conv2dWorkspace<T>, 2> ws_;
  std::array<const T*, 2> lowered_{};  // which input each workspace's X_col holds (nullptr: none)
  Tensor<T> taps_;                      // FilterLanes: the weights packed
  Tensor<T> col_;                       // one image's ∂L/∂X_col
  WinogradWorkspace wino_;              // Winograd: the transformed tiles and filters
};

}  // namespace nn::layers
