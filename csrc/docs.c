/* docs.c - documents as a sparse CSR matrix, and the one pipeline (tokenize, look up,
 * weight, idf, L2) that turns a text into a row, shared by training and encoding. */
#include "soso_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void soso_input_options_default(soso_input_options *o)
{
    if (!o) return;
    o->weighting = SOSO_WEIGHT_BINARY;
    o->idf = 0;
    o->normalize = 1;
}

const char *soso__input_options_check(const soso_input_options *o)
{
    if (!o) return "input options are NULL";
    if (o->weighting != SOSO_WEIGHT_BINARY && o->weighting != SOSO_WEIGHT_COUNTS)
        return "weighting must be SOSO_WEIGHT_BINARY or SOSO_WEIGHT_COUNTS";
    if (o->idf != 0 && o->idf != 1) return "idf must be 0 or 1";
    if (o->normalize != 0 && o->normalize != 1) return "normalize must be 0 or 1";
    return NULL;
}

soso_status soso_docs_create(size_t cols, soso_docs **out)
{
    if (!out) return soso__fail(SOSO_E_ARG, "out is NULL");
    if (cols == 0 || cols > UINT32_MAX) return soso__fail(SOSO_E_ARG, "cols must be between 1 and 2^32-1, got %zu", cols);
    soso_docs *d = soso__calloc(1, sizeof *d);
    if (!d) return soso__fail(SOSO_E_NOMEM, "out of memory for a document matrix");
    d->cols = cols;
    d->cap_rows = 16;
    d->indptr = soso__calloc(d->cap_rows + 1, sizeof *d->indptr);
    if (!d->indptr) {
        free(d);
        return soso__fail(SOSO_E_NOMEM, "out of memory for a document matrix");
    }
    *out = d;
    return SOSO_OK;
}

void soso_docs_free(soso_docs *d)
{
    if (!d) return;
    free(d->indptr);
    free(d->indices);
    free(d->values);
    free(d);
}

size_t soso_docs_rows(const soso_docs *d) { return d ? d->rows : 0; }
size_t soso_docs_cols(const soso_docs *d) { return d ? d->cols : 0; }
size_t soso_docs_nnz(const soso_docs *d) { return d ? d->indptr[d->rows] : 0; }

size_t soso__docs_longest(const soso_docs *d)
{
    size_t most = 0;
    for (size_t r = 0; r < d->rows; r++) {
        size_t len = d->indptr[r + 1] - d->indptr[r];
        most = len > most ? len : most;
    }
    return most;
}

soso_status soso_docs_row(const soso_docs *d, size_t i, size_t *nnz, const uint32_t **indices, const float **values)
{
    if (!d || !nnz || !indices || !values) return soso__fail(SOSO_E_ARG, "arguments must not be NULL");
    if (i >= d->rows) return soso__fail(SOSO_E_ARG, "row %zu out of range (%zu rows)", i, d->rows);
    *nnz = d->indptr[i + 1] - d->indptr[i];
    *indices = d->indices + d->indptr[i];
    *values = d->values + d->indptr[i];
    return SOSO_OK;
}

soso_status soso__docs_reserve(soso_docs *d, size_t rows, size_t nnz)
{
    size_t cap_rows = d->cap_rows + 1, need_rows, need_nnz; /* indptr holds cap_rows + 1 entries */
    if (!soso__add_size(d->rows, rows, &need_rows) || !soso__add_size(d->indptr[d->rows], nnz, &need_nnz) ||
        need_rows == SIZE_MAX)
        return soso__fail(SOSO_E_LIMIT, "too many entries");
    SOSO__CHECK(soso__reserve((void **)&d->indptr, &cap_rows, need_rows + 1, sizeof *d->indptr));
    d->cap_rows = cap_rows - 1;
    size_t cap = d->cap_nnz;
    SOSO__CHECK(soso__reserve((void **)&d->indices, &cap, need_nnz, sizeof *d->indices));
    cap = d->cap_nnz;
    SOSO__CHECK(soso__reserve((void **)&d->values, &cap, need_nnz, sizeof *d->values));
    d->cap_nnz = cap;
    return SOSO_OK;
}

