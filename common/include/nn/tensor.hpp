// tensor.hpp — a small dense tensor: owning storage plus non-owning views.
//
// Layout is row-major with up to four dimensions, named as in the course:
//   [N, C, H, W] = batch, channels, height, width
// A matrix is [rows, cols], a vector [n]. Storage is 64-byte aligned (one
// cache line, one AVX-512 register) and zero-initialised.
//
// What it deliberately is not: there is no broadcasting, no strides other
// than the row-major ones, no expression templates. Layers take views and
// loop over them; the cost of every operation stays visible.
//
// Element access checks every index against the shape when NN_BOUNDS_CHECK
// is defined (the Debug preset) and costs nothing otherwise.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <type_traits>

#include "nn/error.hpp"

namespace nn {

class Shape {
 public:
  static constexpr int kMaxRank = 4;

  Shape() = default;
  Shape(std::initializer_list<std::int64_t> dims);

  int rank() const { return rank_; }
  std::int64_t operator[](int i) const { return dims_[static_cast<std::size_t>(i)]; }
  std::int64_t numel() const { return numel_; }  // product of the dims (0 for rank 0)
  std::string str() const;  // e.g. "[64, 1, 28, 28]"
  friend bool operator==(const Shape& a, const Shape& b);

 private:
  std::array<std::int64_t, kMaxRank> dims_{};
  int rank_ = 0;
  std::int64_t numel_ = 0;  // cached: element loops call size() every iteration
};

namespace detail {
[[noreturn]] void index_error(const Shape& shape, int axis, std::int64_t index);
[[noreturn]] void rank_error(const Shape& shape, int used_rank);
void* aligned_alloc_zeroed(std::size_t bytes);
// How many tensor buffers have been allocated so far (all threads): a test
// uses it to prove a training step allocates nothing.
std::uint64_t tensor_allocations();
void aligned_free(void* p) noexcept;
}  // namespace detail

template <typename T>
class TensorView {
 public:
  using value_type = std::remove_const_t<T>;

  TensorView() = default;
  TensorView(T* data, Shape shape) : data_(data), shape_(shape) {}
  // A view of const elements can be made from a view of mutable ones.
  template <typename U, typename = std::enable_if_t<std::is_same_v<const U, T> && !std::is_same_v<U, T>>>
  TensorView(TensorView<U> other) : data_(other.data()), shape_(other.shape()) {}

  T* data() const { return data_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return shape_.rank(); }
  std::int64_t dim(int axis) const { return shape_[axis]; }
  std::int64_t size() const { return shape_.numel(); }
  std::span<T> span() const { return {data_, static_cast<std::size_t>(size())}; }
  T* begin() const { return data_; }
  T* end() const { return data_ + size(); }

  // Flat (row-major) index.
  T& operator[](std::int64_t i) const {
#ifdef NN_BOUNDS_CHECK
    if (i < 0 || i >= size()) detail::index_error(Shape{size()}, 0, i);
#endif
    return data_[i];
  }
  T& operator()(std::int64_t i0) const {
    check(1, i0);
    return data_[i0];
  }
  T& operator()(std::int64_t i0, std::int64_t i1) const {
    check(2, i0, i1);
    return data_[i0 * shape_[1] + i1];
  }
  T& operator()(std::int64_t i0, std::int64_t i1, std::int64_t i2) const {
    check(3, i0, i1, i2);
    return data_[(i0 * shape_[1] + i1) * shape_[2] + i2];
  }
  T& operator()(std::int64_t i0, std::int64_t i1, std::int64_t i2, std::int64_t i3) const {
    check(4, i0, i1, i2, i3);
    return data_[((i0 * shape_[1] + i1) * shape_[2] + i2) * shape_[3] + i3];
  }

  // Pointer to row i0 of the leading dimension (an example of a batch).
  T* row(std::int64_t i0) const {
    check_axis0(i0);
    return data_ + i0 * (shape_[0] == 0 ? 0 : size() / shape_[0]);
  }
  // Rows [r0, r1) of the leading dimension (examples r0 … r1 − 1 of a
  // batch), the other dimensions unchanged: a view of the same storage.
  TensorView rows(std::int64_t r0, std::int64_t r1) const {
    if (shape_.rank() == 0 || r0 < 0 || r1 < r0 || r1 > shape_[0])
      throw Error("rows [" + std::to_string(r0) + ", " + std::to_string(r1) + ") of tensor " + shape_.str() +
                  " are out of range");
    const std::int64_t n = r1 - r0;
    Shape shape;
    switch (shape_.rank()) {
      case 1: shape = Shape{n}; break;
      case 2: shape = Shape{n, shape_[1]}; break;
      case 3: shape = Shape{n, shape_[1], shape_[2]}; break;
      default: shape = Shape{n, shape_[1], shape_[2], shape_[3]}; break;
    }
    return TensorView(data_ + r0 * (shape_[0] == 0 ? 0 : size() / shape_[0]), shape);
  }
  // The same elements under another shape with the same element count.
  TensorView reshape(Shape shape) const {
    if (shape.numel() != size())
      throw Error("cannot reshape tensor " + shape_.str() + " to " + shape.str());
    return TensorView(data_, shape);
  }

