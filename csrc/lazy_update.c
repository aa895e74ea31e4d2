/* lazy_update.c - the competitive learners' lazy update: W_h = alpha_h W^_h, so scaling a
 * row costs O(1) and a mini-batch changes only the words of its documents. Block maxima
 * of |W^| (exact, or bounds marked stale) give the Hebbian normaliser's maximum over the
 * untouched entries without a scan of the row; W^ is kept transposed for the scores.
 * The update runs in phases (gather, exact maxima, apply) over units handed out to a
 * team by a plan (soso__plan). Same arithmetic as the dense update up to rounding, and
 * the same bits for any thread count. */
#include "soso_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LAZY_BLOCK SOSO__LAZY_BLOCK
/* Support marks are (unit + 1) ^ round: a batch's round differs from the last 15, and
 * the stamps are cleared when it wraps. */
#define ROUND_STEP 0x10000000u

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

/* Frees the lazy-scaling workspace (the pointers NULL again: W is plain). */
void soso__lazy_free(soso__batch *w)
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
    w->bpad = soso__per_thread_stride(nb + 1);
    if (!soso__mul_size((size_t)w->threads, w->vpad, &tv) || !soso__mul_size((size_t)w->threads, w->bpad, &tb))
        return soso__fail(SOSO_E_LIMIT, "workspace too large");
    if (w->alpha) goto reset; /* already lazy: recompute the maxima of a changed W */
    w->alpha = soso__alloc_array(H, sizeof *w->alpha);
    w->ascale = soso__alloc_array((size_t)w->threads * w->hpad, sizeof *w->ascale);
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
        soso__lazy_free(w); /* plain again: a later call starts over */
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

/* Scatters g x_b of unit h into buf (dense, zero outside the support) and lists the
 * support's words once each (stamp marks them with `mark`). Returns the support size;
 * supp has room for one word more than that (soso__plan_update). */
