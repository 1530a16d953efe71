#include "nn/report.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "nn/error.hpp"

namespace nn {

void check_writable_folder(const std::filesystem::path& folder) {
  const std::filesystem::path dir = folder.empty() ? std::filesystem::path(".") : folder;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error("output folder " + dir.string() + " cannot be made: " + ec.message());
  if (!std::filesystem::is_directory(dir)) throw Error("output folder " + dir.string() + " is not a folder");
  const std::filesystem::path probe = dir / (".write-test-" + std::to_string(::getpid()));
  std::FILE* f = std::fopen(probe.c_str(), "wb");
  if (!f) throw Error("output folder " + dir.string() + " is not writable: " + std::strerror(errno));
  const bool ok = std::fputc('x', f) != EOF;
  const bool closed = std::fclose(f) == 0;
  std::filesystem::remove(probe, ec);
  if (!ok || !closed) throw Error("output folder " + dir.string() + " cannot be written to: " + std::strerror(errno));
}

void check_writable(const std::filesystem::path& file) {
  if (std::filesystem::is_directory(file)) throw Error(file.string() + " is a folder, expected a file to write");
  check_writable_folder(file.parent_path());
}

CsvWriter::CsvWriter(const std::filesystem::path& path, const std::vector<std::string>& header, bool append)
    : path_(path), columns_(header.size()) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  std::string head;
  for (std::size_t i = 0; i < header.size(); ++i) head += (i ? "," : "") + header[i];
  if (append && std::filesystem::exists(path)) {
    std::ifstream in(path);
    std::string first;
    std::getline(in, first);
    if (!first.empty() && first != head)
      throw Error("cannot append to " + path.string() + ": its header is '" + first + "', expected '" + head + "'");
    out_.open(path, std::ios::app);
    if (!out_) throw Error("cannot open " + path.string() + " for appending");
    if (first.empty()) out_ << head << '\n';
    return;
  }
  out_.open(path);
  if (!out_) throw Error("cannot open " + path.string() + " for writing");
  out_ << head << '\n';
}

void CsvWriter::check_columns(std::size_t n) {
  if (n != columns_)
    throw Error("CSV " + path_.string() + ": row has " + std::to_string(n) + " values, header has " +
                std::to_string(columns_));
}

void CsvWriter::row(std::initializer_list<double> values) { row(std::vector<double>(values)); }

void CsvWriter::row(const std::vector<double>& values) {
  check_columns(values.size());
  char buf[32];
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%.9g", values[i]);
    out_ << (i ? "," : "") << buf;
  }
  out_ << '\n';
  out_.flush();
  if (!out_) throw Error("error writing " + path_.string());
}

void CsvWriter::row(std::string_view label, const std::vector<double>& values) {
  check_columns(values.size() + 1);
  out_ << label;
  char buf[32];
  for (double v : values) {
    std::snprintf(buf, sizeof buf, "%.9g", v);
    out_ << ',' << buf;
  }
  out_ << '\n';
  out_.flush();
  if (!out_) throw Error("error writing " + path_.string());
}

Progress::Progress(std::string label, std::size_t total)
    : label_(std::move(label)), total_(total), tty_(isatty(STDERR_FILENO) != 0) {}

Progress::~Progress() {
  if (drawn_ && !finished_) std::fputc('\n', stderr);
}

void Progress::update(std::size_t done, std::string_view status) {
  const double t = clock_.seconds();
  if (t < 1.0) return;
  const double interval = tty_ ? 0.1 : 5.0;
  if (last_draw_ >= 0.0 && t - last_draw_ < interval) return;
  last_draw_ = t;
  draw(done, status, false);
}

void Progress::finish(std::string_view status) {
  if (finished_) return;
  finished_ = true;
  if (drawn_ || clock_.seconds() >= 1.0) draw(total_, status, true);
}

void Progress::draw(std::size_t done, std::string_view status, bool final_line) {
  constexpr int kWidth = 24;
  const double frac = total_ ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
  const int filled = static_cast<int>(frac * kWidth + 0.5);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "%s%-12s [%s] %zu/%zu  %.*s  %.1f s%s", tty_ ? "\r" : "", label_.c_str(), bar.c_str(),
               done, total_, static_cast<int>(status.size()), status.data(), clock_.seconds(),
               tty_ && !final_line ? "\033[K" : "\n");
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace nn
