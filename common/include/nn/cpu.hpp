// cpu.hpp — which SIMD instruction sets this CPU has, and which one the
// kernels use.
//
// One binary runs on any x86-64: each SIMD kernel is compiled for its own
// instruction set in its own file, and the dispatcher picks the widest one the
// CPU supports at run time. A build for another architecture has only the
// scalar kernels.
//
// The active level can be lowered for tests and for learners who want to
// compare: set NN_SIMD=scalar|avx2|avx512 in the environment, pass --simd to
// a chapter program, or call set_simd_level(). Asking for a level the CPU does
// not have is an error, not a silent fallback.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nn {

enum class SimdLevel { Scalar = 0, Avx2 = 1, Avx512 = 2 };

std::string_view to_string(SimdLevel level);
// Parses "scalar", "avx2", "avx512" (and "auto" = the detected level).
SimdLevel parse_simd_level(std::string_view name);

// The widest level this CPU and this build support (AVX2 means AVX2 + FMA;
// AVX-512 means F, DQ, BW and VL).
SimdLevel detected_simd_level();
// Every level that can run here, narrowest first.
std::vector<SimdLevel> available_simd_levels();
// The level kernels use now: the detected one unless lowered.
SimdLevel simd_level();
// Throws nn::Error if the CPU does not support `level`.
void set_simd_level(SimdLevel level);

}  // namespace nn
