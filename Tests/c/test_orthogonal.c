/* test_orthogonal.c - symmetric orthogonalisation and LSA against numpy's SVD
 * (Tests/fixtures/make_orth_fixtures.py), Gram-Schmidt, overlap measures, and the
 * Hebbian learner's --orthogonalize option. */
#include "harness.h"
#include "soso_internal.h"

#include <stdlib.h>

static FILE *fixture(void)
{
    FILE *f = fopen(source_path("Tests/fixtures/orth.txt"), "r");
    CHECK(f != NULL);
    return f;
}

static void test_symmetric_matches_polar_factor(void)
{
    FILE *f = fixture();
    if (!f) return;
    size_t r, c, r2, c2;
    float *W = read_matrix(f, "W", &r, &c), *P = read_matrix(f, "polar", &r2, &c2);
    CHECK(W && P && r == 8 && c == 20);
    CHECK_OK(soso_orthogonalize_symmetric(W, r, c, 2));
    double err = 0;
    for (size_t i = 0; i < r * c; i++) err = fmax(err, fabs(W[i] - P[i]));
    CHECK_MSG(err < 1e-5, "max difference to numpy's polar factor %.3g", err);
    float orth = 1;
    CHECK_OK(soso_orthogonality_error(W, r, c, 1, &orth));
    CHECK_MSG(orth < 1e-5, "|W W^T - I| = %.3g", orth);
    free(W);
    free(P);
    fclose(f);
}

static void test_symmetric_errors(void)
{
    float W[6] = {1, 2, 3, 2, 4, 6}; /* two dependent rows */
    float keep[6];
    memcpy(keep, W, sizeof W);
    CHECK_STATUS(soso_orthogonalize_symmetric(W, 2, 3, 1), SOSO_E_NUMERIC);
    CHECK(memcmp(W, keep, sizeof W) == 0);
    float Z[6] = {0};
    CHECK_STATUS(soso_orthogonalize_symmetric(Z, 2, 3, 1), SOSO_E_NUMERIC);
    CHECK(strstr(soso_last_error(), "linearly dependent") != NULL);
    CHECK_STATUS(soso_orthogonalize_symmetric(W, 3, 2, 1), SOSO_E_ARG); /* rows > cols */
    W[1] = NAN;
    CHECK_STATUS(soso_orthogonalize_symmetric(W, 2, 3, 1), SOSO_E_NUMERIC);
    CHECK_STATUS(soso_orthogonalize_symmetric(NULL, 2, 3, 1), SOSO_E_ARG);
}

/* A matrix long enough for the Gram matrix to be summed over several column ranges
 * (1024 columns or more each): entries from an LCG seeded with `seed`, roughly uniform
 * in [-1, 1). */
static float *seeded_matrix(size_t rows, size_t cols, uint64_t seed)
{
    float *W = malloc(rows * cols * sizeof *W);
    uint64_t s = seed;
    for (size_t i = 0; i < rows * cols; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        W[i] = (float)((double)(s >> 11) / 4503599627370496.0 - 1.0);
    }
    return W;
}

static float *long_matrix(size_t rows, size_t cols) { return seeded_matrix(rows, cols, 12345); }

static double dot_d(const float *a, const float *b, size_t n)
{
    double d = 0;
    for (size_t k = 0; k < n; k++) d += (double)a[k] * b[k];
    return d;
}

/* The polar factor P of W is the one matrix with orthonormal rows for which P W^T is
 * symmetric (it is (W W^T)^(1/2)): checked in double, for 1, 2 and 3 threads, which
 * must give the same bits. tol bounds |P P^T - I|, asym_tol the asymmetry relative to
 * P W^T's largest entry. Measured with S W (the polar factor of far-off rows): 2.1e-7 and
 * 3.9e-9 at 13 x 9000, 6.9e-7 and 5.6e-8 at 70 x 300; W + (S - I) W from those rows (of
 * norm 55 and 10) would give 3.3e-6 and 1.3e-7, 1.2e-6 and 4.6e-7. The bounds below
 * fail the latter at 13 x 9000 with room for another CPU's rounding. Cosines: against double sums, exactly symmetric. */
