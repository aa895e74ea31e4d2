/* test_soft.c - softmax primitives (ALGORITHMS.md section 3 test vectors and extreme
 * inputs), the soft-competition learner, and the health report's warnings. */
#include "harness.h"
#include "soso_internal.h"

#include <stdint.h>
#include <stdlib.h>

static void test_softmax_test_vectors(void)
{
    /* The seed's example: exp(x - max x) = (0.014, 1.000, 0.298, 0.278). */
    float x[4] = {0.50f, 4.78f, 3.57f, 3.50f}, g[4];
    CHECK_OK(soso_softmax(x, 4, 1.0f, g));
    const double want[4] = {0.014, 1.000, 0.298, 0.278};
    for (int i = 0; i < 4; i++) CHECK_NEAR(g[i] / g[1], want[i], 0.0006);
    double sum = 0;
    for (int i = 0; i < 4; i++) sum += g[i];
    CHECK_NEAR(sum, 1.0, 1e-6);

    /* The inhibitor vector, beta = 4: without (0.9016, 0.0390, 0.0594), with m
     * subtracted (0.4149, 0.2838, 0.3013). */
    float s[3] = {0.8f, 0.015f, 0.12f}, m[3] = {0.7f, 0.01f, 0.1f}, d[3], out[3];
    CHECK_OK(soso_softmax(s, 3, 4.0f, out));
    CHECK_NEAR(out[0], 0.9016, 5e-5);
    CHECK_NEAR(out[1], 0.0390, 5e-5);
    CHECK_NEAR(out[2], 0.0594, 5e-5);
    for (int i = 0; i < 3; i++) d[i] = s[i] - m[i];
    CHECK_OK(soso_softmax(d, 3, 4.0f, out));
    CHECK_NEAR(out[0], 0.4149, 5e-5);
    CHECK_NEAR(out[1], 0.2838, 5e-5);
    CHECK_NEAR(out[2], 0.3013, 5e-5);

    /* log-softmax and logsumexp agree with the softmax. */
    float ls[4];
    double lse = 0;
    CHECK_OK(soso_log_softmax(x, 4, 2.0f, ls));
    CHECK_OK(soso_softmax(x, 4, 2.0f, g));
    CHECK_OK(soso_logsumexp(x, 4, 2.0f, &lse));
    for (int i = 0; i < 4; i++) {
        CHECK_NEAR(exp(ls[i]), g[i], 1e-6);
        CHECK_NEAR(ls[i], 2.0 * x[i] - lse, 1e-5);
    }
    /* A marginal likelihood in log space: -logsumexp(log_softmax(a) + log_softmax(b)). */
    float a[3] = {1, 2, 3}, b[3] = {3, 1, 0}, la[3], lb[3], sum3[3];
    CHECK_OK(soso_log_softmax(a, 3, 1.0f, la));
    CHECK_OK(soso_log_softmax(b, 3, 1.0f, lb));
    for (int i = 0; i < 3; i++) sum3[i] = la[i] + lb[i];
    double nll = 0, direct = 0;
    CHECK_OK(soso_logsumexp(sum3, 3, 1.0f, &nll));
    float pa[3], pb[3];
    CHECK_OK(soso_softmax(a, 3, 1.0f, pa));
    CHECK_OK(soso_softmax(b, 3, 1.0f, pb));
    for (int i = 0; i < 3; i++) direct += (double)pa[i] * pb[i];
    CHECK_NEAR(-nll, -log(direct), 1e-6);
}

