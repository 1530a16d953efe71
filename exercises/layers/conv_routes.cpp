// conv_routes.cpp — the three routes of a convolution and their choice.
#include "layers/conv_routes.hpp"

#include <type_traits>

#include "ch07/conv_backward.hpp"
#include "nn/error.hpp"
#include "nn/gemm.hpp"
#include "nn/im2col.hpp"

namespace nn::layers {

const char* to_string(ConvRoute route) {
  switch (route) {
    case ConvRoute::SingleChannel: return "direct, one input channel";
    case ConvRoute::FilterLanes: return "direct, filters across the lanes";
    case ConvRoute::Winograd: return "Winograd";
    case ConvRoute::Lowered: break;
  }
  return "im2col + GEMM";
}

namespace {

bool plain_square(const ch06::Conv2dGeometry& g) {
  return g.stride == 1 && g.dilation == 1 && g.groups == 1 && g.kernel_h == g.kernel_w;
}

SingleChannelConv single_of(const ch06::Conv2dGeometry& g) {
  return {g.height, g.width, g.out_channels, g.kernel_h, g.pad};
}

FilterLanesConv lanes_of(const ch06::Conv2dGeometry& g) {
  return {g.in_channels, g.height, g.width, g.out_channels, g.kernel_h};
}

WinogradConv winograd_of(const ch06::Conv2dGeometry& g) {
  return {static_cast<int>(g.in_channels), static_cast<int>(g.height),      static_cast<int>(g.width),
          static_cast<int>(g.out_channels), static_cast<int>(g.kernel_h), static_cast<int>(g.pad)};
}

// Winograd pays where its GEMMs are large enough to run at speed (at least
// 16 channels in and out; below that FilterLanes or the lowered GEMM is as
// fast) and where its tiles save at least half the multiplications: 36 per
// tile against r² per output (LeNet-5's c5, one output per filter, would
// take more).
bool winograd_pays(const ch06::Conv2dGeometry& g) {
  if (!plain_square(g) || simd_level() != SimdLevel::Avx512) return false;
  const WinogradConv c = winograd_of(g);
  if (!winograd_supported(c) || c.channels < 16 || c.filters < 16) return false;
  const std::int64_t direct = static_cast<std::int64_t>(c.kernel) * c.kernel * c.out_h() * c.out_w();
  return 2 * 36 * static_cast<std::int64_t>(c.tiles_h()) * c.tiles_w() <= direct;
}

template <typename T>
T* or_null(TensorView<T> t) {
  return t.size() ? t.data() : nullptr;
}

}  // namespace

template <typename T>
ConvRoute choose_conv_route(const ch06::Conv2dGeometry& g) {
  if constexpr (std::is_same_v<T, float>) {
    if (plain_square(g) && g.in_channels == 1 && conv_single_vectorised(single_of(g))) return ConvRoute::SingleChannel;
    if (plain_square(g) && g.pad == 0 && conv_filters_vectorised(lanes_of(g))) return ConvRoute::FilterLanes;
    if (winograd_pays(g)) return ConvRoute::Winograd;
  }
  return ConvRoute::Lowered;
}

template <typename T>
void ConvRunner<T>::configure(const ch06::Conv2dGeometry& g) {
  const bool same = g.in_channels == geometry.in_channels && g.height == geometry.height &&
                    g.width == geometry.width && g.out_channels == geometry.out_channels &&
                    g.kernel_h == geometry.kernel_h && g.kernel_w == geometry.kernel_w && g.stride == geometry.stride &&
                    g.pad == geometry.pad && g.dilation == geometry.dilation && g.groups == geometry.groups;
  if (same && geometry.in_channels > 0) return;
  g.validate();
  geometry = g;
  route = choose_conv_route<T>(g);
  ws_ = {};
  lowered_ = {};
  wino_ = {};
  taps_ = route == ConvRoute::FilterLanes ? Tensor<T>(Shape{lanes_of(g).taps(), g.out_channels}) : Tensor<T>();
  const Im2colShape s = g.im2col_shape();
  col_ = route == ConvRoute::Lowered ? Tensor<T>() : Tensor<T>(Shape{s.rows(), s.cols()});
}

template <typename T>
ch06::Conv2dWorkspace<T>& ConvRunner<T>::workspace_for(std::int64_t n) {
  // Slot 0 keeps the first batch size it sees (the prepared one); slot 1
  // serves any other (a shorter last slice, an evaluation batch).
  if (ws_[0].batch == n || ws_[0].batch < 0) return ws_[0];
  return ws_[1];
}

template <typename T>
SingleChannelConv ConvRunner<T>::single() const {
  return single_of(geometry);
}

template <typename T>
FilterLanesConv ConvRunner<T>::lanes() const {
  return lanes_of(geometry);
}

template <typename T>
WinogradConv ConvRunner<T>::winograd() const {
  return winograd_of(geometry);
}

template <typename T>
void ConvRunner<T>::forward(TensorView<const T> x, TensorView<const T> w, TensorView<const T> b, TensorView<T> y,
                            const T* packed) {
  const std::int64_t n = x.dim(0);
  if constexpr (std::is_same_v<T, float>) {
    if (route != ConvRoute::Lowered) ch06::check_conv_shapes("conv2d", y.shape(), x.shape(), w.shape(), b.size(), geometry);
    if (route == ConvRoute::SingleChannel) {
      conv_single_forward(x.data(), n, single(), w.data(), or_null(b), y.data());
      return;
    }
    if (route == ConvRoute::FilterLanes) {
      if (!packed) {
        conv_filters_pack(w.data(), lanes(), taps_.data());
        packed = taps_.data();
      }
      conv_filters_forward(x.data(), n, lanes(), packed, or_null(b), y.data());
      return;
    }
    if (route == ConvRoute::Winograd) {
      winograd_forward(x.data(), n, winograd(), w.data(), or_null(b), y.data(), false, wino_);
      return;
    }
  }
  (void)packed;
  ch06::Conv2dWorkspace<T>& ws = workspace_for(n);
  ch06::conv2d_forward<T>(y, x, w, b, geometry, ws);
  lowered_[&ws == &ws_[0] ? 0 : 1] = x.data();
}

template <typename T>
void ConvRunner<T>::input_gradient_by_columns(TensorView<const T> w, TensorView<const T> dy, TensorView<T> dx) {
  // ∂L/∂X_col = Wᵀ δ for one image (R, P_out), then col2im adds it into dx.
  const Im2colShape s = geometry.im2col_shape();
  const int rows = static_cast<int>(s.rows()), positions = static_cast<int>(s.cols());
  const std::int64_t n = dy.dim(0), in_image = dx.size() / n, out_image = dy.size() / n;
  for (std::int64_t i = 0; i < n; ++i) {
    gemm(Trans::Yes, Trans::No, rows, positions, geometry.out_channels, T(1), w.data(), rows,
         dy.data() + i * out_image, positions, T(0), col_.data(), positions);
    if constexpr (std::is_same_v<T, float>)
      nn::col2im(col_.data(), s, dx.data() + i * in_image, positions);
    else
      ch07::col2im<T>(col_.data(), s, dx.data() + i * in_image, positions);
  }
}

template <typename T>
void ConvRunner<T>::backward(TensorView<const T> x, TensorView<const T> w, TensorView<const T> dy, TensorView<T> d_w,
                             TensorView<T> d_b, TensorView<T> dx) {
  const std::int64_t n = x.dim(0);
  if constexpr (std::is_same_v<T, float>) {
    if (route == ConvRoute::SingleChannel) {
      conv_single_backward(x.data(), dy.data(), n, single(), d_w.data(), or_null(d_b));
      if (dx.size()) input_gradient_by_columns(w, dy, dx);
      return;
    }
    if (route == ConvRoute::FilterLanes) {
      conv_filters_backward(x.data(), dy.data(), n, lanes(), d_w.data(), or_null(d_b));
      if (!dx.size()) return;
      if (lanes().fits_input_delta_kernel())
        conv_filters_backward_input(dy.data(), n, lanes(), w.data(), dx.data());  // no ∂L/∂X_col at all
      else
        input_gradient_by_columns(w, dy, dx);
      return;
    }
    if (route == ConvRoute::Winograd) {
      if (d_b.size()) {  // Σ of δ over the images and positions of each filter
        const std::int64_t K = geometry.out_channels, plane = dy.size() / (n * K);
        for (std::int64_t i = 0; i < n; ++i)
          for (std::int64_t k = 0; k < K; ++k) {
            const T* d = dy.data() + (i * K + k) * plane;
            T s = 0;
            for (std::int64_t p = 0; p < plane; ++p) s += d[p];
            d_b.data()[k] += s;
          }
      }
      if (dx.size()) winograd_backward_data(dy.data(), n, winograd(), w.data(), dx.data(), wino_);
      winograd_backward_filter(x.data(), dy.data(), n, winograd(), d_w.data(), wino_);
      return;
    }
  }
  // Lowered: conv2d_backward reads the X_col of x; lower x again when the
  // workspace has since held another input.
  int slot = -1;
  for (int k = 0; k < 2; ++k)
    if (ws_[k].batch == n && lowered_[k] == x.data()) slot = k;
  if (slot < 0) {
    ch06::Conv2dWorkspace<T>& ws = workspace_for(n);
    slot = &ws == &ws_[0] ? 0 : 1;
    ch06::conv2d_lower<T>(x, geometry, ws);
  }
  ch07::conv2d_backward<T>(dx, d_w, d_b, dy, w, geometry, ws_[slot]);
  lowered_[slot] = nullptr;  // conv2d_backward replaced X_col by ∂L/∂X_col
}

template <typename T>
std::int64_t ConvRunner<T>::bytes() const {
  std::int64_t b = taps_.size() + col_.size() + wino_.floats();
  for (const auto& ws : ws_) b += ws.col.size() + ws.mat.size();
  return b * static_cast<std::int64_t>(sizeof(T));
}

template ConvRoute choose_conv_route<float>(const ch06::Conv2dGeometry&);
template ConvRoute choose_conv_route<double>(const ch06::Conv2dGeometry&);
template class ConvRunner<float>;
template class ConvRunner<double>;

}  // namespace nn::layers
