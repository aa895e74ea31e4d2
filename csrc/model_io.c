/* model_io.c - the model file: sections behind a magic number and a format version,
 * closed by a CRC-32. The loader checks structure, checksum and every declared size
 * against the bytes really present before it allocates anything. docs/FORMAT.md. */
#include "soso_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char MAGIC[8] = {'S', 'O', 'S', 'O', 'M', 'O', 'D', 'L'};


/* ---- writing ------------------------------------------------------------------------- */

soso_status soso_model_save_buffer(const soso_model *m, void **data, size_t *len)
{
    if (!m || !data || !len) return soso__fail(SOSO_E_ARG, "model, data and len must not be NULL");
    soso__wbuf b = {0};
    int seg = m->epoch_pos > 0 && m->seg_rows > 0, expn = m->expand_neighbors > 0;
    int due = m->orth_due || m->penalty_due > 0;
    int src = soso_model_training_source(m, NULL) != 0; /* trained on, unfinished */
    /* MODL INPT TEXT VOCB, the learner's, WGHT, SEGM after a stop inside a segment, EXPN
     * when training documents are expanded, DUE when a failed call owes steps, and SRC
     * while a training is unfinished */
    soso__container_begin(&b, MAGIC, SOSO_MODEL_FORMAT_VERSION, 6 + seg + expn + due + src);

    size_t at = soso__section_begin(&b, "MODL");
    soso__wbuf_u32(&b, (uint32_t)m->learner);
    soso__wbuf_u64(&b, m->units);
    soso__wbuf_u64(&b, m->cols);
    soso__wbuf_u32(&b, m->epochs_done);
    soso__wbuf_u64(&b, m->epoch_pos);
    soso__wbuf_u64(&b, m->docs_seen);
    soso__wbuf_u64(&b, m->train_rows);
    soso__section_end(&b, at);

    at = soso__section_begin(&b, "INPT");
    soso__wbuf_u32(&b, (uint32_t)m->input.weighting);
    soso__wbuf_u32(&b, (uint32_t)m->input.idf);
    soso__wbuf_u32(&b, (uint32_t)m->input.normalize);
    soso__section_end(&b, at);

    soso__write_vocab_sections(&b, m->vocab);

    if (m->learner == SOSO_LEARNER_HEBBIAN) {
        const soso_hebbian_params *h = &m->hebbian;
        at = soso__section_begin(&b, "HEBB");
        soso__wbuf_u32(&b, h->units);
        soso__wbuf_f32(&b, h->p);
        soso__wbuf_u32(&b, h->k);
        soso__wbuf_f32(&b, h->delta);
        soso__wbuf_f32(&b, h->eps0);
        soso__wbuf_u32(&b, h->batch);
        soso__wbuf_u32(&b, h->epochs);
        soso__wbuf_f32(&b, h->prec);
        soso__wbuf_u64(&b, h->seed);
        soso__wbuf_u32(&b, h->orthogonalize_every);
        soso__section_end(&b, at);
    } else if (m->learner == SOSO_LEARNER_SOFT) {
        const soso_soft_params *q = &m->soft;
        at = soso__section_begin(&b, "SOFT");
        soso__wbuf_u32(&b, q->units);
        soso__wbuf_u32(&b, q->k);
        soso__wbuf_f32(&b, q->t_initial);
        soso__wbuf_f32(&b, q->t_final);
        soso__wbuf_f32(&b, q->gamma);
        soso__wbuf_u32(&b, q->anneal_every);
        soso__wbuf_f32(&b, q->eta);
        soso__wbuf_f32(&b, q->inhibitor_rate);
        soso__wbuf_f32(&b, q->ortho_penalty);
        soso__wbuf_u32(&b, q->orthogonalize_every);
        soso__wbuf_u32(&b, q->batch);
        soso__wbuf_u32(&b, q->epochs);
        soso__wbuf_u64(&b, q->seed);
        soso__wbuf_u32(&b, (uint32_t)q->init);
        soso__wbuf_f32s(&b, m->inhibitor, m->units);
        soso__section_end(&b, at);
    } else {
        const soso_osc_params *o = &m->osc;
        at = soso__section_begin(&b, "OSC ");
        soso__wbuf_u32(&b, o->units);
        soso__wbuf_u32(&b, o->sparsity);
        soso__wbuf_f32(&b, o->eps_i);
        soso__wbuf_f32(&b, o->eps_f);
        soso__wbuf_u32(&b, o->epochs);
        soso__wbuf_u64(&b, o->seed);
        soso__wbuf_u32(&b, (uint32_t)o->init);
        soso__wbuf_u32(&b, (uint32_t)o->exact);
        soso__wbuf_u32(&b, m->osc_reorth_every);
        soso__wbuf_u32(&b, m->osc_since_reorth);
        soso__section_end(&b, at);
    }

    at = soso__section_begin(&b, "WGHT");
    soso__wbuf_u64(&b, m->units);
    soso__wbuf_u64(&b, m->cols);
    soso__wbuf_f32s(&b, m->W, m->units * m->cols);
    soso__section_end(&b, at);
    if (seg) {
        at = soso__section_begin(&b, "SEGM");
        soso__wbuf_u64(&b, m->seg_first);
        soso__wbuf_u64(&b, m->seg_rows);
        soso__section_end(&b, at);
    }
    if (expn) {
        at = soso__section_begin(&b, "EXPN");
        soso__wbuf_u32(&b, m->expand_neighbors);
        soso__wbuf_f32(&b, m->expand_gain);
        soso__wbuf_u32(&b, m->expand_hops);
        soso__section_end(&b, at);
    }
    if (due) {
        at = soso__section_begin(&b, "DUE ");
        soso__wbuf_u32(&b, m->orth_due);
        soso__wbuf_f32(&b, m->penalty_due);
        soso__section_end(&b, at);
    }
    if (src) {
        at = soso__section_begin(&b, "SRC ");
        soso__wbuf_u32(&b, m->source_kind);
        soso__wbuf_u64(&b, m->source_rows);
        soso__wbuf_u64(&b, m->source_hash);
        soso__section_end(&b, at);
    }

    return soso__container_end(&b, data, len);
}

