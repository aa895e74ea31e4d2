/* test_expand.c - co-occurrence expansion: golden values from an independent numpy
 * version (Tests/fixtures/make_expand_fixture.py), the same bits for 1 and 2 threads,
 * planted topics whose documents share no word becoming similar, the setting kept in
 * the model file, and bad input. */
#include "harness.h"

#include <stdlib.h>

/* Reads "R V" then R rows (nnz, indices, values) into a CSR matrix. */
static soso_docs *read_rows(FILE *f, size_t R, size_t V)
{
    size_t *indptr = calloc(R + 1, sizeof *indptr), cap = 16 * R + 16;
    uint32_t *idx = malloc(cap * sizeof *idx);
    float *val = malloc(cap * sizeof *val);
    soso_docs *d = NULL;
    int ok = 1;
    for (size_t i = 0; i < R && ok; i++) {
        size_t n;
        ok = fscanf(f, "%zu", &n) == 1 && indptr[i] + n <= cap;
        for (size_t k = 0; k < n && ok; k++) ok = fscanf(f, "%u", &idx[indptr[i] + k]) == 1;
        for (size_t k = 0; k < n && ok; k++) {
            double x;
            ok = fscanf(f, "%lf", &x) == 1;
            val[indptr[i] + k] = (float)x;
        }
        indptr[i + 1] = indptr[i] + (ok ? n : 0);
    }
    CHECK(ok);
    if (ok) CHECK_OK(soso_docs_from_csr(R, V, indptr, idx, val, &d));
    free(indptr);
    free(idx);
    free(val);
    return d;
}

static int same_bits(const soso_docs *a, const soso_docs *b)
{
    if (soso_docs_rows(a) != soso_docs_rows(b) || soso_docs_nnz(a) != soso_docs_nnz(b)) return 0;
    for (size_t i = 0; i < soso_docs_rows(a); i++) {
        size_t na, nb;
        const uint32_t *ia, *ib;
        const float *va, *vb;
        soso_docs_row(a, i, &na, &ia, &va);
        soso_docs_row(b, i, &nb, &ib, &vb);
        if (na != nb || memcmp(ia, ib, na * sizeof *ia) || memcmp(va, vb, na * sizeof *va)) return 0;
    }
    return 1;
}

static void test_expand_matches_reference(void)
{
    FILE *f = fopen(source_path("Tests/fixtures/expand.txt"), "r");
    CHECK(f != NULL);
    if (!f) return;
    size_t R, V, neighbors;
    unsigned hops;
    double gain;
    CHECK(fscanf(f, " matrix %zu %zu", &R, &V) == 2);
    soso_docs *X = read_rows(f, R, V);
    int cases = 0;
    while (X && fscanf(f, " case %zu %lf %u", &neighbors, &gain, &hops) == 3) {
        soso_docs *want = read_rows(f, R, V), *got1 = NULL, *got2 = NULL;
        CHECK_OK(soso_docs_expand(X, neighbors, (float)gain, hops, 1, &got1));
        CHECK_OK(soso_docs_expand(X, neighbors, (float)gain, hops, 2, &got2));
        if (want && got1 && got2) {
            CHECK_MSG(same_bits(got1, got2), "1 and 2 threads differ (case %zu %g %u)", neighbors, gain, hops);
            CHECK_MSG(soso_docs_nnz(got1) == soso_docs_nnz(want), "nnz %zu, want %zu (case %zu %g)",
                      soso_docs_nnz(got1), soso_docs_nnz(want), neighbors, gain);
            double err = 0;
            for (size_t i = 0; i < R; i++) {
                size_t ng, nw;
                const uint32_t *ig, *iw;
                const float *vg, *vw;
                soso_docs_row(got1, i, &ng, &ig, &vg);
                soso_docs_row(want, i, &nw, &iw, &vw);
                CHECK_MSG(ng == nw, "row %zu: %zu words, want %zu (case %zu %g %u)", i, ng, nw, neighbors, gain, hops);
                for (size_t k = 0; k < ng && k < nw; k++) {
                    CHECK(ig[k] == iw[k]);
                    err = fmax(err, fabs(vg[k] - vw[k]));
                }
            }
            CHECK_MSG(err < 2e-6, "largest difference to numpy %.3g (case %zu %g %u)", err, neighbors, gain, hops);
        }
        soso_docs_free(want);
        soso_docs_free(got1);
        soso_docs_free(got2);
        cases++;
    }
    CHECK(cases == 5);
    soso_docs_free(X);
    fclose(f);
}

