/* test_encode.c - codes, top-k masking, thresholds, argmax and topic words. */
#include "harness.h"

#include <stdlib.h>

static void test_topk_mask(void)
{
    float a[] = {0.5f, -2.0f, 3.0f, 0.5f, 1.0f, -0.1f};
    CHECK_OK(soso_topk_mask(a, 6, 3, 0));
    float want[] = {0.5f, 0, 3.0f, 0, 1.0f, 0}; /* tie 0.5/0.5: lower index kept */
    CHECK(memcmp(a, want, sizeof a) == 0);

    float b[] = {0.5f, -2.0f, 3.0f, 0.5f, 1.0f, -0.1f};
    CHECK_OK(soso_topk_mask(b, 6, 2, 1)); /* by magnitude */
    float want_b[] = {0, -2.0f, 3.0f, 0, 0, 0};
    CHECK(memcmp(b, want_b, sizeof b) == 0);

    float c[] = {1, 2, 3};
    CHECK_OK(soso_topk_mask(c, 3, 5, 0)); /* k >= n keeps all */
    CHECK(c[0] == 1 && c[1] == 2 && c[2] == 3);
    CHECK_OK(soso_topk_mask(c, 3, 0, 0));
    CHECK(c[0] == 0 && c[1] == 0 && c[2] == 0);

    float e[] = {2, 2, 2, 2};
    CHECK_OK(soso_topk_mask(e, 4, 2, 0)); /* all equal: the first two */
    CHECK(e[0] == 2 && e[1] == 2 && e[2] == 0 && e[3] == 0);
    CHECK_STATUS(soso_topk_mask(NULL, 3, 1, 0), SOSO_E_ARG);

    /* Against a brute-force reference on random vectors. */
    uint64_t s = 99;
    for (int trial = 0; trial < 200; trial++) {
        float x[40], y[40];
        size_t n = 1 + trial % 40, k = (size_t)trial % (n + 1);
        for (size_t i = 0; i < n; i++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            x[i] = y[i] = (float)((int)(s >> 58) - 32) / 8.0f; /* many ties */
        }
        int mag = trial & 1;
        CHECK_OK(soso_topk_mask(x, n, k, mag));
        for (size_t i = 0; i < n; i++) {
            size_t better = 0; /* entries that beat i */
            float ki = mag ? fabsf(y[i]) : y[i];
            for (size_t j = 0; j < n; j++) {
                float kj = mag ? fabsf(y[j]) : y[j];
                if (kj > ki || (kj == ki && j < i)) better++;
            }
            CHECK(x[i] == (better < k ? y[i] : 0.0f));
        }
    }
}

static void test_threshold_and_argmax(void)
{
    float a[] = {0.2f, -1.0f, 0.7f, 0.3f};
    size_t kept = 0;
    CHECK_OK(soso_threshold(a, 4, 0.25f, &kept));
    CHECK(kept == 2 && a[0] == 0 && a[1] == 0 && a[2] == 0.7f && a[3] == 0.3f);
    CHECK_STATUS(soso_threshold(a, 4, NAN, NULL), SOSO_E_NUMERIC);

    float b[] = {1, 3, 3, 2};
    CHECK(soso_argmax(b, 4) == 1);
    float c[] = {NAN, -5, NAN};
    CHECK(soso_argmax(c, 3) == 1);
    CHECK(soso_argmax(b, 0) == -1 && soso_argmax(NULL, 3) == -1);
}

/* A 3-unit model over the vocabulary {apple, fig, kiwi, pear} with chosen weights. */
static soso_model *hand_model(void)
{
    soso_vocab *v = vocab_from_text("apple pear\napple kiwi\nfig pear\nfig kiwi\n", 2, 1);
    soso_hebbian_params p;
    soso_hebbian_params_default(&p);
    p.units = 3;
    soso_input_options in;
    soso_input_options_default(&in);
    soso_model *m = NULL;
    CHECK_OK(soso_model_create_hebbian(v, &in, &p, &m));
    float W[12] = {
        0.9f, 0.1f, -0.3f, 0.4f,  /* unit 0: apple, pear; against kiwi */
        -0.2f, 0.8f, 0.6f, 0.0f,  /* unit 1: fig, kiwi */
        0.1f, 0.1f, 0.1f, 0.1f,   /* unit 2: flat */
    };
    CHECK_OK(soso_model_set_weights(m, W, 12));
    float bad[12] = {0};
    bad[5] = INFINITY;
    CHECK_STATUS(soso_model_set_weights(m, bad, 12), SOSO_E_NUMERIC);
    CHECK_STATUS(soso_model_set_weights(m, W, 11), SOSO_E_ARG);
    soso_vocab_free(v);
    return m;
}

