/* memory.c - an associative memory of documents (modern Hopfield network, Ramsauer et
 * al. 2020; ALGORITHMS.md section 6): binary patterns stored sparsely with their
 * postings, so that the first update step of a query touches only the memories that
 * share a word with it, and the softmax over all N memories stays exact: every memory
 * that shares no word scores 0, so they all carry one common weight, and their summed
 * contribution to the update is that weight times the column sums of the memory. */
#include "soso_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void soso_recall_params_default(soso_recall_params *p)
{
    if (!p) return;
    p->beta = 10.0f;
    p->steps = 1;
    p->tolerance = 1e-4f;
    p->threshold = 0.5f;
    p->prior = 0;
    p->energy = 0;
}

static const char *recall_params_check(const soso_recall_params *p)
{
    if (!p) return "recall parameters are NULL";
    if (!(p->beta > 0.0f) || !isfinite(p->beta)) return "beta must be a finite number > 0";
    if (p->steps < 1) return "steps must be >= 1";
    if (!(p->tolerance >= 0.0f) || !isfinite(p->tolerance)) return "tolerance must be a finite number >= 0";
    if (!(p->threshold > 0.0f) || !isfinite(p->threshold)) return "threshold must be a finite number > 0";
    if (p->prior != 0 && p->prior != 1) return "prior must be 0 or 1";
    return NULL;
}

/* ---- building ------------------------------------------------------------------------- */

soso_status soso_memory_create(const soso_vocab *vocab, soso_memory **out)
{
    if (!vocab || !out) return soso__fail(SOSO_E_ARG, "vocab and out must not be NULL");
    soso_memory *m = soso__calloc(1, sizeof *m);
    if (!m) return soso__fail(SOSO_E_NOMEM, "out of memory for a memory");
    soso_status s = soso__vocab_clone(vocab, &m->vocab);
    size_t V = vocab->words.count;
    if (s == SOSO_OK) {
        m->indptr = soso__calloc(1, sizeof *m->indptr);
        m->cap_indptr = 1;
        m->post_ptr = soso__calloc_array(V + 1, sizeof *m->post_ptr);
        m->colsum = soso__calloc_array(V, sizeof *m->colsum);
        m->by_colsum = soso__alloc_array(V, sizeof *m->by_colsum);
        if (!m->indptr || !m->post_ptr || !m->colsum || !m->by_colsum) s = soso__fail(SOSO_E_NOMEM, "out of memory for a memory");
    }
    if (s != SOSO_OK) {
        soso_memory_free(m);
        return s;
    }
    for (size_t j = 0; j < V; j++) m->by_colsum[j] = (uint32_t)j;
    *out = m;
    return SOSO_OK;
}

void soso_memory_free(soso_memory *m)
{
    if (!m) return;
    soso_vocab_free(m->vocab);
    free(m->indptr);
    free(m->words);
    free(m->post_ptr);
    free(m->post);
    free(m->colsum);
    free(m->by_colsum);
    free(m->xc);
    free(m->hash);
    free(m->strings);
    free(m->label_off);
    free(m->text_off);
    free(m);
}