static void test_softmax_extreme_inputs(void)
{
    float out[4];
    float big[3] = {1e30f, -1e30f, 0.0f};
    CHECK_OK(soso_softmax(big, 3, 4.0f, out));
    CHECK(out[0] == 1.0f && out[1] == 0.0f && out[2] == 0.0f);
    double lse = 0;
    CHECK_OK(soso_logsumexp(big, 3, 1.0f, &lse));
    CHECK_NEAR(lse / 1e30, 1.0, 1e-6);
    float neg[2] = {-1e30f, -1e30f};
    CHECK_OK(soso_softmax(neg, 2, 1.0f, out));
    CHECK(out[0] == 0.5f && out[1] == 0.5f);
    float equal[4] = {3, 3, 3, 3};
    CHECK_OK(soso_softmax(equal, 4, 100.0f, out));
    for (int i = 0; i < 4; i++) CHECK(out[i] == 0.25f);
    float one[3] = {-INFINITY, 2.0f, -INFINITY}, lo[3];
    CHECK_OK(soso_softmax(one, 3, 1.0f, out));
    CHECK(out[0] == 0.0f && out[1] == 1.0f && out[2] == 0.0f);
    CHECK_OK(soso_log_softmax(one, 3, 1.0f, lo));
    CHECK(lo[0] == -INFINITY && lo[1] == 0.0f && lo[2] == -INFINITY);

    float keep[3] = {7, 7, 7};
    float nan_in[3] = {1.0f, NAN, 2.0f};
    memcpy(out, keep, sizeof keep);
    CHECK_STATUS(soso_softmax(nan_in, 3, 1.0f, out), SOSO_E_NUMERIC);
    CHECK(memcmp(out, keep, sizeof keep) == 0); /* no NaN written out */
    float inf_in[2] = {INFINITY, 1.0f};
    CHECK_STATUS(soso_softmax(inf_in, 2, 1.0f, out), SOSO_E_NUMERIC);
    float none[2] = {-INFINITY, -INFINITY};
    CHECK_STATUS(soso_softmax(none, 2, 1.0f, out), SOSO_E_NUMERIC);
    CHECK_STATUS(soso_logsumexp(none, 2, 1.0f, &lse), SOSO_E_NUMERIC);
    CHECK_STATUS(soso_softmax(equal, 4, 0.0f, out), SOSO_E_ARG);
    CHECK_STATUS(soso_softmax(equal, 4, NAN, out), SOSO_E_ARG);
    CHECK_STATUS(soso_softmax(equal, 0, 1.0f, out), SOSO_E_ARG);

    float sc[5] = {0.1f, 0.9f, 0.5f, 0.9f, -2.0f};
    CHECK_OK(soso_topk_scores(sc, 5, 2));
    CHECK(sc[0] == -INFINITY && sc[1] == 0.9f && sc[2] == -INFINITY && sc[3] == 0.9f && sc[4] == -INFINITY);
    CHECK_STATUS(soso_topk_scores(sc, 5, 0), SOSO_E_ARG);
}

/* G groups of WORDS two-letter words; documents of 4 words from one group. */
static soso_docs *planted_docs(int groups, int words, int docs, soso_vocab **vocab)
{
    char *text = malloc((size_t)docs * 64);
    size_t len = 0;
    uint64_t s = 7;
    for (int i = 0; i < docs; i++) {
        for (int w = 0; w < 4; w++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            len += (size_t)sprintf(text + len, "%c%c ", 'a' + i % groups, 'a' + (int)((s >> 33) % (uint64_t)words));
        }
        text[len++] = '\n';
    }
    text[len] = '\0';
    soso_corpus *c = NULL;
    soso_docs *d = NULL;
    soso_input_options in;
    soso_input_options_default(&in);
    *vocab = vocab_from_text(text, 1, 0);
    CHECK_OK(soso_corpus_from_buffer(text, len, &c));
    CHECK_OK(soso_docs_from_corpus(c, *vocab, &in, &d));
    soso_corpus_free(c);
    free(text);
    return d;
}

/* Four units over four groups, started badly on purpose: unit 0 a generalist matching
 * every document, units 1-3 random directions that match none. */
static soso_model *bad_start(const soso_vocab *v, const soso_docs *d, float inhibitor, float t_initial)
{
    size_t V = soso_vocab_size(v);
    soso_soft_params p;
    soso_soft_params_default(&p);
    p.units = 4;
    p.k = 4;
    p.epochs = 300;
    p.init = SOSO_INIT_RANDOM;
    p.inhibitor_rate = inhibitor;
    p.t_initial = t_initial;
    p.t_final = 0.05f;
    p.threads = 2;
    soso_input_options in;
    soso_input_options_default(&in);
    soso_model *m = NULL;
    CHECK_OK(soso_model_create_soft(v, &in, &p, d, &m));
    float *W = malloc(4 * V * sizeof *W);
    uint64_t q = 99;
    for (size_t j = 0; j < V; j++) W[j] = 1.0f / sqrtf((float)V);
    for (size_t h = 1; h < 4; h++)
        for (size_t j = 0; j < V; j++) {
            q = q * 6364136223846793005ull + 1442695040888963407ull;
            W[h * V + j] = (-1.0f + 1.5f * (float)((q >> 40) % 1000) / 1000.0f) / sqrtf((float)V);
        }
    CHECK_OK(soso_model_set_weights(m, W, 4 * V));
    free(W);
    CHECK_OK(soso_model_train(m, d, NULL, NULL));
    return m;
}

