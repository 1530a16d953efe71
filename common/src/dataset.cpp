#include "nn/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "nn/error.hpp"
#include "nn/idx.hpp"

namespace nn {

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

Dataset dataset_from_idx(const std::filesystem::path& images_file, const std::filesystem::path& labels_file,
                         std::string name, int num_classes) {
  const IdxImages raw = read_idx_images(images_file);
  std::vector<std::uint8_t> labels = read_idx_labels(labels_file, num_classes);
  if (static_cast<std::int64_t>(labels.size()) != raw.count)
    throw Error("image and label counts differ: " + images_file.string() + " has " + std::to_string(raw.count) +
                " images but " + labels_file.string() + " has " + std::to_string(labels.size()) + " labels");
  Dataset d;
  d.name = std::move(name);
  d.num_classes = num_classes;
  d.images = Tensor<float>(Shape{raw.count, 1, raw.rows, raw.cols});
  float* dst = d.images.data();
  for (std::size_t i = 0; i < raw.pixels.size(); ++i) dst[i] = static_cast<float>(raw.pixels[i]) * (1.0f / 255.0f);
  d.labels = std::move(labels);
  return d;
}

namespace {
std::filesystem::path find_file(const std::filesystem::path& dir, const std::string& stem) {
  for (const char* ext : {".gz", ""}) {
    const auto p = dir / (stem + ext);
    if (std::filesystem::is_regular_file(p)) return p;
  }
  throw Error("data directory " + dir.string() + ": missing " + stem + ".gz (or " + stem +
              "); expected the four MNIST-format files train-images-idx3-ubyte, train-labels-idx1-ubyte, "
              "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (gzipped or not)");
}
}  // namespace

TrainTest load_mnist_style(const std::filesystem::path& dir, std::int64_t limit_train, std::int64_t limit_test) {
  if (!std::filesystem::is_directory(dir))
    throw Error("data directory " + dir.string() + " does not exist (Fashion-MNIST: apt-get install dataset-fashion-mnist)");
  TrainTest tt;
  tt.train = dataset_from_idx(find_file(dir, "train-images-idx3-ubyte"), find_file(dir, "train-labels-idx1-ubyte"),
                              "train");
  tt.test = dataset_from_idx(find_file(dir, "t10k-images-idx3-ubyte"), find_file(dir, "t10k-labels-idx1-ubyte"),
                             "test");
  if (tt.train.images.dim(2) != tt.test.images.dim(2) || tt.train.images.dim(3) != tt.test.images.dim(3))
    throw Error("data directory " + dir.string() + ": training images are " + std::to_string(tt.train.images.dim(2)) +
                "x" + std::to_string(tt.train.images.dim(3)) + " but test images are " +
                std::to_string(tt.test.images.dim(2)) + "x" + std::to_string(tt.test.images.dim(3)));
  if (dir.string().find("fashion") != std::string::npos) {
    tt.train.class_names = tt.test.class_names = fashion_mnist_classes();
  } else {
    for (int c = 0; c < 10; ++c) tt.train.class_names.push_back(std::to_string(c));
    tt.test.class_names = tt.train.class_names;
  }
  if (limit_train > 0) truncate(tt.train, limit_train);
  if (limit_test > 0) truncate(tt.test, limit_test);
  return tt;
}

void truncate(Dataset& data, std::int64_t count) {
  if (count >= data.size()) return;
  const Shape s = data.images.shape();
  Tensor<float> kept(Shape{count, s[1], s[2], s[3]});
  std::copy(data.images.data(), data.images.data() + kept.size(), kept.data());
  data.images = std::move(kept);
  data.labels.resize(static_cast<std::size_t>(count));
}

Dataset split_validation(Dataset& train, std::int64_t count, std::uint64_t seed) {
  if (count < 0 || count >= train.size())
    throw Error("validation split of " + std::to_string(count) + " examples from a training set of " +
                std::to_string(train.size()));
  std::vector<std::int64_t> order(static_cast<std::size_t>(train.size()));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  Rng rng(seed);
  rng.shuffle(std::span<std::int64_t>(order));
  std::vector<bool> to_validation(order.size(), false);
  for (std::int64_t i = 0; i < count; ++i) to_validation[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])] = true;

  const Shape s = train.images.shape();
  const std::int64_t ex = train.example_size();
  Dataset val, rest;
  val.name = "validation";
  rest.name = train.name;
  val.num_classes = rest.num_classes = train.num_classes;
  val.class_names = rest.class_names = train.class_names;
  val.images = Tensor<float>(Shape{count, s[1], s[2], s[3]});
  rest.images = Tensor<float>(Shape{train.size() - count, s[1], s[2], s[3]});
  std::int64_t v = 0, r = 0;
  for (std::int64_t i = 0; i < train.size(); ++i) {
    const float* src = train.images.data() + i * ex;
    if (to_validation[static_cast<std::size_t>(i)]) {
      std::copy(src, src + ex, val.images.data() + v++ * ex);
      val.labels.push_back(train.labels[static_cast<std::size_t>(i)]);
    } else {
      std::copy(src, src + ex, rest.images.data() + r++ * ex);
      rest.labels.push_back(train.labels[static_cast<std::size_t>(i)]);
    }
  }
  train = std::move(rest);
  return val;
}