/* Appends a row whose indices are already sorted, distinct and in range. */
static soso_status push_row(soso_docs *d, size_t nnz, const uint32_t *idx, const float *val)
{
    SOSO__CHECK(soso__docs_reserve(d, 1, nnz));
    size_t base = d->indptr[d->rows];
    if (nnz) {
        memcpy(d->indices + base, idx, nnz * sizeof *idx);
        memcpy(d->values + base, val, nnz * sizeof *val);
    }
    d->indptr[d->rows + 1] = base + nnz;
    d->rows++;
    return SOSO_OK;
}

soso_status soso__docs_push_sorted(soso_docs *d, size_t nnz, const uint32_t *idx, const float *val)
{
    for (size_t i = 0; i < nnz; i++)
        if (!isfinite(val[i])) return soso__fail(SOSO_E_NUMERIC, "value %zu of the row is not finite", i);
    return push_row(d, nnz, idx, val);
}

/* Sorts idx (and val alongside) ascending: insertion sort, rows are short. */
static void sort_pairs(uint32_t *idx, float *val, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint32_t k = idx[i];
        float v = val[i];
        size_t j = i;
        while (j > 0 && idx[j - 1] > k) {
            idx[j] = idx[j - 1];
            val[j] = val[j - 1];
            j--;
        }
        idx[j] = k;
        val[j] = v;
    }
}

soso_status soso_docs_append_row(soso_docs *d, size_t nnz, const uint32_t *indices, const float *values)
{
    if (!d || (nnz && (!indices || !values))) return soso__fail(SOSO_E_ARG, "arguments must not be NULL");
    uint32_t *idx = soso__alloc_array(nnz, sizeof *idx);
    float *val = soso__alloc_array(nnz, sizeof *val);
    soso_status s = SOSO_OK;
    if (!idx || !val) s = soso__fail(SOSO_E_NOMEM, "out of memory for a row of %zu entries", nnz);
    for (size_t i = 0; i < nnz && s == SOSO_OK; i++) {
        if (indices[i] >= d->cols) s = soso__fail(SOSO_E_ARG, "column %u out of range (%zu columns)", indices[i], d->cols);
        else if (!isfinite(values[i])) s = soso__fail(SOSO_E_NUMERIC, "value %zu of the row is not finite", i);
    }
    if (s == SOSO_OK && nnz) {
        memcpy(idx, indices, nnz * sizeof *idx);
        memcpy(val, values, nnz * sizeof *val);
        sort_pairs(idx, val, nnz);
        for (size_t i = 1; i < nnz && s == SOSO_OK; i++)
            if (idx[i] == idx[i - 1]) s = soso__fail(SOSO_E_ARG, "column %u appears twice in a row", idx[i]);
    }
    if (s == SOSO_OK) s = push_row(d, nnz, idx, val);
    free(idx);
    free(val);
    return s;
}

soso_status soso_docs_from_csr(size_t rows, size_t cols, const size_t *indptr, const uint32_t *indices,
                               const float *values, soso_docs **out)
{
    if (!indptr || !out) return soso__fail(SOSO_E_ARG, "indptr and out must not be NULL");
    if (indptr[0] != 0) return soso__fail(SOSO_E_ARG, "indptr[0] must be 0");
    for (size_t r = 0; r < rows; r++)
        if (indptr[r + 1] < indptr[r]) return soso__fail(SOSO_E_ARG, "indptr must not decrease (row %zu)", r);
    if (indptr[rows] && (!indices || !values)) return soso__fail(SOSO_E_ARG, "indices and values must not be NULL");
    soso_docs *d;
    SOSO__CHECK(soso_docs_create(cols, &d));
    soso_status room = soso__docs_reserve(d, rows, indptr[rows]); /* at once: no growth by doubling */
    if (room != SOSO_OK) {
        soso_docs_free(d);
        return room;
    }
    for (size_t r = 0; r < rows; r++) {
        soso_status s = soso_docs_append_row(d, indptr[r + 1] - indptr[r], indices + indptr[r], values + indptr[r]);
        if (s != SOSO_OK) {
            soso_docs_free(d);
            return s;
        }
    }
    *out = d;
    return SOSO_OK;
}

