/* osc.c - Orthogonal Sparse Coding (Schuetze, Barth & Martinetz 2016), ALGORITHMS.md
 * section 2: the plain O(N^2 V) loop as the reference, and the default path, O(N V +
 * K^2 V) per document, that replaces the Gram-Schmidt of the last N - K atoms by one
 * rank-1 rotation, kept lazily and folded into the weights by sgemm (see "the fast
 * path"). Within a document, work over the vocabulary is split into fixed chunks, every
 * BLAS call covers one chunk and every sum is combined in chunk order, so the result does
 * not depend on the thread count. */
#include "soso_internal.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The vocabulary is cut into about 16 chunks of 256 to 4,096 entries (by V alone, never
 * by the thread count): big enough that per-chunk calls cost little, enough of them to
 * share among threads. */
static size_t chunk_size(size_t V)
{
    size_t c = (V + 15) / 16;
    return c < 256 ? 256 : c > 4096 ? 4096 : c;
}
#define OSC_PENDING 16   /* T: rotations kept lazily before an sgemm folds them in */
#define OSC_MAX_DOTS 66  /* partial sums per reduction: K <= 64 dots plus two      */
#define OSC_WORDS_PER_TEAM2 700.0 /* the step's team is at most sqrt(V / this): see fast_step */
#define OSC_MIN_PERP 1e-6 /* below this |x_perp| / |x| the other atoms need no change */

void soso_osc_params_default(soso_osc_params *p)
{
    if (!p) return;
    p->units = 16;
    p->sparsity = 4;
    p->eps_i = 0.1f;
    p->eps_f = 0.001f;
    p->epochs = 20;
    p->seed = 1;
    p->init = SOSO_INIT_LSA;
    p->exact = 0;
    p->threads = 1;
}

const char *soso_osc_params_check(const soso_osc_params *p, size_t vocab_size)
{
    if (!p) return "OSC parameters are NULL";
    if (p->units < 1) return "units must be >= 1";
    if (vocab_size == 0) return "the vocabulary is empty";
    if (p->units > vocab_size) return "units must be <= the vocabulary size (orthonormal atoms need N <= V)";
    if (p->sparsity < 1 || p->sparsity > p->units) return "sparsity must be between 1 and units";
    if (p->sparsity > 64) return "sparsity must be <= 64";
    if (!(p->eps_i > 0.0f && p->eps_i <= 1.0f)) return "eps_i must be in (0, 1]";
    if (!(p->eps_f > 0.0f && p->eps_f <= 1.0f)) return "eps_f must be in (0, 1]";
    if (p->epochs < 1) return "epochs must be >= 1";
    if (p->init != SOSO_INIT_LSA && p->init != SOSO_INIT_RANDOM) return "init must be SOSO_INIT_LSA or SOSO_INIT_RANDOM";
    if (p->exact != 0 && p->exact != 1) return "exact must be 0 or 1";
    return NULL;
}

/* ---- the plain loop ------------------------------------------------------------------ */

/* One document, exactly as ALGORITHMS.md section 2. U: N x V; work: (N + 2) x V floats
 * and N + N floats of scratch. */
static void plain_step(float *U, size_t N, size_t V, size_t K, size_t nnz, const uint32_t *idx, const float *val,
                       float eps, float *codes, uint32_t *order, float *r, float *u, double *c)
{
    for (size_t j = 0; j < N; j++) {
        double acc = 0;
        for (size_t e = 0; e < nnz; e++) acc += (double)U[j * V + idx[e]] * val[e];
        codes[j] = (float)acc;
    }
    soso__top_indices(codes, N, N, 1, order);
    memset(r, 0, V * sizeof *r);
    for (size_t e = 0; e < nnz; e++) r[idx[e]] = val[e];
    for (size_t k = 0; k < N; k++) {
        memcpy(u, U + (size_t)order[k] * V, V * sizeof *u);
        for (int pass = 0; pass < 2; pass++) {
            for (size_t l = 0; l < k; l++) c[l] = soso__dot(u, U + (size_t)order[l] * V, V);
            for (size_t l = 0; l < k; l++) soso__axpy(-(float)c[l], U + (size_t)order[l] * V, u, V);
        }
        if (k < K) soso__axpy(eps * (float)soso__dot(u, r, V), r, u, V);
        soso__scal((float)(1.0 / sqrt(soso__dot(u, u, V))), u, V);
        soso__axpy(-(float)soso__dot(u, r, V), u, r, V);
        memcpy(U + (size_t)order[k] * V, u, V * sizeof *u);
    }
}

