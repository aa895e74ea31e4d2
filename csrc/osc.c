/* osc.c - Orthogonal Sparse Coding (Schuetze, Barth & Martinetz 2016), ALGORITHMS.md
 * section 2: the plain O(N^2 V) loop as the reference, and the default path, O(N V +
 * K^2 V) per document, that replaces the Gram-Schmidt of the last N - K atoms by one
 * rank-1 rotation, kept lazily and folded into the weights by a product (see "the fast
 * path"). Within a document, work over the vocabulary is split into fixed chunks, every
 * product (soso__low_rank_block) covers one chunk and every sum is combined in chunk
 * order, so the result does not depend on the thread count. */
#include "soso_internal.h"

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
/* T: rotations kept lazily before a product folds them in. Each document's atoms read
 * the pending ones (T / 2 rows of D on average) and each fold writes all N atoms: one
 * epoch of 10,000 noun glosses took 0.51 / 0.53 / 0.55 / 0.66 s at T = 4 / 6 / 8 / 16 (26
 * units, 1 thread) and about 1.3 s at 4 to 8 against 1.5 s at 16 (104 units; 7175378's
 * step). 6: within 4% of the best at 26 units and among the best at 104. Again with the
 * AVX-512 products (soso__low_rank_block) on all 82,115 expanded glosses, 26 units, 1
 * thread: 4.12-4.18 s an epoch at 6, 4.13-4.29 at 8, 4.50-4.61 at 12. */
#define OSC_PENDING 6
/* Doubles of one thread's coefficient work (step_coefficients): M (n x n), the new
 * atoms (K x n), the direction (n), the old atoms' Cholesky factor (K x K), scratch
 * (6 n) and M times each new atom (K x n), n = K + 1. */
#define OSC_COEF_SIZE(K) OSC_LINES(((K) + 1) * ((K) + 1) + 2 * (K) * ((K) + 1) + ((K) + 1) + (K) * (K) + 6 * ((K) + 1))
/* Doubles of one chunk's partial dot products: the old atoms' K (K + 1) / 2 with each
 * other and K with the document. Both sizes get one 64-byte line of padding, so threads
 * never write the same cache line of these two (hot) buffers (malloc aligns to 16 bytes,
 * not 64); cf and cbuf are written less often and not padded. */
#define OSC_PART_SIZE(K) OSC_LINES(OSC_GRAM_AT(K, K))
#define OSC_LINES(d) ((d) + 8)
#define OSC_WORDS_PER_TEAM2 700.0 /* a document's team is at most sqrt(V / this): see step_team */
/* Below this |x_perp| / |x| no rotation is made (it guards the division by |x_perp|).
 * Since the Gram matrix is summed in float, |x_perp| of a document in its atoms' span
 * comes out about 3e-4 |x|, above it, and the rotation made is harmless (see "one
 * document's step"); it still skips a document that M puts exactly in the span. */
#define OSC_MIN_PERP 1e-6
#define OSC_TUNE_GROUP 32 /* documents timed together for the team tuner (~1 ms on the glosses) */
#define OSC_GRAM_AT(K, i) ((K) * ((K) + 1) / 2 + (i)) /* chunk partials: x . old_i after the Gram */

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
 * The first K atoms get the plain loop's arithmetic, on coefficients (up to rounding; see
 * "one document's step" below), O(K^2 V). The other
 * N - K atoms are orthonormal and orthogonal to the K old atoms, and only receive
 * Gram-Schmidt against the new ones; to first order in the step that is one rotation of
 * all of them in the plane of r^ = x_perp / |x_perp| (x without its part in the old
 * atoms) and z, r^ re-orthogonalised against the new atoms:
 *     v_j += (v_j . r^) (z - r^),   v_j . r^ = a_j / |x_perp|   (a = U x).
 * It differs from the plain loop's sequential Gram-Schmidt at second order in the step.
 * The update is rank-1 over all remaining atoms, so it is kept lazily: U = Ub + A D, with
 * A (N x T) the coefficients and D (T x V) the directions z - r^, and folded into Ub with
 * one product every T = 6 documents: N V multiply-adds a document, at a dense product's
 * speed, but one pass over Ub's memory every T documents; and the codes of the next
 * documents still cost their words (times N, plus N for each chunk of the vocabulary
 * that holds some).
 *
 * Neither this path nor its exact variants re-project the other atoms, and a departure
 * from orthonormality grows under such updates (by up to ~1% a document on the planted
 * basis of test_osc.c, even in double precision). So every R documents the weights are
 * replaced by the closest orthonormal matrix (symmetric orthogonalisation, O(N^2 V)),
 * with R adapted to the drift measured there: halved when |U U^T - I| exceeded 1e-5,
 * doubled (up to 1,024) when it stayed below 1e-6. With it the fast path tracks the
 * plain loop (test_osc.c) and recovers the toolbox's planted basis as well as it does. */

