/* model.c - the model object: vocabulary, input options, learner parameters, weights
 * and training position; creation, training dispatch and accessors. */
#include "soso_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

soso_status soso__model_alloc(soso_learner learner, const soso_vocab *vocab, size_t units, soso_model **out)
{
    size_t cols = vocab->words.count, n;
    if (!soso__mul_size(units, cols, &n)) return soso__fail(SOSO_E_LIMIT, "%zu units x %zu words overflow", units, cols);
    soso_model *m = soso__calloc(1, sizeof *m);
    if (!m) return soso__fail(SOSO_E_NOMEM, "out of memory for a model");
    m->learner = learner;
    m->units = units;
    m->cols = cols;
    m->W = soso__alloc_array(n, sizeof *m->W);
    m->inhibitor = soso__calloc_array(units, sizeof *m->inhibitor);
    soso_status s = (m->W && m->inhibitor) ? SOSO_OK
                                           : soso__fail(SOSO_E_NOMEM, "out of memory for %zu x %zu weights", units, cols);
    if (s == SOSO_OK) s = soso__vocab_clone(vocab, &m->vocab);
    if (s != SOSO_OK) {
        soso_model_free(m);
        return s;
    }
    *out = m;
    return SOSO_OK;
}

soso_status soso_model_create_hebbian(const soso_vocab *vocab, const soso_input_options *input,
                                      const soso_hebbian_params *params, soso_model **out)
{
    if (!vocab || !out) return soso__fail(SOSO_E_ARG, "vocab and out must not be NULL");
    const char *why = soso__input_options_check(input);
    if (!why) why = soso_hebbian_params_check(params, vocab->words.count);
    if (why) return soso__fail(SOSO_E_ARG, "%s", why);
    soso_model *m;
    SOSO__CHECK(soso__model_alloc(SOSO_LEARNER_HEBBIAN, vocab, params->units, &m));
    m->input = *input;
    m->hebbian = *params;
    /* W from N(0, 1), row by row, from its own random stream of the seed. */
    soso__rng rng;
    soso__rng_seed(&rng, params->seed, SOSO__STREAM_INIT);
    int have = 0;
    double spare = 0;
    for (size_t i = 0; i < m->units * m->cols; i++) m->W[i] = (float)soso__rng_normal(&rng, &have, &spare);
    *out = m;
    return SOSO_OK;
}

soso_status soso_model_create_osc(const soso_vocab *vocab, const soso_input_options *input,
                                  const soso_osc_params *params, const soso_docs *init_docs, soso_model **out)
{
    if (!vocab || !out) return soso__fail(SOSO_E_ARG, "vocab and out must not be NULL");
    const char *why = soso__input_options_check(input);
    if (!why) why = soso_osc_params_check(params, vocab->words.count);
    if (why) return soso__fail(SOSO_E_ARG, "%s", why);
    soso_model *m;
    SOSO__CHECK(soso__model_alloc(SOSO_LEARNER_OSC, vocab, params->units, &m));
    m->input = *input;
    m->osc = *params;
    soso_status s = soso__osc_init(m, init_docs);
    if (s != SOSO_OK) {
        soso_model_free(m);
        return s;
    }
    *out = m;
    return SOSO_OK;
}