static void check_polar_and_cosines(const float *W, size_t r, size_t c, double tol, double asym_tol)
{
    float *P = malloc(r * c * sizeof *P), *Q = malloc(r * c * sizeof *Q);
    memcpy(P, W, r * c * sizeof *W);
    CHECK_OK(soso_orthogonalize_symmetric(P, r, c, 1));
    for (int t = 2; t <= 3; t++) {
        memcpy(Q, W, r * c * sizeof *W);
        CHECK_OK(soso_orthogonalize_symmetric(Q, r, c, t));
        CHECK_MSG(memcmp(P, Q, r * c * sizeof *P) == 0, "%d threads differ from 1", t);
    }
    double orth = 0, asym = 0, scale = 0;
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < r; j++) {
            double pp = dot_d(P + i * c, P + j * c, c), pw = dot_d(P + i * c, W + j * c, c);
            double wp = dot_d(W + i * c, P + j * c, c);
            orth = fmax(orth, fabs(pp - (i == j)));
            asym = fmax(asym, fabs(pw - wp));
            scale = fmax(scale, fabs(pw));
        }
    printf("     |P P^T - I| = %.2g, asymmetry of P W^T %.2g of its largest entry\n", orth, asym / scale);
    CHECK_MSG(orth < tol, "|P P^T - I| = %.3g", orth);
    CHECK_MSG(asym < asym_tol * scale, "P W^T is not symmetric: %.3g against %.3g", asym, scale);
    float *cs = malloc(r * r * sizeof *cs);
    CHECK_OK(soso_unit_cosines(W, r, c, 2, cs));
    double err = 0;
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < r; j++) {
            double ij = dot_d(W + i * c, W + j * c, c);
            double ii = dot_d(W + i * c, W + i * c, c), jj = dot_d(W + j * c, W + j * c, c);
            err = fmax(err, fabs(cs[i * r + j] - ij / sqrt(ii * jj)));
            CHECK(cs[i * r + j] == cs[j * r + i]);
        }
    CHECK_MSG(err < 1e-5, "cosines off by %.3g", err);
    free(cs);
    free(P);
    free(Q);
}

/* The Gram matrix's two ways: several column ranges (few rows, many columns) and row
 * blocks (many rows, under 2,048 columns); and (W W^T)^(-1/2)'s three ways: a binomial
 * series (rows within about 1e-2 of orthonormal), Newton-Schulz (up to 48 rows within
 * 1/2) and the eigenproblem (70 rows, or farther off). */