#define OSC_REORTH_MIN 16 /* documents; checked at each fold */
#define OSC_REORTH_MAX 1024

typedef struct {
    size_t N, V, K, nchunks, chunk;
    float *Ub;          /* N x V: the model's weights, without the pending rotations */
    float *A;           /* N x T                                                      */
    float *D;           /* T x V                                                      */
    size_t pending;
    float *old;         /* K x V: the K atoms before this document's update           */
    float *codes;       /* N                                                          */
    float *dx;          /* T: D x                                                     */
    float *ak;          /* K x T: the K atoms' rows of A, for the materialising product */
    uint32_t *order;    /* K                                                          */
    unsigned char *done;/* N                                                          */
    double *part;       /* nchunks x (K (K + 1) / 2 + K): each chunk's partial dots   */
    double *coef;       /* threads x OSC_COEF_SIZE(K): each thread's coefficients     */
    size_t *ebound;     /* nchunks + 1: where each chunk's words start in a document  */
    double *cpart;      /* nchunks x OSC_LINES(N + T): each chunk's partial codes and
                         * D x (padded: threads write neighbouring chunks)            */
    float *cf, *cbuf;   /* threads x (K + 1) x K coefficients, and threads x (K + 1) x
                         * chunk rows (combine)                                       */
    int threads;        /* buffers are sized for this many                            */
    int cap;            /* teams take at most this many (the tuner's choice)          */
    unsigned long long team_mask;
    soso__barrier bar;  /* between a document's steps on a team                       */
} osc_ws;

static void ws_free(osc_ws *w)
{
    free(w->A);
    free(w->D);
    free(w->old);
    free(w->codes);
    free(w->dx);
    free(w->ak);
    free(w->order);
    free(w->done);
    free(w->part);
    free(w->coef);
    free(w->ebound);
    free(w->cpart);
    free(w->cf);
    free(w->cbuf);
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
    w->cap = w->threads;
    w->chunk = chunk_size(V);
    w->nchunks = (V + w->chunk - 1) / w->chunk;
    w->A = soso__calloc_array(N * OSC_PENDING, sizeof *w->A);
    w->D = soso__alloc_array(OSC_PENDING * V, sizeof *w->D);
    w->old = soso__alloc_array(K * V, sizeof *w->old);
    w->codes = soso__alloc_array(N, sizeof *w->codes);
    w->dx = soso__alloc_array(OSC_PENDING, sizeof *w->dx);
    w->ak = soso__alloc_array(K * OSC_PENDING, sizeof *w->ak);
    w->order = soso__alloc_array(K, sizeof *w->order);
    w->done = soso__calloc_array(N, 1);
    w->part = soso__alloc_array(w->nchunks * OSC_PART_SIZE(K), sizeof *w->part);
    w->coef = soso__alloc_array((size_t)w->threads * OSC_COEF_SIZE(K), sizeof *w->coef);
    w->ebound = soso__alloc_array(w->nchunks + 1, sizeof *w->ebound);
    w->cpart = soso__alloc_array(w->nchunks * OSC_LINES(N + OSC_PENDING), sizeof *w->cpart);
    w->cf = soso__alloc_array((size_t)w->threads * (K + 1) * K, sizeof *w->cf);
    w->cbuf = soso__alloc_array((size_t)w->threads * (K + 1) * w->chunk, sizeof *w->cbuf);
    if (!w->A || !w->D || !w->old || !w->codes || !w->dx || !w->ak || !w->order || !w->done || !w->part || !w->coef ||
        !w->ebound || !w->cpart || !w->cf || !w->cbuf) {
        ws_free(w);
        return soso__fail(SOSO_E_NOMEM, "out of memory for OSC with %zu atoms over %zu words", N, V);
    }
    return SOSO_OK;
}

