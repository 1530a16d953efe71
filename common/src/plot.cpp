#include "nn/plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

// gnuplot-iostream opens a pipe to gnuplot and streams data in its format.
#include <gnuplot-iostream.h>

#include "nn/error.hpp"

namespace nn::plot {

namespace {

bool g_interactive = false;

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void common_settings(std::ostream& gp, const Options& o) {
  if (!o.title.empty()) gp << "set title " << quote(o.title) << " noenhanced\n";
  if (!o.xlabel.empty()) gp << "set xlabel " << quote(o.xlabel) << " noenhanced\n";
  if (!o.ylabel.empty()) gp << "set ylabel " << quote(o.ylabel) << " noenhanced\n";
  if (o.log_y) gp << "set logscale y\n";
  if (o.y_min || o.y_max)
    gp << "set yrange [" << (o.y_min ? std::to_string(*o.y_min) : "*") << ":"
       << (o.y_max ? std::to_string(*o.y_max) : "*") << "]\n";
  gp << "set grid\nset key noenhanced\n";
}

void png_terminal(std::ostream& gp, const std::filesystem::path& png, const Options& o) {
  gp << "set terminal pngcairo size " << o.width << "," << o.height << " font \"sans,11\"\n";
  gp << "set output " << quote(png.string()) << "\n";
}

bool prepare(const std::filesystem::path& png) {
  if (!available()) return false;
  if (png.has_parent_path()) std::filesystem::create_directories(png.parent_path());
  return true;
}

template <typename Body>
bool render(const std::filesystem::path& png, const Options& options, Body&& body) {
  if (!prepare(png)) return false;
  {
    Gnuplot gp("gnuplot");
    png_terminal(gp, png, options);
    common_settings(gp, options);
    body(gp);
    gp << "set output\n";
  }  // closing the pipe waits for gnuplot to finish the file
  if (!std::filesystem::exists(png)) {
    std::fprintf(stderr, "warning: gnuplot did not write %s\n", png.string().c_str());
    return false;
  }
  if (g_interactive) {
    if (!std::getenv("DISPLAY")) {
      std::fprintf(stderr, "note: --show needs a display (DISPLAY is not set); see %s\n", png.string().c_str());
    } else {
      Gnuplot gp("gnuplot -persist");
      common_settings(gp, options);
      body(gp);
    }
  }
  return true;
}

}  // namespace

void set_interactive(bool on) { g_interactive = on; }

bool available() {
  static const bool ok = [] {
    const bool found = std::system("command -v gnuplot >/dev/null 2>&1") == 0;
    if (!found)
      std::fprintf(stderr, "warning: gnuplot is not installed, so no PNG plots are written "
                           "(the CSV files hold the same numbers; apt-get install gnuplot-nox)\n");
    return found;
  }();
  return ok;
}

bool lines(const std::filesystem::path& png, const std::vector<Series>& series, const Options& options) {
  // A single x (or y) value, as after one epoch, would give gnuplot an empty
  // range (a warning on stderr): widen it around that value.
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  for (const auto& s : series) {
    for (double x : s.x) {
      if (!std::isfinite(x)) continue;
      x_lo = std::min(x_lo, x);
      x_hi = std::max(x_hi, x);
    }
    for (double y : s.y) {
      if (!std::isfinite(y)) continue;
      y_lo = std::min(y_lo, y);
      y_hi = std::max(y_hi, y);
    }
  }
  return render(png, options, [&](Gnuplot& gp) {
    if (x_lo == x_hi) gp << "set xrange [" << x_lo - 1 << ":" << x_hi + 1 << "]\n";
    if (y_lo == y_hi && !options.y_min && !options.y_max) {
      if (options.log_y && y_lo > 0)
        gp << "set yrange [" << y_lo / 2 << ":" << y_hi * 2 << "]\n";
      else if (!options.log_y)
        gp << "set yrange [" << y_lo - 1 << ":" << y_hi + 1 << "]\n";
    }
    gp << "plot ";
    for (std::size_t i = 0; i < series.size(); ++i)
      gp << (i ? ", " : "") << "'-' with " << series[i].style << " title " << quote(series[i].title);
    gp << "\n";
    for (const auto& s : series) {
      if (s.x.size() != s.y.size()) throw Error("plot series '" + s.title + "' has x and y of different lengths");
      std::vector<std::pair<double, double>> xy;
      xy.reserve(s.x.size());
      for (std::size_t i = 0; i < s.x.size(); ++i) xy.emplace_back(s.x[i], s.y[i]);
      gp.send1d(xy);
    }
  });
}

bool decision_boundary(const std::filesystem::path& png, const Grid& grid, const LabelledPoints& points,
                       const Options& options) {
  if (grid.probability.size() != static_cast<std::size_t>(grid.nx) * static_cast<std::size_t>(grid.ny))
    throw Error("decision_boundary: grid has " + std::to_string(grid.probability.size()) + " values, expected " +
                std::to_string(grid.nx * grid.ny));
  Options o = options;
  o.height = o.width;
  return render(png, o, [&](Gnuplot& gp) {
    const double dx = (grid.x_max - grid.x_min) / (grid.nx - 1);
    const double dy = (grid.y_max - grid.y_min) / (grid.ny - 1);
    // The heat map and the p = 0.5 contour go through a data block so the
    // grid is sent once and used twice.
    gp << "$grid << EOD\n";
    for (int j = 0; j < grid.ny; ++j) {
      for (int i = 0; i < grid.nx; ++i)
        gp << grid.x_min + i * dx << " " << grid.y_min + j * dy << " "
           << grid.probability[static_cast<std::size_t>(j * grid.nx + i)] << "\n";
      gp << "\n";
    }
    gp << "EOD\n";
    gp << "set xrange [" << grid.x_min << ":" << grid.x_max << "]\nset yrange [" << grid.y_min << ":"
       << grid.y_max << "]\n";
    gp << "set size ratio -1\nset cbrange [0:1]\nset cblabel 'P(class 1)'\n";
    gp << "set palette defined (0 '#4575b4', 0.5 '#f7f7f7', 1 '#d73027')\n";
    gp << "set contour base\nset cntrparam levels discrete 0.5\nunset surface\nset view map\n";
    gp << "set table $contour\nsplot $grid using 1:2:3 with lines\nunset table\nunset contour\n";
    gp << "plot $grid using 1:2:3 with image notitle, "
          "$contour using 1:2 with lines lw 2 lc rgb 'black' title 'p = 0.5', "
          "'-' with points pt 7 ps 0.8 lc rgb '#08306b' title 'class 0', "
          "'-' with points pt 9 ps 0.9 lc rgb '#67000d' title 'class 1'\n";
    for (int cls = 0; cls <= 1; ++cls) {
      std::vector<std::pair<double, double>> xy;
      for (std::size_t i = 0; i < points.label.size(); ++i)
        if ((points.label[i] != 0) == (cls == 1)) xy.emplace_back(points.x[i], points.y[i]);
      if (xy.empty()) xy.emplace_back(NAN, NAN);
      gp.send1d(xy);
    }
  });
}

bool bars(const std::filesystem::path& png, const std::vector<std::string>& categories,
          const std::vector<BarSeries>& series, const Options& options, const std::vector<ReferenceLine>& lines) {
  for (const auto& s : series)
    if (s.values.size() != categories.size())
      throw Error("bars: series '" + s.title + "' has " + std::to_string(s.values.size()) + " values for " +
                  std::to_string(categories.size()) + " categories");
  return render(png, options, [&](Gnuplot& gp) {
    gp << "$bars << EOD\n";
    for (std::size_t i = 0; i < categories.size(); ++i) {
      gp << quote(categories[i]);
      for (const auto& s : series) {
        const double v = s.values[i];
        if (v > 0.0)
          gp << " " << v;
        else
          gp << " NaN";
      }
      gp << "\n";
    }
    gp << "EOD\n";
    gp << "set style data histograms\nset style histogram clustered gap 1\n"
          "set style fill solid 0.85 border -1\nset boxwidth 0.9\nset xtics rotate by -25 noenhanced\n"
          "set key top left\n";
    gp << "set xrange [-0.6:" << static_cast<double>(categories.size()) - 0.4 << "]\n";
    if (!options.y_min && !options.log_y) gp << "set yrange [0:*]\n";
    gp << "plot ";
    for (std::size_t i = 0; i < series.size(); ++i)
      gp << (i ? ", " : "") << "$bars using " << i + 2 << (i == 0 ? ":xtic(1)" : "") << " title "
         << quote(series[i].title);
    for (const auto& l : lines)
      gp << ", " << l.y << " with lines lw 2 dt 2 title " << quote(l.title);
    gp << "\n";
  });
}

bool heatmap(const std::filesystem::path& png, const HeatMap& map, const Options& options) {
  const std::size_t rows = map.row_labels.size(), cols = map.column_labels.size();
  if (rows == 0 || cols == 0 || map.values.size() != rows * cols)
    throw Error("heatmap: " + std::to_string(map.values.size()) + " values for " + std::to_string(rows) + " rows and " +
                std::to_string(cols) + " columns");
  double top = 0.0;
  for (double v : map.values)
    if (std::isfinite(v)) top = std::max(top, v);
  if (top <= 0.0) top = 1.0;
  return render(png, options, [&](Gnuplot& gp) {
    gp << "$map << EOD\n";
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t c = 0; c < cols; ++c) gp << (c ? " " : "") << map.values[r * cols + c];
      gp << "\n";
    }
    gp << "EOD\n";
    auto tics = [&](const char* axis, const std::vector<std::string>& labels, const char* how) {
      gp << "set " << axis << " " << how << " noenhanced (";
      for (std::size_t i = 0; i < labels.size(); ++i) gp << (i ? ", " : "") << quote(labels[i]) << " " << i;
      gp << ")\n";
    };
    tics("xtics", map.column_labels, "rotate by 30 right");
    tics("ytics", map.row_labels, "");
    gp << "unset grid\nset tics scale 0\nset size ratio -1\n";
    gp << "set xrange [-0.5:" << static_cast<double>(cols) - 0.5 << "]\nset yrange ["
       << static_cast<double>(rows) - 0.5 << ":-0.5]\n";
    gp << "set cbrange [0:" << top << "]\nset palette defined (0 '#ffffff', 0.4 '#9ecae1', 1 '#08306b')\n";
    if (!map.color_label.empty()) gp << "set cblabel " << quote(map.color_label) << " noenhanced\n";
    gp << "plot $map matrix with image notitle";
    if (map.show_values) {
      const std::string fmt = quote(map.value_format);
      const double dark = 0.55 * top;  // white text from here up
      gp << ", $map matrix using 1:2:($3 >= " << dark << " ? sprintf(" << fmt
         << ", $3) : \"\") with labels tc rgb 'white' notitle"
         << ", $map matrix using 1:2:($3 < " << dark << " ? sprintf(" << fmt
         << ", $3) : \"\") with labels tc rgb 'black' notitle";
    }
    gp << "\n";
  });
}

