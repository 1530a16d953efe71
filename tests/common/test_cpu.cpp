// CPU feature detection and the SIMD level switch.
#include <catch2/catch.hpp>

#include "nn/cpu.hpp"
#include "nn/error.hpp"

using namespace nn;

TEST_CASE("cpu: level names parse and print", "[common][cpu]") {
  for (SimdLevel l : {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512})
    CHECK(parse_simd_level(to_string(l)) == l);
  CHECK(parse_simd_level("auto") == detected_simd_level());
  CHECK_THROWS_WITH(parse_simd_level("sse9"), Catch::Contains("unknown SIMD level 'sse9'"));
}

TEST_CASE("cpu: scalar is always available and levels can be lowered, not raised", "[common][cpu]") {
  const auto levels = available_simd_levels();
  REQUIRE(!levels.empty());
  CHECK(levels.front() == SimdLevel::Scalar);
  CHECK(levels.back() == detected_simd_level());
  const SimdLevel saved = simd_level();
  set_simd_level(SimdLevel::Scalar);
  CHECK(simd_level() == SimdLevel::Scalar);
  set_simd_level(saved);
  if (detected_simd_level() != SimdLevel::Avx512)
    CHECK_THROWS_AS(set_simd_level(SimdLevel::Avx512), Error);
}