/* Words spread over a vocabulary of 3,001 and of 70,001 (the row sort's two and three
 * byte passes; the fixture's 14 words take one): the counts, and so the expansion, are
 * the same with every word moved, in order, to a new column. */
static void test_expand_wide_vocabulary(void)
{
    FILE *f = fopen(source_path("Tests/fixtures/expand.txt"), "r");
    CHECK(f != NULL);
    if (!f) return;
    size_t R, V;
    CHECK(fscanf(f, " matrix %zu %zu", &R, &V) == 2);
    soso_docs *X = read_rows(f, R, V), *want = NULL;
    fclose(f);
    if (X) CHECK_OK(soso_docs_expand(X, 5, 2.0f, 1, 1, &want));
    static const size_t wide[] = {3001, 70001};
    for (int c = 0; c < 2 && want; c++) {
        size_t step = (wide[c] - 2) / (V - 1);
        soso_docs *Xw = NULL, *got = NULL;
        CHECK_OK(soso_docs_create(wide[c], &Xw));
        for (size_t i = 0; i < R && Xw; i++) {
            size_t n;
            const uint32_t *idx;
            const float *val;
            uint32_t moved[64];
            soso_docs_row(X, i, &n, &idx, &val);
            CHECK(n <= 64);
            for (size_t k = 0; k < n && k < 64; k++) moved[k] = (uint32_t)(idx[k] * step + 1);
            CHECK_OK(soso_docs_append_row(Xw, n, moved, val));
        }
        if (Xw) CHECK_OK(soso_docs_expand(Xw, 5, 2.0f, 1, 2, &got));
        for (size_t i = 0; got && i < R; i++) {
            size_t ng, nw;
            const uint32_t *ig, *iw;
            const float *vg, *vw;
            soso_docs_row(got, i, &ng, &ig, &vg);
            soso_docs_row(want, i, &nw, &iw, &vw);
            int same = ng == nw;
            for (size_t k = 0; k < ng && same; k++) same = ig[k] == iw[k] * step + 1 && vg[k] == vw[k];
            CHECK_MSG(same, "row %zu differs over %zu words", i, wide[c]);
        }
        soso_docs_free(Xw);
        soso_docs_free(got);
    }
    soso_docs_free(want);
    soso_docs_free(X);
}

static double cosine(const soso_docs *d, size_t a, size_t b)
{
    size_t na, nb;
    const uint32_t *ia, *ib;
    const float *va, *vb;
    soso_docs_row(d, a, &na, &ia, &va);
    soso_docs_row(d, b, &nb, &ib, &vb);
    double dot = 0, sa = 0, sb = 0;
    for (size_t i = 0, j = 0; i < na && j < nb;) {
        if (ia[i] == ib[j]) dot += (double)va[i++] * vb[j++];
        else if (ia[i] < ib[j]) i++;
        else j++;
    }
    for (size_t i = 0; i < na; i++) sa += (double)va[i] * va[i];
    for (size_t j = 0; j < nb; j++) sb += (double)vb[j] * vb[j];
    return dot / sqrt(sa * sb);
}

/* Four topics of 8 words each; each document holds one pair of words of a topic (every
 * pair twice), so most pairs of documents on a topic share no word. Expanded, documents
 * on a topic overlap and documents on different topics still do not. */
