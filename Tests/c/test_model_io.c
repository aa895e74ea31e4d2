/* test_model_io.c - model files: round trip, and every class of broken file gives the
 * right error without a crash (truncation at every offset, every flipped byte, wrong
 * magic, newer version, huge declared sizes); atomic saving. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "soso_internal.h" /* to make a model that owes steps */

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

static soso_model *small_model(uint32_t epochs)
{
    const char *text = "apple pear\napple kiwi\nfig pear\nfig kiwi\nkiwi pear\n";
    soso_corpus *c = NULL;
    soso_vocab *v = vocab_from_text(text, 2, 1);
    soso_docs *d = NULL;
    soso_input_options in;
    soso_input_options_default(&in);
    in.idf = 1;
    soso_hebbian_params p;
    soso_hebbian_params_default(&p);
    p.units = 3;
    p.epochs = epochs;
    p.seed = 42;
    soso_model *m = NULL;
    CHECK_OK(soso_corpus_from_buffer(text, strlen(text), &c));
    CHECK_OK(soso_docs_from_corpus(c, v, &in, &d));
    CHECK_OK(soso_model_create_hebbian(v, &in, &p, &m));
    CHECK_OK(soso_model_train(m, d, NULL, NULL));
    soso_docs_free(d);
    soso_vocab_free(v);
    soso_corpus_free(c);
    return m;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t crc32_ref(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

static void test_model_round_trip(void)
{
    soso_model *m = small_model(5);
    void *buf = NULL;
    size_t len = 0;
    CHECK_OK(soso_model_save_buffer(m, &buf, &len));
    CHECK(len > 20 && memcmp(buf, "SOSOMODL", 8) == 0);
    CHECK(crc32_ref(buf, len - 4) == ((uint32_t)((unsigned char *)buf)[len - 4] | (uint32_t)((unsigned char *)buf)[len - 3] << 8 |
                                      (uint32_t)((unsigned char *)buf)[len - 2] << 16 | (uint32_t)((unsigned char *)buf)[len - 1] << 24));
    soso_model *back = NULL;
    CHECK_OK(soso_model_load_buffer(buf, len, &back));
    CHECK(soso_model_units(back) == 3 && soso_model_vocab_size(back) == soso_model_vocab_size(m));
    CHECK(memcmp(soso_model_weights(back), soso_model_weights(m), 3 * soso_model_vocab_size(m) * sizeof(float)) == 0);
    CHECK(soso_model_epochs_done(back) == 5 && soso_model_docs_seen(back) == 25);
    soso_hebbian_params a, b;
    CHECK_OK(soso_model_hebbian_params(m, &a));
    CHECK_OK(soso_model_hebbian_params(back, &b));
    CHECK(a.seed == b.seed && a.k == b.k && a.delta == b.delta && a.epochs == b.epochs && a.p == b.p);
    soso_input_options ia, ib;
    CHECK_OK(soso_model_input_options(back, &ib));
    CHECK_OK(soso_model_input_options(m, &ia));
    CHECK(ib.idf == 1 && ia.idf == ib.idf && ia.normalize == ib.normalize);
    for (size_t i = 0; i < soso_model_vocab_size(m); i++) {
        CHECK(!strcmp(soso_vocab_word(soso_model_vocab(m), i), soso_vocab_word(soso_model_vocab(back), i)));
        CHECK(soso_vocab_df(soso_model_vocab(m), i) == soso_vocab_df(soso_model_vocab(back), i));
    }
    float c1[3], c2[3];
    CHECK_OK(soso_model_encode_text(m, "kiwi pear", SOSO_NUL_TERMINATED, c1, 3));
    CHECK_OK(soso_model_encode_text(back, "kiwi pear", SOSO_NUL_TERMINATED, c2, 3));
    CHECK(memcmp(c1, c2, sizeof c1) == 0);
    /* Saving the loaded model gives the same bytes. */
    void *buf2 = NULL;
    size_t len2 = 0;
    CHECK_OK(soso_model_save_buffer(back, &buf2, &len2));
    CHECK(len2 == len && memcmp(buf, buf2, len) == 0);
    soso_free(buf2);
    soso_free(buf);
    soso_model_free(back);
    soso_model_free(m);
}

static void test_model_truncated_every_offset(void)
{
    soso_model *m = small_model(1);
    void *buf = NULL;
    size_t len = 0;
    CHECK_OK(soso_model_save_buffer(m, &buf, &len));
    int bad = 0;
    for (size_t cut = 0; cut < len; cut++) {
        soso_model *x = NULL;
        /* A copy of exactly `cut` bytes, so a sanitizer sees any read past its end. */
        void *copy = malloc(cut ? cut : 1);
        memcpy(copy, buf, cut);
        soso_status s = soso_model_load_buffer(copy, cut, &x);
        if (s != SOSO_E_FORMAT || x != NULL || soso_last_error()[0] == '\0') bad++;
        if (cut >= 8 && !strstr(soso_last_error(), "truncated") && !strstr(soso_last_error(), "checksum")) bad++;
        soso_model_free(x);
        free(copy);
    }
    CHECK_MSG(bad == 0, "%d of %zu truncations not reported as a bad format", bad, len);
    soso_free(buf);
    soso_model_free(m);
}

static void test_model_flipped_bytes(void)
{
    soso_model *m = small_model(1);
    unsigned char *buf = NULL;
    size_t len = 0;
    CHECK_OK(soso_model_save_buffer(m, (void **)&buf, &len));
    int bad = 0;
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            buf[i] ^= (unsigned char)(1 << bit);
            soso_model *x = NULL;
            soso_status s = soso_model_load_buffer(buf, len, &x);
            if (s == SOSO_OK || x != NULL) bad++;
            if (s != SOSO_E_FORMAT && s != SOSO_E_VERSION) bad++;
            soso_model_free(x);
            buf[i] ^= (unsigned char)(1 << bit);
        }
    }
    CHECK_MSG(bad == 0, "%d flipped bytes went unnoticed", bad);
    soso_model *ok = NULL;
    CHECK_OK(soso_model_load_buffer(buf, len, &ok)); /* restored */
    soso_model_free(ok);
    soso_free(buf);
    soso_model_free(m);
}

