// Builds without the x86 kernels: the batch-norm layer never calls these
// there (it runs the reference loops); if something does, it says so.
#include "nn/batchnorm_kernels.hpp"

#if !defined(NN_HAVE_X86_KERNELS)
#include "nn/error.hpp"

namespace nn::kernels {
void batchnorm_forward_train_avx512(const float*, float*, float*, float*, float*, const float*, const float*, float,
                                    const BatchNormArgs&) {
  throw Error("batchnorm_forward_train_avx512: this build has no AVX-512 kernels");
}
void batchnorm_backward_avx512(float*, float*, float*, const float*, const float*, const float*, const float*,
                               const BatchNormArgs&) {
  throw Error("batchnorm_backward_avx512: this build has no AVX-512 kernels");
}
}  // namespace nn::kernels
#endif
