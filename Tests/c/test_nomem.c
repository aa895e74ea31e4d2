/* test_nomem.c - every allocation of each public operation fails in turn: the call must
 * return SOSO_E_NOMEM with a message (never crash, print or go on with half a result),
 * and a model or file it works on must stay usable. The sanitizer build's leak check
 * (make test-asan) then finds what a failing path forgot to free. */
#include "harness.h"
#include "soso_internal.h"

#include <stdlib.h>
#include <string.h>

#define UNITS 6
#define DOCS 200

/* What the operations work on, made once with no allocation failing. */
static struct {
    soso_corpus *corpus;
    soso_vocab *vocab;
    soso_docs *docs;
    soso_model *hebb, *osc;
    soso_memory *memory;
    int32_t labels[DOCS];
    int ok;
} fx;


static soso_model *trained[4]; /* each learner's model (see create) trained with nothing failing */
static soso_status create(int learner, soso_model **m);

static void fixture_make(void)
{
    soso_corpus *all = NULL;
    soso_text_options to;
    soso_input_options in;
    soso_text_options_default(&to);
    soso_input_options_default(&in);
    CHECK_OK(soso_corpus_read_file(source_path("data/wn6-1k.tsv"), &all));
    fx.corpus = all ? corpus_head(all, DOCS) : NULL;
    soso_corpus_free(all);
    if (!fx.corpus) return;
    CHECK_OK(soso_vocab_build_corpus(fx.corpus, &to, NULL, 0, &fx.vocab));
    CHECK_OK(soso_docs_from_corpus(fx.corpus, fx.vocab, &in, &fx.docs));
    soso_hebbian_params hp;
    soso_hebbian_params_default(&hp);
    hp.units = UNITS;
    hp.epochs = 2;
    hp.batch = 20;
    CHECK_OK(soso_model_create_hebbian(fx.vocab, &in, &hp, &fx.hebb));
    CHECK_OK(soso_model_train(fx.hebb, fx.docs, NULL, NULL));
    soso_osc_params op;
    soso_osc_params_default(&op);
    op.units = UNITS;
    op.epochs = 1;
    CHECK_OK(soso_model_create_osc(fx.vocab, &in, &op, fx.docs, &fx.osc));
    CHECK_OK(soso_model_train(fx.osc, fx.docs, NULL, NULL));
    for (int l = 0; l < 4; l++) {
        CHECK_OK(create(l, &trained[l]));
        if (trained[l]) CHECK_OK(soso_model_train(trained[l], fx.docs, NULL, NULL));
    }
    CHECK_OK(soso_memory_create(fx.vocab, &fx.memory));
    CHECK_OK(soso_memory_add_corpus(fx.memory, fx.corpus, NULL, NULL));
    size_t n_labels = 0;
    CHECK_OK(soso_corpus_label_ids(fx.corpus, fx.labels, DOCS, &n_labels));
    fx.ok = harness_failures == 0;
}

static void fixture_free(void)
{
    soso_memory_free(fx.memory);
    soso_model_free(fx.osc);
    soso_model_free(fx.hebb);
    soso_docs_free(fx.docs);
    soso_vocab_free(fx.vocab);
    soso_corpus_free(fx.corpus);
    for (int l = 0; l < 4; l++) {
        soso_model_free(trained[l]);
        trained[l] = NULL;
    }
    memset(&fx, 0, sizeof fx);
}

/* Runs op with its n-th allocation failing, n = 1, 2, ... until it makes fewer than n.
 * Each run must fail with SOSO_E_NOMEM, except where the operation can do without the
 * allocation that failed (a fast path with a slower one: the transposed scoring copy)
 * and says so (optional): it may then succeed, and the op itself checks that its
 * results are those of a run with nothing failing. */
/* Set while an op runs with nothing failing: it may keep results to compare with. */
static int recording;

static void sweep(const char *name, soso_status (*op)(void), int optional)
{
    long n, failed = 0;
    recording = 1; /* first with nothing failing */
    CHECK_OK(op());
    recording = 0;
    for (n = 1; n < 20000; n++) {
        soso__alloc_fault = n;
        soso_status s = op();
        long left = soso__alloc_fault;
        soso__alloc_fault = 0;
        if (s == SOSO_OK && left > 0) break; /* the n-th allocation never came */
        if (s == SOSO_OK && !optional) {
            CHECK_MSG(0, "%s: allocation %ld failed and the call still succeeded", name, n);
            return;
        }
        if (s == SOSO_OK) continue;
        failed++;
        if (s != SOSO_E_NOMEM || !soso_last_error()[0]) {
            CHECK_MSG(0, "%s, allocation %ld failing: %s (%s)", name, n, soso_status_string(s), soso_last_error());
            return;
        }
    }
    CHECK_MSG(failed > 0 && n < 20000, "%s: %ld allocations, %ld failures", name, n - 1, failed);
}

