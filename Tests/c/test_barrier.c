/* test_barrier.c - the training loops' own barrier (team_barrier.h, white box): every
 * thread of a team waits for the slowest and sees what all wrote before it, past the
 * wrap of its count, on 1 to 4 threads (on 2 processors, 3 and 4 take OpenMP's own
 * barrier; 5 threads are left out: libomp 5 leaks its thread structures there, which
 * LeakSanitizer reports). */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "soso_internal.h"

#include <limits.h>
#include <string.h>
#include <time.h>

enum { ROUNDS = 3000, MOST = 8 };

static int slot[MOST]; /* each thread's last round, read by all */

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Keeps the thread busy for about `us` microseconds (not asleep: a late arrival). */
static void busy_us(double us)
{
    double t0 = seconds();
    while ((seconds() - t0) * 1e6 < us) {
    }
}

/* Each round every thread writes its slot, one of them late, then after a barrier all
 * read every slot; a second barrier keeps the next round's writes from overtaking the
 * reads. Returns the slots read stale. */
static long stale_reads(int threads)
{
    soso__barrier bar;
    memset(&bar, 0, sizeof bar);
    bar.gen = UINT_MAX - 5; /* the count of barriers passed wraps a few rounds in */
    long stale = 0;
    for (int t = 0; t < MOST; t++) slot[t] = -1;
#pragma omp parallel num_threads(threads) reduction(+ : stale)
    {
        int tid = omp_get_thread_num(), nt = omp_get_num_threads();
        for (int r = 0; r < ROUNDS; r++) {
            if (r % 100 == tid) busy_us(50); /* this round's latecomer */
#pragma omp atomic write
            slot[tid] = r;
            soso__barrier_wait(&bar);
            for (int t = 0; t < nt; t++) {
                int seen;
#pragma omp atomic read
                seen = slot[t];
                stale += seen != r;
            }
            soso__barrier_wait(&bar);
        }
    }
    return stale;
}

static void test_barrier_waits_for_every_thread(void)
{
    for (int threads = 1; threads <= 4; threads++) {
        long stale = stale_reads(threads);
        CHECK_MSG(stale == 0, "%d threads: %ld slots read before their thread reached the barrier", threads, stale);
    }
}

const soso_test tests_barrier[] = {
    {"barrier_waits_for_every_thread", test_barrier_waits_for_every_thread},
    {NULL, NULL},
};