/* Postings, column sums, words by column sum and pattern hashes, from the patterns. */
soso_status soso__memory_index(soso_memory *m)
{
    size_t V = m->vocab->words.count, n = m->n, nnz = m->indptr[n];
    uint32_t *post = soso__alloc_array(nnz, sizeof *post);
    size_t *next = soso__alloc_array(V, sizeof *next);
    double *xc = soso__alloc_array(n, sizeof *xc);
    uint64_t *hash = soso__alloc_array(n, sizeof *hash);
    if (!post || !next || !xc || !hash) {
        free(post); free(next); free(xc); free(hash);
        return soso__fail(SOSO_E_NOMEM, "out of memory indexing %zu memories", n);
    }
    memset(m->colsum, 0, V * sizeof *m->colsum);
    for (size_t e = 0; e < nnz; e++) m->colsum[m->words[e]]++;
    m->post_ptr[0] = 0;
    for (size_t j = 0; j < V; j++) m->post_ptr[j + 1] = m->post_ptr[j] + m->colsum[j];
    memcpy(next, m->post_ptr, V * sizeof *next);
    for (size_t i = 0; i < n; i++) {
        double sum = 0;
        uint64_t h = 0x9E3779B97F4A7C15ull ^ (m->indptr[i + 1] - m->indptr[i]);
        for (size_t e = m->indptr[i]; e < m->indptr[i + 1]; e++) {
            uint32_t j = m->words[e];
            post[next[j]++] = (uint32_t)i;
            sum += m->colsum[j];
            h = (h ^ j) * 0x100000001B3ull;
            h ^= h >> 29;
        }
        xc[i] = sum;
        hash[i] = h;
    }
    /* Words by decreasing column sum (a counting sort; ties: lower id first): the only
     * words outside the touched memories that a recall can complete are a prefix of it. */
    {
        uint32_t maxc = 0;
        for (size_t j = 0; j < V; j++) maxc = m->colsum[j] > maxc ? m->colsum[j] : maxc;
        size_t *start = soso__calloc_array((size_t)maxc + 2, sizeof *start);
        if (!start) {
            free(post); free(next); free(xc); free(hash);
            return soso__fail(SOSO_E_NOMEM, "out of memory indexing %zu memories", n);
        }
        for (size_t j = 0; j < V; j++) start[maxc - m->colsum[j] + 1]++;
        for (size_t c = 0; c <= maxc; c++) start[c + 1] += start[c];
        for (size_t j = 0; j < V; j++) m->by_colsum[start[maxc - m->colsum[j]]++] = (uint32_t)j;
        free(start);
        m->max_colsum = maxc;
    }
    free(next);
    free(m->post);
    free(m->xc);
    free(m->hash);
    m->post = post;
    m->xc = xc;
    m->hash = hash;
    return SOSO_OK;
}

static soso_status push_string(soso_memory *m, const char *s, size_t len, size_t *off)
{
    if (!s) {
        *off = (size_t)-1;
        return SOSO_OK;
    }
    size_t need;
    if (!soso__add_size(m->str_len, len + 1, &need)) return soso__fail(SOSO_E_LIMIT, "memory text overflow");
    SOSO__CHECK(soso__reserve((void **)&m->strings, &m->str_cap, need, 1));
    memcpy(m->strings + m->str_len, s, len);
    m->strings[m->str_len + len] = '\0';
    *off = m->str_len;
    m->str_len = need;
    return SOSO_OK;
}

soso_status soso__memory_push(soso_memory *m, const uint32_t *words, size_t n_words, const char *label,
                              size_t label_len, const char *text, size_t text_len)
{
    SOSO__CHECK(soso__reserve((void **)&m->indptr, &m->cap_indptr, m->n + 2, sizeof *m->indptr));
    SOSO__CHECK(soso__reserve((void **)&m->label_off, &m->cap_label, m->n + 1, sizeof *m->label_off));
    SOSO__CHECK(soso__reserve((void **)&m->text_off, &m->cap_text, m->n + 1, sizeof *m->text_off));
    size_t base = m->indptr[m->n], need;
    if (!soso__add_size(base, n_words, &need)) return soso__fail(SOSO_E_LIMIT, "memory too large");
    SOSO__CHECK(soso__reserve((void **)&m->words, &m->cap_nnz, need, sizeof *m->words));
    SOSO__CHECK(push_string(m, label, label_len, &m->label_off[m->n]));
    SOSO__CHECK(push_string(m, text, text_len, &m->text_off[m->n]));
    memcpy(m->words + base, words, n_words * sizeof *words);
    m->indptr[m->n + 1] = need;
    m->n++;
    return SOSO_OK;
}

soso_status soso_memory_add_corpus(soso_memory *m, const soso_corpus *corpus, size_t *added, size_t *skipped)
{
    if (!m || !corpus) return soso__fail(SOSO_E_ARG, "memory and corpus must not be NULL");
    soso_input_options in = {SOSO_WEIGHT_BINARY, 0, 0};
    soso__text_vec tv = {0};
    size_t n_added = 0, n_skipped = 0;
    soso_status s = SOSO_OK;
    for (size_t i = 0; i < soso_corpus_size(corpus) && s == SOSO_OK; i++) {
        size_t len, llen = 0;
        const char *t = soso_corpus_text(corpus, i, &len), *label = soso_corpus_label(corpus, i, &llen);
        s = soso__text_vec_build(&tv, m->vocab, &in, t, len);
        if (s != SOSO_OK) break;
        if (tv.nnz == 0) { /* no known word: nothing to store or to recall */
            n_skipped++;
            continue;
        }
        if (m->n >= UINT32_MAX - 1) {
            s = soso__fail(SOSO_E_LIMIT, "a memory holds at most 2^32-2 documents");
            break;
        }
        s = soso__memory_push(m, tv.idx, tv.nnz, label, llen, t, len);
        n_added++;
    }
    soso__text_vec_free(&tv);
    /* Re-index even after a failure: the memories pushed so far stay consistent. */
    soso_status si = soso__memory_index(m);
    if (s == SOSO_OK) s = si;
    if (added) *added = n_added;
    if (skipped) *skipped = n_skipped;
    return s;
}

