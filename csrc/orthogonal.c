/* orthogonal.c - orthogonality of codebooks: symmetric orthogonalisation (the closest
 * matrix with orthonormal rows), modified Gram-Schmidt with re-orthogonalisation, and
 * the measures of how far a codebook is from orthonormal (ALGORITHMS.md section 5). */
#include "soso_internal.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* LAPACK's symmetric eigensolver (divide and conquer), from OpenBLAS. The trailing
 * arguments are the hidden lengths of the two character arguments. */
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w, double *work,
             const int *lwork, int *iwork, const int *liwork, int *info, size_t jobz_len, size_t uplo_len);

soso_status soso__sym_eig(double *A, size_t n, double *w)
{
    if (n > 46340) return soso__fail(SOSO_E_LIMIT, "eigenproblem of order %zu is too large", n);
    int in = (int)n, lda = (int)n, info = 0, lwork = -1, liwork = -1, iwq = 0;
    double wq = 0;
    dsyevd_("V", "U", &in, A, &lda, w, &wq, &lwork, &iwq, &liwork, &info, 1, 1);
    if (info != 0) return soso__fail(SOSO_E_NUMERIC, "eigensolver workspace query failed (info %d)", info);
    lwork = (int)wq;
    liwork = iwq;
    double *work = soso__alloc_array((size_t)lwork, sizeof *work);
    int *iwork = soso__alloc_array((size_t)liwork, sizeof *iwork);
    soso_status s = SOSO_OK;
    if (!work || !iwork) s = soso__fail(SOSO_E_NOMEM, "out of memory for an eigensolver of order %zu", n);
    if (s == SOSO_OK) {
        dsyevd_("V", "U", &in, A, &lda, w, work, &lwork, iwork, &liwork, &info, 1, 1);
        if (info != 0) s = soso__fail(SOSO_E_NUMERIC, "the eigensolver did not converge (info %d)", info);
    }
    free(work);
    free(iwork);
    return s;
}

static soso_status check_shape(const float *W, size_t rows, size_t cols)
{
    if (!W) return soso__fail(SOSO_E_ARG, "the matrix is NULL");
    if (rows == 0 || cols == 0) return soso__fail(SOSO_E_ARG, "the matrix is empty (%zu x %zu)", rows, cols);
    size_t n;
    if (!soso__mul_size(rows, cols, &n) || !soso__mul_size(rows, rows, &n))
        return soso__fail(SOSO_E_LIMIT, "matrix size overflows");
    return SOSO_OK;
}

static soso_status check_matrix(const float *W, size_t rows, size_t cols)
{
    SOSO__CHECK(check_shape(W, rows, cols));
    for (size_t i = 0; i < rows * cols; i++)
        if (!isfinite(W[i])) return soso__fail(SOSO_E_NUMERIC, "entry %zu of the matrix is not finite", i);
    return SOSO_OK;
}

/* A new Gram matrix W W^T in *G, for the caller to free (NULL on failure). It also
 * checks W: a NaN or infinite entry makes its row's squared norm (a diagonal entry of
 * G) NaN or infinite, so W is scanned, for the message, only when G is not finite.
 * Scanning first took as long as the product. */
static soso_status new_gram(const float *W, size_t rows, size_t cols, int threads, float **G)
{
    *G = soso__alloc_array(rows * rows, sizeof **G);
    if (!*G) return soso__fail(SOSO_E_NOMEM, "out of memory for a %zu x %zu Gram matrix", rows, rows);
    soso__blas_begin();
    soso_status s = soso__gram(W, rows, cols, *G, threads);
    soso__blas_end();
    for (size_t i = 0; s == SOSO_OK && i < rows * rows; i++)
        if (!isfinite((*G)[i])) {
            s = check_matrix(W, rows, cols);
            if (s == SOSO_OK) s = soso__fail(SOSO_E_NUMERIC, "the matrix's entries are too large: W W^T overflows");
        }
    if (s != SOSO_OK) {
        free(*G);
        *G = NULL;
    }
    return s;
}

