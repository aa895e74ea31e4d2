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

static size_t section_begin(soso__wbuf *b, const char tag[4])
{
    soso__wbuf_bytes(b, tag, 4);
    size_t at = b->len;
    soso__wbuf_u64(b, 0); /* patched by section_end */
    return at;
}

static void section_end(soso__wbuf *b, size_t at) { soso__wbuf_patch_u64(b, at, b->len - at - 8); }

soso_status soso_model_save_buffer(const soso_model *m, void **data, size_t *len)
{
    if (!m || !data || !len) return soso__fail(SOSO_E_ARG, "model, data and len must not be NULL");
    soso__wbuf b = {0};
    soso__wbuf_bytes(&b, MAGIC, 8);
    soso__wbuf_u32(&b, SOSO_MODEL_FORMAT_VERSION);
    soso__wbuf_u32(&b, 6); /* sections: MODL INPT TEXT VOCB, the learner's, WGHT */

    size_t at = section_begin(&b, "MODL");
    soso__wbuf_u32(&b, (uint32_t)m->learner);
    soso__wbuf_u64(&b, m->units);
    soso__wbuf_u64(&b, m->cols);
    soso__wbuf_u32(&b, m->epochs_done);
    soso__wbuf_u64(&b, m->epoch_pos);
    soso__wbuf_u64(&b, m->docs_seen);
    soso__wbuf_u64(&b, m->train_rows);
    section_end(&b, at);

    at = section_begin(&b, "INPT");
    soso__wbuf_u32(&b, (uint32_t)m->input.weighting);
    soso__wbuf_u32(&b, (uint32_t)m->input.idf);
    soso__wbuf_u32(&b, (uint32_t)m->input.normalize);
    section_end(&b, at);

    const soso_text_options *t = &m->vocab->options;
    at = section_begin(&b, "TEXT");
    soso__wbuf_u32(&b, t->min_word_len);
    soso__wbuf_u32(&b, t->max_word_len);
    soso__wbuf_u32(&b, (uint32_t)t->stop_words);
    soso__wbuf_u32(&b, t->min_df);
    soso__wbuf_u32(&b, t->max_vocab);
    section_end(&b, at);

    at = section_begin(&b, "VOCB");
    soso__wbuf_u64(&b, m->vocab->n_docs);
    soso__wbuf_u64(&b, m->vocab->words.count);
    for (size_t i = 0; i < m->vocab->words.count; i++) {
        size_t wl;
        const char *w = soso__strmap_key(&m->vocab->words, (uint32_t)i, &wl);
        soso__wbuf_u64(&b, m->vocab->df[i]);
        soso__wbuf_u16(&b, (uint16_t)wl);
        soso__wbuf_bytes(&b, w, wl);
    }
    section_end(&b, at);

    if (m->learner == SOSO_LEARNER_HEBBIAN) {
        const soso_hebbian_params *h = &m->hebbian;
        at = section_begin(&b, "HEBB");
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
        section_end(&b, at);
    } else if (m->learner == SOSO_LEARNER_SOFT) {
        const soso_soft_params *q = &m->soft;
        at = section_begin(&b, "SOFT");
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
        section_end(&b, at);
    } else {
        const soso_osc_params *o = &m->osc;
        at = section_begin(&b, "OSC ");
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
        section_end(&b, at);
    }

    at = section_begin(&b, "WGHT");
    soso__wbuf_u64(&b, m->units);
    soso__wbuf_u64(&b, m->cols);
    soso__wbuf_f32s(&b, m->W, m->units * m->cols);
    section_end(&b, at);

    if (!b.failed) soso__wbuf_u32(&b, soso__crc32(b.data, b.len));
    if (b.failed) {
        free(b.data);
        return soso__fail(SOSO_E_NOMEM, "out of memory serialising a model");
    }
    *data = b.data;
    *len = b.len;
    return SOSO_OK;
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

typedef struct {
    const unsigned char *p;
    size_t len;
} span;

typedef struct {
    span modl, inpt, text, vocb, hebb, osc, soft, wght;
} sections;

static soso_status bad(const char *what) { return soso__fail(SOSO_E_FORMAT, "model file: %s", what); }

/* Walks the section table; fills the known ones. Checks that sizes fit the file. */
static soso_status find_sections(const unsigned char *data, size_t len, sections *sec)
{
    soso__rbuf r = {data, len - 4, 12, 0}; /* after magic and version; before the CRC */
    uint32_t count = soso__rbuf_u32(&r);
    memset(sec, 0, sizeof *sec);
    for (uint32_t i = 0; i < count; i++) {
        if (soso__rbuf_left(&r) < 12)
            return soso__fail(SOSO_E_FORMAT, "model file is truncated (section %u of %u is missing)", i + 1, count);
        char tag[4];
        soso__rbuf_bytes(&r, tag, 4);
        uint64_t size = soso__rbuf_u64(&r);
        if (size > soso__rbuf_left(&r))
            return soso__fail(SOSO_E_FORMAT, "model file is truncated (section '%.4s' declares %llu bytes, %zu remain)",
                              tag, (unsigned long long)size, soso__rbuf_left(&r));
        span s = {data + r.pos, (size_t)size};
        span *slot = NULL;
        if (!memcmp(tag, "MODL", 4)) slot = &sec->modl;
        else if (!memcmp(tag, "INPT", 4)) slot = &sec->inpt;
        else if (!memcmp(tag, "TEXT", 4)) slot = &sec->text;
        else if (!memcmp(tag, "VOCB", 4)) slot = &sec->vocb;
        else if (!memcmp(tag, "HEBB", 4)) slot = &sec->hebb;
        else if (!memcmp(tag, "OSC ", 4)) slot = &sec->osc;
        else if (!memcmp(tag, "SOFT", 4)) slot = &sec->soft;
        else if (!memcmp(tag, "WGHT", 4)) slot = &sec->wght;
        if (slot) { /* unknown sections are skipped: later writers may add some */
            if (slot->p) return soso__fail(SOSO_E_FORMAT, "model file has two '%.4s' sections", tag);
            *slot = s;
        }
        r.pos += (size_t)size;
    }
    if (soso__rbuf_left(&r) != 0) return bad("unexpected bytes after the last section (truncated or corrupted)");
    return SOSO_OK;
}

static soso_status read_vocab(span sp, const soso_text_options *opt, size_t cols, soso_vocab **out)
{
    soso__rbuf r = {sp.p, sp.len, 0, 0};
    uint64_t n_docs = soso__rbuf_u64(&r);
    uint64_t count = soso__rbuf_u64(&r);
    if (r.failed) return bad("vocabulary section too short");
    /* Each word takes at least 10 bytes: refuse counts the section cannot hold. */
    if (count != cols || count > soso__rbuf_left(&r) / 10)
        return bad("vocabulary size does not match the weights or the section size");
    const char **words = soso__alloc_array(count, sizeof *words);
    size_t *lens = soso__alloc_array(count, sizeof *lens);
    uint64_t *df = soso__alloc_array(count, sizeof *df);
    soso_status s = SOSO_OK;
    if (!words || !lens || !df) s = soso__fail(SOSO_E_NOMEM, "out of memory reading a vocabulary");
    for (uint64_t i = 0; i < count && s == SOSO_OK; i++) {
        df[i] = soso__rbuf_u64(&r);
        lens[i] = soso__rbuf_u16(&r);
        if (r.failed || lens[i] == 0 || lens[i] > soso__rbuf_left(&r)) {
            s = bad("vocabulary entry truncated or empty");
            break;
        }
        words[i] = (const char *)r.data + r.pos;
        r.pos += lens[i];
        if (memchr(words[i], '\0', lens[i])) s = bad("vocabulary word contains a NUL byte");
    }
    if (s == SOSO_OK && soso__rbuf_left(&r) != 0) s = bad("vocabulary section has trailing bytes");
    if (s == SOSO_OK) s = soso__vocab_from_words(opt, words, lens, df, (size_t)count, n_docs, out);
    free(words);
    free(lens);
    free(df);
    return s;
}

static soso_status parse(const sections *sec, soso_model **out)
{
    if (!sec->modl.p || !sec->inpt.p || !sec->text.p || !sec->vocb.p || !sec->wght.p)
        return bad("a required section is missing");
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

    soso_text_options to;
    r = (soso__rbuf){sec->text.p, sec->text.len, 0, 0};
    to.min_word_len = soso__rbuf_u32(&r);
    to.max_word_len = soso__rbuf_u32(&r);
    to.stop_words = (int)soso__rbuf_u32(&r);
    to.min_df = soso__rbuf_u32(&r);
    to.max_vocab = soso__rbuf_u32(&r);
    if (r.failed || soso__text_options_check(&to) || (to.stop_words != 0 && to.stop_words != 1))
        return bad("invalid tokenizer options");

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

    soso_vocab *vocab;
    SOSO__CHECK(read_vocab(sec->vocb, &to, (size_t)cols, &vocab));
    soso_model *m;
    soso_status s = soso__model_alloc((soso_learner)learner, vocab, (size_t)units, &m);
    soso_vocab_free(vocab);
    if (s != SOSO_OK) return s;
    soso__rbuf_f32s(&wr, m->W, n);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(m->W[i])) {
            soso_model_free(m);
            return soso__fail(SOSO_E_FORMAT, "model file: weight %zu is not a finite number", i);
        }
    }
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
    *out = m;
    return SOSO_OK;
}

