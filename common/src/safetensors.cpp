#include "nn/safetensors.hpp"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "nn/error.hpp"

namespace nn {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; a big-endian port must byte-swap here");

namespace {

using json = nlohmann::json;

constexpr std::uint64_t kMaxHeader = 100u << 20;  // the format's own limit is 100 MB

std::size_t dtype_size(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL" || dtype == "F8_E4M3" || dtype == "F8_E5M2") return 1;
  return 0;
}

std::int64_t numel(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

}  // namespace

std::string shape_string(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

void save_safetensors(const std::filesystem::path& path, const std::vector<NamedConstTensor>& tensors,
                      const SaveOptions& options) {
  json header = json::object();
  std::uint64_t offset = 0;
  for (const auto& t : tensors) {
    if (t.name.empty() || t.name == "__metadata__") throw Error("safetensors: invalid tensor name '" + t.name + "'");
    if (header.contains(t.name)) throw Error("safetensors: tensor name '" + t.name + "' appears twice");
    if (static_cast<std::int64_t>(t.data.size()) != numel(t.shape))
      throw Error("safetensors: tensor '" + t.name + "' has shape " + shape_string(t.shape) + " but " +
                  std::to_string(t.data.size()) + " values");
    const std::uint64_t bytes = t.data.size() * sizeof(float);
    header[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  if (!options.metadata.empty()) header["__metadata__"] = options.metadata;
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');

  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  const std::filesystem::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw Error("cannot write checkpoint " + tmp.string() + ": " + std::strerror(errno));
  bool ok = true;
  const std::uint64_t n = text.size();
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));
  ok = ok && std::fwrite(len, 1, 8, f) == 8;
  ok = ok && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  for (const auto& t : tensors)
    ok = ok && std::fwrite(t.data.data(), sizeof(float), t.data.size(), f) == t.data.size();
  ok = ok && std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  const int saved_errno = errno;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::filesystem::remove(tmp);
    throw Error("cannot write checkpoint " + tmp.string() + ": " + std::strerror(saved_errno) +
                " (the previous " + path.string() + " is untouched)");
  }
  try {
    if (options.before_rename) options.before_rename(tmp);
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error("cannot rename checkpoint into place at " + path.string() + ": " + ec.message());
  }
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path) : path_(path.string()) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error("checkpoint " + path_ + ": no such file");
  const std::uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) throw Error("checkpoint " + path_ + ": " + ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("checkpoint " + path_ + ": cannot open");
  if (size < 8)
    throw Error("checkpoint " + path_ + ": not a safetensors file: " + std::to_string(size) +
                " bytes, too short for the 8-byte header length");
  unsigned char len[8];
  in.read(reinterpret_cast<char*>(len), 8);
  std::uint64_t header_len = 0;
  for (int i = 0; i < 8; ++i) header_len |= std::uint64_t{len[i]} << (8 * i);
  if (header_len > kMaxHeader || header_len > size - 8)
    throw Error("checkpoint " + path_ + ": header length " + std::to_string(header_len) +
                " does not fit in the file of " + std::to_string(size) + " bytes (truncated or not safetensors)");
  std::string text(header_len, '\0');
  in.read(text.data(), static_cast<std::streamsize>(header_len));
  json header;
  try {
    header = json::parse(text);
  } catch (const json::exception& e) {
    throw Error("checkpoint " + path_ + ": header is not valid JSON (" + e.what() + ")");
  }
  if (!header.is_object()) throw Error("checkpoint " + path_ + ": header is JSON but not an object");

  const std::uint64_t data_size = size - 8 - header_len;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) throw Error("checkpoint " + path_ + ": __metadata__ must be an object of strings");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string())
          throw Error("checkpoint " + path_ + ": metadata '" + m.key() + "' is not a string");
        metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string where = "checkpoint " + path_ + ": tensor '" + name + "'";
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets"))
      throw Error(where + ": expected an object with dtype, shape and data_offsets");
    Entry e;
    if (!v["dtype"].is_string() || dtype_size(v["dtype"].get<std::string>()) == 0)
      throw Error(where + ": unknown dtype " + v["dtype"].dump());
    e.dtype = v["dtype"].get<std::string>();
    if (!v["shape"].is_array()) throw Error(where + ": shape is not an array");
    for (const auto& d : v["shape"]) {
      if (!d.is_number_integer() || d.get<std::int64_t>() < 0)
        throw Error(where + ": shape " + v["shape"].dump() + " has an entry that is not a non-negative integer");
      e.shape.push_back(d.get<std::int64_t>());
    }
    const json& off = v["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      throw Error(where + ": data_offsets must be [begin, end]");
    e.begin = off[0].get<std::uint64_t>();
    e.end = off[1].get<std::uint64_t>();
    // The byte count, refused before the product of large dimensions
    // overflows 64 bits (it is compared with the offsets below).
    const bool empty = std::find(e.shape.begin(), e.shape.end(), 0) != e.shape.end();
    std::uint64_t elements = empty ? 0 : 1;
    const std::uint64_t room = std::numeric_limits<std::uint64_t>::max() / dtype_size(e.dtype);
    for (std::int64_t d : e.shape) {
      if (empty) break;
      const auto u = static_cast<std::uint64_t>(d);
      if (elements > room / u)
        throw Error(where + ": shape " + shape_string(e.shape) + " of " + e.dtype +
                    " has more bytes than 64 bits can count");
      elements *= u;
    }
    const std::uint64_t expected_bytes = elements * dtype_size(e.dtype);
    if (e.begin > e.end || e.end > data_size)
      throw Error(where + ": data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                  "] lie outside the data section of " + std::to_string(data_size) + " bytes (file truncated?)");
    if (e.end - e.begin != expected_bytes)
      throw Error(where + ": data_offsets span " + std::to_string(e.end - e.begin) + " bytes but " + e.dtype +
                  " of shape " + shape_string(e.shape) + " needs " + std::to_string(expected_bytes));
    ranges.emplace_back(e.begin, e.end);
    entries_[name] = std::move(e);
  }
  // The tensors must tile the data section: no overlaps, no holes.
  std::sort(ranges.begin(), ranges.end());
  std::uint64_t cursor = 0;
  for (const auto& [b, e] : ranges) {
    if (b != cursor)
      throw Error("checkpoint " + path_ + ": tensor data " + (b < cursor ? "overlaps" : "has a hole") +
                  " at byte " + std::to_string(std::min(b, cursor)) + " of the data section");
    cursor = e;
  }
  if (cursor != data_size)
    throw Error("checkpoint " + path_ + ": " + std::to_string(data_size - cursor) +
                " bytes after the last tensor's data");
  data_.resize(data_size);
  in.read(reinterpret_cast<char*>(data_.data()), static_cast<std::streamsize>(data_size));
  if (static_cast<std::uint64_t>(in.gcount()) != data_size)
    throw Error("checkpoint " + path_ + ": could not read the data section (file changed while reading?)");
}