static void test_expand_relates_documents_of_a_topic(void)
{
    enum { T = 4, W = 8, PER = 56 };
    size_t R = T * PER, indptr[T * PER + 1], i = 0;
    uint32_t idx[2 * T * PER];
    float val[2 * T * PER];
    indptr[0] = 0;
    for (uint32_t t = 0; t < T; t++)
        for (int twice = 0; twice < 2; twice++)
            for (uint32_t a = 0; a < W; a++)
                for (uint32_t b = a + 1; b < W; b++, i++) {
                    idx[2 * i] = t * W + a;
                    idx[2 * i + 1] = t * W + b;
                    val[2 * i] = val[2 * i + 1] = 0.70710678f;
                    indptr[i + 1] = 2 * (i + 1);
                }
    CHECK(i == R);
    soso_docs *X = NULL, *E = NULL;
    CHECK_OK(soso_docs_from_csr(R, T * W, indptr, idx, val, &X));
    for (unsigned hops = 1; hops <= 2; hops++) {
        CHECK_OK(soso_docs_expand(X, 8, 4.0f, hops, 2, &E));
        if (!X || !E) break;
        double within = 0, across = 0, within_plain = 0;
        size_t n_within = 0, n_across = 0;
        for (size_t a = 0; a < R; a++)
            for (size_t b = a + 1; b < R; b++) {
                if (a / PER == b / PER) {
                    within += cosine(E, a, b);
                    within_plain += cosine(X, a, b);
                    n_within++;
                } else {
                    across += cosine(E, a, b);
                    n_across++;
                }
            }
        within /= (double)n_within;
        within_plain /= (double)n_within;
        across /= (double)n_across;
        CHECK_MSG(within > 0.5 && within > 2 * within_plain, "mean cosine on a topic %.3f (plain %.3f, hops %u)", within,
                  within_plain, hops);
        CHECK_MSG(across < 1e-6, "mean cosine across topics %.3g (hops %u)", across, hops);
        for (size_t r = 0; r < R; r++) CHECK_NEAR(cosine(E, r, r), 1.0, 1e-6);
        soso_docs_free(E);
        E = NULL;
    }
    soso_docs_free(X);
}

/* Large enough that every stage runs a team of 2 (soso__team_size's work estimates: table
 * 1,500 rows x ~5.5 words x 8, two hops 800 words x 40^2, rows ~8,000 nnz x 40 neighbours,
 * all above its threshold): 1 and 2 threads give the same bits, one hop and two. */
static void test_expand_threads_on_a_larger_corpus(void)
{
    enum { R = 1500, V = 800 };
    size_t *indptr = malloc((R + 1) * sizeof *indptr);
    uint32_t *idx = malloc(R * 8 * sizeof *idx);
    float *val = malloc(R * 8 * sizeof *val);
    CHECK(indptr && idx && val);
    if (!indptr || !idx || !val) goto out;
    uint64_t state = 12345;
    size_t n = 0;
    indptr[0] = 0;
    for (size_t r = 0; r < R; r++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        size_t len = 3 + (size_t)(state >> 60) % 6, start = n;
        while (n - start < len) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            double u = (double)(state >> 11) / 9007199254740992.0;
            uint32_t w = (uint32_t)(V * u * u); /* skewed: low words are frequent */
            int dup = 0;
            for (size_t e = start; e < n; e++) dup |= idx[e] == w;
            if (dup) continue;
            size_t at = n++; /* insertion keeps the row sorted */
            while (at > start && idx[at - 1] > w) { idx[at] = idx[at - 1]; at--; }
            idx[at] = w;
        }
        for (size_t e = start; e < n; e++) val[e] = 1.0f / sqrtf((float)len);
        indptr[r + 1] = n;
    }
    soso_docs *X = NULL;
    CHECK_OK(soso_docs_from_csr(R, V, indptr, idx, val, &X));
    for (unsigned hops = 1; X && hops <= 2; hops++) {
        soso_docs *a = NULL, *b = NULL;
        CHECK_OK(soso_docs_expand(X, 40, 8.0f, hops, 1, &a));
        CHECK_OK(soso_docs_expand(X, 40, 8.0f, hops, 2, &b));
        if (a && b) {
            CHECK_MSG(same_bits(a, b), "1 and 2 threads differ (hops %u)", hops);
            CHECK_MSG(soso_docs_nnz(a) > 10 * soso_docs_nnz(X), "hops %u: nnz %zu from %zu", hops, soso_docs_nnz(a),
                      soso_docs_nnz(X));
        }
        soso_docs_free(a);
        soso_docs_free(b);
    }
    soso_docs_free(X);
out:
    free(indptr);
    free(idx);
    free(val);
}

