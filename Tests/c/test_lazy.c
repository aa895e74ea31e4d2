/* test_lazy.c - the bookkeeping of the competitive learners' lazy update (white box):
 * after every mini-batch each stored block maximum must equal what W^ holds, exactly,
 * or bound it from above where it is marked stale; each row maximum must be the
 * largest of its blocks', and the transposed copy must equal W^; for 1 and 2 threads,
 * with and without the normaliser. The update itself is checked against the dense one
 * here (where the normaliser needs a rescan) and in test_hebbian.c. */
#include "harness.h"
#include "soso_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A gate that raises each document's top unit (g = 1) and pushes the next unit over
 * (g = -0.4), so rows both grow and shrink. */
static void gate_push(soso__batch *w, size_t b, const void *ctx)
{
    (void)ctx;
    const float *s = w->I + b * w->H;
    uint32_t top = 0;
    for (uint32_t h = 1; h < w->H; h++) top = s[h] > s[top] ? h : top;
    w->ent_unit[2 * b] = top;
    w->ent_g[2 * b] = 1.0f;
    w->ent_unit[2 * b + 1] = (top + 1) % (uint32_t)w->H;
    w->ent_g[2 * b + 1] = -0.4f;
    w->ent_n[b] = 2;
}

/* Counts the stored maxima and transposed entries that differ from W^ (a stale block's
 * maximum may be larger); *stale (may be NULL) adds the stale blocks. */
static size_t bookkeeping_errors(const soso__batch *w, const float *W, size_t *stale)
{
    size_t bad = 0;
    for (size_t h = 0; h < w->H; h++) {
        float row = 0;
        for (size_t k = 0; k < w->nblk; k++) {
            float m = 0, got = w->bmax[h * w->nblk + k];
            for (size_t j = k * SOSO__LAZY_BLOCK; j < w->V && j < (k + 1) * SOSO__LAZY_BLOCK; j++)
                m = fmaxf(m, fabsf(W[h * w->V + j]));
            int is_stale = w->bstale[h * w->nblk + k];
            bad += is_stale ? !(got >= m) : got != m;
            if (stale) *stale += (size_t)is_stale;
            row = fmaxf(row, got);
        }
        bad += w->us[h].rmax != row;
        for (size_t j = 0; j < w->V; j++) bad += w->WT[j * w->H + h] != W[h * w->V + j];
    }
    return bad;
}

static void run(const soso_docs *d, size_t H, int threads, int normalize)
{
    size_t V = soso_docs_cols(d), N = soso_docs_rows(d), B = 100;
    float *W = malloc(H * V * sizeof *W);
    uint64_t s = 99;
    for (size_t i = 0; i < H * V; i++) { /* small random weights, as training starts */
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        W[i] = (float)((double)(s >> 11) / 9007199254740992.0 - 0.5);
    }
    soso__batch w;
    CHECK_OK(soso__batch_init(&w, H, V, B, 2, threads));
    CHECK_OK(soso__batch_lazy(&w, W));
    uint32_t rows[100];
    size_t bad = 0, batches = 0, touched_total = 0, shared = 0, stale = 0;
    for (int epoch = 0; epoch < 3; epoch++)
        for (size_t r0 = 0; r0 + B <= N; r0 += B, batches++) {
            for (size_t b = 0; b < B; b++) rows[b] = (uint32_t)((r0 + b * 7 + (size_t)epoch * 13) % N);
            soso__batch_scores(&w, W, 2.0f, d, rows, B, gate_push, NULL);
            size_t touched = 0;
            CHECK_OK(soso__batch_update(&w, W, d, rows, B, normalize ? 0.02f : 0.001f, normalize, 1e-30f, &touched));
            touched_total += touched;
            shared += w.update_team > 1;
            if (batches % 5 == 0) bad += bookkeeping_errors(&w, W, &stale);
            if (batches % 17 == 0) soso__batch_fold(&w, W); /* as stop points do */
        }
    bad += bookkeeping_errors(&w, W, NULL);
    CHECK_MSG(bad == 0, "%zu stored maxima or transposed entries differ from W (threads %d, normalize %d)", bad,
              threads, normalize);
    CHECK(touched_total > batches); /* the batches did change units */
    CHECK(stale > 0);               /* and left bounds, not only exact maxima */
    /* With 2 threads the update must really have been shared out (too little work runs
     * on one thread), or the dynamic hand-out and the barriers went untested. */
    CHECK_MSG(threads == 1 || shared > batches / 2, "the update ran on 2 threads in %zu of %zu batches", shared,
              batches);
    soso__batch_free(&w);
    free(W);
}