soso_status soso_model_save(const soso_model *m, const char *path)
{
    if (!m || !path) return soso__fail(SOSO_E_ARG, "model and path must not be NULL");
    void *data;
    size_t len;
    SOSO__CHECK(soso_model_save_buffer(m, &data, &len));
    soso_status s = soso__write_file_atomic(path, data, len);
    free(data);
    return s;
}

/* ---- reading ------------------------------------------------------------------------- */

typedef soso__section span;

typedef struct {
    span modl, inpt, hebb, osc, soft, wght, segm, expn, due, src;
    const soso__section *all;
    size_t n;
} sections;

static soso_status bad(const char *what) { return soso__fail(SOSO_E_FORMAT, "model file: %s", what); }

static span get(const soso__section *all, size_t n, const char tag[4])
{
    const soso__section *s = soso__section_find(all, n, tag);
    span none = {{0}, NULL, 0};
    return s ? *s : none;
}

static soso_status parse(const sections *sec, soso_model **out)
{
    if (!sec->modl.p || !sec->inpt.p || !sec->wght.p) return bad("a required section is missing");
    soso__rbuf r = {sec->modl.p, sec->modl.len, 0, 0};
    uint32_t learner = soso__rbuf_u32(&r);
    uint64_t units = soso__rbuf_u64(&r), cols = soso__rbuf_u64(&r);
    uint32_t epochs_done = soso__rbuf_u32(&r);
    uint64_t epoch_pos = soso__rbuf_u64(&r);
    uint64_t docs_seen = soso__rbuf_u64(&r), train_rows = soso__rbuf_u64(&r);
    if (r.failed) return bad("model section too short");
    if (learner != SOSO_LEARNER_HEBBIAN && learner != SOSO_LEARNER_OSC && learner != SOSO_LEARNER_SOFT)
        return soso__fail(SOSO_E_FORMAT, "model file: unknown learner %u", learner);
    if (learner == SOSO_LEARNER_SOFT && !sec->soft.p) return bad("the soft-competition parameters section is missing");
    if (learner == SOSO_LEARNER_HEBBIAN && !sec->hebb.p) return bad("the Hebbian parameters section is missing");
    if (learner == SOSO_LEARNER_OSC && !sec->osc.p) return bad("the OSC parameters section is missing");

    /* Weights: the declared shape must match the section's real size exactly. */
    soso__rbuf wr = {sec->wght.p, sec->wght.len, 0, 0};
    uint64_t wrows = soso__rbuf_u64(&wr), wcols = soso__rbuf_u64(&wr);
    size_t n;
    if (wr.failed || wrows != units || wcols != cols || units == 0 || cols == 0 ||
        !soso__mul_size((size_t)units, (size_t)cols, &n) || n > soso__rbuf_left(&wr) / 4 ||
        n * 4 != soso__rbuf_left(&wr))
        return bad("weight shape does not match the model or the section size");

    soso_input_options in;
    r = (soso__rbuf){sec->inpt.p, sec->inpt.len, 0, 0};
    in.weighting = (soso_weighting)soso__rbuf_u32(&r);
    in.idf = (int)soso__rbuf_u32(&r);
    in.normalize = (int)soso__rbuf_u32(&r);
    if (r.failed || soso__input_options_check(&in)) return bad("invalid input options");


    soso_hebbian_params hp;
    soso_osc_params op;
    soso_soft_params sp;
    soso_hebbian_params_default(&hp);
    soso_osc_params_default(&op);
    soso_soft_params_default(&sp);
    soso__rbuf inhib = {0};
    uint32_t epochs, reorth_every = 64, since_reorth = 0;
    if (learner == SOSO_LEARNER_HEBBIAN) {
        r = (soso__rbuf){sec->hebb.p, sec->hebb.len, 0, 0};
        hp.units = soso__rbuf_u32(&r);
        hp.p = soso__rbuf_f32(&r);
        hp.k = soso__rbuf_u32(&r);
        hp.delta = soso__rbuf_f32(&r);
        hp.eps0 = soso__rbuf_f32(&r);
        hp.batch = soso__rbuf_u32(&r);
        hp.epochs = soso__rbuf_u32(&r);
        hp.prec = soso__rbuf_f32(&r);
        hp.seed = soso__rbuf_u64(&r);
        hp.orthogonalize_every = soso__rbuf_u32(&r);
        if (r.failed || hp.units != units || soso_hebbian_params_check(&hp, (size_t)cols))
            return bad("invalid Hebbian parameters");
        epochs = hp.epochs;
    } else if (learner == SOSO_LEARNER_SOFT) {
        r = (soso__rbuf){sec->soft.p, sec->soft.len, 0, 0};
        sp.units = soso__rbuf_u32(&r);
        sp.k = soso__rbuf_u32(&r);
        sp.t_initial = soso__rbuf_f32(&r);
        sp.t_final = soso__rbuf_f32(&r);
        sp.gamma = soso__rbuf_f32(&r);
        sp.anneal_every = soso__rbuf_u32(&r);
        sp.eta = soso__rbuf_f32(&r);
        sp.inhibitor_rate = soso__rbuf_f32(&r);
        sp.ortho_penalty = soso__rbuf_f32(&r);
        sp.orthogonalize_every = soso__rbuf_u32(&r);
        sp.batch = soso__rbuf_u32(&r);
        sp.epochs = soso__rbuf_u32(&r);
        sp.seed = soso__rbuf_u64(&r);
        sp.init = (soso_init)soso__rbuf_u32(&r);
        if (r.failed || sp.units != units || soso_soft_params_check(&sp, (size_t)cols) || soso__rbuf_left(&r) != 4 * units)
            return bad("invalid soft-competition parameters");
        inhib = r; /* the inhibitor follows: units floats, read once the model exists */
        epochs = sp.epochs;
    } else {
        r = (soso__rbuf){sec->osc.p, sec->osc.len, 0, 0};
        op.units = soso__rbuf_u32(&r);
        op.sparsity = soso__rbuf_u32(&r);
        op.eps_i = soso__rbuf_f32(&r);
        op.eps_f = soso__rbuf_f32(&r);
        op.epochs = soso__rbuf_u32(&r);
        op.seed = soso__rbuf_u64(&r);
        op.init = (soso_init)soso__rbuf_u32(&r);
        op.exact = (int)soso__rbuf_u32(&r);
        reorth_every = soso__rbuf_u32(&r);
        since_reorth = soso__rbuf_u32(&r);
        if (r.failed || op.units != units || soso_osc_params_check(&op, (size_t)cols) || reorth_every < 1)
            return bad("invalid OSC parameters");
        epochs = op.epochs;
    }
    if (epochs_done > epochs || (epochs_done == epochs && epoch_pos != 0) || (epoch_pos > 0 && epoch_pos >= train_rows))
        return bad("training position is past the end of training");
    uint64_t seg_first = 0, seg_rows = 0;
    if (sec->segm.p) {
        soso__rbuf g = {sec->segm.p, sec->segm.len, 0, 0};
        seg_first = soso__rbuf_u64(&g);
        seg_rows = soso__rbuf_u64(&g);
        if (g.failed || seg_rows == 0 || epoch_pos <= seg_first || epoch_pos - seg_first > seg_rows ||
            seg_rows > train_rows - seg_first)
            return bad("the segment section does not hold the training position");
    }

    uint32_t expand_neighbors = 0;
    float expand_gain = 0;
    uint32_t expand_hops = 0;
    if (sec->expn.p) {
        soso__rbuf g = {sec->expn.p, sec->expn.len, 0, 0};
        expand_neighbors = soso__rbuf_u32(&g);
        expand_gain = soso__rbuf_f32(&g);
        expand_hops = sec->expn.len == 8 ? 1 : soso__rbuf_u32(&g); /* files before hops: one */
        if (g.failed || soso__expansion_check(expand_neighbors, expand_gain, expand_hops))
            return bad("the expansion section holds invalid settings");
    }

    uint32_t orth_due = 0;
    float penalty_due = 0;
    if (sec->due.p) {
        soso__rbuf g = {sec->due.p, sec->due.len, 0, 0};
        orth_due = soso__rbuf_u32(&g);
        penalty_due = soso__rbuf_f32(&g);
        /* Only what the model could owe: an orthogonalisation where its schedule has one
         * (osc: the finish of a fast-path run), a penalty step no larger than soft's first. */
        int orth_ok = learner == SOSO_LEARNER_OSC ? !op.exact
                      : (learner == SOSO_LEARNER_SOFT ? sp.orthogonalize_every : hp.orthogonalize_every) > 0;
        float first_step = learner == SOSO_LEARNER_SOFT ? sp.eta * sp.ortho_penalty : 0; /* a float, as trained */
        int penalty_ok = penalty_due == 0 || (learner == SOSO_LEARNER_SOFT && sp.ortho_penalty > 0 &&
                                              penalty_due > 0 && penalty_due <= first_step);
        if (g.failed || sec->due.len != 8 || orth_due > 1 || (orth_due && !orth_ok) || !penalty_ok)
            return bad("the section of steps due holds values this model could not owe");
    }

    uint32_t source_kind = 0;
    uint64_t source_rows = 0, source_hash = 0;
    if (sec->src.p) {
        soso__rbuf g = {sec->src.p, sec->src.len, 0, 0};
        source_kind = soso__rbuf_u32(&g);
        source_rows = soso__rbuf_u64(&g);
        source_hash = soso__rbuf_u64(&g);
        if (g.failed || sec->src.len != 20 || (source_kind != SOSO__SOURCE_DOCS && source_kind != SOSO__SOURCE_FILE) ||
            source_rows == 0)
            return bad("the section of what training started on is invalid");
    }

    soso_vocab *vocab;
    SOSO__CHECK(soso__read_vocab_sections(sec->all, sec->n, "model", &vocab));
    if (vocab->words.count != cols) {
        soso_vocab_free(vocab);
        return bad("the vocabulary size does not match the weights");
    }
    soso_model *m;
    soso_status s = soso__model_alloc((soso_learner)learner, vocab, (size_t)units, &m);
    soso_vocab_free(vocab);
    if (s != SOSO_OK) return s;
    soso__rbuf_f32s(&wr, m->W, n);
    m->input = in;
    m->hebbian = hp;
    m->osc = op;
    m->soft = sp;
    if (learner == SOSO_LEARNER_SOFT) {
        soso__rbuf_f32s(&inhib, m->inhibitor, m->units);
        for (size_t i = 0; i < m->units; i++)
            if (!isfinite(m->inhibitor[i])) {
                soso_model_free(m);
                return bad("the inhibitor holds a value that is not finite");
            }
    }
    m->osc_reorth_every = reorth_every;
    m->osc_since_reorth = since_reorth;
    m->epochs_done = epochs_done;
    m->epoch_pos = epoch_pos;
    m->docs_seen = docs_seen;
    m->train_rows = train_rows;
    m->seg_first = seg_first;
    m->seg_rows = seg_rows;
    m->expand_neighbors = expand_neighbors;
    m->expand_gain = expand_gain;
    m->expand_hops = expand_neighbors ? expand_hops : 0;
    m->orth_due = orth_due;
    m->penalty_due = penalty_due;
    m->source_kind = source_kind;
    m->source_rows = source_rows;
    m->source_hash = source_hash;
    m->source_seen = UINT64_MAX; /* trained on since: only the same source resumes it */
    /* The checks soso_model_set_weights makes, now that the learner's settings are in. */
    soso_status ws = soso__check_weights(m, m->W);
    if (ws != SOSO_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", soso_last_error());
        soso_model_free(m);
        return ws == SOSO_E_NOMEM ? ws : soso__fail(SOSO_E_FORMAT, "model file: %s", why);
    }
    *out = m;
    return SOSO_OK;
}

soso_status soso_model_load_buffer(const void *data, size_t len, soso_model **out)
{
    if (!out) return soso__fail(SOSO_E_ARG, "out must not be NULL");
    soso__section all[16];
    size_t n = 0;
    SOSO__CHECK(soso__container_open(data, len, MAGIC, SOSO_MODEL_FORMAT_VERSION, "model", all, 16, &n));
    sections sec = {get(all, n, "MODL"), get(all, n, "INPT"), get(all, n, "HEBB"), get(all, n, "OSC "),
                    get(all, n, "SOFT"), get(all, n, "WGHT"), get(all, n, "SEGM"), get(all, n, "EXPN"),
                    get(all, n, "DUE "), get(all, n, "SRC "), all, n};
    return parse(&sec, out);
}

static soso_status load_any(const void *data, size_t len, void **out)
{
    return soso_model_load_buffer(data, len, (soso_model **)out);
}

soso_status soso_model_load(const char *path, soso_model **out)
{
    return soso__load_file(path, load_any, (void **)out);
}
