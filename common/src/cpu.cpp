#include "nn/cpu.hpp"

#include <atomic>
#include <cstdlib>
#include <string>

#include "nn/error.hpp"

namespace nn {

namespace {

SimdLevel detect() {
#if defined(__x86_64__) || defined(_M_X64)
  __builtin_cpu_init();
  // libgcc's checks include the OS's support for saving the wide registers.
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
    return SimdLevel::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return SimdLevel::Avx2;
#endif
  return SimdLevel::Scalar;
}

SimdLevel initial_level() {
  const SimdLevel detected = detected_simd_level();
  const char* env = std::getenv("NN_SIMD");
  if (!env || !*env) return detected;
  SimdLevel wanted;
  try {
    wanted = parse_simd_level(env);
  } catch (const Error& e) {
    throw Error(std::string("environment variable NN_SIMD: ") + e.what());
  }
  if (static_cast<int>(wanted) > static_cast<int>(detected))
    throw Error("environment variable NN_SIMD asks for " + std::string(to_string(wanted)) +
                " but this CPU supports at most " + std::string(to_string(detected)));
  return wanted;
}

std::atomic<int>& active_level() {
  static std::atomic<int> level{static_cast<int>(initial_level())};
  return level;
}

}  // namespace

std::string_view to_string(SimdLevel level) {
  switch (level) {
    case SimdLevel::Scalar: return "scalar";
    case SimdLevel::Avx2: return "avx2";
    case SimdLevel::Avx512: return "avx512";
  }
  return "?";
}

SimdLevel parse_simd_level(std::string_view name) {
  if (name == "scalar") return SimdLevel::Scalar;
  if (name == "avx2") return SimdLevel::Avx2;
  if (name == "avx512") return SimdLevel::Avx512;
  if (name == "auto") return detected_simd_level();
  throw Error("unknown SIMD level '" + std::string(name) +
              "' (expected one of: auto, scalar, avx2, avx512)");
}

SimdLevel detected_simd_level() {
  static const SimdLevel level = detect();
  return level;
}

std::vector<SimdLevel> available_simd_levels() {
  std::vector<SimdLevel> levels;
  for (int l = 0; l <= static_cast<int>(detected_simd_level()); ++l)
    levels.push_back(static_cast<SimdLevel>(l));
  return levels;
}

SimdLevel simd_level() { return static_cast<SimdLevel>(active_level().load(std::memory_order_relaxed)); }

void set_simd_level(SimdLevel level) {
  if (static_cast<int>(level) > static_cast<int>(detected_simd_level()))
    throw Error("SIMD level " + std::string(to_string(level)) + " is not supported by this CPU (it has " +
                std::string(to_string(detected_simd_level())) + ")");
  active_level().store(static_cast<int>(level), std::memory_order_relaxed);
}

}  // namespace nn