/* x times the power of two that brings max |x| into [1/2, 1) (soso__unit_exponent), or,
 * unless `always`, only where max |x| is outside 2^-60..2^60, where its squares leave
 * float's normal range. */
static void scale_to_unit(float *x, size_t n, int always)
{
    int e = soso__unit_exponent(x, n, always ? 0 : 60);
    for (size_t i = 0; e != 0 && i < n; i++) x[i] = ldexpf(x[i], -e);
}

/* Passes of symmetric orthogonalisation at most: one where W W^T is well conditioned,
 * more where it is not (see below). */
#define ORTH_MAX_PASSES 4
/* Below this ratio of W W^T's smallest to largest eigenvalue one pass's result is not
 * orthonormal to float precision: W W^T is formed in float, and its small eigenvalues
 * carry the rounding of its large ones (about 1e-7 of them), so the result's error is
 * about 7e-8 / ratio (8 x 60 rows, two of them close: ratio 0.15 gave 2.4e-7, 0.022
 * 3.1e-6, 0.0025 2.8e-5, 2.4e-5 1.4e-3; rows 1e-3 and 3e-5 apart came out 0.14 and 0.5
 * from orthonormal). A second pass starts from nearly orthonormal rows. */
#define ORTH_ONE_PASS_RATIO 0.1

/* Tests: while set, every pass asks for another, so that the pass limit's error and the
 * restore of W after passes that wrote it can be reached (no real W needs 4 passes). */
int soso__orth_always_again;

/* Rows at most this many, the eigenproblem gives way to Newton-Schulz where the series
 * below is not taken but Newton-Schulz may be: at 26 rows dsyevd took 39 us, a tenth of
 * a whole orthogonalisation of 26 x 26,000 with the AVX-512 kernels and a fifth on 2
 * threads (it runs on one), and the iteration's three 26^3 products 3 us a step; at 104
 * rows they cost more than dsyevd. */
#define NEWTON_ROWS 48
#define NEWTON_STEPS 8

/* The largest Gershgorin radius of G around 1, max_i sum_j |G_ij - [i = j]|: every
 * eigenvalue of G lies within it of 1 (NaN stays NaN: no shortcut below is taken). */
static double radius_around_one(const double *G, size_t n)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double r = 0;
        for (size_t j = 0; j < n; j++) r += fabs(G[i * n + j] - (i == j));
        worst = r > worst || r != r ? r : worst;
    }
    return worst;
}

/* Rows at most this many take the series below where they may (four n x n scratch
 * matrices in double: 8 MiB at 512). */
#define SERIES_ROWS 512

/* D = G^(-1/2) - I for G = I + E near the identity (radius rho <= 1e-2), by the binomial
 * series sum_k c_k E^k, c_k = binom(-1/2, k), to the first term whose successor is under
 * 1e-10 (rho^(d+1) c_(d+1) / (1 - rho)): rows orthonormal to float precision (rho 2e-7
 * to 2e-6 in the tests) need the first term alone, -E/2, and no product; rho 1e-2 needs
 * four terms and three products, by Horner. Repeated calls, and osc's re-orthonormalisations, are all
 * such rows: dsyevd took 340 us at 104 rows, an eighth of the call on 2 threads (it runs
 * on one), and Newton-Schulz's step 120 us. Returns 0 where rho is larger (or NaN). E, Q,
 * P: n x n scratch. */
