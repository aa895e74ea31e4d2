/* eval.c - a model's quality on a corpus (ALGORITHMS.md section 7): clusters against
 * labels (NMI, ARI, purity), NPMI coherence and diversity of the topic words, overlap
 * between units, dead units and code sparsity. */
#include "soso_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

soso_status soso_corpus_label_ids(const soso_corpus *corpus, int32_t *ids, size_t n, size_t *n_labels)
{
    if (!corpus || !ids || !n_labels) return soso__fail(SOSO_E_ARG, "arguments must not be NULL");
    size_t rows = soso_corpus_size(corpus);
    if (n < rows) return soso__fail(SOSO_E_ARG, "ids holds %zu entries, the corpus has %zu documents", n, rows);
    soso__strmap map;
    SOSO__CHECK(soso__strmap_init(&map, 64));
    soso_status s = SOSO_OK;
    for (size_t i = 0; i < rows && s == SOSO_OK; i++) {
        size_t len;
        const char *l = soso_corpus_label(corpus, i, &len);
        uint32_t slot;
        if (l) s = soso__strmap_intern(&map, l, len, &slot, NULL);
    }
    /* Ids in byte order of the label names, whatever order they come in. */
    uint32_t *rank = NULL, *order = NULL;
    if (s == SOSO_OK) {
        rank = soso__alloc_array(map.count ? map.count : 1, sizeof *rank);
        order = soso__alloc_array(map.count ? map.count : 1, sizeof *order);
        if (!rank || !order) s = soso__fail(SOSO_E_NOMEM, "out of memory numbering labels");
    }
    if (s == SOSO_OK) {
        for (uint32_t k = 0; k < map.count; k++) order[k] = k;
        for (size_t a = 1; a < map.count; a++) {
            uint32_t v = order[a];
            size_t b = a;
            while (b > 0 && strcmp(soso__strmap_key(&map, order[b - 1], NULL), soso__strmap_key(&map, v, NULL)) > 0) {
                order[b] = order[b - 1];
                b--;
            }
            order[b] = v;
        }
        for (uint32_t k = 0; k < map.count; k++) rank[order[k]] = k;
        for (size_t i = 0; i < rows; i++) {
            size_t len;
            const char *l = soso_corpus_label(corpus, i, &len);
            ids[i] = l ? (int32_t)rank[soso__strmap_find(&map, l, len)] : -1;
        }
        *n_labels = map.count;
    }
    free(rank);
    free(order);
    soso__strmap_free(&map);
    return s;
}

/* Documents containing both words: the intersection of two sorted postings. */
static uint64_t co_docs(const soso_docs *XT, uint32_t a, uint32_t b)
{
    size_t i = XT->indptr[a], ie = XT->indptr[a + 1], j = XT->indptr[b], je = XT->indptr[b + 1];
    uint64_t n = 0;
    while (i < ie && j < je) {
        if (XT->indices[i] == XT->indices[j]) { n++; i++; j++; }
        else if (XT->indices[i] < XT->indices[j]) i++;
        else j++;
    }
    return n;
}

