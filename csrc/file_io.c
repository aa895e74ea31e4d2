/* file_io.c - whole-file reads and atomic writes (temporary file, fsync, rename), so a
 * failed save never leaves a partial file or harms the one it replaces. */
#define _POSIX_C_SOURCE 200809L
#include "soso_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static soso_status read_stream(FILE *f, const char *path, char **data, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = soso__malloc(cap);
    if (!buf) return soso__fail(SOSO_E_NOMEM, "out of memory reading %s", path);
    for (;;) {
        if (cap - n < 2) {
            if (cap > ((size_t)-1) / 2) {
                free(buf);
                return soso__fail(SOSO_E_LIMIT, "%s is too large", path);
            }
            char *p = soso__realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                return soso__fail(SOSO_E_NOMEM, "out of memory reading %s (%zu bytes so far)", path, n);
            }
            buf = p;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        free(buf);
        return soso__fail(SOSO_E_IO, "cannot read %s: %s", path, strerror(errno));
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return SOSO_OK;
}

soso_status soso__read_file(const char *path, char **data, size_t *len)
{
    if (strcmp(path, "-") == 0) return read_stream(stdin, "standard input", data, len);
    FILE *f = fopen(path, "rb");
    if (!f) return soso__fail(SOSO_E_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return soso__fail(SOSO_E_IO, "cannot read %s: it is a directory", path);
    }
    soso_status s = read_stream(f, path, data, len);
    fclose(f);
    return s;
}

soso_status soso__write_file_atomic(const char *path, const void *data, size_t len)
{
    if (!path || !*path) return soso__fail(SOSO_E_ARG, "output path is empty");
    size_t plen = strlen(path);
    char *tmp = soso__malloc(plen + 16);
    if (!tmp) return soso__fail(SOSO_E_NOMEM, "out of memory");
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        soso_status s = soso__fail(SOSO_E_IO, "cannot create a file next to %s: %s", path, strerror(errno));
        free(tmp);
        return s;
    }
    /* mkstemp makes the file 0600; give it the usual permissions of a new file. */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    const char *p = data;
    size_t left = len;
    int err = 0;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR) continue;
            err = errno;
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    if (!err && fsync(fd) != 0) err = errno;
    if (close(fd) != 0 && !err) err = errno;
    if (!err && rename(tmp, path) != 0) err = errno;
    if (err) {
        unlink(tmp);
        free(tmp);
        return soso__fail(SOSO_E_IO, "cannot write %s: %s", path, strerror(err));
    }
    free(tmp);
    return SOSO_OK;
}