size_t soso_memory_size(const soso_memory *m) { return m ? m->n : 0; }
const soso_vocab *soso_memory_vocab(const soso_memory *m) { return m ? m->vocab : NULL; }

soso_status soso_memory_pattern(const soso_memory *m, size_t i, const uint32_t **words, size_t *n)
{
    if (!m || !words || !n) return soso__fail(SOSO_E_ARG, "arguments must not be NULL");
    if (i >= m->n) return soso__fail(SOSO_E_ARG, "memory %zu out of range (%zu memories)", i, m->n);
    *words = m->words + m->indptr[i];
    *n = m->indptr[i + 1] - m->indptr[i];
    return SOSO_OK;
}

const char *soso_memory_label(const soso_memory *m, size_t i)
{
    if (!m || i >= m->n || m->label_off[i] == (size_t)-1) return NULL;
    return m->strings + m->label_off[i];
}

const char *soso_memory_text(const soso_memory *m, size_t i)
{
    if (!m || i >= m->n || m->text_off[i] == (size_t)-1) return NULL;
    return m->strings + m->text_off[i];
}

/* ---- recall --------------------------------------------------------------------------- */

soso_status soso__recall_scratch_init(soso__recall_scratch *w, const soso_memory *m)
{
    memset(w, 0, sizeof *w);
    size_t n = m->n, V = m->vocab->words.count;
    w->score = soso__calloc_array(n ? n : 1, sizeof *w->score);
    w->touched = soso__alloc_array(n ? n : 1, sizeof *w->touched);
    w->p = soso__alloc_array(n ? n : 1, sizeof *w->p);
    w->pm = soso__alloc_array(n ? n : 1, sizeof *w->pm);
    w->q = soso__calloc_array(V, sizeof *w->q);
    w->q2 = soso__calloc_array(V, sizeof *w->q2);
    w->wlist = soso__alloc_array(V, sizeof *w->wlist);
    w->wmark = soso__calloc_array(V, 1);
    if (!w->score || !w->touched || !w->p || !w->pm || !w->q || !w->q2 || !w->wlist || !w->wmark) {
        soso__recall_scratch_free(w);
        return soso__fail(SOSO_E_NOMEM, "out of memory for a recall over %zu memories", n);
    }
    return SOSO_OK;
}

void soso__recall_scratch_free(soso__recall_scratch *w)
{
    free(w->score);
    free(w->touched);
    free(w->p);
    free(w->pm);
    free(w->q);
    free(w->q2);
    free(w->wlist);
    free(w->wmark);
    memset(w, 0, sizeof *w);
}

/* Inserts memory i with weight pw into the result's top list (by weight, then index). */
static void insert_top(soso_recall_result *res, uint32_t i, float pw)
{
    size_t cap = res->memories_cap, n = res->n_memories;
    if (cap == 0) return;
    if (n == cap) {
        float lw = res->weights[n - 1];
        if (pw < lw || (pw == lw && i > res->memories[n - 1])) return;
        n--; /* the weakest falls out */
    }
    size_t at = n;
    while (at > 0 && (res->weights[at - 1] < pw || (res->weights[at - 1] == pw && res->memories[at - 1] > i))) {
        res->weights[at] = res->weights[at - 1];
        res->memories[at] = res->memories[at - 1];
        at--;
    }
    res->weights[at] = pw;
    res->memories[at] = i;
    res->n_memories = n + 1;
}

/* log C(n, k) */
static double log_choose(double n, double k) { return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1); }

/* Adds w to q_j for every word of memory i, noting first-touched words in wlist. */
static void add_pattern(const soso_memory *m, soso__recall_scratch *w, size_t i, double weight, size_t *nw)
{
    for (size_t e = m->indptr[i]; e < m->indptr[i + 1]; e++) {
        uint32_t j = m->words[e];
        if (!w->wmark[j]) {
            w->wmark[j] = 1;
            w->wlist[(*nw)++] = j;
        }
        w->q[j] += weight;
    }
}

