// fuzz_safetensors.cpp — the safetensors reader (nn/safetensors.hpp): header
// length, JSON header, dtypes, shapes, offsets, metadata. Every entry it
// accepts must lie inside the data it read, and reading it as float32 must
// either succeed or throw nn::Error.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "fuzz_common.hpp"
#include "nn/error.hpp"
#include "nn/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& path = nn::fuzz::scratch(".safetensors");
  nn::fuzz::write_file(path, data, size);
  try {
    const nn::SafetensorsFile file(path);
    for (const auto& [name, e] : file.entries()) {
      if (e.begin > e.end || e.end > size) std::abort();
      if (e.dtype != "F32" || e.end - e.begin > (1u << 20)) continue;
      std::vector<float> out((e.end - e.begin) / sizeof(float));
      file.read(name, e.shape, out);
    }
  } catch (const nn::Error&) {
  }
  return 0;
}
