// Validation split, standardisation, and the minibatch iterator.
#include <algorithm>
#include <set>

#include <catch2/catch.hpp>

#include "nn/dataset.hpp"

using namespace nn;

namespace {
// N examples of 1×3×3 whose pixels all equal the example's index, label = index % 10.
Dataset numbered(std::int64_t n) {
  Dataset d;
  d.name = "numbered";
  d.num_classes = 10;
  d.images = Tensor<float>(Shape{n, 1, 3, 3});
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t p = 0; p < 9; ++p) d.images[i * 9 + p] = static_cast<float>(i);
    d.labels.push_back(static_cast<std::uint8_t>(i % 10));
  }
  return d;
}
}  // namespace

TEST_CASE("dataset: the validation split is disjoint, complete and seeded", "[ch05][data]") {
  Dataset train = numbered(100);
  Dataset val = split_validation(train, 20, 7);
  CHECK(val.size() == 20);
  CHECK(train.size() == 80);
  std::set<int> seen;
  for (std::int64_t i = 0; i < val.size(); ++i) seen.insert(static_cast<int>(val.images(i, 0, 0, 0)));
  for (std::int64_t i = 0; i < train.size(); ++i) seen.insert(static_cast<int>(train.images(i, 0, 0, 0)));
  CHECK(seen.size() == 100);
  for (std::int64_t i = 0; i < val.size(); ++i)
    CHECK(val.labels[static_cast<std::size_t>(i)] == static_cast<int>(val.images(i, 0, 2, 2)) % 10);
  Dataset again = numbered(100);
  Dataset val2 = split_validation(again, 20, 7);
  CHECK(std::equal(val.images.begin(), val.images.end(), val2.images.begin()));
  CHECK_THROWS_AS(split_validation(again, 80, 1), Error);
}

TEST_CASE("dataset: minibatches cover every example once per epoch, reshuffled", "[ch05][data]") {
  const Dataset d = numbered(10);
  MinibatchIterator it(d, 4, 3);
  CHECK(it.batches_per_epoch() == 3);
  std::vector<int> order0, order1;
  for (int epoch = 0; epoch < 2; ++epoch) {
    auto& order = epoch ? order1 : order0;
    std::vector<std::int64_t> sizes;
    for (it.begin_epoch(epoch); it.next();) {
      sizes.push_back(it.batch_size());
      for (std::int64_t b = 0; b < it.batch_size(); ++b) {
        const int id = static_cast<int>(it.images()(b, 0, 1, 1));
        order.push_back(id);
        CHECK(it.labels()[static_cast<std::size_t>(b)] == id % 10);
      }
    }
    CHECK(sizes == std::vector<std::int64_t>{4, 4, 2});
    CHECK(std::set<int>(order.begin(), order.end()).size() == 10);
  }
  CHECK(order0 != order1);
  // Epoch e's order depends only on (seed, e).
  MinibatchIterator other(d, 4, 3);
  other.begin_epoch(1);
  std::vector<int> again;
  while (other.next())
    for (std::int64_t b = 0; b < other.batch_size(); ++b) again.push_back(static_cast<int>(other.images()(b, 0, 0, 0)));
  CHECK(again == order1);
  MinibatchIterator dropping(d, 4, 3, {}, true, true);
  CHECK(dropping.batches_per_epoch() == 2);
}

TEST_CASE("dataset: mirror and shift augmentation move pixels as described", "[ch05][data]") {
  Dataset d;
  d.num_classes = 10;
  d.images = Tensor<float>(Shape{1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  d.labels = {0};
  Augmentation mirror_only;
  mirror_only.mirror = true;
  int mirrored = 0, plain = 0;
  for (int epoch = 0; epoch < 40; ++epoch) {
    MinibatchIterator it(d, 1, static_cast<std::uint64_t>(epoch), mirror_only, false);
    REQUIRE(it.next());
    const auto img = it.images();
    if (img(0, 0, 0, 0) == 3.0f) {
      ++mirrored;
      CHECK(img(0, 0, 1, 2) == 4.0f);
    } else {
      ++plain;
      CHECK(img(0, 0, 0, 0) == 1.0f);
    }
  }
  CHECK(mirrored > 5);
  CHECK(plain > 5);
  Augmentation shift;
  shift.max_shift = 1;
  std::set<std::pair<int, int>> shifts_seen;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    MinibatchIterator it(d, 1, seed, shift, false);
    REQUIRE(it.next());
    const auto img = it.images();
    // The output must be the original moved by some (dx, dy) in -1..1, with
    // zeros shifted in: out(y, x) = in(y - dy, x - dx).
    bool matched = false;
    for (int dy = -1; dy <= 1 && !matched; ++dy)
      for (int dx = -1; dx <= 1 && !matched; ++dx) {
        bool same = true;
        for (int y = 0; y < 3; ++y)
          for (int x = 0; x < 3; ++x) {
            const int sy = y - dy, sx = x - dx;
            const float want = (sy >= 0 && sy < 3 && sx >= 0 && sx < 3) ? d.images(0, 0, sy, sx) : 0.0f;
            same = same && img(0, 0, y, x) == want;
          }
        if (same) {
          matched = true;
          shifts_seen.insert({dx, dy});
        }
      }
    CHECK(matched);
  }
  CHECK(shifts_seen.size() >= 6);  // the shifts vary
}

TEST_CASE("dataset: standardisation gives mean 0 and std 1 on the reference set", "[ch05][data]") {
  Dataset d = numbered(50);
  const auto [mean, stddev] = pixel_statistics(d);
  CHECK(mean == Approx(24.5f));
  standardise(d, mean, stddev);
  const auto [m2, s2] = pixel_statistics(d);
  CHECK(m2 == Approx(0.0f).margin(1e-5));
  CHECK(s2 == Approx(1.0f).epsilon(1e-5));
}
