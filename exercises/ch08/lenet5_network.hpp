// lenet5_network.hpp — Chapter 8: LeNet-5 as a list of layers, the same
// network as lenet5.hpp's hand-wired one (the same parameter names, layouts
// and initialisation, so each loads the other's checkpoints):
//
//   features, in slices of 4 images:            c5 … output, the whole batch:
//     c1 conv 6@5x5 pad 2 → tanh → s2 avg-pool    c5 conv 120@5x5 → tanh → flatten
//     c3 conv 16@5x5      → tanh → s4 avg-pool    f6 dense 84 → tanh → output dense 10
//
// The first six layers form a Sequential that runs in slices
// (Sequential::run_in_slices), as the hand-wired network does, so a slice's
// activations and caches stay in the core's cache; its name is empty, so
// its layers' parameters keep the names c1.weight … (not features.c1.weight).
// The conv layers choose their kernels themselves (layers/conv_routes.hpp):
// in float on AVX-512, c1 and c3 run the direct kernels and c5 im2col + GEMM.
#pragma once

#include <cstdint>

#include "layers/network.hpp"
#include "nn/rng.hpp"

namespace nn::ch08 {

// slice_images: images per slice of c1 … s4 (0: the whole batch at once).
template <typename T>
layers::Network<T> lenet5_network(Rng& rng, std::int64_t slice_images = 4);

}  // namespace nn::ch08
