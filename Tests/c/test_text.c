/* test_text.c - tokenizer, corpus reader and vocabulary. */
#include "harness.h"

#include <stdlib.h>

typedef struct {
    char words[32][64];
    int n;
} word_list;

static int collect(const char *w, size_t len, void *user)
{
    word_list *l = user;
    if (l->n < 32 && len < 64) {
        memcpy(l->words[l->n], w, len);
        l->words[l->n][len] = '\0';
        l->n++;
    }
    return 0;
}

static word_list tokens(const char *text, size_t len, int stop_words, size_t *invalid)
{
    soso_text_options o;
    soso_text_options_default(&o);
    o.stop_words = stop_words;
    word_list l = {0};
    CHECK_OK(soso_tokenize(text, len, &o, collect, &l, invalid));
    return l;
}

static void test_tokenize_ascii(void)
{
    word_list l = tokens("The Quick, brown fox's 2nd-best DEN a x!", SOSO_NUL_TERMINATED, 0, NULL);
    const char *want[] = {"the", "quick", "brown", "fox", "nd", "best", "den"};
    CHECK(l.n == 7);
    for (int i = 0; i < 7 && i < l.n; i++) CHECK_MSG(!strcmp(l.words[i], want[i]), "%s vs %s", l.words[i], want[i]);
}

static void test_tokenize_stop_words(void)
{
    word_list l = tokens("the cat and the hat are on a mat", SOSO_NUL_TERMINATED, 1, NULL);
    const char *want[] = {"cat", "hat", "mat"};
    CHECK(l.n == 3);
    for (int i = 0; i < 3 && i < l.n; i++) CHECK(!strcmp(l.words[i], want[i]));
}

static void test_tokenize_utf8_letters(void)
{
    /* "Café ÉCOLE naïve Ωμέγα ПРИВЕТ 東京" : CJK is a separator. */
    const char *t = "Caf\xc3\xa9 \xc3\x89""COLE na\xc3\xafve \xce\xa9\xce\xbc\xce\xad\xce\xb3\xce\xb1 "
                    "\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2 \xe6\x9d\xb1\xe4\xba\xac";
    word_list l = tokens(t, SOSO_NUL_TERMINATED, 0, NULL);
    CHECK(l.n == 5);
    CHECK(l.n > 0 && !strcmp(l.words[0], "caf\xc3\xa9"));
    CHECK(l.n > 1 && !strcmp(l.words[1], "\xc3\xa9""cole"));
    CHECK(l.n > 2 && !strcmp(l.words[2], "na\xc3\xafve"));
    CHECK(l.n > 3 && !strcmp(l.words[3], "\xcf\x89\xce\xbc\xce\xad\xce\xb3\xce\xb1"));
    CHECK(l.n > 4 && !strcmp(l.words[4], "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"));
}

static void test_tokenize_invalid_utf8(void)
{
    /* Stray continuation byte, overlong encoding, truncated sequence, surrogate. */
    const char t[] = "ab\x80""cd \xc0\xaf""ef gh\xe2\x82 ij\xed\xa0\x80kl mn\xf4";
    size_t invalid = 0;
    word_list l = tokens(t, sizeof t - 1, 0, &invalid);
    const char *want[] = {"ab", "cd", "ef", "gh", "ij", "kl", "mn"};
    CHECK_MSG(l.n == 7, "%d words", l.n);
    for (int i = 0; i < 7 && i < l.n; i++) CHECK_MSG(!strcmp(l.words[i], want[i]), "%s vs %s", l.words[i], want[i]);
    CHECK_MSG(invalid == 9, "%zu invalid bytes", invalid);
    /* Every prefix of a hostile string is handled without reading past its end. */
    for (size_t n = 0; n < sizeof t - 1; n++) (void)tokens(t, n, 0, NULL);
}

static void test_tokenize_lengths(void)
{
    soso_text_options o;
    soso_text_options_default(&o);
    o.stop_words = 0;
    o.min_word_len = 3;
    o.max_word_len = 5;
    word_list l = {0};
    CHECK_OK(soso_tokenize("a ab abc abcde abcdef", SOSO_NUL_TERMINATED, &o, collect, &l, NULL));
    CHECK(l.n == 2 && !strcmp(l.words[0], "abc") && !strcmp(l.words[1], "abcde"));
    o.max_word_len = 2;
    CHECK_STATUS(soso_tokenize("x", 1, &o, collect, &l, NULL), SOSO_E_ARG);
    CHECK_STATUS(soso_tokenize("x", 1, NULL, collect, &l, NULL), SOSO_E_ARG);
    CHECK_STATUS(soso_tokenize(NULL, 5, &o, collect, &l, NULL), SOSO_E_ARG);
}

