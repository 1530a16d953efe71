// The scalar weight decay (nn/weight_decay.hpp) and the dispatcher.
#include "nn/weight_decay.hpp"

#include "nn/error.hpp"

namespace nn {
namespace kernels {

double weight_decay_scalar(float* g, const float* w, std::size_t n, float two_lambda) {
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    g[i] += two_lambda * w[i];
    sum += static_cast<double>(w[i]) * static_cast<double>(w[i]);
  }
  return sum;
}

#if !defined(NN_HAVE_X86_KERNELS)
double weight_decay_avx512(float*, const float*, std::size_t, float) {
  throw Error("weight_decay_avx512: this build has no AVX-512 kernels");
}
#endif

}  // namespace kernels

double weight_decay(float* g, const float* w, std::size_t n, float two_lambda) {
  return simd_level() == SimdLevel::Avx512 ? kernels::weight_decay_avx512(g, w, n, two_lambda)
                                           : kernels::weight_decay_scalar(g, w, n, two_lambda);
}

}  // namespace nn
