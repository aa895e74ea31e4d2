/* test_threads.c - the header's thread-safety promise: several threads encode and recall
 * on one shared const model and memory (each also running its own OpenMP team) and get
 * exactly the single-threaded answers; error details stay with the thread that raised them. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>


enum { THREADS = 4, DOCS = 300, ROUNDS = 3 };

typedef struct {
    const soso_model *model;
    const soso_memory *memory;
    const soso_docs *docs;
    const soso_corpus *corpus;
    size_t units;
    const float *want_codes;     /* DOCS x units, from encode_text          */
    const float *want_doc_codes; /* DOCS x units, from encode_docs          */
    const uint32_t *want_words;  /* per document: its completed query words */
    const size_t *want_n;
    double want_err;             /* reconstruction error (uses BLAS level 3) */
    int id, mismatches, failures;
} job;

/* The first two known words of document i as a query, completed by one-step recall. */
static soso_status recall_doc(const soso_memory *m, const soso_corpus *c, size_t i, uint32_t *words, size_t *n)
{
    uint32_t q[64];
    size_t nq = 0;
    soso_status s = soso_memory_query_words(m, soso_corpus_text(c, i, NULL), SOSO_NUL_TERMINATED, q, 64, &nq, NULL);
    if (s != SOSO_OK) return s;
    if (nq > 2) nq = 2;
    soso_recall_params p;
    soso_recall_params_default(&p);
    soso_recall_result r = {0};
    r.words = words;
    r.words_cap = 64;
    s = soso_memory_recall(m, q, nq, &p, &r);
    *n = r.n_words;
    return s;
}

static void *work(void *arg)
{
    job *j = arg;
    float *codes = malloc(j->units * sizeof *codes);
    float *doc_codes = malloc((size_t)DOCS * j->units * sizeof *doc_codes);
    uint32_t words[64];
    for (int round = 0; round < ROUNDS; round++) {
        for (size_t i = 0; i < DOCS; i++) {
            if (soso_model_encode_text(j->model, soso_corpus_text(j->corpus, i, NULL), SOSO_NUL_TERMINATED, codes,
                                       j->units) != SOSO_OK)
                j->failures++;
            else if (memcmp(codes, j->want_codes + i * j->units, j->units * sizeof *codes))
                j->mismatches++;
            size_t n = 0;
            if (recall_doc(j->memory, j->corpus, i, words, &n) != SOSO_OK) j->failures++;
            else if (n != j->want_n[i] || memcmp(words, j->want_words + i * 64, n * sizeof *words))
                j->mismatches++;
        }
        if (soso_model_encode_docs(j->model, j->docs, doc_codes, (size_t)DOCS * j->units, 2) != SOSO_OK)
            j->failures++;
        else if (memcmp(doc_codes, j->want_doc_codes, (size_t)DOCS * j->units * sizeof *doc_codes))
            j->mismatches++;
        double e, norm;
        if (soso_model_reconstruction_error(j->model, j->docs, 0, 2, &e, &norm) != SOSO_OK) j->failures++;
        else if (e != j->want_err) j->mismatches++;
        /* A failing call here must leave this thread's own detail, whatever others do. */
        char want[64];
        snprintf(want, sizeof want, "codes holds %d floats", j->id);
        if (soso_model_encode_text(j->model, "word", SOSO_NUL_TERMINATED, codes, (size_t)j->id) != SOSO_E_ARG ||
            !strstr(soso_last_error(), want))
            j->mismatches++;
    }
    free(codes);
    free(doc_codes);
    return NULL;
}

static void test_shared_model_and_memory_across_threads(void)
{
    soso_corpus *all = NULL, *c = NULL;
    CHECK_OK(soso_corpus_read_file(source_path("data/wn6-1k.tsv"), &all));
    c = corpus_head(all, DOCS);

    soso_text_options to;
    soso_text_options_default(&to);
    soso_input_options in;
    soso_input_options_default(&in);
    soso_vocab *v = NULL;
    soso_docs *d = NULL;
    soso_model *m = NULL;
    soso_memory *mem = NULL;
    soso_osc_params op;
    soso_osc_params_default(&op);
    op.units = 8;
    op.epochs = 2;
    CHECK_OK(soso_vocab_build_corpus(all, &to, NULL, 0, &v));
    CHECK_OK(soso_docs_from_corpus(c, v, &in, &d));
    CHECK_OK(soso_model_create_osc(v, &in, &op, d, &m));
    CHECK_OK(soso_model_train(m, d, NULL, NULL));
    CHECK_OK(soso_memory_create(v, &mem));
    CHECK_OK(soso_memory_add_corpus(mem, c, NULL, NULL));

    size_t units = soso_model_units(m);
    float *codes = malloc((size_t)DOCS * units * sizeof *codes);
    float *doc_codes = malloc((size_t)DOCS * units * sizeof *doc_codes);
    uint32_t *words = malloc((size_t)DOCS * 64 * sizeof *words);
    size_t *nw = malloc(DOCS * sizeof *nw);
    for (size_t i = 0; i < DOCS; i++) {
        CHECK_OK(soso_model_encode_text(m, soso_corpus_text(c, i, NULL), SOSO_NUL_TERMINATED, codes + i * units, units));
        CHECK_OK(recall_doc(mem, c, i, words + i * 64, &nw[i]));
    }
    CHECK_OK(soso_model_encode_docs(m, d, doc_codes, (size_t)DOCS * units, 1));
    double err, norm;
    CHECK_OK(soso_model_reconstruction_error(m, d, 0, 1, &err, &norm));
    size_t completed = 0;
    for (size_t i = 0; i < DOCS; i++) completed += nw[i] > 2;
    CHECK_MSG(completed > DOCS / 10, "only %zu of %d recalls added words: the recall check is too weak", completed,
              DOCS);

    job jobs[THREADS];
    pthread_t tid[THREADS];
    for (int t = 0; t < THREADS; t++) {
        jobs[t] = (job){m, mem, d, c, units, codes, doc_codes, words, nw, err, t, 0, 0};
        CHECK(pthread_create(&tid[t], NULL, work, &jobs[t]) == 0);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(tid[t], NULL);
        CHECK_MSG(jobs[t].failures == 0 && jobs[t].mismatches == 0, "thread %d: %d failures, %d answers differ", t,
                  jobs[t].failures, jobs[t].mismatches);
    }
    free(codes);
    free(doc_codes);
    free(words);
    free(nw);
    soso_memory_free(mem);
    soso_model_free(m);
    soso_docs_free(d);
    soso_vocab_free(v);
    soso_corpus_free(c);
    soso_corpus_free(all);
}

const soso_test tests_threads[] = {
    {"shared_model_and_memory_across_threads", test_shared_model_and_memory_across_threads},
    {NULL, NULL},
};
