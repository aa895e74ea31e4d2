/* test_osc.c - Orthogonal Sparse Coding: the toolbox's recovery check, orthogonality over
 * 100,000 updates on text, the fast path against the plain loop, thread independence,
 * reconstruction, files and bad input. */
#include "harness.h"

#include <stdint.h>
#include <stdlib.h>

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 11;
}

static double gauss(uint64_t *s)
{
    double u1 = ((double)lcg(s) + 1) / 9007199254740993.0, u2 = (double)lcg(s) / 9007199254740992.0;
    return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
}

static soso_model *osc_model(const soso_vocab *v, const soso_docs *d, uint32_t units, uint32_t k, uint32_t epochs,
                             soso_init init, int exact, int threads)
{
    soso_osc_params p;
    soso_osc_params_default(&p);
    p.units = units;
    p.sparsity = k;
    p.epochs = epochs;
    p.init = init;
    p.exact = exact;
    p.threads = threads;
    p.seed = 5;
    soso_input_options in;
    soso_input_options_default(&in);
    soso_model *m = NULL;
    CHECK_OK(soso_model_create_osc(v, &in, &p, d, &m));
    return m;
}

/* Toolbox example: a random orthonormal basis of dimension 64, 1,000 samples of 10
 * non-zero coefficients each; OSC should recover the basis. */
static void test_osc_recovers_planted_basis(void)
{
    enum { DIM = 64, SAMPLES = 1000, NZ = 10 };
    uint64_t s = 777;
    float *B = malloc(DIM * DIM * sizeof *B);
    for (int i = 0; i < DIM * DIM; i++) B[i] = (float)gauss(&s);
    CHECK_OK(soso_orthogonalize_gram_schmidt(B, DIM, DIM));
    soso_docs *d = NULL;
    CHECK_OK(soso_docs_create(DIM, &d));
    for (int n = 0; n < SAMPLES; n++) {
        float x[DIM] = {0};
        int used[DIM] = {0};
        for (int c = 0; c < NZ; c++) {
            int a;
            do a = (int)(lcg(&s) % DIM);
            while (used[a]);
            used[a] = 1;
            double coef = gauss(&s);
            for (int j = 0; j < DIM; j++) x[j] += (float)(coef * B[a * DIM + j]);
        }
        uint32_t idx[DIM];
        for (int j = 0; j < DIM; j++) idx[j] = (uint32_t)j;
        CHECK_OK(soso_docs_append_row(d, DIM, idx, x));
    }
    CHECK_OK(soso_docs_normalize(d));
    soso_vocab *v = vocab_of_size(DIM);
    soso_model *m = osc_model(v, d, DIM, NZ, 60, SOSO_INIT_RANDOM, 0, 2);
    CHECK_OK(soso_model_train(m, d, NULL, NULL));
    /* Best one-to-one match of atoms to basis vectors (greedy on |cos|). */
    const float *U = soso_model_weights(m);
    double C[DIM][DIM];
    for (int i = 0; i < DIM; i++)
        for (int j = 0; j < DIM; j++) {
            double dot = 0;
            for (int t = 0; t < DIM; t++) dot += (double)U[i * DIM + t] * B[j * DIM + t];
            C[i][j] = fabs(dot);
        }
    int atom_used[DIM] = {0}, basis_used[DIM] = {0};
    double min_cos = 1;
    for (int round = 0; round < DIM; round++) {
        int bi = -1, bj = -1;
        for (int i = 0; i < DIM; i++)
            for (int j = 0; j < DIM; j++)
                if (!atom_used[i] && !basis_used[j] && (bi < 0 || C[i][j] > C[bi][bj])) {
                    bi = i;
                    bj = j;
                }
        atom_used[bi] = basis_used[bj] = 1;
        min_cos = fmin(min_cos, C[bi][bj]);
    }
    printf("     planted basis: minimum |cos| of the best match after 60 epochs = %.4f\n", min_cos);
    CHECK_MSG(min_cos >= 0.95, "minimum |cos| %.4f", min_cos);
    soso_model_free(m);
    soso_vocab_free(v);
    soso_docs_free(d);
    free(B);
}

