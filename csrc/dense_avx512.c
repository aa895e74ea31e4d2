/* dense_avx512.c - the two products of symmetric orthogonalisation for a few rows over a
 * long vocabulary (W W^T and S W for 26 rows of 26,000 columns), by hand with AVX-512.
 * OpenBLAS packs both operands of every call and reached about 60% of its Haswell
 * sgemm's rate on these shapes and 37% of its Skylake-X one (bench/RESULTS.md): an inner
 * dimension of 26 leaves its micro-kernel short, and packing was a fifth of the time. These kernels read W where it lies: the
 * Gram matrix as dot products of rows over chunks that stay in L2, the product as
 * strips of 32 columns. Chosen at run time where the CPU (and the OS) have AVX-512F;
 * elsewhere, and when built for another architecture, dense.c calls OpenBLAS as before.
 * Sums run in a fixed order, so results never depend on the thread count. */
#include "avx512.h"
#include "soso_internal.h"

#include <string.h>

#ifdef SOSO__AVX512
/* Under ASan/UBSan each constant-row-count copy of the kernels below took seconds to
 * compile (clang 14 spent over two minutes on the product's 14): sanitized builds run
 * one copy with the row count as a variable, the same code with the same indexing. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define SANITIZED 1
#endif
#endif
/* Columns of W per Gram chunk, over which each tile's sums stay in registers: the
 * longer, the fewer lane reductions; 26 rows of 1,024 floats (104 KiB) sit in L2. 26 x
 * 25,860, 1 thread: 256 columns 153 GFLOP/s, 512 166, 1,024 169, 4,096 144. */
#define GRAM_CHUNK 1024

/* -1 not yet asked, 0 off, 1 on; GCC's atomics, as the library may be built without
 * OpenMP (whose atomic pragmas would then be ignored) and be called from host threads. */
static int simd_state = -1;

int soso__avx512_enabled(void)
{
    int s = __atomic_load_n(&simd_state, __ATOMIC_RELAXED);
    if (s < 0) {
        __builtin_cpu_init();
        s = __builtin_cpu_supports("avx512f") ? 1 : 0;
        __atomic_store_n(&simd_state, s, __ATOMIC_RELAXED);
    }
    return s;
}

int soso__avx512_set(int on)
{
    int was = soso__avx512_enabled();
    if (!on || __builtin_cpu_supports("avx512f")) __atomic_store_n(&simd_state, on ? 1 : 0, __ATOMIC_RELAXED);
    return was;
}

