/* memory_eval.c - the seed's retrieval experiment: mask most of each queried memory's
 * words, recall, and score exact recovery, Hamming distance and the top-1 memory, next to
 * the best any retrieval could do on such ambiguous queries (ALGORITHMS.md section 6). */
#include "soso_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void soso_memory_eval_params_default(soso_memory_eval_params *p)
{
    if (!p) return;
    p->mask = 0.6f;
    p->queries = 1000;
    p->seed = 1;
    p->threads = 1;
}

static size_t kept_words(float mask, size_t n)
{
    long k = lround((1.0 - (double)mask) * (double)n);
    return k < 1 ? 1 : (size_t)k;
}

static int same_pattern(const soso_memory *m, uint32_t a, uint32_t b)
{
    size_t la = m->indptr[a + 1] - m->indptr[a], lb = m->indptr[b + 1] - m->indptr[b];
    return m->hash[a] == m->hash[b] && la == lb &&
           memcmp(m->words + m->indptr[a], m->words + m->indptr[b], la * sizeof *m->words) == 0;
}

/* |A xor B| for ascending id lists. */
static size_t hamming(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    size_t i = 0, j = 0, same = 0;
    while (i < na && j < nb) {
        if (a[i] == b[j]) { same++; i++; j++; }
        else if (a[i] < b[j]) i++;
        else j++;
    }
    return na + nb - 2 * same;
}

/* Shell sort of memory ids by pattern hash (no global state: threads sort at once). */
static void sort_by_hash(const soso_memory *m, uint32_t *ids, size_t n)
{
    static const size_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
    for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++)
        for (size_t i = gaps[g]; i < n; i++) {
            uint32_t v = ids[i];
            size_t j = i;
            while (j >= gaps[g] && m->hash[ids[j - gaps[g]]] > m->hash[v]) {
                ids[j] = ids[j - gaps[g]];
                j -= gaps[g];
            }
            ids[j] = v;
        }
}

/* The masking model's bound for one query: consistent memories contain every query word
 * and would keep exactly nq words; pattern posterior ~ multiplicity / C(n, nq). */
static void bound(const soso_memory *m, soso__recall_scratch *w, const uint32_t *query, size_t nq, float mask,
                  uint32_t *cons, double *best, double *uniform, double *patterns)
{
    size_t nt = 0, nc = 0;
    for (size_t a = 0; a < nq; a++)
        for (size_t e = m->post_ptr[query[a]]; e < m->post_ptr[query[a] + 1]; e++) {
            uint32_t i = m->post[e];
            if (w->score[i] == 0) w->touched[nt++] = i;
            w->score[i]++;
        }
    for (size_t t = 0; t < nt; t++) {
        uint32_t i = w->touched[t];
        if (w->score[i] == nq && kept_words(mask, m->indptr[i + 1] - m->indptr[i]) == nq) cons[nc++] = i;
        w->score[i] = 0;
    }
    /* Group identical patterns: sort by hash, then compare within equal hashes. */
    sort_by_hash(m, cons, nc);
    double total = 0, top = 0;
    size_t groups = 0;
    for (size_t a = 0; a < nc;) {
        size_t b = a + 1;
        while (b < nc && m->hash[cons[b]] == m->hash[cons[a]]) b++;
        /* within [a, b): distinct patterns by exact comparison */
        for (size_t x = a; x < b; x++) {
            if (cons[x] == UINT32_MAX) continue;
            size_t mult = 1;
            for (size_t y = x + 1; y < b; y++)
                if (cons[y] != UINT32_MAX && same_pattern(m, cons[x], cons[y])) {
                    mult++;
                    cons[y] = UINT32_MAX;
                }
            size_t n = m->indptr[cons[x] + 1] - m->indptr[cons[x]];
            double post = (double)mult * exp(-(lgamma((double)n + 1) - lgamma((double)nq + 1) - lgamma((double)(n - nq) + 1)));
            total += post;
            top = post > top ? post : top;
            groups++;
        }
        a = b;
    }
    *best = total > 0 ? top / total : 0;
    *uniform = groups ? 1.0 / (double)groups : 0;
    *patterns = (double)groups;
}

