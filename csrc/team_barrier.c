/* team_barrier.c - see team_barrier.h. The atomics are OpenMP's with seq_cst, which
 * include a flush: the arrivals' writes before a barrier happen before the reads after
 * it on every thread. */
#define _POSIX_C_SOURCE 200809L
#include "soso_internal.h" /* team_barrier.h, and OpenMP as the build has it */

#include <sched.h>

/* Waits spin this many times before each further look yields the CPU (about 50 us here). */
#define SPINS 2000u

static void relax(void) /* a spin-wait hint: less power, no mis-speculation on exit */
{
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
    __builtin_ia32_pause();
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Whether a team of nt may wait on threads that are not running: more threads than
 * processors (tests run 3 and 4 on 2), or a team inside another team. Spinning there
 * takes the processor a late thread needs (3 threads on 2 processors: 47 us a barrier
 * against libgomp's 17-18, build/barrier_cost 3 with this check off), so OpenMP's own
 * barrier, which sleeps, serves. The processors
 * are counted once (libgomp asks the kernel each time: 0.2 us). */
static int crowded(unsigned nt)
{
    static int procs; /* 0: not counted yet */
    int p;
#pragma omp atomic read
    p = procs;
    if (p == 0) {
        p = omp_get_num_procs();
#pragma omp atomic write
        procs = p;
    }
    return nt > (unsigned)p || omp_get_active_level() > 1;
}

void soso__barrier_wait(soso__barrier *b)
{
    unsigned nt = (unsigned)omp_get_num_threads(), g, arrived, now;
    if (nt <= 1) return;
    if (crowded(nt)) { /* the same answer on every thread of the team */
#pragma omp barrier
        return;
    }
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
