/* test_stack.c - layer-wise stacking: the composed model codes documents exactly as the
 * two layers in a row, an osc pair stays orthonormal, an upper layer over a wider lower
 * one recovers planted groups, and bad input is refused. */
#include "harness.h"

#include <stdint.h>
#include <stdlib.h>

/* Three planted groups of 20 labelled documents, four words each drawn within the group. */
static const char *GROUPS[3][6] = {{"apple", "pear", "plum", "cherry", "peach", "mango"},
                                   {"oak", "pine", "elm", "birch", "maple", "cedar"},
                                   {"trout", "cod", "tuna", "salmon", "perch", "carp"}};

typedef struct {
    soso_corpus *c;
    soso_vocab *v;
    soso_docs *d;
    int32_t labels[60];
} planted;

static planted make_planted(void)
{
    char text[8192];
    size_t len = 0;
    uint64_t s = 11;
    for (int i = 0; i < 60; i++) {
        int g = i % 3;
        len += (size_t)sprintf(text + len, "g%d\t", g);
        for (int w = 0; w < 4; w++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            len += (size_t)sprintf(text + len, "%s ", GROUPS[g][(s >> 33) % 6]);
        }
        text[len++] = '\n';
    }
    planted p = {0};
    soso_text_options to;
    soso_text_options_default(&to);
    to.min_df = 1;
    soso_input_options in;
    soso_input_options_default(&in);
    CHECK_OK(soso_corpus_from_buffer(text, len, &p.c));
    CHECK_OK(soso_vocab_build_corpus(p.c, &to, NULL, 0, &p.v));
    CHECK_OK(soso_docs_from_corpus(p.c, p.v, &in, &p.d));
    size_t nl;
    CHECK_OK(soso_corpus_label_ids(p.c, p.labels, 60, &nl));
    return p;
}

static void planted_free(planted *p)
{
    soso_docs_free(p->d);
    soso_vocab_free(p->v);
    soso_corpus_free(p->c);
}

static soso_model *train_osc(const soso_vocab *v, const soso_docs *d, uint32_t units, uint32_t sparsity)
{
    soso_input_options in;
    soso_input_options_default(&in);
    soso_osc_params p;
    soso_osc_params_default(&p);
    p.units = units;
    p.sparsity = sparsity;
    p.epochs = 30;
    soso_model *m = NULL;
    CHECK_OK(soso_model_create_osc(v, &in, &p, d, &m));
    if (m) CHECK_OK(soso_model_train(m, d, NULL, NULL));
    return m;
}

static soso_model *train_hebbian(const soso_vocab *v, const soso_docs *d, uint32_t units, float power)
{
    soso_input_options in;
    soso_input_options_default(&in);
    soso_hebbian_params p;
    soso_hebbian_params_default(&p);
    p.units = units;
    p.p = power;
    p.k = 1;
    p.epochs = 40;
    p.batch = 10;
    soso_model *m = NULL;
    CHECK_OK(soso_model_create_hebbian(v, &in, &p, &m));
    if (m) CHECK_OK(soso_model_train(m, d, NULL, NULL));
    return m;
}

/* Composed codes / |lower codes| must equal the upper layer's codes of the unit-length
 * lower codes, row by row; returns the largest relative difference. */
static double composition_error(const soso_model *lower, const soso_model *upper, const soso_model *both,
                                const soso_docs *d, const soso_docs *codes)
{
    size_t n = soso_docs_rows(d), u1 = soso_model_units(lower), u2 = soso_model_units(upper);
    float *c1 = malloc(n * u1 * sizeof *c1), *c2 = malloc(n * u2 * sizeof *c2), *cb = malloc(n * u2 * sizeof *cb);
    CHECK_OK(soso_model_encode_docs(lower, d, c1, n * u1, 1));
    CHECK_OK(soso_model_encode_docs(upper, codes, c2, n * u2, 1));
    CHECK_OK(soso_model_encode_docs(both, d, cb, n * u2, 1));
    double worst = 0;
    for (size_t r = 0; r < n; r++) {
        double norm = 0, big = 0;
        for (size_t h = 0; h < u1; h++) norm += (double)c1[r * u1 + h] * c1[r * u1 + h];
        norm = sqrt(norm);
        for (size_t h = 0; h < u2; h++) big = fmax(big, fabs(c2[r * u2 + h]));
        for (size_t h = 0; h < u2; h++) {
            double diff = fabs(cb[r * u2 + h] / norm - c2[r * u2 + h]) / (big > 0 ? big : 1);
            if (diff > worst) worst = diff;
        }
    }
    free(c1), free(c2), free(cb);
    return worst;
}