soso_status soso_model_create_soft(const soso_vocab *vocab, const soso_input_options *input,
                                   const soso_soft_params *params, const soso_docs *init_docs, soso_model **out)
{
    if (!vocab || !out) return soso__fail(SOSO_E_ARG, "vocab and out must not be NULL");
    const char *why = soso__input_options_check(input);
    if (!why) why = soso_soft_params_check(params, vocab->words.count);
    if (why) return soso__fail(SOSO_E_ARG, "%s", why);
    if (params->init != SOSO_INIT_RANDOM) {
        if (!init_docs) return soso__fail(SOSO_E_ARG, "this initialisation needs the training documents");
        if (init_docs->cols != vocab->words.count)
            return soso__fail(SOSO_E_ARG, "the documents have %zu columns but the vocabulary has %zu words",
                              init_docs->cols, vocab->words.count);
    }
    soso_model *m;
    SOSO__CHECK(soso__model_alloc(SOSO_LEARNER_SOFT, vocab, params->units, &m));
    m->input = *input;
    m->soft = *params;
    soso_status s = SOSO_OK;
    if (params->init == SOSO_INIT_RANDOM) soso__init_random_unit(m->W, m->units, m->cols, params->seed);
    else if (params->init == SOSO_INIT_DOCUMENTS) s = soso__init_from_documents(m->W, m->units, init_docs, params->seed);
    else if (init_docs->indptr[init_docs->rows] == 0)
        s = soso__fail(SOSO_E_EMPTY, "no document has a known word: nothing to initialise from");
    else s = soso__lsa(init_docs, m->units, params->seed, params->threads, m->W);
    if (s != SOSO_OK) {
        soso_model_free(m);
        return s;
    }
    *out = m;
    return SOSO_OK;
}

/* The epochs the learner plans in all (where the schedules end). */
static uint32_t *planned_epochs(soso_model *m)
{
    return m->learner == SOSO_LEARNER_OSC ? &m->osc.epochs
           : m->learner == SOSO_LEARNER_SOFT ? &m->soft.epochs : &m->hebbian.epochs;
}

uint32_t soso__planned_epochs(const soso_model *m) { return *planned_epochs((soso_model *)m); }

uint64_t soso__learner_seed(const soso_model *m)
{
    return m->learner == SOSO_LEARNER_OSC ? m->osc.seed : m->learner == SOSO_LEARNER_SOFT ? m->soft.seed : m->hebbian.seed;
}

int soso__owes(const soso_model *m)
{
    if (m->learner == SOSO_LEARNER_OSC)
        return m->orth_due || (!m->osc.exact && m->osc_since_reorth >= m->osc_reorth_every);
    return m->orth_due || m->penalty_due > 0;
}

soso_status soso__settle(soso_model *m)
{
    if (!soso__owes(m)) return SOSO_OK;
    soso_status s = SOSO_OK;
    soso__blas_begin();
    if (m->learner == SOSO_LEARNER_OSC) {
        s = soso__osc_settle(m, m->osc.threads);
    } else {
        int soft = m->learner == SOSO_LEARNER_SOFT, threads = soft ? m->soft.threads : m->hebbian.threads;
        if (soft) s = soso__soft_settle(m, threads); /* the penalty first, as the batch had it */
        if (s == SOSO_OK && m->orth_due) s = soso_orthogonalize_symmetric(m->W, m->units, m->cols, threads);
        if (s == SOSO_OK) m->orth_due = 0;
    }
    soso__blas_end();
    return s;
}

soso_status soso__check_epoch_rows(const soso_model *m, uint64_t rows)
{
    if (m->epoch_pos > 0 && m->train_rows != rows)
        return soso__fail(SOSO_E_ARG, "training stopped mid-epoch on %llu documents; resume it with the same %llu, not %llu",
                          (unsigned long long)m->train_rows, (unsigned long long)m->train_rows,
                          (unsigned long long)rows);
    return SOSO_OK;
}

/* The source the model holds has been trained on (until then another call may take it anew). */
static int trained_on_source(const soso_model *m) { return m->source_kind != 0 && m->docs_seen != m->source_seen; }