soso_status soso_docs_normalize(soso_docs *d)
{
    if (!d) return soso__fail(SOSO_E_ARG, "docs is NULL");
    for (size_t r = 0; r < d->rows; r++) {
        double ss = 0;
        for (size_t e = d->indptr[r]; e < d->indptr[r + 1]; e++) ss += (double)d->values[e] * d->values[e];
        if (ss > 0) soso__scale_unit(d->values + d->indptr[r], d->indptr[r + 1] - d->indptr[r], ss);
    }
    return SOSO_OK;
}

/* ---- text -> sparse vector ---------------------------------------------------------- */

typedef struct {
    soso__text_vec *tv;
    const soso_vocab *vocab;
    soso_status error;
} lookup_ctx;

static int lookup_word(const char *w, size_t len, void *user)
{
    lookup_ctx *c = user;
    int64_t id = soso__strmap_find(&c->vocab->words, w, len);
    if (id < 0) {
        c->tv->unknown++;
        return 0;
    }
    c->tv->known++;
    soso__text_vec *tv = c->tv;
    size_t cap = tv->cap;
    c->error = soso__reserve((void **)&tv->idx, &cap, tv->nnz + 1, sizeof *tv->idx);
    if (c->error == SOSO_OK) {
        cap = tv->cap;
        c->error = soso__reserve((void **)&tv->val, &cap, tv->nnz + 1, sizeof *tv->val);
    }
    if (c->error != SOSO_OK) return 1;
    tv->cap = cap;
    tv->idx[tv->nnz] = (uint32_t)id;
    tv->val[tv->nnz] = 1.0f;
    tv->nnz++;
    return 0;
}

soso_status soso__text_vec_build(soso__text_vec *tv, const soso_vocab *vocab, const soso_input_options *input,
                                 const char *text, size_t len)
{
    tv->nnz = tv->known = tv->unknown = 0;
    lookup_ctx c = {tv, vocab, SOSO_OK};
    SOSO__CHECK(soso_tokenize(text, len, &vocab->options, lookup_word, &c, NULL));
    if (c.error != SOSO_OK) return c.error;
    sort_pairs(tv->idx, tv->val, tv->nnz);
    size_t n = 0; /* merge repeats: counts, or 1 for binary */
    for (size_t i = 0; i < tv->nnz; i++) {
        if (n > 0 && tv->idx[n - 1] == tv->idx[i]) {
            if (input->weighting == SOSO_WEIGHT_COUNTS) tv->val[n - 1] += 1.0f;
            continue;
        }
        tv->idx[n] = tv->idx[i];
        tv->val[n] = 1.0f;
        n++;
    }
    tv->nnz = n;
    if (input->idf) {
        for (size_t i = 0; i < n; i++) {
            double df = (double)vocab->df[tv->idx[i]];
            tv->val[i] *= (float)(log((1.0 + (double)vocab->n_docs) / (1.0 + df)) + 1.0);
        }
    }
    if (input->normalize && n > 0) {
        double ss = 0;
        for (size_t i = 0; i < n; i++) ss += (double)tv->val[i] * tv->val[i];
        float inv = (float)(1.0 / sqrt(ss));
        for (size_t i = 0; i < n; i++) tv->val[i] *= inv;
    }
    return SOSO_OK;
}

void soso__text_vec_free(soso__text_vec *tv)
{
    free(tv->idx);
    free(tv->val);
    memset(tv, 0, sizeof *tv);
}

