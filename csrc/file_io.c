/* file_io.c - whole-file reads and atomic writes (temporary file, fsync, rename), so a
 * failed save never leaves a partial file or harms the one it replaces; a pipe or device
 * is written in place; "-" is standard input (reads) or output (soso_file_write). */
#define _XOPEN_SOURCE 700 /* realpath */
#include "soso_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
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
        return soso__fail_os(SOSO_E_IO, errno, "cannot read %s", path);
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
    if (!f) return soso__fail_os(SOSO_E_IO, errno, "cannot open %s", path);
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

/* write_all to what may be a pipe. A pipe whose reader is gone raises SIGPIPE, whose
 * default ends the process, and the library must return EPIPE instead: SIGPIPE is
 * blocked in this thread for the write and, if the write raised it, taken back (sigwait
 * returns at once, it being pending), so the caller's handling of it is as before. */
static int write_all_to_pipe(int fd, const char *p, size_t len)
{
#ifdef F_SETNOSIGPIPE
    /* macOS raises SIGPIPE on the process, not the writing thread, so a mask of this
     * thread would not hold it: the descriptor is told not to raise it instead (the flag
     * is the caller's too, so it is put back). */
    int had = fcntl(fd, F_GETNOSIGPIPE);
    if (had == 0 && fcntl(fd, F_SETNOSIGPIPE, 1) == 0) {
        int err = write_all(fd, p, len);
        (void)fcntl(fd, F_SETNOSIGPIPE, 0);
        return err;
    }
    if (had > 0) return write_all(fd, p, len);
#endif
    sigset_t pipe_only, old, pending;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    if (pthread_sigmask(SIG_BLOCK, &pipe_only, &old) != 0) return write_all(fd, p, len);
    int was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
    int err = write_all(fd, p, len);
    if (err == EPIPE && !was_pending && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE)) {
        int sig;
        (void)sigwait(&pipe_only, &sig);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return err;
}

/* Something that is not a regular file (a pipe, a terminal, /dev/stdout): written in
 * place, as renaming a new file over it would replace the device or pipe by a file. */
static soso_status write_in_place(const char *path, int fd, const void *data, size_t len)
{
    int own = fd < 0, err = 0;
    if (own && (fd = open(path, O_WRONLY | O_NOCTTY)) < 0) return soso__fail_os(SOSO_E_IO, errno, "cannot write %s", path);
    err = write_all_to_pipe(fd, data, len);
    if (own && close(fd) != 0 && !err) err = errno;
    return err ? soso__fail_os(SOSO_E_IO, err, "cannot write %s", path) : SOSO_OK;
}

/* Creates tmp (path + ".tmp." + 6 letters, tried until a name is free) with open(2)'s
 * `mode`, which the umask then narrows as for any new file. Unlike mkstemp (always 0600)
 * a new file thus gets the usual permissions without the umask being read by setting it,
 * which would change it for a moment under every other thread of the process. */
static int create_temp(char *tmp, size_t plen, mode_t mode)
{
    static const char letters[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    uint64_t x = (uint64_t)getpid() ^ (uint64_t)(uintptr_t)tmp ^ (uint64_t)(soso__now() * 1e9);
    memcpy(tmp + plen, ".tmp.", 5);
    tmp[plen + 11] = '\0';
    for (int attempt = 0; attempt < 1000; attempt++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t y = x >> 16;
        for (int i = 0; i < 6; i++, y /= 36) tmp[plen + 5 + i] = letters[y % 36];
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY, mode);
        if (fd >= 0 || errno != EEXIST) return fd;
    }
    return -1; /* errno: EEXIST */
}

/* A new file beside `path` (its name from create_temp) with data, then renamed over it.
 * mode: the replaced file's permissions, or (mode_t)-1 for a new file (0666 less the
 * umask); gid: the replaced file's group (best effort: a shared file stays readable to
 * its group), or (gid_t)-1. */
static soso_status write_and_rename(const char *path, const void *data, size_t len, mode_t mode, gid_t gid)
{
    size_t plen = strlen(path);
    char *tmp = soso__malloc(plen + 16);
    if (!tmp) return soso__fail(SOSO_E_NOMEM, "out of memory");
    memcpy(tmp, path, plen);
    mode_t create_mode = mode == (mode_t)-1 ? 0666 : 0600; /* a replaced file's mode is set below */
    int fd = create_temp(tmp, plen, create_mode);
    if (fd < 0 && errno == ENAMETOOLONG) {
        /* A name near its file system's limit has no room for ".tmp.XXXXXX": the
         * temporary is then ".soso.tmp.XXXXXX" in the same directory (the rename stays
         * within it). */
        const char *slash = strrchr(path, '/');
        size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
        memcpy(tmp + dir_len, ".soso", 5);
        fd = create_temp(tmp, dir_len + 5, create_mode);
    }
    if (fd < 0) {
        soso_status s = soso__fail_os(SOSO_E_IO, errno, "cannot create a file next to %s", path);
        free(tmp);
        return s;
    }
    if (gid != (gid_t)-1 && fchown(fd, (uid_t)-1, gid) != 0) errno = 0; /* not in that group: the writer's stays */
    if (mode != (mode_t)-1) (void)fchmod(fd, mode); /* the replaced file's, which the umask must not narrow */
    int err = write_all(fd, data, len);
    if (!err && fsync(fd) != 0) err = errno;
    if (close(fd) != 0 && !err) err = errno;
    if (!err && rename(tmp, path) != 0) err = errno;
    if (err) unlink(tmp);
    free(tmp);
    return err ? soso__fail_os(SOSO_E_IO, err, "cannot write %s", path) : SOSO_OK;
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
        return write_and_rename(path, data, len, (mode_t)-1, (gid_t)-1); /* new: a new file's usual permissions */
    }
    if (S_ISDIR(st.st_mode)) return soso__fail(SOSO_E_IO, "cannot write %s: it is a directory", path);
    if (!S_ISREG(st.st_mode)) return write_in_place(path, -1, data, len);
    /* A file replaced keeps its permissions; behind a symbolic link it is the link's
     * target that is replaced, the link kept. */
    char *real = realpath(path, NULL);
    if (!real) return soso__fail_os(SOSO_E_IO, errno, "cannot write %s", path);
    soso_status s = write_and_rename(real, data, len, st.st_mode & 0777, st.st_gid); /* not setuid's bits */
    free(real);
    return s;
}

soso_status soso__write_file_atomic(const char *path, const void *data, size_t len)
{
    return write_file(path, data, len, 0);
}

soso_status soso_file_write(const char *path, const void *data, size_t len) { return write_file(path, data, len, 1); }