bool image_grid(const std::filesystem::path& png, const std::vector<image::Tile>& tiles,
                const std::vector<std::string>& captions, int columns, image::Scaling scaling,
                const Options& options) {
  if (tiles.empty() || columns <= 0) throw Error("image_grid: nothing to draw");
  if (captions.size() != tiles.size())
    throw Error("image_grid: " + std::to_string(captions.size()) + " captions for " + std::to_string(tiles.size()) +
                " tiles");
  int h = 0, w = 0;
  for (const image::Tile& t : tiles) {
    if (t.pixels.size() != static_cast<std::size_t>(t.height) * static_cast<std::size_t>(t.width))
      throw Error("image_grid: a tile's pixel count does not match its size");
    h = std::max(h, t.height);
    w = std::max(w, t.width);
  }
  // The layout in tile pixels: each cell is a caption strip above a tile,
  // cells wider than the tiles so a caption of ~22 characters fits.
  const int count = static_cast<int>(tiles.size());
  const int cols = std::min(columns, count), rows = (count + cols - 1) / cols;
  const double cell_w = 1.7 * w, caption = 0.4 * h, cell_h = h + caption + 0.15 * h;
  const double total_w = cols * cell_w, total_h = rows * cell_h;
  Options o = options;
  const double title_px = o.title.empty() ? 8.0 : 40.0;
  o.height = static_cast<int>(std::lround(o.width * total_h / total_w + title_px));
  return render(png, o, [&](Gnuplot& gp) {
    gp << "unset border\nunset tics\nunset grid\nunset key\nunset colorbox\nunset xlabel\nunset ylabel\n";
    gp << "set lmargin 0\nset rmargin 0\nset bmargin 0\nset tmargin " << (o.title.empty() ? 0.5 : 2.5) << "\n";
    gp << "set size ratio -1\nset palette gray\nset cbrange [0:1]\n";
    gp << "set xrange [0:" << total_w << "]\nset yrange [" << total_h << ":0]\n";
    for (int k = 0; k < count; ++k) {
      const image::Tile& t = tiles[static_cast<std::size_t>(k)];
      const std::vector<float> unit = image::unit_levels(t, scaling);
      gp << "$t" << k << " << EOD\n";
      for (int y = 0; y < t.height; ++y) {
        for (int x = 0; x < t.width; ++x)
          gp << (x ? " " : "") << static_cast<double>(unit[static_cast<std::size_t>(y * t.width + x)]);
        gp << "\n";
      }
      gp << "EOD\n";
      const double left = (k % cols) * cell_w, top = (k / cols) * cell_h;
      gp << "set label " << k + 1 << " " << quote(captions[static_cast<std::size_t>(k)]) << " at "
         << left + 0.5 * cell_w << "," << top + 0.6 * caption << " center noenhanced font \",9\"\n";
    }
    gp << "plot ";
    for (int k = 0; k < count; ++k) {
      const image::Tile& t = tiles[static_cast<std::size_t>(k)];
      const double left = (k % cols) * cell_w + 0.5 * (cell_w - t.width) + 0.5;
      const double top = (k / cols) * cell_h + caption + 0.5;
      gp << (k ? ", " : "") << "$t" << k << " matrix using ($1+" << left << "):($2+" << top
         << "):3 with image notitle";
    }
    gp << "\n";
  });
}

}  // namespace nn::plot