static void test_expansion_kept_in_model_file(void)
{
    soso_vocab *v = vocab_of_size(12);
    soso_input_options in;
    soso_input_options_default(&in);
    soso_hebbian_params hp;
    soso_hebbian_params_default(&hp);
    hp.units = 3;
    soso_model *m = NULL, *back = NULL, *plain = NULL;
    CHECK_OK(soso_model_create_hebbian(v, &in, &hp, &m));
    if (!m) return;
    size_t n = 9;
    float g = 9;
    unsigned h = 9;
    CHECK_OK(soso_model_expansion(m, &n, &g, &h));
    CHECK(n == 0 && g == 0.0f && h == 0);
    CHECK_OK(soso_model_save(m, scratch_path("plain.soso")));
    CHECK_OK(soso_model_set_expansion(m, 100, 16.0f, 2));
    CHECK_OK(soso_model_save(m, scratch_path("expanded.soso")));
    CHECK_OK(soso_model_load(scratch_path("expanded.soso"), &back));
    CHECK_OK(soso_model_load(scratch_path("plain.soso"), &plain));
    if (back && plain) {
        CHECK_OK(soso_model_expansion(back, &n, &g, &h));
        CHECK(n == 100 && g == 16.0f && h == 2);
        CHECK_OK(soso_model_expansion(plain, &n, &g, &h));
        CHECK(n == 0 && g == 0.0f && h == 0);
    }
    CHECK_STATUS(soso_model_set_expansion(m, 1001, 1.0f, 1), SOSO_E_ARG);
    CHECK_STATUS(soso_model_set_expansion(m, 10, -1.0f, 1), SOSO_E_ARG);
    CHECK_STATUS(soso_model_set_expansion(m, 10, NAN, 1), SOSO_E_ARG);
    CHECK_STATUS(soso_model_set_expansion(m, 10, 1.0f, 0), SOSO_E_ARG);
    CHECK_STATUS(soso_model_set_expansion(m, 10, 1.0f, 3), SOSO_E_ARG);
    CHECK_STATUS(soso_model_set_expansion(NULL, 10, 1.0f, 1), SOSO_E_ARG);
    CHECK_STATUS(soso_model_expansion(m, NULL, &g, &h), SOSO_E_ARG);
    CHECK_STATUS(soso_model_expansion(m, &n, &g, NULL), SOSO_E_ARG);
    CHECK_OK(soso_model_expansion(m, &n, &g, &h)); /* refusals changed nothing */
    CHECK(n == 100 && g == 16.0f && h == 2);
    CHECK_OK(soso_model_set_expansion(m, 0, NAN, 1)); /* none: the gain and hops are ignored */
    CHECK_OK(soso_model_set_expansion(m, 0, 5.0f, 7)); /* and dropped */
    CHECK_OK(soso_model_expansion(m, &n, &g, &h));
    CHECK(n == 0 && g == 0.0f && h == 0);
    soso_model_free(m);
    soso_model_free(back);
    soso_model_free(plain);
    soso_vocab_free(v);
}

/* Values far from 1 (legal, finite), at the largest gain: 1e33 overflowed the float sums
 * and the expansion was refused as "not finite". The rows come out those of the values 1
 * (up to float rounding), at the input's norm; also for 1e-30, summed rescaled too. */
static uint64_t lcg_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

static void test_expand_values_of_any_scale(void)
{
    enum { V = 12, ROWS = 200 };
    const float scales[] = {1, 1e33f, 1e-30f}; /* the first is the reference */
    soso_docs *E[3];
    for (size_t k = 0; k < 3; k++) {
        soso_docs *X = NULL;
        CHECK_OK(soso_docs_create(V, &X));
        uint64_t s = 3;
        for (int r = 0; r < ROWS; r++) { /* 1 to 5 distinct words of 12 */
            uint32_t idx[5];
            float val[5];
            int n = 0, want = 1 + (int)(lcg_next(&s) % 5);
            while (n < want) {
                uint32_t w = (uint32_t)(lcg_next(&s) % V);
                int dup = 0;
                for (int a = 0; a < n; a++) dup |= idx[a] == w;
                if (dup) continue;
                idx[n] = w;
                val[n++] = scales[k];
            }
            CHECK_OK(soso_docs_append_row(X, (size_t)n, idx, val));
        }
        CHECK_OK(soso_docs_expand(X, 1000, 1e6f, 2, 1, &E[k]));
        soso_docs_free(X);
    }
    for (size_t k = 1; k < 3; k++) {
        CHECK(soso_docs_nnz(E[k]) == soso_docs_nnz(E[0]));
        double worst = 0;
        for (size_t r = 0; r < ROWS; r++) {
            size_t n, n0;
            const uint32_t *ix, *ix0;
            const float *v, *v0;
            soso_docs_row(E[k], r, &n, &ix, &v);
            soso_docs_row(E[0], r, &n0, &ix0, &v0);
            CHECK(n == n0);
            for (size_t a = 0; a < n && a < n0; a++) {
                CHECK(ix[a] == ix0[a]);
                worst = fmax(worst, fabs((double)v[a] / scales[k] - v0[a]));
            }
        }
        CHECK_MSG(worst < 1e-5, "scale %g: largest difference to the rows of 1s %.3g", (double)scales[k], worst);
    }
    for (size_t k = 0; k < 3; k++) soso_docs_free(E[k]);
}

