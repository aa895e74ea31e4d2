/* competitive.c - the mini-batch machinery that competitive learners share: sparse scores
 * of a batch against every unit, and the update W_h += c (sum_b g_hb x_b - xx_h W_h) with
 * xx_h = sum_b g_hb I_hb, applied only to units that some document gated. The Hebbian
 * rule (g = 1 / -delta, c normalised by max |ds|) and the soft gate (g = softmax, c = eta,
 * Oja's rule) are both this update with different gates. Every sum runs in a fixed order,
 * so results are bit-identical for any thread count. */
#include "soso_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void soso__unit_scores(const float *W, size_t H, size_t V, float p, size_t nnz, const uint32_t *idx,
                       const float *val, float *out)
{
    for (size_t h = 0; h < H; h++) {
        const float *w = W + h * V;
        double acc = 0;
        if (p == 2.0f) {
            for (size_t e = 0; e < nnz; e++) acc += (double)w[idx[e]] * val[e];
        } else if (p == 3.0f) {
            for (size_t e = 0; e < nnz; e++) acc += (double)w[idx[e]] * fabsf(w[idx[e]]) * val[e];
        } else {
            for (size_t e = 0; e < nnz; e++) {
                float x = w[idx[e]];
                float m = powf(fabsf(x), p - 1.0f);
                acc += (double)(x < 0 ? -m : m) * val[e];
            }
        }
        out[h] = (float)acc;
    }
}

int soso__popcount64(unsigned long long x)
{
    int n = 0;
    for (; x; x &= x - 1) n++;
    return n;
}

void soso__batch_free(soso__batch *w)
{
    free(w->I);
    free(w->ent_unit);
    free(w->ent_g);
    free(w->ent_n);
    free(w->xx);
    free(w->count);
    free(w->cursor);
    free(w->list_b);
    free(w->list_g);
    free(w->touched);
    free(w->rowmax);
    free(w->buf);
    memset(w, 0, sizeof *w);
}

soso_status soso__batch_init(soso__batch *w, size_t H, size_t V, size_t B, size_t E, int threads)
{
    memset(w, 0, sizeof *w);
    w->H = H;
    w->V = V;
    w->B = B;
    w->E = E;
    w->threads = threads < 1 ? 1 : threads;
    size_t bh, be, tv;
    if (!soso__mul_size(B, H, &bh) || !soso__mul_size(B, E, &be) || !soso__mul_size((size_t)w->threads, V, &tv))
        return soso__fail(SOSO_E_LIMIT, "mini-batch workspace too large");
    w->I = soso__alloc_array(bh, sizeof *w->I);
    w->ent_unit = soso__alloc_array(be, sizeof *w->ent_unit);
    w->ent_g = soso__alloc_array(be, sizeof *w->ent_g);
    w->ent_n = soso__calloc_array(B, sizeof *w->ent_n);
    w->xx = soso__alloc_array(H, sizeof *w->xx);
    w->count = soso__alloc_array(H + 1, sizeof *w->count);
    w->cursor = soso__alloc_array(H, sizeof *w->cursor);
    w->list_b = soso__alloc_array(be, sizeof *w->list_b);
    w->list_g = soso__alloc_array(be, sizeof *w->list_g);
    w->touched = soso__alloc_array(H, sizeof *w->touched);
    w->rowmax = soso__alloc_array(H, sizeof *w->rowmax);
    w->buf = soso__calloc_array(tv, sizeof *w->buf);
    if (!w->I || !w->ent_unit || !w->ent_g || !w->ent_n || !w->xx || !w->count || !w->cursor || !w->list_b ||
        !w->list_g || !w->touched || !w->rowmax || !w->buf) {
        soso__batch_free(w);
        return soso__fail(SOSO_E_NOMEM, "out of memory for a mini-batch of %zu documents and %zu units", B, H);
    }
    return SOSO_OK;
}

