// parity_tool.hpp — what the PyTorch parity tools (tests/ch08, ch09, ch10)
// share: a tensor's shape as the dimension list a safetensors entry takes.
#pragma once

#include <cstdint>
#include <vector>

#include "nn/tensor.hpp"

namespace nn::test {

inline std::vector<std::int64_t> dims(const Shape& s) {
  std::vector<std::int64_t> d;
  for (int i = 0; i < s.rank(); ++i) d.push_back(s[i]);
  return d;
}

}  // namespace nn::test