/* One exact step from the binary query: only the memories that share a word with it,
 * the rest as one group. Leaves q'_j for the touched words in w->q (with wlist/wmark),
 * and the weights in w->p (touched) and *p0 (each untouched memory). Returns the number
 * of touched memories. */
static size_t first_step(const soso_memory *m, soso__recall_scratch *w, const uint32_t *query, size_t nq,
                         const soso_recall_params *prm, double *p0_out, size_t *nw)
{
    size_t nt = 0;
    for (size_t a = 0; a < nq; a++) {
        uint32_t j = query[a];
        for (size_t e = m->post_ptr[j]; e < m->post_ptr[j + 1]; e++) {
            uint32_t i = m->post[e];
            if (w->score[i] == 0) w->touched[nt++] = i;
            w->score[i]++;
        }
    }
    double p0 = 0;
    if (prm->prior) {
        /* Memories that can have produced the query contain all its words; each is
         * weighted by 1 / C(n_i, |q|), the chance of keeping exactly those words. */
        double mx = -INFINITY;
        size_t consistent = 0;
        for (size_t t = 0; t < nt; t++) {
            uint32_t i = w->touched[t];
            if (w->score[i] != nq) {
                w->p[t] = -INFINITY;
                continue;
            }
            w->p[t] = -log_choose((double)(m->indptr[i + 1] - m->indptr[i]), (double)nq);
            mx = w->p[t] > mx ? w->p[t] : mx;
            consistent++;
        }
        if (consistent > 0) {
            double z = 0;
            for (size_t t = 0; t < nt; t++) z += w->p[t] == -INFINITY ? 0 : exp(w->p[t] - mx);
            for (size_t t = 0; t < nt; t++) w->p[t] = w->p[t] == -INFINITY ? 0 : exp(w->p[t] - mx) / z;
            *p0_out = 0;
            *nw = 0;
            for (size_t t = 0; t < nt; t++)
                if (w->p[t] > 0) add_pattern(m, w, w->touched[t], w->p[t], nw);
            return nt;
        }
        /* No memory holds every query word: fall back to the plain update. */
    }
    /* p_i = exp(beta (s_i - smax)) / Z over all N, the N - nt untouched at s = 0. */
    double smax = 0;
    for (size_t t = 0; t < nt; t++) smax = w->score[w->touched[t]] > smax ? w->score[w->touched[t]] : smax;
    double z = (double)(m->n - nt) * exp(-(double)prm->beta * smax);
    for (size_t t = 0; t < nt; t++) {
        w->p[t] = exp((double)prm->beta * ((double)w->score[w->touched[t]] - smax));
        z += w->p[t];
    }
    for (size_t t = 0; t < nt; t++) w->p[t] /= z;
    p0 = exp(-(double)prm->beta * smax) / z;
    /* q' = sum_touched (p_i - p0) x_i + p0 colsum: the touched words here; the others
     * are p0 colsum_j, handled by the caller from by_colsum. */
    *nw = 0;
    for (size_t t = 0; t < nt; t++) add_pattern(m, w, w->touched[t], w->p[t] - p0, nw);
    for (size_t k = 0; k < *nw; k++) w->q[w->wlist[k]] += p0 * m->colsum[w->wlist[k]];
    *p0_out = p0;
    return nt;
}

/* Dense step from a real-valued state q (V): scores of every memory, softmax, q2. */
static void dense_step(const soso_memory *m, soso__recall_scratch *w, const double *q, double beta, double *q2,
                       double *lse_out)
{
    double mx = -INFINITY;
    for (size_t i = 0; i < m->n; i++) {
        double s = 0;
        for (size_t e = m->indptr[i]; e < m->indptr[i + 1]; e++) s += q[m->words[e]];
        w->p[i] = beta * s;
        mx = w->p[i] > mx ? w->p[i] : mx;
    }
    double z = 0;
    for (size_t i = 0; i < m->n; i++) z += exp(w->p[i] - mx);
    for (size_t i = 0; i < m->n; i++) w->p[i] = exp(w->p[i] - mx) / z;
    if (lse_out) *lse_out = mx + log(z);
    if (!q2) return;
    memset(q2, 0, m->vocab->words.count * sizeof *q2);
    for (size_t i = 0; i < m->n; i++)
        for (size_t e = m->indptr[i]; e < m->indptr[i + 1]; e++) q2[m->words[e]] += w->p[i];
}

