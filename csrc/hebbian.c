/* hebbian.c - the competing-hidden-units learner (Krotov & Hopfield 2019), exactly as
 * ALGORITHMS.md section 1, with sparse scores and an update that touches only the units
 * that won or came k-th in the batch. Every reduction runs in a fixed order, so the
 * weights are bit-identical for any thread count. */
#include "soso_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void soso_hebbian_params_default(soso_hebbian_params *p)
{
    if (!p) return;
    p->units = 16;
    p->p = 2.0f;
    p->k = 2;
    p->delta = 0.4f;
    p->eps0 = 0.02f;
    p->batch = 100;
    p->epochs = 200;
    p->prec = 1e-30f;
    p->seed = 1;
    p->threads = 1;
    p->orthogonalize_every = 0;
}

const char *soso_hebbian_params_check(const soso_hebbian_params *p, size_t vocab_size)
{
    if (!p) return "Hebbian parameters are NULL";
    if (p->units < 1) return "units must be >= 1";
    if (p->units > (1u << 20)) return "units must be <= 1048576";
    if (!(p->p >= 1.0f) || !isfinite(p->p)) return "p must be a finite number >= 1";
    if (p->k < 1 || p->k > p->units) return "k must be between 1 and units";
    if (p->k > SOSO__MAX_K) return "k must be <= 64";
    if (!(p->delta >= 0.0f) || !isfinite(p->delta)) return "delta must be a finite number >= 0";
    if (!(p->eps0 > 0.0f) || !isfinite(p->eps0)) return "eps0 must be a finite number > 0";
    if (p->batch < 1) return "batch must be >= 1";
    if (p->epochs < 1) return "epochs must be >= 1";
    if (!(p->prec > 0.0f) || !isfinite(p->prec)) return "prec must be a finite number > 0";
    if (vocab_size == 0) return "the vocabulary is empty";
    if (p->orthogonalize_every > 0 && p->units > vocab_size)
        return "orthogonalize needs units <= the vocabulary size";
    return NULL;
}

/* Scratch for one mini-batch, reused across batches of a training run. */
typedef struct {
    size_t H, V, B;
    int threads;
    float *I;             /* B x H scores                                      */
    uint32_t *win, *lose; /* B: rank-1 and rank-k unit (UINT32_MAX: none)      */
    double *xx;           /* H                                                 */
    uint32_t *count;      /* H + 1: entries per unit, then prefix starts       */
    uint32_t *list_b;     /* 2B: batch positions, grouped by unit              */
    float *list_g;        /* 2B: their g values                                */
    uint32_t *cursor;     /* H: fill position per unit                         */
    uint32_t *touched;    /* H: units with an entry, ascending                 */
    float *rowmax;        /* H: max |ds| of each touched unit                  */
    float *buf;           /* threads x V, kept all zero between uses           */
    unsigned long long team_mask; /* thread ids that worked in the last step   */
} hebb_ws;

static void ws_free(hebb_ws *w)
{
    free(w->I);
    free(w->win);
    free(w->lose);
    free(w->xx);
    free(w->count);
    free(w->list_b);
    free(w->list_g);
    free(w->cursor);
    free(w->touched);
    free(w->rowmax);
    free(w->buf);
    memset(w, 0, sizeof *w);
}

static soso_status ws_init(hebb_ws *w, size_t H, size_t V, size_t B, int threads)
{
    memset(w, 0, sizeof *w);
    w->H = H;
    w->V = V;
    w->B = B;
    w->threads = threads < 1 ? 1 : threads;
    size_t bh, tv;
    if (!soso__mul_size(B, H, &bh) || !soso__mul_size((size_t)w->threads, V, &tv))
        return soso__fail(SOSO_E_LIMIT, "mini-batch workspace too large");
    w->I = soso__alloc_array(bh, sizeof *w->I);
    w->win = soso__alloc_array(B, sizeof *w->win);
    w->lose = soso__alloc_array(B, sizeof *w->lose);
    w->xx = soso__alloc_array(H, sizeof *w->xx);
    w->count = soso__alloc_array(H + 1, sizeof *w->count);
    w->list_b = soso__alloc_array(2 * B, sizeof *w->list_b);
    w->list_g = soso__alloc_array(2 * B, sizeof *w->list_g);
    w->cursor = soso__alloc_array(H, sizeof *w->cursor);
    w->touched = soso__alloc_array(H, sizeof *w->touched);
    w->rowmax = soso__alloc_array(H, sizeof *w->rowmax);
    w->buf = soso__calloc_array(tv, sizeof *w->buf);
    if (!w->I || !w->win || !w->lose || !w->xx || !w->count || !w->list_b || !w->list_g || !w->cursor || !w->touched ||
        !w->rowmax || !w->buf) {
        ws_free(w);
        return soso__fail(SOSO_E_NOMEM, "out of memory for a mini-batch of %zu documents and %zu units", B, H);
    }
    return SOSO_OK;
}