static void test_symmetric_long_rows(void)
{
    size_t shape[2][2] = {{13, 9000}, {70, 300}};
    double tol[2] = {2e-6, 5e-6}, asym_tol[2] = {3e-8, 2.5e-7};
    for (int k = 0; k < 2; k++) {
        size_t r = shape[k][0], c = shape[k][1];
        float *W = long_matrix(r, c);
        check_polar_and_cosines(W, r, c, tol[k], asym_tol[k]);
        /* Nearly orthonormal rows: the polar factor's rows scaled by 1 to 1.1, plus
         * independent noise of 1e-3 an entry (W W^T's eigenvalues within [1/4, 4], where
         * the product is added onto W rather than formed anew). */
        CHECK_OK(soso_orthogonalize_symmetric(W, r, c, 1));
        float *N = seeded_matrix(r, c, 777);
        for (size_t i = 0; i < r; i++)
            for (size_t j = 0; j < c; j++) W[i * c + j] = W[i * c + j] * (1.0f + 0.1f * i / r) + 1e-3f * N[i * c + j];
        check_polar_and_cosines(W, r, c, tol[k], asym_tol[k]);
        /* Rows orthonormal but for noise of 0, 1e-5 and 1e-4 an entry: W W^T's
         * Gershgorin radius around I 2e-7 / 2e-6, 1e-4 / 7e-4 and 1e-3 / 7e-3 (13 / 70
         * rows, measured), where the binomial series takes one, two, and three / four
         * terms instead of an eigenproblem or Newton-Schulz. */
        const float noise[3] = {0.0f, 1e-5f, 1e-4f};
        for (int e = 0; e < 3; e++) {
            CHECK_OK(soso_orthogonalize_symmetric(W, r, c, 1));
            for (size_t i = 0; i < r * c; i++) W[i] += noise[e] * N[(i * 7) % (r * c)];
            check_polar_and_cosines(W, r, c, tol[k], asym_tol[k]);
            CHECK(soso__orth_last_method() == SOSO__ORTH_SERIES);
        }
        /* Orthonormal rows scaled by 1 + delta_i: their polar factor is the rows
         * themselves. |delta| <= 4.9e-3 puts W W^T within 9.8e-3 of I (the series'
         * four terms; the second's sign flipped came out 7e-5 off), 0.2 within 0.44
         * (Newton-Schulz at 13 rows, the eigenproblem at 70). */
        const double delta[2] = {4.9e-3, 0.2};
        for (int e = 0; e < 2; e++) {
            CHECK_OK(soso_orthogonalize_symmetric(W, r, c, 1));
            float *Q = malloc(r * c * sizeof *Q);
            memcpy(Q, W, r * c * sizeof *Q);
            for (size_t i = 0; i < r; i++)
                for (size_t j = 0; j < c; j++) Q[i * c + j] *= (float)(1 + delta[e] * ((double)(i % 5) - 2) / 2);
            CHECK_OK(soso_orthogonalize_symmetric(Q, r, c, 1));
            CHECK(soso__orth_last_method() ==
                  (e == 0 ? SOSO__ORTH_SERIES : r <= 48 ? SOSO__ORTH_NEWTON : SOSO__ORTH_EIGEN));
            double off = 0, top = 0;
            for (size_t i = 0; i < r * c; i++) {
                off = fmax(off, fabs((double)Q[i] - W[i]));
                top = fmax(top, fabs((double)W[i]));
            }
            printf("     rows scaled by 1 +- %g: %.2g of the largest entry from their polar factor\n", delta[e], off / top);
            CHECK_MSG(off < 1e-5 * top, "%zu x %zu rows scaled by 1 +- %g: %.3g from their polar factor (entries to %.3g)",
                      r, c, delta[e], off, top);
            free(Q);
        }
        free(N);
        free(W);
    }
    /* Rows scaled by 0.8 to 1.18 (W W^T's eigenvalues 0.64 to 1.39): Newton-Schulz's
     * slowest case, six steps or so, checked against the same two properties. */
    size_t r = 40, c = 3000;
    float *W = long_matrix(r, c);
    CHECK_OK(soso_orthogonalize_symmetric(W, r, c, 1));
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < c; j++) W[i * c + j] *= 0.8f + 0.38f * (float)i / (float)(r - 1);
    check_polar_and_cosines(W, r, c, 2e-6, 3e-8);
    CHECK(soso__orth_last_method() == SOSO__ORTH_NEWTON);
    free(W);
}

/* Rows close to dependent: W W^T, formed in float, leaves its small eigenvalues with the
 * rounding of its large ones, and one pass came out 5.3e-4 from orthonormal (13 x 9000,
 * two rows 1e-2 apart), 0.06 (1e-3 apart) and 0.5 (1e-6 apart) while reporting success.
 * Further passes make them orthonormal, with P W^T symmetric to what float allows there
 * (measured 3.4e-6 and 3.8e-5 of its largest entry). Rows closer than float can tell
 * apart are either refused (W unchanged: 3e-5 apart here) or made orthonormal (1e-6
 * apart here: which, rounding decides), never left half done. */
static void test_symmetric_nearly_dependent(void)
{
    const size_t r = 13, c = 9000;
    const float apart[] = {1e-2f, 1e-3f, 1e-6f, 3e-5f};
    const double asym_tol[] = {3e-5, 3e-4};
    for (size_t k = 0; k < sizeof apart / sizeof *apart; k++) {
        float *W = long_matrix(r, c), *N = seeded_matrix(1, c, 99);
        for (size_t j = 0; j < c; j++) W[c + j] = W[j] + apart[k] * N[j];
        printf("     rows %g apart:\n", apart[k]);
        if (k < 2) {
            check_polar_and_cosines(W, r, c, 2e-6, asym_tol[k]);
        } else {
            float *keep = malloc(r * c * sizeof *keep);
            memcpy(keep, W, r * c * sizeof *W);
            soso_status st = soso_orthogonalize_symmetric(W, r, c, 2);
            float orth = 1;
            if (st == SOSO_OK) CHECK_OK(soso_orthogonality_error(W, r, c, 1, &orth));
            printf("     status %d, |W W^T - I| = %.2g\n", (int)st, st == SOSO_OK ? orth : 0.0f);
            CHECK(st == SOSO_OK ? orth < 2e-6 : st == SOSO_E_NUMERIC && memcmp(W, keep, r * c * sizeof *W) == 0);
            free(keep);
        }
        free(N);
        free(W);
    }
}

