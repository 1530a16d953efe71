// toy_data.hpp — small 2-D data sets generated in code, for the chapters
// that need a picture: every point is (x1, x2) with a label 0 or 1.
//
//   and, or, xor   the four corners of the unit square, labelled by the gate
//                  (repeated `copies` times with a little jitter if asked)
//   blobs          two Gaussian clouds, linearly separable
//   circles        a disc inside a ring: not linearly separable
//   spirals        two interleaved spiral arms
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/rng.hpp"
#include "nn/tensor.hpp"

namespace nn {

struct Dataset2D {
  std::string name;
  Tensor<float> x;      // (N, 2)
  std::vector<int> y;   // (N), 0 or 1
  std::int64_t size() const { return x.dim(0); }
  Tensor<float> labels_as_float() const;  // (N)
};

Dataset2D make_logic_gate(const std::string& gate);  // "and", "or", "xor"
Dataset2D make_blobs(Rng& rng, int per_class, double distance = 4.0, double stddev = 0.6);
Dataset2D make_circles(Rng& rng, int per_class, double noise = 0.08);
Dataset2D make_spirals(Rng& rng, int per_class, double noise = 0.2);

}  // namespace nn
