/* bench_kernels.c - the hot kernels on their own, timed with 1 and with N threads, next
 * to OpenBLAS's sgemm rate measured in the same run. Prints one JSON object a line.
 *
 *   bench_kernels CORPUS [--threads N] [--units H] [--docs D] [--epochs E [--learner L]] [--reps R]
 *
 * CORPUS is a corpus file (e.g. build/wn-nouns.tsv); --docs keeps its first D documents.
 * --epochs E times only training: E epochs on N threads and on 1, taken in turns one
 * epoch at a time (after one untimed epoch each), so that both see the same machine, and
 * after each pair N 1-thread trainings side by side ("... epochs side by side": the
 * longest of their epochs; N times 1 thread's epoch over it is what the machine gives
 * this work when nothing is handed between threads).
 * --learner hebbian (default), soft (its defaults: top 4, start from documents) or osc, the
 * latter as `soso train`'s defaults set it up (idf, documents expanded with 100
 * co-occurring words at gain 16, sparsity 2, LSA start).
 * --reps R: repetitions of the paired orthogonalisation timings (default 7).
 * --tuning 1: Hebbian epochs with the team tuner on (soso_model_set_team_tuning; off by
 * default here, so that N threads means N).
 * --sgemm-only 1: only sgemm's rate and the core OpenBLAS chose (run_bench compares the
 * core it picks by itself with the one OPENBLAS_CORETYPE forces); 2: only the core.
 * Both modes end with a "ceiling" row: what the machine itself gave N threads over 1,
 * measured before each paired repetition (Hopfield's, or each pair of epochs). */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <soso.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ceiling.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Repeats fn until at least 0.3 s have passed; returns seconds per call. */
/* Mean time of body over at least 0.3 s, after one untimed run (first-touch page faults
 * and cold caches would otherwise count against whichever thread count runs first). */
#define TIME_IT(secs, body)                                   \
    do {                                                      \
        body;                                                 \
        double t0_ = now(), t_ = 0;                           \
        long n_ = 0;                                          \
        do {                                                  \
            body;                                             \
            n_++;                                             \
            t_ = now() - t0_;                                 \
        } while (t_ < 0.3);                                   \
        secs = t_ / (double)n_;                               \
    } while (0)

/* The best of 5 such means: the ceiling (sgemm) and the kernels set against it are both
 * taken at their best, as this machine's speed drifts between runs. */
#define BEST_TIME(secs, body)                \
    do {                                     \
        double best_ = 1e300, one_;          \
        for (int r_ = 0; r_ < 5; r_++) {     \
            TIME_IT(one_, body);             \
            best_ = one_ < best_ ? one_ : best_; \
        }                                    \
        secs = best_;                        \
    } while (0)

static void fail(const char *what)
{
    fprintf(stderr, "bench_kernels: %s: %s\n", what, soso_last_error());
    exit(1);
}

/* A pause before a 2-thread timing that follows other work: OpenBLAS's own threads spin
 * for 2^28 cycles (about 0.1 s here) after a call on several threads, and the reference
 * sgemm's spinning thread took a core from the orthogonalisation timed right after it (26
 * units on 2 threads in normal spells: 79.0% of sgemm's rate by hand with the pause, 77.4%
 * with OpenBLAS's threads sleeping at once, OPENBLAS_THREAD_TIMEOUT=4, which made its own
 * calls on these shapes 7-10% slower; the runs before the pause read 66.0-70.9%,
 * repetitions down to 55%, and the logged ones after it 68.8-72.3%). The machine's own 2-thread figure
 * read 1.5-1.9 right after the Hopfield pairs and 1.96-2.0 after the pause, by hand.
 * SOSO itself runs OpenBLAS on one thread. */
static void settle(void)
{
    struct timespec pause = {0, 300000000};
    nanosleep(&pause, NULL);
}

/* Inserts a[n] into the sorted a[0..n-1]. */
static void sorted_insert(double *a, int n)
{
    for (int i = n; i > 0 && a[i] < a[i - 1]; i--) {
        double x = a[i];
        a[i] = a[i - 1];
        a[i - 1] = x;
    }
}

/* sgemm's rate on n x n squares with OpenBLAS on `threads`: the best of 5 means, or
 * (once) a single product, for ratios paired with a kernel timed right after it. The
 * operands are made once per n and kept, so no product pays for first touches. */
