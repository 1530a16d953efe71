// The generated 2-D data sets.
#include <catch2/catch.hpp>

#include "nn/toy_data.hpp"

using namespace nn;

TEST_CASE("toy data: logic gates have the truth tables", "[common][data]") {
  const auto a = make_logic_gate("and"), o = make_logic_gate("or"), x = make_logic_gate("xor");
  CHECK(a.y == std::vector<int>{0, 0, 0, 1});
  CHECK(o.y == std::vector<int>{0, 1, 1, 1});
  CHECK(x.y == std::vector<int>{0, 1, 1, 0});
  CHECK(x.x(3, 0) == 1.0f);
  CHECK(x.x(3, 1) == 1.0f);
  CHECK_THROWS_AS(make_logic_gate("nand"), Error);
}

TEST_CASE("toy data: blobs, circles and spirals have balanced labels and the right shapes", "[common][data]") {
  Rng rng(1);
  for (const auto& d : {make_blobs(rng, 50), make_circles(rng, 50), make_spirals(rng, 50)}) {
    INFO(d.name);
    CHECK(d.size() == 100);
    CHECK(d.x.shape() == Shape{100, 2});
    int ones = 0;
    for (int y : d.y) ones += y;
    CHECK(ones == 50);
  }
}

TEST_CASE("toy data: the same seed gives the same points", "[common][data]") {
  Rng a(3), b(3);
  const auto da = make_spirals(a, 20), db = make_spirals(b, 20);
  for (std::int64_t i = 0; i < da.x.size(); ++i) REQUIRE(da.x[i] == db.x[i]);
}