/* Units of rank 1 and rank k of one document's scores (ties: lower index first). */
static void rank_units(const float *s, size_t H, uint32_t k, uint32_t *win, uint32_t *lose)
{
    uint32_t best[SOSO__MAX_K], n = 0; /* the k best so far, strongest first */
    for (uint32_t h = 0; h < H; h++) {
        if (n == k && !(s[h] > s[best[n - 1]])) continue;
        uint32_t pos = n < k ? n++ : k - 1;
        while (pos > 0 && s[h] > s[best[pos - 1]]) {
            best[pos] = best[pos - 1];
            pos--;
        }
        best[pos] = h;
    }
    *win = best[0];
    *lose = (k >= 2) ? best[k - 1] : UINT32_MAX;
}

/* Scores of one sparse vector against every unit: a_h = sum_j sign(W)|W|^(p-1) x_j. */
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

/* Adds g * x_b for every (b, g) of unit h into buf (dense, V floats). */
static void scatter_unit(const hebb_ws *w, const soso_docs *X, const uint32_t *rows, size_t h, float *buf)
{
    for (uint32_t e = w->count[h]; e < w->count[h + 1]; e++) {
        size_t r = rows[w->list_b[e]];
        float g = w->list_g[e];
        for (size_t q = X->indptr[r]; q < X->indptr[r + 1]; q++) buf[X->indices[q]] += g * X->values[q];
    }
}

static void clear_unit(const hebb_ws *w, const soso_docs *X, const uint32_t *rows, size_t h, float *buf)
{
    for (uint32_t e = w->count[h]; e < w->count[h + 1]; e++) {
        size_t r = rows[w->list_b[e]];
        for (size_t q = X->indptr[r]; q < X->indptr[r + 1]; q++) buf[X->indices[q]] = 0.0f;
    }
}

