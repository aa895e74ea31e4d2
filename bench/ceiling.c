/* ceiling.c - the machine's own gain from N threads (see ceiling.h). Two vCPUs that are
 * hyperthreads of one core, or one slowed by its host, give far less than N even to
 * work that shares nothing; the goals' speed-ups are read against that. */
#define _POSIX_C_SOURCE 200809L
#include "ceiling.h"

#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>

#define LANES 64                  /* independent chains: the vector units stay busy */
#define COMPUTE_STEPS 2400000     /* about 10 ms a thread (0.85 ms per 200,000 here)  */
#define TABLE_WORDS (8u << 20)    /* 32 MiB of floats a thread: past the L2 caches   */
#define GATHER_READS (1u << 20)

static float sink_compute(void)
{
    float acc[LANES];
    for (int j = 0; j < LANES; j++) acc[j] = (float)j;
    for (int s = 0; s < COMPUTE_STEPS; s++)
        for (int j = 0; j < LANES; j++) acc[j] = acc[j] * 0.999999f + 1e-6f;
    float sum = 0;
    for (int j = 0; j < LANES; j++) sum += acc[j];
    return sum;
}

static float sink_gather(const float *table)
{
    uint32_t x = 12345;
    float sum = 0;
    for (uint32_t i = 0; i < GATHER_READS; i++) { /* the next index does not wait for a load */
        x = x * 1664525u + 1013904223u;
        sum += table[x & (TABLE_WORDS - 1)];
    }
    return sum;
}

/* Seconds for every thread of a team of n to run its work once (both or neither kind). */
static double team_seconds(int n, int gather, float **tables, volatile float *out)
{
    double t0 = omp_get_wtime();
#pragma omp parallel num_threads(n)
    {
        int t = omp_get_thread_num();
        out[t] = gather ? sink_gather(tables[t]) : sink_compute();
    }
    return omp_get_wtime() - t0;
}

#define BARRIERS 20000

double ceiling_barrier_us(int n)
{
    double t0 = omp_get_wtime();
#pragma omp parallel num_threads(n)
    for (int i = 0; i < BARRIERS; i++) {
#pragma omp barrier
    }
    return (omp_get_wtime() - t0) * 1e6 / BARRIERS;
}

/* Each thread's table, made (and first touched by its thread) at the first call that
 * needs it and kept for the process: a pair runs before every paired repetition. */
static float **tables;
static volatile float *out;
static int made;

static int make_tables(int threads)
{
    if (threads <= made) return 1;
    float **t = realloc(tables, (size_t)threads * sizeof *t);
    volatile float *o = realloc((void *)out, (size_t)threads * sizeof *o);
    if (t) tables = t;
    if (o) out = o;
    if (!t || !o) return 0;
    for (int k = made; k < threads; k++) tables[k] = NULL;
    int ok = 1;
    for (int k = made; k < threads; k++) ok &= (tables[k] = malloc(TABLE_WORDS * sizeof **tables)) != NULL;
    if (!ok) return 0;
#pragma omp parallel for num_threads(threads) schedule(static, 1)
    for (int k = 0; k < threads; k++)
        if (k >= made)
            for (uint32_t i = 0; i < TABLE_WORDS; i++) tables[k][i] = (float)(i & 7);
    made = threads;
    return 1;
}

/* A team of n's seconds for its work, warmed up: it runs once untimed first, as a vCPU
 * left idle takes up to a millisecond to start (a 2-thread team on 0.85 ms of work took
 * 1.2-1.7 ms), which the training loops, whose threads wait by spinning, never pay. Then
 * the better of two timings: the host now and then takes a vCPU for milliseconds (one
 * 2-thread run in a few dozen took 4 times one thread's time). With 1 ms windows, no
 * warm-up of the 2-thread team and one timing the compute figure read 1.26-2.04 by hand
 * where this reads 1.88-2.03. The scattered reads' window (2^20 reads) is as it was. */
static double warm_seconds(int n, int gather)
{
    team_seconds(n, gather, tables, out);
    return fmin(team_seconds(n, gather, tables, out), team_seconds(n, gather, tables, out));
}

int ceiling_pair(int threads, double *compute, double *gather, double *barrier)
{
    if (!make_tables(threads)) return -1;
    for (int kind = 0; kind < 2; kind++)
        *(kind ? gather : compute) = threads * warm_seconds(1, kind) / warm_seconds(threads, kind);
    *barrier = ceiling_barrier_us(threads);
    return 0;
}
