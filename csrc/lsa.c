/* lsa.c - the leading right singular vectors of a sparse document matrix (latent
 * semantic analysis), by randomized subspace iteration (Halko, Martinsson & Tropp 2011):
 * only sparse products with X and X^T, a few orthonormalisations of a (k + 10) x V block,
 * and one small symmetric eigenproblem. No dense V x V or N x V matrix is ever formed. */
#include "soso_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LSA_OVERSAMPLE 10
#define LSA_POWER_ITERATIONS 6

soso_status soso__orthonormalize_rows(float *Q, size_t rows, size_t cols, soso__rng *rng)
{
    int have = 0;
    double spare = 0;
    for (size_t i = 0; i < rows; i++) {
        float *v = Q + i * cols;
        for (int attempt = 0;; attempt++) {
            double before = sqrt(soso__dot(v, v, cols));
            for (int pass = 0; pass < 2; pass++)
                for (size_t j = 0; j < i; j++) soso__axpy(-(float)soso__dot(v, Q + j * cols, cols), Q + j * cols, v, cols);
            double norm = sqrt(soso__dot(v, v, cols));
            if (norm > 1e-4 * before && norm > 0) {
                soso__scal((float)(1.0 / norm), v, cols);
                break;
            }
            if (attempt == 3) return soso__fail(SOSO_E_NUMERIC, "cannot complete an orthonormal basis of %zu rows", rows);
            /* Dependent on the rows before it: start this row again from noise. */
            for (size_t c = 0; c < cols; c++) v[c] = (float)soso__rng_normal(rng, &have, &spare);
        }
    }
    return SOSO_OK;
}

/* The dense operands of the sparse products, Q^T (V x l) and Y = X Q^T (N x l), are
 * kept in column blocks of at most 32 columns, of equal width (l = 36 gives 18 + 18, not
 * 32 + 4: each block is a pass over the sparse matrix): block b holds rows x w, a row's
 * w values contiguous. A product then reads two or three cache lines a non-zero from an
 * operand a quarter of the size (at 104 units Y is 37 MB whole, over the cache; 10 MB a
 * block): on all 82,115 expanded noun glosses at 104 units on 2 threads, LSA took 35-39 s
 * in three runs against 43-52 s for whole rows in five (two more blocked runs in a slow
 * spell of this machine took 52 and 71 s). */
static size_t block_width(size_t l)
{
    size_t blocks = (l + 31) / 32;
    return (l + blocks - 1) / blocks;
}

/* QT = Q^T (Q: l x V, row-major) in column blocks. */
static void transpose(const float *Q, size_t l, size_t V, float *QT)
{
    size_t bw = block_width(l);
    for (size_t b0 = 0; b0 < l; b0 += bw) {
        size_t w = l - b0 < bw ? l - b0 : bw;
        float *T = QT + b0 * V;
        for (size_t j = 0; j < V; j++)
            for (size_t i = 0; i < w; i++) T[j * w + i] = Q[(b0 + i) * V + j];
    }
}

/* out = S B for sparse S (rows x cols) and B (cols x l) in column blocks; out in column
 * blocks (blocked_out) or as out^T (l x rows, row-major). A row of S against a block of
 * B is a document scored against w units from their transposed weights (p = 2): each
 * out value sums its row's non-zeros in order in double, as a plain loop would (the same
 * bits for any thread count or block width), in registers where the CPU has AVX-512
 * (LSA of the 82,115 expanded noun glosses on 2 threads: 3.76 -> 2.13 s at 26 units,
 * 10.8 -> 4.4 s at 104, the same bits). Work goes in (block, 128 rows) pieces to
 * whichever thread is free. buf: l floats a thread. */
static void sparse_times(const soso_docs *S, const float *B, size_t l, int blocked_out, float *out, float *buf_all,
                         int threads)
{
    int team = soso__team_size(threads, (double)S->indptr[S->rows] * (double)l);
    size_t bw = block_width(l);
    long next = 0, rows = (long)S->rows, nb = (long)((l + bw - 1) / bw), nr = (rows + 127) / 128;
#pragma omp parallel num_threads(team) if (team > 1)
    {
        float *buf = buf_all + (size_t)omp_get_thread_num() * l;
        for (long t; (t = soso__next_chunk(&next, 1)) < nb * nr;) {
            size_t b0 = (size_t)(t / nr) * bw, w = l - b0 < bw ? l - b0 : bw;
            const float *Bb = B + b0 * S->cols;
            for (long r = (t % nr) * 128; r < (t % nr + 1) * 128 && r < rows; r++) {
                size_t e0 = S->indptr[r], nnz = S->indptr[r + 1] - e0;
                float *o = blocked_out ? out + b0 * (size_t)rows + (size_t)r * w : buf;
                soso__scores_transposed(Bb, w, 2.0f, nnz, S->indices + e0, S->values + e0, NULL, o);
                if (!blocked_out)
                    for (size_t i = 0; i < w; i++) out[(b0 + i) * (size_t)rows + (size_t)r] = buf[i];
            }
        }
    }
}