/* ---- the fast path -------------------------------------------------------------------
 *
 * The first K atoms are processed exactly as in the plain loop (O(K^2 V)). The other
 * N - K atoms are orthonormal and orthogonal to the K old atoms, and only receive
 * Gram-Schmidt against the new ones; to first order in the step that is one rotation of
 * all of them in the plane of r^ = x_perp / |x_perp| (x without its part in the old
 * atoms) and z, r^ re-orthogonalised against the new atoms:
 *     v_j += (v_j . r^) (z - r^),   v_j . r^ = a_j / |x_perp|   (a = U x).
 * It differs from the plain loop's sequential Gram-Schmidt at second order in the step.
 * The update is rank-1 over all remaining atoms, so it is kept lazily: U = Ub + A D, with
 * A (N x T) the coefficients and D (T x V) the directions z - r^, and folded into Ub with
 * one sgemm every T = 16 documents: O(N V) per document at sgemm speed, and the codes of
 * the next documents still cost only their words.
 *
 * Neither this path nor its exact variants re-project the other atoms, and a departure
 * from orthonormality grows under such updates (by up to ~1% a document on the planted
 * basis of test_osc.c, even in double precision). So every R documents the weights are
 * replaced by the closest orthonormal matrix (symmetric orthogonalisation, O(N^2 V)),
 * with R adapted to the drift measured there: halved when |U U^T - I| exceeded 1e-5,
 * doubled (up to 1,024) when it stayed below 1e-6. With it the fast path tracks the
 * plain loop (test_osc.c) and recovers the toolbox's planted basis as well as it does. */

#define OSC_REORTH_MIN OSC_PENDING
#define OSC_REORTH_MAX 1024

typedef struct {
    size_t N, V, K, nchunks, chunk;
    float *Ub;          /* N x V: the model's weights, without the pending rotations */
    float *A;           /* N x T                                                      */
    float *D;           /* T x V                                                      */
    size_t pending;
    float *old, *neu;   /* K x V: atoms before and after this document's update       */
    float *r, *xp, *z;  /* V                                                          */
    float *codes;       /* N                                                          */
    float *dx;          /* T: D x                                                     */
    float *ak;          /* threads x K x T: the K atoms' rows of A                    */
    uint32_t *order;    /* K                                                          */
    unsigned char *done;/* N                                                          */
    double *part[2];    /* nchunks x OSC_MAX_DOTS partial sums, two alternating sets  */
    int threads;
    unsigned long long team_mask;
} osc_ws;

static void ws_free(osc_ws *w)
{
    free(w->A);
    free(w->D);
    free(w->old);
    free(w->neu);
    free(w->r);
    free(w->xp);
    free(w->z);
    free(w->codes);
    free(w->dx);
    free(w->ak);
    free(w->order);
    free(w->done);
    free(w->part[0]);
    free(w->part[1]);
    memset(w, 0, sizeof *w);
}

static soso_status ws_init(osc_ws *w, float *U, size_t N, size_t V, size_t K, int threads)
{
    memset(w, 0, sizeof *w);
    w->Ub = U;
    w->N = N;
    w->V = V;
    w->K = K;
    w->threads = threads < 1 ? 1 : threads;
    w->chunk = chunk_size(V);
    w->nchunks = (V + w->chunk - 1) / w->chunk;
    w->A = soso__calloc_array(N * OSC_PENDING, sizeof *w->A);
    w->D = soso__alloc_array(OSC_PENDING * V, sizeof *w->D);
    w->old = soso__alloc_array(K * V, sizeof *w->old);
    w->neu = soso__alloc_array(K * V, sizeof *w->neu);
    w->r = soso__alloc_array(V, sizeof *w->r);
    w->xp = soso__alloc_array(V, sizeof *w->xp);
    w->z = soso__alloc_array(V, sizeof *w->z);
    w->codes = soso__alloc_array(N, sizeof *w->codes);
    w->dx = soso__alloc_array(OSC_PENDING, sizeof *w->dx);
    w->ak = soso__alloc_array((size_t)w->threads * K * OSC_PENDING, sizeof *w->ak);
    w->order = soso__alloc_array(K, sizeof *w->order);
    w->done = soso__calloc_array(N, 1);
    w->part[0] = soso__alloc_array(w->nchunks * OSC_MAX_DOTS, sizeof(double));
    w->part[1] = soso__alloc_array(w->nchunks * OSC_MAX_DOTS, sizeof(double));
    if (!w->A || !w->D || !w->old || !w->neu || !w->r || !w->xp || !w->z || !w->codes || !w->dx || !w->ak || !w->order ||
        !w->done || !w->part[0] || !w->part[1]) {
        ws_free(w);
        return soso__fail(SOSO_E_NOMEM, "out of memory for OSC with %zu atoms over %zu words", N, V);
    }
    return SOSO_OK;
}

