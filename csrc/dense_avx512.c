/* dense_avx512.c - the two products of symmetric orthogonalisation for a few rows over a
 * long vocabulary (W W^T and S W for 26 rows of 26,000 columns), by hand with AVX-512.
 * OpenBLAS packs both operands of every call and reaches about 60% of its sgemm rate on
 * these shapes (bench/RESULTS.md): an inner dimension of 26 leaves its micro-kernel
 * short, and packing is a fifth of the time. These kernels read W where it lies: the
 * Gram matrix as dot products of rows over chunks that stay in L1, the product as
 * strips of 32 columns. Chosen at run time where the CPU (and the OS) have AVX-512F;
 * elsewhere, and when built for another architecture, dense.c calls OpenBLAS as before.
 * Sums run in a fixed order, so results never depend on the thread count. */
#include "soso_internal.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(SOSO_NO_SIMD)
#include <immintrin.h>

#define SIMD __attribute__((target("avx512f")))
/* Columns of W per Gram chunk: 26 rows of 256 floats (26 KiB) stay in a 32-48 KiB L1. */
#define GRAM_CHUNK 256

static int simd_state = -1; /* -1 not yet asked, 0 off, 1 on */

int soso__avx512_enabled(void)
{
    int s;
#pragma omp atomic read
    s = simd_state;
    if (s < 0) {
        __builtin_cpu_init();
        s = __builtin_cpu_supports("avx512f") ? 1 : 0;
#pragma omp atomic write
        simd_state = s;
    }
    return s;
}

int soso__avx512_set(int on)
{
    int was = soso__avx512_enabled();
    if (!on || __builtin_cpu_supports("avx512f")) {
#pragma omp atomic write
        simd_state = on ? 1 : 0;
    }
    return was;
}

/* Two vectors' halves added side by side: the level-by-level steps of sum16. */
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

/* The 16 dot products of rows a[0..4) with rows b[0..4) over n columns, added onto
 * out[4 i + j] (a[i] . b[j]). Sixteen accumulators, each a named variable (GCC keeps an
 * array of vectors in memory), 8 loads feed 16 multiply-adds; the accumulators' lanes
 * are summed in a fixed tree (sum lane 4 i + j of the result = accumulator s{4 j + i}). */
#define FMA4(y, A, B, C, D)                                                                   \
    (A = _mm512_fmadd_ps(x0, y, A), B = _mm512_fmadd_ps(x1, y, B), C = _mm512_fmadd_ps(x2, y, C), \
     D = _mm512_fmadd_ps(x3, y, D))
#define DOT_STEP(LOAD)                                                        \
    do {                                                                      \
        __m512 x0 = LOAD(a0), x1 = LOAD(a1), x2 = LOAD(a2), x3 = LOAD(a3), y; \
        y = LOAD(b0), FMA4(y, s0, s1, s2, s3);                                \
        y = LOAD(b1), FMA4(y, s4, s5, s6, s7);                                \
        y = LOAD(b2), FMA4(y, s8, s9, s10, s11);                              \
        y = LOAD(b3), FMA4(y, s12, s13, s14, s15);                            \
    } while (0)
#define LOAD_FULL(p) _mm512_loadu_ps((p) + c)
#define LOAD_TAIL(p) _mm512_maskz_loadu_ps(tail, (p) + c)

SIMD static void dot_tile(const float *const a[4], const float *const b[4], size_t n, float out[16])
{
    const float *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3], *b0 = b[0], *b1 = b[1], *b2 = b[2], *b3 = b[3];
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0, s8 = s0,
           s9 = s0, s10 = s0, s11 = s0, s12 = s0, s13 = s0, s14 = s0, s15 = s0;
    size_t c = 0;
    for (; c + 16 <= n; c += 16) DOT_STEP(LOAD_FULL);
    if (c < n) {
        __mmask16 tail = (__mmask16)((1u << (n - c)) - 1);
        DOT_STEP(LOAD_TAIL);
    }
    __m512 sum = add_lanes(add_pairs(add_quarters(add_halves(s0, s1), add_halves(s2, s3)),
                                     add_quarters(add_halves(s4, s5), add_halves(s6, s7))),
                           add_pairs(add_quarters(add_halves(s8, s9), add_halves(s10, s11)),
                                     add_quarters(add_halves(s12, s13), add_halves(s14, s15))));
    _mm512_storeu_ps(out, _mm512_add_ps(_mm512_loadu_ps(out), sum));
}

