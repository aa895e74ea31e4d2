/* test_memory.c - the associative memory: sparse exact recall against a plain dense
 * implementation (weights, completed words, energy, several steps), recovery of disjoint
 * patterns, the evaluation's figures, files, and bad input. */
#include "harness.h"

#include <stdint.h>
#include <stdlib.h>

static uint64_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

/* A corpus text of `n` random documents over the made-up words of vocab_of_size(V). */
static char *random_corpus(size_t n, size_t V, size_t min_len, size_t max_len, uint64_t seed)
{
    char *text = malloc(n * (max_len * 4 + 2) + 1);
    size_t len = 0;
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        size_t k = min_len + rnd(&s) % (max_len - min_len + 1);
        for (size_t a = 0; a < k; a++) {
            size_t w = rnd(&s) % V;
            len += (size_t)sprintf(text + len, "x%c%c ", (char)('a' + w / 26), (char)('a' + w % 26));
        }
        text[len++] = '\n';
    }
    text[len] = '\0';
    return text;
}

static soso_memory *memory_of(const char *text, const soso_vocab *v)
{
    soso_corpus *c = NULL;
    soso_memory *m = NULL;
    CHECK_OK(soso_corpus_from_buffer(text, strlen(text), &c));
    CHECK_OK(soso_memory_create(v, &m));
    CHECK_OK(soso_memory_add_corpus(m, c, NULL, NULL));
    soso_corpus_free(c);
    return m;
}

/* The plain dense formula: p = softmax(beta X q), q' = X^T p, `steps` times. */
static void dense_recall(const soso_memory *m, const uint32_t *query, size_t nq, double beta, int steps, double *q,
                         double *p, double *energy)
{
    size_t V = soso_vocab_size(soso_memory_vocab(m)), N = soso_memory_size(m);
    double *s = malloc(N * sizeof *s);
    for (size_t j = 0; j < V; j++) q[j] = 0;
    for (size_t a = 0; a < nq; a++) q[query[a]] = 1;
    for (int t = 0; t < steps; t++) {
        double mx = -INFINITY, z = 0;
        for (size_t i = 0; i < N; i++) {
            const uint32_t *w;
            size_t n;
            soso_memory_pattern(m, i, &w, &n);
            s[i] = 0;
            for (size_t e = 0; e < n; e++) s[i] += beta * q[w[e]];
            mx = fmax(mx, s[i]);
        }
        for (size_t i = 0; i < N; i++) z += exp(s[i] - mx);
        for (size_t i = 0; i < N; i++) p[i] = exp(s[i] - mx) / z;
        for (size_t j = 0; j < V; j++) q[j] = 0;
        for (size_t i = 0; i < N; i++) {
            const uint32_t *w;
            size_t n;
            soso_memory_pattern(m, i, &w, &n);
            for (size_t e = 0; e < n; e++) q[w[e]] += p[i];
        }
    }
    /* E = -logsumexp(beta X q) / beta + |q|^2 / 2 at the final state */
    double mx = -INFINITY, z = 0, qq = 0;
    for (size_t i = 0; i < N; i++) {
        const uint32_t *w;
        size_t n;
        soso_memory_pattern(m, i, &w, &n);
        s[i] = 0;
        for (size_t e = 0; e < n; e++) s[i] += beta * q[w[e]];
        mx = fmax(mx, s[i]);
    }
    for (size_t i = 0; i < N; i++) z += exp(s[i] - mx);
    for (size_t j = 0; j < V; j++) qq += q[j] * q[j];
    *energy = -(mx + log(z)) / beta + qq / 2;
    free(s);
}