/* The team of a document's step (see fast_step) and the chunks thread tid of nt owns:
 * the codes, the step and the fold all give each thread the same columns, so that the
 * weights a core reads are those it wrote. (When the codes went by rows, each core read
 * half its words' weights from the other's cache: in this machine's slow spells, when
 * lines cross between its cores at half speed, 2-thread epochs of the expanded noun
 * glosses took 6.1-6.5 s against 4.0-4.2 on 1 thread; 2.6-2.7 s in normal ones.) */
static int step_team(const osc_ws *w)
{
    /* A team only for a large vocabulary: the work over the vocabulary is the K atoms'
     * materialisation (T / 2 pending rows on average), their K (K + 1) / 2 dot products
     * and the K + 1 rows written from K, about V (K T / 2 + 3 K (K + 1) / 2) multiply-
     * adds, and a team meets at one barrier besides the region's end (the codes and
     * the fold, with their own regions, take the same team). On wn6-1k (1,038
     * words) 2 threads were 3 times slower than 1 when the step met at 4 K + 2 barriers.
     * On a 16-core Xeon, with those barriers, 10,000 noun glosses over wn-nouns' 25,880
     * words ran an epoch fastest on 4 to 6 threads (1.09 and 1.16 s; 8: 1.58 s, 16: 2.47
     * s, 1: 1.8-2.2 s; bench/RESULTS.md). That the best team grows like sqrt(V) is an
     * assumption fitted to that one vocabulary: at most sqrt(V / 700) threads, 6 there;
     * 2 from 2,800 words at sparsity 2 or more (the work: from 6,667 at 1). Not
     * re-measured there with the one-barrier step, so it may be cautious now. Below
     * 2,800 words the codes, too, run on one thread (they had a team of their own
     * before they followed the step's chunks); above it, each document pays for a
     * region, however few its words. */
    const size_t V = w->V, K = w->K, T = OSC_PENDING;
    int team = soso__team_size(w->cap, (double)V * (double)(K * T / 2 + 3 * K * (K + 1) / 2));
    if ((size_t)team > w->nchunks) team = (int)w->nchunks;
    int cap = (int)sqrt((double)V / OSC_WORDS_PER_TEAM2);
    return team > cap ? (cap > 1 ? cap : 1) : team;
}

static void owned_chunks(const osc_ws *w, int tid, int nt, size_t *c_lo, size_t *c_hi)
{
    *c_lo = w->nchunks * (size_t)tid / (size_t)nt;
    *c_hi = w->nchunks * (size_t)(tid + 1) / (size_t)nt;
}

/* Folds the pending rotations into Ub: Ub += A D, chunk by chunk. */
static void flush(osc_ws *w)
{
    if (w->pending == 0) return;
    int team = step_team(w);
#pragma omp parallel num_threads(team) if (team > 1)
    {
        size_t c_lo, c_hi;
        owned_chunks(w, omp_get_thread_num(), omp_get_num_threads(), &c_lo, &c_hi);
        for (size_t c = c_lo; c < c_hi; c++) {
            size_t j0 = c * w->chunk, j1 = j0 + w->chunk < w->V ? j0 + w->chunk : w->V;
            soso__low_rank_block(w->N, w->pending, w->A, OSC_PENDING, w->D + j0, w->V, 1, w->Ub + j0, w->V, j1 - j0);
        }
    }
    memset(w->A, 0, w->N * OSC_PENDING * sizeof *w->A);
    w->pending = 0;
}

/* Chunk c's part of the codes a = Ub x + A (D x): for every row its sum over x's words
 * in the chunk, idx[e0, e1), and for every pending rotation its part of D x, in double,
 * into w->cpart. Rows go four at a time, each summing its words in order: their reads
 * lie a vocabulary apart, and four in flight at once were 1.2x the speed of one row at a
 * time (20,000 expanded noun glosses, 104 units, 1 thread). */
