// safetensors.hpp — checkpoints in the safetensors format.
//
// Layout of a .safetensors file:
//   8 bytes     N, the header length (unsigned 64-bit, little-endian)
//   N bytes     a JSON object: for each tensor
//                 "name": {"dtype": "F32", "shape": [out, in], "data_offsets": [begin, end]}
//               and optionally "__metadata__": {"key": "value", ...}
//               (padded with spaces to a multiple of 8 bytes)
//   the rest    raw little-endian data; offsets are relative to its start
//
// Names and layouts follow PyTorch (fc1.weight is [out, in], a conv weight
// [out_c, in_c, kh, kw]) so that a state dict round-trips; see the chapter 5
// README for the few lines of Python that read and write these files.
//
// Saving is atomic: the file is written under a temporary name, flushed to
// disk, then renamed over the target, so an interrupted save never destroys
// the previous checkpoint. Loading checks every name, dtype, shape and
// offset, and copies into the model only when everything matched, so a wrong
// checkpoint changes nothing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace nn {

// One float32 tensor to save or load: its name, its PyTorch-layout shape,
// and the memory holding shape-product floats.
struct NamedTensor {
  std::string name;
  std::vector<std::int64_t> shape;
  std::span<float> data;
};
struct NamedConstTensor {
  std::string name;
  std::vector<std::int64_t> shape;
  std::span<const float> data;
};

struct SaveOptions {
  std::map<std::string, std::string> metadata;
  // Called after the temporary file is complete and before the rename; a
  // test uses it to simulate a crash at the worst moment.
  std::function<void(const std::filesystem::path& temporary)> before_rename;
};

void save_safetensors(const std::filesystem::path& path, const std::vector<NamedConstTensor>& tensors,
                      const SaveOptions& options = {});

// A parsed and validated safetensors file.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::filesystem::path& path);

  struct Entry {
    std::string dtype;
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0, end = 0;
  };
  const std::map<std::string, Entry>& entries() const { return entries_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool contains(const std::string& name) const { return entries_.count(name) != 0; }
  const std::string& path() const { return path_; }
  // Copies a float32 tensor out, checking its dtype and shape.
  void read(const std::string& name, const std::vector<std::int64_t>& expected_shape, std::span<float> out) const;

 private:
  std::string path_;
  std::vector<unsigned char> data_;  // the data section
  std::map<std::string, Entry> entries_;
  std::map<std::string, std::string> metadata_;
};

// Loads every tensor of `slots` from `path`, all or nothing: names, dtypes
// and shapes are checked for all of them before any is written. A tensor in
// the file that no slot asks for is an error, unless its name starts with a
// non-empty `ignored_prefix` (a checkpoint's "optimizer." state, when only
// the weights are wanted). Returns the file's metadata.
std::map<std::string, std::string> load_safetensors(const std::filesystem::path& path,
                                                    const std::vector<NamedTensor>& slots,
                                                    const std::string& ignored_prefix = "");
// The same from a file already read (whose metadata the caller has checked).
void load_safetensors(const SafetensorsFile& file, const std::vector<NamedTensor>& slots,
                      const std::string& ignored_prefix = "");

std::string shape_string(const std::vector<std::int64_t>& shape);

}  // namespace nn
