/* soft.c - soft competition (ALGORITHMS.md section 3): a softmax gate over the top k
 * units with a temperature that anneals from near-uniform to sharp, a mean-activation
 * inhibitor that keeps every unit in the competition, Oja-normalised updates, and
 * optional orthogonality. Mini-batches share competitive.c's sparse machinery. */
#include "soso_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void soso_soft_params_default(soso_soft_params *p)
{
    if (!p) return;
    p->units = 16;
    p->k = 4;
    p->t_initial = 1.0f;
    p->t_final = 0.05f;
    p->gamma = 0.7f;
    p->anneal_every = 0;
    p->eta = 0.1f;
    p->inhibitor_rate = 0.01f;
    p->ortho_penalty = 0.0f;
    p->orthogonalize_every = 0;
    p->batch = 100;
    p->epochs = 30;
    p->seed = 1;
    p->init = SOSO_INIT_DOCUMENTS;
    p->threads = 1;
}

const char *soso_soft_params_check(const soso_soft_params *p, size_t vocab_size)
{
    if (!p) return "soft parameters are NULL";
    if (vocab_size == 0) return "the vocabulary is empty";
    if (p->units < 1 || p->units > (1u << 20)) return "units must be between 1 and 1048576";
    if (p->k < 1 || p->k > p->units) return "k must be between 1 and units";
    if (p->k > SOSO__MAX_K) return "k must be <= 64";
    if (!(p->t_initial > 0.0f) || !isfinite(p->t_initial)) return "t_initial must be a finite number > 0";
    if (!(p->t_final > 0.0f) || p->t_final > p->t_initial) return "t_final must be > 0 and <= t_initial";
    if (!(p->gamma > 0.0f && p->gamma <= 1.0f)) return "gamma must be in (0, 1]";
    if (!(p->eta > 0.0f) || !isfinite(p->eta)) return "eta must be a finite number > 0";
    if (!(p->inhibitor_rate >= 0.0f && p->inhibitor_rate < 1.0f)) return "inhibitor_rate must be in [0, 1)";
    if (!(p->ortho_penalty >= 0.0f) || !isfinite(p->ortho_penalty)) return "ortho_penalty must be a finite number >= 0";
    if (p->batch < 1) return "batch must be >= 1";
    if (p->epochs < 1) return "epochs must be >= 1";
    if (p->init != SOSO_INIT_LSA && p->init != SOSO_INIT_RANDOM && p->init != SOSO_INIT_DOCUMENTS)
        return "init must be SOSO_INIT_LSA, SOSO_INIT_RANDOM or SOSO_INIT_DOCUMENTS";
    if ((p->orthogonalize_every > 0 || p->init == SOSO_INIT_LSA) && p->units > vocab_size)
        return "orthogonal units need units <= the vocabulary size";
    return NULL;
}

float soso__soft_temperature(const soso_soft_params *p, uint64_t docs_seen, uint64_t rows)
{
    uint64_t every = p->anneal_every ? p->anneal_every : (rows ? rows : 1);
    double t = (double)p->t_initial * pow((double)p->gamma, (double)(docs_seen / every));
    return (float)(t > p->t_final ? t : p->t_final);
}

void soso__init_random_unit(float *W, size_t units, size_t cols, uint64_t seed)
{
    soso__rng rng;
    soso__rng_seed(&rng, seed, SOSO__STREAM_INIT);
    int have = 0;
    double spare = 0;
    for (size_t h = 0; h < units; h++) {
        float *w = W + h * cols;
        double ss = 0;
        for (size_t j = 0; j < cols; j++) {
            w[j] = (float)soso__rng_normal(&rng, &have, &spare);
            ss += (double)w[j] * w[j];
        }
        soso__scal((float)(1.0 / sqrt(ss)), w, cols);
    }
}

soso_status soso__init_from_documents(float *W, size_t units, const soso_docs *docs, uint64_t seed)
{
    size_t V = docs->cols, R = docs->rows, have = 0;
    uint32_t *rows = soso__alloc_array(R ? R : 1, sizeof *rows);
    if (!rows) return soso__fail(SOSO_E_NOMEM, "out of memory choosing starting documents");
    for (size_t r = 0; r < R; r++) { /* rows with a non-zero value (a stored 0 has no direction) */
        size_t q = docs->indptr[r];
        while (q < docs->indptr[r + 1] && docs->values[q] == 0.0f) q++;
        if (q < docs->indptr[r + 1]) rows[have++] = (uint32_t)r;
    }
    if (have == 0) {
        free(rows);
        return soso__fail(SOSO_E_EMPTY, "no document has a known word: nothing to start the units from");
    }
    soso__rng rng;
    soso__rng_seed(&rng, seed, SOSO__STREAM_INIT);
    soso__rng_shuffle_u32(&rng, rows, have);
    /* More units than documents: the rest start random. */
    if (units > have) soso__init_random_unit(W + have * V, units - have, V, seed ^ 0x5eedull);
    for (size_t h = 0; h < units && h < have; h++) {
        float *w = W + h * V;
        memset(w, 0, V * sizeof *w);
        double ss = 0;
        for (size_t q = docs->indptr[rows[h]]; q < docs->indptr[rows[h] + 1]; q++) {
            w[docs->indices[q]] = docs->values[q];
            ss += (double)docs->values[q] * docs->values[q];
        }
        soso__scale_unit(w, V, ss);
    }
    free(rows);
    return SOSO_OK;
}

