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
    if (at && __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED) == atol(at)) return NULL; /* threads call it too */
    return real(p, n);
}
