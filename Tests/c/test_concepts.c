/* test_concepts.c - ranking, profiles and query expansion: against a brute-force
 * reference, on planted groups, on bad input, and on the real corpus against a plain
 * bag-of-words cosine baseline (precision at 10 for held-out queries; both reported). */
#include "harness.h"

#include <stdint.h>
#include <stdlib.h>


typedef struct {
    soso_corpus *c;
    soso_vocab *v;
    soso_docs *d;
    soso_model *m;
} fixture;

/* Three planted groups of 10 documents each, words drawn within the group. */
static const char *GROUPS[3][6] = {{"apple", "pear", "plum", "cherry", "peach", "mango"},
                                   {"oak", "pine", "elm", "birch", "maple", "cedar"},
                                   {"trout", "cod", "tuna", "salmon", "perch", "carp"}};

static fixture planted(uint32_t units, int osc)
{
    char text[4096];
    size_t len = 0;
    uint64_t s = 5;
    for (int i = 0; i < 30; i++) {
        int g = i % 3;
        for (int w = 0; w < 3; w++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            len += (size_t)sprintf(text + len, "%s ", GROUPS[g][(s >> 33) % 6]);
        }
        text[len++] = '\n';
    }
    fixture f = {0};
    soso_text_options to;
    soso_text_options_default(&to);
    to.min_df = 1;
    soso_input_options in;
    soso_input_options_default(&in);
    CHECK_OK(soso_corpus_from_buffer(text, len, &f.c));
    CHECK_OK(soso_vocab_build_corpus(f.c, &to, NULL, 0, &f.v));
    CHECK_OK(soso_docs_from_corpus(f.c, f.v, &in, &f.d));
    if (osc) {
        soso_osc_params p;
        soso_osc_params_default(&p);
        p.units = units;
        p.sparsity = 1;
        CHECK_OK(soso_model_create_osc(f.v, &in, &p, f.d, &f.m));
    } else {
        soso_hebbian_params p;
        soso_hebbian_params_default(&p);
        p.units = units;
        p.epochs = 50;
        p.batch = 5;
        CHECK_OK(soso_model_create_hebbian(f.v, &in, &p, &f.m));
    }
    CHECK_OK(soso_model_train(f.m, f.d, NULL, NULL));
    return f;
}

static void fixture_free(fixture *f)
{
    soso_model_free(f->m);
    soso_docs_free(f->d);
    soso_vocab_free(f->v);
    soso_corpus_free(f->c);
}

/* The reference: codes from encode_docs, the k strongest by |value| kept (ties: lower
 * index), cosine in double, sorted by score then index. */
static int ref_cmp(const void *x, const void *y)
{
    const double *a = x, *b = y;
    if (a[1] != b[1]) return a[1] > b[1] ? -1 : 1;
    return (a[0] > b[0]) - (a[0] < b[0]);
}

static void ref_reduce(double *a, size_t H, size_t k)
{
    double orig[64];
    memcpy(orig, a, H * sizeof *a);
    for (size_t i = 0; i < H; i++) {
        size_t rank = 0;
        for (size_t h = 0; h < H; h++)
            if (fabs(orig[h]) > fabs(orig[i]) || (fabs(orig[h]) == fabs(orig[i]) && h < i)) rank++;
        if (rank >= k) a[i] = 0;
    }
}