static void test_lazy_bookkeeping_exact(void)
{
    soso_vocab *v = NULL;
    soso_docs *d = NULL;
    load_bundled(&v, &d);
    for (int threads = 1; threads <= 2; threads++)
        for (int normalize = 0; normalize <= 1; normalize++) run(d, 128, threads, normalize);
    soso_docs_free(d);
    soso_vocab_free(v);
}

/* Worst relative difference between a lazy and a dense update of W over `batches`
 * mini-batches of d, gated by gate_push: per weight (*upd: over the largest change of a
 * weight); bound > 0: each unit's block 3 starts as stale with that bound, < 0: with its
 * true maximum as the bound. The lazy update's bookkeeping is checked after each batch. */
static double lazy_vs_dense(const soso_docs *d, const float *W0, size_t H, float bound, size_t batches, double *upd)
{
    const size_t V = soso_docs_cols(d), N = soso_docs_rows(d), B = 100;
    float *W[2];
    soso__batch w[2];
    uint32_t rows[100];
    double worst = 0, diff = 0, change = 0;
    size_t bad = 0;
    for (int k = 0; k < 2; k++) {
        W[k] = malloc(H * V * sizeof *W[k]);
        memcpy(W[k], W0, H * V * sizeof *W[k]);
        CHECK_OK(soso__batch_init(&w[k], H, V, B, 2, 1));
    }
    CHECK_OK(soso__batch_lazy(&w[0], W[0])); /* w[1] stays plain: the dense update */
    for (size_t h = 0; bound != 0 && h < H; h++) {
        float *bm = w[0].bmax + h * w[0].nblk;
        bm[3] = bound > 0 ? bound : bm[3];
        w[0].bstale[h * w[0].nblk + 3] = 1;
        w[0].us[h].rmax = fmaxf(w[0].us[h].rmax, bm[3]);
    }
    for (size_t bi = 0; bi < batches; bi++) {
        for (size_t b = 0; b < B; b++) rows[b] = (uint32_t)((bi * 37 + b * 11) % N);
        for (int k = 0; k < 2; k++) {
            soso__batch_scores(&w[k], W[k], 2.0f, d, rows, B, gate_push, NULL);
            CHECK_OK(soso__batch_update(&w[k], W[k], d, rows, B, 0.02f, 1, 1e-30f, NULL));
        }
        soso__batch_fold(&w[0], W[0]);
        bad += bookkeeping_errors(&w[0], W[0], NULL);
        for (size_t i = 0; i < H * V; i++) worst = fmax(worst, fabs(W[0][i] - W[1][i]) / (1e-3 + fabs(W[1][i])));
    }
    CHECK_MSG(bad == 0, "%zu stored maxima differ from W (bound %g)", bad, (double)bound);
    for (size_t i = 0; i < H * V; i++) {
        diff = fmax(diff, fabs(W[0][i] - W[1][i]));
        change = fmax(change, fabs(W[1][i] - W0[i]));
    }
    if (upd) *upd = diff / change;
    for (int k = 0; k < 2; k++) {
        soso__batch_free(&w[k]);
        free(W[k]);
    }
    return worst;
}

