/* avx512.h - what the hand-written AVX-512 kernels (dense_avx512.c, scores_avx512.c)
 * share: whether this build has them (SOSO__AVX512: x86-64 with GCC or clang, unless
 * SOSO_NO_SIMD), the attribute that compiles a function for AVX-512F alone (the rest
 * of the library stays plain x86-64; soso__avx512_enabled() asks the CPU at run time),
 * and the mask of a vector's first lanes. */
#ifndef SOSO_AVX512_H
#define SOSO_AVX512_H

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(SOSO_NO_SIMD)
#define SOSO__AVX512 1
#include <immintrin.h>
#include <stddef.h>

#define SIMD __attribute__((target("avx512f")))

/* The first min(n, 16) lanes. */
static inline __mmask16 first_lanes(size_t n) { return (__mmask16)(n >= 16 ? 0xFFFFu : (1u << n) - 1); }
#endif

#endif