soso_status soso_model_eval(const soso_model *m, const soso_docs *docs, const int32_t *labels, size_t top_words,
                            int threads, soso_eval *out)
{
    if (!m || !docs || !out) return soso__fail(SOSO_E_ARG, "model, docs and out must not be NULL");
    if (docs->cols != m->cols)
        return soso__fail(SOSO_E_ARG, "the documents have %zu columns but the model's vocabulary has %zu words",
                          docs->cols, m->cols);
    if (top_words == 0) top_words = 10;
    if (top_words > m->cols) top_words = m->cols; /* a unit has no more words (a model has at least one) */
    size_t H = m->units, R = docs->rows, K = soso_model_code_sparsity(m);
    soso_eval e;
    memset(&e, 0, sizeof e);
    e.units = H;
    int32_t *clusters = soso__alloc_array(R ? R : 1, sizeof *clusters);
    uint32_t *positive = soso__alloc_array(R ? R : 1, sizeof *positive);
    int team = soso__team_size(threads, (double)docs->indptr[R] * (double)H);
    float *codes = soso__alloc_array((size_t)team * H, sizeof *codes);
    uint32_t *kept = soso__alloc_array((size_t)team * H, sizeof *kept); /* each thread's top-K scratch */
    uint32_t *top = soso__alloc_array(H * top_words, sizeof *top);
    uint64_t *wins = soso__calloc_array(H, sizeof *wins);
    soso_docs *XT = NULL;
    soso_status s = (clusters && positive && codes && kept && top && wins)
                        ? soso__docs_transpose(docs, &XT)
                        : soso__fail(SOSO_E_NOMEM, "out of memory evaluating");
    if (s == SOSO_OK) {
        soso__scorer sc;
        soso__scorer_init(&sc, m, docs);
#pragma omp parallel num_threads(team) if (team > 1)
        {
            float *a = codes + (size_t)omp_get_thread_num() * H;
            uint32_t *ktop = kept + (size_t)omp_get_thread_num() * H;
#pragma omp for schedule(static)
            for (long r = 0; r < (long)R; r++) {
                size_t nnz = docs->indptr[r + 1] - docs->indptr[r];
                clusters[r] = -1;
                positive[r] = 0;
                if (nnz == 0) continue; /* no known word: no cluster */
                soso__scorer_row(&sc, docs, (size_t)r, a);
                clusters[r] = soso_argmax(a, H);
                if (K) soso__topk_fill_in(a, H, K, 1, 0.0f, ktop); /* the codes the learner keeps */
                for (size_t h = 0; h < H; h++) positive[r] += a[h] > 0;
            }
        }
        s = soso__scorer_end(&sc);
    }
    if (s == SOSO_OK) {
        double pos = 0;
        for (size_t r = 0; r < R; r++)
            if (clusters[r] >= 0) {
                wins[clusters[r]]++;
                e.documents++;
                pos += positive[r];
            }
        e.code_sparsity = e.documents ? pos / (double)e.documents : 0;
        for (size_t h = 0; h < H; h++) e.dead_units += wins[h] == 0;
        /* Clusters against labels, over documents that have both. */
        e.nmi = e.ari = e.purity = NAN;
        if (labels) {
            int32_t *lab = soso__alloc_array(R ? R : 1, sizeof *lab);
            if (!lab) s = soso__fail(SOSO_E_NOMEM, "out of memory evaluating");
            int32_t max_label = -1;
            for (size_t r = 0; r < R && s == SOSO_OK; r++) {
                lab[r] = clusters[r] >= 0 ? labels[r] : -1;
                if (lab[r] >= 0) {
                    e.labelled++;
                    max_label = lab[r] > max_label ? lab[r] : max_label;
                }
            }
            if (s == SOSO_OK && e.labelled > 0) {
                s = soso_nmi(lab, clusters, R, &e.nmi);
                if (s == SOSO_OK) s = soso_ari(lab, clusters, R, &e.ari);
                if (s == SOSO_OK) s = soso_purity(lab, clusters, R, &e.purity);
                /* Counted once the metrics took the labels (their table bounds max_label:
                 * a label of INT32_MAX ran l past it, a loop that never ended). */
                uint64_t *seen = s == SOSO_OK ? soso__calloc_array((size_t)max_label + 1, sizeof *seen) : NULL;
                if (!seen && s == SOSO_OK) s = soso__fail(SOSO_E_NOMEM, "out of memory counting labels");
                if (seen) {
                    for (size_t r = 0; r < R; r++)
                        if (lab[r] >= 0) seen[lab[r]] = 1;
                    for (size_t l = 0; l <= (size_t)max_label; l++) e.labels += seen[l];
                    free(seen);
                }
            }
            free(lab);
        }
    }
    if (s == SOSO_OK) {
        /* NPMI of each unit's top words (largest weights), from co-occurrence in docs. */
        size_t k = top_words;
        double npmi = 0, n = (double)R;
        size_t pairs = 0, distinct = 0;
        for (size_t h = 0; h < H; h++) soso__top_indices(m->W + h * m->cols, m->cols, k, 0, top + h * k);
        for (size_t h = 0; h < H; h++)
            for (size_t a = 0; a < k; a++)
                for (size_t b = a + 1; b < k; b++) {
                    uint32_t wa = top[h * k + a], wb = top[h * k + b];
                    double pa = (double)(XT->indptr[wa + 1] - XT->indptr[wa]) / n;
                    double pb = (double)(XT->indptr[wb + 1] - XT->indptr[wb]) / n;
                    double pab = (double)co_docs(XT, wa, wb) / n;
                    npmi += pab == 0 ? -1.0 : pab == 1 ? 1.0 : log(pab / (pa * pb)) / -log(pab);
                    pairs++;
                }
        e.npmi = pairs ? npmi / (double)pairs : NAN;
        unsigned char *used = soso__calloc_array(m->cols, 1);
        if (!used) s = soso__fail(SOSO_E_NOMEM, "out of memory counting distinct top words");
        for (size_t i = 0; used && i < H * k; i++)
            if (!used[top[i]]) {
                used[top[i]] = 1;
                distinct++;
            }
        free(used);
        e.diversity = (double)distinct / (double)(H * k);
        if (s == SOSO_OK) s = soso_unit_overlap(m->W, H, m->cols, threads, &e.mean_abs_cos, &e.max_abs_cos);
    }
    if (s == SOSO_OK) *out = e;
    soso_docs_free(XT);
    free(clusters);
    free(positive);
    free(codes);
    free(kept);
    free(top);
    free(wins);
    return s;
}
