/* test_edges.c - what a careless or hostile C caller does at the edges of the public API
 * (an audit's findings, each of which crashed, hung, read uninitialised memory or gave
 * NaN with SOSO_OK before): the status the header promises, and no harm done. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *corpus_text = "apple pear plum\napple pear fig\nfig plum kiwi\n";

static soso_model *hebbian_model(soso_vocab *v)
{
    soso_input_options in;
    soso_input_options_default(&in);
    soso_hebbian_params p;
    soso_hebbian_params_default(&p);
    p.units = 2;
    soso_model *m = NULL;
    CHECK_OK(soso_model_create_hebbian(v, &in, &p, &m));
    return m;
}

/* n = 0 asks for no words: nothing read or written (a heap of size 0 was read at
 * out[0], the caller's garbage taken for a word id: SIGSEGV). */
static void test_topic_words_none_asked(void)
{
    soso_vocab *v = vocab_from_text(corpus_text, 1, 1);
    soso_model *m = hebbian_model(v);
    uint32_t ids[1] = {12345678u};
    size_t found = 7;
    CHECK_OK(soso_model_topic_words(m, 0, 1, 0, ids, NULL, &found));
    CHECK(found == 0 && ids[0] == 12345678u);
    CHECK_OK(soso_model_topic_words(m, 0, -1, 0, NULL, NULL, &found));
    CHECK(found == 0);
    soso_model_free(m);
    soso_vocab_free(v);
}

/* A FIFO is refused before it is opened (the open waited for a writer for ever). */
static void test_stream_refuses_a_fifo(void)
{
    const char *fifo = scratch_path("edges.fifo");
    CHECK(mkfifo(fifo, 0600) == 0);
    soso_stream *s = NULL;
    alarm(20); /* a hang fails the run instead of stalling it */
    CHECK_STATUS(soso_stream_open(fifo, NULL, 10, &s), SOSO_E_IO);
    alarm(0);
    CHECK(s == NULL && strstr(soso_last_error(), "not a regular file") != NULL);
    unlink(fifo);
}

/* A loaded vocabulary's text options are all set: max_distinct, which files do not
 * keep, is the default (it was a stack value, and a new build from these options hit
 * a random SOSO_E_LIMIT). */
static void test_loaded_vocab_options_defined(void)
{
    soso_vocab *v = vocab_from_text(corpus_text, 1, 1), *back = NULL;
    void *buf = NULL;
    size_t len = 0;
    CHECK_OK(soso_vocab_save_buffer(v, &buf, &len));
    CHECK_OK(soso_vocab_load_buffer(buf, len, &back));
    soso_text_options got, want;
    soso_text_options_default(&want);
    memset(&got, 0x5a, sizeof got);
    CHECK_OK(soso_vocab_text_options(back, &got));
    CHECK(got.max_distinct == want.max_distinct);
    soso_free(buf);
    soso_vocab_free(back);
    soso_vocab_free(v);
}

/* Rows of values near 1e-39 scale to unit length (1 / |x| is no float: inf and NaN
 * before), and a stored 0 does not make a starting unit of NaN. */
static void test_tiny_rows_stay_finite(void)
{
    soso_docs *d = NULL;
    CHECK_OK(soso_docs_create(3, &d));
    uint32_t idx[2] = {0, 1}, one[1] = {2};
    float tiny[2] = {1e-40f, 3e-40f}, zero[1] = {0.0f}, lone[1] = {1e-39f};
    CHECK_OK(soso_docs_append_row(d, 2, idx, tiny));
    CHECK_OK(soso_docs_append_row(d, 1, one, lone));
    CHECK_OK(soso_docs_normalize(d));
    size_t nnz = 0;
    const uint32_t *ri = NULL;
    const float *vals = NULL;
    CHECK_OK(soso_docs_row(d, 0, &nnz, &ri, &vals));
    CHECK(nnz == 2 && vals);
    if (vals) {
        CHECK_NEAR(vals[0], 0.316228, 1e-5);
        CHECK_NEAR(vals[1], 0.948683, 1e-5);
    }
    CHECK_OK(soso_docs_row(d, 1, &nnz, &ri, &vals));
    if (vals) CHECK_NEAR(vals[0], 1.0, 1e-6);
    soso_docs_free(d);

    soso_vocab *v = vocab_from_text(corpus_text, 1, 1);
    size_t V = soso_vocab_size(v);
    CHECK_OK(soso_docs_create(V, &d));
    CHECK_OK(soso_docs_append_row(d, 1, idx, zero)); /* nnz 1, length 0 */
    CHECK_OK(soso_docs_append_row(d, 2, idx, tiny));
    soso_input_options in;
    soso_input_options_default(&in);
    soso_soft_params sp;
    soso_soft_params_default(&sp);
    sp.units = 2;
    sp.k = 1;
    sp.init = SOSO_INIT_DOCUMENTS;
    soso_model *m = NULL;
    CHECK_OK(soso_model_create_soft(v, &in, &sp, d, &m));
    const float *W = m ? soso_model_weights(m) : NULL;
    int finite = W != NULL;
    for (size_t i = 0; W && i < 2 * V; i++) finite &= isfinite(W[i]) != 0;
    CHECK(finite);
    soso_model_free(m);
    soso_docs_free(d);
    soso_vocab_free(v);
}