static int series_inverse_sqrt(const double *G, size_t n, double rho, double *D, double *E, double *Q, double *P)
{
    static const double c[] = {1.0, -0.5, 0.375, -0.3125, 0.2734375, -0.24609375};
    if (!(rho <= 1e-2)) return 0;
    int d = 1, in = (int)n;
    while (fabs(c[d + 1]) * pow(rho, d + 1) / (1 - rho) >= 1e-10) d++;
    size_t nn = n * n;
    for (size_t i = 0; i < nn; i++) E[i] = G[i] - (i % (n + 1) == 0);
    if (d == 1) {
        for (size_t i = 0; i < nn; i++) D[i] = c[1] * E[i];
        return 1;
    }
    for (size_t i = 0; i < nn; i++) Q[i] = c[d] * E[i] + (i % (n + 1) == 0 ? c[d - 1] : 0.0);
    for (int k = d - 2; k >= 1; k--) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, in, in, in, 1.0, E, in, Q, in, 0.0, P, in);
        for (size_t i = 0; i < nn; i++) Q[i] = P[i] + (i % (n + 1) == 0 ? c[k] : 0.0);
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, in, in, in, 1.0, E, in, Q, in, 0.0, D, in);
    return 1;
}

/* Z = G^(-1/2) - I (as the series gives it) by the coupled Newton-Schulz iteration
 * (Higham, Functions of Matrices, 6.3): Y = G, Z = I, then T = (3 I - Z Y) / 2, Y = Y T,
 * Z = T Z until T = I. Taken
 * (by the caller) only where Gershgorin's discs put every eigenvalue of G within 1 +-
 * 1/2 (radius_around_one): the residual I - Z Y then falls as 3/4 of its square a step
 * (0.5, 0.22, 0.04, 1e-3, 1e-6, 1e-12), and G's condition (at most 3) needs no second
 * pass. Returns 0 where it has not converged (the caller solves the eigenproblem). Y,
 * T, P: n x n scratch. The products go to the spare buffer and the buffers swap roles
 * (no copies a step); Z's is copied home at the end where it is not Z. */
static int newton_inverse_sqrt(const double *G, size_t n, double *Z, double *Y, double *T, double *P)
{
    int in = (int)n;
    double *y = Y, *z = Z, *spare = P, *t;
    memcpy(y, G, n * n * sizeof *y);
    for (size_t i = 0; i < n * n; i++) z[i] = i % (n + 1) == 0;
    for (int step = 0; step < NEWTON_STEPS; step++) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, in, in, in, -0.5, z, in, y, in, 0.0, T, in);
        double off = 0;
        for (size_t i = 0; i < n * n; i++) {
            T[i] += i % (n + 1) == 0 ? 1.5 : 0.0;
            off = fmax(off, fabs(T[i] - (i % (n + 1) == 0)));
        }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, in, in, in, 1.0, y, in, T, in, 0.0, spare, in);
        t = y, y = spare, spare = t;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, in, in, in, 1.0, T, in, z, in, 0.0, spare, in);
        t = z, z = spare, spare = t;
        /* This step's residual R = 2 (T - I), |R| <= 2 n off, leaves 3/4 |R|^2 < 1e-10: Z
         * to 1e-10, far below float's rounding of the product (rows orthonormal to
         * float precision stop after one step, 3 us at 26 rows, not two). */
        if (3.0 * (n * off) * (n * off) < 1e-10) {
            if (z != Z) memcpy(Z, z, n * n * sizeof *Z);
            for (size_t i = 0; i < n * n; i += n + 1) Z[i] -= 1.0;
            return 1;
        }
    }
    return 0;
}

/* How the last pass got (W W^T)^(-1/2) (SOSO__ORTH_*), for tests that must know the
 * path they cover; guarded where OpenMP is on (a diagnostic only). */
static int last_method;

int soso__orth_last_method(void)
{
    int m;
#pragma omp critical(soso_orth_method)
    m = last_method;
    return m;
}

static void set_method(int m)
{
#pragma omp critical(soso_orth_method)
    last_method = m;
}

/* max |G - I| over a rows x rows Gram matrix: how far its rows are from orthonormal. */
static float max_off_identity(const float *G, size_t rows)
{
    float m = 0;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < rows; j++) {
            float e = fabsf(G[i * rows + j] - (i == j ? 1.0f : 0.0f));
            m = e > m ? e : m;
        }
    return m;
}

