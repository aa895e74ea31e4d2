/* test_eval.c - evaluation metrics against scikit-learn and numpy fixtures
 * (Tests/fixtures/make_metric_fixtures.py), label numbering, and t-SNE on planted groups. */
#include "harness.h"

#include <stdint.h>
#include <stdlib.h>

#define METRIC_TOL 1e-6

static int read_ints(FILE *f, int32_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fscanf(f, "%d", &v[i]) != 1) return 0;
    return 1;
}

static void test_metrics_match_sklearn(void)
{
    FILE *f = fopen(source_path("Tests/fixtures/metrics.txt"), "r");
    CHECK(f != NULL);
    if (!f) return;
    char kind[16], name[64];
    int pairs = 0, models = 0;
    while (fscanf(f, " %15s", kind) == 1) {
        if (!strcmp(kind, "pair")) {
            size_t n;
            double nmi, ari, pur, got;
            CHECK(fscanf(f, " %63s %zu", name, &n) == 2);
            int32_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
            CHECK(read_ints(f, a, n) && read_ints(f, b, n));
            CHECK(fscanf(f, "%lf %lf %lf", &nmi, &ari, &pur) == 3);
            CHECK_OK(soso_nmi(a, b, n, &got));
            CHECK_MSG(fabs(got - nmi) <= METRIC_TOL, "%s: NMI %.12f vs sklearn %.12f", name, got, nmi);
            CHECK_OK(soso_ari(a, b, n, &got));
            CHECK_MSG(fabs(got - ari) <= METRIC_TOL, "%s: ARI %.12f vs sklearn %.12f", name, got, ari);
            CHECK_OK(soso_purity(a, b, n, &got));
            CHECK_MSG(fabs(got - pur) <= METRIC_TOL, "%s: purity %.12f vs %.12f", name, got, pur);
            free(a);
            free(b);
            pairs++;
        } else if (!strcmp(kind, "model")) {
            size_t V, H, R;
            CHECK(fscanf(f, "%zu %zu %zu", &V, &H, &R) == 3);
            float *W = malloc(V * H * sizeof *W);
            for (size_t i = 0; i < V * H; i++) {
                double x;
                CHECK(fscanf(f, "%lf", &x) == 1);
                W[i] = (float)x;
            }
            soso_vocab *v = vocab_of_size(V);
            soso_docs *d = NULL;
            CHECK_OK(soso_docs_create(V, &d));
            int32_t *labels = malloc(R * sizeof *labels);
            for (size_t r = 0; r < R; r++) {
                int k;
                uint32_t idx[16];
                float val[16];
                CHECK(fscanf(f, "%d %d", &labels[r], &k) == 2);
                for (int a = 0; a < k; a++) {
                    CHECK(fscanf(f, "%u", &idx[a]) == 1);
                    val[a] = 1.0f;
                }
                CHECK_OK(soso_docs_append_row(d, (size_t)k, idx, val));
            }
            CHECK_OK(soso_docs_normalize(d));
            double want[10];
            for (int i = 0; i < 10; i++) CHECK(fscanf(f, "%lf", &want[i]) == 1);
            soso_hebbian_params p;
            soso_hebbian_params_default(&p);
            p.units = (uint32_t)H;
            soso_input_options in;
            soso_input_options_default(&in);
            soso_model *m = NULL;
            CHECK_OK(soso_model_create_hebbian(v, &in, &p, &m));
            CHECK_OK(soso_model_set_weights(m, W, V * H));
            soso_eval e;
            CHECK_OK(soso_model_eval(m, d, labels, 3, 2, &e));
            const double got[10] = {e.nmi, e.ari, e.purity, e.npmi, e.diversity, e.mean_abs_cos, e.max_abs_cos,
                                    (double)e.dead_units, e.code_sparsity, (double)e.documents};
            const char *names[10] = {"NMI", "ARI", "purity", "NPMI", "diversity", "mean |cos|", "max |cos|",
                                     "dead units", "code sparsity", "documents"};
            for (int i = 0; i < 10; i++)
                CHECK_MSG(fabs(got[i] - want[i]) <= METRIC_TOL, "model: %s %.12f vs reference %.12f", names[i], got[i],
                          want[i]);
            CHECK(e.dead_units == 1 && e.units == H && e.labels == 3);
            /* Without labels, the label-free measures remain. */
            CHECK_OK(soso_model_eval(m, d, NULL, 3, 1, &e));
            CHECK(isnan(e.nmi) && fabs(e.npmi - want[3]) <= METRIC_TOL);
            soso_model_free(m);
            soso_docs_free(d);
            soso_vocab_free(v);
            free(labels);
            free(W);
            models++;
        }
    }
    CHECK_MSG(pairs == 8 && models == 1, "read %d pairs and %d models", pairs, models);
    fclose(f);
}

static void test_label_ids(void)
{
    const char *text = "b\tx\nno label\na\ty\nb\tz\n\tempty label\n";
    soso_corpus *c = NULL;
    CHECK_OK(soso_corpus_from_buffer(text, strlen(text), &c));
    int32_t ids[5];
    size_t n = 0;
    CHECK_OK(soso_corpus_label_ids(c, ids, 5, &n));
    CHECK(n == 3); /* "", "a", "b" in byte order */
    CHECK(ids[0] == 2 && ids[1] == -1 && ids[2] == 1 && ids[3] == 2 && ids[4] == 0);
    CHECK_STATUS(soso_corpus_label_ids(c, ids, 4, &n), SOSO_E_ARG);
    soso_corpus_free(c);
}