/* One completed word: counted always, kept while there is room (soso_memory_recall then
 * says the pattern did not fit). */
static void add_word(soso_recall_result *res, uint32_t j)
{
    if (res->n_words < res->words_cap) res->words[res->n_words] = j;
    res->n_words++;
}

/* The recalled words kept, in increasing id order (insertion sort: a handful of words). */
static void sort_words(soso_recall_result *res)
{
    size_t kept = res->n_words < res->words_cap ? res->n_words : res->words_cap;
    for (size_t a = 1; a < kept; a++) {
        uint32_t v = res->words[a];
        size_t b = a;
        while (b > 0 && res->words[b - 1] > v) {
            res->words[b] = res->words[b - 1];
            b--;
        }
        res->words[b] = v;
    }
}

/* One step from the binary query, deciding every word exactly without summing every
 * touched memory into every word. Memories with the same score s share one weight p_s,
 * so q'_j = p0 c_j + sum_s (p_s - p0) k_s(j), k_s(j) = memories of score s holding j.
 * The groups of the highest scores are added up word by word; the lower groups add at
 * most S_low = sum_low (p_s - p0) n_s to any word, so a word is decided by its high sum
 * alone unless that sum lands within S_low below the threshold - then (rarely) its
 * postings give the exact low part. Words outside the high groups can only reach the
 * threshold if p0 c_j + S_low does, a prefix of the words by column sum. */
static void one_step(const soso_memory *m, soso__recall_scratch *w, const uint32_t *query, size_t nq,
                     const soso_recall_params *prm, soso_recall_result *res)
{
    size_t nt = 0;
    for (size_t a = 0; a < nq; a++)
        for (size_t e = m->post_ptr[query[a]]; e < m->post_ptr[query[a] + 1]; e++) {
            uint32_t i = m->post[e];
            if (w->score[i] == 0) w->touched[nt++] = i;
            w->score[i]++;
        }
    /* Weights p[s] of score s = 0..nq (p[0] is p0) and group sizes, in the q2 scratch
     * (it has V >= 2 (nq + 1) entries; q2 is only used by multi-step recalls). */
    double *ps = w->q2;
    size_t smax = 0;
    for (size_t s = 0; s <= nq; s++) ps[s] = 0; /* counts first */
    for (size_t t = 0; t < nt; t++) {
        uint32_t sc = w->score[w->touched[t]];
        ps[sc] += 1;
        smax = sc > smax ? sc : smax;
    }
    ps[0] = (double)(m->n - nt);
    /* Scores above smax hold no pattern: left out of the sum, where their exp(beta (s -
     * smax)) would overflow for a large beta and 0 * inf make z NaN. */
    double z = 0, beta = prm->beta;
    for (size_t s = 0; s <= smax; s++) z += ps[s] * exp(beta * ((double)s - (double)smax));
    double *n_of = w->q2 + (nq + 1); /* group sizes, kept beside the weights */
    for (size_t s = 0; s <= nq; s++) {
        n_of[s] = ps[s];
        ps[s] = s <= smax ? exp(beta * ((double)s - (double)smax)) / z : 0.0;
    }
    double p0 = ps[0], thr = prm->threshold;
    /* High groups: from the top score down until what the rest can add is below thr/2. */
    size_t sh = smax;
    double slow = 0;
    for (size_t s = 1; s < sh; s++) slow += (ps[s] - p0) * n_of[s];
    while (sh > 1 && slow >= 0.5 * thr) {
        sh--;
        slow -= (ps[sh] - p0) * n_of[sh];
        if (slow < 0) slow = 0;
    }
    size_t nw = 0;
    for (size_t t = 0; t < nt; t++) {
        uint32_t i = w->touched[t];
        if (w->score[i] >= sh) add_pattern(m, w, i, ps[w->score[i]] - p0, &nw);
    }
    res->n_words = 0;
    for (size_t k = 0; k < nw; k++) {
        uint32_t j = w->wlist[k];
        double hi = w->q[j] + p0 * m->colsum[j];
        int done = hi >= thr;
        if (!done && slow > 0 && hi + slow >= thr) { /* undecided: the exact low part */
            double low = 0;
            for (size_t e = m->post_ptr[j]; e < m->post_ptr[j + 1]; e++) {
                uint32_t sc = w->score[m->post[e]];
                if (sc > 0 && sc < sh) low += ps[sc] - p0;
            }
            done = hi + low >= thr;
        }
        if (done) add_word(res, j);
    }
    for (size_t r = 0; r < m->vocab->words.count; r++) {
        uint32_t j = m->by_colsum[r];
        if (p0 * m->colsum[j] + slow < thr) break;
        if (w->wmark[j]) continue;
        double low = 0;
        for (size_t e = m->post_ptr[j]; e < m->post_ptr[j + 1]; e++) {
            uint32_t sc = w->score[m->post[e]];
            if (sc > 0 && sc < sh) low += ps[sc] - p0;
        }
        if (p0 * m->colsum[j] + low >= thr) add_word(res, j);
    }
    for (size_t k = 0; k < nw; k++) {
        w->q[w->wlist[k]] = 0;
        w->wmark[w->wlist[k]] = 0;
    }
    res->n_memories = 0;
    if (res->memories_cap)
        for (size_t t = 0; t < nt; t++) insert_top(res, w->touched[t], (float)ps[w->score[w->touched[t]]]);
    for (size_t t = 0; t < nt; t++) w->score[w->touched[t]] = 0;
    res->zero_memories = (uint64_t)(m->n - nt);
    res->zero_weight = (float)p0;
    res->steps = 1;
    res->energy = NAN;
    sort_words(res);
}