static void test_corpus_lines_and_labels(void)
{
    const char data[] = "noun.food\tsweet red fruit\r\nplain line\n\n\ttext with empty label\nlast";
    soso_corpus *c = NULL;
    CHECK_OK(soso_corpus_from_buffer(data, sizeof data - 1, &c));
    CHECK(soso_corpus_size(c) == 5);
    size_t len;
    CHECK(!strcmp(soso_corpus_label(c, 0, &len), "noun.food") && len == 9);
    CHECK(!strcmp(soso_corpus_text(c, 0, &len), "sweet red fruit") && len == 15);
    CHECK(soso_corpus_label(c, 1, NULL) == NULL);
    CHECK(!strcmp(soso_corpus_text(c, 1, NULL), "plain line"));
    CHECK(!strcmp(soso_corpus_text(c, 2, &len), "") && len == 0);
    CHECK(!strcmp(soso_corpus_label(c, 3, NULL), ""));
    CHECK(!strcmp(soso_corpus_text(c, 4, NULL), "last"));
    CHECK(soso_corpus_text(c, 5, NULL) == NULL);
    CHECK(soso_corpus_invalid_utf8_lines(c, NULL) == 0);
    soso_corpus_free(c);

    const char bad[] = "ok\nbad \xff byte\nok\n\xc3\n";
    CHECK_OK(soso_corpus_from_buffer(bad, sizeof bad - 1, &c));
    size_t first = 0;
    CHECK(soso_corpus_invalid_utf8_lines(c, &first) == 2 && first == 2);
    soso_corpus_free(c);

    CHECK_OK(soso_corpus_from_buffer("", 0, &c));
    CHECK(soso_corpus_size(c) == 0);
    soso_corpus_free(c);
    soso_corpus_free(NULL);
}

static void test_corpus_missing_file(void)
{
    soso_corpus *c = NULL;
    CHECK_STATUS(soso_corpus_read_file("/nonexistent/corpus.txt", &c), SOSO_E_IO);
    CHECK(c == NULL);
    CHECK(strstr(soso_last_error(), "/nonexistent/corpus.txt") != NULL);
    CHECK_STATUS(soso_corpus_read_file("/tmp", &c), SOSO_E_IO);
}

static soso_vocab *vocab_of(const char *text, uint32_t min_df, uint32_t max_vocab, const char *stop)
{
    soso_corpus *c = NULL;
    soso_vocab *v = NULL;
    CHECK_OK(soso_corpus_from_buffer(text, strlen(text), &c));
    soso_text_options o;
    soso_text_options_default(&o);
    o.min_df = min_df;
    o.max_vocab = max_vocab;
    const char *stops[] = {stop};
    CHECK_OK(soso_vocab_build_corpus(c, &o, stops, stop ? 1 : 0, &v));
    soso_corpus_free(c);
    return v;
}

static void test_vocab_min_df_and_order(void)
{
    soso_vocab *v = vocab_of("pear apple apple\nzebra apple\npear kiwi\nZebra pear\n", 2, 0, NULL);
    CHECK(soso_vocab_size(v) == 3);
    CHECK(!strcmp(soso_vocab_word(v, 0), "apple") && soso_vocab_df(v, 0) == 2);
    CHECK(!strcmp(soso_vocab_word(v, 1), "pear") && soso_vocab_df(v, 1) == 3);
    CHECK(!strcmp(soso_vocab_word(v, 2), "zebra") && soso_vocab_df(v, 2) == 2);
    CHECK(soso_vocab_find(v, "pear", SOSO_NUL_TERMINATED) == 1);
    CHECK(soso_vocab_find(v, "kiwi", SOSO_NUL_TERMINATED) == -1);
    CHECK(soso_vocab_n_docs(v) == 4);
    CHECK(soso_vocab_word(v, 3) == NULL);
    soso_vocab_free(v);
}

static void test_vocab_max_size_and_user_stop_words(void)
{
    /* df: pear 3, apple 2, zebra 2, kiwi 1; max 2 keeps pear and apple (tie by bytes). */
    soso_vocab *v = vocab_of("pear apple\nzebra apple\npear kiwi\nzebra pear\n", 1, 2, NULL);
    CHECK(soso_vocab_size(v) == 2);
    CHECK(!strcmp(soso_vocab_word(v, 0), "apple") && !strcmp(soso_vocab_word(v, 1), "pear"));
    soso_vocab_free(v);
    v = vocab_of("pear apple\nzebra apple\npear kiwi\nzebra pear\n", 1, 0, "PEAR");
    CHECK(soso_vocab_size(v) == 3 && soso_vocab_find(v, "pear", 4) == -1);
    soso_vocab_free(v);
}

