/* competitive.c - the mini-batch steps that competitive learners share: sparse scores
 * of a batch against every unit, the gates' entries grouped by unit, and the update
 * W_h += c (sum_b g_hb x_b - xx_h W_h) with xx_h = sum_b g_hb I_hb, applied only to
 * units that some document gated. The Hebbian rule (g = 1 / -delta, c normalised by
 * max |ds|) and the soft gate (g = softmax, c = eta, Oja's rule) are both this update
 * with different gates. Its lazy form is in lazy_update.c, the epoch loop around the
 * steps in batch_loop.c. Every sum runs in a fixed order, so results are bit-identical
 * for any thread count. */
#include "soso_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* w->slice_words' stride: each thread's count 128 bytes from the next. */
#define SLICE_STRIDE 16

/* Carves plan pl's arrays out of one block whose used part starts and ends on a
 * 128-byte boundary, so that threads writing their own copies share no line. */
static int plan_init(soso__plan *pl, size_t H, int threads)
{
    size_t T = (size_t)threads, nh = H ? H : 1;
    size_t sizes[] = {nh * sizeof(uint32_t), nh * sizeof(size_t), nh * sizeof(uint32_t), nh * sizeof(struct soso__job),
                      nh * sizeof(uint32_t), (T + 1) * sizeof(size_t), T * sizeof(size_t)};
    size_t total = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) total += (sizes[i] + 127) & ~(size_t)127;
    pl->mem = soso__malloc(total + 128);
    if (!pl->mem) return 0;
    char *at = (char *)(((uintptr_t)pl->mem + 127) & ~(uintptr_t)127);
    void *arr[7];
    for (size_t i = 0; i < 7; i++) {
        arr[i] = at;
        at += (sizes[i] + 127) & ~(size_t)127;
    }
    pl->touched = arr[0];
    pl->aoff = arr[1];
    pl->order = arr[2];
    pl->jobs = arr[3];
    pl->group = arr[4];
    pl->gstart = arr[5];
    pl->gfill = arr[6];
    return 1;
}

void soso__batch_free(soso__batch *w)
{
    soso__lazy_free(w);
    for (int k = 0; k < 2; k++) {
        free(w->arena_j[k]);
        free(w->arena_s[k]);
    }
    free(w->cum);
    free(w->slice_words);
    free(w->owner);
    free(w->claims);
    free(w->I);
    free(w->ent_unit);
    free(w->ent_g);
    free(w->ent_n);
    free(w->xx);
    free(w->tbeg);
    free(w->tcnt);
    free(w->twins);
    free(w->twords);
    free(w->list_b);
    free(w->list_g);
    if (w->plans)
        for (int t = 0; t < w->threads; t++) free(w->plans[t].mem);
    free(w->plans);
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
    w->cap = w->threads;
    w->alpha_lim = 1e6;
    size_t bh, be, tv, th;
    w->hpad = soso__per_thread_stride(H);
    w->vpad = soso__per_thread_stride(V);
    if (!soso__mul_size(B, H, &bh) || !soso__mul_size(B, E, &be) || !soso__mul_size((size_t)w->threads, w->vpad, &tv) ||
        !soso__mul_size((size_t)w->threads, w->hpad, &th) || be > UINT32_MAX)
        return soso__fail(SOSO_E_LIMIT, "mini-batch workspace too large");
    w->I = soso__alloc_array(bh, sizeof *w->I);
    w->ent_unit = soso__alloc_array(be, sizeof *w->ent_unit);
    w->ent_g = soso__alloc_array(be, sizeof *w->ent_g);
    w->ent_n = soso__calloc_array(B, sizeof *w->ent_n);
    w->xx = soso__alloc_array(H, sizeof *w->xx);
    w->tbeg = soso__alloc_array(th, sizeof *w->tbeg);
    w->tcnt = soso__alloc_array(th, sizeof *w->tcnt);
    w->twins = soso__alloc_array(th, sizeof *w->twins);
    w->twords = soso__alloc_array(th, sizeof *w->twords);
    w->list_b = soso__alloc_array(be, sizeof *w->list_b);
    w->list_g = soso__alloc_array(be, sizeof *w->list_g);
    w->plans = soso__calloc_array((size_t)w->threads, sizeof *w->plans);
    int plans_ok = w->plans != NULL;
    for (int t = 0; plans_ok && t < w->threads; t++) plans_ok = plan_init(w->plans + t, H, w->threads);
    w->rowmax = soso__alloc_array(H, sizeof *w->rowmax);
    w->cum = soso__alloc_array(2 * (B + 1), sizeof *w->cum);
    w->slice_words = soso__alloc_array((size_t)w->threads * SLICE_STRIDE, sizeof *w->slice_words);
    w->owner = soso__alloc_array(H, sizeof *w->owner);
    w->nclaims = H + (size_t)w->threads * SOSO__CLAIM_PAD;
    w->claims = soso__calloc_array(w->nclaims, sizeof *w->claims);
    w->claim_mark = 1;
    if (w->owner)
        for (size_t h = 0; h < H; h++) w->owner[h] = (uint32_t)(h % (size_t)w->threads);
    w->buf = soso__calloc_array(tv, sizeof *w->buf);
    if (!w->I || !w->ent_unit || !w->ent_g || !w->ent_n || !w->xx || !w->tbeg || !w->tcnt || !w->twins || !w->twords ||
        !w->list_b || !w->list_g || !plans_ok || !w->rowmax || !w->buf || !w->cum || !w->slice_words || !w->owner ||
        !w->claims) {
        soso__batch_free(w);
        return soso__fail(SOSO_E_NOMEM, "out of memory for a mini-batch of %zu documents and %zu units", B, H);
    }
    return SOSO_OK;
}