/* Passes that all ask for another (soso__orth_always_again) end at the limit with its
 * error, and W is back to its bits before the call though three passes wrote it; the
 * same rows orthogonalise in one pass without the hook. Near-orthonormal rows (the
 * series) and far-off ones (the eigenproblem) both. */
static void test_symmetric_pass_limit_restores(void)
{
    const size_t r = 6, c = 300;
    for (int near = 0; near < 2; near++) {
        float *W = seeded_matrix(r, c, 7);
        if (near) CHECK_OK(soso_orthogonalize_symmetric(W, r, c, 1));
        for (size_t i = 0; near && i < r * c; i += 7) W[i] *= 1.0001f; /* off by a little */
        float *keep = malloc(r * c * sizeof *keep);
        memcpy(keep, W, r * c * sizeof *W);
        CHECK_OK(soso_orthogonalize_symmetric(keep, r, c, 1)); /* which way the first pass goes */
        CHECK(soso__orth_last_method() == (near ? SOSO__ORTH_SERIES : SOSO__ORTH_EIGEN));
        memcpy(keep, W, r * c * sizeof *W);
        soso__orth_always_again = 1;
        CHECK_STATUS(soso_orthogonalize_symmetric(W, r, c, 2), SOSO_E_NUMERIC);
        soso__orth_always_again = 0;
        CHECK(strstr(soso_last_error(), "not orthonormal after 4 passes") != NULL);
        CHECK(memcmp(W, keep, r * c * sizeof *W) == 0);
        CHECK_OK(soso_orthogonalize_symmetric(W, r, c, 2));
        CHECK(memcmp(W, keep, r * c * sizeof *W) != 0);
        free(keep);
        free(W);
    }
}

/* Rows of tiny scale: their squares leave float's normal range below ~1e-19 an entry, and
 * both methods returned SOSO_OK with rows of 3e-22 3.5e-3 from orthonormal (Gram-Schmidt
 * also with rows of 1e25, whose squares overflow). They work on a power-of-two rescaling
 * now (exact). Symmetric orthogonalisation still refuses rows whose W W^T overflows
 * (test_symmetric_rejects_non_finite). */
static void test_orthogonalize_tiny_and_huge_rows(void)
{
    const float scales[] = {3e-22f, 5e-23f, 1e-40f, 1e-44f, 1e25f}; /* 1e-40 on: subnormal */
    for (size_t k = 0; k < sizeof scales / sizeof *scales; k++) {
        for (int method = 0; method < 2; method++) {
            float W[6] = {3, 0, 0, 0, 3, 4};
            for (int i = 0; i < 6; i++) W[i] *= scales[k] / 5;
            if (scales[k] > 1 && method == 0) {
                CHECK_STATUS(soso_orthogonalize_symmetric(W, 2, 3, 1), SOSO_E_NUMERIC);
                continue;
            }
            CHECK_OK(method ? soso_orthogonalize_gram_schmidt(W, 2, 3) : soso_orthogonalize_symmetric(W, 2, 3, 1));
            const float want[6] = {1, 0, 0, 0, 0.6f, 0.8f};
            double err = 0;
            for (int i = 0; i < 6; i++) err = fmax(err, fabs(W[i] - want[i]));
            CHECK_MSG(err < 1e-6, "scale %g, %s: off by %.3g", (double)scales[k], method ? "Gram-Schmidt" : "symmetric", err);
        }
        if (scales[k] > 1 || scales[k] < 1e-38f) continue; /* R's entries would round to few bits */
        float *R = long_matrix(13, 900), orth = 1;
        for (size_t i = 0; i < 13 * 900; i++) R[i] *= scales[k];
        CHECK_OK(soso_orthogonalize_symmetric(R, 13, 900, 2));
        CHECK_OK(soso_orthogonality_error(R, 13, 900, 1, &orth));
        CHECK_MSG(orth < 2e-6, "scale %g: |W W^T - I| = %.3g", (double)scales[k], orth);
        free(R);
    }
}

