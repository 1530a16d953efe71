// gemm_blocked.hpp — private to nn::common: the BLIS-style blocked GEMM,
// written once and compiled three times, once in each instruction-set file
// (gemm_scalar.cpp, gemm_avx2.cpp, gemm_avx512.cpp) around that file's
// micro-kernel. Everything here has internal linkage (anonymous namespace), so
// the three copies, built with different -m flags, never mix at link time.
//
// The five loops around the micro-kernel (Goto / BLIS):
//
//   loop 5  for jc in N step NC          a KC×NC panel of B     → L3
//   loop 4    for pc in K step KC
//   loop 3      for ic in M step MC        pack A[ic:+MC, pc:+KC] into MR-row micro-panels → L2
//   loop 2        for jr in NC step NR       one KC×NR micro-panel of B → L1
//                                            (packed here on the first ic pass, reused after;
//                                            with op(B) = B, by the first micro-kernel call
//                                            itself where the kernel has micro_copy)
//   loop 1          for ir in MC step MR       micro-kernel: C[MR×NR] (+)= Ã(MR×KC) · B̃(KC×NR)
//
// Packing turns every transpose into the same layout, so one micro-kernel
// serves NN, NT, TN and TT:
//
//   packed A micro-panel (MR rows, k-major)     packed B micro-panel (NR columns, k-major)
//     k=0: a(0,0) a(1,0) ... a(MR-1,0)            k=0: b(0,0) b(0,1) ... b(0,NR-1)
//     k=1: a(0,1) a(1,1) ... a(MR-1,1)            k=1: b(1,0) b(1,1) ... b(1,NR-1)
//     ...                                          ...
//   rows past the edge of A and columns past the edge of B are zero, so the
//   kernel computes a full tile and stores only the part inside C.
//
// K is split into KC blocks; the first block applies the caller's beta and
// the later ones accumulate (beta = 1). beta == 0 never reads C.
//
// Small-M path (pack_b == false): when op(B) = B and M is at most a couple of
// MR, every element of B is used only once or twice, so copying B costs more
// than it saves. The kernel then reads B in place with stride ldb; only a
// ragged last column block is copied into a zero-padded NR-wide buffer.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include "gemm_kernels.hpp"

namespace nn::gemm_detail {
namespace {

// A 64-byte aligned scratch buffer that only grows: each thread keeps its
// own for the life of the thread, so a steady state allocates nothing.
class Scratch {
 public:
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { release(); }
  float* get(std::size_t n) {
    if (n > size_) {
      release();
      data_ = static_cast<float*>(::operator new(n * sizeof(float), std::align_val_t{64}));
      size_ = n;
    }
    return data_;
  }

