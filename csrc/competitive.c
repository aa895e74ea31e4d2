/* competitive.c - the mini-batch machinery that competitive learners share: sparse scores
 * of a batch against every unit, and the update W_h += c (sum_b g_hb x_b - xx_h W_h) with
 * xx_h = sum_b g_hb I_hb, applied only to units that some document gated. The Hebbian
 * rule (g = 1 / -delta, c normalised by max |ds|) and the soft gate (g = softmax, c = eta,
 * Oja's rule) are both this update with different gates. Every sum runs in a fixed order,
 * so results are bit-identical for any thread count. */
#include "soso_internal.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int soso__popcount64(unsigned long long x)
{
    int n = 0;
    for (; x; x &= x - 1) n++;
    return n;
}

#define LAZY_BLOCK SOSO__LAZY_BLOCK
/* A document's fixed cost in the scores, in words (its gate: ~60 ns, a few words' worth). */
#define SOSO__DOC_COST 4

/* A hint to load memory that will be read soon (nothing where the compiler has none). */
#if defined(__GNUC__) || defined(__clang__)
#define SOSO__PREFETCH(p) __builtin_prefetch(p)
#else
#define SOSO__PREFETCH(p) ((void)(p))
#endif

int soso__lazy_disabled; /* tests compare the lazy update with the dense one */

/* Maxima of |w| as integers: the bits of a non-negative float order like its value, and
 * an integer max vectorises where fmaxf (which must skip NaN) does not. Same results. */
static inline int32_t abs_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    u &= 0x7fffffffu;
    return u > 0x7f800000u ? 0 : (int32_t)u; /* NaN counts as 0, as fmaxf skips it */
}

static inline float bits_float(int32_t b)
{
    float x;
    uint32_t u = (uint32_t)b;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* max |row_j| over j in [j0, j1). */
static float block_absmax(const float *row, size_t j0, size_t j1)
{
    int32_t m = 0;
    for (size_t j = j0; j < j1; j++) {
        int32_t b = abs_bits(row[j]);
        m = b > m ? b : m;
    }
    return bits_float(m);
}

/* The same without the words stamped with `mark`; *all gets the maximum with them. */
static float block_absmax_unstamped(const float *row, const uint32_t *stamp, uint32_t mark, size_t j0, size_t j1,
                                    float *all)
{
    int32_t m = 0, a = 0;
    for (size_t j = j0; j < j1; j++) {
        int32_t b = abs_bits(row[j]); /* loaded either way: a select, no branch */
        a = b > a ? b : a;
        b = stamp[j] != mark ? b : 0;
        m = b > m ? b : m;
    }
    *all = bits_float(a);
    return bits_float(m);
}

/* The largest stored maximum of the blocks neither flagged nor stale (exact maxima
 * that no support word holds), branch-free over every block (it vectorises). */
static float max_settled(const soso__batch *w, const float *bmax, const unsigned char *stale, const unsigned char *blk)
{
    int32_t m = 0;
    for (size_t k = 0; k < w->nblk; k++) {
        int32_t b = abs_bits(bmax[k]);
        b = blk[k] | stale[k] ? 0 : b;
        m = b > m ? b : m;
    }
    return bits_float(m);
}

/* Block k's words: [k LAZY_BLOCK, min(V, (k + 1) LAZY_BLOCK)). */
static size_t block_end(size_t k, size_t V) { return (k + 1) * LAZY_BLOCK < V ? (k + 1) * LAZY_BLOCK : V; }

/* Unit h's row of W^ into column h of the transposed copy. */
static void copy_column(soso__batch *w, const float *W, size_t h)
{
    const size_t H = w->H, V = w->V;
    const float *row = W + h * V;
    for (size_t j = 0; j < V; j++) w->WT[j * H + h] = row[j];
}

/* The stride of a per-thread scratch array of n elements (of up to 4 bytes): n rounded
 * up to 32 and 32 more, so that the used parts of two threads' stretches are at least
 * 128 bytes apart however the array is aligned. Threads flag blocks, mark words and
 * scatter sums in their own stretch for every support word; where two shared a line
 * the update ran a third slower per word on 2 threads than on 1. */
static size_t per_thread_stride(size_t n)
{
    return ((n + 31) & ~(size_t)31) + 32;
}

/* Frees the lazy-scaling workspace (the pointers NULL again: W is plain). */
static void lazy_free(soso__batch *w)
{
    void **p[] = {(void **)&w->alpha, (void **)&w->ascale, (void **)&w->bmax, (void **)&w->omax, (void **)&w->us,
                  (void **)&w->fold, (void **)&w->bscr, (void **)&w->stamp, (void **)&w->blk, (void **)&w->bfl,
                  (void **)&w->bstale, (void **)&w->WT};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) {
        free(*p[i]);
        *p[i] = NULL;
    }
}

soso_status soso__batch_lazy(soso__batch *w, const float *W)
{
    if (soso__lazy_disabled) return SOSO_OK;
    size_t H = w->H, V = w->V, nb = (V + LAZY_BLOCK - 1) / LAZY_BLOCK, tv, tb;
    w->nblk = nb;
    w->bpad = per_thread_stride(nb + 1);
    if (!soso__mul_size((size_t)w->threads, w->vpad, &tv) || !soso__mul_size((size_t)w->threads, w->bpad, &tb))
        return soso__fail(SOSO_E_LIMIT, "workspace too large");
    if (w->alpha) goto reset; /* already lazy: recompute the maxima of a changed W */
    w->alpha = soso__alloc_array(H, sizeof *w->alpha);
    w->ascale = soso__alloc_array(H, sizeof *w->ascale);
    w->bmax = soso__alloc_array(H * nb, sizeof *w->bmax);
    w->omax = soso__alloc_array(H * nb, sizeof *w->omax);
    w->bstale = soso__alloc_array(H * nb, 1);
    w->us = soso__calloc_array(H, sizeof *w->us);
    w->fold = soso__alloc_array(H, 8 * sizeof *w->fold);
    w->bscr = soso__calloc_array(tb, sizeof *w->bscr); /* read before set */
    w->stamp = soso__calloc_array(tv, sizeof *w->stamp);
    w->blk = soso__calloc_array(tb, 1);
    w->bfl = soso__alloc_array(tb, sizeof *w->bfl); /* nb + 1 a thread: apply_unit's store */
    w->WT = soso__alloc_array(H * V, sizeof *w->WT);
    if (!w->alpha || !w->ascale || !w->bmax || !w->omax || !w->us || !w->fold || !w->bscr || !w->stamp || !w->blk ||
        !w->bfl || !w->bstale || !w->WT) {
        lazy_free(w); /* plain again: a later call starts over */
        return soso__fail(SOSO_E_NOMEM, "out of memory for lazy scaling");
    }
reset:
    memset(w->bstale, 0, H * nb);
    for (size_t h = 0; h < H; h++) {
        copy_column(w, W, h);
        w->alpha[h] = 1.0;
        for (size_t k = 0; k < nb; k++) w->bmax[h * nb + k] = block_absmax(W + h * V, k * LAZY_BLOCK, block_end(k, V));
        w->us[h].rmax = block_absmax(w->bmax + h * nb, 0, nb);
    }
    return SOSO_OK;
}

