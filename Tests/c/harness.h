/* harness.h - a minimal test harness for the C core: checks count failures and go on, so
 * one run reports every broken expectation. Prints "N passed, N failed" at the end. */
#ifndef SOSO_TEST_HARNESS_H
#define SOSO_TEST_HARNESS_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "soso.h"

typedef struct {
    const char *name;
    void (*fn)(void);
} soso_test;

extern int harness_failures; /* failed checks in the running test */

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
            harness_failures++;                                                     \
        }                                                                           \
    } while (0)

#define CHECK_MSG(cond, ...)                                               \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "  %s:%d: %s failed: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                  \
            fprintf(stderr, "\n");                                         \
            harness_failures++;                                            \
        }                                                                  \
    } while (0)

/* A call that must succeed; prints the library's detail when it does not. */
#define CHECK_OK(expr)                                                                        \
    do {                                                                                      \
        soso_status st_ = (expr);                                                             \
        CHECK_MSG(st_ == SOSO_OK, "%s: %s", soso_status_string(st_), soso_last_error()); \
    } while (0)

/* A call that must fail with a given status and a non-empty message. */
#define CHECK_STATUS(expr, want)                                                                  \
    do {                                                                                          \
        soso_status st_ = (expr);                                                                 \
        CHECK_MSG(st_ == (want), "got %s (%s), want %s", soso_status_string(st_), soso_last_error(), \
                  soso_status_string(want));                                                      \
        if (st_ != SOSO_OK) CHECK(soso_last_error()[0] != '\0');                                  \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                               \
    do {                                                                                    \
        double a_ = (a), b_ = (b);                                                          \
        CHECK_MSG(fabs(a_ - b_) <= (tol), "%.9g vs %.9g (tolerance %g)", a_, b_, (double)(tol)); \
    } while (0)

/* A vocabulary built from text (one document a line), default options but min_df and
 * the built-in stop words. */
soso_vocab *vocab_from_text(const char *text, uint32_t min_df, int stop_words);

/* A vocabulary of n (<= 676) made-up words "xaa", "xab", ... in that order. */
soso_vocab *vocab_of_size(size_t n);

/* Reads "NAME rows cols" and rows*cols numbers from f into a malloc'ed float matrix. */
float *read_matrix(FILE *f, const char *name, size_t *rows, size_t *cols);

/* Path of a file in the source tree (SOSO_SOURCE_DIR is set by the Makefile). */
const char *source_path(const char *rel);
/* The bundled corpus data/wn6-1k.tsv with the default text and input options. */
void load_bundled(soso_vocab **v, soso_docs **d);
/* m written to a buffer and read back, as a caller would keep it (NULL on failure). */
soso_model *copy_model(const soso_model *m);
/* A fresh path under the test's scratch directory. */
const char *scratch_path(const char *name);
/* The largest |got - want| over n weights; *top: the largest |want| (a scale to read it by). */
double weights_off(const float *got, const float *want, size_t n, double *top);
/* The first n documents of a corpus (labels kept), as a corpus of their own. */
soso_corpus *corpus_head(const soso_corpus *all, size_t n);

#endif