soso_status soso_memory_masked_queries(const soso_memory *m, const soso_memory_eval_params *ep, size_t *n_queries,
                                       uint32_t **memories, size_t **indptr, uint32_t **words)
{
    if (!m || !ep || !n_queries || !memories || !indptr || !words) return soso__fail(SOSO_E_ARG, "arguments must not be NULL");
    if (!(ep->mask >= 0.0f && ep->mask < 1.0f)) return soso__fail(SOSO_E_ARG, "mask must be in [0, 1)");
    if (m->n == 0) return soso__fail(SOSO_E_EMPTY, "the memory holds no document");
    size_t Q = (ep->queries == 0 || ep->queries > m->n) ? m->n : ep->queries;
    uint32_t *which = soso__alloc_array(m->n, sizeof *which), *qwords = NULL;
    size_t *qptr = soso__alloc_array(Q + 1, sizeof *qptr);
    soso_status s = (which && qptr) ? SOSO_OK : soso__fail(SOSO_E_NOMEM, "out of memory for %zu queries", Q);
    if (s == SOSO_OK) {
        /* The queried memories, then each query's kept words, from the seed alone. */
        soso__rng rng;
        soso__rng_seed(&rng, ep->seed, SOSO__STREAM_INIT);
        for (size_t i = 0; i < m->n; i++) which[i] = (uint32_t)i;
        if (Q < m->n) soso__rng_shuffle_u32(&rng, which, m->n);
        qptr[0] = 0;
        for (size_t q = 0; q < Q; q++) qptr[q + 1] = qptr[q] + kept_words(ep->mask, m->indptr[which[q] + 1] - m->indptr[which[q]]);
        qwords = soso__alloc_array(qptr[Q] ? qptr[Q] : 1, sizeof *qwords);
        if (!qwords) s = soso__fail(SOSO_E_NOMEM, "out of memory for %zu queries", Q);
    }
    for (size_t q = 0; q < Q && s == SOSO_OK; q++) {
        uint32_t i = which[q];
        size_t n = m->indptr[i + 1] - m->indptr[i], k = qptr[q + 1] - qptr[q];
        /* k of the n words, uniformly: a partial shuffle of positions, then sorted */
        uint32_t pos[256], *p = n <= 256 ? pos : soso__alloc_array(n, sizeof *p);
        if (!p) {
            s = soso__fail(SOSO_E_NOMEM, "out of memory masking a query");
            break;
        }
        soso__rng qr;
        soso__rng_seed(&qr, ep->seed, SOSO__STREAM_SHUFFLE_BASE + q);
        for (size_t a = 0; a < n; a++) p[a] = (uint32_t)a;
        for (size_t a = 0; a < k; a++) {
            size_t b = a + (size_t)soso__rng_below(&qr, n - a);
            uint32_t t = p[a];
            p[a] = p[b];
            p[b] = t;
        }
        for (size_t a = 1; a < k; a++) {
            uint32_t v = p[a];
            size_t b = a;
            while (b > 0 && p[b - 1] > v) {
                p[b] = p[b - 1];
                b--;
            }
            p[b] = v;
        }
        for (size_t a = 0; a < k; a++) qwords[qptr[q] + a] = m->words[m->indptr[i] + p[a]];
        if (p != pos) free(p);
    }
    if (s != SOSO_OK) {
        free(which);
        free(qptr);
        free(qwords);
        return s;
    }
    *n_queries = Q;
    *memories = which;
    *indptr = qptr;
    *words = qwords;
    return SOSO_OK;
}