/* Folds the pending rotations into Ub: Ub += A D (an sgemm over fixed column blocks). */
static void flush(osc_ws *w)
{
    if (w->pending == 0) return;
    soso__gemm_cols(w->N, w->V, w->pending, 1.0f, w->A, OSC_PENDING, 0, w->D, w->V, 1.0f, w->Ub, w->V, w->threads);
    memset(w->A, 0, w->N * OSC_PENDING * sizeof *w->A);
    w->pending = 0;
}

/* Sums partial[c][0..n) over chunks in chunk order (every thread gets the same result). */
static void reduce(const double *part, size_t nchunks, size_t n, double *out)
{
    for (size_t m = 0; m < n; m++) out[m] = 0;
    for (size_t c = 0; c < nchunks; c++)
        for (size_t m = 0; m < n; m++) out[m] += part[c * OSC_MAX_DOTS + m];
}

/* v -= sum_l tot[l] rows[l] over [j0, j1) (row stride V). Level-1 BLAS rounds the end
 * of a call unlike its middle (OpenBLAS's saxpy: a C tail after FMA blocks), so every
 * call over the vocabulary covers exactly one chunk, whatever the thread count. */
static void sub_rows(const double *tot, const float *rows, size_t n, size_t V, float *v, size_t j0, size_t j1)
{
    for (size_t l = 0; l < n; l++) soso__axpy(-(float)tot[l], rows + l * V + j0, v + j0, j1 - j0);
}

/* Partial dot products of v with rows[0..n) (row stride V) over [j0, j1). */
static void partial_dots(const float *v, const float *rows, size_t n, size_t V, size_t j0, size_t j1, double *out)
{
    for (size_t l = 0; l < n; l++) out[l] = soso__dot(v + j0, rows + l * V + j0, j1 - j0);
}

/* Codes of rows j0 .. j0 + 3 (fewer at the end): a = Ub x + A (D x). The rows' words
 * are far apart in memory (Ub is N x V): with four rows' reads in flight at once, and
 * the document's words expanded to hundreds (train's default), this was 1.2x the speed of
 * a row at a time on 1 thread (20,000 noun glosses, 104 units); each row still sums its
 * words in order (the same bits), so rows can go to any thread. */
static void codes_of_rows(osc_ws *w, size_t j0, size_t nnz, const uint32_t *idx, const float *val)
{
    const size_t V = w->V, T = OSC_PENDING, n = w->N - j0 < 4 ? w->N - j0 : 4;
    const float *u[4];
    double a[4] = {0, 0, 0, 0};
    for (size_t q = 0; q < 4; q++) u[q] = w->Ub + (j0 + (q < n ? q : 0)) * V; /* a short group repeats row j0 */
    for (size_t e = 0; e < nnz; e++) {
        size_t i = idx[e];
        double x = val[e];
        a[0] += (double)u[0][i] * x;
        a[1] += (double)u[1][i] * x;
        a[2] += (double)u[2][i] * x;
        a[3] += (double)u[3][i] * x;
    }
    for (size_t q = 0; q < n; q++) {
        for (size_t t = 0; t < w->pending; t++) a[q] += (double)w->A[(j0 + q) * T + t] * w->dx[t];
        w->codes[j0 + q] = (float)a[q];
    }
}

