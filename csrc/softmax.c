/* softmax.c - numerically stable softmax, log-softmax and logsumexp with an inverse
 * temperature, and top-K masking of scores with -infinity (ALGORITHMS.md sections 3-4).
 * Everything is computed in double after subtracting the largest score, so +/-1e30 and
 * all-equal inputs are fine; NaN and +infinity are refused rather than passed on. */
#include "soso_internal.h"

#include <math.h>

/* Checks x and beta; *mx gets max(beta x) over the finite entries. */
static soso_status prepare(const float *x, size_t n, float beta, double *mx)
{
    if (!x || n == 0) return soso__fail(SOSO_E_ARG, "scores must be a non-empty array");
    if (!(beta > 0.0f) || !isfinite(beta)) return soso__fail(SOSO_E_ARG, "beta must be a finite number > 0");
    double m = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i])) return soso__fail(SOSO_E_NUMERIC, "score %zu is NaN", i);
        if (isinf(x[i]) && x[i] > 0) return soso__fail(SOSO_E_NUMERIC, "score %zu is +infinity", i);
        double z = (double)beta * x[i];
        if (z > m) m = z;
    }
    if (m == -INFINITY) return soso__fail(SOSO_E_NUMERIC, "every score is -infinity: nothing to normalise");
    *mx = m;
    return SOSO_OK;
}

/* log sum_i exp(beta x_i - mx), >= 0 since the largest term is 1. */
static double log_sum(const float *x, size_t n, float beta, double mx)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        if (x[i] != -INFINITY) s += exp((double)beta * x[i] - mx);
    return log(s);
}

soso_status soso_softmax(const float *x, size_t n, float beta, float *out)
{
    double mx;
    if (!out) return soso__fail(SOSO_E_ARG, "out is NULL");
    SOSO__CHECK(prepare(x, n, beta, &mx));
    double s = 0;
    for (size_t i = 0; i < n; i++)
        if (x[i] != -INFINITY) s += exp((double)beta * x[i] - mx);
    for (size_t i = 0; i < n; i++) out[i] = x[i] == -INFINITY ? 0.0f : (float)(exp((double)beta * x[i] - mx) / s);
    return SOSO_OK;
}

soso_status soso_log_softmax(const float *x, size_t n, float beta, float *out)
{
    double mx;
    if (!out) return soso__fail(SOSO_E_ARG, "out is NULL");
    SOSO__CHECK(prepare(x, n, beta, &mx));
    double lse = log_sum(x, n, beta, mx);
    for (size_t i = 0; i < n; i++) out[i] = x[i] == -INFINITY ? -INFINITY : (float)((double)beta * x[i] - mx - lse);
    return SOSO_OK;
}

soso_status soso_logsumexp(const float *x, size_t n, float beta, double *out)
{
    double mx;
    if (!out) return soso__fail(SOSO_E_ARG, "out is NULL");
    SOSO__CHECK(prepare(x, n, beta, &mx));
    *out = mx + log_sum(x, n, beta, mx);
    return SOSO_OK;
}

soso_status soso_topk_scores(float *x, size_t n, size_t k)
{
    if (!x && n) return soso__fail(SOSO_E_ARG, "scores are NULL");
    if (k == 0) return soso__fail(SOSO_E_ARG, "k must be >= 1: a softmax needs at least one score");
    return soso__topk_fill(x, n, k, 0, -INFINITY);
}

double soso__entropy(const float *p, size_t n)
{
    double h = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] > 0) h -= (double)p[i] * log((double)p[i]);
    return h;
}