/* The scaling S = (W W^T)^(-1/2) - add I of one pass, from W's Gram matrix; W is not
 * written. *add: whether W's rows are near orthonormal (W W^T's eigenvalues within
 * [1/4, 4]): S then holds (W W^T)^(-1/2) - I, applied as W + S W. *again: whether the
 * pass will leave rounding of W W^T's large eigenvalues in the small ones' directions
 * (ratio below ORTH_ONE_PASS_RATIO), so another pass is needed. */
static soso_status symmetric_scaling(const float *W, size_t rows, size_t cols, int threads, double *Gd, double *Sd,
                                     double *lam, float *S, int *add, int *again, int *rescale, float *err)
{
    size_t rr = rows * rows;
    float *G = NULL;
    SOSO__CHECK(new_gram(W, rows, cols, threads, &G));
    if (err) *err = max_off_identity(G, rows);
    for (size_t i = 0; i < rr; i++) Gd[i] = G[i];
    free(G);
    /* A matrix so small (or large) that its squares leave float's normal range: say so
     * before anything is derived from W W^T (the caller rescales W). An all-zero W goes
     * on to the dependence check. */
    double dmax = 0;
    for (size_t k = 0; k < rows; k++) dmax = fmax(dmax, Gd[k * rows + k]);
    *rescale = dmax == 0 ? soso__max_abs(W, rows * cols) > 0 : !(dmax > 0x1p-100 && dmax < 0x1p100);
    if (*rescale) return SOSO_OK;
    /* Near the identity, a short series or Newton-Schulz instead of the eigenproblem:
     * such G are well conditioned (no second pass) and take the add path. */
    double rho = rows <= SERIES_ROWS ? radius_around_one(Gd, rows) : INFINITY;
    int way = 0;
    if (series_inverse_sqrt(Gd, rows, rho, Sd, Sd + rr, Sd + 2 * rr, Sd + 3 * rr))
        way = SOSO__ORTH_SERIES;
    else if (rows <= NEWTON_ROWS && rho <= 0.5 &&
             newton_inverse_sqrt(Gd, rows, Sd, Sd + rr, Sd + 2 * rr, Sd + 3 * rr))
        way = SOSO__ORTH_NEWTON;
    if (way) { /* Sd holds (W W^T)^(-1/2) - I */
        set_method(way);
        *add = 1;
        *again = soso__orth_always_again;
        for (size_t i = 0; i < rr; i++) S[i] = (float)Sd[i];
        return SOSO_OK;
    }
    set_method(SOSO__ORTH_EIGEN);
    SOSO__CHECK(soso__sym_eig(Gd, rows, lam));
    if (!(lam[0] > 1e-10 * lam[rows - 1]))
        return soso__fail(SOSO_E_NUMERIC,
                          "the rows are (nearly) linearly dependent: smallest/largest eigenvalue of W W^T is %.3g",
                          lam[rows - 1] > 0 ? lam[0] / lam[rows - 1] : 0.0);
    /* Column k of Gd (column-major) is eigenvector k, so Gd read row-major is M = Q^T.
     * With row k of M scaled by lam_k^(-1/4): S = M^T M = Q diag(lam^-1/2) Q^T. */
    for (size_t k = 0; k < rows; k++)
        for (size_t j = 0; j < rows; j++) Gd[k * rows + j] /= sqrt(sqrt(lam[k]));
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)rows, (int)rows, (int)rows, 1.0, Gd, (int)rows, Gd,
                (int)rows, 0.0, Sd, (int)rows);
    /* S = I + D. Near orthonormal rows (OSC's steady state, any repeated call), with
     * S's eigenvalues lam^-1/2 in [1/2, 2], W + D W is as exact as S W and skips
     * OpenBLAS's zero-fill of the output; farther off it would cancel (16 times the
     * error from random rows), so S W is formed. */
    *add = lam[0] >= 0.25 && lam[rows - 1] <= 4;
    *again = soso__orth_always_again || lam[0] < ORTH_ONE_PASS_RATIO * lam[rows - 1];
    for (size_t i = 0; i < rr; i++) S[i] = (float)(Sd[i] - (*add && i % (rows + 1) == 0));
    return SOSO_OK;
}

