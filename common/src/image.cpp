// image.cpp — a minimal PNG encoder (one IDAT chunk, filter 0 on every row,
// zlib's compress2 and crc32) and the tile grid.
#include "nn/image.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>

#include "nn/error.hpp"

namespace nn::image {

namespace {

void put_u32(std::vector<unsigned char>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<unsigned char>((v >> shift) & 0xFFu));
}

void put_chunk(std::vector<unsigned char>& out, const char* type, const std::vector<unsigned char>& data) {
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  const uLong crc = crc32(0L, out.data() + start, static_cast<uInt>(out.size() - start));
  put_u32(out, static_cast<std::uint32_t>(crc));
}

}  // namespace

void write_png_gray(const std::filesystem::path& png, int height, int width, const std::vector<unsigned char>& grey) {
  if (height <= 0 || width <= 0 || grey.size() != static_cast<std::size_t>(height) * static_cast<std::size_t>(width))
    throw Error("write_png_gray: " + std::to_string(grey.size()) + " pixels for a " + std::to_string(height) + "x" +
                std::to_string(width) + " image");
  std::vector<unsigned char> raw;  // each row: filter byte 0, then the pixels
  raw.reserve(grey.size() + static_cast<std::size_t>(height));
  for (int y = 0; y < height; ++y) {
    raw.push_back(0);
    const auto row = grey.begin() + static_cast<std::ptrdiff_t>(y) * width;
    raw.insert(raw.end(), row, row + width);
  }
  uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<unsigned char> packed(packed_size);
  if (compress2(packed.data(), &packed_size, raw.data(), static_cast<uLong>(raw.size()), 9) != Z_OK)
    throw Error("write_png_gray: zlib failed");
  packed.resize(packed_size);

  std::vector<unsigned char> file = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  std::vector<unsigned char> header;
  put_u32(header, static_cast<std::uint32_t>(width));
  put_u32(header, static_cast<std::uint32_t>(height));
  header.insert(header.end(), {8, 0, 0, 0, 0});  // 8-bit, grey, deflate, filter set 0, no interlace
  put_chunk(file, "IHDR", header);
  put_chunk(file, "IDAT", packed);
  put_chunk(file, "IEND", {});
  if (png.has_parent_path()) std::filesystem::create_directories(png.parent_path());
  std::ofstream out(png, std::ios::binary);
  out.write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
  if (!out) throw Error("cannot write " + png.string());
}

std::vector<float> unit_levels(const Tile& t, Scaling scaling) {
  float lo = 0.0f, hi = 1.0f;
  if (scaling != Scaling::Unit && !t.pixels.empty()) {
    const auto [mn, mx] = std::minmax_element(t.pixels.begin(), t.pixels.end());
    lo = *mn;
    hi = *mx;
    if (scaling == Scaling::Symmetric) {
      hi = std::max(std::fabs(lo), std::fabs(hi));
      lo = -hi;
    }
    if (hi <= lo) hi = lo + 1.0f;
  }
  std::vector<float> unit(t.pixels.size());
  for (std::size_t i = 0; i < unit.size(); ++i) unit[i] = std::clamp((t.pixels[i] - lo) / (hi - lo), 0.0f, 1.0f);
  return unit;
}

void write_grid(const std::filesystem::path& png, const std::vector<Tile>& tiles, int columns, int scale,
                Scaling scaling, int gap) {
  if (tiles.empty() || columns <= 0 || scale <= 0 || gap < 0) throw Error("write_grid: nothing to draw");
  int cell_h = 0, cell_w = 0;
  for (const Tile& t : tiles) {
    if (t.pixels.size() != static_cast<std::size_t>(t.height) * static_cast<std::size_t>(t.width))
      throw Error("write_grid: a tile's pixel count does not match its size");
    cell_h = std::max(cell_h, t.height * scale);
    cell_w = std::max(cell_w, t.width * scale);
  }
  const int count = static_cast<int>(tiles.size());
  const int cols = std::min(columns, count), rows = (count + cols - 1) / cols;
  const int height = rows * (cell_h + gap) + gap, width = cols * (cell_w + gap) + gap;
  std::vector<unsigned char> grey(static_cast<std::size_t>(height) * static_cast<std::size_t>(width), 255);
  for (int k = 0; k < count; ++k) {
    const Tile& t = tiles[static_cast<std::size_t>(k)];
    const std::vector<float> unit = unit_levels(t, scaling);
    const int top = gap + (k / cols) * (cell_h + gap), left = gap + (k % cols) * (cell_w + gap);
    for (int y = 0; y < t.height * scale; ++y)
      for (int x = 0; x < t.width * scale; ++x) {
        const float level = unit[static_cast<std::size_t>((y / scale) * t.width + x / scale)] * 255.0f;
        grey[static_cast<std::size_t>(top + y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(left + x)] =
            static_cast<unsigned char>(std::lround(level));
      }
  }
  write_png_gray(png, height, width, grey);
}

std::vector<Tile> plane_tiles(const float* data, int count, int height, int width) {
  std::vector<Tile> tiles;
  const long long plane = static_cast<long long>(height) * width;
  for (int c = 0; c < count; ++c) tiles.push_back({height, width, std::vector<float>(data + c * plane, data + (c + 1) * plane)});
  return tiles;
}

std::vector<Tile> filter_tiles(const float* w, int filters, long long stride, int height, int width) {
  std::vector<Tile> tiles;
  const long long taps = static_cast<long long>(height) * width;
  for (int k = 0; k < filters; ++k) tiles.push_back({height, width, std::vector<float>(w + k * stride, w + k * stride + taps)});
  return tiles;
}

}  // namespace nn::image
