/* metrics.c - clustering against labels (NMI with arithmetic normalisation, ARI,
 * purity), defined exactly as scikit-learn computes them, edge cases included, so SOSO's
 * figures can be set beside the peers' (ALGORITHMS.md section 7). */
#include "soso_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Contingency table of two labelings with values in [0, na) and [0, nb); rows of -1 are
 * skipped. Returns the table (na x nb counts) and the totals. */
typedef struct {
    size_t na, nb, n;
    uint64_t *t, *ra, *cb; /* table, row sums, column sums */
} contingency;

static void cont_free(contingency *c)
{
    free(c->t);
    free(c->ra);
    free(c->cb);
}

static soso_status cont_build(const int32_t *a, const int32_t *b, size_t n, contingency *c)
{
    memset(c, 0, sizeof *c);
    int32_t ma = -1, mb = -1;
    for (size_t i = 0; i < n; i++) {
        if (a[i] < 0 || b[i] < 0) continue;
        ma = a[i] > ma ? a[i] : ma;
        mb = b[i] > mb ? b[i] : mb;
    }
    c->na = (size_t)((int64_t)ma + 1); /* a label of INT32_MAX: ma + 1 in int32 overflowed */
    c->nb = (size_t)((int64_t)mb + 1);
    size_t cells;
    /* At most 2^28 cells (2 GiB of counts): label and cluster ids are meant to be dense. */
    if (!soso__mul_size(c->na ? c->na : 1, c->nb ? c->nb : 1, &cells) || cells > ((size_t)1 << 28))
        return soso__fail(SOSO_E_LIMIT, "too many labels or clusters (%zu x %zu)", c->na, c->nb);
    c->t = soso__calloc_array(cells, sizeof *c->t);
    c->ra = soso__calloc_array(c->na ? c->na : 1, sizeof *c->ra);
    c->cb = soso__calloc_array(c->nb ? c->nb : 1, sizeof *c->cb);
    if (!c->t || !c->ra || !c->cb) {
        cont_free(c);
        return soso__fail(SOSO_E_NOMEM, "out of memory for a contingency table");
    }
    for (size_t i = 0; i < n; i++) {
        if (a[i] < 0 || b[i] < 0) continue;
        c->t[(size_t)a[i] * c->nb + (size_t)b[i]]++;
        c->ra[a[i]]++;
        c->cb[b[i]]++;
        c->n++;
    }
    return SOSO_OK;
}

static size_t nonzero(const uint64_t *v, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += v[i] != 0;
    return k;
}

static double entropy_of(const uint64_t *v, size_t k, double n)
{
    double h = 0;
    for (size_t i = 0; i < k; i++)
        if (v[i]) h -= ((double)v[i] / n) * log((double)v[i] / n);
    return h;
}

soso_status soso_nmi(const int32_t *labels, const int32_t *clusters, size_t n, double *out)
{
    if (!out || (n && (!labels || !clusters))) return soso__fail(SOSO_E_ARG, "arguments must not be NULL");
    contingency c;
    SOSO__CHECK(cont_build(labels, clusters, n, &c));
    size_t ka = nonzero(c.ra, c.na), kb = nonzero(c.cb, c.nb);
    double N = (double)c.n;
    /* scikit-learn: one class and one cluster (or none) is a perfect match. */
    if ((ka == 1 && kb == 1) || (ka == 0 && kb == 0)) {
        cont_free(&c);
        *out = 1.0;
        return SOSO_OK;
    }
    /* MI as scikit-learn sums it: terms below machine epsilon count as 0, a labeling
     * with one value has MI 0, and MI 0 means NMI 0. */
    double mi = 0;
    if (ka > 1 && kb > 1)
        for (size_t i = 0; i < c.na; i++)
            for (size_t j = 0; j < c.nb; j++) {
                uint64_t v = c.t[i * c.nb + j];
                if (!v) continue;
                double term = ((double)v / N) * (log((double)v) - log(N)) +
                              ((double)v / N) * (-log((double)c.ra[i] * (double)c.cb[j]) + log(N) + log(N));
                if (fabs(term) >= 2.220446049250313e-16) mi += term;
            }
    if (mi < 0) mi = 0;
    double ha = entropy_of(c.ra, c.na, N), hb = entropy_of(c.cb, c.nb, N);
    *out = mi == 0 ? 0.0 : mi / ((ha + hb) / 2);
    cont_free(&c);
    return SOSO_OK;
}

soso_status soso_ari(const int32_t *labels, const int32_t *clusters, size_t n, double *out)
{
    if (!out || (n && (!labels || !clusters))) return soso__fail(SOSO_E_ARG, "arguments must not be NULL");
    contingency c;
    SOSO__CHECK(cont_build(labels, clusters, n, &c));
    /* scikit-learn's pair-confusion form: pairs together in both (tp), in the clusters
     * only (fp), in the labels only (fn), in neither (tn). */
    double N = (double)c.n, sq = 0, sa = 0, sb = 0;
    for (size_t i = 0; i < c.na * c.nb; i++) sq += (double)c.t[i] * (double)c.t[i];
    for (size_t i = 0; i < c.na; i++) sa += (double)c.ra[i] * (double)c.ra[i];
    for (size_t j = 0; j < c.nb; j++) sb += (double)c.cb[j] * (double)c.cb[j];
    double tp = sq - N, fp = sb - sq, fn = sa - sq, tn = N * N - fp - fn - sq;
    cont_free(&c);
    if (fn == 0 && fp == 0) {
        *out = 1.0;
        return SOSO_OK;
    }
    *out = 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
    return SOSO_OK;
}

soso_status soso_purity(const int32_t *labels, const int32_t *clusters, size_t n, double *out)
{
    if (!out || (n && (!labels || !clusters))) return soso__fail(SOSO_E_ARG, "arguments must not be NULL");
    contingency c;
    SOSO__CHECK(cont_build(labels, clusters, n, &c));
    uint64_t total = 0;
    for (size_t j = 0; j < c.nb; j++) {
        uint64_t best = 0;
        for (size_t i = 0; i < c.na; i++) best = c.t[i * c.nb + j] > best ? c.t[i * c.nb + j] : best;
        total += best;
    }
    *out = c.n ? (double)total / (double)c.n : 0.0;
    cont_free(&c);
    return SOSO_OK;
}