/* The bundled corpus prepared as a model would prepare it. */
/* The bundled corpus; min_df 1 keeps every word (about 4,000), enough for 2 threads. */
static void bundled_min_df(soso_vocab **v, soso_docs **d, uint32_t min_df)
{
    soso_corpus *c = NULL;
    soso_text_options to;
    soso_input_options in;
    soso_text_options_default(&to);
    soso_input_options_default(&in);
    to.min_df = min_df;
    CHECK_OK(soso_corpus_read_file(source_path("data/wn6-1k.tsv"), &c));
    CHECK_OK(soso_vocab_build_corpus(c, &to, NULL, 0, v));
    CHECK_OK(soso_docs_from_corpus(c, *v, &in, d));
    soso_corpus_free(c);
}

static void bundled(soso_vocab **v, soso_docs **d) { bundled_min_df(v, d, 2); }

static void test_osc_stays_orthonormal_on_text(void)
{
    soso_vocab *v = NULL;
    soso_docs *d = NULL;
    bundled(&v, &d);
    soso_model *m = osc_model(v, d, 24, 4, 100, SOSO_INIT_LSA, 0, 2); /* 100 x 1,000 updates */
    CHECK_OK(soso_model_train(m, d, NULL, NULL));
    CHECK(soso_model_docs_seen(m) == 100000);
    float orth = 1;
    CHECK_OK(soso_orthogonality_error(soso_model_weights(m), 24, soso_vocab_size(v), 1, &orth));
    printf("     max |U U^T - I| after 100,000 updates: %.3g\n", orth);
    CHECK_MSG(orth < 1e-4, "|U U^T - I| = %.3g", orth);
    soso_model_free(m);
    soso_docs_free(d);
    soso_vocab_free(v);
}

/* Trains N units at sparsity K for `epochs` from LSA by the fast path and by the plain
 * loop; returns the largest 1 - |cos| between matching atoms, and both models'
 * orthogonality errors. */
static double fast_against_plain(const soso_vocab *v, const soso_docs *d, uint32_t N, uint32_t K, uint32_t epochs,
                                 float *orth_fast, float *orth_plain)
{
    size_t V = soso_docs_cols(d);
    soso_model *fast = osc_model(v, d, N, K, epochs, SOSO_INIT_LSA, 0, 1);
    soso_model *plain = osc_model(v, d, N, K, epochs, SOSO_INIT_LSA, 1, 1);
    CHECK_OK(soso_model_train(fast, d, NULL, NULL));
    CHECK_OK(soso_model_train(plain, d, NULL, NULL));
    const float *a = soso_model_weights(fast), *b = soso_model_weights(plain);
    double worst = 0;
    for (uint32_t i = 0; i < N; i++) {
        double dot = 0;
        for (size_t j = 0; j < V; j++) dot += (double)a[i * V + j] * b[i * V + j];
        worst = fmax(worst, 1 - fabs(dot));
    }
    *orth_fast = *orth_plain = 1;
    CHECK_OK(soso_orthogonality_error(a, N, V, 1, orth_fast));
    CHECK_OK(soso_orthogonality_error(b, N, V, 1, orth_plain));
    soso_model_free(fast);
    soso_model_free(plain);
    return worst;
}

/* 300 documents of 5 distinct words of V, weight 1, normalised; with `confined`, every
 * third document's words all lie in the first 256 (one chunk of the fast path's). */
static soso_docs *five_word_documents(size_t V, int confined)
{
    uint64_t s = 99;
    soso_docs *d = NULL;
    CHECK_OK(soso_docs_create(V, &d));
    for (int n = 0; n < 300 && d; n++) {
        uint32_t idx[5];
        float val[5];
        int k = 0;
        size_t range = confined && n % 3 == 0 ? 256 : V;
        while (k < 5) {
            uint32_t j = (uint32_t)(lcg(&s) % range);
            int dup = 0;
            for (int q = 0; q < k; q++) dup |= idx[q] == j;
            if (dup) continue;
            idx[k] = j;
            val[k++] = 1.0f;
        }
        CHECK_OK(soso_docs_append_row(d, 5, idx, val));
    }
    if (d) CHECK_OK(soso_docs_normalize(d));
    return d;
}