static void codes_of_chunk(osc_ws *w, size_t c, size_t e0, size_t e1, const uint32_t *idx, const float *val)
{
    const size_t V = w->V, N = w->N;
    double *out = w->cpart + c * OSC_LINES(N + OSC_PENDING);
    if (e0 == e1) return; /* no words here: codes_from_parts skips the chunk */
    for (size_t j0 = 0; j0 < N; j0 += 4) {
        size_t n = N - j0 < 4 ? N - j0 : 4;
        const float *u[4];
        double a[4] = {0, 0, 0, 0};
        for (size_t q = 0; q < 4; q++) u[q] = w->Ub + (j0 + (q < n ? q : 0)) * V; /* a short group repeats row j0 */
        for (size_t e = e0; e < e1; e++) {
            size_t i = idx[e];
            double x = val[e];
            a[0] += (double)u[0][i] * x;
            a[1] += (double)u[1][i] * x;
            a[2] += (double)u[2][i] * x;
            a[3] += (double)u[3][i] * x;
        }
        for (size_t q = 0; q < n; q++) out[j0 + q] = a[q];
    }
    for (size_t t = 0; t < w->pending; t++) {
        double acc = 0;
        for (size_t e = e0; e < e1; e++) acc += (double)w->D[t * V + idx[e]] * val[e];
        out[N + t] = acc;
    }
}

/* The codes from the chunks' parts, added in chunk order (the same for any team), but for
 * chunks without words: codes_of_chunk leaves their parts unwritten (they would be 0, and
 * adding 0 would change no bit). */
static void codes_from_parts(osc_ws *w)
{
    const size_t N = w->N, T = OSC_PENDING, P = OSC_LINES(N + T), *eb = w->ebound;
    for (size_t t = 0; t < w->pending; t++) {
        double acc = 0;
        for (size_t c = 0; c < w->nchunks; c++)
            if (eb[c + 1] > eb[c]) acc += w->cpart[c * P + N + t];
        w->dx[t] = (float)acc;
    }
    for (size_t j = 0; j < N; j++) {
        double a = 0;
        for (size_t c = 0; c < w->nchunks; c++)
            if (eb[c + 1] > eb[c]) a += w->cpart[c * P + j];
        for (size_t t = 0; t < w->pending; t++) a += (double)w->A[j * T + t] * w->dx[t];
        w->codes[j] = (float)a;
    }
}

/* ---- one document's step in the span of its atoms and its words ----------------------
 *
 * Every vector the first K atoms' update builds (the atoms after Gram-Schmidt, the
 * Hebbian step and normalisation, the residual r, x_perp, z and the rotation's direction)
 * is a combination of the K old atoms and the document x: n = K + 1 basis vectors. So the
 * step is done on coefficient vectors in that basis, in double, with the basis's Gram
 * matrix M (the old atoms' K (K + 1) / 2 dot products over the vocabulary, their dot
 * products with x over its words, and x . x), exactly the plain loop's arithmetic up to
 * rounding; only the new atoms and the rotation's direction are then written over the
 * vocabulary. Per document that is one pass reading the old atoms and one writing, with
 * one reduction (a barrier) between, instead of 4 K + 2 barrier-separated passes. The
 * codes before it are another parallel region.
 *
 * The old atoms' dot products are summed in float, so M is off by float rounding; near
 * the atoms' span |x_perp| computed from M is then mostly that rounding. That does no
 * harm as long as x_perp is M-orthogonal to the old atoms (perp_coefficients): the
 * rotation's direction z - r^ then has coefficients of order eps |a| |x_perp| and the
 * other atoms' coefficients a_j / |x_perp|, so to first order the update is
 * -eps a a_j times the new atoms, whatever |x_perp| came out as. (Until 66f8e64 x_perp
 * used the float codes, and M was summed again in double near the span to make up for
 * it; a review found every test and a sweep of near-span corpora the same to 4e-7
 * without that second sum once x_perp was solved for, so it went.) */

static double dot_n(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* v += c w and Mv += c Mw: a coefficient vector and its product with M move together. */
static void move_with(double c, const double *w, const double *Mw, double *v, double *Mv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        v[i] += c * w[i];
        Mv[i] += c * Mw[i];
    }
}

