// batchnorm_avx512.cpp — batch norm's AVX-512 kernels (nn/batchnorm_kernels.hpp).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC bug 105593, as in exp_avx512.cpp
#endif
#include <immintrin.h>

#include <cmath>

#include "nn/batchnorm_kernels.hpp"

namespace nn::kernels {

namespace {

__mmask16 tail_mask(std::int64_t count) {
  return count >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << count) - 1u);
}

// Σ over one run of `len` floats of f(v) (f on registers), as a double.
template <typename F>
double run_sum(const float* p, std::int64_t len, F f) {
  __m512 acc = _mm512_setzero_ps();
  std::int64_t q = 0;
  for (; q + 16 <= len; q += 16) acc = _mm512_add_ps(acc, f(_mm512_loadu_ps(p + q)));
  if (q < len) {
    const __mmask16 m = tail_mask(len - q);
    acc = _mm512_mask_add_ps(acc, m, acc, f(_mm512_maskz_loadu_ps(m, p + q)));
  }
  return static_cast<double>(_mm512_reduce_add_ps(acc));
}

// The same over two runs at once: Σ g(a, b).
template <typename F>
double run_sum2(const float* a, const float* b, std::int64_t len, F f) {
  __m512 acc = _mm512_setzero_ps();
  std::int64_t q = 0;
  for (; q + 16 <= len; q += 16) acc = _mm512_add_ps(acc, f(_mm512_loadu_ps(a + q), _mm512_loadu_ps(b + q)));
  if (q < len) {
    const __mmask16 m = tail_mask(len - q);
    acc = _mm512_mask_add_ps(acc, m, acc, f(_mm512_maskz_loadu_ps(m, a + q), _mm512_maskz_loadu_ps(m, b + q)));
  }
  return static_cast<double>(_mm512_reduce_add_ps(acc));
}

// 16 features side by side (plane = 1): lane l is feature c + l.
struct Lanes {
  __m512d lo, hi;  // a double per lane
  void add(__m512 v) {
    lo = _mm512_add_pd(lo, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
    hi = _mm512_add_pd(hi, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
  }
  __m512 as_float() const {
    return _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo)), _mm512_cvtpd_ps(hi), 1);
  }
};

}  // namespace

void batchnorm_forward_train_avx512(const float* x, float* y, float* xhat, float* mean, float* inv_std,
                                    const float* gamma, const float* beta, float eps, const BatchNormArgs& a) {
  const std::int64_t C = a.channels, P = a.plane;
  const double M = static_cast<double>(a.n * P);
  if (P > 1) {
    for (std::int64_t c = a.c0; c < a.c1; ++c) {
      double sum = 0;
      for (std::int64_t i = 0; i < a.n; ++i) sum += run_sum(x + (i * C + c) * P, P, [](__m512 v) { return v; });
      const auto mu = static_cast<float>(sum / M);
      const __m512 vmu = _mm512_set1_ps(mu);
      double squares = 0;
      for (std::int64_t i = 0; i < a.n; ++i)
        squares += run_sum(x + (i * C + c) * P, P, [&](__m512 v) {
          const __m512 d = _mm512_sub_ps(v, vmu);
          return _mm512_mul_ps(d, d);
        });
      const auto s = static_cast<float>(1.0 / std::sqrt(squares / M + static_cast<double>(eps)));
      mean[c] = mu;
      inv_std[c] = s;
      const __m512 vs = _mm512_set1_ps(s), vg = _mm512_set1_ps(gamma[c]), vb = _mm512_set1_ps(beta[c]);
      for (std::int64_t i = 0; i < a.n; ++i) {
        const std::int64_t at = (i * C + c) * P;
        for (std::int64_t q = 0; q < P; q += 16) {
          const __mmask16 m = tail_mask(P - q);
          const __m512 h = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + at + q), vmu), vs);
          _mm512_mask_storeu_ps(xhat + at + q, m, h);
          _mm512_mask_storeu_ps(y + at + q, m, _mm512_fmadd_ps(vg, h, vb));
        }
      }
    }
    return;
  }
  for (std::int64_t c = a.c0; c < a.c1; c += 16) {  // plane = 1: x[i·C + c]
    const __mmask16 m = tail_mask(a.c1 - c);
    Lanes sum{_mm512_setzero_pd(), _mm512_setzero_pd()};
    for (std::int64_t i = 0; i < a.n; ++i) sum.add(_mm512_maskz_loadu_ps(m, x + i * C + c));
    const __m512d inv_m = _mm512_set1_pd(1.0 / M);
    const Lanes mu_d{_mm512_mul_pd(sum.lo, inv_m), _mm512_mul_pd(sum.hi, inv_m)};
    const __m512 vmu = mu_d.as_float();
    Lanes sq{_mm512_setzero_pd(), _mm512_setzero_pd()};
    for (std::int64_t i = 0; i < a.n; ++i) {
      const __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i * C + c), vmu);
      sq.add(_mm512_mul_ps(d, d));
    }
    const __m512d e = _mm512_set1_pd(static_cast<double>(eps)), one = _mm512_set1_pd(1.0);
    const Lanes s_d{_mm512_div_pd(one, _mm512_sqrt_pd(_mm512_fmadd_pd(sq.lo, inv_m, e))),
                    _mm512_div_pd(one, _mm512_sqrt_pd(_mm512_fmadd_pd(sq.hi, inv_m, e)))};
    const __m512 vs = s_d.as_float();
    _mm512_mask_storeu_ps(mean + c, m, vmu);
    _mm512_mask_storeu_ps(inv_std + c, m, vs);
    const __m512 vg = _mm512_maskz_loadu_ps(m, gamma + c), vb = _mm512_maskz_loadu_ps(m, beta + c);
    for (std::int64_t i = 0; i < a.n; ++i) {
      const __m512 h = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i * C + c), vmu), vs);
      _mm512_mask_storeu_ps(xhat + i * C + c, m, h);
      _mm512_mask_storeu_ps(y + i * C + c, m, _mm512_fmadd_ps(vg, h, vb));
    }
  }
}