static void test_memory_matches_dense_formula(void)
{
    const size_t V = 30;
    soso_vocab *v = vocab_of_size(V);
    char *text = random_corpus(60, V, 2, 6, 11);
    soso_memory *m = memory_of(text, v);
    size_t N = soso_memory_size(m);
    CHECK(N == 60);
    double *q = malloc(V * sizeof *q), *p = malloc(N * sizeof *p);
    uint32_t words[64], mems[64];
    float weights[64];
    uint64_t s = 5;
    int checked = 0, bad_weights = 0, bad_words = 0, bad_energy = 0;
    const float betas[] = {1.0f, 2.5f, 10.0f};
    for (int trial = 0; trial < 60; trial++) {
        uint32_t query[4];
        size_t nq = trial % 5 == 4 ? 0 : 1 + rnd(&s) % 3; /* some empty queries */
        for (size_t a = 0; a < nq; a++) {
            uint32_t w;
            int dup;
            do {
                w = (uint32_t)(rnd(&s) % V);
                dup = 0;
                for (size_t b = 0; b < a; b++) dup |= query[b] == w;
            } while (dup);
            size_t b = a;
            while (b > 0 && query[b - 1] > w) {
                query[b] = query[b - 1];
                b--;
            }
            query[b] = w;
        }
        for (int bi = 0; bi < 3; bi++)
            for (int steps = 1; steps <= 3; steps += 2) {
                soso_recall_params prm;
                soso_recall_params_default(&prm);
                prm.beta = betas[bi];
                prm.steps = (uint32_t)steps;
                prm.tolerance = 0;
                prm.energy = trial % 2;
                soso_recall_result res = {words, 64, 0, mems, weights, 64, 0, 0, 0, 0, 0};
                CHECK_OK(soso_memory_recall(m, query, nq, &prm, &res));
                double energy;
                dense_recall(m, query, nq, betas[bi], steps, q, p, &energy);
                /* Weights of the listed memories, and of the zero-score group. */
                for (size_t k = 0; k < res.n_memories; k++)
                    if (fabs(res.weights[k] - p[res.memories[k]]) > 1e-5) bad_weights++;
                for (size_t i = 0; i < N && steps == 1; i++) {
                    int listed = 0;
                    for (size_t k = 0; k < res.n_memories; k++) listed |= res.memories[k] == i;
                    if (!listed && fabs(res.zero_weight - p[i]) > 1e-5) bad_weights++;
                }
                /* Identical binarised output. */
                size_t k = 0;
                for (size_t j = 0; j < V; j++) {
                    int in = k < res.n_words && res.words[k] == j;
                    if (in) k++;
                    if (in != (q[j] >= 0.5)) bad_words++;
                }
                if (prm.energy && fabs(res.energy - energy) > 1e-5 * (1 + fabs(energy))) bad_energy++;
                if (!prm.energy && !isnan(res.energy)) bad_energy++;
                checked++;
            }
    }
    CHECK_MSG(bad_weights == 0, "%d weights differ from the dense formula", bad_weights);
    CHECK_MSG(bad_words == 0, "%d completed words differ", bad_words);
    CHECK_MSG(bad_energy == 0, "%d energies differ", bad_energy);
    CHECK(checked == 360);
    free(q);
    free(p);
    free(text);
    soso_memory_free(m);
    soso_vocab_free(v);
}

static void test_memory_recovers_disjoint_patterns(void)
{
    /* 50 memories of 5 words each, no word shared: any 60%-masked query identifies one. */
    const size_t N = 50, K = 5, V = N * K;
    soso_vocab *v = vocab_of_size(V > 676 ? 676 : V);
    char *text = malloc(N * (K * 4 + 1) + 1);
    size_t len = 0;
    for (size_t i = 0; i < N; i++) {
        for (size_t a = 0; a < K; a++) {
            size_t w = i * K + a;
            len += (size_t)sprintf(text + len, "x%c%c ", (char)('a' + w / 26), (char)('a' + w % 26));
        }
        text[len++] = '\n';
    }
    text[len] = '\0';
    soso_memory *m = memory_of(text, v);
    soso_memory_eval_params ep;
    soso_memory_eval_params_default(&ep);
    ep.queries = 0; /* every memory */
    soso_recall_params rp;
    soso_recall_params_default(&rp);
    /* Threads take the queries in chunks of 16 as they come free (50 = 3 whole chunks and
     * 2 left): every query is recalled once whatever the team. */
    for (int t = 1; t <= 3; t++) {
        ep.threads = t;
        soso_memory_eval_result r;
        CHECK_OK(soso_memory_eval(m, &ep, &rp, 1, &r));
        CHECK(r.queries == N);
        CHECK_MSG(r.exact == 1.0 && r.mean_hamming == 0.0 && r.top1 == 1.0, "%d threads: exact %.3f hamming %.3f top1 %.3f",
                  t, r.exact, r.mean_hamming, r.top1);
        CHECK(r.bound == 1.0 && r.consistent == 1.0);
    }
    free(text);
    soso_memory_free(m);
    soso_vocab_free(v);
}

/* A large beta where the best memory holds fewer words than the query: the one-step path
 * summed exp(beta (s - smax)) over scores above smax too, which overflowed (0 * inf) and
 * returned NaN weights and no completion with SOSO_OK (beta 400 here). It must agree with
 * the general path (energy = 1): all weight on {apple banana}, completing both words. */
