/* reconstruct.c - what a code stands for: x_hat = U^T a, and the reconstruction error of
 * a corpus, computed from the Gram matrix U U^T so no document is ever made dense. */
#include "soso_internal.h"

#include <math.h>

#include <stdlib.h>
#include <string.h>

soso_status soso_model_reconstruct(const soso_model *m, const float *codes, size_t n_codes, float *x_hat, size_t n_x)
{
    if (!m || !codes || !x_hat) return soso__fail(SOSO_E_ARG, "model, codes and x_hat must not be NULL");
    if (n_codes < m->units || n_x < m->cols)
        return soso__fail(SOSO_E_ARG, "codes needs %zu floats and x_hat %zu", m->units, m->cols);
    for (size_t h = 0; h < m->units; h++) /* x_hat untouched on failure */
        if (!isfinite(codes[h])) return soso__fail(SOSO_E_NUMERIC, "code %zu is not finite", h);
    memset(x_hat, 0, m->cols * sizeof *x_hat);
    for (size_t h = 0; h < m->units; h++)
        if (codes[h] != 0.0f) soso__axpy(codes[h], m->W + h * m->cols, x_hat, m->cols);
    return SOSO_OK;
}

soso_status soso_model_reconstruction_error(const soso_model *m, const soso_docs *docs, size_t k, int threads,
                                            double *sq_error, double *sq_norm)
{
    if (!m || !docs || !sq_error || !sq_norm) return soso__fail(SOSO_E_ARG, "arguments must not be NULL");
    if (docs->cols != m->cols)
        return soso__fail(SOSO_E_ARG, "the documents have %zu columns but the model's vocabulary has %zu words",
                          docs->cols, m->cols);
    size_t H = m->units, R = docs->rows;
    if (k == 0) k = soso_model_code_sparsity(m);
    if (k == 0 || k > H) k = H;
    float *G = soso__alloc_array(H * H, sizeof *G);
    double *err = soso__alloc_array(R, sizeof *err), *norm = soso__alloc_array(R, sizeof *norm);
    int team = soso__team_size(threads, (double)docs->indptr[R] * (double)H + (double)R * (double)(k * k));
    float *codes = soso__alloc_array((size_t)team * H, sizeof *codes);
    uint32_t *top = soso__alloc_array((size_t)team * k, sizeof *top);
    soso_status s = SOSO_OK;
    if (!G || !err || !norm || !codes || !top) s = soso__fail(SOSO_E_NOMEM, "out of memory for the reconstruction error");
    if (s == SOSO_OK) {
        soso__blas_begin();
        s = soso__gram(m->W, H, m->cols, G, threads);
        soso__blas_end();
    }
    if (s != SOSO_OK) {
        free(G); free(err); free(norm); free(codes); free(top);
        return s;
    }
    soso__scorer sc;
    soso__scorer_init(&sc, m, docs);
    float p = sc.p;
#pragma omp parallel num_threads(team) if (team > 1)
    {
        float *a = codes + (size_t)omp_get_thread_num() * H;
        uint32_t *t = top + (size_t)omp_get_thread_num() * k;
#pragma omp for schedule(static)
        for (long r = 0; r < (long)R; r++) {
            size_t q0 = docs->indptr[r], nnz = docs->indptr[r + 1] - q0;
            double xx = 0;
            for (size_t e = 0; e < nnz; e++) xx += (double)docs->values[q0 + e] * docs->values[q0 + e];
            soso__scorer_row(&sc, docs, (size_t)r, a);
            size_t n = soso__top_indices(a, H, k, 1, t);
            /* |x - U^T a|^2 = |x|^2 - 2 a . (U x) + a^T G a, over the kept units; with
             * p = 2 a_j = u_j . x, otherwise u_j . x is computed afresh. */
            double cross = 0, quad = 0;
            for (size_t i = 0; i < n; i++) {
                double ux = a[t[i]];
                if (p != 2.0f) {
                    ux = 0;
                    for (size_t e = 0; e < nnz; e++) ux += (double)m->W[t[i] * m->cols + docs->indices[q0 + e]] * docs->values[q0 + e];
                }
                cross += (double)a[t[i]] * ux;
                for (size_t j = 0; j < n; j++) quad += (double)a[t[i]] * a[t[j]] * G[t[i] * H + t[j]];
            }
            err[r] = xx - 2 * cross + quad;
            norm[r] = xx;
        }
    }
    s = soso__scorer_end(&sc);
    double se = 0, sn = 0;
    for (size_t r = 0; r < R; r++) {
        se += err[r] > 0 || isnan(err[r]) ? err[r] : 0; /* rounding can dip below 0 for exact reconstructions */
        sn += norm[r];
    }
    free(G); free(err); free(norm); free(codes); free(top);
    /* A NaN here came from W W^T overflowing (weights far beyond unit scale): an error,
     * not an error of 0 (it printed 0 before). */
    if (s != SOSO_OK) return s;
    if (!isfinite(se)) return soso__fail(SOSO_E_NUMERIC, "the model's weights are too large: W W^T overflows");
    *sq_error = se;
    *sq_norm = sn;
    return SOSO_OK;
}
