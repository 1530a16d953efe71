// safetensors checkpoints: bit-exact round trip, atomic save, and every kind
// of bad file rejected with a message that says what is wrong.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ch05/train.hpp"
#include "nn/error.hpp"
#include "nn/rng.hpp"
#include "nn/safetensors.hpp"
#include "test_util.hpp"

using namespace nn;
namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_all(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A file with a hand-written header and `data_bytes` bytes of data.
std::string handmade(const std::string& header, std::size_t data_bytes) {
  std::string out(8, '\0');
  const std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>(n >> (8 * i));
  return out + header + std::string(data_bytes, '\x01');
}

}  // namespace

TEST_CASE("safetensors: round trip is bit-exact and keeps metadata", "[ch05][safetensors]") {
  test::TempDir dir("nn_st_test");
  Rng rng(1);
  std::vector<float> w(6 * 4), b(6);
  for (auto& v : w) v = static_cast<float>(rng.normal());
  for (auto& v : b) v = static_cast<float>(rng.normal());
  w[3] = -0.0f;
  w[5] = 1e-40f;  // a denormal survives too
  SaveOptions opt;
  opt.metadata = {{"epoch", "3"}};
  save_safetensors(dir.path / "m.safetensors", {{"fc.weight", {6, 4}, w}, {"fc.bias", {6}, b}}, opt);

  const std::string bytes = read_all(dir.path / "m.safetensors");
  std::uint64_t header_len = 0;
  std::memcpy(&header_len, bytes.data(), 8);
  CHECK(header_len % 8 == 0);
  CHECK(bytes.size() == 8 + header_len + (24 + 6) * 4);

  std::vector<float> w2(24), b2(6);
  const auto meta = load_safetensors(dir.path / "m.safetensors", {{"fc.weight", {6, 4}, w2}, {"fc.bias", {6}, b2}});
  CHECK(meta.at("epoch") == "3");
  CHECK(std::memcmp(w.data(), w2.data(), w.size() * 4) == 0);
  CHECK(std::memcmp(b.data(), b2.data(), b.size() * 4) == 0);
}

TEST_CASE("safetensors: a wrong model is rejected and nothing is overwritten", "[ch05][safetensors]") {
  test::TempDir dir("nn_st_test");
  std::vector<float> w(8, 1.0f), b(2, 2.0f);
  save_safetensors(dir.path / "m.safetensors", {{"fc.weight", {2, 4}, w}, {"fc.bias", {2}, b}});
  std::vector<float> wrong(12, 7.0f), bias(2, 7.0f);
  CHECK_THROWS_WITH(load_safetensors(dir.path / "m.safetensors", {{"fc.weight", {3, 4}, wrong}, {"fc.bias", {2}, bias}}),
                    Catch::Contains("tensor 'fc.weight' has shape [2, 4], the model expects [3, 4]"));
  CHECK(bias[0] == 7.0f);  // all or nothing: the matching bias was not loaded either
  std::vector<float> w8(8);
  CHECK_THROWS_WITH(load_safetensors(dir.path / "m.safetensors", {{"fc.weight", {2, 4}, w8}}),
                    Catch::Contains("unexpected tensor 'fc.bias'"));
  CHECK_THROWS_WITH(load_safetensors(dir.path / "m.safetensors",
                                     {{"fc.weight", {2, 4}, w8}, {"fc.bias", {2}, bias}, {"fc2.bias", {2}, bias}}),
                    Catch::Contains("missing tensor 'fc2.bias'"));
}