soso_status soso__check_source(soso_model *m, uint32_t kind, uint64_t rows, uint64_t hash)
{
    const char *then = "resume it with what it started on";
    int file = m->source_kind == SOSO__SOURCE_FILE;
    unsigned long long was = (unsigned long long)m->source_rows, now = (unsigned long long)rows;
    if (!trained_on_source(m)) {
        m->source_seen = m->docs_seen;
    } else if (m->source_kind != kind && m->epoch_pos > 0) {
        /* A run in memory resumed streamed, or back: mid-epoch its position counts
         * documents in the other's order (some would be trained twice, others not at all). */
        return soso__fail(SOSO_E_ARG, "this training stopped mid-epoch on %s; resume it %s",
                          file ? "a streamed file" : "documents in memory",
                          file ? "streamed, from the same file in the same pieces" : "in memory, on the same documents");
    } else if (m->source_rows != rows) {
        return soso__fail(SOSO_E_ARG, "this training started on %s%llu %s, not these %llu %s; %s", file ? "a file of " : "",
                          was, file ? "lines" : "documents", now, kind == SOSO__SOURCE_FILE ? "lines" : "documents", then);
    } else if (m->source_kind == kind && m->source_hash != hash) {
        return file ? soso__fail(SOSO_E_ARG, "this training started on another file of the same %llu lines; %s", now, then)
                    : soso__fail(SOSO_E_ARG, "this training started on other documents, as many (%llu); %s", now, then);
    } /* else the same source, or the other kind at an epoch's start: a file's text and a
       * matrix's columns cannot be compared, only their number; it goes on from this one */
    m->source_kind = kind;
    m->source_rows = rows;
    m->source_hash = hash;
    return SOSO_OK;
}

int soso_model_training_source(const soso_model *m, uint64_t *documents)
{
    int known = m && trained_on_source(m) && m->epochs_done < soso__planned_epochs(m);
    if (documents) *documents = known ? m->source_rows : 0;
    return known ? (int)m->source_kind : 0;
}

/* The checks every training call shares; `rows` documents make up one epoch. */
static soso_status check_training(const soso_model *m, const soso_docs *docs, uint64_t rows)
{
    if (!m || !docs) return soso__fail(SOSO_E_ARG, "model and docs must not be NULL");
    if (docs->cols != m->cols)
        return soso__fail(SOSO_E_ARG, "the documents have %zu columns but the model's vocabulary has %zu words",
                          docs->cols, m->cols);
    if (docs->rows == 0) return soso__fail(SOSO_E_EMPTY, "there are no documents to train on");
    return soso__check_epoch_rows(m, rows);
}

/* Trains a span; remembers which segment a stop fell inside, because a segment is
 * shuffled by its own position: resuming it from other pieces would train some documents
 * twice and skip others. */
static soso_status dispatch(soso_model *m, const soso_docs *docs, const soso__span *span, soso_progress_fn progress,
                            void *user)
{
    uint64_t first = span->whole ? 0 : span->first, rows = docs->rows;
    /* Stopped inside a piece: the same piece must come back. Stopped at a piece's end
     * (with the epoch unfinished): the next piece must start there; a piece around that
     * point would be shuffled anew and train some of its documents twice. */
    int at_end = m->seg_rows > 0 && m->epoch_pos == m->seg_first + m->seg_rows;
    if (m->epoch_pos > 0 && m->seg_rows > 0 && (at_end ? first != m->epoch_pos : (m->seg_first != first || m->seg_rows != rows)))
        return soso__fail(SOSO_E_ARG, "training stopped %s the piece of documents %llu to %llu of its epoch; resume it "
                          "with the same pieces (here %llu to %llu)", at_end ? "at the end of" : "inside",
                          (unsigned long long)m->seg_first, (unsigned long long)(m->seg_first + m->seg_rows),
                          (unsigned long long)first, (unsigned long long)(first + rows));
    SOSO__CHECK(soso__settle(m)); /* what a failed call owed, before any batch */
    soso_status s;
    switch (m->learner) {
    case SOSO_LEARNER_HEBBIAN: s = soso__hebbian_train(m, docs, span, progress, user); break;
    case SOSO_LEARNER_OSC: s = soso__osc_train(m, docs, span, progress, user); break;
    case SOSO_LEARNER_SOFT: s = soso__soft_train(m, docs, span, progress, user); break;
    default: return soso__fail(SOSO_E_ARG, "unknown learner %d", (int)m->learner);
    }
    int inside = m->epoch_pos > first && m->epoch_pos <= first + rows; /* an unfinished epoch's piece end too */
    m->seg_first = inside ? first : 0;
    m->seg_rows = inside ? rows : 0;
    return s;
}