static void test_stack_input_rows(void)
{
    planted p = make_planted();
    soso_model *lower = train_osc(p.v, p.d, 6, 2);
    soso_vocab *uv = NULL;
    soso_docs *codes = NULL;
    CHECK_OK(soso_model_stack_input(lower, p.d, 2, &uv, &codes));
    CHECK(soso_vocab_size(uv) == 6 && soso_docs_rows(codes) == 60 && soso_docs_cols(codes) == 6);
    CHECK(strcmp(soso_vocab_word(uv, 0), "unit0") == 0 && strcmp(soso_vocab_word(uv, 5), "unit5") == 0);
    CHECK(soso_vocab_n_docs(uv) == 60);
    for (size_t r = 0; r < 60; r++) {
        size_t nnz;
        const uint32_t *idx;
        const float *val;
        CHECK_OK(soso_docs_row(codes, r, &nnz, &idx, &val));
        double ss = 0;
        for (size_t j = 0; j < nnz; j++) ss += (double)val[j] * val[j];
        CHECK_NEAR(ss, 1.0, 1e-5);
    }
    soso_docs_free(codes);
    soso_vocab_free(uv);
    soso_model_free(lower);
    planted_free(&p);
}

static void test_composition_is_exact(void)
{
    planted p = make_planted();
    soso_model *lowers[2] = {train_osc(p.v, p.d, 6, 2), train_hebbian(p.v, p.d, 6, 3.0f)};
    for (int l = 0; l < 2; l++) {
        soso_vocab *uv;
        soso_docs *codes;
        CHECK_OK(soso_model_stack_input(lowers[l], p.d, 1, &uv, &codes));
        soso_model *uppers[2] = {train_osc(uv, codes, 3, 1), train_hebbian(uv, codes, 3, 3.0f)};
        for (int u = 0; u < 2; u++) {
            soso_model *both = NULL;
            CHECK_OK(soso_model_stack(lowers[l], uppers[u], &both));
            CHECK(soso_model_units(both) == 3 && soso_model_vocab_size(both) == soso_vocab_size(p.v));
            CHECK(soso_model_learner(both) == soso_model_learner(uppers[u]));
            CHECK(soso_model_epochs_done(both) == soso_model_epochs_done(uppers[u]));
            double err = composition_error(lowers[l], uppers[u], both, p.d, codes);
            CHECK_MSG(err < 1e-4, "lower %d upper %d: composed codes differ by %g", l, u, err);
            if (l == 0 && u == 0) {
                float off;
                CHECK_OK(soso_orthogonality_error(soso_model_weights(both), 3, soso_vocab_size(p.v), 1, &off));
                CHECK_MSG(off < 1e-5, "osc on osc: |W W^T - I| = %g", off);
            }
            soso_model_free(both);
            soso_model_free(uppers[u]);
        }
        soso_docs_free(codes);
        soso_vocab_free(uv);
        soso_model_free(lowers[l]);
    }
    planted_free(&p);
}

/* Nine lower units split the three planted groups; three upper units over their codes
 * join them again: the composed model's clusters are the groups. */
static void test_upper_layer_recovers_groups(void)
{
    planted p = make_planted();
    soso_model *lower = train_osc(p.v, p.d, 9, 3);
    soso_vocab *uv;
    soso_docs *codes;
    CHECK_OK(soso_model_stack_input(lower, p.d, 2, &uv, &codes));
    soso_model *upper = train_osc(uv, codes, 3, 1), *both = NULL;
    CHECK_OK(soso_model_stack(lower, upper, &both));
    soso_eval e;
    CHECK_OK(soso_model_eval(both, p.d, p.labels, 5, 1, &e));
    CHECK_MSG(e.nmi > 0.9, "NMI of the stacked model on planted groups: %.3f", e.nmi);
    soso_model_free(both);
    soso_model_free(upper);
    soso_docs_free(codes);
    soso_vocab_free(uv);
    soso_model_free(lower);
    planted_free(&p);
}