/* v -= sum_l (v . rows_l) rows_l, twice over (classical Gram-Schmidt per pass, as the
 * plain loop): rows are k coefficient vectors of n entries and Mrows their products with
 * M, kept beside v's (Mv), so each dot product is O(n) and the step O(K^2 n). */
static void gram_schmidt_twice(const double *rows, const double *Mrows, size_t n, size_t k, double *v, double *Mv,
                               double *c)
{
    for (int pass = 0; pass < 2 && k > 0; pass++) {
        for (size_t l = 0; l < k; l++) c[l] = dot_n(v, Mrows + l * n, n);
        for (size_t l = 0; l < k; l++) move_with(-c[l], rows + l * n, Mrows + l * n, v, Mv, n);
    }
}

/* x_perp = x - sum_k c_k old_k with G c = b (G: the old atoms' Gram matrix, b: their
 * products with x, both in M), by Cholesky: x_perp is then orthogonal to the old atoms
 * in M's metric, to rounding in double, which is what the rotation needs (see "one
 * document's step" above). Taking c = b (or the codes, b in float) left x_perp a part
 * along the old atoms of |G - I| |x| (the atoms' drift between re-orthonormalisations)
 * or of float rounding, no longer small next to |x_perp| when x lies near the atoms'
 * span: z - x_perp / |x_perp| then carried that part divided by |x_perp| into every
 * other atom. On 8 repeated patterns and 8 units (x at or within 1e-4 of its atoms'
 * span) that folded all atoms onto one (test_osc.c). Fills cxp (n: -c, then 1); L:
 * K x K scratch. Returns 0 if G is not positive definite. */
static int perp_coefficients(const double *M, size_t K, double *L, double *cxp)
{
    const size_t n = K + 1;
    for (size_t i = 0; i < K; i++)
        for (size_t j = 0; j <= i; j++) {
            double t = M[i * n + j];
            for (size_t q = 0; q < j; q++) t -= L[i * K + q] * L[j * K + q];
            if (i == j && !(t > 0)) return 0;
            L[i * K + j] = i == j ? sqrt(t) : t / L[j * K + j];
        }
    for (size_t i = 0; i < K; i++) { /* L y = b, y in cxp */
        double t = M[i * n + K];
        for (size_t q = 0; q < i; q++) t -= L[i * K + q] * cxp[q];
        cxp[i] = t / L[i * K + i];
    }
    for (size_t i = K; i-- > 0;) { /* L^T c = y */
        double t = cxp[i];
        for (size_t q = i + 1; q < K; q++) t -= L[q * K + i] * cxp[q];
        cxp[i] = t / L[i * K + i];
    }
    for (size_t i = 0; i < K; i++) cxp[i] = -cxp[i];
    cxp[K] = 1.0;
    return 1;
}

/* The plain loop's first K atoms and the rotation, on coefficients (see above). M: the
 * n x n Gram matrix (symmetric). Fills cneu (K x n: the new atoms) and, when x has a
 * part outside the old atoms, cd (the direction z / |z| - x_perp / |x_perp|); returns
 * |x_perp| (0: no rotation). Every vector v is kept with M v, so that a dot product
 * u . v = u^T M v costs n. Scratch: 6 n doubles; L: K x K; Mc: K x n (M cneu_k). */