/* Row h of W^ and its stored maxima times s (folding a row scale into it). */
static void scale_row(soso__batch *w, float *W, size_t h, float s)
{
    float *r = W + h * w->V, *bmax = w->bmax + h * w->nblk;
    for (size_t j = 0; j < w->V; j++) r[j] *= s;
    for (size_t k = 0; k < w->nblk; k++) bmax[k] *= fabsf(s);
    w->us[h].rmax *= fabsf(s);
}

void soso__batch_fold(soso__batch *w, float *W)
{
    if (!w->alpha) return;
    const size_t H = w->H, V = w->V;
    /* The row scales repeated 8 times: WT's 8 words at a time are then one plain
     * vector loop against it (x 1 is exact for the rows left alone). */
    float *pat = w->fold;
    int any = 0;
    for (size_t h = 0; h < H; h++) {
        any |= w->alpha[h] != 1.0;
        for (size_t r = 0; r < 8; r++) pat[r * H + h] = (float)w->alpha[h];
    }
    if (!any) return;
    size_t chunks = (V + 7) / 8;
    int team = soso__team_size(w->cap, 2.0 * (double)H * (double)V);
#pragma omp parallel num_threads(team) if (team > 1)
    {
#pragma omp for schedule(static) nowait
        for (long h = 0; h < (long)H; h++) {
            if (w->alpha[h] == 1.0) continue;
            scale_row(w, W, (size_t)h, pat[h]);
        }
#pragma omp for schedule(static)
        for (long c = 0; c < (long)chunks; c++) {
            float *x = w->WT + (size_t)c * 8 * H;
            size_t n = (size_t)c + 1 < chunks ? 8 * H : (V - (size_t)c * 8) * H;
            for (size_t i = 0; i < n; i++) x[i] *= pat[i];
        }
    }
    for (size_t h = 0; h < H; h++) w->alpha[h] = 1.0;
}

/* Carves plan pl's arrays out of one block whose used part starts and ends on a
 * 128-byte boundary, so that threads writing their own copies share no line. */
static int plan_init(soso__plan *pl, size_t H, int threads)
{
    size_t T = (size_t)threads, nh = H ? H : 1;
    size_t sizes[] = {nh * sizeof(uint32_t), nh * sizeof(size_t), nh * sizeof(uint32_t), nh * sizeof(struct soso__job),
                      nh * sizeof(uint32_t), (T + 1) * sizeof(size_t), T * sizeof(size_t)};
    size_t total = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) total += (sizes[i] + 127) & ~(size_t)127;
    pl->mem = malloc(total + 128);
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
    lazy_free(w);
    free(w->arena_j);
    free(w->arena_s);
    free(w->cum);
    free(w->owner);
    free(w->claims);
    free(w->I);
    free(w->ent_unit);
    free(w->ent_g);
    free(w->ent_n);
    free(w->xx);
    free(w->tbeg);
    free(w->tcnt);
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
    w->hpad = per_thread_stride(H);
    w->vpad = per_thread_stride(V);
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
    w->twords = soso__alloc_array(th, sizeof *w->twords);
    w->list_b = soso__alloc_array(be, sizeof *w->list_b);
    w->list_g = soso__alloc_array(be, sizeof *w->list_g);
    w->plans = soso__calloc_array((size_t)w->threads, sizeof *w->plans);
    int plans_ok = w->plans != NULL;
    for (int t = 0; plans_ok && t < w->threads; t++) plans_ok = plan_init(w->plans + t, H, w->threads);
    w->rowmax = soso__alloc_array(H, sizeof *w->rowmax);
    w->cum = soso__alloc_array(B + 1, sizeof *w->cum);
    w->owner = soso__alloc_array(H, sizeof *w->owner);
    w->nclaims = H + (size_t)w->threads * SOSO__CLAIM_PAD;
    w->claims = soso__calloc_array(w->nclaims, sizeof *w->claims);
    w->claim_mark = 1;
    if (w->owner)
        for (size_t h = 0; h < H; h++) w->owner[h] = (uint32_t)(h % (size_t)w->threads);
    w->buf = soso__calloc_array(tv, sizeof *w->buf);
    if (!w->I || !w->ent_unit || !w->ent_g || !w->ent_n || !w->xx || !w->tbeg || !w->tcnt || !w->twords ||
        !w->list_b || !w->list_g || !plans_ok || !w->rowmax || !w->buf || !w->cum || !w->owner || !w->claims) {
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

/* The batch's cost prefix (w->cum), a document's words plus a fixed part (the gate):
 * threads take equal shares of it, not equal counts of documents of 1 to 30 words.
 * Returns the batch's words. */
static size_t cost_prefix(soso__batch *w, const soso_docs *X, const uint32_t *rows, size_t n)
{
    size_t *cum = w->cum, nnz = 0;
    cum[0] = 0;
    for (size_t b = 0; b < n; b++) {
        nnz += X->indptr[rows[b] + 1] - X->indptr[rows[b]];
        cum[b + 1] = nnz + (b + 1) * SOSO__DOC_COST;
    }
    return nnz;
}

/* Threads for the scores of a batch of nnz words: each word costs a scattered read of
 * its weights (~a cache miss) besides H multiply-adds. */
static int scores_team(const soso__batch *w, size_t nnz)
{
    return soso__team_size(w->cap, (double)nnz * ((double)w->H + 64.0));
}

/* W = alpha W^: scores scale by sign(alpha) |alpha|^(p-1), once per batch. */
static void score_scales(soso__batch *w, float p)
{
    if (w->alpha)
        for (size_t h = 0; h < w->H; h++)
            w->ascale[h] = p == 2.0f ? w->alpha[h] : copysign(pow(fabs(w->alpha[h]), (double)p - 1.0), w->alpha[h]);
}

/* Scores and gates of the batch's documents [b0, b1), one thread's share; sets
 * w->diverged when a score is not finite. */
static void score_share(soso__batch *w, const float *W, float p, const soso_docs *X, const uint32_t *rows, size_t n,
                        size_t b0, size_t b1, soso__gate_fn gate, const void *ctx)
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
            soso__scores_transposed(w->WT, w->H, p, q1 - q0, X->indices + q0, X->values + q0, w->ascale, out);
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
    score_scales(w, p);
    unsigned long long mask = 0;
#pragma omp parallel num_threads(team) if (team > 1)
    {
        int tid = omp_get_thread_num(), nt = omp_get_num_threads();
#pragma omp atomic
        mask |= 1ull << (tid & 63);
        score_share(w, W, p, X, rows, n, share_start(w->cum, n, tid, nt), share_start(w->cum, n, tid + 1, nt), gate,
                    ctx);
    }
    w->team_mask = mask;
}