/* W -= step (W W^T - I) W: a gradient step on |W W^T - I|^2 (constant folded into step),
 * as W + S W in place with S = -step (W W^T - I) (soso__gemm_cols_inplace: no copy of W,
 * and SOSO's AVX-512 product where the CPU has it; it was a copy of W, an sgemm into it
 * and a copy back, every mini-batch). */
static soso_status ortho_penalty_step(float *W, size_t H, size_t V, float step, int threads)
{
    float *S = soso__alloc_array(H * H, sizeof *S);
    if (!S) return soso__fail(SOSO_E_NOMEM, "out of memory for the orthogonality penalty");
    soso_status s = soso__gram(W, H, V, S, threads);
    if (s == SOSO_OK) {
        for (size_t i = 0; i < H * H; i++) S[i] = -step * (S[i] - (i % (H + 1) == 0));
        s = soso__gemm_cols_inplace(H, V, S, 1, W, threads);
    }
    free(S);
    return s;
}

/* What the gate reads, the same for every document of a batch; z (H floats) and top (k)
 * are scratch, one stretch of each per thread, zstride and tstride apart (no two threads'
 * on one cache line: with them adjacent 2-thread epochs took 38.7-41.1 ms, 25.7-26.9 apart). */
typedef struct {
    const soso_docs *docs;
    const uint32_t *rows;
    const float *inhibitor;
    float beta;
    size_t k, zstride, tstride;
    float *z;
    uint32_t *top;
} soft_gate_ctx;

/* The gates of document b: softmax over the top k of beta (s - m), into the batch's
 * entries (the largest gate first); none for a document without a known word (no pull).
 * Called for each document inside the scores' parallel loop: the gates were a serial
 * loop after it, 20 us of a batch's 53 on 1 thread at 26 units (wn-nouns), which 2
 * threads could not share. Each exponential is taken once (they were taken twice). */
static void soft_gate(soso__batch *w, size_t b, const void *ctx)
{
    const soft_gate_ctx *g = ctx;
    size_t t = (size_t)omp_get_thread_num(), k = g->k;
    float *z = g->z + t * g->zstride;
    uint32_t *top = g->top + t * g->tstride;
    w->ent_n[b] = 0;
    if (g->docs->indptr[g->rows[b] + 1] == g->docs->indptr[g->rows[b]]) return;
    const float *s = w->I + b * w->H;
    for (size_t h = 0; h < w->H; h++) z[h] = g->beta * (s[h] - g->inhibitor[h]);
    soso__top_indices(z, w->H, k, 0, top);
    double mx = z[top[0]], e[SOSO__MAX_K], sum = 0;
    for (size_t i = 0; i < k; i++) sum += e[i] = exp((double)z[top[i]] - mx);
    for (size_t i = 0; i < k; i++) {
        w->ent_unit[b * w->E + i] = top[i];
        w->ent_g[b * w->E + i] = (float)(e[i] / sum);
    }
    w->ent_n[b] = (uint32_t)k;
}

typedef struct {
    soso_model *m;
    const soso_docs *docs;
    soso__batch w;
    uint64_t *wins;
    double *mean;
    soft_gate_ctx g;  /* the gate's context (and its scratch), set batch by batch */
    float eta;        /* the running epoch's learning rate                 */
    uint64_t docs0;   /* documents seen before the running batches' first   */
    size_t batch;     /* documents a batch                                 */
} soft_ctx;

soso_status soso__soft_settle(soso_model *m, int threads)
{
    if (!(m->penalty_due > 0)) return SOSO_OK;
    SOSO__CHECK(ortho_penalty_step(m->W, m->units, m->cols, m->penalty_due, threads));
    m->penalty_due = 0;
    return SOSO_OK;
}

/* Batch i of the running ones is next: its rows and its temperature (documents seen
 * before it: B a batch, as the epoch loop counts them). */
static void soft_next(void *user, size_t i, const uint32_t *rows, size_t n)
{
    (void)n;
    soft_ctx *c = user;
    float T = soso__soft_temperature(&c->m->soft, c->docs0 + i * c->batch, c->m->train_rows);
    c->g.rows = rows;
    c->g.beta = 1.0f / T;
}

/* Batch i's gates are done: the mean activation of its gated documents, in batch order,
 * into the inhibitor (which the next batch's gates read). */
static void soft_gated(void *user, size_t i, const uint32_t *rows, size_t n)
{
    (void)i, (void)rows;
    soft_ctx *c = user;
    const soso_soft_params *prm = &c->m->soft;
    size_t H = c->m->units, live = 0;
    for (size_t h = 0; h < H; h++) c->mean[h] = 0;
    for (size_t b = 0; b < n; b++) {
        if (c->w.ent_n[b] == 0) continue;
        for (size_t h = 0; h < H; h++) c->mean[h] += c->w.I[b * H + h];
        live++;
    }
    if (prm->inhibitor_rate > 0 && live > 0)
        for (size_t h = 0; h < H; h++)
            c->m->inhibitor[h] = (float)((1.0 - prm->inhibitor_rate) * c->m->inhibitor[h] +
                                         prm->inhibitor_rate * c->mean[h] / (double)live);
}

