/* ceiling.h - what this machine itself gives N threads over 1, measured beside the
 * kernels: a thread-count goal can be no nearer than this. */
#ifndef SOSO_BENCH_CEILING_H
#define SOSO_BENCH_CEILING_H

/* N threads at once against 1, each doing the same fixed work on data of its own, as
 * the ratio of total throughputs (N when the cores are N equal, unshared ones): *compute
 * for arithmetic on data in the L1 cache, *gather for independent reads scattered over a
 * table of 32 MiB per thread (the kind of reads the Hebbian scores make); and
 * *barrier_us, microseconds per OpenMP barrier of the N threads (what every hand-over
 * between phases costs, and a measure of how far apart the cores are: cache lines that
 * two threads share move at that kind of latency). Returns 0, or -1 out of memory. */
int ceiling_pair(int threads, double *compute, double *gather, double *barrier_us);

/* Microseconds per OpenMP barrier of a team of n (ceiling_pair's third figure). */
double ceiling_barrier_us(int n);

#endif