static void test_rank_matches_reference(void)
{
    for (int osc = 0; osc <= 1; osc++) {
        /* 6 units for 3 groups: codes of mixed signs and sizes, so the reduction matters. */
        fixture f = planted(6, osc);
        size_t H = soso_model_units(f.m), R = soso_docs_rows(f.d), k = osc ? 2 : 3;
        float *codes = malloc(R * H * sizeof *codes);
        CHECK_OK(soso_model_encode_docs(f.m, f.d, codes, R * H, 1));
        float q[8];
        CHECK_OK(soso_model_encode_text(f.m, "apple pear oak", SOSO_NUL_TERMINATED, q, 8));
        double t[8], *ref = malloc(R * 2 * sizeof *ref), tn = 0;
        for (size_t h = 0; h < H; h++) t[h] = q[h];
        double keep_t[8];
        memcpy(keep_t, t, H * sizeof *t);
        ref_reduce(keep_t, H, k);
        for (size_t h = 0; h < H; h++) tn += keep_t[h] * keep_t[h];
        size_t n = 0;
        for (size_t r = 0; r < R; r++) {
            double a[8], an = 0, dot = 0;
            for (size_t h = 0; h < H; h++) a[h] = codes[r * H + h];
            ref_reduce(a, H, k);
            for (size_t h = 0; h < H; h++) an += a[h] * a[h], dot += a[h] * keep_t[h];
            if (an == 0) continue;
            ref[2 * n] = (double)r;
            ref[2 * n + 1] = dot / sqrt(an * tn);
            n++;
        }
        qsort(ref, n, 2 * sizeof *ref, ref_cmp);
        soso_match got[30];
        size_t found = 0;
        soso_match_params mp;
        soso_match_params_default(&mp);
        mp.keep = (uint32_t)k;
        CHECK_OK(soso_model_rank(f.m, f.d, q, H, &mp, got, 30, &found));
        CHECK_MSG(found == n, "found %zu, reference %zu", found, n);
        int bad = 0;
        for (size_t i = 0; i < found && i < n; i++) {
            if (fabs(got[i].score - ref[2 * i + 1]) > 1e-5) bad++;
            /* Order may differ only inside a group of (numerically) equal scores. */
            if (got[i].doc != (uint32_t)ref[2 * i] && fabs(got[i].score - ref[2 * i + 1]) > 1e-6) bad++;
        }
        CHECK_MSG(bad == 0, "%s: %d of %zu ranks differ from the reference", osc ? "osc" : "hebbian", bad, found);
        free(ref);
        free(codes);
        fixture_free(&f);
    }
}

static int group_of(const fixture *f, uint32_t doc)
{
    const char *t = soso_corpus_text(f->c, doc, NULL);
    for (int g = 0; g < 3; g++)
        for (int w = 0; w < 6; w++)
            if (strstr(t, GROUPS[g][w])) return g;
    return -1;
}

static void test_planted_rank_profile_expand(void)
{
    fixture f = planted(3, 1);
    size_t H = soso_model_units(f.m);
    float q[3];
    CHECK_OK(soso_model_encode_text(f.m, "tuna carp", SOSO_NUL_TERMINATED, q, 3));
    soso_match top[10];
    size_t found = 0;
    CHECK_OK(soso_model_rank(f.m, f.d, q, H, NULL, top, 10, &found));
    int same = 0;
    for (size_t i = 0; i < found; i++) same += group_of(&f, top[i].doc) == 2;
    CHECK_MSG(found == 10 && same == 10, "fish query: %d of %zu top documents are fish", same, found);

    /* Recommendations: liked fruit documents; never a liked one, all fruit. */
    uint32_t liked[] = {0, 3, 6}; /* documents 0, 3, 6 are group 0 */
    float profile[3];
    CHECK_OK(soso_model_profile(f.m, f.d, liked, 3, 0, profile, 3));
    soso_match_params mp;
    soso_match_params_default(&mp);
    mp.exclude = liked;
    mp.n_exclude = 3;
    mp.threads = 2;
    CHECK_OK(soso_model_rank(f.m, f.d, profile, 3, &mp, top, 10, &found));
    int liked_back = 0;
    same = 0;
    for (size_t i = 0; i < found; i++) {
        liked_back += top[i].doc == 0 || top[i].doc == 3 || top[i].doc == 6;
        same += i < 7 && group_of(&f, top[i].doc) == 0 && top[i].score > 0.5f;
    }
    CHECK_MSG(liked_back == 0, "%d liked documents recommended", liked_back);
    /* The 7 other fruit documents first; then documents sharing no concept (score ~0). */
    CHECK_MSG(found == 10 && same == 7 && fabsf(top[7].score) < 1e-3f, "recommended %zu, %d of the first 7 fruit",
              found, same);

    /* Expansion: the fish concept's words, all fish. */
    uint32_t words[6];
    float weights[6];
    CHECK_OK(soso_model_expand(f.m, q, 3, 0, 6, words, weights, &found));
    int fish = 0;
    for (size_t i = 0; i < found; i++) {
        const char *w = soso_vocab_word(f.v, words[i]);
        for (int j = 0; j < 6; j++) fish += !strcmp(w, GROUPS[2][j]);
        if (i) CHECK(weights[i] <= weights[i - 1]);
    }
    CHECK_MSG(found == 6 && fish == 6, "expansion: %d of %zu words are fish", fish, found);

    /* Bad input: unknown words only, out-of-range documents, NULLs. */
    float z[3];
    CHECK_OK(soso_model_encode_text(f.m, "zebra", SOSO_NUL_TERMINATED, z, 3));
    CHECK_STATUS(soso_model_rank(f.m, f.d, z, 3, NULL, top, 10, &found), SOSO_E_EMPTY);
    CHECK_STATUS(soso_model_expand(f.m, z, 3, 0, 6, words, weights, &found), SOSO_E_EMPTY);
    uint32_t far[] = {30};
    CHECK_STATUS(soso_model_profile(f.m, f.d, far, 1, 0, profile, 3), SOSO_E_ARG);
    CHECK_STATUS(soso_model_profile(f.m, f.d, liked, 0, 0, profile, 3), SOSO_E_EMPTY);
    mp.exclude = far;
    mp.n_exclude = 1;
    CHECK_STATUS(soso_model_rank(f.m, f.d, q, 3, &mp, top, 10, &found), SOSO_E_ARG);
    CHECK_STATUS(soso_model_rank(f.m, f.d, q, 2, NULL, top, 10, &found), SOSO_E_ARG);
    CHECK_STATUS(soso_model_rank(NULL, f.d, q, 3, NULL, top, 10, &found), SOSO_E_ARG);
    q[1] = NAN;
    CHECK_STATUS(soso_model_rank(f.m, f.d, q, 3, NULL, top, 10, &found), SOSO_E_NUMERIC);
    fixture_free(&f);
}