/* The fast path differs from the plain loop at second order in the step: after one
 * epoch of 300 updates (eps 0.1 -> 0.001) their atoms agree to 1 - |cos| < 1e-4.
 * How close depends on OpenBLAS's kernel, whose sums round differently (largest over
 * the shapes below, by OPENBLAS_CORETYPE): Prescott 7e-7, Haswell and Zen 8e-7,
 * Sandybridge 4e-6, SkylakeX and Cooperlake 1.1e-5; a wrong rotation or a lost
 * chunk gives 1e-2 or more. Over more epochs the two drift further apart, because the
 * plain loop itself is sensitive to the order of nearly tied |a| values (two plain runs
 * whose eps differ by 1e-6 relative drift to 1 - |cos| = 4e-3 over 1,000 updates); the
 * planted-basis test above compares what both learn instead. Over 50 words (one chunk
 * of the fast path's vocabulary) and over 700 (chunks of 256, 256 and 188, which the
 * codes sum in parts: documents across chunks and within one). */
static void test_osc_fast_matches_plain(void)
{
    /* K = 10: more atoms a document than there are pending rotations; K = N: no rotation. */
    static const uint32_t one_chunk[][2] = {{12, 3}, {20, 5}, {8, 1}, {30, 10}, {10, 10}};
    static const uint32_t chunks[][2] = {{23, 3}, {12, 5}, {9, 1}};
    for (int wide = 0; wide <= 1; wide++) {
        size_t V = wide ? 700 : 50, n_shapes = wide ? 3 : 5;
        soso_docs *d = five_word_documents(V, wide);
        soso_vocab *v = vocab_of_size(V);
        for (size_t t = 0; t < n_shapes && d; t++) {
            uint32_t N = wide ? chunks[t][0] : one_chunk[t][0], K = wide ? chunks[t][1] : one_chunk[t][1];
            float orth_fast, orth_plain;
            double worst = fast_against_plain(v, d, N, K, 1, &orth_fast, &orth_plain);
            printf("     V=%zu N=%u K=%u: largest 1 - |cos| between fast and plain atoms = %.2g\n", V, N, K, worst);
            CHECK_MSG(worst < 1e-4, "V=%zu N=%u K=%u: 1 - |cos| = %.3g", V, N, K, worst);
            CHECK(orth_plain < 1e-5);
        }
        soso_vocab_free(v);
        soso_docs_free(d);
    }
}

/* Documents at or just off their atoms' span: 8 repeated patterns of 6 words each (one a
 * document) plus delta times a stray word, 8 to 12 units from LSA (which finds the
 * patterns). x_perp is then 0 to 1e-4 of |x|, and the fast path's rotation must not
 * divide rounding by it: it once folded every atom onto one here (1 - |cos| about 1,
 * |U U^T - I| about 1) while the plain loop stayed put. */
static void test_osc_fast_near_span(void)
{
    enum { V = 60, P = 8, W = 6, DOCS = 400 };
    const double deltas[] = {0, 1e-5, 1e-4};
    const uint32_t shapes[][2] = {{8, 1}, {8, 2}, {12, 2}};
    soso_vocab *v = vocab_of_size(V);
    for (size_t t = 0; t < sizeof deltas / sizeof *deltas; t++) {
        uint64_t s = 42;
        soso_docs *d = NULL;
        CHECK_OK(soso_docs_create(V, &d));
        for (int n = 0; n < DOCS; n++) {
            uint32_t p = (uint32_t)(lcg(&s) % P), idx[W + 1];
            float val[W + 1];
            for (uint32_t k = 0; k < W; k++) {
                idx[k] = p * W + k;
                val[k] = 1.0f;
            }
            idx[W] = P * W + (uint32_t)(lcg(&s) % (V - P * W));
            val[W] = (float)deltas[t];
            CHECK_OK(soso_docs_append_row(d, W + 1, idx, val));
        }
        CHECK_OK(soso_docs_normalize(d));
        for (size_t q = 0; q < sizeof shapes / sizeof *shapes; q++) {
            uint32_t N = shapes[q][0], K = shapes[q][1];
            float orth, orth_plain;
            double worst = fast_against_plain(v, d, N, K, 3, &orth, &orth_plain);
            printf("     delta=%g N=%u K=%u: 1 - |cos| = %.2g, fast |U U^T - I| = %.2g\n", deltas[t], N, K, worst,
                   orth);
            CHECK_MSG(worst < 1e-5, "delta=%g N=%u K=%u: 1 - |cos| = %.3g", deltas[t], N, K, worst);
            CHECK_MSG(orth < 1e-5, "delta=%g N=%u K=%u: |U U^T - I| = %.3g", deltas[t], N, K, orth);
        }
        soso_docs_free(d);
    }
    soso_vocab_free(v);
}

