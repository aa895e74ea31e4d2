/* batch_loop.c - the epoch loop that mini-batch learners share: a shuffle per epoch,
 * batches, stop points (progress, a stop asked for, exact resumption), orthogonalisation,
 * and the checks that training has not diverged. */
#include "soso_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int soso__popcount64(unsigned long long x)
{
    int n = 0;
    for (; x; x &= x - 1) n++;
    return n;
}

void soso__epoch_order(uint32_t *perm, size_t n, uint64_t seed, uint32_t epoch, uint64_t first)
{
    soso__rng rng;
    soso__rng_seed(&rng, seed, SOSO__SHUFFLE_STREAM(epoch, first));
    for (size_t i = 0; i < n; i++) perm[i] = (uint32_t)i;
    soso__rng_shuffle_u32(&rng, perm, n);
}

soso_progress soso__progress_begin(const soso_model *m, uint32_t epochs, const soso__span *span, size_t rows)
{
    soso_progress pr = {0};
    pr.epochs = epochs;
    uint64_t first = span->whole ? 0 : span->first;
    pr.docs_total = m->epochs_done >= epochs ? 0
                    : span->whole ? (uint64_t)(epochs - m->epochs_done) * rows - m->epoch_pos
                                  : first + rows - m->epoch_pos;
    return pr;
}

soso_status soso__diverged(const char *what)
{
    return soso__fail(SOSO_E_NUMERIC, "training diverged: %s; lower the learning rate (eps0 of hebbian, eta of soft)"
                      " or the orthogonality penalty", what);
}

size_t soso__first_unusable_weight(const float *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(fabsf(w[i]) <= SOSO__WEIGHT_MAX)) return i;
    return n;
}

soso_status soso__check_rows(const float *W, size_t V, const uint32_t *rows, size_t n)
{
    for (size_t t = 0; t < n; t++) {
        size_t h = rows ? rows[t] : t, j = soso__first_unusable_weight(W + h * V, V);
        if (j < V) {
            char what[96];
            snprintf(what, sizeof what, "weight %zu of unit %zu is %g", j, h, (double)W[h * V + j]);
            return soso__diverged(what);
        }
    }
    return SOSO_OK;
}

/* Batches bi onwards that can run back to back: up to and including the next stop
 * point (every SOSO__STOP_EVERY batches and the pass's last), orthogonalisation, or
 * change of the tuner's team, so that every one of them comes at a group's end. */
static size_t group_length(const soso_model *m, const soso__schedule *sc, uint32_t epoch, uint64_t epoch_batches,
                           uint64_t first_batch, size_t bi, size_t n_batches)
{
    uint64_t done = (uint64_t)epoch * epoch_batches + first_batch + bi + 1; /* after batch bi */
    uint64_t k = n_batches - bi;
    uint64_t to_stop = (SOSO__STOP_EVERY - done % SOSO__STOP_EVERY) % SOSO__STOP_EVERY + 1;
    k = to_stop < k ? to_stop : k;
    if (sc->orthogonalize_every) {
        uint64_t oe = sc->orthogonalize_every, to_orth = (oe - done % oe) % oe + 1;
        k = to_orth < k ? to_orth : k;
    }
    uint64_t left = soso__tuner_left(&m->tuner);
    return (size_t)(left < k ? left : k);
}

/* The schedule's symmetric orthogonalisation of W (plain), and the lazy state anew. One
 * that fails stays due (m->orth_due: the batch before it is in W and counted), and the
 * next training call does it first (soso__settle). */
static soso_status orthogonalize(soso_model *m, const soso__schedule *sc)
{
    soso_status s = soso_orthogonalize_symmetric(m->W, m->units, m->cols, sc->threads);
    m->orth_due = s != SOSO_OK;
    if (s == SOSO_OK && sc->w->alpha) s = soso__batch_lazy(sc->w, m->W); /* block maxima anew */
    return s;
}

