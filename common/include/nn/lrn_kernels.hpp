// lrn_kernels.hpp — the AVX-512 kernels of chapter 9's local response
// normalisation (ch09/lrn.hpp has the definition, the derivation and the
// scalar reference loops, exercises 9.1 and 9.2, which the layer runs
// where these do not apply).
//
// The arrays are (images, channels, plane): channel c of image i is the
// plane of `plane` floats at (i·channels + c)·plane. The window of channel c
// is [c − before, c + after] ∩ [0, channels), n = before + after + 1 ≤ 16.
// Both kernels run 16 positions of a plane at a time (the last run under a
// lane mask: nothing read or written past a plane) and walk the channels:
//
//   forward    S = Σ_window x² (FMAs, in channel order, as the reference's
//              sum), s = k + α·S, y = x·s^(−β) with s^(−β) = exp(−β·log s)
//              from the sixteen-lane exp and log (exp16_avx512.hpp);
//   backward   r_c = dy_c·y_c/s_c is computed once per channel into a ring
//              of the last n (one register each), and each input channel j
//              sums the r of the windows that hold it, in channel order:
//              dx_j += dy_j·s_j^(−β) − 2αβ·x_j·Σ r_c.
//
// They differ from the reference only by rounding: the FMAs, and exp/log in
// place of std::pow (each within about 2 ulp). tests/ch09/test_alexnet_kernels.cpp
// states and checks the bound on channel counts that do not fill a window
// at either end.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nn::kernels {

struct LrnArgs {
  std::int64_t images = 0, channels = 0, plane = 0;
  int before = 2, after = 2;  // ⌊n/2⌋ and ⌊(n − 1)/2⌋
  float k = 2.0f, alpha = 1e-4f, beta = 0.75f;
};

// The largest window the kernels take (their ring of registers).
inline constexpr int kLrnMaxWindow = 16;

// y and scale are overwritten.
void lrn_forward_avx512(const float* x, float* y, float* scale, const LrnArgs& a);
// dx is added to.
void lrn_backward_avx512(float* dx, const float* dy, const float* x, const float* y, const float* scale,
                         const LrnArgs& a);

// y[i] = log x[i], the sixteen-lane log the LRN kernels use (for its test).
void log_avx512(const float* x, float* y, std::size_t n);

}  // namespace nn::kernels