static void test_soft_inhibitor_revives_dead_units(void)
{
    soso_vocab *v = NULL;
    soso_docs *d = planted_docs(4, 8, 400, &v);
    /* The plain gate: no inhibitor, no annealing. The generalist takes everything. */
    soso_model *plain = bad_start(v, d, 0.0f, 0.05f);
    soso_health h;
    uint64_t wins[4];
    CHECK_OK(soso_model_health(plain, d, 2, wins, &h));
    printf("     plain gate: wins %llu %llu %llu %llu, dead %zu, warnings %u\n", (unsigned long long)wins[0],
           (unsigned long long)wins[1], (unsigned long long)wins[2], (unsigned long long)wins[3], h.dead_units,
           h.warnings);
    CHECK(h.dead_units >= 2);
    CHECK(h.warnings & SOSO_HEALTH_DEAD_UNITS);
    CHECK(h.warnings & SOSO_HEALTH_COLLAPSE);
    /* The same start with the inhibitor and annealing: one unit per group, healthy. */
    soso_model *inhibited = bad_start(v, d, 0.05f, 1.0f);
    CHECK_OK(soso_model_health(inhibited, d, 2, wins, &h));
    printf("     inhibitor + annealing: wins %llu %llu %llu %llu, dead %zu, warnings %u\n",
           (unsigned long long)wins[0], (unsigned long long)wins[1], (unsigned long long)wins[2],
           (unsigned long long)wins[3], h.dead_units, h.warnings);
    CHECK(h.dead_units == 0);
    CHECK(h.warnings == 0);
    CHECK_NEAR(h.effective_units, 4.0, 0.01);
    soso_model_free(plain);
    soso_model_free(inhibited);
    soso_docs_free(d);
    soso_vocab_free(v);
}

static void test_health_warnings_on_hand_made_models(void)
{
    soso_vocab *v = NULL;
    soso_docs *d = planted_docs(4, 8, 200, &v);
    size_t V = soso_vocab_size(v);
    soso_input_options in;
    soso_input_options_default(&in);
    soso_soft_params p;
    soso_soft_params_default(&p);
    p.units = 4;
    p.init = SOSO_INIT_RANDOM;
    float *W = calloc(4 * V, sizeof *W);
    soso_health h;
    soso_model *m = NULL;

    /* Collapsed: four copies of one generalist (plus tiny differences). */
    CHECK_OK(soso_model_create_soft(v, &in, &p, NULL, &m));
    for (size_t u = 0; u < 4; u++)
        for (size_t j = 0; j < V; j++) W[u * V + j] = 1.0f + 0.001f * (float)u * (float)(j % 3);
    CHECK_OK(soso_model_set_weights(m, W, 4 * V));
    CHECK_OK(soso_model_health(m, d, 1, NULL, &h));
    CHECK(h.warnings & SOSO_HEALTH_COLLAPSE);
    CHECK(h.warnings & SOSO_HEALTH_DUPLICATES);
    CHECK(h.warnings & SOSO_HEALTH_DEAD_UNITS);
    soso_model_free(m);

    /* Uniform gate: one unit per group, but a final temperature so high that the gate
     * cannot tell them apart. */
    for (size_t u = 0; u < 4; u++)
        for (size_t j = 0; j < V; j++) W[u * V + j] = (j / 8 == u) ? 1.0f : 0.0f; /* words of group u */
    p.t_initial = p.t_final = 50.0f;
    CHECK_OK(soso_model_create_soft(v, &in, &p, NULL, &m));
    CHECK_OK(soso_model_set_weights(m, W, 4 * V));
    CHECK_OK(soso_model_health(m, d, 1, NULL, &h));
    CHECK_MSG(h.warnings == SOSO_HEALTH_UNIFORM_GATE, "warnings %u, gate entropy %.3f of %.3f", h.warnings,
              h.gate_entropy, h.gate_entropy_max);
    soso_model_free(m);

    /* Healthy: the same units with a sharp gate. */
    p.t_initial = 1.0f;
    p.t_final = 0.05f;
    CHECK_OK(soso_model_create_soft(v, &in, &p, NULL, &m));
    CHECK_OK(soso_model_set_weights(m, W, 4 * V));
    CHECK_OK(soso_model_health(m, d, 1, NULL, &h));
    CHECK_MSG(h.warnings == 0, "warnings %u", h.warnings);
    CHECK(h.dead_units == 0 && h.documents == 200);
    CHECK(h.gate_entropy >= 0 && h.gate_entropy < 0.1 && fabs(h.gate_entropy_max - log(4.0)) < 1e-9);
    CHECK_NEAR(h.max_abs_cos, 0.0, 1e-7);
    for (unsigned f = 1; f <= 8; f <<= 1) CHECK(strlen(soso_health_warning(f)) > 20);
    soso_model_free(m);
    free(W);
    soso_docs_free(d);
    soso_vocab_free(v);
}