static void fast_step(osc_ws *w, size_t nnz, const uint32_t *idx, const float *val, float eps)
{
    const size_t N = w->N, V = w->V, K = w->K, T = OSC_PENDING;
    /* 1. Codes a = (Ub + A D) x, sparse in x. */
    for (size_t t = 0; t < w->pending; t++) {
        double acc = 0;
        for (size_t e = 0; e < nnz; e++) acc += (double)w->D[t * V + idx[e]] * val[e];
        w->dx[t] = (float)acc;
    }
    int team = soso__team_size(w->threads, 16.0 * (double)N * (double)nnz); /* a scattered read ~ 16 multiply-adds */
    if ((size_t)team > (N + 3) / 4) team = (int)((N + 3) / 4);
#pragma omp parallel for schedule(static) num_threads(team) if (team > 1)
    for (long q = 0; q < (long)((N + 3) / 4); q++) codes_of_rows(w, (size_t)q * 4, nnz, idx, val);
    /* 2. The K atoms with the largest |a|, strongest first. */
    soso__top_indices(w->codes, N, K, 1, w->order);
    double xx = 0;
    for (size_t e = 0; e < nnz; e++) xx += (double)val[e] * val[e];

    /* Each document's step meets at 4 K + 2 barriers: worth a team only for a large
     * vocabulary (on wn6-1k, 1,038 words, 2 threads were 3 times slower than 1), and
     * a barrier costs more the more threads meet at it. On a 16-core Xeon, 10,000 noun
     * glosses over wn-nouns' 25,880 words ran an epoch fastest on 4 to 6 threads (1.09
     * and 1.16 s; 8: 1.58 s, 16: 2.47 s, 1: 1.8-2.2 s; bench/RESULTS.md). That the best
     * team grows like sqrt(V) is an assumption fitted to that one vocabulary: sqrt(V /
     * 700) gives 6 there, and at sparsity 2 to 4 it keeps 2 threads wherever the work
     * gave 2 before (from 2,858 words at 4, 6,154 at 2; larger sparsities lose some). */
    team = soso__team_size(w->threads, (double)V * (double)(K * K + K * T + 8 * K) / 8.0);
    if ((size_t)team > w->nchunks) team = (int)w->nchunks;
    int cap = (int)sqrt((double)V / OSC_WORDS_PER_TEAM2);
    if (team > cap) team = cap > 1 ? cap : 1;
    double nperp = 0;
    unsigned long long mask = 0;
#pragma omp parallel num_threads(team) if (team > 1)
    {
        int tid = omp_get_thread_num(), nt = omp_get_num_threads();
#pragma omp atomic
        mask |= 1ull << (tid & 63);
        size_t c_lo = w->nchunks * (size_t)tid / (size_t)nt, c_hi = w->nchunks * (size_t)(tid + 1) / (size_t)nt;
        const size_t CH = w->chunk;
        size_t j_lo = c_lo * CH, j_hi = c_hi * CH < V ? c_hi * CH : V, n_my = j_hi - j_lo;
        int buf = 0;
        double tot[OSC_MAX_DOTS];
        /* Each thread fills the partial sums of its chunks, then all sum them in chunk
         * order; the two partial-sum sets alternate so no reduction overwrites one that
         * a slower thread is still reading. */
#define OSC_REDUCE(n)                                                       \
    do {                                                                    \
        _Pragma("omp barrier") reduce(w->part[buf], w->nchunks, (n), tot); \
        buf ^= 1;                                                           \
    } while (0)
#define OSC_FOR_CHUNKS                                                                  \
    for (size_t c = c_lo, j0 = c_lo * CH, j1 = j0 + CH < V ? j0 + CH : V; c < c_hi; \
         c++, j0 = c * CH, j1 = j0 + CH < V ? j0 + CH : V)
#define OSC_PART (w->part[buf] + c * OSC_MAX_DOTS) /* chunk c's partial sums     */
#define OSC_DOT(a, b) soso__dot((a) + j0, (b) + j0, j1 - j0) /* over chunk c      */

        /* 3. Materialise the K atoms (old = Ub + A D, then a working copy), and r = x.
         * One small sgemm per chunk reads D once for all K atoms. */
        for (size_t k = 0; k < K; k++)
            memcpy(w->old + k * V + j_lo, w->Ub + (size_t)w->order[k] * V + j_lo, n_my * sizeof(float));
        if (w->pending) {
            float *Ak = w->ak + (size_t)tid * K * T;
            for (size_t k = 0; k < K; k++) memcpy(Ak + k * T, w->A + (size_t)w->order[k] * T, T * sizeof(float));
            OSC_FOR_CHUNKS cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)K, (int)(j1 - j0), (int)w->pending,
                                       1.0f, Ak, (int)T, w->D + j0, (int)V, 1.0f, w->old + j0, (int)V);
        }
        for (size_t k = 0; k < K; k++) memcpy(w->neu + k * V + j_lo, w->old + k * V + j_lo, n_my * sizeof(float));
        memset(w->r + j_lo, 0, n_my * sizeof *w->r);
        for (size_t e = 0; e < nnz; e++)
            if (idx[e] >= j_lo && idx[e] < j_hi) w->r[idx[e]] = val[e];
        memcpy(w->xp + j_lo, w->r + j_lo, n_my * sizeof *w->xp);

        /* 4. The first K atoms exactly as the plain loop: Gram-Schmidt twice, the
         * Hebbian step on the residual, normalisation, residual update. Within an
         * atom, each chunk loop finishes one step and starts the next step's partial
         * sums while the chunk is in cache. */
        for (size_t k = 0; k < K; k++) {
            float *u = w->neu + k * V;
            if (k > 0) OSC_FOR_CHUNKS partial_dots(u, w->neu, k, V, j0, j1, OSC_PART);
            for (int pass = 0; pass < 2 && k > 0; pass++) {
                OSC_REDUCE(k);
                OSC_FOR_CHUNKS {
                    sub_rows(tot, w->neu, k, V, u, j0, j1);
                    if (pass == 0) partial_dots(u, w->neu, k, V, j0, j1, OSC_PART);
                    else OSC_PART[0] = OSC_DOT(u, w->r);
                }
            }
            if (k == 0) OSC_FOR_CHUNKS OSC_PART[0] = OSC_DOT(u, w->r);
            OSC_REDUCE(1);
            float step = eps * (float)tot[0];
            OSC_FOR_CHUNKS {
                soso__axpy(step, w->r + j0, u + j0, j1 - j0);
                OSC_PART[0] = OSC_DOT(u, u);
                OSC_PART[1] = OSC_DOT(u, w->r);
            }
            OSC_REDUCE(2);
            float inv = (float)(1.0 / sqrt(tot[0])), along = -(float)(tot[1] * inv);
            OSC_FOR_CHUNKS {
                soso__scal(inv, u + j0, j1 - j0);
                soso__axpy(along, u + j0, w->r + j0, j1 - j0);
            }
        }

        /* 5. x_perp = x - sum_k (old_k . x) old_k and its norm. */
        OSC_FOR_CHUNKS {
            for (size_t k = 0; k < K; k++) soso__axpy(-w->codes[w->order[k]], w->old + k * V + j0, w->xp + j0, j1 - j0);
            OSC_PART[0] = OSC_DOT(w->xp, w->xp);
        }
        OSC_REDUCE(1);
        double np = sqrt(tot[0]);
        if (K < N && np > 1e-6 * sqrt(xx)) {
            /* 6. z = r^ re-orthogonalised (twice) against the new atoms, and the
             * rotation's direction z/|z| - r^ into D. */
            float unit = (float)(1.0 / np);
            OSC_FOR_CHUNKS {
                soso__scal(unit, w->xp + j0, j1 - j0);
                memcpy(w->z + j0, w->xp + j0, (j1 - j0) * sizeof *w->z);
                partial_dots(w->z, w->neu, K, V, j0, j1, OSC_PART);
            }
            for (int pass = 0; pass < 2; pass++) {
                OSC_REDUCE(K);
                OSC_FOR_CHUNKS {
                    sub_rows(tot, w->neu, K, V, w->z, j0, j1);
                    if (pass == 0) partial_dots(w->z, w->neu, K, V, j0, j1, OSC_PART);
                    else OSC_PART[0] = OSC_DOT(w->z, w->z);
                }
            }
            OSC_REDUCE(1);
            float inv = (float)(1.0 / sqrt(tot[0]));
            float *d = w->D + w->pending * V;
            for (size_t j = j_lo; j < j_hi; j++) d[j] = w->z[j] * inv - w->xp[j];
            if (tid == 0) nperp = np;
        }
        /* 7. The new atoms replace the old ones. */
        for (size_t k = 0; k < K; k++)
            memcpy(w->Ub + (size_t)w->order[k] * V + j_lo, w->neu + k * V + j_lo, n_my * sizeof(float));
