/* test_stream.c - a corpus file read in pieces: the same documents and vocabulary as the
 * whole file, training in one piece equal to in-memory training, in many pieces as good
 * (NMI on the labelled corpus), stop and resume exact, thread count irrelevant, and the
 * refusals (standard input, a directory, an over-long line, a file that changed). */
#include "harness.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static const char *write_file(const char *name, const char *text)
{
    const char *path = scratch_path(name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return path;
}

/* Every block, in file order, as one corpus. */
static soso_corpus *read_all(soso_stream *s)
{
    size_t n = soso_stream_blocks(s);
    uint32_t *ids = malloc((n ? n : 1) * sizeof *ids);
    for (size_t i = 0; i < n; i++) ids[i] = (uint32_t)i;
    soso_corpus *c = NULL;
    CHECK_OK(soso_stream_read(s, ids, n, &c));
    free(ids);
    return c;
}

static int same_corpus(const soso_corpus *a, const soso_corpus *b)
{
    if (!a || !b || soso_corpus_size(a) != soso_corpus_size(b)) return 0;
    for (size_t i = 0; i < soso_corpus_size(a); i++) {
        size_t la, lb;
        const char *ta = soso_corpus_text(a, i, &la), *tb = soso_corpus_text(b, i, &lb);
        if (la != lb || memcmp(ta, tb, la) != 0) return 0;
        const char *xa = soso_corpus_label(a, i, &la), *xb = soso_corpus_label(b, i, &lb);
        if ((xa == NULL) != (xb == NULL) || (xa && (la != lb || memcmp(xa, xb, la) != 0))) return 0;
    }
    return 1;
}

static void test_blocks_hold_the_file(void)
{
    /* CRLF, empty lines, a label, invalid UTF-8, no final newline; blocks of 2 lines. */
    const char *text = "a\tone two\r\n\nthree four\nfive \xff six\n\nseven";
    const char *path = write_file("odd.tsv", text);
    soso_corpus *whole = NULL;
    CHECK_OK(soso_corpus_read_file(path, &whole));
    for (size_t bl = 1; bl <= 7; bl++) {
        soso_stream *s = NULL;
        CHECK_OK(soso_stream_open(path, NULL, bl, &s));
        if (!s) continue;
        CHECK(soso_stream_documents(s) == 6);
        CHECK(soso_stream_blocks(s) == (6 + bl - 1) / bl);
        size_t sum = 0;
        for (size_t b = 0; b < soso_stream_blocks(s); b++) sum += soso_stream_block_size(s, b);
        CHECK(sum == 6);
        uint64_t first = 0;
        CHECK(soso_stream_invalid_utf8_lines(s, &first) == 1 && first == 4);
        soso_corpus *c = read_all(s);
        CHECK_MSG(same_corpus(c, whole), "blocks of %zu lines", bl);
        soso_corpus_free(c);
        soso_stream_free(s);
    }
    soso_corpus_free(whole);
    soso_stream *s = NULL;
    CHECK_OK(soso_stream_open(write_file("empty.tsv", ""), NULL, 5, &s));
    CHECK(soso_stream_documents(s) == 0 && soso_stream_blocks(s) == 0);
    soso_corpus *c = NULL;
    CHECK_STATUS(soso_stream_sample(s, 1, 10, &c), SOSO_E_EMPTY);
    soso_stream_free(s);
}

static void test_order_is_a_seeded_permutation(void)
{
    soso_stream *s = NULL;
    CHECK_OK(soso_stream_open(source_path("data/wn6-1k.tsv"), NULL, 50, &s));
    size_t n = soso_stream_blocks(s);
    CHECK(n == 20); /* 1000 lines */
    uint32_t a[20], b[20], c[20];
    CHECK_OK(soso_stream_order(s, 7, 0, a, n));
    CHECK_OK(soso_stream_order(s, 7, 0, b, n));
    CHECK_OK(soso_stream_order(s, 7, 1, c, n));
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(memcmp(a, c, sizeof a) != 0);
    int seen[20] = {0};
    for (size_t i = 0; i < n; i++) seen[a[i]]++;
    for (size_t i = 0; i < n; i++) CHECK(seen[i] == 1);
    CHECK_STATUS(soso_stream_order(s, 7, 0, a, n - 1), SOSO_E_ARG);
    uint32_t bad = 20;
    soso_corpus *cc = NULL;
    CHECK_STATUS(soso_stream_read(s, &bad, 1, &cc), SOSO_E_ARG);
    /* A sample is the size asked (see test_sample_spreads_over_a_sorted_file). */
    CHECK_OK(soso_stream_sample(s, 7, 120, &cc));
    CHECK(soso_corpus_size(cc) == 120);
    soso_corpus_free(cc);
    soso_stream_free(s);
}

static void test_vocabulary_equals_whole_file(void)
{
    soso_corpus *whole = NULL;
    soso_vocab *a = NULL, *b = NULL;
    soso_stream *s = NULL;
    soso_text_options to;
    soso_text_options_default(&to);
    const char *stops[] = {"entity"};
    CHECK_OK(soso_corpus_read_file(source_path("data/wn6-1k.tsv"), &whole));
    CHECK_OK(soso_vocab_build_corpus(whole, &to, stops, 1, &a));
    CHECK_OK(soso_stream_open(source_path("data/wn6-1k.tsv"), NULL, 50, &s));
    CHECK_OK(soso_vocab_build_stream(s, &to, stops, 1, 3, &b));
    CHECK(a && b && soso_vocab_size(a) == soso_vocab_size(b) && soso_vocab_n_docs(a) == soso_vocab_n_docs(b));
    for (size_t i = 0; a && b && i < soso_vocab_size(a); i++) {
        CHECK(strcmp(soso_vocab_word(a, i), soso_vocab_word(b, i)) == 0);
        CHECK(soso_vocab_df(a, i) == soso_vocab_df(b, i));
    }
    CHECK_STATUS(soso_vocab_build_stream(s, &to, NULL, 0, 0, &b), SOSO_E_ARG);
    soso_vocab_free(a);
    soso_vocab_free(b);
    soso_stream_free(s);
    soso_corpus_free(whole);
}

/* A fresh model of the learner over vocab (osc and soft start from init, a corpus). */
static soso_model *new_model(int learner, const soso_vocab *v, const soso_docs *init, uint32_t epochs,
                             uint32_t units, int threads)
{
    soso_input_options in;
    soso_input_options_default(&in);
    soso_model *m = NULL;
    if (learner == 0) {
        soso_hebbian_params p;
        soso_hebbian_params_default(&p);
        p.units = units;
        p.epochs = epochs;
        p.threads = threads;
        CHECK_OK(soso_model_create_hebbian(v, &in, &p, &m));
    } else if (learner == 1) {
        soso_osc_params p;
        soso_osc_params_default(&p);
        p.units = units;
        p.epochs = epochs;
        p.threads = threads;
        CHECK_OK(soso_model_create_osc(v, &in, &p, init, &m));
    } else {
        soso_soft_params p;
        soso_soft_params_default(&p);
        p.units = units;
        p.epochs = epochs;
        p.threads = threads;
        CHECK_OK(soso_model_create_soft(v, &in, &p, init, &m));
    }
    return m;
}

static int same_weights(const soso_model *a, const soso_model *b)
{
    size_t n = soso_model_units(a) * soso_model_vocab_size(a);
    return a && b && n == soso_model_units(b) * soso_model_vocab_size(b) &&
           memcmp(soso_model_weights(a), soso_model_weights(b), n * sizeof(float)) == 0;
}

typedef struct {
    soso_corpus *corpus;
    soso_vocab *vocab;
    soso_docs *docs;
    soso_stream *stream;
} wn6;

static wn6 wn6_open(void)
{
    wn6 w = {0};
    soso_text_options to;
    soso_text_options_default(&to);
    soso_input_options in;
    soso_input_options_default(&in);
    CHECK_OK(soso_corpus_read_file(source_path("data/wn6-1k.tsv"), &w.corpus));
    CHECK_OK(soso_vocab_build_corpus(w.corpus, &to, NULL, 0, &w.vocab));
    CHECK_OK(soso_docs_from_corpus(w.corpus, w.vocab, &in, &w.docs));
    CHECK_OK(soso_stream_open(source_path("data/wn6-1k.tsv"), NULL, 50, &w.stream));
    return w;
}

static void wn6_close(wn6 *w)
{
    soso_stream_free(w->stream);
    soso_docs_free(w->docs);
    soso_vocab_free(w->vocab);
    soso_corpus_free(w->corpus);
}

/* One piece of every block is one in-memory epoch over the documents in block order. */
static void test_one_piece_equals_in_memory(void)
{
    wn6 w = wn6_open();
    size_t n = soso_stream_blocks(w.stream);
    uint32_t *order = malloc(n * sizeof *order);
    soso_input_options in;
    soso_input_options_default(&in);
    for (int learner = 0; learner < 3; learner++) {
        soso_model *a = new_model(learner, w.vocab, w.docs, 1, 12, 1);
        soso_model *b = new_model(learner, w.vocab, w.docs, 1, 12, 1);
        uint64_t seed = 1; /* the default seed of every learner */
        CHECK_OK(soso_stream_order(w.stream, seed, 0, order, n));
        soso_corpus *shuffled = NULL;
        soso_docs *d = NULL;
        CHECK_OK(soso_stream_read(w.stream, order, n, &shuffled));
        CHECK_OK(soso_docs_from_corpus(shuffled, w.vocab, &in, &d));
        CHECK_OK(soso_model_train(a, d, NULL, NULL));
        CHECK_OK(soso_model_train_stream(b, w.stream, n, NULL, NULL));
        CHECK_MSG(same_weights(a, b), "learner %d", learner);
        CHECK(soso_model_epochs_done(b) == 1 && soso_model_docs_seen(b) == soso_corpus_size(w.corpus));
        /* Its epochs are done: nothing more to do, and a segment is refused. */
        CHECK_OK(soso_model_train_stream(b, w.stream, n, NULL, NULL));
        CHECK_STATUS(soso_model_train_segment(b, d, 0, soso_docs_rows(d), NULL, NULL), SOSO_E_ARG);
        soso_docs_free(d);
        soso_corpus_free(shuffled);
        soso_model_free(a);
        soso_model_free(b);
    }
    free(order);
    wn6_close(&w);
}

static double nmi_of(const soso_model *m, const wn6 *w)
{
    size_t n = soso_corpus_size(w->corpus), labels;
    int32_t *ids = malloc(n * sizeof *ids);
    CHECK_OK(soso_corpus_label_ids(w->corpus, ids, n, &labels));
    soso_eval e;
    CHECK_OK(soso_model_eval(m, w->docs, ids, 10, 1, &e));
    free(ids);
    return e.nmi;
}

/* Stops at the report that ends the planned training. */
static int stop_at_end(const soso_progress *p, void *user)
{
    if (p->epoch < p->epochs) return 0;
    *(int *)user = 1;
    return 1;
}

/* Stops at the first report with an epoch done: the end of the first epoch. */
static int stop_after_an_epoch(const soso_progress *p, void *user)
{
    (void)user;
    return p->epoch >= 1;
}

static int stop_after(const soso_progress *p, void *user)
{
    (void)p;
    int *left = user;
    return --*left <= 0;
}

/* Pieces of 2 blocks (100 documents): as good as in-memory training; stop and resume
 * mid-piece ends with the weights of an uninterrupted run; threads change nothing. */
static void test_pieces_train_well_and_resume_exactly(void)
{
    wn6 w = wn6_open();
    soso_model *mem = new_model(1, w.vocab, w.docs, 8, 24, 1);
    soso_model *str = new_model(1, w.vocab, w.docs, 8, 24, 1);
    CHECK_OK(soso_model_train(mem, w.docs, NULL, NULL));
    CHECK_OK(soso_model_train_stream(str, w.stream, 2, NULL, NULL));
    double a = nmi_of(mem, &w), b = nmi_of(str, &w);
    printf("     NMI on wn6-1k (osc, 24 units, 8 epochs): in memory %.3f, streamed in pieces of 100 documents %.3f\n",
           a, b);
    CHECK_MSG(b >= a - 0.03, "streamed %.3f vs in memory %.3f", b, a);

    for (int learner = 0; learner < 3; learner++) {
        soso_model *whole = new_model(learner, w.vocab, w.docs, 3, 12, 1);
        soso_model *two = new_model(learner, w.vocab, w.docs, 3, 12, 2);
        soso_model *cut = new_model(learner, w.vocab, w.docs, 3, 12, 1);
        CHECK_OK(soso_model_train_stream(whole, w.stream, 2, NULL, NULL));
        CHECK_OK(soso_model_train_stream(two, w.stream, 2, NULL, NULL));
        CHECK_MSG(same_weights(whole, two), "learner %d, 1 vs 2 threads", learner);
        int left = learner == 1 ? 38 : 7; /* osc reports every 6 documents (at each fold), the others per piece */
        CHECK_STATUS(soso_model_train_stream(cut, w.stream, 2, stop_after, &left), SOSO_E_ABORTED);
        CHECK(soso_model_epochs_done(cut) < 3);
        uint64_t seen = soso_model_docs_seen(cut);
        CHECK_MSG(seen % 100 != 0 || learner != 1, "osc should stop mid-piece, at %llu", (unsigned long long)seen);
        /* The piece that must come back (the CLI names --stream to a resume without it). */
        uint64_t pf = 1, pr = 0;
        CHECK_MSG(soso_model_stopped_piece(cut, &pf, &pr) == 1 && pr == 100 && pf % 100 == 0,
                  "learner %d: stopped piece %llu + %llu", learner, (unsigned long long)pf, (unsigned long long)pr);
        CHECK(soso_model_stopped_piece(whole, &pf, &pr) == 0 && pf == 0 && pr == 0);
        CHECK(soso_model_stopped_piece(NULL, NULL, NULL) == 0);
        CHECK_OK(soso_model_train_stream(cut, w.stream, 2, NULL, NULL));
        CHECK(soso_model_stopped_piece(cut, NULL, NULL) == 0);
        CHECK_MSG(same_weights(whole, cut), "learner %d, stopped after %llu documents and resumed", learner,
                  (unsigned long long)seen);
        soso_model_free(whole);
        soso_model_free(two);
        soso_model_free(cut);
    }
    soso_model_free(mem);
    soso_model_free(str);
    wn6_close(&w);
}

/* Stopped at a piece's end with the epoch unfinished, a resume whose pieces put that
 * point inside one (pieces of 1 block, then of 2) would shuffle that piece anew and train
 * some documents twice: refused; the same pieces resume, and the model file keeps it. */
static void test_resume_at_a_piece_end(void)
{
    wn6 w = wn6_open();
    soso_model *cut = new_model(0, w.vocab, w.docs, 2, 6, 1);
    int left = 1; /* the first report: the first piece's end (hebbian reports per piece) */
    CHECK_STATUS(soso_model_train_stream(cut, w.stream, 1, stop_after, &left), SOSO_E_ABORTED);
    CHECK(soso_model_docs_seen(cut) == 50);
    CHECK_STATUS(soso_model_train_stream(cut, w.stream, 2, NULL, NULL), SOSO_E_ARG);
    CHECK(strstr(soso_last_error(), "stopped at the end of the piece of documents 0 to 50") != NULL);
    void *buf = NULL;
    size_t len = 0;
    soso_model *back = NULL;
    CHECK_OK(soso_model_save_buffer(cut, &buf, &len));
    CHECK_OK(soso_model_load_buffer(buf, len, &back));
    CHECK_STATUS(soso_model_train_stream(back, w.stream, 2, NULL, NULL), SOSO_E_ARG);
    CHECK_OK(soso_model_train_stream(back, w.stream, 1, NULL, NULL));
    CHECK(soso_model_docs_seen(back) == 2 * 1000);
    soso_model *whole = new_model(0, w.vocab, w.docs, 2, 6, 1);
    CHECK_OK(soso_model_train_stream(whole, w.stream, 1, NULL, NULL));
    CHECK(same_weights(whole, back));
    soso_free(buf);
    soso_model_free(whole);
    soso_model_free(back);
    soso_model_free(cut);
    wn6_close(&w);
}

static void test_refusals(void)
{
    soso_stream *s = NULL;
    CHECK_STATUS(soso_stream_open("-", NULL, 10, &s), SOSO_E_ARG);
    CHECK_STATUS(soso_stream_open(scratch_path(""), NULL, 10, &s), SOSO_E_IO);
    CHECK_STATUS(soso_stream_open(scratch_path("missing.tsv"), NULL, 10, &s), SOSO_E_IO);
    CHECK_STATUS(soso_stream_open(source_path("data/wn6-1k.tsv"), NULL, 0, &s), SOSO_E_ARG);
    CHECK_STATUS(soso_stream_open(NULL, NULL, 10, &s), SOSO_E_ARG);
    soso_corpus_limits lim;
    soso_corpus_limits_default(&lim);
    lim.max_line_bytes = 8;
    CHECK_STATUS(soso_stream_open(write_file("long.tsv", "short\nshort\nthis line is long\n"), &lim, 1, &s),
                 SOSO_E_LIMIT);
    CHECK(strstr(soso_last_error(), "line 3") != NULL);
    lim.max_line_bytes = 0;
    lim.max_documents = 2;
    CHECK_STATUS(soso_stream_open(scratch_path("long.tsv"), &lim, 1, &s), SOSO_E_LIMIT);

    /* A file that grows after it was opened is noticed, not half read. */
    const char *path = write_file("grows.tsv", "one two\nthree four\n");
    CHECK_OK(soso_stream_open(path, NULL, 1, &s));
    FILE *f = fopen(path, "ab");
    fputs("five six\n", f);
    fclose(f);
    uint32_t b0 = 0;
    soso_corpus *c = NULL;
    CHECK_STATUS(soso_stream_read(s, &b0, 1, &c), SOSO_E_IO);
    CHECK_STATUS(soso_model_train_stream(NULL, s, 1, NULL, NULL), SOSO_E_ARG);
    soso_stream_free(s);

    /* A segment must hold the model's position and fit its epoch. */
    wn6 w = wn6_open();
    soso_model *m = new_model(0, w.vocab, NULL, 2, 4, 1);
    CHECK_STATUS(soso_model_train_segment(m, w.docs, 10, soso_docs_rows(w.docs), NULL, NULL), SOSO_E_ARG);
    CHECK_STATUS(soso_model_train_segment(m, w.docs, 0, soso_docs_rows(w.docs) - 1, NULL, NULL), SOSO_E_ARG);
    CHECK_OK(soso_model_train_segment(m, w.docs, 0, 2 * soso_docs_rows(w.docs), NULL, NULL));
    CHECK(soso_model_epochs_done(m) == 0);
    CHECK_STATUS(soso_model_train_segment(m, w.docs, 0, 2 * soso_docs_rows(w.docs), NULL, NULL), SOSO_E_ARG);
    CHECK_STATUS(soso_model_train_stream(m, w.stream, 0, NULL, NULL), SOSO_E_ARG);
    CHECK_STATUS(soso_model_train_stream(m, w.stream, 2, NULL, NULL), SOSO_E_ARG); /* other epoch size */
    CHECK_OK(soso_model_train_segment(m, w.docs, soso_docs_rows(w.docs), 2 * soso_docs_rows(w.docs), NULL, NULL));
    CHECK(soso_model_epochs_done(m) == 1);
    soso_model_free(m);
    wn6_close(&w);
}

/* A stop inside a piece resumes only with the same pieces, also through a saved file. */
static void test_resume_needs_the_same_pieces(void)
{
    wn6 w = wn6_open();
    soso_model *whole = new_model(1, w.vocab, w.docs, 2, 8, 1);
    soso_model *cut = new_model(1, w.vocab, w.docs, 2, 8, 1);
    CHECK_OK(soso_model_train_stream(whole, w.stream, 2, NULL, NULL));
    int left = 25; /* osc reports every 6 documents (at each fold): document 150, inside the second piece */
    CHECK_STATUS(soso_model_train_stream(cut, w.stream, 2, stop_after, &left), SOSO_E_ABORTED);
    CHECK(soso_model_docs_seen(cut) % 100 != 0);
    CHECK_STATUS(soso_model_train_stream(cut, w.stream, 3, NULL, NULL), SOSO_E_ARG);
    CHECK(strstr(soso_last_error(), "same pieces") != NULL);
    CHECK_STATUS(soso_model_train(cut, w.docs, NULL, NULL), SOSO_E_ARG); /* 1000 documents too, but whole */
    const char *path = scratch_path("mid-piece.soso");
    CHECK_OK(soso_model_save(cut, path));
    soso_model *back = NULL;
    CHECK_OK(soso_model_load(path, &back));
    CHECK_STATUS(soso_model_train_stream(back, w.stream, 4, NULL, NULL), SOSO_E_ARG);
    CHECK_OK(soso_model_train_stream(back, w.stream, 2, NULL, NULL));
    CHECK(same_weights(whole, back));
    /* A stop inside a whole epoch is not resumed by pieces either. */
    soso_model *m = new_model(1, w.vocab, w.docs, 2, 8, 1);
    int three = 3;
    CHECK_STATUS(soso_model_train(m, w.docs, stop_after, &three), SOSO_E_ABORTED);
    CHECK(soso_model_epochs_done(m) == 0 && soso_model_docs_seen(m) < 100);
    CHECK_STATUS(soso_model_train_stream(m, w.stream, 2, NULL, NULL), SOSO_E_ARG);
    CHECK(strstr(soso_last_error(), "stopped mid-epoch on documents in memory; resume it in memory") != NULL);
    CHECK_OK(soso_model_train(m, w.docs, NULL, NULL));
    soso_model_free(m);
    /* Nor a stop inside a stream of one piece (an epoch in block order) in memory, where
     * its position would count documents in file order; at an epoch's end it may go on. */
    size_t all = soso_stream_blocks(w.stream);
    for (int at_end = 0; at_end < 2; at_end++) {
        m = new_model(1, w.vocab, w.docs, 2, 8, 1);
        int stop = 3;
        CHECK_STATUS(soso_model_train_stream(m, w.stream, all, at_end ? stop_after_an_epoch : stop_after, &stop),
                     SOSO_E_ABORTED);
        CHECK_MSG(soso_model_docs_seen(m) == (at_end ? 1000u : 18u), "seen %llu", (unsigned long long)soso_model_docs_seen(m));
        if (!at_end) {
            CHECK_STATUS(soso_model_train(m, w.docs, NULL, NULL), SOSO_E_ARG);
            CHECK(strstr(soso_last_error(), "stopped mid-epoch on a streamed file; resume it streamed") != NULL);
        } else { /* it goes on in memory, and a stop there resumes in memory */
            stop = 3;
            CHECK_STATUS(soso_model_train(m, w.docs, stop_after, &stop), SOSO_E_ABORTED);
            CHECK_OK(soso_model_train(m, w.docs, NULL, NULL));
        }
        soso_model_free(m);
    }
    soso_model_free(back);
    soso_model_free(cut);
    soso_model_free(whole);
    wn6_close(&w);
}

/* osc stopped at its very last report is finished all the same. */
static void test_osc_stop_at_the_last_report_still_finishes(void)
{
    wn6 w = wn6_open();
    soso_model *whole = new_model(1, w.vocab, w.docs, 1, 8, 1);
    soso_model *cut = new_model(1, w.vocab, w.docs, 1, 8, 1);
    CHECK_OK(soso_model_train(whole, w.docs, NULL, NULL));
    int at_end = 0;
    CHECK_STATUS(soso_model_train(cut, w.docs, stop_at_end, &at_end), SOSO_E_ABORTED);
    CHECK(at_end == 1 && soso_model_epochs_done(cut) == 1);
    CHECK(same_weights(whole, cut));
    soso_model_free(cut);
    soso_model_free(whole);
    wn6_close(&w);
}

/* A UTF-8 byte order mark at the file's start is not text: read whole, from a buffer or
 * streamed, the first label is "a" (it kept the mark, a label of its own, before), and a
 * line in the middle starting with U+FEFF keeps it. */
static void test_byte_order_mark(void)
{
    const char *text = "\xEF\xBB\xBF" "a\tapple pie\nb\tbanana split\n\xEF\xBB\xBF" "c\tcherry\n";
    const char *path = write_file("bom.tsv", text);
    soso_corpus *c[3] = {NULL, NULL, NULL};
    CHECK_OK(soso_corpus_read_file(path, &c[0]));
    CHECK_OK(soso_corpus_from_buffer(text, strlen(text), &c[1]));
    soso_stream *s = NULL;
    CHECK_OK(soso_stream_open(path, NULL, 2, &s));
    uint32_t blocks[2] = {1, 0}; /* block 0 after block 1: not at the buffer's start */
    CHECK_OK(soso_stream_read(s, blocks, 2, &c[2]));
    for (int k = 0; k < 3; k++) {
        size_t len = 0;
        const char *first = soso_corpus_label(c[k], k == 2 ? 1 : 0, &len);
        CHECK_MSG(first && len == 1 && first[0] == 'a', "reader %d: first label of %zu bytes", k, len);
        const char *third = soso_corpus_label(c[k], k == 2 ? 0 : 2, &len);
        CHECK(third && len == 4); /* U+FEFF "c": a mark mid-file is the line's own */
        soso_corpus_free(c[k]);
    }
    soso_stream_free(s);
    /* Nor does the mark count against a line's byte limit, whole or streamed. */
    const char *ten = write_file("bom10.tsv", "\xEF\xBB\xBF" "aaaaaaaaaa\n");
    soso_corpus_limits lim;
    soso_corpus_limits_default(&lim);
    lim.max_line_bytes = 10;
    soso_corpus *w = NULL;
    CHECK_OK(soso_corpus_read_file_limited(ten, &lim, &w));
    soso_corpus_free(w);
    CHECK_OK(soso_stream_open(ten, &lim, 2, &s));
    soso_stream_free(s);
}

/* A start sample is lines spread evenly over the file, whatever its order: from a file
 * sorted into 10 topics of 100 lines (blocks of 50), 10 lines hold one of each topic; the
 * seed fixes them; a sample as large as the file is the file; CRLF and a last line
 * without newline come out as read whole. */
static void test_sample_spreads_over_a_sorted_file(void)
{
    char *text = malloc(1000 * 16), *p = text;
    for (int i = 0; i < 1000; i++) p += sprintf(p, "t%d\tw%d%s", i / 100, i, i == 999 ? "" : i % 2 ? "\r\n" : "\n");
    const char *path = write_file("sorted.tsv", text);
    free(text);
    soso_stream *s = NULL;
    CHECK_OK(soso_stream_open(path, NULL, 50, &s));
    soso_corpus *a = NULL, *b = NULL, *c = NULL;
    CHECK_OK(soso_stream_sample(s, 5, 10, &a));
    CHECK_OK(soso_stream_sample(s, 5, 10, &b));
    CHECK_OK(soso_stream_sample(s, 6, 10, &c));
    CHECK(a && soso_corpus_size(a) == 10);
    for (size_t j = 0; a && j < soso_corpus_size(a); j++) {
        size_t len = 0;
        const char *t = soso_corpus_text(a, j, &len);
        int n = t && len > 1 && len < 8 ? atoi(t + 1) : -1;
        CHECK_MSG(n >= 100 * (int)j && n < 100 * (int)j + 100, "sample line %zu is w%d", j, n);
    }
    CHECK(same_corpus(a, b));
    CHECK(!same_corpus(a, c));
    soso_corpus_free(a);
    soso_corpus_free(b);
    soso_corpus_free(c);
    CHECK_OK(soso_stream_sample(s, 5, 5000, &a));
    soso_corpus *all = read_all(s);
    CHECK(a && soso_corpus_size(a) == 1000 && same_corpus(a, all));
    size_t len = 0;
    const char *last = a ? soso_corpus_text(a, 999, &len) : NULL;
    CHECK(last && len == 4 && memcmp(last, "w999", 4) == 0);
    const char *odd = a ? soso_corpus_text(a, 1, &len) : NULL;
    CHECK(odd && len == 2 && memcmp(odd, "w1", 2) == 0); /* no \r */
    soso_corpus_free(a);
    soso_corpus_free(all);
    CHECK_STATUS(soso_stream_sample(s, 5, 0, &a), SOSO_E_ARG);
    CHECK_STATUS(soso_stream_sample(NULL, 5, 1, &a), SOSO_E_ARG);
    FILE *f = fopen(path, "ab");
    CHECK(f != NULL);
    if (f) {
        fputs("\nt9\tw1000\n", f);
        fclose(f);
    }
    CHECK_STATUS(soso_stream_sample(s, 5, 10, &a), SOSO_E_IO);
    soso_stream_free(s);
}

/* `lines` lines of the wn6 file from line `shift` on (wrapping round), ending in `eol`:
 * shift 1 moves the first line to the end (other documents, as many); "\r\n" gives the
 * same lines with CRLF ends; lines 500 the first half. */
static const char *rewritten_wn6(const char *name, size_t shift, size_t lines, const char *eol)
{
    soso_corpus *c = NULL;
    CHECK_OK(soso_corpus_read_file(source_path("data/wn6-1k.tsv"), &c));
    const char *path = scratch_path(name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL && c != NULL);
    size_t n = c ? soso_corpus_size(c) : 0;
    for (size_t k = 0; f && k < lines && k < n; k++) {
        size_t i = (k + shift) % n, len, ll;
        const char *t = soso_corpus_text(c, i, &len), *l = soso_corpus_label(c, i, &ll);
        if (l) fprintf(f, "%.*s\t", (int)ll, l);
        fprintf(f, "%.*s%s", (int)len, t, eol);
    }
    if (f) fclose(f);
    soso_corpus_free(c);
    return path;
}

/* A training stopped (mid-epoch or at an epoch's end, saved or not) resumes only on what
 * it started on: other documents, even as many, or another file of as many lines are
 * refused; the same lines with CRLF ends are the same file; an extended model trains on
 * anything. Each learner. */
static void test_resume_needs_the_same_source(void)
{
    wn6 w = wn6_open();
    soso_input_options in;
    soso_input_options_default(&in);
    size_t n = soso_stream_blocks(w.stream);
    uint32_t *order = malloc(n * sizeof *order);
    for (size_t i = 0; i < n; i++) order[i] = (uint32_t)(n - 1 - i);
    soso_corpus *reversed = NULL;
    soso_docs *other = NULL, *fewer = NULL;
    CHECK_OK(soso_stream_read(w.stream, order, n, &reversed));
    CHECK_OK(soso_docs_from_corpus(reversed, w.vocab, &in, &other)); /* the same 1000 documents, another order */
    soso_corpus_free(reversed);
    reversed = NULL;
    CHECK_OK(soso_stream_read(w.stream, order, n / 2, &reversed));
    CHECK_OK(soso_docs_from_corpus(reversed, w.vocab, &in, &fewer)); /* 500 of them */
    /* The same words with values a rounding off (another build's expansion, say). */
    soso_docs *nudged = NULL;
    CHECK_OK(soso_docs_create(soso_docs_cols(w.docs), &nudged));
    for (size_t r = 0; nudged && r < soso_docs_rows(w.docs); r++) {
        size_t nnz = 0;
        const uint32_t *idx = NULL;
        const float *val = NULL;
        CHECK_OK(soso_docs_row(w.docs, r, &nnz, &idx, &val));
        float *v = malloc((nnz ? nnz : 1) * sizeof *v);
        for (size_t e = 0; e < nnz; e++) v[e] = nextafterf(val[e], 2.0f);
        CHECK_OK(soso_docs_append_row(nudged, nnz, idx, v));
        free(v);
    }
    soso_stream *half = NULL;
    CHECK_OK(soso_stream_open(rewritten_wn6("half.tsv", 0, 500, "\n"), NULL, 50, &half));
    soso_stream *moved = NULL, *crlf = NULL;
    CHECK_OK(soso_stream_open(rewritten_wn6("moved.tsv", 1, 1000, "\n"), NULL, 50, &moved));
    CHECK_OK(soso_stream_open(rewritten_wn6("crlf.tsv", 0, 1000, "\r\n"), NULL, 50, &crlf));
    CHECK(soso_stream_documents(moved) == 1000 && soso_stream_documents(crlf) == 1000);
    for (int learner = 0; learner < 3; learner++) {
        soso_model *whole = new_model(learner, w.vocab, w.docs, 2, 6, 1);
        CHECK_OK(soso_model_train(whole, w.docs, NULL, NULL));
        for (int at_epoch_end = 0; at_epoch_end < 2; at_epoch_end++) {
            soso_model *cut = new_model(learner, w.vocab, w.docs, 2, 6, 1);
            int left = 1;
            CHECK_STATUS(soso_model_train(cut, w.docs, at_epoch_end ? stop_after_an_epoch : stop_after, &left),
                         SOSO_E_ABORTED);
            CHECK(soso_model_epochs_done(cut) < 2);
            CHECK_STATUS(soso_model_train(cut, other, NULL, NULL), SOSO_E_ARG);
            CHECK_MSG(strstr(soso_last_error(), "started on other documents, as many (1000)") != NULL, "%s",
                      soso_last_error());
            soso_model *back = copy_model(cut); /* the file keeps it; the refusal trained nothing */
            uint64_t count = 0;
            CHECK(soso_model_training_source(back, &count) == 1 && count == 1000);
            soso_model *again = copy_model(back); /* the words, not the values' last bits, decide */
            int one = 1;
            CHECK_STATUS(soso_model_train(again, nudged, stop_after, &one), SOSO_E_ABORTED);
            soso_model_free(again);
            if (at_epoch_end) { /* streamed from an epoch's end: only the number can be compared */
                again = copy_model(back);
                CHECK_STATUS(soso_model_train_stream(again, half, 2, NULL, NULL), SOSO_E_ARG);
                CHECK_MSG(strstr(soso_last_error(), "started on 1000 documents, not these 500 lines") != NULL, "%s",
                          soso_last_error());
                one = 1;
                CHECK_STATUS(soso_model_train_stream(again, w.stream, 2, stop_after, &one), SOSO_E_ABORTED);
                CHECK(soso_model_training_source(again, &count) == 2 && count == 1000);
                soso_model_free(again);
            }
            if (at_epoch_end) { /* mid-epoch, the row count refuses first */
                CHECK_STATUS(soso_model_train(back, fewer, NULL, NULL), SOSO_E_ARG);
                CHECK_MSG(strstr(soso_last_error(), "started on 1000 documents, not these 500") != NULL, "%s",
                          soso_last_error());
            }
            CHECK_STATUS(soso_model_train(back, other, NULL, NULL), SOSO_E_ARG);
            CHECK_OK(soso_model_train(back, w.docs, NULL, NULL));
            CHECK_MSG(same_weights(whole, back), "learner %d, stopped %s", learner,
                      at_epoch_end ? "at an epoch's end" : "mid-epoch");
            /* Extended, it trains on new documents. */
            CHECK_OK(soso_model_extend(back, 1));
            CHECK_OK(soso_model_train(back, fewer, NULL, NULL));
            soso_model_free(back);
            soso_model_free(cut);
        }
        /* Streamed: another file of as many lines is refused, the CRLF copy resumes. */
        soso_model *str = new_model(learner, w.vocab, w.docs, 2, 6, 1);
        soso_model *cut = new_model(learner, w.vocab, w.docs, 2, 6, 1);
        CHECK_OK(soso_model_train_stream(str, w.stream, 2, NULL, NULL));
        int left = 2;
        CHECK_STATUS(soso_model_train_stream(cut, w.stream, 2, stop_after, &left), SOSO_E_ABORTED);
        CHECK_STATUS(soso_model_train_stream(cut, moved, 2, NULL, NULL), SOSO_E_ARG);
        CHECK_MSG(strstr(soso_last_error(), "started on another file of the same 1000 lines") != NULL, "%s",
                  soso_last_error());
        CHECK_OK(soso_model_train_stream(cut, crlf, 2, NULL, NULL));
        CHECK_MSG(same_weights(str, cut), "learner %d, streamed, resumed on the CRLF copy", learner);
        soso_model_free(str);
        soso_model_free(cut);
        soso_model_free(whole);
    }
    /* A call that failed before training anything leaves no source behind, saved or not:
     * the stream's file shrank after it was opened. */
    soso_model *fresh = new_model(0, w.vocab, w.docs, 2, 6, 1);
    FILE *f = fopen(scratch_path("half.tsv"), "wb");
    if (f) fclose(f);
    CHECK_STATUS(soso_model_train_stream(fresh, half, 2, NULL, NULL), SOSO_E_IO);
    CHECK(soso_model_docs_seen(fresh) == 0 && soso_model_training_source(fresh, NULL) == 0);
    soso_model *saved = copy_model(fresh);
    int one = 1;
    CHECK_STATUS(soso_model_train(saved, other, stop_after, &one), SOSO_E_ABORTED);
    CHECK(soso_model_training_source(saved, NULL) == 1);
    CHECK_OK(soso_model_train(saved, other, NULL, NULL));
    CHECK(soso_model_training_source(saved, NULL) == 0); /* finished */
    soso_model_free(saved);
    soso_model_free(fresh);
    soso_stream_free(half);
    soso_docs_free(nudged);
    soso_stream_free(moved);
    soso_stream_free(crlf);
    soso_docs_free(other);
    soso_docs_free(fewer);
    soso_corpus_free(reversed);
    free(order);
    wn6_close(&w);
}

const soso_test tests_stream[] = {
    {"stream_resume_needs_the_same_pieces", test_resume_needs_the_same_pieces},
    {"osc_stop_at_the_last_report_still_finishes", test_osc_stop_at_the_last_report_still_finishes},
    {"stream_blocks_hold_the_file", test_blocks_hold_the_file},
    {"stream_order_is_a_seeded_permutation", test_order_is_a_seeded_permutation},
    {"stream_vocabulary_equals_whole_file", test_vocabulary_equals_whole_file},
    {"stream_one_piece_equals_in_memory", test_one_piece_equals_in_memory},
    {"stream_pieces_train_well_and_resume_exactly", test_pieces_train_well_and_resume_exactly},
    {"stream_refusals", test_refusals},
    {"byte_order_mark", test_byte_order_mark},
    {"stream_sample_spreads_over_a_sorted_file", test_sample_spreads_over_a_sorted_file},
    {"resume_at_a_piece_end", test_resume_at_a_piece_end},
    {"resume_needs_the_same_source", test_resume_needs_the_same_source},
    {NULL, NULL},
};
