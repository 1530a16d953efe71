// The tensor type: shapes, row-major indexing, alignment, value semantics,
// and (in Debug builds) the bounds checks.
#include <cstdint>

#include <catch2/catch.hpp>

#include "nn/error.hpp"
#include "nn/tensor.hpp"

using namespace nn;

TEST_CASE("tensor: shape, size and row-major layout", "[common][tensor]") {
  Tensor<float> t(Shape{2, 3, 4, 5});
  CHECK(t.rank() == 4);
  CHECK(t.size() == 120);
  CHECK(t.shape().str() == "[2, 3, 4, 5]");
  for (float v : t) REQUIRE(v == 0.0f);  // zero-initialised
  t(1, 2, 3, 4) = 7.0f;
  CHECK(t[119] == 7.0f);  // the last element
  t(1, 0, 0, 0) = 3.0f;
  CHECK(t[60] == 3.0f);  // one batch item is C·H·W = 60 elements
  CHECK(t.view().row(1)[0] == 3.0f);
  Tensor<double> m(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
  CHECK(m(1, 0) == 4.0);
  CHECK(m(0, 2) == 3.0);
}

TEST_CASE("tensor: storage is 64-byte aligned", "[common][tensor]") {
  for (std::int64_t n : {1, 3, 17, 1000}) {
    Tensor<float> t(Shape{n});
    CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % 64 == 0);
  }
}

TEST_CASE("tensor: copies are deep, moves are cheap", "[common][tensor]") {
  Tensor<float> a(Shape{4}, {1, 2, 3, 4});
  Tensor<float> b = a;
  b(0) = 10.0f;
  CHECK(a(0) == 1.0f);
  const float* storage = b.data();
  Tensor<float> c = std::move(b);
  CHECK(c.data() == storage);
  CHECK(c(0) == 10.0f);
}

TEST_CASE("tensor: views share storage and reshape keeps the element count", "[common][tensor]") {
  Tensor<float> a(Shape{2, 6});
  TensorView<float> v = a.view().reshape(Shape{3, 4});
  v(2, 3) = 5.0f;
  CHECK(a(1, 5) == 5.0f);
  TensorView<const float> cv = v;  // mutable → const view
  CHECK(cv(2, 3) == 5.0f);
  CHECK_THROWS_AS(a.view().reshape(Shape{5, 5}), Error);
  CHECK_THROWS_AS((Tensor<float>(Shape{2}, {1, 2, 3})), Error);
  CHECK_THROWS_AS(Shape({-1}), Error);
}

TEST_CASE("tensor: rows(r0, r1) views examples r0 to r1 - 1 of a batch and rejects a range outside it",
          "[common][tensor]") {
  Tensor<float> t(Shape{5, 2, 3});
  for (std::int64_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i);
  const TensorView<float> mid = t.view().rows(1, 3);
  CHECK(mid.shape() == Shape{2, 2, 3});
  CHECK(mid.data() == t.data() + 6);
  CHECK(mid(1, 1, 2) == t(2, 1, 2));
  mid(0, 0, 0) = -1.0f;  // the same storage
  CHECK(t(1, 0, 0) == -1.0f);
  CHECK(t.view().rows(5, 5).size() == 0);
  CHECK_THROWS_AS(t.view().rows(2, 6), Error);
  CHECK_THROWS_AS(t.view().rows(3, 2), Error);
  CHECK_THROWS_AS(t.view().rows(-1, 2), Error);
}

TEST_CASE("tensor: tensor_cast converts element by element", "[common][tensor]") {
  Tensor<float> f(Shape{3}, {0.5f, -1.25f, 3.0f});
  Tensor<double> d = tensor_cast<double>(f);
  CHECK(d.shape() == f.shape());
  CHECK(d(1) == -1.25);
}

#ifdef NN_BOUNDS_CHECK
TEST_CASE("tensor: out-of-range indices throw in bounds-checked builds", "[common][tensor]") {
  Tensor<float> t(Shape{2, 3});
  CHECK_THROWS_WITH(t(2, 0), Catch::Contains("index 2 on axis 0"));
  CHECK_THROWS_WITH(t(0, 3), Catch::Contains("index 3 on axis 1"));
  CHECK_THROWS_WITH(t(0), Catch::Contains("indexed with 1 indices"));
  CHECK_THROWS(t[6]);
}
#endif
