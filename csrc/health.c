/* health.c - is a trained codebook healthy? Win counts, dead units, the effective number
 * of units, the soft gate's entropy and the overlap between units, with plain-word
 * warnings for the silent failures: collapse, a uniform gate, dead and duplicated units. */
#include "soso_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double soso__effective_units(const uint64_t *wins, size_t units)
{
    uint64_t total = 0;
    for (size_t h = 0; h < units; h++) total += wins[h];
    if (total == 0) return 0.0;
    double ent = 0;
    for (size_t h = 0; h < units; h++)
        if (wins[h]) {
            double p = (double)wins[h] / (double)total;
            ent -= p * log(p);
        }
    return exp(ent);
}

const char *soso_health_warning(unsigned flag)
{
    switch (flag) {
    case SOSO_HEALTH_COLLAPSE:
        return "collapse: one unit takes more than half of the documents; the others learn little";
    case SOSO_HEALTH_UNIFORM_GATE:
        return "uniform gate: the soft gate is nearly uniform, so units do not compete; lower the final temperature";
    case SOSO_HEALTH_DEAD_UNITS:
        return "dead units: some units win no document; use more epochs, the inhibitor, or fewer units";
    case SOSO_HEALTH_DUPLICATES:
        return "duplicated units: two units point the same way (|cos| > 0.9); orthogonalise or use fewer units";
    }
    return "unknown warning";
}

soso_status soso_model_health(const soso_model *m, const soso_docs *docs, int threads, uint64_t *wins, soso_health *out)
{
    if (!m || !docs || !out) return soso__fail(SOSO_E_ARG, "model, docs and out must not be NULL");
    if (docs->cols != m->cols)
        return soso__fail(SOSO_E_ARG, "the documents have %zu columns but the model's vocabulary has %zu words",
                          docs->cols, m->cols);
    size_t H = m->units, R = docs->rows;
    int32_t *winner = soso__alloc_array(R, sizeof *winner);
    double *ent = soso__alloc_array(R, sizeof *ent);
    uint64_t *counts = soso__calloc_array(H, sizeof *counts);
    int team = soso__team_size(threads, (double)docs->indptr[R] * (double)H);
    float *codes = soso__alloc_array((size_t)team * H, sizeof *codes);
    uint32_t *tops = soso__alloc_array((size_t)team * H, sizeof *tops); /* each thread's top-K scratch */
    if (!winner || !ent || !counts || !codes || !tops) {
        free(winner); free(ent); free(counts); free(codes); free(tops);
        return soso__fail(SOSO_E_NOMEM, "out of memory for a health report");
    }
    int soft = m->learner == SOSO_LEARNER_SOFT;
    size_t K = soft ? m->soft.k : 0;
    float beta = soft ? 1.0f / m->soft.t_final : 1.0f;
    soso__scorer sc;
    soso__scorer_init(&sc, m, docs);
#pragma omp parallel num_threads(team) if (team > 1)
    {
        float *a = codes + (size_t)omp_get_thread_num() * H;
        uint32_t *top = tops + (size_t)omp_get_thread_num() * H;
#pragma omp for schedule(static)
        for (long r = 0; r < (long)R; r++) {
            size_t nnz = docs->indptr[r + 1] - docs->indptr[r];
            winner[r] = -1;
            ent[r] = 0;
            if (nnz == 0) continue; /* no known word: no winner */
            soso__scorer_row(&sc, docs, (size_t)r, a);
            winner[r] = soso_argmax(a, H);
            /* The gate at inference: softmax over the top K of beta s (no inhibitor). */
            if (!soft) continue;
            soso__topk_fill_in(a, H, K, 0, -INFINITY, top);
            if (soso_softmax(a, H, beta, a) == SOSO_OK) ent[r] = soso__entropy(a, H); /* finite scores: always */
        }
    }
    soso_status s = soso__scorer_end(&sc);
    soso_health h;
    memset(&h, 0, sizeof h);
    h.units = H;
    double ent_sum = 0;
    for (size_t r = 0; r < R; r++)
        if (winner[r] >= 0) {
            counts[winner[r]]++;
            h.documents++;
            ent_sum += ent[r];
        }
    uint64_t top = 0;
    for (size_t u = 0; u < H; u++) {
        if (counts[u] == 0) h.dead_units++;
        if (counts[u] > top) top = counts[u];
    }
    h.effective_units = soso__effective_units(counts, H);
    h.top_share = h.documents ? (double)top / (double)h.documents : 0.0;
    h.gate_entropy = soft && h.documents ? ent_sum / (double)h.documents : -1.0;
    h.gate_entropy_max = soft ? log((double)(K < H ? K : H)) : -1.0;
    if (s == SOSO_OK) s = soso_unit_overlap(m->W, H, m->cols, threads, &h.mean_abs_cos, &h.max_abs_cos);
    if (s == SOSO_OK) {
        if (H >= 3 && h.top_share > 0.5) h.warnings |= SOSO_HEALTH_COLLAPSE;
        if (soft && K >= 2 && h.gate_entropy > 0.9 * h.gate_entropy_max) h.warnings |= SOSO_HEALTH_UNIFORM_GATE;
        if (h.documents > 0 && h.dead_units > 0) h.warnings |= SOSO_HEALTH_DEAD_UNITS;
        if (H >= 2 && h.max_abs_cos > 0.9) h.warnings |= SOSO_HEALTH_DUPLICATES;
        if (wins) memcpy(wins, counts, H * sizeof *wins);
        *out = h;
    }
    free(winner); free(ent); free(counts); free(codes); free(tops);
    return s;
}
