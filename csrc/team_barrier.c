/* team_barrier.c - see team_barrier.h. The atomics are OpenMP's with seq_cst, which
 * include a flush: the arrivals' writes before a barrier happen before the reads after
 * it on every thread. */
#define _POSIX_C_SOURCE 200809L
#include "soso_internal.h" /* team_barrier.h, and OpenMP as the build has it */

#include <sched.h>

/* Waits spin this many times before each further look yields the CPU (about 50 us here). */
#define SPINS 2000u

static void relax(void)
{
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
    __builtin_ia32_pause(); /* a spin-wait hint: less power, no mis-speculation on exit */
#endif
}

void soso__barrier_wait(soso__barrier *b)
{
    unsigned nt = (unsigned)omp_get_num_threads(), g, arrived, now;
    if (nt <= 1) return;
    /* gen cannot change before this thread arrives: read first, it is the one to wait past */
#pragma omp atomic read seq_cst
    g = b->gen;
#pragma omp atomic capture seq_cst
    arrived = ++b->count;
    if (arrived == nt) { /* the last: reset the count before anyone can arrive again */
#pragma omp atomic write seq_cst
        b->count = 0;
#pragma omp atomic write seq_cst
        b->gen = g + 1;
        return;
    }
    for (unsigned spins = 0;; spins += spins < SPINS) {
#pragma omp atomic read seq_cst
        now = b->gen;
        if (now != g) return;
        if (spins < SPINS)
            relax();
        else
            sched_yield();
    }
}
