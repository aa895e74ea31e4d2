/* test_docs.c - the sparse document matrix and the text -> vector pipeline. */
#include "harness.h"

#include <stdlib.h>

static soso_vocab *small_vocab(void)
{
    /* apple (df 3), fig (df 1), kiwi (df 1), pear (df 2) out of 4 documents. */
    return vocab_from_text("apple pear\napple kiwi apple\npear apple\nfig\n", 1, 1);
}

static void row_of(const soso_docs *d, size_t r, size_t *nnz, const uint32_t **idx, const float **val)
{
    CHECK_OK(soso_docs_row(d, r, nnz, idx, val));
}

static void test_docs_binary_normalized(void)
{
    soso_vocab *v = small_vocab(); /* apple 0, fig 1, kiwi 2, pear 3 */
    CHECK(soso_vocab_size(v) == 4);
    soso_input_options in;
    soso_input_options_default(&in);
    soso_docs *d = NULL;
    CHECK_OK(soso_docs_create(soso_vocab_size(v), &d));
    size_t unknown = 99;
    CHECK_OK(soso_docs_append_text(d, v, &in, "Pear, apple and APPLE; banana", SOSO_NUL_TERMINATED, &unknown));
    CHECK(unknown == 1); /* banana; "and" is a stop word, not unknown */
    CHECK_OK(soso_docs_append_text(d, v, &in, "nothing known here", SOSO_NUL_TERMINATED, NULL));
    size_t nnz;
    const uint32_t *idx;
    const float *val;
    row_of(d, 0, &nnz, &idx, &val);
    CHECK(nnz == 2 && idx[0] == 0 && idx[1] == 3);
    CHECK_NEAR(val[0], 1 / sqrt(2.0), 1e-7);
    CHECK_NEAR(val[1], 1 / sqrt(2.0), 1e-7);
    row_of(d, 1, &nnz, &idx, &val);
    CHECK(nnz == 0);
    CHECK(soso_docs_rows(d) == 2 && soso_docs_nnz(d) == 2 && soso_docs_cols(d) == 4);
    CHECK_STATUS(soso_docs_row(d, 2, &nnz, &idx, &val), SOSO_E_ARG);
    soso_docs_free(d);
    soso_vocab_free(v);
}

static void test_docs_counts_idf(void)
{
    soso_vocab *v = small_vocab();
    soso_input_options in = {SOSO_WEIGHT_COUNTS, 1, 0};
    soso_docs *d = NULL;
    CHECK_OK(soso_docs_create(4, &d));
    CHECK_OK(soso_docs_append_text(d, v, &in, "apple apple kiwi", SOSO_NUL_TERMINATED, NULL));
    size_t nnz;
    const uint32_t *idx;
    const float *val;
    row_of(d, 0, &nnz, &idx, &val);
    /* idf = ln((1 + N) / (1 + df)) + 1 with N = 4 documents. */
    CHECK(nnz == 2 && idx[0] == 0 && idx[1] == 2);
    CHECK_NEAR(val[0], 2 * (log(5.0 / 4.0) + 1), 1e-6);
    CHECK_NEAR(val[1], 1 * (log(5.0 / 2.0) + 1), 1e-6);
    soso_docs_free(d);
    soso_vocab_free(v);
}

static void test_docs_from_csr(void)
{
    size_t indptr[] = {0, 2, 2, 3};
    uint32_t indices[] = {3, 1, 0};
    float values[] = {3.0f, 4.0f, -2.0f};
    soso_docs *d = NULL;
    CHECK_OK(soso_docs_from_csr(3, 5, indptr, indices, values, &d));
    CHECK_OK(soso_docs_normalize(d));
    size_t nnz;
    const uint32_t *idx;
    const float *val;
    row_of(d, 0, &nnz, &idx, &val);
    CHECK(nnz == 2 && idx[0] == 1 && idx[1] == 3); /* sorted */
    CHECK_NEAR(val[0], 0.8, 1e-7);
    CHECK_NEAR(val[1], 0.6, 1e-7);
    row_of(d, 2, &nnz, &idx, &val);
    CHECK(nnz == 1 && val[0] == -1.0f);
    soso_docs_free(d);

    uint32_t dup[] = {1, 1, 0};
    CHECK_STATUS(soso_docs_from_csr(3, 5, indptr, dup, values, &d), SOSO_E_ARG);
    uint32_t out_of_range[] = {1, 5, 0};
    CHECK_STATUS(soso_docs_from_csr(3, 5, indptr, out_of_range, values, &d), SOSO_E_ARG);
    float nan_values[] = {1.0f, NAN, 1.0f};
    CHECK_STATUS(soso_docs_from_csr(3, 5, indptr, indices, nan_values, &d), SOSO_E_NUMERIC);
    size_t bad_ptr[] = {0, 2, 1, 3};
    CHECK_STATUS(soso_docs_from_csr(3, 5, bad_ptr, indices, values, &d), SOSO_E_ARG);
    CHECK_STATUS(soso_docs_create(0, &d), SOSO_E_ARG);
    soso_docs_free(NULL);
}

static void test_docs_vocab_mismatch(void)
{
    soso_vocab *v = small_vocab();
    soso_input_options in;
    soso_input_options_default(&in);
    soso_docs *d = NULL;
    CHECK_OK(soso_docs_create(7, &d));
    CHECK_STATUS(soso_docs_append_text(d, v, &in, "apple", 5, NULL), SOSO_E_ARG);
    in.weighting = (soso_weighting)7;
    CHECK_STATUS(soso_docs_append_text(d, v, &in, "apple", 5, NULL), SOSO_E_ARG);
    soso_docs_free(d);
    soso_vocab_free(v);
}

const soso_test tests_docs[] = {
    {"docs_binary_normalized", test_docs_binary_normalized},
    {"docs_counts_idf", test_docs_counts_idf},
    {"docs_from_csr", test_docs_from_csr},
    {"docs_vocab_mismatch", test_docs_vocab_mismatch},
    {NULL, NULL},
};