static soso_status op_corpus(void)
{
    static const char text[] = "fruit\tan apple a day\nfruit\ta pear\ntree\ttall oak trees\n";
    soso_corpus *c = NULL;
    soso_status s = soso_corpus_from_buffer(text, sizeof text - 1, &c);
    CHECK((s == SOSO_OK) == (c != NULL));
    soso_corpus_free(c);
    return s;
}

static soso_status op_vocab_docs(void)
{
    soso_text_options to;
    soso_input_options in;
    soso_text_options_default(&to);
    soso_input_options_default(&in);
    soso_vocab *v = NULL;
    soso_docs *d = NULL;
    soso_status s = soso_vocab_build_corpus(fx.corpus, &to, NULL, 0, &v);
    if (s == SOSO_OK) s = soso_docs_from_corpus(fx.corpus, v, &in, &d);
    CHECK((s == SOSO_OK) == (d != NULL));
    soso_docs_free(d);
    soso_vocab_free(v);
    return s;
}

/* A new model of each learner (0 hebbian, 1 osc, 2 soft, 3 soft without the penalty),
 * Hebbian's and soft's orthogonalised every 3 mini-batches, soft's with the orthogonality
 * penalty every batch too (W is then plain after every batch, so a resumed run gives an
 * uninterrupted one's bits, and a penalty step or orthogonalisation left out shows).
 * Without the penalty soft's batches run back to back in one region, as Hebbian's. */
static soso_status create(int learner, soso_model **m)
{
    soso_input_options in;
    soso_input_options_default(&in);
    if (learner == 0) {
        soso_hebbian_params p;
        soso_hebbian_params_default(&p);
        p.units = UNITS;
        p.epochs = 2;
        p.batch = 20;
        p.orthogonalize_every = 3;
        return soso_model_create_hebbian(fx.vocab, &in, &p, m);
    }
    if (learner == 1) {
        soso_osc_params p;
        soso_osc_params_default(&p);
        p.units = UNITS;
        p.epochs = 2;
        return soso_model_create_osc(fx.vocab, &in, &p, fx.docs, m);
    }
    soso_soft_params p;
    soso_soft_params_default(&p);
    p.units = UNITS;
    p.epochs = 2;
    p.batch = 20;
    p.ortho_penalty = learner == 2 ? 0.5f : 0.0f;
    p.orthogonalize_every = 3;
    return soso_model_create_soft(fx.vocab, &in, &p, fx.docs, m);
}

/* Made and trained with one allocation failing: where training failed, the model,
 * written to a buffer and read back as a caller would keep it, trains on to the weights
 * of a run with none failing: the same documents seen, the same weights (to rounding
 * for Hebbian's and soft's without the penalty, whose lazy row scales a failure between
 * stop points folded in at another point). */
static soso_status train_fresh(int learner)
{
    soso_model *m = NULL;
    soso_status s = create(learner, &m);
    CHECK((s == SOSO_OK) == (m != NULL));
    if (s == SOSO_OK) s = soso_model_train(m, fx.docs, NULL, NULL);
    if (s != SOSO_OK && m) {
        long fault = soso__alloc_fault;
        soso__alloc_fault = 0;
        soso_model *back = copy_model(m);
        if (back) {
            CHECK_OK(soso_model_train(back, fx.docs, NULL, NULL));
            const soso_model *t = trained[learner];
            size_t n = UNITS * soso_vocab_size(fx.vocab);
            double top, worst = weights_off(soso_model_weights(back), soso_model_weights(t), n, &top);
            double tol = learner == 0 || learner == 3 ? 1e-5 * top : 0; /* osc, soft with the penalty: the same bits */
            CHECK_MSG(soso_model_docs_seen(back) == soso_model_docs_seen(t) && worst <= tol,
                      "learner %d, failed after %llu documents: resumed %llu documents (%llu), weights %.3g off (of %.3g)",
                      learner, (unsigned long long)soso_model_docs_seen(m), (unsigned long long)soso_model_docs_seen(back),
                      (unsigned long long)soso_model_docs_seen(t), worst, top);
        }
        soso_model_free(back);
        soso__alloc_fault = fault;
    }
    soso_model_free(m);
    return s;
}

static soso_status op_hebbian(void) { return train_fresh(0); }
static soso_status op_osc(void) { return train_fresh(1); }
static soso_status op_soft(void) { return train_fresh(2); }
static soso_status op_soft_grouped(void) { return train_fresh(3); }

/* Encoding, topic words, evaluation, health, ranking, a profile and an expansion. */
typedef struct {
    float codes[DOCS * UNITS], text[UNITS], profile[UNITS];
    uint32_t words[5], expanded[5];
    size_t n_words, n_expanded, n_ranked;
    soso_match ranked[5];
    soso_eval eval;
    soso_health health;
} results_of;

