/* expand.c - co-occurrence expansion of short documents for training.
 *
 * Why: a gloss has ~5 words, so two glosses on the same topic rarely share one and a
 * learner sees them as unrelated. Adding to each document its words' strongest
 * co-occurring words (positive PMI, measured on the documents themselves) lets documents
 * on a topic overlap. The codebook stays over the same words, so encoding is unchanged.
 *
 * x'_j = x_j + gain * sum_w x_w P[w,j], then scaled back to x's L2 norm. P[w,.] holds
 * word w's `neighbors` best words j by s = PMI ln(1 + c_wj) among those of positive
 * PMI = ln(c_wj N^0.75 / (df_w df_j^0.75)), weights s / (their sum); counts are over the
 * rows' non-zero patterns. With hops 2 the table ranks by two steps, P^2 + P / 100: on a
 * small corpus direct counts are too few to rank neighbours by. Cost: sum over rows of
 * nnz^2 for the table (plus V neighbors^2 for two hops), nnz * neighbors a row for the
 * expansion. Each word's table row and
 * each document's expanded row is computed alone, in a fixed order, so the result does
 * not depend on the number of threads. */
#include "soso_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct neighbor_table {
    size_t per;      /* neighbors kept a word (at most)  */
    uint32_t *count; /* V: neighbors word w has         */
    uint32_t *index; /* V * per                          */
    float *weight;   /* V * per, each row sums to 1     */
} neighbor_table;

/* Higher score first; ties to the lower word so the choice is unique. */
static int better(float sa, uint32_t a, float sb, uint32_t b) { return sa > sb || (sa == sb && a < b); }

static void swap_pair(uint32_t *idx, float *score, size_t a, size_t b)
{
    uint32_t ti = idx[a]; idx[a] = idx[b]; idx[b] = ti;
    float ts = score[a]; score[a] = score[b]; score[b] = ts;
}

/* Keeps the `per` best of n candidates at the front, sorted by word for locality.
 * Quickselect (Lomuto partition, middle pivot): linear on average where a selection sort
 * cost n x per, and a frequent word has thousands of candidates. `better` is a strict
 * total order, so the kept set is unique whatever the pivots. */
static size_t keep_best(uint32_t *idx, float *score, size_t n, size_t per)
{
    size_t k = n < per ? n : per;
    size_t lo = 0, hi = n; /* the k-th best lies in [lo, hi) */
    while (k < n && hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2, store = lo;
        swap_pair(idx, score, mid, hi - 1);
        for (size_t i = lo; i + 1 < hi; i++)
            if (better(score[i], idx[i], score[hi - 1], idx[hi - 1])) swap_pair(idx, score, i, store++);
        swap_pair(idx, score, store, hi - 1); /* the pivot is the (store+1)-th best */
        if (store == k || store + 1 == k) break;
        if (store > k) hi = store;
        else lo = store + 1;
    }
    for (size_t i = 1; i < k; i++) /* insertion sort by word */
        for (size_t j = i; j > 0 && idx[j - 1] > idx[j]; j--) swap_pair(idx, score, j, j - 1);
    return k;
}

/* Word w's table row: the `per` best of n candidates, weights score / (their sum). */
static void set_row(neighbor_table *t, size_t w, uint32_t *idx, float *score, size_t n)
{
    size_t k = keep_best(idx, score, n, t->per);
    double sum = 0;
    for (size_t i = 0; i < k; i++) sum += score[i];
    t->count[w] = (uint32_t)k;
    for (size_t i = 0; i < k; i++) {
        t->index[w * t->per + i] = idx[i];
        t->weight[w * t->per + i] = (float)(score[i] / sum);
    }
}

/* Fills word w's table row from the documents containing it (rows of XT). */
static void table_row(const soso_docs *X, const soso_docs *XT, const uint32_t *df, uint32_t w, neighbor_table *t,
                      uint32_t *counts, uint32_t *touched, float *score)
{
    size_t n_touched = 0;
    for (size_t q = XT->indptr[w]; q < XT->indptr[w + 1]; q++) {
        size_t d = XT->indices[q];
        for (size_t r = X->indptr[d]; r < X->indptr[d + 1]; r++) {
            uint32_t j = X->indices[r];
            if (j == w || X->values[r] == 0.0f) continue;
            if (counts[j]++ == 0) touched[n_touched++] = j;
        }
    }
    /* PMI with the context counts smoothed (df_j^0.75, Levy et al. 2015) so that rare words
     * do not top every list, times ln(1 + c_wj) so that a pair seen once counts for little:
     * without both, a unit's top words filled with rare words (bench/quality/STUDY.md 7). */
    double n75 = pow((double)X->rows, 0.75);
    size_t kept = 0;
    for (size_t i = 0; i < n_touched; i++) {
        uint32_t j = touched[i];
        double c = counts[j];
        double pmi = log(c * n75 / ((double)df[w] * pow((double)df[j], 0.75)));
        counts[j] = 0;
        if (pmi > 0) {
            touched[kept] = j;
            score[kept++] = (float)(pmi * log1p(c));
        }
    }
    set_row(t, w, touched, score, kept);
}

