// image.hpp — pictures of tensors: grey-scale PNG files and grids of tiles
// (filters, feature maps, filtered images), written directly with zlib so
// they need no gnuplot.
#pragma once

#include <filesystem>
#include <vector>

namespace nn::image {

// A grey image: height × width values, row-major.
struct Tile {
  int height = 0, width = 0;
  std::vector<float> pixels;
};

// The first `count` planes of height × width values starting at `data`
// (the channels of one image of a (N, C, H, W) tensor) as tiles.
std::vector<Tile> plane_tiles(const float* data, int count, int height, int width);
// The first input channel of each of `filters` conv filters (a weight laid
// out (K, C, F_h, F_w), `stride` = C·F_h·F_w values per filter) as F_h × F_w tiles.
std::vector<Tile> filter_tiles(const float* w, int filters, long long stride, int height, int width);

// How tile values become grey levels.
enum class Scaling {
  MinMax,     // each tile's own min → black, max → white
  Symmetric,  // each tile: 0 → mid-grey, ±max|v| → white/black (signed filters)
  Unit,       // [0, 1] → black..white, clamped
};

// The tile's values mapped to [0, 1] (0 black, 1 white) as write_grid maps
// them to grey levels; for other renderers of tiles (nn::plot::image_grid).
std::vector<float> unit_levels(const Tile& tile, Scaling scaling);

// Writes an 8-bit grey PNG (values in [0, 255] after clamping and rounding).
void write_png_gray(const std::filesystem::path& png, int height, int width, const std::vector<unsigned char>& grey);

// Lays the tiles out left to right, `columns` per row, each magnified by
// `scale` (nearest neighbour) with a `gap`-pixel border, and writes one PNG.
// Tiles may differ in size (each cell is as large as the largest tile).
void write_grid(const std::filesystem::path& png, const std::vector<Tile>& tiles, int columns, int scale,
                Scaling scaling, int gap = 2);

}  // namespace nn::image
