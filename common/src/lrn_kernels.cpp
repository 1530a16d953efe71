// Builds without the x86 kernels: the LRN layer never calls these there
// (it runs the reference loops); if something does, it says so.
#include "nn/lrn_kernels.hpp"

#if !defined(NN_HAVE_X86_KERNELS)
#include "nn/error.hpp"

namespace nn::kernels {
void lrn_forward_avx512(const float*, float*, float*, const LrnArgs&) {
  throw Error("lrn_forward_avx512: this build has no AVX-512 kernels");
}
void lrn_backward_avx512(float*, const float*, const float*, const float*, const float*, const LrnArgs&) {
  throw Error("lrn_backward_avx512: this build has no AVX-512 kernels");
}
void log_avx512(const float*, float*, std::size_t) { throw Error("log_avx512: this build has no AVX-512 kernels"); }
}  // namespace nn::kernels
#endif