 private:
  void release() {
    if (data_) ::operator delete(data_, std::align_val_t{64});
    data_ = nullptr;
    size_ = 0;
  }
  float* data_ = nullptr;
  std::size_t size_ = 0;
};

inline long idx(int row, int ld, int col) { return static_cast<long>(row) * ld + col; }

// dst[k * dst_stride + r] = src[r * ld + k] for r < rows, k < kc: rows of
// the source that run along k, laid out k-major. Groups of 8 rows go through
// the kernel's register transpose when it has one (pack_t8); a last group of
// fewer rows too, if its 8 lanes fit in dst_stride, with zeros past `rows`
// (the padding the kernel expects anyway). Returns how many rows of dst are
// written (rows, or more with those zeros).
template <class Kernel>
int pack_transposed(const float* src, long ld, int rows, int kc, float* dst, long dst_stride) {
  int r = 0;
  if constexpr (requires { Kernel::pack_t8(src, ld, rows, kc, dst, dst_stride); })
    for (; r < rows && r + 8 <= dst_stride; r += 8)
      Kernel::pack_t8(src + r * ld, ld, std::min(8, rows - r), kc, dst + r, dst_stride);
  // The rest row by row, in blocks of 16 k so the written lines stay in L1.
  for (int k0 = 0; k0 < kc; k0 += 16) {
    const int k1 = std::min(kc, k0 + 16);
    for (int rr = r; rr < rows; ++rr)
      for (int k = k0; k < k1; ++k) dst[k * dst_stride + rr] = src[rr * ld + k];
  }
  return std::max(r, rows);
}

// Packs op(A)[i0 : i0+mc, p0 : p0+kc] into ceil(mc/MR) micro-panels of MR×kc.
template <class Kernel>
void pack_a(const Problem& p, int i0, int mc, int p0, int kc, float* out) {
  constexpr int MR = Kernel::MR;
  for (int ir = 0; ir < mc; ir += MR) {
    const int rows = std::min(MR, mc - ir);
    float* dst = out + static_cast<long>(ir) * kc;
    int written = rows;
    if (p.ta == Trans::No) {
      // Row r of the panel is contiguous in A: a transpose.
      written = pack_transposed<Kernel>(p.A + idx(i0 + ir, p.lda, p0), p.lda, rows, kc, dst, MR);
    } else if (rows == MR) {
      for (int k = 0; k < kc; ++k) std::memcpy(dst + k * MR, p.A + idx(p0 + k, p.lda, i0 + ir), MR * sizeof(float));
    } else {
      for (int k = 0; k < kc; ++k) {
        const float* src = p.A + idx(p0 + k, p.lda, i0 + ir);
        for (int r = 0; r < rows; ++r) dst[k * MR + r] = src[r];
      }
    }
    if (written < MR)
      for (int k = 0; k < kc; ++k)
        for (int r = written; r < MR; ++r) dst[k * MR + r] = 0.0f;
  }
}

// Packs op(B)[p0 : p0+kc, j0 : j0+cols] (cols ≤ NR) into one kc-row
// micro-panel, `stride` floats a row: cols rounded up to whole vectors of NV,
// with zeros past cols (the kernel reads whole vectors).
// prefetch_next: also fetch the columns right of the panel (they are in B).
template <class Kernel>
void pack_b(const Problem& p, int p0, int kc, int j0, int cols, int stride, float* dst, bool prefetch_next = false) {
  constexpr int NR = Kernel::NR;
  if (p.tb == Trans::No) {
    for (int k = 0; k < kc; ++k) {
      const float* src = p.B + idx(p0 + k, p.ldb, j0);
      // The next micro-panel's part of this row, into L2: kc rows far
      // apart are kc streams, more than the hardware prefetcher follows.
      if (prefetch_next)
        for (int c = 0; c < NR; c += 16) __builtin_prefetch(src + cols + c, 0, 2);
      float* d = dst + k * stride;
      // Copies of a size known at compile time: the compiler turns them
      // into vector moves instead of a call to memcpy each row.
      if (cols == NR) {
        std::memcpy(d, src, NR * sizeof(float));
      } else if (cols == stride) {
        for (int c = 0; c < cols; c += Kernel::NV) std::memcpy(d + c, src + c, Kernel::NV * sizeof(float));
      } else {
        for (int c = 0; c < cols; ++c) d[c] = src[c];
        for (int c = cols; c < stride; ++c) d[c] = 0.0f;
      }
    }
  } else {
    // Column c of the panel is row j0+c of the stored B (contiguous in k).
    const int written = pack_transposed<Kernel>(p.B + idx(j0, p.ldb, p0), p.ldb, cols, kc, dst, stride);
    if (written < stride)
      for (int k = 0; k < kc; ++k)
        for (int c = written; c < stride; ++c) dst[k * stride + c] = 0.0f;
  }
}

// The row length of a packed micro-panel `cols` wide.
template <class Kernel>
constexpr int panel_stride(int cols) {
  return (cols + Kernel::NV - 1) / Kernel::NV * Kernel::NV;
}

// The width of the micro-panel starting `left` columns before the end of
// the block (see panel_width in gemm_kernels.hpp).
template <class Kernel>
constexpr int next_panel(int left) {
  return panel_width(left, Kernel::NR, Kernel::NV);
}

// The block sizes along an extent: ceil(extent / block) blocks of nearly equal
// size (a multiple of `unit`), rather than full blocks and a small remainder.
inline int balanced_block(int extent, int block, int unit) {
  const int blocks = (extent + block - 1) / block;
  const int size = (extent + blocks - 1) / blocks;
  return std::min(block, (size + unit - 1) / unit * unit);
}

// The longest K block for which the driver sweeps C by rows (see row_order
// in blocked_slice).
inline constexpr int kRowOrderMaxKc = 64;

// Where the micro-panel of op(B) at columns j0 : j0+cols, rows p0 : p0+kc,
// is packed from: a transposed B's `cols` rows of kc floats, or, when
// micro_copy reads it (`copying`), an untransposed B's kc rows of `cols`
// floats. No rows (nothing to fetch) for an untransposed B packed otherwise.
inline RowFetch next_panel_source(const Problem& p, int p0, int kc, int j0, int cols, bool copying) {
  RowFetch f{nullptr, p.ldb, 0, 0};
  long bytes = 0;
  if (p.tb == Trans::Yes) {
    f.base = p.B + idx(j0, p.ldb, p0);
    f.rows = cols;
    bytes = static_cast<long>(kc) * static_cast<long>(sizeof(float));
  } else if (copying) {
    f.base = p.B + idx(p0, p.ldb, j0);
    f.rows = kc;
    bytes = static_cast<long>(cols) * static_cast<long>(sizeof(float));
  }
  f.lines = static_cast<int>(((reinterpret_cast<std::uintptr_t>(f.base) & 63) + bytes + 63) / 64);
  return f;
}

// Kernel provides:
//   MR, NR            the register tile
//   NV                the kernel reads a packed B row in runs of NV columns
//                     (its vector width; NR if it always reads the whole row)
//   KC, MC, NC        the cache blocks (MC a multiple of MR, NC of NR)
//   micro(rows, cols, kc, a, b, b_stride, packed, c, ldc, alpha, beta)
//       C[0:rows, 0:cols] = alpha · Ã·B̃ + beta · C   (beta == 0: C not read)
//       a: packed MR×kc micro-panel; b: kc rows of cols floats (rounded up
//       to whole vectors of NV), b_stride apart; packed: b is in L1 already
//       (a packed micro-panel, or B in place that the row tile before read),
//       so the kernel need not fetch it ahead
// and may provide (the AVX-512 kernel does):
//   micro_copy(rows, cols, kc, a, b, ldb, out, c, ldc, alpha, beta, ahead)
//       micro on B in place, also writing the kc×cols panel it reads to out;
//       ahead: also fetch the panels to the right into L2 (false when the
//       calls before have fetched this one: see RowFetch below)
//   micro_fetch(rows, cols, kc, a, b, b_stride, c, ldc, alpha, beta, fetch)
//       micro on a packed panel, also fetching fetch's lines into L2
template <class Kernel>
void blocked_slice(const Problem& p, int m0, int m1, int n0, int n1) {
  constexpr int MR = Kernel::MR, NR = Kernel::NR, KC = Kernel::KC, MC = Kernel::MC, NC = Kernel::NC;
  thread_local Scratch a_scratch, b_scratch, edge_scratch;
  float* a_pack = a_scratch.get(static_cast<std::size_t>(MC) * KC);
  // K is cut into equal blocks (a multiple of 4 long) from K alone, never
  // from the slice: the sums, and so the bits of C, do not depend on how the
  // threads split C. The row blocks may depend on the slice.
  const int kc_step = balanced_block(p.K, KC, 4);
  // Short K (row_order): a micro-kernel call is only kc steps, too short to
  // hide the misses on its C tile, and C is the big stream (LeNet c3's input
  // delta, 150×6400×16, writes 3.8 MB of C from 10 KB of A and 400 KB of B).
  // Then the whole KC×NC block of B is packed first (at most 64×3072 floats,
  // 768 KiB: it stays in L2) and each row tile of C is swept left to right,
  // so C is written as MR sequential streams that the hardware prefetcher
  // follows, instead of MR-row tiles down a column. Measured 1.4× on that
  // shape and 1.6× on AlexNet FC6's input delta (9216×4096×64).
  const bool row_order = p.pack_b && kc_step <= kRowOrderMaxKc;
  // Kernels that can copy B while they use it (micro_copy) pack an
  // untransposed B in the first row tile's pass instead of a pass of its own.
  constexpr bool kCanCopy = requires { &Kernel::micro_copy; };
  const bool copying_b = kCanCopy && p.pack_b && p.tb == Trans::No;
  constexpr bool kCanFetch = requires { &Kernel::micro_fetch; };
  const bool single_row_block = m1 - m0 <= MC && !row_order;
  float* b_pack = p.pack_b && !single_row_block ? b_scratch.get(static_cast<std::size_t>(KC) * NC) : nullptr;
  float* b_panel = p.pack_b && single_row_block ? edge_scratch.get(static_cast<std::size_t>(KC) * NR) : nullptr;
  // In place, B needs no NC blocking: there is no packed panel to keep in L3.
  const int nc_step = p.pack_b ? NC : n1 - n0;
  const int mc_step = balanced_block(m1 - m0, MC, MR);
  for (int jc = n0; jc < n1; jc += nc_step) {                  // loop 5
    const int nc = std::min(nc_step, n1 - jc);
    for (int pc = 0; pc < p.K; pc += kc_step) {                // loop 4
      const int kc = std::min(kc_step, p.K - pc);
      const float beta = pc == 0 ? p.beta : 1.0f;
      for (int ic = m0; ic < m1; ic += mc_step) {              // loop 3
        const int mc = std::min(mc_step, m1 - ic);
        pack_a<Kernel>(p, ic, mc, pc, kc, a_pack);
        if (row_order) {  // loops 2 and 1 swapped, B packed beforehand
          if (ic == m0)
            for (int jr = 0, cols; jr < nc; jr += cols) {
              cols = next_panel<Kernel>(nc - jr);
              pack_b<Kernel>(p, pc, kc, jc + jr, cols, panel_stride<Kernel>(cols), b_pack + static_cast<long>(jr) * kc);
            }
          for (int ir = 0; ir < mc; ir += MR) {
            const float* a = a_pack + static_cast<long>(ir) * kc;
            float* c = p.C + idx(ic + ir, p.ldc, jc);
            for (int jr = 0, cols; jr < nc; jr += cols) {
              cols = next_panel<Kernel>(nc - jr);
              Kernel::micro(std::min(MR, mc - ir), cols, kc, a, b_pack + static_cast<long>(jr) * kc,
                            panel_stride<Kernel>(cols), true, c + jr, p.ldc, p.alpha, beta);
            }
          }
          continue;
        }
        bool fetched_next = false;  // the panel before fetched this one's B
        for (int jr = 0, cols; jr < nc; jr += cols) {           // loop 2
          cols = next_panel<Kernel>(nc - jr);
          const float* b;
          long b_stride;
          bool packed = true;
          int first_row = 0;
          if (p.pack_b) {
            // B is packed one micro-panel at a time during the first pass
            // over the rows, just before its first use, so the kernel finds
            // it in L1; the later row blocks reuse the packed copy.
            // With a single row block nothing reuses the panel later, so one
            // KC×NR buffer serves every jr and stays in L1 (a fresh slot of
            // the big buffer would cost a miss per line just to write it).
            // Each panel of the big buffer starts at jr·kc and is cols
            // (rounded up to a vector) wide, so panels of any width tile it.
            float* panel = single_row_block ? b_panel : b_pack + static_cast<long>(jr) * kc;
            b_stride = panel_stride<Kernel>(cols);
            b = panel;
            if (ic == m0) {
              if constexpr (kCanCopy) {
                if (copying_b && cols == b_stride) {
                  // The first row tile reads B in place and leaves the
                  // packed panel behind for the others.
                  Kernel::micro_copy(std::min(MR, mc), cols, kc, a_pack, p.B + idx(pc, p.ldb, jc + jr), p.ldb,
                                     panel, p.C + idx(ic, p.ldc, jc + jr), p.ldc, p.alpha, beta, !fetched_next);
                  first_row = MR;
                }
              }
              if (first_row == 0)
                pack_b<Kernel>(p, pc, kc, jc + jr, cols, static_cast<int>(b_stride), panel, jr + cols + NR <= nc);
            }
          } else if (cols % Kernel::NV == 0) {
            b = p.B + idx(pc, p.ldb, jc + jr);
            b_stride = p.ldb;
            packed = false;
          } else {
            float* edge = edge_scratch.get(static_cast<std::size_t>(KC) * NR);
            b_stride = panel_stride<Kernel>(cols);
            pack_b<Kernel>(p, pc, kc, jc + jr, cols, static_cast<int>(b_stride), edge);
            b = edge;
          }
          float* c = p.C + idx(ic, p.ldc, jc + jr);
          // The next micro-panel's source in B, when this pass is the one
          // that packs it: a transposed B's cols rows (kc floats each), or an
          // untransposed B's kc rows (cols floats each) that micro_copy
          // reads. Both are rows far apart, which the hardware prefetcher
          // does not follow, so while this panel's row tiles compute, each
          // fetches a share of those rows into L2, at a steady rate; the
          // next micro_copy then leaves out its own fetch into L2, which
          // would come as a burst of a whole panel from memory in one call
          // out of eight, more misses than a core keeps in flight. AlexNet
          // FC6 (64×4096×9216, B 151 MB), one thread: 180 GFLOP/s stand-alone
          // this way against 155 with the burst (9 interleaved rounds; oneDNN
          // 179 in the same rounds); its weight gradient (NT) and AlexNet
          // conv2's run 3–4 % faster.
          RowFetch next{nullptr, p.ldb, 0, 0};
          if constexpr (kCanFetch)
            if (p.pack_b && ic == m0 && jr + cols < nc && first_row < mc)
              next = next_panel_source(p, pc, kc, jc + jr + cols, next_panel<Kernel>(nc - jr - cols), copying_b);
          fetched_next = next.rows > 0;
          // Each row tile's share of the next panel's rows.
          const int tiles = (mc - first_row + MR - 1) / MR;
          const int share = tiles > 0 ? (next.rows + tiles - 1) / tiles : 0;
          // In place, the first row tile brings the panel's rows of B into
          // L1 (its prefetches fetch them); the next one, at most one more
          // (M ≤ 2·MR), finds them there and runs the loop without the
          // fetches, as for a packed panel: LeNet conv2's 16×6400×150, one
          // thread, runs at 179–180 GFLOP/s this way against 170–173 with the
          // fetches (0.94–0.95× oneDNN rather than 0.90–0.91; three paired
          // runs).
          for (int ir = first_row, t = 0; ir < mc; ir += MR, ++t) {  // loop 1
            const int rows = std::min(MR, mc - ir);
            const float* a = a_pack + static_cast<long>(ir) * kc;
            float* c_tile = c + static_cast<long>(ir) * p.ldc;
            if constexpr (kCanFetch) {
              if (next.rows > 0) {
                const int r0 = std::min(next.rows, t * share), r1 = std::min(next.rows, r0 + share);
                const RowFetch fetch{next.base + static_cast<long>(r0) * next.ld, next.ld, r1 - r0, next.lines};
                Kernel::micro_fetch(rows, cols, kc, a, b, b_stride, c_tile, p.ldc, p.alpha, beta, fetch);
                continue;
              }
            }
            Kernel::micro(rows, cols, kc, a, b, b_stride, packed || ir > 0, c_tile, p.ldc, p.alpha, beta);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace nn::gemm_detail
