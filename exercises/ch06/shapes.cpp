// shapes.cpp — Chapter 6: output sizes, padding, parameter counts and
// receptive fields (not exercises: the arithmetic every layer relies on).
#include "ch06/shapes.hpp"

#include <charconv>

#include "nn/error.hpp"

namespace nn::ch06 {

int effective_kernel(int kernel, int dilation) {
  if (kernel < 1 || dilation < 1)
    throw Error("kernel size and dilation must be >= 1, got kernel " + std::to_string(kernel) + ", dilation " +
                std::to_string(dilation));
  return dilation * (kernel - 1) + 1;
}

Padding parse_padding(std::string_view text) {
  if (text == "valid") return Padding::Valid;
  if (text == "same") return Padding::Same;
  if (text == "full") return Padding::Full;
  throw Error("unknown padding '" + std::string(text) + "' (valid, same, full)");
}

int padding_for(Padding mode, int kernel, int dilation) {
  const int k = effective_kernel(kernel, dilation);
  switch (mode) {
    case Padding::Valid: return 0;
    case Padding::Full: return k - 1;
    case Padding::Same:
      if (k % 2 == 0)
        throw Error("'same' padding needs an odd window, got " + std::to_string(k) +
                    " pixels: (F - 1)/2 is not a whole number of pixels on each side");
      return (k - 1) / 2;
  }
  return 0;
}

int conv_output_size(int input, int kernel, int pad, int stride, int dilation, Rounding rounding) {
  const auto numbers = [&] {
    return "input " + std::to_string(input) + ", kernel " + std::to_string(kernel) + ", pad " + std::to_string(pad) +
           ", stride " + std::to_string(stride) + ", dilation " + std::to_string(dilation);
  };
  if (input < 1 || kernel < 1 || stride < 1 || dilation < 1 || pad < 0)
    throw Error("impossible convolution shape (" + numbers() + "): sizes, stride and dilation must be >= 1, pad >= 0");
  const int k = effective_kernel(kernel, dilation);
  const int span = input + 2 * pad - k;  // how far the window can move
  if (span < 0)
    throw Error("the window does not fit (" + numbers() + "): the padded input has " + std::to_string(input + 2 * pad) +
                " pixels, the window covers " + std::to_string(k));
  if (rounding == Rounding::Exact && span % stride != 0)
    throw Error("the stride does not tile the input (" + numbers() + "): (W - K + 2P)/S = " + std::to_string(span) +
                "/" + std::to_string(stride) + " is not a whole number");
  return span / stride + 1;
}

int Conv2dGeometry::out_h() const { return conv_output_size(height, kernel_h, pad, stride, dilation); }
int Conv2dGeometry::out_w() const { return conv_output_size(width, kernel_w, pad, stride, dilation); }

void Conv2dGeometry::validate() const {
  if (in_channels < 1 || out_channels < 1 || groups < 1)
    throw Error("conv layer " + str() + ": channel counts and groups must be >= 1");
  if (in_channels % groups != 0 || out_channels % groups != 0)
    throw Error("conv layer " + str() + ": " + std::to_string(groups) + " groups must divide both " +
                std::to_string(in_channels) + " input and " + std::to_string(out_channels) + " output channels");
  (void)out_h();
  (void)out_w();
}

std::int64_t Conv2dGeometry::parameters() const {
  return conv_parameters(kernel_h, kernel_w, in_channels / groups, out_channels);
}

Im2colShape Conv2dGeometry::im2col_shape() const {
  Im2colShape s;
  s.channels = in_channels;
  s.height = height;
  s.width = width;
  s.kernel_h = kernel_h;
  s.kernel_w = kernel_w;
  s.stride = stride;
  s.pad = pad;
  s.dilation = dilation;
  s.out_h = out_h();
  s.out_w = out_w();
  return s;
}

std::string Conv2dGeometry::str() const {
  auto s = std::to_string(in_channels) + "x" + std::to_string(height) + "x" + std::to_string(width) + " -> " +
           std::to_string(out_channels) + " filters " + std::to_string(kernel_h) + "x" + std::to_string(kernel_w) +
           "/" + std::to_string(stride) + " pad " + std::to_string(pad);
  if (dilation != 1) s += " dilation " + std::to_string(dilation);
  if (groups != 1) s += " groups " + std::to_string(groups);
  return s;
}

std::int64_t fully_connected_parameters(std::int64_t inputs, std::int64_t hidden, bool bias) {
  return inputs * hidden + (bias ? hidden : 0);
}
std::int64_t locally_connected_parameters(std::int64_t field, std::int64_t channels, std::int64_t hidden, bool bias) {
  return field * field * channels * hidden + (bias ? hidden : 0);
}
std::int64_t conv_parameters(std::int64_t field_h, std::int64_t field_w, std::int64_t channels, std::int64_t filters,
                             bool bias) {
  return field_h * field_w * channels * filters + (bias ? filters : 0);
}

std::vector<LayerSpec> parse_layers(std::string_view text) {
  std::vector<LayerSpec> layers;
  auto bad = [&](const std::string& why) {
    return Error("cannot read layer list '" + std::string(text) + "': " + why +
                 " (expected e.g. 3,3,3 or 11/4,3/2,5/1 or 3/1/2 for kernel/stride/dilation)");
  };
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = text.substr(start, comma - start);
    int numbers[3] = {0, 1, 1};
    int count = 0;
    std::size_t pos = 0;
    while (true) {
      if (count == 3) throw bad("too many '/' in '" + std::string(item) + "'");
      const std::size_t slash = std::min(item.find('/', pos), item.size());
      const std::string_view field = item.substr(pos, slash - pos);
      const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), numbers[count]);
      if (ec != std::errc() || end != field.data() + field.size() || field.empty() || numbers[count] < 1)
        throw bad("'" + std::string(field) + "' is not a positive whole number");
      ++count;
      if (slash == item.size()) break;
      pos = slash + 1;
    }
    layers.push_back({numbers[0], numbers[1], numbers[2]});
    if (comma == text.size()) break;
    start = comma + 1;
  }
  return layers;
}

std::int64_t receptive_field(const std::vector<LayerSpec>& layers) {
  std::int64_t r = 1, jump = 1;  // jump = Π_{i<l} s_i: input pixels between neighbouring units of layer l − 1
  for (const LayerSpec& l : layers) {
    r += (effective_kernel(l.kernel, l.dilation) - 1) * jump;
    if (l.stride < 1) throw Error("stride must be >= 1");
    jump *= l.stride;
  }
  return r;
}

}  // namespace nn::ch06