static size_t scatter_support(const soso__batch *w, const soso_docs *X, const uint32_t *rows, size_t h,
                              const float *row, float *buf, uint32_t *stamp, uint32_t mark, uint32_t *supp)
{
    size_t ns = 0;
    /* The documents' words asked for all at once before the loop below reads them one
     * after another, so that their misses overlap (on 2 threads half of them were scored
     * on the other core): gathering 5.5 -> 4.8 us a batch on 1 thread, 3.7 -> 3.1 on 2. */
    for (int t = 0; t < w->nshare; t++)
        for (uint32_t e, e1 = soso__share_entries(w, t, h, &e); e < e1; e++) {
            size_t q = X->indptr[rows[w->list_b[e]]];
            SOSO__PREFETCH(X->indices + q);
            SOSO__PREFETCH(X->values + q);
        }
    for (int t = 0; t < w->nshare; t++)
        for (uint32_t e, e1 = soso__share_entries(w, t, h, &e); e < e1; e++) {
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

/* Touched position t's work: its stretch of the arena (soso__plan_update). */
static size_t unit_work(const soso__plan *pl, size_t t)
{
    size_t end = t + 1 < pl->n_touched ? pl->aoff[pl->touched[t + 1]] : pl->atotal;
    return end - pl->aoff[pl->touched[t]];
}

/* The touched units' positions, largest update first (the words of a unit's documents,
 * as soso__plan_update counted them), so that the last ones handed out are small. Units
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
    w->xx[h] = soso__unit_xx(w, h);
    const float *row = W + h * w->V;
    float *as = w->arena_s[pl->arena] + pl->aoff[h];
    uint32_t *aj = w->arena_j[pl->arena] + pl->aoff[h];
    size_t ns = scatter_support(w, X, rows, h, row, buf, stamp, (uint32_t)(h + 1) ^ pl->round, aj);
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
    const uint32_t *aj = w->arena_j[pl->arena] + pl->aoff[h];
    uint32_t mark = (uint32_t)(h + 1 + 0x08000000u) ^ pl->round; /* unlike gather_unit's marks */
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
    const uint32_t *aj = w->arena_j[pl->arena] + pl->aoff[h];
    const float *as = w->arena_s[pl->arena] + pl->aoff[h], *omax = w->omax + h * nb;
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

/* The rest of the lazy update's plan for a team: where each touched unit's support
 * goes in arena buf (at most the words of its documents, and at most V + 1: atotal in
 * all, which the caller reserves), the order by work and the groups by owner. The
 * same for every thread that works it out. */
void soso__plan_update(const soso__batch *w, soso__plan *pl, int team, int buf)
{
    pl->arena = buf;
    pl->round = w->round;
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
soso_status soso__reserve_arena(soso__batch *w, int buf, size_t need)
{
    SOSO__CHECK(soso__reserve((void **)&w->arena_j[buf], &w->acap_j[buf], need, sizeof *w->arena_j[buf]));
    return soso__reserve((void **)&w->arena_s[buf], &w->acap_s[buf], need, sizeof *w->arena_s[buf]);
}

uint32_t soso__phase_marks(soso__batch *w, size_t batches)
{
    if (w->claim_mark > UINT32_MAX - 3 * (batches + 1)) { /* marks wrap: old ones could match again */
        memset(w->claims, 0, w->nclaims * sizeof *w->claims);
        w->claim_mark = 1;
    }
    uint32_t mark = w->claim_mark;
    w->claim_mark += (uint32_t)(3 * batches);
    return mark;
}

/* The lazy update's phases on thread tid of a team, from plan pl (shared, or the
 * thread's own copy): W_h = alpha_h W^_h, so scaling a row is O(1) and only the
 * support's entries of W^ change; the normaliser's max over the untouched entries
 * comes from the block maxima (exact, or bounds that are rescanned where they could
 * hold it). Same arithmetic as the dense update up to rounding. Every thread of the
 * team calls it (it has barriers when normalize). */
void soso__lazy_phases(soso__batch *w, const soso__plan *pl, float *W, const soso_docs *X, const uint32_t *rows,
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
    soso__barrier_wait(&w->bar);
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
        soso__barrier_wait(&w->bar);
    }
    float step = lazy_step(w, pl, lower, eps, prec);
    o = handout_start(pl, tid, team);
    while ((h = take(w, &o, mark + 2)) >= 0) apply_unit(w, pl, W, (size_t)h, step, bl, scr, fl, tid);
}

void soso__lazy_next_round(soso__batch *w, uint32_t round, int tid, int nt)
{
    if (round + ROUND_STEP == 0)
        for (int t = tid; t < w->threads; t += nt) memset(w->stamp + (size_t)t * w->vpad, 0, w->vpad * sizeof *w->stamp);
    if (tid == 0) w->round = round + ROUND_STEP;
}

/* The lazy update after a serial grouping: one plan, then the phases on a team. */
soso_status soso__lazy_update(soso__batch *w, float *W, const soso_docs *X, const uint32_t *rows, float eps,
                              int normalize, float prec)
{
    soso__plan *pl = w->plans;
    int team = soso__team_size(w->cap, 2.0 * (double)pl->n_touched * (double)(w->nblk + 512));
    soso__plan_update(w, pl, team, 0);
    SOSO__CHECK(soso__reserve_arena(w, 0, pl->atotal));
    w->update_team = team;
    uint32_t mark = soso__phase_marks(w, 1);
    unsigned long long mask = 0;
#pragma omp parallel num_threads(team) if (team > 1)
    {
        int tid = omp_get_thread_num();
#pragma omp atomic
        mask |= 1ull << (tid & 63);
        /* team, not the threads OpenMP gave: the plan has team groups, and a thread
         * done with its own takes every other group's units, present or not. */
        soso__lazy_phases(w, pl, W, X, rows, eps, normalize, prec, mark, tid, team);
    }
    soso__lazy_next_round(w, w->round, 0, 1);
    w->team_mask |= mask;
    return SOSO_OK;
}