typedef struct {
    int max_threads;
    uint64_t stop_after_docs;
} log_t;

static int on_progress(const soso_progress *p, void *user)
{
    log_t *l = user;
    if (p->threads_used > l->max_threads) l->max_threads = p->threads_used;
    return l->stop_after_docs && p->docs_done >= l->stop_after_docs;
}

static void test_osc_threads_and_resume_identical(void)
{
    soso_vocab *v = NULL;
    soso_docs *d = NULL;
    bundled_min_df(&v, &d, 1);
    size_t V = soso_vocab_size(v), n = 24 * V;
    soso_model *m1 = osc_model(v, d, 24, 4, 3, SOSO_INIT_LSA, 0, 1);
    soso_model *m2 = osc_model(v, d, 24, 4, 3, SOSO_INIT_LSA, 0, 2);
    CHECK(memcmp(soso_model_weights(m1), soso_model_weights(m2), n * sizeof(float)) == 0); /* LSA too */
    log_t l1 = {0, 0}, l2 = {0, 0};
    CHECK_OK(soso_model_train(m1, d, on_progress, &l1));
    CHECK_OK(soso_model_train(m2, d, on_progress, &l2));
    CHECK(memcmp(soso_model_weights(m1), soso_model_weights(m2), n * sizeof(float)) == 0);
    CHECK(l1.max_threads == 1);
#if defined(_OPENMP)
    CHECK_MSG(l2.max_threads == 2, "the parallel region ran with %d threads", l2.max_threads);
#endif
    /* Stop in the middle of the second epoch, then resume: the same weights. */
    soso_model *m3 = osc_model(v, d, 24, 4, 3, SOSO_INIT_LSA, 0, 2);
    log_t stop = {0, 1300}; /* stop in the second epoch */
    CHECK_STATUS(soso_model_train(m3, d, on_progress, &stop), SOSO_E_ABORTED);
    CHECK(soso_model_epochs_done(m3) == 1);
    void *buf = NULL; /* through a file round trip, as a checkpoint would go */
    size_t len = 0;
    CHECK_OK(soso_model_save_buffer(m3, &buf, &len));
    soso_model *m4 = NULL;
    CHECK_OK(soso_model_load_buffer(buf, len, &m4));
    CHECK_OK(soso_model_set_threads(m4, 1));
    CHECK_OK(soso_model_train(m4, d, NULL, NULL));
    CHECK(memcmp(soso_model_weights(m1), soso_model_weights(m4), n * sizeof(float)) == 0);
    soso_osc_params p;
    CHECK_OK(soso_model_osc_params(m4, &p));
    CHECK(p.units == 24 && p.sparsity == 4 && p.epochs == 3 && soso_model_code_sparsity(m4) == 4);
    soso_free(buf);
    soso_model_free(m1);
    soso_model_free(m2);
    soso_model_free(m3);
    soso_model_free(m4);
    soso_docs_free(d);
    soso_vocab_free(v);
}

/* 23 units, sparsity k: weights on 1 and 2 threads identical after LSA and training, and
 * the training's parallel region really ran on 2 threads. */
