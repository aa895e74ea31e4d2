/* status.c - status codes, the thread-local last error, version and build information,
 * and the small allocation helpers every file uses. */
#include "soso_internal.h"

#include <math.h>

#include <cblas.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && !defined(__STDC_NO_THREADS__)
#  define SOSO__THREAD_LOCAL _Thread_local
#else
#  define SOSO__THREAD_LOCAL __thread
#endif

static SOSO__THREAD_LOCAL char last_error[512];
static SOSO__THREAD_LOCAL int last_os_error; /* errno behind the last failure, or 0 */

soso_status soso__fail(soso_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    last_os_error = 0;
    return status;
}

soso_status soso__fail_os(soso_status status, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof last_error)
        snprintf(last_error + n, sizeof last_error - (size_t)n, ": %s", strerror(err));
    last_os_error = err;
    return status;
}

const char *soso_last_error(void) { return last_error; }
int soso_last_os_error(void) { return last_os_error; }

const char *soso_status_string(soso_status status)
{
    switch (status) {
    case SOSO_OK: return "ok";
    case SOSO_E_ARG: return "invalid argument";
    case SOSO_E_NOMEM: return "out of memory";
    case SOSO_E_IO: return "input/output error";
    case SOSO_E_FORMAT: return "bad file format";
    case SOSO_E_VERSION: return "file format too new";
    case SOSO_E_EMPTY: return "nothing to work on";
    case SOSO_E_ABORTED: return "stopped on request";
    case SOSO_E_LIMIT: return "size limit exceeded";
    case SOSO_E_NUMERIC: return "not a finite number";
    }
    return "unknown status";
}

int soso_version_number(void) { return SOSO_VERSION_NUMBER; }
const char *soso_version_string(void) { return SOSO_VERSION_STRING; }

/* OpenBLAS's own description of itself; declared here to avoid depending on
 * openblas_config.h, which other CBLAS implementations lack. */
char *openblas_get_config(void);

/* Filled once; the critical section makes the first concurrent calls safe. */
const char *soso_build_info(void)
{
    static char info[512]; /* a long compiler version and OpenBLAS configuration fit */
#pragma omp critical(soso_build_info)
    if (!info[0]) {
        char omp[32];
#if defined(_OPENMP)
        snprintf(omp, sizeof omp, "openmp %d", (int)_OPENMP);
#else
        snprintf(omp, sizeof omp, "openmp none");
#endif
        const char *cc =
#if defined(__clang__)
            "clang " __clang_version__;
#elif defined(__GNUC__)
            "gcc " __VERSION__;
#else
            "unknown compiler";
#endif
        /* Which kernels run: orthogonalisation's products and the documents' scores and
         * Hebbian ranks (benchmarks differ by 2-3x and 10-30% between them). */
        int simd = soso__avx512_enabled();
        snprintf(info, sizeof info, "soso %s; %s; %s; dense %s; scores %s; blas %s", SOSO_VERSION_STRING, cc, omp,
                 simd ? "avx512" : "openblas", simd ? "avx512" : "portable", openblas_get_config());
    }
    return info;
}

int soso_max_threads(void) { return omp_get_max_threads(); }

int soso__team_size(int threads, double work)
{
    /* Below ~20k multiply-adds per thread the fork/join costs more than it saves. */
    if (threads <= 1) return 1;
    double per = work / 20000.0;
    if (per < 2.0) return 1;
    if (per < (double)threads) return (int)per;
    return threads;
}

float soso__max_abs(const float *x, size_t n)
{
    float m = 0;
    for (size_t i = 0; i < n; i++) m = soso__max_with(m, fabsf(x[i]));
    return m;
}

int soso__unit_exponent(const float *x, size_t n, int lim)
{
    float m = soso__max_abs(x, n);
    int e = 0;
    if (m > 0 && !(m > ldexpf(1.0f, -lim) && m < ldexpf(1.0f, lim))) frexpf(m, &e);
    return e;
}

int soso__mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > (size_t)-1 / a) return 0;
    *out = a * b;
    return 1;
}

int soso__add_size(size_t a, size_t b, size_t *out)
{
    if (b > (size_t)-1 - a) return 0;
    *out = a + b;
    return 1;
}

long soso__alloc_fault;

/* Whether this allocation is the one a test asked to fail (soso__alloc_fault). */
static int injected_failure(void)
{
    long left;
#pragma omp atomic read
    left = soso__alloc_fault;
    if (left <= 0) return 0;
#pragma omp atomic capture
    left = --soso__alloc_fault;
    return left == 0;
}

/* Never a request for 0 bytes: malloc(0) may return NULL, which would read as failure. */
void *soso__malloc(size_t bytes) { return injected_failure() ? NULL : malloc(bytes ? bytes : 1); }
void *soso__calloc(size_t n, size_t size) { return injected_failure() ? NULL : calloc(n ? n : 1, size ? size : 1); }
void *soso__realloc(void *p, size_t bytes) { return injected_failure() ? NULL : realloc(p, bytes ? bytes : 1); }

void *soso__alloc_array(size_t n, size_t size)
{
    size_t bytes;
    if (!soso__mul_size(n, size, &bytes)) return NULL;
    return soso__malloc(bytes);
}

void *soso__calloc_array(size_t n, size_t size)
{
    size_t bytes;
    if (!soso__mul_size(n, size, &bytes)) return NULL;
    return soso__calloc(bytes, 1);
}

soso_status soso__reserve(void **buf, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return SOSO_OK;
    size_t next = *cap ? *cap : 16;
    while (next < need) {
        if (next > (size_t)-1 / 2) return soso__fail(SOSO_E_NOMEM, "buffer size overflow");
        next *= 2;
    }
    size_t bytes;
    if (!soso__mul_size(next, size, &bytes)) return soso__fail(SOSO_E_NOMEM, "buffer size overflow");
    void *p = soso__realloc(*buf, bytes);
    if (!p) return soso__fail(SOSO_E_NOMEM, "out of memory growing a buffer to %zu bytes", bytes);
    *buf = p;
    *cap = next;
    return SOSO_OK;
}

void soso_free(void *ptr) { free(ptr); }