static void test_model_foreign_newer_and_huge(void)
{
    soso_model *m = small_model(1);
    unsigned char *buf = NULL;
    size_t len = 0;
    CHECK_OK(soso_model_save_buffer(m, (void **)&buf, &len));
    soso_model *x = NULL;

    const char *png = "\x89PNG\r\n\x1a\n0000000000000000000000";
    CHECK_STATUS(soso_model_load_buffer(png, 30, &x), SOSO_E_FORMAT);
    CHECK(strstr(soso_last_error(), "not a SOSO model") != NULL);
    CHECK_STATUS(soso_model_load_buffer("SOSOMEM\0xxxxxxxxxxxxxxxx", 24, &x), SOSO_E_FORMAT);
    CHECK(strstr(soso_last_error(), "another kind") != NULL);
    CHECK_STATUS(soso_model_load_buffer(buf, 0, &x), SOSO_E_FORMAT);

    unsigned char *newer = malloc(len);
    memcpy(newer, buf, len);
    put_u32(newer + 8, SOSO_MODEL_FORMAT_VERSION + 1);
    put_u32(newer + len - 4, crc32_ref(newer, len - 4));
    CHECK_STATUS(soso_model_load_buffer(newer, len, &x), SOSO_E_VERSION);
    CHECK(strstr(soso_last_error(), "newer") != NULL);
    free(newer);

    /* Find the WGHT section and declare a huge shape, with a valid checksum: the loader
     * must refuse it from the sizes alone, without trying to allocate. */
    unsigned char *huge = malloc(len);
    memcpy(huge, buf, len);
    size_t at = 0;
    for (size_t i = 16; i + 4 <= len; i++)
        if (!memcmp(huge + i, "WGHT", 4)) at = i;
    CHECK(at > 0);
    if (at) {
        for (int i = 0; i < 8; i++) huge[at + 12 + i] = 0xFF; /* rows = 2^64 - 1 */
        put_u32(huge + len - 4, crc32_ref(huge, len - 4));
        CHECK_STATUS(soso_model_load_buffer(huge, len, &x), SOSO_E_FORMAT);
        for (int i = 0; i < 8; i++) huge[at + 4 + i] = 0xFF; /* section size = 2^64 - 1 */
        put_u32(huge + len - 4, crc32_ref(huge, len - 4));
        CHECK_STATUS(soso_model_load_buffer(huge, len, &x), SOSO_E_FORMAT);
    }
    free(huge);
    CHECK(x == NULL);
    soso_free(buf);
    soso_model_free(m);
}