static void one_and_two_threads_identical(const soso_vocab *v, const soso_docs *d, size_t V, uint32_t k, uint32_t epochs)
{
    soso_model *m1 = osc_model(v, d, 23, k, epochs, SOSO_INIT_LSA, 0, 1);
    soso_model *m2 = osc_model(v, d, 23, k, epochs, SOSO_INIT_LSA, 0, 2);
    log_t l2 = {0, 0};
    CHECK(memcmp(soso_model_weights(m1), soso_model_weights(m2), (size_t)23 * V * sizeof(float)) == 0); /* LSA */
    CHECK_OK(soso_model_train(m1, d, NULL, NULL));
    CHECK_OK(soso_model_train(m2, d, on_progress, &l2));
#if defined(_OPENMP)
    CHECK_MSG(l2.max_threads == 2, "sparsity %u: the parallel region ran with %d threads", k, l2.max_threads);
#endif
    CHECK_MSG(memcmp(soso_model_weights(m1), soso_model_weights(m2), (size_t)23 * V * sizeof(float)) == 0,
              "sparsity %u: 1 and 2 threads differ", k);
    soso_model_free(m1);
    soso_model_free(m2);
}

/* Thread independence where the threads' shares of the vocabulary end off a multiple of
 * the BLAS kernels' block: 5,003 words cut into 16 chunks of 313, so 2 threads meet at
 * word 2,504. (On the bundled corpus, about 4,000 words in chunks of 256, they meet at a
 * multiple of 32, where a level-1 call split in two still rounds as one.) Documents of
 * about 120 words, as expanded ones, and 23 units (a short last group of rows) make the
 * codes a team's work too. */
static void test_osc_threads_identical_off_block(void)
{
    enum { V = 5003, DOCS = 300, WORDS = 130 };
    uint64_t s = 99;
    soso_docs *d = NULL;
    CHECK_OK(soso_docs_create(V, &d));
    for (int n = 0; n < DOCS; n++) {
        uint32_t idx[WORDS];
        float x[WORDS];
        size_t nnz = 0;
        for (uint32_t w = (uint32_t)(lcg(&s) % 97); w < V && nnz < WORDS; w += 1 + (uint32_t)(lcg(&s) % 60)) {
            idx[nnz] = w; /* ascending, distinct words */
            x[nnz++] = (float)(0.5 + (double)(lcg(&s) % 1000) / 1000.0);
        }
        CHECK_OK(soso_docs_append_row(d, nnz, idx, x));
    }
    CHECK_OK(soso_docs_normalize(d));
    soso_vocab *v = vocab_of_size(V);
    one_and_two_threads_identical(v, d, V, 4, 2);
    one_and_two_threads_identical(v, d, V, 10, 1); /* 10 atoms a document: wider per-thread buffers in combine */
    soso_vocab_free(v);
    soso_docs_free(d);
}

static void test_osc_reconstruction(void)
{
    soso_vocab *v = NULL;
    soso_docs *d = NULL;
    bundled(&v, &d);
    size_t V = soso_vocab_size(v);
    soso_model *m = osc_model(v, d, 24, 4, 2, SOSO_INIT_LSA, 0, 2);
    CHECK_OK(soso_model_train(m, d, NULL, NULL));
    double se = 0, sn = 0, se_all = 0, sn_all = 0;
    CHECK_OK(soso_model_reconstruction_error(m, d, 0, 2, &se, &sn));
    CHECK_OK(soso_model_reconstruction_error(m, d, 24, 1, &se_all, &sn_all));
    CHECK(sn > 900 && sn <= 1000.5 && se > 0 && se < sn && se_all <= se);
    /* Against an explicit dense reconstruction of every document. */
    float a[24], *xh = malloc(V * sizeof *xh);
    double check = 0;
    for (size_t r = 0; r < soso_docs_rows(d); r++) {
        size_t nnz;
        const uint32_t *idx;
        const float *val;
        CHECK_OK(soso_docs_row(d, r, &nnz, &idx, &val));
        const float *U = soso_model_weights(m);
        for (size_t h = 0; h < 24; h++) {
            double acc = 0;
            for (size_t e = 0; e < nnz; e++) acc += (double)U[h * V + idx[e]] * val[e];
            a[h] = (float)acc;
        }
        CHECK_OK(soso_topk_mask(a, 24, 4, 1));
        CHECK_OK(soso_model_reconstruct(m, a, 24, xh, V));
        for (size_t e = 0; e < nnz; e++) xh[idx[e]] -= val[e];
        for (size_t j = 0; j < V; j++) check += (double)xh[j] * xh[j];
    }
    CHECK_MSG(fabs(check - se) < 1e-3 * se, "Gram formula %.6f vs dense %.6f", se, check);
    printf("     relative reconstruction error with K=4 of 24 atoms: %.4f\n", se / sn);
    free(xh);
    soso_model_free(m);
    soso_docs_free(d);
    soso_vocab_free(v);
}

