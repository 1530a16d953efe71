// fuzz_common.hpp — what the fuzz targets share: the parsers read files, so
// each input is written to a file of this process and the parser pointed at
// it. A parser may refuse an input only with nn::Error; anything else (a
// crash, a sanitizer report, another exception escaping) is a finding.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace nn::fuzz {

// A scratch file named after the process, in $TMPDIR (or /tmp).
inline const std::filesystem::path& scratch(const char* suffix) {
  static const std::filesystem::path path = [&] {
    const char* dir = std::getenv("TMPDIR");
    return std::filesystem::path(dir && *dir ? dir : "/tmp") /
           ("nn-fuzz-" + std::to_string(::getpid()) + suffix);
  }();
  return path;
}

inline void write_file(const std::filesystem::path& path, const std::uint8_t* data, std::size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) {
    std::perror(path.c_str());
    std::abort();
  }
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
}

}  // namespace nn::fuzz