/* A NaN or an infinity anywhere, or entries so large that W W^T overflows, is an error
 * that leaves W as it was. */
static void test_symmetric_rejects_non_finite(void)
{
    size_t r = 5, c = 3000;
    float *W = long_matrix(r, c), *keep = malloc(r * c * sizeof *keep);
    W[4 * c + 2999] = NAN;
    memcpy(keep, W, r * c * sizeof *W);
    CHECK_STATUS(soso_orthogonalize_symmetric(W, r, c, 2), SOSO_E_NUMERIC);
    CHECK(strstr(soso_last_error(), "entry 14999") != NULL);
    CHECK(memcmp(W, keep, r * c * sizeof *W) == 0);
    float e = 0, cs[25] = {0}, none[25] = {0};
    double mean = 0, mx = 0;
    CHECK_STATUS(soso_orthogonality_error(W, r, c, 1, &e), SOSO_E_NUMERIC);
    CHECK_STATUS(soso_unit_cosines(W, r, c, 2, cs), SOSO_E_NUMERIC);
    CHECK(memcmp(cs, none, sizeof cs) == 0); /* the output too is left as it was */
    CHECK_STATUS(soso_unit_overlap(W, r, c, 2, &mean, &mx), SOSO_E_NUMERIC);
    W[4 * c + 2999] = -INFINITY;
    CHECK_STATUS(soso_orthogonalize_symmetric(W, r, c, 2), SOSO_E_NUMERIC);
    CHECK(strstr(soso_last_error(), "entry 14999") != NULL);
    W[4 * c + 2999] = 1e30f; /* finite, but its square is not */
    memcpy(keep, W, r * c * sizeof *W);
    CHECK_STATUS(soso_orthogonalize_symmetric(W, r, c, 1), SOSO_E_NUMERIC);
    CHECK(strstr(soso_last_error(), "overflows") != NULL);
    CHECK(memcmp(W, keep, r * c * sizeof *W) == 0);
    free(W);
    free(keep);
}

static void test_gram_schmidt(void)
{
    FILE *f = fixture();
    if (!f) return;
    size_t r, c;
    float *W = read_matrix(f, "W", &r, &c);
    float *orig = malloc(r * c * sizeof *orig);
    memcpy(orig, W, r * c * sizeof *W);
    CHECK_OK(soso_orthogonalize_gram_schmidt(W, r, c));
    float orth = 1;
    CHECK_OK(soso_orthogonality_error(W, r, c, 1, &orth));
    CHECK_MSG(orth < 1e-6, "|Q Q^T - I| = %.3g", orth);
    /* Row i of the original lies in the span of rows 0..i of the result:
     * (W_orig Q^T) is lower triangular. */
    double upper = 0;
    for (size_t i = 0; i < r; i++)
        for (size_t j = i + 1; j < r; j++) {
            double d = 0;
            for (size_t k = 0; k < c; k++) d += (double)orig[i * c + k] * W[j * c + k];
            upper = fmax(upper, fabs(d));
        }
    CHECK_MSG(upper < 1e-5, "upper triangle %.3g", upper);
    float dep[6] = {1, 2, 3, 2, 4, 6}, keep[6];
    memcpy(keep, dep, sizeof dep);
    CHECK_STATUS(soso_orthogonalize_gram_schmidt(dep, 2, 3), SOSO_E_NUMERIC);
    CHECK(memcmp(dep, keep, sizeof dep) == 0);
    free(W);
    free(orig);
    fclose(f);
}