/* The normaliser where it lies outside the support, in a block a support word holds the
 * maximum of: only a rescan without the support finds it (exact_unit). Each document
 * has 3 of words 0-15, weighted about -1 (they hold block 0's maximum of |W|); words
 * 16-63 weigh 0.97-0.98, the rest +-0.01, so a unit's largest |ds| lies at a word of
 * 16-63. Lazy and dense updates must agree batch by batch (exact_unit made to skip
 * every rescan fails this; the bundled corpus's training did not notice); again with a
 * stale bound of 5 on a block of +-0.01, which exact_unit must rescan, not believe. */
static void test_lazy_normaliser_outside_support(void)
{
    const size_t V = 256, H = 4, N = 400;
    soso_docs *d = NULL;
    CHECK_OK(soso_docs_create(V, &d));
    uint64_t s = 7;
    for (size_t r = 0; r < N; r++) {
        uint32_t idx[3], seen = 0, n = 0;
        float one[3] = {1, 1, 1};
        while (soso__popcount64(seen) < 3) { /* three distinct words of 0-15 */
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            seen |= 1u << (s >> 60);
        }
        for (uint32_t j = 0; j < 16; j++)
            if (seen >> j & 1) idx[n++] = j;
        CHECK_OK(soso_docs_append_row(d, 3, idx, one));
    }
    float *W = malloc(H * V * sizeof *W);
    for (size_t i = 0; i < H * V; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        double u = (double)(s >> 11) / 9007199254740992.0;
        size_t j = i % V;
        W[i] = (float)(j < 16 ? -1.0 + 0.001 * u : j < 64 ? 0.97 + 0.01 * u : 0.02 * u - 0.01);
    }
    for (int inject = 0; inject <= 1; inject++) {
        double worst = lazy_vs_dense(d, W, H, inject ? 5.0f : 0.0f, 12, NULL);
        CHECK_MSG(worst < 1e-4, "lazy and dense updates differ by %.3g (relative; stale bound %d)", worst, inject);
    }
    /* A stale bound just over the result: words 0-15 weigh -0.5, word 100 1.0 (block 1,
     * settled), word 200 1.0005 (block 3, stale, its bound exact), so the normaliser is
     * |xx| 1.0005 and the threshold must let block 3 through by less than 5e-4 of it.
     * Words 16-63 weigh 0.499: block 0 is flagged but skipped (its bound 0.5 cannot
     * matter), and where its support shrinks below 0.499 its maximum is not known. */
    for (size_t i = 0; i < H * V; i++) {
        size_t j = i % V;
        W[i] = j < 16 ? -0.5f : j < 64 ? 0.499f : j == 100 ? 1.0f : j == 200 ? 1.0005f : W[i] * 0.01f;
    }
    double upd = 1;
    lazy_vs_dense(d, W, H, -1.0f, 1, &upd);
    CHECK_MSG(upd < 5e-5, "lazy and dense steps differ by %.3g of the update (stale bound near the result)", upd);
    free(W);
    soso_docs_free(d);
}

/* One unit gated -1 with a score of 0 (no normaliser), then +1 with a score of 1e6
 * (normaliser on): the first batch shrinks W[64] from 2 t to 0 (t = 2^-149, the
 * smallest subnormal), which leaves block 1 a stale bound of 2 t; W[100] = 2 t stays. */
static int sub_phase;
static void gate_sub(soso__batch *w, size_t b, const void *ctx)
{
    (void)ctx;
    w->ent_unit[b * w->E] = 0;
    w->ent_g[b * w->E] = sub_phase ? 1.0f : -1.0f;
    w->I[b * w->H] = sub_phase ? 1e6f : 0.0f;
    w->ent_n[b] = 1;
}

/* exact_unit's candidate threshold among subnormal weights: the normaliser of the second
 * batch is |xx| max |W| outside the support = 1e6 x 2 t, held by W[100] in the stale
 * block 1. A threshold of best / xa less 1e-6 of it in float rounded back up to 2 t
 * there and skipped the block (1.75e6 t from the support instead; found in review). */
