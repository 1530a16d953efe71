# Interface targets every project target links: warnings, and floating-point
# rules. Kept here so one place says how the code is compiled.

add_library(nn_warnings INTERFACE)
add_library(nn::warnings ALIAS nn_warnings)
target_compile_options(nn_warnings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion
    -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
    -Woverloaded-virtual -Wdouble-promotion -Wformat=2>)

add_library(nn_fp_rules INTERFACE)
add_library(nn::fp_rules ALIAS nn_fp_rules)
# No -ffast-math anywhere, and no silent contraction of a*b+c into an FMA in
# portable code: the scalar references must give the same bits on every
# machine. SIMD kernels use FMA explicitly through intrinsics.
target_compile_options(nn_fp_rules INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-ffp-contract=off -fno-fast-math>)

# Debug builds check every tensor index.
add_compile_definitions($<$<CONFIG:Debug>:NN_BOUNDS_CHECK=1>)

# Sanitizer build (preset "sanitize"): address + undefined behaviour, and any
# report is fatal so that CI fails on it.
option(NN_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
if(NN_SANITIZE)
  # GCC 12 reports false -Wmaybe-uninitialized inside libstdc++ (std::regex,
  # std::function) when instrumenting; the Release build keeps the warning.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
                      -Wno-maybe-uninitialized)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
endif()

# ThreadSanitizer build (preset "tsan"): the tests that run two or more
# threads; any data race or lock-order report fails the test.
option(NN_TSAN "Build with ThreadSanitizer" OFF)
if(NN_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()

# Fuzz build (preset "fuzz", clang only): every object is instrumented for
# libFuzzer's coverage and checked by the address and undefined-behaviour
# sanitizers; only the fuzz targets link libFuzzer's driver (fuzz/).
option(NN_FUZZ "Build the libFuzzer targets of fuzz/ (clang)" OFF)
if(NN_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "NN_FUZZ needs clang (libFuzzer); configure with the 'fuzz' preset")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
endif()

# Per-file flags for the SIMD kernels. Only these files are compiled for a
# wider instruction set; the dispatcher calls them only when the CPU has it.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(NN_X86 ON)
else()
  set(NN_X86 OFF)
endif()
set(NN_AVX2_FLAGS -mavx2 -mfma)
set(NN_AVX512_FLAGS -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma)
