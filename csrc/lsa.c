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

/* QT (V x l) = Q^T, so that a word's l coordinates are contiguous. */
static void transpose(const float *Q, size_t l, size_t V, float *QT)
{
    for (size_t j = 0; j < V; j++)
        for (size_t i = 0; i < l; i++) QT[j * l + i] = Q[i * V + j];
}

/* Y (rows x l) = X Q^T with QT = Q^T, one document per iteration. Each word's l
 * coordinates are read together (one or two cache lines, not l scattered ones: expanded
 * documents hold hundreds of words); every y[i] still sums the words in order, so the
 * result is the same bits as a loop over i then words. acc: l doubles a thread. */
static void times_qt(const soso_docs *X, const float *QT, size_t l, float *Y, double *acc_all, int threads)
{
    int team = soso__team_size(threads, (double)X->indptr[X->rows] * (double)l);
#pragma omp parallel num_threads(team) if (team > 1)
    {
        double *acc = acc_all + (size_t)omp_get_thread_num() * l;
#pragma omp for schedule(static)
        for (long d = 0; d < (long)X->rows; d++) {
            for (size_t i = 0; i < l; i++) acc[i] = 0;
            for (size_t e = X->indptr[d]; e < X->indptr[d + 1]; e++) {
                const float *q = QT + (size_t)X->indices[e] * l;
                double x = X->values[e];
                for (size_t i = 0; i < l; i++) acc[i] += x * q[i];
            }
            float *y = Y + (size_t)d * l;
            for (size_t i = 0; i < l; i++) y[i] = (float)acc[i];
        }
    }
}

/* Z (l x V) = (X^T Y)^T, one word (row of XT = X^T) per iteration; a document's l
 * values are read together, each sum in the same order as before (same bits). */
static void xt_times(const soso_docs *XT, const float *Y, size_t l, float *Z, double *acc_all, int threads)
{
    size_t V = XT->rows;
    int team = soso__team_size(threads, (double)XT->indptr[XT->rows] * (double)l);
#pragma omp parallel num_threads(team) if (team > 1)
    {
        double *acc = acc_all + (size_t)omp_get_thread_num() * l;
#pragma omp for schedule(static)
        for (long j = 0; j < (long)V; j++) {
            for (size_t i = 0; i < l; i++) acc[i] = 0;
            for (size_t e = XT->indptr[j]; e < XT->indptr[j + 1]; e++) {
                const float *y = Y + (size_t)XT->indices[e] * l;
                double x = XT->values[e];
                for (size_t i = 0; i < l; i++) acc[i] += x * y[i];
            }
            for (size_t i = 0; i < l; i++) Z[i * V + (size_t)j] = (float)acc[i];
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
    double *acc = soso__alloc_array((size_t)(threads > 0 ? threads : 1) * l, sizeof *acc);
    soso_status s = SOSO_OK;
    if (!Q || !Z || !Y || !M || !Md || !lam || !E || !acc) s = soso__fail(SOSO_E_NOMEM, "out of memory for LSA of %zu x %zu", N, V);
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
        times_qt(X, QT, l, Y, acc, threads);
        xt_times(XT, Y, l, Q, acc, threads); /* Q <- (X^T X Q^T)^T, then orthonormalised */
        s = soso__orthonormalize_rows(Q, l, V, &rng);
    }
    if (s == SOSO_OK) {
        /* Rayleigh-Ritz: M = Q X^T X Q^T; its leading eigenvectors rotate Q onto the
         * leading singular directions. */
        transpose(Q, l, V, QT);
        times_qt(X, QT, l, Y, acc, threads);
        xt_times(XT, Y, l, Z, acc, threads);
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
    free(acc);
    return s;
}