void soso__batch_scores(soso__batch *w, const float *W, float p, const soso_docs *X, const uint32_t *rows, size_t n)
{
    size_t nnz = 0;
    for (size_t b = 0; b < n; b++) nnz += X->indptr[rows[b] + 1] - X->indptr[rows[b]];
    int team = soso__team_size(w->threads, (double)nnz * (double)w->H);
    unsigned long long mask = 0;
#pragma omp parallel num_threads(team) if (team > 1)
    {
#pragma omp atomic
        mask |= 1ull << (omp_get_thread_num() & 63);
#pragma omp for schedule(static)
        for (long b = 0; b < (long)n; b++) {
            size_t q0 = X->indptr[rows[b]], q1 = X->indptr[rows[b] + 1];
            soso__unit_scores(W, w->H, w->V, p, q1 - q0, X->indices + q0, X->values + q0, w->I + (size_t)b * w->H);
        }
    }
    w->team_mask = mask;
}

/* Adds g * x_b for every (b, g) of unit h into buf (dense, V floats). */
static void scatter_unit(const soso__batch *w, const soso_docs *X, const uint32_t *rows, size_t h, float *buf)
{
    for (uint32_t e = w->count[h]; e < w->count[h + 1]; e++) {
        size_t r = rows[w->list_b[e]];
        float g = w->list_g[e];
        for (size_t q = X->indptr[r]; q < X->indptr[r + 1]; q++) buf[X->indices[q]] += g * X->values[q];
    }
}

static void clear_unit(const soso__batch *w, const soso_docs *X, const uint32_t *rows, size_t h, float *buf)
{
    for (uint32_t e = w->count[h]; e < w->count[h + 1]; e++) {
        size_t r = rows[w->list_b[e]];
        for (size_t q = X->indptr[r]; q < X->indptr[r + 1]; q++) buf[X->indices[q]] = 0.0f;
    }
}

size_t soso__batch_update(soso__batch *w, float *W, const soso_docs *X, const uint32_t *rows, size_t n, float eps,
                          int normalize, float prec)
{
    const size_t H = w->H, V = w->V, E = w->E;
    /* Entries grouped by unit, in batch order, and xx_h = sum_b g_hb I_hb (serial: at
     * most E n entries). */
    memset(w->count, 0, (H + 1) * sizeof *w->count);
    for (size_t h = 0; h < H; h++) w->xx[h] = 0.0;
    for (size_t b = 0; b < n; b++)
        for (uint32_t e = 0; e < w->ent_n[b]; e++) w->count[w->ent_unit[b * E + e] + 1]++;
    size_t n_touched = 0;
    for (size_t h = 0; h < H; h++) {
        if (w->count[h + 1]) w->touched[n_touched++] = (uint32_t)h;
        w->count[h + 1] += w->count[h];
        w->cursor[h] = w->count[h];
    }
    for (size_t b = 0; b < n; b++)
        for (uint32_t e = 0; e < w->ent_n[b]; e++) {
            uint32_t h = w->ent_unit[b * E + e];
            float g = w->ent_g[b * E + e];
            w->list_b[w->cursor[h]] = (uint32_t)b;
            w->list_g[w->cursor[h]++] = g;
            w->xx[h] += (double)g * (double)w->I[b * H + h];
        }
    if (n_touched == 0) return 0;
    int team = soso__team_size(w->threads, 2.0 * (double)n_touched * (double)V);
    float c = eps;
    unsigned long long mask = 0;
#pragma omp parallel num_threads(team) if (team > 1)
    {
        int tid = omp_get_thread_num();
        float *buf = w->buf + (size_t)tid * V;
#pragma omp atomic
        mask |= 1ull << (tid & 63);
        if (normalize) {
            /* max |ds| of each touched unit, ds_h = sum_b g_hb x_b - xx_h W_h, then one
             * normaliser for the whole matrix (a max is exact in any order). */
#pragma omp for schedule(static, 1)
            for (long t = 0; t < (long)n_touched; t++) {
                size_t h = w->touched[t];
                const float *wr = W + h * V;
                float xx = (float)w->xx[h], m = 0.0f;
                scatter_unit(w, X, rows, h, buf);
                for (size_t j = 0; j < V; j++) {
                    float d = fabsf(buf[j] - xx * wr[j]);
                    m = d > m ? d : m;
                }
                clear_unit(w, X, rows, h, buf);
                w->rowmax[t] = m;
            }
#pragma omp single
            {
                float nc = prec;
                for (size_t t = 0; t < n_touched; t++) nc = w->rowmax[t] > nc ? w->rowmax[t] : nc;
                c = eps / nc;
            }
        }
#pragma omp for schedule(static, 1)
        for (long t = 0; t < (long)n_touched; t++) {
            size_t h = w->touched[t];
            float *wr = W + h * V;
            float xx = (float)w->xx[h];
            scatter_unit(w, X, rows, h, buf);
            for (size_t j = 0; j < V; j++) wr[j] += c * (buf[j] - xx * wr[j]);
            clear_unit(w, X, rows, h, buf);
        }
    }
    w->team_mask |= mask;
    return n_touched;
}