static double step_coefficients(const double *M, size_t K, size_t N, double xx, float eps, double *cneu, double *cd,
                                double *L, double *scratch, double *Mc)
{
    const size_t n = K + 1;
    double *cr = scratch, *Mcr = scratch + n, *c = scratch + 2 * n, *cz = scratch + 3 * n, *Mcz = scratch + 4 * n,
           *cxp = scratch + 5 * n;
    for (size_t i = 0; i < n; i++) {
        cr[i] = i == K;
        Mcr[i] = M[i * n + K];
    }
    for (size_t k = 0; k < K; k++) {
        double *cu = cneu + k * n, *Mcu = Mc + k * n;
        for (size_t i = 0; i < n; i++) {
            cu[i] = i == k;
            Mcu[i] = M[i * n + k];
        }
        gram_schmidt_twice(cneu, Mc, n, k, cu, Mcu, c);
        move_with((double)eps * dot_n(cu, Mcr, n), cr, Mcr, cu, Mcu, n);
        double inv = 1.0 / sqrt(dot_n(cu, Mcu, n));
        for (size_t i = 0; i < n; i++) {
            cu[i] *= inv;
            Mcu[i] *= inv;
        }
        move_with(-dot_n(cu, Mcr, n), cu, Mcu, cr, Mcr, n);
    }
    if (K == N) return 0;
    /* x_perp, then z = x_perp / |x_perp| re-orthogonalised against the new atoms. */
    if (!perp_coefficients(M, K, L, cxp)) return 0;
    for (size_t i = 0; i < n; i++) {
        double t = M[i * n + K];
        for (size_t k = 0; k < K; k++) t += cxp[k] * M[i * n + k];
        Mcz[i] = t; /* M x_perp, scaled below */
    }
    double np2 = dot_n(cxp, Mcz, n), np = np2 > 0 ? sqrt(np2) : 0;
    if (!(np > OSC_MIN_PERP * sqrt(xx))) return 0;
    for (size_t i = 0; i < n; i++) {
        cz[i] = cxp[i] / np;
        Mcz[i] /= np;
    }
    gram_schmidt_twice(cneu, Mc, n, K, cz, Mcz, c);
    double zz = dot_n(cz, Mcz, n);
    if (!(zz > 0)) return 0;
    double zn = 1.0 / sqrt(zz);
    for (size_t i = 0; i < n; i++) cd[i] = cz[i] * zn - cxp[i] / np;
    return np;
}

/* The new rows over [j0, j1): the K new atoms into Ub and, unless cd is NULL, the
 * direction into D's next row, each sum_i coef[i] old_i + coef[K] x: one product of the
 * coefficients by the old atoms' chunk into the thread's buffer, then copied out with
 * x's words idx[e0, e1) added. (Plain loops instead: the same epoch time at 2 atoms a
 * document, 1.15 s against 1.15-1.18 s on 20,000 glosses; at 64 of 104 units over
 * 26,000 words a step took 33.5 ms with them, 6.2 ms with sgemm.) */
static void combine(osc_ws *w, int tid, const double *cneu, const double *cd, size_t e0, size_t e1,
                    const uint32_t *idx, const float *val, size_t j0, size_t j1)
{
    const size_t K = w->K, V = w->V, n = K + 1, rows = cd ? K + 1 : K, CH = w->chunk;
    float *cf = w->cf + (size_t)tid * n * K, *out = w->cbuf + (size_t)tid * n * CH;
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < K; i++) cf[r * K + i] = (float)(r < K ? cneu[r * n + i] : cd[i]);
    soso__low_rank_block(rows, K, cf, K, w->old + j0, V, 0, out, CH, j1 - j0);
    for (size_t r = 0; r < rows; r++) {
        float *dst = r < K ? w->Ub + (size_t)w->order[r] * V : w->D + w->pending * V, *o = out + r * CH;
        float cx = (float)(r < K ? cneu[r * n + K] : cd[K]);
        memcpy(dst + j0, o, (j1 - j0) * sizeof *dst);
        for (size_t e = e0; e < e1; e++) dst[idx[e]] += cx * val[e];
    }
}

