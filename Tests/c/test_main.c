/* test_main.c - runs every C test of the core and reports "N passed, N failed". */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <stdlib.h>
#include <unistd.h>

int harness_failures;

extern const soso_test tests_text[], tests_docs[], tests_hebbian[], tests_encode[], tests_model_io[],
    tests_orthogonal[], tests_osc[], tests_soft[], tests_memory[], tests_eval[], tests_threads[],
    tests_concepts[], tests_stream[], tests_stack[], tests_expand[], tests_lazy[], tests_dense[], tests_scores[],
    tests_nomem[], tests_barrier[], tests_edges[];

static char scratch_dir[256];

/* dir/name in one of a few rotating static buffers. */
static const char *join(const char *dir, const char *name)
{
    static char buf[4][1024];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
    return buf[i];
}

const char *source_path(const char *rel) { return join(SOSO_SOURCE_DIR, rel); }

/* m written to a buffer and read back, as a caller would keep it. */
soso_model *copy_model(const soso_model *m)
{
    void *data = NULL;
    size_t len = 0;
    soso_model *c = NULL;
    CHECK_OK(soso_model_save_buffer(m, &data, &len));
    CHECK_OK(soso_model_load_buffer(data, len, &c));
    soso_free(data);
    return c;
}

/* The bundled corpus prepared as a model would prepare it. */
void load_bundled(soso_vocab **v, soso_docs **d)
{
    soso_corpus *c = NULL;
    soso_text_options to;
    soso_input_options in;
    soso_text_options_default(&to);
    soso_input_options_default(&in);
    CHECK_OK(soso_corpus_read_file(source_path("data/wn6-1k.tsv"), &c));
    CHECK_OK(soso_vocab_build_corpus(c, &to, NULL, 0, v));
    CHECK_OK(soso_docs_from_corpus(c, *v, &in, d));
    soso_corpus_free(c);
}

const char *scratch_path(const char *name) { return join(scratch_dir, name); }

double weights_off(const float *got, const float *want, size_t n, double *top)
{
    double worst = 0;
    *top = 0;
    for (size_t i = 0; i < n; i++) {
        worst = fmax(worst, fabs((double)got[i] - want[i]));
        *top = fmax(*top, fabs(want[i]));
    }
    return worst;
}

soso_vocab *vocab_from_text(const char *text, uint32_t min_df, int stop_words)
{
    soso_corpus *c = NULL;
    soso_vocab *v = NULL;
    soso_text_options o;
    soso_text_options_default(&o);
    o.min_df = min_df;
    o.stop_words = stop_words;
    CHECK_OK(soso_corpus_from_buffer(text, strlen(text), &c));
    CHECK_OK(soso_vocab_build_corpus(c, &o, NULL, 0, &v));
    soso_corpus_free(c);
    return v;
}

/* The first n documents of a corpus (labels kept), as a corpus of their own. */
soso_corpus *corpus_head(const soso_corpus *all, size_t n)
{
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap);
    for (size_t i = 0; i < n && i < soso_corpus_size(all); i++) {
        size_t tl, ll = 0;
        const char *t = soso_corpus_text(all, i, &tl), *l = soso_corpus_label(all, i, &ll);
        while (len + tl + ll + 3 > cap) text = realloc(text, cap *= 2);
        if (l) {
            memcpy(text + len, l, ll);
            len += ll;
            text[len++] = '\t';
        }
        memcpy(text + len, t, tl);
        len += tl;
        text[len++] = '\n';
    }
    soso_corpus *c = NULL;
    CHECK_OK(soso_corpus_from_buffer(text, len, &c));
    free(text);
    return c;
}

soso_vocab *vocab_of_size(size_t n)
{
    /* Words "xab" (up to 676 of them), else "xabc" (up to 17,576). */
    size_t letters = n <= 26 * 26 ? 2 : 3, w = letters + 2;
    char *text = malloc(n * w + 1);
    for (size_t i = 0; i < n; i++) {
        char *t = text + w * i;
        t[0] = 'x';
        for (size_t l = 0, rest = i; l < letters; l++, rest /= 26) t[letters - l] = (char)('a' + rest % 26);
        t[letters + 1] = ' ';
    }
    text[w * n] = '\0';
    soso_vocab *v = vocab_from_text(text, 1, 0);
    free(text);
    CHECK(soso_vocab_size(v) == n);
    return v;
}

float *read_matrix(FILE *f, const char *name, size_t *rows, size_t *cols)
{
    char got[64];
    if (fscanf(f, " %63s %zu %zu", got, rows, cols) != 3 || strcmp(got, name) != 0) return NULL;
    float *m = malloc(*rows * *cols * sizeof *m);
    for (size_t i = 0; i < *rows * *cols; i++) {
        double x;
        if (fscanf(f, "%lf", &x) != 1) {
            free(m);
            return NULL;
        }
        m[i] = (float)x;
    }
    return m;
}

/* SOSO_TEST_SKIP="a,b": leave out tests whose names contain a or b (for slow runners). */
static int skipped(const char *name)
{
    const char *list = getenv("SOSO_TEST_SKIP");
    while (list && *list) {
        const char *end = strchr(list, ',');
        size_t n = end ? (size_t)(end - list) : strlen(list);
        char part[128];
        if (n > 0 && n < sizeof part) {
            memcpy(part, list, n);
            part[n] = '\0';
            if (strstr(name, part)) return 1;
        }
        list = end ? end + 1 : NULL;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const soso_test *suites[] = {tests_text,    tests_docs,       tests_hebbian, tests_encode,
                                 tests_model_io, tests_orthogonal, tests_osc,    tests_soft,
                                 tests_memory,   tests_eval,       tests_threads, tests_concepts,
                                 tests_stream,   tests_stack,    tests_expand,  tests_lazy,
                                 tests_dense,    tests_scores,    tests_nomem,  tests_barrier, tests_edges};
    snprintf(scratch_dir, sizeof scratch_dir, "/tmp/soso-ctest-XXXXXX");
    if (!mkdtemp(scratch_dir)) {
        perror("mkdtemp");
        return 2;
    }
    int passed = 0, failed = 0;
    for (size_t s = 0; s < sizeof suites / sizeof suites[0]; s++) {
        for (const soso_test *t = suites[s]; t->name; t++) {
            if (argc > 1 && !strstr(t->name, argv[1])) continue;
            if (skipped(t->name)) continue;
            harness_failures = 0;
            t->fn();
            if (harness_failures) {
                printf("FAIL %s (%d checks)\n", t->name, harness_failures);
                failed++;
            } else {
                printf("ok   %s\n", t->name);
                passed++;
            }
        }
    }
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", scratch_dir);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