void soso__recall(const soso_memory *m, soso__recall_scratch *w, const uint32_t *query, size_t nq,
                  const soso_recall_params *prm, soso_recall_result *res)
{
    if (prm->steps == 1 && !prm->energy && !prm->prior && 2 * (nq + 1) <= m->vocab->words.count) {
        one_step(m, w, query, nq, prm, res);
        return;
    }
    size_t V = m->vocab->words.count, nw = 0;
    double p0 = 0;
    size_t nt = first_step(m, w, query, nq, prm, &p0, &nw);
    uint32_t steps = 1;
    int dense = 0; /* after a dense step the state lives in w->q2 for every word */
    double diff = INFINITY;
    if (prm->steps > 1) {
        /* Later steps need the whole state: q_j = sum (p_i - p0) x_ij + p0 colsum_j. */
        double *q = w->q2;
        for (size_t j = 0; j < V; j++) q[j] = p0 * m->colsum[j];
        for (size_t k = 0; k < nw; k++) q[w->wlist[k]] = w->q[w->wlist[k]];
        /* |q' - q| against the binary query */
        diff = 0;
        for (size_t j = 0; j < V; j++) {
            double d = fabs(q[j] - 0.0);
            diff = d > diff ? d : diff;
        }
        for (size_t a = 0; a < nq; a++) {
            double d = fabs(q[query[a]] - 1.0);
            diff = d > diff ? d : diff;
        }
        double *prev = w->q; /* reuse w->q as the previous state */
        for (size_t k = 0; k < nw; k++) w->wmark[w->wlist[k]] = 0;
        /* The weights that made the state, per memory (first_step left them per touched
         * position): what the output lists if no further step is taken. */
        for (size_t i = 0; i < m->n; i++) w->pm[i] = p0;
        for (size_t t = 0; t < nt; t++) w->pm[w->touched[t]] = w->p[t];
        while (steps < prm->steps && diff > prm->tolerance) {
            memcpy(prev, q, V * sizeof *prev);
            dense_step(m, w, prev, prm->beta, q, NULL);
            memcpy(w->pm, w->p, m->n * sizeof *w->pm);
            diff = 0;
            for (size_t j = 0; j < V; j++) {
                double d = fabs(q[j] - prev[j]);
                diff = d > diff ? d : diff;
            }
            steps++;
        }
        dense = 1;
    }
    /* Output: completed words, top memories, energy. */
    res->steps = steps;
    res->n_words = 0;
    res->n_memories = 0;
    if (!dense) {
        /* Touched words, then untouched ones whose p0 colsum reaches the threshold. */
        for (size_t k = 0; k < nw; k++) {
            uint32_t j = w->wlist[k];
            if (w->q[j] >= prm->threshold) add_word(res, j);
        }
        for (size_t r = 0; r < V && p0 * m->colsum[m->by_colsum[r]] >= prm->threshold; r++) {
            uint32_t j = m->by_colsum[r];
            if (!w->wmark[j]) add_word(res, j);
        }
        res->zero_memories = (uint64_t)(m->n - nt);
        res->zero_weight = (float)p0;
        /* Top memories among the touched ones (each untouched one has weight p0). */
        for (size_t t = 0; t < nt; t++)
            if (w->p[t] > 0) insert_top(res, w->touched[t], (float)w->p[t]);
        if (prm->energy) {
            double *q = w->q2, lse = 0, qq = 0;
            for (size_t j = 0; j < V; j++) q[j] = p0 * m->colsum[j];
            for (size_t k = 0; k < nw; k++) q[w->wlist[k]] = w->q[w->wlist[k]];
            dense_step(m, w, q, prm->beta, NULL, &lse);
            for (size_t j = 0; j < V; j++) qq += q[j] * q[j];
            res->energy = -lse / prm->beta + 0.5 * qq;
        } else {
            res->energy = NAN;
        }
        for (size_t k = 0; k < nw; k++) {
            w->q[w->wlist[k]] = 0;
            w->wmark[w->wlist[k]] = 0;
        }
    } else {
        double *q = w->q2;
        for (size_t j = 0; j < V; j++)
            if (q[j] >= prm->threshold) add_word(res, (uint32_t)j);
        /* The weights of the step that made the final state. */
        for (size_t i = 0; i < m->n; i++) insert_top(res, (uint32_t)i, (float)w->pm[i]);
        res->zero_memories = 0;
        res->zero_weight = 0;
        res->energy = NAN;
        if (prm->energy) {
            double lse = 0, qq = 0;
            dense_step(m, w, q, prm->beta, NULL, &lse);
            for (size_t j = 0; j < V; j++) qq += q[j] * q[j];
            res->energy = -lse / prm->beta + 0.5 * qq;
        }
        for (size_t j = 0; j < V; j++) w->q[j] = 0;
    }
    for (size_t t = 0; t < nt; t++) w->score[w->touched[t]] = 0;
    sort_words(res);
}