typedef struct {
    int max_threads;
    double first_t, last_t, last_eff;
    uint64_t stop_after_docs;
} log_t;

static int on_progress(const soso_progress *p, void *user)
{
    log_t *l = user;
    if (p->threads_used > l->max_threads) l->max_threads = p->threads_used;
    if (l->first_t == 0) l->first_t = p->temperature;
    l->last_t = p->temperature;
    l->last_eff = p->effective_units;
    return l->stop_after_docs && p->docs_done >= l->stop_after_docs;
}

static void test_soft_threads_resume_and_files(void)
{
    soso_vocab *v = NULL;
    soso_docs *d = NULL;
    load_bundled(&v, &d);
    soso_input_options in;
    soso_input_options_default(&in);
    soso_soft_params p;
    soso_soft_params_default(&p);
    p.units = 128; /* enough work per mini-batch that two threads are worth waking */
    p.epochs = 6;
    p.ortho_penalty = 0.1f;
    soso_model *m[3];
    log_t log[3];
    memset(log, 0, sizeof log);
    for (int i = 0; i < 3; i++) {
        p.threads = i == 0 ? 1 : 2;
        CHECK_OK(soso_model_create_soft(v, &in, &p, d, &m[i]));
    }
    CHECK_OK(soso_model_train(m[0], d, on_progress, &log[0]));
    CHECK_OK(soso_model_train(m[1], d, on_progress, &log[1]));
    size_t n = 128 * soso_vocab_size(v);
    CHECK(memcmp(soso_model_weights(m[0]), soso_model_weights(m[1]), n * sizeof(float)) == 0);
#if defined(_OPENMP)
    CHECK_MSG(log[1].max_threads == 2, "ran with %d threads", log[1].max_threads);
#endif
    /* reported at each epoch's end: T = 0.7^epochs, down to 0.05 */
    CHECK_MSG(fabs(log[0].first_t - 0.7) < 1e-6 && log[0].last_t < 0.2 && log[0].last_eff > 10,
              "temperatures %.3f .. %.3f, effective units %.1f", log[0].first_t, log[0].last_t, log[0].last_eff);
    /* Stop in epoch 3, save, load, resume: the same weights and inhibitor. */
    log[2].stop_after_docs = 2500;
    CHECK_STATUS(soso_model_train(m[2], d, on_progress, &log[2]), SOSO_E_ABORTED);
    void *buf = NULL;
    size_t len = 0;
    CHECK_OK(soso_model_save_buffer(m[2], &buf, &len));
    soso_model *back = NULL;
    CHECK_OK(soso_model_load_buffer(buf, len, &back));
    CHECK_OK(soso_model_train(back, d, NULL, NULL));
    CHECK(memcmp(soso_model_weights(m[0]), soso_model_weights(back), n * sizeof(float)) == 0);
    float t0, t1, i0[128], i1[128];
    CHECK_OK(soso_model_soft_state(m[0], &t0, i0, 128));
    CHECK_OK(soso_model_soft_state(back, &t1, i1, 128));
    CHECK(t0 == t1 && memcmp(i0, i1, sizeof i0) == 0);
    soso_soft_params q;
    CHECK_OK(soso_model_soft_params(back, &q));
    CHECK(q.units == 128 && q.k == 4 && q.ortho_penalty == 0.1f && q.init == SOSO_INIT_DOCUMENTS);
    soso_free(buf);
    soso_model_free(back);
    for (int i = 0; i < 3; i++) soso_model_free(m[i]);
    soso_docs_free(d);
    soso_vocab_free(v);
}

