/* dense.c - dense vector and matrix kernels with results that never depend on the
 * thread count: level-1 loops written here with a fixed summation order, and OpenBLAS
 * sgemm called single-threaded on fixed column blocks that OpenMP threads share out (or,
 * on a CPU with AVX-512, the kernels of dense_avx512.c for the in-place product of up to
 * SOSO__SIMD_ROWS rows and the Gram matrix's column ranges at those row counts). */
#include "soso_internal.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Level 1 goes to OpenBLAS's vectorised kernels (chosen at run time for the CPU). They
 * run on the calling thread (see soso__blas_begin), so a given call always sums in the
 * same order. Lengths fit an int: callers pass at most one vocabulary chunk or row. */
double soso__dot(const float *a, const float *b, size_t n) { return n ? cblas_sdot((int)n, a, 1, b, 1) : 0.0; }

void soso__axpy(float alpha, const float *x, float *y, size_t n)
{
    if (n) cblas_saxpy((int)n, alpha, x, 1, y, 1);
}

void soso__scal(float alpha, float *x, size_t n)
{
    if (n) cblas_sscal((int)n, alpha, x, 1);
}

void soso__scale_unit(float *x, size_t n, double ss)
{
    double inv = 1.0 / sqrt(ss);
    if (inv <= FLT_MAX) { /* a loop, not sscal: rows of a dozen values pay the call's overhead */
        float f = (float)inv;
        for (size_t i = 0; i < n; i++) x[i] *= f;
        return;
    }
    for (size_t i = 0; i < n; i++) x[i] = (float)(x[i] * inv); /* values near 1e-39: 1/|x| is no float */
}

/* OpenBLAS's thread count is process-wide, and several host threads may be inside SOSO
 * at once: the first to enter pins it to 1, the last to leave restores the host's value. */
static int blas_users, blas_saved;

void soso__blas_begin(void)
{
#pragma omp critical(soso_blas_threads)
    {
        if (blas_users++ == 0) {
            blas_saved = openblas_get_num_threads();
            if (blas_saved != 1) openblas_set_num_threads(1);
        }
    }
}

void soso__blas_end(void)
{
#pragma omp critical(soso_blas_threads)
    {
        if (--blas_users == 0 && blas_saved != 1) openblas_set_num_threads(blas_saved);
    }
}

/* The fixed column blocks of an m x k by k x n product (*blocks) and the team that
 * shares them out: by the work, at most one thread a block. */
static int col_blocks(size_t m, size_t n, size_t k, int threads, size_t *blocks)
{
    *blocks = (n + SOSO__COL_BLOCK - 1) / SOSO__COL_BLOCK;
    int team = soso__team_size(threads, (double)m * (double)n * (double)k);
    return (size_t)team > *blocks ? (int)(*blocks ? *blocks : 1) : team;
}

void soso__gemm_cols(size_t m, size_t n, size_t k, float alpha, const float *A, size_t lda, int trans_b,
                     const float *B, size_t ldb, float beta, float *C, size_t ldc, int threads)
{
    size_t blocks;
    int team = col_blocks(m, n, k, threads, &blocks);
#pragma omp parallel for schedule(static) num_threads(team) if (team > 1)
    for (long b = 0; b < (long)blocks; b++) {
        size_t c0 = (size_t)b * SOSO__COL_BLOCK;
        size_t w = n - c0 < SOSO__COL_BLOCK ? n - c0 : SOSO__COL_BLOCK;
        /* B's block: columns c0.. of B (k x n), or rows c0.. of B^T stored as n x k. */
        const float *Bb = trans_b ? B + c0 * ldb : B + c0;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, (int)m, (int)w, (int)k,
                    alpha, A, (int)lda, Bb, (int)ldb, beta, C + c0, (int)ldc);
    }
}

/* Whether the AVX-512 kernels take a product of this many rows. */
static int simd_rows(size_t rows) { return rows <= SOSO__SIMD_ROWS && soso__avx512_enabled(); }

soso_status soso__gemm_cols_inplace(size_t m, size_t n, const float *A, int add, float *B, int threads)
{
    /* OpenBLAS: each block is copied to a buffer that the product reads and writes its
     * result straight into B. With add (beta = 1) OpenBLAS adds onto B as it is; with
     * beta = 0 it first zero-fills the output, 12% of an orthogonalisation of 26 units by
     * perf (so callers that can write their product as B + A B save that). Blocks of 512
     * columns: wider ones (16 K to 64 K floats a copy) were 3-6% slower at 26 units on 1
     * thread and 9-29% on 2 (fewer blocks to share), 1-4% faster at 104. The AVX-512
     * kernel copies no block, only a strip of 32 columns at a time through an m x 32
     * buffer: 2.1x OpenBLAS's speed at 26 rows, 2.2x at 104 (1 thread, 25,860 columns). */
    size_t blocks;
    int team = col_blocks(m, n, m, threads, &blocks), simd = simd_rows(m);
    /* The AVX-512 kernel needs a strip of m x 32 floats a thread, OpenBLAS a block. */
    float *tmp = soso__alloc_array((size_t)team * m, (simd ? 32 : SOSO__COL_BLOCK) * sizeof *tmp);
    if (!tmp) return soso__fail(SOSO_E_NOMEM, "out of memory for a %zu x %d product block", m, SOSO__COL_BLOCK);
    if (simd) {
        /* Each column's result depends on that column alone, so the threads take equal
         * runs of 32-column strips (51 blocks of 512 split 26 / 25: 4% waiting). */
        size_t strips = (n + 31) / 32;
#pragma omp parallel num_threads(team) if (team > 1)
        {
            size_t t = (size_t)omp_get_thread_num(), T = (size_t)omp_get_num_threads();
            size_t c0 = strips * t / T * 32, c1 = strips * (t + 1) / T * 32;
            c1 = c1 < n ? c1 : n;
            if (c1 > c0) soso__mul_inplace_avx512(m, A, add, B + c0, n, c1 - c0, tmp + t * m * 32);
        }
        free(tmp);
        return SOSO_OK;
    }
#pragma omp parallel for schedule(static) num_threads(team) if (team > 1)
    for (long b = 0; b < (long)blocks; b++) {
        size_t c0 = (size_t)b * SOSO__COL_BLOCK, w = n - c0 < SOSO__COL_BLOCK ? n - c0 : SOSO__COL_BLOCK;
        float *t = tmp + (size_t)omp_get_thread_num() * m * SOSO__COL_BLOCK;
        for (size_t r = 0; r < m; r++) memcpy(t + r * w, B + r * n + c0, w * sizeof *t);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)w, (int)m, 1.0f, A, (int)m, t, (int)w,
                    add ? 1.0f : 0.0f, B + c0, (int)n);
    }
    free(tmp);
    return SOSO_OK;
}