static void test_osc_bad_input(void)
{
    soso_vocab *v = vocab_of_size(10);
    soso_osc_params p;
    soso_osc_params_default(&p);
    CHECK(soso_osc_params_check(&p, 10) != NULL); /* 16 units > 10 words */
    p.units = 5;
    CHECK(soso_osc_params_check(&p, 10) == NULL);
    p.sparsity = 0;
    CHECK(soso_osc_params_check(&p, 10) != NULL);
    p.sparsity = 6;
    CHECK(soso_osc_params_check(&p, 10) != NULL);
    p.sparsity = 2;
    p.eps_f = 0;
    CHECK(soso_osc_params_check(&p, 10) != NULL);
    p.eps_f = 0.001f;
    soso_input_options in;
    soso_input_options_default(&in);
    soso_model *m = NULL;
    CHECK_STATUS(soso_model_create_osc(v, &in, &p, NULL, &m), SOSO_E_ARG); /* LSA without documents */
    soso_docs *d = NULL;
    CHECK_OK(soso_docs_create(10, &d));
    CHECK_OK(soso_docs_append_row(d, 0, NULL, NULL));
    CHECK_STATUS(soso_model_create_osc(v, &in, &p, d, &m), SOSO_E_EMPTY);
    CHECK(m == NULL);
    /* All-zero documents change nothing, and never bring NaN into the model. */
    p.init = SOSO_INIT_RANDOM;
    CHECK_OK(soso_model_create_osc(v, &in, &p, NULL, &m));
    uint32_t idx[2] = {1, 4};
    float val[2] = {0.6f, 0.8f};
    CHECK_OK(soso_docs_append_row(d, 2, idx, val));
    CHECK_OK(soso_docs_append_row(d, 0, NULL, NULL));
    CHECK_OK(soso_model_train(m, d, NULL, NULL));
    const float *U = soso_model_weights(m);
    int finite = 1;
    for (size_t i = 0; i < 5 * 10; i++) finite &= isfinite(U[i]) != 0;
    CHECK(finite);
    /* Weights set from outside must be orthonormal (the fast update assumes it): rows of
     * 1e-10 trained into "rows linearly dependent" before; now refused at once, the
     * model's weights unchanged, and accepted once orthonormalised. */
    float W[50], keep[50];
    memcpy(keep, U, sizeof keep);
    for (int i = 0; i < 50; i++) W[i] = 1e-10f * (float)((i * 7) % 11 + 1);
    CHECK_STATUS(soso_model_set_weights(m, W, 50), SOSO_E_ARG);
    CHECK(strstr(soso_last_error(), "orthonormal") != NULL && memcmp(U, keep, sizeof keep) == 0);
    CHECK_OK(soso_orthogonalize_symmetric(W, 5, 10, 1));
    CHECK_OK(soso_model_set_weights(m, W, 50));
    soso_model_free(m);
    soso_docs_free(d);
    soso_vocab_free(v);
}

static int stop_at_epoch(const soso_progress *p, void *user)
{
    return p->epoch >= *(const uint32_t *)user;
}

static int stop_after_docs(const soso_progress *p, void *user)
{
    return p->docs_done >= *(const uint64_t *)user;
}

