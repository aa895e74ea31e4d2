/* stack.c - layer-wise stacking: a second model (the upper layer) trained on the codes of a
 * first (the lower layer), then both composed into one model over the lower layer's words.
 * Every learner codes a document as f_p(W) x, with f_p(w) = sign(w)|w|^(p-1) applied to
 * each weight (p = 2 for osc and soft), so the upper layer on the lower layer's full codes
 * is f_p2(W2) f_p1(W1) x: one model whose weights are the inverse of f_p2 applied to that
 * product. The composed model codes text exactly as the two layers in a row, and every
 * command that takes a model takes it. */
#include "soso_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* w -> sign(w)|w|^e in place (e = 1: unchanged). */
static void signed_power(float *w, size_t n, double e)
{
    if (e == 1.0) return;
    for (size_t i = 0; i < n; i++) {
        double a = fabs((double)w[i]);
        w[i] = (float)copysign(e == 0.0 ? (a > 0 ? 1.0 : 0.0) : pow(a, e), (double)w[i]);
    }
}

/* The upper layer's vocabulary: one word per lower unit ("unit0", "unit1", ...) with the
 * number of documents in which that unit's code is not zero. */
static soso_status unit_vocab(const soso_model *lower, const uint64_t *df, uint64_t n_docs, soso_vocab **out)
{
    size_t n = lower->units;
    char *text = soso__malloc(n * 24);
    const char **words = soso__malloc(n * sizeof *words);
    size_t *lens = soso__malloc(n * sizeof *lens);
    soso_status s = SOSO_E_NOMEM;
    if (text && words && lens) {
        for (size_t h = 0; h < n; h++) {
            words[h] = text + h * 24;
            lens[h] = (size_t)snprintf(text + h * 24, 24, "unit%zu", h);
        }
        s = soso__vocab_from_words(&lower->vocab->options, words, lens, df, n, n_docs, out);
    } else {
        s = soso__fail(s, "out of memory for %zu unit names", n);
    }
    free(text);
    free(words);
    free(lens);
    return s;
}

soso_status soso_model_stack_input(const soso_model *lower, const soso_docs *docs, int threads, soso_vocab **vocab,
                                   soso_docs **codes)
{
    if (!lower || !docs || !vocab || !codes) return soso__fail(SOSO_E_ARG, "lower, docs, vocab and codes must not be NULL");
    size_t n = docs->rows, u = lower->units, total;
    if (n == 0) return soso__fail(SOSO_E_ARG, "there are no documents to code");
    if (docs->cols != lower->cols)
        return soso__fail(SOSO_E_ARG, "the documents have %zu columns but the lower model's vocabulary has %zu words",
                          docs->cols, lower->cols);
    if (!soso__mul_size(n, u, &total)) return soso__fail(SOSO_E_LIMIT, "%zu documents x %zu units overflow", n, u);
    float *a = soso__alloc_array(total, sizeof *a);
    size_t *indptr = soso__alloc_array(n + 1, sizeof *indptr);
    uint32_t *idx = soso__alloc_array(total, sizeof *idx);
    uint64_t *df = soso__calloc_array(u, sizeof *df);
    soso_status s = a && indptr && idx && df ? SOSO_OK : soso__fail(SOSO_E_NOMEM, "out of memory for %zu codes", total);
    if (s == SOSO_OK) s = soso_model_encode_docs(lower, docs, a, total, threads);
    if (s == SOSO_OK) {
        /* Each row: its non-zero codes, scaled to unit length (compacted in place). */
        size_t nnz = 0;
        indptr[0] = 0;
        for (size_t r = 0; r < n; r++) {
            double ss = 0;
            for (size_t h = 0; h < u; h++) ss += (double)a[r * u + h] * a[r * u + h];
            double scale = ss > 0 ? 1.0 / sqrt(ss) : 0.0;
            for (size_t h = 0; h < u; h++)
                if (a[r * u + h] != 0.0f) {
                    idx[nnz] = (uint32_t)h;
                    a[nnz++] = (float)(a[r * u + h] * scale);
                    df[h]++;
                }
            indptr[r + 1] = nnz;
        }
        soso_vocab *v = NULL;
        soso_docs *d = NULL;
        s = unit_vocab(lower, df, n, &v);
        if (s == SOSO_OK) s = soso_docs_from_csr(n, u, indptr, idx, a, &d);
        if (s == SOSO_OK) {
            *vocab = v;
            *codes = d;
        } else {
            soso_vocab_free(v);
        }
    }
    free(a);
    free(indptr);
    free(idx);
    free(df);
    return s;
}