static double sgemm_gflops(int n, int threads, int once)
{
    static float *a, *b, *c;
    static int made;
    if (made != n) {
        free(a);
        free(b);
        free(c);
        a = malloc((size_t)n * n * 4), b = malloc((size_t)n * n * 4), c = calloc((size_t)n * n, 4);
        if (!a || !b || !c) fail("memory");
        for (size_t i = 0; i < (size_t)n * n; i++) a[i] = b[i] = (float)(i % 7) * 0.1f;
        made = n;
    }
    openblas_set_num_threads(threads);
    double s;
    if (once) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
        s = now() - t0;
    } else {
        BEST_TIME(s, cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n));
    }
    openblas_set_num_threads(1);
    return 2.0 * n * n * (double)n / s / 1e9;
}

/* Symmetric orthogonalisation of W, again and again on the same copy: after the first
 * (untimed) call the rows are orthonormal, as in training's repeated calls, so what is
 * timed is the path for rows near orthonormal (the product added onto W). Flops as
 * done: W W^T's upper triangle (units (units + 1) V) and S W (2 units^2 V); the
 * eigenproblem is not counted. Set beside it, with the same flops: OpenBLAS alone on
 * the same two shapes with its own threads, one ssyrk of W and one sgemm adding a
 * units x units matrix times W onto a separate matrix (no blocks, copies or
 * zero-fill): what any caller of OpenBLAS gets from these shapes. `reps` repetitions,
 * each an sgemm of 2048 squares, then the two timed (means over 0.3 s): the ratios to
 * sgemm are the repetitions' medians, as this machine's speed drifts within seconds
 * and neighbouring timings see the same machine. */
static void orthogonalisation_bench(const char *name, const float *W, uint32_t units, size_t V, int t, int reps)
{
    float *U = malloc((size_t)units * V * 4), *C = calloc((size_t)units * V, 4);
    float *G = malloc((size_t)units * units * 4), *D = malloc((size_t)units * units * 4);
    double *of_sgemm = malloc((size_t)reps * sizeof *of_sgemm), *of_blas = malloc((size_t)reps * sizeof *of_blas);
    if (!U || !C || !G || !D || !of_sgemm || !of_blas) fail("memory");
    memcpy(U, W, (size_t)units * V * 4);
    for (size_t i = 0; i < (size_t)units * units; i++) D[i] = 1e-6f * (float)(i % 5);
    double flops = (3.0 * units + 1.0) * units * (double)V, best = 1e300, best_blas = 1e300;
    for (int r = 0; r < reps; r++) {
        double g = sgemm_gflops(2048, t, 1), s, b;
        settle();
        TIME_IT(s, if (soso_orthogonalize_symmetric(U, units, V, t)) fail("orthogonalisation"));
        openblas_set_num_threads(t);
        TIME_IT(b, {
            cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)units, (int)V, 1, U, (int)V, 0, G, (int)units);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)units, (int)V, (int)units, 1, D, (int)units,
                        U, (int)V, 1, C, (int)V);
        });
        openblas_set_num_threads(1);
        best = s < best ? s : best;
        best_blas = b < best_blas ? b : best_blas;
        of_sgemm[r] = flops / s / 1e9 / g;
        of_blas[r] = b / s;
        sorted_insert(of_sgemm, r);
        sorted_insert(of_blas, r);
    }
    /* Four significant digits, not decimals: on a loaded machine a tiny shape's share
     * can be under 0.0005, and must not print as 0. */
    printf("{\"kernel\": \"%s\", \"threads\": %d, \"units\": %u, \"seconds\": %.4e, \"gflops\": %.4g, "
           "\"of_sgemm\": %.4g, \"of_sgemm_min\": %.4g, \"of_sgemm_max\": %.4g, \"reps\": %d, "
           "\"blas_same_shapes_gflops\": %.4g, \"of_blas_same_shapes\": %.4g}\n",
           name, t, units, best, flops / best / 1e9, of_sgemm[reps / 2], of_sgemm[0], of_sgemm[reps - 1], reps,
           flops / best_blas / 1e9, of_blas[reps / 2]);
    free(U);
    free(C);
    free(G);
    free(D);
    free(of_sgemm);
    free(of_blas);
}