static void fast_step(osc_ws *w, size_t nnz, const uint32_t *idx, const float *val, float eps)
{
    const size_t N = w->N, V = w->V, K = w->K, T = OSC_PENDING, n = K + 1, P = OSC_PART_SIZE(K);
    /* x's words are ascending: chunk c's are idx[eb[c], eb[c + 1]). */
    size_t *eb = w->ebound;
    for (size_t c = 0, e = 0; c <= w->nchunks; c++) {
        size_t j0 = c * w->chunk;
        while (e < nnz && idx[e] < j0) e++;
        eb[c] = e;
    }
    int team = step_team(w);
    double xx = 0, nperp = 0;
    for (size_t e = 0; e < nnz; e++) xx += (double)val[e] * val[e];
    unsigned long long mask = 0;
    /* One parallel region a document (two, a fork each, cost about 0.45 us more of a
     * document's ~29 on 2 threads), its serial step 2 on the first thread between two
     * barriers; |x|^2 before it, as it needs nothing from the region. */
#pragma omp parallel num_threads(team) if (team > 1)
    {
        int tid = omp_get_thread_num(), nt = omp_get_num_threads();
#pragma omp atomic
        mask |= 1ull << (tid & 63);
        size_t c_lo, c_hi;
        owned_chunks(w, tid, nt, &c_lo, &c_hi);
        /* 1. Codes a = (Ub + A D) x, sparse in x, each thread over the chunks it owns. */
        for (size_t c = c_lo; c < c_hi; c++) codes_of_chunk(w, c, eb[c], eb[c + 1], idx, val);
        soso__barrier_wait(&w->bar);
        if (tid == 0) {
            codes_from_parts(w);
            /* 2. The K atoms with the largest |a|, strongest first. */
            soso__top_indices(w->codes, N, K, 1, w->order);
            if (w->pending)
                for (size_t k = 0; k < K; k++)
                    memcpy(w->ak + k * T, w->A + (size_t)w->order[k] * T, T * sizeof(float));
        }
        soso__barrier_wait(&w->bar);
        const size_t CH = w->chunk;
        size_t j_lo = c_lo * CH, j_hi = c_hi * CH < V ? c_hi * CH : V, n_my = j_hi - j_lo;
#define OSC_FOR_CHUNKS                                                                  \
    for (size_t c = c_lo, j0 = c_lo * CH, j1 = j0 + CH < V ? j0 + CH : V; c < c_hi; \
         c++, j0 = c * CH, j1 = j0 + CH < V ? j0 + CH : V)

        /* 3. Materialise the K old atoms: Ub's rows here, and the pending rotations A D
         * chunk by chunk below (one small product per chunk reads D once for all K; a plain
         * loop doing the same was 1.13x slower an epoch at sparsity 2). */
        for (size_t k = 0; k < K; k++)
            memcpy(w->old + k * V + j_lo, w->Ub + (size_t)w->order[k] * V + j_lo, n_my * sizeof(float));
        const float *Ak = w->ak;
        double *M = w->coef + (size_t)tid * OSC_COEF_SIZE(K), *cneu = M + n * n, *cd = cneu + K * n, *L = cd + n,
               *scratch = L + K * K, *Mc = scratch + 6 * n;
        /* 4. The basis's Gram matrix from partial sums per chunk (summed in chunk order by
         * every thread, which then works out the same coefficients: no barrier after;
         * the old atoms' products in float, see "one document's step" above). */
        OSC_FOR_CHUNKS {
            if (w->pending) /* the atoms' chunk is then in cache for the products */
                soso__low_rank_block(K, w->pending, Ak, T, w->D + j0, V, 1, w->old + j0, V, j1 - j0);
            double *part = w->part + c * P;
            for (size_t i = 0, m = 0; i < K; i++)
                for (size_t j = i; j < K; j++)
                    part[m++] = soso__dot(w->old + i * V + j0, w->old + j * V + j0, j1 - j0);
            for (size_t i = 0; i < K; i++) { /* x . old_i over x's words in the chunk (exact products) */
                const float *row = w->old + i * V;
                double acc = 0;
                for (size_t e = eb[c]; e < eb[c + 1]; e++) acc += (double)row[idx[e]] * val[e];
                part[OSC_GRAM_AT(K, i)] = acc;
            }
        }
        soso__barrier_wait(&w->bar);
        for (size_t q = 0; q < n * n; q++) M[q] = 0;
        for (size_t c = 0; c < w->nchunks; c++) {
            const double *part = w->part + c * P;
            for (size_t i = 0, m = 0; i < K; i++)
                for (size_t j = i; j < K; j++) M[i * n + j] += part[m++];
            for (size_t i = 0; i < K; i++) M[i * n + K] += part[OSC_GRAM_AT(K, i)];
        }
        M[K * n + K] = xx;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < i; j++) M[i * n + j] = M[j * n + i];
        double np = step_coefficients(M, K, N, xx, eps, cneu, cd, L, scratch, Mc);

        /* 5. The new atoms replace the old ones in Ub, and the rotation's direction
         * becomes D's next row. */
        OSC_FOR_CHUNKS combine(w, tid, cneu, np > 0 ? cd : NULL, eb[c], eb[c + 1], idx, val, j0, j1);
        if (tid == 0) nperp = np;
#undef OSC_FOR_CHUNKS
    }
    w->team_mask = mask;
    /* 6. Processed atoms drop their pending terms (they were materialised); the others
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

/* Replaces U by the closest orthonormal matrix and adapts the interval (see above), on
 * `threads` (within training, the tuner's team: it times the group this falls in). */
