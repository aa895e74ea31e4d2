/* test_dense.c - the AVX-512 kernels of symmetric orthogonalisation (white box): the
 * Gram matrix and the in-place product, on shapes that hit every edge (a short last row
 * block, chunks and strips cut short, several column ranges), against sums in double,
 * against the OpenBLAS path, and bit for bit across thread counts. Where the CPU has no
 * AVX-512 both runs take OpenBLAS, and the checks hold for it alike. */
#include "harness.h"
#include "soso_internal.h"

#include <cblas.h> /* after soso_internal.h: it may define I */
#include <math.h>
#include <stdlib.h>

/* Rows x cols, entries in [-1, 1) with every third one zero, from a fixed LCG. */
static float *random_matrix(size_t rows, size_t cols, unsigned seed)
{
    float *W = malloc(rows * cols * sizeof *W);
    for (size_t i = 0; i < rows * cols; i++) {
        seed = seed * 1664525u + 1013904223u;
        W[i] = i % 3 == 2 ? 0.0f : (float)(seed >> 8) / 8388608.0f - 1.0f;
    }
    return W;
}

/* Largest |G - W W^T| over the products' scale (|w_i| |w_j|), the reference in double. */
static double gram_error(const float *W, size_t rows, size_t cols, const float *G)
{
    double worst = 0;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < rows; j++) {
            double dot = 0, ni = 0, nj = 0;
            for (size_t c = 0; c < cols; c++) {
                dot += (double)W[i * cols + c] * W[j * cols + c];
                ni += (double)W[i * cols + c] * W[i * cols + c];
                nj += (double)W[j * cols + c] * W[j * cols + c];
            }
            double e = fabs(G[i * rows + j] - dot) / (sqrt(ni * nj) + 1e-30);
            worst = e > worst ? e : worst;
        }
    return worst;
}

/* Rows 14, 27 and 70 make the product's row blocks 14, 14 + 13 and 5 x 14. */
static const size_t shapes[][2] = {{1, 5},     {3, 17},     {4, 16},    {5, 255},  {7, 256},
                                   {9, 257},   {13, 600},   {14, 40},   {26, 2100}, {27, 70},
                                   {33, 4099}, {64, 9000},  {70, 2050}, {100, 2500}, {128, 3000}};

static void test_gram_kernels(void)
{
#if defined(__x86_64__) && !defined(SOSO_NO_SIMD)
    __builtin_cpu_init();
    CHECK(soso__avx512_enabled() == (__builtin_cpu_supports("avx512f") ? 1 : 0));
#endif
    soso__blas_begin();
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        size_t r = shapes[s][0], c = shapes[s][1];
        float *W = random_matrix(r, c, (unsigned)s + 1), *G1 = malloc(r * r * 4), *G2 = malloc(r * r * 4),
              *Gb = malloc(r * r * 4);
        CHECK_OK(soso__gram(W, r, c, G1, 1));
        CHECK_OK(soso__gram(W, r, c, G2, 2));
        int was = soso__avx512_set(0);
        CHECK_OK(soso__gram(W, r, c, Gb, 1));
        soso__avx512_set(was);
        CHECK_MSG(memcmp(G1, G2, r * r * 4) == 0, "%zu x %zu: 1 and 2 threads differ", r, c);
        double e = gram_error(W, r, c, G1), eb = gram_error(W, r, c, Gb);
        CHECK_MSG(e < 1e-6, "%zu x %zu: error %g", r, c, e);
        CHECK_MSG(eb < 1e-6, "%zu x %zu: OpenBLAS error %g", r, c, eb);
        size_t asym = 0;
        for (size_t i = 0; i < r; i++)
            for (size_t j = 0; j < r; j++) asym += G1[i * r + j] != G1[j * r + i];
        CHECK(asym == 0);
        free(W), free(G1), free(G2), free(Gb);
    }
    soso__blas_end();
}

static void test_product_kernels(void)
{
    soso__blas_begin();
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int add = 0; add <= 1; add++) {
            size_t r = shapes[s][0], c = shapes[s][1];
            float *S = random_matrix(r, r, (unsigned)s + 7), *B = random_matrix(r, c, (unsigned)s + 3);
            float *B1 = malloc(r * c * 4), *B2 = malloc(r * c * 4), *Bb = malloc(r * c * 4);
            memcpy(B1, B, r * c * 4), memcpy(B2, B, r * c * 4), memcpy(Bb, B, r * c * 4);
            CHECK_OK(soso__gemm_cols_inplace(r, c, S, add, B1, 1));
            CHECK_OK(soso__gemm_cols_inplace(r, c, S, add, B2, 2));
            int was = soso__avx512_set(0);
            CHECK_OK(soso__gemm_cols_inplace(r, c, S, add, Bb, 1));
            soso__avx512_set(was);
            CHECK_MSG(memcmp(B1, B2, r * c * 4) == 0, "%zu x %zu: 1 and 2 threads differ", r, c);
            double worst = 0, worst_blas = 0;
            for (size_t i = 0; i < r; i++)
                for (size_t j = 0; j < c; j++) {
                    double want = add ? B[i * c + j] : 0, scale = add ? fabs(B[i * c + j]) : 0;
                    for (size_t k = 0; k < r; k++) {
                        want += (double)S[i * r + k] * B[k * c + j];
                        scale += fabs((double)S[i * r + k] * B[k * c + j]);
                    }
                    double e = fabs(B1[i * c + j] - want) / (scale + 1e-30), eb = fabs(Bb[i * c + j] - want) / (scale + 1e-30);
                    worst = e > worst ? e : worst;
                    worst_blas = eb > worst_blas ? eb : worst_blas;
                }
            CHECK_MSG(worst < 1e-6, "%zu x %zu, add %d: error %g", r, c, add, worst);
            CHECK_MSG(worst_blas < 1e-6, "%zu x %zu, add %d: OpenBLAS error %g", r, c, add, worst_blas);
            free(S), free(B), free(B1), free(B2), free(Bb);
        }
    soso__blas_end();
}

