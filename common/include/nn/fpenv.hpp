// fpenv.hpp — subnormal floats flushed to zero for the length of a scope.
//
// A float below 2^-126 (about 1.2e-38) is subnormal: it keeps its value by
// giving up bits of precision. x86 cores handle most arithmetic on such
// numbers through a microcode assist that costs on the order of a hundred
// cycles, instead of one. Training makes them: with momentum, a parameter
// whose gradient has become exactly zero (a ReLU unit that no longer fires,
// a pixel that is almost always black) keeps a velocity that shrinks by μ
// every step, and a few hundred steps later it is subnormal and stays there
// for another few hundred. On the chapter-5 MLP (784-256-128-10, batch 64,
// the same batch repeated) a few per cent of the optimiser's state turns
// subnormal within a few thousand steps, enough to double the time of the
// optimiser step (the test of FlushSubnormals in tests/ch05 makes such a
// velocity).
//
// While a FlushSubnormals object lives, the calling thread's SSE/AVX unit
// treats subnormal inputs as zero (DAZ) and writes zero where a result would
// be subnormal (FTZ). The setting belongs to the thread (the MXCSR register),
// so each thread that runs the work must make its own object; the destructor
// puts back what was there. On other architectures it does nothing.
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace nn {

class FlushSubnormals {
 public:
#if defined(__x86_64__) || defined(__i386__)
  FlushSubnormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | kFtz | kDaz); }
  ~FlushSubnormals() { _mm_setcsr(saved_); }
#else
  FlushSubnormals() = default;
#endif
  FlushSubnormals(const FlushSubnormals&) = delete;
  FlushSubnormals& operator=(const FlushSubnormals&) = delete;

 private:
#if defined(__x86_64__) || defined(__i386__)
  static constexpr unsigned kFtz = 0x8000, kDaz = 0x0040;  // MXCSR bits 15 and 6
  unsigned saved_;
#endif
};

}  // namespace nn