static void test_stack_bad_input(void)
{
    planted p = make_planted();
    soso_model *lower = train_osc(p.v, p.d, 6, 2), *other = train_osc(p.v, p.d, 4, 2), *out = NULL;
    soso_vocab *uv = NULL;
    soso_docs *codes = NULL, *empty = NULL;
    CHECK_STATUS(soso_model_stack_input(NULL, p.d, 1, &uv, &codes), SOSO_E_ARG);
    CHECK_STATUS(soso_model_stack_input(lower, NULL, 1, &uv, &codes), SOSO_E_ARG);
    CHECK_STATUS(soso_model_stack_input(lower, p.d, 1, NULL, &codes), SOSO_E_ARG);
    CHECK_OK(soso_docs_create(soso_vocab_size(p.v), &empty));
    CHECK_STATUS(soso_model_stack_input(lower, empty, 1, &uv, &codes), SOSO_E_ARG);
    soso_docs_free(empty);
    CHECK_OK(soso_docs_create(3, &empty));
    CHECK_OK(soso_docs_append_row(empty, 1, (const uint32_t[]){0}, (const float[]){1}));
    CHECK_STATUS(soso_model_stack_input(lower, empty, 1, &uv, &codes), SOSO_E_ARG);
    soso_docs_free(empty);
    CHECK(uv == NULL && codes == NULL);
    /* An upper layer must read the lower layer's units. */
    CHECK_OK(soso_model_stack_input(other, p.d, 1, &uv, &codes));
    soso_model *upper = train_osc(uv, codes, 2, 1);
    CHECK_STATUS(soso_model_stack(lower, upper, &out), SOSO_E_ARG);
    CHECK_STATUS(soso_model_stack(NULL, upper, &out), SOSO_E_ARG);
    CHECK_STATUS(soso_model_stack(other, upper, NULL), SOSO_E_ARG);
    /* A p just above 1 cannot be inverted in float: refused, not silently wrong. */
    soso_model *steep = train_hebbian(uv, codes, 2, 1.01f);
    soso_status st = soso_model_stack(other, steep, &out);
    CHECK_MSG(st == SOSO_E_NUMERIC || (st == SOSO_OK && out), "p = 1.01: %s", soso_last_error());
    if (st == SOSO_OK) { /* representable after all: then it must be exact */
        CHECK(composition_error(other, steep, out, p.d, codes) < 1e-4);
        soso_model_free(out);
        out = NULL;
    }
    soso_model_free(steep);
    /* Hebbian p = 1 codes with sign(W), which cannot be inverted. */
    soso_model *flat = train_hebbian(uv, codes, 2, 1.0f);
    CHECK_STATUS(soso_model_stack(other, flat, &out), SOSO_E_ARG);
    CHECK(out == NULL);
    soso_model_free(flat);
    /* More upper osc units than the lower model has words: refused (such a model could
     * not be loaded again). 25 Hebbian units over the 18 planted words, osc 20 on them. */
    soso_model *wide = train_hebbian(p.v, p.d, 25, 2.0f), *narrow;
    soso_vocab *wv;
    soso_docs *wc;
    CHECK_OK(soso_model_stack_input(wide, p.d, 1, &wv, &wc));
    narrow = train_osc(wv, wc, 20, 2);
    CHECK_STATUS(soso_model_stack(wide, narrow, &out), SOSO_E_ARG);
    CHECK(out == NULL);
    soso_model_free(narrow);
    soso_docs_free(wc);
    soso_vocab_free(wv);
    soso_model_free(wide);
    soso_model_free(upper);
    soso_docs_free(codes);
    soso_vocab_free(uv);
    soso_model_free(other);
    soso_model_free(lower);
    planted_free(&p);
}

const soso_test tests_stack[] = {
    {"stack_input_rows", test_stack_input_rows},
    {"stack_composition_is_exact", test_composition_is_exact},
    {"stack_upper_layer_recovers_groups", test_upper_layer_recovers_groups},
    {"stack_bad_input", test_stack_bad_input},
    {NULL, NULL},
};