static soso_status build_table(const soso_docs *X, size_t per, int threads, neighbor_table *t)
{
    size_t V = X->cols;
    soso_docs *XT = NULL;
    SOSO__CHECK(soso__docs_transpose(X, &XT));
    uint32_t *df = soso__alloc_array(V, sizeof *df);
    t->per = per;
    t->count = soso__calloc_array(V, sizeof *t->count);
    t->index = soso__alloc_array(V * per, sizeof *t->index);
    t->weight = soso__alloc_array(V * per, sizeof *t->weight);
    soso_status st = SOSO_OK;
    if (!df || !t->count || !t->index || !t->weight) {
        st = soso__fail(SOSO_E_NOMEM, "out of memory for a %zu x %zu neighbor table", V, per);
        goto done;
    }
    for (size_t w = 0; w < V; w++) {
        uint32_t c = 0;
        for (size_t q = XT->indptr[w]; q < XT->indptr[w + 1]; q++) c += XT->values[q] != 0.0f;
        df[w] = c;
    }
    int team = soso__team_size(threads, (double)X->indptr[X->rows] * 8.0);
    int failed = 0;
#pragma omp parallel num_threads(team) if (team > 1) reduction(| : failed)
    {
        uint32_t *counts = soso__calloc_array(V, sizeof *counts);
        uint32_t *touched = soso__alloc_array(V, sizeof *touched);
        float *score = soso__alloc_array(V, sizeof *score);
        if (!counts || !touched || !score) failed = 1;
#pragma omp for schedule(static)
        for (size_t w = 0; w < V; w++)
            if (!failed && df[w] > 0) table_row(X, XT, df, (uint32_t)w, t, counts, touched, score);
        free(counts);
        free(touched);
        free(score);
    }
    if (failed) st = soso__fail(SOSO_E_NOMEM, "out of memory for the neighbor table's scratch");
done:
    free(df);
    soso_docs_free(XT);
    return st;
}

/* hops 2: replaces the table by each word's `per` best words by P^2[w,j] + P[w,j] / 100
 * (j != w), weights normalised. Each row is computed alone: thread-invariant. */
static soso_status two_hops(neighbor_table *t, size_t V, int threads)
{
    size_t per = t->per;
    neighbor_table u = {per, soso__calloc_array(V, sizeof *u.count), soso__alloc_array(V * per, sizeof *u.index),
                        soso__alloc_array(V * per, sizeof *u.weight)};
    if (!u.count || !u.index || !u.weight) {
        free(u.count);
        free(u.index);
        free(u.weight);
        return soso__fail(SOSO_E_NOMEM, "out of memory for the two-hop neighbor table");
    }
    int failed = 0;
    int team = soso__team_size(threads, (double)V * (double)per * (double)per);
#pragma omp parallel num_threads(team) if (team > 1) reduction(| : failed)
    {
        float *acc = soso__calloc_array(V, sizeof *acc);
        uint32_t *touched = soso__alloc_array(V, sizeof *touched);
        float *score = soso__alloc_array(V, sizeof *score);
        uint8_t *seen = soso__calloc_array(V, 1);
        if (!acc || !touched || !score || !seen) failed = 1;
#pragma omp for schedule(static)
        for (size_t w = 0; w < V; w++) {
            if (failed) continue;
            size_t n = 0;
            const uint32_t *ni = t->index + w * per;
            const float *nw = t->weight + w * per;
            for (uint32_t a = 0; a < t->count[w]; a++) {
                uint32_t j = ni[a];
                acc[j] += 0.01f * nw[a];
                if (!seen[j]) { seen[j] = 1; touched[n++] = j; }
                const uint32_t *nj = t->index + (size_t)j * per;
                const float *wj = t->weight + (size_t)j * per;
                for (uint32_t b = 0; b < t->count[j]; b++) {
                    uint32_t l = nj[b];
                    if (l == w) continue;
                    acc[l] += nw[a] * wj[b];
                    if (!seen[l]) { seen[l] = 1; touched[n++] = l; }
                }
            }
            for (size_t i = 0; i < n; i++) {
                score[i] = acc[touched[i]];
                acc[touched[i]] = 0.0f;
                seen[touched[i]] = 0;
            }
            set_row(&u, w, touched, score, n);
        }
        free(acc);
        free(touched);
        free(score);
        free(seen);
    }
    neighbor_table old = failed ? u : *t;
    if (!failed) *t = u;
    free(old.count);
    free(old.index);
    free(old.weight);
    return failed ? soso__fail(SOSO_E_NOMEM, "out of memory for the two-hop neighbor table") : SOSO_OK;
}