std::pair<float, float> pixel_statistics(const Dataset& reference) {
  double sum = 0.0, sum_sq = 0.0;
  for (float v : reference.images) {
    sum += static_cast<double>(v);
    sum_sq += static_cast<double>(v) * static_cast<double>(v);
  }
  const double n = static_cast<double>(reference.images.size());
  const double mean = sum / n;
  const double var = std::max(sum_sq / n - mean * mean, 1e-12);
  return {static_cast<float>(mean), static_cast<float>(std::sqrt(var))};
}

void standardise(Dataset& data, float mean, float stddev) {
  if (!(stddev > 0.0f)) throw Error("standardise: standard deviation must be > 0");
  const float inv = 1.0f / stddev;
  for (float& v : data.images) v = (v - mean) * inv;
}

MinibatchIterator::MinibatchIterator(const Dataset& data, std::int64_t batch_size, std::uint64_t seed,
                                     Augmentation augmentation, bool shuffle, bool drop_last)
    : data_(data),
      batch_size_(batch_size),
      seed_(seed),
      augmentation_(augmentation),
      shuffle_(shuffle),
      drop_last_(drop_last),
      augment_rng_(seed) {
  if (batch_size <= 0) throw Error("batch size must be > 0, got " + std::to_string(batch_size));
  if (data.size() == 0) throw Error("cannot draw minibatches from the empty data set '" + data.name + "'");
  const Shape s = data.images.shape();
  batch_images_ = Tensor<float>(Shape{batch_size, s[1], s[2], s[3]});
  batch_labels_.reserve(static_cast<std::size_t>(batch_size));
  order_.resize(static_cast<std::size_t>(data.size()));
  begin_epoch(0);
}

void MinibatchIterator::begin_epoch(int epoch) {
  std::iota(order_.begin(), order_.end(), std::int64_t{0});
  // One stream per (seed, epoch): epoch e's batches do not depend on how
  // many numbers earlier epochs drew.
  Rng epoch_rng(seed_ ^ (0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(epoch + 1)));
  if (shuffle_) epoch_rng.shuffle(std::span<std::int64_t>(order_));
  augment_rng_ = epoch_rng.split();
  position_ = 0;
  current_ = 0;
}

std::int64_t MinibatchIterator::batches_per_epoch() const {
  const std::int64_t n = data_.size();
  return drop_last_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

bool MinibatchIterator::next() {
  const std::int64_t n = data_.size();
  const std::int64_t remaining = n - position_;
  if (remaining <= 0 || (drop_last_ && remaining < batch_size_)) {
    current_ = 0;
    return false;
  }
  current_ = std::min(batch_size_, remaining);
  batch_labels_.clear();
  for (std::int64_t slot = 0; slot < current_; ++slot) {
    const std::int64_t src = order_[static_cast<std::size_t>(position_ + slot)];
    copy_example(src, slot);
    batch_labels_.push_back(data_.labels[static_cast<std::size_t>(src)]);
  }
  position_ += current_;
  return true;
}

TensorView<const float> MinibatchIterator::images() const {
  const Shape s = batch_images_.shape();
  return TensorView<const float>(batch_images_.data(), Shape{current_, s[1], s[2], s[3]});
}

void MinibatchIterator::copy_example(std::int64_t src, std::int64_t slot) {
  const Shape s = data_.images.shape();
  const std::int64_t channels = s[1], h = s[2], w = s[3], ex = data_.example_size();
  const float* in = data_.images.data() + src * ex;
  float* out = batch_images_.data() + slot * ex;
  if (!augmentation_.any()) {
    std::copy(in, in + ex, out);
    return;
  }
  const bool flip = augmentation_.mirror && augment_rng_.bernoulli(0.5);
  std::int64_t dx = 0, dy = 0;
  if (augmentation_.max_shift > 0) {
    const auto span = static_cast<std::uint64_t>(2 * augmentation_.max_shift + 1);
    dx = static_cast<std::int64_t>(augment_rng_.below(span)) - augmentation_.max_shift;
    dy = static_cast<std::int64_t>(augment_rng_.below(span)) - augmentation_.max_shift;
  }
  // out(c, y, x) = in(c, y − dy, x' − dx) with x' = mirrored x; zero outside.
  for (std::int64_t c = 0; c < channels; ++c)
    for (std::int64_t y = 0; y < h; ++y)
      for (std::int64_t x = 0; x < w; ++x) {
        const std::int64_t sy = y - dy, sx0 = x - dx;
        const std::int64_t sx = flip ? w - 1 - sx0 : sx0;
        const bool inside = sy >= 0 && sy < h && sx0 >= 0 && sx0 < w;
        out[(c * h + y) * w + x] = inside ? in[(c * h + sy) * w + sx] : 0.0f;
      }
}

}  // namespace nn