soso_status soso__run_batches(soso_model *m, const soso_docs *docs, const soso__span *span, const soso__schedule *sc,
                              soso__batch_fn fn, void *ctx, soso_progress_fn progress, void *user)
{
    size_t N = docs->rows;
    if (N > UINT32_MAX) return soso__fail(SOSO_E_LIMIT, "at most 2^32-1 documents can be trained on at once");
    uint64_t first = span->whole ? 0 : span->first, total = span->whole ? N : span->total;
    size_t B = sc->batch < N ? sc->batch : N, n_batches = (N + B - 1) / B;
    uint64_t epoch_batches = (total + B - 1) / B; /* for the schedule's batch count */
    uint32_t *perm = soso__alloc_array(N, sizeof *perm);
    if (!perm) return soso__fail(SOSO_E_NOMEM, "out of memory for a permutation of %zu documents", N);
    m->train_rows = total;
    soso_status s = SOSO_OK;
    soso_progress pr = soso__progress_begin(m, sc->epochs, span, N);
    double t0 = soso__now();
    soso__tuner *tuner = &m->tuner;
    sc->w->longest = soso__docs_longest(docs); /* for the arenas of batches run back to back */
    soso__tuner_use(tuner, sc->w->threads, m->fixed_team);
    while (m->epochs_done < sc->epochs && s == SOSO_OK) {
        uint32_t epoch = m->epochs_done;
        soso__epoch_order(perm, N, sc->seed, epoch, first);
        if (m->epoch_pos == 0) memset(sc->wins, 0, m->units * sizeof *sc->wins);
        for (size_t bi = (size_t)((m->epoch_pos - first) / B); bi < n_batches && s == SOSO_OK; bi++) {
            size_t start = bi * B, n = N - start < B ? N - start : B;
            sc->w->cap = soso__tuner_cap(tuner);
            /* With many, on a team, the batches up to the next stop point (or
             * orthogonalisation, or change of the tuner's team) run back to back in one
             * parallel region. */
            size_t k = sc->many && sc->w->cap > 1 ? group_length(m, sc, epoch, epoch_batches, first / B, bi, n_batches)
                                                  : 1;
            size_t n_last = bi + k == n_batches ? N - (bi + k - 1) * B : B, ran = 1;
            /* The next batch's row offsets, fetched now: its cost prefix reads them first,
             * serially (timed in process, 0.9-1.1 us a batch of 100 without this, 0.4-0.6
             * with it); in a group the first thread works it out while the first batch's
             * update ends, and fetches the one after's. */
            for (size_t b = start + n; b < start + 2 * B && b < N; b++) SOSO__PREFETCH(docs->indptr + perm[b]);
            double tb = soso__now();
            int applied = 1;
            s = sc->many ? sc->many(ctx, perm + start, k, B, n_last, epoch, &ran) : fn(ctx, perm + start, n, epoch, &applied);
            soso_status late = SOSO_OK; /* one batch's error after its update: it counts, then the loop ends */
            if (!sc->many && s != SOSO_OK && applied) late = s, s = SOSO_OK;
            if (s != SOSO_OK && (!sc->many || ran == 0)) break;
            /* The batches' work: their cost prefixes (words plus a part per document), which
             * every mini-batch learner's step works out; the tuner counts batches. */
            double secs = soso__now() - tb, work = sc->many ? sc->w->work : (double)sc->w->cum[n];
            for (size_t i = 0; i < ran && s == SOSO_OK; i++)
                soso__tuner_record(tuner, secs / (double)ran, work / (double)ran);
            /* All but the group's last: none is a stop point. After an error every one
             * that ran counts (its changes are in W), and the loop ends. */
            for (size_t i = 0; i + (s == SOSO_OK) < ran; i++, bi++) {
                m->epoch_pos = first + (bi + 1) * B;
                m->docs_seen += B;
                pr.docs_done += B;
            }
            if (s != SOSO_OK) break;
            start = bi * B;
            n = N - start < B ? N - start : B;
            if (sc->w->diverged) { /* a NaN or infinite score: the weights blew up */
                char where[96];
                snprintf(where, sizeof where, "scores are no longer finite in epoch %u (after %llu documents)",
                         epoch + 1, (unsigned long long)(m->docs_seen + n));
                s = soso__diverged(where);
                break;
            }
            m->epoch_pos = first + start + n;
            m->docs_seen += n;
            pr.docs_done += n;
            if (m->epoch_pos == total) {
                m->epochs_done++;
                m->epoch_pos = 0;
            }
            uint64_t done = (uint64_t)epoch * epoch_batches + first / B + bi + 1; /* mini-batches so far */
            int orth = sc->orthogonalize_every && (done % sc->orthogonalize_every == 0 || m->epochs_done == sc->epochs);
            /* Stop points: every SOSO__STOP_EVERY batches and each segment's end (fixed by the schedule,
             * so a run resumed from one continues exactly as if uninterrupted). There W is
             * made plain, progress is reported and a stop may be asked for. */
            int stop_point = done % SOSO__STOP_EVERY == 0 || bi + 1 == n_batches;
            if (stop_point || orth) soso__batch_fold(sc->w, m->W);
            if (orth && late != SOSO_OK) m->orth_due = 1;
            else if (orth && (s = orthogonalize(m, sc)) != SOSO_OK) break;
            if (late != SOSO_OK) {
                s = late;
                break;
            }
            if (!stop_point) continue;
            pr.epoch = m->epochs_done;
            pr.seconds = soso__now() - t0;
            pr.threads_used = soso__popcount64(*sc->team_mask);
            pr.effective_units = soso__effective_units(sc->wins, m->units);
            pr.temperature = sc->temperature ? sc->temperature(m) : 0.0;
            if (progress && progress(&pr, user) != 0)
                s = soso__fail(SOSO_E_ABORTED, "training stopped on request after %llu documents (epoch %u of %u)",
                               (unsigned long long)pr.docs_done, m->epochs_done, sc->epochs);
        }
        if (!span->whole) break; /* a segment is one pass */
    }
    free(perm);
    /* W plain on every way out: an error between stop points (an allocation) leaves the
     * batches that ran in W^ and their row scales in the workspace, freed next. */
    soso__batch_fold(sc->w, m->W);
    /* The last batches' updates were not scored after: a last look at W (folded at the
     * final stop point, or at the one where a stop was asked for), so that no call
     * returns SOSO_OK, or a resumable stop, with weights that blew up. */
    if (s == SOSO_OK || s == SOSO_E_ABORTED) {
        soso_status f = soso__check_rows(m->W, m->cols, NULL, m->units);
        if (f != SOSO_OK) s = f;
    }
    return s;
}
