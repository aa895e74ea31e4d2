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

/* max s[0..H) in four independent chains (one chain of H dependent maxima costs more).
 * A NaN never wins (x > m is false for it). */
static float max_of(const float *s, size_t H)
{
    float m0 = -INFINITY, m1 = -INFINITY, m2 = -INFINITY, m3 = -INFINITY;
    size_t h = 0;
    for (; h + 4 <= H; h += 4) {
        m0 = soso__max_with(m0, s[h]);
        m1 = soso__max_with(m1, s[h + 1]);
        m2 = soso__max_with(m2, s[h + 2]);
        m3 = soso__max_with(m3, s[h + 3]);
    }
    for (; h < H; h++) m0 = soso__max_with(m0, s[h]);
    return soso__max_with(soso__max_with(m0, m1), soso__max_with(m2, m3));
}

/* Ranks 1 and 2 (k = 2, the default) in a few passes that hardly branch: which unit leads
 * is random, so the general loop mispredicted about 8 times a document (cachegrind) and
 * took 100-110 ns a document at 26 units, this 60-70. The first unit that holds the
 * maximum, then the first other one that holds the maximum of the rest: the general
 * loop's choices, except that NaN scores rank last here. s[win] is set aside for the
 * second pass and put back. 0 where fewer than two scores are not NaN: the general
 * loop decides. */
static int top2(float *s, size_t H, uint32_t *win, uint32_t *lose)
{
    float m0 = max_of(s, H);
    size_t b0 = 0, b1 = 0;
    while (b0 < H && !(s[b0] == m0)) b0++;
    if (b0 == H) return 0;
    float keep = s[b0]; /* m0, or m0's other zero */
    s[b0] = -INFINITY;
    float m1 = max_of(s, H);
    s[b0] = keep;
    while (b1 < H && (b1 == b0 || !(s[b1] == m1))) b1++;
    if (b1 == H) return 0;
    *win = (uint32_t)b0;
    *lose = (uint32_t)b1;
    return 1;
}

void soso__rank_units_general(const float *s, size_t H, uint32_t k, uint32_t *win, uint32_t *lose)
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

void soso__rank_units(float *s, size_t H, uint32_t k, uint32_t *win, uint32_t *lose)
{
    if (k == 2 && H >= 2 &&
        (H <= 32 && soso__avx512_enabled() ? soso__top2_avx512(s, H, win, lose) : top2(s, H, win, lose)))
        return;
    soso__rank_units_general(s, H, k, win, lose);
}

/* The gate of document b: 1 for its top unit, -delta for its rank-k one. */
static void hebbian_gate(soso__batch *w, size_t b, const void *ctx)
{
    const soso_hebbian_params *prm = ctx;
    uint32_t win, lose;
    soso__rank_units(w->I + b * w->H, w->H, prm->k, &win, &lose);
    w->ent_unit[2 * b] = win;
    w->ent_g[2 * b] = 1.0f;
    w->ent_n[b] = 1;
    if (lose != UINT32_MAX) {
        w->ent_unit[2 * b + 1] = lose;
        w->ent_g[2 * b + 1] = -prm->delta;
        w->ent_n[b] = 2;
    }
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
    soso__batch w;
    SOSO__CHECK(soso__batch_init(&w, params->units, docs->cols, n_rows, 2, params->threads));
    size_t n_touched = 0;
    soso_status s = soso__batch_step(&w, W, params->p, docs, rows, n_rows, hebbian_gate, params, eps, params->prec,
                                     NULL, &n_touched);
    if (touched) *touched = n_touched;
    /* Scores that were not finite (W held a NaN or an infinity, or overflowed), or a
     * changed row that is not: the same error as training's. */
    if (s == SOSO_OK && w.diverged) s = soso__diverged("scores are not finite");
    if (s == SOSO_OK) s = soso__check_rows(W, docs->cols, w.plans[0].touched, n_touched);
    soso__batch_free(&w);
    return s;
}

typedef struct {
    soso_model *m;
    const soso_docs *docs;
    soso__batch w;
    uint64_t *wins;
} hebb_ctx;

/* The learning rate of an epoch: linear annealing per epoch. */
static float epoch_eps(const soso_hebbian_params *prm, uint32_t epoch)
{
    return prm->eps0 * (1.0f - (float)epoch / (float)prm->epochs);
}

/* k mini-batches: scores and gates (in parallel over documents), then the normalised
 * update, each; on a team all in one parallel region (run_batches' many). */
static soso_status hebb_batches(void *ctx, const uint32_t *rows, size_t k, size_t batch, size_t n_last, uint32_t epoch,
                                size_t *ran)
{
    hebb_ctx *c = ctx;
    const soso_hebbian_params *prm = &c->m->hebbian;
    uint64_t before = c->w.grouped;
    soso_status s = soso__batch_steps(&c->w, c->m->W, prm->p, c->docs, rows, k, batch, n_last, hebbian_gate, prm,
                                      epoch_eps(prm, epoch), prm->prec, c->wins, ran, NULL, NULL);
    c->m->grouped_batches += c->w.grouped - before;
    return s;
}

soso_status soso__hebbian_train(soso_model *m, const soso_docs *docs, const soso__span *span, soso_progress_fn progress,
                               void *user)
{
    const soso_hebbian_params *prm = &m->hebbian;
    size_t B = prm->batch < docs->rows ? prm->batch : docs->rows;
    hebb_ctx c = {m, docs, {0}, soso__calloc_array(m->units, sizeof(uint64_t))};
    soso_status s = c.wins ? soso__batch_init(&c.w, m->units, m->cols, B, 2, prm->threads)
                           : soso__fail(SOSO_E_NOMEM, "out of memory for win counts");
    /* Scores read |W^|^(p-1) in float, W^ = W / alpha: alpha stays within 10^(30 / (p -
     * 1)) of 1 (1e6 up to p = 6), or the power overflows. At 1e6 and p = 10 it did, and
     * training returned NaN weights (50 copies of one document, 2 units, batch 1). */
    c.w.alpha_lim = prm->p > 1.0f ? fmin(1e6, pow(10.0, 30.0 / ((double)prm->p - 1.0))) : 1e6;
    if (s == SOSO_OK) s = soso__batch_lazy(&c.w, m->W);
    if (s == SOSO_OK) {
        soso__schedule sc = {prm->epochs, prm->seed, B, prm->orthogonalize_every, prm->threads, &c.w, c.wins,
                             &c.w.team_mask, NULL, hebb_batches};
        s = soso__run_batches(m, docs, span, &sc, NULL, &c, progress, user);
    }
    soso__batch_free(&c.w);
    free(c.wins);
    return s;
}
