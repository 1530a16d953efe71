// alexnet.cpp — Chapter 9: AlexNet, a list of layers.
#include "ch09/alexnet.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>
#include <string>

#include "layers/basic.hpp"
#include "layers/preprocess.hpp"
#include "nn/error.hpp"

namespace nn::ch09 {

AlexNetWidths alexnet_widths(const AlexNetConfig& c) {
  if (!(c.width > 0) || c.groups < 1 || c.in_channels < 1 || c.classes < 2 || c.image < 1)
    throw Error("AlexNet: width " + std::to_string(c.width) + ", groups " + std::to_string(c.groups) +
                ", input channels " + std::to_string(c.in_channels) + ", classes " + std::to_string(c.classes) +
                ", image " + std::to_string(c.image) + ": each must be positive (and at least 2 classes)");
  // A width scaled and rounded to a whole number of groups (at least one filter a group).
  auto scaled = [&](int base) {
    const int per_group = std::max(1, static_cast<int>(std::lround(base * c.width / c.groups)));
    return per_group * c.groups;
  };
  return {{scaled(96), scaled(256), scaled(384), scaled(384), scaled(256)},
          std::max(1, static_cast<int>(std::lround(4096 * c.width)))};
}

template <typename T>
layers::Network<T> alexnet_network(const AlexNetConfig& c, Rng& rng) {
  using namespace layers;
  const AlexNetWidths w = alexnet_widths(c);
  const int g = c.groups;
  std::string name = "AlexNet (" + std::to_string(c.in_channels) + "x" + std::to_string(c.image) + "x" +
                     std::to_string(c.image) + ", " + std::to_string(c.classes) + " classes";
  if (g != 1) name += ", conv2/4/5 in " + std::to_string(g) + " groups";
  if (c.width != 1.0) name += ", width " + std::to_string(c.width).substr(0, 4);
  const int source = c.source > 0 ? c.source : c.image, resize = c.resize > 0 ? c.resize : c.image;
  if (c.source > 0 && resize < c.image)
    throw Error("AlexNet: images resized to " + std::to_string(resize) + " cannot be cropped to " +
                std::to_string(c.image));
  const int fed = c.source_channels > 0 ? c.source_channels : c.in_channels;
  if (fed != c.in_channels && fed != 1)
    throw Error("AlexNet: images of " + std::to_string(fed) + " channels cannot feed " +
                std::to_string(c.in_channels) + " input channels (only a grey channel can be repeated)");
  if (c.source > 0) name += ", from " + std::to_string(source) + "x" + std::to_string(source) + " images";
  if (fed != c.in_channels) name += ", grey repeated";
  name += ")";
  Network<T> net(name, Shape{fed, source, source}, c.classes);
  auto text = [](double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", v);
    return std::string(buffer);
  };
  const std::pair<const char*, std::string> meta[] = {
      {"model", "alexnet"},
      {"width", text(c.width)},
      {"groups", std::to_string(g)},
      {"in_channels", std::to_string(c.in_channels)},
      {"image", std::to_string(c.image)},
      {"classes", std::to_string(c.classes)},
      {"source", std::to_string(source)},
      {"source_channels", std::to_string(fed)},
      {"resize", std::to_string(resize)},
      {"dropout", text(c.dropout)},
      {"lrn", "n=" + std::to_string(c.lrn.size) + " alpha=" + text(c.lrn.alpha) + " beta=" + text(c.lrn.beta) +
                  " k=" + text(c.lrn.k) + " (PyTorch's LocalResponseNorm alpha = n*alpha)"},
      {"input", "pixel/255 in [0, 1], no mean subtraction; bilinear resize (align_corners=False) to resize, "
                "centre crop to image in eval"}};
  for (const auto& [key, value] : meta) net.set_metadata(key, value);
  Sequential<T>& s = net.body();
  if (c.source > 0) {
    s.template emplace<Resize<T>>("resize", resize, resize);
    if (resize > c.image) s.template emplace<RandomCrop<T>>("crop", c.image);
  }
  // After the resize and the crop, which then work on one channel, not three.
  if (fed != c.in_channels) s.template emplace<RepeatChannels<T>>("grey", c.in_channels);
  // conv1 … pool5 in a Sequential of their own, run `slice_images` images
  // at a time: the X_col of each convolution is then sized for a slice,
  // not for the batch (conv2's for a batch of 128 alone would be 896 MB).
  // Its name is empty, so the parameters keep their names (conv1.weight).
  auto f = std::make_unique<Sequential<T>>();
  const ch07::Pool2dGeometry pool{3, 3, 2};
  auto conv = [&](const char* id, int in, int out, int kernel, int stride, int pad, int groups) {
    f->template emplace<Conv2d<T>>(id, Conv2dSpec{in, out, kernel, kernel, stride, pad, 1, groups, true});
  };
  auto relu = [&](Sequential<T>& into, const char* id) {
    into.template emplace<Activation<T>>(id, ch02::Activation::relu());
  };
  conv("conv1", c.in_channels, w.conv[0], 11, 4, 0, 1);
  relu(*f, "relu1");
  f->template emplace<MaxPool2d<T>>("pool1", pool);
  f->template emplace<LocalResponseNorm<T>>("norm1", c.lrn);
  conv("conv2", w.conv[0], w.conv[1], 5, 1, 2, g);
  relu(*f, "relu2");
  f->template emplace<MaxPool2d<T>>("pool2", pool);
  f->template emplace<LocalResponseNorm<T>>("norm2", c.lrn);
  conv("conv3", w.conv[1], w.conv[2], 3, 1, 1, 1);
  relu(*f, "relu3");
  conv("conv4", w.conv[2], w.conv[3], 3, 1, 1, g);
  relu(*f, "relu4");
  conv("conv5", w.conv[3], w.conv[4], 3, 1, 1, g);
  relu(*f, "relu5");
  f->template emplace<MaxPool2d<T>>("pool5", pool);
  f->run_in_slices(c.slice_images);
  s.add("", std::move(f));
  s.template emplace<Flatten<T>>("flatten");
  const Shape features = s.output_shape(Shape{1, fed, source, source});
  if (c.dropout > 0) s.template emplace<Dropout<T>>("drop6", c.dropout);
  s.template emplace<Dense<T>>("fc6", features[1], w.fc);
  relu(s, "relu6");
  if (c.dropout > 0) s.template emplace<Dropout<T>>("drop7", c.dropout);
  s.template emplace<Dense<T>>("fc7", w.fc, w.fc);
  relu(s, "relu7");
  s.template emplace<Dense<T>>("fc8", w.fc, c.classes);
  net.initialize(Init::He, rng);
  return net;
}

template layers::Network<float> alexnet_network<float>(const AlexNetConfig&, Rng&);
template layers::Network<double> alexnet_network<double>(const AlexNetConfig&, Rng&);

}  // namespace nn::ch09
