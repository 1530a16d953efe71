// The AVX-512 GEMM micro-kernel: an 8 × 48 tile of C in 24 zmm registers.
// Compiled with -mavx512f (and friends) in this file only.
//
//   one step k of the micro-kernel (rank-1 update of the register tile):
//
//                       B̃ row k:  [ b0 (16 floats) | b1 (16) | b2 (16) ]   3 loads
//                                  ---------------------------------
//   Ã column k:  a0  broadcast →  | c00            | c01     | c02   |
//                a1               | c10            | c11     | c12   |
//                ..  (8 rows)     |  ...  24 accumulators, 24 FMAs    |
//                a7               | c70            | c71     | c72   |
//
// Each broadcast is folded into its FMA ({1to16} memory operand), so a step
// is 24 FMAs against 3 vector loads and 8 scalar loads: the two FMA ports stay
// busy and the 24 independent accumulators hide the 4-cycle FMA latency.
// Edge tiles: `rows` < 8 picks a kernel with fewer accumulator rows, `cols`
// < 48 one with fewer vectors, and the last vector is stored through a mask,
// so nothing outside C is touched.
#include <immintrin.h>

#include <array>
#include <cstddef>
#include <utility>

#include "gemm_blocked.hpp"
#include "gemm_transpose_x86.hpp"