/* Stops training at the end of each epoch and records how long the epoch took (the
 * progress clock starts after setup, so an epoch's time is its mini-batches alone). */
typedef struct {
    unsigned epoch;
    double seconds;
} epoch_stop;

static int stop_at_epoch_end(const soso_progress *p, void *user)
{
    epoch_stop *e = user;
    if (p->epoch == e->epoch) return 0;
    e->seconds = p->seconds;
    return 1;
}

static int tuning; /* --tuning */

enum { HEBBIAN, SOFT, OSC };
static const char *const learner_name[] = {"hebbian", "soft", "osc"};

/* A model of `units` for E + 1 epochs on `threads`: Hebbian with the reference defaults,
 * soft with its defaults, or osc as the CLI's defaults (sparsity 2 on expanded
 * documents, LSA start from them). */
static soso_model *epochs_model(int learner, const soso_vocab *v, const soso_input_options *in, const soso_docs *d,
                                uint32_t units, int threads, int E)
{
    soso_model *m = NULL;
    if (learner == SOFT) {
        soso_soft_params sp;
        soso_soft_params_default(&sp);
        sp.units = units;
        sp.k = units < sp.k ? units : sp.k;
        sp.threads = threads;
        sp.epochs = (uint32_t)E + 1;
        if (soso_model_create_soft(v, in, &sp, d, &m)) fail("model");
    } else if (learner == OSC) {
        soso_osc_params op;
        soso_osc_params_default(&op);
        op.units = units;
        op.sparsity = units < 2 ? units : 2;
        op.threads = threads;
        op.epochs = (uint32_t)E + 1;
        if (soso_model_create_osc(v, in, &op, d, &m)) fail("model");
    } else {
        soso_hebbian_params hp;
        soso_hebbian_params_default(&hp);
        hp.units = units;
        hp.threads = threads;
        hp.epochs = (uint32_t)E + 1;
        if (soso_model_create_hebbian(v, in, &hp, &m)) fail("model");
    }
    /* Teams of `threads` always, unless --tuning 1: this measures the loops' scaling, not
     * the tuner's choice (soso_model_set_team_tuning). */
    if (soso_model_set_team_tuning(m, tuning)) fail("team tuning");
    return m;
}

/* The machine's own ceiling for the thread count (ceiling.h), once per paired
 * repetition, as the machine changes between minutes: c[3 i .. 3 i + 2] = compute,
 * gather, barrier_us. Printed as one row, {"kernel": "ceiling", "threads": N,
 * "compute": [...], "gather": [...], "barrier_us": [...]}. */
static void ceiling_measure(int threads, double *c, int i)
{
    if (ceiling_pair(threads, c + 3 * i, c + 3 * i + 1, c + 3 * i + 2)) fail("memory for the ceiling");
}

static void ceiling_print(int threads, const double *c, int n)
{
    static const char *const name[3] = {"compute", "gather", "barrier_us"};
    printf("{\"kernel\": \"ceiling\", \"threads\": %d", threads);
    for (int k = 0; k < 3; k++) {
        printf(", \"%s\": [", name[k]);
        for (int i = 0; i < n; i++) printf("%s%.4g", i ? ", " : "", c[3 * i + k]);
        printf("]");
    }
    printf("}\n");
}

/* One epoch of model m: its seconds as training counts them (its progress at the
 * epoch's end), or -1 if training failed. */
static double epoch_seconds(soso_model *m, const soso_docs *d)
{
    epoch_stop st = {soso_model_epochs_done(m), 0};
    soso_status s = soso_model_train(m, d, stop_at_epoch_end, &st);
    return s == SOSO_OK || s == SOSO_E_ABORTED ? st.seconds : -1.0;
}

static double train_epoch(soso_model *m, const soso_docs *d)
{
    double s = epoch_seconds(m, d);
    if (s < 0) fail("training");
    return s;
}

/* One epoch each of `threads` 1-thread models at once, one model a thread: the longest
 * of their epochs, each counted as train_epoch counts one alone. They share the
 * documents and nothing else: what the machine gives this very work with nothing handed
 * between threads (each with its own copy of the model, so a reference for a split of one
 * training, not a bound on it). */