/* Whether OpenBLAS runs a core whose sgemm sums short products as the AVX-512 kernel
 * does (checked bit for bit on OpenBLAS 0.3.21's Haswell and Skylake-X kernels). */
static int blas_sums_as_kernel(void)
{
    const char *core = openblas_get_corename();
    return core && (!strcmp(core, "Haswell") || !strcmp(core, "SkylakeX") || !strcmp(core, "Cooperlake"));
}

/* Products with a short inner dimension (osc's pending rotations): against the same
 * sums written out with fmaf (the AVX-512 kernel's, bit for bit, where it is taken) and
 * OpenBLAS (bit for bit on the cores above, within float rounding of double sums
 * elsewhere), A's rows further apart than k, a block narrower than D's rows (columns
 * past it untouched), and +0 (not -0) where every product is -0, with and without C. */
static void test_low_rank_kernels(void)
{
    static const size_t sizes[][3] = {{1, 5, 1}, {2, 31, 2}, {3, 33, 6}, {26, 1000, 6}, {7, 70, 7}, {5, 100, 8}};
    soso__blas_begin();
    int same_sums = soso__avx512_enabled() && blas_sums_as_kernel();
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int add = 0; add <= 1; add++) {
            size_t m = sizes[s][0], n = sizes[s][1], k = sizes[s][2], lda = k + 2, w = n - n / 7;
            float *A = random_matrix(m, lda, (unsigned)s + 11), *D = random_matrix(k, n, (unsigned)s + 5);
            float *C = random_matrix(m, n, (unsigned)s + 2), *C1 = malloc(m * n * 4), *Cb = malloc(m * n * 4);
            memcpy(C1, C, m * n * 4), memcpy(Cb, C, m * n * 4);
            soso__low_rank_block(m, k, A, lda, D, n, add, C1, n, w);
            int was = soso__avx512_set(0);
            soso__low_rank_block(m, k, A, lda, D, n, add, Cb, n, w);
            soso__avx512_set(was);
            double worst = 0;
            size_t fused_off = 0, blas_off = 0;
            for (size_t i = 0; i < m; i++)
                for (size_t j = 0; j < n; j++) {
                    float c = C[i * n + j], got = C1[i * n + j], blas = Cb[i * n + j];
                    if (j >= w) {
                        CHECK(got == c && blas == c); /* outside the block: untouched */
                        continue;
                    }
                    float f = 0.0f;
                    double want = add ? c : 0, scale = add ? fabs(c) : 0;
                    for (size_t t = 0; t < k; t++) {
                        f = fmaf(A[i * lda + t], D[t * n + j], f);
                        want += (double)A[i * lda + t] * D[t * n + j];
                        scale += fabs((double)A[i * lda + t] * D[t * n + j]);
                    }
                    f = (add ? c : 0.0f) + f;
                    fused_off += memcmp(&f, &got, 4) != 0;
                    blas_off += memcmp(&blas, &got, 4) != 0;
                    double e = fmax(fabs(got - want), fabs(blas - want)) / (scale + 1e-30);
                    worst = e > worst ? e : worst;
                }
            CHECK_MSG(worst < 1e-6, "%zu x %zu x %zu, add %d: error %g", m, n, k, add, worst);
            if (k <= SOSO__LOW_RANK && soso__avx512_enabled())
                CHECK_MSG(fused_off == 0, "%zu x %zu x %zu, add %d: %zu sums not as fmaf's", m, n, k, add, fused_off);
            if (k <= SOSO__LOW_RANK && same_sums)
                CHECK_MSG(blas_off == 0, "%zu x %zu x %zu, add %d: %zu sums not as OpenBLAS's (%s)", m, n, k, add,
                          blas_off, openblas_get_corename());
            free(A), free(D), free(C), free(C1), free(Cb);
        }
    /* Signed zeros and k = 0, on both paths: -0 products onto nothing or onto -0 give +0;
     * no products give 0 (C = A D) or leave C (C + A D). */
    for (int blas = 0; blas <= 1; blas++) {
        int was = soso__avx512_set(!blas);
        float A[2] = {-1.0f, -2.0f}, D[2 * 3] = {0}, set[3] = {7, 7, 7}, onto[3] = {-0.0f, -0.0f, -0.0f};
        float none[3] = {7, 7, 7}, kept[3] = {7, 7, 7};
        soso__low_rank_block(1, 2, A, 2, D, 3, 0, set, 3, 3);
        soso__low_rank_block(1, 2, A, 2, D, 3, 1, onto, 3, 3);
        soso__low_rank_block(1, 0, A, 2, D, 3, 0, none, 3, 3);
        soso__low_rank_block(1, 0, A, 2, D, 3, 1, kept, 3, 3);
        for (int j = 0; j < 3; j++) {
            CHECK_MSG(set[j] == 0.0f && !signbit(set[j]), "%s: A D = %g", blas ? "OpenBLAS" : "kernel", set[j]);
            CHECK_MSG(onto[j] == 0.0f && !signbit(onto[j]), "%s: -0 + A D = %g", blas ? "OpenBLAS" : "kernel", onto[j]);
            CHECK(none[j] == 0.0f && kept[j] == 7.0f);
        }
        soso__avx512_set(was);
    }
    soso__blas_end();
}

const soso_test tests_dense[] = {
    {"gram_kernels_match_double_sums", test_gram_kernels},
    {"product_kernels_match_double_sums", test_product_kernels},
    {"low_rank_kernels", test_low_rank_kernels},
    {NULL, NULL},
};
