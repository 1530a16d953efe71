// idx.hpp — reading the IDX files of MNIST and Fashion-MNIST, plain or
// gzip-compressed.
//
// An IDX file is a big-endian header followed by raw bytes:
//   images (magic 0x00000803): int32 magic, int32 count, int32 rows, int32 cols,
//                              then count·rows·cols unsigned bytes (row-major)
//   labels (magic 0x00000801): int32 magic, int32 count, then count bytes
// The file is streamed through zlib (gzread reads gzip and plain files
// alike), so the compressed file is never held in memory. Every check the
// format allows is made — magic, dimension count, declared sizes against the
// bytes actually present (no short or over-long file), label range — and a
// failure throws nn::Error naming the file, what was expected and what was
// found.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace nn {

struct IdxImages {
  std::int64_t count = 0, rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels;  // count · rows · cols, row-major
};

IdxImages read_idx_images(const std::filesystem::path& path);
// Labels must lie in [0, num_classes).
std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& path, int num_classes = 10);

}  // namespace nn