void soso__batch_scores(soso__batch *w, const float *W, float p, const soso_docs *X, const uint32_t *rows, size_t n,
                        soso__gate_fn gate, const void *ctx)
{
    size_t nnz = cost_prefix(w, X, rows, n);
    scores_on(w, W, p, X, rows, n, gate, ctx, scores_team(w, nnz));
}

/* Unit h's entries in share t of the grouping: list positions [*e0, return). The
 * loops over a unit's entries run over the shares in turn: batch order. */
static uint32_t share_entries(const soso__batch *w, int t, size_t h, uint32_t *e0)
{
    size_t i = (size_t)t * w->hpad + h;
    *e0 = w->tbeg[i];
    return w->tbeg[i] + w->tcnt[i];
}

/* Adds g * x_b for every (b, g) of unit h into buf (dense, V floats). */
static void scatter_unit(const soso__batch *w, const soso_docs *X, const uint32_t *rows, size_t h, float *buf)
{
    for (int t = 0; t < w->nshare; t++)
        for (uint32_t e, e1 = share_entries(w, t, h, &e); e < e1; e++) {
            size_t r = rows[w->list_b[e]];
            float g = w->list_g[e];
            for (size_t q = X->indptr[r]; q < X->indptr[r + 1]; q++) buf[X->indices[q]] += g * X->values[q];
        }
}

static void clear_unit(const soso__batch *w, const soso_docs *X, const uint32_t *rows, size_t h, float *buf)
{
    for (int t = 0; t < w->nshare; t++)
        for (uint32_t e, e1 = share_entries(w, t, h, &e); e < e1; e++) {
            size_t r = rows[w->list_b[e]];
            for (size_t q = X->indptr[r]; q < X->indptr[r + 1]; q++) buf[X->indices[q]] = 0.0f;
        }
}

/* xx_h = sum_b g_hb I_hb over unit h's entries in batch order: summed per unit where
 * the unit is worked on (in parallel), not in the serial grouping of the entries (the
 * same adds in the same order, so the same bits). */
static double unit_xx(const soso__batch *w, size_t h)
{
    double x = 0.0;
    for (int t = 0; t < w->nshare; t++)
        for (uint32_t e, e1 = share_entries(w, t, h, &e); e < e1; e++)
            x += (double)w->list_g[e] * (double)w->I[(size_t)w->list_b[e] * w->H + h];
    return x;
}

/* Scatters g x_b of unit h into buf (dense, zero outside the support) and lists the
 * support's words once each (stamp marks them with `mark`). Returns the support size;
 * supp has room for one word more than that (plan_update). */
static size_t scatter_support(const soso__batch *w, const soso_docs *X, const uint32_t *rows, size_t h, const float *row,
                              float *buf, uint32_t *stamp, uint32_t mark, uint32_t *supp)
{
    size_t ns = 0;
    for (int t = 0; t < w->nshare; t++)
        for (uint32_t e, e1 = share_entries(w, t, h, &e); e < e1; e++) {
            size_t r = rows[w->list_b[e]];
            float g = w->list_g[e];
            for (size_t q = X->indptr[r]; q < X->indptr[r + 1]; q++) {
                uint32_t j = X->indices[q];
                /* Without a branch: a word is new to the support or not at random. */
                supp[ns] = j;
                ns += stamp[j] != mark;
                stamp[j] = mark;
                SOSO__PREFETCH(row + j); /* read soon, scattered over W */
                buf[j] += g * X->values[q];
            }
        }
    return ns;
}

/* Flags 1 in blk the blocks whose stored maximum a support word may hold (|W^_hj| >=
 * the block's maximum): only those can lose their maximum when the support changes.
 * Lists them once each in fl; returns how many. */
static size_t flag_held_blocks(const float *row, const float *bmax, const uint32_t *supp, size_t ns, unsigned char *blk,
                               uint32_t *fl)
{
    size_t nf = 0;
    for (size_t a = 0; a < ns; a++) {
        uint32_t k = supp[a] / LAZY_BLOCK;
        if (fabsf(row[supp[a]]) >= bmax[k] && !blk[k]) {
            blk[k] = 1;
            fl[nf++] = k;
        }
    }
    return nf;
}

/* The rule's normalised step: eps over the largest |update| of the touched rows. */
static float step_size(const soso__batch *w, size_t n_touched, float eps, float prec)
{
    float nc = prec;
    for (size_t t = 0; t < n_touched; t++) nc = w->rowmax[t] > nc ? w->rowmax[t] : nc;
    return eps / nc;
}

/* The same from the lazy update's bounds: a unit's exact value where its bound passed
 * `lower` (the largest lower bound), else its lower bound msup. */
static float lazy_step(const soso__batch *w, const soso__plan *pl, float lower, float eps, float prec)
{
    float nc = prec;
    for (size_t t = 0; t < pl->n_touched; t++) {
        const soso__unit_step *u = w->us + pl->touched[t];
        float v = u->upper > lower ? u->exact : (float)u->msup;
        nc = v > nc ? v : nc;
    }
    return eps / nc;
}

/* Larger work first, then lower position: a strict order (positions differ). */
static int job_before(const struct soso__job *a, const struct soso__job *b)
{
    return a->work != b->work ? a->work > b->work : a->t < b->t;
}