static results_of want, got; /* with nothing failing; with one allocation failing */

static soso_status results(results_of *r)
{
    soso_match_params mp;
    soso_match_params_default(&mp);
    uint32_t liked[3] = {0, 1, 2};
    float w[5];
    soso_status s = soso_model_encode_docs(fx.osc, fx.docs, r->codes, (size_t)DOCS * UNITS, 1);
    if (s == SOSO_OK) s = soso_model_encode_text(fx.osc, "an apple tree", SOSO_NUL_TERMINATED, r->text, UNITS);
    if (s == SOSO_OK) s = soso_model_topic_words(fx.osc, 0, 1, 5, r->words, w, &r->n_words);
    if (s == SOSO_OK) s = soso_model_eval(fx.osc, fx.docs, fx.labels, 5, 1, &r->eval);
    if (s == SOSO_OK) s = soso_model_health(trained[2], fx.docs, 1, NULL, &r->health); /* soft: gate entropy too */
    mp.keep = 2; /* codes reduced to their 2 strongest */
    if (s == SOSO_OK) s = soso_model_rank(fx.osc, fx.docs, r->text, UNITS, &mp, r->ranked, 5, &r->n_ranked);
    if (s == SOSO_OK) s = soso_model_profile(fx.osc, fx.docs, liked, 3, 2, r->profile, UNITS);
    if (s == SOSO_OK) s = soso_model_expand(fx.osc, r->profile, UNITS, 2, 5, r->expanded, w, &r->n_expanded);
    return s;
}

static int same_eval(const soso_eval *a, const soso_eval *b)
{
    return a->documents == b->documents && a->labelled == b->labelled && a->labels == b->labels &&
           a->nmi == b->nmi && a->ari == b->ari && a->purity == b->purity && a->npmi == b->npmi &&
           a->diversity == b->diversity && a->mean_abs_cos == b->mean_abs_cos && a->max_abs_cos == b->max_abs_cos &&
           a->dead_units == b->dead_units && a->code_sparsity == b->code_sparsity;
}

static int same_health(const soso_health *a, const soso_health *b)
{
    return a->documents == b->documents && a->dead_units == b->dead_units &&
           a->effective_units == b->effective_units && a->top_share == b->top_share &&
           a->gate_entropy == b->gate_entropy && a->mean_abs_cos == b->mean_abs_cos &&
           a->max_abs_cos == b->max_abs_cos && a->warnings == b->warnings;
}

static soso_status op_results(void)
{
    memset(&got, 0, sizeof got);
    soso_status s = results(&got);
    if (s != SOSO_OK) return s;
    int same = memcmp(got.codes, want.codes, sizeof want.codes) == 0 &&
               memcmp(got.text, want.text, sizeof want.text) == 0 &&
               memcmp(got.profile, want.profile, sizeof want.profile) == 0 && got.n_words == want.n_words &&
               memcmp(got.words, want.words, sizeof want.words) == 0 && got.n_ranked == want.n_ranked &&
               memcmp(got.ranked, want.ranked, sizeof want.ranked) == 0 && got.n_expanded == want.n_expanded &&
               memcmp(got.expanded, want.expanded, sizeof want.expanded) == 0 && same_eval(&got.eval, &want.eval) &&
               same_health(&got.health, &want.health);
    CHECK_MSG(same, "an allocation failed and was done without, but the results differ from those with none failing");
    return s;
}

static soso_status op_docs_expand(void)
{
    soso_docs *e = NULL;
    soso_status s = soso_docs_expand(fx.docs, 5, 0.5f, 1, 1, &e);
    CHECK((s == SOSO_OK) == (e != NULL));
    soso_docs_free(e);
    return s;
}

static soso_status op_memory(void)
{
    soso_memory *m = NULL;
    soso_status s = soso_memory_create(fx.vocab, &m);
    if (s == SOSO_OK) s = soso_memory_add_corpus(m, fx.corpus, NULL, NULL);
    uint32_t words[64], mems[4];
    float weights[4];
    soso_recall_params rp;
    soso_recall_params_default(&rp);
    soso_recall_result r = {words, 64, 0, mems, weights, 4, 0, 0, 0, 0, 0};
    const uint32_t query[2] = {1, 2};
    if (s == SOSO_OK) s = soso_memory_recall(m, query, 2, &rp, &r);
    soso_memory_free(m);
    return s;
}

static soso_status op_memory_eval(void)
{
    soso_memory_eval_params ep;
    soso_memory_eval_params_default(&ep);
    ep.queries = 20;
    soso_recall_params rp;
    soso_recall_params_default(&rp);
    soso_memory_eval_result r;
    return soso_memory_eval(fx.memory, &ep, &rp, 1, &r);
}