#undef OSC_REDUCE
#undef OSC_FOR_CHUNKS
#undef OSC_PART
#undef OSC_DOT
    }
    w->team_mask = mask;
    /* 8. Processed atoms drop their pending terms (they were materialised); the others
     * take the rotation with coefficient a_j / |x_perp|. */
    for (size_t k = 0; k < K; k++) {
        w->done[w->order[k]] = 1;
        memset(w->A + (size_t)w->order[k] * T, 0, T * sizeof *w->A);
    }
    if (nperp > 0) {
        for (size_t j = 0; j < N; j++) w->A[j * T + w->pending] = w->done[j] ? 0.0f : (float)(w->codes[j] / nperp);
        w->pending++;
    }
    for (size_t k = 0; k < K; k++) w->done[w->order[k]] = 0;
}

/* Replaces U by the closest orthonormal matrix and adapts the interval (see above). */
static soso_status reorthonormalize(soso_model *m)
{
    float err = 0;
    SOSO__CHECK(soso_orthogonality_error(m->W, m->units, m->cols, m->osc.threads, &err));
    SOSO__CHECK(soso_orthogonalize_symmetric(m->W, m->units, m->cols, m->osc.threads));
    if (err > 1e-5f && m->osc_reorth_every > OSC_REORTH_MIN) m->osc_reorth_every /= 2;
    else if (err < 1e-6f && m->osc_reorth_every < OSC_REORTH_MAX) m->osc_reorth_every *= 2;
    m->osc_since_reorth = 0;
    return SOSO_OK;
}