/* NaN codes are refused where they would become NaN words with SOSO_OK, and expand
 * asked for more words than there are allocates only the vocabulary's worth. */
static void test_codes_checked(void)
{
    soso_vocab *v = vocab_from_text(corpus_text, 1, 1);
    soso_model *m = hebbian_model(v);
    size_t V = soso_vocab_size(v), found = 0;
    float codes[2] = {NAN, 1.0f}, *x = malloc(V * sizeof *x);
    uint32_t ids[8];
    x[0] = 42.0f;
    CHECK_STATUS(soso_model_reconstruct(m, codes, 2, x, V), SOSO_E_NUMERIC);
    CHECK(x[0] == 42.0f);
    CHECK_STATUS(soso_model_expand(m, codes, 2, 0, 3, ids, NULL, &found), SOSO_E_NUMERIC);
    codes[0] = 0.5f;
    CHECK_OK(soso_model_expand(m, codes, 2, 0, SIZE_MAX / 8, ids, NULL, &found)); /* ids holds V >= found */
    CHECK(found <= V);
    free(x);
    soso_model_free(m);
    soso_vocab_free(v);
}

/* The header's text convention holds for a corpus from a buffer; a t-SNE learning rate
 * of NaN or below 0 is refused, not taken for the default. */
static void test_conventions(void)
{
    soso_corpus *c = NULL;
    CHECK_OK(soso_corpus_from_buffer(corpus_text, SOSO_NUL_TERMINATED, &c));
    CHECK(c && soso_corpus_size(c) == 3);
    soso_corpus_free(c);
    float X[8] = {0, 0, 1, 0, 0, 1, 1, 1}, Y[8];
    soso_tsne_params p;
    soso_tsne_params_default(&p);
    p.perplexity = 1.5f;
    p.iterations = 10;
    p.learning_rate = NAN;
    CHECK_STATUS(soso_tsne(X, 4, 2, &p, Y), SOSO_E_ARG);
    p.learning_rate = -1.0f;
    CHECK_STATUS(soso_tsne(X, 4, 2, &p, Y), SOSO_E_ARG);
    p.learning_rate = 0.0f;
    CHECK_OK(soso_tsne(X, 4, 2, &p, Y));
}

/* A name of 250 bytes: the temporary ".tmp.XXXXXX" beside it would pass the 255-byte
 * limit ("File name too long"); it is made under a short name in the same directory. */
static void test_long_file_name(void)
{
    char name[251];
    memset(name, 'n', 250);
    name[250] = '\0';
    const char *path = scratch_path(name);
    CHECK_OK(soso_file_write(path, "long", 4));
    CHECK_OK(soso_file_write(path, "again", 5)); /* replacing it too */
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size == 5);
    unlink(path);
}

/* A label of INT32_MAX: SOSO_E_LIMIT from the evaluation (its label count ran a loop
 * past INT32_MAX: a crash). */
