/* barrier_cost.c - microseconds a barrier of N threads (default 2) takes, OpenMP's own
 * against the one the training loops use (csrc/team_barrier.c), each the best of 5 runs
 * of 20,000 barriers in a row. Built by `make build/barrier_cost` (it reads the
 * library's internal header, as it times an internal piece); run by hand:
 *
 *   ./build/barrier_cost [N]
 *
 * A team larger than the processors makes the library's barrier OpenMP's own. */
#include "ceiling.h" /* OpenMP's, as bench_kernels times it */
#include "soso_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROUNDS 20000 /* as ceiling_barrier_us */

static double library_round_us(int n)
{
    soso__barrier b;
    memset(&b, 0, sizeof b);
    double t0 = omp_get_wtime();
#pragma omp parallel num_threads(n)
    for (int i = 0; i < ROUNDS; i++) soso__barrier_wait(&b);
    return (omp_get_wtime() - t0) * 1e6 / ROUNDS;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2;
    if (n < 1) {
        fprintf(stderr, "usage: barrier_cost [THREADS]\n");
        return 2;
    }
    double best_omp = 1e30, best_lib = 1e30;
    for (int r = 0; r < 5; r++) {
        double a = ceiling_barrier_us(n), b = library_round_us(n);
        best_omp = a < best_omp ? a : best_omp;
        best_lib = b < best_lib ? b : best_lib;
    }
    printf("{\"threads\": %d, \"omp_barrier_us\": %.4f, \"library_barrier_us\": %.4f}\n", n, best_omp, best_lib);
    return 0;
}