static void test_memory_large_beta(void)
{
    const char *text = "apple banana\ncherry grape\nlemon mango\nolive peach\nplum berry\n";
    soso_vocab *v = vocab_from_text(text, 1, 0);
    soso_memory *m = memory_of(text, v);
    uint32_t q[4];
    size_t nq = 0;
    CHECK_OK(soso_memory_query_words(m, "apple banana cherry lemon", SOSO_NUL_TERMINATED, q, 4, &nq, NULL));
    CHECK(nq == 4);
    soso_recall_params rp;
    soso_recall_params_default(&rp);
    for (int k = 0; k < 3; k++) {
        rp.beta = k == 0 ? 400.0f : k == 1 ? 1e4f : 3e38f;
        for (int energy = 0; energy < 2; energy++) {
            rp.energy = energy;
            uint32_t words[16], mems[8];
            float wts[8];
            soso_recall_result r;
            memset(&r, 0, sizeof r);
            r.words = words;
            r.words_cap = 16;
            r.memories = mems;
            r.weights = wts;
            r.memories_cap = 8;
            CHECK_OK(soso_memory_recall(m, q, nq, &rp, &r));
            CHECK_MSG(r.n_memories >= 1 && wts[0] == 1.0f && r.n_words == 2, "beta %g energy %d: %zu memories, weight %g, %zu words",
                      (double)rp.beta, energy, r.n_memories, r.n_memories ? (double)wts[0] : -1.0, r.n_words);
            for (size_t i = 0; i < r.n_words; i++) {
                const char *w = soso_vocab_word(v, words[i]);
                CHECK(!strcmp(w, "apple") || !strcmp(w, "banana"));
            }
            /* No room for the pattern's 2 words: an error, not a pattern cut to 1 that
             * reads as whole; with no room asked for, only counted. */
            r.words_cap = 1;
            CHECK_STATUS(soso_memory_recall(m, q, nq, &rp, &r), SOSO_E_LIMIT);
            CHECK(r.n_words == 2 && strstr(soso_last_error(), "has 2 words, more than the 1 room") != NULL);
            r.words_cap = 0;
            r.words = NULL;
            CHECK_OK(soso_memory_recall(m, q, nq, &rp, &r));
            CHECK(r.n_words == 2);
        }
    }
    soso_memory_free(m);
    soso_vocab_free(v);
}

/* The bound on a hand-checked case: memories {a,b}, {a,b,c} and two copies of {a,c};
 * masking 60% keeps 1 of 2 or 3 words... so the query {a} is consistent with all three
 * patterns, with posteriors 1/C(2,1), 1/C(3,1), 2/C(2,1). */
static void test_memory_eval_bound_by_hand(void)
{
    soso_vocab *v = vocab_of_size(3);
    soso_memory *m = memory_of("xaa xab\nxaa xab xac\nxaa xac\nxaa xac\n", v);
    CHECK(soso_memory_size(m) == 4);
    soso_memory_eval_params ep;
    soso_memory_eval_params_default(&ep);
    ep.queries = 0;
    soso_recall_params rp;
    soso_recall_params_default(&rp);
    soso_memory_eval_result r;
    CHECK_OK(soso_memory_eval(m, &ep, &rp, 1, &r));
    /* Every query keeps 1 word. Queries from {a,b}: {a} or {b}; from {a,b,c}: one of
     * a, b, c; from {a,c}: {a} or {c}. The bound averages the best posterior. */
    CHECK(r.queries == 4 && r.consistent >= 1.0 && r.bound > 0 && r.bound <= 1.0 && r.uniform <= r.bound + 1e-12);
    /* With one thread and with two, the same figures. */
    soso_memory_eval_result r2;
    ep.threads = 2;
    CHECK_OK(soso_memory_eval(m, &ep, &rp, 1, &r2));
    CHECK(r.exact == r2.exact && r.bound == r2.bound && r.top1 == r2.top1 && r.mean_hamming == r2.mean_hamming);
    soso_memory_free(m);
    soso_vocab_free(v);
}

