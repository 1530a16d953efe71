// Chapter 8 (not exercises): the hand-wired LeNet-5's PyTorch names and
// layouts, and c3's direct kernel against im2col + GEMM (chapter 6's
// conv2d_forward in float lowers with nn::im2col, no exercise).
#include <cstring>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ch06/conv.hpp"
#include "ch08/lenet5.hpp"
#include "nn/conv_filters.hpp"

using namespace nn;
using namespace nn::ch08;

TEST_CASE("LeNet-5 parameters carry PyTorch's names and layouts", "[ch08][shapes]") {
  Rng rng(81);
  LeNet5<float> net = make_lenet5<float>(rng);
  CHECK(net.parameter_count() == 61706);
  std::vector<std::string> names, shapes;
  for (const auto& p : net.params()) {
    names.push_back(p.name);
    shapes.push_back(p.value.shape().str());
    CHECK(p.grad.shape() == p.value.shape());
  }
  CHECK(names == std::vector<std::string>{"c1.weight", "c1.bias", "c3.weight", "c3.bias", "c5.weight", "c5.bias",
                                          "f6.weight", "f6.bias", "output.weight", "output.bias"});
  CHECK(shapes == std::vector<std::string>{Shape{6, 1, 5, 5}.str(), Shape{6}.str(), Shape{16, 6, 5, 5}.str(),
                                           Shape{16}.str(), Shape{120, 16, 5, 5}.str(), Shape{120}.str(),
                                           Shape{84, 120}.str(), Shape{84}.str(), Shape{10, 84}.str(),
                                           Shape{10}.str()});
}

TEST_CASE("LeNet-5's c3 in float: the direct kernel gives im2col + GEMM's result to the bit", "[ch08][simd]") {
  // lenet5_forward runs c3 through nn::conv_filters_forward where AVX-512
  // is there; both sum from zero over (c, i, j) with one fused multiply-add
  // a term and add the bias last, so the outputs are the same floats.
  Rng rng(5);
  const LeNet5<float> net = make_lenet5<float>(rng);
  Tensor<float> p2(net.c3.input_shape(4)), z_gemm(net.c3.output_shape(4)), z_direct(net.c3.output_shape(4));
  for (float& v : p2) v = static_cast<float>(rng.uniform(-1, 1));
  ch06::Conv2dWorkspace<float> ws;
  ch06::conv2d_forward<float>(z_gemm, p2, net.c3_w, net.c3_b, net.c3, ws);
  const FilterLanesConv s{net.c3.in_channels, net.c3.height, net.c3.width, net.c3.out_channels, net.c3.kernel_h};
  std::vector<float> taps(static_cast<std::size_t>(net.c3_w.size()));
  conv_filters_pack(net.c3_w.data(), s, taps.data());
  for (SimdLevel level : available_simd_levels()) {
    INFO("level " << to_string(level));
    const SimdLevel saved = simd_level();
    set_simd_level(level);  // the GEMM at this level too
    ch06::conv2d_forward<float>(z_gemm, p2, net.c3_w, net.c3_b, net.c3, ws);
    kernels::conv_filters_forward_for(level)(p2.data(), 4, s, taps.data(), net.c3_b.data(), z_direct.data());
    set_simd_level(saved);
    if (level == SimdLevel::Avx512)
      CHECK(std::memcmp(z_gemm.data(), z_direct.data(), static_cast<std::size_t>(z_gemm.size()) * sizeof(float)) == 0);
    // Other levels' GEMMs sum in other orders: the same values within rounding.
    for (std::int64_t i = 0; i < z_gemm.size(); ++i) REQUIRE(z_direct[i] == Approx(z_gemm[i]).margin(1e-5));
  }
}
