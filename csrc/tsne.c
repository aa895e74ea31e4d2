/* tsne.c - exact t-SNE (van der Maaten & Hinton 2008) of document codes into 2-D, for
 * the map of a model. O(n^2) per iteration, so it is meant for up to a few thousand
 * points (callers subsample beyond); every sum runs in a fixed order, so the map is the
 * same for a seed whatever the thread count. */
#include "soso_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TSNE_MAX_POINTS 5000

void soso_tsne_params_default(soso_tsne_params *p)
{
    if (!p) return;
    p->perplexity = 30.0f;
    p->iterations = 1000;
    p->learning_rate = 0.0f;
    p->seed = 1;
    p->threads = 1;
    p->progress = NULL;
    p->user = NULL;
}

/* Row i of the conditional P: a Gaussian over squared distances whose precision beta is
 * found by bisection so that the row's entropy is log(perplexity). */
static void row_affinities(const float *D, size_t n, size_t i, double target, float *P)
{
    double beta = 1.0, lo = 0, hi = INFINITY;
    const float *d = D + i * n;
    for (int it = 0; it < 100; it++) {
        double sum = 0, hsum = 0;
        for (size_t j = 0; j < n; j++) {
            if (j == i) continue;
            double v = exp(-beta * d[j]);
            sum += v;
            hsum += beta * d[j] * v;
        }
        if (sum <= 0) sum = 1e-300;
        double h = log(sum) + hsum / sum; /* entropy of the row */
        if (fabs(h - target) < 1e-5) break;
        if (h > target) {
            lo = beta;
            beta = isinf(hi) ? beta * 2 : (beta + hi) / 2;
        } else {
            hi = beta;
            beta = (beta + lo) / 2;
        }
    }
    double sum = 0;
    for (size_t j = 0; j < n; j++) sum += j == i ? 0 : exp(-beta * d[j]);
    for (size_t j = 0; j < n; j++) P[i * n + j] = j == i || sum <= 0 ? 0.0f : (float)(exp(-beta * d[j]) / sum);
}

/* One report to the caller's progress callback (if any), `done` iterations in; returns
 * non-zero where it asks to stop. */
static int report_progress(const soso_tsne_params *prm, uint32_t done, double start, int team)
{
    if (!prm->progress) return 0;
    soso_progress pr = {0};
    pr.epoch = done;
    pr.epochs = prm->iterations;
    pr.seconds = soso__now() - start;
    pr.threads_used = team;
    return prm->progress(&pr, prm->user) != 0;
}

soso_status soso_tsne(const float *X, size_t n, size_t dim, const soso_tsne_params *prm, float *Y)
{
    if (!X || !Y || !prm) return soso__fail(SOSO_E_ARG, "arguments must not be NULL");
    if (n < 2 || dim == 0) return soso__fail(SOSO_E_ARG, "t-SNE needs at least 2 points of dimension >= 1");
    if (n > TSNE_MAX_POINTS) return soso__fail(SOSO_E_LIMIT, "exact t-SNE takes at most %d points, got %zu", TSNE_MAX_POINTS, n);
    if (!(prm->perplexity >= 1.0f) || !(prm->perplexity < (float)n)) 
        return soso__fail(SOSO_E_ARG, "perplexity must be at least 1 and below the number of points (%zu)", n);
    if (prm->iterations < 1) return soso__fail(SOSO_E_ARG, "iterations must be >= 1");
    if (!(prm->learning_rate >= 0.0f) || !isfinite(prm->learning_rate))
        return soso__fail(SOSO_E_ARG, "learning_rate must be finite and >= 0 (0: the default), got %g", (double)prm->learning_rate);
    for (size_t i = 0; i < n * dim; i++)
        if (!isfinite(X[i])) return soso__fail(SOSO_E_NUMERIC, "input %zu is not finite", i);
    float *D = soso__alloc_array(n * n, sizeof *D), *P = soso__alloc_array(n * n, sizeof *P);
    double *grad = soso__alloc_array(2 * n, sizeof *grad), *upd = soso__calloc_array(2 * n, sizeof *upd);
    double *gains = soso__alloc_array(2 * n, sizeof *gains), *rowz = soso__alloc_array(n, sizeof *rowz);
    double *y = soso__alloc_array(2 * n, sizeof *y);
    if (!D || !P || !grad || !upd || !gains || !rowz || !y) {
        free(D); free(P); free(grad); free(upd); free(gains); free(rowz); free(y);
        return soso__fail(SOSO_E_NOMEM, "out of memory for t-SNE of %zu points", n);
    }
    /* Far from 1 the squared distances, kept in float, underflow (points of 1e-30 all
     * collapsed onto one) or overflow: they are then taken of X times a power of two,
     * which the affinities' precision search absorbs. */
    const double scale = ldexp(1.0, -soso__unit_exponent(X, n * dim, 30)); /* 1 usually: the bits as before */
    int team = soso__team_size(prm->threads, (double)n * (double)n * 4.0);
#pragma omp parallel for schedule(static) num_threads(team) if (team > 1)
    for (long i = 0; i < (long)n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t k = 0; k < dim; k++) {
                double t = ((double)X[(size_t)i * dim + k] - X[j * dim + k]) * scale;
                s += t * t;
            }
            D[(size_t)i * n + j] = (float)s;
        }
    double target = log((double)prm->perplexity);
