/* stream_train.c - a vocabulary and a training run over a streamed corpus file: each
 * epoch visits the file's blocks in an order drawn from the seed, a piece of blocks at a
 * time, so memory holds the model and one piece and a file sorted by topic still mixes. */
#include "soso_internal.h"

#include <stdlib.h>

soso_status soso_vocab_build_stream(soso_stream *s, const soso_text_options *options, const char *const *stop_words,
                                    size_t n_stop, size_t piece_blocks, soso_vocab **out)
{
    if (!s || !out || (n_stop && !stop_words)) return soso__fail(SOSO_E_ARG, "stream and out must not be NULL");
    if (piece_blocks == 0) return soso__fail(SOSO_E_ARG, "piece_blocks must be >= 1");
    size_t blocks = soso_stream_blocks(s);
    if (blocks == 0) return soso__fail(SOSO_E_EMPTY, "the corpus has no documents");
    uint32_t *ids = soso__alloc_array(piece_blocks < blocks ? piece_blocks : blocks, sizeof *ids);
    if (!ids) return soso__fail(SOSO_E_NOMEM, "out of memory");
    soso_vocab_builder *b = NULL;
    soso_status r = soso_vocab_builder_create(options, &b);
    for (size_t i = 0; i < n_stop && r == SOSO_OK; i++)
        r = soso_vocab_builder_add_stop_word(b, stop_words[i], SOSO_NUL_TERMINATED);
    /* Document frequencies do not depend on the order: read the file front to back. */
    for (size_t at = 0; at < blocks && r == SOSO_OK; at += piece_blocks) {
        size_t n = blocks - at < piece_blocks ? blocks - at : piece_blocks;
        for (size_t i = 0; i < n; i++) ids[i] = (uint32_t)(at + i);
        soso_corpus *piece = NULL;
        r = soso_stream_read(s, ids, n, &piece);
        for (size_t i = 0; r == SOSO_OK && i < soso_corpus_size(piece); i++) {
            size_t len;
            const char *t = soso_corpus_text(piece, i, &len);
            r = soso_vocab_builder_add(b, t, len);
        }
        soso_corpus_free(piece);
    }
    if (r == SOSO_OK) r = soso_vocab_builder_finish(b, out);
    soso_vocab_builder_free(b);
    free(ids);
    return r;
}

/* Progress of one segment, told as progress of the whole streamed run. */
typedef struct {
    soso_progress_fn fn;
    void *user;
    uint64_t before, total; /* documents of earlier segments; of the run */
    double t0;
} run_progress;

static int segment_progress(const soso_progress *p, void *user)
{
    run_progress *rp = user;
    soso_progress q = *p;
    q.docs_done = rp->before + p->docs_done;
    q.docs_total = rp->total;
    q.seconds = soso__now() - rp->t0;
    return rp->fn(&q, rp->user);
}

soso_status soso_model_train_stream(soso_model *m, soso_stream *s, size_t piece_blocks, soso_progress_fn progress,
                                    void *user)
{
    if (!m || !s) return soso__fail(SOSO_E_ARG, "model and stream must not be NULL");
    if (piece_blocks == 0) return soso__fail(SOSO_E_ARG, "piece_blocks must be >= 1");
    size_t blocks = soso_stream_blocks(s);
    uint64_t rows = soso_stream_documents(s);
    uint32_t planned = soso__planned_epochs(m);
    if (rows == 0) return soso__fail(SOSO_E_EMPTY, "there are no documents to train on");
    SOSO__CHECK(soso__check_epoch_rows(m, rows));
    if (m->epochs_done >= planned) return soso__settle(m); /* nothing to train: what a failed call owed */
    SOSO__CHECK(soso__check_source(m, SOSO__SOURCE_FILE, rows, soso__stream_fingerprint(s)));
    uint32_t *order = soso__alloc_array(blocks, sizeof *order);
    if (!order) return soso__fail(SOSO_E_NOMEM, "out of memory for the order of %zu blocks", blocks);
    run_progress rp = {progress, user, 0, 0, soso__now()};
    rp.total = m->epochs_done >= planned ? 0 : (uint64_t)(planned - m->epochs_done) * rows - m->epoch_pos;
    soso_status r = SOSO_OK;
    while (r == SOSO_OK && m->epochs_done < planned) {
        int from_start = m->epoch_pos == 0;
        uint64_t known = 0; /* pieces with a vocabulary word: a corpus without any is refused */
        r = soso_stream_order(s, soso__learner_seed(m), m->epochs_done, order, blocks);
        uint64_t first = 0;
        for (size_t at = 0; r == SOSO_OK && at < blocks; at += piece_blocks) {
            size_t n = blocks - at < piece_blocks ? blocks - at : piece_blocks;
            uint64_t piece_rows = 0;
            for (size_t i = 0; i < n; i++) piece_rows += soso_stream_block_size(s, order[at + i]);
            if (m->epoch_pos >= first + piece_rows) { /* done before a stop: skip it */
                first += piece_rows;
                continue;
            }
            soso_corpus *piece = NULL;
            soso_docs *docs = NULL;
            r = soso_stream_read(s, order + at, n, &piece);
            if (r == SOSO_OK && soso_corpus_size(piece) != piece_rows)
                r = soso__fail(SOSO_E_IO, "the streamed file changed since it was opened (a piece has %zu lines, "
                               "not %llu)", soso_corpus_size(piece), (unsigned long long)piece_rows);
            if (r == SOSO_OK) r = soso_docs_from_corpus(piece, m->vocab, &m->input, &docs);
            if (r == SOSO_OK) known += docs->indptr[docs->rows] > 0;
            uint64_t done_before = m->docs_seen;
            if (r == SOSO_OK)
                r = soso_model_train_segment(m, docs, first, rows, progress ? segment_progress : NULL, &rp);
            rp.before += m->docs_seen - done_before;
            first += piece_rows;
            soso_docs_free(docs);
            soso_corpus_free(piece);
        }
        if (r == SOSO_OK && from_start && known == 0)
            r = soso__fail(SOSO_E_EMPTY, "none of the %llu documents contains a vocabulary word",
                           (unsigned long long)rows);
    }
    free(order);
    return r;
}