namespace nn::gemm_detail {
namespace {

constexpr int kMR = kTileAvx512.mr, kNR = kTileAvx512.nr;

using MicroFn = void (*)(int kc, const float* a, const float* b, long b_stride, float* out, float* c, long ldc,
                         int cols, float alpha, float beta, const RowFetch* fetch);

// Where the kernel reads B: a packed micro-panel; B in place; or B in place
// while writing the rows it reads to a packed micro-panel (`out`, NV·V floats
// a row), which the later row tiles then read (kCopy; see micro_copy).
// kFetch: packed, and the call also fetches the lines `fetch` names into L2
// (see micro_fetch). kCopyNear: kCopy without the fetch two panels ahead.
enum class BSource { kInPlace, kPacked, kCopy, kFetch, kCopyNear };

// Walks the lines of a RowFetch, one _mm_prefetch a call, row by row.
struct FetchCursor {
  const char* row;
  long ld_bytes;
  int lines, line, rows_left;
  [[gnu::always_inline]] void next() {
    if (rows_left == 0) return;
    _mm_prefetch(row + 64L * line, _MM_HINT_T1);
    if (++line == lines) {
      line = 0;
      row += ld_bytes;
      --rows_left;
    }
  }
};

// How far ahead the kernel asks for what it reads next. A packed B panel
// was written just before, so it is in L1 and the A micro-panel is the
// stream that comes from L2: fetch it kPrefetchA floats ahead. B read in
// place (b_stride == ldb, also while copying it: kCopy) is kc rows far
// apart, which the hardware prefetcher does not follow: fetch it
// kPrefetchRows rows ahead (a panel shorter than kShortPanel rows: see
// k_loop).
// In place, the panel two to the right (the same rows of B, NR columns on)
// is also asked into L2, a couple of kernel calls ahead of its use: with a
// short kc the rows-ahead prefetch alone comes too late for memory. Not in
// kCopyNear: there the driver has had the row tiles before fetch the panel
// (kFetch), spread over all their calls.
constexpr int kPrefetchA = 32 * kMR;
constexpr int kPrefetchRows = 8;
constexpr int kPrefetchPanels = 2;
constexpr int kShortPanel = 48;

// One step k: R broadcasts of a, V vectors of b, R·V FMAs; with kCopy the
// V vectors of b are also stored to out (the store ports are idle anyway).
template <int R, int V, bool kCopy = false>
[[gnu::always_inline]] inline void step(__m512 (&acc)[R][V], const float* a, const float* b, float* out = nullptr) {
  __m512 bv[V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) bv[v] = _mm512_loadu_ps(b + 16 * v);
  if constexpr (kCopy) {
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) _mm512_storeu_ps(out + 16 * v, bv[v]);
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    const __m512 ar = _mm512_set1_ps(a[r]);
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[r][v] = _mm512_fmadd_ps(ar, bv[v], acc[r][v]);
  }
}

// The k loop, unrolled by 4, with the prefetches that suit where B lies.
// kShort (B in place, kc < kShortPanel; LeNet conv1 has kc = 25): fetching
// kPrefetchRows rows ahead would spend a third of the prefetches past the
// panel's last row. Fetch the same row of the next panel instead, which the
// next call reads, and leave out the fetch two panels ahead into L2, whose
// instructions then cost more than it brings. A separate instantiation, so
// the longer panels' loop carries no test for it (deciding inside the one
// loop costs LeNet conv2's 16×6400×150 3 %). Paired medians against the
// rows-ahead prefetch on these short panels: 6×50176×25 (B in L3) 1.16x over
// 11 rounds, 6×2048×25 (B in L2) 1.14x over 9.
template <int R, int V, BSource kSource, bool kShort = false>
[[gnu::always_inline]] inline void k_loop(__m512 (&acc)[R][V], int kc, const float* a, const float* b,
                                          long b_stride, float* out, FetchCursor* fetch = nullptr,
                                          int fetch_per_4 = 0) {
  constexpr bool kPackedB = kSource == BSource::kPacked || kSource == BSource::kFetch;
  constexpr bool kCopy = kSource == BSource::kCopy || kSource == BSource::kCopyNear;
  int k = 0;
  for (; k + 4 <= kc; k += 4) {
    if constexpr (kSource == BSource::kFetch)
      for (int j = 0; j < fetch_per_4; ++j) fetch->next();
    if constexpr (kPackedB) {
      // 4 steps read 4·MR floats = 2 lines of A.
      _mm_prefetch(reinterpret_cast<const char*>(a + kPrefetchA), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(a + kPrefetchA + 16), _MM_HINT_T0);
    }
#pragma GCC unroll 4
    for (int u = 0; u < 4; ++u) {
      if constexpr (!kPackedB) {
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) {
          if constexpr (kShort) {
            _mm_prefetch(reinterpret_cast<const char*>(b + kNR + 16 * v), _MM_HINT_T0);
          } else {
            _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchRows * b_stride + 16 * v), _MM_HINT_T0);
            if constexpr (kSource != BSource::kCopyNear)
              _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchPanels * kNR + 16 * v), _MM_HINT_T1);
          }
        }
      }
      step<R, V, kCopy>(acc, a, b, out);
      a += kMR;
      b += b_stride;
      if constexpr (kCopy) out += 16 * V;
    }
  }
  for (; k < kc; ++k) {
    step<R, V, kCopy>(acc, a, b, out);
    a += kMR;
    b += b_stride;
    if constexpr (kCopy) out += 16 * V;
  }
}

// Writes one vector of the tile: C = alpha·acc + beta·C, through a mask for
// the last, partial vector. beta == 0 never reads C; alpha == 1 needs no
// multiply (the common case: every layer of the course calls with alpha 1).
template <bool kMasked>
[[gnu::always_inline]] inline void store_vector(float* cv, __m512 acc, __m512 va, __m512 vb, bool scale,
                                                bool read_c, __mmask16 mask) {
  // alpha·acc + (beta·C), rounded the same with or without the alpha == 1
  // shortcut (1·acc is exact, so skipping the multiply changes no bit).
  __m512 out;
  if (read_c) {
    const __m512 bc = _mm512_mul_ps(vb, kMasked ? _mm512_maskz_loadu_ps(mask, cv) : _mm512_loadu_ps(cv));
    out = scale ? _mm512_fmadd_ps(va, acc, bc) : _mm512_add_ps(acc, bc);
  } else {
    out = scale ? _mm512_mul_ps(va, acc) : acc;
  }
  if constexpr (kMasked)
    _mm512_mask_storeu_ps(cv, mask, out);
  else
    _mm512_storeu_ps(cv, out);
}