soso_status soso_model_train(soso_model *m, const soso_docs *docs, soso_progress_fn progress, void *user)
{
    SOSO__CHECK(check_training(m, docs, docs ? docs->rows : 0));
    if (docs->indptr[docs->rows] == 0)
        return soso__fail(SOSO_E_EMPTY, "none of the %zu documents contains a vocabulary word", docs->rows);
    if (m->epochs_done < *planned_epochs(m))
        SOSO__CHECK(soso__check_source(m, SOSO__SOURCE_DOCS, docs->rows, soso__fingerprint_docs(docs)));
    soso__span whole = {1, 0, docs->rows};
    return dispatch(m, docs, &whole, progress, user);
}

soso_status soso_model_train_segment(soso_model *m, const soso_docs *docs, uint64_t first, uint64_t epoch_rows,
                                     soso_progress_fn progress, void *user)
{
    SOSO__CHECK(check_training(m, docs, epoch_rows));
    if (first > epoch_rows || docs->rows > epoch_rows - first)
        return soso__fail(SOSO_E_ARG, "a segment of %zu documents from %llu overruns an epoch of %llu", docs->rows,
                          (unsigned long long)first, (unsigned long long)epoch_rows);
    if (m->epochs_done >= *planned_epochs(m) && soso__owes(m)) return soso__settle(m);
    if (m->epochs_done >= *planned_epochs(m))
        return soso__fail(SOSO_E_ARG, "all %u planned epochs are done; extend the model to train more",
                          *planned_epochs(m));
    if (m->epoch_pos < first || m->epoch_pos >= first + docs->rows)
        return soso__fail(SOSO_E_ARG, "the model stands at document %llu of its epoch, outside this segment (%llu to %llu)",
                          (unsigned long long)m->epoch_pos, (unsigned long long)first,
                          (unsigned long long)(first + docs->rows));
    soso__span seg = {0, first, epoch_rows};
    return dispatch(m, docs, &seg, progress, user);
}

/* The learners read their schedules (learning rate, temperature) as fractions of the
 * planned epochs, so adding epochs continues the same annealed schedule: an update on
 * new documents after a finished training takes gentle steps, as late training does. */
soso_status soso_model_extend(soso_model *m, uint32_t more_epochs)
{
    if (!m) return soso__fail(SOSO_E_ARG, "model is NULL");
    if (more_epochs == 0) return soso__fail(SOSO_E_ARG, "more_epochs must be >= 1");
    if (m->epoch_pos != 0)
        return soso__fail(SOSO_E_ARG, "training stopped mid-epoch; finish it (soso_model_train) before extending");
    uint32_t *epochs = planned_epochs(m);
    if (m->epochs_done < *epochs)
        return soso__fail(SOSO_E_ARG, "the model has %u of %u epochs left to train; finish them before extending",
                          *epochs - m->epochs_done, *epochs);
    if (*epochs > UINT32_MAX - more_epochs) return soso__fail(SOSO_E_LIMIT, "too many epochs");
    *epochs += more_epochs;
    m->source_kind = 0; /* the new epochs train on whatever comes next */
    return SOSO_OK;
}

soso_status soso_model_finish(soso_model *m)
{
    if (!m) return soso__fail(SOSO_E_ARG, "model is NULL");
    if (m->epoch_pos != 0)
        return soso__fail(SOSO_E_ARG, "training stopped mid-epoch; finish the epoch (soso_model_train) first");
    if (m->epochs_done == 0) return soso__fail(SOSO_E_ARG, "no epoch has been trained yet");
    SOSO__CHECK(soso__settle(m)); /* what a failed call owed, first */
    uint32_t *epochs = planned_epochs(m);
    if (m->epochs_done >= *epochs) return SOSO_OK;
    uint32_t planned = *epochs;
    *epochs = m->epochs_done;
    /* What the learner does when its last planned epoch ends. */
    soso_status s = SOSO_OK;
    if (m->learner == SOSO_LEARNER_OSC) {
        soso__blas_begin();
        s = soso__osc_finish(m);
        soso__blas_end();
    } else {
        uint32_t every = m->learner == SOSO_LEARNER_SOFT ? m->soft.orthogonalize_every : m->hebbian.orthogonalize_every;
        int threads = m->learner == SOSO_LEARNER_SOFT ? m->soft.threads : m->hebbian.threads;
        if (every) s = soso_orthogonalize_symmetric(m->W, m->units, m->cols, threads);
    }
    if (s != SOSO_OK) *epochs = planned; /* not finished: a later call may try again */
    return s;
}