static void test_memory_files_and_bad_input(void)
{
    const size_t V = 30;
    soso_vocab *v = vocab_of_size(V);
    char *text = random_corpus(40, V, 2, 5, 3);
    soso_memory *m = memory_of(text, v);
    soso_corpus *c = NULL;
    const char *more = "lab\txaa xab\n\nunknown words only\n";
    CHECK_OK(soso_corpus_from_buffer(more, strlen(more), &c));
    size_t added = 0, skipped = 0;
    CHECK_OK(soso_memory_add_corpus(m, c, &added, &skipped)); /* incremental add */
    CHECK(added == 1 && skipped == 2 && soso_memory_size(m) == 41);
    CHECK(!strcmp(soso_memory_label(m, 40), "lab") && !strcmp(soso_memory_text(m, 40), "xaa xab"));
    CHECK(soso_memory_label(m, 0) == NULL);
    void *buf = NULL;
    size_t len = 0;
    CHECK_OK(soso_memory_save_buffer(m, &buf, &len));
    soso_memory *back = NULL;
    CHECK_OK(soso_memory_load_buffer(buf, len, &back));
    CHECK(soso_memory_size(back) == 41 && !strcmp(soso_memory_text(back, 40), "xaa xab"));
    uint32_t query[2] = {0, 1}, w1[64], w2[64], m1[8], m2[8];
    float g1[8], g2[8];
    soso_recall_params prm;
    soso_recall_params_default(&prm);
    soso_recall_result a = {w1, 64, 0, m1, g1, 8, 0, 0, 0, 0, 0}, b = {w2, 64, 0, m2, g2, 8, 0, 0, 0, 0, 0};
    CHECK_OK(soso_memory_recall(m, query, 2, &prm, &a));
    CHECK_OK(soso_memory_recall(back, query, 2, &prm, &b));
    CHECK(a.n_words == b.n_words && memcmp(w1, w2, a.n_words * 4) == 0 && memcmp(g1, g2, a.n_memories * 4) == 0);
    /* Every truncation and a flipped byte are refused with a clear error. */
    int unreported = 0;
    for (size_t cut = 0; cut < len; cut++) {
        soso_memory *x = NULL;
        void *copy = malloc(cut ? cut : 1);
        memcpy(copy, buf, cut);
        if (soso_memory_load_buffer(copy, cut, &x) != SOSO_E_FORMAT || x) unreported++;
        soso_memory_free(x);
        free(copy);
    }
    CHECK_MSG(unreported == 0, "%d truncations accepted", unreported);
    ((unsigned char *)buf)[len / 2] ^= 0x10;
    CHECK_STATUS(soso_memory_load_buffer(buf, len, &back), SOSO_E_FORMAT);
    soso_model *not_model = NULL;
    ((unsigned char *)buf)[len / 2] ^= 0x10;
    CHECK_STATUS(soso_model_load_buffer(buf, len, &not_model), SOSO_E_FORMAT); /* a memory is not a model */
    CHECK(strstr(soso_last_error(), "another kind") != NULL);
    soso_memory *nothing = NULL;
    CHECK_STATUS(soso_memory_load("/nonexistent/memory.soso", &nothing), SOSO_E_IO);

    /* Bad recalls. */
    prm.beta = 0;
    CHECK_STATUS(soso_memory_recall(m, query, 2, &prm, &a), SOSO_E_ARG);
    prm.beta = 10;
    uint32_t unsorted[2] = {3, 1}, out_of_range[1] = {999};
    CHECK_STATUS(soso_memory_recall(m, unsorted, 2, &prm, &a), SOSO_E_ARG);
    CHECK_STATUS(soso_memory_recall(m, out_of_range, 1, &prm, &a), SOSO_E_ARG);
    /* An empty query: every memory weighs 1/N, nothing NaN. */
    CHECK_OK(soso_memory_recall(m, NULL, 0, &prm, &a));
    CHECK(a.zero_memories == 41 && fabs(a.zero_weight - 1.0 / 41) < 1e-7 && a.n_memories == 0);
    soso_memory *empty = NULL;
    CHECK_OK(soso_memory_create(v, &empty));
    CHECK_STATUS(soso_memory_recall(empty, query, 2, &prm, &a), SOSO_E_EMPTY);
    soso_memory_eval_params ep;
    soso_memory_eval_params_default(&ep);
    soso_memory_eval_result er;
    CHECK_STATUS(soso_memory_eval(empty, &ep, &prm, 1, &er), SOSO_E_EMPTY);
    ep.mask = 1.0f;
    CHECK_STATUS(soso_memory_eval(m, &ep, &prm, 1, &er), SOSO_E_ARG);
    size_t nw = 0, unknown = 0;
    uint32_t qw[4];
    CHECK_OK(soso_memory_query_words(m, "XAB xaa zzz", SOSO_NUL_TERMINATED, qw, 4, &nw, &unknown));
    CHECK(nw == 2 && qw[0] == 0 && qw[1] == 1 && unknown == 1);
    CHECK_STATUS(soso_memory_query_words(m, "xaa xab xac", SOSO_NUL_TERMINATED, qw, 2, &nw, NULL), SOSO_E_LIMIT);
    soso_memory_free(empty);
    soso_free(buf);
    soso_memory_free(back);
    soso_memory_free(m);
    soso_corpus_free(c);
    free(text);
    soso_vocab_free(v);
}

const soso_test tests_memory[] = {
    {"memory_matches_dense_formula", test_memory_matches_dense_formula},
    {"memory_recovers_disjoint_patterns", test_memory_recovers_disjoint_patterns},
    {"memory_eval_bound_by_hand", test_memory_eval_bound_by_hand},
    {"memory_large_beta", test_memory_large_beta},
    {"memory_files_and_bad_input", test_memory_files_and_bad_input},
    {NULL, NULL},
};