/* ---- training ------------------------------------------------------------------------ */

soso_status soso__osc_train(soso_model *m, const soso_docs *docs, const soso__span *span, soso_progress_fn progress,
                           void *user)
{
    const soso_osc_params *prm = &m->osc;
    size_t N = m->units, V = m->cols, K = prm->sparsity, D = docs->rows;
    if (D > UINT32_MAX) return soso__fail(SOSO_E_LIMIT, "at most 2^32-1 documents can be trained on at once");
    uint64_t first = span->whole ? 0 : span->first, total = span->whole ? D : span->total;
    uint32_t *perm = soso__alloc_array(D, sizeof *perm);
    uint64_t *wins = soso__calloc_array(N, sizeof *wins);
    osc_ws w;
    memset(&w, 0, sizeof w);
    float *scratch = NULL;
    uint32_t *order = NULL;
    double *c = NULL;
    soso_status s = perm && wins ? SOSO_OK : soso__fail(SOSO_E_NOMEM, "out of memory for a permutation of %zu documents", D);
    if (s == SOSO_OK && prm->exact) {
        scratch = soso__alloc_array((N + 2 * V), sizeof *scratch);
        order = soso__alloc_array(N, sizeof *order);
        c = soso__alloc_array(N, sizeof *c);
        if (!scratch || !order || !c) s = soso__fail(SOSO_E_NOMEM, "out of memory for the plain OSC loop");
    } else if (s == SOSO_OK) {
        s = ws_init(&w, m->W, N, V, K, prm->threads);
    }
    if (s != SOSO_OK) {
        free(perm);
        free(wins);
        free(scratch);
        free(order);
        free(c);
        return s;
    }
    m->train_rows = total;
    soso__blas_begin();
    double t_max = (double)prm->epochs * (double)total;
    soso_progress pr = {0};
    pr.epochs = prm->epochs;
    pr.docs_total = m->epochs_done >= prm->epochs ? 0
                    : span->whole ? (uint64_t)(prm->epochs - m->epochs_done) * D - m->epoch_pos
                                  : first + D - m->epoch_pos;
    double t0 = soso__now();
    while (m->epochs_done < prm->epochs && s == SOSO_OK) {
        uint32_t epoch = m->epochs_done;
        soso__rng rng;
        soso__rng_seed(&rng, prm->seed, SOSO__SHUFFLE_STREAM(epoch, first));
        for (size_t i = 0; i < D; i++) perm[i] = (uint32_t)i;
        soso__rng_shuffle_u32(&rng, perm, D);
        if (m->epoch_pos == 0) memset(wins, 0, N * sizeof *wins);
        for (size_t pos = (size_t)(m->epoch_pos - first); pos < D; pos++) {
            size_t r = perm[pos], q0 = docs->indptr[r], nnz = docs->indptr[r + 1] - q0;
            double t = (double)epoch * (double)total + (double)(first + pos);
            float eps = (float)(prm->eps_i * pow((double)prm->eps_f / prm->eps_i, t / t_max));
            if (nnz > 0) {
                if (prm->exact)
                    plain_step(m->W, N, V, K, nnz, docs->indices + q0, docs->values + q0, eps, scratch, order,
                               scratch + N, scratch + N + V, c);
                else
                    fast_step(&w, nnz, docs->indices + q0, docs->values + q0, eps);
                wins[soso_argmax(prm->exact ? scratch : w.codes, N)]++; /* codes before the update */
            }
            m->docs_seen++;
            pr.docs_done++;
            if (!prm->exact) m->osc_since_reorth++;
            /* The weights are whole again after a flush; only there (and at the end of
             * an epoch) may the run re-orthonormalise or stop, so that a resumed run
             * continues exactly as an uninterrupted one. */
            int boundary = prm->exact ? (pos + 1) % 64 == 0 : 0;
            if (!prm->exact && (w.pending == OSC_PENDING || pos + 1 == D)) {
                flush(&w);
                if (m->osc_since_reorth >= m->osc_reorth_every) {
                    s = reorthonormalize(m);
                    if (s != SOSO_OK) break;
                }
                boundary = 1;
            }
            if (first + pos + 1 == total) {
                m->epochs_done++;
                m->epoch_pos = 0;
            } else {
                m->epoch_pos = first + pos + 1;
            }
            if (pos + 1 == D) boundary = 1; /* the segment's (or epoch's) end */
            if (!boundary) continue;
            pr.epoch = m->epochs_done;
            pr.seconds = soso__now() - t0;
            pr.threads_used = prm->exact ? 1 : soso__popcount64(w.team_mask);
            pr.effective_units = soso__effective_units(wins, N);
            if (progress && progress(&pr, user) != 0) {
                s = soso__fail(SOSO_E_ABORTED, "training stopped on request after %llu documents (epoch %u of %u)",
                               (unsigned long long)pr.docs_done, m->epochs_done, prm->epochs);
                break;
            }
        }
        if (!span->whole) break; /* a segment is one pass */
    }
    /* The last epoch done finishes the model, even when a stop was asked for at its
     * last report (a resumed run would have nothing left to train). */
    if ((s == SOSO_OK || s == SOSO_E_ABORTED) && m->epochs_done >= prm->epochs) {
        soso_status f = soso__osc_finish(m);
        if (f != SOSO_OK) s = f;
    }
    soso__blas_end();
    ws_free(&w);
    free(perm);
    free(wins);
    free(scratch);
    free(order);
    free(c);
    return s;
}