void soso__low_rank_block(size_t m, size_t k, const float *A, size_t lda, const float *D, size_t ldd, int add,
                          float *C, size_t ldc, size_t w)
{
    if (k <= SOSO__LOW_RANK && soso__avx512_enabled())
        soso__low_rank_avx512(m, k, A, lda, D, ldd, add, C, ldc, w);
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)w, (int)k, 1.0f, A, (int)lda, D, (int)ldd,
                    add ? 1.0f : 0.0f, C, (int)ldc);
}

/* How soso__gram cuts W's columns, fixed by the shape alone (never by the thread count):
 * ranges of equal width, a multiple of 64 columns and 1,024 or more (the last range
 * shorter), at most SOSO__GRAM_PARTS of them and no more than keep the partial sums
 * under a quarter of W's size; one range when W has under 2,048 columns. */
static size_t gram_parts(size_t rows, size_t cols, size_t *width)
{
    size_t parts = cols / 1024, cap = 1 + cols / 4 / rows;
    parts = parts > SOSO__GRAM_PARTS ? SOSO__GRAM_PARTS : parts;
    parts = parts > cap ? cap : parts < 1 ? 1 : parts;
    *width = (cols + parts - 1) / parts;
    *width = (*width + 63) / 64 * 64;
    return (cols + *width - 1) / *width;
}

/* Many rows over few columns: the upper triangle by blocks of 16 rows, each one sgemm
 * against the rows from its own on, so that threads share the rows. */
static void gram_row_blocks(const float *W, size_t rows, size_t cols, float *G, int team)
{
    size_t blocks = (rows + 15) / 16;
#pragma omp parallel for schedule(static, 1) num_threads(team) if (team > 1)
    for (long b = 0; b < (long)blocks; b++) {
        size_t r0 = (size_t)b * 16, h = rows - r0 < 16 ? rows - r0 : 16;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)h, (int)(rows - r0), (int)cols, 1.0f,
                    W + r0 * cols, (int)cols, W + r0 * cols, (int)cols, 0.0f, G + r0 * rows + r0, (int)rows);
    }
}

soso_status soso__gram(const float *W, size_t rows, size_t cols, float *G, int threads)
{
    /* A few units over a long vocabulary: an sgemm per row block read all of W again
     * for each block. Each column range is one ssyrk instead (half the multiply-adds,
     * its slice of W stays in cache), or the AVX-512 kernel (3.9x ssyrk's speed at 26
     * rows, 2x at 104: 165-170 against 43 GFLOP/s and 175-195 against 87, 1 thread,
     * 25,860 columns), its upper triangle a partial sum; the partials are added in
     * range order. Either way G is exactly symmetric and the same for any thread count. */
    if (rows == 0 || cols == 0) return SOSO_OK;
    size_t width, parts = gram_parts(rows, cols, &width), rr, bytes;
    if (!soso__mul_size(rows, rows, &rr) || !soso__mul_size(rr, parts * sizeof *G, &bytes))
        return soso__fail(SOSO_E_LIMIT, "a %zu x %zu Gram matrix is too large", rows, rows);
    int team = soso__team_size(threads, 0.5 * (double)rr * (double)cols);
    if (parts == 1 && rows > 64) {
        gram_row_blocks(W, rows, cols, G, team);
    } else {
        size_t tile_floats = simd_rows(rows) ? soso__gram_tiles_avx512(rows) : 0;
        team = (size_t)team > parts ? (int)parts : team;
        float *part = soso__alloc_array((parts - 1) * rr + (size_t)team * tile_floats, sizeof *part);
        if (!part) return soso__fail(SOSO_E_NOMEM, "out of memory for a %zu x %zu Gram matrix", rows, rows);
        float *tiles = part + (parts - 1) * rr;
#pragma omp parallel for schedule(static) num_threads(team) if (team > 1)
        for (long b = 0; b < (long)parts; b++) {
            size_t c0 = (size_t)b * width, w = cols - c0 < width ? cols - c0 : width;
            float *g = b ? part + (size_t)(b - 1) * rr : G;
            if (tile_floats)
                soso__gram_range_avx512(W, rows, cols, c0, w, g, tiles + (size_t)omp_get_thread_num() * tile_floats);
            else
                cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)rows, (int)w, 1.0f, W + c0, (int)cols,
                            0.0f, g, (int)rows);
        }
        for (size_t b = 1; b < parts; b++)
            for (size_t i = 0; i < rows; i++) {
                const float *p = part + (b - 1) * rr + i * rows;
                for (size_t j = i; j < rows; j++) G[i * rows + j] += p[j];
            }
        free(part);
    }
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < i; j++) G[i * rows + j] = G[j * rows + i];
    return SOSO_OK;
}
