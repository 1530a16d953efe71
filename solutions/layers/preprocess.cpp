// preprocess.cpp — bilinear resizing and random crops as layers.
#include "layers/preprocess.hpp"

#include <algorithm>
#include <cmath>

#include "nn/error.hpp"

namespace nn::layers {

// ---- Resize ------------------------------------------------------------------------

template <typename T>
Resize<T>::Resize(int height, int width) : height_(height), width_(width) {
  if (height < 1 || width < 1)
    throw Error("resize: the output must be at least 1x1, got " + std::to_string(height) + "x" + std::to_string(width));
}

template <typename T>
std::string Resize<T>::describe() const {
  return "resize (bilinear) to " + std::to_string(height_) + "x" + std::to_string(width_);
}

template <typename T>
Shape Resize<T>::output_shape(const Shape& input) const {
  if (input.rank() != 4 || input[2] < 1 || input[3] < 1)
    throw Error(describe() + ": the input must be (N, C, H, W), got " + input.str());
  return Shape{input[0], input[1], height_, width_};
}

template <typename T>
typename Resize<T>::Axis Resize<T>::axis(int in, int out) {
  Axis a;
  a.first.resize(static_cast<std::size_t>(out));
  a.step.resize(static_cast<std::size_t>(out));
  a.frac.resize(static_cast<std::size_t>(out));
  const double scale = static_cast<double>(in) / out;
  for (int o = 0; o < out; ++o) {
    const double s = std::max(0.0, scale * (o + 0.5) - 0.5);
    const int i0 = std::min(static_cast<int>(s), in - 1);
    const auto k = static_cast<std::size_t>(o);
    a.first[k] = i0;
    a.step[k] = i0 < in - 1 ? 1 : 0;
    a.frac[k] = static_cast<T>(s - i0);
  }
  return a;
}

template <typename T>
void Resize<T>::prepare(const Shape& input) {
  (void)output_shape(input);
  const int h = static_cast<int>(input[2]), w = static_cast<int>(input[3]);
  if (h == in_h_ && w == in_w_) return;
  rows_ = axis(h, height_);
  cols_ = axis(w, width_);
  in_h_ = h;
  in_w_ = w;
}

template <typename T>
void Resize<T>::forward(TensorView<const T> x, TensorView<T> y, Mode) {
  prepare(x.shape());
  const std::int64_t planes = x.dim(0) * x.dim(1), in_plane = std::int64_t{in_h_} * in_w_;
  for (std::int64_t p = 0; p < planes; ++p) {
    const T* in = x.data() + p * in_plane;
    T* out = y.data() + p * std::int64_t{height_} * width_;
    for (int oy = 0; oy < height_; ++oy) {
      const auto ky = static_cast<std::size_t>(oy);
      const T* r0 = in + std::int64_t{rows_.first[ky]} * in_w_;
      const T* r1 = r0 + std::int64_t{rows_.step[ky]} * in_w_;
      const T fy = rows_.frac[ky];
      for (int ox = 0; ox < width_; ++ox) {
        const auto kx = static_cast<std::size_t>(ox);
        const int c0 = cols_.first[kx], c1 = c0 + cols_.step[kx];
        const T fx = cols_.frac[kx];
        const T top = (T(1) - fx) * r0[c0] + fx * r0[c1];
        const T bottom = (T(1) - fx) * r1[c0] + fx * r1[c1];
        out[std::int64_t{oy} * width_ + ox] = (T(1) - fy) * top + fy * bottom;
      }
    }
  }
}

template <typename T>
void Resize<T>::backward(TensorView<const T>, TensorView<const T>, TensorView<const T> dy, TensorView<T> dx) {
  if (!dx.size()) return;
  // In the forward pass: y[oy, ox] = Σ of the four corners, each times (row weight)·(column weight); so each
  // corner gets dy[oy, ox] times its two weights.
  const std::int64_t planes = dx.dim(0) * dx.dim(1), in_plane = std::int64_t{in_h_} * in_w_;
  for (std::int64_t p = 0; p < planes; ++p) {
    T* d = dx.data() + p * in_plane;
    const T* g = dy.data() + p * std::int64_t{height_} * width_;
    for (int oy = 0; oy < height_; ++oy) {
      const auto ky = static_cast<std::size_t>(oy);
      T* r0 = d + std::int64_t{rows_.first[ky]} * in_w_;
      T* r1 = r0 + std::int64_t{rows_.step[ky]} * in_w_;
      const T fy = rows_.frac[ky];
      for (int ox = 0; ox < width_; ++ox) {
        const auto kx = static_cast<std::size_t>(ox);
        const int c0 = cols_.first[kx], c1 = c0 + cols_.step[kx];
        const T fx = cols_.frac[kx], v = g[std::int64_t{oy} * width_ + ox];
        r0[c0] += (T(1) - fy) * (T(1) - fx) * v;
        r0[c1] += (T(1) - fy) * fx * v;
        r1[c0] += fy * (T(1) - fx) * v;
        r1[c1] += fy * fx * v;
      }
    }
  }
}

// ---- RandomCrop ----------------------------------------------------------------------

template <typename T>
RandomCrop<T>::RandomCrop(int size) : size_(size) {
  if (size < 1) throw Error("random crop: the window must be at least 1x1, got " + std::to_string(size));
}

template <typename T>
std::string RandomCrop<T>::describe() const {
  return "crop " + std::to_string(size_) + "x" + std::to_string(size_) + " (random in training, centre in eval)";
}

template <typename T>
Shape RandomCrop<T>::output_shape(const Shape& input) const {
  if (input.rank() != 4 || input[2] < size_ || input[3] < size_)
    throw Error(describe() + ": the input must be (N, C, H, W) with H and W at least " + std::to_string(size_) +
                ", got " + input.str());
  return Shape{input[0], input[1], size_, size_};
}

template <typename T>
void RandomCrop<T>::prepare(const Shape& input) {
  (void)output_shape(input);
  offsets_.resize(static_cast<std::size_t>(input[0]));
}

template <typename T>
void RandomCrop<T>::forward(TensorView<const T> x, TensorView<T> y, Mode mode) {
  prepare(x.shape());
  const std::int64_t n = x.dim(0), channels = x.dim(1), h = x.dim(2), w = x.dim(3);
  for (std::int64_t i = 0; i < n; ++i) {
    auto& at = offsets_[static_cast<std::size_t>(i)];
    if (mode == Mode::Train) {
      at.first = static_cast<int>(rng_.below(static_cast<std::uint64_t>(h - size_ + 1)));
      at.second = static_cast<int>(rng_.below(static_cast<std::uint64_t>(w - size_ + 1)));
    } else {
      at = {static_cast<int>((h - size_) / 2), static_cast<int>((w - size_) / 2)};
    }
    for (std::int64_t c = 0; c < channels; ++c) {
      const T* in = x.data() + ((i * channels + c) * h + at.first) * w + at.second;
      T* out = y.data() + (i * channels + c) * size_ * size_;
      for (int r = 0; r < size_; ++r) std::copy(in + r * w, in + r * w + size_, out + r * size_);
    }
  }
}

template <typename T>
void RandomCrop<T>::backward(TensorView<const T>, TensorView<const T>, TensorView<const T> dy, TensorView<T> dx) {
  if (!dx.size()) return;
  const std::int64_t n = dx.dim(0), channels = dx.dim(1), h = dx.dim(2), w = dx.dim(3);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto at = offsets_[static_cast<std::size_t>(i)];
    for (std::int64_t c = 0; c < channels; ++c) {
      T* d = dx.data() + ((i * channels + c) * h + at.first) * w + at.second;
      const T* g = dy.data() + (i * channels + c) * size_ * size_;
      for (int r = 0; r < size_; ++r)
        for (int k = 0; k < size_; ++k) d[r * w + k] += g[r * size_ + k];
    }
  }
}

