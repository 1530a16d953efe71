// dense.cpp — Chapter 3 reference solution: the dense layer.
#include "ch03/dense.hpp"

#include <string>

#include "nn/error.hpp"
#include "nn/gemm.hpp"

namespace nn::ch03 {

namespace {

template <typename T>
void check_dense(const char* what, std::int64_t z_rows, std::int64_t z_cols, TensorView<const T> a,
                 TensorView<const T> theta, std::int64_t bias_size) {
  if (a.rank() != 2 || theta.rank() != 2 || a.dim(1) != theta.dim(1) || z_rows != a.dim(0) ||
      z_cols != theta.dim(0) || bias_size != theta.dim(0))
    throw Error(std::string(what) + ": inconsistent shapes: input " + a.shape().str() + ", weights " +
                theta.shape().str() + ", output (" + std::to_string(z_rows) + ", " + std::to_string(z_cols) +
                "), bias " + std::to_string(bias_size));
}

}  // namespace

template <typename T>
void dense_forward(TensorView<T> z, TensorView<const T> a, TensorView<const T> theta, TensorView<const T> bias) {
  if (z.rank() != 2) throw Error("dense_forward: z must be (N, n_out), got " + z.shape().str());
  check_dense<T>("dense_forward", z.dim(0), z.dim(1), a, theta, bias.size());
  const int n = static_cast<int>(a.dim(0)), n_in = static_cast<int>(a.dim(1)), n_out = static_cast<int>(theta.dim(0));
  // Z = A Θᵀ   (N, n_in)·(n_in, n_out)
  gemm(Trans::No, Trans::Yes, n, n_out, n_in, T(1), a.data(), n_in, theta.data(), n_in, T(0), z.data(), n_out);
  for (int i = 0; i < n; ++i) {
    T* row = z.row(i);
    for (int j = 0; j < n_out; ++j) row[j] += bias[j];
  }
}

template <typename T>
void dense_backward_params(TensorView<T> d_theta, TensorView<T> d_bias, TensorView<const T> delta,
                           TensorView<const T> a) {
  if (delta.rank() != 2) throw Error("dense_backward_params: delta must be (N, n_out), got " + delta.shape().str());
  // d_theta has the weights' shape, so it stands in for them in the check.
  check_dense<T>("dense_backward_params", delta.dim(0), delta.dim(1), a, d_theta, d_bias.size());
  const int n = static_cast<int>(a.dim(0)), n_in = static_cast<int>(a.dim(1)), n_out = static_cast<int>(delta.dim(1));
  // BEGIN EXERCISE 3.1 (dense layer backward)
  //! In the forward pass this was: Z = A Θᵀ + b (row n: z_n = Θ a_n + b). So
  //!   d_theta += δᵀ A   nn::gemm(Trans::Yes, Trans::No, n_out, n_in, N, 1, δ, n_out, A, n_in, 1, d_theta, n_in)
  //!   d_bias  += Σ_n δ_n
  gemm(Trans::Yes, Trans::No, n_out, n_in, n, T(1), delta.data(), n_out, a.data(), n_in, T(1), d_theta.data(), n_in);
  for (int i = 0; i < n; ++i) {
    const T* row = delta.row(i);
    for (int j = 0; j < n_out; ++j) d_bias[j] += row[j];
  }
  // END EXERCISE
}

template <typename T>
void dense_backward_input(TensorView<T> d_a, TensorView<const T> delta, TensorView<const T> theta) {
  if (delta.rank() != 2) throw Error("dense_backward_input: delta must be (N, n_out), got " + delta.shape().str());
  // d_a has the input's shape, so it stands in for it in the check (no bias here).
  check_dense<T>("dense_backward_input", delta.dim(0), delta.dim(1), d_a, theta, theta.dim(0));
  const int n = static_cast<int>(delta.dim(0)), n_in = static_cast<int>(theta.dim(1)),
            n_out = static_cast<int>(theta.dim(0));
  // BEGIN EXERCISE 3.1 (dense layer backward)
  //!   d_a += δ Θ: the Θᵀ δ of the delta rule, one row per example
  //!   nn::gemm(Trans::No, Trans::No, N, n_in, n_out, 1, δ, n_out, Θ, n_in, 1, d_a, n_in)
  gemm(Trans::No, Trans::No, n, n_in, n_out, T(1), delta.data(), n_out, theta.data(), n_in, T(1), d_a.data(), n_in);
  // END EXERCISE
}

template <typename T>
void dense_backward(TensorView<T> d_a, TensorView<T> d_theta, TensorView<T> d_bias, TensorView<const T> delta,
                    TensorView<const T> a, TensorView<const T> theta) {
  if (delta.rank() != 2) throw Error("dense_backward: delta must be (N, n_out), got " + delta.shape().str());
  check_dense<T>("dense_backward", delta.dim(0), delta.dim(1), a, theta, d_bias.size());
  if (!(d_theta.shape() == theta.shape()))
    throw Error("dense_backward: d_theta " + d_theta.shape().str() + " must match theta " + theta.shape().str());
  const bool want_d_a = d_a.data() != nullptr;
  if (want_d_a && !(d_a.shape() == a.shape()))
    throw Error("dense_backward: d_a " + d_a.shape().str() + " must match a " + a.shape().str());
  dense_backward_params<T>(d_theta, d_bias, delta, a);
  if (want_d_a) dense_backward_input<T>(d_a, delta, theta);
}

template void dense_forward<float>(TensorView<float>, TensorView<const float>, TensorView<const float>,
                                   TensorView<const float>);
template void dense_forward<double>(TensorView<double>, TensorView<const double>, TensorView<const double>,
                                    TensorView<const double>);
template void dense_backward_params<float>(TensorView<float>, TensorView<float>, TensorView<const float>,
                                           TensorView<const float>);
template void dense_backward_params<double>(TensorView<double>, TensorView<double>, TensorView<const double>,
                                            TensorView<const double>);
template void dense_backward_input<float>(TensorView<float>, TensorView<const float>, TensorView<const float>);
template void dense_backward_input<double>(TensorView<double>, TensorView<const double>, TensorView<const double>);
template void dense_backward<float>(TensorView<float>, TensorView<float>, TensorView<float>, TensorView<const float>,
                                    TensorView<const float>, TensorView<const float>);
template void dense_backward<double>(TensorView<double>, TensorView<double>, TensorView<double>,
                                     TensorView<const double>, TensorView<const double>, TensorView<const double>);

}  // namespace nn::ch03
