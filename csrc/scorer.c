/* scorer.c - scores of documents against a model's units, a_h = sum_j f_p(W_hj) x_j with
 * f_p(w) = sign(w)|w|^(p-1) accumulated in double: from W row by row, or from W
 * transposed, where each word's weights for every unit sit together (one read of a few
 * cache lines a word instead of one scattered read a word and unit). Both give the same
 * bits; many documents pay for the transposed copy. */
#include "soso_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A score's bits must not depend on the build: no fused multiply-adds in these sums (p = 3
 * rounds w |w| x before adding). GCC under -std=c99, as the Makefile builds, does not
 * fuse; clang fuses within an expression where the target has FMA (-march=native). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

void soso__unit_scores(const float *W, size_t H, size_t V, float p, size_t nnz, const uint32_t *idx,
                       const float *val, float *out)
{
    for (size_t h = 0; h < H; h++) {
        const float *w = W + h * V;
        double acc = 0;
        if (p == 2.0f) {
            for (size_t e = 0; e < nnz; e++) acc += (double)w[idx[e]] * val[e];
        } else if (p == 3.0f) {
            for (size_t e = 0; e < nnz; e++) acc += (double)w[idx[e]] * fabsf(w[idx[e]]) * val[e];
        } else {
            for (size_t e = 0; e < nnz; e++) {
                float x = w[idx[e]];
                float m = powf(fabsf(x), p - 1.0f);
                acc += (double)(x < 0 ? -m : m) * val[e];
            }
        }
        out[h] = (float)acc;
    }
}

/* soso__unit_scores from W^ transposed (V x H): the same sums in the same order (word
 * by word for each unit), so the same bits, but a word's weights are read together.
 * scale (or NULL) multiplies each score, rounded to float, in double: a lazily scaled
 * W's row scales, applied while the scores are at hand. */
void soso__scores_transposed(const float *WT, size_t H, float p, size_t nnz, const uint32_t *idx, const float *val,
                             const double *scale, float *out)
{
    if ((p == 2.0f || p == 3.0f) && soso__avx512_enabled()) {
        soso__scores_transposed_avx512(WT, H, p, nnz, idx, val, scale, out);
        return;
    }
    enum { CHUNK = 64 };
    double acc[CHUNK];
    for (size_t h0 = 0; h0 < H; h0 += CHUNK) {
        size_t n = H - h0 < CHUNK ? H - h0 : CHUNK;
        for (size_t h = 0; h < n; h++) acc[h] = 0;
        for (size_t e = 0; e < nnz; e++) {
            const float *col = WT + (size_t)idx[e] * H + h0;
            double v = val[e];
            if (p == 2.0f) {
                for (size_t h = 0; h < n; h++) acc[h] += (double)col[h] * v;
            } else if (p == 3.0f) {
                for (size_t h = 0; h < n; h++) acc[h] += (double)col[h] * fabsf(col[h]) * v;
            } else {
                for (size_t h = 0; h < n; h++) {
                    float x = col[h], m = powf(fabsf(x), p - 1.0f);
                    acc[h] += (double)(x < 0 ? -m : m) * v;
                }
            }
        }
        if (scale)
            for (size_t h = 0; h < n; h++) out[h0 + h] = (float)((double)(float)acc[h] * scale[h0 + h]);
        else
            for (size_t h = 0; h < n; h++) out[h0 + h] = (float)acc[h];
    }
}

float soso__score_power(const soso_model *m)
{
    return m->learner == SOSO_LEARNER_HEBBIAN ? m->hebbian.p : 2.0f;
}

void soso__scorer_init(soso__scorer *s, const soso_model *m, const soso_docs *docs)
{
    s->W = m->W;
    s->WT = NULL;
    s->H = m->units;
    s->V = m->cols;
    s->p = soso__score_power(m);
    s->overflow_row = SIZE_MAX;
    /* The copy costs H V writes; the documents' H nnz reads must be worth more. Beyond
     * 512 MiB the copy would double a large model's memory: score from W then. */
    if (!docs || docs->indptr[docs->rows] < s->V || s->H < 2 || s->H > ((size_t)1 << 27) / s->V) return;
    s->WT = soso__alloc_array(s->H * s->V, sizeof *s->WT); /* none: score from W */
    if (!s->WT) return;
    for (size_t h = 0; h < s->H; h++)
        for (size_t j = 0; j < s->V; j++) s->WT[j * s->H + h] = s->W[h * s->V + j];
}

void soso__scorer_row(soso__scorer *s, const soso_docs *docs, size_t r, float *out)
{
    size_t q0 = docs->indptr[r], nnz = docs->indptr[r + 1] - q0;
    if (s->WT)
        soso__scores_transposed(s->WT, s->H, s->p, nnz, docs->indices + q0, docs->values + q0, NULL, out);
    else
        soso__unit_scores(s->W, s->H, s->V, s->p, nnz, docs->indices + q0, docs->values + q0, out);
    /* inf or NaN: an exponent of all ones; tested on the bits, without a branch a unit,
     * so that the loop vectorises (encoding's throughput is a benchmark). */
    uint32_t bad = 0;
    for (size_t h = 0; h < s->H; h++) {
        uint32_t b;
        memcpy(&b, &out[h], sizeof b);
        bad |= (b & 0x7F800000u) == 0x7F800000u;
    }
    if (bad) { /* rare: a lock is cheap here, and the lowest row is kept for any thread count */
#pragma omp critical(soso_scorer_overflow)
        if (r < s->overflow_row) s->overflow_row = r;
    }
}

soso_status soso__scorer_end(soso__scorer *s)
{
    free(s->WT);
    s->WT = NULL;
    if (s->overflow_row == SIZE_MAX) return SOSO_OK;
    return soso__fail(SOSO_E_NUMERIC, "document %zu scores beyond a float's range: its values are too large for this "
                      "model's weights (scale the document down)", s->overflow_row);
}
