/* make_seeds.c - the fuzzers' seed corpus: small valid model (each learner), memory,
 * vocabulary and corpus files, and broken variants of each (truncated, flipped). */
#include <soso.h>
#include <stdio.h>

#include "soso_internal.h" /* to write a model that owes steps (its DUE section) */
#include <stdlib.h>
#include <string.h>

static void put(const char *dir, const char *name, const void *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fwrite(data, 1, len, f);
    fclose(f);
}

/* The file, its first half, and a copy with one byte flipped. */
static void variants(const char *dir, const char *stem, const unsigned char *data, size_t len)
{
    char name[256];
    snprintf(name, sizeof name, "%s-valid", stem);
    put(dir, name, data, len);
    snprintf(name, sizeof name, "%s-half", stem);
    put(dir, name, data, len / 2);
    unsigned char *copy = malloc(len);
    memcpy(copy, data, len);
    copy[len / 3] ^= 0x20;
    snprintf(name, sizeof name, "%s-flipped", stem);
    put(dir, name, copy, len);
    free(copy);
}

static int stop_first(const soso_progress *p, void *user)
{
    (void)p;
    (void)user;
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_seeds DIR (writes DIR/model, DIR/memory, DIR/vocab, DIR/corpus)\n");
        return 2;
    }
    const char *text = "fruit\tapple pear plum\nfruit\tpear plum cherry\ntree\toak pine elm\ntree\telm oak ash\n"
                       "fish\ttrout cod tuna\nfish\tcod tuna eel\n\nbad \xff utf8 \xc3\n";
    char dir[900];
    soso_corpus *c = NULL;
    soso_vocab *v = NULL;
    soso_docs *d = NULL;
    soso_text_options to;
    soso_input_options in;
    soso_text_options_default(&to);
    soso_input_options_default(&in);
    if (soso_corpus_from_buffer(text, strlen(text), &c) || soso_vocab_build_corpus(c, &to, NULL, 0, &v) ||
        soso_docs_from_corpus(c, v, &in, &d)) {
        fprintf(stderr, "make_seeds: %s\n", soso_last_error());
        return 1;
    }
    snprintf(dir, sizeof dir, "%s/corpus", argv[1]);
    put(dir, "small", text, strlen(text));
    put(dir, "empty", "", 0);
    put(dir, "tabs", "\t\t\t\n\t\n", 6);
    void *buf;
    size_t len;
    snprintf(dir, sizeof dir, "%s/vocab", argv[1]);
    soso_vocab_save_buffer(v, &buf, &len);
    variants(dir, "vocab", buf, len);
    soso_free(buf);
    snprintf(dir, sizeof dir, "%s/model", argv[1]);
    soso_model *m = NULL;
    soso_hebbian_params hp;
    soso_hebbian_params_default(&hp);
    hp.units = 3;
    hp.epochs = 2;
    soso_model_create_hebbian(v, &in, &hp, &m);
    soso_model_train(m, d, NULL, NULL);
    soso_model_save_buffer(m, &buf, &len);
    variants(dir, "hebbian", buf, len);
    soso_free(buf);
    soso_model_free(m);
    soso_osc_params op;
    soso_osc_params_default(&op);
    op.units = 3;
    op.sparsity = 2;
    op.epochs = 2;
    if (soso_model_create_osc(v, &in, &op, d, &m) == SOSO_OK) {
        soso_model_save_buffer(m, &buf, &len);
        variants(dir, "osc", buf, len);
        soso_free(buf);
        soso_model_free(m);
    }
    /* A model stopped inside a segment (its file has the SEGM section): osc reports
     * every 6 documents (at each fold), so stop at the first report of a 48-document epoch. */
    soso_docs *many = NULL;
    if (soso_docs_create(soso_docs_cols(d), &many) == SOSO_OK) {
        for (size_t i = 0; i < 48; i++) {
            size_t nnz;
            const uint32_t *idx;
            const float *val;
            if (soso_docs_row(d, i % soso_docs_rows(d), &nnz, &idx, &val) == SOSO_OK)
                soso_docs_append_row(many, nnz, idx, val);
        }
        if (soso_model_create_osc(v, &in, &op, many, &m) == SOSO_OK) {
            /* A seed only when training really stopped inside the segment (SEGM section). */
            if (soso_model_train_segment(m, many, 0, 2 * soso_docs_rows(many), stop_first, NULL) == SOSO_E_ABORTED &&
                soso_model_save_buffer(m, &buf, &len) == SOSO_OK) {
                variants(dir, "osc-mid-segment", buf, len);
                soso_free(buf);
            }
            soso_model_free(m);
        }
        soso_docs_free(many);
    }
    soso_soft_params sp;
    soso_soft_params_default(&sp);
    sp.units = 3;
    sp.k = 2;
    sp.epochs = 2;
    if (soso_model_create_soft(v, &in, &sp, d, &m) == SOSO_OK) {
        soso_model_save_buffer(m, &buf, &len);
        variants(dir, "soft", buf, len);
        soso_free(buf);
        soso_model_free(m);
    }
    /* A soft model that owes an orthogonalisation and a penalty step after a failed call. */
    sp.ortho_penalty = 0.5f;
    sp.orthogonalize_every = 3;
    if (soso_model_create_soft(v, &in, &sp, d, &m) == SOSO_OK) {
        m->orth_due = 1;
        m->penalty_due = 0.01f;
        if (soso_model_save_buffer(m, &buf, &len) == SOSO_OK) {
            variants(dir, "soft-owing", buf, len);
            soso_free(buf);
        }
        soso_model_free(m);
    }
    snprintf(dir, sizeof dir, "%s/memory", argv[1]);
    soso_memory *mem = NULL;
    soso_memory_create(v, &mem);
    soso_memory_add_corpus(mem, c, NULL, NULL);
    soso_memory_save_buffer(mem, &buf, &len);
    variants(dir, "memory", buf, len);
    soso_free(buf);
    soso_memory_free(mem);
    soso_docs_free(d);
    soso_vocab_free(v);
    soso_corpus_free(c);
    return 0;
}
