// shapes.hpp — Chapter 6: the arithmetic of convolution shapes, in one place.
//
// A window of K taps with dilation D covers K_eff = D(K − 1) + 1 pixels.
// Sliding it with stride S over an input of W pixels padded by P zeros on
// each side gives
//   O = ⌊(W + 2P − K_eff) / S⌋ + 1            (D = 1: O = (W − K + 2P)/S + 1)
// positions. Padding modes for an odd K_eff:
//   valid  P = 0                  O = W − K_eff + 1 (stride 1)
//   same   P = (K_eff − 1)/2      O = W            (stride 1)
//   full   P = K_eff − 1          O = W + K_eff − 1 (stride 1): every partial overlap
// Parameters of a conv layer with K filters of F_h×F_w over C_in channels in
// G groups: (F_h·F_w·C_in/G)·K + K (the bias). The receptive field of a stack
// of layers with kernels k_l and strides s_l:
//   r = Σ_l (k_l − 1) Π_{i<l} s_i + 1
// Derivations: chapters/ch06_convolution/README.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nn/im2col.hpp"
#include "nn/tensor.hpp"

namespace nn::ch06 {

// D(K − 1) + 1. Throws for K < 1 or D < 1.
int effective_kernel(int kernel, int dilation = 1);

enum class Padding { Valid, Same, Full };
Padding parse_padding(std::string_view text);  // "valid", "same", "full"
// The P of a padding mode; "same" needs an odd K_eff (else an error).
int padding_for(Padding mode, int kernel, int dilation = 1);

// Floor: the last windows that would hang over the padded edge are dropped
// (as PyTorch does). Exact: that is an error instead (the strict O = ... + 1
// of the lecture, which must be a whole number).
enum class Rounding { Floor, Exact };

// The output size O above. Throws nn::Error naming the numbers when the
// shape cannot work: kernel, stride or dilation < 1, pad < 0, a padded input
// smaller than the window, or (Exact) a stride that does not tile it.
int conv_output_size(int input, int kernel, int pad, int stride, int dilation = 1,
                     Rounding rounding = Rounding::Floor);

// One 2-D convolution layer: K filters, each spanning C/G input channels.
struct Conv2dGeometry {
  int in_channels = 0, height = 0, width = 0;  // C, H, W of the input
  int out_channels = 0;                        // K (filters = output channels)
  int kernel_h = 0, kernel_w = 0;              // F_h, F_w
  int stride = 1, pad = 0, dilation = 1, groups = 1;

  int out_h() const;  // via conv_output_size (Floor)
  int out_w() const;
  // Throws unless sizes are positive, G divides C and K, and the output fits.
  void validate() const;
  Shape input_shape(std::int64_t n) const { return {n, in_channels, height, width}; }
  Shape output_shape(std::int64_t n) const { return {n, out_channels, out_h(), out_w()}; }
  Shape weight_shape() const { return {out_channels, in_channels / groups, kernel_h, kernel_w}; }
  std::int64_t parameters() const;  // K·(C/G)·F_h·F_w + K
  Im2colShape im2col_shape() const;  // all C channels; group g owns rows g·(C/G)·F_h·F_w ..
  std::string str() const;           // e.g. "3x227x227 -> 96x55x55, 11x11/4 pad 0"
};

// ---- the parameter-count arguments -------------------------------------------
// Weights (with biases) connecting an H×W×C image to `hidden` units:
//   fully connected   every unit sees every pixel:      (H·W·C)·hidden + hidden
//   locally connected every unit its own F×F·C field:   (F·F·C)·hidden + hidden
//   convolutional     `filters` shared F×F·C filters:   (F·F·C)·filters + filters
std::int64_t fully_connected_parameters(std::int64_t inputs, std::int64_t hidden, bool bias = true);
std::int64_t locally_connected_parameters(std::int64_t field, std::int64_t channels, std::int64_t hidden,
                                          bool bias = true);
std::int64_t conv_parameters(std::int64_t field_h, std::int64_t field_w, std::int64_t channels, std::int64_t filters,
                             bool bias = true);

// ---- receptive field ---------------------------------------------------------
struct LayerSpec {
  int kernel = 1, stride = 1, dilation = 1;
};
// Parses "3,3,3" (kernels, stride 1) or "11/4,3/2,5" (kernel/stride) or with
// dilation "3/1/2". Throws on anything else.
std::vector<LayerSpec> parse_layers(std::string_view text);
// r = Σ_l (K_eff,l − 1) Π_{i<l} s_i + 1: the input pixels one unit of the last layer sees.
std::int64_t receptive_field(const std::vector<LayerSpec>& layers);

}  // namespace nn::ch06