soso_status soso_model_set_threads(soso_model *m, int threads)
{
    if (!m) return soso__fail(SOSO_E_ARG, "model is NULL");
    m->hebbian.threads = m->osc.threads = m->soft.threads = threads < 1 ? 1 : threads;
    return SOSO_OK;
}

soso_status soso_model_set_team_tuning(soso_model *m, int on)
{
    if (!m) return soso__fail(SOSO_E_ARG, "model is NULL");
    if (on != 0 && on != 1) return soso__fail(SOSO_E_ARG, "team tuning is 0 (off) or 1 (on), not %d", on);
    m->fixed_team = !on;
    return SOSO_OK;
}

void soso_model_free(soso_model *m)
{
    if (!m) return;
    soso_vocab_free(m->vocab);
    free(m->W);
    free(m->inhibitor);
    free(m);
}

soso_learner soso_model_learner(const soso_model *m) { return m ? m->learner : (soso_learner)0; }
size_t soso_model_units(const soso_model *m) { return m ? m->units : 0; }
size_t soso_model_vocab_size(const soso_model *m) { return m ? m->cols : 0; }
const soso_vocab *soso_model_vocab(const soso_model *m) { return m ? m->vocab : NULL; }
const float *soso_model_weights(const soso_model *m) { return m ? m->W : NULL; }
uint32_t soso_model_epochs_done(const soso_model *m) { return m ? m->epochs_done : 0; }
uint64_t soso_model_docs_seen(const soso_model *m) { return m ? m->docs_seen : 0; }

int soso_model_stopped_piece(const soso_model *m, uint64_t *first, uint64_t *rows)
{
    /* As dispatch and the SEGM section read it, but a piece short of the whole epoch: a run
     * in memory records all its documents as its piece (and a streamed run of one piece
     * looks the same). */
    int in = m && m->epoch_pos > 0 && m->seg_rows > 0 && m->seg_rows < m->train_rows;
    if (first) *first = in ? m->seg_first : 0;
    if (rows) *rows = in ? m->seg_rows : 0;
    return in;
}

soso_status soso_model_osc_params(const soso_model *m, soso_osc_params *out)
{
    if (!m || !out) return soso__fail(SOSO_E_ARG, "model and out must not be NULL");
    if (m->learner != SOSO_LEARNER_OSC) return soso__fail(SOSO_E_ARG, "the model is not an OSC model");
    *out = m->osc;
    return SOSO_OK;
}

soso_status soso_model_soft_params(const soso_model *m, soso_soft_params *out)
{
    if (!m || !out) return soso__fail(SOSO_E_ARG, "model and out must not be NULL");
    if (m->learner != SOSO_LEARNER_SOFT) return soso__fail(SOSO_E_ARG, "the model is not a soft-competition model");
    *out = m->soft;
    return SOSO_OK;
}

soso_status soso_model_soft_state(const soso_model *m, float *temperature, float *inhibitor, size_t n)
{
    if (!m) return soso__fail(SOSO_E_ARG, "model is NULL");
    if (m->learner != SOSO_LEARNER_SOFT) return soso__fail(SOSO_E_ARG, "the model is not a soft-competition model");
    if (inhibitor && n < m->units) return soso__fail(SOSO_E_ARG, "inhibitor needs %zu floats", m->units);
    if (temperature) *temperature = soso__soft_temperature(&m->soft, m->docs_seen, m->train_rows);
    if (inhibitor) memcpy(inhibitor, m->inhibitor, m->units * sizeof *inhibitor);
    return SOSO_OK;
}

size_t soso_model_code_sparsity(const soso_model *m)
{
    return (m && m->learner == SOSO_LEARNER_OSC) ? m->osc.sparsity : 0;
}