/* Match parameters that mix in a query's row at weight w. */
static soso_match_params with_words(float w, const uint32_t *words, const float *values, size_t n)
{
    soso_match_params mp;
    soso_match_params_default(&mp);
    mp.word_weight = w;
    mp.query_words = words;
    mp.query_values = values;
    mp.query_nnz = n;
    return mp;
}

/* The query's own words: every score is (1 - w) the concepts' cosine + w the words'
 * cosine (computed here from the rows), so among the fish documents, all alike by
 * concept, those holding "tuna" or "carp" come first; and the refusals. */
static void test_query_words_mix_into_rank(void)
{
    fixture f = planted(3, 1);
    size_t H = soso_model_units(f.m), R = soso_docs_rows(f.d);
    float q[3];
    CHECK_OK(soso_model_encode_text(f.m, "tuna carp", SOSO_NUL_TERMINATED, q, 3));
    soso_corpus *qc = NULL;
    soso_docs *qd = NULL;
    soso_input_options in;
    soso_input_options_default(&in);
    CHECK_OK(soso_corpus_from_buffer("tuna carp", SOSO_NUL_TERMINATED, &qc));
    CHECK_OK(soso_docs_from_corpus(qc, f.v, &in, &qd));
    size_t qn = 0;
    const uint32_t *qix = NULL;
    const float *qval = NULL;
    CHECK_OK(soso_docs_row(qd, 0, &qn, &qix, &qval));
    CHECK(qn == 2);
    soso_match plain[30], mixed[30];
    size_t n_plain = 0, n_mixed = 0;
    CHECK_OK(soso_model_rank(f.m, f.d, q, H, NULL, plain, 30, &n_plain));
    soso_match_params mp = with_words(0.5f, qix, qval, qn);
    mp.threads = 2;
    CHECK_OK(soso_model_rank(f.m, f.d, q, H, &mp, mixed, 30, &n_mixed));
    CHECK(n_plain == n_mixed && n_plain == R);
    double concept[30] = {0};
    for (size_t i = 0; i < n_plain; i++) concept[plain[i].doc] = plain[i].score;
    int bad = 0, holders = 0;
    for (size_t i = 0; i < n_mixed; i++) {
        size_t rn;
        const uint32_t *ix;
        const float *val;
        soso_docs_row(f.d, mixed[i].doc, &rn, &ix, &val);
        double dot = 0, nn = 0, qq = 0;
        for (size_t e = 0; e < qn; e++) qq += (double)qval[e] * qval[e];
        for (size_t e = 0; e < rn; e++) {
            nn += (double)val[e] * val[e];
            for (size_t j = 0; j < qn; j++)
                if (ix[e] == qix[j]) dot += (double)val[e] * qval[j];
        }
        double want = 0.5 * concept[mixed[i].doc] + 0.5 * dot / sqrt(nn * qq);
        bad += fabs(mixed[i].score - want) > 1e-5;
        if (i > 0) bad += mixed[i].score > mixed[i - 1].score;
        holders += dot > 0;
    }
    CHECK_MSG(bad == 0, "%d mixed scores or ranks differ from the reference", bad);
    /* Every document holding a query word ranks above every one holding none. */
    int first_without = -1, misplaced = 0;
    for (size_t i = 0; i < n_mixed; i++) {
        const char *t = soso_corpus_text(f.c, mixed[i].doc, NULL);
        int has = strstr(t, "tuna") || strstr(t, "carp");
        if (!has && first_without < 0) first_without = (int)i;
        if (has && first_without >= 0) misplaced++;
    }
    CHECK_MSG(holders > 0 && misplaced == 0, "%d documents with a query word below one without", misplaced);
    /* Bad input. */
    mp.word_weight = 1.5f;
    CHECK_STATUS(soso_model_rank(f.m, f.d, q, H, &mp, mixed, 30, &n_mixed), SOSO_E_ARG);
    mp.word_weight = NAN;
    CHECK_STATUS(soso_model_rank(f.m, f.d, q, H, &mp, mixed, 30, &n_mixed), SOSO_E_ARG);
    mp.word_weight = 0.5f;
    mp.query_values = NULL;
    CHECK_STATUS(soso_model_rank(f.m, f.d, q, H, &mp, mixed, 30, &n_mixed), SOSO_E_ARG);
    uint32_t down[2] = {qix[1], qix[0]}, far[1] = {(uint32_t)soso_vocab_size(f.v)};
    float vals[2] = {1, 1}, nan_val[1] = {NAN};
    mp.query_words = down;
    mp.query_values = vals;
    CHECK_STATUS(soso_model_rank(f.m, f.d, q, H, &mp, mixed, 30, &n_mixed), SOSO_E_ARG);
    mp.query_words = far;
    mp.query_nnz = 1;
    CHECK_STATUS(soso_model_rank(f.m, f.d, q, H, &mp, mixed, 30, &n_mixed), SOSO_E_ARG);
    mp.query_words = qix;
    mp.query_values = nan_val;
    CHECK_STATUS(soso_model_rank(f.m, f.d, q, H, &mp, mixed, 30, &n_mixed), SOSO_E_NUMERIC);
    mp.query_nnz = 0;
    CHECK_STATUS(soso_model_rank(f.m, f.d, q, H, &mp, mixed, 30, &n_mixed), SOSO_E_EMPTY);
    /* A query without a known word: its row is empty (soso_docs_row gives NULLs), and the
     * answer is the concepts' "no concept", as without words. */
    float z[3];
    CHECK_OK(soso_model_encode_text(f.m, "zebra", SOSO_NUL_TERMINATED, z, 3));
    soso_match_params none = with_words(0.5f, NULL, NULL, 0);
    CHECK_STATUS(soso_model_rank(f.m, f.d, z, H, &none, mixed, 30, &n_mixed), SOSO_E_EMPTY);
    soso_docs_free(qd);
    soso_corpus_free(qc);
    fixture_free(&f);
}