soso_status soso_model_load_buffer(const void *data, size_t len, soso_model **out)
{
    if (!out || (!data && len)) return soso__fail(SOSO_E_ARG, "data and out must not be NULL");
    const unsigned char *p = data;
    if (len == 0) return bad("the file is empty");
    if (len < 8 && memcmp(p, MAGIC, len) == 0) return bad("truncated (shorter than its header)");
    if (len < 8 || memcmp(p, MAGIC, 8) != 0) {
        if (len >= 4 && memcmp(p, "SOSO", 4) == 0)
            return soso__fail(SOSO_E_FORMAT, "this is a SOSO file of another kind (%.8s), not a model",
                              len >= 8 ? (const char *)p : "?");
        return soso__fail(SOSO_E_FORMAT, "not a SOSO model file (no SOSOMODL magic at its start)");
    }
    if (len < 16) return bad("truncated (shorter than its header)");
    uint32_t version = (uint32_t)p[8] | (uint32_t)p[9] << 8 | (uint32_t)p[10] << 16 | (uint32_t)p[11] << 24;
    if (version == 0) return bad("format version 0 is invalid");
    if (version > SOSO_MODEL_FORMAT_VERSION)
        return soso__fail(SOSO_E_VERSION,
                          "model file has format version %u, newer than this SOSO (%s) reads (%d); upgrade SOSO",
                          version, SOSO_VERSION_STRING, SOSO_MODEL_FORMAT_VERSION);
    if (len < 20) return bad("truncated (shorter than its header)");
    sections sec;
    SOSO__CHECK(find_sections(p, len, &sec));
    uint32_t stored = (uint32_t)p[len - 4] | (uint32_t)p[len - 3] << 8 | (uint32_t)p[len - 2] << 16 |
                      (uint32_t)p[len - 1] << 24;
    if (soso__crc32(p, len - 4) != stored) return bad("checksum mismatch: the file is corrupted");
    return parse(&sec, out);
}

soso_status soso_model_load(const char *path, soso_model **out)
{
    if (!path || !out) return soso__fail(SOSO_E_ARG, "path and out must not be NULL");
    char *data;
    size_t len;
    SOSO__CHECK(soso__read_file(path, &data, &len));
    soso_status s = soso_model_load_buffer(data, len, out);
    free(data);
    if (s != SOSO_OK && s != SOSO_E_NOMEM) {
        /* Prefix the path so a user knows which file is bad. */
        char detail[400];
        snprintf(detail, sizeof detail, "%s", soso_last_error());
        soso__fail(s, "%s: %s", path, detail);
    }
    return s;
}