/* Where a saved model's weights start: after the WGHT tag, the bytes of W's first two. */
static size_t weights_offset(const unsigned char *buf, size_t len, const float *W)
{
    size_t at = 0;
    for (size_t i = 16; i + 4 <= len && !at; i++)
        if (!memcmp(buf + i, "WGHT", 4)) at = i;
    for (size_t i = at; at && i + 8 <= len; i++)
        if (!memcmp(buf + i, W, 4) && !memcmp(buf + i + 4, W + 1, 4)) return i;
    return 0;
}

/* A model file whose weight is NaN, infinite or beyond 1e15 (what training never
 * writes: past it W W^T and the scores overflow), with a valid checksum, is refused
 * as a bad format; 1e15 itself loads. soso_model_set_weights refuses the same. */
static void test_model_weights_out_of_range(void)
{
    soso_model *m = small_model(1);
    unsigned char *buf = NULL;
    size_t len = 0;
    CHECK_OK(soso_model_save_buffer(m, (void **)&buf, &len));
    const float *W = soso_model_weights(m);
    size_t at = weights_offset(buf, len, W);
    CHECK(at > 0);
    const float vals[] = {1e15f, 2e15f, -3e20f, INFINITY, NAN};
    for (size_t k = 0; at && k < sizeof vals / sizeof *vals; k++) {
        unsigned char *b = malloc(len);
        memcpy(b, buf, len);
        memcpy(b + at, vals + k, 4);
        put_u32(b + len - 4, crc32_ref(b, len - 4));
        soso_model *x = NULL;
        soso_status s = soso_model_load_buffer(b, len, &x);
        if (k == 0) {
            CHECK_OK(s);
            CHECK(x && soso_model_weights(x)[0] == 1e15f);
        } else {
            CHECK_STATUS(s, SOSO_E_FORMAT);
            CHECK(strstr(soso_last_error(), "weight 0 is") != NULL && x == NULL);
        }
        soso_model_free(x);
        free(b);
    }
    size_t n = 3 * soso_model_vocab_size(m);
    float *w = malloc(n * sizeof *w), keep_last = W[n - 1];
    memcpy(w, W, n * sizeof *w);
    w[n - 1] = -2e15f;
    CHECK_STATUS(soso_model_set_weights(m, w, n), SOSO_E_NUMERIC);
    CHECK(strstr(soso_last_error(), "within 1e15") != NULL && soso_model_weights(m)[n - 1] == keep_last);
    w[n - 1] = 1e15f;
    CHECK_OK(soso_model_set_weights(m, w, n));
    free(w);
    soso_free(buf);
    soso_model_free(m);
}

/* Scores sum Hebbian weights raised to p - 1: for p = 5 weights of 1e10 gave NaN codes
 * with SOSO_OK; set_weights refuses a unit whose sum passes FLT_MAX / 2, while a model
 * the library made (p = 55 from N(0, 1)) loads; and an OSC model file whose atoms are not
 * orthonormal is refused at load as soso_model_set_weights refuses them. */