soso_status soso__check_weights(const soso_model *m, const float *w)
{
    size_t n = m->units * m->cols;
    size_t bad = soso__first_unusable_weight(w, n);
    if (bad < n)
        return soso__fail(SOSO_E_NUMERIC, "weight %zu is %g: weights must be finite and within 1e15 in size"
                          " (scale the rows down: a unit's direction is what it means)", bad, (double)w[bad]);
    if (m->learner == SOSO_LEARNER_OSC) { /* OSC's update keeps orthonormal atoms orthonormal, and needs them so */
        float err = 0;
        SOSO__CHECK(soso_orthogonality_error(w, m->units, m->cols, m->osc.threads, &err));
        if (!(err <= 1e-3f))
            return soso__fail(SOSO_E_ARG, "an OSC model's atoms must be orthonormal, these are %.3g from it (largest"
                              " |W W^T - I|): orthonormalise them first (soso_orthogonalize_symmetric)", (double)err);
    }
    return SOSO_OK;
}

soso_status soso_model_set_weights(soso_model *m, const float *w, size_t n)
{
    if (!m || !w) return soso__fail(SOSO_E_ARG, "model and weights must not be NULL");
    if (n != m->units * m->cols)
        return soso__fail(SOSO_E_ARG, "%zu weights given, the model has %zu x %zu", n, m->units, m->cols);
    SOSO__CHECK(soso__check_weights(m, w));
    /* Scores sum |w|^(p-1) over a document's words (each entry at most 1 in a unit-length
     * document): a row whose sum passes FLT_MAX / 2 could score inf or NaN (p = 5 and
     * weights of 1e10 did, with SOSO_OK). Weights from outside only: training's own stay
     * near unit rows, and a bound on single weights refused models it had made. */
    double pw = (double)soso__score_power(m) - 1.0;
    for (size_t h = 0; h < m->units; h++) {
        double sum = 0;
        for (size_t j = 0; j < m->cols; j++) sum += pow(fabs((double)w[h * m->cols + j]), pw);
        if (!(sum <= FLT_MAX / 2.0))
            return soso__fail(SOSO_E_NUMERIC, "unit %zu's weights would overflow its scores (the sum of |w|^(p-1)"
                              " for p = %g is %g): scale the row down, its direction is what it means", h,
                              (double)soso__score_power(m), sum);
    }
    memcpy(m->W, w, n * sizeof *w);
    m->orth_due = 0; /* steps owed were the old weights' */
    m->penalty_due = 0;
    if (m->osc_since_reorth >= m->osc_reorth_every) m->osc_since_reorth = 0;
    return SOSO_OK;
}

soso_status soso_model_set_expansion(soso_model *m, size_t neighbors, float gain, unsigned hops)
{
    if (!m) return soso__fail(SOSO_E_ARG, "model must not be NULL");
    const char *why = neighbors ? soso__expansion_check(neighbors, gain, hops) : NULL; /* none: gain and hops ignored */
    if (why) return soso__fail(SOSO_E_ARG, "%s", why);
    m->expand_neighbors = (uint32_t)neighbors;
    m->expand_gain = neighbors ? gain : 0.0f;
    m->expand_hops = neighbors ? hops : 0;
    return SOSO_OK;
}

soso_status soso_model_expansion(const soso_model *m, size_t *neighbors, float *gain, unsigned *hops)
{
    if (!m || !neighbors || !gain || !hops) return soso__fail(SOSO_E_ARG, "arguments must not be NULL");
    *neighbors = m->expand_neighbors;
    *gain = m->expand_gain;
    *hops = m->expand_hops;
    return SOSO_OK;
}

soso_status soso_model_input_options(const soso_model *m, soso_input_options *out)
{
    if (!m || !out) return soso__fail(SOSO_E_ARG, "model and out must not be NULL");
    *out = m->input;
    return SOSO_OK;
}

soso_status soso_model_hebbian_params(const soso_model *m, soso_hebbian_params *out)
{
    if (!m || !out) return soso__fail(SOSO_E_ARG, "model and out must not be NULL");
    if (m->learner != SOSO_LEARNER_HEBBIAN) return soso__fail(SOSO_E_ARG, "the model is not a Hebbian model");
    *out = m->hebbian;
    return SOSO_OK;
}