template <int R, int V, BSource kSource>
void micro_rv(int kc, const float* a, const float* b, long b_stride, float* out, float* c, long ldc, int cols,
              float alpha, float beta, [[maybe_unused]] const RowFetch* fetch) {
  __m512 acc[R][V];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[r][v] = _mm512_setzero_ps();

  // The C tile is only touched after the loop: start fetching all its lines.
  // (The empty asm hides c from the compiler afterwards, so it recomputes
  // the addresses at the end instead of keeping R·V of them alive through
  // the loop, which spilled them to the stack.)
  {
    const float* cr = c;
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r, cr += ldc)
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) _mm_prefetch(reinterpret_cast<const char*>(cr + 16 * v), _MM_HINT_T0);
  }
  asm("" : "+r"(c), "+r"(ldc));
  if constexpr (kSource == BSource::kInPlace) {
    if (kc < kShortPanel) {
      k_loop<R, V, kSource, true>(acc, kc, a, b, b_stride, out);
    } else {
      k_loop<R, V, kSource>(acc, kc, a, b, b_stride, out);
    }
  } else if constexpr (kSource == BSource::kFetch) {
    FetchCursor cursor{reinterpret_cast<const char*>(fetch->base), fetch->ld * static_cast<long>(sizeof(float)),
                       fetch->lines, 0, fetch->rows};
    const int total = fetch->rows * fetch->lines, steps = std::max(1, kc / 4);
    k_loop<R, V, kSource>(acc, kc, a, b, b_stride, out, &cursor, (total + steps - 1) / steps);
  } else {
    k_loop<R, V, kSource>(acc, kc, a, b, b_stride, out);
  }

  const __m512 va = _mm512_set1_ps(alpha);
  const __m512 vb = _mm512_set1_ps(beta);
  const bool scale = alpha != 1.0f, read_c = beta != 0.0f;
  const int last = cols - 16 * (V - 1);  // 1..16 lanes in the last vector
  const __mmask16 mask = static_cast<__mmask16>((1u << last) - 1u);
  if (last == 16) {
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r, c += ldc)
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) store_vector<false>(c + 16 * v, acc[r][v], va, vb, scale, read_c, mask);
  } else {
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r, c += ldc) {
#pragma GCC unroll 4
      for (int v = 0; v < V - 1; ++v) store_vector<false>(c + 16 * v, acc[r][v], va, vb, scale, read_c, mask);
      store_vector<true>(c + 16 * (V - 1), acc[r][V - 1], va, vb, scale, read_c, mask);
    }
  }
}

constexpr int kVectors = kNR / 16;

template <int R, BSource kSource, std::size_t... V>
constexpr std::array<MicroFn, kVectors> row_kernels(std::index_sequence<V...>) {
  return {micro_rv<R, static_cast<int>(V) + 1, kSource>...};
}

template <BSource kSource, std::size_t... R>
constexpr std::array<std::array<MicroFn, kVectors>, kMR> all_kernels(std::index_sequence<R...>) {
  return {row_kernels<static_cast<int>(R) + 1, kSource>(std::make_index_sequence<kVectors>{})...};
}

// kMicro[source][rows - 1][vectors - 1]: the kernel for a tile, with B read
// in place (b_stride == ldb), packed, or in place and copied to a packed
// panel (the BSource order). Separate functions, so each has only the loop
// and the prefetches it runs.
constexpr std::array<std::array<std::array<MicroFn, kVectors>, kMR>, 5> kMicro = {
    all_kernels<BSource::kInPlace>(std::make_index_sequence<kMR>{}),
    all_kernels<BSource::kPacked>(std::make_index_sequence<kMR>{}),
    all_kernels<BSource::kCopy>(std::make_index_sequence<kMR>{}),
    all_kernels<BSource::kFetch>(std::make_index_sequence<kMR>{}),
    all_kernels<BSource::kCopyNear>(std::make_index_sequence<kMR>{})};