/* Each kind of file to a buffer and back. */
static soso_status op_buffers(void)
{
    void *data = NULL;
    size_t len = 0;
    soso_model *m = NULL;
    soso_memory *mem = NULL;
    soso_vocab *v = NULL;
    soso_status s = soso_model_save_buffer(fx.osc, &data, &len);
    if (s == SOSO_OK) s = soso_model_load_buffer(data, len, &m);
    soso_free(data);
    data = NULL;
    if (s == SOSO_OK) s = soso_memory_save_buffer(fx.memory, &data, &len);
    if (s == SOSO_OK) s = soso_memory_load_buffer(data, len, &mem);
    soso_free(data);
    data = NULL;
    if (s == SOSO_OK) s = soso_vocab_save_buffer(fx.vocab, &data, &len);
    if (s == SOSO_OK) s = soso_vocab_load_buffer(data, len, &v);
    soso_free(data);
    soso_model_free(m);
    soso_memory_free(mem);
    soso_vocab_free(v);
    return s;
}

/* Saving the osc model over a file that holds the Hebbian one: a failure leaves the old
 * file whole (it loads, and is still the Hebbian model), a success replaces it. */
static const char *saved_path;

static soso_status op_save_over(void)
{
    long fault = soso__alloc_fault;
    soso__alloc_fault = 0;
    CHECK_OK(soso_model_save(fx.hebb, saved_path)); /* the file it saves over */
    soso__alloc_fault = fault;
    soso_status s = soso_model_save(fx.osc, saved_path);
    fault = soso__alloc_fault;
    soso__alloc_fault = 0;
    soso_model *back = NULL;
    CHECK_OK(soso_model_load(saved_path, &back));
    soso_learner holds = s == SOSO_OK ? SOSO_LEARNER_OSC : SOSO_LEARNER_HEBBIAN;
    CHECK_MSG(back && soso_model_learner(back) == holds, "after a save that returned %s, the file holds another model",
              soso_status_string(s));
    soso_model_free(back);
    soso__alloc_fault = fault;
    return s;
}

/* A vocabulary and a Hebbian model (orthogonalised every 3 batches) over a streamed
 * file, trained there: a training that failed resumes from the same stream to the
 * weights of the run with none failing (kept in `streamed` by the sweep's first run). */
static int stream_resumes; /* failed streamed trainings resumed and compared */

static soso_status op_stream(void)
{
    static float streamed[UNITS * 8192];
    static size_t n_streamed;
    soso_stream *st = NULL;
    soso_vocab *v = NULL;
    soso_model *m = NULL;
    soso_text_options to;
    soso_input_options in;
    soso_text_options_default(&to);
    soso_input_options_default(&in);
    soso_hebbian_params hp;
    soso_hebbian_params_default(&hp);
    hp.units = UNITS;
    hp.epochs = 2;
    hp.batch = 50;
    hp.orthogonalize_every = 3;
    soso_status s = soso_stream_open(source_path("data/wn6-1k.tsv"), NULL, 100, &st);
    if (s == SOSO_OK) s = soso_vocab_build_stream(st, &to, NULL, 0, 4, &v);
    if (s == SOSO_OK) s = soso_model_create_hebbian(v, &in, &hp, &m);
    if (s == SOSO_OK) s = soso_model_train_stream(m, st, 4, NULL, NULL);
    size_t n = m ? UNITS * soso_vocab_size(v) : 0;
    if (s == SOSO_OK && recording && n <= sizeof streamed / sizeof *streamed) {
        memcpy(streamed, soso_model_weights(m), n * sizeof *m->W);
        n_streamed = n;
    }
    if (s != SOSO_OK && m && n == n_streamed) {
        long fault = soso__alloc_fault;
        soso__alloc_fault = 0;
        CHECK_OK(soso_model_train_stream(m, st, 4, NULL, NULL));
        double top, worst = weights_off(soso_model_weights(m), streamed, n, &top);
        stream_resumes++;
        CHECK_MSG(soso_model_epochs_done(m) == 2 && worst <= 1e-5 * top,
                  "streamed, resumed after a failure: %u epochs, weights %.3g off (of %.3g)",
                  soso_model_epochs_done(m), worst, top);
        soso__alloc_fault = fault;
    }
    soso_model_free(m);
    soso_vocab_free(v);
    soso_stream_free(st);
    return s;
}

static soso_status op_builder(void)
{
    soso_text_options to;
    soso_text_options_default(&to);
    to.min_df = 1;
    soso_vocab_builder *b = NULL;
    soso_vocab *v = NULL;
    static const char *texts[] = {"an apple a day", "a pear and an apple", "tall oak trees"};
    soso_status s = soso_vocab_builder_create(&to, &b);
    if (s == SOSO_OK) s = soso_vocab_builder_add_stop_word(b, "and", 3);
    for (int i = 0; i < 3 && s == SOSO_OK; i++) s = soso_vocab_builder_add(b, texts[i], strlen(texts[i]));
    if (s == SOSO_OK) s = soso_vocab_builder_finish(b, &v);
    CHECK((s == SOSO_OK) == (v != NULL));
    soso_vocab_builder_free(b);
    soso_vocab_free(v);
    return s;
}