static void test_eval_huge_label(void)
{
    soso_vocab *v = vocab_from_text(corpus_text, 1, 1);
    soso_model *m = hebbian_model(v);
    soso_corpus *c = NULL;
    soso_docs *d = NULL;
    soso_input_options in;
    soso_input_options_default(&in);
    CHECK_OK(soso_corpus_from_buffer(corpus_text, SOSO_NUL_TERMINATED, &c));
    CHECK_OK(soso_docs_from_corpus(c, v, &in, &d));
    int32_t labels[3] = {INT32_MAX, 0, 1};
    soso_eval e;
    CHECK_STATUS(soso_model_eval(m, d, labels, 2, 1, &e), SOSO_E_LIMIT);
    soso_docs_free(d);
    soso_corpus_free(c);
    soso_model_free(m);
    soso_vocab_free(v);
}

/* Rows a caller appends may hold any finite value; near FLT_MAX their scores overflow.
 * Every call that scores documents says so, naming the lowest such document for any
 * thread count (encode gave inf codes, profile NaN, rank and eval results, with SOSO_OK). */
static void test_huge_document_values(void)
{
    soso_vocab *v = vocab_from_text(corpus_text, 1, 1);
    soso_model *m = hebbian_model(v);
    size_t V = soso_vocab_size(v);
    float *ones = malloc(2 * V * sizeof *ones);
    for (size_t i = 0; ones && i < 2 * V; i++) ones[i] = 1.0f; /* scores: the sum of a row's values */
    if (ones) CHECK_OK(soso_model_set_weights(m, ones, 2 * V));
    free(ones);
    soso_docs *d = NULL;
    CHECK_OK(soso_docs_create(V, &d));
    uint32_t idx[2] = {0, 1};
    for (int r = 0; r < 600 && d; r++) {
        float big = r == 300 || r == 500 ? 3e38f : 1.0f;
        CHECK_OK(soso_docs_append_row(d, 2, idx, (float[]){big, big}));
    }
    float *codes = malloc(600 * 2 * sizeof *codes), profile[2] = {7, 7};
    soso_match out[3];
    size_t found = 9;
    uint32_t liked[2] = {1, 500};
    for (int threads = 1; threads <= 2 && d && codes; threads++) {
        CHECK_STATUS(soso_model_encode_docs(m, d, codes, 600 * 2, threads), SOSO_E_NUMERIC);
        CHECK_MSG(strstr(soso_last_error(), "document 300 scores beyond a float's range") != NULL, "%s",
                  soso_last_error());
        soso_eval e;
        CHECK_STATUS(soso_model_eval(m, d, NULL, 2, threads, &e), SOSO_E_NUMERIC);
        soso_health h;
        CHECK_STATUS(soso_model_health(m, d, threads, NULL, &h), SOSO_E_NUMERIC);
        double se = 0, sn = 0;
        CHECK_STATUS(soso_model_reconstruction_error(m, d, 0, threads, &se, &sn), SOSO_E_NUMERIC);
        soso_match_params mp;
        soso_match_params_default(&mp);
        mp.threads = threads;
        float target[2] = {1, 0};
        CHECK_STATUS(soso_model_rank(m, d, target, 2, &mp, out, 3, &found), SOSO_E_NUMERIC);
        CHECK(strstr(soso_last_error(), "document 300") != NULL);
    }
    CHECK_STATUS(soso_model_profile(m, d, liked, 2, 0, profile, 2), SOSO_E_NUMERIC);
    CHECK(strstr(soso_last_error(), "document 500") != NULL && profile[0] == 7 && profile[1] == 7);
    CHECK_OK(soso_model_profile(m, d, liked, 1, 0, profile, 2)); /* the ordinary one alone */
    free(codes);
    soso_docs_free(d);
    soso_model_free(m);
    soso_vocab_free(v);
}

const soso_test tests_edges[] = {
    {"eval_huge_label", test_eval_huge_label},
    {"topic_words_none_asked", test_topic_words_none_asked},
    {"stream_refuses_a_fifo", test_stream_refuses_a_fifo},
    {"loaded_vocab_options_defined", test_loaded_vocab_options_defined},
    {"tiny_rows_stay_finite", test_tiny_rows_stay_finite},
    {"codes_checked", test_codes_checked},
    {"huge_document_values", test_huge_document_values},
    {"conventions", test_conventions},
    {"long_file_name", test_long_file_name},
    {NULL, NULL},
};
