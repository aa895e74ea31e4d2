/* select.c - the k strongest entries of a vector (by value, magnitude or negated value)
 * with a bounded heap, ties going to the lower index, so selections are reproducible. */
#include "soso_internal.h"

#include <math.h>
#include <stdlib.h>

static float key_of(float v, int mode) { return mode == 1 ? fabsf(v) : mode < 0 ? -v : v; }

int soso__beats(const float *a, int mode, uint32_t i, uint32_t j)
{
    float ki = key_of(a[i], mode), kj = key_of(a[j], mode);
    return ki > kj || (ki == kj && i < j);
}

static void sift_down(const float *a, int mode, uint32_t *heap, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, weakest = i;
        if (l < n && soso__beats(a, mode, heap[weakest], heap[l])) weakest = l;
        if (r < n && soso__beats(a, mode, heap[weakest], heap[r])) weakest = r;
        if (weakest == i) return;
        uint32_t t = heap[i];
        heap[i] = heap[weakest];
        heap[weakest] = t;
        i = weakest;
    }
}

size_t soso__top_indices(const float *a, size_t n, size_t k, int mode, uint32_t *out)
{
    /* A min-heap of the best so far (out[0] is the weakest kept); NaN never beats. With
     * k = 0 there is no heap: out may be empty (or NULL) and is not touched. */
    if (k == 0) return 0;
    size_t size = 0;
    for (size_t i = 0; i < n; i++) {
        if (size < k) {
            size_t c = size++;
            out[c] = (uint32_t)i;
            while (c > 0) {
                size_t parent = (c - 1) / 2;
                if (!soso__beats(a, mode, out[parent], out[c])) break;
                uint32_t t = out[parent];
                out[parent] = out[c];
                out[c] = t;
                c = parent;
            }
        } else if (soso__beats(a, mode, (uint32_t)i, out[0])) {
            out[0] = (uint32_t)i;
            sift_down(a, mode, out, size, 0);
        }
    }
    /* Heap sort in place: repeatedly move the weakest to the end. */
    for (size_t end = size; end > 1; end--) {
        uint32_t t = out[0];
        out[0] = out[end - 1];
        out[end - 1] = t;
        sift_down(a, mode, out, end - 1, 0);
    }
    return size;
}

void soso__topk_fill_in(float *a, size_t n, size_t k, int mode, float fill, uint32_t *top)
{
    if (k >= n) return;
    if (k == 0) {
        for (size_t i = 0; i < n; i++) a[i] = fill;
        return;
    }
    soso__top_indices(a, n, k, mode, top);
    uint32_t weakest = top[k - 1];
    /* Kept: the weakest kept entry and everything that beats it (a[weakest] itself is
     * never overwritten, so the comparison stays valid while filling). */
    for (size_t i = 0; i < n; i++)
        if ((uint32_t)i != weakest && !soso__beats(a, mode, (uint32_t)i, weakest)) a[i] = fill;
}

soso_status soso__topk_fill(float *a, size_t n, size_t k, int mode, float fill)
{
    uint32_t *top = NULL; /* needed only to keep some, not all */
    if (k > 0 && k < n) {
        if (n > UINT32_MAX) return soso__fail(SOSO_E_LIMIT, "at most 2^32-1 entries");
        if (!(top = soso__alloc_array(k, sizeof *top)))
            return soso__fail(SOSO_E_NOMEM, "out of memory selecting %zu entries", k);
    }
    soso__topk_fill_in(a, n, k, mode, fill, top);
    free(top);
    return SOSO_OK;
}