static int job_cmp(const void *x, const void *y)
{
    return job_before(x, y) ? -1 : job_before(y, x) ? 1 : 0;
}

/* Touched position t's work: its stretch of the arena (plan_update). */
static size_t unit_work(const soso__plan *pl, size_t t)
{
    size_t end = t + 1 < pl->n_touched ? pl->aoff[pl->touched[t + 1]] : pl->atotal;
    return end - pl->aoff[pl->touched[t]];
}

/* The touched units' positions, largest update first (the words of a unit's documents,
 * as plan_update counted them), so that the last ones handed out are small. Units
 * are updated independently, so any order gives the same weights. */
static void order_by_work(soso__plan *pl, int team)
{
    const size_t n_touched = pl->n_touched;
    if (team == 1) {
        for (size_t t = 0; t < n_touched; t++) pl->order[t] = (uint32_t)t;
        return;
    }
    if (n_touched > 64) { /* many units (the soft gate touches up to k a document) */
        for (size_t t = 0; t < n_touched; t++) {
            pl->jobs[t].work = (double)unit_work(pl, t);
            pl->jobs[t].t = (uint32_t)t;
        }
        qsort(pl->jobs, n_touched, sizeof *pl->jobs, job_cmp);
        for (size_t t = 0; t < n_touched; t++) pl->order[t] = pl->jobs[t].t;
        return;
    }
    /* Up to 64 (the usual ~26): each position's rank counted against all the others,
     * n^2 compares of distinct 32-bit keys (work, clamped, then the lower position) that
     * vectorise, where an insertion sort mispredicted (0.35 us a batch of 26 units). A
     * clamped work only changes the order of huge units, and any order is correct. */
    int32_t key[64];
    for (size_t t = 0; t < n_touched; t++) {
        size_t wk = unit_work(pl, t);
        key[t] = (int32_t)(wk < ((size_t)1 << 24) ? wk : (size_t)1 << 24) * 64 + (int32_t)(63 - t);
    }
    for (size_t i = 0; i < n_touched; i++) {
        int32_t r = 0;
        for (size_t j = 0; j < n_touched; j++) r += key[j] > key[i];
        pl->order[r] = (uint32_t)i;
    }
}

/* The touched units in one group per thread, each the units that thread applied last
 * (largest first): a unit's row, block maxima and state then mostly stay in one core's
 * cache from batch to batch, and each thread takes its own group's units without
 * touching a counter the other threads share. A thread done with its group takes the
 * others' from their small end. Units never applied start with thread h mod team. */
static void group_by_owner(const soso__batch *w, soso__plan *pl, int team)
{
    size_t *start = pl->gstart;
    for (int t = 0; t <= team; t++) start[t] = 0;
    for (size_t q = 0; q < pl->n_touched; q++) start[w->owner[pl->touched[pl->order[q]]] % team + 1]++;
    for (int t = 0; t < team; t++) start[t + 1] += start[t];
    for (int t = 0; t < team; t++) pl->gfill[t] = start[t];
    for (size_t q = 0; q < pl->n_touched; q++) {
        uint32_t h = pl->touched[pl->order[q]];
        pl->group[pl->gfill[w->owner[h] % team]++] = h;
    }
}

/* A thread's place in one phase's hand-out: its own group front to back, then the
 * others' back to front. */
typedef struct {
    const soso__plan *pl; /* the groups (the calling thread's copy)            */
    int tid, team, g;     /* the group being taken from                         */
    size_t next, stop;    /* its next position (front) or one past it (back), and its end */
} handout;

static handout handout_start(const soso__plan *pl, int tid, int team)
{
    handout o = {pl, tid, team, tid, pl->gstart[tid], pl->gstart[tid + 1]};
    return o;
}

/* Claims position i of group g for this phase (mark): 1 if no thread had. A position
 * already taken is only read, so a thread passing over another's group does not pull
 * that group's line away from it. */
static int claim(soso__batch *w, int g, size_t i, uint32_t mark)
{
    uint32_t old, *flag = w->claims + i + (size_t)g * SOSO__CLAIM_PAD;
#pragma omp atomic read
    old = *flag;
    if (old == mark) return 0;
#pragma omp atomic capture
    {
        old = *flag;
        *flag = mark;
    }
    return old != mark;
}

/* The next unit this thread takes in this phase, or -1 when every unit is taken. */
static long take(soso__batch *w, handout *o, uint32_t mark)
{
    for (;;) {
        if (o->g == o->tid && o->next < o->stop) {
            size_t i = o->next++;
            if (claim(w, o->g, i, mark)) return (long)o->pl->group[i];
            continue;
        }
        if (o->g != o->tid && o->stop > o->pl->gstart[o->g]) {
            size_t i = --o->stop;
            if (claim(w, o->g, i, mark)) return (long)o->pl->group[i];
            continue;
        }
        o->g = (o->g + 1) % o->team; /* the next group, from its back */
        if (o->g == o->tid) return -1;
        o->stop = o->pl->gstart[o->g + 1];
    }
}

/* Phase 1 of unit h's lazy update: its support and sums s_j = sum_b g_hb x_bj into the
 * unit's stretch of the arena and, when normalize, bounds on max_j |ds_hj| for the
 * normaliser, ds_h = s_h - xx_h W_h: the support's part (msup, a lower bound) and
 * that or |xx_h| max |W_h| (upper). The maximum outside the support costs rescans
 * of the blocks whose maximum a support word may hold, needed only for a unit whose
 * bound could hold the batch's maximum (exact_unit). buf and stamp are the calling
 * thread's. */
static void gather_unit(soso__batch *w, const soso__plan *pl, const float *W, const soso_docs *X, const uint32_t *rows,
                        size_t h, int normalize, float *buf, uint32_t *stamp)
{
    w->xx[h] = unit_xx(w, h);
    const float *row = W + h * w->V;
    float *as = w->arena_s + pl->aoff[h];
    uint32_t *aj = w->arena_j + pl->aoff[h];
    size_t ns = scatter_support(w, X, rows, h, row, buf, stamp, (uint32_t)(h + 1) ^ w->round, aj);
    w->us[h].asize = (uint32_t)ns;
    w->us[h].omax_ok = 0;
    if (!normalize) {
        for (size_t i = 0; i < ns; i++) {
            as[i] = buf[aj[i]];
            buf[aj[i]] = 0.0f;
        }
        return;
    }
    double xa = w->xx[h] * w->alpha[h], m = 0;
    for (size_t i = 0; i < ns; i++) {
        uint32_t j = aj[i];
        as[i] = buf[j];
        double d = fabs((double)buf[j] - xa * row[j]);
        m = d > m ? d : m; /* fmax without its call (a NaN d is skipped all the same) */
        buf[j] = 0.0f;
    }
    w->us[h].msup = m;
    w->us[h].upper = (float)fmax(m, fabs(xa) * (double)w->us[h].rmax);
}