/* Two vectors' halves added side by side: the levels of dot_tile's lane sums. */
SIMD static inline __m512 add_halves(__m512 a, __m512 b) /* 256-bit halves: a's to lanes 0-7 */
{
    return _mm512_add_ps(_mm512_shuffle_f32x4(a, b, 0x44), _mm512_shuffle_f32x4(a, b, 0xEE));
}
SIMD static inline __m512 add_quarters(__m512 a, __m512 b) /* 128-bit quarters */
{
    return _mm512_add_ps(_mm512_shuffle_f32x4(a, b, 0x88), _mm512_shuffle_f32x4(a, b, 0xDD));
}
SIMD static inline __m512 add_pairs(__m512 a, __m512 b) /* pairs of lanes within quarters */
{
    return _mm512_add_ps(_mm512_shuffle_ps(a, b, _MM_SHUFFLE(1, 0, 1, 0)), _mm512_shuffle_ps(a, b, _MM_SHUFFLE(3, 2, 3, 2)));
}
SIMD static inline __m512 add_lanes(__m512 a, __m512 b) /* neighbouring lanes */
{
    return _mm512_add_ps(_mm512_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
}

/* The dot products of rows a0..a3 with rows b0..b(NJ-1) over n columns (NJ < 4 for the
 * last, short row block), added onto out[4 i + j] (a_i . b_j). On the diagonal (DIAG:
 * the b rows are the a rows) only i <= j, and only the NJ rows there are. Inlined with
 * constant NJ and DIAG, so no multiply-add or load goes to a product not needed (26 rows
 * as 4 x 4 tiles with a zero row and full diagonal tiles did 896 of every 702).
 * Sixteen accumulators, each a named variable (GCC keeps an array of vectors in
 * memory): 8 loads feed 16 multiply-adds; their lanes are summed in a fixed tree (lane
 * 4 i + j of the sum is accumulator s{4 j + i}). */
#define DOT_FMA(i, j, S) \
    if ((j) < NJ && (!DIAG || (i) <= (j))) S = _mm512_fmadd_ps(x##i, y##j, S);
#define DOT_STEP(LOAD)                                                                             \
    do {                                                                                           \
        __m512 z = _mm512_setzero_ps();                                                            \
        __m512 x0 = LOAD(a0), x1 = !DIAG || NJ > 1 ? LOAD(a1) : z, x2 = !DIAG || NJ > 2 ? LOAD(a2) : z; \
        __m512 x3 = !DIAG || NJ > 3 ? LOAD(a3) : z;                                                \
        __m512 y0 = DIAG ? x0 : LOAD(b0), y1 = NJ > 1 ? (DIAG ? x1 : LOAD(b1)) : z;                \
        __m512 y2 = NJ > 2 ? (DIAG ? x2 : LOAD(b2)) : z, y3 = NJ > 3 ? (DIAG ? x3 : LOAD(b3)) : z; \
        DOT_FMA(0, 0, s0) DOT_FMA(1, 0, s1) DOT_FMA(2, 0, s2) DOT_FMA(3, 0, s3)                    \
        DOT_FMA(0, 1, s4) DOT_FMA(1, 1, s5) DOT_FMA(2, 1, s6) DOT_FMA(3, 1, s7)                    \
        DOT_FMA(0, 2, s8) DOT_FMA(1, 2, s9) DOT_FMA(2, 2, s10) DOT_FMA(3, 2, s11)                  \
        DOT_FMA(0, 3, s12) DOT_FMA(1, 3, s13) DOT_FMA(2, 3, s14) DOT_FMA(3, 3, s15)                \
    } while (0)
#define LOAD_FULL(p) _mm512_loadu_ps((p) + c)
#define LOAD_TAIL(p) _mm512_maskz_loadu_ps(tail, (p) + c)

SIMD static inline __attribute__((always_inline)) void dot_tile(int NJ, int DIAG, const float *a0, const float *a1,
                                                                const float *a2, const float *a3, const float *b0,
                                                                const float *b1, const float *b2, const float *b3,
                                                                size_t n, float out[16])
{
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0, s8 = s0,
           s9 = s0, s10 = s0, s11 = s0, s12 = s0, s13 = s0, s14 = s0, s15 = s0;
    size_t c = 0;
    for (; c + 16 <= n; c += 16) DOT_STEP(LOAD_FULL);
    if (c < n) {
        __mmask16 tail = first_lanes(n - c);
        DOT_STEP(LOAD_TAIL);
    }
    __m512 sum = add_lanes(add_pairs(add_quarters(add_halves(s0, s1), add_halves(s2, s3)),
                                     add_quarters(add_halves(s4, s5), add_halves(s6, s7))),
                           add_pairs(add_quarters(add_halves(s8, s9), add_halves(s10, s11)),
                                     add_quarters(add_halves(s12, s13), add_halves(s14, s15))));
    _mm512_storeu_ps(out, _mm512_add_ps(_mm512_loadu_ps(out), sum));
}

#ifdef SANITIZED
SIMD static __attribute__((noinline)) void dot_tile_any(int nj, int diag, const float *a0, const float *a1,
                                                        const float *a2, const float *a3, const float *b0,
                                                        const float *b1, const float *b2, const float *b3, size_t n,
                                                        float out[16])
{
    dot_tile(nj, diag, a0, a1, a2, a3, b0, b1, b2, b3, n, out);
}
#endif

/* Upper block pairs of rows in blocks of 4, 16 sums each. */
size_t soso__gram_tiles_avx512(size_t rows)
{
    size_t nb = (rows + 3) / 4;
    return nb * (nb + 1) / 2 * 16;
}

SIMD void soso__gram_range_avx512(const float *W, size_t rows, size_t cols, size_t c0, size_t w, float *G,
                                  float *tiles)
{
    /* Rows in blocks of 4 (the last one may be short); tiles holds each upper block
     * pair's 16 sums, added over chunks of GRAM_CHUNK columns. Rows past the last stand
     * for pointers that are never read. */
    size_t nb = (rows + 3) / 4;
    memset(tiles, 0, soso__gram_tiles_avx512(rows) * sizeof *tiles);
    for (size_t c = c0; c < c0 + w; c += GRAM_CHUNK) {
        size_t n = c0 + w - c < GRAM_CHUNK ? c0 + w - c : GRAM_CHUNK;
        float *t = tiles;
        const float *row[4];
        for (size_t bi = 0; bi < nb; bi++) {
            for (size_t i = 0; i < 4; i++) row[i] = W + (4 * bi + i < rows ? 4 * bi + i : 0) * cols + c;
            const float *a0 = row[0], *a1 = row[1], *a2 = row[2], *a3 = row[3];
            for (size_t bj = bi; bj < nb; bj++, t += 16) {
                for (size_t j = 0; j < 4; j++) row[j] = W + (4 * bj + j < rows ? 4 * bj + j : 0) * cols + c;
                size_t nj = rows - 4 * bj < 4 ? rows - 4 * bj : 4;
#ifdef SANITIZED
                dot_tile_any((int)nj, bi == bj, a0, a1, a2, a3, row[0], row[1], row[2], row[3], n, t);
#else
                switch (2 * nj + (bi == bj)) {
#define TILE(NJ, DIAG) \
    case 2 * NJ + DIAG: dot_tile(NJ, DIAG, a0, a1, a2, a3, row[0], row[1], row[2], row[3], n, t); break;
                    TILE(1, 0) TILE(2, 0) TILE(3, 0) TILE(4, 0) TILE(1, 1) TILE(2, 1) TILE(3, 1) TILE(4, 1)
#undef TILE
                }
#endif
            }
        }
    }
    const float *t = tiles;
    for (size_t bi = 0; bi < nb; bi++)
        for (size_t bj = bi; bj < nb; bj++, t += 16)
            for (size_t i = 4 * bi; i < 4 * bi + 4 && i < rows; i++)
                for (size_t j = 4 * bj > i ? 4 * bj : i; j < 4 * bj + 4 && j < rows; j++)
                    G[i * rows + j] = t[4 * (i - 4 * bi) + (j - 4 * bj)];
}

/* Rows r0..r0+MR of S B for one strip of 32 columns (two vectors), plus B's own rows
 * with add: the strip, m rows, read from `in` (rows ld apart), the results written to
 * `out` (rows ldo apart; lanes past the masks left out, unless to_buf: out is the
 * buffer). One of them is B itself, the other a copy, so that no result overwrites a
 * row still to be read. 2 loads and MR broadcasts feed 2 MR multiply-adds. Inlined
 * with a constant MR, the unused rows' code drops out and the accumulators (named
 * variables, not an array, which GCC would keep in memory) stay in registers. */
#define EACH_ROW(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13)
#define ROW_DECL(r) __m512 p##r##a = _mm512_setzero_ps(), p##r##b = p##r##a;
#define ROW_INIT(r)                                          \
    if (MR > r && add) {                                     \
        p##r##a = _mm512_maskz_loadu_ps(m0, in + (r0 + r) * ld); \
        p##r##b = _mm512_maskz_loadu_ps(m1, in + (r0 + r) * ld + 16); \
    }
#define ROW_STEP(r)                                          \
    if (MR > r) {                                            \
        __m512 s = _mm512_set1_ps(S[(r0 + r) * m + k]);      \
        p##r##a = _mm512_fmadd_ps(s, x0, p##r##a);           \
        p##r##b = _mm512_fmadd_ps(s, x1, p##r##b);           \
    }
#define ROW_STORE(r)                                         \
    if (MR > r) {                                            \
        if (to_buf) { /* masked stores cost more */             \
            _mm512_storeu_ps(out + (r0 + r) * 32, p##r##a);      \
            _mm512_storeu_ps(out + (r0 + r) * 32 + 16, p##r##b); \
        } else {                                                 \
            _mm512_mask_storeu_ps(out + (r0 + r) * ldo, m0, p##r##a); \
            _mm512_mask_storeu_ps(out + (r0 + r) * ldo + 16, m1, p##r##b); \
        }                                                        \
    }

SIMD static inline __attribute__((always_inline)) void strip_rows(int MR, size_t m, size_t r0, const float *S,
                                                                  const float *in, size_t ld, int add, float *out,
                                                                  size_t ldo, int to_buf, __mmask16 m0, __mmask16 m1)
{
    EACH_ROW(ROW_DECL)
    EACH_ROW(ROW_INIT)
    for (size_t k = 0; k < m; k++) {
        __m512 x0 = _mm512_maskz_loadu_ps(m0, in + k * ld), x1 = _mm512_maskz_loadu_ps(m1, in + k * ld + 16);
        EACH_ROW(ROW_STEP)
    }
    EACH_ROW(ROW_STORE)
}

#ifdef SANITIZED
SIMD static __attribute__((noinline)) void strip_rows_any(int MR, size_t m, size_t r0, const float *S,
                                                          const float *in, size_t ld, int add, float *out, size_t ldo,
                                                          int to_buf, __mmask16 m0, __mmask16 m1)
{
    strip_rows(MR, m, r0, S, in, ld, add, out, ldo, to_buf, m0, m1);
}
#endif

SIMD void soso__mul_inplace_avx512(size_t m, const float *S, int add, float *B, size_t ldb, size_t w, float *buf)
{
    if (m == 0 || w == 0) return;
    /* Row blocks of equal size, at most 14 rows (28 accumulators). */
    size_t blocks = (m + 13) / 14, per = (m + blocks - 1) / blocks;
    int copy = m > 32;
    for (size_t c = 0; c < w; c += 32) {
        size_t n = w - c < 32 ? w - c : 32;
        __mmask16 m0 = first_lanes(n), m1 = first_lanes(n > 16 ? n - 16 : 0);
        /* Over 32 rows, the strip's rows are copied together to buf and read from there
         * (results straight to B): B's rows lie a vocabulary apart, whose lines fall
         * into a few of L1's sets, and 104 rows of them (208 lines) did not stay there
         * while each block of rows read them again (139 GFLOP/s, 209 with the copy). Up
         * to 32, the rows are read where they are and the results go to buf, then to B
         * (26 rows: 197 GFLOP/s, 184 the other way round). And the strip after next,
         * for each row: past ~32 rows at a large stride the hardware's prefetch loses
         * track (half speed). */
        for (size_t k = 0; k < m; k++) {
            if (copy) {
                _mm512_storeu_ps(buf + k * 32, _mm512_maskz_loadu_ps(m0, B + k * ldb + c));
                _mm512_storeu_ps(buf + k * 32 + 16, _mm512_maskz_loadu_ps(m1, B + k * ldb + c + 16));
            }
            if (c + 64 < w) {
                _mm_prefetch((const char *)(B + k * ldb + c + 64), _MM_HINT_T0);
                _mm_prefetch((const char *)(B + k * ldb + c + 80), _MM_HINT_T0);
            }
        }
        for (size_t r0 = 0; r0 < m; r0 += per) {
            size_t h = m - r0 < per ? m - r0 : per;
#ifdef SANITIZED
            if (copy) strip_rows_any((int)h, m, r0, S, buf, 32, add, B + c, ldb, 0, m0, m1);
            else strip_rows_any((int)h, m, r0, S, B + c, ldb, add, buf, 32, 1, m0, m1);
#else
            switch (h) {
#define ROWS(R) \
    case R: \
        if (copy) strip_rows(R, m, r0, S, buf, 32, add, B + c, ldb, 0, m0, m1); \
        else strip_rows(R, m, r0, S, B + c, ldb, add, buf, 32, 1, m0, m1); \
        break;
                ROWS(1) ROWS(2) ROWS(3) ROWS(4) ROWS(5) ROWS(6) ROWS(7)
                ROWS(8) ROWS(9) ROWS(10) ROWS(11) ROWS(12) ROWS(13) ROWS(14)
#undef ROWS
            }
#endif
        }
        for (size_t r = 0; !copy && r < m; r++) {
            _mm512_mask_storeu_ps(B + r * ldb + c, m0, _mm512_loadu_ps(buf + r * 32));
            _mm512_mask_storeu_ps(B + r * ldb + c + 16, m1, _mm512_loadu_ps(buf + r * 32 + 16));
        }
    }
}

/* C = A D, or C + A D with add, over w columns, for D's k <= SOSO__LOW_RANK rows: 32
 * columns at a time, D's strip in registers while every row of C takes it. Each result
 * is (C or +0) + (+0 + A_i0 D_0 + A_i1 D_1 + ...), the products summed in order by fused
 * multiply-adds: so OpenBLAS 0.3.21's Haswell and Skylake-X kernels sum them (bit for
 * bit for k up to 7, test low_rank_kernels; at 8 its Haswell kernel sums otherwise). The
 * strip after next of each row is prefetched, as in the product above. */
SIMD void soso__low_rank_avx512(size_t m, size_t k, const float *A, size_t lda, const float *D, size_t ldd, int add,
                                float *C, size_t ldc, size_t w)
{
    if (k == 0) { /* A D = 0 */
        for (size_t i = 0; i < m && !add; i++) memset(C + i * ldc, 0, w * sizeof *C);
        return;
    }
    for (size_t c = 0; c < w; c += 32) {
        size_t n = w - c < 32 ? w - c : 32;
        __mmask16 m0 = first_lanes(n), m1 = first_lanes(n > 16 ? n - 16 : 0);
        __m512 d0[SOSO__LOW_RANK], d1[SOSO__LOW_RANK];
        for (size_t t = 0; t < k; t++) {
            d0[t] = _mm512_maskz_loadu_ps(m0, D + t * ldd + c);
            d1[t] = _mm512_maskz_loadu_ps(m1, D + t * ldd + c + 16);
        }
        for (size_t i = 0; i < m; i++) {
            float *row = C + i * ldc + c;
            const float *a = A + i * lda;
            if (c + 64 < w) {
                _mm_prefetch((const char *)(row + 64), _MM_HINT_T0);
                _mm_prefetch((const char *)(row + 80), _MM_HINT_T0);
            }
            __m512 x = _mm512_set1_ps(a[0]), zero = _mm512_setzero_ps();
            __m512 s0 = _mm512_fmadd_ps(x, d0[0], zero), s1 = _mm512_fmadd_ps(x, d1[0], zero); /* -0 -> +0 */
            for (size_t t = 1; t < k; t++) {
                x = _mm512_set1_ps(a[t]);
                s0 = _mm512_fmadd_ps(x, d0[t], s0);
                s1 = _mm512_fmadd_ps(x, d1[t], s1);
            }
            __m512 c0 = add ? _mm512_maskz_loadu_ps(m0, row) : zero, c1 = add ? _mm512_maskz_loadu_ps(m1, row + 16) : zero;
            _mm512_mask_storeu_ps(row, m0, _mm512_add_ps(c0, s0));
            _mm512_mask_storeu_ps(row + 16, m1, _mm512_add_ps(c1, s1));
        }
    }
}

#else /* no AVX-512 kernels in this build: dense.c always takes OpenBLAS */

int soso__avx512_enabled(void) { return 0; }
size_t soso__gram_tiles_avx512(size_t rows)
{
    (void)rows;
    return 0; /* no tiles: the kernels are never taken in this build */
}
int soso__avx512_set(int on)
{
    (void)on;
    return 0;
}
void soso__gram_range_avx512(const float *W, size_t rows, size_t cols, size_t c0, size_t w, float *G, float *tiles)
{
    (void)W, (void)rows, (void)cols, (void)c0, (void)w, (void)G, (void)tiles;
}
void soso__low_rank_avx512(size_t m, size_t k, const float *A, size_t lda, const float *D, size_t ldd, int add,
                           float *C, size_t ldc, size_t w)
{
    (void)m, (void)k, (void)A, (void)lda, (void)D, (void)ldd, (void)add, (void)C, (void)ldc, (void)w;
}
void soso__mul_inplace_avx512(size_t m, const float *S, int add, float *B, size_t ldb, size_t w, float *buf)
{
    (void)m, (void)S, (void)add, (void)B, (void)ldb, (void)w, (void)buf;
}

#endif