static void test_model_weights_for_the_learner(void)
{
    soso_vocab *v = vocab_from_text("apple pear\napple kiwi\nfig pear\nfig kiwi\n", 2, 1);
    soso_input_options in;
    soso_input_options_default(&in);
    soso_hebbian_params hp;
    soso_hebbian_params_default(&hp);
    hp.units = 2;
    hp.p = 5.0f;
    soso_model *m = NULL;
    CHECK_OK(soso_model_create_hebbian(v, &in, &hp, &m));
    size_t n = 2 * soso_vocab_size(v);
    float *w = malloc(n * sizeof *w), codes[2];
    for (size_t i = 0; i < n; i++) w[i] = i % 2 ? 1e10f : -1e10f;
    CHECK_STATUS(soso_model_set_weights(m, w, n), SOSO_E_NUMERIC);
    CHECK(strstr(soso_last_error(), "would overflow its scores") != NULL && strstr(soso_last_error(), "for p = 5") != NULL);
    for (size_t i = 0; i < n; i++) w[i] = i % 2 ? 1e7f : -1e7f; /* within 3.16e7 */
    CHECK_OK(soso_model_set_weights(m, w, n));
    CHECK_OK(soso_model_encode_text(m, "apple pear kiwi", SOSO_NUL_TERMINATED, codes, 2));
    CHECK(isfinite(codes[0]) && isfinite(codes[1]));
    soso_model_free(m);
    /* A model the library makes and whose scores are finite is not refused: p = 55 and
     * weights from N(0, 1) over the bundled corpus's words (a bound of 10^(30/(p-1)) on
     * single weights, 3.59 here, refused it at load). */
    soso_vocab *bv = NULL;
    soso_docs *bd = NULL;
    load_bundled(&bv, &bd);
    hp.p = 55.0f;
    hp.units = 16;
    m = NULL;
    CHECK_OK(soso_model_create_hebbian(bv, &in, &hp, &m));
    size_t bn = 16 * soso_vocab_size(bv);
    float top = 0;
    for (size_t i = 0; m && i < bn; i++) top = fmaxf(top, fabsf(soso_model_weights(m)[i]));
    CHECK_MSG(top > 3.6f, "largest weight %g", (double)top); /* the case that was refused */
    void *saved = NULL;
    size_t saved_len = 0;
    soso_model *again = NULL;
    CHECK_OK(soso_model_save_buffer(m, &saved, &saved_len));
    CHECK_OK(soso_model_load_buffer(saved, saved_len, &again));
    if (again) CHECK_OK(soso_model_set_weights(m, soso_model_weights(again), bn));
    soso_free(saved);
    soso_model_free(again);
    soso_model_free(m);
    soso_docs_free(bd);
    soso_vocab_free(bv);
    m = NULL;
    soso_osc_params op;
    soso_osc_params_default(&op);
    op.units = 2;
    op.sparsity = 1;
    op.init = SOSO_INIT_RANDOM;
    CHECK_OK(soso_model_create_osc(v, &in, &op, NULL, &m));
    unsigned char *buf = NULL;
    size_t len = 0;
    CHECK_OK(soso_model_save_buffer(m, (void **)&buf, &len));
    size_t V = soso_vocab_size(v), at = weights_offset(buf, len, soso_model_weights(m));
    CHECK(at > 0);
    if (at) {
        memcpy(buf + at + 4 * V, buf + at, 4 * V); /* the second atom made the first */
        put_u32(buf + len - 4, crc32_ref(buf, len - 4));
        soso_model *x = NULL;
        CHECK_STATUS(soso_model_load_buffer(buf, len, &x), SOSO_E_FORMAT);
        CHECK(x == NULL && strstr(soso_last_error(), "model file: an OSC model's atoms must be orthonormal") != NULL);
    }
    soso_free(buf);
    soso_model_free(m);
    free(w);
    soso_vocab_free(v);
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) return -1;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static void test_model_save_is_atomic(void)
{
    soso_model *m = small_model(2);
    const char *dir = scratch_path("atomic");
    CHECK(mkdir(dir, 0755) == 0);
    char path[600], missing[600];
    snprintf(path, sizeof path, "%s/model.soso", dir);
    snprintf(missing, sizeof missing, "%s/no/such/dir/model.soso", dir);
    CHECK_OK(soso_model_save(m, path));
    CHECK(count_entries(dir) == 1); /* no temporary file left behind */
    CHECK_STATUS(soso_model_save(m, missing), SOSO_E_IO);
    CHECK(count_entries(dir) == 1);
    /* Overwriting keeps a loadable file at every moment and replaces it whole. */
    soso_model *m2 = small_model(4);
    CHECK_OK(soso_model_save(m2, path));
    soso_model *back = NULL;
    CHECK_OK(soso_model_load(path, &back));
    CHECK(soso_model_epochs_done(back) == 4);
    CHECK(count_entries(dir) == 1);
    soso_model_free(back);
    back = NULL;
    CHECK_STATUS(soso_model_load(missing, &back), SOSO_E_IO);
    CHECK_MSG(soso_last_os_error() == ENOENT && strstr(soso_last_error(), strerror(ENOENT)) != NULL, "%d: %s",
              soso_last_os_error(), soso_last_error());
    CHECK_STATUS(soso_model_load(dir, &back), SOSO_E_IO);
    CHECK(back == NULL);
    soso_model_free(m2);
    soso_model_free(m);
}