void SafetensorsFile::read(const std::string& name, const std::vector<std::int64_t>& expected_shape,
                           std::span<float> out) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw Error("checkpoint " + path_ + ": no tensor named '" + name + "'");
  const Entry& e = it->second;
  if (e.dtype != "F32")
    throw Error("checkpoint " + path_ + ": tensor '" + name + "' has dtype " + e.dtype + ", expected F32");
  if (e.shape != expected_shape)
    throw Error("checkpoint " + path_ + ": tensor '" + name + "' has shape " + shape_string(e.shape) +
                ", the model expects " + shape_string(expected_shape));
  if (out.size() * sizeof(float) != e.end - e.begin)
    throw Error("checkpoint " + path_ + ": tensor '" + name + "': destination holds " + std::to_string(out.size()) +
                " floats");
  if (e.end > e.begin) std::memcpy(out.data(), data_.data() + e.begin, e.end - e.begin);  // an empty span may be null
}

std::map<std::string, std::string> load_safetensors(const std::filesystem::path& path,
                                                    const std::vector<NamedTensor>& slots,
                                                    const std::string& ignored_prefix) {
  const SafetensorsFile file(path);
  load_safetensors(file, slots, ignored_prefix);
  return file.metadata();
}

void load_safetensors(const SafetensorsFile& file, const std::vector<NamedTensor>& slots,
                      const std::string& ignored_prefix) {
  // First check everything, collecting every problem...
  std::vector<std::string> problems;
  for (const auto& s : slots) {
    auto it = file.entries().find(s.name);
    if (it == file.entries().end()) {
      problems.push_back("missing tensor '" + s.name + "' " + shape_string(s.shape));
    } else if (it->second.dtype != "F32") {
      problems.push_back("tensor '" + s.name + "' has dtype " + it->second.dtype + ", expected F32");
    } else if (it->second.shape != s.shape) {
      problems.push_back("tensor '" + s.name + "' has shape " + shape_string(it->second.shape) +
                         ", the model expects " + shape_string(s.shape));
    }
  }
  for (const auto& [name, e] : file.entries()) {
    bool wanted = !ignored_prefix.empty() && name.starts_with(ignored_prefix);
    for (const auto& s : slots) wanted = wanted || s.name == name;
    if (!wanted) problems.push_back("unexpected tensor '" + name + "' " + shape_string(e.shape));
  }
  if (!problems.empty()) {
    std::string msg = "checkpoint " + file.path() + " does not match the model:";
    for (const auto& p : problems) msg += "\n  " + p;
    throw Error(msg);
  }
  // ...then copy.
  for (const auto& s : slots) file.read(s.name, s.shape, s.data);
}

}  // namespace nn