/* Without the penalty's dense step soft's batches between stop points run back to back in
 * one parallel region (the model's grouped_batches), the gate's context and inhibitor set
 * between them: the same weights, inhibitor and temperature on 1, 2 and 3 threads, and a
 * run stopped at a stop point and resumed on 2 threads equals them. Temperature steps
 * every 480 documents, so it changes inside the groups and in a pass's short last batch
 * (a temperature worked out from the batch's own size failed this). 3 threads on a
 * 2-core machine bring out races: the first thread stepping the support marks' round
 * while another still gathered (no barrier without the normaliser) failed this in 6 of
 * 6 runs. */
static void test_soft_batches_back_to_back(void)
{
    soso_vocab *v = NULL;
    soso_docs *d = NULL;
    load_bundled(&v, &d);
    soso_input_options in;
    soso_input_options_default(&in);
    for (uint32_t orth = 0; orth <= 7; orth += 7) {
        soso_soft_params p;
        soso_soft_params_default(&p);
        p.units = 104; /* with batches of 100: enough work that the scores take 3 threads */
        p.k = 9;
        p.init = SOSO_INIT_RANDOM; /* rows that orthogonalise (documents repeat) */
        p.batch = 96; /* 1,000 documents: each pass's last batch is 40, and a group's last */
        p.epochs = 80;
        p.anneal_every = 480; /* a temperature step at 960 documents: in a pass's short last batch */
        p.orthogonalize_every = orth;
        soso_model *m[4] = {NULL, NULL, NULL, NULL};
        log_t log[4];
        memset(log, 0, sizeof log);
        for (int t = 1; t <= 3; t++) {
            p.threads = t;
            CHECK_OK(soso_model_create_soft(v, &in, &p, d, &m[t]));
            CHECK_OK(soso_model_set_team_tuning(m[t], 0));
            CHECK_OK(soso_model_train(m[t], d, on_progress, &log[t]));
        }
        size_t n = 104 * soso_vocab_size(v);
        float t1, tt, i1[104], it[104];
        CHECK_OK(soso_model_soft_state(m[1], &t1, i1, 104));
#if defined(_OPENMP)
        CHECK_MSG(m[2]->grouped_batches > 0 && m[3]->grouped_batches > 0, "%llu and %llu batches back to back",
                  (unsigned long long)m[2]->grouped_batches, (unsigned long long)m[3]->grouped_batches);
#endif
        for (int t = 2; t <= 3; t++) {
            CHECK_OK(soso_model_soft_state(m[t], &tt, it, 104));
            CHECK_MSG(memcmp(soso_model_weights(m[1]), soso_model_weights(m[t]), n * sizeof(float)) == 0 &&
                          memcmp(i1, it, sizeof i1) == 0 && t1 == tt,
                      "orthogonalize every %u: %d threads, other weights or inhibitor than 1", orth, t);
#if defined(_OPENMP)
            CHECK_MSG(log[t].max_threads == t, "%d threads asked, %d ran", t, log[t].max_threads);
#endif
        }
        p.threads = 2; /* stopped after the first stop point past 1,500 documents, then resumed */
        soso_model *r = NULL;
        log_t stop = {0, 0, 0, 0, 1500};
        CHECK_OK(soso_model_create_soft(v, &in, &p, d, &r));
        CHECK_OK(soso_model_set_team_tuning(r, 0));
        CHECK_STATUS(soso_model_train(r, d, on_progress, &stop), SOSO_E_ABORTED);
        CHECK_OK(soso_model_train(r, d, NULL, NULL));
        CHECK_OK(soso_model_soft_state(r, &tt, it, 104));
        CHECK_MSG(memcmp(soso_model_weights(m[1]), soso_model_weights(r), n * sizeof(float)) == 0 &&
                      memcmp(i1, it, sizeof i1) == 0 && t1 == tt,
                  "orthogonalize every %u: stopped and resumed on 2 threads, other weights or inhibitor", orth);
        soso_model_free(r);
        for (int t = 1; t <= 3; t++) soso_model_free(m[t]);
    }
    soso_docs_free(d);
    soso_vocab_free(v);
}

/* Hyper-parameters inside their ranges whose steps blow up (soft: eta 2 with an
 * orthogonality penalty of 1, eta 0.1 with 50, eta 5 on batches of 1; hebbian: p 3 with
 * eps0 1e30) returned SOSO_OK with NaN weights. Training now says it diverged. */
