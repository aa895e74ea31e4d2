/* test_scores.c - a document's scores against every unit (white box): from W row by row,
 * from W transposed and, where the CPU has AVX-512, from W transposed by the vector
 * kernel, all three the same bits (the claim that lets training score from its copy),
 * and all within rounding of sums in long double. H covers the kernel's edges (under
 * 16 units, between 16 and 32, a second pass of 32, and 64 + 6), p its three ways. */
#include "harness.h"
#include "soso_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static unsigned lcg(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static void test_scores_agree(void)
{
    static const size_t Hs[] = {1, 5, 16, 17, 26, 32, 33, 64, 70};
    static const float ps[] = {2.0f, 3.0f, 2.5f};
    const size_t V = 300, nnz = 23;
    unsigned seed = 11;
    for (size_t a = 0; a < sizeof Hs / sizeof Hs[0]; a++)
        for (size_t b = 0; b < sizeof ps / sizeof ps[0]; b++)
            for (int scaled = 0; scaled <= 1; scaled++) {
                size_t H = Hs[a];
                float p = ps[b], *W = malloc(H * V * 4), *WT = malloc(H * V * 4), val[23];
                float rows[70], plain[70], vec[70];
                double scale[70];
                uint32_t idx[23];
                for (size_t i = 0; i < H * V; i++) W[i] = (float)lcg(&seed) / 8388608.0f - 0.5f;
                for (size_t h = 0; h < H; h++)
                    for (size_t j = 0; j < V; j++) WT[j * H + h] = W[h * V + j];
                for (size_t e = 0; e < nnz; e++) { /* distinct words, idf-like values */
                    idx[e] = (uint32_t)(e * 13 + lcg(&seed) % 13);
                    val[e] = 0.5f + (float)(lcg(&seed) % 1000) / 300.0f;
                }
                for (size_t h = 0; h < H; h++) scale[h] = 0.25 + (double)(lcg(&seed) % 100) / 37.0;
                const double *sc = scaled ? scale : NULL;
                soso__unit_scores(W, H, V, p, nnz, idx, val, rows);
                if (sc)
                    for (size_t h = 0; h < H; h++) rows[h] = (float)((double)rows[h] * scale[h]);
                int was = soso__avx512_set(0);
                soso__scores_transposed(WT, H, p, nnz, idx, val, sc, plain);
                soso__avx512_set(was);
                soso__scores_transposed(WT, H, p, nnz, idx, val, sc, vec);
                CHECK_MSG(memcmp(rows, plain, H * 4) == 0, "H %zu p %g: transposed differs from rows", H, p);
                CHECK_MSG(memcmp(plain, vec, H * 4) == 0, "H %zu p %g scaled %d: kernel differs", H, p, scaled);
                for (size_t h = 0; h < H; h++) {
                    long double want = 0, mag = 0;
                    for (size_t e = 0; e < nnz; e++) {
                        long double x = W[h * V + idx[e]], f = copysignl(powl(fabsl(x), (long double)p - 1), x);
                        want += f * val[e];
                        mag += fabsl(f * val[e]);
                    }
                    if (sc) want *= scale[h], mag *= scale[h];
                    CHECK_MSG(fabsl(vec[h] - want) <= 2e-6L * mag, "H %zu p %g unit %zu: %g vs %Lg", H, p, h, vec[h],
                              want);
                }
                free(W), free(WT);
            }
}

/* The build's bits for p = 3: every term w |w| x is rounded to double before it is
 * added. A document of two words whose terms are opposite (w and -w, the same x) then
 * scores exactly 0 on every path, where a build that fused the products into
 * multiply-adds would score the first product's rounding error (the sums are float at
 * the end, so on ordinary documents a fused build differs only where a double sum
 * lands on another float, too rarely to test). */
static void test_scores_unfused(void)
{
    static const size_t Hs[] = {5, 26, 70};
    const size_t V = 40;
    unsigned seed = 5;
    for (size_t a = 0; a < sizeof Hs / sizeof Hs[0]; a++) {
        size_t H = Hs[a], inexact = 0;
        float *W = malloc(H * V * 4), *WT = malloc(H * V * 4), rows[70], plain[70], vec[70];
        const uint32_t idx[2] = {3, 17};
        const float val[2] = {1.2345679f, 1.2345679f};
        for (size_t i = 0; i < H * V; i++) W[i] = (float)lcg(&seed) / 8388608.0f - 0.5f;
        for (size_t h = 0; h < H; h++) {
            W[h * V + idx[1]] = -W[h * V + idx[0]];
            double c = (double)W[h * V + idx[0]] * fabsf(W[h * V + idx[0]]);
            inexact += fma(c, val[0], -(c * val[0])) != 0; /* the product is not a double */
        }
        for (size_t h = 0; h < H; h++)
            for (size_t j = 0; j < V; j++) WT[j * H + h] = W[h * V + j];
        soso__unit_scores(W, H, V, 3.0f, 2, idx, val, rows);
        int was = soso__avx512_set(0);
        soso__scores_transposed(WT, H, 3.0f, 2, idx, val, NULL, plain);
        soso__avx512_set(was);
        soso__scores_transposed(WT, H, 3.0f, 2, idx, val, NULL, vec);
        CHECK_MSG(inexact > H / 2, "H %zu: only %zu products need rounding", H, inexact);
        for (size_t h = 0; h < H; h++)
            CHECK_MSG(rows[h] == 0 && plain[h] == 0 && vec[h] == 0, "H %zu unit %zu: %g %g %g, not 0", H, h, rows[h],
                      plain[h], vec[h]);
        free(W), free(WT);
    }
}

/* soso_build_info names the scoring kernels this CPU runs, and the line is whole: its
 * buffer (512 bytes) is not full, so the BLAS configuration's end (MAX_THREADS, which
 * the CLI's OpenBLAS check reads) was not cut off. */
static void test_scores_build_info(void)
{
    const char *info = soso_build_info();
    CHECK_MSG(strstr(info, soso__avx512_enabled() ? "; scores avx512;" : "; scores portable;") != NULL, "%s", info);
    CHECK_MSG(strlen(info) < 511, "%zu bytes: cut short?", strlen(info));
}

const soso_test tests_scores[] = {
    {"scores_transposed_and_kernel_same_bits", test_scores_agree},
    {"scores_unfused", test_scores_unfused},
    {"scores_build_info", test_scores_build_info},
    {NULL, NULL},
};