/* An early stop ends like a planned end: orthonormal, canonical signs, extendable. */
static void test_osc_finish_after_early_stop(void)
{
    soso_corpus *c = NULL;
    soso_vocab *v = NULL;
    soso_docs *d = NULL;
    soso_text_options to;
    soso_text_options_default(&to);
    soso_input_options in;
    soso_input_options_default(&in);
    CHECK_OK(soso_corpus_read_file(source_path("data/wn6-1k.tsv"), &c));
    CHECK_OK(soso_vocab_build_corpus(c, &to, NULL, 0, &v));
    CHECK_OK(soso_docs_from_corpus(c, v, &in, &d));
    soso_osc_params p;
    soso_osc_params_default(&p);
    p.units = 12;
    p.epochs = 20;
    soso_model *m = NULL, *five = NULL;
    CHECK_OK(soso_model_create_osc(v, &in, &p, d, &m));
    CHECK_STATUS(soso_model_finish(m), SOSO_E_ARG); /* nothing trained yet */
    uint32_t at = 5;
    CHECK_STATUS(soso_model_train(m, d, stop_at_epoch, &at), SOSO_E_ABORTED);
    CHECK(soso_model_epochs_done(m) == 5);
    CHECK_OK(soso_model_finish(m));
    soso_osc_params back;
    CHECK_OK(soso_model_osc_params(m, &back));
    CHECK(back.epochs == 5);
    float err = 1;
    CHECK_OK(soso_orthogonality_error(soso_model_weights(m), 12, soso_model_vocab_size(m), 1, &err));
    CHECK_MSG(err < 1e-5f, "|U U^T - I| = %g after finishing", err);
    /* The same as planning 5 epochs but for the schedule: eps decayed over 20, not 5. */
    p.epochs = 5;
    CHECK_OK(soso_model_create_osc(v, &in, &p, d, &five));
    CHECK_OK(soso_model_train(five, d, NULL, NULL));
    const float *a = soso_model_weights(m), *b = soso_model_weights(five);
    size_t n = 12 * soso_model_vocab_size(m), differ = 0;
    for (size_t i = 0; i < n; i++) differ += a[i] != b[i];
    CHECK(differ > 0);
    for (size_t h = 0; h < 12; h++) { /* canonical signs: the largest weight positive */
        const float *r = a + h * soso_model_vocab_size(m);
        size_t big = 0;
        for (size_t j = 1; j < soso_model_vocab_size(m); j++) big = fabsf(r[j]) > fabsf(r[big]) ? j : big;
        CHECK(r[big] > 0);
    }
    CHECK_OK(soso_model_finish(m)); /* already finished: nothing to do */
    CHECK_OK(soso_model_extend(m, 2));
    CHECK_OK(soso_model_train(m, d, NULL, NULL));
    CHECK(soso_model_epochs_done(m) == 7);
    CHECK_STATUS(soso_model_finish(NULL), SOSO_E_ARG);
    soso_model_free(five);
    CHECK_OK(soso_model_create_osc(v, &in, &p, d, &five));
    uint64_t docs = 100;
    CHECK_STATUS(soso_model_train(five, d, stop_after_docs, &docs), SOSO_E_ABORTED);
    CHECK_STATUS(soso_model_finish(five), SOSO_E_ARG); /* mid-epoch */
    soso_model_free(five);
    soso_model_free(m);
    soso_docs_free(d);
    soso_vocab_free(v);
    soso_corpus_free(c);
}

const soso_test tests_osc[] = {
    {"osc_finish_after_early_stop", test_osc_finish_after_early_stop},
    {"osc_recovers_planted_basis", test_osc_recovers_planted_basis},
    {"osc_stays_orthonormal_on_text", test_osc_stays_orthonormal_on_text},
    {"osc_fast_matches_plain", test_osc_fast_matches_plain},
    {"osc_fast_near_span", test_osc_fast_near_span},
    {"osc_threads_and_resume_identical", test_osc_threads_and_resume_identical},
    {"osc_threads_identical_off_block", test_osc_threads_identical_off_block},
    {"osc_reconstruction", test_osc_reconstruction},
    {"osc_bad_input", test_osc_bad_input},
    {NULL, NULL},
};