static double side_by_side_epoch(soso_model **side, int threads, const soso_docs *d)
{
    double most = 0;
    int team = 0, failed = 0;
#pragma omp parallel num_threads(threads) reduction(max : most) reduction(+ : failed)
    {
        double s = epoch_seconds(side[omp_get_thread_num()], d);
        failed += s < 0;
        most = s > most ? s : most;
#pragma omp single
        team = omp_get_num_threads();
    }
    if (failed) fail("training side by side");
    if (team != threads) fail("fewer threads than asked for the trainings side by side");
    return most;
}

/* E timed epochs of training on `threads` and on 1 thread, in turns, and then each time
 * `threads` 1-thread trainings side by side (side_by_side_epoch). */
static void epochs_bench(int learner, const soso_vocab *v, const soso_input_options *in, const soso_docs *d,
                         uint32_t units, int threads, int E)
{
    int tcount[2] = {threads, 1};
    soso_model *m[2], **side = malloc((size_t)threads * sizeof *side);
    double *secs[3], made[2], *cc = malloc(3 * (size_t)E * sizeof *cc);
    if (!cc || !side) fail("memory");
    for (int ti = 0; ti < 3; ti++)
        if (!(secs[ti] = malloc((size_t)E * sizeof *secs[ti]))) fail("memory");
    for (int ti = 0; ti < 2; ti++) {
        double t0 = now();
        m[ti] = epochs_model(learner, v, in, d, units, tcount[ti], E);
        made[ti] = now() - t0;
    }
    for (int t = 0; t < threads; t++) side[t] = epochs_model(learner, v, in, d, units, 1, E);
    for (int e = 0; e <= E; e++) {
        if (e > 0) ceiling_measure(threads, cc, e - 1);
        for (int ti = 0; ti < 2; ti++) {
            double s = train_epoch(m[ti], d);
            if (e > 0) secs[ti][e - 1] = s;
        }
        double s = side_by_side_epoch(side, threads, d);
        if (e > 0) secs[2][e - 1] = s;
    }
    printf("{\"kernel\": \"%s epochs side by side\", \"threads\": %d, \"seconds\": [", learner_name[learner], threads);
    for (int e = 0; e < E; e++) printf("%s%.9g", e ? ", " : "", secs[2][e]);
    printf("]}\n");
    free(secs[2]);
    for (int t = 0; t < threads; t++) soso_model_free(side[t]);
    free(side);
    for (int ti = 0; ti < 2; ti++) {
        /* create_seconds: making the model (osc: its LSA start), before the epochs. */
        printf("{\"kernel\": \"%s epochs\", \"threads\": %d, \"create_seconds\": %.4g, \"seconds\": [",
               learner_name[learner], tcount[ti], made[ti]);
        for (int e = 0; e < E; e++) printf("%s%.9g", e ? ", " : "", secs[ti][e]);
        printf("]}\n");
        free(secs[ti]);
        soso_model_free(m[ti]);
    }
    ceiling_print(threads, cc, E);
    free(cc);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_kernels CORPUS [--threads N] [--units H] [--docs D] [--epochs E [--learner L]] "
                        "[--reps R] [--tuning 1]\n");
        return 2;
    }
    int threads = 2;
    uint32_t units = 26;
    size_t max_docs = 0;
    int epochs = 0, reps = 7, sgemm_only = 0; /* reps: of the paired orthogonalisation timings */
    const char *learner = "hebbian";
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--units")) units = (uint32_t)atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--docs")) max_docs = (size_t)atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--epochs")) epochs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--reps")) reps = atoi(argv[i + 1]) > 0 ? atoi(argv[i + 1]) : 1;
        else if (!strcmp(argv[i], "--learner")) learner = argv[i + 1];
        else if (!strcmp(argv[i], "--tuning")) tuning = atoi(argv[i + 1]) != 0;
        else if (!strcmp(argv[i], "--sgemm-only")) sgemm_only = atoi(argv[i + 1]);
    }
    if (sgemm_only == 2) { /* the corpus is not read, sgemm not timed */
        printf("{\"kernel\": \"blas core\", \"blas_core\": \"%s\"}\n", openblas_get_corename());
        return 0;
    }
    if (sgemm_only) {
        printf("{\"kernel\": \"sgemm 2048, own core\", \"gflops_1\": %.1f, \"gflops_n\": %.1f, \"blas_core\": \"%s\"}\n",
               sgemm_gflops(2048, 1, 0), sgemm_gflops(2048, threads, 0), openblas_get_corename());
        return 0;
    }
    int which = -1;
    for (int k = 0; k < 3; k++)
        if (!strcmp(learner, learner_name[k])) which = k;
    if (which < 0) {
        fprintf(stderr, "bench_kernels: --learner is hebbian, soft or osc, not '%s'\n", learner);
        return 2;
    }
    int osc = which == OSC;
    if (which != HEBBIAN && epochs <= 0) {
        fprintf(stderr, "bench_kernels: --learner %s times epochs: give --epochs E\n", learner);
        return 2;
    }
    soso_corpus *c = NULL;
    soso_vocab *v = NULL;
    soso_docs *d = NULL, *all = NULL;
    soso_text_options to;
    soso_input_options in;
    soso_text_options_default(&to);
    soso_input_options_default(&in);
    in.idf = osc; /* osc is only timed by epochs (checked above) */
    if (soso_corpus_read_file(argv[1], &c)) fail("reading the corpus");
    if (soso_vocab_build_corpus(c, &to, NULL, 0, &v)) fail("vocabulary");
    if (soso_docs_from_corpus(c, v, &in, &all)) fail("documents");
    size_t R = soso_docs_rows(all), V = soso_vocab_size(v);
    if (max_docs && max_docs < R) R = max_docs;
    if (soso_docs_create(V, &d)) fail("documents");
    for (size_t r = 0; r < R; r++) {
        size_t nnz;
        const uint32_t *idx;
        const float *val;
        soso_docs_row(all, r, &nnz, &idx, &val);
        soso_docs_append_row(d, nnz, idx, val);
    }
    /* blas_core: the kernels OpenBLAS chose for this CPU (one older than the CPU falls
     * back to generic ones, several times slower: see bench/RESULTS.md). */
    printf("{\"kernel\": \"setup\", \"documents\": %zu, \"words\": %zu, \"nnz\": %zu, \"units\": %u, \"threads\": %d, "
           "\"blas_core\": \"%s\"}\n",
           R, V, soso_docs_nnz(d), units, threads, openblas_get_corename());
    if (epochs > 0) {
        /* osc's documents expanded as `soso train` does by default (two steps on under
         * 10,000 documents); the vocabulary and idf are the whole corpus's. */
        soso_docs *x = NULL;
        if (osc) {
            double t0 = now();
            if (soso_docs_expand(d, 100, 16, R < 10000 ? 2 : 1, threads, &x)) fail("expansion");
            printf("{\"kernel\": \"expansion\", \"threads\": %d, \"seconds\": %.4g}\n", threads, now() - t0);
        }
        epochs_bench(which, v, &in, osc ? x : d, units, threads, epochs);
        soso_docs_free(x);
        goto done;
    }

    /* The machine's dense ceiling: sgemm, square 2048, 1 and N threads. */
    double g1 = sgemm_gflops(2048, 1, 0), gn = sgemm_gflops(2048, threads, 0);
    /* With the library's build line (which dense kernels it runs), quotes left out. */
    char build[512];
    snprintf(build, sizeof build, "%s", soso_build_info());
    for (char *q = build; *q; q++) *q = *q == '"' || *q == '\\' ? ' ' : *q;
    printf("{\"kernel\": \"sgemm 2048\", \"gflops_1\": %.1f, \"gflops_n\": %.1f, \"build\": \"%s\"}\n", g1, gn, build);

    /* A model of 4 times the units, for the orthogonalisation at that size. */
    soso_hebbian_params hp4;
    soso_hebbian_params_default(&hp4);
    hp4.units = 4 * units;
    soso_model *m4 = NULL;
    if (soso_model_create_hebbian(v, &in, &hp4, &m4)) fail("model");
    int tcount[2] = {1, threads};
    for (int ti = 0; ti < 2; ti++) {
        int t = tcount[ti];
        soso_hebbian_params hp;
        soso_hebbian_params_default(&hp);
        hp.units = units;
        hp.threads = t;
        soso_model *m = NULL;
        if (soso_model_create_hebbian(v, &in, &hp, &m)) fail("model");
        float *W = malloc((size_t)units * V * 4);
        memcpy(W, soso_model_weights(m), (size_t)units * V * 4);
        uint32_t rows[100];
        size_t pos = 0;
        double s;
        /* One dense Hebbian mini-batch (the public step: scores, ranks, dense update). */
        TIME_IT(s, {
            for (int b = 0; b < 100; b++) rows[b] = (uint32_t)((pos + (size_t)b * 7919) % R);
            pos += 100;
            soso_hebbian_step(W, d, rows, 100, &hp, 0.001f, NULL);
        });
        printf("{\"kernel\": \"hebbian step, dense update\", \"threads\": %d, \"seconds\": %.3e, \"batch\": 100}\n", t, s);
        /* A whole Hebbian epoch as training runs it (lazy row scaling). */
        hp.epochs = 1;
        soso_model *m1 = NULL;
        if (soso_model_create_hebbian(v, &in, &hp, &m1) || soso_model_set_team_tuning(m1, 0)) fail("model");
        double t0 = now();
        if (soso_model_train(m1, d, NULL, NULL)) fail("training");
        printf("{\"kernel\": \"hebbian epoch\", \"threads\": %d, \"seconds\": %.4f}\n", t, now() - t0);
        soso_model_free(m1);
        /* Encoding every document (sparse scores). */
        float *codes = malloc(R * (size_t)units * 4);
        TIME_IT(s, soso_model_encode_docs(m, d, codes, R * units, t));
        printf("{\"kernel\": \"encode\", \"threads\": %d, \"seconds\": %.4e, \"docs_per_second\": %.0f}\n", t, s, (double)R / s);
        /* Top-k of every code. */
        TIME_IT(s, for (size_t r = 0; r < R; r += 97) soso_topk_mask(codes + r * units, units, 4, 1));
        printf("{\"kernel\": \"top-k (every 97th code)\", \"threads\": %d, \"seconds\": %.4e}\n", t, s);
        /* Symmetric orthogonalisation, of the model's units and of 4 times as many. */
        orthogonalisation_bench("symmetric orthogonalisation", soso_model_weights(m), units, V, t, reps);
        orthogonalisation_bench("symmetric orthogonalisation, 4x units", soso_model_weights(m4), 4 * units, V, t, reps);
        free(codes);
        free(W);
        soso_model_free(m);
    }
    soso_model_free(m4);
    /* Hopfield: one-step recalls of 60%-masked queries (exact, sparse). */
    soso_memory *mem = NULL;
    if (soso_memory_create(v, &mem) || soso_memory_add_corpus(mem, c, NULL, NULL)) fail("memory");
    soso_memory_eval_params ep;
    soso_memory_eval_params_default(&ep);
    ep.queries = 2000;
    soso_recall_params rp;
    soso_recall_params_default(&rp);
    /* 5 repetitions, 1 and 2 threads back to back: the best rate per thread count, and
     * the median of the repetitions' speed-ups (this machine's speed drifts; neighbouring
     * runs see about the same machine). */
    double best[2] = {0, 0}, sp[5], cc[15];
    for (int rep = 0; rep < 5; rep++) {
        double qps[2];
        settle();
        ceiling_measure(threads, cc, rep);
        for (int ti = 0; ti < 2; ti++) {
            ep.threads = tcount[ti];
            soso_memory_eval_result r;
            if (soso_memory_eval(mem, &ep, &rp, 1, &r)) fail("memory eval");
            qps[ti] = (double)r.queries / r.seconds;
            best[ti] = qps[ti] > best[ti] ? qps[ti] : best[ti];
        }
        sp[rep] = qps[1] / qps[0];
        sorted_insert(sp, rep);
    }
    printf("{\"kernel\": \"hopfield step\", \"threads\": 1, \"queries_per_second\": %.0f}\n", best[0]);
    printf("{\"kernel\": \"hopfield step\", \"threads\": %d, \"queries_per_second\": %.0f, \"speedup_median\": %.3f, "
           "\"speedup_min\": %.3f, \"speedup_max\": %.3f}\n",
           tcount[1], best[1], sp[2], sp[0], sp[4]);
    ceiling_print(threads, cc, 5);
    soso_memory_free(mem);
done:
    soso_docs_free(d);
    soso_docs_free(all);
    soso_vocab_free(v);
    soso_corpus_free(c);
    return 0;
}