/* The first document of thread t's share (of nt) of the cost prefix cum[0..n]: where the
 * prefix reaches t/nt of the total (t = nt: n). Each share is a run of documents, fixed
 * by the batch and the team alone. */
static size_t share_start(const size_t *cum, size_t n, int t, int nt)
{
    if (t >= nt) return n;
    size_t target = (size_t)((double)cum[n] * t / nt), lo = 0, hi = n;
    while (lo < hi) { /* the first b with cum[b] >= target */
        size_t mid = (lo + hi) / 2;
        if (cum[mid] < target)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Documents [b0, b1) of a batch's cost prefix into cum: each one's words, counted from
 * b0, plus a fixed part (the gate) for each from the batch's first. Returns their words. */
static size_t prefix_part(const soso_docs *X, const uint32_t *rows, size_t b0, size_t b1, size_t *cum)
{
    size_t words = 0;
    for (size_t b = b0; b < b1; b++) {
        words += X->indptr[rows[b] + 1] - X->indptr[rows[b]];
        cum[b + 1] = words + (b + 1) * SOSO__DOC_COST;
    }
    return words;
}

/* The batch's cost prefix (w->cum), a document's words plus a fixed part (the gate):
 * threads take equal shares of it, not equal counts of documents of 1 to 30 words.
 * Returns the batch's words. */
static size_t cost_prefix(soso__batch *w, const soso_docs *X, const uint32_t *rows, size_t n)
{
    w->cum[0] = 0;
    return prefix_part(X, rows, 0, n, w->cum);
}

/* Thread t's slice (of nt) of a batch's n documents: [n t / nt, n (t + 1) / nt). */
static size_t slice_start(size_t n, int t, int nt) { return n * (size_t)t / (size_t)nt; }

/* Thread t's part (of nt) of the cost prefix of a batch run back to back (rows, n) into
 * cum, worked out in the scores' phase of the batch before: its slice's, counted from
 * the slice's start, and the slice's words into w->slice_words; slice_prefix_add then
 * adds the slices before it. (The first thread did the whole prefix after its update,
 * and the others waited for it.) */
static void slice_prefix(soso__batch *w, const soso_docs *X, const uint32_t *rows, size_t n, size_t *cum, int t, int nt)
{
    if (t == 0) cum[0] = 0;
    w->slice_words[(size_t)t * SLICE_STRIDE] = prefix_part(X, rows, slice_start(n, t, nt), slice_start(n, t + 1, nt), cum);
}

/* After a barrier past every thread's slice_prefix: thread t's slice gets the words of
 * the slices before it. Returns the batch's words. */
static size_t slice_prefix_add(const soso__batch *w, size_t n, size_t *cum, int t, int nt)
{
    size_t before = 0, all = 0;
    for (int s = 0; s < nt; s++) {
        before += s < t ? w->slice_words[(size_t)s * SLICE_STRIDE] : 0;
        all += w->slice_words[(size_t)s * SLICE_STRIDE];
    }
    for (size_t b = slice_start(n, t, nt); b < slice_start(n, t + 1, nt); b++) cum[b + 1] += before;
    return all;
}

/* Threads for the scores of a batch of nnz words: each word costs a scattered read of
 * its weights (~a cache miss) besides H multiply-adds. */
static int scores_team(const soso__batch *w, size_t nnz)
{
    return soso__team_size(w->cap, (double)nnz * ((double)w->H + 64.0));
}

/* W = alpha W^: scores scale by sign(alpha) |alpha|^(p-1), once per batch (into out). */
static void score_scales(const soso__batch *w, float p, double *out)
{
    if (w->alpha)
        for (size_t h = 0; h < w->H; h++)
            out[h] = p == 2.0f ? w->alpha[h] : copysign(pow(fabs(w->alpha[h]), (double)p - 1.0), w->alpha[h]);
}

/* Scores and gates of the batch's documents [b0, b1), one thread's share; sets
 * w->diverged when a score is not finite. */
static void score_share(soso__batch *w, const float *W, float p, const soso_docs *X, const uint32_t *rows, size_t n,
                        size_t b0, size_t b1, soso__gate_fn gate, const void *ctx, const double *ascale)
{
    int bad = 0, lazy = w->alpha != NULL;
    for (size_t b = b0; b < b1; b++) {
        size_t q0 = X->indptr[rows[b]], q1 = X->indptr[rows[b] + 1];
        float *out = w->I + b * w->H;
        /* Documents come shuffled, so each one's word list is a cache miss that the
         * weights' prefetch below waited on (3/4 of this loop's own samples): the
         * list is fetched two documents ahead, its offset three ahead. */
        if (b + 2 < n) {
            size_t q2 = X->indptr[rows[b + 2]];
            SOSO__PREFETCH(X->indices + q2);
            SOSO__PREFETCH(X->values + q2);
            if (b + 3 < n) SOSO__PREFETCH(X->indptr + rows[b + 3]);
        }
        if (lazy && b + 1 < n) /* the next document's weights, scattered over WT */
            for (size_t q = X->indptr[rows[b + 1]]; q < X->indptr[rows[b + 1] + 1]; q++) {
                const float *col = w->WT + (size_t)X->indices[q] * w->H;
                SOSO__PREFETCH(col);
                SOSO__PREFETCH(col + w->H - 1);
            }
        if (lazy)
            soso__scores_transposed(w->WT, w->H, p, q1 - q0, X->indices + q0, X->values + q0, ascale, out);
        else
            soso__unit_scores(W, w->H, w->V, p, q1 - q0, X->indices + q0, X->values + q0, out);
        /* Not finite: NaN fails the comparison, infinity exceeds FLT_MAX. An OR of
         * independent tests, where a sum of out[h] * 0 was a serial chain of H adds. */
        for (size_t h = 0; h < w->H; h++) bad |= !(fabsf(out[h]) <= FLT_MAX);
        if (gate) gate(w, b, ctx);
    }
    if (bad) {
#pragma omp atomic write
        w->diverged = 1;
    }
}

/* The scores and gates on a team of threads, once w->cum holds the cost prefix. */
static void scores_on(soso__batch *w, const float *W, float p, const soso_docs *X, const uint32_t *rows, size_t n,
                      soso__gate_fn gate, const void *ctx, int team)
{
    score_scales(w, p, w->ascale);
    unsigned long long mask = 0;
#pragma omp parallel num_threads(team) if (team > 1)
    {
        int tid = omp_get_thread_num(), nt = omp_get_num_threads();
#pragma omp atomic
        mask |= 1ull << (tid & 63);
        score_share(w, W, p, X, rows, n, share_start(w->cum, n, tid, nt), share_start(w->cum, n, tid + 1, nt), gate,
                    ctx, w->ascale);
    }
    w->team_mask = mask;
}

void soso__batch_scores(soso__batch *w, const float *W, float p, const soso_docs *X, const uint32_t *rows, size_t n,
                        soso__gate_fn gate, const void *ctx)
{
    size_t nnz = cost_prefix(w, X, rows, n);
    scores_on(w, W, p, X, rows, n, gate, ctx, scores_team(w, nnz));
}

/* Adds g * x_b for every (b, g) of unit h into buf (dense, V floats). */
static void scatter_unit(const soso__batch *w, const soso_docs *X, const uint32_t *rows, size_t h, float *buf)
{
    for (int t = 0; t < w->nshare; t++)
        for (uint32_t e, e1 = soso__share_entries(w, t, h, &e); e < e1; e++) {
            size_t r = rows[w->list_b[e]];
            float g = w->list_g[e];
            for (size_t q = X->indptr[r]; q < X->indptr[r + 1]; q++) buf[X->indices[q]] += g * X->values[q];
        }
}

static void clear_unit(const soso__batch *w, const soso_docs *X, const uint32_t *rows, size_t h, float *buf)
{
    for (int t = 0; t < w->nshare; t++)
        for (uint32_t e, e1 = soso__share_entries(w, t, h, &e); e < e1; e++) {
            size_t r = rows[w->list_b[e]];
            for (size_t q = X->indptr[r]; q < X->indptr[r + 1]; q++) buf[X->indices[q]] = 0.0f;
        }
}

/* xx_h = sum_b g_hb I_hb over unit h's entries in batch order: summed per unit where
 * the unit is worked on (in parallel), not in the serial grouping of the entries (the
 * same adds in the same order, so the same bits). */
double soso__unit_xx(const soso__batch *w, size_t h)
{
    double x = 0.0;
    for (int t = 0; t < w->nshare; t++)
        for (uint32_t e, e1 = soso__share_entries(w, t, h, &e); e < e1; e++)
            x += (double)w->list_g[e] * (double)w->I[(size_t)w->list_b[e] * w->H + h];
    return x;
}

/* The rule's normalised step: eps over the largest |update| of the touched rows. */
static float step_size(const soso__batch *w, size_t n_touched, float eps, float prec)
{
    float nc = prec;
    for (size_t t = 0; t < n_touched; t++) nc = w->rowmax[t] > nc ? w->rowmax[t] : nc;
    return eps / nc;
}

/* Groups the gate entries of documents [b0, b1), share t of the batch, by unit into
 * the share's own stretch of the lists, [E b0, E b1): no line is written by two
 * shares but at its ends. Counts each unit's entries and their documents' words, and
 * the documents with a word whose first entry it is (wins). */
static void group_share(soso__batch *w, const soso_docs *X, const uint32_t *rows, size_t b0, size_t b1, int t)
{
    const size_t H = w->H, E = w->E;
    uint32_t *cnt = w->tcnt + (size_t)t * w->hpad, *beg = w->tbeg + (size_t)t * w->hpad;
    size_t *words = w->twords + (size_t)t * w->hpad;
    uint32_t *won = w->twins + (size_t)t * w->hpad;
    memset(cnt, 0, H * sizeof *cnt);
    memset(words, 0, H * sizeof *words);
    memset(won, 0, H * sizeof *won);
    for (size_t b = b0; b < b1; b++) {
        size_t len = X->indptr[rows[b] + 1] - X->indptr[rows[b]];
        if (len > 0 && w->ent_n[b] > 0) won[w->ent_unit[b * E]]++;
        for (uint32_t e = 0; e < w->ent_n[b]; e++) {
            uint32_t h = w->ent_unit[b * E + e];
            cnt[h]++;
            words[h] += len;
        }
    }
    uint32_t at = (uint32_t)(E * b0);
    for (size_t h = 0; h < H; h++) {
        beg[h] = at;
        at += cnt[h];
    }
    for (size_t b = b0; b < b1; b++) /* beg advances as entries go in, then steps back */
        for (uint32_t e = 0; e < w->ent_n[b]; e++) {
            uint32_t h = w->ent_unit[b * E + e];
            w->list_b[beg[h]] = (uint32_t)b;
            w->list_g[beg[h]++] = w->ent_g[b * E + e];
        }
    for (size_t h = 0; h < H; h++) beg[h] -= cnt[h];
}

/* wins[h] += the documents of the grouping's nshare shares with a word whose first
 * entry is unit h. */
static void add_wins(const soso__batch *w, uint64_t *wins)
{
    for (int t = 0; t < w->nshare; t++)
        for (size_t h = 0; h < w->H; h++) wins[h] += w->twins[(size_t)t * w->hpad + h];
}

/* The touched units of the grouping (nshare shares) into pl: those with an entry, in
 * ascending order. Returns how many. */
static size_t plan_touched(const soso__batch *w, soso__plan *pl)
{
    size_t n = 0;
    for (size_t h = 0; h < w->H; h++) {
        uint32_t c = 0;
        for (int t = 0; t < w->nshare; t++) c += w->tcnt[(size_t)t * w->hpad + h];
        if (c) pl->touched[n++] = (uint32_t)h;
    }
    pl->n_touched = n;
    return n;
}

soso_status soso__batch_update(soso__batch *w, float *W, const soso_docs *X, const uint32_t *rows, size_t n, float eps,
                               int normalize, float prec, size_t *touched)
{
    const size_t V = w->V;
    /* Entries grouped by unit in one share (serial: at most E n entries). */
    w->nshare = 1;
    group_share(w, X, rows, 0, n, 0);
    soso__plan *pl = w->plans;
    size_t n_touched = plan_touched(w, pl);
    if (touched) *touched = n_touched;
    if (n_touched == 0) return SOSO_OK;
    if (w->alpha) return soso__lazy_update(w, W, X, rows, eps, normalize, prec);
    for (size_t t = 0; t < n_touched; t++) w->xx[pl->touched[t]] = soso__unit_xx(w, pl->touched[t]);
    int team = soso__team_size(w->cap, 2.0 * (double)n_touched * (double)V);
    float c = eps;
    unsigned long long mask = 0;
#pragma omp parallel num_threads(team) if (team > 1)
    {
        int tid = omp_get_thread_num();
        float *buf = w->buf + (size_t)tid * w->vpad;
#pragma omp atomic
        mask |= 1ull << (tid & 63);
        if (normalize) {
            /* max |ds| of each touched unit, ds_h = sum_b g_hb x_b - xx_h W_h, then one
             * normaliser for the whole matrix (a max is exact in any order). */
#pragma omp for schedule(static, 1)
            for (long t = 0; t < (long)n_touched; t++) {
                size_t h = pl->touched[t];
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
            c = step_size(w, n_touched, eps, prec);
        }
#pragma omp for schedule(static, 1)
        for (long t = 0; t < (long)n_touched; t++) {
            size_t h = pl->touched[t];
            float *wr = W + h * V;
            float xx = (float)w->xx[h];
            scatter_unit(w, X, rows, h, buf);
            for (size_t j = 0; j < V; j++) wr[j] += c * (buf[j] - xx * wr[j]);
            clear_unit(w, X, rows, h, buf);
        }
    }
    w->team_mask |= mask;
    return SOSO_OK;
}

/* Room in arena buf for the supports of a batch of n documents and nnz words: at most
 * the words of its entries, and at most V + 1 for each unit an entry can touch. */
static soso_status batch_arena(soso__batch *w, int buf, size_t nnz, size_t n)
{
    size_t bound, units = w->E * n < w->H ? w->E * n : w->H, most;
    if (!soso__mul_size(nnz, w->E, &bound)) bound = SIZE_MAX;
    if (soso__mul_size(units, w->V + 1, &most) && most < bound) bound = most;
    if (bound == SIZE_MAX) return soso__fail(SOSO_E_LIMIT, "mini-batch supports too large");
    return soso__reserve_arena(w, buf, bound);
}

/* The hooks' calls, where there are hooks. */
static void hook_next(const soso__batch_hooks *hk, size_t i, const uint32_t *rows, size_t n)
{
    if (hk && hk->next) hk->next(hk->user, i, rows, n);
}

static void hook_gated(const soso__batch_hooks *hk, size_t i, const uint32_t *rows, size_t n)
{
    if (hk && hk->gated) hk->gated(hk->user, i, rows, n);
}

static float hook_eps(const soso__batch_hooks *hk, float eps, size_t n)
{
    return hk && hk->eps ? hk->eps(hk->user, n) : eps;
}

soso_status soso__batch_steps(soso__batch *w, float *W, float p, const soso_docs *X, const uint32_t *rows, size_t k,
                              size_t B, size_t n_last, soso__gate_fn gate, const void *ctx, float eps, float prec,
                              uint64_t *wins, size_t *done, size_t *touched, const soso__batch_hooks *hooks)
{
    *done = 0;
    w->work = 0;
    if (k == 0) return SOSO_OK;
    int normalize = hooks ? hooks->normalize : 1;
    size_t n0 = k == 1 ? n_last : B, nnz = cost_prefix(w, X, rows, n0);
    int team = scores_team(w, nnz);
    if (!w->alpha || team == 1 || n0 == 0) { /* W plain, scores on one thread or no documents: the two steps */
        for (size_t i = 0; i < k; i++) {
            const uint32_t *r = rows + i * B;
            size_t n = i + 1 < k ? B : n_last;
            if (i > 0) team = scores_team(w, cost_prefix(w, X, r, n));
            hook_next(hooks, i, r, n);
            scores_on(w, W, p, X, r, n, gate, ctx, team);
            SOSO__CHECK(soso__batch_update(w, W, X, r, n, hook_eps(hooks, eps, n), normalize, prec, touched));
            hook_gated(hooks, i, r, n); /* after the update: a batch that failed changed nothing */
            if (wins) add_wins(w, wins);
            w->work += (double)w->cum[n];
            *done = i + 1;
            if (w->diverged) break;
        }
        return SOSO_OK;
    }
    SOSO__CHECK(batch_arena(w, 0, nnz, n0));
    /* Both arenas for every batch of the run now, where the documents' longest is known:
     * inside the region the first thread grows the next batch's after a batch is applied,
     * and a failure there stopped training between stop points (the row scales then
     * folded in early: a resumed run equal only to rounding). */
    size_t most;
    if (k > 1 && w->longest && soso__mul_size(B, w->longest, &most)) {
        SOSO__CHECK(batch_arena(w, 0, most, B));
        SOSO__CHECK(batch_arena(w, 1, most, B));
    }
    w->update_team = team;
    uint32_t mark = soso__phase_marks(w, k);
    unsigned long long mask = 0;
    soso_status s = SOSO_OK;
    size_t ran = 0;
    double work = 0;
    int stop = 0; /* set by the first thread: no next batch (scores not finite, or no arena) */
    /* One parallel region for all k batches, and for each batch: every thread scores,
     * gates and groups its share of the cost prefix; after one barrier every thread
     * works out the same update plan into its own copy (no second barrier, no line
     * written by two), and the update's phases follow. Each thread also works out
     * its slice of the next batch's cost prefix with its scores (slice_prefix). The
     * first, done with its part of the update, adds the shares' wins and reserves the
     * next batch's arena (the other one of two) while the others finish theirs; a
     * barrier, and the next batch starts. The plans read owner, which apply_unit
     * writes: safe because the normalised update has a barrier between them
     * (lazy_phases), and without the normaliser there is one after the plans. With
     * hooks, the first thread calls gated after the plans (the others start the update
     * and take from its units) and next for the following batch before the barrier
     * between them. */
    hook_next(hooks, 0, rows, n0);
#pragma omp parallel num_threads(team)
    {
        int tid = omp_get_thread_num(), nt = omp_get_num_threads();
        soso__plan *pl = w->plans + tid;
        double *ascale = w->ascale + (size_t)tid * w->hpad;
#pragma omp atomic
        mask |= 1ull << (tid & 63);
        for (size_t i = 0; i < k; i++) {
            const uint32_t *r = rows + i * B;
            size_t n = i + 1 < k ? B : n_last, nn = i + 1 >= k ? 0 : i + 2 < k ? B : n_last, nn_words = 0;
            size_t n2 = i + 2 >= k ? 0 : i + 3 < k ? B : n_last; /* the batch after the next */
            size_t *cum = w->cum + (i % 2) * (B + 1), *cum_next = w->cum + ((i + 1) % 2) * (B + 1);
            if (i > 0) {
                soso__barrier_wait(&w->bar);
                /* Every thread reads the same: the first thread set it before this
                 * barrier and sets it again only after the next one. (Not w->diverged
                 * itself: a thread through the barrier early may set it in the next
                 * batch's scores before a slower one reads it, and the team would
                 * split between barriers.) */
                if (stop) break;
            }
            uint32_t round = w->round;
            score_scales(w, p, ascale);
            size_t b0 = share_start(cum, n, tid, nt), b1 = share_start(cum, n, tid + 1, nt);
            score_share(w, W, p, X, r, n, b0, b1, gate, ctx, ascale);
            group_share(w, X, r, b0, b1, tid);
            if (tid == 0) w->nshare = nt;
            if (nn > 0) slice_prefix(w, X, r + B, nn, cum_next, tid, nt);
            for (size_t b = slice_start(n2, tid, nt); b < slice_start(n2, tid + 1, nt); b++)
                SOSO__PREFETCH(X->indptr + r[2 * B + b]); /* this thread's slice of it, next time */
            soso__barrier_wait(&w->bar);
            size_t n_touched = plan_touched(w, pl);
            if (n_touched > 0) soso__plan_update(w, pl, nt, (int)(i % 2));
            if (nn > 0) nn_words = slice_prefix_add(w, nn, cum_next, tid, nt);
            if (!normalize) soso__barrier_wait(&w->bar);
            if (tid == 0) hook_gated(hooks, i, r, n);
            if (n_touched > 0)
                soso__lazy_phases(w, pl, W, X, r, hook_eps(hooks, eps, n), normalize, prec, mark + 3 * (uint32_t)i,
                                  tid, nt);
            soso__lazy_next_round(w, round, tid, nt);
            if (tid == 0) {
                if (wins) add_wins(w, wins); /* the shares' counts stand until the next batch */
                ran = i + 1;
                work += (double)cum[n];
                stop = w->diverged; /* final for this batch since the barrier after the scores */
                if (nn > 0 && !stop) { /* the next batch's arena (its cost prefix is done) */
                    s = batch_arena(w, (int)((i + 1) % 2), nn_words, nn);
                    stop = s != SOSO_OK;
                    if (!stop) hook_next(hooks, i + 1, r + B, nn);
                }
            }
        }
    }
    w->team_mask = mask;
    w->work = work;
    *done = ran;
    if (k > 1) w->grouped += ran;
    if (touched) *touched = w->plans[0].n_touched;
    return s;
}

soso_status soso__batch_step(soso__batch *w, float *W, float p, const soso_docs *X, const uint32_t *rows, size_t n,
                             soso__gate_fn gate, const void *ctx, float eps, float prec, uint64_t *wins,
                             size_t *touched)
{
    size_t done;
    return soso__batch_steps(w, W, p, X, rows, 1, n, n, gate, ctx, eps, prec, wins, &done, touched, NULL);
}
