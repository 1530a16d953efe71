#include "nn/tensor.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

namespace nn {

Shape::Shape(std::initializer_list<std::int64_t> dims) {
  if (dims.size() > static_cast<std::size_t>(kMaxRank))
    throw Error("a tensor has at most 4 dimensions, got " + std::to_string(dims.size()));
  for (std::int64_t d : dims) {
    if (d < 0) throw Error("tensor dimensions must be >= 0, got " + std::to_string(d));
    dims_[static_cast<std::size_t>(rank_++)] = d;
  }
  numel_ = 1;
  for (int i = 0; i < rank_; ++i) numel_ *= dims_[static_cast<std::size_t>(i)];
  if (rank_ == 0) numel_ = 0;
}

std::string Shape::str() const {
  std::string s = "[";
  for (int i = 0; i < rank_; ++i) {
    if (i) s += ", ";
    s += std::to_string(dims_[static_cast<std::size_t>(i)]);
  }
  return s + "]";
}

bool operator==(const Shape& a, const Shape& b) {
  if (a.rank_ != b.rank_) return false;
  for (int i = 0; i < a.rank_; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

namespace detail {

void index_error(const Shape& shape, int axis, std::int64_t index) {
  throw Error("tensor index out of range: index " + std::to_string(index) + " on axis " +
              std::to_string(axis) + " of shape " + shape.str());
}

void rank_error(const Shape& shape, int used_rank) {
  throw Error("tensor of shape " + shape.str() + " indexed with " + std::to_string(used_rank) +
              " indices");
}

namespace {
std::atomic<std::uint64_t> g_tensor_allocations{0};
}

std::uint64_t tensor_allocations() { return g_tensor_allocations.load(std::memory_order_relaxed); }

void* aligned_alloc_zeroed(std::size_t bytes) {
  constexpr std::size_t kAlign = 64;
  const std::size_t rounded = (bytes + kAlign - 1) / kAlign * kAlign;
  if (rounded == 0) return nullptr;
  void* p = std::aligned_alloc(kAlign, rounded);
  if (!p) throw std::bad_alloc();
  g_tensor_allocations.fetch_add(1, std::memory_order_relaxed);
  std::memset(p, 0, rounded);
  return p;
}

void aligned_free(void* p) noexcept { std::free(p); }

}  // namespace detail
}  // namespace nn