/* soso_file_write, the saves' writer: a replaced file keeps its permissions, a link is
 * followed (the target replaced, the link kept), a pipe is written into (not replaced by
 * a file), a directory is refused; no temporary file is left. */
static void test_file_write_targets(void)
{
    const char *dir = scratch_path("targets");
    CHECK(mkdir(dir, 0755) == 0);
    char file[600], link[600], fifo[600], got[16] = {0};
    snprintf(file, sizeof file, "%s/f.txt", dir);
    snprintf(link, sizeof link, "%s/l.txt", dir);
    snprintf(fifo, sizeof fifo, "%s/p", dir);
    mode_t mask = umask(027); /* a new file: 0666 less the umask, and the umask left as it was */
    CHECK_OK(soso_file_write(file, "one", 3));
    struct stat st;
    CHECK(stat(file, &st) == 0 && (st.st_mode & 07777) == 0640);
    CHECK(umask(mask) == 027);
    CHECK(chmod(file, 0604) == 0); /* a mode no umask gives a new file */
    CHECK_OK(soso_file_write(file, "two", 3));
    CHECK(stat(file, &st) == 0 && (st.st_mode & 07777) == 0604);
    CHECK(symlink("f.txt", link) == 0);
    CHECK_OK(soso_file_write(link, "three", 5));
    CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
    FILE *f = fopen(file, "rb");
    CHECK(f && fread(got, 1, sizeof got - 1, f) == 5 && !strcmp(got, "three"));
    if (f) fclose(f);
    CHECK(count_entries(dir) == 2);
    CHECK(mkfifo(fifo, 0600) == 0);
    int rd = open(fifo, O_RDONLY | O_NONBLOCK); /* a reader, so that the writer's open does not wait */
    CHECK(rd >= 0);
    CHECK_OK(soso_file_write(fifo, "piped", 5));
    memset(got, 0, sizeof got);
    CHECK(read(rd, got, sizeof got - 1) == 5 && !strcmp(got, "piped"));
    close(rd);
    CHECK(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode));
    /* A pipe whose reader is gone: EPIPE as an error, not SIGPIPE ending the process
     * (this test would die), and no SIGPIPE left pending after it. */
    int ends[2], saved = dup(STDOUT_FILENO);
    fflush(stdout);
    CHECK(saved >= 0 && pipe(ends) == 0 && dup2(ends[1], STDOUT_FILENO) == STDOUT_FILENO);
    close(ends[0]);
    close(ends[1]);
    soso_status piped = soso_file_write("-", "gone", 4);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    CHECK_STATUS(piped, SOSO_E_IO);
    CHECK(strstr(soso_last_error(), "cannot write standard output") != NULL);
    CHECK_MSG(soso_last_os_error() == EPIPE, "os error %d", soso_last_os_error()); /* a caller can tell it apart */
    sigset_t pending;
    CHECK(sigpending(&pending) == 0 && !sigismember(&pending, SIGPIPE));
    char dangling[600];
    snprintf(dangling, sizeof dangling, "%s/d.txt", dir);
    CHECK(symlink("nowhere.txt", dangling) == 0);
    CHECK_STATUS(soso_file_write(dangling, "x", 1), SOSO_E_IO);
    CHECK(lstat(dangling, &st) == 0 && S_ISLNK(st.st_mode) && strstr(soso_last_error(), "link to nothing"));
    CHECK(soso_last_os_error() == 0); /* no system call failed: the library found it */
    CHECK_STATUS(soso_file_write(dir, "x", 1), SOSO_E_IO);
    CHECK(strstr(soso_last_error(), "it is a directory") != NULL);
    CHECK_STATUS(soso_file_write(NULL, "x", 1), SOSO_E_ARG);
    CHECK_STATUS(soso_file_write(file, NULL, 1), SOSO_E_ARG);
    CHECK(count_entries(dir) == 4);
}

/* The DUE section (steps owed after a failed training call) is read only at its one
 * length: 8 bytes, here grown to 12 at the file's end with a valid checksum. */