/* symmetric_scaling where W is already of a scale whose squares float holds (rescaled,
 * or the result of a pass): asking for another rescale is an error. */
static soso_status scaling_in_range(const float *W, size_t rows, size_t cols, int threads, double *Gd, double *Sd,
                                    double *lam, float *S, int *add, int *again)
{
    int rescale = 0;
    SOSO__CHECK(symmetric_scaling(W, rows, cols, threads, Gd, Sd, lam, S, add, again, &rescale, NULL));
    return rescale ? soso__fail(SOSO_E_NUMERIC, "the rows' squared norms are out of float's range even rescaled")
                   : SOSO_OK;
}

soso_status soso_orthogonalize_symmetric(float *W, size_t rows, size_t cols, int threads)
{
    return soso__orthogonalize_symmetric_err(W, rows, cols, threads, NULL);
}

soso_status soso__orthogonalize_symmetric_err(float *W, size_t rows, size_t cols, int threads, float *err)
{
    SOSO__CHECK(check_shape(W, rows, cols));
    if (rows > cols)
        return soso__fail(SOSO_E_ARG, "%zu rows of length %zu cannot be orthonormal (rows must be <= cols)", rows, cols);
    size_t rr = rows * rows;
    float *S = soso__alloc_array(rr, sizeof *S), *backup = NULL;
    /* Sd: S in double, and the series' or Newton-Schulz's three scratch matrices where
     * they may run. */
    double *Gd = soso__alloc_array(rr, sizeof *Gd), *Sd = soso__alloc_array(rows <= SERIES_ROWS ? 4 * rr : rr, sizeof *Sd);
    double *lam = soso__alloc_array(rows, sizeof *lam);
    soso_status s = SOSO_OK;
    if (!S || !Gd || !Sd || !lam) s = soso__fail(SOSO_E_NOMEM, "out of memory orthogonalising %zu rows", rows);
    soso__blas_begin();
    /* A W whose squares leave float's range is first scaled by a power of two, once
     * (exact; the result does not depend on W's scale): rows of 3e-22 came out 3.5e-3
     * from orthonormal. Ill-conditioned rows take further passes, each from the last
     * one's result. W is kept until all have worked, so a failure leaves it unchanged. */
    int add = 0, again = 0, rescale = 0;
    if (s == SOSO_OK) s = symmetric_scaling(W, rows, cols, threads, Gd, Sd, lam, S, &add, &again, &rescale, err);
    if (s == SOSO_OK && (again || rescale)) {
        backup = soso__alloc_array(rows * cols, sizeof *backup);
        if (backup) memcpy(backup, W, rows * cols * sizeof *W);
        else s = soso__fail(SOSO_E_NOMEM, "out of memory orthogonalising %zu rows", rows);
    }
    if (s == SOSO_OK && rescale) {
        scale_to_unit(W, rows * cols, 1);
        s = scaling_in_range(W, rows, cols, threads, Gd, Sd, lam, S, &add, &again);
    }
    for (int pass = 1; s == SOSO_OK; pass++) {
        s = soso__gemm_cols_inplace(rows, cols, S, add, W, threads);
        if (s != SOSO_OK || !again) break;
        if (pass == ORTH_MAX_PASSES)
            s = soso__fail(SOSO_E_NUMERIC, "the rows are too close to dependent: not orthonormal after %d passes",
                           ORTH_MAX_PASSES);
        else
            s = scaling_in_range(W, rows, cols, threads, Gd, Sd, lam, S, &add, &again);
    }
    if (s != SOSO_OK && backup) memcpy(W, backup, rows * cols * sizeof *W);
    soso__blas_end();
    free(backup);
    free(S);
    free(Gd);
    free(Sd);
    free(lam);
    return s;
}