/* Documents appended one at a time: a failed append leaves the rows there were; then
 * copied from CSR. */
static soso_status op_docs_append(void)
{
    soso_input_options in;
    soso_input_options_default(&in);
    soso_docs *d = NULL;
    soso_status s = soso_docs_create(soso_vocab_size(fx.vocab), &d);
    size_t rows = 0;
    for (size_t i = 0; i < 40 && s == SOSO_OK; i++) {
        size_t len = 0;
        const char *text = soso_corpus_text(fx.corpus, i, &len);
        s = soso_docs_append_text(d, fx.vocab, &in, text, len, NULL);
        rows += s == SOSO_OK;
        CHECK(soso_docs_rows(d) == rows);
    }
    const uint32_t idx[2] = {0, 1};
    const float val[2] = {1.0f, 1.0f};
    if (s == SOSO_OK) s = soso_docs_append_row(d, 2, idx, val);
    if (s == SOSO_OK) s = soso_docs_normalize(d);
    /* The same rows copied from CSR (room for all first, then row by row). */
    soso_docs *copy = NULL;
    if (s == SOSO_OK)
        s = soso_docs_from_csr(d->rows, d->cols, d->indptr, d->indices, d->values, &copy);
    if (s == SOSO_OK) CHECK(copy->rows == d->rows && memcmp(copy->values, d->values, d->indptr[d->rows] * 4) == 0);
    soso_docs_free(copy);
    soso_docs_free(d);
    return s;
}

/* A second layer over the Hebbian model's codes, and the two composed into one. */
static soso_status op_stack(void)
{
    soso_vocab *units = NULL;
    soso_docs *codes = NULL;
    soso_model *upper = NULL, *both = NULL;
    soso_input_options in;
    soso_input_options_default(&in);
    soso_osc_params op;
    soso_osc_params_default(&op);
    op.units = 3;
    op.sparsity = 2;
    op.epochs = 1;
    op.init = SOSO_INIT_RANDOM;
    soso_status s = soso_model_stack_input(fx.hebb, fx.docs, 1, &units, &codes);
    if (s == SOSO_OK) s = soso_model_create_osc(units, &in, &op, NULL, &upper);
    if (s == SOSO_OK) s = soso_model_train(upper, codes, NULL, NULL);
    if (s == SOSO_OK) s = soso_model_stack(fx.hebb, upper, &both);
    CHECK(s != SOSO_OK || both != NULL);
    static float kept[3 * 4096]; /* the composed weights with nothing failing */
    size_t n = both ? 3 * soso_model_vocab_size(both) : 0;
    if (s == SOSO_OK && n <= sizeof kept / sizeof *kept) {
        if (recording) memcpy(kept, soso_model_weights(both), n * sizeof *kept);
        else CHECK_MSG(memcmp(kept, soso_model_weights(both), n * sizeof *kept) == 0, "stacked: other weights");
    }
    soso_model_free(both);
    soso_model_free(upper);
    soso_docs_free(codes);
    soso_vocab_free(units);
    return s;
}

/* The dense kernels on a copy of the Hebbian weights; a failed step leaves W as it was. */
static soso_status op_dense(void)
{
    size_t V = soso_vocab_size(fx.vocab), n = UNITS * V;
    float *W = malloc(n * sizeof *W), *before = malloc(n * sizeof *W), cos[UNITS * UNITS], err;
    if (!W || !before) {
        free(W);
        free(before);
        return SOSO_OK; /* the test's own allocation: nothing to sweep */
    }
    memcpy(W, soso_model_weights(fx.hebb), n * sizeof *W);
    memcpy(before, W, n * sizeof *W);
    soso_hebbian_params hp;
    soso_hebbian_params_default(&hp);
    hp.units = UNITS;
    const uint32_t rows[4] = {0, 5, 9, 14};
    soso_status s = soso_hebbian_step(W, fx.docs, rows, 4, &hp, 0.01f, NULL);
    if (s != SOSO_OK) CHECK_MSG(memcmp(W, before, n * sizeof *W) == 0, "a failed Hebbian step changed W");
    if (s == SOSO_OK) s = soso_orthogonalize_symmetric(W, UNITS, V, 1);
    if (s == SOSO_OK) s = soso_orthogonalize_gram_schmidt(W, UNITS, V);
    if (s == SOSO_OK) s = soso_orthogonality_error(W, UNITS, V, 1, &err);
    if (s == SOSO_OK) s = soso_unit_cosines(W, UNITS, V, 1, cos);
    double sq = 0, norm = 0;
    if (s == SOSO_OK) s = soso_model_reconstruction_error(fx.osc, fx.docs, 2, 1, &sq, &norm);
    uint64_t h = 1469598103934665603u; /* FNV-1a of W's and the cosines' bytes */
    for (size_t i = 0; i < n * sizeof *W; i++) h = (h ^ ((const unsigned char *)W)[i]) * 1099511628211u;
    for (size_t i = 0; i < sizeof cos; i++) h = (h ^ ((const unsigned char *)cos)[i]) * 1099511628211u;
    static double kept[4]; /* with nothing failing */
    double now[4] = {(double)h, sq, norm, err};
    if (s == SOSO_OK && recording) memcpy(kept, now, sizeof now);
    else if (s == SOSO_OK) CHECK_MSG(memcmp(kept, now, sizeof now) == 0, "dense kernels: other results");
    free(W);
    free(before);
    return s;
}

