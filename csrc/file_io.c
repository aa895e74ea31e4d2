/* file_io.c - whole-file reads and atomic writes (temporary file, fsync, rename), so a
 * failed save never leaves a partial file or harms the one it replaces; a pipe or device
 * is written in place; "-" is standard input (reads) or output (soso_file_write). */
#define _XOPEN_SOURCE 700 /* realpath */
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

/* Writes all of data to fd; returns 0 or the errno of the failure. */
static int write_all(int fd, const char *p, size_t left)
{
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        p += w;
        left -= (size_t)w;
    }
    return 0;
}

/* Something that is not a regular file (a pipe, a terminal, /dev/stdout): written in
 * place, as renaming a new file over it would replace the device or pipe by a file. */
static soso_status write_in_place(const char *path, int fd, const void *data, size_t len)
{
    int own = fd < 0, err = 0;
    if (own && (fd = open(path, O_WRONLY | O_NOCTTY)) < 0) return soso__fail(SOSO_E_IO, "cannot write %s: %s", path, strerror(errno));
    err = write_all(fd, data, len);
    if (own && close(fd) != 0 && !err) err = errno;
    return err ? soso__fail(SOSO_E_IO, "cannot write %s: %s", path, strerror(err)) : SOSO_OK;
}

/* A new file beside `path` (tmp: path + ".tmp.XXXXXX", created) with data, then renamed
 * over it. mode: the file's permissions; gid: its group where it replaces a file (best
 * effort: a shared file stays readable to its group), (gid_t)-1 for a new one. */
static soso_status write_and_rename(const char *path, const void *data, size_t len, mode_t mode, gid_t gid)
{
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
    if (gid != (gid_t)-1 && fchown(fd, (uid_t)-1, gid) != 0) errno = 0; /* not in that group: the writer's stays */
    (void)fchmod(fd, mode); /* mkstemp makes it 0600 */
    int err = write_all(fd, data, len);
    if (!err && fsync(fd) != 0) err = errno;
    if (close(fd) != 0 && !err) err = errno;
    if (!err && rename(tmp, path) != 0) err = errno;
    if (err) unlink(tmp);
    free(tmp);
    return err ? soso__fail(SOSO_E_IO, "cannot write %s: %s", path, strerror(err)) : SOSO_OK;
}

/* The writer of soso__write_file_atomic and soso_file_write; `dash`: "-" is standard
 * output (for soso_file_write; the saves keep writing a file of that name). */
static soso_status write_file(const char *path, const void *data, size_t len, int dash)
{
    if (!path || !*path) return soso__fail(SOSO_E_ARG, "output path is empty");
    if (!data && len) return soso__fail(SOSO_E_ARG, "data must not be NULL");
    if (dash && strcmp(path, "-") == 0) return write_in_place("standard output", STDOUT_FILENO, data, len);
    struct stat st;
    if (stat(path, &st) != 0) {
        if (lstat(path, &st) == 0) /* a link to nothing: renaming over it would replace the link */
            return soso__fail(SOSO_E_IO, "cannot write %s: it is a symbolic link to nothing", path);
        /* New: the usual permissions of a new file. (umask is read by setting it: for a
         * moment the process's mask is 0, as it was before this writer.) */
        mode_t mask = umask(0);
        umask(mask);
        return write_and_rename(path, data, len, 0666 & ~mask, (gid_t)-1);
    }
    if (S_ISDIR(st.st_mode)) return soso__fail(SOSO_E_IO, "cannot write %s: it is a directory", path);
    if (!S_ISREG(st.st_mode)) return write_in_place(path, -1, data, len);
    /* A file replaced keeps its permissions; behind a symbolic link it is the link's
     * target that is replaced, the link kept. */
    char *real = realpath(path, NULL);
    if (!real) return soso__fail(SOSO_E_IO, "cannot write %s: %s", path, strerror(errno));
    soso_status s = write_and_rename(real, data, len, st.st_mode & 0777, st.st_gid); /* not setuid's bits */
    free(real);
    return s;
}

soso_status soso__write_file_atomic(const char *path, const void *data, size_t len)
{
    return write_file(path, data, len, 0);
}

soso_status soso_file_write(const char *path, const void *data, size_t len) { return write_file(path, data, len, 1); }
