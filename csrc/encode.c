/* encode.c - from documents to concept codes: scores against every unit, top-k masking,
 * thresholds, the argmax cluster id, and each unit's topic words. */
#include "soso_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

soso_status soso_model_encode_docs(const soso_model *m, const soso_docs *docs, float *codes, size_t n_codes,
                                   int threads)
{
    if (!m || !docs || !codes) return soso__fail(SOSO_E_ARG, "model, docs and codes must not be NULL");
    if (docs->cols != m->cols)
        return soso__fail(SOSO_E_ARG, "the documents have %zu columns but the model's vocabulary has %zu words",
                          docs->cols, m->cols);
    size_t need;
    if (!soso__mul_size(docs->rows, m->units, &need) || n_codes < need)
        return soso__fail(SOSO_E_ARG, "codes holds %zu floats, %zu x %zu are needed", n_codes, docs->rows, m->units);
    soso__scorer sc;
    soso__scorer_init(&sc, m, docs);
    int team = soso__team_size(threads, (double)docs->indptr[docs->rows] * (double)m->units);
    long next = 0, rows = (long)docs->rows; /* documents in chunks of 256, to the first thread free */
#pragma omp parallel num_threads(team) if (team > 1)
    for (long r0; (r0 = soso__next_chunk(&next, 256)) < rows;)
        for (long r = r0; r < r0 + 256 && r < rows; r++) soso__scorer_row(&sc, docs, (size_t)r, codes + (size_t)r * m->units);
    return soso__scorer_end(&sc); /* codes beyond a float's range: not a result */
}

soso_status soso_model_encode_text_ex(const soso_model *m, const char *text, size_t len, float *codes, size_t n_codes,
                                      size_t *known, size_t *unknown)
{
    if (!m || !codes) return soso__fail(SOSO_E_ARG, "model and codes must not be NULL");
    if (n_codes < m->units) return soso__fail(SOSO_E_ARG, "codes holds %zu floats, %zu are needed", n_codes, m->units);
    soso__text_vec tv = {0};
    soso_status s = soso__text_vec_build(&tv, m->vocab, &m->input, text, len);
    if (s == SOSO_OK) {
        soso__unit_scores(m->W, m->units, m->cols, soso__score_power(m), tv.nnz, tv.idx, tv.val, codes);
        if (known) *known = tv.known;
        if (unknown) *unknown = tv.unknown;
    }
    soso__text_vec_free(&tv);
    return s;
}

soso_status soso_model_encode_text(const soso_model *m, const char *text, size_t len, float *codes, size_t n_codes)
{
    return soso_model_encode_text_ex(m, text, len, codes, n_codes, NULL, NULL);
}

soso_status soso_topk_mask(float *a, size_t n, size_t k, int by_magnitude)
{
    if (!a && n) return soso__fail(SOSO_E_ARG, "a is NULL");
    return soso__topk_fill(a, n, k, by_magnitude ? 1 : 0, 0.0f);
}

soso_status soso_threshold(float *a, size_t n, float threshold, size_t *kept)
{
    if (!a && n) return soso__fail(SOSO_E_ARG, "a is NULL");
    if (isnan(threshold)) return soso__fail(SOSO_E_NUMERIC, "threshold is NaN");
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (a[i] > threshold) k++;
        else a[i] = 0.0f;
    }
    if (kept) *kept = k;
    return SOSO_OK;
}

int soso_argmax(const float *a, size_t n)
{
    if (!a || n == 0) return -1;
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (a[i] > a[best] || (isnan(a[best]) && !isnan(a[i]))) best = i;
    return (int)best;
}

soso_status soso_model_topic_words(const soso_model *m, size_t unit, int sign, size_t n, uint32_t *word_ids,
                                   float *weights, size_t *found)
{
    if (!m || !found || (n && !word_ids)) return soso__fail(SOSO_E_ARG, "model, word_ids and found must not be NULL");
    if (unit >= m->units) return soso__fail(SOSO_E_ARG, "unit %zu out of range (%zu units)", unit, m->units);
    if (sign == 0) return soso__fail(SOSO_E_ARG, "sign must be positive or negative");
    int mode = sign > 0 ? 0 : -1;
    const float *row = m->W + unit * m->cols;
    size_t k = n < m->cols ? n : m->cols;
    size_t got = soso__top_indices(row, m->cols, k, mode, word_ids);
    size_t keep = 0; /* only weights of the asked sign */
    while (keep < got && (sign > 0 ? row[word_ids[keep]] > 0.0f : row[word_ids[keep]] < 0.0f)) keep++;
    if (weights)
        for (size_t i = 0; i < keep; i++) weights[i] = row[word_ids[i]];
    *found = keep;
    return SOSO_OK;
}