TEST_CASE("safetensors: malformed files are rejected with the reason", "[ch05][safetensors]") {
  test::TempDir dir("nn_st_test");
  const fs::path p = dir.path / "bad.safetensors";
  SECTION("offsets that lie beyond the data") {
    write_all(p, handmade(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,64]}})", 8));
    CHECK_THROWS_WITH(SafetensorsFile(p), Catch::Contains("lie outside the data section of 8 bytes"));
  }
  SECTION("offsets that disagree with the shape") {
    write_all(p, handmade(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8));
    CHECK_THROWS_WITH(SafetensorsFile(p), Catch::Contains("span 8 bytes but F32 of shape [3] needs 12"));
  }
  SECTION("overlapping tensors") {
    write_all(p, handmade(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12));
    CHECK_THROWS_WITH(SafetensorsFile(p), Catch::Contains("overlaps"));
  }
  SECTION("unknown dtype and wrong dtype") {
    write_all(p, handmade(R"({"a":{"dtype":"F31","shape":[2],"data_offsets":[0,8]}})", 8));
    CHECK_THROWS_WITH(SafetensorsFile(p), Catch::Contains("unknown dtype \"F31\""));
    write_all(p, handmade(R"({"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}})", 16));
    std::vector<float> out(2);
    CHECK_THROWS_WITH(load_safetensors(p, {{"a", {2}, out}}), Catch::Contains("has dtype F64, expected F32"));
  }
  SECTION("a shape whose element count overflows 64 bits") {
    write_all(p, handmade(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})", 8));
    CHECK_THROWS_WITH(SafetensorsFile(p), Catch::Contains("has more bytes than 64 bits can count"));
    write_all(p, handmade(R"({"a":{"dtype":"F32","shape":[9223372036854775807,0],"data_offsets":[0,0]}})", 0));
    CHECK(SafetensorsFile(p).entries().at("a").end == 0);  // a zero dimension: an empty tensor
  }
  SECTION("a header that is not JSON") {
    write_all(p, handmade("{not json at all", 0));
    CHECK_THROWS_WITH(SafetensorsFile(p), Catch::Contains("header is not valid JSON"));
  }
  SECTION("a header length larger than the file") {
    write_all(p, std::string("\xff\x00\x00\x00\x00\x00\x00\x00{}", 10));
    CHECK_THROWS_WITH(SafetensorsFile(p), Catch::Contains("header length 255 does not fit"));
  }
  SECTION("a truncated file") {
    std::vector<float> w(100, 1.0f);
    save_safetensors(p, {{"w", {10, 10}, w}});
    std::string bytes = read_all(p);
    write_all(p, bytes.substr(0, bytes.size() - 7));
    CHECK_THROWS_WITH(SafetensorsFile(p), Catch::Contains("outside the data section"));
  }
  SECTION("an empty file and a missing file") {
    write_all(p, "");
    CHECK_THROWS_WITH(SafetensorsFile(p), Catch::Contains("too short"));
    CHECK_THROWS_WITH(SafetensorsFile(dir.path / "none.safetensors"), Catch::Contains("no such file"));
  }
}

TEST_CASE("safetensors: an interrupted save leaves the previous checkpoint intact", "[ch05][safetensors]") {
  test::TempDir dir("nn_st_test");
  const fs::path p = dir.path / "ckpt.safetensors";
  std::vector<float> old_w(4, 1.0f), new_w(4, 2.0f);
  save_safetensors(p, {{"w", {4}, old_w}});
  const std::string before = read_all(p);
  SaveOptions crash;
  crash.before_rename = [](const fs::path& tmp) {
    REQUIRE(fs::exists(tmp));  // the new file was fully written...
    throw Error("simulated crash");  // ...and the process dies before the rename
  };
  CHECK_THROWS_WITH(save_safetensors(p, {{"w", {4}, new_w}}, crash), "simulated crash");
  CHECK(read_all(p) == before);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++files;
  CHECK(files == 1);  // no temporary left behind
}

TEST_CASE("checkpoint metadata that is not a number in range is refused and the model keeps its values",
          "[ch05][safetensors][checkpoint]") {
  test::TempDir dir("nn_st_test");
  const fs::path p = dir.path / "meta.safetensors";
  Tensor<float> w(Shape{2, 3});
  for (std::int64_t i = 0; i < w.size(); ++i) w.data()[i] = static_cast<float>(i);
  ch05::ResumeState state{3, 0.01 * 0.1, 0};
  ch05::save_checkpoint(p, {{"w", w.view()}}, "test", nullptr, state, 1);
  // The learning rate comes back with every bit (0.01·0.1 is not 0.001).
  CHECK(ch05::load_checkpoint(p, {{"w", w.view()}}, nullptr).learning_rate == 0.01 * 0.1);
  for (const char* bad : {"abc", "3x", "", "-1", "99999999999999999999", "1e3"}) {
    std::vector<float> values(6, 5.0f);
    save_safetensors(p, {{"w", {2, 3}, values}}, SaveOptions{{{"next_epoch", bad}}, {}});
    Tensor<float> into(Shape{2, 3});
    into.fill(-1.0f);
    INFO("next_epoch \"" << bad << "\"");
    CHECK_THROWS_WITH(ch05::load_checkpoint(p, {{"w", into.view()}}, nullptr),
                      Catch::Contains(p.string()) && Catch::Contains("metadata 'next_epoch'"));
    CHECK(into.data()[0] == -1.0f);
  }
}