/* The exact max |ds_hj| of unit h. Outside the support it is |xa| times the largest
 * |W^_hj| there: settled blocks give theirs from bmax; the flagged ones (a support word
 * may hold their maximum) and the stale ones (bmax only a bound) are candidates,
 * rescanned largest bound first until the rest cannot reach what is found. A candidate
 * skipped has |xa| max <= |xa| bmax <= the result, so the result is the one a rescan
 * of every block gives. A rescan keeps the maximum without the support in omax for
 * apply_unit (-1 where not rescanned: unknown) and makes a stale block's bmax exact
 * again. A rescan reads 64 weights and their marks from memory: at 26 units most
 * candidates are skipped. stamp, bl and fl are the calling thread's. */
static float exact_unit(soso__batch *w, const soso__plan *pl, const float *W, size_t h, uint32_t *stamp,
                        unsigned char *bl, uint32_t *fl)
{
    const size_t V = w->V, nb = w->nblk, ns = w->us[h].asize;
    const float *row = W + h * V;
    float *bmax = w->bmax + h * nb, *omax = w->omax + h * nb;
    unsigned char *stale = w->bstale + h * nb;
    const uint32_t *aj = w->arena_j + pl->aoff[h];
    uint32_t mark = (uint32_t)(h + 1 + 0x08000000u) ^ w->round; /* unlike gather_unit's marks */
    for (size_t i = 0; i < ns; i++) stamp[aj[i]] = mark;
    size_t nf = flag_held_blocks(row, bmax, aj, ns, bl, fl), nc = nf;
    float mf = max_settled(w, bmax, stale, bl);
    double xa = fabs(w->xx[h] * w->alpha[h]), best = fmax(w->us[h].msup, xa * (double)mf);
    /* The stale blocks whose bound can matter: few, and which ones is random (about a
     * third of a row's blocks are stale), so runs of 64 blocks are tested first without
     * a branch. thr is best / xa less 1e-6 of it, in double, then one float step
     * lower, so the cast's rounding cannot lift it over a bound that matters (a margin
     * in float alone vanished among subnormals, where the step is coarser: a review
     * found a stale block skipped there; a second one proved this form and checked it
     * on 745M cases): a few more candidates than needed, which the loop below passes
     * over. */
    float thr = nextafterf((float)(best / xa * (1.0 - 1e-6)), 0.0f);
    for (size_t k0 = 0; k0 < nb; k0 += LAZY_BLOCK) {
        size_t k1 = k0 + LAZY_BLOCK < nb ? k0 + LAZY_BLOCK : nb;
        int any = 0;
        for (size_t k = k0; k < k1; k++) any |= stale[k] & (bmax[k] > thr);
        for (size_t k = k0; any && k < k1; k++) {
            fl[nc] = (uint32_t)k;
            nc += stale[k] & !bl[k] & (bmax[k] > thr);
        }
    }
    for (size_t i = 0; i < nf; i++) bl[fl[i]] = 0;
    int refreshed = 0;
    for (size_t i = 0; i < nc; i++) omax[fl[i]] = -1.0f;
    while (nc > 0) { /* the candidate of the largest bound, while it can matter */
        size_t top = 0;
        for (size_t i = 1; i < nc; i++) top = bmax[fl[i]] > bmax[fl[top]] ? i : top;
        uint32_t k = fl[top];
        if (xa * (double)bmax[k] <= best) break;
        fl[top] = fl[--nc];
        float all;
        omax[k] = block_absmax_unstamped(row, stamp, mark, k * LAZY_BLOCK, block_end(k, V), &all);
        refreshed |= stale[k];
        bmax[k] = all;
        stale[k] = 0;
        mf = soso__max_with(mf, omax[k]);
        best = fmax(w->us[h].msup, xa * (double)mf);
    }
    if (refreshed) w->us[h].rmax = block_absmax(bmax, 0, nb); /* a bound came down */
    w->us[h].omax_ok = 1;
    return (float)best;
}

/* Phase 2: unit h's row with step c, from what gather_unit left (bl, scr and fl are
 * the calling thread's). A block whose maximum a support word held gets the larger of its
 * maximum without the support (omax, where exact_unit found it) and the support's new
 * values; without omax the new values settle it when one reaches the old maximum (the
 * others are at most that), else the old maximum stays as a bound and the block is
 * stale until exact_unit needs it (a rescan here, 64 weights read from memory for about
 * three blocks a unit, was a sixth of an epoch at 26 units). The unit is now tid's. */
