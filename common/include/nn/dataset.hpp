// dataset.hpp — image classification data in memory, and the minibatches
// a training loop draws from it.
//
//   IDX/.gz files → Dataset (float images [N, C, H, W] in [0, 1], labels)
//                 → split_validation (seeded) → standardise (optional)
//                 → MinibatchIterator (seeded shuffle every epoch,
//                   optional mirror/shift augmentation) → the model
//
// Fashion-MNIST is the default data of every image chapter: the Debian
// package dataset-fashion-mnist installs it in kFashionMnistDir. MNIST has
// the same file names and format, so `--data DIR` with MNIST works the same.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "nn/rng.hpp"
#include "nn/tensor.hpp"

namespace nn {

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

struct Dataset {
  std::string name;
  Tensor<float> images;             // (N, C, H, W)
  std::vector<std::uint8_t> labels; // (N), each < num_classes
  int num_classes = 0;
  std::vector<std::string> class_names;

  std::int64_t size() const { return images.rank() ? images.dim(0) : 0; }
  std::int64_t example_size() const { return size() ? images.size() / size() : 0; }  // C·H·W
};

// Images scaled to [0, 1] as float [N, 1, rows, cols].
Dataset dataset_from_idx(const std::filesystem::path& images_file, const std::filesystem::path& labels_file,
                         std::string name, int num_classes = 10);

// Loads train-{images,labels} and t10k-{images,labels} (…-idx3-ubyte and
// …-idx1-ubyte, with or without .gz) from `dir`. A missing file is an error
// naming every file that was looked for. `limit_train`/`limit_test` > 0 keep
// only the first that many examples (for quick runs).
struct TrainTest {
  Dataset train, test;
};
TrainTest load_mnist_style(const std::filesystem::path& dir, std::int64_t limit_train = 0,
                           std::int64_t limit_test = 0);

// The Fashion-MNIST class names, in label order.
const std::vector<std::string>& fashion_mnist_classes();

// Moves `count` examples chosen by a seeded shuffle from `train` into a new
// validation set; `train` keeps the rest (order preserved).
Dataset split_validation(Dataset& train, std::int64_t count, std::uint64_t seed);

// Keeps the first `count` examples (a subset for quick experiments).
void truncate(Dataset& data, std::int64_t count);

// Per-pixel-independent standardisation x ← (x − mean) / std with one mean
// and std over all pixels of `reference` (the training set), applied to
// `data`. Returns {mean, std}.
std::pair<float, float> pixel_statistics(const Dataset& reference);
void standardise(Dataset& data, float mean, float stddev);

struct Augmentation {
  bool mirror = false;  // flip left–right with probability 1/2
  int max_shift = 0;    // shift by up to ±max_shift pixels in x and y (zero fill)
  bool any() const { return mirror || max_shift > 0; }
};

// Draws minibatches in a seeded random order. The order of epoch e (and the
// augmentation of its images) depends only on (seed, e), so a run resumed
// from a checkpoint at the start of epoch e sees exactly the batches an
// uninterrupted run would. Each batch is copied into buffers the iterator
// owns (allocated once), so the model sees a contiguous [b, C, H, W] tensor.
// The last batch of an epoch may be smaller; `drop_last` skips it instead.
//
//   MinibatchIterator it(train, 64, seed);
//   for (int epoch = 0; epoch < epochs; ++epoch)
//     for (it.begin_epoch(epoch); it.next();) model.step(it.images(), it.labels());
class MinibatchIterator {
 public:
  MinibatchIterator(const Dataset& data, std::int64_t batch_size, std::uint64_t seed, Augmentation augmentation = {},
                    bool shuffle = true, bool drop_last = false);

  void begin_epoch(int epoch);
  // Fills the next batch; false when the epoch is over.
  bool next();
  TensorView<const float> images() const;  // (b, C, H, W), b = batch_size()
  const std::vector<std::int32_t>& labels() const { return batch_labels_; }
  std::int64_t batch_size() const { return current_; }
  std::int64_t batches_per_epoch() const;
  std::int64_t max_batch_size() const { return batch_size_; }

 private:
  void copy_example(std::int64_t src, std::int64_t slot);

  const Dataset& data_;
  std::int64_t batch_size_;
  std::uint64_t seed_;
  Augmentation augmentation_;
  bool shuffle_, drop_last_;
  Rng augment_rng_;
  std::vector<std::int64_t> order_;
  std::int64_t position_ = 0, current_ = 0;
  Tensor<float> batch_images_;
  std::vector<std::int32_t> batch_labels_;
};

}  // namespace nn
