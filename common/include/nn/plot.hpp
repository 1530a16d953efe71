// plot.hpp — PNG plots through gnuplot (via gnuplot-iostream).
//
// Headless by default: every plot is written to a PNG file with gnuplot's
// pngcairo terminal, which needs no display. If gnuplot is not installed, a
// plot prints one warning and is skipped; the CSV beside it still holds the
// numbers. With set_interactive(true) (a program's --show flag) each plot is
// also opened in a window, when a display and a gnuplot with a window
// terminal exist (gnuplot-nox has none: install gnuplot-qt for that).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nn/image.hpp"

namespace nn::plot {

struct Series {
  std::string title;
  std::vector<double> x, y;
  std::string style = "lines lw 2";  // any gnuplot "with" clause
};

// One curve of a per-epoch record list: x = record.epoch, y = scale ·
// record.*field (e.g. the chapters' EpochRecord::validation_accuracy, 100.0
// for percent), drawn as points joined by lines.
template <typename Record>
Series epoch_series(const std::string& title, const std::vector<Record>& records, double Record::*field,
                    double scale = 1.0) {
  Series s;
  s.title = title;
  s.style = "linespoints lw 2 pt 7 ps 0.6";
  for (const Record& r : records) {
    s.x.push_back(static_cast<double>(r.epoch));
    s.y.push_back(scale * (r.*field));
  }
  return s;
}

// A curve through (x, y) points, e.g. the training loss traced every few
// minibatches (ch05::TrainResult::loss_trace), drawn as a plain line.
inline Series points_series(const std::string& title, const std::vector<std::pair<double, double>>& points) {
  Series s;
  s.title = title;
  for (const auto& [x, y] : points) {
    s.x.push_back(x);
    s.y.push_back(y);
  }
  return s;
}

struct Options {
  std::string title, xlabel, ylabel;
  bool log_y = false;
  std::optional<double> y_min, y_max;
  int width = 900, height = 600;
};

// A line (or point) chart of several series.
bool lines(const std::filesystem::path& png, const std::vector<Series>& series, const Options& options);

// Labelled 2-D points.
struct LabelledPoints {
  std::vector<double> x, y;
  std::vector<int> label;  // 0 or 1 (or a class index)
};

// A 2-D classifier's picture: `probability` sampled on a grid of nx × ny
// points over [x_min, x_max] × [y_min, y_max] (row-major, y outer), shown as
// a heat map with the 0.5 contour, and the data points on top.
struct Grid {
  int nx = 0, ny = 0;
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  std::vector<double> probability;  // ny * nx values in [0, 1]
};
bool decision_boundary(const std::filesystem::path& png, const Grid& grid, const LabelledPoints& points,
                       const Options& options);

// A clustered bar chart: one group per category, one bar per series in each
// group (values[i] belongs to categories[i]; a value <= 0 or NaN draws no
// bar), and optional horizontal reference lines (e.g. a peak throughput).
struct BarSeries {
  std::string title;
  std::vector<double> values;
};
struct ReferenceLine {
  std::string title;
  double y = 0.0;
};
bool bars(const std::filesystem::path& png, const std::vector<std::string>& categories,
          const std::vector<BarSeries>& series, const Options& options, const std::vector<ReferenceLine>& lines = {});

// A heat map of a rows × columns matrix (a confusion matrix, say): row 0 at
// the top, column 0 at the left, each cell coloured by its value (white at 0,
// dark blue at the largest) and, with show_values, labelled with it in
// `value_format` (gnuplot's sprintf; white text on dark cells). The row and
// column labels are the tick labels (options.ylabel / xlabel name the axes).
struct HeatMap {
  std::vector<std::string> row_labels, column_labels;
  std::vector<double> values;  // rows × columns, row-major
  bool show_values = true;
  std::string value_format = "%.0f";
  std::string color_label;  // the colour box's label (empty: none)
};
bool heatmap(const std::filesystem::path& png, const HeatMap& map, const Options& options);

// Grey images in a grid, `columns` per row, each with a one-line caption above
// it (misclassified examples, say); each tile's values become grey levels as
// nn::image::write_grid makes them (`scaling`). options.width sets the PNG's
// width, the height follows from the layout.
bool image_grid(const std::filesystem::path& png, const std::vector<image::Tile>& tiles,
                const std::vector<std::string>& captions, int columns, image::Scaling scaling,
                const Options& options);

// Whether plots also open a window.
void set_interactive(bool on);
// Whether gnuplot can be run at all (checked once).
bool available();

}  // namespace nn::plot