#pragma omp parallel for schedule(static) num_threads(team) if (team > 1)
    for (long i = 0; i < (long)n; i++) row_affinities(D, n, (size_t)i, target, P);
    /* Symmetric joint P, in D's storage (D is no longer needed). */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) D[i * n + j] = (float)(((double)P[i * n + j] + P[j * n + i]) / (2.0 * (double)n));
    float *PJ = D;
    soso__rng rng;
    soso__rng_seed(&rng, prm->seed, SOSO__STREAM_INIT);
    int have = 0;
    double spare = 0;
    for (size_t i = 0; i < 2 * n; i++) {
        y[i] = 1e-4 * soso__rng_normal(&rng, &have, &spare);
        gains[i] = 1.0;
    }
    double eta = prm->learning_rate > 0 ? prm->learning_rate : fmax((double)n / 12.0, 50.0);
    double start = soso__now();
    int stopped = 0;
    for (uint32_t it = 0; it < prm->iterations; it++) {
        /* A few thousand points take minutes: the caller shows how far, and may stop. */
        if (it % 10 == 0 && (stopped = report_progress(prm, it, start, team))) break;
        double exag = it < 250 ? 12.0 : 1.0, mom = it < 250 ? 0.5 : 0.8;
        /* Z = sum_{i != j} 1 / (1 + |y_i - y_j|^2), by rows, summed in row order. */
#pragma omp parallel for schedule(static) num_threads(team) if (team > 1)
        for (long i = 0; i < (long)n; i++) {
            double s = 0, yi0 = y[2 * i], yi1 = y[2 * i + 1];
            for (size_t j = 0; j < n; j++) {
                if (j == (size_t)i) continue;
                double a = yi0 - y[2 * j], b = yi1 - y[2 * j + 1];
                s += 1.0 / (1.0 + a * a + b * b);
            }
            rowz[i] = s;
        }
        double Z = 0;
        for (size_t i = 0; i < n; i++) Z += rowz[i];
#pragma omp parallel for schedule(static) num_threads(team) if (team > 1)
        for (long i = 0; i < (long)n; i++) {
            double g0 = 0, g1 = 0, yi0 = y[2 * i], yi1 = y[2 * i + 1];
            for (size_t j = 0; j < n; j++) {
                if (j == (size_t)i) continue;
                double a = yi0 - y[2 * j], b = yi1 - y[2 * j + 1], num = 1.0 / (1.0 + a * a + b * b);
                double f = (exag * PJ[(size_t)i * n + j] - num / Z) * num;
                g0 += f * a;
                g1 += f * b;
            }
            grad[2 * i] = 4 * g0;
            grad[2 * i + 1] = 4 * g1;
        }
        double c0 = 0, c1 = 0;
        for (size_t i = 0; i < 2 * n; i++) {
            /* delta-bar-delta gains, as in the reference implementation */
            gains[i] = (grad[i] > 0) != (upd[i] > 0) ? gains[i] + 0.2 : gains[i] * 0.8;
            if (gains[i] < 0.01) gains[i] = 0.01;
            upd[i] = mom * upd[i] - eta * gains[i] * grad[i];
            y[i] += upd[i];
        }
        for (size_t i = 0; i < n; i++) {
            c0 += y[2 * i];
            c1 += y[2 * i + 1];
        }
        for (size_t i = 0; i < n; i++) {
            y[2 * i] -= c0 / (double)n;
            y[2 * i + 1] -= c1 / (double)n;
        }
    }
    if (!stopped) stopped = report_progress(prm, prm->iterations, start, team); /* the end: a stop asked late still holds */
    int finite = 1;
    for (size_t i = 0; i < 2 * n; i++) finite &= isfinite(y[i]) != 0;
    soso_status s = stopped  ? soso__fail(SOSO_E_ABORTED, "t-SNE stopped by its progress callback")
                    : finite ? SOSO_OK
                             : soso__fail(SOSO_E_NUMERIC, "t-SNE diverged (try a smaller learning rate)");
    if (s == SOSO_OK)
        for (size_t i = 0; i < 2 * n; i++) Y[i] = (float)y[i];
    free(D); free(P); free(grad); free(upd); free(gains); free(rowz); free(y);
    return s;
}