static void test_overlap(void)
{
    float W[9] = {1, 0, 0, 1, 1, 0, 0, 0, 0}; /* cos(r0, r1) = 1/sqrt 2; r2 is zero */
    double mean = 0, mx = 0;
    CHECK_OK(soso_unit_overlap(W, 3, 3, 1, &mean, &mx));
    CHECK_NEAR(mx, 1 / sqrt(2.0), 1e-6);
    CHECK_NEAR(mean, 2 / sqrt(2.0) / 6, 1e-6);
    float orth = 0;
    CHECK_OK(soso_orthogonality_error(W, 3, 3, 1, &orth));
    CHECK_NEAR(orth, 1.0, 1e-6); /* |r1|^2 - 1 = 1, and the zero row: |0 - 1| = 1 */
}

static void test_lsa_matches_svd(void)
{
    FILE *f = fixture();
    if (!f) return;
    size_t r, c, xr, xc, lr, lc;
    free(read_matrix(f, "W", &r, &c));
    free(read_matrix(f, "polar", &r, &c));
    float *X = read_matrix(f, "X", &xr, &xc), *L = read_matrix(f, "lsa5", &lr, &lc);
    CHECK(X && L && xr == 60 && xc == 30 && lr == 5);
    soso_docs *d = NULL;
    CHECK_OK(soso_docs_create(xc, &d));
    for (size_t i = 0; i < xr; i++) {
        uint32_t idx[30];
        float val[30];
        size_t n = 0;
        for (size_t j = 0; j < xc; j++)
            if (X[i * xc + j] != 0) {
                idx[n] = (uint32_t)j;
                val[n++] = X[i * xc + j];
            }
        CHECK_OK(soso_docs_append_row(d, n, idx, val));
    }
    soso_vocab *v = vocab_of_size(xc);
    soso_osc_params p;
    soso_osc_params_default(&p);
    p.units = 5;
    p.sparsity = 2;
    soso_input_options in;
    soso_input_options_default(&in);
    soso_model *m = NULL;
    CHECK_OK(soso_model_create_osc(v, &in, &p, d, &m));
    const float *U = soso_model_weights(m);
    for (size_t k = 0; k < 5 && m; k++) {
        double dot = 0;
        for (size_t j = 0; j < xc; j++) dot += (double)U[k * xc + j] * L[k * xc + j];
        CHECK_MSG(fabs(dot) > 0.9999, "singular vector %zu: |cos| %.6f", k, fabs(dot));
    }
    float orth = 1;
    if (m) CHECK_OK(soso_orthogonality_error(U, 5, xc, 1, &orth));
    CHECK(orth < 1e-5);
    soso_model_free(m);
    soso_vocab_free(v);
    soso_docs_free(d);
    free(X);
    free(L);
    fclose(f);
}

/* LSA with more than 32 directions, whose products go in two column blocks of unequal
 * width (31 units: 41 directions, 21 + 20): documents of one word each with values
 * 1.5^j, so the singular vectors are the words themselves, strongest last; the same on
 * 1 and 2 threads. */
static void test_lsa_in_blocks(void)
{
    enum { V = 50, UNITS = 31 };
    soso_docs *d = NULL;
    CHECK_OK(soso_docs_create(V, &d));
    for (uint32_t j = 0; j < V && d; j++) {
        float val = powf(1.5f, (float)j);
        CHECK_OK(soso_docs_append_row(d, 1, &j, &val));
    }
    soso_vocab *v = vocab_of_size(V);
    soso_input_options in;
    soso_input_options_default(&in);
    soso_model *m[2] = {NULL, NULL};
    for (int t = 0; t < 2; t++) {
        soso_osc_params p;
        soso_osc_params_default(&p);
        p.units = UNITS;
        p.sparsity = 2;
        p.threads = t + 1;
        CHECK_OK(soso_model_create_osc(v, &in, &p, d, &m[t]));
    }
    if (m[0] && m[1]) {
        const float *U = soso_model_weights(m[0]);
        for (size_t k = 0; k < UNITS; k++)
            CHECK_MSG(fabsf(U[k * V + (V - 1 - k)]) > 0.9999f, "unit %zu: |cos| with word %zu %.6f", k, V - 1 - k,
                      (double)fabsf(U[k * V + (V - 1 - k)]));
        CHECK(memcmp(U, soso_model_weights(m[1]), UNITS * V * sizeof *U) == 0);
    }
    soso_model_free(m[0]);
    soso_model_free(m[1]);
    soso_vocab_free(v);
    soso_docs_free(d);
}

