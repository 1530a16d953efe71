// report.hpp — what a long run tells its user: CSV files of the numbers,
// a progress line while it runs, and a stopwatch.
#pragma once

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace nn {

// Makes `folder` (and its parents) if needed and proves that a file can be
// written in it, by writing and removing one; otherwise nn::Error naming the
// folder and the reason. Programs call it before a long run, not after it.
void check_writable_folder(const std::filesystem::path& folder);
// The same for the folder of `file`, and `file` itself must not be a folder.
void check_writable(const std::filesystem::path& file);

// Writes a CSV file with a header row. Values are written with enough digits
// to read back the same float.
class CsvWriter {
 public:
  // append: keep the rows of an existing file with the same header (a
  // resumed run's log goes on where the interrupted one stopped); a file
  // with another header is an error naming both.
  CsvWriter(const std::filesystem::path& path, const std::vector<std::string>& header, bool append = false);
  // A row of numbers, as many as header columns. Each row is flushed: a run
  // that is killed keeps the rows written so far.
  void row(std::initializer_list<double> values);
  void row(const std::vector<double>& values);
  // A row whose first column is a label (e.g. a dataset name).
  void row(std::string_view label, const std::vector<double>& values);
  const std::filesystem::path& path() const { return path_; }

 private:
  void check_columns(std::size_t n);
  std::filesystem::path path_;
  std::ofstream out_;
  std::size_t columns_;
};

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  void restart() { start_ = std::chrono::steady_clock::now(); }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// A progress line on stderr for loops that may take more than a second:
//   "training   [#########.........] 450/1000  loss 0.3127  1.2 s"
// Nothing is printed for the first second (short loops stay quiet). On a
// terminal the line is redrawn in place; otherwise (CI logs) a line is printed
// every 5 seconds. finish() prints the last state and a newline.
class Progress {
 public:
  Progress(std::string label, std::size_t total);
  ~Progress();
  void update(std::size_t done, std::string_view status = {});
  void finish(std::string_view status = {});

 private:
  void draw(std::size_t done, std::string_view status, bool final_line);
  std::string label_;
  std::size_t total_;
  Stopwatch clock_;
  double last_draw_ = -1.0;
  bool tty_;
  bool drawn_ = false;
  bool finished_ = false;
};

}  // namespace nn