/* Vocabulary and memory files written and read back. */
static soso_status op_files(void)
{
    const char *vp = scratch_path("nomem.vocab"), *mp = scratch_path("nomem.memory");
    soso_vocab *v = NULL;
    soso_memory *m = NULL;
    soso_status s = soso_vocab_save(fx.vocab, vp);
    if (s == SOSO_OK) s = soso_vocab_load(vp, &v);
    if (s == SOSO_OK) s = soso_memory_save(fx.memory, mp);
    if (s == SOSO_OK) s = soso_memory_load(mp, &m);
    soso_vocab_free(v);
    soso_memory_free(m);
    return s;
}

static soso_status op_tsne(void)
{
    soso_tsne_params tp;
    soso_tsne_params_default(&tp);
    tp.perplexity = 5;
    tp.iterations = 10;
    float Y[2 * 40];
    return soso_tsne(want.codes, 40, UNITS, &tp, Y);
}

static void test_allocation_failures(void)
{
    fixture_make();
    if (!fx.ok) {
        fixture_free();
        return;
    }
    sweep("corpus from a buffer", op_corpus, 0);
    sweep("vocabulary and documents", op_vocab_docs, 0);
    sweep("hebbian training", op_hebbian, 0);
    sweep("osc training (LSA start)", op_osc, 0);
    sweep("soft training", op_soft, 0);
    sweep("soft training, batches back to back", op_soft_grouped, 0);
    memset(&want, 0, sizeof want);
    CHECK_OK(results(&want));
    sweep("encoding, evaluation, health, rank, profile and expansion", op_results, 1);
    sweep("document expansion", op_docs_expand, 0);
    sweep("memory and recall", op_memory, 0);
    sweep("memory evaluation", op_memory_eval, 0);
    sweep("files to buffers and back", op_buffers, 0);
    saved_path = scratch_path("nomem.soso");
    sweep("saving over a model file", op_save_over, 0);
    sweep("streamed vocabulary and training", op_stream, 0);
    CHECK_MSG(stream_resumes > 0, "no failed streamed training was resumed and compared");
    sweep("t-SNE map", op_tsne, 0);
    sweep("a vocabulary built text by text", op_builder, 0);
    sweep("documents appended one by one", op_docs_append, 0);
    sweep("stacked layers", op_stack, 1);
    sweep("a Hebbian step and the dense kernels", op_dense, 1);
    sweep("vocabulary and memory files", op_files, 0);
    fixture_free();
}

/* m's weights made not orthonormal, and an orthogonalisation owed (as after a failed
 * call); then pay(m) must do it and nothing else. */
static void owe_then_pay(soso_model *m, const float *W, size_t n, soso_status (*pay)(soso_model *), const char *how)
{
    CHECK_OK(soso_model_set_weights(m, W, n));
    CHECK(m->orth_due == 0); /* what was owed was the old weights' */
    m->orth_due = 1;
    uint64_t seen = soso_model_docs_seen(m);
    CHECK_OK(pay(m));
    float err = 1;
    CHECK_OK(soso_orthogonality_error(soso_model_weights(m), UNITS, m->cols, 1, &err));
    CHECK_MSG(m->orth_due == 0 && err < 1e-4f && soso_model_docs_seen(m) == seen,
              "%s: the owed orthogonalisation (|W W^T - I| up to %g, due %u, %llu documents more)", how, err, m->orth_due,
              (unsigned long long)(soso_model_docs_seen(m) - seen));
}

static soso_docs *owed_docs;
static soso_stream *owed_stream;
static soso_status pay_by_train(soso_model *m) { return soso_model_train(m, owed_docs, NULL, NULL); }
static soso_status pay_by_segment(soso_model *m) { return soso_model_train_segment(m, owed_docs, 0, owed_docs->rows, NULL, NULL); }
static soso_status pay_by_stream(soso_model *m) { return soso_model_train_stream(m, owed_stream, 4, NULL, NULL); }
static soso_status pay_by_finish(soso_model *m) { return soso_model_finish(m); }