struct Avx512Kernel {
  static constexpr int MR = kMR, NR = kNR, NV = 16;
  // Chosen by measurement (bench_gemm against oneDNN on squares and the
  // AlexNet shapes). A KC of 128, whose 24 KiB B micro-panel stays in L1, is
  // slower than longer ones: with a longer KC the panel streams from L2 in
  // order, which the hardware prefetcher follows, and C is read and written
  // less often. KC = 512 (a 96 KiB panel; the A block, MC×KC, 480 KiB, stays
  // in the 1 MiB L2) against 384, one thread, paired medians of 9 rounds:
  // 2048² 190 against 183 GFLOP/s, 1024² 209 against 206, 512² 210 against
  // 205, AlexNet conv1's weight gradient 185 against 183, conv2 and conv3 the
  // same; shapes with K ≤ 512 have the same K blocks either way.
  // Register tiles of 12×32, 14×32 and 6×64 are no faster than 8×48.
  static constexpr int KC = 512, MC = 240, NC = 3072;
  static void pack_t8(const float* src, long ld, int rows, int kc, float* dst, long dst_stride) {
    pack_t8_avx(src, ld, rows, kc, dst, dst_stride);
  }
  static void micro(int rows, int cols, int kc, const float* a, const float* b, long b_stride, bool packed,
                    float* c, long ldc, float alpha, float beta) {
    kernel(packed ? BSource::kPacked : BSource::kInPlace, rows, cols)(kc, a, b, b_stride, nullptr, c, ldc, cols, alpha,
                                                                      beta, nullptr);
  }
  // micro on a packed panel that also fetches `fetch`'s lines into L2,
  // spread over its k loop.
  static void micro_fetch(int rows, int cols, int kc, const float* a, const float* b, long b_stride, float* c,
                          long ldc, float alpha, float beta, const RowFetch& fetch) {
    kernel(BSource::kFetch, rows, cols)(kc, a, b, b_stride, nullptr, c, ldc, cols, alpha, beta, &fetch);
  }
  // micro with B read in place (cols a whole number of vectors), writing
  // the kc × cols panel it reads to `out` as it goes: the first row tile
  // packs B for the others without a separate pass over it.
  static void micro_copy(int rows, int cols, int kc, const float* a, const float* b, long ldb, float* out, float* c,
                         long ldc, float alpha, float beta, bool ahead) {
    const BSource source = ahead ? BSource::kCopy : BSource::kCopyNear;
    kernel(source, rows, cols)(kc, a, b, ldb, out, c, ldc, cols, alpha, beta, nullptr);
  }

 private:
  static MicroFn kernel(BSource source, int rows, int cols) {
    return kMicro[static_cast<std::size_t>(source)][static_cast<std::size_t>(rows - 1)]
                 [static_cast<std::size_t>((cols + 15) / 16 - 1)];
  }
};

}  // namespace

void slice_avx512(const Problem& p, int m0, int m1, int n0, int n1) {
  blocked_slice<Avx512Kernel>(p, m0, m1, n0, n1);
}

// 16 independent FMA chains (two FMA ports × 4 cycles latency need 8; 16
// leave no doubt): `steps` × 16 FMAs × 16 lanes × 2 flops.
float fma_chains_avx512(long steps) {
  __m512 acc[16];
  const __m512 scale = _mm512_set1_ps(0.999999f), shift = _mm512_set1_ps(1e-6f);
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  for (long s = 0; s < steps; ++s) {
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_fmadd_ps(acc[i], scale, shift);
  }
  __m512 sum = acc[0];
  for (int i = 1; i < 16; ++i) sum = _mm512_add_ps(sum, acc[i]);
  alignas(64) float lanes[16];  // (GCC 12's _mm512_reduce_add_ps trips -Wuninitialized)
  _mm512_store_ps(lanes, sum);
  float total = 0.0f;
  for (float l : lanes) total += l;
  return total;
}

}  // namespace nn::gemm_detail
