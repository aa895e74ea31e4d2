/* stack.c - does layer-wise stacking help? Trains OSC with UNITS1 units on a corpus
 * (layer 1), codes every document (its K strongest codes), trains a second layer with
 * UNITS2 units on those codes, and compares the second layer's clusters with a model of
 * UNITS2 units trained on the words directly. NMI against the corpus labels (soso_nmi,
 * argmax clusters, documents without a known word left out), seeds 1..SEEDS.
 *
 *   make build/stack && build/stack data/wn6-1k.tsv 24 6 3
 */
#include <soso.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRY(x)                                                                      \
    do {                                                                            \
        if ((x) != SOSO_OK) {                                                       \
            fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, soso_last_error()); \
            exit(1);                                                                \
        }                                                                           \
    } while (0)

static double nmi_of(const soso_model *m, const soso_docs *d, const int32_t *labels)
{
    soso_eval e;
    TRY(soso_model_eval(m, d, labels, 10, 2, &e));
    return e.nmi;
}

static soso_model *osc(const soso_vocab *v, const soso_docs *d, size_t units, uint64_t seed, int idf)
{
    soso_input_options in;
    soso_input_options_default(&in);
    in.idf = idf;
    soso_osc_params p;
    soso_osc_params_default(&p);
    p.units = (uint32_t)units;
    p.sparsity = units < 4 ? (uint32_t)units : 4;
    p.seed = seed;
    p.threads = 2;
    soso_model *m;
    TRY(soso_model_create_osc(v, &in, &p, d, &m));
    TRY(soso_model_train(m, d, NULL, NULL));
    return m;
}

/* A vocabulary of n made-up words in column order ("waaa", "waab", ...). */
static soso_vocab *unit_vocab(size_t n)
{
    soso_text_options to;
    soso_text_options_default(&to);
    to.min_df = 1;
    to.stop_words = 0;
    soso_vocab_builder *b;
    TRY(soso_vocab_builder_create(&to, &b));
    char *text = malloc(n * 6 + 1), *p = text;
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "w%c%c%c ", 'a' + (int)(i / 676 % 26), 'a' + (int)(i / 26 % 26), 'a' + (int)(i % 26));
    TRY(soso_vocab_builder_add(b, text, (size_t)(p - text)));
    soso_vocab *v;
    TRY(soso_vocab_builder_finish(b, &v));
    soso_vocab_builder_free(b);
    free(text);
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s CORPUS UNITS1 UNITS2 [SEEDS] [idf]\n", argv[0]);
        return 2;
    }
    size_t u1 = strtoul(argv[2], NULL, 10), u2 = strtoul(argv[3], NULL, 10);
    int seeds = argc > 4 ? atoi(argv[4]) : 3, idf = argc > 5 && strcmp(argv[5], "idf") == 0;
    soso_corpus *c;
    soso_vocab *v;
    soso_docs *d;
    soso_text_options to;
    soso_text_options_default(&to);
    soso_input_options in;
    soso_input_options_default(&in);
    in.idf = idf;
    TRY(soso_corpus_read_file(argv[1], &c));
    TRY(soso_vocab_build_corpus(c, &to, NULL, 0, &v));
    TRY(soso_docs_from_corpus(c, v, &in, &d));
    size_t n = soso_corpus_size(c), nl;
    int32_t *labels = malloc(n * sizeof *labels);
    TRY(soso_corpus_label_ids(c, labels, n, &nl));
    soso_vocab *uv = unit_vocab(u1);
    printf("| corpus | seed | layer 1 (osc %zu) | layer 2 (osc %zu on layer 1's codes) | osc %zu on words |\n", u1, u2, u2);
    printf("|---|---|---|---|---|\n");
    double sum1 = 0, sum2 = 0, sumd = 0;
    for (int seed = 1; seed <= seeds; seed++) {
        soso_model *m1 = osc(v, d, u1, (uint64_t)seed, idf);
        float *codes = malloc(n * u1 * sizeof *codes);
        TRY(soso_model_encode_docs(m1, d, codes, n * u1, 2));
        /* The layer-1 codes as documents: the model's own K strongest, unit length. */
        size_t *indptr = malloc((n + 1) * sizeof *indptr), nnz = 0;
        uint32_t *idx = malloc(n * u1 * sizeof *idx);
        float *val = malloc(n * u1 * sizeof *val);
        indptr[0] = 0;
        for (size_t i = 0; i < n; i++) {
            TRY(soso_topk_mask(codes + i * u1, u1, soso_model_code_sparsity(m1), 1));
            for (size_t h = 0; h < u1; h++)
                if (codes[i * u1 + h] != 0) {
                    idx[nnz] = (uint32_t)h;
                    val[nnz++] = codes[i * u1 + h];
                }
            indptr[i + 1] = nnz;
        }
        soso_docs *d2;
        TRY(soso_docs_from_csr(n, u1, indptr, idx, val, &d2));
        TRY(soso_docs_normalize(d2));
        soso_model *m2 = osc(uv, d2, u2, (uint64_t)seed, 0);
        soso_model *direct = osc(v, d, u2, (uint64_t)seed, idf);
        double a = nmi_of(m1, d, labels), b = nmi_of(m2, d2, labels), e = nmi_of(direct, d, labels);
        printf("| %s | %d | %.3f | %.3f | %.3f |\n", argv[1], seed, a, b, e);
        sum1 += a, sum2 += b, sumd += e;
        soso_model_free(m1);
        soso_model_free(m2);
        soso_model_free(direct);
        soso_docs_free(d2);
        free(codes), free(indptr), free(idx), free(val);
    }
    printf("| mean | | %.3f | %.3f | %.3f |\n", sum1 / seeds, sum2 / seeds, sumd / seeds);
    soso_vocab_free(uv);
    free(labels);
    soso_docs_free(d);
    soso_vocab_free(v);
    soso_corpus_free(c);
    return 0;
}