soso_status soso__osc_finish(soso_model *m)
{
    if (!m->osc.exact) SOSO__CHECK(reorthonormalize(m));
    soso__canonical_signs(m->W, m->units, m->cols);
    return SOSO_OK;
}

soso_status soso__osc_init(soso_model *m, const soso_docs *init_docs)
{
    const soso_osc_params *p = &m->osc;
    m->osc_reorth_every = 64;
    m->osc_since_reorth = 0;
    if (p->init == SOSO_INIT_LSA) {
        if (!init_docs) return soso__fail(SOSO_E_ARG, "LSA initialisation needs the training documents");
        if (init_docs->cols != m->cols)
            return soso__fail(SOSO_E_ARG, "the documents have %zu columns but the vocabulary has %zu words",
                              init_docs->cols, m->cols);
        if (init_docs->rows == 0 || init_docs->indptr[init_docs->rows] == 0)
            return soso__fail(SOSO_E_EMPTY, "no document has a known word: nothing to initialise from");
        return soso__lsa(init_docs, m->units, p->seed, p->threads, m->W);
    }
    soso__rng rng;
    soso__rng_seed(&rng, p->seed, SOSO__STREAM_INIT);
    int have = 0;
    double spare = 0;
    for (size_t i = 0; i < m->units * m->cols; i++) m->W[i] = (float)soso__rng_normal(&rng, &have, &spare);
    return soso__orthonormalize_rows(m->W, m->units, m->cols, &rng);
}