SIMD void soso__gram_range_avx512(const float *W, size_t rows, size_t cols, size_t c0, size_t w, float *G,
                                  float *tiles)
{
    /* Rows in blocks of 4 (a short last block reads a row of zeros); tiles holds each
     * upper block pair's 16 sums, added over chunks of GRAM_CHUNK columns. */
    static const float zeros[GRAM_CHUNK];
    size_t nb = (rows + 3) / 4, pairs = nb * (nb + 1) / 2;
    memset(tiles, 0, pairs * 16 * sizeof *tiles);
    for (size_t c = c0; c < c0 + w; c += GRAM_CHUNK) {
        size_t n = c0 + w - c < GRAM_CHUNK ? c0 + w - c : GRAM_CHUNK;
        float *t = tiles;
        for (size_t bi = 0; bi < nb; bi++) {
            const float *a[4];
            for (size_t i = 0; i < 4; i++) a[i] = 4 * bi + i < rows ? W + (4 * bi + i) * cols + c : zeros;
            for (size_t bj = bi; bj < nb; bj++, t += 16) {
                const float *b[4];
                for (size_t j = 0; j < 4; j++) b[j] = 4 * bj + j < rows ? W + (4 * bj + j) * cols + c : zeros;
                dot_tile(a, b, n, t);
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

/* Rows r0..r0+MR of S B for one strip of 32 columns (two vectors, lanes past the masks
 * left out), plus B's own rows with add, into out (rows of 32). B's strip, m rows at
 * stride ldb, is read once per block of rows: 2 loads and MR broadcasts feed 2 MR
 * multiply-adds. Inlined with a constant MR, the unused rows' code drops out and the
 * accumulators (named variables, not an array, which GCC would keep in memory) stay in
 * registers. */
#define EACH_ROW(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13)
#define ROW_DECL(r) __m512 p##r##a = _mm512_setzero_ps(), p##r##b = p##r##a;
#define ROW_INIT(r)                                                      \
    if (MR > r && add) {                                                 \
        p##r##a = _mm512_maskz_loadu_ps(m0, B + (r0 + r) * ldb);         \
        p##r##b = _mm512_maskz_loadu_ps(m1, B + (r0 + r) * ldb + 16);    \
    }
#define ROW_STEP(r)                                                      \
    if (MR > r) {                                                        \
        __m512 s = _mm512_set1_ps(S[(r0 + r) * m + k]);                  \
        p##r##a = _mm512_fmadd_ps(s, x0, p##r##a);                       \
        p##r##b = _mm512_fmadd_ps(s, x1, p##r##b);                       \
    }
#define ROW_STORE(r)                                                     \
    if (MR > r) {                                                        \
        _mm512_storeu_ps(out + (r0 + r) * 32, p##r##a);                  \
        _mm512_storeu_ps(out + (r0 + r) * 32 + 16, p##r##b);             \
    }

SIMD static inline __attribute__((always_inline)) void strip_rows(int MR, size_t m, size_t r0, const float *S,
                                                                  const float *B, size_t ldb, __mmask16 m0,
                                                                  __mmask16 m1, int add, float *out)
{
    EACH_ROW(ROW_DECL)
    EACH_ROW(ROW_INIT)
    for (size_t k = 0; k < m; k++) {
        __m512 x0 = _mm512_maskz_loadu_ps(m0, B + k * ldb), x1 = _mm512_maskz_loadu_ps(m1, B + k * ldb + 16);
        EACH_ROW(ROW_STEP)
    }
    EACH_ROW(ROW_STORE)
}

SIMD void soso__mul_inplace_avx512(size_t m, const float *S, int add, float *B, size_t ldb, size_t w, float *out)
{
    /* Row blocks of equal size, at most 14 rows (28 accumulators). */
    size_t blocks = (m + 13) / 14, per = (m + blocks - 1) / blocks;
    for (size_t c = 0; c < w; c += 32) {
        size_t n = w - c < 32 ? w - c : 32;
        __mmask16 m0 = (__mmask16)(n >= 16 ? 0xFFFFu : (1u << n) - 1);
        __mmask16 m1 = (__mmask16)(n >= 32 ? 0xFFFFu : n > 16 ? (1u << (n - 16)) - 1 : 0);
        /* The strip after next, for each row: past ~32 rows at a large stride the
         * hardware's stream prefetch loses track (the product fell to half speed). */
        if (c + 64 < w)
            for (size_t k = 0; k < m; k++) {
                _mm_prefetch((const char *)(B + k * ldb + c + 64), _MM_HINT_T0);
                _mm_prefetch((const char *)(B + k * ldb + c + 80), _MM_HINT_T0);
            }
        for (size_t r0 = 0; r0 < m; r0 += per) {
            size_t h = m - r0 < per ? m - r0 : per;
            switch (h) {
#define ROWS(R) \
    case R: strip_rows(R, m, r0, S, B + c, ldb, m0, m1, add, out); break;
                ROWS(1) ROWS(2) ROWS(3) ROWS(4) ROWS(5) ROWS(6) ROWS(7)
                ROWS(8) ROWS(9) ROWS(10) ROWS(11) ROWS(12) ROWS(13) ROWS(14)
#undef ROWS
            }
        }
        for (size_t r = 0; r < m; r++) {
            _mm512_mask_storeu_ps(B + r * ldb + c, m0, _mm512_loadu_ps(out + r * 32));
            _mm512_mask_storeu_ps(B + r * ldb + c + 16, m1, _mm512_loadu_ps(out + r * 32 + 16));
        }
    }
}

#else /* no AVX-512 kernels in this build: dense.c always takes OpenBLAS */

int soso__avx512_enabled(void) { return 0; }
int soso__avx512_set(int on)
{
    (void)on;
    return 0;
}
void soso__gram_range_avx512(const float *W, size_t rows, size_t cols, size_t c0, size_t w, float *G, float *tiles)
{
    (void)W, (void)rows, (void)cols, (void)c0, (void)w, (void)G, (void)tiles;
}
void soso__mul_inplace_avx512(size_t m, const float *S, int add, float *B, size_t ldb, size_t w, float *out)
{
    (void)m, (void)S, (void)add, (void)B, (void)ldb, (void)w, (void)out;
}

#endif