static void test_model_due_section_length(void)
{
    soso_model *m = small_model(2);
    if (!m) return;
    m->hebbian.orthogonalize_every = 2;
    m->orth_due = 1;
    void *buf = NULL;
    size_t len = 0;
    soso_model *x = NULL;
    CHECK_OK(soso_model_save_buffer(m, &buf, &len));
    CHECK_OK(soso_model_load_buffer(buf, len, &x));
    CHECK(x && x->orth_due == 1);
    soso_model_free(x);
    x = NULL;
    unsigned char *b = buf, *grown = malloc(len + 4);
    size_t at = len - 4 - 8 - 8 - 4; /* the last section: tag, u64 size, 8 bytes, then the checksum */
    CHECK(memcmp(b + at, "DUE ", 4) == 0 && b[at + 4] == 8);
    if (grown && memcmp(b + at, "DUE ", 4) == 0) {
        memcpy(grown, b, len - 4);
        memset(grown + len - 4, 0, 4);
        grown[at + 4] = 12;
        put_u32(grown + len, crc32_ref(grown, len));
        CHECK_STATUS(soso_model_load_buffer(grown, len + 4, &x), SOSO_E_FORMAT);
        CHECK(strstr(soso_last_error(), "could not owe") != NULL && x == NULL);
    }
    free(grown);
    soso_free(buf);
    soso_model_free(m);
}

/* The SRC section (what an unfinished training started on) is written only while the
 * plan is unfinished, survives a round trip, and an impossible kind or row count in it
 * (with a valid checksum) is refused. */
static void test_model_source_section(void)
{
    soso_model *m = small_model(2);
    if (!m) return;
    void *buf = NULL;
    size_t len = 0;
    soso_model *x = NULL;
    CHECK(m->source_kind == SOSO__SOURCE_DOCS && m->source_rows == 5); /* taken by the training */
    CHECK_OK(soso_model_save_buffer(m, &buf, &len));
    unsigned char *b = buf;
    int has_src = 0;
    for (size_t i = 16; b && i + 4 <= len; i++) has_src |= !memcmp(b + i, "SRC ", 4);
    CHECK_MSG(!has_src, "a finished model has no SRC section");
    soso_free(buf);
    CHECK_OK(soso_model_extend(m, 1));
    CHECK(m->source_kind == 0);
    m->source_kind = SOSO__SOURCE_FILE;
    m->source_rows = 5;
    m->source_hash = 0x123456789ABCDEFull;
    CHECK_OK(soso_model_save_buffer(m, &buf, &len));
    CHECK_OK(soso_model_load_buffer(buf, len, &x));
    CHECK(x && x->source_kind == SOSO__SOURCE_FILE && x->source_rows == 5 && x->source_hash == 0x123456789ABCDEFull);
    soso_model_free(x);
    x = NULL;
    b = buf;
    size_t at = len - 4 - 20 - 8 - 4; /* the last section: tag, u64 size, 20 bytes, then the checksum */
    CHECK(memcmp(b + at, "SRC ", 4) == 0 && b[at + 4] == 20);
    if (memcmp(b + at, "SRC ", 4) == 0) {
        b[at + 12] = 3; /* no such kind */
        put_u32(b + len - 4, crc32_ref(b, len - 4));
        CHECK_STATUS(soso_model_load_buffer(b, len, &x), SOSO_E_FORMAT);
        CHECK(strstr(soso_last_error(), "what training started on") != NULL && x == NULL);
        b[at + 12] = SOSO__SOURCE_DOCS;
        memset(b + at + 16, 0, 8); /* no rows */
        put_u32(b + len - 4, crc32_ref(b, len - 4));
        CHECK_STATUS(soso_model_load_buffer(b, len, &x), SOSO_E_FORMAT);
    }
    soso_free(buf);
    soso_model_free(m);
}

const soso_test tests_model_io[] = {
    {"model_round_trip", test_model_round_trip},
    {"model_due_section_length", test_model_due_section_length},
    {"model_source_section", test_model_source_section},
    {"model_truncated_every_offset", test_model_truncated_every_offset},
    {"model_weights_out_of_range", test_model_weights_out_of_range},
    {"model_weights_for_the_learner", test_model_weights_for_the_learner},
    {"file_write_targets", test_file_write_targets},
    {"model_flipped_bytes", test_model_flipped_bytes},
    {"model_foreign_newer_and_huge", test_model_foreign_newer_and_huge},
    {"model_save_is_atomic", test_model_save_is_atomic},
    {NULL, NULL},
};
