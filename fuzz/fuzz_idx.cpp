// fuzz_idx.cpp — the IDX reader (nn/idx.hpp), plain and gzip-compressed:
// the first byte of the input picks images or labels, the rest is the file.
// Whatever it is given, the reader returns data consistent with the header
// it read or throws nn::Error.
#include <cstdint>
#include <cstdlib>

#include "fuzz_common.hpp"
#include "nn/error.hpp"
#include "nn/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const auto& path = nn::fuzz::scratch(".idx");
  nn::fuzz::write_file(path, data + 1, size - 1);
  try {
    if (data[0] & 1) {
      const auto labels = nn::read_idx_labels(path, 10);
      for (auto l : labels)
        if (l >= 10) std::abort();  // the reader promised the range
    } else {
      const nn::IdxImages images = nn::read_idx_images(path);
      if (images.pixels.size() != static_cast<std::size_t>(images.count * images.rows * images.cols)) std::abort();
    }
  } catch (const nn::Error&) {
  }
  return 0;
}
