/* team_barrier.h - a barrier for the threads of one parallel region, for the training
 * loops that pass one between every phase of a mini-batch (Hebbian's and soft's: four a
 * batch of 100 documents, some 14 us of work on 2 threads). OpenMP's own (libgomp's
 * team barrier, which also runs tasks) took 0.19 us for 2 threads on the 2-vCPU
 * machine in its normal spells; this one, arrivals counted on one line and the release
 * watched on another, 0.06-0.07 (0.40 against 0.27 in its slow spells; bench/
 * barrier_cost.c). */
#ifndef SOSO_TEAM_BARRIER_H
#define SOSO_TEAM_BARRIER_H

/* One per team, zeroed before its first use, shared by the team's threads. The
 * counters sit on lines of their own, away from the struct around them, whose fields
 * every thread reads. */
typedef struct soso__barrier {
    char before[128];
    unsigned count; /* threads arrived at the present barrier */
    char between[124];
    unsigned gen;   /* barriers completed: the waiters watch it */
    char after[124];
} soso__barrier;

/* Waits until every thread of the calling thread's team has called it; what each
 * thread wrote before it is visible to all after it (as after `omp barrier`). Every
 * thread of the team must call it, as with `omp barrier`; on one thread it returns at
 * once. Waiting spins, then yields the CPU; a team larger than the machine's processors,
 * or nested in another, uses `omp barrier` itself (see team_barrier.c). */
void soso__barrier_wait(soso__barrier *b);

#endif