soso_status soso_memory_eval(const soso_memory *m, const soso_memory_eval_params *ep, const soso_recall_params *rp,
                             size_t n_params, soso_memory_eval_result *out)
{
    if (!m || !ep || !rp || !out || n_params == 0) return soso__fail(SOSO_E_ARG, "arguments must not be NULL");
    for (size_t k = 0; k < n_params; k++) {
        if (!(rp[k].beta > 0.0f) || rp[k].steps < 1 || !(rp[k].threshold > 0.0f))
            return soso__fail(SOSO_E_ARG, "recall parameters %zu are invalid (beta > 0, steps >= 1, threshold > 0)", k);
    }
    size_t Q = 0, V = m->vocab->words.count;
    uint32_t *which = NULL, *qwords = NULL;
    size_t *qptr = NULL;
    soso_status s = soso_memory_masked_queries(m, ep, &Q, &which, &qptr, &qwords);
    double *per = s == SOSO_OK ? soso__alloc_array(Q * 6, sizeof *per) : NULL; /* exact, hamming, top1, bound, uniform, patterns */
    if (s == SOSO_OK && !per) s = soso__fail(SOSO_E_NOMEM, "out of memory for %zu queries", Q);
    int team = soso__team_size(ep->threads, (double)Q * 2000.0);
    /* The bound does not depend on the recall parameters: once, untimed. Then one timed
     * pass of recalls per parameter set (k = -1 is the bound's pass). */
    for (long k = -1; k < (long)n_params && s == SOSO_OK; k++) {
        double t0 = soso__now();
        int failed = 0;
        long next = 0; /* queries handed out in chunks of 16, to the first thread free */
#pragma omp parallel num_threads(team) if (team > 1)
        {
            soso__recall_scratch w;
            uint32_t *out_words = soso__alloc_array(V, sizeof *out_words), top_mem = 0;
            uint32_t *cons = soso__alloc_array(m->n, sizeof *cons);
            float top_w = 0;
            int ok = soso__recall_scratch_init(&w, m) == SOSO_OK && out_words && cons;
            for (long q0; ok && (q0 = soso__next_chunk(&next, 16)) < (long)Q;)
                for (long q = q0; q < q0 + 16 && q < (long)Q; q++) {
                    uint32_t i = which[q];
                    const uint32_t *query = qwords + qptr[q];
                    size_t nq = qptr[q + 1] - qptr[q];
                    double *r = per + (size_t)q * 6;
                    if (k < 0) {
                        bound(m, &w, query, nq, ep->mask, cons, &r[3], &r[4], &r[5]);
                        continue;
                    }
                    soso_recall_result res = {out_words, V, 0, &top_mem, &top_w, 1, 0, 0, 0, 0, 0};
                    soso__recall(m, &w, query, nq, &rp[k], &res);
                    size_t ham = hamming(res.words, res.n_words, m->words + m->indptr[i], m->indptr[i + 1] - m->indptr[i]);
                    r[0] = ham == 0;
                    r[1] = (double)ham;
                    r[2] = res.n_memories > 0 && same_pattern(m, top_mem, i);
                }
            if (!ok) {
#pragma omp atomic write
                failed = 1;
            }
            soso__recall_scratch_free(&w);
            free(out_words);
            free(cons);
        }
        if (failed) {
            s = soso__fail(SOSO_E_NOMEM, "out of memory for evaluation scratch");
            break;
        }
        if (k < 0) continue;
        soso_memory_eval_result r = {0};
        r.queries = Q;
        r.seconds = soso__now() - t0;
        for (size_t q = 0; q < Q; q++) { /* in query order: the same sums for any thread count */
            r.exact += per[q * 6];
            r.mean_hamming += per[q * 6 + 1];
            r.top1 += per[q * 6 + 2];
            r.bound += per[q * 6 + 3];
            r.uniform += per[q * 6 + 4];
            r.consistent += per[q * 6 + 5];
        }
        r.exact /= (double)Q;
        r.mean_hamming /= (double)Q;
        r.top1 /= (double)Q;
        r.bound /= (double)Q;
        r.uniform /= (double)Q;
        r.consistent /= (double)Q;
        out[k] = r;
    }
    free(which);
    free(qwords);
    free(qptr);
    free(per);
    return s;
}