/* Untrusted input beyond the limits is refused with SOSO_E_LIMIT naming the line. */
static void test_corpus_and_vocab_limits(void)
{
    soso_corpus_limits l;
    soso_corpus_limits_default(&l);
    CHECK(l.max_line_bytes == 1048576 && l.max_documents == 1000000000);
    soso_corpus *c = NULL;
    const char *text = "a b\nlabel\tsix ch\nxy\n"; /* lines of 3, 12 and 2 bytes */
    l.max_line_bytes = 12;
    CHECK_OK(soso_corpus_from_buffer_limited(text, strlen(text), &l, &c));
    CHECK(soso_corpus_size(c) == 3);
    soso_corpus_free(c);
    c = NULL;
    l.max_line_bytes = 11;
    CHECK_STATUS(soso_corpus_from_buffer_limited(text, strlen(text), &l, &c), SOSO_E_LIMIT);
    CHECK(c == NULL && strstr(soso_last_error(), "line 2 is 12 bytes"));
    l.max_line_bytes = 0;
    l.max_documents = 2;
    CHECK_STATUS(soso_corpus_from_buffer_limited(text, strlen(text), &l, &c), SOSO_E_LIMIT);
    CHECK(strstr(soso_last_error(), "more than 2 lines") != NULL);
    /* The default limit applies to the plain reader: a 1 MiB + 1 line. */
    size_t big = ((size_t)1 << 20) + 1;
    char *line = malloc(big);
    memset(line, 'a', big);
    CHECK_STATUS(soso_corpus_from_buffer(line, big, &c), SOSO_E_LIMIT);
    CHECK_OK(soso_corpus_from_buffer(line, big - 1, &c));
    soso_corpus_free(c);
    free(line);

    soso_text_options o;
    soso_text_options_default(&o);
    CHECK(o.max_distinct == 10000000);
    o.min_df = 1;
    o.max_distinct = 3;
    soso_vocab_builder *b = NULL;
    CHECK_OK(soso_vocab_builder_create(&o, &b));
    CHECK_OK(soso_vocab_builder_add(b, "apple pear kiwi pear", SOSO_NUL_TERMINATED));
    CHECK_STATUS(soso_vocab_builder_add(b, "kiwi plum", SOSO_NUL_TERMINATED), SOSO_E_LIMIT);
    CHECK(strstr(soso_last_error(), "more than 3 distinct words") != NULL);
    soso_vocab_builder_free(b);
}

static void test_vocab_empty(void)
{
    soso_corpus *c = NULL;
    soso_vocab *v = NULL;
    soso_text_options o;
    soso_text_options_default(&o);
    CHECK_OK(soso_corpus_from_buffer(" \n\t\r\n\n", 6, &c));
    CHECK_STATUS(soso_vocab_build_corpus(c, &o, NULL, 0, &v), SOSO_E_EMPTY);
    CHECK(strstr(soso_last_error(), "the 3 documents are blank") != NULL); /* not "only stop words" */
    soso_corpus_free(c);
    CHECK_OK(soso_corpus_from_buffer("  \n", 3, &c));
    CHECK_STATUS(soso_vocab_build_corpus(c, &o, NULL, 0, &v), SOSO_E_EMPTY);
    CHECK(strstr(soso_last_error(), "the one document is blank") != NULL);
    soso_corpus_free(c);
    CHECK_OK(soso_corpus_from_buffer("the of\n\nand a\n", 15, &c)); /* one blank line among them */
    CHECK_STATUS(soso_vocab_build_corpus(c, &o, NULL, 0, &v), SOSO_E_EMPTY);
    CHECK(strstr(soso_last_error(), "hold no word but stop words") != NULL);
    soso_corpus_free(c);
    CHECK_OK(soso_corpus_from_buffer("", 0, &c));
    CHECK_STATUS(soso_vocab_build_corpus(c, &o, NULL, 0, &v), SOSO_E_EMPTY);
    soso_corpus_free(c);
    CHECK_OK(soso_corpus_from_buffer("apple pear\nplum kiwi\n", 21, &c)); /* every df is 1 */
    CHECK_STATUS(soso_vocab_build_corpus(c, &o, NULL, 0, &v), SOSO_E_EMPTY);
    CHECK(strstr(soso_last_error(), "no word occurs in at least 2 of the 2 documents") != NULL);
    CHECK(v == NULL);
    soso_corpus_free(c);
    soso_vocab_free(NULL);
}

const soso_test tests_text[] = {
    {"tokenize_ascii", test_tokenize_ascii},
    {"tokenize_stop_words", test_tokenize_stop_words},
    {"tokenize_utf8_letters", test_tokenize_utf8_letters},
    {"tokenize_invalid_utf8", test_tokenize_invalid_utf8},
    {"tokenize_lengths", test_tokenize_lengths},
    {"corpus_lines_and_labels", test_corpus_lines_and_labels},
    {"corpus_missing_file", test_corpus_missing_file},
    {"vocab_min_df_and_order", test_vocab_min_df_and_order},
    {"vocab_max_size_and_user_stop_words", test_vocab_max_size_and_user_stop_words},
    {"corpus_and_vocab_limits", test_corpus_and_vocab_limits},
    {"vocab_empty", test_vocab_empty},
    {NULL, NULL},
};
