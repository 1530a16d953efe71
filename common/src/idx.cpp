#include "nn/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "nn/error.hpp"

namespace nn {

namespace {

// A gzFile that closes itself and reports errors with the file's name.
class GzReader {
 public:
  explicit GzReader(const std::filesystem::path& path) : path_(path.string()) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw Error(path_ + ": is a directory, expected an IDX file");
    if (!std::filesystem::exists(path, ec)) throw Error(path_ + ": no such file");
    file_ = gzopen(path_.c_str(), "rb");
    if (!file_) throw Error(path_ + ": cannot open: " + std::strerror(errno));
    // Large reads for the data sets, no more buffer than a small file needs.
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    gzbuffer(file_, static_cast<unsigned>(ec ? 1u << 17 : std::clamp<std::uintmax_t>(size, 8192, 1u << 17)));
  }
  ~GzReader() {
    if (file_) gzclose(file_);
  }
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;

  // Reads up to n bytes; returns how many were read (fewer only at the end).
  std::size_t read(void* dst, std::size_t n) {
    auto* out = static_cast<unsigned char*>(dst);
    std::size_t done = 0;
    while (done < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, 1u << 30));
      const int got = gzread(file_, out + done, chunk);
      if (got < 0) {
        int code = 0;
        const char* msg = gzerror(file_, &code);
        throw Error(path_ + ": corrupt or unreadable gzip stream (" + std::string(msg ? msg : "unknown error") + ")");
      }
      if (got == 0) break;
      done += static_cast<std::size_t>(got);
    }
    return done;
  }

  void read_exact(void* dst, std::size_t n, const std::string& what) {
    const std::size_t got = read(dst, n);
    if (got != n)
      throw Error(path_ + ": truncated " + what + ": expected " + std::to_string(n) + " bytes, found " +
                  std::to_string(got));
  }

  std::uint32_t read_be32(const std::string& what) {
    unsigned char b[4];
    read_exact(b, 4, what);
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
  }

  // After the declared data, the file must end.
  void expect_end() {
    unsigned char extra[4096];
    std::size_t total = 0, got;
    while ((got = read(extra, sizeof extra)) > 0) total += got;
    if (total)
      throw Error(path_ + ": " + std::to_string(total) +
                  " bytes after the data the header declares (wrong header or a different file appended)");
  }

  // Reads `bytes` declared by the header into a vector that grows as the
  // data arrive, so that a header claiming more than the file holds fails
  // on the missing bytes instead of reserving memory for them.
  std::vector<std::uint8_t> read_declared(std::uint64_t bytes, const std::string& what) {
    if (gzdirect(file_) && bytes > bound_)  // what a plain file holds is known before reading
      throw Error(path_ + ": truncated " + what + ": expected " + std::to_string(bytes) + " bytes, found " +
                  std::to_string(bound_));
    if (bytes > bound_)
      throw Error(path_ + ": the header declares " + what + ", " + std::to_string(bytes) +
                  " bytes, more than the compressed file of " + std::to_string(size_) +
                  " bytes can hold (corrupt header)");
    constexpr std::uint64_t kChunk = 1u << 24;
    std::vector<std::uint8_t> out;
    while (out.size() < bytes) {
      const std::size_t old = out.size();
      const auto chunk = static_cast<std::size_t>(std::min<std::uint64_t>(bytes - old, kChunk));
      out.resize(old + chunk);
      const std::size_t got = read(out.data() + old, chunk);
      if (got != chunk)
        throw Error(path_ + ": truncated " + what + ": expected " + std::to_string(bytes) + " bytes, found " +
                    std::to_string(old + got));
    }
    return out;
  }

  // Called once the `header` bytes are read: from then on gzdirect knows
  // whether the file is compressed, which bounds how many bytes can follow.
  void measure(std::uint64_t header) {
    std::error_code ec;
    size_ = std::filesystem::file_size(path_, ec);
    if (ec) size_ = 0;
    // Deflate expands at most about 1032 : 1; a plain file holds what it holds.
    bound_ = gzdirect(file_) ? (size_ > header ? size_ - header : 0) : size_ * 1032 + 4096;
  }

  const std::string& name() const { return path_; }

 private:
  std::string path_;
  gzFile file_ = nullptr;
  std::uint64_t size_ = 0, bound_ = 0;
};

std::string hex(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

void check_magic(const GzReader& in, std::uint32_t magic, std::uint32_t expected, const char* kind) {
  if (magic == expected) return;
  std::string hint;
  if ((magic & 0xFFFF0000u) == 0x1F8B0000u) hint = " (looks like a gzip stream that was compressed twice)";
  else if (magic == 0x00000801 || magic == 0x00000803)
    hint = magic == 0x00000801 ? " (this is a labels file)" : " (this is an images file)";
  throw Error(in.name() + ": not an IDX " + kind + " file: expected magic number " + hex(expected) + ", found " +
              hex(magic) + hint);
}

}  // namespace

IdxImages read_idx_images(const std::filesystem::path& path) {
  GzReader in(path);
  check_magic(in, in.read_be32("header (magic number)"), 0x00000803, "images");
  IdxImages img;
  img.count = in.read_be32("header (image count)");
  img.rows = in.read_be32("header (rows)");
  img.cols = in.read_be32("header (columns)");
  if (img.rows == 0 || img.cols == 0 || img.rows > 4096 || img.cols > 4096)
    throw Error(in.name() + ": implausible image size " + std::to_string(img.rows) + "x" + std::to_string(img.cols));
  if (img.count > (std::int64_t{1} << 31) / (img.rows * img.cols))
    throw Error(in.name() + ": implausible image count " + std::to_string(img.count));
  in.measure(16);
  img.pixels = in.read_declared(static_cast<std::uint64_t>(img.count * img.rows * img.cols),
                                "pixel data (" + std::to_string(img.count) + " images of " + std::to_string(img.rows) +
                                    "x" + std::to_string(img.cols) + ")");
  in.expect_end();
  return img;
}

std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& path, int num_classes) {
  GzReader in(path);
  check_magic(in, in.read_be32("header (magic number)"), 0x00000801, "labels");
  const std::uint32_t count = in.read_be32("header (label count)");
  if (count > (1u << 31)) throw Error(in.name() + ": implausible label count " + std::to_string(count));
  in.measure(8);
  const std::vector<std::uint8_t> labels = in.read_declared(count, "label data (" + std::to_string(count) + " labels)");
  in.expect_end();
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= num_classes)
      throw Error(in.name() + ": label " + std::to_string(labels[i]) + " at index " + std::to_string(i) +
                  " is out of range: expected 0.." + std::to_string(num_classes - 1));
  return labels;
}

}  // namespace nn