soso_status soso_memory_recall(const soso_memory *m, const uint32_t *query, size_t nq, const soso_recall_params *prm,
                               soso_recall_result *res)
{
    if (!m || !res || (nq && !query)) return soso__fail(SOSO_E_ARG, "memory, query and result must not be NULL");
    const char *why = recall_params_check(prm);
    if (why) return soso__fail(SOSO_E_ARG, "%s", why);
    if (m->n == 0) return soso__fail(SOSO_E_EMPTY, "the memory holds no document");
    if ((res->words_cap && !res->words) || (res->memories_cap && (!res->memories || !res->weights)))
        return soso__fail(SOSO_E_ARG, "result buffers must not be NULL when their capacity is not 0");
    size_t V = m->vocab->words.count;
    for (size_t a = 0; a < nq; a++) {
        if (query[a] >= V) return soso__fail(SOSO_E_ARG, "query word %u out of range (%zu words)", query[a], V);
        if (a > 0 && query[a] <= query[a - 1]) return soso__fail(SOSO_E_ARG, "query words must be distinct and ascending");
    }
    soso__recall_scratch w;
    SOSO__CHECK(soso__recall_scratch_init(&w, m));
    soso__recall(m, &w, query, nq, prm, res);
    soso__recall_scratch_free(&w);
    if (res->words_cap && res->n_words > res->words_cap) /* cut short, the pattern would read as whole */
        return soso__fail(SOSO_E_LIMIT, "the completed pattern has %zu words, more than the %zu room given (words_cap)",
                          res->n_words, res->words_cap);
    return SOSO_OK;
}

soso_status soso_memory_query_words(const soso_memory *m, const char *text, size_t len, uint32_t *words, size_t cap,
                                    size_t *n, size_t *unknown)
{
    if (!m || !words || !n) return soso__fail(SOSO_E_ARG, "memory, words and n must not be NULL");
    soso_input_options in = {SOSO_WEIGHT_BINARY, 0, 0};
    soso__text_vec tv = {0};
    soso_status s = soso__text_vec_build(&tv, m->vocab, &in, text, len);
    if (s == SOSO_OK) {
        size_t k = tv.nnz < cap ? tv.nnz : cap;
        if (k) memcpy(words, tv.idx, k * sizeof *words);
        *n = k;
        if (unknown) *unknown = tv.unknown;
        if (tv.nnz > cap) s = soso__fail(SOSO_E_LIMIT, "the query has %zu known words, more than the %zu room given", tv.nnz, cap);
    }
    soso__text_vec_free(&tv);
    return s;
}
