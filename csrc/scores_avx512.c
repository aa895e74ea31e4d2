/* scores_avx512.c - soso__scores_transposed for p = 2 and p = 3 with AVX-512: a document's
 * scores against up to 32 units at a time, their double sums held in four registers over
 * the document's words. The portable loop keeps its sums in an array in memory (GCC
 * loads and stores every sum at every word); these are its sums in its order, so the
 * same bits. Taken where dense_avx512.c's kernels are (soso__avx512_enabled). */
#include "avx512.h"
#include "soso_internal.h"

#ifdef SOSO__AVX512

/* Floats 0-7 and 8-15 of x as doubles. */
SIMD static inline __m512d low_pd(__m512 x) { return _mm512_cvtps_pd(_mm512_castps512_ps256(x)); }
SIMD static inline __m512d high_pd(__m512 x)
{
    return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1)));
}

/* f_p(w) x as the portable loop rounds it: w x for p = 2 (exact in double), (w |w|) x
 * for p = 3 (w |w| exact, times x rounded once). */
SIMD static inline __m512d term(int cube, __m512d w, __m512d x)
{
    if (cube) w = _mm512_mul_pd(w, _mm512_castsi512_pd(_mm512_and_epi64(_mm512_castpd_si512(w),
                                                                         _mm512_set1_epi64(0x7fffffffffffffffLL))));
    return _mm512_mul_pd(w, x);
}

SIMD static inline __attribute__((always_inline)) void scores32(int cube, const float *WT, size_t H, size_t h0,
                                                                size_t nnz, const uint32_t *idx, const float *val,
                                                                const double *scale, float *out)
{
    size_t n = H - h0 < 32 ? H - h0 : 32;
    __mmask16 m0 = first_lanes(n), m1 = first_lanes(n > 16 ? n - 16 : 0);
    __m512d a0 = _mm512_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t e = 0; e < nnz; e++) {
        const float *col = WT + (size_t)idx[e] * H + h0;
        __m512d x = _mm512_set1_pd((double)val[e]);
        __m512 lo = _mm512_maskz_loadu_ps(m0, col), hi = _mm512_maskz_loadu_ps(m1, col + 16);
        a0 = _mm512_add_pd(a0, term(cube, low_pd(lo), x));
        a1 = _mm512_add_pd(a1, term(cube, high_pd(lo), x));
        a2 = _mm512_add_pd(a2, term(cube, low_pd(hi), x));
        a3 = _mm512_add_pd(a3, term(cube, high_pd(hi), x));
    }
    double acc[32];
    _mm512_storeu_pd(acc, a0);
    _mm512_storeu_pd(acc + 8, a1);
    _mm512_storeu_pd(acc + 16, a2);
    _mm512_storeu_pd(acc + 24, a3);
    if (scale)
        for (size_t h = 0; h < n; h++) out[h0 + h] = (float)((double)(float)acc[h] * scale[h0 + h]);
    else
        for (size_t h = 0; h < n; h++) out[h0 + h] = (float)acc[h];
}

SIMD void soso__scores_transposed_avx512(const float *WT, size_t H, float p, size_t nnz, const uint32_t *idx,
                                         const float *val, const double *scale, float *out)
{
    for (size_t h0 = 0; h0 < H; h0 += 32) {
        if (p == 3.0f)
            scores32(1, WT, H, h0, nnz, idx, val, scale, out);
        else
            scores32(0, WT, H, h0, nnz, idx, val, scale, out);
    }
}

#else

void soso__scores_transposed_avx512(const float *WT, size_t H, float p, size_t nnz, const uint32_t *idx,
                                    const float *val, const double *scale, float *out)
{
    (void)WT, (void)H, (void)p, (void)nnz, (void)idx, (void)val, (void)scale, (void)out; /* never called */
}

#endif
