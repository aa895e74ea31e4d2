/* vocab.c - the vocabulary: built by counting document frequencies, then fixed in byte
 * order so that columns mean the same word for C, Swift, saved models and exports. */
#include "soso_internal.h"

#include <stdlib.h>
#include <string.h>

struct soso_vocab_builder {
    soso_text_options options;
    soso__strmap words;
    uint64_t *df, *last_doc; /* per slot: documents seen, last document counted (+1) */
    size_t cap;
    soso__strmap stop;       /* user stop words */
    uint64_t n_docs;
    uint64_t n_nonblank;     /* documents with a byte other than ASCII white space */
    soso_status error;       /* first failure inside a tokenizer callback */
};

soso_status soso_vocab_builder_create(const soso_text_options *options, soso_vocab_builder **out)
{
    if (!out) return soso__fail(SOSO_E_ARG, "out is NULL");
    const char *why = soso__text_options_check(options);
    if (why) return soso__fail(SOSO_E_ARG, "%s", why);
    soso_vocab_builder *b = soso__calloc(1, sizeof *b);
    if (!b) return soso__fail(SOSO_E_NOMEM, "out of memory for a vocabulary builder");
    b->options = *options;
    soso_status s = soso__strmap_init(&b->words, 1024);
    if (s == SOSO_OK) s = soso__strmap_init(&b->stop, 16);
    if (s != SOSO_OK) {
        soso_vocab_builder_free(b);
        return s;
    }
    *out = b;
    return SOSO_OK;
}

void soso_vocab_builder_free(soso_vocab_builder *b)
{
    if (!b) return;
    soso__strmap_free(&b->words);
    soso__strmap_free(&b->stop);
    free(b->df);
    free(b->last_doc);
    free(b);
}

static int add_stop(const char *w, size_t len, void *user)
{
    soso_vocab_builder *b = user;
    uint32_t slot;
    b->error = soso__strmap_intern(&b->stop, w, len, &slot, NULL);
    return b->error != SOSO_OK;
}

soso_status soso_vocab_builder_add_stop_word(soso_vocab_builder *b, const char *word, size_t len)
{
    if (!b || !word) return soso__fail(SOSO_E_ARG, "builder and word must not be NULL");
    if (b->n_docs > 0) return soso__fail(SOSO_E_ARG, "stop words must be added before any document");
    soso_text_options o = b->options;
    o.min_word_len = 1;
    o.stop_words = 0;
    b->error = SOSO_OK;
    SOSO__CHECK(soso_tokenize(word, len, &o, add_stop, b, NULL));
    return b->error;
}

static int count_word(const char *w, size_t len, void *user)
{
    soso_vocab_builder *b = user;
    uint32_t slot;
    int inserted;
    b->error = soso__strmap_intern(&b->words, w, len, &slot, &inserted);
    if (b->error != SOSO_OK) return 1;
    if (inserted && b->options.max_distinct && b->words.count > b->options.max_distinct) {
        b->error = soso__fail(SOSO_E_LIMIT, "more than %u distinct words (the max_distinct limit)",
                              (unsigned)b->options.max_distinct);
        return 1;
    }
    if (inserted) {
        size_t cap = b->cap;
        b->error = soso__reserve((void **)&b->df, &cap, b->words.count, sizeof *b->df);
        if (b->error == SOSO_OK) {
            cap = b->cap;
            b->error = soso__reserve((void **)&b->last_doc, &cap, b->words.count, sizeof *b->last_doc);
        }
        if (b->error != SOSO_OK) return 1;
        b->cap = cap;
        b->df[slot] = 0;
        b->last_doc[slot] = 0;
    }
    if (b->last_doc[slot] != b->n_docs + 1) { /* count each word once per document */
        b->last_doc[slot] = b->n_docs + 1;
        b->df[slot]++;
    }
    return 0;
}