/* How many of the map's points have their nearest neighbour in their own group (i % G). */
static int map_agreement(const float *Y, int N, int G)
{
    int agree = 0;
    for (int i = 0; i < N; i++) {
        int best = -1;
        double bd = INFINITY;
        for (int j = 0; j < N; j++) {
            if (j == i) continue;
            double a = Y[2 * i] - Y[2 * j], b = Y[2 * i + 1] - Y[2 * j + 1];
            if (a * a + b * b < bd) {
                bd = a * a + b * b;
                best = j;
            }
        }
        agree += best % G == i % G;
    }
    return agree;
}

/* A label of INT32_MAX asks for a table of 2^31 rows: refused, not overflowed (UBSan
 * caught ma + 1 in int32 before). */
static void test_metrics_huge_label(void)
{
    int32_t labels[2] = {INT32_MAX, 0}, clusters[2] = {1, 0};
    double r = -1;
    CHECK_STATUS(soso_nmi(labels, clusters, 2, &r), SOSO_E_LIMIT);
    CHECK(strstr(soso_last_error(), "2147483648 x 2") != NULL);
    CHECK_STATUS(soso_ari(labels, clusters, 2, &r), SOSO_E_LIMIT);
    CHECK_STATUS(soso_purity(labels, clusters, 2, &r), SOSO_E_LIMIT);
}

/* Counts t-SNE's progress reports; stops at iteration stop_at (-1: never). */
typedef struct {
    int calls;
    uint32_t last;
    long stop_at;
    uint32_t epochs;
} tsne_watch;

static int tsne_count(const soso_progress *p, void *user)
{
    tsne_watch *w = user;
    w->calls++;
    w->last = p->epoch;
    w->epochs = p->epochs;
    return w->stop_at >= 0 && p->epoch >= (uint32_t)w->stop_at;
}

/* Four well-separated groups in 8 dimensions: in the map, a point's nearest neighbour
 * belongs to its own group; also for the same points scaled by 1e-30 (their squared
 * distances underflowed float and the map collapsed onto one point). */
static void test_tsne_separates_planted_groups(void)
{
    enum { G = 4, PER = 60, DIM = 8, N = G * PER };
    float *X = malloc(N * DIM * sizeof *X), *Y = malloc(N * 2 * sizeof *Y), *Y2 = malloc(N * 2 * sizeof *Y2);
    uint64_t s = 3;
    for (int i = 0; i < N; i++)
        for (int k = 0; k < DIM; k++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            double noise = ((double)(s >> 11) / 9007199254740992.0 - 0.5) * 0.6;
            X[i * DIM + k] = (float)((k == i % G ? 3.0 : 0.0) + noise);
        }
    soso_tsne_params p;
    soso_tsne_params_default(&p);
    p.iterations = 500;
    p.threads = 2;
    CHECK_OK(soso_tsne(X, N, DIM, &p, Y));
    int agree = map_agreement(Y, N, G);
    printf("     t-SNE nearest-neighbour label agreement: %.3f\n", (double)agree / N);
    CHECK_MSG(agree > 0.95 * N, "agreement %d of %d", agree, N);
    p.threads = 1; /* the same map for one thread, and with a progress callback */
    tsne_watch w = {0, 0, -1, 0};
    p.progress = tsne_count;
    p.user = &w;
    CHECK_OK(soso_tsne(X, N, DIM, &p, Y2));
    CHECK(memcmp(Y, Y2, N * 2 * sizeof *Y) == 0);
    CHECK_MSG(w.calls == 51 && w.last == 500 && w.epochs == 500, "%d calls, last at %u of %u", w.calls, w.last, w.epochs);
    w.stop_at = 100; /* stopped: SOSO_E_ABORTED and Y as it was */
    memset(Y2, 0, N * 2 * sizeof *Y2);
    CHECK_STATUS(soso_tsne(X, N, DIM, &p, Y2), SOSO_E_ABORTED);
    CHECK(w.last == 100 && Y2[0] == 0.0f && Y2[N * 2 - 1] == 0.0f);
    w.stop_at = 500; /* a stop asked at the end report holds too */
    CHECK_STATUS(soso_tsne(X, N, DIM, &p, Y2), SOSO_E_ABORTED);
    CHECK(w.last == 500 && Y2[0] == 0.0f);
    p.progress = NULL;
    for (int i = 0; i < N * DIM; i++) X[i] *= 1e-30f;
    CHECK_OK(soso_tsne(X, N, DIM, &p, Y2));
    agree = map_agreement(Y2, N, G);
    CHECK_MSG(agree > 0.95 * N, "points of 1e-30: agreement %d of %d", agree, N);
    p.perplexity = (float)N;
    CHECK_STATUS(soso_tsne(X, N, DIM, &p, Y), SOSO_E_ARG);
    X[5] = NAN;
    p.perplexity = 30;
    CHECK_STATUS(soso_tsne(X, N, DIM, &p, Y), SOSO_E_NUMERIC);
    free(X);
    free(Y);
    free(Y2);
}

const soso_test tests_eval[] = {
    {"metrics_match_sklearn", test_metrics_match_sklearn},
    {"label_ids", test_label_ids},
    {"metrics_huge_label", test_metrics_huge_label},
    {"tsne_separates_planted_groups", test_tsne_separates_planted_groups},
    {NULL, NULL},
};