/* One mini-batch. Validated arguments; the workspace fits n <= ws->B. */
static void step(hebb_ws *w, float *W, const soso_docs *X, const uint32_t *rows, size_t n,
                 const soso_hebbian_params *prm, float eps, size_t *touched_out)
{
    const size_t H = w->H, V = w->V;
    size_t nnz = 0;
    for (size_t b = 0; b < n; b++) nnz += X->indptr[rows[b] + 1] - X->indptr[rows[b]];
    /* Work is dominated by the dense row passes of the (at most 2n) touched units. */
    size_t rows_max = 2 * n < H ? 2 * n : H;
    int team = soso__team_size(w->threads, (double)nnz * (double)H + 2.0 * (double)rows_max * (double)V);
    size_t n_touched = 0;
    float nc = prm->prec;
    unsigned long long mask = 0;

#pragma omp parallel num_threads(team) if (team > 1)
    {
        int tid = omp_get_thread_num();
        float *buf = w->buf + (size_t)tid * V;
#pragma omp atomic
        mask |= 1ull << (tid & 63);

        /* 1. Scores and ranks, one document per iteration. */
#pragma omp for schedule(static)
        for (long b = 0; b < (long)n; b++) {
            size_t r = rows[b];
            size_t q0 = X->indptr[r], q1 = X->indptr[r + 1];
            float *s = w->I + (size_t)b * H;
            soso__unit_scores(W, H, V, prm->p, q1 - q0, X->indices + q0, X->values + q0, s);
            rank_units(s, H, prm->k, &w->win[b], &w->lose[b]);
        }

        /* 2. g as per-unit lists and xx, serially in batch order (cheap: 2n entries). */
#pragma omp single
        {
            memset(w->count, 0, (H + 1) * sizeof *w->count);
            for (size_t h = 0; h < H; h++) w->xx[h] = 0.0;
            for (size_t b = 0; b < n; b++) {
                w->count[w->win[b] + 1]++;
                if (w->lose[b] != UINT32_MAX) w->count[w->lose[b] + 1]++;
            }
            for (size_t h = 0; h < H; h++) {
                if (w->count[h + 1]) w->touched[n_touched++] = (uint32_t)h;
                w->count[h + 1] += w->count[h];
            }
            uint32_t *cursor = w->cursor;
            for (size_t h = 0; h < H; h++) cursor[h] = w->count[h];
            for (size_t b = 0; b < n; b++) {
                uint32_t hw = w->win[b], hl = w->lose[b];
                w->list_b[cursor[hw]] = (uint32_t)b;
                w->list_g[cursor[hw]++] = 1.0f;
                w->xx[hw] += (double)w->I[b * H + hw];
                if (hl != UINT32_MAX) {
                    w->list_b[cursor[hl]] = (uint32_t)b;
                    w->list_g[cursor[hl]++] = -prm->delta;
                    w->xx[hl] += -(double)prm->delta * (double)w->I[b * H + hl];
                }
            }
        }

        /* 3. max |ds| of each touched unit: ds_h = sum_b g_hb x_b - xx_h W_h. */
#pragma omp for schedule(static, 1)
        for (long t = 0; t < (long)n_touched; t++) {
            size_t h = w->touched[t];
            const float *wr = W + h * V;
            float xx = (float)w->xx[h];
            scatter_unit(w, X, rows, h, buf);
            float m = 0.0f;
            for (size_t j = 0; j < V; j++) {
                float d = fabsf(buf[j] - xx * wr[j]);
                m = d > m ? d : m;
            }
            clear_unit(w, X, rows, h, buf);
            w->rowmax[t] = m;
        }

        /* 4. One normaliser for the whole matrix (max is exact in any order). */
#pragma omp single
        {
            for (size_t t = 0; t < n_touched; t++) nc = w->rowmax[t] > nc ? w->rowmax[t] : nc;
        }

        /* 5. W_h += eps / nc * ds_h for the touched units. */
        float c = eps / nc;
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
    w->team_mask = mask;
    if (touched_out) *touched_out = n_touched;
}

static int popcount64(unsigned long long x)
{
    int n = 0;
    for (; x; x &= x - 1) n++;
    return n;
}

soso_status soso_hebbian_step(float *W, const soso_docs *docs, const uint32_t *rows, size_t n_rows,
                              const soso_hebbian_params *params, float eps, size_t *touched)
{
    if (!W || !docs || (!rows && n_rows)) return soso__fail(SOSO_E_ARG, "W, docs and rows must not be NULL");
    const char *why = soso_hebbian_params_check(params, docs->cols);
    if (why) return soso__fail(SOSO_E_ARG, "%s", why);
    if (!(eps >= 0.0f) || !isfinite(eps)) return soso__fail(SOSO_E_ARG, "eps must be a finite number >= 0");
    for (size_t b = 0; b < n_rows; b++)
        if (rows[b] >= docs->rows) return soso__fail(SOSO_E_ARG, "row %u out of range (%zu rows)", rows[b], docs->rows);
    if (n_rows == 0) {
        if (touched) *touched = 0;
        return SOSO_OK;
    }
    hebb_ws w;
    SOSO__CHECK(ws_init(&w, params->units, docs->cols, n_rows, params->threads));
    step(&w, W, docs, rows, n_rows, params, eps, touched);
    ws_free(&w);
    return SOSO_OK;
}

soso_status soso__hebbian_train(soso_model *m, const soso_docs *docs, soso_progress_fn progress, void *user)
{
    const soso_hebbian_params *prm = &m->hebbian;
    size_t N = docs->rows;
    if (N > UINT32_MAX) return soso__fail(SOSO_E_LIMIT, "at most 2^32-1 documents can be trained on at once");
    if (m->epoch_pos > 0 && m->train_rows != N)
        return soso__fail(SOSO_E_ARG, "training stopped mid-epoch on %llu documents; resume it with the same %llu, not %zu",
                          (unsigned long long)m->train_rows, (unsigned long long)m->train_rows, N);
    size_t B = prm->batch < N ? prm->batch : N;
    size_t n_batches = (N + B - 1) / B;
    uint32_t *perm = soso__alloc_array(N, sizeof *perm);
    if (!perm) return soso__fail(SOSO_E_NOMEM, "out of memory for a permutation of %zu documents", N);
    hebb_ws w;
    soso_status s = ws_init(&w, m->units, m->cols, B, prm->threads);
    if (s != SOSO_OK) {
        free(perm);
        return s;
    }
    m->train_rows = N;
    soso_progress pr = {0};
    pr.epochs = prm->epochs;
    pr.docs_total = m->epochs_done >= prm->epochs ? 0 : (uint64_t)(prm->epochs - m->epochs_done) * N - m->epoch_pos;
    double t0 = soso__now();
    while (m->epochs_done < prm->epochs && s == SOSO_OK) {
        uint32_t epoch = m->epochs_done;
        float eps = prm->eps0 * (1.0f - (float)epoch / (float)prm->epochs);
        soso__rng rng;
        soso__rng_seed(&rng, prm->seed, SOSO__STREAM_SHUFFLE_BASE + epoch);
        for (size_t i = 0; i < N; i++) perm[i] = (uint32_t)i;
        soso__rng_shuffle_u32(&rng, perm, N);
        for (size_t bi = (size_t)(m->epoch_pos / B); bi < n_batches; bi++) {
            size_t start = bi * B, n = N - start < B ? N - start : B;
            step(&w, m->W, docs, perm + start, n, prm, eps, NULL);
            m->epoch_pos = start + n;
            m->docs_seen += n;
            pr.docs_done += n;
            if (bi + 1 == n_batches) {
                m->epochs_done++;
                m->epoch_pos = 0;
            }
            uint64_t done = (uint64_t)epoch * n_batches + bi + 1; /* mini-batches so far */
            if (prm->orthogonalize_every && (done % prm->orthogonalize_every == 0 || m->epochs_done == prm->epochs)) {
                s = soso_orthogonalize_symmetric(m->W, m->units, m->cols, prm->threads);
                if (s != SOSO_OK) break;
            }
            pr.epoch = m->epochs_done;
            pr.seconds = soso__now() - t0;
            pr.threads_used = popcount64(w.team_mask);
            if (progress && progress(&pr, user) != 0) {
                s = soso__fail(SOSO_E_ABORTED, "training stopped on request after %llu documents (epoch %u of %u)",
                               (unsigned long long)pr.docs_done, m->epochs_done, prm->epochs);
                break;
            }
        }
    }
    ws_free(&w);
    free(perm);
    return s;
}