static void test_training_divergence_is_an_error(void)
{
    const char *text = "apple banana\nbanana cherry\ncherry grape\ngrape lemon\nlemon mango\nmango apple\n";
    soso_vocab *v = vocab_from_text(text, 1, 0);
    soso_corpus *c = NULL;
    soso_docs *d = NULL;
    soso_input_options in;
    soso_input_options_default(&in);
    CHECK_OK(soso_corpus_from_buffer(text, strlen(text), &c));
    CHECK_OK(soso_docs_from_corpus(c, v, &in, &d));
    const float cases[][3] = {{2, 1, 100}, {0.1f, 50, 100}, {5, 0, 1}}; /* eta, penalty, batch */
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        soso_soft_params sp;
        soso_soft_params_default(&sp);
        sp.units = 3;
        sp.k = 2;
        sp.epochs = 10;
        sp.eta = cases[k][0];
        sp.ortho_penalty = cases[k][1];
        sp.batch = (uint32_t)cases[k][2];
        CHECK(soso_soft_params_check(&sp, soso_vocab_size(v)) == NULL);
        soso_model *m = NULL;
        CHECK_OK(soso_model_create_soft(v, &in, &sp, d, &m));
        CHECK_STATUS(soso_model_train(m, d, NULL, NULL), SOSO_E_NUMERIC);
        CHECK(strstr(soso_last_error(), "diverged") != NULL);
        soso_model_free(m);
    }
    soso_hebbian_params hp;
    soso_hebbian_params_default(&hp);
    hp.units = 3;
    hp.epochs = 10;
    hp.p = 3;
    hp.eps0 = 1e30f;
    soso_model *m = NULL;
    CHECK_OK(soso_model_create_hebbian(v, &in, &hp, &m));
    CHECK_STATUS(soso_model_train(m, d, NULL, NULL), SOSO_E_NUMERIC);
    CHECK(strstr(soso_last_error(), "diverged") != NULL);
    soso_model_free(m);
    soso_docs_free(d);
    soso_corpus_free(c);
    soso_vocab_free(v);
}

static void test_soft_bad_parameters(void)
{
    soso_soft_params p;
    soso_soft_params_default(&p);
    CHECK(soso_soft_params_check(&p, 100) == NULL);
    p.k = 17;
    CHECK(soso_soft_params_check(&p, 100) != NULL);
    soso_soft_params_default(&p);
    p.t_final = 2.0f; /* above t_initial */
    CHECK(soso_soft_params_check(&p, 100) != NULL);
    soso_soft_params_default(&p);
    p.gamma = 1.5f;
    CHECK(soso_soft_params_check(&p, 100) != NULL);
    soso_soft_params_default(&p);
    p.inhibitor_rate = 1.0f;
    CHECK(soso_soft_params_check(&p, 100) != NULL);
    soso_soft_params_default(&p);
    p.eta = 0;
    CHECK(soso_soft_params_check(&p, 100) != NULL);
    soso_soft_params_default(&p);
    p.orthogonalize_every = 1;
    CHECK(soso_soft_params_check(&p, 10) != NULL); /* 16 units, 10 words */
    soso_vocab *v = vocab_of_size(20);
    soso_input_options in;
    soso_input_options_default(&in);
    soso_model *m = NULL;
    soso_soft_params_default(&p);
    CHECK_STATUS(soso_model_create_soft(v, &in, &p, NULL, &m), SOSO_E_ARG); /* documents init needs documents */
    soso_docs *d = NULL;
    CHECK_OK(soso_docs_create(20, &d));
    CHECK_OK(soso_docs_append_row(d, 0, NULL, NULL));
    CHECK_STATUS(soso_model_create_soft(v, &in, &p, d, &m), SOSO_E_EMPTY);
    CHECK(m == NULL);
    soso_docs_free(d);
    soso_vocab_free(v);
}

const soso_test tests_soft[] = {
    {"softmax_test_vectors", test_softmax_test_vectors},
    {"softmax_extreme_inputs", test_softmax_extreme_inputs},
    {"soft_inhibitor_revives_dead_units", test_soft_inhibitor_revives_dead_units},
    {"health_warnings_on_hand_made_models", test_health_warnings_on_hand_made_models},
    {"soft_threads_resume_and_files", test_soft_threads_resume_and_files},
    {"soft_batches_back_to_back", test_soft_batches_back_to_back},
    {"soft_bad_parameters", test_soft_bad_parameters},
    {"training_divergence_is_an_error", test_training_divergence_is_an_error},
    {NULL, NULL},
};