soso_status soso__lsa(const soso_docs *X, size_t k, uint64_t seed, int threads, float *U)
{
    size_t V = X->cols, N = X->rows;
    size_t l = k + LSA_OVERSAMPLE < V ? k + LSA_OVERSAMPLE : V;
    soso_docs *XT = NULL;
    SOSO__CHECK(soso__docs_transpose(X, &XT));
    float *Q = soso__alloc_array(l * V, sizeof *Q), *Z = soso__alloc_array(l * V, sizeof *Z);
    float *Y = soso__alloc_array(N * l, sizeof *Y), *M = soso__alloc_array(l * l, sizeof *M);
    double *Md = soso__alloc_array(l * l, sizeof *Md), *lam = soso__alloc_array(l, sizeof *lam);
    float *E = soso__alloc_array(k * l, sizeof *E), *QT = Z; /* Z is free while Q^T is read */
    float *buf = soso__alloc_array((size_t)(threads > 0 ? threads : 1) * l, sizeof *buf);
    soso_status s = SOSO_OK;
    if (!Q || !Z || !Y || !M || !Md || !lam || !E || !buf) s = soso__fail(SOSO_E_NOMEM, "out of memory for LSA of %zu x %zu", N, V);
    soso__rng rng;
    soso__rng_seed(&rng, seed, SOSO__STREAM_LSA);
    int have = 0;
    double spare = 0;
    soso__blas_begin();
    if (s == SOSO_OK) {
        for (size_t i = 0; i < l * V; i++) Q[i] = (float)soso__rng_normal(&rng, &have, &spare);
        s = soso__orthonormalize_rows(Q, l, V, &rng);
    }
    for (int it = 0; it < LSA_POWER_ITERATIONS && s == SOSO_OK; it++) {
        transpose(Q, l, V, QT);
        sparse_times(X, QT, l, 1, Y, buf, threads); /* Y = X Q^T */
        sparse_times(XT, Y, l, 0, Q, buf, threads); /* Q <- (X^T Y)^T, then orthonormalised */
        s = soso__orthonormalize_rows(Q, l, V, &rng);
    }
    if (s == SOSO_OK) {
        /* Rayleigh-Ritz: M = Q X^T X Q^T; its leading eigenvectors rotate Q onto the
         * leading singular directions. */
        transpose(Q, l, V, QT);
        sparse_times(X, QT, l, 1, Y, buf, threads);
        sparse_times(XT, Y, l, 0, Z, buf, threads);
        soso__gemm_cols(l, l, V, 1.0f, Z, V, 1, Q, V, 0.0f, M, l, threads);
        for (size_t i = 0; i < l; i++)
            for (size_t j = 0; j < l; j++) Md[i * l + j] = 0.5 * ((double)M[i * l + j] + M[j * l + i]);
        s = soso__sym_eig(Md, l, lam);
    }
    if (s == SOSO_OK) {
        /* Eigenvalues ascend; eigenvector c is column c of Md (column-major), i.e. the
         * contiguous run Md[c*l .. c*l+l). Row r of E is the (r+1)-th largest. */
        for (size_t r = 0; r < k; r++)
            for (size_t i = 0; i < l; i++) E[r * l + i] = (float)Md[(l - 1 - r) * l + i];
        soso__gemm_cols(k, V, l, 1.0f, E, l, 0, Q, V, 0.0f, U, V, threads);
        s = soso__orthonormalize_rows(U, k, V, &rng);
    }
    if (s == SOSO_OK) soso__canonical_signs(U, k, V);
    soso__blas_end();
    soso_docs_free(XT);
    free(Q);
    free(Z);
    free(Y);
    free(M);
    free(Md);
    free(lam);
    free(E);
    free(buf);
    return s;
}