/* Held-out queries on the real corpus: train on the first 800 documents, query with each
 * of the last 200, rank the 800, and count same-label documents in the top 10. The
 * baseline ranks by the cosine of the binary bag-of-words vectors. */
static void test_precision_at_10_against_bag_of_words(void)
{
    soso_corpus *all = NULL, *train = NULL;
    CHECK_OK(soso_corpus_read_file(source_path("data/wn6-1k.tsv"), &all));
    size_t N = soso_corpus_size(all), T = 800;
    train = corpus_head(all, T);
    soso_text_options to;
    soso_text_options_default(&to);
    soso_input_options in;
    soso_input_options_default(&in);
    soso_vocab *v = NULL;
    soso_docs *d = NULL;
    soso_model *m = NULL;
    CHECK_OK(soso_vocab_build_corpus(train, &to, NULL, 0, &v));
    CHECK_OK(soso_docs_from_corpus(train, v, &in, &d));
    soso_osc_params op;
    soso_osc_params_default(&op);
    op.units = 24;
    CHECK_OK(soso_model_create_osc(v, &in, &op, d, &m));
    CHECK_OK(soso_model_train(m, d, NULL, NULL));

    /* Word sets of the training documents, for the baseline. */
    soso_docs *qd = NULL;
    CHECK_OK(soso_docs_from_corpus(all, v, &in, &qd));
    double hits_c = 0, hits_b = 0, hits_w = 0;
    size_t queries = 0;
    float codes[24];
    soso_match top[10];
    double *bow = malloc(T * sizeof *bow);
    for (size_t q = T; q < N; q++) {
        size_t ql;
        const char *label = soso_corpus_label(all, q, &ql);
        if (soso_model_encode_text(m, soso_corpus_text(all, q, NULL), SOSO_NUL_TERMINATED, codes, 24) != SOSO_OK)
            continue;
        size_t found = 0;
        if (soso_model_rank(m, d, codes, 24, NULL, top, 10, &found) != SOSO_OK || found < 10) continue;
        /* Baseline: shared words / sqrt(|a||b|), ties by index, over documents sharing a word. */
        size_t qn, rn;
        const uint32_t *qix, *ix;
        const float *val, *qval;
        CHECK_OK(soso_docs_row(qd, q, &qn, &qix, &qval));
        if (qn == 0) continue;
        queries++;
        for (size_t i = 0; i < 10; i++) {
            size_t l;
            const char *lb = soso_corpus_label(train, top[i].doc, &l);
            hits_c += l == ql && !memcmp(lb, label, l);
        }
        /* Concepts and the query's own words (the CLI's default word weight). */
        soso_match_params mp = with_words(0.25f, qix, qval, qn);
        CHECK_OK(soso_model_rank(m, d, codes, 24, &mp, top, 10, &found));
        for (size_t i = 0; i < found; i++) {
            size_t l;
            const char *lb = soso_corpus_label(train, top[i].doc, &l);
            hits_w += l == ql && !memcmp(lb, label, l);
        }
        for (size_t r = 0; r < T; r++) {
            soso_docs_row(d, r, &rn, &ix, &val);
            size_t shared = 0, a = 0, b = 0;
            while (a < rn && b < qn) {
                if (ix[a] == qix[b]) shared++, a++, b++;
                else if (ix[a] < qix[b]) a++;
                else b++;
            }
            bow[r] = rn ? (double)shared / sqrt((double)rn * (double)qn) : 0;
        }
        for (int i = 0; i < 10; i++) {
            size_t best = 0;
            for (size_t r = 1; r < T; r++)
                if (bow[r] > bow[best]) best = r;
            size_t l;
            const char *lb = soso_corpus_label(train, best, &l);
            hits_b += bow[best] > 0 && l == ql && !memcmp(lb, label, l);
            bow[best] = -1;
        }
    }
    printf("     precision at 10 over %zu held-out queries: concepts (osc, 24 units, all codes) %.3f, with the query's "
           "words at weight 0.25 %.3f, bag of words %.3f\n",
           queries, hits_c / (10.0 * queries), hits_w / (10.0 * queries), hits_b / (10.0 * queries));
    CHECK_MSG(queries > 150, "only %zu queries had known words", queries);
    /* Six balanced labels: chance is about 1/6. Both rankings must carry real signal. */
    CHECK(hits_c / (10.0 * queries) > 0.3 && hits_b / (10.0 * queries) > 0.3);
    /* The query's words at the CLI's default weight rank no worse (0.549 against 0.541). */
    CHECK_MSG(hits_w >= hits_c, "with the query's words %.0f hits, concepts alone %.0f", hits_w, hits_c);
    free(bow);
    soso_docs_free(qd);
    soso_model_free(m);
    soso_docs_free(d);
    soso_vocab_free(v);
    soso_corpus_free(train);
    soso_corpus_free(all);
}

const soso_test tests_concepts[] = {
    {"rank_matches_reference", test_rank_matches_reference},
    {"planted_rank_profile_expand", test_planted_rank_profile_expand},
    {"precision_at_10_against_bag_of_words", test_precision_at_10_against_bag_of_words},
    {"query_words_mix_into_rank", test_query_words_mix_into_rank},
    {NULL, NULL},
};