static void test_lazy_normaliser_subnormal(void)
{
    const float t = 1.40129846e-45f;
    float W[128] = {0}, x[2] = {2 * t, 1750000 * t};
    uint32_t words[2] = {64, 0}, r0 = 0, r1 = 1;
    soso_docs *d = NULL;
    CHECK_OK(soso_docs_create(128, &d));
    CHECK_OK(soso_docs_append_row(d, 1, &words[0], &x[0]));
    CHECK_OK(soso_docs_append_row(d, 1, &words[1], &x[1]));
    W[64] = W[100] = 2 * t;
    soso__batch w;
    CHECK_OK(soso__batch_init(&w, 1, 128, 1, 1, 1));
    CHECK_OK(soso__batch_lazy(&w, W));
    sub_phase = 0;
    soso__batch_scores(&w, W, 2.0f, d, &r0, 1, gate_sub, NULL);
    CHECK_OK(soso__batch_update(&w, W, d, &r0, 1, 1.0f, 0, 1e-45f, NULL));
    CHECK(W[64] == 0.0f && w.bstale[1] == 1);
    sub_phase = 1;
    soso__batch_scores(&w, W, 2.0f, d, &r1, 1, gate_sub, NULL);
    CHECK_OK(soso__batch_update(&w, W, d, &r1, 1, 1e-40f, 1, 1e-45f, NULL));
    CHECK_MSG(w.us[0].exact == (float)(1e6 * (double)(2 * t)), "normaliser %g, want %g", (double)w.us[0].exact,
              1e6 * (double)(2 * t));
    soso__batch_free(&w);
    soso_docs_free(d);
}

/* Unit h's gate entries, share after share as the update reads them, into b and g;
 * returns how many. */
static size_t unit_entries(const soso__batch *w, size_t h, uint32_t *b, float *g)
{
    size_t n = 0;
    for (int t = 0; t < w->nshare; t++) {
        size_t i = (size_t)t * w->hpad + h;
        for (uint32_t e = w->tbeg[i]; e < w->tbeg[i] + w->tcnt[i]; e++, n++) {
            b[n] = w->list_b[e];
            g[n] = w->list_g[e];
        }
    }
    return n;
}

/* 1 if unit h's entries differ between two groupings (in number, document or value). */
static int unit_entries_differ(const soso__batch *x, const soso__batch *y, size_t h)
{
    uint32_t b[2][200];
    float g[2][200];
    size_t n = unit_entries(x, h, b[0], g[0]);
    return n != unit_entries(y, h, b[1], g[1]) || memcmp(b[0], b[1], n * sizeof **b) != 0 ||
           memcmp(g[0], g[1], n * sizeof **g) != 0;
}

/* Runs soso__batch_step (scores, gates, wins and the normalised lazy update in one
 * parallel region, the entries grouped by unit in shares) beside the two steps it
 * replaces (soso__batch_scores, a serial count of wins, soso__batch_update) over the
 * bundled corpus, H units, both workspaces made for `threads`. Counts the batches
 * where weights, wins, touched units or any unit's entries differ into *differ, the
 * batches that ran on the whole team into *shared, and leaves the one-region weights
 * in Wout (H x V). */