soso_status soso_model_stack(const soso_model *lower, const soso_model *upper, soso_model **out)
{
    if (!lower || !upper || !out) return soso__fail(SOSO_E_ARG, "lower, upper and out must not be NULL");
    if (soso__owes(lower) || soso__owes(upper))
        return soso__fail(SOSO_E_ARG, "a training call of the %s model failed and owes steps; train it again "
                          "(soso_model_train) first", soso__owes(upper) ? "upper" : "lower");
    if (upper->cols != lower->units)
        return soso__fail(SOSO_E_ARG, "the upper model reads %zu inputs but the lower model has %zu units", upper->cols,
                          lower->units);
    float p1 = soso__score_power(lower), p2 = soso__score_power(upper);
    if (p2 <= 1.0f)
        return soso__fail(SOSO_E_ARG, "an upper layer with p = %g cannot be composed (p must be above 1)", (double)p2);
    /* The upper layer's settings must hold over the lower layer's words (e.g. osc needs
     * no more units than words), or the composed model could not be loaded again. */
    size_t V = lower->cols;
    const char *why = upper->learner == SOSO_LEARNER_HEBBIAN ? soso_hebbian_params_check(&upper->hebbian, V)
                      : upper->learner == SOSO_LEARNER_OSC   ? soso_osc_params_check(&upper->osc, V)
                                                             : soso_soft_params_check(&upper->soft, V);
    if (why) return soso__fail(SOSO_E_ARG, "the upper layer's settings do not fit the lower model's %zu words: %s", V, why);
    int threads = upper->learner == SOSO_LEARNER_HEBBIAN ? upper->hebbian.threads
                  : upper->learner == SOSO_LEARNER_OSC   ? upper->osc.threads
                                                         : upper->soft.threads;
    soso_model *m;
    SOSO__CHECK(soso__model_alloc(upper->learner, lower->vocab, upper->units, &m));
    /* Learner, settings and training state are the upper layer's; the input is the lower's. */
    m->input = lower->input;
    m->hebbian = upper->hebbian;
    m->osc = upper->osc;
    m->soft = upper->soft;
    memcpy(m->inhibitor, upper->inhibitor, upper->units * sizeof *m->inhibitor);
    m->epochs_done = upper->epochs_done;
    m->epoch_pos = upper->epoch_pos;
    m->docs_seen = upper->docs_seen;
    m->train_rows = upper->train_rows;
    m->osc_reorth_every = upper->osc_reorth_every;
    m->osc_since_reorth = upper->osc_since_reorth;
    m->seg_first = upper->seg_first;
    m->seg_rows = upper->seg_rows;
    size_t u1 = lower->units, u2 = upper->units;
    float *A = soso__alloc_array(u2 * u1, sizeof *A), *B = soso__alloc_array(u1 * V, sizeof *B);
    if (!A || !B) {
        free(A);
        free(B);
        soso_model_free(m);
        return soso__fail(SOSO_E_NOMEM, "out of memory composing %zu x %zu by %zu x %zu", u2, u1, u1, V);
    }
    memcpy(A, upper->W, u2 * u1 * sizeof *A);
    memcpy(B, lower->W, u1 * V * sizeof *B);
    signed_power(A, u2 * u1, (double)p2 - 1.0);
    signed_power(B, u1 * V, (double)p1 - 1.0);
    soso__blas_begin();
    soso__gemm_cols(u2, V, u1, 1.0f, A, u1, 0, B, V, 0.0f, m->W, V, threads); /* M = f(W2) f(W1) */
    soso__blas_end();
    free(A);
    /* W = f^-1(M); B (no longer needed) keeps M row by row to check f(W) = M: with p just
     * above 1 the inverse power under- or overflows and the composition would be wrong. */
    soso_status s = SOSO_OK;
    for (size_t h = 0; h < u2 && s == SOSO_OK; h++) {
        float *row = m->W + h * V, *keep = B;
        double big = 0, err = 0;
        memcpy(keep, row, V * sizeof *keep);
        signed_power(row, V, 1.0 / ((double)p2 - 1.0));
        for (size_t j = 0; j < V; j++) big = fmax(big, fabs(keep[j]));
        for (size_t j = 0; j < V; j++) {
            double back = copysign(pow(fabs((double)row[j]), (double)p2 - 1.0), (double)row[j]);
            if (!isfinite(row[j])) err = INFINITY;
            else err = fmax(err, fabs(back - keep[j]));
        }
        if (!(err <= 1e-4 * big))
            s = soso__fail(SOSO_E_NUMERIC, "the composed weights cannot represent the two layers in float (p = %g is too "
                           "close to 1)", (double)p2);
    }
    free(B);
    if (s != SOSO_OK) {
        soso_model_free(m);
        return s;
    }
    *out = m;
    return SOSO_OK;
}