/* m written to a buffer is refused when read back (a file owing what it could not). */
static void refused_on_load(const soso_model *m, const char *what)
{
    void *data = NULL;
    size_t len = 0;
    soso_model *back = NULL;
    CHECK_OK(soso_model_save_buffer(m, &data, &len));
    CHECK_MSG(soso_model_load_buffer(data, len, &back) == SOSO_E_FORMAT && !back, "read back: %s", what);
    soso_model_free(back);
    soso_free(data);
}

/* What a model owes after a failed call (set here by hand): kept through a model file
 * (and only what the model could owe read back), refused by stacking, dropped with the
 * weights it was owed on, and paid by the next call that trains, a segment, a stream or
 * finish, even with every epoch trained. */
static void test_owed_steps(void)
{
    soso_vocab *v = NULL;
    soso_docs *d = NULL;
    load_bundled(&v, &d);
    soso_input_options in;
    soso_input_options_default(&in);
    soso_hebbian_params hp;
    soso_hebbian_params_default(&hp);
    hp.units = UNITS;
    hp.epochs = 1;
    hp.orthogonalize_every = 5;
    soso_model *m = NULL, *back = NULL, *both = NULL;
    CHECK_OK(soso_model_create_hebbian(v, &in, &hp, &m));
    CHECK_OK(soso_model_train(m, d, NULL, NULL));
    CHECK_OK(soso_stream_open(source_path("data/wn6-1k.tsv"), NULL, 100, &owed_stream));
    size_t n = UNITS * soso_vocab_size(v);
    float *W = malloc(n * sizeof *W);
    if (!m || !W || !owed_stream) return;
    m->orth_due = 1;
    CHECK_STATUS(soso_model_stack(m, m, &both), SOSO_E_ARG);
    CHECK(strstr(soso_last_error(), "owes steps") != NULL);
    back = copy_model(m);
    CHECK(back && back->orth_due == 1 && back->penalty_due == 0);
    soso_model_free(back);
    m->penalty_due = 0.01f; /* owed what it cannot owe */
    refused_on_load(m, "a Hebbian model owing a penalty step");
    m->penalty_due = 0;
    m->hebbian.orthogonalize_every = 0;
    refused_on_load(m, "an orthogonalisation owed where the schedule has none");
    m->hebbian.orthogonalize_every = 5;
    for (size_t i = 0; i < n; i++) W[i] = soso_model_weights(m)[i] * (1.0f + 0.01f * (float)(i % 7)); /* not orthonormal */
    owed_docs = d;
    owe_then_pay(m, W, n, pay_by_train, "soso_model_train");
    owe_then_pay(m, W, n, pay_by_segment, "soso_model_train_segment");
    owe_then_pay(m, W, n, pay_by_stream, "soso_model_train_stream");
    owe_then_pay(m, W, n, pay_by_finish, "soso_model_finish");
    /* osc: a re-orthonormalisation due (its count at the interval), refused and paid alike */
    soso_osc_params op;
    soso_osc_params_default(&op);
    op.units = UNITS;
    op.epochs = 1;
    soso_model *o = NULL;
    CHECK_OK(soso_model_create_osc(v, &in, &op, d, &o));
    CHECK_OK(soso_model_train(o, d, NULL, NULL));
    if (o) {
        o->osc_since_reorth = o->osc_reorth_every;
        CHECK_STATUS(soso_model_stack(o, o, &both), SOSO_E_ARG);
        CHECK(strstr(soso_last_error(), "owes steps") != NULL);
        CHECK_OK(soso_model_train_stream(o, owed_stream, 4, NULL, NULL));
        CHECK(o->osc_since_reorth == 0);
    }
    soso_model_free(o);
    soso_stream_free(owed_stream);
    owed_stream = NULL;
    free(W);
    soso_model_free(m);
    soso_docs_free(d);
    soso_vocab_free(v);
}

static int same_weights(const soso_model *a, const soso_model *b)
{
    return a && b && memcmp(soso_model_weights(a), soso_model_weights(b), a->units * a->cols * sizeof *a->W) == 0;
}

static int stop_at_epoch_end(const soso_progress *p, void *user)
{
    (void)user;
    return p->epoch >= p->epochs;
}

/* osc's and soft's owed steps, each paid as a run that never failed would have done
 * them: osc's finish (after a failed last re-orthonormalisation) by training, a segment,
 * a stream or finish, and before an extension's epoch; soft's penalty step, then its
 * orthogonalisation. A finished osc model trained again stays as it is, and one stopped
 * at its last report finishes and owes nothing. */
