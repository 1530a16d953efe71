// Chapter 6 shape arithmetic (not exercises): output sizes and their
// errors, padding modes, the parameter-count arguments of the lecture and
// the receptive-field formula.
#include <catch2/catch.hpp>

#include "ch06/shapes.hpp"
#include "nn/error.hpp"

using namespace nn;
using namespace nn::ch06;

TEST_CASE("output size O = (W - K + 2P)/S + 1 on the lecture's layers", "[ch06][shapes]") {
  CHECK(conv_output_size(227, 11, 0, 4) == 55);  // AlexNet conv1
  CHECK(conv_output_size(55, 3, 0, 2) == 27);    // its 3x3/2 max-pool
  CHECK(conv_output_size(27, 5, 2, 1) == 27);    // conv2, same padding
  CHECK(conv_output_size(13, 3, 1, 1) == 13);    // conv3-5
  CHECK(conv_output_size(32, 5, 0, 1) == 28);    // LeNet C1
  CHECK(conv_output_size(7, 3, 0, 1) == 5);      // stride 1 on 7x7: 5x5
  CHECK(conv_output_size(7, 3, 0, 2) == 3);      // stride 2: 3x3
  CHECK(conv_output_size(32, 5, 2, 2) == 16);    // the 32x32x3 net's conv2, floor of 16.5
  CHECK(conv_output_size(5, 3, 0, 1, 2) == 1);   // dilation 2: a 5-pixel window
  CHECK(conv_output_size(10, 3, 2, 1, 2) == 10); // dilated same padding
}

TEST_CASE("impossible shapes are errors that name the numbers", "[ch06][shapes]") {
  CHECK_THROWS_WITH(conv_output_size(4, 5, 0, 1), Catch::Contains("does not fit") && Catch::Contains("kernel 5"));
  CHECK_THROWS_WITH(conv_output_size(5, 3, 0, 1, 3), Catch::Contains("does not fit"));  // window of 7
  CHECK_THROWS_WITH(conv_output_size(7, 3, 0, 0), Catch::Contains("stride"));
  CHECK_THROWS_AS(conv_output_size(7, 0, 0, 1), Error);
  CHECK_THROWS_AS(conv_output_size(7, 3, -1, 1), Error);
  CHECK_THROWS_AS(conv_output_size(0, 1, 0, 1), Error);
  // 7x7, 3x3, stride 3: (7 - 3)/3 is not whole. Floor drops the last column; Exact refuses.
  CHECK(conv_output_size(7, 3, 0, 3) == 2);
  CHECK_THROWS_WITH(conv_output_size(7, 3, 0, 3, 1, Rounding::Exact), Catch::Contains("4/3"));
  CHECK(conv_output_size(227, 11, 0, 4, 1, Rounding::Exact) == 55);
  Conv2dGeometry g{3, 8, 8, 4, 3, 3, 1, 1, 1, 2};  // 2 groups do not divide 3 channels
  CHECK_THROWS_WITH(g.validate(), Catch::Contains("groups must divide"));
}

TEST_CASE("padding modes valid, same and full", "[ch06][shapes]") {
  CHECK(padding_for(Padding::Valid, 5) == 0);
  CHECK(padding_for(Padding::Same, 5) == 2);
  CHECK(padding_for(Padding::Full, 5) == 4);
  CHECK(padding_for(Padding::Same, 3, 2) == 2);  // dilated window of 5
  CHECK_THROWS_WITH(padding_for(Padding::Same, 4), Catch::Contains("odd"));
  for (int w : {5, 28, 31}) {
    CHECK(conv_output_size(w, 3, padding_for(Padding::Same, 3), 1) == w);
    CHECK(conv_output_size(w, 3, padding_for(Padding::Valid, 3), 1) == w - 2);
    CHECK(conv_output_size(w, 3, padding_for(Padding::Full, 3), 1) == w + 2);
  }
  CHECK(parse_padding("full") == Padding::Full);
  CHECK_THROWS_AS(parse_padding("mirror"), Error);
}

TEST_CASE("parameter counts fully connected vs locally connected vs conv", "[ch06][shapes]") {
  // 1000x1000 image, 1M hidden units (weights only, as in the lecture).
  CHECK(fully_connected_parameters(1000 * 1000, 1000000, false) == 1000000000000LL);
  CHECK(locally_connected_parameters(10, 1, 1000000, false) == 100000000LL);
  CHECK(conv_parameters(10, 10, 1, 100, false) == 10000);
  // 200x200: 400,000 hidden units = 16 billion; local 10x10 fields = 40 million.
  CHECK(fully_connected_parameters(200 * 200, 400000, false) == 16000000000LL);
  CHECK(locally_connected_parameters(10, 1, 400000, false) == 40000000LL);
  // The 32x32x3 net: conv 8 3x3 same, conv 16 5x5/2 same, dense 512, dense 4.
  const Conv2dGeometry c1{3, 32, 32, 8, 3, 3, 1, 1, 1, 1};
  const Conv2dGeometry c2{8, 32, 32, 16, 5, 5, 2, 2, 1, 1};
  CHECK(c1.parameters() == 8 * 3 * 3 * 3 + 8);
  CHECK(c2.out_h() == 16);
  CHECK(c2.parameters() == 16 * 5 * 5 * 8 + 16);
  const std::int64_t total = c1.parameters() + c2.parameters() +
                             fully_connected_parameters(16LL * c2.out_h() * c2.out_w(), 512) +
                             fully_connected_parameters(512, 4);
  CHECK(total == (8 * 3 * 3 * 3 + 8) + (16 * 5 * 5 * 8 + 16) + (16 * 16 * 16 * 512 + 512) + (512 * 4 + 4));
  // Three 3x3 layers vs one 7x7, C channels in and out: 27C^2 vs 49C^2.
  const std::int64_t c = 64;
  CHECK(3 * conv_parameters(3, 3, c, c, false) == 27 * c * c);
  CHECK(conv_parameters(7, 7, c, c, false) == 49 * c * c);
  // AlexNet conv1: 96 11x11x3 filters, 35K weights + 96 biases; groups halve conv2.
  CHECK(conv_parameters(11, 11, 3, 96, false) == 34848);
  const Conv2dGeometry alex2{96, 27, 27, 256, 5, 5, 1, 2, 1, 2};
  CHECK(alex2.parameters() == 256 * 48 * 25 + 256);
}

TEST_CASE("receptive field r = sum (k - 1) prod s + 1", "[ch06][shapes]") {
  CHECK(receptive_field(parse_layers("3,3,3")) == 7);
  CHECK(receptive_field(parse_layers("7")) == 7);
  CHECK(receptive_field(parse_layers("3/2,3/2")) == 7);
  CHECK(receptive_field(parse_layers("3/1/2,3/1/4")) == 1 + 4 + 8);  // dilations 2 and 4
  // AlexNet conv1, pool1, conv2, pool2, conv3, conv4, conv5, pool5: 195 pixels.
  CHECK(receptive_field(parse_layers("11/4,3/2,5,3/2,3,3,3,3/2")) == 195);
  CHECK_THROWS_AS(parse_layers("3,,3"), Error);
  CHECK_THROWS_AS(parse_layers("3/0"), Error);
  CHECK_THROWS_AS(parse_layers("3/1/1/1"), Error);
  CHECK_THROWS_AS(parse_layers("x"), Error);
}
