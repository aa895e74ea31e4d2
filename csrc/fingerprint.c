/* fingerprint.c - 64-bit fingerprints of the documents or the file a training started
 * on, so that resuming it on other data (the same number of documents included) is
 * refused instead of training a mix. Built from numbers and text, not bytes in memory:
 * the same documents give the same fingerprint on any machine. Not cryptographic: it tells a
 * mistaken file apart, not a forged one. */
#include "soso_internal.h"

#define FNV_PRIME 0x100000001B3ull /* FNV-1a's, for text */

uint64_t soso__fingerprint_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * FNV_PRIME;
    return h;
}

/* One value at a time (a multiply and a shift: an expanded corpus has tens of millions);
 * static, so that the loops below inline it (a call to the exported name is not). */
static uint64_t mix(uint64_t h, uint64_t v)
{
    h = (h ^ v) * 0x9E3779B97F4A7C15ull;
    return h ^ h >> 32;
}

uint64_t soso__fingerprint_u64(uint64_t h, uint64_t v) { return mix(h, v); }

/* The rows' lengths, then their columns in row order: which words each document holds.
 * Not the values, whose last bits may differ between builds (expanded documents and
 * stacked codes come from float arithmetic that a compiler may fuse), so that a
 * checkpoint resumes on another machine; the model's input options fix the weighting. */
uint64_t soso__fingerprint_docs(const soso_docs *d)
{
    uint64_t h = mix(SOSO__FINGERPRINT_START, d->rows);
    h = mix(h, d->cols);
    for (size_t i = 0; i < d->rows; i++) h = mix(h, d->indptr[i + 1] - d->indptr[i]);
    for (size_t e = 0; e < d->indptr[d->rows]; e++) h = mix(h, d->indices[e]); /* flat: faster */
    return h;
}