soso_status soso_docs_append_text(soso_docs *d, const soso_vocab *vocab, const soso_input_options *input,
                                  const char *text, size_t len, size_t *unknown)
{
    if (!d || !vocab) return soso__fail(SOSO_E_ARG, "docs and vocab must not be NULL");
    const char *why = soso__input_options_check(input);
    if (why) return soso__fail(SOSO_E_ARG, "%s", why);
    if (d->cols != vocab->words.count)
        return soso__fail(SOSO_E_ARG, "the matrix has %zu columns but the vocabulary %zu words", d->cols,
                          vocab->words.count);
    soso__text_vec tv = {0};
    soso_status s = soso__text_vec_build(&tv, vocab, input, text, len);
    if (s == SOSO_OK) s = push_row(d, tv.nnz, tv.idx, tv.val);
    if (s == SOSO_OK && unknown) *unknown = tv.unknown;
    soso__text_vec_free(&tv);
    return s;
}

soso_status soso_docs_from_corpus(const soso_corpus *corpus, const soso_vocab *vocab, const soso_input_options *input,
                                  soso_docs **out)
{
    if (!corpus || !vocab || !out) return soso__fail(SOSO_E_ARG, "corpus, vocab and out must not be NULL");
    const char *why = soso__input_options_check(input);
    if (why) return soso__fail(SOSO_E_ARG, "%s", why);
    soso_docs *d;
    SOSO__CHECK(soso_docs_create(vocab->words.count, &d));
    soso__text_vec tv = {0};
    soso_status s = SOSO_OK;
    for (size_t i = 0; i < soso_corpus_size(corpus) && s == SOSO_OK; i++) {
        size_t len;
        const char *t = soso_corpus_text(corpus, i, &len);
        s = soso__text_vec_build(&tv, vocab, input, t, len);
        if (s == SOSO_OK) s = push_row(d, tv.nnz, tv.idx, tv.val);
    }
    soso__text_vec_free(&tv);
    if (s != SOSO_OK) {
        soso_docs_free(d);
        return s;
    }
    *out = d;
    return SOSO_OK;
}

soso_status soso__docs_transpose(const soso_docs *d, soso_docs **out)
{
    /* Counting sort by column: rows of the result come out in increasing order. */
    size_t nnz = d->indptr[d->rows];
    if (d->rows > UINT32_MAX) return soso__fail(SOSO_E_LIMIT, "too many rows to transpose");
    soso_docs *t = soso__calloc(1, sizeof *t);
    if (!t) return soso__fail(SOSO_E_NOMEM, "out of memory transposing documents");
    t->rows = d->cols;
    t->cols = d->rows ? d->rows : 1;
    t->cap_rows = d->cols;
    t->cap_nnz = nnz;
    t->indptr = soso__calloc_array(d->cols + 1, sizeof *t->indptr);
    t->indices = soso__alloc_array(nnz, sizeof *t->indices);
    t->values = soso__alloc_array(nnz, sizeof *t->values);
    size_t *next = soso__alloc_array(d->cols, sizeof *next);
    if (!t->indptr || !t->indices || !t->values || !next) {
        free(next);
        soso_docs_free(t);
        return soso__fail(SOSO_E_NOMEM, "out of memory transposing documents");
    }
    for (size_t e = 0; e < nnz; e++) t->indptr[d->indices[e] + 1]++;
    for (size_t j = 0; j < d->cols; j++) t->indptr[j + 1] += t->indptr[j];
    memcpy(next, t->indptr, d->cols * sizeof *next);
    for (size_t r = 0; r < d->rows; r++)
        for (size_t e = d->indptr[r]; e < d->indptr[r + 1]; e++) {
            size_t at = next[d->indices[e]]++;
            t->indices[at] = (uint32_t)r;
            t->values[at] = d->values[e];
        }
    free(next);
    *out = t;
    return SOSO_OK;
}