static size_t one_region_run(const soso_docs *d, size_t H, int threads, float *Wout, size_t *differ, size_t *shared)
{
    const size_t V = soso_docs_cols(d), N = soso_docs_rows(d), B = 100;
    float *W[2];
    soso__batch w[2];
    uint64_t wins[2][64] = {{0}};
    uint32_t rows[100];
    size_t batches = 0, bad = 0;
    for (int k = 0; k < 2; k++) {
        W[k] = malloc(H * V * sizeof *W[k]);
        uint64_t s = 5;
        for (size_t i = 0; i < H * V; i++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            W[k][i] = (float)((double)(s >> 11) / 9007199254740992.0 - 0.5);
        }
        CHECK_OK(soso__batch_init(&w[k], H, V, B, 2, threads));
        CHECK_OK(soso__batch_lazy(&w[k], W[k]));
    }
    for (size_t r0 = 0; r0 + B <= N; r0 += B, batches++) {
        for (size_t b = 0; b < B; b++) rows[b] = (uint32_t)((r0 * 3 + b * 13) % N);
        size_t touched[2] = {0, 0};
        soso__batch_scores(&w[0], W[0], 2.0f, d, rows, B, gate_push, NULL);
        for (size_t b = 0; b < B; b++)
            if (d->indptr[rows[b] + 1] > d->indptr[rows[b]]) wins[0][w[0].ent_unit[2 * b]]++;
        CHECK_OK(soso__batch_update(&w[0], W[0], d, rows, B, 0.02f, 1, 1e-30f, &touched[0]));
        CHECK_OK(soso__batch_step(&w[1], W[1], 2.0f, d, rows, B, gate_push, NULL, 0.02f, 1e-30f, wins[1],
                                  &touched[1]));
        *shared += w[1].update_team == threads && w[1].team_mask == (1ull << threads) - 1;
        int bad_batch = touched[0] != touched[1] || memcmp(wins[0], wins[1], sizeof wins[0]) != 0;
        /* the entries grouped alike: each unit's, share after share, in batch order (a
         * sum over them in another order mostly rounds the same, so W alone would
         * hardly tell) */
        for (size_t h = 0; h < H; h++) bad_batch |= unit_entries_differ(&w[0], &w[1], h);
        if (batches % 7 == 0 || r0 + 2 * B > N) { /* and at the end */
            soso__batch_fold(&w[0], W[0]);
            soso__batch_fold(&w[1], W[1]);
            bad_batch |= memcmp(W[0], W[1], H * V * sizeof *W[0]) != 0;
            bad += bookkeeping_errors(&w[1], W[1], NULL);
        }
        *differ += (size_t)bad_batch;
    }
    CHECK_MSG(bad == 0, "%zu stored maxima differ from W after one-region steps (threads %d)", bad, threads);
    memcpy(Wout, W[1], H * V * sizeof *Wout);
    for (int k = 0; k < 2; k++) {
        soso__batch_free(&w[k]);
        free(W[k]);
    }
    return batches;
}

/* One region against two steps: the same weights bit for bit, the same wins, touched
 * units and entries, batch after batch, for 2 and 3 threads (3: shares of unequal size,
 * a middle share whose entries go between the others'); the region must really run on
 * the team, and the weights must be those of 1 thread (where both sides take the two
 * steps: the reference, which cannot differ but through the wins). Then with
 * fewer threads than asked for (called inside a parallel region with nesting off,
 * each region gets one): both paths must still update every unit (a hand-out made for
 * the team asked for once skipped the groups of the missing threads). */
static void test_lazy_one_region_step(void)
{
    soso_vocab *v = NULL;
    soso_docs *d = NULL;
    load_bundled(&v, &d);
    const size_t H = 64, V = soso_docs_cols(d);
    float *W1 = malloc(H * V * sizeof *W1), *Wt = malloc(H * V * sizeof *Wt);
    for (int threads = 1; threads <= 3; threads++) {
        size_t differ = 0, shared = 0;
        size_t batches = one_region_run(d, H, threads, threads == 1 ? W1 : Wt, &differ, &shared);
        CHECK_MSG(differ == 0, "%zu of %zu batches differ between one region and two steps (threads %d)", differ,
                  batches, threads);
        CHECK_MSG(threads == 1 || shared > batches / 2, "one region on %d threads in %zu of %zu batches", threads,
                  shared, batches);
        CHECK_MSG(threads == 1 || memcmp(W1, Wt, H * V * sizeof *Wt) == 0,
                  "one region on %d threads: other weights than on 1", threads);
    }
#if defined(_OPENMP)
    int levels = omp_get_max_active_levels();
    omp_set_max_active_levels(1);
    for (int threads = 2; threads <= 3; threads++) {
        size_t differ = 0, shared = 0, batches = 0;
#pragma omp parallel num_threads(2)
#pragma omp single
        batches = one_region_run(d, H, threads, Wt, &differ, &shared);
        CHECK_MSG(differ == 0 && shared == 0, "%zu of %zu batches differ, %zu on the whole team (asked for %d, given 1)",
                  differ, batches, shared, threads);
        CHECK_MSG(memcmp(W1, Wt, H * V * sizeof *Wt) == 0, "asked for %d threads, given 1: other weights", threads);
    }
    omp_set_max_active_levels(levels);
#endif
    free(W1);
    free(Wt);
    soso_docs_free(d);
    soso_vocab_free(v);
}