static void test_expand_bad_input(void)
{
    { /* a row whose length is past float's range cannot be scaled back to it: refused */
        soso_docs *X = NULL, *E = NULL;
        uint32_t idx[2] = {0, 1};
        float big[2] = {3e38f, 3e38f};
        CHECK_OK(soso_docs_create(2, &X));
        CHECK_OK(soso_docs_append_row(X, 2, idx, big));
        CHECK_OK(soso_docs_append_row(X, 2, idx, big));
        CHECK_STATUS(soso_docs_expand(X, 1, 1.0f, 1, 1, &E), SOSO_E_NUMERIC);
        CHECK(E == NULL && strstr(soso_last_error(), "not finite") != NULL);
        soso_docs_free(X);
    }
    size_t indptr[] = {0, 2};
    uint32_t idx[] = {0, 1};
    float val[] = {1, 1};
    soso_docs *X = NULL, *E = (soso_docs *)&E;
    CHECK_OK(soso_docs_from_csr(1, 3, indptr, idx, val, &X));
    CHECK_STATUS(soso_docs_expand(NULL, 3, 1.0f, 1, 1, &E), SOSO_E_ARG);
    CHECK_STATUS(soso_docs_expand(X, 3, 1.0f, 1, 1, NULL), SOSO_E_ARG);
    CHECK_STATUS(soso_docs_expand(X, 0, 1.0f, 1, 1, &E), SOSO_E_ARG);
    CHECK_STATUS(soso_docs_expand(X, 1001, 1.0f, 1, 1, &E), SOSO_E_ARG);
    CHECK_STATUS(soso_docs_expand(X, 3, -0.5f, 1, 1, &E), SOSO_E_ARG);
    CHECK_STATUS(soso_docs_expand(X, 3, NAN, 1, 1, &E), SOSO_E_ARG);
    CHECK_STATUS(soso_docs_expand(X, 3, INFINITY, 1, 1, &E), SOSO_E_ARG);
    CHECK_STATUS(soso_docs_expand(X, 3, 1.0f, 0, 1, &E), SOSO_E_ARG);
    CHECK_STATUS(soso_docs_expand(X, 3, 1.0f, 3, 1, &E), SOSO_E_ARG);
    CHECK(E == (soso_docs *)&E); /* nothing written on failure */
    CHECK_OK(soso_docs_expand(X, 3, 1.0f, 1, 0, &E)); /* threads <= 1: serial, as everywhere */
    CHECK(E != (soso_docs *)&E && soso_docs_rows(E) == 1);
    if (E != (soso_docs *)&E) soso_docs_free(E);
    soso_docs_free(X);
}

const soso_test tests_expand[] = {
    {"expand_matches_reference", test_expand_matches_reference},
    {"expand_relates_documents_of_a_topic", test_expand_relates_documents_of_a_topic},
    {"expand_threads_on_a_larger_corpus", test_expand_threads_on_a_larger_corpus},
    {"expand_wide_vocabulary", test_expand_wide_vocabulary},
    {"expansion_kept_in_model_file", test_expansion_kept_in_model_file},
    {"expand_values_of_any_scale", test_expand_values_of_any_scale},
    {"expand_bad_input", test_expand_bad_input},
    {NULL, NULL},
};
