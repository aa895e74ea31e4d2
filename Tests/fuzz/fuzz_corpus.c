/* fuzz_corpus.c - libFuzzer target: any bytes as a corpus file: reading, tokenizing,
 * building a vocabulary and documents, and storing them in a memory. */
#include <soso.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(const char *w, size_t len, void *user)
{
    (void)w;
    *(size_t *)user += len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    soso_corpus *c = NULL;
    if (soso_corpus_from_buffer((const char *)data, size, &c) != SOSO_OK) return 0;
    soso_text_options to;
    soso_text_options_default(&to);
    to.min_df = 1;
    size_t total = 0, bad = 0;
    for (size_t i = 0; i < soso_corpus_size(c); i++) {
        size_t len;
        const char *t = soso_corpus_text(c, i, &len);
        soso_tokenize(t, len, &to, count, &total, &bad);
        soso_corpus_label(c, i, &len);
    }
    soso_vocab *v = NULL;
    soso_docs *d = NULL;
    soso_memory *m = NULL;
    soso_input_options in;
    soso_input_options_default(&in);
    if (soso_vocab_build_corpus(c, &to, NULL, 0, &v) == SOSO_OK && soso_docs_from_corpus(c, v, &in, &d) == SOSO_OK &&
        soso_memory_create(v, &m) == SOSO_OK &&
        soso_memory_add_corpus(m, c, NULL, NULL) == SOSO_OK) {
        /* Each text as a query: word lookup and one recall step. */
        uint32_t q[64], out[256];
        soso_recall_params p;
        soso_recall_params_default(&p);
        for (size_t i = 0; i < soso_corpus_size(c) && i < 16; i++) {
            size_t n = 0;
            if (soso_memory_query_words(m, soso_corpus_text(c, i, NULL), SOSO_NUL_TERMINATED, q, 64, &n, NULL) !=
                SOSO_OK)
                continue;
            soso_recall_result r = {0};
            r.words = out;
            r.words_cap = 256;
            soso_memory_recall(m, q, n, &p, &r);
        }
    }
    soso_memory_free(m);
    soso_docs_free(d);
    soso_vocab_free(v);
    soso_corpus_free(c);
    return 0;
}