 private:
  template <typename... I>
  void check([[maybe_unused]] int rank, [[maybe_unused]] I... idx) const {
#ifdef NN_BOUNDS_CHECK
    if (rank != shape_.rank()) detail::rank_error(shape_, rank);
    const std::int64_t indices[] = {idx...};
    for (int axis = 0; axis < rank; ++axis)
      if (indices[axis] < 0 || indices[axis] >= shape_[axis]) detail::index_error(shape_, axis, indices[axis]);
#endif
  }
  void check_axis0([[maybe_unused]] std::int64_t i0) const {
#ifdef NN_BOUNDS_CHECK
    if (shape_.rank() == 0 || i0 < 0 || i0 >= shape_[0]) detail::index_error(shape_, 0, i0);
#endif
  }

  T* data_ = nullptr;
  Shape shape_;
};

// Owning tensor with value semantics: copying copies the elements.
template <typename T>
class Tensor {
  static_assert(std::is_arithmetic_v<T>, "Tensor holds numbers");

 public:
  Tensor() = default;
  explicit Tensor(Shape shape) : shape_(shape), data_(allocate(shape.numel())) {}
  Tensor(Shape shape, std::initializer_list<T> values) : Tensor(shape) {
    if (static_cast<std::int64_t>(values.size()) != shape.numel())
      throw Error("tensor of shape " + shape.str() + " needs " + std::to_string(shape.numel()) +
                  " values, got " + std::to_string(values.size()));
    std::int64_t i = 0;
    for (T v : values) data_[i++] = v;
  }
  Tensor(const Tensor& other) : Tensor(other.shape_) {
    for (std::int64_t i = 0; i < size(); ++i) data_[i] = other.data_[i];
  }
  Tensor& operator=(const Tensor& other) {
    if (this != &other) *this = Tensor(other);
    return *this;
  }
  Tensor(Tensor&&) noexcept = default;
  Tensor& operator=(Tensor&&) noexcept = default;

  TensorView<T> view() { return {data_.get(), shape_}; }
  TensorView<const T> view() const { return {data_.get(), shape_}; }
  operator TensorView<T>() { return view(); }
  operator TensorView<const T>() const { return view(); }

  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  const Shape& shape() const { return shape_; }
  int rank() const { return shape_.rank(); }
  std::int64_t dim(int axis) const { return shape_[axis]; }
  std::int64_t size() const { return shape_.numel(); }
  std::span<T> span() { return {data(), static_cast<std::size_t>(size())}; }
  std::span<const T> span() const { return {data(), static_cast<std::size_t>(size())}; }
  T* begin() { return data(); }
  T* end() { return data() + size(); }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size(); }

  T& operator[](std::int64_t i) { return view()[i]; }
  const T& operator[](std::int64_t i) const { return view()[i]; }
  template <typename... I>
  T& operator()(I... idx) { return view()(static_cast<std::int64_t>(idx)...); }
  template <typename... I>
  const T& operator()(I... idx) const { return view()(static_cast<std::int64_t>(idx)...); }

  void fill(T value) {
    for (T& v : span()) v = value;
  }
  // Changes the shape; keeps the storage when the element count is unchanged.
  void reshape(Shape shape) {
    if (shape.numel() != size()) {
      data_ = allocate(shape.numel());
    }
    shape_ = shape;
  }

 private:
  struct Free {
    void operator()(T* p) const noexcept { detail::aligned_free(p); }
  };
  static std::unique_ptr<T[], Free> allocate(std::int64_t n) {
    if (n < 0) throw Error("negative tensor size");
    return std::unique_ptr<T[], Free>(
        static_cast<T*>(detail::aligned_alloc_zeroed(static_cast<std::size_t>(n) * sizeof(T))));
  }

  Shape shape_;
  std::unique_ptr<T[], Free> data_;
};

using Tensorf = Tensor<float>;
using Tensord = Tensor<double>;

// Element-wise conversion, e.g. float data into a double copy for a
// gradient check.
template <typename To, typename From>
Tensor<To> tensor_cast(TensorView<const From> src) {
  Tensor<To> out(src.shape());
  for (std::int64_t i = 0; i < src.size(); ++i) out[i] = static_cast<To>(src[i]);
  return out;
}
template <typename To, typename From>
Tensor<To> tensor_cast(const Tensor<From>& src) {
  return tensor_cast<To, From>(src.view());
}

}  // namespace nn