static void apply_unit(soso__batch *w, const soso__plan *pl, float *W, size_t h, float c, unsigned char *bl, float *scr,
                       uint32_t *fl, int tid)
{
    if (w->owner[h] != (uint32_t)tid) w->owner[h] = (uint32_t)tid; /* rarely: the line stays clean */
    const size_t V = w->V, nb = w->nblk, ns = w->us[h].asize;
    const uint32_t *aj = w->arena_j + pl->aoff[h];
    const float *as = w->arena_s + pl->aoff[h], *omax = w->omax + h * nb;
    float *row = W + h * V, *bmax = w->bmax + h * nb;
    unsigned char *stale = w->bstale + h * nb;
    double a = w->alpha[h] * (1.0 - (double)c * w->xx[h]);
    float rm = w->us[h].rmax; /* the row's maximum, unless one that held it shrank */
    int shrunk = 0;
    if (fabs(a) < 1e-30) { /* the old row vanishes: W_h = c s_h exactly */
        shrunk = 1;
        memset(row, 0, V * sizeof *row);
        for (size_t j = 0; j < V; j++) w->WT[j * w->H + h] = 0.0f;
        for (size_t k = 0; k < nb; k++) bmax[k] = 0;
        memset(stale, 0, nb);
        a = 1.0;
        for (size_t i = 0; i < ns; i++) row[aj[i]] = c * as[i];
    } else {
        double f = (double)c / a;
        for (size_t i = 0; i < ns; i++) { /* flags from the old values (each word once) */
            uint32_t j = aj[i];
            float r = row[j];
            bl[j / LAZY_BLOCK] |= fabsf(r) >= bmax[j / LAZY_BLOCK];
            row[j] = r + (float)(f * as[i]);
        }
    }
    w->alpha[h] = a;
    /* Unflagged blocks keep their old maximum outside the support: it grows to the new
     * values. Flagged ones (1: first visit, then 2) collect the new values in scr.
     * Written as selects, since which blocks are flagged is unpredictable (cachegrind:
     * a quarter fewer mispredictions in this function); scr is scratch, and what an
     * unflagged block leaves there is never read. */
    size_t nf = 0; /* flagged blocks, each listed at its first visit (fl) */
    for (size_t i = 0; i < ns; i++) {
        uint32_t j = aj[i];
        uint32_t k = j / LAZY_BLOCK;
        float v = row[j], av = fabsf(v);
        w->WT[(size_t)j * w->H + h] = v;
        unsigned char flag = bl[k];
        scr[k] = soso__max_with(flag == 1 ? 0.0f : scr[k], av);
        bl[k] = flag ? 2 : 0;
        fl[nf] = k; /* kept only at a first visit; at most nb are, so fl[nb] is the last store */
        nf += flag == 1;
        float grown = soso__max_with(bmax[k], av);
        bmax[k] = flag ? bmax[k] : grown;
        rm = flag ? rm : soso__max_with(rm, grown);
    }
    for (size_t i = 0; i < nf; i++) { /* only these blocks' flags are set (2) */
        uint32_t k = fl[i];
        float old = bmax[k];
        int known = w->us[h].omax_ok && omax[k] >= 0.0f;
        bmax[k] = known ? soso__max_with(omax[k], scr[k]) : soso__max_with(old, scr[k]);
        stale[k] = !known && scr[k] < old;
        shrunk |= old >= w->us[h].rmax && bmax[k] < old;
        rm = soso__max_with(rm, bmax[k]);
        bl[k] = 0;
    }
    w->us[h].rmax = shrunk ? block_absmax(bmax, 0, nb) : rm;
    /* keep alpha in a safe range: fold it into the row when it drifts far */
    if (fabs(w->alpha[h]) > w->alpha_lim || fabs(w->alpha[h]) < 1.0 / w->alpha_lim) {
        scale_row(w, W, h, (float)w->alpha[h]);
        copy_column(w, W, h);
        w->alpha[h] = 1.0;
    }
}

/* Groups the gate entries of documents [b0, b1), share t of the batch, by unit into
 * the share's own stretch of the lists, [E b0, E b1): no line is written by two
 * shares but at its ends. Counts each unit's entries and their documents' words. */