soso_status soso__run_batches(soso_model *m, const soso_docs *docs, const soso__schedule *sc, soso__batch_fn fn,
                              void *ctx, soso_progress_fn progress, void *user)
{
    size_t N = docs->rows;
    if (N > UINT32_MAX) return soso__fail(SOSO_E_LIMIT, "at most 2^32-1 documents can be trained on at once");
    if (m->epoch_pos > 0 && m->train_rows != N)
        return soso__fail(SOSO_E_ARG, "training stopped mid-epoch on %llu documents; resume it with the same %llu, not %zu",
                          (unsigned long long)m->train_rows, (unsigned long long)m->train_rows, N);
    size_t B = sc->batch < N ? sc->batch : N, n_batches = (N + B - 1) / B;
    uint32_t *perm = soso__alloc_array(N, sizeof *perm);
    if (!perm) return soso__fail(SOSO_E_NOMEM, "out of memory for a permutation of %zu documents", N);
    m->train_rows = N;
    soso_status s = SOSO_OK;
    soso_progress pr = {0};
    pr.epochs = sc->epochs;
    pr.docs_total = m->epochs_done >= sc->epochs ? 0 : (uint64_t)(sc->epochs - m->epochs_done) * N - m->epoch_pos;
    double t0 = soso__now();
    while (m->epochs_done < sc->epochs && s == SOSO_OK) {
        uint32_t epoch = m->epochs_done;
        soso__rng rng;
        soso__rng_seed(&rng, sc->seed, SOSO__STREAM_SHUFFLE_BASE + epoch);
        for (size_t i = 0; i < N; i++) perm[i] = (uint32_t)i;
        soso__rng_shuffle_u32(&rng, perm, N);
        if (m->epoch_pos == 0) memset(sc->wins, 0, m->units * sizeof *sc->wins);
        for (size_t bi = (size_t)(m->epoch_pos / B); bi < n_batches && s == SOSO_OK; bi++) {
            size_t start = bi * B, n = N - start < B ? N - start : B;
            s = fn(ctx, perm + start, n, epoch);
            if (s != SOSO_OK) break;
            m->epoch_pos = start + n;
            m->docs_seen += n;
            pr.docs_done += n;
            if (bi + 1 == n_batches) {
                m->epochs_done++;
                m->epoch_pos = 0;
            }
            uint64_t done = (uint64_t)epoch * n_batches + bi + 1; /* mini-batches so far */
            if (sc->orthogonalize_every && (done % sc->orthogonalize_every == 0 || m->epochs_done == sc->epochs)) {
                s = soso_orthogonalize_symmetric(m->W, m->units, m->cols, sc->threads);
                if (s != SOSO_OK) break;
            }
            pr.epoch = m->epochs_done;
            pr.seconds = soso__now() - t0;
            pr.threads_used = soso__popcount64(*sc->team_mask);
            pr.effective_units = soso__effective_units(sc->wins, m->units);
            pr.temperature = sc->temperature ? sc->temperature(m) : 0.0;
            if (progress && progress(&pr, user) != 0)
                s = soso__fail(SOSO_E_ABORTED, "training stopped on request after %llu documents (epoch %u of %u)",
                               (unsigned long long)pr.docs_done, m->epochs_done, sc->epochs);
        }
    }
    free(perm);
    return s;
}
