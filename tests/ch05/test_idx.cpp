// The IDX reader on the real Fashion-MNIST files, and on every kind of bad
// file: each must give a clear error naming the file and the problem.
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "nn/dataset.hpp"
#include "nn/idx.hpp"

using namespace nn;
namespace fs = std::filesystem;

namespace {

const fs::path kDir = kFashionMnistDir;

std::vector<unsigned char> be32(std::uint32_t v) {
  return {static_cast<unsigned char>(v >> 24), static_cast<unsigned char>(v >> 16), static_cast<unsigned char>(v >> 8),
          static_cast<unsigned char>(v)};
}

// An images file with `count` images of rows×cols (pixel i = i mod 251),
// optionally with its data cut short by `cut` bytes.
std::vector<unsigned char> images_bytes(std::uint32_t magic, std::uint32_t count, std::uint32_t rows,
                                        std::uint32_t cols, std::size_t cut = 0) {
  std::vector<unsigned char> b;
  for (auto v : {magic, count, rows, cols})
    for (auto c : be32(v)) b.push_back(c);
  const std::size_t n = std::size_t{count} * rows * cols;
  for (std::size_t i = 0; i + cut < n; ++i) b.push_back(static_cast<unsigned char>(i % 251));
  return b;
}

std::vector<unsigned char> labels_bytes(std::uint32_t count, unsigned char max_label = 9) {
  std::vector<unsigned char> b;
  for (auto v : {0x00000801u, count})
    for (auto c : be32(v)) b.push_back(c);
  for (std::uint32_t i = 0; i < count; ++i) b.push_back(static_cast<unsigned char>(i % (max_label + 1u)));
  return b;
}

struct TempDir {
  fs::path path;
  TempDir() : path(fs::temp_directory_path() / ("nn_idx_test_" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path write(const std::string& name, const std::vector<unsigned char>& bytes, bool gzip = false) const {
    const fs::path p = path / name;
    if (gzip) {
      gzFile f = gzopen(p.c_str(), "wb");
      gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
      gzclose(f);
    } else {
      std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                               static_cast<std::streamsize>(bytes.size()));
    }
    return p;
  }
};

}  // namespace

TEST_CASE("idx: the real Fashion-MNIST training and test files", "[ch05][idx]") {
  REQUIRE(fs::is_directory(kDir));  // installed by tools/install-deps.sh (dataset-fashion-mnist)
  const IdxImages train = read_idx_images(kDir / "train-images-idx3-ubyte.gz");
  CHECK(train.count == 60000);
  CHECK(train.rows == 28);
  CHECK(train.cols == 28);
  REQUIRE(train.pixels.size() == 60000u * 784u);
  CHECK(train.pixels.front() == 0);
  CHECK(train.pixels.back() == 0);
  CHECK(train.pixels[96] == 1);  // the first non-zero pixel
  CHECK(std::accumulate(train.pixels.begin(), train.pixels.begin() + 784, 0) == 76247);
  CHECK(std::accumulate(train.pixels.end() - 784, train.pixels.end(), 0) == 16684);
  const auto train_labels = read_idx_labels(kDir / "train-labels-idx1-ubyte.gz");
  REQUIRE(train_labels.size() == 60000);
  CHECK(train_labels.front() == 9);
  CHECK(train_labels.back() == 5);

  const IdxImages test = read_idx_images(kDir / "t10k-images-idx3-ubyte.gz");
  CHECK(test.count == 10000);
  CHECK(test.pixels[215] == 3);
  CHECK(std::accumulate(test.pixels.begin(), test.pixels.begin() + 784, 0) == 33456);
  CHECK(std::accumulate(test.pixels.end() - 784, test.pixels.end(), 0) == 24390);
  const auto test_labels = read_idx_labels(kDir / "t10k-labels-idx1-ubyte.gz");
  REQUIRE(test_labels.size() == 10000);
  CHECK(test_labels.front() == 9);
  CHECK(test_labels.back() == 5);
  for (int c = 0; c < 10; ++c) CHECK(std::count(test_labels.begin(), test_labels.end(), c) == 1000);
}

TEST_CASE("idx: plain and gzip files read the same", "[ch05][idx]") {
  TempDir dir;
  const auto bytes = images_bytes(0x803, 3, 4, 5);
  const auto plain = read_idx_images(dir.write("p-idx3", bytes));
  const auto gz = read_idx_images(dir.write("g-idx3.gz", bytes, true));
  CHECK(plain.count == 3);
  CHECK(plain.pixels == gz.pixels);
  CHECK(plain.pixels[59] == 59);
}

TEST_CASE("idx: bad files give clear errors", "[ch05][idx]") {
  TempDir dir;
  SECTION("wrong magic") {
    const auto p = dir.write("x", images_bytes(0x804, 2, 2, 2));
    CHECK_THROWS_WITH(read_idx_images(p), Catch::Contains(p.string()) && Catch::Contains("expected magic number 0x00000803") &&
                                              Catch::Contains("found 0x00000804"));
  }
  SECTION("a labels file given as images") {
    const auto p = dir.write("x", labels_bytes(4));
    CHECK_THROWS_WITH(read_idx_images(p), Catch::Contains("this is a labels file"));
  }
  SECTION("truncated header") {
    auto b = images_bytes(0x803, 2, 2, 2);
    b.resize(10);
    const auto p = dir.write("x", b);
    CHECK_THROWS_WITH(read_idx_images(p), Catch::Contains("truncated header (rows)") && Catch::Contains("found 2"));
  }
  SECTION("truncated data, plain and gzip") {
    for (bool gz : {false, true}) {
      const auto p = dir.write(gz ? "t.gz" : "t", images_bytes(0x803, 10, 28, 28, 100), gz);
      CHECK_THROWS_WITH(read_idx_images(p),
                        Catch::Contains("truncated pixel data") && Catch::Contains("expected 7840 bytes, found 7740"));
    }
  }
  SECTION("a header that claims far more than the file holds is refused before memory is reserved") {
    // 2³¹ − 1 labels, 10⁹ / (28·28) images: a few bytes of file each. The
    // sanitizer build would report an allocation of gigabytes.
    auto labels = labels_bytes(3);
    labels[4] = 0x7F, labels[5] = labels[6] = labels[7] = 0xFF;
    const auto p = dir.write("huge-labels", labels);
    CHECK_THROWS_WITH(read_idx_labels(p), Catch::Contains("truncated label data (2147483647 labels)") &&
                                              Catch::Contains("expected 2147483647 bytes, found 3"));
    auto images = images_bytes(0x803, 2, 28, 28);
    const std::uint32_t claim = 1'000'000'000u / (28 * 28);
    const auto count = be32(claim);
    std::copy(count.begin(), count.end(), images.begin() + 4);
    for (bool gz : {false, true}) {
      const auto q = dir.write(gz ? "huge.gz" : "huge", images, gz);
      CHECK_THROWS_WITH(read_idx_images(q), Catch::Contains(q.string()) && Catch::Contains(std::to_string(claim) + " images"));
    }
  }
  SECTION("extra bytes after the data") {
    auto b = labels_bytes(5);
    b.push_back(1);
    const auto p = dir.write("x", b);
    CHECK_THROWS_WITH(read_idx_labels(p), Catch::Contains("1 bytes after the data"));
  }
  SECTION("label out of range") {
    const auto p = dir.write("x", labels_bytes(20, 12));
    CHECK_THROWS_WITH(read_idx_labels(p), Catch::Contains("label 10 at index 10 is out of range: expected 0..9"));
  }
  SECTION("corrupt gzip stream") {
    const auto good = dir.write("c.gz", images_bytes(0x803, 20, 28, 28), true);
    std::vector<char> bytes(fs::file_size(good));
    std::ifstream(good, std::ios::binary).read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    for (std::size_t i = 20; i < 60; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5A);  // damage the deflate data
    std::ofstream(good, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    CHECK_THROWS_WITH(read_idx_images(good), Catch::Contains(good.string()));
  }
  SECTION("empty file") {
    const auto p = dir.write("e", {});
    CHECK_THROWS_WITH(read_idx_labels(p), Catch::Contains("truncated header (magic number)") && Catch::Contains("found 0"));
  }
  SECTION("missing file and directory") {
    CHECK_THROWS_WITH(read_idx_labels(dir.path / "nope"), Catch::Contains("no such file"));
    CHECK_THROWS_WITH(read_idx_labels(dir.path), Catch::Contains("is a directory"));
  }
}

TEST_CASE("idx: a data directory with a file missing or with mismatched counts", "[ch05][idx]") {
  TempDir dir;
  dir.write("train-images-idx3-ubyte", images_bytes(0x803, 6, 4, 4));
  dir.write("train-labels-idx1-ubyte.gz", labels_bytes(6), true);
  dir.write("t10k-images-idx3-ubyte", images_bytes(0x803, 3, 4, 4));
  CHECK_THROWS_WITH(load_mnist_style(dir.path), Catch::Contains("missing t10k-labels-idx1-ubyte"));
  dir.write("t10k-labels-idx1-ubyte", labels_bytes(4));
  CHECK_THROWS_WITH(load_mnist_style(dir.path), Catch::Contains("has 3 images but") && Catch::Contains("has 4 labels"));
  dir.write("t10k-labels-idx1-ubyte", labels_bytes(3));
  const auto tt = load_mnist_style(dir.path);
  CHECK(tt.train.size() == 6);
  CHECK(tt.test.images.shape() == Shape{3, 1, 4, 4});
  CHECK(tt.train.images(0, 0, 1, 2) == Approx(6.0f / 255.0f));
  CHECK_THROWS_WITH(load_mnist_style(dir.path / "none"), Catch::Contains("does not exist"));
}