static void test_encode_text(void)
{
    soso_model *m = hand_model();
    float a[3];
    size_t known = 0, unknown = 0;
    CHECK_OK(soso_model_encode_text_ex(m, "Apple and PEAR, banana", SOSO_NUL_TERMINATED, a, 3, &known, &unknown));
    CHECK(known == 2 && unknown == 1);
    double r = 1 / sqrt(2.0); /* binary, L2-normalised: x = (r, 0, 0, r) */
    CHECK_NEAR(a[0], (0.9 + 0.4) * r, 1e-6);
    CHECK_NEAR(a[1], (-0.2 + 0.0) * r, 1e-6);
    CHECK_NEAR(a[2], 0.2 * r, 1e-6);
    CHECK(soso_argmax(a, 3) == 0);
    CHECK_OK(soso_model_encode_text(m, "no known words", SOSO_NUL_TERMINATED, a, 3));
    CHECK(a[0] == 0 && a[1] == 0 && a[2] == 0);
    CHECK_STATUS(soso_model_encode_text(m, "apple", 5, a, 2), SOSO_E_ARG);

    /* Encoding a matrix gives the same codes as encoding each text. */
    soso_docs *d = NULL;
    soso_input_options in;
    soso_input_options_default(&in);
    CHECK_OK(soso_docs_create(4, &d));
    CHECK_OK(soso_docs_append_text(d, soso_model_vocab(m), &in, "fig kiwi kiwi", SOSO_NUL_TERMINATED, NULL));
    CHECK_OK(soso_docs_append_text(d, soso_model_vocab(m), &in, "apple pear", SOSO_NUL_TERMINATED, NULL));
    float codes[6], one[3];
    CHECK_OK(soso_model_encode_docs(m, d, codes, 6, 2));
    CHECK_OK(soso_model_encode_text(m, "fig kiwi kiwi", SOSO_NUL_TERMINATED, one, 3));
    CHECK(memcmp(codes, one, sizeof one) == 0);
    CHECK_STATUS(soso_model_encode_docs(m, d, codes, 5, 1), SOSO_E_ARG);
    soso_docs_free(d);
    soso_model_free(m);
}

static void test_topic_words(void)
{
    soso_model *m = hand_model();
    const soso_vocab *v = soso_model_vocab(m);
    uint32_t ids[4];
    float w[4];
    size_t found = 0;
    CHECK_OK(soso_model_topic_words(m, 0, +1, 4, ids, w, &found));
    CHECK(found == 3); /* three positive weights */
    CHECK(!strcmp(soso_vocab_word(v, ids[0]), "apple") && w[0] == 0.9f);
    CHECK(!strcmp(soso_vocab_word(v, ids[1]), "pear") && w[1] == 0.4f);
    CHECK(!strcmp(soso_vocab_word(v, ids[2]), "fig"));
    CHECK_OK(soso_model_topic_words(m, 0, -1, 4, ids, w, &found));
    CHECK(found == 1 && !strcmp(soso_vocab_word(v, ids[0]), "kiwi") && w[0] == -0.3f);
    CHECK_OK(soso_model_topic_words(m, 1, +1, 1, ids, NULL, &found));
    CHECK(found == 1 && !strcmp(soso_vocab_word(v, ids[0]), "fig"));
    CHECK_OK(soso_model_topic_words(m, 2, +1, 2, ids, w, &found)); /* ties: lower index */
    CHECK(found == 2 && ids[0] == 0 && ids[1] == 1);
    CHECK_STATUS(soso_model_topic_words(m, 3, +1, 2, ids, w, &found), SOSO_E_ARG);
    CHECK_STATUS(soso_model_topic_words(m, 0, 0, 2, ids, w, &found), SOSO_E_ARG);
    soso_model_free(m);
}

const soso_test tests_encode[] = {
    {"topk_mask", test_topk_mask},
    {"threshold_and_argmax", test_threshold_and_argmax},
    {"encode_text", test_encode_text},
    {"topic_words", test_topic_words},
    {NULL, NULL},
};