static void group_share(soso__batch *w, const soso_docs *X, const uint32_t *rows, size_t b0, size_t b1, int t)
{
    const size_t H = w->H, E = w->E;
    uint32_t *cnt = w->tcnt + (size_t)t * w->hpad, *beg = w->tbeg + (size_t)t * w->hpad;
    size_t *words = w->twords + (size_t)t * w->hpad;
    memset(cnt, 0, H * sizeof *cnt);
    memset(words, 0, H * sizeof *words);
    for (size_t b = b0; b < b1; b++) {
        size_t len = X->indptr[rows[b] + 1] - X->indptr[rows[b]];
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

/* wins[h]++ for each document of [b0, b1) with a word whose first entry is unit h. */
static void count_wins(const soso__batch *w, const soso_docs *X, const uint32_t *rows, size_t b0, size_t b1,
                       uint64_t *wins)
{
    for (size_t b = b0; b < b1; b++)
        if (X->indptr[rows[b] + 1] > X->indptr[rows[b]]) wins[w->ent_unit[b * w->E]]++;
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

/* The rest of the lazy update's plan for a team: where each touched unit's support
 * goes in the arena (at most the words of its documents, and at most V + 1; the
 * arena must hold E times the batch's words, which bounds the total), the order by
 * work and the groups by owner. The same for every thread that works it out. */
static void plan_update(const soso__batch *w, soso__plan *pl, int team)
{
    size_t total = 0;
    for (size_t t = 0; t < pl->n_touched; t++) {
        size_t h = pl->touched[t], words = 0;
        for (int s = 0; s < w->nshare; s++) words += w->twords[(size_t)s * w->hpad + h];
        pl->aoff[h] = total;
        total += words <= w->V ? words : w->V + 1; /* + 1: scatter_support's store past its last word */
    }
    pl->atotal = total;
    order_by_work(pl, team);
    group_by_owner(w, pl, team);
}

/* Room in the arena for `need` support words and sums. */
static soso_status reserve_arena(soso__batch *w, size_t need)
{
    SOSO__CHECK(soso__reserve((void **)&w->arena_j, &w->acap_j, need, sizeof *w->arena_j));
    return soso__reserve((void **)&w->arena_s, &w->acap_s, need, sizeof *w->arena_s);
}

/* The claim mark of a lazy update's three phases (mark, +1, +2), on a team. */
static uint32_t phase_marks(soso__batch *w, int team)
{
    w->update_team = team;
    if (w->claim_mark > UINT32_MAX - 3) { /* marks wrap: old ones could match again */
        memset(w->claims, 0, w->nclaims * sizeof *w->claims);
        w->claim_mark = 1;
    }
    uint32_t mark = w->claim_mark;
    w->claim_mark += 3;
    return mark;
}

/* The lazy update's phases on thread tid of a team, from plan pl (shared, or the
 * thread's own copy): W_h = alpha_h W^_h, so scaling a row is O(1) and only the
 * support's entries of W^ change; the normaliser's max over the untouched entries
 * comes from the block maxima (exact, or bounds that are rescanned where they could
 * hold it). Same arithmetic as the dense update up to rounding. Every thread of the
 * team calls it (it has barriers when normalize). */
static void lazy_phases(soso__batch *w, const soso__plan *pl, float *W, const soso_docs *X, const uint32_t *rows,
                        float eps, int normalize, float prec, uint32_t mark, int tid, int team)
{
    float *buf = w->buf + (size_t)tid * w->vpad, *scr = w->bscr + (size_t)tid * w->bpad;
    uint32_t *stamp = w->stamp + (size_t)tid * w->vpad;
    unsigned char *bl = w->blk + (size_t)tid * w->bpad;
    uint32_t *fl = w->bfl + (size_t)tid * w->bpad;
    long h;
    /* Each thread takes units as it gets free (the updates differ in size in ways no
     * estimate catches), its own group first. Without the normaliser a unit's phases
     * need nothing from the others: no barrier. */
    handout o = handout_start(pl, tid, team);
    while ((h = take(w, &o, mark)) >= 0) {
        gather_unit(w, pl, W, X, rows, (size_t)h, normalize, buf, stamp);
        if (!normalize) apply_unit(w, pl, W, (size_t)h, eps, bl, scr, fl, tid);
    }
    if (!normalize) return;
    /* The batch's maximum is at least the largest exact part; a unit whose bound stays
     * below that cannot hold it, the others are made exact. Each thread works out the
     * same lower bound, the same units and the same step from values no thread writes
     * between the barriers (exact ones go to us[h].exact), so all pass the same
     * barriers. This barrier also keeps owner (apply_unit) from changing before every
     * thread has worked out its copy of the plan. */
#pragma omp barrier
    float lower = 0.0f;
    int need = 0;
    for (size_t t = 0; t < pl->n_touched; t++) lower = soso__max_with(lower, (float)w->us[pl->touched[t]].msup);
    for (size_t t = 0; t < pl->n_touched; t++) need |= w->us[pl->touched[t]].upper > lower;
    if (need) {
        o = handout_start(pl, tid, team);
        while ((h = take(w, &o, mark + 1)) >= 0) {
            soso__unit_step *u = w->us + h;
            if (u->upper > lower) u->exact = exact_unit(w, pl, W, (size_t)h, stamp, bl, fl);
        }
#pragma omp barrier
    }
    float step = lazy_step(w, pl, lower, eps, prec);
    o = handout_start(pl, tid, team);
    while ((h = take(w, &o, mark + 2)) >= 0) apply_unit(w, pl, W, (size_t)h, step, bl, scr, fl, tid);
}

/* After a lazy update: fresh stamps for the next batch (they wrap after 16 batches:
 * then cleared). */
static void lazy_done(soso__batch *w)
{
    w->round += 0x10000000u;
    if (w->round == 0) memset(w->stamp, 0, (size_t)w->threads * w->vpad * sizeof *w->stamp);
}

/* The lazy update after a serial grouping: one plan, then the phases on a team. */
static soso_status lazy_update(soso__batch *w, float *W, const soso_docs *X, const uint32_t *rows, float eps,
                               int normalize, float prec)
{
    soso__plan *pl = w->plans;
    int team = soso__team_size(w->cap, 2.0 * (double)pl->n_touched * (double)(w->nblk + 512));
    plan_update(w, pl, team);
    SOSO__CHECK(reserve_arena(w, pl->atotal));
    uint32_t mark = phase_marks(w, team);
    unsigned long long mask = 0;
#pragma omp parallel num_threads(team) if (team > 1)
    {
        int tid = omp_get_thread_num();
#pragma omp atomic
        mask |= 1ull << (tid & 63);
        /* team, not the threads OpenMP gave: the plan has team groups, and a thread
         * done with its own takes every other group's units, present or not. */
        lazy_phases(w, pl, W, X, rows, eps, normalize, prec, mark, tid, team);
    }
    lazy_done(w);
    w->team_mask |= mask;
    return SOSO_OK;
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
    if (w->alpha) return lazy_update(w, W, X, rows, eps, normalize, prec);
    for (size_t t = 0; t < n_touched; t++) w->xx[pl->touched[t]] = unit_xx(w, pl->touched[t]);
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

soso_status soso__batch_step(soso__batch *w, float *W, float p, const soso_docs *X, const uint32_t *rows, size_t n,
                             soso__gate_fn gate, const void *ctx, float eps, float prec, uint64_t *wins,
                             size_t *touched)
{
    size_t nnz = cost_prefix(w, X, rows, n);
    int team = scores_team(w, nnz);
    if (!w->alpha || team == 1 || n == 0) { /* one thread, or W plain: the two steps one after the other */
        scores_on(w, W, p, X, rows, n, gate, ctx, team);
        if (wins) count_wins(w, X, rows, 0, n, wins);
        return soso__batch_update(w, W, X, rows, n, eps, 1, prec, touched);
    }
    /* The supports' total is at most the words of the batch's entries, and at most
     * V + 1 for each unit an entry can touch. */
    size_t bound, units = w->E * n < w->H ? w->E * n : w->H, most;
    if (!soso__mul_size(nnz, w->E, &bound)) bound = SIZE_MAX;
    if (soso__mul_size(units, w->V + 1, &most) && most < bound) bound = most;
    if (bound == SIZE_MAX) return soso__fail(SOSO_E_LIMIT, "mini-batch supports too large");
    SOSO__CHECK(reserve_arena(w, bound));
    score_scales(w, p);
    uint32_t mark = phase_marks(w, team);
    unsigned long long mask = 0;
    /* One parallel region for the whole batch: each thread scores, gates and groups
     * its share of the cost prefix; after one barrier every thread works out the same
     * update plan into its own copy (no second barrier, no line written by two), and
     * the update's phases follow. The last thread also counts the wins. The plans
     * read owner, which apply_unit writes: safe because the normalised update has a
     * barrier between them (lazy_phases); without the normaliser it would not be. */
#pragma omp parallel num_threads(team)
    {
        int tid = omp_get_thread_num(), nt = omp_get_num_threads();
        size_t b0 = share_start(w->cum, n, tid, nt), b1 = share_start(w->cum, n, tid + 1, nt);
        soso__plan *pl = w->plans + tid;
#pragma omp atomic
        mask |= 1ull << (tid & 63);
        score_share(w, W, p, X, rows, n, b0, b1, gate, ctx);
        group_share(w, X, rows, b0, b1, tid);
        if (tid == 0) w->nshare = nt;
#pragma omp barrier
        if (tid == nt - 1 && wins) count_wins(w, X, rows, 0, n, wins);
        if (plan_touched(w, pl) > 0) {
            plan_update(w, pl, nt);
            lazy_phases(w, pl, W, X, rows, eps, 1, prec, mark, tid, nt);
        }
    }
    w->team_mask = mask;
    size_t n_touched = w->plans[0].n_touched;
    if (touched) *touched = n_touched;
    if (n_touched) lazy_done(w);
    return SOSO_OK;
}

soso_status soso__diverged(const char *what)
{
    return soso__fail(SOSO_E_NUMERIC, "training diverged: %s; lower the learning rate (eps0 of hebbian, eta of soft)"
                      " or the orthogonality penalty", what);
}

soso_status soso__check_rows(const float *W, size_t V, const uint32_t *rows, size_t n)
{
    for (size_t t = 0; t < n; t++) {
        size_t h = rows ? rows[t] : t;
        for (size_t j = 0; j < V; j++)
            if (!(fabsf(W[h * V + j]) <= SOSO__WEIGHT_MAX)) {
                char what[96];
                snprintf(what, sizeof what, "weight %zu of unit %zu is %g", j, h, (double)W[h * V + j]);
                return soso__diverged(what);
            }
    }
    return SOSO_OK;
}

soso_status soso__run_batches(soso_model *m, const soso_docs *docs, const soso__span *span, const soso__schedule *sc,
                              soso__batch_fn fn, void *ctx, soso_progress_fn progress, void *user)
{
    size_t N = docs->rows;
    if (N > UINT32_MAX) return soso__fail(SOSO_E_LIMIT, "at most 2^32-1 documents can be trained on at once");
    uint64_t first = span->whole ? 0 : span->first, total = span->whole ? N : span->total;
    size_t B = sc->batch < N ? sc->batch : N, n_batches = (N + B - 1) / B;
    uint64_t epoch_batches = (total + B - 1) / B; /* for the schedule's batch count */
    uint32_t *perm = soso__alloc_array(N, sizeof *perm);
    if (!perm) return soso__fail(SOSO_E_NOMEM, "out of memory for a permutation of %zu documents", N);
    m->train_rows = total;
    soso_status s = SOSO_OK;
    soso_progress pr = {0};
    pr.epochs = sc->epochs;
    pr.docs_total = m->epochs_done >= sc->epochs ? 0
                    : span->whole ? (uint64_t)(sc->epochs - m->epochs_done) * N - m->epoch_pos
                                  : first + N - m->epoch_pos;
    double t0 = soso__now();
    soso__tuner *tuner = &m->tuner;
    soso__tuner_use(tuner, sc->w->threads, m->fixed_team);
    while (m->epochs_done < sc->epochs && s == SOSO_OK) {
        uint32_t epoch = m->epochs_done;
        soso__rng rng;
        soso__rng_seed(&rng, sc->seed, SOSO__SHUFFLE_STREAM(epoch, first));
        for (size_t i = 0; i < N; i++) perm[i] = (uint32_t)i;
        soso__rng_shuffle_u32(&rng, perm, N);
        if (m->epoch_pos == 0) memset(sc->wins, 0, m->units * sizeof *sc->wins);
        for (size_t bi = (size_t)((m->epoch_pos - first) / B); bi < n_batches && s == SOSO_OK; bi++) {
            size_t start = bi * B, n = N - start < B ? N - start : B;
            sc->w->cap = soso__tuner_cap(tuner);
            /* The next batch's row offsets, fetched now: its cost prefix reads them first,
             * serially, before any thread starts (soso__batch_scores; timed in process,
             * 0.9-1.1 us a batch of 100 without this, 0.4-0.6 with it). */
            for (size_t b = start + n; b < start + 2 * B && b < N; b++) SOSO__PREFETCH(docs->indptr + perm[b]);
            double tb = soso__now();
            s = fn(ctx, perm + start, n, epoch);
            if (s != SOSO_OK) break;
            /* The batch's work: its cost prefix from soso__batch_scores (words plus a part
             * per document), which every mini-batch learner's fn calls. */
            soso__tuner_record(tuner, soso__now() - tb, (double)sc->w->cum[n]);
            if (sc->w->diverged) { /* a NaN or infinite score: the weights blew up */
                char where[96];
                snprintf(where, sizeof where, "scores are no longer finite in epoch %u (after %llu documents)",
                         epoch + 1, (unsigned long long)(m->docs_seen + n));
                s = soso__diverged(where);
                break;
            }
            m->epoch_pos = first + start + n;
            m->docs_seen += n;
            pr.docs_done += n;
            if (m->epoch_pos == total) {
                m->epochs_done++;
                m->epoch_pos = 0;
            }
            uint64_t done = (uint64_t)epoch * epoch_batches + first / B + bi + 1; /* mini-batches so far */
            int orth = sc->orthogonalize_every && (done % sc->orthogonalize_every == 0 || m->epochs_done == sc->epochs);
            /* Stop points: every SOSO__STOP_EVERY batches and each segment's end (fixed by the schedule,
             * so a run resumed from one continues exactly as if uninterrupted). There W is
             * made plain, progress is reported and a stop may be asked for. */
            int stop_point = done % SOSO__STOP_EVERY == 0 || bi + 1 == n_batches;
            if (stop_point || orth) soso__batch_fold(sc->w, m->W);
            if (orth) {
                s = soso_orthogonalize_symmetric(m->W, m->units, m->cols, sc->threads);
                if (s != SOSO_OK) break;
                if (sc->w->alpha) s = soso__batch_lazy(sc->w, m->W); /* block maxima anew */
                if (s != SOSO_OK) break;
            }
            if (!stop_point) continue;
            pr.epoch = m->epochs_done;
            pr.seconds = soso__now() - t0;
            pr.threads_used = soso__popcount64(*sc->team_mask);
            pr.effective_units = soso__effective_units(sc->wins, m->units);
            pr.temperature = sc->temperature ? sc->temperature(m) : 0.0;
            if (progress && progress(&pr, user) != 0)
                s = soso__fail(SOSO_E_ABORTED, "training stopped on request after %llu documents (epoch %u of %u)",
                               (unsigned long long)pr.docs_done, m->epochs_done, sc->epochs);
        }
        if (!span->whole) break; /* a segment is one pass */
    }
    free(perm);
    /* The last batches' updates were not scored after: a last look at W (folded at the
     * final stop point, or at the one where a stop was asked for), so that no call
     * returns SOSO_OK, or a resumable stop, with weights that blew up. */
    if (s == SOSO_OK || s == SOSO_E_ABORTED) {
        soso_status f = soso__check_rows(m->W, m->cols, NULL, m->units);
        if (f != SOSO_OK) s = f;
    }
    return s;
}
