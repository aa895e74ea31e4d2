/* team_tuner.c - which team training runs on, chosen by timing it. A mini-batch (or an
 * osc document) is tens of microseconds of work handed between the threads at every
 * phase, so whether more threads help depends on the machine, and not only on the work:
 * on a 16-core Xeon Hebbian epochs ran 1.27x on 2 threads and 0.72x on 16; on a 2-vCPU
 * VM 1.6x in most spells and 0.65x in spells where an OpenMP barrier took twice as long.
 * Training's results are the same for any team, so the choice can follow the timing. */
#include "soso_internal.h"

#include <stdint.h>
#include <string.h>

void soso__tuner_init(soso__tuner *t, int threads, int fixed)
{
    memset(t, 0, sizeof *t);
    t->fixed = fixed;
    for (int c = threads < 1 ? 1 : threads; t->n < SOSO__TUNE_MAX; c /= 2) {
        t->cand[t->n++] = c; /* the caller's threads, then halved down to 1 */
        if (c == 1 || fixed) break;
    }
    if (!fixed && t->cand[t->n - 1] != 1) t->cand[t->n - 1] = 1; /* over 128 threads: 1 stays a candidate */
    t->turn = t->n > 1 ? 0 : -1;
    t->left = t->n > 1 ? SOSO__TUNE_TURN : UINT32_MAX;
}

void soso__tuner_use(soso__tuner *t, int threads, int fixed)
{
    if (t->n == 0 || t->cand[0] != (threads < 1 ? 1 : threads) || t->fixed != fixed) soso__tuner_init(t, threads, fixed);
}

int soso__tuner_cap(const soso__tuner *t)
{
    return t->turn >= 0 ? t->cand[t->turn % t->n] : t->cand[t->best];
}

uint32_t soso__tuner_left(const soso__tuner *t)
{
    return t->left > 0 ? t->left : 1; /* UINT32_MAX with one candidate */
}

void soso__tuner_record(soso__tuner *t, double seconds, double work)
{
    if (t->turn < 0) { /* settled: probe again after a while (the machine changes) */
        if (t->n > 1 && --t->left == 0) {
            memset(t->secs, 0, sizeof t->secs);
            memset(t->work, 0, sizeof t->work);
            t->turn = 0;
            t->left = SOSO__TUNE_TURN;
        }
        return;
    }
    int c = t->turn % t->n;
    t->secs[c] += seconds;
    t->work[c] += work;
    if (--t->left > 0) return;
    t->left = SOSO__TUNE_TURN;
    if (++t->turn < t->n * SOSO__TUNE_ROUNDS) return;
    /* Every candidate has had its turns: keep the one with the least time per unit of
     * work (the smaller team on a tie). */
    t->best = 0;
    for (int k = 1; k < t->n; k++)
        if (t->secs[k] * t->work[t->best] <= t->secs[t->best] * t->work[k]) t->best = k;
    t->turn = -1;
    t->left = SOSO__TUNE_SETTLED;
}