/* Batches back to back in one region work out each next batch's cost prefix in slices,
 * one a thread, during the scores (which split by it): the totals they count (w->work)
 * and the last batch's whole prefix must be the serial one's, on 2 and 3 threads, with a
 * short last batch. A wrong prefix only moves the split, never the weights, so the
 * weights could not tell. */
static void test_lazy_sliced_cost_prefix(void)
{
    soso_vocab *v = NULL;
    soso_docs *d = NULL;
    load_bundled(&v, &d);
    const size_t H = 64, V = soso_docs_cols(d), N = soso_docs_rows(d), B = 100, k = 5, n_last = 37;
    uint32_t rows[5 * 100];
    for (size_t b = 0; b < (k - 1) * B + n_last; b++) rows[b] = (uint32_t)((b * 29 + 3) % N);
    float *W = malloc(H * V * sizeof *W);
    for (int threads = 2; threads <= 3; threads++) {
        for (size_t i = 0; i < H * V; i++) W[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
        soso__batch w;
        CHECK_OK(soso__batch_init(&w, H, V, B, 2, threads));
        CHECK_OK(soso__batch_lazy(&w, W));
        w.longest = soso__docs_longest(d);
        size_t done = 0;
        CHECK_OK(soso__batch_steps(&w, W, 2.0f, d, rows, k, B, n_last, gate_push, NULL, 0.02f, 1e-30f, NULL, &done,
                                   NULL, NULL));
        double want = 0;
        size_t last[101], nnz = 0;
        last[0] = 0;
        for (size_t i = 0; i < k; i++)
            for (size_t b = 0, n = i + 1 < k ? B : n_last; b < n; b++) {
                const uint32_t r = rows[i * B + b];
                size_t words = d->indptr[r + 1] - d->indptr[r];
                want += (double)(words + SOSO__DOC_COST);
                if (i + 1 == k) last[b + 1] = (nnz += words) + (b + 1) * SOSO__DOC_COST;
            }
        CHECK_MSG(done == k && w.grouped == k, "%d threads: %zu of %zu batches, %llu back to back", threads, done, k,
                  (unsigned long long)w.grouped);
        CHECK_MSG(w.work == want, "%d threads: the batches' cost prefixes total %g, serially %g", threads, w.work, want);
        const size_t *cum = w.cum + ((k - 1) % 2) * (B + 1);
        CHECK_MSG(memcmp(cum, last, (n_last + 1) * sizeof *cum) == 0, "%d threads: the last batch's cost prefix differs",
                  threads);
        soso__batch_free(&w);
    }
    free(W);
    soso_docs_free(d);
    soso_vocab_free(v);
}

const soso_test tests_lazy[] = {
    {"lazy_normaliser_subnormal", test_lazy_normaliser_subnormal},
    {"lazy_bookkeeping_exact", test_lazy_bookkeeping_exact},
    {"lazy_normaliser_outside_support", test_lazy_normaliser_outside_support},
    {"lazy_one_region_step", test_lazy_one_region_step},
    {"lazy_sliced_cost_prefix", test_lazy_sliced_cost_prefix},
    {NULL, NULL},
};
