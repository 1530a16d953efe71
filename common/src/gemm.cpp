// The GEMM driver. The float path checks the arguments, handles the cases
// with no product to compute (M, N or K zero, alpha zero), picks the
// instruction-set variant for nn::simd_level(), decides how to split C
// between nn::num_threads() threads, and hands each thread its block of C
// (simd/gemm_blocked.hpp does the packing, blocking and micro-kernel calls;
// a few rows of C over a long K, with op(A) = A and op(B) = Bᵀ, go to the
// dot-product path of simd/gemm_dot_avx512.cpp instead).
// The double path is the plain i-k-j loop (unit stride through B and C), a
// reference for gradient checks where speed does not matter.
#include "nn/gemm.hpp"

#include <algorithm>
#include <chrono>
#include <string>

#include "nn/cpu.hpp"
#include "nn/error.hpp"
#include "nn/threads.hpp"
#include "simd/gemm_kernels.hpp"

namespace nn {

namespace {

void check_args(Trans ta, Trans tb, int M, int N, int K, int lda, int ldb, int ldc) {
  if (M < 0 || N < 0 || K < 0)
    throw Error("gemm: negative size M=" + std::to_string(M) + " N=" + std::to_string(N) + " K=" + std::to_string(K));
  const int a_cols = ta == Trans::No ? K : M;
  const int b_cols = tb == Trans::No ? N : K;
  if (lda < a_cols || ldb < b_cols || ldc < N)
    throw Error("gemm: leading dimension too small (lda=" + std::to_string(lda) + " needs " +
                std::to_string(a_cols) + ", ldb=" + std::to_string(ldb) + " needs " + std::to_string(b_cols) +
                ", ldc=" + std::to_string(ldc) + " needs " + std::to_string(N) + ")");
}

template <typename T>
void gemm_ikj(Trans ta, Trans tb, int M, int N, int K, T alpha, const T* A, int lda, const T* B, int ldb, T beta,
              T* C, int ldc) {
  check_args(ta, tb, M, N, K, lda, ldb, ldc);
  for (int i = 0; i < M; ++i) {
    T* c = C + static_cast<long>(i) * ldc;
    if (beta == T(0)) {
      for (int j = 0; j < N; ++j) c[j] = T(0);
    } else if (beta != T(1)) {
      for (int j = 0; j < N; ++j) c[j] *= beta;
    }
    for (int k = 0; k < K; ++k) {
      const T a = alpha * (ta == Trans::No ? A[static_cast<long>(i) * lda + k] : A[static_cast<long>(k) * lda + i]);
      if (tb == Trans::No) {
        const T* b = B + static_cast<long>(k) * ldb;
        for (int j = 0; j < N; ++j) c[j] += a * b[j];
      } else {
        for (int j = 0; j < N; ++j) c[j] += a * B[static_cast<long>(j) * ldb + k];
      }
    }
  }
}

}  // namespace

namespace {

using gemm_detail::Problem;
using gemm_detail::Tile;
using SliceFn = void (*)(const Problem&, int, int, int, int);

struct Variant {
  SliceFn slice;
  Tile tile;
  SliceFn dot = nullptr;  // the dot-product path, where the variant has one
};

Variant variant_for(SimdLevel level) {
#if defined(NN_HAVE_X86_KERNELS)
  switch (level) {
    case SimdLevel::Avx512:
      return {gemm_detail::slice_avx512, gemm_detail::kTileAvx512, gemm_detail::dot_slice_avx512};
    case SimdLevel::Avx2: return {gemm_detail::slice_avx2, gemm_detail::kTileAvx2};
    case SimdLevel::Scalar: break;
  }
#else
  (void)level;
#endif
  return {gemm_detail::slice_scalar, gemm_detail::kTileScalar};
}

// C = beta · C, without reading C when beta == 0.
void scale_c(int M, int N, float beta, float* C, int ldc) {
  for (int i = 0; i < M; ++i) {
    float* c = C + static_cast<long>(i) * ldc;
    if (beta == 0.0f)
      std::fill(c, c + N, 0.0f);
    else if (beta != 1.0f)
      for (int j = 0; j < N; ++j) c[j] *= beta;
  }
}

// How the threads share C: by blocks of columns (each thread reads all of A
// and its own columns of B) or of rows. Every element of C is summed in the
// same order whatever the split (the K blocks depend on K alone), so the bits
// of C do not depend on the thread count; rows go in whole register tiles,
// columns in whole vectors.
struct Split {
  int threads;
  bool by_columns;
};

// The busiest thread's part of an extent cut into `parts` runs of whole
// tiles (the last tile may be short).
int busiest_part(int extent, int tile_size, int parts) {
  const int tiles = (extent + tile_size - 1) / tile_size;
  return std::min((tiles + parts - 1) / parts * tile_size, extent);
}

// The kernel's work on `cols` columns, in columns of full-width tiles: the
// columns go in tiles as blocked_slice cuts them (panel_width), and a tile
// narrower than NR keeps fewer FMAs in flight per broadcast of A: each vector
// it lacks still costs half of one (on one thread, 64×64×256 NT with its 64
// columns cut as 48 + 16 runs at 0.82 of 64×128×256's speed).
double column_work(int cols, Tile tile) {
  double work = 0.0;
  for (int j = 0, w; j < cols; j += w) {
    w = gemm_detail::panel_width(cols - j, tile.nr, tile.nv);
    const int vectors = (w + tile.nv - 1) / tile.nv;
    work += vectors * tile.nv + 0.5 * (tile.nr / tile.nv - vectors) * tile.nv;
  }
  return work;
}

// The busiest thread's time under a split into `parts`, in flops: its block
// of C, padded to whole tiles, and the packing. Splitting by columns, every
// thread packs all of A and its share of B; by rows, all of B and its share
// of A. Packing one element costs about as much as 30 flops of the kernel:
// with that figure the model picks the faster split on every course shape
// and square whose two splits differ by more than the noise on two threads
// (AlexNet conv1 by columns: 1.24x; 128² by rows: 1.35x).
// Each thread packs its own copy of the operand they all need, rather than
// half of it each with a barrier before the kernels: shared that way,
// two-thread 64×128×256 NT runs at 0.75x, 128² at 0.91x and the chapter-5
// training step at 0.97x. The copy is cheap; what costs is moving the lines,
// and the half packed by the other core has to come from its cache, while a
// thread packing its own copy reads an input that both caches usually hold
// already.
double split_cost(int M, int N, int K, Tile tile, int parts, bool by_columns) {
  constexpr double kPackFlops = 30.0;
  if (by_columns) {
    const int cols = busiest_part(N, tile.nv, parts), padded_rows = (M + tile.mr - 1) / tile.mr * tile.mr;
    return 2.0 * padded_rows * column_work(cols, tile) * K +
           kPackFlops * (static_cast<double>(M) * K + static_cast<double>(K) * cols);
  }
  const int rows = busiest_part(M, tile.mr, parts);
  return 2.0 * rows * column_work(N, tile) * K +
         kPackFlops * (static_cast<double>(K) * N + static_cast<double>(rows) * K);
}

// Which split gives each thread a contiguous block of the biggest operand:
// by rows, a thread's rows of C (and of A when op(A) = A) are one block; by
// columns, its columns of op(B) are one block of rows of the stored B when
// op(B) = Bᵀ. 1: columns, -1: rows, 0: neither. In a training step the big
// operand is a weight matrix or its gradient (Θ in Z = A·Θᵀ, ∂Θ in
// ∂Θ = δᵀ·A), and the element-wise steps around the GEMM (the optimiser,
// zero_grad: parallel_for_arrays) give thread t the t-th block of rows of
// each. With the same blocks in the GEMM, a core finds those lines in its
// own cache instead of fetching them from the other core's every step.
// Only for an operand that can stay in the two cores' caches from one step
// to the next (at most 2^18 floats, 1 MiB): a bigger one comes from memory
// whichever core touched it last, and then the model's choice stands (by
// rows, AlexNet conv1's 363×3025×96 TN input gradient runs at 0.94x of the
// model's split, conv3's 384×2304×169 NT weight gradient at 0.97x).
int contiguous_split(Trans ta, Trans tb, int M, int N, int K) {
  const double a = static_cast<double>(M) * K, b = static_cast<double>(K) * N, c = static_cast<double>(M) * N;
  if (std::max({a, b, c}) > static_cast<double>(1 << 18)) return 0;
  if (c >= a && c >= b) return -1;
  if (b >= a) return tb == Trans::Yes ? 1 : 0;
  return ta == Trans::No ? -1 : 0;
}

// Below this many flops a product runs on one thread (see choose_split).
constexpr double kMinSplitFlops = 2.0e6;

Split choose_split(Trans ta, Trans tb, int M, int N, int K, Tile tile, int wanted) {
  // Below about 20 µs of work (2·10⁶ flops) a second thread gains little and
  // waking it can cost more (on a busy machine, when the other thread has
  // been descheduled, much more). Above it, splitting pays: with a bound of
  // 2·10⁷ the chapter-5 MLP's 64×128×256 layers would stay on one thread and
  // take a fifth of a two-thread training step.
  const double flops = 2.0 * M * static_cast<double>(N) * K;
  if (wanted <= 1 || flops < kMinSplitFlops) return {1, true};
  const int col_tiles = (N + tile.nv - 1) / tile.nv;
  const int row_tiles = (M + tile.mr - 1) / tile.mr;
  const bool cols_ok = col_tiles >= wanted, rows_ok = row_tiles >= wanted;
  if (cols_ok && rows_ok) {
    const double by_cols = split_cost(M, N, K, tile, wanted, true);
    const double by_rows = split_cost(M, N, K, tile, wanted, false);
    // Within 10 % by the model, the split that keeps each thread on its own
    // block of the biggest operand. In the chapter-5 training step this
    // turns the second layer's 64×128×256 NT forward product to columns and
    // its 128×256×64 TN weight gradient to rows (the cost model alone puts
    // each 4 % the other way); two threads, per call inside the step: 26–28
    // µs instead of 33, and 25–26 µs instead of 31.
    const int contiguous = contiguous_split(ta, tb, M, N, K);
    if (contiguous == 1 && by_cols < 1.1 * by_rows) return {wanted, true};
    if (contiguous == -1 && by_rows < 1.1 * by_cols) return {wanted, false};
    // Otherwise the cheaper split for the busiest thread, when the model
    // sees more than 2 % between them. Closer than that, the one that
    // balances better (columns on a tie: no B copied twice).
    if (by_cols < 0.98 * by_rows) return {wanted, true};
    if (by_rows < 0.98 * by_cols) return {wanted, false};
    // The busiest thread's share relative to a perfect split.
    auto imbalance = [wanted](int extent, int tile_size) {
      return busiest_part(extent, tile_size, wanted) * static_cast<double>(wanted) / extent;
    };
    return {wanted, imbalance(N, tile.nv) <= imbalance(M, tile.mr)};
  }
  if (cols_ok) return {wanted, true};
  if (rows_ok) return {wanted, false};
  // Fewer tiles than threads: one thread per tile of the longer dimension.
  return col_tiles >= row_tiles ? Split{col_tiles, true} : Split{row_tiles, false};
}

// The [begin, end) of part t of `extent` split into `parts` runs of whole tiles.
int part_begin(int t, int parts, int extent, int tile_size) {
  const int tiles = (extent + tile_size - 1) / tile_size;
  const long first_tile = static_cast<long>(tiles) * t / parts;
  return static_cast<int>(std::min<long>(first_tile * tile_size, extent));
}

void run_split(const Problem& p, const Variant& v, Split split) {
  auto work = [&](int t) {
    if (split.by_columns) {
      const int n0 = part_begin(t, split.threads, p.N, v.tile.nv);
      const int n1 = part_begin(t + 1, split.threads, p.N, v.tile.nv);
      if (n1 > n0) v.slice(p, 0, p.M, n0, n1);
    } else {
      const int m0 = part_begin(t, split.threads, p.M, v.tile.mr);
      const int m1 = part_begin(t + 1, split.threads, p.M, v.tile.mr);
      if (m1 > m0) v.slice(p, m0, m1, 0, p.N);
    }
  };
  if (split.threads == 1) return work(0);
  detail::run_team(split.threads, work);
}

// A few rows of C, each element a long dot product of two rows stored along
// K (op(A) = A, op(B) = Bᵀ): LeNet conv1's weight gradient, 6×25×50176.
bool dot_suits(const Problem& p, const Variant& v) {
  return v.dot != nullptr && p.ta == Trans::No && p.tb == Trans::Yes && p.M <= gemm_detail::kDotMaxRows &&
         p.K >= gemm_detail::kDotMinK;
}

// The dot-product path, its columns of C in `wanted` nearly equal parts (any
// part gives the same bits: every element is summed by itself).
void run_dot(const Problem& p, const Variant& v, int wanted) {
  const double flops = 2.0 * p.M * static_cast<double>(p.N) * p.K;
  const int parts = flops < kMinSplitFlops ? 1 : std::min(wanted, p.N);
  auto work = [&](int t) {
    v.dot(p, 0, p.M, static_cast<int>(static_cast<long>(p.N) * t / parts),
          static_cast<int>(static_cast<long>(p.N) * (t + 1) / parts));
  };
  if (parts == 1) return work(0);
  detail::run_team(parts, work);
}

}  // namespace

void gemm(Trans ta, Trans tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
          float beta, float* C, int ldc) {
  check_args(ta, tb, M, N, K, lda, ldb, ldc);
  if (M == 0 || N == 0) return;
  if (K == 0 || alpha == 0.0f) return scale_c(M, N, beta, C, ldc);
  const Variant v = variant_for(simd_level());
  Problem p{ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, true};
  // With at most two register tiles of rows, each element of B is used at
  // most twice: read it in place rather than copy it (LeNet's 6×50176×25 and
  // 16×6400×150 convolutions).
  p.pack_b = !(tb == Trans::No && M <= 2 * v.tile.mr);
  // hardware_threads() asks the system (a file read on Linux): once is enough.
  int wanted = in_parallel_region() ? 1 : num_threads();
  if (wanted > 1) {
    static const int cap = std::max(1, hardware_threads() * 4);
    wanted = std::min(wanted, cap);
  }
  if (dot_suits(p, v)) return run_dot(p, v, wanted);
  run_split(p, v, choose_split(ta, tb, M, N, K, v.tile, wanted));
}

double fma_peak_gflops(SimdLevel level, double seconds) {
#if defined(NN_HAVE_X86_KERNELS)
  if (static_cast<int>(level) > static_cast<int>(detected_simd_level()))
    throw Error("fma_peak_gflops: this CPU does not support " + std::string(to_string(level)));
  float (*chains)(long) = nullptr;
  double flops_per_step = 0.0;
  if (level == SimdLevel::Avx512) {
    chains = gemm_detail::fma_chains_avx512;
    flops_per_step = 16.0 * 16.0 * 2.0;
  } else if (level == SimdLevel::Avx2) {
    chains = gemm_detail::fma_chains_avx2;
    flops_per_step = 12.0 * 8.0 * 2.0;
  } else {
    return 0.0;
  }
  using clock = std::chrono::steady_clock;
  long steps = 1 << 16;
  volatile float sink = 0.0f;
  // Grow the run until it lasts a tenth of the budget, then take the best of
  // several runs of that length (the first ones also wake the core up).
  for (;;) {
    const auto t0 = clock::now();
    sink = sink + chains(steps);
    const double dt = std::chrono::duration<double>(clock::now() - t0).count();
    if (dt > seconds / 10.0 || steps > (1L << 40)) break;
    steps *= 2;
  }
  double best = 0.0;
  for (int rep = 0; rep < 8; ++rep) {
    const auto t0 = clock::now();
    sink = sink + chains(steps);
    const double dt = std::chrono::duration<double>(clock::now() - t0).count();
    best = std::max(best, flops_per_step * static_cast<double>(steps) / dt * 1e-9);
  }
  return best;
#else
  (void)level;
  (void)seconds;
  return 0.0;
#endif
}

void gemm(Trans ta, Trans tb, int M, int N, int K, double alpha, const double* A, int lda, const double* B, int ldb,
          double beta, double* C, int ldc) {
  gemm_ikj(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void gemm_reference(Trans ta, Trans tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                    int ldb, float beta, float* C, int ldc) {
  check_args(ta, tb, M, N, K, lda, ldb, ldc);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      float sum = 0.0f;
      for (int k = 0; k < K; ++k) {
        const float a = ta == Trans::No ? A[static_cast<long>(i) * lda + k] : A[static_cast<long>(k) * lda + i];
        const float b = tb == Trans::No ? B[static_cast<long>(k) * ldb + j] : B[static_cast<long>(j) * ldb + k];
        sum += a * b;
      }
      float& c = C[static_cast<long>(i) * ldc + j];
      c = beta == 0.0f ? alpha * sum : alpha * sum + beta * c;
    }
}

}  // namespace nn
