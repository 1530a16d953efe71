// Step 7 — both cores. The columns of C are independent: thread t computes
// C[:, n_t : n_t+1] = A · B[:, n_t : n_t+1] with step 6, on its own packing
// buffers (thread_local), and no thread waits for another until the join.
// Each column is computed by exactly the same instructions as with one
// thread, so the result is bit-identical. The split is in whole 48-column
// tiles so no thread gets a ragged edge in the middle of C.
#include <algorithm>
#include <thread>
#include <vector>

#include "ladder.hpp"

namespace nn::ch04 {

namespace {
int g_threads = 2;
constexpr int NR = 48;  // step 6's tile width
}  // namespace

void set_step7_threads(int n) { g_threads = std::max(1, n); }

void step7_threads(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc) {
  const int tiles = (N + NR - 1) / NR;
  const int threads = std::min(g_threads, std::max(1, tiles));
  auto columns = [&](int t) { return std::min(N, static_cast<int>(static_cast<long>(tiles) * t / threads) * NR); };
  auto work = [&](int t) {
    const int n0 = columns(t), n1 = columns(t + 1);
    if (n1 > n0) step6_avx512(M, n1 - n0, K, A, lda, B + n0, ldb, C + n0, ldc);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
}

std::vector<Step> ladder() {
  return {{"1 naive", step1_naive, false, false},       {"2 reorder ikj", step2_reorder, false, false},
          {"3 cache blocking", step3_blocking, false, false}, {"4 packing 4x8", step4_packing, false, false},
          {"5 AVX2 6x16", step5_avx2, true, false},      {"6 AVX-512 8x48", step6_avx512, false, true},
          {"7 threads", step7_threads, false, true}};
}

}  // namespace nn::ch04