/* Sorts a row's distinct words ascending: least significant byte first, one counting
 * pass a byte of V - 1 (two for up to 65,536 words), through tmp (n entries). qsort took
 * about half of the expansion's time (its comparison calls on rows of ~500 words). */
static void sort_words(uint32_t *a, size_t n, uint32_t *tmp, size_t V)
{
    uint32_t *from = a, *to = tmp;
    for (unsigned shift = 0; shift < 32 && ((V - 1) >> shift) != 0; shift += 8) {
        size_t count[257] = {0};
        for (size_t k = 0; k < n; k++) count[((from[k] >> shift) & 0xFF) + 1]++;
        for (int b = 0; b < 256; b++) count[b + 1] += count[b];
        for (size_t k = 0; k < n; k++) to[count[(from[k] >> shift) & 0xFF]++] = from[k];
        uint32_t *swap = from;
        from = to;
        to = swap;
    }
    if (from != a) memcpy(a, from, n * sizeof *a);
}

/* Expands row i into dense scratch acc (zero on entry and on return); writes the sorted
 * result to idx/val and returns its nnz. tmp: as many entries as idx, for the sort. */
static size_t expand_row(const soso_docs *X, const neighbor_table *t, float gain, size_t i, float *acc,
                         uint8_t *seen, uint32_t *idx, float *val, uint32_t *tmp)
{
    size_t n = 0;
    double norm0 = 0;
    /* Values far from 1 are summed times a power of two (the result is scaled back to
     * x's norm below): values of 1e33 overflowed the float sums and were refused as "not
     * finite". e = 0, the same bits, within 2^-60..2^60. */
    int e = soso__unit_exponent(X->values + X->indptr[i], X->indptr[i + 1] - X->indptr[i], 60);
    for (size_t r = X->indptr[i]; r < X->indptr[i + 1]; r++) {
        uint32_t w = X->indices[r];
        acc[w] += e ? ldexpf(X->values[r], -e) : X->values[r];
        norm0 += (double)X->values[r] * X->values[r];
        if (!seen[w]) { seen[w] = 1; idx[n++] = w; }
    }
    for (size_t r = X->indptr[i]; gain > 0.0f && r < X->indptr[i + 1]; r++) {
        uint32_t w = X->indices[r];
        float xw = gain * (e ? ldexpf(X->values[r], -e) : X->values[r]);
        const uint32_t *ni = t->index + (size_t)w * t->per;
        const float *nw = t->weight + (size_t)w * t->per;
        for (uint32_t k = 0; k < t->count[w]; k++) {
            uint32_t j = ni[k];
            acc[j] += xw * nw[k];
            if (!seen[j]) { seen[j] = 1; idx[n++] = j; }
        }
    }
    sort_words(idx, n, tmp, X->cols);
    double norm1 = 0;
    for (size_t a = 0; a < n; a++) norm1 += (double)acc[idx[a]] * acc[idx[a]];
    float scale = norm1 > 0 ? (float)sqrt(norm0 / norm1) : 0.0f;
    for (size_t a = 0; a < n; a++) {
        val[a] = acc[idx[a]] * scale;
        acc[idx[a]] = 0.0f;
        seen[idx[a]] = 0;
    }
    return n;
}

/* One thread's share of the expanded rows, as its own CSR piece. */
typedef struct piece {
    size_t *rowlen;
    uint32_t *indices;
    float *values;
    size_t nnz, cap;
} piece;

static int piece_push(piece *p, size_t n, const uint32_t *idx, const float *val)
{
    size_t cap = p->cap;
    if (soso__reserve((void **)&p->indices, &cap, p->nnz + n, sizeof *p->indices) != SOSO_OK) return 0;
    cap = p->cap;
    if (soso__reserve((void **)&p->values, &cap, p->nnz + n, sizeof *p->values) != SOSO_OK) return 0;
    p->cap = cap;
    memcpy(p->indices + p->nnz, idx, n * sizeof *idx);
    memcpy(p->values + p->nnz, val, n * sizeof *val);
    p->nnz += n;
    return 1;
}