static void test_hebbian_orthogonalize_option(void)
{
    soso_vocab *v = vocab_of_size(40);
    soso_docs *d = NULL;
    CHECK_OK(soso_docs_create(40, &d));
    for (uint32_t i = 0; i < 200; i++) {
        uint32_t idx[3] = {i % 40, (i * 7 + 3) % 40, (i * 13 + 5) % 40};
        float val[3] = {0.577f, 0.577f, 0.577f};
        if (idx[1] == idx[0] || idx[2] == idx[0] || idx[2] == idx[1]) continue;
        CHECK_OK(soso_docs_append_row(d, 3, idx, val));
    }
    soso_hebbian_params p;
    soso_hebbian_params_default(&p);
    p.units = 8;
    p.epochs = 10;
    p.batch = 20;
    p.orthogonalize_every = 5;
    soso_input_options in;
    soso_input_options_default(&in);
    soso_model *m = NULL;
    CHECK_OK(soso_model_create_hebbian(v, &in, &p, &m));
    CHECK_OK(soso_model_train(m, d, NULL, NULL));
    float orth = 1;
    CHECK_OK(soso_orthogonality_error(soso_model_weights(m), 8, 40, 1, &orth));
    CHECK_MSG(orth < 1e-5, "after training with orthogonalize: |W W^T - I| = %.3g", orth);
    p.units = 41;
    p.k = 2;
    CHECK(soso_hebbian_params_check(&p, 40) != NULL); /* more units than words */
    soso_model_free(m);
    soso_docs_free(d);
    soso_vocab_free(v);
}

/* The orthogonaliser's own error report (osc's period) is soso_orthogonality_error of W
 * before, bit for bit, near orthonormal (series), farther (eigenproblem) and for rows
 * so small they are rescaled first; and W comes out as the plain call leaves it. */
static void test_symmetric_error_report(void)
{
    const size_t r = 6, c = 40;
    float W[240], A[240];
    for (int kind = 0; kind < 3; kind++) {
        unsigned seed = 77u + (unsigned)kind;
        for (size_t i = 0; i < r * c; i++) {
            seed = seed * 1664525u + 1013904223u;
            float u = (float)(seed >> 8) / 16777216.0f - 0.5f;
            W[i] = kind == 0 ? (i % (c + 1) == 0 ? 1.0f : 0.0f) + 1e-4f * u : kind == 1 ? u : 1e-25f * u;
        }
        memcpy(A, W, sizeof W);
        float want = -1, got = -1;
        CHECK_OK(soso_orthogonality_error(W, r, c, 1, &want));
        CHECK_OK(soso__orthogonalize_symmetric_err(W, r, c, 1, &got));
        CHECK_OK(soso_orthogonalize_symmetric(A, r, c, 1));
        CHECK_MSG(got == want, "kind %d: %g vs %g", kind, (double)got, (double)want);
        CHECK(memcmp(A, W, sizeof W) == 0);
    }
}

const soso_test tests_orthogonal[] = {
    {"symmetric_error_report", test_symmetric_error_report},
    {"symmetric_matches_polar_factor", test_symmetric_matches_polar_factor},
    {"symmetric_errors", test_symmetric_errors},
    {"symmetric_long_rows", test_symmetric_long_rows},
    {"symmetric_nearly_dependent", test_symmetric_nearly_dependent},
    {"symmetric_pass_limit_restores", test_symmetric_pass_limit_restores},
    {"orthogonalize_tiny_and_huge_rows", test_orthogonalize_tiny_and_huge_rows},
    {"symmetric_rejects_non_finite", test_symmetric_rejects_non_finite},
    {"gram_schmidt", test_gram_schmidt},
    {"overlap", test_overlap},
    {"lsa_matches_svd", test_lsa_matches_svd},
    {"lsa_in_blocks", test_lsa_in_blocks},
    {"hebbian_orthogonalize_option", test_hebbian_orthogonalize_option},
    {NULL, NULL},
};