static void test_owed_steps_osc_soft(void)
{
    soso_vocab *v = NULL;
    soso_docs *d = NULL;
    load_bundled(&v, &d);
    soso_input_options in;
    soso_input_options_default(&in);
    soso_osc_params op;
    soso_osc_params_default(&op);
    op.units = UNITS;
    op.epochs = 1;
    soso_model *o = NULL, *ref = NULL;
    CHECK_OK(soso_model_create_osc(v, &in, &op, d, &o));
    CHECK_OK(soso_model_train(o, d, NULL, NULL));
    CHECK_OK(soso_stream_open(source_path("data/wn6-1k.tsv"), NULL, 100, &owed_stream));
    owed_docs = d;
    if (!o || !owed_stream) return;
    soso_status (*pays[4])(soso_model *) = {pay_by_train, pay_by_segment, pay_by_stream, pay_by_finish};
    for (int k = 0; k < 4; k++) {
        o->orth_due = 1;
        ref = copy_model(o);
        if (ref) CHECK_OK(soso__osc_finish(ref));
        CHECK_OK(pays[k](o));
        CHECK_MSG(o->orth_due == 0 && same_weights(o, ref), "osc's owed finish, paid by way %d: other weights", k);
        soso_model_free(ref);
    }
    ref = copy_model(o); /* trained again when finished: unchanged */
    uint32_t every = o->osc_reorth_every;
    CHECK_OK(soso_model_train(o, d, NULL, NULL));
    CHECK(same_weights(o, ref) && o->osc_reorth_every == every);
    soso_model_free(ref);
    o->orth_due = 1; /* owed, then extended: the finish comes before the new epoch */
    ref = copy_model(o);
    if (ref) {
        CHECK_OK(soso__osc_finish(ref));
        ref->orth_due = 0;
        CHECK_OK(soso_model_extend(ref, 1));
        CHECK_OK(soso_model_train(ref, d, NULL, NULL));
    }
    CHECK_OK(soso_model_extend(o, 1));
    CHECK_OK(soso_model_train(o, d, NULL, NULL));
    CHECK_MSG(o->orth_due == 0 && same_weights(o, ref), "osc's owed finish, then an extension: other weights");
    soso_model_free(ref);
    o->osc_since_reorth = o->osc_reorth_every; /* new weights drop what was owed on the old */
    CHECK_OK(soso_model_set_weights(o, soso_model_weights(o), UNITS * soso_vocab_size(v)));
    CHECK(o->osc_since_reorth == 0);
    soso_model_free(o);
    o = NULL;
    CHECK_OK(soso_model_create_osc(v, &in, &op, d, &o));
    CHECK_STATUS(soso_model_train(o, d, stop_at_epoch_end, NULL), SOSO_E_ABORTED);
    CHECK(o && soso_model_epochs_done(o) == 1 && o->orth_due == 0);
    soso_model_free(o);
    op.exact = 1; /* exact osc owes no finish: a file that says so is refused */
    CHECK_OK(soso_model_create_osc(v, &in, &op, d, &o));
    if (o) {
        o->orth_due = 1;
        refused_on_load(o, "an exact osc model owing a finish");
    }
    soso_model_free(o);
    /* soft: a penalty step and an orthogonalisation owed, paid in that order */
    soso_soft_params sp;
    soso_soft_params_default(&sp);
    sp.units = UNITS;
    sp.epochs = 1;
    sp.batch = 20;
    sp.ortho_penalty = 0.5f;
    sp.orthogonalize_every = 3;
    soso_model *q = NULL;
    CHECK_OK(soso_model_create_soft(v, &in, &sp, d, &q));
    CHECK_OK(soso_model_train(q, d, NULL, NULL));
    if (q) {
        q->orth_due = 1;
        q->penalty_due = sp.eta * sp.ortho_penalty * 2;
        refused_on_load(q, "a penalty step larger than soft's first");
        q->penalty_due = sp.eta * sp.ortho_penalty;
        ref = copy_model(q);
        if (ref) {
            CHECK_OK(soso__soft_settle(ref, 1));
            CHECK_OK(soso_orthogonalize_symmetric(ref->W, UNITS, ref->cols, 1));
        }
        CHECK_OK(soso_model_finish(q));
        CHECK_MSG(q->orth_due == 0 && q->penalty_due == 0 && same_weights(q, ref),
                  "soft's owed penalty step and orthogonalisation: other weights");
        soso_model_free(ref);
    }
    soso_model_free(q);
    soso_stream_free(owed_stream);
    owed_stream = NULL;
    soso_docs_free(d);
    soso_vocab_free(v);
}

const soso_test tests_nomem[] = {
    {"allocation_failures", test_allocation_failures},
    {"owed_steps", test_owed_steps},
    {"owed_steps_osc_soft", test_owed_steps_osc_soft},
    {NULL, NULL},
};