soso_status soso_orthogonalize_gram_schmidt(float *W, size_t rows, size_t cols)
{
    SOSO__CHECK(check_matrix(W, rows, cols));
    if (rows > cols)
        return soso__fail(SOSO_E_ARG, "%zu rows of length %zu cannot be orthonormal (rows must be <= cols)", rows, cols);
    float *backup = soso__alloc_array(rows * cols, sizeof *backup);
    if (!backup) return soso__fail(SOSO_E_NOMEM, "out of memory orthogonalising %zu rows", rows);
    memcpy(backup, W, rows * cols * sizeof *W);
    for (size_t i = 0; i < rows; i++) {
        float *v = W + i * cols;
        /* A power of two first where needed (exact; normalising removes it): a row's
         * float squares underflow below about 1e-19 an entry and overflow above 1e19. */
        scale_to_unit(v, cols, 0);
        double before = sqrt(soso__dot(v, v, cols));
        for (int pass = 0; pass < 2; pass++) /* the second pass repairs float cancellation */
            for (size_t j = 0; j < i; j++) soso__axpy(-(float)soso__dot(v, W + j * cols, cols), W + j * cols, v, cols);
        double norm = sqrt(soso__dot(v, v, cols));
        if (!(norm > 1e-6 * before) || norm == 0) {
            memcpy(W, backup, rows * cols * sizeof *W);
            free(backup);
            return soso__fail(SOSO_E_NUMERIC, "row %zu is linearly dependent on the rows before it", i);
        }
        soso__scal((float)(1.0 / norm), v, cols);
    }
    free(backup);
    return SOSO_OK;
}

soso_status soso_orthogonality_error(const float *W, size_t rows, size_t cols, int threads, float *max_abs)
{
    SOSO__CHECK(check_shape(W, rows, cols));
    if (!max_abs) return soso__fail(SOSO_E_ARG, "max_abs is NULL");
    float *G;
    SOSO__CHECK(new_gram(W, rows, cols, threads, &G));
    *max_abs = max_off_identity(G, rows);
    free(G);
    return SOSO_OK;
}

soso_status soso_unit_cosines(const float *W, size_t rows, size_t cols, int threads, float *cosines)
{
    SOSO__CHECK(check_shape(W, rows, cols));
    if (!cosines) return soso__fail(SOSO_E_ARG, "cosines is NULL");
    float *G; /* not in cosines: a failure leaves it as it was */
    SOSO__CHECK(new_gram(W, rows, cols, threads, &G));
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < rows; j++) {
            double den = sqrt((double)G[i * rows + i] * G[j * rows + j]);
            cosines[i * rows + j] = den > 0 ? (float)(G[i * rows + j] / den) : (i == j ? 1.0f : 0.0f);
        }
    free(G);
    return SOSO_OK;
}

soso_status soso_unit_overlap(const float *W, size_t rows, size_t cols, int threads, double *mean_abs_cos,
                              double *max_abs_cos)
{
    SOSO__CHECK(check_shape(W, rows, cols));
    if (!mean_abs_cos || !max_abs_cos) return soso__fail(SOSO_E_ARG, "outputs must not be NULL");
    float *G;
    SOSO__CHECK(new_gram(W, rows, cols, threads, &G));
    double sum = 0, mx = 0;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < rows; j++) {
            if (i == j) continue;
            double ni = G[i * rows + i], nj = G[j * rows + j];
            double c = (ni > 0 && nj > 0) ? fabs((double)G[i * rows + j]) / sqrt(ni * nj) : 0.0; /* zero row: 0 */
            if (c > 1) c = 1;
            sum += c;
            mx = c > mx ? c : mx;
        }
    free(G);
    *mean_abs_cos = rows > 1 ? sum / ((double)rows * (double)(rows - 1)) : 0.0;
    *max_abs_cos = mx;
    return SOSO_OK;
}

void soso__canonical_signs(float *W, size_t rows, size_t cols)
{
    for (size_t i = 0; i < rows; i++) {
        float *w = W + i * cols;
        size_t arg = 0;
        for (size_t j = 1; j < cols; j++)
            if (fabsf(w[j]) > fabsf(w[arg])) arg = j;
        if (w[arg] < 0)
            for (size_t j = 0; j < cols; j++) w[j] = -w[j];
    }
}
