/* rank_avx512.c - the Hebbian gate's ranks 1 and 2 (hebbian.c's top2) for up to 32
 * units with AVX-512: the scores in two registers, NaN set to -infinity, a maximum by
 * lanes, then the first lane equal to it; again without the winner. The same choices as
 * top2 (first index among equals, -0 equal to +0, NaN never chosen); it took about a
 * twentieth of a 1-thread epoch at 26 units as a scalar loop. Taken where
 * soso__avx512_enabled(). */
#include "avx512.h"
#include "soso_internal.h"

#include <math.h>

#ifdef SOSO__AVX512

/* Lanes of x (those in `in`) that are not NaN, others -infinity. */
SIMD static inline __m512 ordered(__m512 x, __mmask16 in)
{
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_ORD_Q) & in, _mm512_set1_ps(-INFINITY), x);
}

/* The lanes (of 32) equal to m. */
SIMD static inline uint32_t lanes_equal(__m512 x0, __m512 x1, __mmask16 in0, __mmask16 in1, float m)
{
    __m512 v = _mm512_set1_ps(m);
    return (uint32_t)(_mm512_cmp_ps_mask(x0, v, _CMP_EQ_OQ) & in0) |
           (uint32_t)(_mm512_cmp_ps_mask(x1, v, _CMP_EQ_OQ) & in1) << 16;
}

SIMD int soso__top2_avx512(const float *s, size_t H, uint32_t *win, uint32_t *lose)
{
    __mmask16 in0 = first_lanes(H), in1 = first_lanes(H > 16 ? H - 16 : 0);
    __m512 x0 = _mm512_maskz_loadu_ps(in0, s), x1 = _mm512_maskz_loadu_ps(in1, s + 16);
    __m512 o0 = ordered(x0, in0), o1 = ordered(x1, in1);
    uint32_t at0 = lanes_equal(x0, x1, in0, in1, _mm512_reduce_max_ps(_mm512_max_ps(o0, o1)));
    if (!at0) return 0; /* every score NaN */
    uint32_t b0 = (uint32_t)__builtin_ctz(at0);
    __mmask16 not0 = (__mmask16)~(b0 < 16 ? 1u << b0 : 0), not1 = (__mmask16)~(b0 >= 16 ? 1u << (b0 - 16) : 0);
    o0 = _mm512_mask_blend_ps(not0, _mm512_set1_ps(-INFINITY), o0);
    o1 = _mm512_mask_blend_ps(not1, _mm512_set1_ps(-INFINITY), o1);
    uint32_t at1 = lanes_equal(x0, x1, in0 & not0, in1 & not1, _mm512_reduce_max_ps(_mm512_max_ps(o0, o1)));
    if (!at1) return 0; /* the others all NaN */
    *win = b0;
    *lose = (uint32_t)__builtin_ctz(at1);
    return 1;
}

#else

int soso__top2_avx512(const float *s, size_t H, uint32_t *win, uint32_t *lose)
{
    (void)s, (void)H, (void)win, (void)lose; /* never called */
    return 0;
}

#endif