static soso_status reorthonormalize(soso_model *m, int threads)
{
    float err = 0;
    SOSO__CHECK(soso__orthogonalize_symmetric_err(m->W, m->units, m->cols, threads, &err));
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
        /* The team is timed as the mini-batch learners' is (team_tuner.c), in groups of
         * OSC_TUNE_GROUP documents: on 20,000 glosses at 104 units this machine ran
         * epochs slower on 2 threads than on 1 in some spells (3.7 against 2.6 s). */
        soso__tuner_use(&m->tuner, w.threads, m->fixed_team);
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
    int finished = m->epochs_done >= prm->epochs; /* by an earlier call (an owed finish is paid: soso__settle) */
    double t_max = (double)prm->epochs * (double)total;
    soso_progress pr = soso__progress_begin(m, prm->epochs, span, D);
    double t0 = soso__now();
    struct {
        int docs;
        double words, t0;
    } group = {0, 0, 0};
    while (m->epochs_done < prm->epochs && s == SOSO_OK) {
        uint32_t epoch = m->epochs_done;
        soso__epoch_order(perm, D, prm->seed, epoch, first);
        if (m->epoch_pos == 0) memset(wins, 0, N * sizeof *wins);
        for (size_t pos = (size_t)(m->epoch_pos - first); pos < D; pos++) {
            size_t r = perm[pos], q0 = docs->indptr[r], nnz = docs->indptr[r + 1] - q0;
            if (!prm->exact && group.docs == 0) { /* a new group of documents for the tuner */
                w.cap = soso__tuner_cap(&m->tuner);
                group.t0 = soso__now();
            }
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
            group.words += (double)nnz + 1.0;
            if (!prm->exact && ++group.docs == OSC_TUNE_GROUP) {
                soso__tuner_record(&m->tuner, soso__now() - group.t0, group.words);
                group.docs = 0;
                group.words = 0;
            }
            if (first + pos + 1 == total) {
                m->epochs_done++;
                m->epoch_pos = 0;
            } else {
                m->epoch_pos = first + pos + 1;
            }
            /* The weights are whole again after a flush; only there (and at the end of
             * an epoch) may the run re-orthonormalise or stop, so that a resumed run
             * continues exactly as an uninterrupted one. A re-orthonormalisation that
             * fails (out of memory) stays due: the next run does it first. */
            int boundary = prm->exact ? (pos + 1) % 64 == 0 : 0;
            if (!prm->exact && (w.pending == OSC_PENDING || pos + 1 == D)) {
                flush(&w);
                if (m->osc_since_reorth >= m->osc_reorth_every) {
                    s = reorthonormalize(m, w.cap);
                    if (s != SOSO_OK) break;
                }
                boundary = 1;
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
     * last report (a resumed run would have nothing left to train), once: a model
     * finished before this call is left as it is. A call that failed with the epochs
     * done owes the finish (m->orth_due). */
    if (m->epochs_done >= prm->epochs && !finished) {
        if (s == SOSO_OK || s == SOSO_E_ABORTED) {
            soso_status f = soso__osc_finish(m);
            if (f != SOSO_OK) s = f;
        }
        if (!prm->exact) m->orth_due = s != SOSO_OK && s != SOSO_E_ABORTED;
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
    if (!m->osc.exact) SOSO__CHECK(reorthonormalize(m, m->osc.threads));
    soso__canonical_signs(m->W, m->units, m->cols);
    return SOSO_OK;
}

soso_status soso__osc_settle(soso_model *m, int threads)
{
    if (!m->osc.exact && m->osc_since_reorth >= m->osc_reorth_every) SOSO__CHECK(reorthonormalize(m, threads));
    if (m->orth_due) { /* the finish of the last epoch */
        SOSO__CHECK(soso__osc_finish(m));
        m->orth_due = 0;
    }
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