template <typename T>
RepeatChannels<T>::RepeatChannels(int channels) : channels_(channels) {
  if (channels < 1) throw Error("repeat channels: needs at least 1 channel, got " + std::to_string(channels));
}

template <typename T>
std::string RepeatChannels<T>::describe() const {
  return "grey repeated to " + std::to_string(channels_) + " channels";
}

template <typename T>
Shape RepeatChannels<T>::output_shape(const Shape& input) const {
  if (input.rank() != 4 || input[1] != 1)
    throw Error(describe() + ": the input must be (N, 1, H, W), got " + input.str());
  return Shape{input[0], channels_, input[2], input[3]};
}

template <typename T>
void RepeatChannels<T>::forward(TensorView<const T> x, TensorView<T> y, Mode) {
  const std::int64_t plane = x.dim(2) * x.dim(3);
  for (std::int64_t i = 0; i < x.dim(0); ++i)
    for (int c = 0; c < channels_; ++c)
      std::copy(x.data() + i * plane, x.data() + (i + 1) * plane, y.data() + (i * channels_ + c) * plane);
}

template <typename T>
void RepeatChannels<T>::backward(TensorView<const T>, TensorView<const T>, TensorView<const T> dy, TensorView<T> dx) {
  if (!dx.size()) return;
  const std::int64_t plane = dx.dim(2) * dx.dim(3);
  for (std::int64_t i = 0; i < dx.dim(0); ++i)
    for (int c = 0; c < channels_; ++c) {
      const T* from = dy.data() + (i * channels_ + c) * plane;
      T* to = dx.data() + i * plane;
      for (std::int64_t q = 0; q < plane; ++q) to[q] += from[q];
    }
}

template class RepeatChannels<float>;
template class RepeatChannels<double>;
template class Resize<float>;
template class Resize<double>;
template class RandomCrop<float>;
template class RandomCrop<double>;

}  // namespace nn::layers
