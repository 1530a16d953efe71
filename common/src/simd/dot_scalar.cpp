// The scalar references for dot and axpy, and the dispatchers.
#include "nn/kernels.hpp"

namespace nn {
namespace kernels {

float dot_scalar(const float* x, const float* y, std::size_t n) {
  float sum = 0.0f;
  for (std::size_t i = 0; i < n; ++i) sum += x[i] * y[i];
  return sum;
}

void axpy_scalar(float alpha, const float* x, float* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

DotFn dot_for(SimdLevel level) {
#if defined(NN_HAVE_X86_KERNELS)
  switch (level) {
    case SimdLevel::Avx512: return dot_avx512;
    case SimdLevel::Avx2: return dot_avx2;
    case SimdLevel::Scalar: break;
  }
#else
  (void)level;
#endif
  return dot_scalar;
}

AxpyFn axpy_for(SimdLevel level) {
#if defined(NN_HAVE_X86_KERNELS)
  switch (level) {
    case SimdLevel::Avx512: return axpy_avx512;
    case SimdLevel::Avx2: return axpy_avx2;
    case SimdLevel::Scalar: break;
  }
#else
  (void)level;
#endif
  return axpy_scalar;
}

#if !defined(NN_HAVE_X86_KERNELS)
// Not an x86-64 build: the SIMD names exist so code that names them links,
// and they are the scalar reference.
float dot_avx2(const float* x, const float* y, std::size_t n) { return dot_scalar(x, y, n); }
float dot_avx512(const float* x, const float* y, std::size_t n) { return dot_scalar(x, y, n); }
void axpy_avx2(float a, const float* x, float* y, std::size_t n) { axpy_scalar(a, x, y, n); }
void axpy_avx512(float a, const float* x, float* y, std::size_t n) { axpy_scalar(a, x, y, n); }
#endif

}  // namespace kernels

float dot(const float* x, const float* y, std::size_t n) { return kernels::dot_for(simd_level())(x, y, n); }
void axpy(float alpha, const float* x, float* y, std::size_t n) {
  kernels::axpy_for(simd_level())(alpha, x, y, n);
}

double dot(const double* x, const double* y, std::size_t n) {
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) sum += x[i] * y[i];
  return sum;
}
void axpy(double alpha, const double* x, double* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

}  // namespace nn