/* Only ASCII white space (a blank line of the corpus); stops at the first other byte. */
static int is_blank(const char *text, size_t len)
{
    for (size_t i = 0; len == SOSO_NUL_TERMINATED ? text[i] != 0 : i < len; i++) {
        char c = text[i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f') return 0;
    }
    return 1;
}

soso_status soso_vocab_builder_add(soso_vocab_builder *b, const char *text, size_t len)
{
    if (!b) return soso__fail(SOSO_E_ARG, "builder is NULL");
    b->error = SOSO_OK;
    SOSO__CHECK(soso_tokenize(text, len, &b->options, count_word, b, NULL));
    if (b->error != SOSO_OK) return b->error;
    b->n_docs++;
    if (!is_blank(text, len)) b->n_nonblank++;
    return SOSO_OK;
}

typedef struct { const char *word; size_t len; uint64_t df; } entry;

static int cmp_bytes(const char *a, size_t la, const char *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    return c ? c : (la < lb ? -1 : la > lb);
}

static int by_df_then_word(const void *x, const void *y)
{
    const entry *a = x, *b = y;
    if (a->df != b->df) return a->df > b->df ? -1 : 1;
    return cmp_bytes(a->word, a->len, b->word, b->len);
}

static int by_word(const void *x, const void *y)
{
    const entry *a = x, *b = y;
    return cmp_bytes(a->word, a->len, b->word, b->len);
}

soso_status soso_vocab_builder_finish(soso_vocab_builder *b, soso_vocab **out)
{
    if (!b || !out) return soso__fail(SOSO_E_ARG, "builder and out must not be NULL");
    if (b->n_docs == 0) return soso__fail(SOSO_E_EMPTY, "no documents were given to build a vocabulary");
    entry *e = soso__alloc_array(b->words.count, sizeof *e);
    if (!e) return soso__fail(SOSO_E_NOMEM, "out of memory sorting %zu words", b->words.count);
    size_t n = 0;
    for (uint32_t slot = 0; slot < b->words.count; slot++) {
        if (b->df[slot] < b->options.min_df) continue;
        size_t len;
        const char *w = soso__strmap_key(&b->words, slot, &len);
        if (soso__strmap_find(&b->stop, w, len) >= 0) continue;
        e[n].word = w;
        e[n].len = len;
        e[n].df = b->df[slot];
        n++;
    }
    if (n == 0) { /* say why: min_df only where it is what removed the words */
        free(e);
        int stop_only = 1; /* the built-in stop words never reach b->words; the user's do */
        for (uint32_t slot = 0; slot < b->words.count && stop_only; slot++) {
            size_t len;
            const char *w = soso__strmap_key(&b->words, slot, &len);
            stop_only = soso__strmap_find(&b->stop, w, len) >= 0;
        }
        if (b->n_nonblank == 0)
            return b->n_docs == 1 ? soso__fail(SOSO_E_EMPTY, "the one document is blank; nothing to learn from")
                                  : soso__fail(SOSO_E_EMPTY, "the %llu documents are blank; nothing to learn from",
                                               (unsigned long long)b->n_docs);
        if (stop_only)
            return soso__fail(SOSO_E_EMPTY, "the %llu documents hold no word but stop words (a word is a run of"
                              " Latin, Greek or Cyrillic letters from the minimum to the maximum word length:"
                              " %u to %u); nothing to learn from", (unsigned long long)b->n_docs,
                              b->options.min_word_len, b->options.max_word_len);
        return soso__fail(SOSO_E_EMPTY,
                          "no word occurs in at least %u of the %llu documents (min_df); nothing to learn from",
                          b->options.min_df, (unsigned long long)b->n_docs);
    }
    if (b->options.max_vocab && n > b->options.max_vocab) {
        qsort(e, n, sizeof *e, by_df_then_word);
        n = b->options.max_vocab;
    }
    qsort(e, n, sizeof *e, by_word);
    const char **words = soso__alloc_array(n, sizeof *words);
    size_t *lens = soso__alloc_array(n, sizeof *lens);
    uint64_t *df = soso__alloc_array(n, sizeof *df);
    soso_status s;
    if (!words || !lens || !df) {
        s = soso__fail(SOSO_E_NOMEM, "out of memory building a vocabulary");
    } else {
        for (size_t i = 0; i < n; i++) {
            words[i] = e[i].word;
            lens[i] = e[i].len;
            df[i] = e[i].df;
        }
        s = soso__vocab_from_words(&b->options, words, lens, df, n, b->n_docs, out);
    }
    free(words);
    free(lens);
    free(df);
    free(e);
    return s;
}

soso_status soso_vocab_build_corpus(const soso_corpus *corpus, const soso_text_options *options,
                                    const char *const *stop_words, size_t n_stop, soso_vocab **out)
{
    if (!corpus || !out || (n_stop && !stop_words)) return soso__fail(SOSO_E_ARG, "corpus and out must not be NULL");
    if (soso_corpus_size(corpus) == 0) return soso__fail(SOSO_E_EMPTY, "the corpus has no documents");
    soso_vocab_builder *b;
    SOSO__CHECK(soso_vocab_builder_create(options, &b));
    soso_status s = SOSO_OK;
    for (size_t i = 0; i < n_stop && s == SOSO_OK; i++)
        s = soso_vocab_builder_add_stop_word(b, stop_words[i], SOSO_NUL_TERMINATED);
    for (size_t i = 0; i < soso_corpus_size(corpus) && s == SOSO_OK; i++) {
        size_t len;
        const char *t = soso_corpus_text(corpus, i, &len);
        s = soso_vocab_builder_add(b, t, len);
    }
    if (s == SOSO_OK) s = soso_vocab_builder_finish(b, out);
    soso_vocab_builder_free(b);
    return s;
}

soso_status soso__vocab_from_words(const soso_text_options *options, const char *const *words, const size_t *lens,
                                   const uint64_t *df, size_t n, uint64_t n_docs, soso_vocab **out)
{
    soso_vocab *v = soso__calloc(1, sizeof *v);
    if (!v) return soso__fail(SOSO_E_NOMEM, "out of memory for a vocabulary");
    v->options = *options;
    v->n_docs = n_docs;
    soso_status s = soso__strmap_init(&v->words, n);
    if (s == SOSO_OK) {
        v->df = soso__alloc_array(n, sizeof *v->df);
        if (!v->df) s = soso__fail(SOSO_E_NOMEM, "out of memory for a vocabulary");
    }
    for (size_t i = 0; i < n && s == SOSO_OK; i++) {
        uint32_t slot;
        int inserted;
        s = soso__strmap_intern(&v->words, words[i], lens[i], &slot, &inserted);
        if (s == SOSO_OK && !inserted) s = soso__fail(SOSO_E_FORMAT, "the word \"%.*s\" appears twice in a vocabulary",
                                                      (int)(lens[i] > 64 ? 64 : lens[i]), words[i]);
        if (s == SOSO_OK) v->df[i] = df ? df[i] : 0;
    }
    if (s != SOSO_OK) {
        soso_vocab_free(v);
        return s;
    }
    *out = v;
    return SOSO_OK;
}

soso_status soso__vocab_clone(const soso_vocab *v, soso_vocab **out)
{
    size_t n = v->words.count;
    const char **words = soso__alloc_array(n, sizeof *words);
    size_t *lens = soso__alloc_array(n, sizeof *lens);
    soso_status s;
    if (!words || !lens) {
        s = soso__fail(SOSO_E_NOMEM, "out of memory copying a vocabulary");
    } else {
        for (size_t i = 0; i < n; i++) words[i] = soso__strmap_key(&v->words, (uint32_t)i, &lens[i]);
        s = soso__vocab_from_words(&v->options, words, lens, v->df, n, v->n_docs, out);
    }
    free(words);
    free(lens);
    return s;
}

void soso_vocab_free(soso_vocab *v)
{
    if (!v) return;
    soso__strmap_free(&v->words);
    free(v->df);
    free(v);
}

size_t soso_vocab_size(const soso_vocab *v) { return v ? v->words.count : 0; }

const char *soso_vocab_word(const soso_vocab *v, size_t i)
{
    if (!v || i >= v->words.count) return NULL;
    return soso__strmap_key(&v->words, (uint32_t)i, NULL);
}

uint64_t soso_vocab_df(const soso_vocab *v, size_t i) { return (v && i < v->words.count) ? v->df[i] : 0; }

uint64_t soso_vocab_n_docs(const soso_vocab *v) { return v ? v->n_docs : 0; }

int64_t soso_vocab_find(const soso_vocab *v, const char *word, size_t len)
{
    if (!v || !word) return -1;
    if (len == SOSO_NUL_TERMINATED) len = strlen(word);
    return soso__strmap_find(&v->words, word, len);
}

soso_status soso_vocab_text_options(const soso_vocab *v, soso_text_options *out)
{
    if (!v || !out) return soso__fail(SOSO_E_ARG, "vocab and out must not be NULL");
    *out = v->options;
    return SOSO_OK;
}
