// threads.hpp — how many threads the library's parallel kernels use.
//
// Only nn::gemm (float) is threaded. The default is 1 thread, so a program
// behaves the same on every machine unless asked otherwise; set NN_THREADS=2
// in the environment (read once, on first use), pass --threads to a chapter
// program that has it, or call set_num_threads().
//
// The result of a GEMM does not depend on the thread count: the threads split
// the rows or the columns of C, never the sum over K, so every element is
// computed by the same sequence of operations — bit-identical for 1, 2 or 16
// threads.
#pragma once

namespace nn {

// The number of threads parallel kernels use now (≥ 1).
int num_threads();
// Sets it; n < 1 is an error (nn::Error). More threads than cores is allowed
// but slower.
void set_num_threads(int n);
// The number of hardware threads this machine reports (≥ 1).
int hardware_threads();

}  // namespace nn
