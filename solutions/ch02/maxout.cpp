// maxout.cpp — Chapter 2 reference solution: the maxout layer.
#include "ch02/maxout.hpp"

#include <string>

#include "nn/error.hpp"
#include "nn/gemm.hpp"

namespace nn::ch02 {

namespace {

template <typename T>
void check_shapes(const char* what, std::int64_t n_out_units, TensorView<const T> x, TensorView<const T> weights,
                  std::int64_t bias_size, TensorView<const T> z, std::size_t winners, int pieces) {
  if (pieces < 1) throw Error(std::string(what) + ": pieces must be at least 1");
  if (x.rank() != 2 || weights.rank() != 2 || weights.dim(1) != x.dim(1) || weights.dim(0) != n_out_units * pieces ||
      bias_size != weights.dim(0) || z.rank() != 2 || z.dim(0) != x.dim(0) || z.dim(1) != weights.dim(0) ||
      static_cast<std::int64_t>(winners) != x.dim(0) * n_out_units)
    throw Error(std::string(what) + ": inconsistent shapes x " + x.shape().str() + ", weights " +
                weights.shape().str() + ", z " + z.shape().str() + " for " + std::to_string(n_out_units) +
                " units of " + std::to_string(pieces) + " pieces");
}

}  // namespace

template <typename T>
void maxout_forward(TensorView<T> out, TensorView<T> z, std::span<std::int32_t> winner, TensorView<const T> x,
                    TensorView<const T> weights, TensorView<const T> bias, int pieces) {
  const std::int64_t n_examples = x.dim(0), n_in = x.dim(1), units = out.rank() == 2 ? out.dim(1) : -1;
  if (out.rank() != 2 || out.dim(0) != n_examples) throw Error("maxout_forward: out must be (N, M)");
  check_shapes<T>("maxout_forward", units, x, weights, bias.size(), z, winner.size(), pieces);
  const std::int64_t mk = units * pieces;
  // z = x Wᵀ + b: (N, D)·(D, M·k)
  gemm(Trans::No, Trans::Yes, static_cast<int>(n_examples), static_cast<int>(mk), static_cast<int>(n_in), T(1),
       x.data(), static_cast<int>(n_in), weights.data(), static_cast<int>(n_in), T(0), z.data(), static_cast<int>(mk));
  for (std::int64_t n = 0; n < n_examples; ++n) {
    T* zr = z.row(n);
    for (std::int64_t j = 0; j < mk; ++j) zr[j] += bias[j];
    for (std::int64_t m = 0; m < units; ++m) {
      std::int32_t best = 0;  // ties go to the first piece
      for (int j = 1; j < pieces; ++j)
        if (zr[m * pieces + j] > zr[m * pieces + best]) best = j;
      winner[static_cast<std::size_t>(n * units + m)] = best;
      out(n, m) = zr[m * pieces + best];
    }
  }
}

template <typename T>
void maxout_backward(TensorView<T> dx, TensorView<T> d_weights, TensorView<T> d_bias, TensorView<T> d_z,
                     TensorView<const T> d_out, std::span<const std::int32_t> winner, TensorView<const T> x,
                     TensorView<const T> weights, int pieces) {
  const std::int64_t n_examples = x.dim(0), n_in = x.dim(1), units = d_out.rank() == 2 ? d_out.dim(1) : -1;
  if (d_out.rank() != 2 || d_out.dim(0) != n_examples) throw Error("maxout_backward: d_out must be (N, M)");
  check_shapes<T>("maxout_backward", units, x, weights, d_bias.size(), TensorView<const T>(d_z), winner.size(),
                  pieces);
  if (!(dx.shape() == x.shape()) || !(d_weights.shape() == weights.shape()))
    throw Error("maxout_backward: dx and d_weights must have the shapes of x and weights");
  const std::int64_t mk = units * pieces;
  // BEGIN EXERCISE 2.5 (maxout backward)
  //! In the forward pass this was: a_{n,m} = z_{n,m,j*} with j* = winner. So d_z is
  //! d_out at the winning piece and 0 at the others. Then z = x Wᵀ + b gives
  //!   d_weights += d_zᵀ x   (M·k, D)     nn::gemm(Trans::Yes, Trans::No, ...)
  //!   d_bias    += Σ_n d_z_n
  //!   dx        += d_z W    (N, D)       nn::gemm(Trans::No, Trans::No, ...)
  for (std::int64_t n = 0; n < n_examples; ++n) {
    T* dzr = d_z.row(n);
    for (std::int64_t j = 0; j < mk; ++j) dzr[j] = T(0);
    for (std::int64_t m = 0; m < units; ++m)
      dzr[m * pieces + winner[static_cast<std::size_t>(n * units + m)]] = d_out(n, m);
    for (std::int64_t j = 0; j < mk; ++j) d_bias[j] += dzr[j];
  }
  gemm(Trans::Yes, Trans::No, static_cast<int>(mk), static_cast<int>(n_in), static_cast<int>(n_examples), T(1),
       d_z.data(), static_cast<int>(mk), x.data(), static_cast<int>(n_in), T(1), d_weights.data(),
       static_cast<int>(n_in));
  gemm(Trans::No, Trans::No, static_cast<int>(n_examples), static_cast<int>(n_in), static_cast<int>(mk), T(1),
       d_z.data(), static_cast<int>(mk), weights.data(), static_cast<int>(n_in), T(1), dx.data(),
       static_cast<int>(n_in));
  // END EXERCISE
}

#define NN_CH02_MAXOUT_INSTANTIATE(T)                                                                          \
  template void maxout_forward<T>(TensorView<T>, TensorView<T>, std::span<std::int32_t>, TensorView<const T>,  \
                                  TensorView<const T>, TensorView<const T>, int);                              \
  template void maxout_backward<T>(TensorView<T>, TensorView<T>, TensorView<T>, TensorView<T>,                 \
                                   TensorView<const T>, std::span<const std::int32_t>, TensorView<const T>,    \
                                   TensorView<const T>, int);

NN_CH02_MAXOUT_INSTANTIATE(float)
NN_CH02_MAXOUT_INSTANTIATE(double)

}  // namespace nn::ch02