void batchnorm_backward_avx512(float* dx, float* dgamma, float* dbeta, const float* dy, const float* xhat,
                               const float* inv_std, const float* gamma, const BatchNormArgs& a) {
  const std::int64_t C = a.channels, P = a.plane;
  const double M = static_cast<double>(a.n * P);
  if (P > 1) {
    for (std::int64_t c = a.c0; c < a.c1; ++c) {
      double sum_dy = 0, sum_dy_xhat = 0;
      for (std::int64_t i = 0; i < a.n; ++i) {
        const std::int64_t at = (i * C + c) * P;
        sum_dy += run_sum(dy + at, P, [](__m512 v) { return v; });
        sum_dy_xhat += run_sum2(dy + at, xhat + at, P, [](__m512 d, __m512 h) { return _mm512_mul_ps(d, h); });
      }
      dbeta[c] += static_cast<float>(sum_dy);
      dgamma[c] += static_cast<float>(sum_dy_xhat);
      if (!dx) continue;
      // dx += k·(dy − Σdy/M − x̂·Σdy·x̂/M), k = γ·s
      const __m512 k = _mm512_set1_ps(gamma[c] * inv_std[c]), mean_dy = _mm512_set1_ps(static_cast<float>(sum_dy / M)),
                   mean_dyh = _mm512_set1_ps(static_cast<float>(sum_dy_xhat / M));
      for (std::int64_t i = 0; i < a.n; ++i) {
        const std::int64_t at = (i * C + c) * P;
        for (std::int64_t q = 0; q < P; q += 16) {
          const __mmask16 m = tail_mask(P - q);
          const __m512 d = _mm512_maskz_loadu_ps(m, dy + at + q), h = _mm512_maskz_loadu_ps(m, xhat + at + q);
          const __m512 g = _mm512_sub_ps(_mm512_sub_ps(d, mean_dy), _mm512_mul_ps(h, mean_dyh));
          _mm512_mask_storeu_ps(dx + at + q, m, _mm512_fmadd_ps(k, g, _mm512_maskz_loadu_ps(m, dx + at + q)));
        }
      }
    }
    return;
  }
  for (std::int64_t c = a.c0; c < a.c1; c += 16) {
    const __mmask16 m = tail_mask(a.c1 - c);
    Lanes sd{_mm512_setzero_pd(), _mm512_setzero_pd()}, sdh{_mm512_setzero_pd(), _mm512_setzero_pd()};
    for (std::int64_t i = 0; i < a.n; ++i) {
      const __m512 d = _mm512_maskz_loadu_ps(m, dy + i * C + c), h = _mm512_maskz_loadu_ps(m, xhat + i * C + c);
      sd.add(d);
      sdh.add(_mm512_mul_ps(d, h));
    }
    const __m512 sum_dy = sd.as_float(), sum_dyh = sdh.as_float();
    _mm512_mask_storeu_ps(dbeta + c, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, dbeta + c), sum_dy));
    _mm512_mask_storeu_ps(dgamma + c, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, dgamma + c), sum_dyh));
    if (!dx) continue;
    const __m512 inv_m = _mm512_set1_ps(static_cast<float>(1.0 / M));
    const __m512 k = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, gamma + c), _mm512_maskz_loadu_ps(m, inv_std + c));
    const __m512 mean_dy = _mm512_mul_ps(sum_dy, inv_m), mean_dyh = _mm512_mul_ps(sum_dyh, inv_m);
    for (std::int64_t i = 0; i < a.n; ++i) {
      const __m512 d = _mm512_maskz_loadu_ps(m, dy + i * C + c), h = _mm512_maskz_loadu_ps(m, xhat + i * C + c);
      const __m512 g = _mm512_sub_ps(_mm512_sub_ps(d, mean_dy), _mm512_mul_ps(h, mean_dyh));
      _mm512_mask_storeu_ps(dx + i * C + c, m, _mm512_fmadd_ps(k, g, _mm512_maskz_loadu_ps(m, dx + i * C + c)));
    }
  }
}

}  // namespace nn::kernels
