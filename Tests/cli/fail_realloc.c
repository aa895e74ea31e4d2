/* fail_realloc.c - an LD_PRELOAD shim for test_cli.sh: the n-th call to realloc in the
 * process (FAIL_REALLOC=n) returns NULL, as when memory runs out. SOSO grows its
 * buffers with realloc, so some n fails one inside training. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

static long calls;

void *realloc(void *p, size_t n)
{
    static void *(*real)(void *, size_t);
    if (!real) real = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    const char *at = getenv("FAIL_REALLOC");
    if (at && ++calls == atol(at)) return NULL;
    return real(p, n);
}