const char *soso__expansion_check(size_t neighbors, float gain, unsigned hops)
{
    if (neighbors > 1000) return "neighbors must be between 1 and 1000";
    if (!(gain >= 0.0f && gain <= 1e6f)) return "gain must be between 0 and 1e6";
    if (neighbors > 0 && hops != 1 && hops != 2) return "hops must be 1 or 2";
    return NULL;
}

soso_status soso_docs_expand(const soso_docs *docs, size_t neighbors, float gain, unsigned hops, int threads,
                             soso_docs **out)
{
    if (!docs || !out) return soso__fail(SOSO_E_ARG, "docs and out must not be NULL");
    const char *why =
        neighbors == 0 ? "neighbors must be between 1 and 1000" : soso__expansion_check(neighbors, gain, hops);
    if (why) return soso__fail(SOSO_E_ARG, "%s, got %zu, %g and %u", why, neighbors, (double)gain, hops);
    if (threads < 1) threads = 1; /* the header's convention: threads <= 1 runs serially */
    const soso_docs *X = docs;
    size_t V = X->cols, R = X->rows, max_nnz = 0;
    for (size_t i = 0; i < R; i++) {
        size_t n = X->indptr[i + 1] - X->indptr[i];
        if (n > max_nnz) max_nnz = n;
    }
    size_t row_cap; /* the most words one expanded row can have */
    if (!soso__mul_size(max_nnz, neighbors + 1, &row_cap)) return soso__fail(SOSO_E_LIMIT, "documents too long");
    if (row_cap > V) row_cap = V;
    neighbor_table t = {0};
    soso_status st = build_table(X, neighbors, threads, &t);
    if (st == SOSO_OK && hops == 2) st = two_hops(&t, V, threads);
    int team = soso__team_size(threads, (double)X->indptr[R] * (double)neighbors);
    piece *pieces = soso__calloc((size_t)team, sizeof *pieces);
    soso_docs *d = NULL;
    if (st == SOSO_OK && !pieces) st = soso__fail(SOSO_E_NOMEM, "out of memory for the expanded documents");
    if (st == SOSO_OK) {
        int failed = 0;
        /* one piece per job, whichever thread runs it: a smaller team loses no rows */
#pragma omp parallel for schedule(static) num_threads(team) if (team > 1) reduction(| : failed)
        for (int me = 0; me < team; me++) {
            size_t lo = R * (size_t)me / (size_t)team, hi = R * (size_t)(me + 1) / (size_t)team;
            piece *p = &pieces[me];
            float *acc = soso__calloc_array(V, sizeof *acc);
            uint8_t *seen = soso__calloc_array(V, 1);
            size_t cap = row_cap ? row_cap : 1;
            uint32_t *idx = soso__alloc_array(2 * cap, sizeof *idx); /* and the sort's scratch */
            float *val = soso__alloc_array(cap, sizeof *val);
            p->rowlen = soso__alloc_array(hi - lo ? hi - lo : 1, sizeof *p->rowlen);
            if (!acc || !seen || !idx || !val || !p->rowlen) failed = 1;
            for (size_t i = lo; i < hi && !failed; i++) {
                size_t n = expand_row(X, &t, gain, i, acc, seen, idx, val, idx + cap);
                p->rowlen[i - lo] = n;
                if (!piece_push(p, n, idx, val)) failed = 1;
            }
            free(acc);
            free(seen);
            free(idx);
            free(val);
        }
        if (failed) st = soso__fail(SOSO_E_NOMEM, "out of memory for the expanded documents");
    }
    size_t total = 0;
    for (int p = 0; st == SOSO_OK && p < team; p++) total += pieces[p].nnz;
    if (st == SOSO_OK) st = soso_docs_create(V, &d);
    if (st == SOSO_OK) st = soso__docs_reserve(d, R, total);
    for (int p = 0; st == SOSO_OK && p < team; p++) {
        size_t lo = R * (size_t)p / (size_t)team, hi = R * (size_t)(p + 1) / (size_t)team, at = 0;
        for (size_t i = lo; st == SOSO_OK && i < hi; i++) {
            st = soso__docs_push_sorted(d, pieces[p].rowlen[i - lo], pieces[p].indices + at, pieces[p].values + at);
            at += pieces[p].rowlen[i - lo];
        }
    }
    for (int p = 0; pieces && p < team; p++) {
        free(pieces[p].rowlen);
        free(pieces[p].indices);
        free(pieces[p].values);
    }
    free(pieces);
    free(t.count);
    free(t.index);
    free(t.weight);
    if (st != SOSO_OK) {
        soso_docs_free(d);
        return st;
    }
    *out = d;
    return SOSO_OK;
}