/* Oja: W_h += eta / n (sum_b g x_b - sum_b g s W_h), the batch's mean step. */
static float soft_eps(void *user, size_t n)
{
    return ((soft_ctx *)user)->eta / (float)n;
}

/* k mini-batches back to back (soso__batch_steps with soft's hooks: on a team in one
 * parallel region, as Hebbian's); the wins are counted there from the entries (each
 * gated document's largest gate is its first). */
static soso_status soft_batches(void *ctx, const uint32_t *rows, size_t k, size_t batch, size_t n_last, uint32_t epoch,
                                size_t *ran)
{
    soft_ctx *c = ctx;
    const soso_soft_params *prm = &c->m->soft;
    c->eta = prm->eta * (1.0f - (float)epoch / (float)prm->epochs);
    c->docs0 = c->m->docs_seen;
    c->batch = batch;
    soso__batch_hooks hk = {0, soft_next, soft_gated, soft_eps, c};
    uint64_t before = c->w.grouped;
    soso_status s = soso__batch_steps(&c->w, c->m->W, 2.0f, c->docs, rows, k, batch, n_last, soft_gate, &c->g, 0.0f,
                                      0.0f, c->wins, ran, NULL, &hk);
    c->m->grouped_batches += c->w.grouped - before;
    return s;
}

/* One mini-batch, then the orthogonality penalty's dense step (with a penalty, batches
 * go one at a time: W must be plain for it). */
static soso_status soft_batch(void *ctx, const uint32_t *rows, size_t n, uint32_t epoch, int *applied)
{
    soft_ctx *c = ctx;
    soso_model *m = c->m;
    const soso_soft_params *prm = &m->soft;
    size_t ran = 0;
    soso_status s = soft_batches(ctx, rows, 1, n, n, epoch, &ran);
    *applied = ran == 1;
    if (s != SOSO_OK || !(prm->ortho_penalty > 0)) return s;
    soso__batch_fold(&c->w, m->W);
    /* The tuner's team (it times this batch, the penalty step included). A step that
     * fails stays due (the batch's update is in W and counts). */
    s = ortho_penalty_step(m->W, m->units, m->cols, c->eta * prm->ortho_penalty, c->w.cap);
    if (s != SOSO_OK) m->penalty_due = c->eta * prm->ortho_penalty;
    return s == SOSO_OK ? soso__batch_lazy(&c->w, m->W) : s;
}

static double current_temperature(const soso_model *m)
{
    return soso__soft_temperature(&m->soft, m->docs_seen, m->train_rows);
}

soso_status soso__soft_train(soso_model *m, const soso_docs *docs, const soso__span *span, soso_progress_fn progress,
                            void *user)
{
    const soso_soft_params *prm = &m->soft;
    size_t H = m->units, B = prm->batch < docs->rows ? prm->batch : docs->rows;
    /* The gate's scratch, a stretch a thread. */
    size_t T = prm->threads > 1 ? (size_t)prm->threads : 1, nz, nt;
    int fits = soso__mul_size(T, soso__per_thread_stride(H), &nz) &&
               soso__mul_size(T, soso__per_thread_stride(prm->k), &nt);
    soft_gate_ctx g = {docs, NULL, m->inhibitor, 1.0f, prm->k, soso__per_thread_stride(H),
                       soso__per_thread_stride(prm->k), fits ? soso__alloc_array(nz, sizeof(float)) : NULL,
                       fits ? soso__alloc_array(nt, sizeof(uint32_t)) : NULL};
    soft_ctx c = {m, docs, {0}, soso__calloc_array(H, sizeof(uint64_t)), soso__alloc_array(H, sizeof(double)), g, 0, 0, 0};
    soso_status s = !fits ? soso__fail(SOSO_E_LIMIT, "soft training's scratch for %zu threads is too large", T)
                    : (c.wins && g.top && g.z && c.mean) ? soso__batch_init(&c.w, H, m->cols, B, prm->k, prm->threads)
                                                         : soso__fail(SOSO_E_NOMEM, "out of memory for soft training");
    soso__blas_begin();
    if (s == SOSO_OK) s = soso__batch_lazy(&c.w, m->W);
    if (s == SOSO_OK) {
        /* Without the penalty's dense step the batches between stop points run back to
         * back (one parallel region on a team). */
        soso__schedule sc = {prm->epochs, prm->seed, B, prm->orthogonalize_every, prm->threads, &c.w, c.wins,
                             &c.w.team_mask, current_temperature, prm->ortho_penalty > 0 ? NULL : soft_batches};
        s = soso__run_batches(m, docs, span, &sc, soft_batch, &c, progress, user);
    }
    soso__blas_end();
    soso__batch_free(&c.w);
    free(c.wins);
    free(g.top);
    free(g.z);
    free(c.mean);
    return s;
}
